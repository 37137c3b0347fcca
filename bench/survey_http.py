"""The respondent's two requests, an answer save and a survey screen (one section of the newest
questionnaire), beside a one-INSERT floor view and a bare view, served by gunicorn on PostgreSQL
at 20 and 100 connections, side by side (issues 4 and 16).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python -m bench.survey_http

Needs wrk (apt-get install wrk). It creates and drops its own database, `radar_bench`, and runs
gunicorn with sync workers, two per core (gthread workers with keep-alive can pile every
connection onto one worker). wrk runs on the same two cores, so read the ratios first.
"""

import os
import re
import statistics
import tempfile
import urllib.request
from pathlib import Path

from bench.http import (
    LUA_REPORT,
    bench_database,
    run_django,
    start_gunicorn,
    stop,
    wrk,
)

PORT = 8765
DURATION = os.environ.get("BENCH_DURATION", "10s")
# This machine's throughput drifts by tens of percent between runs: every figure is the median
# of REPEATS runs, interleaved so that a slow spell hits all views alike.
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
CONNECTIONS = [20, 100]
INVITATIONS = 2000

LUA_COMMON = (
    r"""
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
local keys = {}
for key in string.gmatch(os.getenv("BENCH_KEYS"), "[^,]+") do keys[#keys + 1] = key end
local sections = {}
for key in string.gmatch(os.getenv("BENCH_SECTIONS"), "[^,]+") do sections[#sections + 1] = key end
local csrf = os.getenv("BENCH_CSRF")
wrk.headers["Cookie"] = "csrftoken=" .. csrf
wrk.headers["X-CSRFToken"] = csrf
wrk.headers["HX-Request"] = "true"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
"""
    + LUA_REPORT
)
LUA = {
    "save": LUA_COMMON
    + r"""
request = function()
  local token = tokens[math.random(#tokens)]
  local key = keys[math.random(#keys)]
  return wrk.format("POST", "/r/" .. token .. "/answers/" .. key .. "/", nil,
    key .. "=" .. math.random(0, 4))
end
""",
    "insert": LUA_COMMON
    + r"""
request = function() return wrk.format("POST", "/bench/insert/", nil, "value=1") end
""",
    "section": LUA_COMMON
    + r"""
request = function()
  local token = tokens[math.random(#tokens)]
  return wrk.format("GET", "/r/" .. token .. "/s/" .. sections[math.random(#sections)] .. "/")
end
""",
    "bare": LUA_COMMON
    + r"""
request = function() return wrk.format("GET", "/bench/constant/") end
""",
}


SEED = f"""
import django; django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0)
from assessments.models import Invitation, Response, Round
from assessments.questionnaire_loader import questionnaires_load
from organizations.models import Organization
questionnaire = questionnaires_load()[-1].questionnaire
organization = Organization.objects.create(name="Bench", slug="bench")
round = Round.objects.create(organization=organization, questionnaire=questionnaire,
                             title="Bench round", status="open")
invitations = Invitation.objects.bulk_create(Invitation(round=round) for _ in range({INVITATIONS}))
# Respondents mid-survey: their first answer (which also starts the response) is behind them,
# as it is for 40 of a respondent's 41 saves.
Response.objects.bulk_create(Response(invitation=i, round=round) for i in invitations)
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE bench_floor (id bigserial PRIMARY KEY, value integer)")
keys = list(questionnaire.questions.filter(kind="scale", dimension__kind="principle")
            .values_list("key", flat=True))
sections = list(questionnaire.sections.order_by("position").values_list("key", flat=True))
print("\\n".join(["KEYS " + ",".join(keys), "SECTIONS " + ",".join(sections)]
                + [i.token for i in invitations]))
"""

STATEMENTS = """
import django; django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from assessments.models import Invitation
fresh = Invitation.objects.create(round=Invitation.objects.last().round)
token = fresh.token
client = Client(HTTP_HOST="127.0.0.1")
client.get(f"/r/{token}/s/healthy/")
def statements(captured):  # data statements: BEGIN and COMMIT are not work of the view
    return sum(not q["sql"].startswith(("BEGIN", "COMMIT")) for q in captured.captured_queries)
counts = []
for value in ("1", "2"):
    with CaptureQueriesContext(connection) as captured:
        client.post(f"/r/{token}/answers/monitoring-drift/", {"monitoring-drift": value},
                    HTTP_HX_REQUEST="true")
    counts.append(statements(captured))
with CaptureQueriesContext(connection) as captured:
    client.get(f"/r/{token}/s/healthy/")
print(counts[0], counts[1], statements(captured))
"""


def main() -> None:
    server = None
    with bench_database() as env:
        try:
            lines = run_django(env, SEED).splitlines()
            keys = lines[0].removeprefix("KEYS ")
            sections = lines[1].removeprefix("SECTIONS ")
            tokens = lines[2:]
            first, again, page = run_django(env, STATEMENTS).split()
            print(
                f"SQL statements (BEGIN/COMMIT not counted): first save {first}, "
                f"later saves {again}, survey screen {page}"
            )

            workers = 2 * (os.cpu_count() or 1)
            server = start_gunicorn(env, PORT)
            first_screen = f"http://127.0.0.1:{PORT}/r/{tokens[0]}/s/{sections.split(',')[0]}/"
            with urllib.request.urlopen(first_screen) as reply:
                cookie = reply.headers.get_all("Set-Cookie")
            csrf = re.search(r"csrftoken=([^;]+)", " ".join(cookie)).group(1)

            scripts = Path(tempfile.mkdtemp())
            (scripts / "tokens.txt").write_text("\n".join(tokens) + "\n")
            for name, source in LUA.items():
                (scripts / f"{name}.lua").write_text(source)
            wrk_env = {
                **env,
                "BENCH_TOKENS": str(scripts / "tokens.txt"),
                "BENCH_KEYS": keys,
                "BENCH_SECTIONS": sections,
                "BENCH_CSRF": csrf,
            }

            print(
                f"gunicorn: {workers} sync workers; wrk: 2 threads, {DURATION} per run, median of "
                f"{REPEATS} interleaved runs; {len(tokens)} respondents; screens drawn at random "
                f"from {len(sections.split(','))} sections"
            )
            for name in LUA:
                wrk(scripts / f"{name}.lua", PORT, 20, "2s", wrk_env)  # warm-up
            runs = {}
            for _ in range(REPEATS):
                for connections in CONNECTIONS:
                    for name in LUA:
                        run = wrk(scripts / f"{name}.lua", PORT, connections, DURATION, wrk_env)
                        runs.setdefault((name, connections), []).append(run)
            results = {
                key: {
                    figure: statistics.median(run[figure] for run in series)
                    for figure in ("rps", "p50", "p95", "errors")
                }
                for key, series in runs.items()
            }
            print(f"{'view':<28}{'conns':>6}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
            labels = {
                "save": "answer save",
                "insert": "one-INSERT floor",
                "section": "survey screen (a section)",
                "bare": "bare view",
            }
            for connections in CONNECTIONS:
                for name in LUA:
                    r = results[name, connections]
                    print(
                        f"{labels[name]:<28}{connections:>6}{r['rps']:>9.0f}{r['p50']:>9.1f}"
                        f"{r['p95']:>9.1f}{r['errors']:>8.0f}"
                    )
                floor = results["insert", connections]["rps"]
                print(
                    f"  save / one-INSERT at {connections} connections: "
                    f"{results['save', connections]['rps'] / floor:.2f}; survey screen / "
                    f"one-INSERT: {results['section', connections]['rps'] / floor:.2f}"
                )
        finally:
            stop(server)


if __name__ == "__main__":
    main()
