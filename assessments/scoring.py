"""The scoring rules of Readiness Radar: numbers in, numbers out, no database.

Every rule the report states is here, with its threshold as a named constant. The worker feeds
these functions with small tables counted in SQL (how many respondents gave each value to each
question); nothing here ever sees an individual response.
"""

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

SCALE_MAX = 4  # practice questions: 0 (nothing in place) to 4 (automated, measured, improved)
SEVERITY_MAX = 3  # challenge questions: 0 (not at all) to 3 (badly)

# Fit verdict, after the guide's checklist: "yes to most" means MLOps is a good fit, "no to
# several" means building the foundations first. A checklist question counts as a yes when
# more than half of those who answered it said yes; five yeses of seven make a good fit.
FIT_QUESTION_YES_SHARE = 0.5
FIT_GOOD_MIN_YES = 5
FIT_GOOD = "good-fit"
FIT_FOUNDATIONS_FIRST = "foundations-first"

# Disagreement: the team does not share one picture of where it stands when the answers to a
# question span three levels or more, or spread widely. For a principle, whose answers pool
# several questions (so some range is expected), only the wide spread counts.
DISAGREEMENT_MIN_RANGE = 3
DISAGREEMENT_MIN_STDEV = 1.2

# A challenge whose mean severity reaches this brings the guide's solution into the report.
CHALLENGE_REPORTED_MIN_SEVERITY = 1.5

# A principle scoring below this level is "weak": it can set a risk off or call for a pilot.
WEAK_LEVEL = 2.0


@dataclass(frozen=True)
class Spread:
    """Summary of the values given to one question, or to all questions of a principle.
    "Don't know" and "doesn't apply" are counted apart and never enter the mean as a 0. The
    share of "don't know" is among those the question applies to."""

    count: int
    dont_know: int
    mean: float | None
    median: float | None
    stdev: float | None
    minimum: int | None
    maximum: int | None
    not_applicable: int = 0

    @property
    def range(self) -> int | None:
        return None if self.minimum is None else self.maximum - self.minimum

    @property
    def dont_know_share(self) -> float:
        total = self.count + self.dont_know
        return self.dont_know / total if total else 0.0

    @property
    def disagreement(self) -> bool:
        if self.count < 2 or self.stdev is None:
            return False
        return self.range >= DISAGREEMENT_MIN_RANGE or self.stdev >= DISAGREEMENT_MIN_STDEV

    def as_dict(self) -> dict:
        """What is published of it: levels and counts. Never the minimum, maximum or median,
        which are one person's answer whenever one person sits at the edge or the middle."""
        return {
            "count": self.count,
            "dont_know": self.dont_know,
            "dont_know_share": round(self.dont_know_share, 4),
            "not_applicable": self.not_applicable,
            "mean": rounded(self.mean),
            "stdev": rounded(self.stdev),
            "disagreement": self.disagreement,
        }


def rounded(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)


def spread(distribution: Mapping[int, int], dont_know: int = 0, not_applicable: int = 0) -> Spread:
    """Mean, median, population standard deviation and range of a value -> count table."""
    counts = {value: n for value, n in distribution.items() if n > 0}
    count = sum(counts.values())
    if count == 0:
        return counts_only(count, dont_know, not_applicable)
    mean = sum(value * n for value, n in counts.items()) / count
    variance = sum(n * (value - mean) ** 2 for value, n in counts.items()) / count
    return Spread(
        count=count,
        dont_know=dont_know,
        mean=mean,
        median=median(counts),
        stdev=math.sqrt(variance),
        minimum=min(counts),
        maximum=max(counts),
        not_applicable=not_applicable,
    )


def counts_only(count: int, dont_know: int, not_applicable: int) -> Spread:
    return Spread(count, dont_know, None, None, None, None, None, not_applicable)


def thinned(figures: Spread, min_count: int) -> Spread:
    """`figures` with only its counts when fewer than `min_count` people gave a value (the others
    said "don't know"): a mean of one or two answers is those people's answers. (Ours: the
    anonymity threshold applies to the answers behind a figure, not only to the group.)"""
    if figures.count >= min_count:
        return figures
    return counts_only(figures.count, figures.dont_know, figures.not_applicable)


def median(counts: Mapping[int, int]) -> float:
    """The median of a value -> count table (the mean of the two middle values when even)."""
    total = sum(counts.values())
    middle = [(total - 1) // 2, total // 2]
    found, seen = [], 0
    for value in sorted(counts):
        seen += counts[value]
        while middle and middle[0] < seen:
            found.append(value)
            middle.pop(0)
    return sum(found) / 2


def merged(distributions: Iterable[Mapping[int, int]]) -> dict[int, int]:
    total: dict[int, int] = {}
    for distribution in distributions:
        for value, n in distribution.items():
            total[value] = total.get(value, 0) + n
    return total


@dataclass(frozen=True)
class PrincipleScore:
    """A principle's score: the mean of every answer to its questions across respondents (each
    question weighted by its weight), as a level 0-4 and out of 100, with the spread of all
    those answers and the share of "don't know"."""

    key: str
    level: float | None
    spread: Spread

    @property
    def score_100(self) -> float | None:
        return None if self.level is None else round(100 * self.level / SCALE_MAX, 1)

    @property
    def disagreement(self) -> bool:
        stdev = self.spread.stdev
        return self.spread.count >= 2 and stdev is not None and stdev >= DISAGREEMENT_MIN_STDEV

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "level": rounded(self.level, 2),
            "score": self.score_100,
            **{name: value for name, value in self.spread.as_dict().items() if name != "mean"},
            "disagreement": self.disagreement,
        }


def principle_score(
    key: str,
    questions: Iterable[tuple[Mapping[int, int], int, int, float]],
    min_answerers: int = 0,
) -> PrincipleScore:
    """`questions`: (value -> count, don't-know count, doesn't-apply count, weight) for each of
    its questions. With
    fewer than `min_answerers` people giving a value to any one of its questions, the principle
    is not rated: its level would be those few people's answers (see `thinned`)."""
    questions = list(questions)
    weighted_sum = sum(w * sum(v * n for v, n in dist.items()) for dist, _, _, w in questions)
    weighted_count = sum(w * sum(dist.values()) for dist, _, _, w in questions)
    level = weighted_sum / weighted_count if weighted_count else None
    overall = spread(
        merged(dist for dist, _, _, _ in questions),
        sum(dk for _, dk, _, _ in questions),
        sum(na for _, _, na, _ in questions),
    )
    answerers = max((sum(dist.values()) for dist, _, _, _ in questions), default=0)
    if answerers < min_answerers:
        figures = counts_only(overall.count, overall.dont_know, overall.not_applicable)
        return PrincipleScore(key=key, level=None, spread=figures)
    return PrincipleScore(key=key, level=level, spread=overall)


@dataclass(frozen=True)
class Readiness:
    """The average of the principles' levels beside the readiness floor, the weakest principle:
    like the ML Test Score takes the minimum of its sections, strong CI cannot hide missing
    monitoring."""

    average: float | None
    floor: float | None
    floor_principle: str | None


def readiness(scores: Iterable[PrincipleScore]) -> Readiness:
    scored = [score for score in scores if score.level is not None]
    if not scored:
        return Readiness(None, None, None)
    weakest = min(scored, key=lambda score: score.level)
    average = sum(score.level for score in scored) / len(scored)
    return Readiness(average, weakest.level, weakest.key)


def fit_verdict(checklist: Iterable[tuple[str, int, int]]) -> dict:
    """`checklist`: (question key, yes count, no count) in the guide's order. A question is a
    yes when more than FIT_QUESTION_YES_SHARE of its answers are yes; FIT_GOOD_MIN_YES yeses make
    a good fit, fewer mean building the foundations first."""
    questions = []
    for key, yes, no in checklist:
        answered = yes + no
        is_yes = answered > 0 and yes / answered > FIT_QUESTION_YES_SHARE
        questions.append({"key": key, "yes": yes, "no": no, "majority_yes": is_yes})
    yes_count = sum(question["majority_yes"] for question in questions)
    return {
        "verdict": FIT_GOOD if yes_count >= FIT_GOOD_MIN_YES else FIT_FOUNDATIONS_FIRST,
        "yes_count": yes_count,
        "questions": questions,
        "rule": (
            f"A question counts as yes when more than {FIT_QUESTION_YES_SHARE:.0%} of its "
            f"answers are yes; {FIT_GOOD_MIN_YES} or more of {len(questions)} mean MLOps is a "
            "good fit, fewer mean building the foundations first."
        ),
    }


# Risks the team may not have named, inferred from its practice answers. Each rule names the
# principle levels (or question means) below WEAK_LEVEL that set it off, all of them required.
INFERRED_RISKS = {
    "model-degradation": {
        "when": ["continuous-training", "monitoring"],
        "because": "models are retrained by hand and not monitored",
    },
    "data-drift": {
        "when": ["question:monitoring-drift"],
        "because": "nothing watches whether production data still looks like training data",
    },
    "concept-drift": {
        "when": ["question:monitoring-performance", "question:continuous-training-feedback"],
        "because": "model performance is not tracked against real outcomes",
    },
    "infrastructure-complexity": {
        "when": ["automation", "continuous-delivery"],
        "because": "training and deployment are manual steps",
    },
    "lack-of-collaboration": {
        "when": ["collaboration"],
        "because": "roles and handoffs between the groups are unclear",
    },
    "security-vulnerabilities": {
        "when": ["version-control"],
        "because": "data and models are not versioned, so changes leave no trail",
    },
}


def inferred_risks(
    principle_levels: Mapping[str, float | None], question_means: Mapping[str, float | None]
) -> list[dict]:
    """The INFERRED_RISKS whose every condition holds: a level (or question mean) below
    WEAK_LEVEL. A principle nobody could rate (all "don't know") does not set a risk off."""
    risks = []
    for challenge, rule in INFERRED_RISKS.items():
        levels = []
        for condition in rule["when"]:
            if condition.startswith("question:"):
                levels.append(question_means.get(condition.removeprefix("question:")))
            else:
                levels.append(principle_levels.get(condition))
        if levels and all(level is not None and level < WEAK_LEVEL for level in levels):
            risks.append({"challenge": challenge, "because": rule["because"]})
    return risks


def challenge_ranking(severities: Mapping[str, Spread]) -> list[dict]:
    """Challenges by mean severity, highest first; those at CHALLENGE_REPORTED_MIN_SEVERITY
    or above are the ones the team reported."""
    rows = [
        {
            "key": key,
            "severity": rounded(spread_.mean, 2),
            "count": spread_.count,
            "reported": spread_.mean is not None
            and spread_.mean >= CHALLENGE_REPORTED_MIN_SEVERITY,
        }
        for key, spread_ in severities.items()
    ]
    return sorted(rows, key=lambda row: (-(row["severity"] or 0), row["key"]))


# Automation pilots come in prerequisite order, not only by lowest score (the guide: start with
# one or two): version control before CI, CI before automated training and delivery, monitoring
# before continuous training.
PREREQUISITES = {
    "continuous-integration": ["version-control"],
    "continuous-delivery": ["continuous-integration"],
    "continuous-training": ["monitoring", "continuous-integration"],
    "automation": ["version-control"],
}
PILOT_CANDIDATES = [
    "version-control",
    "continuous-integration",
    "monitoring",
    "automation",
    "continuous-delivery",
    "continuous-training",
]
MAX_PILOTS = 2


def automation_pilots(
    levels: Mapping[str, float | None], names: Mapping[str, str] | None = None
) -> list[dict]:
    """Up to MAX_PILOTS principles to automate first, with the reason for each (in words, with
    `names` for the principles' keys): the weakest candidates, each replaced by its first weak
    prerequisite, itself resolved the same way."""
    names = names or {}

    def name(key: str) -> str:
        return names.get(key, key)

    def weak(key: str) -> bool:
        level = levels.get(key)
        return level is not None and level < WEAK_LEVEL

    def resolve(key: str, chain: list[str]) -> tuple[str, list[str]]:
        for prerequisite in PREREQUISITES.get(key, []):
            if weak(prerequisite):
                return resolve(prerequisite, [*chain, key])
        return key, chain

    weakest_first = sorted(
        (key for key in PILOT_CANDIDATES if weak(key)),
        key=lambda key: (levels[key], PILOT_CANDIDATES.index(key)),
    )
    pilots: list[dict] = []
    for key in weakest_first:
        chosen, skipped = resolve(key, [])
        if any(pilot["principle"] == chosen for pilot in pilots):
            continue
        if skipped:
            reason = (
                f"{name(skipped[0])} is low, but {name(chosen)} is low too and comes first: "
                f"{name(chosen).lower()} before {name(skipped[-1]).lower()}"
            )
        else:
            reason = f"{name(chosen)} is among the weakest practices and has no weaker prerequisite"
        pilots.append({"principle": chosen, "instead_of": skipped[:1], "reason": reason})
        if len(pilots) == MAX_PILOTS:
            break
    return pilots


def suppressed_cells(counts: Mapping[str, int], threshold: int) -> set[str]:
    """Cells of one breakdown to hide. A cell with fewer responses than `threshold` is hidden;
    then, while the hidden cells together hold more than 0 but fewer than `threshold`
    responses, the smallest shown cell is hidden too, so nobody recovers a small group by
    subtracting the shown cells from the total."""
    hidden = {cell for cell, n in counts.items() if n < threshold}
    while 0 < sum(counts[cell] for cell in hidden) < threshold:
        shown = [cell for cell in counts if cell not in hidden]
        if not shown:
            break
        hidden.add(min(shown, key=lambda cell: (counts[cell], cell)))
    return hidden


class _Pooled:
    """The block part that pools a breakdown's hidden cells (equal to no team or role)."""


POOLED = _Pooled()


Atom = tuple[Hashable, Hashable]  # (team, role)


def hidden_breakdown_cells(
    atoms: Mapping[Atom, int],
    threshold: int,
    *,
    changes: Iterable[Iterable[tuple[Atom | None, Atom | None]]] = (),
) -> tuple[set, set]:
    """The team cells and the role cells to hide when both breakdowns and the whole round are
    published, so that no sum or difference of published cells, within a breakdown, across
    both, or between this version and an earlier visible one, singles out a group of 1 to
    threshold - 1 respondents.

    `atoms` counts respondents per (team, role). Pool each breakdown's hidden cells into one;
    a block is then (a shown team or the pooled teams) x (a shown role or the pooled roles).
    Every published cell, the whole round included, is a union of blocks, so any +1/-1
    combination of published cells that makes a group at all makes a union of blocks. Cells are
    hidden until every block holds 0 or at least `threshold` respondents: then every such group
    does too. `changes` lists, for each earlier visible version, the (atom then, atom now) of
    every respondent whose answers changed since (None where not counted): every block must
    also hold 0 or at least `threshold` of them, or a block's difference between the two
    versions would be those few people's changes. Roles give way before teams, whose figures
    feed the team gaps and the team roadmaps. (Ours, after the cell-suppression rules of
    statistical agencies.)"""
    changes = [list(version) for version in changes]
    team_sizes: dict = defaultdict(int)
    role_sizes: dict = defaultdict(int)
    for (team, role), n in atoms.items():
        team_sizes[team] += n
        role_sizes[role] += n
    present = {atom for atom, n in atoms.items() if n} | {
        atom for version in changes for pair in version for atom in pair if atom is not None
    }
    hidden_teams = {team for team, n in team_sizes.items() if n < threshold}
    hidden_roles = {role for role, n in role_sizes.items() if n < threshold}

    def block(atom: Atom) -> tuple:
        return _part(atom[0], hidden_teams), _part(atom[1], hidden_roles)

    while True:
        sizes: dict = defaultdict(int)
        for atom, n in atoms.items():
            sizes[block(atom)] += n
        small = {each for each, n in sizes.items() if 0 < n < threshold}
        for version in changes:
            touched: dict = defaultdict(int)
            for pair in version:
                for each in {block(atom) for atom in pair if atom is not None}:
                    touched[each] += 1
            small |= {each for each, n in touched.items() if 0 < n < threshold}
        if not small:
            return hidden_teams & set(team_sizes), hidden_roles & set(role_sizes)
        # Hiding a cell merges its blocks into the pooled ones: a small block's own shown cell,
        # or, for a block already pooled on one side, a shown cell that would grow it.
        by_role = [(role, team) for team, role in present]
        roles, teams = set(), set()
        for team_part, role_part in small:
            roles |= _merging(role_part, team_part, by_role, hidden_roles, hidden_teams)
            teams |= _merging(team_part, role_part, present, hidden_teams, hidden_roles)
        if roles:
            hidden_roles.add(min(roles, key=lambda role: (role_sizes[role], str(role))))
        elif teams:
            hidden_teams.add(min(teams, key=lambda team: (team_sizes[team], str(team))))
        else:  # everything is hidden: the whole round alone is below the threshold
            return set(team_sizes), set(role_sizes)


def _part(cell: Hashable, hidden: set) -> Hashable:
    return POOLED if cell in hidden else cell


def _merging(own: Hashable, other: Hashable, pairs, hidden_own: set, hidden_other: set) -> set:
    """The shown cells of one breakdown whose hiding would merge the block (`own` x `other`)
    into a larger one: its own cell, or, where that side is pooled already, every shown cell
    meeting the block's other side. `pairs` are (cell of this breakdown, cell of the other)."""
    if own != POOLED:
        return {own}
    return {
        cell
        for cell, across in pairs
        if cell not in hidden_own and _part(across, hidden_other) == other
    }


# The guide's seven implementation steps, in its order, each with a priority that follows from
# the scores by the rules of roadmap_steps.
ROADMAP_STEPS = [
    ("goals", "Define your goals and metrics"),
    ("assess", "Assess your current state"),
    ("tools", "Choose the right tools"),
    ("automation", "Implement automation"),
    ("monitoring", "Establish monitoring and alerting"),
    ("collaboration", "Foster collaboration"),
    ("iterate", "Iterate and improve"),
]
NOW, NEXT, LATER = "now", "next", "later"
# A goal is shared when at least this share of respondents picked it.
SHARED_GOAL_MIN_SHARE = 0.5
GOOD_LEVEL = 3.0


def roadmap_steps(
    *,
    levels: Mapping[str, float | None],
    responses: int,
    top_goal_count: int,
    pilots: list[dict],
    challenges: list[dict],
    disagreement_count: int,
) -> list[dict]:
    """Each step of the guide with its priority and the rule that set it:
    - goals: now unless one goal is shared by at least SHARED_GOAL_MIN_SHARE of respondents;
    - assess: now, for this round is that assessment: discuss it;
    - tools: now when some principle is weak (below WEAK_LEVEL), else later;
    - automation: now when there are automation pilots, else later;
    - monitoring: now when monitoring is weak or drift or degradation is reported or inferred,
      next below GOOD_LEVEL, else later;
    - collaboration: now when collaboration is weak or lack of collaboration is reported or
      inferred, next when the team disagrees anywhere, else later;
    - iterate: next: run the next round once the "now" steps are under way."""

    def weak(key: str) -> bool:
        return levels.get(key) is not None and levels[key] < WEAK_LEVEL

    flagged = {row["key"] for row in challenges if row["reported"] or row.get("inferred")}
    shared_goal = responses > 0 and top_goal_count / responses >= SHARED_GOAL_MIN_SHARE
    monitoring = levels.get("monitoring")
    priorities = {
        "goals": LATER if shared_goal else NOW,
        "assess": NOW,
        "tools": NOW if any(weak(key) for key in levels) else LATER,
        "automation": NOW if pilots else LATER,
        "monitoring": NOW
        if weak("monitoring") or flagged & {"data-drift", "concept-drift", "model-degradation"}
        else (NEXT if monitoring is not None and monitoring < GOOD_LEVEL else LATER),
        "collaboration": NOW
        if weak("collaboration") or "lack-of-collaboration" in flagged
        else (NEXT if disagreement_count else LATER),
        "iterate": NEXT,
    }
    return [
        {"number": number, "key": key, "title": title, "priority": priorities[key]}
        for number, (key, title) in enumerate(ROADMAP_STEPS, start=1)
    ]
