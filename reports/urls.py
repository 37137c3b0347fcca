from django.urls import path

from . import views

app_name = "reports"

ROUND = "o/<slug:organization_slug>/rounds/<uuid:round_id>/"

urlpatterns = [
    path(ROUND, views.round_dashboard, name="round-dashboard"),
    path(ROUND + "report/", views.round_report, name="round-report"),
    path(ROUND + "report/<uuid:report_id>/", views.report_status, name="report-status"),
    path(
        ROUND + "report/<uuid:report_id>/roadmap.pdf", views.report_download, name="report-download"
    ),
    path(ROUND + "summary/", views.round_summary, name="round-summary"),
    path(ROUND + "results.json", views.round_export, {"file_format": "json"}, name="round-json"),
    path(ROUND + "results.csv", views.round_export, {"file_format": "csv"}, name="round-csv"),
    path("o/<slug:organization_slug>/compare/", views.round_compare, name="round-compare"),
]
