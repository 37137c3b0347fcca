from pathlib import Path

import pytest
from django.core.management import call_command

from assessments.models import Dimension, Question, Questionnaire, Round
from assessments.questionnaire_loader import (
    DEFAULT_QUESTIONNAIRE,
    QuestionnaireError,
    questionnaire_load,
)
from tests.assessments.builders import FIT_KEYS

GUIDE_PRINCIPLES = [
    "Automation",
    "Continuous integration",
    "Continuous delivery",
    "Continuous training",
    "Monitoring",
    "Version control",
    "Collaboration",
]
GUIDE_CHALLENGES = [
    "Data drift",
    "Concept drift",
    "Model degradation",
    "Infrastructure complexity",
    "Lack of collaboration",
    "Security vulnerabilities",
]


def edited_copy(tmp_path: Path, old: str, new: str, source: Path = DEFAULT_QUESTIONNAIRE) -> Path:
    text = source.read_text()
    assert old in text
    path = tmp_path / "edited.toml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.django_db
def test_loading_the_same_file_twice_changes_nothing():
    first = questionnaire_load()
    counts = (Questionnaire.objects.count(), Question.objects.count(), Dimension.objects.count())

    second = questionnaire_load()

    assert first.created and not second.created
    assert second.questionnaire == first.questionnaire
    assert counts == (1, 41, 16)
    assert (Questionnaire.objects.count(), Question.objects.count()) == (1, 41)


@pytest.mark.django_db
def test_a_changed_file_makes_version_2_and_leaves_v1_rounds_alone(tmp_path, acme):
    v1 = questionnaire_load().questionnaire
    round_on_v1 = Round.objects.create(organization=acme, questionnaire=v1, title="Before")
    v1_texts = list(v1.questions.values_list("key", "text"))
    path = edited_copy(
        tmp_path,
        'text = "Do you have more than one model in production?"',
        'text = "Do you run several models in production?"',
    )

    v2 = questionnaire_load(path=path)

    assert v2.created and v2.questionnaire.version == 2
    assert v2.questionnaire.questions.get(key="fit-multiple-models").text == (
        "Do you run several models in production?"
    )
    round_on_v1.refresh_from_db()
    assert round_on_v1.questionnaire == v1
    assert list(v1.questions.values_list("key", "text")) == v1_texts
    assert questionnaire_load(path=path).questionnaire == v2.questionnaire


@pytest.mark.django_db
def test_every_question_scores_a_dimension_and_allows_only_labelled_values(questionnaire):
    questions = list(questionnaire.questions.select_related("dimension", "section"))

    assert len(questions) == 41
    for question in questions:
        assert question.dimension.questionnaire_id == questionnaire.pk
        assert question.section.questionnaire_id == questionnaire.pk
        labels = [option["label"] for option in question.options]
        assert all(label.strip() for label in labels), question.key
        values = [option["value"] for option in question.options]
        assert len(set(values)) == len(values), question.key
        if question.kind == Question.Kind.FREE_TEXT:
            assert values == []
        elif question.kind == Question.Kind.YES_NO:
            assert question.options == [{"value": 1, "label": "Yes"}, {"value": 0, "label": "No"}]
        else:
            assert values == list(range(len(values))), question.key


@pytest.mark.django_db
def test_the_guide_is_all_there(questionnaire):
    by_kind = {
        kind: list(questionnaire.dimensions.filter(kind=kind).values_list("name", flat=True))
        for kind in Dimension.Kind.values
    }
    fit_keys = list(
        questionnaire.questions.filter(dimension__kind=Dimension.Kind.FIT).values_list(
            "key", flat=True
        )
    )

    assert fit_keys == FIT_KEYS
    assert by_kind["principle"] == GUIDE_PRINCIPLES
    assert by_kind["challenge"] == GUIDE_CHALLENGES
    assert questionnaire.dimensions.filter(kind="challenge").exclude(solution="").count() == 6
    assert [category["key"] for category in questionnaire.tool_categories] == [
        "training-platforms",
        "deployment-tools",
        "monitoring-tools",
        "data-versioning-tools",
    ]


@pytest.mark.django_db
def test_practice_questions_are_a_labelled_0_to_4_scale_with_dont_know(questionnaire):
    practice = questionnaire.questions.filter(dimension__kind=Dimension.Kind.PRINCIPLE)
    per_principle = {}
    for question in practice.select_related("dimension"):
        per_principle.setdefault(question.dimension.key, 0)
        per_principle[question.dimension.key] += 1
        assert question.kind == Question.Kind.SCALE
        assert question.allows_dont_know
        assert [option["value"] for option in question.options] == [0, 1, 2, 3, 4]
        assert len({option["label"] for option in question.options}) == 5

    assert len(per_principle) == 7
    assert all(3 <= count <= 5 for count in per_principle.values()), per_principle


@pytest.mark.django_db
def test_challenges_are_rated_0_to_3_and_context_asks_role_and_obstacle(questionnaire):
    challenges = questionnaire.questions.filter(dimension__kind=Dimension.Kind.CHALLENGE)
    role = questionnaire.questions.get(key="context-role")
    obstacle = questionnaire.questions.get(key="context-obstacle")

    assert challenges.count() == 6
    assert all(q.allowed_values == frozenset({0, 1, 2, 3}) for q in challenges)
    assert [option["label"] for option in role.options] == [
        "Data science",
        "ML engineering",
        "Platform / operations",
        "Product",
        "Leadership",
    ]
    assert obstacle.kind == Question.Kind.FREE_TEXT and not obstacle.required


@pytest.mark.django_db
def test_a_question_scoring_an_unknown_dimension_is_refused_whole(tmp_path):
    path = edited_copy(tmp_path, 'dimension = "monitoring"', 'dimension = "telepathy"')

    with pytest.raises(QuestionnaireError, match="unknown dimension 'telepathy'"):
        questionnaire_load(path=path)
    assert not Questionnaire.objects.exists()


@pytest.mark.django_db
def test_the_command_reports_what_it_did(capsys):
    call_command("load_questionnaire")
    call_command("load_questionnaire")

    assert capsys.readouterr().out.splitlines() == [
        "MLOps readiness: loaded as version 1 (41 questions)",
        "MLOps readiness: loaded as version 2 (40 questions)",
        "MLOps readiness: unchanged, already version 1 (41 questions)",
        "MLOps readiness: unchanged, already version 2 (40 questions)",
    ]
