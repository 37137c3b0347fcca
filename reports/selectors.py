"""Reads for dashboards. A dashboard shows the stored round result: it never aggregates."""

from dataclasses import dataclass

from django.db.models import IntegerField, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from assessments.models import Dimension, Round, RoundResult
from assessments.selectors import round_get, visible_result_value
from assessments.survey import survey_layout
from organizations.models import Organization

from .models import Report


@dataclass(frozen=True)
class RoundResults:
    """A round (with its participation counts), the result its pages may show (its newest
    visible version, or None) and its current result (the newest computed, maybe not visible),
    both without their data, which is only read when a page must be rendered again."""

    round: Round
    shown: RoundResult | None
    current: RoundResult | None

    @property
    def changes_waiting(self) -> int:
        """Respondents whose answers changed since the shown version, if a newer one is held."""
        if self.current is None or self.current.is_visible:
            return 0
        return self.current.changes_since_visible or 0


def round_results(*, organization: Organization, public_id) -> RoundResults:
    """Two queries, whatever the number of respondents or versions."""
    round = round_get(organization=organization, public_id=public_id)
    shown = current = None
    for result in (
        round.results.filter(Q(is_current=True) | Q(is_visible=True))
        .defer("data", "disclosure")
        .order_by("-version")
    ):
        current = current or (result if result.is_current else None)
        shown = shown or (result if result.is_visible else None)
    return RoundResults(round, shown, current)


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
    newest visible result as `current` (None before one): two queries. 404 unless all exist."""
    current = Prefetch(
        "results",
        queryset=RoundResult.objects.visible().defer("disclosure"),
        to_attr="current_results",
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


def same_scope_history(*, organization: Organization, round: Round) -> list[Round]:
    """Every round of the organization with the same scope (the same teams, or the whole
    organization) that has a visible result, oldest first, with its headline scores: the trend
    across rounds. Three queries however many rounds there are."""
    scope = {team.pk for team in round.teams.all()}
    rounds = (
        Round.objects.filter(organization=organization, results__is_current=True)
        .annotate(
            submitted=visible_result_value("responses", IntegerField),
            readiness=visible_result_value("readiness__average"),
            floor=visible_result_value("readiness__floor"),
        )
        .filter(submitted__isnull=False)
        .prefetch_related("teams")
        .order_by("created_at")
    )
    return [candidate for candidate in rounds if {t.pk for t in candidate.teams.all()} == scope]


def report_get(*, organization: Organization, round_id, report_id, ready: bool = False) -> Report:
    """A report of this organization's round, with its round; 404 otherwise, and when `ready`
    is asked for and the PDF is not made yet."""
    reports = Report.objects.select_related("round").filter(
        public_id=report_id,
        round__public_id=round_id,
        round__organization=organization,
        result__is_visible=True,
    )
    if ready:
        reports = reports.filter(status=Report.Status.READY)
    return get_object_or_404(reports)
