"""The respondent's side of a questionnaire: its layout, and turning submitted form values into
answers.

A questionnaire version never changes once loaded (editing makes a new version with a new id),
so its layout is read from the database once per process and kept, keyed by its id.

Each question is one form field named after its key: radio buttons for yes/no, scales and
single choice (with "dont-know" and "not-applicable" as more radios where the question offers
them), checkboxes for multiple choice, a textarea for free text.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from .models import Question, Questionnaire

DONT_KNOW = "dont-know"
NOT_APPLICABLE = "not-applicable"
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
    allows_not_applicable: bool
    max_choices: int | None
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

    @property
    def choices_hint(self) -> str:
        return f"Choose up to {self.max_choices}." if self.max_choices else ""


@dataclass(frozen=True)
class SurveySection:
    key: str
    title: str
    intro: str
    questions: tuple[SurveyQuestion, ...]


# How long answering takes, by a rule of ours (the guide gives none): reading at 230 words a
# minute, adults' silent reading speed for non-fiction (Brysbaert, 2019: 238), and time to
# choose, 4 seconds a closed question and a minute a free-text one. Every word counts: the
# introduction, section texts, questions, help and every option label, "don't know" included.
READING_WORDS_PER_MINUTE = 230
SECONDS_PER_CHOICE = 4
SECONDS_PER_FREE_TEXT = 60
DONT_KNOW_LABEL = "I don't know"  # as the survey page shows them
NOT_APPLICABLE_LABEL = "Doesn't apply to us"


@dataclass(frozen=True)
class AnsweringEstimate:
    words: int
    choices: int
    free_texts: int

    @property
    def seconds(self) -> float:
        reading = self.words / READING_WORDS_PER_MINUTE * 60
        return reading + self.choices * SECONDS_PER_CHOICE + self.free_texts * SECONDS_PER_FREE_TEXT

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.seconds / 60))


def answering_estimate(description: str, sections: Iterable[SurveySection]) -> AnsweringEstimate:
    texts, choices, free_texts = [description], 0, 0
    for section in sections:
        texts += [section.title, section.intro]
        for question in section.questions:
            texts += [question.text, question.help, *(option.label for option in question.options)]
            if question.allows_dont_know:
                texts.append(DONT_KNOW_LABEL)
            if question.allows_not_applicable:
                texts.append(NOT_APPLICABLE_LABEL)
            if question.max_choices:
                texts.append(question.choices_hint)
            if question.is_text:
                free_texts += 1
            else:
                choices += 1
    return AnsweringEstimate(sum(len(text.split()) for text in texts), choices, free_texts)


@dataclass(frozen=True)
class SurveyLayout:
    description: str
    estimate: AnsweringEstimate
    sections: tuple[SurveySection, ...]
    by_key: dict[str, SurveyQuestion]

    @property
    def minutes(self) -> int:
        return self.estimate.minutes

    def section_at(self, key: str) -> int | None:
        """The position of the section with this key, or None."""
        return next((i for i, section in enumerate(self.sections) if section.key == key), None)

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
                allows_not_applicable=question.allows_not_applicable,
                max_choices=question.max_choices,
                required=question.required,
                allowed=question.allowed_values,
            )
        )
    layout = tuple(
        SurveySection(section.key, section.title, section.intro, tuple(items))
        for section, items in sections.values()
    )
    questionnaire = Questionnaire.objects.only("description").get(pk=questionnaire_id)
    return SurveyLayout(
        description=questionnaire.description,
        estimate=answering_estimate(questionnaire.description, layout),
        sections=layout,
        by_key={question.key: question for section in layout for question in section.questions},
    )


@dataclass(frozen=True)
class AnswerValue:
    """What one question's submitted values mean. `cleared` means no answer at all."""

    value: int | None = None
    dont_know: bool = False
    not_applicable: bool = False
    text: str = ""

    @property
    def cleared(self) -> bool:
        skipped = self.dont_know or self.not_applicable
        return self.value is None and not skipped and not self.text


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
    if values == [NOT_APPLICABLE]:
        if not question.allows_not_applicable:
            raise InvalidAnswer("This question has no “doesn’t apply” option.")  # noqa: RUF001
        return AnswerValue(not_applicable=True)
    try:
        numbers = {int(value) for value in values}
    except ValueError:
        raise InvalidAnswer("That is not one of this question's options.") from None
    if not numbers <= question.allowed:
        raise InvalidAnswer("That is not one of this question's options.")
    if question.is_multiple:
        if question.max_choices and len(numbers) > question.max_choices:
            raise InvalidAnswer(
                f"Choose at most {question.max_choices}: you chose {len(numbers)}. "
                "Untick one, and this answer is saved."
            )
        return AnswerValue(value=sum(1 << number for number in numbers))
    return AnswerValue(value=numbers.pop())
