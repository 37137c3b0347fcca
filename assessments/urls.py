from django.urls import path, register_converter

from . import views


class InvitationTokenConverter:
    """The URL-safe base64 alphabet only: anything else (a NUL byte, a slash) is not a token and
    is refused at routing, before it can reach the database."""

    regex = "[A-Za-z0-9_-]{16,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(InvitationTokenConverter, "token")

app_name = "assessments"

urlpatterns = [
    path("o/<slug:organization_slug>/", views.round_list_view, name="round-list"),
    path("r/<token:token>/", views.survey, name="survey"),
]
