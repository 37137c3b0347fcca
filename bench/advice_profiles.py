"""Issue 17's figures: for the demo and the six profiles of tests/reports/test_advice_profiles.py,
the verdict, the stage, the three top actions and the number of flagged disagreements under the
old rule (a question whose answers span 3 levels or have a standard deviation of 1.2, over the
whole round) beside the new one (the interquartile range, within each team shown).

    python -m bench.advice_profiles

Runs on a throwaway SQLite file with tasks in-process: it measures advice, not speed.
"""

import math
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def old_rule(distribution: dict[str, int]) -> bool:
    counts = {int(value): n for value, n in distribution.items() if n}
    total = sum(counts.values())
    if total < 2:
        return False
    mean = sum(v * n for v, n in counts.items()) / total
    stdev = math.sqrt(sum(n * (v - mean) ** 2 for v, n in counts.items()) / total)
    return max(counts) - min(counts) >= 3 or stdev >= 1.2


def main() -> None:
    folder = tempfile.mkdtemp()
    os.environ |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "1",
        "DJANGO_SQLITE_PATH": f"{folder}/advice.sqlite3",
        "DJANGO_MEDIA_ROOT": folder,
    }
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rounds = [("demo, closed round", demo_round()), *profile_rounds()]
    for title, round in rounds:
        show(title, round)


def demo_round():
    from assessments.models import Round
    from demo.seed import demo_seed

    demo_seed(respondents=40, teams=4)
    return Round.objects.filter(status=Round.Status.CLOSED).latest("created_at")


def profile_rounds():
    from assessments.models import Round
    from assessments.questionnaire_loader import questionnaires_load
    from organizations.models import Organization, Team
    from tests.assessments.builders import FIT_KEYS, answered_round
    from tests.reports.test_advice_profiles import ALL_YES, person

    questionnaire = questionnaires_load()[-1].questionnaire
    organization = Organization.objects.create(name="Profiles", slug="profiles")

    def round_of(title, people, threshold=5, teams=None):
        round = Round.objects.create(
            organization=organization,
            questionnaire=questionnaire,
            title=title,
            score_threshold=threshold,
            comment_threshold=max(threshold, 10),
        )
        answered_round(round, people, teams=teams)
        return title, round

    q = questionnaire
    strong = {"automation": 3, "continuous-integration": 3, "continuous-delivery": 3}
    no_production = dict.fromkeys(FIT_KEYS, 0) | {"fit-business-critical": 1}
    no_capacity = ALL_YES | {"fit-dedicated-team": 0, "fit-resources": 0}
    high, low = (Team.objects.create(organization=organization, name=n) for n in ("High", "Low"))
    return [
        round_of("(a) 12 at ~3.4", [person(q, {}, default=3 if n < 7 else 4) for n in range(12)]),
        round_of(
            "(b) version control ~0.8",
            [person(q, strong | {"version-control": int(n < 8)}, default=2) for n in range(10)],
        ),
        round_of(
            "(c) 3, no production",
            [person(q, {}, default=1, fit=no_production, production=False) for _ in range(3)],
            threshold=3,
        ),
        round_of(
            "(d) no owners, no resources",
            [person(q, {}, default=2, fit=no_capacity) for _ in range(8)],
        ),
        round_of(
            "(e) teams at ~3.5 and ~0.6",
            [person(q, {}, default=3 if n < 3 else 4) for n in range(6)]
            + [person(q, {}, default=0 if n < 2 else 1) for n in range(6)],
            teams=[high] * 6 + [low] * 6,
        ),
        round_of(
            "(f) automation ~1.1",
            [person(q, {"automation": 1 if n < 9 else 2}, default=3) for n in range(10)],
        ),
    ]


def show(title: str, round) -> None:
    from assessments.models import Dimension, Round
    from assessments.services import round_result_compute
    from assessments.survey import survey_layout
    from reports.services import round_roadmap

    Round.objects.filter(pk=round.pk).update(status=Round.Status.CLOSED)
    round.refresh_from_db()
    data = round_result_compute(round=round).data
    layout = survey_layout(round.questionnaire_id)
    texts = {key: question.text for key, question in layout.by_key.items()}
    dimensions = {d.key: d for d in Dimension.objects.filter(questionnaire=round.questionnaire)}
    roadmap = round_roadmap(round, data, dimensions, texts)
    principle_questions = [
        key
        for key, entry in data["questions"].items()
        if dimensions[entry["dimension"]].kind == Dimension.Kind.PRINCIPLE
    ]
    old = sum(old_rule(data["questions"][key]["distribution"]) for key in principle_questions)
    print(f"== {title}: {data['responses']} responses")
    print(f"   verdict: {roadmap.verdict_title}")
    print(f"   stage: {data['stage']['name'] if data.get('stage') else '-'}")
    for number, action in enumerate(roadmap.top_actions, start=1):
        print(f"   action {number}: {action}")
    print(
        f"   disagreements flagged: old rule {old} of {len(principle_questions)} practice "
        f"questions; new rule {len(data['disagreements'])}"
    )


if __name__ == "__main__":
    main()
