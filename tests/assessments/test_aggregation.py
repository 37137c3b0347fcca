"""The round result of small rounds answered by hand, every number computed on paper."""

import pytest

from assessments.models import Invitation, Round
from assessments.services import round_result_compute
from organizations.models import Team

from .builders import FIT_KEYS, answered_round, closed_and_computed

# Per respondent, the fit answers in the guide's order (None: not answered).
FIT_ANSWERS = [
    [1, 1, 1, 0, 1, 1, 1],
    [1, 1, 1, 1, 1, 1, 0],
    [1, 1, 0, 0, 1, 0, 1],
    [1, 0, 1, 1, 1, 1, 0],
    [1, 1, 0, 0, 1, None, None],
]
FIVE = [
    {
        "monitoring-drift": 0,
        "monitoring-performance": 1,
        "continuous-integration-code-tests": 3,
        "challenge-data-drift": 3,
        "challenge-security-vulnerabilities": 0,
        "goals-kpis": [0, 1],
        "context-role": 0,
        "context-obstacle": "Slow reviews",
    },
    {
        "monitoring-drift": 1,
        "monitoring-performance": 1,
        "continuous-integration-code-tests": 3,
        "challenge-data-drift": 2,
        "challenge-security-vulnerabilities": 1,
        "goals-kpis": [0],
        "context-role": 0,
        "context-obstacle": "Access to data",
    },
    {
        "monitoring-drift": "dk",
        "monitoring-performance": 1,
        "continuous-integration-code-tests": 3,
        "challenge-data-drift": 2,
        "challenge-security-vulnerabilities": 0,
        "goals-kpis": [2],
        "context-role": 1,
    },
    {
        "monitoring-drift": 4,
        "monitoring-performance": 2,
        "continuous-integration-code-tests": 2,
        "challenge-data-drift": 0,
        "challenge-security-vulnerabilities": 0,
        "goals-kpis": [0, 2],
        "context-role": 2,
        "context-obstacle": "Nobody owns models",
    },
    {
        "monitoring-drift": 0,
        "monitoring-performance": 1,
        "continuous-integration-code-tests": 3,
        "challenge-data-drift": 3,
        "challenge-security-vulnerabilities": 1,
        "context-role": 0,
    },
]
for respondent, fit in zip(FIVE, FIT_ANSWERS, strict=True):
    respondent.update(
        {key: value for key, value in zip(FIT_KEYS, fit, strict=True) if value is not None}
    )


@pytest.fixture
def five(acme, acme_round) -> Round:
    acme_round.score_threshold = 3
    acme_round.comment_threshold = 5
    acme_round.save()
    search = Team.objects.create(organization=acme, name="Search")
    platform = Team.objects.create(organization=acme, name="Platform")
    answered_round(acme_round, FIVE, teams=[search, search, search, platform, platform])
    Invitation.objects.create(round=acme_round)  # invited, never answered
    Invitation.objects.create(round=acme_round, status="revoked")  # not counted
    return acme_round


@pytest.mark.django_db
def test_every_number_of_a_five_person_round(five):
    result = round_result_compute(round=five)
    data = result.data

    assert (result.version, result.is_current, result.responses_seen) == (1, True, 5)
    assert (data["responses"], data["invited"], data["response_rate"]) == (5, 6, 0.8333)

    drift = data["questions"]["monitoring-drift"]
    assert drift["distribution"] == {"0": 2, "1": 1, "2": 0, "3": 0, "4": 1}
    # values 0, 1, 4, 0: mean 5/4; "don't know" is not a 0
    assert (drift["count"], drift["dont_know"], drift["mean"], drift["stdev"]) == (
        4,
        1,
        1.25,
        1.6394,
    )
    # a minimum, maximum or median is one person's answer: never published
    assert {"min", "max", "median", "range"}.isdisjoint(drift)
    # 0, 0, 1, 4: the middle half spans 0 to 1; the one 4 is an outlier, not a disagreement
    assert not drift["disagreement"] and drift["dont_know_share"] == 0.2
    performance = data["questions"]["monitoring-performance"]
    assert (performance["mean"], performance["stdev"]) == (1.2, 0.4)
    assert not performance["disagreement"]

    principles = {row["key"]: row for row in data["principles"]}
    assert list(principles)[:2] == ["automation", "continuous-integration"]
    monitoring = principles["monitoring"]
    # 0,1,4,0 and 1,1,1,2,1: 11 / 9; don't know 1 of 10
    assert (monitoring["level"], monitoring["score"]) == (1.22, 30.6)
    assert (monitoring["count"], monitoring["dont_know"], monitoring["dont_know_share"]) == (
        9,
        1,
        0.1,
    )
    assert monitoring["stdev"] == 1.1331
    assert {"min", "max", "median", "range"}.isdisjoint(monitoring)
    assert not monitoring["disagreement"]  # none of its questions is one
    ci = principles["continuous-integration"]
    assert (ci["level"], ci["score"], ci["stdev"], ci["disagreement"]) == (2.8, 70.0, 0.4, False)
    assert principles["automation"]["level"] is None  # nobody answered: no score, not a 0
    assert data["readiness"] == {"average": 2.01, "floor": 1.22, "floor_principle": "monitoring"}

    fit = data["fit"]
    assert [q["answer"] for q in fit["questions"]] == ["yes"] * 3 + ["no"] + ["yes"] * 2 + ["split"]
    assert [(q["yes"], q["no"]) for q in fit["questions"]][-2:] == [(3, 1), (2, 2)]
    # a 2-2 tie is split, not a no; the gate (models in production) is a yes
    assert (fit["verdict"], fit["yes_count"], fit["no_count"], fit["gate"]) == (
        "good-fit",
        5,
        1,
        "yes",
    )
    assert [q["answer"] for q in fit["capacity"]] == ["no", "split"]
    assert data["stage"]["key"] == "repeatable"  # readiness 2.01, floor 1.22

    challenges = {c["key"]: c for c in data["challenges"]}
    # data drift 3, 2, 2, 0, 3: 4 of 5 felt it noticeably or worse; security 0, 1, 0, 0, 1
    assert (challenges["data-drift"]["felt"], challenges["data-drift"]["rated"]) == (4, 5)
    assert challenges["data-drift"]["reported"] and data["challenges"][0]["key"] == "data-drift"
    assert (
        challenges["security-vulnerabilities"]["felt"],
        challenges["security-vulnerabilities"]["reported"],
    ) == (0, False)
    drift_challenge = data["challenges"][0]
    assert drift_challenge["inferred"] == [
        "nothing watches whether production data still looks like training data"
    ]
    assert [risk["challenge"] for risk in data["roadmap"]["risks"]] == ["data-drift"]
    assert data["roadmap"]["weakest"] == ["monitoring", "continuous-integration"]
    assert [pilot["principle"] for pilot in data["roadmap"]["pilots"]] == ["monitoring"]
    # goals: the top one (3 of 5) is shared; monitoring weak; no collaboration answers and no
    # disagreement. Four steps qualify for "now": at most three stay, assess waits.
    assert [(step["key"], step["priority"]) for step in data["roadmap"]["steps"]] == [
        ("goals", "later"),
        ("assess", "next"),
        ("tools", "now"),
        ("automation", "now"),
        ("monitoring", "now"),
        ("collaboration", "later"),
        ("iterate", "next"),
    ]
    # the next rung of monitoring's lowest question (performance, 1.2): 4 of 5 stand at 1
    assert data["roadmap"]["rungs"]["monitoring"] == {
        "question": "monitoring-performance",
        "now": 1,
        "now_label": "Someone checks a model's results when a user complains",
        "count": 4,
        "of": 5,
        "next_label": "Performance is reviewed by hand on a documented schedule",
    }

    assert [(goal["label"], goal["count"]) for goal in data["goals"][:3]] == [
        ("Shorter time to deploy a model", 3),
        ("Lower cost of maintaining models", 2),
        ("Better model accuracy", 1),
    ]
    assert data["comments"] == {
        "shown": True,
        "threshold": 5,
        "items": ["Access to data", "Nobody owns models", "Slow reviews"],
    }
    assert data["disagreements"] == []
    assert data["trend"] is None


@pytest.mark.django_db
def test_small_groups_are_suppressed_with_their_complement(five):
    """Search has 3 (the threshold), Platform 2: hiding Platform alone would let anyone
    subtract Search from the total, so Search is hidden too. Roles: 3 data science, 1 ML
    engineering, 1 platform: the two small ones hold 2 together, so data science goes too."""
    data = round_result_compute(round=five).data

    # Every group that could have answered is listed, answered or not: "No team" has one
    # invitation and no answer, and its row looks like the others.
    assert data["breakdowns"]["team"] == [
        {"name": "No team", "suppressed": True},
        {"name": "Platform", "suppressed": True},
        {"name": "Search", "suppressed": True},
    ]
    assert [cell["suppressed"] for cell in data["breakdowns"]["role"]] == [True] * 5
    assert "responses" not in str(data["breakdowns"])


@pytest.mark.django_db
def test_cells_at_the_threshold_are_shown_with_their_scores(acme, acme_round):
    acme_round.score_threshold = 3
    acme_round.comment_threshold = 10
    acme_round.save()
    search = Team.objects.create(organization=acme, name="Search")
    platform = Team.objects.create(organization=acme, name="Platform")
    answered_round(
        acme_round,
        [{"monitoring-drift": value, "context-role": 0} for value in (0, 1, 2, 4, 4, 4)],
        teams=[search, search, search, platform, platform, platform],
    )

    data = round_result_compute(round=acme_round).data

    cells = {cell["name"]: cell for cell in data["breakdowns"]["team"]}
    assert cells["Search"]["responses"] == 3
    assert cells["Search"]["principles"]["monitoring"]["level"] == 1.0
    assert cells["Platform"]["principles"]["monitoring"]["level"] == 4.0
    assert data["breakdowns"]["role"][0]["responses"] == 6
    assert data["comments"] == {"shown": False, "threshold": 10, "items": []}


@pytest.mark.django_db
def test_the_change_against_the_previous_closed_round_of_the_same_scope(
    acme, acme_round, questionnaire
):
    acme_round.score_threshold = 3
    acme_round.save()
    answered_round(acme_round, [{"monitoring-drift": 1}] * 3)
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.CLOSED)
    assert round_result_compute(round=acme_round).is_visible
    later = Round.objects.create(
        organization=acme, questionnaire=questionnaire, title="Later", score_threshold=3
    )
    answered_round(later, [{"monitoring-drift": 3}] * 3)

    data = round_result_compute(round=later).data

    assert data["trend"]["round"] == "Spring check"
    assert data["trend"]["principles"]["monitoring"] == 2.0
    assert data["trend"]["average"] == 2.0


@pytest.mark.django_db
def test_recomputing_makes_a_new_version_and_keeps_one_current(five):
    first = round_result_compute(round=five)
    second = round_result_compute(round=five)

    first.refresh_from_db()
    assert (first.is_current, second.is_current, second.version) == (False, True, 2)
    assert five.results.filter(is_current=True).count() == 1


@pytest.mark.django_db
def test_the_result_holds_exactly_the_keys_of_its_schema(five):
    """assessments/result_schema.py is the contract between the worker, the dashboard and
    the PDF: a key added or dropped without it fails here."""
    from assessments import result_schema as schema

    data = closed_and_computed(five).data

    def conforms(row: dict, kind) -> bool:
        return kind.__required_keys__ <= set(row) <= kind.__required_keys__ | kind.__optional_keys__

    assert data["schema"] == 2 and conforms(data, schema.Result)
    assert conforms(data["fit"], schema.Fit) and conforms(data["readiness"], schema.Readiness)
    assert all(conforms(row, schema.PrincipleRow) for row in data["principles"])
    assert all(conforms(row, schema.Challenge) for row in data["challenges"])
    assert conforms(data["roadmap"], schema.Roadmap) and conforms(data["stage"], schema.Stage)
    assert all(conforms(row, schema.ChecklistAnswer) for row in data["fit"]["questions"])
    assert all(conforms(rung, schema.Rung) for rung in data["roadmap"]["rungs"].values())
