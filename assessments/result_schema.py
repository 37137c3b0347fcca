"""The round result's schema: what `RoundResult.data` holds, section by section, as the worker
writes it (aggregation.result_data) and the dashboard and the PDF read it.

Schema 2 (issue 17) is stored with `"schema": 2`; a result without the key is schema 1, and
the keys marked "since schema 2" are then missing: the pages read both. The data stays a JSON
dict (it is stored as JSONField and rendered by templates); these types are its contract.
"""

from typing import NotRequired, TypedDict


class Figures(TypedDict):
    """Counts and spread of one question or principle (scoring.Spread.as_dict)."""

    count: int
    dont_know: int
    dont_know_share: float
    not_applicable: int
    mean: float | None
    stdev: float | None
    disagreement: bool


class PrincipleRow(TypedDict):
    key: str
    name: str
    level: float | None
    score: float | None
    count: int
    dont_know: int
    dont_know_share: float
    not_applicable: int
    stdev: float | None
    disagreement: bool
    answerers: NotRequired[int]  # since schema 2


class Readiness(TypedDict):
    average: float | None
    floor: float | None
    floor_principle: str | None


class ChecklistAnswer(TypedDict):
    key: str
    yes: int
    no: int
    majority_yes: bool
    answer: NotRequired[str]  # "yes", "no", "split" or "unknown"; since schema 2


class Fit(TypedDict):
    verdict: str  # scoring.FIT_*
    yes_count: int
    questions: list[ChecklistAnswer]
    rule: str
    no_count: NotRequired[int]  # since schema 2, as are the three below
    gate: NotRequired[str]
    need: NotRequired[list[ChecklistAnswer]]
    capacity: NotRequired[list[ChecklistAnswer]]


class Stage(TypedDict):
    key: str
    name: str
    rule: str
    google: str
    microsoft: str


class Challenge(TypedDict):
    key: str
    name: str
    reported: bool
    inferred: list[str]
    felt: NotRequired[int | None]  # since schema 2: how many felt it noticeably or worse
    rated: NotRequired[int]
    share: NotRequired[float | None]
    severity: NotRequired[float | None]  # schema 1: the mean severity


class Disagreement(TypedDict):
    question: str
    team: NotRequired[str | None]  # since schema 2; None: the whole round
    stdev: NotRequired[float]  # schema 1


class TeamGap(TypedDict):
    team: str
    average: float | None
    rest: float | None
    weak: list[str]


class Rung(TypedDict):
    question: str
    now: NotRequired[int]
    now_label: str
    count: NotRequired[int]  # not in a team's rung
    of: NotRequired[int]
    next_label: str


class TeamPilot(TypedDict):
    principle: str
    reason: str
    rung: Rung | None


class TeamRoadmap(TypedDict):
    team: str
    readiness: Readiness
    stage: Stage | None
    pilots: list[TeamPilot]


class OutcomeBaseline(TypedDict):
    question: str
    answers: int
    baseline: str | None
    target: str | None


class Pilot(TypedDict):
    principle: str
    instead_of: list[str]
    reason: str


class Step(TypedDict):
    number: int
    key: str
    title: str
    priority: str  # scoring.NOW, NEXT or LATER


class Roadmap(TypedDict):
    weakest: list[str]
    pilots: list[Pilot]
    risks: list[dict]
    steps: list[Step]
    rungs: NotRequired[dict[str, Rung]]  # since schema 2


class Trend(TypedDict):
    round: str
    principles: dict[str, float | None]
    average: float | None
    clear: NotRequired[dict[str, bool | None]]  # since schema 2


class Result(TypedDict):
    """A round's result at or above its threshold. Below it, only `withheld`, `responses`,
    `invited` and `score_threshold` are stored."""

    schema: NotRequired[int]  # 2; missing in schema 1
    responses: int
    invited: int
    response_rate: float
    score_threshold: int
    principles: list[PrincipleRow]
    readiness: Readiness
    fit: Fit
    challenges: list[Challenge]
    goals: list[dict]
    questions: dict[str, dict]
    disagreements: list[Disagreement]
    breakdowns: dict[str, list[dict]]
    comments: dict
    trend: Trend | None
    roadmap: Roadmap
    rules: dict
    stage: NotRequired[Stage | None]  # since schema 2, as are the four below
    practices: NotRequired[list[PrincipleRow]]
    team_gaps: NotRequired[list[TeamGap]]
    team_roadmaps: NotRequired[list[TeamRoadmap]]
    outcomes: NotRequired[list[OutcomeBaseline]]
