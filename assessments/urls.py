from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("o/<slug:organization_slug>/", views.round_list_view, name="round-list"),
    path("r/<str:token>/", views.survey, name="survey"),
]
