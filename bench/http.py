"""What the HTTP benchmarks share: their throwaway PostgreSQL database, a Django subprocess,
gunicorn with sync workers, and wrk reporting its figures as JSON."""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "radar_bench"

# Appended to every wrk script: the figures of a run as one JSON line.
LUA_REPORT = r"""
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50": %.3f, "p95": %.3f, "errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, errors))
end
"""


def database_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(database_url("postgres"), autocommit=True) as connection:
        connection.execute(statement)


def bench_env() -> dict:
    """The environment of the server and its setup: bench settings on the bench database, tasks
    in-process."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url(DATABASE),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    return env


def run_django(env: dict, code: str) -> str:
    """Run `code` in a Django subprocess; its stderr goes to ours, so a failure shows why."""
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout


@contextmanager
def bench_database():
    """Check what an HTTP benchmark needs, make the bench database, yield the environment of
    its server and setup, and drop the database afterwards whatever happened."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (any database; radar_bench is made).")
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    admin_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    admin_sql(f"CREATE DATABASE {DATABASE}")
    try:
        yield bench_env()
    finally:
        admin_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def start_gunicorn(env: dict, port: int, ready_path: str = "/bench/constant/") -> subprocess.Popen:
    """gunicorn with sync workers, two per core: with gthread workers and keep-alive, every
    connection can land on one worker and halve the figures."""
    workers = 2 * (os.cpu_count() or 1)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{ready_path}"):
                return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    sys.exit("gunicorn did not start")


def stop(server: subprocess.Popen | None) -> None:
    if server:
        server.terminate()
        server.wait(timeout=10)


def wrk(script: Path, port: int, connections: int, duration: str, env: dict) -> dict:
    result = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{duration}",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures
