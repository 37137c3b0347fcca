from django.urls import path

from . import views

app_name = "organizations"

urlpatterns = [
    path("accounts/signup/", views.signup, name="signup"),
    path(
        "accounts/confirm/<str:uidb64>/<str:token>/",
        views.email_confirm_view,
        name="email-confirm",
    ),
    path("accounts/confirm/", views.email_confirmation_send, name="email-confirmation-send"),
    path("organizations/new/", views.organization_new, name="organization-new"),
    path("join/<token:token>/", views.join, name="join"),
    path("o/<slug:organization_slug>/people/", views.people, name="people"),
    path("o/<slug:organization_slug>/people/invite/", views.people_invite, name="people-invite"),
    path("o/<slug:organization_slug>/people/<uuid:membership_id>/", views.person, name="person"),
    path(
        "o/<slug:organization_slug>/people/<uuid:membership_id>/remove/",
        views.person_remove,
        name="person-remove",
    ),
    path("o/<slug:organization_slug>/teams/new/", views.team_new, name="team-new"),
    path("o/<slug:organization_slug>/teams/<uuid:team_id>/", views.team_edit, name="team-edit"),
]
