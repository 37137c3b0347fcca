"""Rounds answered by hand: each respondent is a dict of question key -> answer, where an int
is a value, "dk" is "don't know", "na" is "doesn't apply", a list is the chosen options of a
multiple choice and a str is free text."""

from django.utils import timezone

from assessments.models import Answer, Invitation, Response, Round

# The guide's fit checklist, in its order.
FIT_KEYS = [
    "fit-production",
    "fit-multiple-models",
    "fit-retraining",
    "fit-dedicated-team",
    "fit-pain",
    "fit-business-critical",
    "fit-resources",
]


def answered_round(round: Round, respondents: list[dict], teams: list | None = None) -> None:
    questions = {question.key: question for question in round.questionnaire.questions.all()}
    now = timezone.now()
    for index, answers in enumerate(respondents):
        team = teams[index] if teams else None
        invitation = Invitation.objects.create(round=round, team=team)
        response = Response.objects.create(
            invitation=invitation, round=round, team=team, submitted_at=now
        )
        rows = []
        for key, given in answers.items():
            answer = Answer(response=response, question=questions[key], updated_at=now)
            if given == "dk":
                answer.dont_know = True
            elif given == "na":
                answer.not_applicable = True
            elif isinstance(given, list):
                answer.value = sum(1 << option for option in given)
            elif isinstance(given, str):
                answer.text = given
            else:
                answer.value = given
            rows.append(answer)
        Answer.objects.bulk_create(rows)


def answered_round_in_bulk(round: Round, count: int, answers: dict, teams: list) -> None:
    """`count` respondents who all gave `answers` (plain values), spread over `teams` in turn:
    for measuring pages, whose cost must not depend on the number of respondents."""
    questions = {question.key: question for question in round.questionnaire.questions.all()}
    now = timezone.now()
    invitations = Invitation.objects.bulk_create(
        Invitation(round=round, team=teams[n % len(teams)]) for n in range(count)
    )
    responses = Response.objects.bulk_create(
        Response(invitation=i, round=round, team=i.team, submitted_at=now) for i in invitations
    )
    Answer.objects.bulk_create(
        (
            Answer(response=response, question=questions[key], value=value, updated_at=now)
            for response in responses
            for key, value in answers.items()
        ),
        batch_size=5000,
    )


def closed_and_computed(round: Round):
    """Close the round (as the close button does, without queuing) and compute its result: a
    result is visible only for a closed round."""
    from assessments.services import round_result_compute

    Round.objects.filter(pk=round.pk).update(status=Round.Status.CLOSED, closed_at=timezone.now())
    round.status = Round.Status.CLOSED
    return round_result_compute(round=round)
