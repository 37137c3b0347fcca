import csv
from http import HTTPStatus
from uuid import UUID

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from assessments.models import Round
from organizations.models import Membership
from organizations.tenancy import organization_view

from . import charts
from .models import Report
from .selectors import report_get, round_results, rounds_compared
from .selectors import round_dashboard as round_dashboard_data
from .services import ReportUnavailable, report_request, round_roadmap

# A result version never changes, so its rendering can be kept until it is replaced.
DASHBOARD_CACHE_SECONDS = 24 * 60 * 60


def results_context(dashboard) -> dict:
    data = dashboard.data
    principles = data["principles"]
    trend = data["trend"]["principles"] if data.get("trend") else None
    return {
        "round": dashboard.round,
        "data": data,
        "history": dashboard.history,
        "radar": charts.radar(principles, trend),
        "bars": charts.bars(principles),
        "teams": charts.heatmap(data["breakdowns"]["team"], principles),
        "roles": charts.heatmap(data["breakdowns"]["role"], principles),
        "principle_names": [principle["name"] for principle in principles],
        "challenges": [
            {**row, "solution": dashboard.dimensions[row["key"]].solution}
            for row in data["challenges"]
        ],
        "disagreements": [
            {**row, "text": dashboard.question_texts.get(row["question"], row["question"])}
            for row in data["disagreements"]
        ],
        "dimension_names": {key: d.name for key, d in dashboard.dimensions.items()},
        "fit_questions": [
            {**row, "text": dashboard.question_texts.get(row["key"], row["key"])}
            for row in data["fit"]["questions"]
        ],
        # The same wording as the PDF's, so the two never advise differently.
        "roadmap": round_roadmap(
            dashboard.round, data, dashboard.dimensions, dashboard.question_texts
        ),
    }


@organization_view(role=Membership.Role.LEAD)
@require_GET
def round_dashboard(request: HttpRequest, round_id: UUID) -> HttpResponse:
    """Where the team stands, from the round's newest visible result, or why there is none to
    show yet. The results part is rendered once per version and cached. While a closed round's
    first visible result is being computed, the page refreshes itself (htmx polling)."""
    results = round_results(organization=request.organization, public_id=round_id)
    round, shown = results.round, results.shown
    if request.htmx and request.GET.get("shown") == str(shown.version if shown else 0):
        # Nothing new since the page was drawn: htmx leaves it (and any open details) alone.
        return HttpResponse(status=204)
    results_html = None
    if shown:
        key = f"round-dashboard:{round.public_id}:{shown.version}"
        results_html = cache.get(key)
        if results_html is None:
            dashboard = round_dashboard_data(
                organization=request.organization, round=round, result=shown
            )
            results_html = render_to_string(
                "reports/round_dashboard.html#results-body", results_context(dashboard), request
            )
            cache.set(key, results_html, DASHBOARD_CACHE_SECONDS)
    context = {
        "round": round,
        "result": shown,
        "results_html": results_html,
        "changes_waiting": results.changes_waiting,
        "reason": no_results_reason(round),
        "computing": shown is None
        and round.status == Round.Status.CLOSED
        and round.submitted >= round.score_threshold,
    }
    template = "reports/round_dashboard.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


@organization_view(role=Membership.Role.LEAD)
@require_http_methods(["GET", "POST"])
def round_report(request: HttpRequest, round_id: UUID) -> HttpResponse:
    """The PDF roadmap of the round's newest visible result: GET shows its state for each page
    size,
    POST asks for it (the one already made is served again; a failed one is retried)."""
    results = round_results(organization=request.organization, public_id=round_id)
    round, result = results.round, results.shown
    if request.method == "POST":
        page_size = request.POST.get("page_size", Report.PageSize.A4)
        if page_size not in Report.PageSize.values:
            return report_refused(
                request, round, "Choose A4 or Letter.", status=HTTPStatus.UNPROCESSABLE_ENTITY
            )
        try:
            report = report_request(round=round, page_size=page_size, by=request.user)
        except ReportUnavailable as error:
            return report_refused(request, round, str(error), status=HTTPStatus.CONFLICT)
        if request.htmx:
            context = {"report": report, "round": round}
            return render(request, "reports/round_report.html#report-status", context)
        return redirect("reports:round-report", request.organization.slug, round.public_id)
    reports = (
        {report.page_size: report for report in Report.objects.filter(result=result)}
        if result
        else {}
    )
    context = {
        "round": round,
        "result": result,
        "page_sizes": [
            (value, label, reports.get(value)) for value, label in Report.PageSize.choices
        ],
        "pending": any(report.is_pending for report in reports.values()),
        "reason": no_results_reason(round),
    }
    return render(request, "reports/round_report.html", context)


def report_refused(request: HttpRequest, round, message: str, *, status: int) -> HttpResponse:
    context = {"round": round, "error": message}
    template = "reports/round_report.html"
    if request.htmx:
        template += "#report-error"
    return render(request, template, context, status=status)


@organization_view(role=Membership.Role.LEAD)
@require_GET
def report_status(request: HttpRequest, round_id: UUID, report_id: UUID) -> HttpResponse:
    """One report's state, polled by htmx while it is queued or rendering."""
    report = report_get(organization=request.organization, round_id=round_id, report_id=report_id)
    if not request.htmx:
        return redirect("reports:round-report", request.organization.slug, round_id)
    context = {"report": report, "round": report.round}
    return render(request, "reports/round_report.html#report-status", context)


@organization_view(role=Membership.Role.LEAD)
@require_GET
def report_download(request: HttpRequest, round_id: UUID, report_id: UUID) -> FileResponse:
    report = report_get(
        organization=request.organization, round_id=round_id, report_id=report_id, ready=True
    )
    return FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=f"{slugify(report.round.title) or 'round'}-roadmap.pdf",
        content_type="application/pdf",
    )


@organization_view(role=Membership.Role.LEAD)
@require_GET
def round_compare(request: HttpRequest) -> HttpResponse:
    """Two rounds side by side: the principles, readiness and fit of each, and the change."""
    try:
        public_ids = [UUID(request.GET[name]) for name in ("a", "b")]
    except (KeyError, ValueError):
        return compare_refused(request, "Choose two rounds to compare.")
    if public_ids[0] == public_ids[1]:
        return compare_refused(request, "Choose two different rounds.")
    first, second = rounds_compared(organization=request.organization, public_ids=public_ids)
    rows = []
    if first.current and second.current:
        before = {p["key"]: p for p in first.current.data["principles"]}
        for principle in second.current.data["principles"]:
            old = before.get(principle["key"], {}).get("level")
            new = principle["level"]
            rows.append(
                {
                    "name": principle["name"],
                    "first": old,
                    "second": new,
                    "change": None if old is None or new is None else round(new - old, 2),
                }
            )
    context = {"first": first, "second": second, "rows": rows}
    return render(request, "reports/round_compare.html", context)


def compare_refused(request: HttpRequest, message: str) -> HttpResponse:
    context = {"error": message}
    return render(
        request, "reports/round_compare.html", context, status=HTTPStatus.UNPROCESSABLE_ENTITY
    )


@organization_view(role=Membership.Role.LEAD)
@require_GET
def round_export(request: HttpRequest, round_id: UUID, file_format: str) -> HttpResponse:
    """The round's newest visible result, as the dashboard shows it: JSON whole, or CSV with one
    row per principle and per question. There is no export of individual answers: rows could
    be matched against the published cells."""
    results = round_results(organization=request.organization, public_id=round_id)
    round, result = results.round, results.shown
    if result is None:
        return HttpResponse(
            no_results_reason(round),
            status=HTTPStatus.CONFLICT,
            content_type="text/plain; charset=utf-8",
        )
    result.refresh_from_db(fields=["data"])
    data = result.data
    name = f"{slugify(round.title)}-results"
    if file_format == "json":
        response = JsonResponse(data, json_dumps_params={"indent": 1})
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
        return response
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    fields = ["count", "dont_know", "mean", "stdev"]
    writer.writerow(["kind", "key", "level", "score", *fields, "disagreement", "distribution"])
    for principle in data["principles"]:
        writer.writerow(
            ["principle", principle["key"], principle["level"], principle["score"]]
            + [principle.get(field) for field in fields]
            + [principle["disagreement"], ""]
        )
    for key, question in data["questions"].items():
        distribution = ";".join(f"{v}:{n}" for v, n in question["distribution"].items())
        writer.writerow(
            ["question", key, "", ""]
            + [question.get(field, "") for field in fields]
            + [question.get("disagreement", ""), distribution]
        )
    return response


def no_results_reason(round: Round) -> str:
    """Why a round shows nothing computed from its answers, in the words every page and
    download uses: what is missing, never a figure."""
    needed, submitted = round.score_threshold, round.submitted
    if round.status == Round.Status.CLOSED:
        if submitted >= needed:
            return "The results are being computed."
        return (
            f"This round closed with {submitted} of the {needed} answers needed: nothing "
            "computed from its answers is shown, exported or put in a roadmap, so nobody's "
            "answers can be worked out. Reopen it to collect more."
        )
    reason = (
        "This round has not opened yet. Results appear when it closes."
        if round.status == Round.Status.DRAFT
        else "Results appear when the round closes: while it is open, you follow "
        "participation, not scores."
    )
    if submitted < needed:
        reason += f" {submitted} of the {needed} answers needed so far."
    return reason


@organization_view()
@require_GET
def round_summary(request: HttpRequest, round_id: UUID) -> HttpResponse:
    """What a member who is not a lead may see, when the leads share it: the whole round's
    principles and fit, and the cells of their own teams (or why a cell is not shown)."""
    results = round_results(organization=request.organization, public_id=round_id)
    round, result = results.round, results.shown
    if not (round.shared_with_members or request.membership.can_lead):
        raise PermissionDenied("The leads have not shared this round's results.")
    context = {"round": round, "result": result, "reason": no_results_reason(round)}
    if result:
        result.refresh_from_db(fields=["data"])
        data = result.data
        own = {team.name for team in request.membership.teams.all()}
        context |= {
            "data": data,
            "bars": charts.bars(data["principles"]),
            "teams": [
                cell
                for cell in charts.heatmap(data["breakdowns"]["team"], data["principles"])
                if cell["name"] in own
            ],
            "principle_names": [principle["name"] for principle in data["principles"]],
        }
    return render(request, "reports/round_summary.html", context)
