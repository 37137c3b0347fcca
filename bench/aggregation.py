"""Issue 5's figures: aggregating one round of 1,000, 10,000 and 50,000 respondents to the v1
questionnaire on PostgreSQL, with its SQL statement count, beside one plain
`GROUP BY question, value` over the same answers (the floor).

Each round is computed open (the routine recomputation while answers come in), then closed:
a closed round's computation also fingerprints every respondent, compares them with the visible
version and suppresses team and role cells jointly (issue 14), the anonymity rule's whole cost.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python -m bench.aggregation

Answers are generated in SQL (random values within each question's options, 5% "don't know"),
in a throwaway database.
"""

import os
import statistics
import sys
import time

from bench.harness import throwaway_database

SIZES = [int(size) for size in os.environ.get("BENCH_SIZES", "1000,10000,50000").split(",")]
RUNS = 3

GENERATE = """
WITH new_invitations AS (
    INSERT INTO assessments_invitation
        (public_id, round_id, token, email, team_id, status, created_at, sent_at)
    SELECT gen_random_uuid(), %(round)s, md5(random()::text || n), '',
           (SELECT id FROM organizations_team WHERE organization_id = %(organization)s
            ORDER BY id OFFSET n %% 8 LIMIT 1),
           'sent', now(), now()
    FROM generate_series(1, %(n)s) AS n
    RETURNING id, team_id
), new_responses AS (
    INSERT INTO assessments_response (invitation_id, round_id, team_id, started_at, submitted_at)
    SELECT id, %(round)s, team_id, now(), now() FROM new_invitations
    RETURNING id
)
INSERT INTO assessments_answer
    (response_id, question_id, value, dont_know, not_applicable, text, updated_at)
SELECT r.id, q.id,
       CASE WHEN q.kind = 'free_text' OR (q.allows_dont_know AND u < 0.05) THEN NULL
            WHEN q.kind = 'multiple_choice'
                THEN 1 + floor(u * (pow(2, jsonb_array_length(q.options)) - 1))::int
            ELSE floor(u * jsonb_array_length(q.options))::int END,
       q.allows_dont_know AND u < 0.05,
       false,
       CASE WHEN q.kind = 'free_text' THEN 'obstacle ' || floor(u * 20)::int ELSE '' END,
       now()
FROM new_responses r
CROSS JOIN LATERAL (
    SELECT id, kind, options, allows_dont_know, random() AS u
    FROM assessments_question WHERE questionnaire_id = %(questionnaire)s
) q
"""
FLOOR = """
SELECT a.question_id, a.value, count(*) FROM assessments_answer a
JOIN assessments_response r ON r.id = a.response_id
WHERE r.round_id = %s GROUP BY a.question_id, a.value
"""


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server: the figures are PostgreSQL's.")
    with throwaway_database():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from assessments.models import Round
        from assessments.questionnaire_loader import questionnaire_load
        from assessments.services import round_result_compute
        from organizations.models import Organization, Team

        questionnaire = questionnaire_load().questionnaire
        organization = Organization.objects.create(name="Bench", slug="bench")
        Team.objects.bulk_create(
            Team(organization=organization, name=f"Team {n}") for n in range(8)
        )
        print(
            f"{'respondents':>12}{'answers':>11}{'open':>9}{'closed':>9}{'floor':>9}{'ratio':>7}"
            f"{'statements':>12}"
        )
        for size in SIZES:
            round = Round.objects.create(
                organization=organization,
                questionnaire=questionnaire,
                title=f"{size}",
                status=Round.Status.OPEN,
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    GENERATE,
                    {
                        "round": round.pk,
                        "organization": organization.pk,
                        "n": size,
                        "questionnaire": questionnaire.pk,
                    },
                )
                answers = cursor.rowcount
                cursor.execute("ANALYZE")

            def floor(round_id=round.pk):
                with connection.cursor() as cursor:
                    cursor.execute(FLOOR, [round_id])
                    cursor.fetchall()

            floors = [timed(floor) for _ in range(RUNS)]
            opened = [
                timed(lambda round=round: round_result_compute(round=round)) for _ in range(RUNS)
            ]
            Round.objects.filter(pk=round.pk).update(status=Round.Status.CLOSED)
            runs = [
                timed(lambda round=round: round_result_compute(round=round)) for _ in range(RUNS)
            ]
            with CaptureQueriesContext(connection) as captured:
                round_result_compute(round=round)
            statements = sum(
                not q["sql"].startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"))
                for q in captured.captured_queries
            )
            aggregate, plain = statistics.median(runs), statistics.median(floors)
            while_open = statistics.median(opened)
            print(
                f"{size:>12,}{answers:>11,}{while_open * 1000:>7.0f}ms{aggregate * 1000:>7.0f}ms"
                f"{plain * 1000:>7.0f}ms{aggregate / plain:>7.1f}{statements:>12}"
            )


if __name__ == "__main__":
    main()
