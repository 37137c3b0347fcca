from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, register_converter, reverse

from core.ratelimits import login_limited, password_change_limited, password_reset_limited
from organizations.forms import LoginForm, PasswordResetRequestForm

from . import views
from .converters import TokenConverter

register_converter(TokenConverter, "token")


def admin_login(request: HttpRequest, extra_context=None) -> HttpResponse:
    """The admin has no login form of its own: a second form escaped the login's limits, and
    its answer to the right password of an account without staff rights told a guesser that
    the password was right."""
    return redirect_to_login(request.GET.get("next", reverse("admin:index")), reverse("login"))


admin.site.login = admin_login

# The respondents' routes (assessments) come first: theirs are the most frequent requests, and
# Django tries patterns in order.
urlpatterns = [
    path("", include("assessments.urls")),
    path("", views.home, name="home"),
    path("", include("organizations.urls")),
    # The two auth pages a stranger can hammer, rate limited, ahead of Django's own routes.
    path(
        "accounts/login/",
        login_limited(auth_views.LoginView.as_view(authentication_form=LoginForm)),
        name="login",
    ),
    path(
        "accounts/password_reset/",
        password_reset_limited(
            auth_views.PasswordResetView.as_view(form_class=PasswordResetRequestForm)
        ),
        name="password_reset",
    ),
    path(
        "accounts/password_change/",
        password_change_limited(auth_views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path(settings.ADMIN_PATH, admin.site.urls),
    path("", include("reports.urls")),
]
