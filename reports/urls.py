from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path(
        "o/<slug:organization_slug>/rounds/<uuid:round_id>/",
        views.round_dashboard,
        name="round-dashboard",
    ),
    path(
        "o/<slug:organization_slug>/rounds/<uuid:round_id>/report/",
        views.round_report,
        name="round-report",
    ),
]
