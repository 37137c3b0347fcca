"""Issue 6's figures: the round dashboard of a round with 10,000 respondents, read by 20
concurrent leads, served by gunicorn on PostgreSQL, beside the bare view `/bench/constant/` in the
same run, with the dashboard's SQL statement count for 10,000 and for 5 respondents.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python -m bench.dashboard_http

Needs wrk (apt-get install wrk). It creates and drops its own database, `radar_bench`, and runs
gunicorn with sync workers, two per core, as bench.survey_http does. wrk runs on the same cores,
so read the ratio first. BENCH_RESPONDENTS, BENCH_DURATION and BENCH_REPEATS override the
defaults (10000, 10s, 3).

Targets: p95 under 150 ms, at least 100 requests a second, and as many statements for 10,000
respondents as for 5 (the dashboard reads the stored round result; it never aggregates).
"""

import http.client
import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench.http import (
    LUA_REPORT,
    bench_database,
    run_django,
    start_gunicorn,
    stop,
    wrk,
)

PORT = 8766
RESPONDENTS = int(os.environ.get("BENCH_RESPONDENTS", "10000"))
SMALL_ROUND = 5
DURATION = os.environ.get("BENCH_DURATION", "10s")
# Every figure is the median of REPEATS runs, interleaved so that a slow spell hits both views.
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
CONNECTIONS = 20
TARGET_P95_MS = 150
TARGET_RPS = 100

# Both views get the same session cookie, so the only difference between them is the view.
LUA_COMMON = (
    r"""
wrk.headers["Cookie"] = "sessionid=" .. os.getenv("BENCH_SESSION")
"""
    + LUA_REPORT
)
LUA = {
    "dashboard": LUA_COMMON
    + r"""
local path = os.getenv("BENCH_DASHBOARD")
request = function() return wrk.format("GET", path) end
""",
    "constant": LUA_COMMON
    + r"""
request = function() return wrk.format("GET", "/bench/constant/") end
""",
}
LABELS = {"dashboard": f"dashboard ({RESPONDENTS:,} resp.)", "constant": "bare view (constant)"}

SEED = f"""
import django; django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0)
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.test.utils import CaptureQueriesContext
from assessments.models import Round
from assessments.questionnaire_loader import questionnaire_load
from assessments.services import round_result_compute
from bench.aggregation import GENERATE
from organizations.models import Membership, Organization, Team, User

questionnaire = questionnaire_load().questionnaire
organization = Organization.objects.create(name="Bench", slug="bench")
Team.objects.bulk_create(Team(organization=organization, name=f"Team {{n}}") for n in range(8))
lead = User.objects.create_user("lead@bench.example", "bench-password")
Membership.objects.create(user=lead, organization=organization, role=Membership.Role.LEAD)

def round_with(respondents):
    round = Round.objects.create(organization=organization, questionnaire=questionnaire,
                                 title=f"Bench round of {{respondents:,}}", status="open",
                                 created_by=lead)
    with connection.cursor() as cursor:
        cursor.execute(GENERATE, {{"round": round.pk, "organization": organization.pk,
                                  "n": respondents, "questionnaire": questionnaire.pk}})
        cursor.execute("ANALYZE")
    round_result_compute(round=round)
    return f"/o/{{organization.slug}}/rounds/{{round.public_id}}/"

big, small = round_with({RESPONDENTS}), round_with({SMALL_ROUND})

client = Client(HTTP_HOST="127.0.0.1")
client.force_login(lead)
def statements(path):  # data statements: BEGIN and COMMIT are not work of the view
    client.get(path)  # warm the per-process caches (template loader, questionnaire layout)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.status_code
    return sum(not q["sql"].startswith(("BEGIN", "COMMIT")) for q in captured.captured_queries)

session = SessionStore()
session["_auth_user_id"] = str(lead.pk)
session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
session["_auth_user_hash"] = lead.get_session_auth_hash()
session.save()
print(session.session_key, big, statements(big), statements(small))
"""


def get(path: str, session: str) -> tuple[int, str]:
    """One GET to the server, redirects not followed (a 302 to login must show as such)."""
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": f"sessionid={session}"})
        reply = connection.getresponse()
        return reply.status, reply.read().decode()
    finally:
        connection.close()


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main() -> None:
    server = None
    with bench_database() as env:
        try:
            session, dashboard, big_queries, small_queries = run_django(env, SEED).split()
            big_queries, small_queries = int(big_queries), int(small_queries)
            print(
                f"queries: {RESPONDENTS:,} respondents {big_queries}, "
                f"{SMALL_ROUND} respondents {small_queries} (BEGIN/COMMIT not counted)"
            )

            workers = 2 * (os.cpu_count() or 1)
            server = start_gunicorn(env, PORT)
            status, body = get(dashboard, session)
            if status != 200 or "invited have submitted" not in body:
                sys.exit(
                    f"The dashboard answered {status} without its results: is the session valid?"
                )

            scripts = Path(tempfile.mkdtemp())
            for name, source in LUA.items():
                (scripts / f"{name}.lua").write_text(source)
            wrk_env = {**env, "BENCH_SESSION": session, "BENCH_DASHBOARD": dashboard}

            print(
                f"gunicorn: {workers} sync workers; wrk: 2 threads, {CONNECTIONS} connections, "
                f"{DURATION} per run, median of {REPEATS} interleaved runs"
            )
            for name in LUA:
                wrk(scripts / f"{name}.lua", PORT, CONNECTIONS, "2s", wrk_env)  # warm-up
            runs: dict[str, list[dict]] = {}
            for _ in range(REPEATS):
                for name in LUA:
                    run = wrk(scripts / f"{name}.lua", PORT, CONNECTIONS, DURATION, wrk_env)
                    runs.setdefault(name, []).append(run)
            results = {
                name: {
                    figure: statistics.median(run[figure] for run in series)
                    for figure in ("rps", "p50", "p95", "errors")
                }
                for name, series in runs.items()
            }

            print(f"{'view':<28}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
            for name in LUA:
                r = results[name]
                print(
                    f"{LABELS[name]:<28}{r['rps']:>9.0f}{r['p50']:>9.1f}{r['p95']:>9.1f}"
                    f"{r['errors']:>8.0f}"
                )
            board, floor = results["dashboard"], results["constant"]
            print(
                f"  dashboard / constant: {board['rps'] / floor['rps']:.2f} of the throughput, "
                f"p95 {board['p95'] / floor['p95']:.1f} times"
            )
            print("targets:")
            print(f"  p95 under {TARGET_P95_MS} ms: {verdict(board['p95'] < TARGET_P95_MS)}")
            print(f"  at least {TARGET_RPS} req/s: {verdict(board['rps'] >= TARGET_RPS)}")
            print(
                f"  same query count as for {SMALL_ROUND} respondents: "
                f"{verdict(big_queries == small_queries)}"
            )
        finally:
            stop(server)


if __name__ == "__main__":
    main()
