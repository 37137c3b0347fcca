"""A survey screen's HTML: a frame rendered once per round and section, with the respondent's
parts filled in on each request.

A screen is what most respondents load, often all at once. Its template is the same for
everyone on the same screen of the same round except for a few parts: the CSRF token, the
counts, the notices, the link to the next unanswered question and the questions themselves
(whose HTML survey_page caches). So the template is rendered once with a marker in each of
those parts, split at the markers, kept, and joined with each respondent's values. The frame
is rendered without a request: it holds nothing of whoever loaded it first (no account
navigation, no messages); every link in it is relative to the screen.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString

from .survey import SurveyQuestion, SurveySection, survey_layout

SLOTS = (
    "csrf_token",
    "notices",
    "section_answered",
    "answered_count",
    "answered_elsewhere",
    "questions",
    "next_unanswered",
)
MARKER = re.compile("\x00([a-z_]+)\x00")


@dataclass(frozen=True)
class FrameKey:
    """Everything a screen's frame shows that is not the respondent's: editing the round's
    title or close date makes a new key, so a new frame."""

    questionnaire_id: int
    section_index: int
    organization_name: str
    title: str  # the round's
    score_threshold: int
    comment_threshold: int
    closes_at: datetime | None


@lru_cache(maxsize=512)
def screen_frame(key: FrameKey) -> tuple[str, ...]:
    """The frame's literal parts and slot names, alternating: literal, slot, literal, …"""
    layout = survey_layout(key.questionnaire_id)
    index = key.section_index
    sections = layout.sections
    context = {
        "layout": layout,
        "organization_name": key.organization_name,
        "round": key,  # what the frame shows of the round, under the names the facts use
        "section": sections[index],
        "section_number": index + 1,
        "previous": sections[index - 1] if index else None,
        "next_section": sections[index + 1] if index + 1 < len(sections) else None,
        "total": len(layout.by_key),
    } | {slot: SafeString(f"\x00{slot}\x00") for slot in SLOTS}
    html = render_to_string("assessments/survey_section.html", context)
    return tuple(MARKER.split(html))


def screen_html(key: FrameKey, values: dict[str, str]) -> str:
    parts = screen_frame(key)
    return "".join(part if n % 2 == 0 else values[part] for n, part in enumerate(parts))


def notices_html(*, submitted: bool, has_errors: bool) -> str:
    notices = []
    if submitted:
        notices.append(
            '<p class="notice" role="status">You have submitted your answers. You can still '
            "change them until the survey closes.</p>"
        )
    if has_errors:
        notices.append(
            '<p class="notice error" role="alert">Some answers on this screen were not saved: '
            "see the message below each one.</p>"
        )
    return "".join(notices)


def next_unanswered_html(found: tuple[SurveySection, SurveyQuestion] | None) -> str:
    if found is None:
        return ""
    section, question = found
    return format_html(
        '<p>Next unanswered: <a href="../{}/#q-{}">{}</a></p>',
        section.key,
        question.key,
        question.text,
    )
