"""Questionnaire v2: loaded beside v1, checked by the loader against the guide and the issue's
standard, and answered with "doesn't apply" kept apart from "don't know"."""

import tomllib

import pytest
from django.test import Client

from assessments.models import Answer, Dimension, Invitation, Round
from assessments.questionnaire_loader import (
    LATEST_QUESTIONNAIRE,
    QuestionnaireError,
    validate,
)
from tests.assessments.builders import FIT_KEYS, answered_round, closed_and_computed
from tests.assessments.test_questionnaire_loader import edited_copy

HTMX = {"HTTP_HX_REQUEST": "true"}
PRODUCTION_DIMENSIONS = {"continuous-delivery", "continuous-training", "monitoring", "outcomes"}


def v2_data() -> dict:
    with LATEST_QUESTIONNAIRE.open("rb") as file:
        return tomllib.load(file)


@pytest.mark.django_db
def test_v2_is_loaded_beside_v1_and_keeps_every_items_provenance(questionnaire_v2):
    questions = questionnaire_v2.questions.all()
    sources = {question.key: question.source for question in questions}

    assert (questionnaire_v2.version, questions.count()) == (2, 40)
    assert set(sources.values()) == {"guide", "ours"}
    assert all(sources[key] == "guide" for key in FIT_KEYS)
    assert sources["outcomes-lead-time"] == "ours"
    assert questionnaire_v2.dimensions.get(key="fit").questions.count() == 7
    assert "short" not in questionnaire_v2.description


@pytest.mark.django_db
def test_every_item_that_presupposes_production_offers_doesnt_apply(questionnaire_v2):
    production = questionnaire_v2.questions.filter(dimension__key__in=PRODUCTION_DIMENSIONS)
    offering = questionnaire_v2.questions.filter(allows_not_applicable=True)

    assert production.count() == 12
    assert all(q.allows_not_applicable and q.presupposes == "production" for q in production)
    # Nothing else offers it but the three drift and degradation challenges, which need a model
    # in production to be felt at all.
    assert set(
        offering.exclude(dimension__key__in=PRODUCTION_DIMENSIONS).values_list("key", flat=True)
    ) == {"challenge-data-drift", "challenge-concept-drift", "challenge-model-degradation"}


@pytest.mark.django_db
def test_v2_measures_deployment_once_and_asks_what_the_issue_asks(questionnaire_v2):
    keys = set(questionnaire_v2.questions.values_list("key", flat=True))
    role = questionnaire_v2.questions.get(key="context-role")
    goals = questionnaire_v2.questions.get(key="goals-kpis")
    kinds = dict(questionnaire_v2.dimensions.values_list("key", "kind"))
    challenges = questionnaire_v2.questions.filter(dimension__kind=Dimension.Kind.CHALLENGE)

    assert "automation-deployment" not in keys and "continuous-delivery-release" in keys
    assert [o["label"] for o in role.options] == [
        "Data science",
        "Data engineering",
        "ML engineering",
        "Software engineering",
        "Platform / operations",
        "Product",
        "Leadership",
        "Other",
    ]
    assert goals.max_choices == 3
    assert (kinds["skills"], kinds["security"], kinds["outcomes"]) == (
        "practice",
        "practice",
        "outcome",
    )
    assert questionnaire_v2.questions.filter(dimension__key="outcomes").count() == 4
    assert questionnaire_v2.questions.filter(dimension__key="security").count() == 2
    # One neutral scale for all six challenges, with "don't know".
    assert {tuple(o["label"] for o in q.options) for q in challenges} == {
        ("No effect", "A small effect", "A noticeable effect", "A serious effect")
    }
    assert all(q.allows_dont_know for q in challenges)


def test_no_v2_label_carries_a_number_and_no_help_argues_for_an_answer():
    data = v2_data()
    labels = [
        label
        for section in data["sections"]
        for question in section["questions"]
        for label in question.get("levels", []) + question.get("options", [])
    ]
    helps = [q.get("help", "") for s in data["sections"] for q in s["questions"]]

    assert labels and not [label for label in labels if any(ch.isdigit() for ch in label)]
    assert not [h for h in helps if "MLOps sets out to solve" in h or "essential" in h]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('  source = "ours"\n', "", "must say its source"),
        ('"Nothing is scanned"', '"Level 0: nothing is scanned"', "a label with a number"),
        ("  doesnt_apply = true\n", "", "both or neither"),
        (
            'key = "fit-resources"\n  kind = "yes_no"\n  dimension = "fit"',
            'key = "fit-resources"\n  kind = "yes_no"\n  dimension = "skills"',
            "checklist has 7 questions, this file 6",
        ),
        (
            'dimension = "security-vulnerabilities"',
            'dimension = "lack-of-collaboration"',
            "never asking about security-vulnerabilities",
        ),
        ("max_choices = 3", "max_choices = 7", "max_choices needs"),
    ],
    ids=[
        "no-source",
        "numbered-label",
        "presupposition-without-doesnt-apply",
        "checklist-short",
        "challenge-never-asked",
        "max-choices-too-high",
    ],
)
def test_the_loader_refuses_a_v2_file_that_breaks_the_standard(tmp_path, old, new, message):
    path = edited_copy(tmp_path, old, new, source=LATEST_QUESTIONNAIRE)
    with path.open("rb") as file:
        data = tomllib.load(file)

    with pytest.raises(QuestionnaireError, match=message):
        validate(data)


@pytest.mark.django_db
def test_a_v1_round_keeps_v1_and_a_new_round_defaults_to_v2(
    client, lena, acme_round, questionnaire_v2
):
    invitation = Invitation.objects.create(round=acme_round, email="ana@acme.example")
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.OPEN)
    client.force_login(lena)

    form = client.get("/o/acme/rounds/new/").content.decode()
    v1_screen = Client().get(f"/r/{invitation.token}/", follow=True).content.decode()

    assert f'<option value="{questionnaire_v2.pk}" selected>' in form
    assert acme_round.questionnaire.version == 1
    assert "5 screens" in v1_screen and "Screen 1 of 5" in v1_screen


@pytest.fixture
def v2_invitation(acme, questionnaire_v2):
    round = Round.objects.create(
        organization=acme, questionnaire=questionnaire_v2, title="v2", status=Round.Status.OPEN
    )
    return Invitation.objects.create(round=round, email="ana@acme.example")


def save(invitation, key, *values):
    return Client().post(f"/r/{invitation.token}/answers/{key}/", {key: list(values)}, **HTMX)


@pytest.mark.django_db
def test_doesnt_apply_is_stored_apart_from_dont_know_and_offered_only_where_it_may_be(
    v2_invitation,
):
    assert save(v2_invitation, "monitoring-drift", "not-applicable").status_code == 200
    assert save(v2_invitation, "monitoring-performance", "dont-know").status_code == 200
    refused = save(v2_invitation, "version-control-code", "not-applicable")

    stored = dict(
        Answer.objects.values_list("question__key", "not_applicable").order_by("question__key")
    )
    assert stored == {"monitoring-drift": True, "monitoring-performance": False}
    assert refused.status_code == 422 and "no “doesn’t apply” option" in refused.content.decode()  # noqa: RUF001
    page = Client().get(f"/r/{v2_invitation.token}/s/healthy/").content.decode()
    assert 'name="monitoring-drift" value="not-applicable" checked' in page
    assert "Doesn't apply to us" in page


@pytest.mark.django_db
def test_more_than_three_goals_are_refused_with_a_message(v2_invitation):
    three = save(v2_invitation, "goals-kpis", "", "0", "1", "2")
    four = save(v2_invitation, "goals-kpis", "", "0", "1", "2", "3")

    assert three.status_code == 200
    assert four.status_code == 422
    assert "Choose at most 3: you chose 4." in four.content.decode()
    assert Answer.objects.get().value == 0b111


@pytest.mark.django_db
def test_doesnt_apply_and_dont_know_are_counted_apart_and_never_averaged(acme, questionnaire_v2):
    round = Round.objects.create(
        organization=acme, questionnaire=questionnaire_v2, title="v2", status=Round.Status.OPEN
    )
    # Six people; the monitoring-drift answers: 4, 2, don't know, doesn't apply x 3.
    drift = [4, 2, "dk", "na", "na", "na"]
    answered_round(
        round, [{"monitoring-drift": value, "monitoring-performance": 2} for value in drift]
    )
    Round.objects.filter(pk=round.pk).update(score_threshold=3)
    round.refresh_from_db()

    result = closed_and_computed(round)

    entry = result.data["questions"]["monitoring-drift"]
    assert (entry["count"], entry["dont_know"], entry["not_applicable"]) == (2, 1, 3)
    # Two values are fewer than the threshold of 3: the mean is withheld, the counts stay.
    assert entry["mean"] is None
    monitoring = next(p for p in result.data["principles"] if p["key"] == "monitoring")
    # 4 + 2 + 6 x 2 over 8 values: 2.25; a "doesn't apply" as a 0 would have made it 1.5.
    assert monitoring["level"] == 2.25
    assert (monitoring["dont_know"], monitoring["not_applicable"]) == (1, 3)
    # "don't know" is a share of those the question applies to: 1 of 2 + 1 + 6.
    assert monitoring["dont_know_share"] == round_share(1, 9)


def round_share(part, whole):
    return round(part / whole, 4)


@pytest.mark.django_db
def test_an_outcome_answered_by_fewer_than_k_is_withheld_with_its_counts_kept(
    acme, questionnaire_v2
):
    round = Round.objects.create(
        organization=acme, questionnaire=questionnaire_v2, title="v2", status=Round.Status.OPEN
    )
    # Five people: two give a lead-time band, one does not know, two have no model in production.
    answered_round(round, [{"outcomes-lead-time": value} for value in [3, 4, "dk", "na", "na"]])

    result = closed_and_computed(round)

    entry = result.data["questions"]["outcomes-lead-time"]
    assert entry["withheld"] and entry["distribution"] == {}
    assert (entry["dont_know"], entry["not_applicable"]) == (1, 2)
