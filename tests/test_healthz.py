import pytest
from django.db import connection


@pytest.fixture
def real_broker(settings, redis_url):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = redis_url


@pytest.mark.django_db
def test_healthy_when_database_and_broker_answer(client, real_broker):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_503_names_an_unreachable_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert list(response.json()["problems"]) == ["broker"]
    assert "ConnectionError" in response.json()["problems"]["broker"]


@pytest.mark.django_db(transaction=True)
def test_503_names_an_unreachable_database(client, real_broker, tmp_path):
    original = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "postgresql":
        connection.settings_dict["PORT"] = "1"
    else:
        connection.settings_dict["NAME"] = str(tmp_path / "missing" / "db.sqlite3")
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.update(original)

    assert response.status_code == 503
    assert list(response.json()["problems"]) == ["database"]
    assert "OperationalError" in response.json()["problems"]["database"]
