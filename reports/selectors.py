"""Reads for dashboards. A dashboard shows the stored round result: it never aggregates."""

from dataclasses import dataclass

from django.db.models import IntegerField, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404

from assessments.models import Answer, Dimension, Question, Round, RoundResult
from assessments.selectors import current_result_value
from assessments.survey import survey_layout
from organizations.models import Organization

from .models import Report


def round_with_result(*, organization: Organization, public_id) -> tuple[Round, RoundResult]:
    """The round and its current result (or None), without the result's data, which is only
    read when the page must be rendered again. No live counts: everything the dashboard shows
    about participation is in the result."""
    round = get_object_or_404(Round, organization=organization, public_id=public_id)
    return round, round.results.filter(is_current=True).defer("data").first()


@dataclass(frozen=True)
class Dashboard:
    round: Round
    data: dict
    dimensions: dict[str, Dimension]
    question_texts: dict[str, str]
    history: list[Round]


def round_dashboard(*, organization: Organization, round: Round, result: RoundResult) -> Dashboard:
    """Everything the results part shows: the stored data, the questionnaire's dimension texts
    and the trend across rounds. A fixed number of queries, whatever the number of
    respondents."""
    result.refresh_from_db(fields=["data"])
    layout = survey_layout(round.questionnaire_id)
    return Dashboard(
        round=round,
        data=result.data,
        dimensions={
            dimension.key: dimension
            for dimension in Dimension.objects.filter(questionnaire_id=round.questionnaire_id)
        },
        question_texts={key: question.text for key, question in layout.by_key.items()},
        history=same_scope_history(organization=organization, round=round),
    )


def rounds_compared(*, organization: Organization, public_ids: list) -> list[Round]:
    """The rounds of this organization with these public ids, in the order asked, each with its
    current result as `current` (None before the first): two queries. 404 unless all exist."""
    current = Prefetch(
        "results", queryset=RoundResult.objects.filter(is_current=True), to_attr="current_results"
    )
    found = {
        round.public_id: round
        for round in Round.objects.filter(
            organization=organization, public_id__in=public_ids
        ).prefetch_related(current)
    }
    if len(found) != len(set(public_ids)):
        raise Http404("No such round.")
    rounds = [found[public_id] for public_id in public_ids]
    for round in rounds:
        round.current = round.current_results[0] if round.current_results else None
    return rounds


def scored_answer_rows(*, round: Round) -> tuple[list[str], list[list[str]]]:
    """Every submitted response's answers to the scored questions, one row per response, with
    no identity: no id, team, role, time or free text, and rows sorted by their content so no
    order follows submission. The context questions are left out because a role combined with
    answers could single out a member of a group too small to be shown."""
    questions = list(
        Question.objects.filter(questionnaire_id=round.questionnaire_id)
        .exclude(dimension__kind=Dimension.Kind.CONTEXT)
        .order_by("position")
        .values_list("pk", "key", "kind")
    )
    columns = {pk: index for index, (pk, _, _) in enumerate(questions)}
    kinds = {pk: kind for pk, _, kind in questions}
    rows: dict[int, list[str]] = {}
    answers = Answer.objects.filter(
        response__round=round, response__submitted_at__isnull=False, question_id__in=columns
    ).values_list("response_id", "question_id", "value", "dont_know")
    for response_id, question_id, value, dont_know in answers.iterator(chunk_size=10_000):
        row = rows.setdefault(response_id, [""] * len(questions))
        if dont_know:
            row[columns[question_id]] = "dont_know"
        elif kinds[question_id] == Question.Kind.MULTIPLE_CHOICE:
            chosen = [str(bit) for bit in range((value or 0).bit_length()) if value & (1 << bit)]
            row[columns[question_id]] = ";".join(chosen)
        elif value is not None:
            row[columns[question_id]] = str(value)
    return [key for _, key, _ in questions], sorted(rows.values())


def same_scope_history(*, organization: Organization, round: Round) -> list[Round]:
    """Every round of the organization with the same scope (the same teams, or the whole
    organization) that has a result, oldest first, with its headline scores: the trend across
    rounds. Three queries however many rounds there are."""
    scope = {team.pk for team in round.teams.all()}
    rounds = (
        Round.objects.filter(organization=organization, results__is_current=True)
        .annotate(
            submitted=current_result_value("responses", IntegerField),
            readiness=current_result_value("readiness__average"),
            floor=current_result_value("readiness__floor"),
        )
        .prefetch_related("teams")
        .order_by("created_at")
    )
    return [candidate for candidate in rounds if {t.pk for t in candidate.teams.all()} == scope]


def report_get(*, organization: Organization, round_id, report_id, ready: bool = False) -> Report:
    """A report of this organization's round, with its round; 404 otherwise, and when `ready`
    is asked for and the PDF is not made yet."""
    reports = Report.objects.select_related("round").filter(
        public_id=report_id, round__public_id=round_id, round__organization=organization
    )
    if ready:
        reports = reports.filter(status=Report.Status.READY)
    return get_object_or_404(reports)
