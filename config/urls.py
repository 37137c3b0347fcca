from django.contrib import admin
from django.urls import include, path, register_converter

from . import views
from .converters import TokenConverter

register_converter(TokenConverter, "token")

# The respondents' routes (assessments) come first: theirs are the most frequent requests, and
# Django tries patterns in order.
urlpatterns = [
    path("", include("assessments.urls")),
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("organizations.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("reports.urls")),
]
