from django.contrib import admin

from .models import (
    Dimension,
    Invitation,
    Question,
    Questionnaire,
    Round,
    RoundResult,
    Section,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Questionnaire versions and computed results are made by code, never edited by hand:
    a hand edit would silently change what past rounds were answered against."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Questionnaire)
class QuestionnaireAdmin(ReadOnlyAdmin):
    list_display = ["title", "slug", "version", "created_at"]


@admin.register(Dimension)
class DimensionAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "questionnaire"]
    list_filter = ["kind", "questionnaire"]
    list_select_related = ["questionnaire"]


@admin.register(Section)
class SectionAdmin(ReadOnlyAdmin):
    list_display = ["title", "position", "questionnaire"]
    list_select_related = ["questionnaire"]


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    list_display = ["key", "kind", "dimension", "section", "questionnaire"]
    list_filter = ["kind", "questionnaire"]
    list_select_related = ["dimension", "section", "questionnaire"]
    search_fields = ["key", "text"]


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["title", "organization", "status", "questionnaire", "created_at"]
    list_filter = ["status", "organization"]
    list_select_related = ["organization", "questionnaire"]
    search_fields = ["title"]
    filter_horizontal = ["teams"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "round", "team", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["round", "team"]
    search_fields = ["email"]
    # The token is a credential; staff do not need to read it to help anyone.
    exclude = ["token"]
    raw_id_fields = ["round", "team"]


# Responses and answers have no admin: staff would read one person's answers beside the
# invitation (and its email) they came from. Results show their counts, never their data.


@admin.register(RoundResult)
class RoundResultAdmin(ReadOnlyAdmin):
    list_display = ["round", "version", "is_current", "is_visible", "responses_seen", "computed_at"]
    list_filter = ["is_current", "is_visible"]
    list_select_related = ["round"]
    exclude = ["data", "disclosure"]
