"""The advice at the edges: six teams built on purpose (issue 17's profiles a to f), one outlier
and one split, each with the verdict, stage, "now" steps, pilots, actions and challenges worked
out by hand from the rules in assessments/scoring.py. All on questionnaire v2."""

import pytest
from django.utils.html import escape

from assessments import result_schema as schema
from assessments.models import Dimension, Round
from assessments.survey import survey_layout
from organizations.models import Team
from reports.services import round_roadmap
from tests.assessments.builders import FIT_KEYS, answered_round, closed_and_computed

ALL_YES = dict.fromkeys(FIT_KEYS, 1)
PRACTICE_KINDS = {Dimension.Kind.PRINCIPLE, Dimension.Kind.PRACTICE}


def person(questionnaire, levels: dict, *, default: int, fit: dict = ALL_YES, production=True):
    """One respondent of v2: `levels` per practice (principle or ours), else `default`; no
    challenge felt; the first goal; "don't know" on outcomes. Without a model in production,
    "doesn't apply" wherever it is offered."""
    answers = dict(fit) | {"goals-kpis": [0], "context-role": 0}
    for question in questionnaire.questions.select_related("dimension"):
        kind = question.dimension.kind
        if question.allows_not_applicable and not production:
            answers[question.key] = "na"
        elif kind in PRACTICE_KINDS:
            answers[question.key] = levels.get(question.dimension.key, default)
        elif kind == Dimension.Kind.CHALLENGE:
            answers[question.key] = 0
        elif kind == Dimension.Kind.OUTCOME:
            answers[question.key] = "dk"
    return answers


def advice(round: Round):
    data = closed_and_computed(round).data
    layout = survey_layout(round.questionnaire_id)
    texts = {key: question.text for key, question in layout.by_key.items()}
    dimensions = {d.key: d for d in round.questionnaire.dimensions.all()}
    return data, round_roadmap(round, data, dimensions, texts)


def now(data) -> list[str]:
    return [step["key"] for step in data["roadmap"]["steps"] if step["priority"] == "now"]


@pytest.fixture
def make_round(acme, questionnaire_v2):
    def make(threshold: int = 5) -> Round:
        return Round.objects.create(
            organization=acme,
            questionnaire=questionnaire_v2,
            title="Profile",
            score_threshold=threshold,
            comment_threshold=max(threshold, 10),
        )

    return make


@pytest.mark.django_db
def test_a_twelve_people_at_about_3_4_already_practise_mlops(make_round, questionnaire_v2):
    round = make_round()
    # 7 at 3 and 5 at 4 everywhere: every practice at 41 / 12 = 3.42
    answered_round(
        round, [person(questionnaire_v2, {}, default=3 if n < 7 else 4) for n in range(12)]
    )

    data, roadmap = advice(round)

    assert data["fit"]["verdict"] == "practising"
    assert roadmap.verdict_title == "You already practise MLOps: here is what to improve"
    assert data["readiness"]["average"] == 3.42 and data["stage"]["key"] == "automated"
    assert data["roadmap"]["pilots"] == [] and now(data) == ["assess"]
    # what to improve, as the verdict promises: the floor's next rung (all tie at 3.42: the
    # first principle), then the one "now" step
    assert roadmap.top_actions == [
        "Raise your floor, automation: How is new data checked before training? Today: "
        "“Automatic checks stop bad data” (7 of 12); next: “Automatic checks are refined after "
        "each failure”.",
        "Walk the team through this report.",
    ]
    assert not any(c["reported"] for c in data["challenges"]) and data["disagreements"] == []
    assert "MLOps is a good fit" not in roadmap.verdict_title


@pytest.mark.django_db
def test_b_no_version_control_under_strong_automation_pilots_version_control(
    make_round, questionnaire_v2
):
    round = make_round()
    strong = {"automation": 3, "continuous-integration": 3, "continuous-delivery": 3}
    # version control: 8 at 1 and 2 at 0 = 0.8; the rest at 2
    answered_round(
        round,
        [
            person(questionnaire_v2, strong | {"version-control": 1 if n < 8 else 0}, default=2)
            for n in range(10)
        ],
    )

    data, roadmap = advice(round)

    assert data["fit"]["verdict"] == "good-fit" and data["stage"]["key"] == "repeatable"
    assert data["readiness"] == {
        "average": 2.26,  # (0.8 + 3 + 3 + 3 + 2 + 2 + 2) / 7
        "floor": 0.8,
        "floor_principle": "version-control",
    }
    assert [p["principle"] for p in data["roadmap"]["pilots"]] == ["version-control"]
    assert now(data) == ["assess", "tools", "automation"]
    automation = next(step for step in roadmap.steps if step.key == "automation")
    assert automation.headline == "Start small, with one pilot: version control."
    assert (
        "How is ML code kept under version control? Today: “Some code is in a repository” "
        "(8 of 10); next: “All code is in a shared repository”."
    ) in automation.actions[0]
    # Code in version control is outside the guide's tool landscape: no data versioning tools.
    tools = next(step for step in roadmap.steps if step.key == "tools")
    assert tools.tools == [] and "no category for it" in tools.headline


@pytest.mark.django_db
def test_c_three_people_with_no_model_in_production_are_told_not_yet(make_round, questionnaire_v2):
    round = make_round(threshold=3)
    fit = dict.fromkeys(FIT_KEYS, 0) | {"fit-business-critical": 1}
    answered_round(
        round,
        [person(questionnaire_v2, {}, default=1, fit=fit, production=False) for _ in range(3)],
    )

    data, roadmap = advice(round)

    assert data["fit"]["verdict"] == "not-yet" and data["stage"]["key"] == "exploring"
    assert roadmap.verdict_title == "Not yet: get a first model into production"
    # Only practices that need no production model can be pilots; CI and automation wait
    # for version control.
    assert [p["principle"] for p in data["roadmap"]["pilots"]] == ["version-control"]
    assert now(data) == ["assess", "automation", "collaboration"]
    steps = {step.key: step for step in roadmap.steps}
    assert steps["monitoring"].priority == "later" and steps["tools"].priority == "later"
    assert steps["monitoring"].headline.startswith("Once a first model runs in production")
    assert roadmap.top_actions[0].startswith("Get a first model into production")
    risks = {risk["challenge"] for risk in data["roadmap"]["risks"]}
    assert risks == {"lack-of-collaboration", "security-vulnerabilities"}  # no drift risk


@pytest.mark.django_db
def test_d_a_team_in_production_without_owners_or_resources_is_told_so(
    make_round, questionnaire_v2
):
    round = make_round()
    fit = ALL_YES | {"fit-dedicated-team": 0, "fit-resources": 0}
    answered_round(round, [person(questionnaire_v2, {}, default=2, fit=fit) for _ in range(8)])

    data, roadmap = advice(round)

    assert (data["fit"]["verdict"], data["fit"]["yes_count"], data["fit"]["no_count"]) == (
        "good-fit",
        5,
        2,
    )
    assert roadmap.verdict_noes[1].startswith("Capacity: 0 of 2 yes.")
    assert roadmap.top_actions[0] == (
        "Settle capacity before the pilots: agree who owns deploying and running models (most "
        "say no team does); budget for tools, infrastructure and training (most say you lack "
        "them)."
    )
    assert data["stage"]["key"] == "repeatable" and data["roadmap"]["pilots"] == []
    assert now(data) == ["assess"]


@pytest.mark.django_db
def test_e_two_teams_apart_are_a_team_gap_not_a_disagreement(acme, make_round, questionnaire_v2):
    round = make_round()
    strong, weak = (Team.objects.create(organization=acme, name=n) for n in ("Strong", "Weak"))
    people = [person(questionnaire_v2, {}, default=3 if n < 3 else 4) for n in range(6)]
    people += [person(questionnaire_v2, {}, default=0 if n < 2 else 1) for n in range(6)]
    answered_round(round, people, teams=[strong] * 6 + [weak] * 6)

    data, roadmap = advice(round)

    # pooled, every practice is (9 + 12 + 4) / 12 = 2.08: not weak, which hides the Weak team
    assert data["readiness"]["average"] == 2.08
    assert data["disagreements"] == []  # within each team the answers sit together
    # nor is anything marked as one across the whole round, where the two teams differ
    assert not any(p["disagreement"] for p in data["principles"])
    assert not data["questions"]["monitoring-drift"]["disagreement"]
    assert data["team_gaps"] == [
        {
            "team": "Weak",
            "average": 0.67,
            "rest": 3.5,
            "weak": [p["key"] for p in data["principles"]],
        }
    ]
    assess = next(step for step in roadmap.steps if step.key == "assess")
    steps = {step.key: step for step in roadmap.steps}
    assert steps["automation"].headline == (
        "Across the round no practice is weak enough to call for a pilot, but the Weak team "
        "needs one of its own (see each team's first step)."
    )
    # the per-team sections hold exactly their schema's keys
    keys = schema.TeamRoadmap.__annotations__.keys()
    assert all(set(row) == keys for row in data["team_roadmaps"])
    assert all(set(row) == schema.TeamGap.__annotations__.keys() for row in data["team_gaps"])
    assert all(
        set(row) == schema.OutcomeBaseline.__annotations__.keys() for row in data["outcomes"]
    )
    # Each team's own short roadmap: the Weak team's pilots by the round's rules (everything
    # at 0.67: version control first, CI waits for it, then monitoring), rungs without counts;
    # the Strong team needs none.
    assert roadmap.teams == [
        "Strong: Continuously improving, readiness 3.5 of 4. No practice is weak enough to "
        "call for a pilot of its own.",
        "Weak: Manual, readiness 0.67 of 4. Its first pilots: version control (How is ML code "
        "kept under version control? Today, mostly: “Some code is in a repository”; next: "
        "“All code is in a shared repository”.); then monitoring (How is a production model's "
        "performance compared with real outcomes? Today, mostly: “Someone checks after a "
        "complaint”; next: “It is reviewed by hand on a schedule”.)",
    ]
    assert roadmap.top_actions == [
        "Start with the Weak team: it averages 0.67 of 4 against 3.5 of 4 for the rest, so it "
        "needs its own first step."
    ]
    assert any(
        action.startswith("Team gap: Weak averages 0.67 of 4, against 3.5 of 4 for the rest")
        for action in assess.actions
    )


@pytest.mark.django_db
def test_f_one_weak_practice_holds_an_otherwise_automated_team_back(make_round, questionnaire_v2):
    round = make_round()
    # automation: 9 at 1 and 1 at 2 = 1.1; everything else at 3
    answered_round(
        round,
        [person(questionnaire_v2, {"automation": 1 if n < 9 else 2}, default=3) for n in range(10)],
    )

    data, roadmap = advice(round)

    assert data["readiness"]["average"] == 2.73  # (1.1 + 6 x 3) / 7
    assert data["fit"]["verdict"] == "good-fit" and data["stage"]["key"] == "repeatable"
    assert [p["principle"] for p in data["roadmap"]["pilots"]] == ["automation"]
    assert now(data) == ["assess", "tools", "automation"]
    steps = {step.key: step for step in roadmap.steps}
    assert steps["automation"].headline == "Start small, with one pilot: automation."
    assert (
        "Today: “Someone looks when results seem odd” (9 of 10); next: “A written "
        in (steps["automation"].actions[0])
    )
    assert steps["tools"].headline == (
        "For your first pilot, automation, shortlist from model training platforms, the "
        "guide's category for it."
    )
    assert [category["key"] for category in steps["tools"].tools] == ["training-platforms"]


@pytest.mark.django_db
def test_the_dashboard_words_the_advice_as_the_pdf_does(client, lena, make_round, questionnaire_v2):
    """The dashboard once said "Automate automation" where the PDF said something else."""
    round = make_round()
    answered_round(
        round,
        [person(questionnaire_v2, {"automation": 1 if n < 9 else 2}, default=3) for n in range(10)],
    )
    _, roadmap = advice(round)
    client.force_login(lena)

    html = client.get(f"/o/acme/rounds/{round.public_id}/").content.decode()

    assert "Automate automation" not in html
    for action in roadmap.top_actions:
        assert escape(action) in html
    assert "Start small, with one pilot: automation." in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answers", "disagrees"),
    [([2] * 39 + [4], False), ([0] * 5 + [4] * 5, True)],
    ids=["one-outlier-among-40", "a-5-5-split"],
)
def test_one_outlier_is_no_disagreement_and_a_split_is(
    make_round, questionnaire_v2, answers, disagrees
):
    round = make_round()
    answered_round(
        round,
        [person(questionnaire_v2, {}, default=2) | {"monitoring-drift": v} for v in answers],
    )

    data, _ = advice(round)

    flagged = [row["question"] for row in data["disagreements"]]
    assert flagged == (["monitoring-drift"] if disagrees else [])


@pytest.mark.django_db
def test_outcomes_give_step_1_a_baseline_and_a_target(make_round, questionnaire_v2):
    round = make_round()
    # lead time bands 1, 2, 2, 2, 3 (middle: 2, "Between a week and a month"); the rest
    # "don't know" (person's default for outcomes)
    answered_round(
        round,
        [
            person(questionnaire_v2, {}, default=2) | {"outcomes-lead-time": band}
            for band in (1, 2, 2, 2, 3)
        ],
    )

    data, roadmap = advice(round)

    lead_time, *others = data["outcomes"]
    assert lead_time == {
        "question": "outcomes-lead-time",
        "answers": 5,
        "baseline": "Between a week and a month",
        "target": "Between a day and a week",
    }
    assert all(row["baseline"] is None and row["answers"] == 0 for row in others)
    goals = next(step for step in roadmap.steps if step.key == "goals")
    assert (
        "How long does a trained, approved model take to reach production? Baseline: “Between "
        "a week and a month” (the middle of 5 answers); a target for the next round: “Between "
        "a day and a week”." in goals.actions
    )


@pytest.mark.django_db
def test_a_change_within_two_standard_errors_is_no_clear_change(make_round, questionnaire_v2):
    """Monitoring moves by 0.2 between two rounds of 10 with a spread of about one level: not
    beyond two standard errors, so no gain is claimed; version control moves by 2: a change."""

    def round_of(monitoring: list[int], version_control: int) -> Round:
        round = make_round()
        answered_round(
            round,
            [
                person(
                    questionnaire_v2,
                    {"monitoring": level, "version-control": version_control},
                    default=2,
                )
                for level in monitoring
            ],
        )
        return round

    earlier = round_of([1] * 5 + [3] * 5, version_control=1)
    closed_and_computed(earlier)
    later = round_of([1] * 4 + [3] * 6, version_control=3)

    data, roadmap = advice(later)

    assert data["trend"]["principles"]["monitoring"] == 0.2
    assert data["trend"]["clear"]["monitoring"] is False
    assert data["trend"]["clear"]["version-control"] is True
    iterate = next(step for step in roadmap.steps if step.key == "iterate")
    assert "Biggest gain: Version control (+2)." in iterate.actions
    assert any("No clear change" in a and "Monitoring" in a for a in iterate.actions)
