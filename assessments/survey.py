"""The respondent's side of a questionnaire: its layout, and turning submitted form values into
answers.

A questionnaire version never changes once loaded (editing makes a new version with a new id),
so its layout is read from the database once per process and kept, keyed by its id.

Each question is one form field named after its key: radio buttons for yes/no, scales and
single choice (with "dont-know" as one more radio where the question offers it), checkboxes for
multiple choice, a textarea for free text.
"""

from dataclasses import dataclass
from functools import lru_cache

from .models import Question, Questionnaire

DONT_KNOW = "dont-know"
MAX_TEXT_LENGTH = 5_000


@dataclass(frozen=True)
class SurveyOption:
    value: str
    label: str


@dataclass(frozen=True)
class SurveyQuestion:
    id: int
    key: str
    kind: str
    text: str
    help: str
    options: tuple[SurveyOption, ...]
    allows_dont_know: bool
    required: bool
    allowed: frozenset[int]

    @property
    def is_multiple(self) -> bool:
        return self.kind == Question.Kind.MULTIPLE_CHOICE

    @property
    def is_text(self) -> bool:
        return self.kind == Question.Kind.FREE_TEXT

    @property
    def is_scale(self) -> bool:
        return self.kind == Question.Kind.SCALE


@dataclass(frozen=True)
class SurveySection:
    key: str
    title: str
    intro: str
    questions: tuple[SurveyQuestion, ...]


@dataclass(frozen=True)
class SurveyLayout:
    description: str
    minutes: int
    sections: tuple[SurveySection, ...]
    by_key: dict[str, SurveyQuestion]

    @property
    def required_keys(self) -> list[str]:
        return [
            question.key
            for section in self.sections
            for question in section.questions
            if question.required
        ]


@lru_cache(maxsize=32)
def survey_layout(questionnaire_id: int) -> SurveyLayout:
    questions = Question.objects.filter(questionnaire_id=questionnaire_id).select_related("section")
    sections: dict[int, tuple] = {}
    for question in questions.order_by("section__position", "position"):
        section = question.section
        sections.setdefault(section.pk, (section, []))[1].append(
            SurveyQuestion(
                id=question.pk,
                key=question.key,
                kind=question.kind,
                text=question.text,
                help=question.help,
                options=tuple(
                    SurveyOption(str(option["value"]), option["label"])
                    for option in question.options
                ),
                allows_dont_know=question.allows_dont_know,
                required=question.required,
                allowed=question.allowed_values,
            )
        )
    layout = tuple(
        SurveySection(section.key, section.title, section.intro, tuple(items))
        for section, items in sections.values()
    )
    questionnaire = Questionnaire.objects.only("description", "minutes").get(pk=questionnaire_id)
    return SurveyLayout(
        description=questionnaire.description,
        minutes=questionnaire.minutes,
        sections=layout,
        by_key={question.key: question for section in layout for question in section.questions},
    )


@dataclass(frozen=True)
class AnswerValue:
    """What one question's submitted values mean. `cleared` means no answer at all."""

    value: int | None = None
    dont_know: bool = False
    text: str = ""

    @property
    def cleared(self) -> bool:
        return self.value is None and not self.dont_know and not self.text


class InvalidAnswer(ValueError):
    pass


def parse_answer(question: SurveyQuestion, raw: list[str]) -> AnswerValue:
    """Turn a question's submitted values into an answer, or raise InvalidAnswer saying why.
    Empty strings are ignored, so a hidden empty field can stand for "nothing chosen"."""
    values = [item for item in raw if item != ""]
    if question.is_text:
        text = "\n".join(values).strip()
        if len(text) > MAX_TEXT_LENGTH:
            raise InvalidAnswer(
                f"Please keep this under {MAX_TEXT_LENGTH:,} characters (this is {len(text):,})."
            )
        if "\x00" in text:  # PostgreSQL cannot store it; nor does any keyboard type it
            raise InvalidAnswer("This text holds an invisible NUL character: remove it, then save.")
        return AnswerValue(text=text)
    if not values:
        return AnswerValue()
    if not question.is_multiple and len(values) > 1:
        raise InvalidAnswer("Choose one answer.")
    if values == [DONT_KNOW]:
        if not question.allows_dont_know:
            raise InvalidAnswer("This question has no “don’t know” option.")  # noqa: RUF001
        return AnswerValue(dont_know=True)
    try:
        numbers = {int(value) for value in values}
    except ValueError:
        raise InvalidAnswer("That is not one of this question's options.") from None
    if not numbers <= question.allowed:
        raise InvalidAnswer("That is not one of this question's options.")
    if question.is_multiple:
        return AnswerValue(value=sum(1 << number for number in numbers))
    return AnswerValue(value=numbers.pop())
