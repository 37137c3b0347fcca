"""What the survey's screens show for each question, and its HTML.

The page is the one most people see, often all at once at 9:00. A question's HTML depends only
on the question and the chosen values (never on the respondent: its save URL is relative), so
it is rendered once per process for each such pair and reused. Free text and error messages are
rendered each time: their content is the respondent's own.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from .models import Invitation, chosen_values
from .survey import DONT_KNOW, NOT_APPLICABLE, SurveyLayout, SurveyQuestion, SurveySection


@dataclass(frozen=True)
class QuestionState:
    question: SurveyQuestion
    selected: frozenset[str]
    text: str
    error: str

    @property
    def answered(self) -> bool:
        return bool(self.selected or self.text)

    @property
    def html(self) -> SafeString:
        if self.text or self.error:
            return render_question(self.question, self.selected, self.text, self.error)
        return render_question_cached(self.question, self.selected)


def render_question(
    question: SurveyQuestion, selected: frozenset[str], text: str = "", error: str = ""
) -> SafeString:
    context = {"question": question, "selected": selected, "text": text, "error": error}
    return SafeString(render_to_string("assessments/includes/question.html", context))


@lru_cache(maxsize=4096)
def render_question_cached(question: SurveyQuestion, selected: frozenset[str]) -> SafeString:
    return render_question(question, selected)


class SavedAnswer(NamedTuple):
    """A saved answer as the survey's screens read it: a row, not a model instance, for a
    respondent far into the survey has dozens of them on every screen they load."""

    question_id: int
    value: int | None
    dont_know: bool
    not_applicable: bool
    text: str


def saved_answers(invitation: Invitation) -> list[SavedAnswer]:
    """The respondent's saved answers: one query, none before they start."""
    response = getattr(invitation, "response", None)
    if response is None:
        return []
    return [SavedAnswer(*row) for row in response.answers.values_list(*SavedAnswer._fields)]


def saved_state(question: SurveyQuestion, answer: SavedAnswer | None) -> tuple[frozenset[str], str]:
    if answer is None:
        return frozenset(), ""
    if answer.dont_know:
        return frozenset({DONT_KNOW}), ""
    if answer.not_applicable:
        return frozenset({NOT_APPLICABLE}), ""
    if question.is_multiple:
        return frozenset(map(str, chosen_values(answer.value))), ""
    if question.is_text:
        return frozenset(), answer.text
    return frozenset({str(answer.value)}), ""


def survey_states(
    layout: SurveyLayout,
    answers: list[SavedAnswer],
    errors: dict[str, str] | None = None,
    posted: QueryDict | None = None,
) -> list[tuple[SurveySection, list[QuestionState]]]:
    """Each section with the state of each question: the saved answers, or, for a page that was
    refused, what the respondent had posted, so nothing they chose is lost from the screen."""
    saved = {answer.question_id: answer for answer in answers}
    sections = []
    for section in layout.sections:
        states = []
        for question in section.questions:
            if posted is not None and question.key in posted:
                raw = [value for value in posted.getlist(question.key) if value != ""]
                if question.is_text:
                    selected, text = frozenset(), "\n".join(raw)
                else:
                    selected, text = frozenset(raw), ""
            else:
                selected, text = saved_state(question, saved.get(question.id))
            states.append(
                QuestionState(question, selected, text, (errors or {}).get(question.key, ""))
            )
        sections.append((section, states))
    return sections


def sections_html(
    sections: list[tuple[SurveySection, list[QuestionState]]],
) -> list[tuple[SurveySection, SafeString]]:
    """Each section with its questions' HTML joined, as the pages show them."""
    return [
        (section, SafeString("".join(state.html for state in states)))
        for section, states in sections
    ]


@dataclass(frozen=True)
class SurveyPosition:
    """Where a respondent stands: what is answered, overall and per section, and where to go."""

    layout: SurveyLayout
    answered: frozenset[str]

    @classmethod
    def of(cls, layout: SurveyLayout, answers: list[SavedAnswer]) -> "SurveyPosition":
        """From the saved answers (a saved answer is never empty: clearing one deletes it)."""
        keys = {question.id: question.key for question in layout.by_key.values()}
        return cls(layout, frozenset(keys[a.question_id] for a in answers if a.question_id in keys))

    @property
    def total(self) -> int:
        return len(self.layout.by_key)

    @property
    def answered_count(self) -> int:
        return len(self.answered)

    def section_counts(self, section: SurveySection) -> tuple[int, int]:
        """(answered, questions) of one section."""
        return sum(q.key in self.answered for q in section.questions), len(section.questions)

    def unanswered(self) -> list[tuple[SurveySection, SurveyQuestion]]:
        return [
            (section, question)
            for section in self.layout.sections
            for question in section.questions
            if question.key not in self.answered
        ]

    def missing_required(self) -> list[tuple[SurveySection, SurveyQuestion]]:
        return [(s, q) for s, q in self.unanswered() if q.required]

    def optional_unanswered(self) -> list[tuple[SurveySection, SurveyQuestion]]:
        return [(s, q) for s, q in self.unanswered() if not q.required]

    def next_unanswered(self, after: int = -1) -> tuple[SurveySection, SurveyQuestion] | None:
        """The first unanswered question in a section after position `after`, else the first
        one before it; None when everything is answered."""
        unanswered = self.unanswered()
        positions = {section.key: i for i, section in enumerate(self.layout.sections)}
        later = [item for item in unanswered if positions[item[0].key] > after]
        return (later or unanswered or [None])[0]
