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
DEFAULT_QUESTIONNAIRE = QUESTIONNAIRE_DIR / "mlops-readiness.toml"

YES_NO_OPTIONS = [{"value": 1, "label": "Yes"}, {"value": 0, "label": "No"}]
KINDS_WITH_LEVELS = {Question.Kind.SCALE}
KINDS_WITH_OPTIONS = {Question.Kind.SINGLE_CHOICE, Question.Kind.MULTIPLE_CHOICE}
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
    for field in ("slug", "title", "minutes", "dimensions", "sections"):
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
            if question.get("dont_know") and kind != Question.Kind.SCALE:
                problems.append(f'{where}: only scale questions offer "don\'t know"')
    if problems:
        raise QuestionnaireError("; ".join(problems))


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
        minutes=data["minutes"],
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
                Question(
                    questionnaire=questionnaire,
                    section=section,
                    dimension=dimensions[question["dimension"]],
                    key=question["key"],
                    position=len(questions) + 1,
                    kind=question["kind"],
                    text=question["text"],
                    help=question.get("help", ""),
                    options=question_options(question),
                    allows_dont_know=question.get("dont_know", False),
                    required=question.get("required", True),
                    weight=question.get("weight", 1.0),
                )
            )
    Question.objects.bulk_create(questions)
    return LoadResult(questionnaire=questionnaire, created=True)
