"""The PDF roadmap: what it says for a round answered by hand, how it is made and served, and
what it refuses to do."""

import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from assessments.models import Round
from assessments.services import round_result_compute
from reports import pdf as pdf_module
from reports import services
from reports.models import Report
from tests.assessments.builders import FIT_KEYS, answered_round, closed_and_computed

HTMX = {"HX-Request": "true"}
PRACTICE_LEVELS = {
    "automation": 2,
    "continuous-integration": 3,
    "continuous-delivery": 1,
    "continuous-training": 0,
    "monitoring": 1,
    "version-control": 4,
    "collaboration": 3,
}
QUESTIONS = {
    "automation": ["automation-data-validation", "automation-training", "automation-deployment"],
    "continuous-integration": [
        "continuous-integration-code-tests",
        "continuous-integration-data-model-tests",
        "continuous-integration-build",
        "continuous-integration-merging",
    ],
    "continuous-delivery": [
        "continuous-delivery-release",
        "continuous-delivery-rollback",
        "continuous-delivery-staging",
    ],
    "continuous-training": [
        "continuous-training-trigger",
        "continuous-training-data-freshness",
        "continuous-training-evaluation",
        "continuous-training-feedback",
    ],
    "monitoring": [
        "monitoring-performance",
        "monitoring-drift",
        "monitoring-data-quality",
        "monitoring-alerting",
    ],
    "version-control": [
        "version-control-code",
        "version-control-data",
        "version-control-registry",
        "version-control-reproducibility",
    ],
    "collaboration": ["collaboration-handoff", "collaboration-communication"],
}


def respondent(index: int, obstacle: str = "") -> dict:
    """Five alike, except who owns what: two say nobody (0), three say it is clear (4)."""
    answers = {key: 1 for key in FIT_KEYS} | {"fit-resources": 0}
    for principle, keys in QUESTIONS.items():
        answers |= dict.fromkeys(keys, PRACTICE_LEVELS[principle])
    answers["collaboration-roles"] = 0 if index < 2 else 4
    answers |= {
        "challenge-data-drift": 3,
        "challenge-concept-drift": 0,
        "challenge-model-degradation": 2,
        "challenge-infrastructure-complexity": 1,
        "challenge-lack-of-collaboration": 0,
        "challenge-security-vulnerabilities": 0,
        "goals-kpis": [0, 1],
        "context-role": 0,
    }
    if obstacle:
        answers["context-obstacle"] = obstacle
    return answers


@pytest.fixture
def five(acme_round) -> Round:
    answered_round(acme_round, [respondent(index) for index in range(5)])
    closed_and_computed(acme_round)
    return acme_round


def report_url(round: Round) -> str:
    return f"/o/acme/rounds/{round.public_id}/report/"


def pdf_text(content: bytes, *options: str) -> str:
    """The PDF as text, one line per printed line, runs of spaces made one."""
    text = subprocess.run(
        ["pdftotext", "-layout", *options, "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def flat(text: str) -> str:
    """The text as one line, for sentences a printed line may have broken."""
    return " ".join(text.split())


def requested(client, round: Round, capture, page_size: str = "A4"):
    with capture(execute=True):
        return client.post(report_url(round), {"page_size": page_size})


def downloaded(client, report: Report) -> bytes:
    response = client.get(
        f"/o/acme/rounds/{report.round.public_id}/report/{report.public_id}/roadmap.pdf"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


@pytest.mark.django_db
def test_the_pdf_of_a_round_answered_by_hand_says_what_the_answers_mean(
    client, lena, five, django_capture_on_commit_callbacks
):
    client.force_login(lena)

    response = requested(client, five, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.status, report.page_size) == (Report.Status.READY, "A4")
    text = pdf_text(downloaded(client, report))
    # Fit: six of seven questions answered yes by all five; the one no is capacity.
    words = flat(text)
    assert "MLOps is a good fit for you" in text
    assert "6 of the guide's 7 checklist questions were answered yes by most of you, 1 no." in words
    assert "Need: 4 of 4 yes." in words and "Capacity: 1 of 2 yes." in words
    assert (
        "Do you have the infrastructure and resources to support MLOps? No (0 yes, 5 no)" in words
    )
    assert "Stage: Repeatable" in words
    # Levels: every answer of a principle alike, except who owns what: (0+0+4+4+4)/5 = 2.4,
    # with 3 and 3 for the other two collaboration questions: 2.8. Average 13.8 / 7 = 1.97.
    for row in [
        "Automation 2.0 50.0 0.00 0%",
        "Continuous training 0.0 0.0 0.00 0%",
        "Version control 4.0 100.0 0.00 0%",
        "Collaboration 2.8 70.0",
    ]:
        assert row in text
    assert "1.97 of 4" in text and "0.0 Continuous training" in text
    # Priorities by the stored rules: the goal is shared; automation, monitoring and tools
    # qualify for "now" and so does the assessment, which waits: at most three are "now".
    # Who owns what splits 0, 0 | 4, 4, 4: a disagreement, so collaboration is next.
    for line in [
        "LATER 1. Define your goals and metrics",
        "NEXT 2. Assess your current state",
        "NOW 3. Choose the right tools",
        "NOW 4. Implement automation",
        "NOW 5. Establish monitoring and alerting",
        "NEXT 6. Foster collaboration",
        "NEXT 7. Iterate and improve",
    ]:
        assert line in text
    # Pilots in prerequisite order: continuous training is the lowest, monitoring comes first;
    # each with the next rung of its lowest question, where all five stand.
    assert "Start small, with two pilots: monitoring, then continuous delivery." in words
    assert (
        "Continuous training is low, but Monitoring is low too and comes first: monitoring "
        "before continuous training. How is the performance of models in production followed? "
        "Today: “Someone checks a model's results when a user complains” (5 of 5); next: "
        "“Performance is reviewed by hand on a documented schedule”." in words
    )
    # Tools follow the first pilot: the guide's monitoring category, and nothing else.
    assert "shortlist from model monitoring tools, the guide's category for it." in words
    assert "Arize AI" in text and "Kubeflow" not in text and "TorchServe" not in text
    # Challenges by share: felt by 5 of 5 (data drift, degradation), inferred (concept
    # drift: performance is not tracked against outcomes) or felt by fewer than a third.
    assert "Data drift 5 of 5 Put solid monitoring in place to spot data drift," in text
    assert "Model degradation 5 of 5 Evaluate models on a regular schedule" in text
    assert "Concept drift 0 of 5 Keep watching model performance" in text
    assert "Security vulnerabilities 0 of 5 Felt by fewer than a third of you" in words
    assert "Not a pressing problem" not in words
    assert "How clear is it who owns each step of a model's life, from data to production" in words
    assert "This is the first round with this scope" in words
    assert "What's next" not in text  # readiness 1.97 is below 3
    assert "Page 2 of" in text and "Appendix: every question's answers" in text


@pytest.mark.django_db
def test_the_appendix_counts_every_answer_of_every_question(
    client, lena, five, django_capture_on_commit_callbacks
):
    client.force_login(lena)
    requested(client, five, django_capture_on_commit_callbacks)

    text = pdf_text(downloaded(client, Report.objects.get()))

    appendix = text[text.index("How many people gave each answer") :]
    owners = appendix[appendix.index("How clear is it who owns each step") :].splitlines()[1:7]
    assert owners == [
        "2 · Nobody owns production models; responsibility is unclear",
        "0 · Ownership is informal; whoever built the model gets asked",
        "0 · Roles and owners are written down and followed",
        "0 · Owners are recorded in shared tools (registry, on-call) for most models",
        "3 · Every model has a recorded owner, and ownership is reviewed regularly as teams change",
        "0 · Don't know",
    ]
    assert "5 · Shorter time to deploy a model" in appendix
    assert "5 · Better model accuracy" in appendix
    assert "0 · Lower cost of maintaining models" in appendix


@pytest.mark.django_db
def test_letter_is_made_on_request(client, lena, five, django_capture_on_commit_callbacks):
    client.force_login(lena)

    requested(client, five, django_capture_on_commit_callbacks, page_size="letter")

    report = Report.objects.get()
    info = subprocess.run(
        ["pdfinfo", report.file.path], capture_output=True, check=True, text=True
    ).stdout
    assert "612 x 792 pts (letter)" in info


@pytest.mark.django_db
def test_answers_holding_html_and_file_urls_are_printed_as_text_and_fetch_nothing(
    client, lena, acme_round, monkeypatch, django_capture_on_commit_callbacks
):
    acme_round.title = 'Q1 <script>alert("round")</script>'
    acme_round.score_threshold = acme_round.comment_threshold = 3
    acme_round.save()
    hostile = '<img src="file:///etc/passwd"><link rel="attachment" href="file:///etc/passwd">'
    long_text = "Too long. " * 500  # 5,000 characters, the most a free-text answer holds
    answered_round(acme_round, [respondent(0, hostile), respondent(1, long_text), respondent(2)])
    closed_and_computed(acme_round)
    fetched = []
    original_fetch = pdf_module.StaticFilesOnly.fetch

    def recording_fetch(self, url, headers=None):
        fetched.append(url)
        return original_fetch(self, url, headers)

    monkeypatch.setattr(pdf_module.StaticFilesOnly, "fetch", recording_fetch)
    client.force_login(lena)

    requested(client, acme_round, django_capture_on_commit_callbacks)

    report = Report.objects.get()
    content = downloaded(client, report)
    text = pdf_text(content)
    assert hostile in flat(text).replace("> <", "><")
    assert 'Q1 <script>alert("round")</script>' in text
    assert fetched == ["https://report.invalid/static/css/report.css"]
    assert b"root:x:0:0" not in content
    attachments = subprocess.run(
        ["pdfdetach", "-list", report.file.path], capture_output=True, check=True, text=True
    ).stdout
    assert attachments.startswith("0 embedded files")
    # The long comment is cut at COMMENT_MAX_CHARACTERS, and says so.
    assert "[cut at 600 characters; the whole text is in the JSON download]" in flat(text)
    assert flat(text).count("Too long.") == 60


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "https://example.com/logo.png",
        "http://127.0.0.1:6379/",
        "data:text/plain,hello",
        "https://report.invalid/static/../../../etc/passwd",
        "https://report.invalid/static/%2e%2e/%2e%2e/etc/passwd",
        "https://report.invalid/static/css/report.css?x=../../etc/passwd",
        "https://report.invalid/media/reports/other.pdf",
        "https://report.invalid/static/css/missing.css",
    ],
)
def test_the_fetcher_refuses_everything_but_our_static_files(url):
    fetcher = pdf_module.StaticFilesOnly()

    with pytest.raises(ValueError, match="Only the report's own static files"):
        fetcher.fetch(url)

    assert fetcher.refused == [url]


def test_the_fetcher_serves_our_stylesheet():
    response = pdf_module.StaticFilesOnly().fetch("https://report.invalid/static/css/report.css")

    assert b"@page" in response.read()
    assert response.content_type == "text/css"


@pytest.mark.django_db
def test_a_report_waits_queued_until_a_worker_renders_it(
    client, lena, five, real_broker, django_capture_on_commit_callbacks
):
    client.force_login(lena)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(report_url(five), {"page_size": "A4"}, headers=HTMX)

    report = Report.objects.get()
    assert report.status == Report.Status.QUEUED
    assert real_broker["redis"].llen(real_broker["queue"]) == 1
    html = response.content.decode()
    assert "Queued: waiting for a worker" in html
    status_url = f"/o/acme/rounds/{five.public_id}/report/{report.public_id}/"
    assert f'hx-get="{status_url}"' in html and 'hx-trigger="every 1s"' in html
    assert '<meta http-equiv="refresh"' in client.get(report_url(five)).content.decode()

    services.report_render(report.pk)  # what the worker does with the message

    html = client.get(status_url, headers=HTMX).content.decode()
    assert "hx-trigger" not in html
    assert f"{status_url}roadmap.pdf" in html and "Download the roadmap (PDF, 1" in html
    assert '<meta http-equiv="refresh"' not in client.get(report_url(five)).content.decode()


@pytest.mark.django_db
def test_a_failed_report_says_so_and_is_made_when_asked_again(
    client, lena, five, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(html, *, page_size):
        raise OSError("the disk is full")

    monkeypatch.setattr(services, "pdf_from_html", broken)
    client.force_login(lena)

    requested(client, five, django_capture_on_commit_callbacks)

    report = Report.objects.get()
    assert report.status == Report.Status.FAILED
    page = client.get(report_url(five)).content.decode()
    assert "The roadmap could not be made." in page and "Try again" in page
    assert "disk" not in page  # the cause is logged, not shown

    monkeypatch.undo()
    response = requested(client, five, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.error) == (Report.Status.READY, "")
    assert Report.objects.count() == 1


@pytest.mark.django_db
def test_the_same_result_is_rendered_once_and_a_new_result_makes_a_new_pdf(
    client, lena, five, monkeypatch, django_capture_on_commit_callbacks
):
    renders = []
    original = services.pdf_from_html

    def counting(html, *, page_size):
        renders.append(page_size)
        return original(html, page_size=page_size)

    monkeypatch.setattr(services, "pdf_from_html", counting)
    client.force_login(lena)

    requested(client, five, django_capture_on_commit_callbacks)
    requested(client, five, django_capture_on_commit_callbacks)

    assert renders == ["A4"]
    first = Report.objects.get()

    round_result_compute(round=five)  # nothing changed: a version that is never shown
    requested(client, five, django_capture_on_commit_callbacks)
    assert renders == ["A4"]

    answered_round(five, [respondent(index) for index in range(5)])  # reopened, five more
    closed_and_computed(five)  # a version that differs by five people: shown
    requested(client, five, django_capture_on_commit_callbacks)

    assert renders == ["A4", "A4"]
    second = Report.objects.exclude(pk=first.pk).get()
    assert second.result.version == 3 and second.status == Report.Status.READY
    page = client.get(report_url(five)).content.decode()
    assert str(second.public_id) in page and str(first.public_id) not in page


@pytest.mark.django_db
def test_a_report_whose_worker_was_lost_is_queued_again(
    client, lena, five, settings, django_capture_on_commit_callbacks
):
    report = Report.objects.create(
        round=five, result=five.results.get(is_current=True), status=Report.Status.RENDERING
    )
    client.force_login(lena)

    requested(client, five, django_capture_on_commit_callbacks)
    report.refresh_from_db()
    assert report.status == Report.Status.RENDERING  # still within REPORT_STALE_SECONDS

    Report.objects.filter(pk=report.pk).update(
        updated_at=timezone.now() - timedelta(seconds=settings.REPORT_STALE_SECONDS + 1)
    )
    requested(client, five, django_capture_on_commit_callbacks)

    report.refresh_from_db()
    assert report.status == Report.Status.READY


@pytest.mark.django_db
def test_a_render_past_the_time_limit_is_shown_as_failed(five, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    from reports.tasks import report_render_task

    report = Report.objects.create(round=five, result=five.results.get(is_current=True))

    def too_slow(report_id):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr("reports.tasks.report_render", too_slow)

    report_render_task.delay(report.pk)

    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.error == "The report took too long to render. Try again later."


@pytest.mark.django_db
@pytest.mark.parametrize("page_size", ["A5", "", "a4' OR 1=1", "x" * 1_000_000])
def test_an_unknown_page_size_is_refused_and_nothing_is_made(
    client, lena, five, page_size, django_capture_on_commit_callbacks
):
    client.force_login(lena)

    response = requested(client, five, django_capture_on_commit_callbacks, page_size=page_size)

    assert response.status_code == 422
    assert "Choose A4 or Letter." in response.content.decode()
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_a_round_without_results_has_no_roadmap_to_make(
    client, lena, acme_round, django_capture_on_commit_callbacks
):
    client.force_login(lena)

    response = requested(client, acme_round, django_capture_on_commit_callbacks)

    assert response.status_code == 409
    assert "no results to show yet, so there is no roadmap" in response.content.decode()
    assert not Report.objects.exists()
    page = client.get(report_url(acme_round)).content.decode()
    assert "No roadmap: This round has not opened yet." in page


@pytest.mark.django_db
def test_a_report_not_ready_or_unknown_cannot_be_downloaded(client, lena, five):
    report = Report.objects.create(round=five, result=five.results.get(is_current=True))
    client.force_login(lena)
    base = f"/o/acme/rounds/{five.public_id}/report/"

    assert client.get(f"{base}{report.public_id}/roadmap.pdf").status_code == 404
    assert client.get(f"{base}00000000-0000-0000-0000-000000000000/roadmap.pdf").status_code == 404
    assert client.get(f"{base}not-a-uuid/roadmap.pdf").status_code == 404


@pytest.mark.django_db
def test_the_roadmap_page_reads_a_fixed_number_of_rows(
    client, lena, five, assert_statements, django_capture_on_commit_callbacks
):
    client.force_login(lena)
    requested(client, five, django_capture_on_commit_callbacks, page_size="A4")
    requested(client, five, django_capture_on_commit_callbacks, page_size="letter")
    report = Report.objects.first()

    # Session, user, membership, round with its counts, its current and visible results, the
    # visible one's reports.
    with assert_statements(6):
        assert client.get(report_url(five)).status_code == 200
    with assert_statements(4):
        status = f"{report_url(five)}{report.public_id}/"
        assert client.get(status, headers=HTMX).status_code == 200
