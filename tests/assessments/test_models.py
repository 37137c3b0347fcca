import pytest
from django.db import IntegrityError, transaction

from assessments.models import Answer, Invitation, Question, Response, Round, RoundResult


def test_the_database_rejects_a_second_answer_to_the_same_question(acme_round):
    invitation = Invitation.objects.create(round=acme_round)
    response = Response.objects.create(invitation=invitation, round=acme_round)
    question = acme_round.questionnaire.questions.get(key="fit-production")
    Answer.objects.create(response=response, question=question, value=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(response=response, question=question, value=0)
    assert Answer.objects.get(response=response, question=question).value == 1


def test_the_database_rejects_a_token_used_twice(acme_round):
    first = Invitation.objects.create(round=acme_round)

    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(round=acme_round, token=first.token)
    assert Invitation.objects.count() == 1


def test_tokens_carry_at_least_128_random_bits(acme_round):
    invitations = Invitation.objects.bulk_create(Invitation(round=acme_round) for _ in range(200))
    tokens = {invitation.token for invitation in invitations}

    assert len(tokens) == 200
    # token_urlsafe(32): 32 random bytes, 6 bits per base64 character.
    assert all(len(token) * 6 >= 128 and len(token) >= 43 for token in tokens)


def test_an_email_is_invited_once_per_round_but_anonymous_links_are_many(acme_round):
    Invitation.objects.create(round=acme_round, email="ann@acme.example")
    Invitation.objects.create(round=acme_round)
    Invitation.objects.create(round=acme_round)

    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(round=acme_round, email="ann@acme.example")
    assert acme_round.invitations.count() == 3


def test_dont_know_cannot_carry_a_value(acme_round):
    response = Response.objects.create(
        invitation=Invitation.objects.create(round=acme_round), round=acme_round
    )
    question = acme_round.questionnaire.questions.filter(allows_dont_know=True).first()

    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(response=response, question=question, dont_know=True, value=0)
    assert not Answer.objects.exists()


@pytest.mark.parametrize(
    ("score_threshold", "comment_threshold"),
    [(2, 10), (5, 4)],
    ids=["score-threshold-below-3", "comment-threshold-below-score-threshold"],
)
def test_anonymity_thresholds_are_checked_by_the_database(
    acme, questionnaire, score_threshold, comment_threshold
):
    with pytest.raises(IntegrityError), transaction.atomic():
        Round.objects.create(
            organization=acme,
            questionnaire=questionnaire,
            title="Too small",
            score_threshold=score_threshold,
            comment_threshold=comment_threshold,
        )
    assert not Round.objects.exists()


def test_a_draft_round_may_change_its_questionnaire(acme_round, questionnaire):
    other = type(questionnaire).objects.create(
        slug="other", version=1, title="Other", content_hash="x"
    )
    acme_round.questionnaire = other
    acme_round.save()

    acme_round.refresh_from_db()
    assert acme_round.questionnaire == other


def test_an_opened_round_keeps_its_questionnaire_even_against_raw_updates(acme_round):
    acme_round.status = Round.Status.OPEN
    acme_round.save()
    other = type(acme_round.questionnaire).objects.create(
        slug="other", version=1, title="Other", content_hash="x"
    )

    with (
        pytest.raises(IntegrityError, match="fixed once the round has opened"),
        transaction.atomic(),
    ):
        Round.objects.filter(pk=acme_round.pk).update(questionnaire=other)
    acme_round.refresh_from_db()
    assert acme_round.questionnaire.slug == "mlops-readiness"


def test_a_closed_round_cannot_be_rewound_to_draft_to_swap_its_questionnaire(acme_round):
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.CLOSED)
    other = type(acme_round.questionnaire).objects.create(
        slug="other", version=1, title="Other", content_hash="x"
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Round.objects.filter(pk=acme_round.pk).update(
            status=Round.Status.DRAFT, questionnaire=other
        )
    acme_round.refresh_from_db()
    assert acme_round.status == Round.Status.CLOSED


def test_a_round_has_one_current_result(acme_round):
    RoundResult.objects.create(round=acme_round, version=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        RoundResult.objects.create(round=acme_round, version=2)
    RoundResult.objects.create(round=acme_round, version=2, is_current=False)
    assert acme_round.results.filter(is_current=True).count() == 1


def test_multiple_choice_answers_decode_their_bit_mask():
    answer = Answer(question=Question(kind=Question.Kind.MULTIPLE_CHOICE), value=0b1010001)

    assert answer.chosen_values == [0, 4, 6]
