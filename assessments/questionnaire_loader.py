"""Loading a questionnaire data file (TOML) into a new questionnaire version.

A version is identified by the hash of the file's parsed content: loading the same content again
changes nothing, loading changed content makes the next version. Versions are never edited, so
rounds made on an earlier version keep exactly the questions they were answered against.
"""

import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Max

from .models import Dimension, Question, Questionnaire, Section

QUESTIONNAIRE_DIR = Path(__file__).resolve().parent / "questionnaires"
# Loaded in this order, so version numbers follow it: a fresh database gets v1, then v2.
QUESTIONNAIRE_FILES = [
    QUESTIONNAIRE_DIR / "mlops-readiness.toml",
    QUESTIONNAIRE_DIR / "mlops-readiness-v2.toml",
]
DEFAULT_QUESTIONNAIRE = QUESTIONNAIRE_FILES[0]
LATEST_QUESTIONNAIRE = QUESTIONNAIRE_FILES[-1]

YES_NO_OPTIONS = [{"value": 1, "label": "Yes"}, {"value": 0, "label": "No"}]
KINDS_WITH_LEVELS = {Question.Kind.SCALE}
KINDS_WITH_OPTIONS = {Question.Kind.SINGLE_CHOICE, Question.Kind.MULTIPLE_CHOICE}
# "Don't know" and "doesn't apply" are one more radio button: questions with one answer only.
KINDS_WITH_SKIPS = {Question.Kind.SCALE, Question.Kind.SINGLE_CHOICE}

# Format 2 is the guide's questionnaire written to the standard of issue 16: every item says
# where its text comes from, an item that presupposes something offers "doesn't apply", no
# label carries a number (the respondent reads words, not a score), and the guide's checklist,
# principles, challenges and tool categories are all there.
GUIDE_CHECKLIST_QUESTIONS = 7
GUIDE_PRINCIPLES = 7
GUIDE_CHALLENGES = 6
GUIDE_TOOL_CATEGORIES = 4
# Multiple-choice answers are a bit mask in a 32-bit integer column.
MAX_MULTIPLE_CHOICE_OPTIONS = 31


class QuestionnaireError(ValueError):
    """The data file is not a valid questionnaire; the message says where."""


@dataclass(frozen=True)
class LoadResult:
    questionnaire: Questionnaire
    created: bool


def content_hash(data: dict) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def question_options(question: dict) -> list[dict]:
    kind = question["kind"]
    if kind == Question.Kind.YES_NO:
        return YES_NO_OPTIONS
    labels = question.get("levels") if kind in KINDS_WITH_LEVELS else question.get("options")
    return [{"value": value, "label": label} for value, label in enumerate(labels or [])]


def validate(data: dict) -> None:
    problems: list[str] = []
    for field in ("slug", "title", "dimensions", "sections"):
        if field not in data:
            problems.append(f"missing top-level field {field!r}")
    if problems:
        raise QuestionnaireError("; ".join(problems))

    tool_keys = {category["key"] for category in data.get("tool_categories", [])}
    dimension_keys = set()
    for dimension in data["dimensions"]:
        key = dimension.get("key")
        if key in dimension_keys:
            problems.append(f"dimension {key!r} is defined twice")
        dimension_keys.add(key)
        if dimension.get("kind") not in Dimension.Kind.values:
            problems.append(f"dimension {key!r} has unknown kind {dimension.get('kind')!r}")
        category = dimension.get("tool_category")
        if category and category not in tool_keys:
            problems.append(f"dimension {key!r} names unknown tool category {category!r}")

    question_keys = set()
    for section in data["sections"]:
        for question in section.get("questions", []):
            key = question.get("key")
            where = f"question {key!r}"
            if key in question_keys:
                problems.append(f"{where} is defined twice")
            question_keys.add(key)
            kind = question.get("kind")
            if kind not in Question.Kind.values:
                problems.append(f"{where} has unknown kind {kind!r}")
                continue
            if question.get("dimension") not in dimension_keys:
                problems.append(f"{where} scores unknown dimension {question.get('dimension')!r}")
            options = question_options(question)
            if kind in KINDS_WITH_LEVELS | KINDS_WITH_OPTIONS and len(options) < 2:
                problems.append(f"{where} needs at least two levels or options")
            if any(not str(option["label"]).strip() for option in options):
                problems.append(f"{where} has a level or option without a label")
            if kind == Question.Kind.MULTIPLE_CHOICE and len(options) > MAX_MULTIPLE_CHOICE_OPTIONS:
                problems.append(f"{where} has more than {MAX_MULTIPLE_CHOICE_OPTIONS} options")
            for skip, label in (("dont_know", "don't know"), ("doesnt_apply", "doesn't apply")):
                if question.get(skip) and kind not in KINDS_WITH_SKIPS:
                    problems.append(f'{where}: only scales and single choices offer "{label}"')
            if bool(question.get("doesnt_apply")) != bool(question.get("presupposes")):
                problems.append(
                    f'{where}: "doesn\'t apply" goes with what the question presupposes, '
                    "both or neither"
                )
            max_choices = question.get("max_choices")
            if max_choices is not None and (
                kind != Question.Kind.MULTIPLE_CHOICE or not 1 <= max_choices < len(options)
            ):
                problems.append(f"{where}: max_choices needs a multiple choice with more options")
            if data.get("format", 1) >= 2:
                problems += format_2_problems(where, question, options)
    if data.get("format", 1) >= 2:
        problems += guide_coverage_problems(data)
    if problems:
        raise QuestionnaireError("; ".join(problems))


def format_2_problems(where: str, question: dict, options: list[dict]) -> list[str]:
    problems = []
    if question.get("source") not in (Question.Source.GUIDE, Question.Source.OURS):
        problems.append(f'{where} must say its source: "guide" or "ours"')
    if question["kind"] != Question.Kind.YES_NO:
        numbered = [o["label"] for o in options if any(ch.isdigit() for ch in o["label"])]
        if numbered:
            problems.append(f"{where} has a label with a number: {numbered[0]!r}")
    return problems


def guide_coverage_problems(data: dict) -> list[str]:
    kinds = {dimension["key"]: dimension["kind"] for dimension in data["dimensions"]}
    asked: dict[str, int] = {}
    for section in data["sections"]:
        for question in section.get("questions", []):
            asked[question.get("dimension")] = asked.get(question.get("dimension"), 0) + 1
    checklist = sum(n for key, n in asked.items() if kinds.get(key) == Dimension.Kind.FIT)
    expected = [
        (Dimension.Kind.PRINCIPLE, GUIDE_PRINCIPLES, "principles"),
        (Dimension.Kind.CHALLENGE, GUIDE_CHALLENGES, "challenges"),
    ]
    problems = []
    if checklist != GUIDE_CHECKLIST_QUESTIONS:
        problems.append(
            f"the guide's checklist has {GUIDE_CHECKLIST_QUESTIONS} questions, this file "
            f"{checklist}"
        )
    for kind, count, name in expected:
        keys = [key for key, dimension_kind in kinds.items() if dimension_kind == kind]
        unasked = [key for key in keys if not asked.get(key)]
        if len(keys) != count or unasked:
            problems.append(
                f"the guide has {count} {name}, each asked about: this file has {len(keys)}"
                + (f", never asking about {', '.join(unasked)}" if unasked else "")
            )
    categories = len(data.get("tool_categories", []))
    if categories != GUIDE_TOOL_CATEGORIES:
        problems.append(
            f"the guide has {GUIDE_TOOL_CATEGORIES} tool categories, this file {categories}"
        )
    return problems


def questionnaires_load() -> list[LoadResult]:
    """Every shipped questionnaire file, in version order."""
    return [questionnaire_load(path=path) for path in QUESTIONNAIRE_FILES]


def question_row(question: dict, section: Section, dimensions: dict, *, position: int) -> Question:
    return Question(
        questionnaire=section.questionnaire,
        section=section,
        dimension=dimensions[question["dimension"]],
        key=question["key"],
        position=position,
        kind=question["kind"],
        text=question["text"],
        help=question.get("help", ""),
        options=question_options(question),
        allows_dont_know=question.get("dont_know", False),
        allows_not_applicable=question.get("doesnt_apply", False),
        presupposes=question.get("presupposes", ""),
        max_choices=question.get("max_choices"),
        source=question.get("source", ""),
        required=question.get("required", True),
        weight=question.get("weight", 1.0),
    )


@transaction.atomic
def questionnaire_load(*, path: Path = DEFAULT_QUESTIONNAIRE) -> LoadResult:
    """Load the file at `path`; return the matching version, creating it if it is new."""
    with path.open("rb") as file:
        try:
            data = tomllib.load(file)
        except tomllib.TOMLDecodeError as error:
            raise QuestionnaireError(f"{path.name}: {error}") from error
    validate(data)
    digest = content_hash(data)
    existing = Questionnaire.objects.filter(slug=data["slug"], content_hash=digest).first()
    if existing:
        return LoadResult(questionnaire=existing, created=False)

    # Two loaders racing for the same version collide on the unique constraints, not silently.
    latest = Questionnaire.objects.filter(slug=data["slug"]).aggregate(version=Max("version"))
    questionnaire = Questionnaire.objects.create(
        slug=data["slug"],
        version=(latest["version"] or 0) + 1,
        title=data["title"],
        description=data.get("description", ""),
        tool_categories=data.get("tool_categories", []),
        content_hash=digest,
    )
    dimensions = {
        item["key"]: Dimension.objects.create(
            questionnaire=questionnaire,
            key=item["key"],
            kind=item["kind"],
            name=item["name"],
            position=position,
            description=item.get("description", ""),
            solution=item.get("solution", ""),
            tool_category=item.get("tool_category", ""),
        )
        for position, item in enumerate(data["dimensions"], start=1)
    }
    questions = []
    for section_position, item in enumerate(data["sections"], start=1):
        section = Section.objects.create(
            questionnaire=questionnaire,
            key=item["key"],
            position=section_position,
            title=item["title"],
            intro=item.get("intro", ""),
        )
        for question in item.get("questions", []):
            questions.append(
                question_row(question, section, dimensions, position=len(questions) + 1)
            )
    Question.objects.bulk_create(questions)
    return LoadResult(questionnaire=questionnaire, created=True)
