"""The PDF roadmap's job: requesting it, rendering it in the worker, and its states.

A report belongs to one round result and page size (a unique constraint), so asking again
for the same result returns the PDF already made, and a new result makes a new one. The
row's status is the only truth the pages read: queued → rendering → ready, or failed, from
which a new request queues it again.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable
from redis.exceptions import RedisError

from assessments.models import Dimension, Round, RoundResult
from assessments.survey import DONT_KNOW, survey_layout
from organizations.models import User

from . import charts
from .models import Report
from .pdf import pdf_from_html
from .roadmap import Roadmap, roadmap
from .selectors import same_scope_history

logger = logging.getLogger(__name__)

# Long free texts are cut in the PDF (the JSON download has them whole), and only so many
# distinct comments are printed, so the report's length does not grow with respondents.
COMMENT_MAX_CHARACTERS = 600
COMMENTS_MAX = 40


class ReportUnavailable(Exception):
    """The round has nothing to report yet."""


def report_request(*, round: Round, page_size: str, by: User | None) -> Report:
    """The report of the round's newest visible result in this page size: the one already made or
    being made, or a new one queued for the worker. A failed report, or one queued or
    rendering for longer than REPORT_STALE_SECONDS (its worker or message was lost), is
    queued again."""
    result = RoundResult.objects.filter(round=round).visible().only("pk").first()
    if result is None:
        raise ReportUnavailable(
            "This round has no results to show yet, so there is no roadmap: results appear "
            f"when the round closes with at least {round.score_threshold} answers."
        )
    try:
        with transaction.atomic():
            report, created = Report.objects.get_or_create(
                result=result, page_size=page_size, defaults={"round": round, "requested_by": by}
            )
    except IntegrityError:  # the same request, a moment earlier, from another tab
        report, created = Report.objects.get(result=result, page_size=page_size), False
    if not created:
        now = timezone.now()
        stale = now - timedelta(seconds=settings.REPORT_STALE_SECONDS)
        lost = Q(status__in=[Report.Status.QUEUED, Report.Status.RENDERING], updated_at__lt=stale)
        requeued = Report.objects.filter(Q(status=Report.Status.FAILED) | lost, pk=report.pk)
        if not requeued.update(
            status=Report.Status.QUEUED, error="", requested_by=by, updated_at=now
        ):
            return report
        report.refresh_from_db()
    report_enqueue(report)
    return report


def report_enqueue(report: Report) -> None:
    from .tasks import report_render_task

    def enqueue() -> None:
        try:
            report_render_task.apply_async((report.pk,), retry=False)
        except (BrokerUnavailable, OSError, RedisError) as error:
            logger.warning("broker unavailable, report %s not queued: %s", report.public_id, error)
            report_fail(report.pk, "The report could not be queued. Try again in a moment.")

    transaction.on_commit(enqueue)


def report_render(report_id: int) -> Report | None:
    """Render one report and store its PDF. Safe to run twice: a ready report is left alone,
    and a worker that died while rendering leaves the row "rendering" for the next one."""
    updated = Report.objects.filter(
        pk=report_id, status__in=[Report.Status.QUEUED, Report.Status.RENDERING]
    ).update(status=Report.Status.RENDERING, updated_at=timezone.now())
    if not updated:
        return None
    report = Report.objects.select_related(
        "round__organization", "round__questionnaire", "result"
    ).get(pk=report_id)
    started = time.perf_counter()
    html = report_html(report)
    pdf, pages = pdf_from_html(html, page_size=report.page_size)
    with transaction.atomic():
        report = Report.objects.select_for_update().select_related("round").get(pk=report_id)
        if report.status != Report.Status.RENDERING:
            return report
        report.file.save(f"roadmap-{report.page_size.lower()}.pdf", ContentFile(pdf), save=False)
        report.status = Report.Status.READY
        report.pages = pages
        report.finished_at = timezone.now()
        report.save()
    logger.info(
        "report rendered round=%s organization=%s pages=%d bytes=%d ms=%d",
        report.round.public_id,
        report.round.organization_id,
        pages,
        len(pdf),
        (time.perf_counter() - started) * 1000,
    )
    return report


def report_fail(report_id: int, message: str) -> None:
    now = timezone.now()
    Report.objects.filter(pk=report_id).exclude(status=Report.Status.READY).update(
        status=Report.Status.FAILED, error=message, finished_at=now, updated_at=now
    )


def round_roadmap(round: Round, data: dict, dimensions: dict, question_texts: dict) -> Roadmap:
    """The roadmap of one round result, worded with its questionnaire's texts."""
    return roadmap(
        data,
        question_texts=question_texts,
        solutions={key: dimension.solution for key, dimension in dimensions.items()},
        tool_categories=round.questionnaire.tool_categories,
        principle_tools={
            key: dimension.tool_category
            for key, dimension in dimensions.items()
            if dimension.tool_category
        },
    )


def report_html(report: Report) -> str:
    """The report as HTML, from the stored result and the questionnaire's texts only: no
    answer is read, so the PDF shows exactly what the result allows (suppressed cells stay
    suppressed) and renders in the same time for 10 or 10,000 respondents."""
    round = report.round
    data = report.result.data
    layout = survey_layout(round.questionnaire_id)
    dimensions = {
        dimension.key: dimension
        for dimension in Dimension.objects.filter(questionnaire_id=round.questionnaire_id)
    }
    question_texts = {key: question.text for key, question in layout.by_key.items()}
    principles = data["principles"]
    trend = data["trend"]["principles"] if data.get("trend") else None
    context = {
        "print": True,
        "report": report,
        "round": round,
        "organization": round.organization,
        "teams": list(round.teams.values_list("name", flat=True)),
        "result": report.result,
        "data": data,
        "roadmap": round_roadmap(round, data, dimensions, question_texts),
        "radar": charts.radar(principles, trend),
        "bars": charts.bars(principles),
        "principle_names": [principle["name"] for principle in principles],
        "breakdowns": [
            ("Teams", charts.heatmap(data["breakdowns"]["team"], principles)),
            ("Roles", charts.heatmap(data["breakdowns"]["role"], principles)),
        ],
        "fit_questions": [
            {**row, "text": question_texts.get(row["key"], row["key"])}
            for row in data["fit"]["questions"]
        ],
        "history": same_scope_history(organization=round.organization, round=round),
        "comments": comments_for_print(data["comments"]),
        "appendix": appendix(layout, data["questions"]),
        "limits": {"comment_characters": COMMENT_MAX_CHARACTERS, "comments": COMMENTS_MAX},
    }
    return render_to_string("reports/roadmap_pdf.html", context)


def comments_for_print(comments: dict) -> dict:
    """Identical comments once, with how many wrote them, the most frequent first; each cut at
    COMMENT_MAX_CHARACTERS and at most COMMENTS_MAX of them."""
    if not comments.get("shown"):
        return {"shown": False, "threshold": comments.get("threshold")}
    counts: dict[str, int] = {}
    for text in comments["items"]:
        counts[text] = counts.get(text, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    items = [
        {
            "text": text[:COMMENT_MAX_CHARACTERS],
            "cut": len(text) > COMMENT_MAX_CHARACTERS,
            "count": count,
        }
        for text, count in ranked[:COMMENTS_MAX]
    ]
    return {"shown": True, "items": items, "left_out": max(0, len(ranked) - COMMENTS_MAX)}


def appendix(layout, questions: dict) -> list[dict]:
    """Every question of the questionnaire with the count of each option, of "don't know" and of
    "doesn't apply", section by section. Free text is left to the comments, which keep their
    own threshold."""
    sections = []
    for section in layout.sections:
        rows = []
        for question in section.questions:
            stats = questions.get(question.key, {})
            distribution = stats.get("distribution", {})
            options = [
                {"label": option.label, "count": distribution.get(option.value, 0)}
                for option in question.options
                if option.value != DONT_KNOW
            ]
            if question.allows_dont_know:
                options.append({"label": "Don't know", "count": stats.get("dont_know", 0)})
            if question.allows_not_applicable:
                options.append({"label": "Doesn't apply", "count": stats.get("not_applicable", 0)})
            rows.append(
                {
                    "text": question.text,
                    "is_text": question.is_text,
                    "withheld": stats.get("withheld", False),
                    "options": options,
                    "disagreement": stats.get("disagreement", False),
                }
            )
        sections.append({"title": section.title, "questions": rows})
    return sections
