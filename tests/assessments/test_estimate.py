"""How long answering takes, computed from the questionnaire's own words and questions."""

import pytest
from django.core import mail

from assessments.models import Invitation, Round
from assessments.survey import (
    AnsweringEstimate,
    SurveyOption,
    SurveyQuestion,
    SurveySection,
    answering_estimate,
    survey_layout,
)


def question(
    text: str,
    *labels: str,
    kind: str = "yes_no",
    dont_know: bool = False,
    not_applicable: bool = False,
    max_choices: int | None = None,
):
    options = tuple(SurveyOption(str(n), label) for n, label in enumerate(labels))
    return SurveyQuestion(
        id=0,
        key=text,
        kind=kind,
        text=text,
        help="",
        options=options,
        allows_dont_know=dont_know,
        allows_not_applicable=not_applicable,
        max_choices=max_choices,
        required=True,
        allowed=frozenset(range(len(labels))),
    )


def test_every_word_read_and_every_choice_made_counts():
    sections = [
        SurveySection(
            "fit",
            "Fit",  # 1 word
            "Two short questions.",  # 3
            (
                question("Do you ship models?", "Yes", "No"),  # 4 + 2
                question("How well?", "Badly", "Well", kind="scale", dont_know=True),  # 2 + 2 + 3
                question("Anything else?", kind="free_text"),  # 2
            ),
        ),
        SurveySection(
            "more",
            "More",  # 1
            "",
            (
                question("Deploys?", "Rarely", "Often", kind="single_choice", not_applicable=True),
                # 1 + 2 + "Doesn't apply to us" 4
                question("Goals?", "A", "B", "C", kind="multiple_choice", max_choices=2),
                # 1 + 3 + "Choose up to 2." 4
            ),
        ),
    ]

    estimate = answering_estimate("Help us see.", sections)  # 3

    assert estimate == AnsweringEstimate(words=38, choices=4, free_texts=1)
    # 38 words at 230 a minute = 9.9 s, 4 choices x 4 s, 1 free text x 60 s: 85.9 s, 2 minutes
    assert round(estimate.seconds, 1) == 85.9 and estimate.minutes == 2


@pytest.mark.django_db
def test_v1_takes_16_minutes_and_its_invitation_does_not_call_it_short(
    acme_round, django_capture_on_commit_callbacks, lena
):
    from assessments.services import round_open

    estimate = survey_layout(acme_round.questionnaire_id).estimate
    Invitation.objects.create(round=acme_round, email="ana@acme.example")
    with django_capture_on_commit_callbacks(execute=True):
        round_open(round=Round.objects.get(pk=acme_round.pk), by=lena)

    assert (estimate.words, estimate.choices, estimate.free_texts, estimate.minutes) == (
        2657,
        40,
        1,
        16,
    )
    (invitation,) = mail.outbox
    assert "It takes about 16 minutes" in invitation.body
    assert "short" not in invitation.body


@pytest.mark.django_db
def test_v2_takes_at_most_12_minutes_in_at_most_1800_words(questionnaire_v2):
    estimate = survey_layout(questionnaire_v2.pk).estimate

    assert (estimate.words, estimate.choices, estimate.free_texts) == (1_679, 39, 1)
    assert estimate.words <= 1_800 and estimate.seconds <= 12 * 60
    assert estimate.minutes == 11
