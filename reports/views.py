from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from assessments.selectors import round_get
from organizations.models import Membership
from organizations.tenancy import organization_view

from . import charts
from .selectors import round_dashboard as round_dashboard_data


def heatmap(cells: list[dict], principles: list[dict]) -> list[dict]:
    return [
        {
            "name": cell["name"],
            "suppressed": cell["suppressed"],
            "responses": cell.get("responses"),
            "levels": []
            if cell["suppressed"]
            else [
                {
                    "name": principle["name"],
                    "level": cell["principles"][principle["key"]]["level"],
                    "heat": charts.heat(cell["principles"][principle["key"]]["level"]),
                }
                for principle in principles
            ],
        }
        for cell in cells
    ]


@organization_view(role=Membership.Role.LEAD)
@require_GET
def round_dashboard(request: HttpRequest, round_id: UUID) -> HttpResponse:
    """Where the team stands, from the stored round result. While the round is open the
    results part refreshes itself (htmx polling) as new results are stored."""
    dashboard = round_dashboard_data(organization=request.organization, public_id=round_id)
    context = {"round": dashboard.round, "result": dashboard.result}
    if dashboard.result:
        data = dashboard.result.data
        principles = data["principles"]
        trend = dashboard.previous["principles"] if dashboard.previous else None
        context |= {
            "data": data,
            "radar": charts.radar(principles, trend),
            "bars": charts.bars(principles),
            "teams": heatmap(data["breakdowns"]["team"], principles),
            "roles": heatmap(data["breakdowns"]["role"], principles),
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
        }
    template = "reports/round_dashboard.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


@organization_view(role=Membership.Role.LEAD)
@require_GET
def round_report(request: HttpRequest, round_id: UUID) -> HttpResponse:
    round = round_get(organization=request.organization, public_id=round_id)
    return render(request, "reports/round_report.html", {"round": round})
