from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from core.ratelimits import login_limited, password_reset_limited

from . import views
from .converters import TokenConverter

register_converter(TokenConverter, "token")

# The respondents' routes (assessments) come first: theirs are the most frequent requests, and
# Django tries patterns in order.
urlpatterns = [
    path("", include("assessments.urls")),
    path("", views.home, name="home"),
    path("", include("organizations.urls")),
    # The two auth pages a stranger can hammer, rate limited, ahead of Django's own routes.
    path("accounts/login/", login_limited(auth_views.LoginView.as_view()), name="login"),
    path(
        "accounts/password_reset/",
        password_reset_limited(auth_views.PasswordResetView.as_view()),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("reports.urls")),
]
