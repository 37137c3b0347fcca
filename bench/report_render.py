"""Issue 7's figures: rendering the PDF roadmap of the demo round and of a 10,000-respondent
round, beside WeasyPrint rendering a plain document of the same page count (the floor).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python -m bench.report_render

- render: the whole job a worker runs (read the result, build the HTML, render, store the
  PDF), warm (fonts and templates loaded, as in a running worker), median of RUNS;
- pdf: WeasyPrint alone on the report's HTML, and on the plain document: full pages of
  paragraphs in the report's font and size, as many pages as the report. Report and plain
  renders alternate, so both see the same machine;
- peak memory: the peak RSS of a fresh process rendering that HTML once (Python, Django and
  WeasyPrint included), beside the same process stopped before rendering.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
PLAIN_WORDS = [
    "readiness",
    "survey",
    "team",
    "model",
    "deploy",
    "monitor",
    "version",
    "control",
    "data",
    "drift",
    "training",
    "pipeline",
    "review",
    "owner",
    "alert",
    "metric",
    "release",
    "rollback",
    "registry",
    "feature",
]


def plain_document(pages: int) -> str:
    """Paragraphs flowing over `pages` pages, every one full, in the report's font, size and
    margins: the most paragraphs that still make `pages` pages."""
    from reports.pdf import pdf_from_html

    paragraphs = 7 * pages  # about 7 paragraphs of 90 words fill an A4 page at 9.5 pt
    while pdf_from_html(plain_html(paragraphs))[1] > pages:
        paragraphs -= 1
    while pdf_from_html(plain_html(paragraphs + 1))[1] == pages:
        paragraphs += 1
    return plain_html(paragraphs)


def plain_html(paragraphs: int) -> str:
    import random

    words = random.Random(7)

    def paragraph() -> str:
        return "<p>" + " ".join(words.choice(PLAIN_WORDS) for _ in range(90)) + ".</p>"

    body = "".join(paragraph() for _ in range(paragraphs))
    return (
        "<html><head><style>@page { margin: 22mm 18mm 20mm 18mm } html { font-family: "
        "'DejaVu Sans'; font-size: 9.5pt; line-height: 1.45 } p { margin: 0 0 2.5mm }"
        f"</style></head><body>{body}</body></html>"
    )


def peak_rss_mb(html_path: str | None) -> float:
    """Peak RSS of a fresh process that sets up Django and WeasyPrint and renders the file
    (or nothing, for the baseline)."""
    output = subprocess.run(
        [sys.executable, "-m", "bench.report_render", "--peak", html_path or "-"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    ).stdout
    return float(output.split()[-1])


def peak_child(html_path: str) -> None:
    import bench.harness  # noqa: F401  (Django set up, as in a worker)
    from reports.pdf import pdf_from_html

    if html_path != "-":
        pdf_from_html(Path(html_path).read_text())
    # VmHWM, not getrusage's ru_maxrss: that one keeps the parent's peak across fork and exec.
    status = Path("/proc/self/status").read_text()
    peak_kb = next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]
    print(int(peak_kb) / 1024)


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server: the figures are PostgreSQL's.")
    from bench.harness import throwaway_database

    with throwaway_database():
        measure()


def measure() -> None:
    from django.db import connection

    from assessments.models import Round
    from assessments.questionnaire_loader import questionnaire_load
    from assessments.services import round_result_compute
    from bench.aggregation import GENERATE
    from demo.seed import demo_seed
    from reports.models import Report
    from reports.pdf import pdf_from_html
    from reports.services import report_html, report_render

    questionnaire = questionnaire_load().questionnaire
    demo = demo_seed()
    closed = next(item.round for item in demo.rounds if not item.round.is_open)
    big = Round.objects.create(
        organization=demo.organization, questionnaire=questionnaire, title="10,000 respondents"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            GENERATE,
            {
                "round": big.pk,
                "organization": demo.organization.pk,
                "n": 10_000,
                "questionnaire": questionnaire.pk,
            },
        )
        cursor.execute("ANALYZE")

    cases = []
    for round in (closed, big):
        result = round_result_compute(round=round)
        report = Report.objects.create(round=round, result=result)
        report_render(report.pk)  # warms fonts, templates and the layout cache
        report.refresh_from_db()
        html = report_html(Report.objects.select_related("round", "result").get(pk=report.pk))
        cases.append((round, report, html, plain_document(report.pages)))

    folder = Path(tempfile.mkdtemp(prefix="radar-bench-report-"))
    print(
        f"{'round':>22}{'pages':>7}{'render':>9}{'pdf':>8}{'plain':>8}{'ratio':>7}"
        f"{'peak MB':>9}{'plain MB':>10}"
    )
    for round, report, html, plain in cases:
        _, plain_pages = pdf_from_html(plain)
        assert plain_pages == report.pages, (plain_pages, report.pages)
        renders, pdfs, plains = [], [], []
        for _ in range(RUNS):
            Report.objects.filter(pk=report.pk).update(status=Report.Status.QUEUED)
            renders.append(timed(lambda report=report: report_render(report.pk)))
            pdfs.append(timed(lambda html=html: pdf_from_html(html)))
            plains.append(timed(lambda plain=plain: pdf_from_html(plain)))
        html_path, plain_path = folder / f"{report.pk}.html", folder / f"{report.pk}-plain.html"
        html_path.write_text(html)
        plain_path.write_text(plain)
        render, pdf, floor = (statistics.median(runs) for runs in (renders, pdfs, plains))
        print(
            f"{round.title[:22]:>22}{report.pages:>7}{render * 1000:>7.0f}ms{pdf * 1000:>6.0f}ms"
            f"{floor * 1000:>6.0f}ms{pdf / floor:>7.2f}{peak_rss_mb(str(html_path)):>9.0f}"
            f"{peak_rss_mb(str(plain_path)):>10.0f}"
        )
    print(f"process without rendering: {peak_rss_mb(None):.0f} MB peak RSS")
    print(f"runs per figure: {RUNS} (medians), WeasyPrint warm")


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


if __name__ == "__main__":
    if sys.argv[1:2] == ["--peak"]:
        peak_child(sys.argv[2])
    else:
        main()
