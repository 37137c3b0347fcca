import pytest
from django.contrib import admin
from django.urls import reverse

from organizations.models import User

REGISTERED = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry
)


# Staff would read one person's answers beside the invitation, and its email, they came from.
WITHOUT_ADMIN = {("assessments", "response"), ("assessments", "answer")}


def test_every_model_of_our_apps_but_answers_has_an_admin():
    from django.apps import apps

    ours = {
        (model._meta.app_label, model._meta.model_name)
        for app in ("organizations", "assessments", "reports")
        for model in apps.get_app_config(app).get_models()
    }
    assert ours - WITHOUT_ADMIN <= set(REGISTERED)
    assert WITHOUT_ADMIN.isdisjoint(REGISTERED)


@pytest.mark.django_db
def test_the_admin_never_shows_a_results_data_or_whom_it_counted(client, acme_round):
    from assessments.models import RoundResult

    result = RoundResult.objects.create(
        round=acme_round, version=1, data={"secret": "figures"}, disclosure={"states": {"1": [7]}}
    )
    client.force_login(User.objects.create_superuser(email="root@radar.example", password="x"))

    page = client.get(reverse("admin:assessments_roundresult_change", args=[result.pk]))

    assert page.status_code == 200
    assert b"figures" not in page.content and b"states" not in page.content


@pytest.mark.django_db
@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_admin_changelists_open(client, acme_round, app_label, model_name):
    staff = User.objects.create_superuser(email="root@radar.example", password="x")
    client.force_login(staff)

    response = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))

    assert response.status_code == 200
