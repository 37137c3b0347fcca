"""What the survey page shows for each question, and its HTML.

The page is the one most people see, often all at once at 9:00. A question's HTML depends only
on the question and the chosen values (never on the respondent: its save URL is relative), so
it is rendered once per process for each such pair and reused. Free text and error messages are
rendered each time: their content is the respondent's own.
"""

from dataclasses import dataclass
from functools import lru_cache

from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from .models import Answer
from .survey import DONT_KNOW, SurveyLayout, SurveyQuestion, SurveySection


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


def saved_state(question: SurveyQuestion, answer: Answer | None) -> tuple[frozenset[str], str]:
    if answer is None:
        return frozenset(), ""
    if answer.dont_know:
        return frozenset({DONT_KNOW}), ""
    if question.is_multiple:
        return frozenset(map(str, answer.chosen_values)), ""
    if question.is_text:
        return frozenset(), answer.text
    return frozenset({str(answer.value)}), ""


def survey_states(
    layout: SurveyLayout,
    answers: list[Answer],
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
