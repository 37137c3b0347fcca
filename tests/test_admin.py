import pytest
from django.contrib import admin
from django.urls import reverse

from organizations.models import User

REGISTERED = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry
)


def test_every_model_of_our_apps_has_an_admin():
    from django.apps import apps

    ours = {
        (model._meta.app_label, model._meta.model_name)
        for app in ("organizations", "assessments", "reports")
        for model in apps.get_app_config(app).get_models()
    }
    assert ours <= set(REGISTERED)


@pytest.mark.django_db
@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_admin_changelists_open(client, acme_round, app_label, model_name):
    staff = User.objects.create_superuser(email="root@radar.example", password="x")
    client.force_login(staff)

    response = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))

    assert response.status_code == 200
