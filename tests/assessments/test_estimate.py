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


def question(text: str, *labels: str, kind: str = "yes_no", dont_know: bool = False):
    options = tuple(SurveyOption(str(n), label) for n, label in enumerate(labels))
    allowed = frozenset(range(len(labels)))
    return SurveyQuestion(0, text, kind, text, "", options, dont_know, True, allowed)


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
        )
    ]

    estimate = answering_estimate("Help us see.", sections)  # 3

    assert estimate == AnsweringEstimate(words=22, choices=2, free_texts=1)
    # 22 words at 230 a minute = 5.7 s, 2 choices x 4 s, 1 free text x 60 s: 73.7 s, 2 minutes
    assert round(estimate.seconds, 1) == 73.7 and estimate.minutes == 2


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
        2658,
        40,
        1,
        16,
    )
    (invitation,) = mail.outbox
    assert "It takes about 16 minutes" in invitation.body
    assert "short" not in invitation.body
