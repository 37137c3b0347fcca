"""The cast: alice owns Acme, lena leads there, bob is a member there, charlie only belongs to
Globex. Tests that need a real service get it or, in CI, fail: they never skip there."""

import os
from contextlib import contextmanager, suppress

import pytest
from django.conf import settings
from django.utils import timezone

from assessments.models import Invitation, Round, RoundResult
from assessments.questionnaire_loader import LATEST_QUESTIONNAIRE, questionnaire_load
from organizations.models import Membership, Organization, Team, User
from reports.models import Report


def require_service(name: str, available: bool) -> None:
    """Skip a test whose service is not configured locally; fail it in CI."""
    if available:
        return
    message = f"{name} is not configured for this test run"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must test against the real {name}.")
    pytest.skip(message)


@pytest.fixture
def redis_url() -> str:
    require_service("Redis (REDIS_URL)", bool(settings.TEST_REDIS_URL))
    return settings.TEST_REDIS_URL


@pytest.fixture
def questionnaire(db):
    """v1: most tests were written against it and it stays loaded for its rounds."""
    return questionnaire_load().questionnaire


@pytest.fixture
def questionnaire_v2(questionnaire):
    """v2, loaded after v1 as on every database that had v1."""
    return questionnaire_load(path=LATEST_QUESTIONNAIRE).questionnaire


@pytest.fixture
def acme(db) -> Organization:
    return Organization.objects.create(name="Acme", slug="acme")


@pytest.fixture
def globex(db) -> Organization:
    return Organization.objects.create(name="Globex", slug="globex")


def member(email: str, organization: Organization, role: Membership.Role) -> User:
    """One of the cast: a person with a confirmed address."""
    user = User.objects.create_user(
        email=email, password="correct horse battery", email_confirmed_at=timezone.now()
    )
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


@pytest.fixture
def alice(acme) -> User:
    return member("alice@acme.example", acme, Membership.Role.OWNER)


@pytest.fixture
def lena(acme) -> User:
    return member("lena@acme.example", acme, Membership.Role.LEAD)


@pytest.fixture
def bob(acme) -> User:
    return member("bob@acme.example", acme, Membership.Role.MEMBER)


@pytest.fixture
def charlie(globex) -> User:
    return member("charlie@globex.example", globex, Membership.Role.OWNER)


@pytest.fixture
def platform_team(acme) -> Team:
    return Team.objects.create(organization=acme, name="Platform")


@pytest.fixture
def acme_round(acme, questionnaire, lena) -> Round:
    return Round.objects.create(
        organization=acme, questionnaire=questionnaire, title="Spring check", created_by=lena
    )


class WorkerProcess:
    """A real `celery worker` process on this test run's queue, reading and writing the test
    database. Tests using it must be `django_db(transaction=True)`: it is another process and
    only sees committed rows."""

    def __init__(self, database: dict, pool: str = "prefork"):
        self.pool = pool
        password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_SECRET_KEY": "worker-under-test",
            "DATABASE_URL": (
                f"postgres://{database['USER']}{password}@{database['HOST']}:{database['PORT']}"
                f"/{database['NAME']}"
            ),
            "REDIS_URL": settings.TEST_REDIS_URL,
            "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        }
        self.process = None

    def start(self) -> "WorkerProcess":
        import subprocess
        import sys
        from pathlib import Path

        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--concurrency",
                "1",
                "--pool",
                self.pool,
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=Path(__file__).resolve().parent.parent,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(os.environ.get("RADAR_WORKER_LOG", os.devnull), "a"),  # noqa: SIM115
        )
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole worker (its pool child too): nothing gets to clean up."""
        import signal

        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        import subprocess

        if not self.alive():
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def worker_database(django_db_blocker) -> dict:
    """The test database's connection settings, for worker processes; fails in CI (skips
    elsewhere) unless it is PostgreSQL and Redis is configured."""
    from django.db import connection

    require_service("Redis (REDIS_URL)", bool(settings.TEST_REDIS_URL))
    with django_db_blocker.unblock():
        vendor = connection.vendor
        database = dict(connection.settings_dict)
    require_service("PostgreSQL (DATABASE_URL)", vendor == "postgresql")
    return database


@pytest.fixture
def worker_process_factory(django_db_setup, django_db_blocker):
    """Workers a test starts and kills itself, stopped when it ends: each worker test has the
    run's queue to itself, so a worker another test left running cannot take its tasks (one
    did, and rendered a report a test had just killed its worker over)."""
    database = worker_database(django_db_blocker)
    workers = []

    def start(pool: str = "prefork") -> WorkerProcess:
        worker = WorkerProcess(database, pool).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def real_broker(redis_url, settings):
    """The app publishes to Redis on this run's queue (no worker consumes it unless a test
    starts one), and the cache that coalesces requests is Redis too. Restored afterwards."""
    with redis_as_broker_and_cache(redis_url, settings) as broker:
        yield broker


@contextmanager
def redis_as_broker_and_cache(url: str, settings):
    import redis

    from config.celery import app

    client = redis.Redis.from_url(url)
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": queue,
        }
    }
    eager, broker_url = app.conf.task_always_eager, app.conf.broker_url
    forget_broker_connections(app)
    app.conf.update(task_always_eager=False, broker_url=url)
    try:
        yield {"queue": queue, "redis": client}
    finally:
        forget_broker_connections(app)
        app.conf.update(task_always_eager=eager, broker_url=broker_url)
        with suppress(redis.RedisError):
            client.delete(queue)
            for key in client.scan_iter(f"{queue}:*"):
                client.delete(key)
        client.close()


class RedisServer:
    """A redis-server of one test's own, on a free port, that it can stop and start again
    without touching the Redis that other tests and workers share. Like the production one it
    keeps nothing on disk, so a restart comes back empty."""

    def __init__(self, binary: str, directory) -> None:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.binary, self.directory, self.process = binary, directory, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import subprocess
        import time

        import redis

        self.process = subprocess.Popen(
            [
                *(self.binary, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 30  # a cap for a busy machine, not a wait
        while time.monotonic() < deadline:
            with suppress(redis.ConnectionError):
                client.ping()
                client.close()
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def restartable_redis(tmp_path, settings):
    """The app's broker and cache on a Redis server the test can restart."""
    import shutil

    binary = shutil.which("redis-server")
    require_service("redis-server (the program)", binary is not None)
    server = RedisServer(binary, tmp_path)
    server.start()
    try:
        with redis_as_broker_and_cache(server.url, settings) as broker:
            yield server, broker
    finally:
        server.stop()


def forget_broker_connections(app) -> None:
    """Celery keeps its connection and producer pools for the process: drop them, so the broker
    URL set next is the one used. Not app.close(): it also unregisters the app, and tasks
    imported later would not find it."""
    app._pool = None
    app.amqp._producer_pool = None


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


@pytest.fixture
def assert_statements():
    """Like django_assert_num_queries, but counting data statements only: SQLite sends BEGIN and
    COMMIT as statements where PostgreSQL's driver does not, so those would make counts differ
    between the two databases without any difference in work."""
    from contextlib import contextmanager

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    @contextmanager
    def check(expected: int):
        with CaptureQueriesContext(connection) as captured:
            yield
        statements = [
            query["sql"]
            for query in captured.captured_queries
            if not query["sql"].upper().startswith(TRANSACTION_CONTROL)
        ]
        assert len(statements) == expected, "\n".join(statements)

    return check


@pytest.fixture(autouse=True)
def forget_process_caches():
    """Layouts (by questionnaire id), answer targets (by token) and rendered dashboards are
    cached; a test database can reuse an id (SQLite after a rollback) for other rows, which
    production never does."""
    from django.core.cache import cache

    from assessments.services import answer_targets
    from assessments.survey import survey_layout

    survey_layout.cache_clear()
    answer_targets.clear()
    cache.clear()


@pytest.fixture(autouse=True)
def rate_limit_windows_that_hold_still(monkeypatch):
    """django-ratelimit counts in fixed windows of the clock (a minute for "20/m"): a test
    whose requests straddled a window's end saw its count restart. One window per test."""
    monkeypatch.setattr(
        "django_ratelimit.core._get_window", lambda value, period: 1_000_000_000 + period
    )


@pytest.fixture
def acme_ids(acme, acme_round, bob) -> dict[str, str]:
    """A real object of Acme for every kind of id a URL can name."""
    return {
        "round_id": str(acme_round.public_id),
        "membership_id": str(Membership.objects.get(user=bob).public_id),
        "team_id": str(Team.objects.create(organization=acme, name="Search").public_id),
        "invitation_id": str(Invitation.objects.create(round=acme_round).public_id),
        "report_id": str(
            Report.objects.create(
                round=acme_round,
                result=RoundResult.objects.create(
                    round=acme_round, version=1, data={"responses": 0}
                ),
                status=Report.Status.READY,
            ).public_id
        ),
    }
