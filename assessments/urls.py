from django.urls import path

from . import views

app_name = "assessments"

ROUND = "o/<slug:organization_slug>/rounds/<uuid:round_id>/"

urlpatterns = [
    # Respondents first: every click of every respondent is routed here.
    path(
        "r/<token:token>/answers/<slug:question_key>/",
        views.answer_save_view,
        name="answer-save",
    ),
    path("r/<token:token>/", views.survey, name="survey"),
    # Two levels below the token, so a question's relative save URL (../../answers/<key>/) is
    # the same on every section.
    path("r/<token:token>/s/<slug:section_key>/", views.survey_section, name="survey-section"),
    path("r/<token:token>/review/", views.survey_review, name="survey-review"),
    path("r/<token:token>/thanks/", views.survey_thanks, name="survey-thanks"),
    path("o/<slug:organization_slug>/", views.round_list_view, name="round-list"),
    path("o/<slug:organization_slug>/rounds/new/", views.round_new, name="round-new"),
    path(
        "o/<slug:organization_slug>/questionnaires/<slug:questionnaire_slug>/v<int:version>/",
        views.questionnaire_preview,
        name="questionnaire-preview",
    ),
    path(ROUND + "edit/", views.round_edit, name="round-edit"),
    path(ROUND + "participation/", views.round_participation, name="round-participation"),
    path(ROUND + "open/", views.round_open_view, name="round-open"),
    path(ROUND + "close/", views.round_close_view, name="round-close"),
    path(ROUND + "reopen/", views.round_reopen_view, name="round-reopen"),
    path(ROUND + "remind/", views.round_remind_view, name="round-remind"),
    path(ROUND + "recompute/", views.round_recompute_view, name="round-recompute"),
    path(ROUND + "invitations/", views.invitations_add, name="invitations-add"),
    path(ROUND + "invitations/links/", views.invitation_links_add, name="invitation-links-add"),
    path(ROUND + "invitations/retry/", views.invitations_retry_view, name="invitations-retry"),
    path(
        ROUND + "invitations/<uuid:invitation_id>/revoke/",
        views.invitation_revoke_view,
        name="invitation-revoke",
    ),
]
