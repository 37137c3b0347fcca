"""Aggregating one round: small tables counted in SQL, turned into the stored round result by the
rules of scoring.py.

The database does the counting (GROUP BY question and value, per team and per role); only those
tables come back, so the number of queries and the Python work do not grow with respondents.
Anonymity is enforced here, once: a cell below the round's threshold, and whatever
complementary cells scoring.suppressed_cells adds, never enters the result, so no page, export
or PDF built from it can show it.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, FilteredRelation, Max, Q

from . import scoring
from .models import Answer, Dimension, Invitation, Question, Response, Round, RoundResult

ROLE_QUESTION = "context-role"
COMMENT_QUESTION = "context-obstacle"
NO_TEAM = "No team"


@dataclass(frozen=True)
class QuestionInfo:
    id: int
    key: str
    kind: str
    dimension_key: str
    dimension_kind: str
    weight: float
    labels: dict[int, str]


def questions_of(round: Round) -> dict[int, QuestionInfo]:
    questions = Question.objects.filter(questionnaire_id=round.questionnaire_id).select_related(
        "dimension"
    )
    return {
        question.pk: QuestionInfo(
            question.pk,
            question.key,
            question.kind,
            question.dimension.key,
            question.dimension.kind,
            question.weight,
            {option["value"]: option["label"] for option in question.options},
        )
        for question in questions.order_by("position")
    }


def submitted_answers(round: Round):
    return Answer.objects.filter(response__round=round, response__submitted_at__isnull=False)


def distribution_tables(rows, questions: dict[int, QuestionInfo], group_key: str | None = None):
    """{group: {question_id: ({value: n}, dont_know_n)}} from rows of GROUP BY counts.
    Multiple-choice values are bit masks: each mask's count goes to every option it holds."""
    tables: dict = defaultdict(lambda: defaultdict(lambda: [defaultdict(int), 0]))
    for row in rows:
        group = row[group_key] if group_key else None
        question = questions[row["question_id"]]
        cell = tables[group][question.id]
        if row["dont_know"]:
            cell[1] += row["n"]
        elif question.kind == Question.Kind.MULTIPLE_CHOICE:
            mask = row["value"] or 0
            for option in question.labels:
                if mask & (1 << option):
                    cell[0][option] += row["n"]
        elif row["value"] is not None:
            cell[0][row["value"]] += row["n"]
    return tables


def principle_levels(table, questions: dict[int, QuestionInfo], principles: list[str]):
    by_principle = defaultdict(list)
    for question_id, (distribution, dont_know) in table.items():
        question = questions[question_id]
        if question.dimension_kind == Dimension.Kind.PRINCIPLE:
            by_principle[question.dimension_key].append((distribution, dont_know, question.weight))
    return {key: scoring.principle_score(key, by_principle.get(key, [])) for key in principles}


def breakdown(
    tables, response_counts: dict, names: dict, threshold: int, questions, principles
) -> list[dict]:
    """One cell per group: its principle levels, or only its name when suppressed."""
    hidden = scoring.suppressed_cells(
        {str(group): n for group, n in response_counts.items()}, threshold
    )
    cells = []
    for group, n in sorted(response_counts.items(), key=lambda item: names[item[0]]):
        if str(group) in hidden:
            cells.append({"name": names[group], "suppressed": True})
            continue
        levels = principle_levels(tables.get(group, {}), questions, principles)
        cells.append(
            {
                "name": names[group],
                "suppressed": False,
                "responses": n,
                "principles": {key: score.as_dict() for key, score in levels.items()},
            }
        )
    return cells


def previous_result(round: Round) -> RoundResult | None:
    """The current result of the last closed round before this one with the same scope."""
    scope = set(round.teams.values_list("pk", flat=True))
    candidates = (
        Round.objects.filter(
            organization_id=round.organization_id,
            status=Round.Status.CLOSED,
            created_at__lt=round.created_at,
        )
        .exclude(pk=round.pk)
        .prefetch_related("teams")
        .order_by("-created_at")
    )
    for candidate in candidates:
        if {team.pk for team in candidate.teams.all()} == scope:
            return candidate.results.filter(is_current=True).first()
    return None


def round_aggregate(round: Round) -> tuple[dict, int, object]:
    """The round's result data, the number of submitted responses it counts, and the newest
    answer time it saw."""
    questions = questions_of(round)
    by_key = {question.key: question for question in questions.values()}
    dimensions = list(
        Dimension.objects.filter(questionnaire_id=round.questionnaire_id).order_by("position")
    )
    names = {dimension.key: dimension.name for dimension in dimensions}
    principles = [d.key for d in dimensions if d.kind == Dimension.Kind.PRINCIPLE]
    answers = submitted_answers(round)

    invited = Invitation.objects.filter(round=round).exclude(status="revoked").count()

    # One GROUP BY for the whole round (which also finds the newest answer it saw), one per
    # breakdown.
    overall_rows = list(
        answers.values("question_id", "value", "dont_know").annotate(
            n=Count("id"), newest=Max("updated_at")
        )
    )
    answers_until = max((row["newest"] for row in overall_rows), default=None)
    overall = distribution_tables(overall_rows, questions)[None]
    principle_question_ids = [
        q.id for q in questions.values() if q.dimension_kind == Dimension.Kind.PRINCIPLE
    ]
    team_rows = (
        answers.filter(question_id__in=principle_question_ids)
        .values("response__team_id", "question_id", "value", "dont_know")
        .annotate(n=Count("id"))
    )
    team_tables = distribution_tables(team_rows, questions, "response__team_id")
    team_counts = {
        row["team_id"]: row["n"]
        for row in Response.objects.filter(round=round, submitted_at__isnull=False)
        .values("team_id")
        .annotate(n=Count("id"))
    }
    responses = sum(team_counts.values())
    team_names = dict(round.organization.teams.values_list("pk", "name")) | {None: NO_TEAM}

    role_question = by_key.get(ROLE_QUESTION)
    role_tables, role_counts, role_names = {}, {}, {}
    if role_question:
        role_answer = FilteredRelation(
            "response__answers", condition=Q(response__answers__question_id=role_question.id)
        )
        role_rows = (
            answers.filter(question_id__in=principle_question_ids)
            .annotate(role_answer=role_answer)
            .values("role_answer__value", "question_id", "value", "dont_know")
            .annotate(n=Count("id"))
        )
        role_tables = distribution_tables(role_rows, questions, "role_answer__value")
        role_of_response = FilteredRelation(
            "answers", condition=Q(answers__question_id=role_question.id)
        )
        role_counts = {
            row["role_answer__value"]: row["n"]
            for row in Response.objects.filter(round=round, submitted_at__isnull=False)
            .annotate(role_answer=role_of_response)
            .values("role_answer__value")
            .annotate(n=Count("id"))
        }
        role_names = {value: label for value, label in role_question.labels.items()}
        role_names[None] = "No role given"

    # Per question.
    question_data, question_means = {}, {}
    for question in questions.values():
        distribution, dont_know = overall.get(question.id, ({}, 0))
        entry = {
            "key": question.key,
            "dimension": question.dimension_key,
            "kind": question.kind,
            "distribution": {str(v): distribution.get(v, 0) for v in sorted(question.labels)},
        }
        if question.kind in (Question.Kind.SCALE, Question.Kind.YES_NO):
            stats = scoring.spread(distribution, dont_know)
            entry |= stats.as_dict()
            question_means[question.key] = stats.mean
        elif question.kind != Question.Kind.FREE_TEXT:
            entry["dont_know"] = dont_know
        question_data[question.key] = entry

    levels = principle_levels(overall, questions, principles)
    principle_rows = [{**levels[key].as_dict(), "name": names[key]} for key in principles]
    readiness = scoring.readiness(levels.values())

    fit = scoring.fit_verdict(
        (q.key, overall.get(q.id, ({}, 0))[0].get(1, 0), overall.get(q.id, ({}, 0))[0].get(0, 0))
        for q in questions.values()
        if q.dimension_kind == Dimension.Kind.FIT
    )
    challenge_spreads = {
        q.dimension_key: scoring.spread(*overall.get(q.id, ({}, 0)))
        for q in questions.values()
        if q.dimension_kind == Dimension.Kind.CHALLENGE
    }
    level_values = {key: score.level for key, score in levels.items()}
    risks = scoring.inferred_risks(level_values, question_means)
    challenges = [
        {
            **row,
            "name": names[row["key"]],
            "inferred": [risk["because"] for risk in risks if risk["challenge"] == row["key"]],
        }
        for row in scoring.challenge_ranking(challenge_spreads)
    ]

    goals = []
    goals_question = next(
        (q for q in questions.values() if q.dimension_kind == Dimension.Kind.GOAL), None
    )
    if goals_question:
        chosen = overall.get(goals_question.id, ({}, 0))[0]
        goals = sorted(
            (
                {"label": label, "count": chosen.get(value, 0)}
                for value, label in goals_question.labels.items()
            ),
            key=lambda goal: -goal["count"],
        )

    comments = {"shown": False, "threshold": round.comment_threshold, "items": []}
    comment_question = by_key.get(COMMENT_QUESTION)
    if comment_question and responses >= round.comment_threshold:
        # Alphabetical: never an order that follows submission, never a name or a time.
        texts = answers.filter(question_id=comment_question.id).exclude(text="")
        comments = {
            "shown": True,
            "threshold": round.comment_threshold,
            "items": sorted(texts.values_list("text", flat=True)),
        }

    # Disagreements are about practices (principle questions), widest spread first: that is
    # where a conversation is most needed.
    disagreements = sorted(
        (
            {
                "question": key,
                "min": entry["min"],
                "max": entry["max"],
                "range": entry["range"],
                "stdev": entry["stdev"],
            }
            for key, entry in question_data.items()
            if entry.get("disagreement") and by_key[key].dimension_kind == Dimension.Kind.PRINCIPLE
        ),
        key=lambda row: (-row["stdev"], row["question"]),
    )

    trend = None
    previous = previous_result(round)
    if previous:
        before = {row["key"]: row["level"] for row in previous.data.get("principles", [])}
        trend = {
            "round": previous.round.title,
            "principles": {
                row["key"]: delta(row["level"], before.get(row["key"])) for row in principle_rows
            },
            "average": delta(
                scoring.rounded(readiness.average, 2),
                previous.data.get("readiness", {}).get("average"),
            ),
        }

    pilots = scoring.automation_pilots(level_values, names)
    weakest = sorted(
        (row for row in principle_rows if row["level"] is not None), key=lambda r: r["level"]
    )[:2]
    data = {
        "responses": responses,
        "invited": invited,
        "response_rate": round_share(responses, invited),
        "score_threshold": round.score_threshold,
        "principles": principle_rows,
        "readiness": {
            "average": scoring.rounded(readiness.average, 2),
            "floor": scoring.rounded(readiness.floor, 2),
            "floor_principle": readiness.floor_principle,
        },
        "fit": fit,
        "challenges": challenges,
        "goals": goals,
        "questions": question_data,
        "disagreements": disagreements,
        "breakdowns": {
            "team": breakdown(
                team_tables, team_counts, team_names, round.score_threshold, questions, principles
            ),
            "role": breakdown(
                role_tables, role_counts, role_names, round.score_threshold, questions, principles
            )
            if role_question
            else [],
        },
        "comments": comments,
        "trend": trend,
        "roadmap": {
            "weakest": [row["key"] for row in weakest],
            "pilots": pilots,
            "risks": risks,
            "steps": scoring.roadmap_steps(
                levels=level_values,
                responses=responses,
                top_goal_count=goals[0]["count"] if goals else 0,
                pilots=pilots,
                challenges=challenges,
                disagreement_count=len(disagreements),
            ),
        },
        "rules": {
            "fit": fit["rule"],
            "disagreement": (
                f"A question whose answers span {scoring.DISAGREEMENT_MIN_RANGE} levels or "
                f"more, or have a standard deviation of {scoring.DISAGREEMENT_MIN_STDEV} or "
                "more; a principle whose answers have that standard deviation."
            ),
            "challenge_reported": scoring.CHALLENGE_REPORTED_MIN_SEVERITY,
            "weak_level": scoring.WEAK_LEVEL,
        },
    }
    return data, responses, answers_until


def delta(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else round(now - before, 2)


def round_share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0
