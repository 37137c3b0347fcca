"""Issue 8's load test: an organization of 5,000 opens its survey at 9:00.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
    REDIS_URL=redis://127.0.0.1:6379/9 python -m bench.load

The whole production shape on this machine: gunicorn (sync workers, two per core) and a Celery
worker on Redis, over PostgreSQL, in a throwaway database (`radar_bench`, dropped afterwards).

4,000 of the 5,000 invited open the survey within the first minute (LOAD_RAMP) and answer one
question every 5 to 15 seconds, 10 on average: about 400 saves a second once all have arrived.
Every arrival loads the survey page; now and then a respondent reloads it. A tenth of them came
back to a survey they had nearly finished before 9:00: they answer what is left, submit, see the
thank-you page and go on revising answers. Meanwhile 10 leads reload the round's dashboard every
5 seconds. Each simulated person waits for an answer before the next click, as a browser does,
and clicks on a schedule of their own, not when the server is ready (an open workload).

At the end the answers in PostgreSQL are compared with what the clients were told was saved:
every answer a client saw "Saved" must be in the database with that value, and nothing else.

Then the breaking point: runs of LOAD_STEPS respondents (each LOAD_STEP_SECONDS long, the same
arrival minute included) until the save p95 passes 500 ms.

Targets: zero errors, zero lost answers, answer-save p95 under 100 ms at 4,000 respondents.

The load generator is this process: a plain asyncio HTTP/1.0 client (one connection per request,
as gunicorn's sync workers close each one). wrk cannot be used here: its Lua `response()` is not
told which request it answers, so it cannot know which answer was saved. It shares the two cores
with the server; "client lag" says how late its own clicks went out (a busy client would show
there, not as server latency).
"""

import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench.http import ROOT, bench_database, run_django, start_gunicorn, stop

PORT = 8767
RESPONDENTS = int(os.environ.get("LOAD_RESPONDENTS", "4000"))
ORGANIZATION_SIZE = 5000
RAMP_SECONDS = float(os.environ.get("LOAD_RAMP", "60"))
RUN_SECONDS = float(os.environ.get("LOAD_SECONDS", "150"))
STEPS = [
    int(n) for n in os.environ.get("LOAD_STEPS", "4500,5000,5500,6000,7000,8000").split(",") if n
]
STEP_SECONDS = float(os.environ.get("LOAD_STEP_SECONDS", "90"))
THINK_SECONDS = (5.0, 15.0)
RETURNING_SHARE = 0.1
LEFT_BY_RETURNING = 3
RELOAD_CHANCE = 0.05
DONT_KNOW_CHANCE = 0.05
LEADS = 10
LEAD_REFRESH_SECONDS = 5.0
TIMEOUT_SECONDS = 30.0
TARGET_SAVE_P95_MS = 100
BREAKING_P95_MS = 500
ENDPOINTS = ["survey page", "answer save", "submit", "thank-you page", "dashboard"]


# --- In the Django subprocess -------------------------------------------------------------


def random_answer(question: dict, rng: random.Random) -> list[str]:
    """A valid answer to `question`, as the values of its form field."""
    if question["kind"] == "free_text":
        return [f"Load test note {rng.randrange(10**6)}"]
    if question["dont_know"] and rng.random() < DONT_KNOW_CHANCE:
        return ["dont-know"]
    allowed = question["allowed"]
    if question["kind"] == "multiple_choice":
        return [str(value) for value in rng.sample(allowed, rng.randint(1, len(allowed)))]
    return [str(rng.choice(allowed))]


def seed_round() -> None:
    """An open round of max(5,000, the largest step) invitations, 10 leads with sessions, the
    answers of the returning respondents, and the round's first result. Prints it all as JSON."""
    from importlib import import_module

    from django.conf import settings
    from django.core.management import call_command

    from assessments.models import Invitation, Round
    from assessments.questionnaire_loader import questionnaire_load
    from assessments.services import answers_save, round_result_compute
    from assessments.survey import DONT_KNOW, parse_answer, survey_layout
    from organizations.models import Membership, Organization, User

    call_command("migrate", verbosity=0)
    questionnaire = questionnaire_load().questionnaire
    organization = Organization.objects.create(name="Load", slug="load")
    round = Round.objects.create(
        organization=organization, questionnaire=questionnaire, title="9:00", status="open"
    )
    invitations = Invitation.objects.bulk_create(
        Invitation(round=round) for _ in range(max([ORGANIZATION_SIZE, *STEPS]))
    )
    layout = survey_layout(questionnaire.pk)
    questions = [
        {
            "key": q.key,
            "kind": q.kind,
            "allowed": sorted(q.allowed),
            "dont_know": q.allows_dont_know,
        }
        for q in layout.by_key.values()
    ]
    assert DONT_KNOW == "dont-know"

    rng = random.Random(9)
    returning = {}
    for invitation in rng.sample(invitations[:RESPONDENTS], int(RESPONDENTS * RETURNING_SHARE)):
        raw = {q["key"]: random_answer(q, rng) for q in questions[:-LEFT_BY_RETURNING]}
        answers = {layout.by_key[k]: parse_answer(layout.by_key[k], v) for k, v in raw.items()}
        answers_save(invitation=invitation, answers=answers)
        returning[invitation.token] = raw
    round_result_compute(round=round)

    store = import_module(settings.SESSION_ENGINE).SessionStore
    sessions = []
    for n in range(LEADS):
        lead = User.objects.create_user(f"lead{n}@load.example", "load-password")
        Membership.objects.create(user=lead, organization=organization, role="lead")
        session = store()
        session["_auth_user_id"] = str(lead.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = lead.get_session_auth_hash()
        session.save()
        sessions.append(session.session_key)
    print(
        json.dumps(
            {
                "tokens": [invitation.token for invitation in invitations],
                "questions": questions,
                "returning": returning,
                "sessions": sessions,
                "dashboard": f"/o/{organization.slug}/rounds/{round.public_id}/",
            }
        )
    )


def verify(path: str) -> None:
    """Compare the round's answers and submissions in the database with what the clients were
    told (the JSON file at `path`). Prints the counts as JSON."""
    from assessments.models import Answer, Response, Round
    from assessments.survey import parse_answer, survey_layout

    told = json.loads(Path(path).read_text())
    round = Round.objects.get()
    by_key = survey_layout(round.questionnaire_id).by_key
    expected = {}
    for token, answers in told["saved"].items():
        for key, values in answers.items():
            answer = parse_answer(by_key[key], values)
            expected[token, key] = (answer.value, answer.dont_know, answer.text)
    unsure = {tuple(pair) for pair in told["unsure"]}
    stored = {
        (token, key): (value, dont_know, text)
        for token, key, value, dont_know, text in Answer.objects.filter(
            response__round=round
        ).values_list("response__invitation__token", "question__key", "value", "dont_know", "text")
    }
    compared = expected.keys() - unsure
    submitted = set(
        Response.objects.filter(round=round, submitted_at__isnull=False).values_list(
            "invitation__token", flat=True
        )
    )
    print(
        json.dumps(
            {
                "told_saved": len(expected),
                "stored": len(stored),
                "equal": sum(stored.get(pair) == expected[pair] for pair in compared),
                "lost": sum(pair not in stored for pair in compared),
                "different": sum(
                    pair in stored and stored[pair] != expected[pair] for pair in compared
                ),
                "unexpected": len(stored.keys() - expected.keys() - unsure),
                "unsure": len(unsure),
                "told_submitted": len(told["submitted"]),
                "submitted": len(submitted),
                "submitted_equal": submitted == set(told["submitted"]),
            }
        )
    )


# --- In the load generator ----------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict[str, list[str]]


async def http(method: str, path: str, headers: dict[str, str], body: str = "") -> Reply:
    """One request on its own connection. HTTP/1.0, so that gunicorn neither chunks the body
    nor keeps the connection: the reply ends where the stream does."""
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    try:
        data = body.encode()
        lines = [f"{method} {path} HTTP/1.0", "Host: 127.0.0.1", f"Content-Length: {len(data)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
        raw = await reader.read()
    finally:
        writer.close()
    head = raw.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    reply_headers: dict[str, list[str]] = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        reply_headers.setdefault(name.strip().lower(), []).append(value.strip())
    return Reply(int(head[0].split()[1]), reply_headers)


@dataclass
class Respondent:
    token: str
    saved: dict[str, list[str]]
    submitted: bool = False
    csrf: str = ""


@dataclass
class Run:
    """One simulated morning: who takes part, its clock, and every request's outcome."""

    respondents: list[Respondent]
    seconds: float
    rng: random.Random
    ramp_seconds: float = RAMP_SECONDS
    started: float = field(default_factory=time.monotonic)
    # Per endpoint: (seconds into the run when sent, milliseconds to the reply, as expected).
    samples: dict[str, list[tuple[float, float, bool]]] = field(default_factory=dict)
    unsure: set[tuple[str, str]] = field(default_factory=set)
    lag: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0

    def over(self) -> bool:
        return time.monotonic() - self.started >= self.seconds

    async def send(
        self, endpoint: str, expected: int, method: str, path: str, headers: dict, body: str = ""
    ) -> Reply | None:
        """The reply, or None when it was not the expected status (counted as an error)."""
        begun = time.monotonic()
        try:
            reply = await asyncio.wait_for(http(method, path, headers, body), TIMEOUT_SECONDS)
        except (TimeoutError, OSError, ValueError, IndexError):
            reply = None
        ok = reply is not None and reply.status == expected
        self.samples.setdefault(endpoint, []).append(
            (begun - self.started, (time.monotonic() - begun) * 1000, ok)
        )
        return reply if ok else None


def form_headers(respondent: Respondent, htmx: bool) -> dict[str, str]:
    headers = {
        "Cookie": f"csrftoken={respondent.csrf}",
        "X-CSRFToken": respondent.csrf,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    if htmx:
        headers["HX-Request"] = "true"
    return headers


async def page_load(run: Run, respondent: Respondent) -> bool:
    reply = await run.send("survey page", 200, "GET", f"/r/{respondent.token}/", {})
    if reply is None:
        return False
    for cookie in reply.headers.get("set-cookie", []):
        if cookie.startswith("csrftoken="):
            respondent.csrf = cookie.split(";")[0].removeprefix("csrftoken=")
    return bool(respondent.csrf)


async def answer(run: Run, respondent: Respondent, question: dict) -> None:
    key = question["key"]
    values = random_answer(question, run.rng)
    body = urlencode([(key, value) for value in values])
    path = f"/r/{respondent.token}/answers/{key}/"
    reply = await run.send("answer save", 200, "POST", path, form_headers(respondent, True), body)
    if reply is None:
        # It may or may not have been written: the client was told nothing it can rely on.
        run.unsure.add((respondent.token, key))
    else:
        respondent.saved[key] = values
        run.unsure.discard((respondent.token, key))


async def submit(run: Run, respondent: Respondent) -> None:
    """The form's "Submit my answers": every field the page shows, as the browser posts them."""
    fields = [(key, value) for key, values in respondent.saved.items() for value in values]
    body = urlencode([*fields, ("action", "submit")])
    headers = form_headers(respondent, False)
    reply = await run.send("submit", 302, "POST", f"/r/{respondent.token}/", headers, body)
    if reply is not None:
        respondent.submitted = True
        await run.send("thank-you page", 200, "GET", f"/r/{respondent.token}/thanks/", {})


async def respond(run: Run, respondent: Respondent, arrival: float, questions: list) -> None:
    await asyncio.sleep(arrival)
    if not await page_load(run, respondent):
        return
    while True:
        await asyncio.sleep(run.rng.uniform(*THINK_SECONDS))
        if run.over():
            return
        left = [q for q in questions if q["key"] not in respondent.saved]
        if run.rng.random() < RELOAD_CHANCE:
            await page_load(run, respondent)
        elif left:
            await answer(run, respondent, left[0])
        elif not respondent.submitted:
            await submit(run, respondent)
        else:
            await answer(run, respondent, run.rng.choice(questions))


async def lead(run: Run, session: str, dashboard: str) -> None:
    await asyncio.sleep(run.rng.uniform(0, LEAD_REFRESH_SECONDS))
    while not run.over():
        await run.send("dashboard", 200, "GET", dashboard, {"Cookie": f"sessionid={session}"})
        await asyncio.sleep(LEAD_REFRESH_SECONDS)


async def watch_lag(run: Run) -> None:
    """How late this process wakes up: its own lateness, not the server's."""
    while not run.over():
        begun = time.monotonic()
        await asyncio.sleep(0.1)
        run.lag.append((time.monotonic() - begun - 0.1) * 1000)


async def simulate(run: Run, questions: list, sessions: list[str], dashboard: str) -> None:
    spread = run.ramp_seconds / len(run.respondents)
    cpu_started = time.process_time()
    await asyncio.gather(
        watch_lag(run),
        *(lead(run, session, dashboard) for session in sessions),
        *(
            respond(run, respondent, n * spread, questions)
            for n, respondent in enumerate(run.respondents)
        ),
    )
    run.cpu_seconds = time.process_time() - cpu_started


def percentile(values: list[float], share: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(share) - 1]


def report(run: Run) -> dict[str, dict]:
    figures = {}
    print(f"{'endpoint':<18}{'requests':>10}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for endpoint in ENDPOINTS:
        samples = run.samples.get(endpoint, [])
        times = [ms for _, ms, _ in samples]
        errors = sum(not ok for _, _, ok in samples)
        figures[endpoint] = {
            "requests": len(samples),
            "errors": errors,
            "p50": percentile(times, 50),
            "p95": percentile(times, 95),
        }
        print(
            f"{endpoint:<18}{len(samples):>10}{errors:>8}{percentile(times, 50):>9.1f}"
            f"{percentile(times, 95):>9.1f}{max(times, default=0):>9.1f}"
        )
    requests = sum(f["requests"] for f in figures.values())
    print(
        f"{requests:,} requests in {run.seconds:.0f} s; the client: lag p95 "
        f"{percentile(run.lag, 95):.1f} ms, max {max(run.lag):.1f} ms, "
        f"{run.cpu_seconds * 1000 / max(requests, 1):.2f} ms CPU per request"
    )
    saves = run.samples.get("answer save", [])
    for phase, during in (("while they arrive", True), ("once all are in", False)):
        times = [ms for sent, ms, _ in saves if (sent < run.ramp_seconds) == during]
        seconds = run.ramp_seconds if during else run.seconds - run.ramp_seconds
        print(
            f"  answer saves {phase}: {len(times) / seconds:.0f}/s, p50 "
            f"{percentile(times, 50):.1f} ms, p95 {percentile(times, 95):.1f} ms"
        )
    return figures


def check(env: dict, run: Run, respondents: list[Respondent]) -> dict:
    told = {
        "saved": {r.token: r.saved for r in respondents if r.saved},
        "submitted": [r.token for r in respondents if r.submitted],
        "unsure": sorted(run.unsure),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(told, file)
    try:
        code = f"from bench.load import verify; verify({file.name!r})"
        result = json.loads(run_django(env, "import django; django.setup(); " + code))
    finally:
        os.unlink(file.name)
    print(
        f"answers: {result['told_saved']:,} told saved, {result['stored']:,} in PostgreSQL, "
        f"{result['equal']:,} equal, {result['lost']} lost, {result['different']} different, "
        f"{result['unexpected']} unexpected, {result['unsure']} unsure (failed saves); "
        f"submissions: {result['told_submitted']} told, {result['submitted']} in PostgreSQL, "
        f"{'the same' if result['submitted_equal'] else 'NOT the same'} respondents"
    )
    return result


def start_worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "1"),
            *("--loglevel", "warning", "--without-gossip", "--without-mingle"),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,  # its banner; warnings and errors go to stderr
    )


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # each figure as it comes, also into a pipe
    if not os.environ.get("REDIS_URL", "").startswith("redis"):
        sys.exit("Set REDIS_URL too: the load test runs the Celery worker on Redis.")
    server = worker = None
    with bench_database() as env:
        env = {**env, "REDIS_URL": os.environ["REDIS_URL"]}
        try:
            seeded = json.loads(
                run_django(
                    env,
                    "import django; django.setup(); "
                    "from bench.load import seed_round; seed_round()",
                )
            )
            everyone = [
                Respondent(token, dict(seeded["returning"].get(token, {})))
                for token in seeded["tokens"]
            ]
            server = start_gunicorn(env, PORT)
            worker = start_worker(env)
            print(
                f"gunicorn: {2 * (os.cpu_count() or 1)} sync workers; Celery: 1 worker process; "
                f"{len(everyone):,} invited, {len(seeded['returning'])} returning, "
                f"{LEADS} leads; arrivals over {RAMP_SECONDS:.0f} s"
            )
            args = (seeded["questions"], seeded["sessions"], seeded["dashboard"])
            # Every gunicorn worker compiles its templates and fills its caches on its first
            # requests: a few respondents from the far end of the list take that cost first.
            warm_up = Run(everyone[-40:], 15, random.Random(0), ramp_seconds=2)
            asyncio.run(simulate(warm_up, *args))

            print(f"\n{RESPONDENTS:,} respondents, {RUN_SECONDS:.0f} s")
            run = Run(everyone[:RESPONDENTS], RUN_SECONDS, random.Random(RESPONDENTS))
            asyncio.run(simulate(run, *args))
            figures = report(run)
            result = check(env, run, everyone)
            errors = sum(f["errors"] for f in figures.values())
            lost = result["lost"] + result["different"] + result["unexpected"]
            save_p95 = figures["answer save"]["p95"]
            print("targets:")
            print(f"  zero errors: {'met' if errors == 0 else f'NOT met ({errors})'}")
            print(f"  zero lost answers: {'met' if lost == 0 else f'NOT met ({lost})'}")
            print(
                f"  answer-save p95 under {TARGET_SAVE_P95_MS} ms: "
                f"{'met' if save_p95 < TARGET_SAVE_P95_MS else 'NOT met'} ({save_p95:.1f} ms)"
            )

            for respondents in STEPS:
                print(f"\n{respondents:,} respondents, {STEP_SECONDS:.0f} s")
                run = Run(everyone[:respondents], STEP_SECONDS, random.Random(respondents))
                asyncio.run(simulate(run, *args))
                save_p95 = report(run)["answer save"]["p95"]
                check(env, run, everyone)
                if save_p95 > BREAKING_P95_MS:
                    print(f"breaking point: save p95 past {BREAKING_P95_MS} ms at {respondents:,}")
                    break
            else:
                if STEPS:
                    print(f"save p95 stayed under {BREAKING_P95_MS} ms up to {STEPS[-1]:,}")
        finally:
            stop(server)
            stop(worker)


if __name__ == "__main__":
    main()
