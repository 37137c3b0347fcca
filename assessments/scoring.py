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

# Disagreement (ours): a group does not share one picture of a practice when the middle half
# of its answers to a question spans DISAGREEMENT_MIN_SPREAD levels or more (the interquartile
# range): a quarter of the group sits two levels or more from another quarter. One outlier,
# or a few, cannot set it off, however many answered; a 5-5 split does. With fewer than
# DISAGREEMENT_MIN_ANSWERS values a quarter is less than one person, so nothing is flagged.
# The worker applies it within each team shown, so a difference between teams is a team gap,
# not a disagreement.
DISAGREEMENT_MIN_SPREAD = 2
DISAGREEMENT_MIN_ANSWERS = 4


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
    disagreement: bool = False

    @property
    def range(self) -> int | None:
        return None if self.minimum is None else self.maximum - self.minimum

    @property
    def dont_know_share(self) -> float:
        total = self.count + self.dont_know
        return self.dont_know / total if total else 0.0

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
        disagreement=disagrees(counts),
    )


def quantile(counts: Mapping[int, int], share: float) -> int:
    """The value at the nearest rank `share` of the way through a value -> count table."""
    rank = max(1, math.ceil(share * sum(counts.values())))
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= rank:
            return value
    raise ValueError("empty table")


def disagrees(distribution: Mapping[int, int]) -> bool:
    """The disagreement rule (see DISAGREEMENT_MIN_SPREAD) for one question's answers."""
    counts = {value: n for value, n in distribution.items() if n > 0}
    if sum(counts.values()) < DISAGREEMENT_MIN_ANSWERS:
        return False
    return quantile(counts, 0.75) - quantile(counts, 0.25) >= DISAGREEMENT_MIN_SPREAD


def counts_only(count: int, dont_know: int, not_applicable: int) -> Spread:
    return Spread(count, dont_know, None, None, None, None, None, not_applicable, False)


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

    # Some question of the principle meets the disagreement rule.
    disagreement: bool = False
    # The most people who gave a value to one of its questions: its n, for a standard error.
    answerers: int = 0

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "level": rounded(self.level, 2),
            "score": self.score_100,
            **{name: value for name, value in self.spread.as_dict().items() if name != "mean"},
            "disagreement": self.disagreement,
            "answerers": self.answerers,
        }


def principle_score(
    key: str,
    questions: Iterable[tuple[Mapping[int, int], int, int, float]],
    min_answerers: int = 0,
) -> PrincipleScore:
    """`questions`: (value -> count, don't-know count, doesn't-apply count, weight) for each of
    its questions. With fewer than `min_answerers` people giving a value to any one of its
    questions, the principle is not rated: its level would be those few people's answers (see
    `thinned`). It is a disagreement when one of its questions, answered by at least
    `min_answerers`, is."""
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
    disagreement = any(
        disagrees(dist) and sum(dist.values()) >= min_answerers for dist, _, _, _ in questions
    )
    return PrincipleScore(
        key=key, level=level, spread=overall, disagreement=disagreement, answerers=answerers
    )


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


def checklist_answer(yes: int, no: int) -> str:
    """The team's answer to one checklist question: "yes" or "no" by a majority, "split" on a
    tie (shown as split, never counted as no), "unknown" when nobody answered."""
    if yes == no:
        return "split" if yes else "unknown"
    return "yes" if yes > no else "no"


# Fit v2, ours around the guide's checklist: the guide reads "yes to most" as a good fit and
# "no to several" as foundations first. We add a gate (its first question: without a model in
# production MLOps is premature, so nothing that presupposes production is advised), group the
# rest into need and capacity, name the band between "most" and "several" borderline, and tell
# a team that already practises MLOps so.
FIT_GATE = "fit-production"
FIT_NEED = ["fit-multiple-models", "fit-retraining", "fit-pain", "fit-business-critical"]
FIT_CAPACITY = ["fit-dedicated-team", "fit-resources"]
FIT_NOT_YET = "not-yet"
FIT_BORDERLINE = "borderline"
FIT_PRACTISING = "practising"
FIT_SEVERAL_NO = 3
PRACTISING_MIN_AVERAGE = 3.0


def fit_verdict(
    checklist: Iterable[tuple[str, int, int]], readiness: Readiness | None = None
) -> dict:
    """`checklist`: (question key, yes count, no count) in the guide's order; `readiness`: the
    round's, for telling a team that already practises MLOps. The verdict, in this order:
    not yet (most say no model runs in production); practising (readiness at least
    PRACTISING_MIN_AVERAGE with no principle below WEAK_LEVEL); good fit (FIT_GOOD_MIN_YES or
    more yes); foundations first (FIT_SEVERAL_NO or more no); borderline otherwise."""
    questions = [
        {"key": key, "yes": yes, "no": no, "answer": checklist_answer(yes, no)}
        for key, yes, no in checklist
    ]
    for question in questions:
        question["majority_yes"] = question["answer"] == "yes"
    by_key = {question["key"]: question for question in questions}
    counts = {answer: sum(q["answer"] == answer for q in questions) for answer in ("yes", "no")}
    if by_key.get(FIT_GATE, {}).get("answer") == "no":
        verdict = FIT_NOT_YET
    elif (
        readiness is not None
        and readiness.average is not None
        and readiness.average >= PRACTISING_MIN_AVERAGE
        and readiness.floor >= WEAK_LEVEL
    ):
        verdict = FIT_PRACTISING
    elif counts["yes"] >= FIT_GOOD_MIN_YES:
        verdict = FIT_GOOD
    elif counts["no"] >= FIT_SEVERAL_NO:
        verdict = FIT_FOUNDATIONS_FIRST
    else:
        verdict = FIT_BORDERLINE
    return {
        "verdict": verdict,
        "yes_count": counts["yes"],
        "no_count": counts["no"],
        "questions": questions,
        "gate": by_key.get(FIT_GATE, {}).get("answer", "unknown"),
        "need": [by_key[key] for key in FIT_NEED if key in by_key],
        "capacity": [by_key[key] for key in FIT_CAPACITY if key in by_key],
        "rule": (
            "The guide's checklist: yes to most means MLOps is a good fit, no to several means "
            "the foundations come first. Ours: a question's answer is its majority, a tie is "
            "shown as split; if most say no model runs in production the verdict is “not yet”; "
            f"readiness of {PRACTISING_MIN_AVERAGE:g} or more with no principle below "
            f"{WEAK_LEVEL:g} means you already practise MLOps; {FIT_GOOD_MIN_YES} or more yes "
            f"of {len(questions)} is a good fit, {FIT_SEVERAL_NO} or more no is foundations "
            "first, and between them is borderline."
        ),
    }


# Stages, ours: a name for where the practice stands, from the readiness average and floor
# (the floor holds a team back: strong practice elsewhere cannot hide a missing one). The
# mapping to Google's MLOps levels and Microsoft's maturity model is ours too, and loose.
STAGES = [
    # key, name, rule, Google, Microsoft
    (
        "exploring",
        "Exploring",
        "most say no model runs in production",
        "before level 0",
        "level 0, no MLOps",
    ),
    (
        "manual",
        "Manual",
        "readiness below 1.5",
        "level 0, manual process",
        "level 0 or 1, no MLOps or DevOps without MLOps",
    ),
    (
        "repeatable",
        "Repeatable",
        "readiness 1.5 or more, short of automated",
        "between level 0 and level 1",
        "level 1, DevOps without MLOps",
    ),
    (
        "automated",
        "Automated",
        "readiness 2.5 or more with no principle below 2",
        "level 1, ML pipeline automation",
        "level 2 or 3, automated training and deployment",
    ),
    (
        "continuous",
        "Continuously improving",
        "readiness 3.5 or more with no principle below 3",
        "level 2, CI/CD pipeline automation",
        "level 4, full MLOps automated operations",
    ),
]


def stage(readiness: Readiness, gate: str) -> dict | None:
    """The named stage with its rule and its loose mapping; None when nothing is rated."""
    if gate == "no":
        key = "exploring"
    elif readiness.average is None:
        return None
    elif readiness.average >= 3.5 and readiness.floor >= 3:
        key = "continuous"
    elif readiness.average >= 2.5 and readiness.floor >= WEAK_LEVEL:
        key = "automated"
    elif readiness.average >= 1.5:
        key = "repeatable"
    else:
        key = "manual"
    _, name, rule, google, microsoft = next(row for row in STAGES if row[0] == key)
    return {"key": key, "name": name, "rule": rule, "google": google, "microsoft": microsoft}


# Risks the team may not have named, inferred only from answers that measure their cause (ours).
# Each rule names the principle levels (or question means) below WEAK_LEVEL that set it off,
# all of them required. Drift and degradation presuppose a model in production: under the
# fit gate they are not inferred. (Infrastructure complexity is not inferred: manual steps do
# not measure it. Security is inferred from v2's security items, not from version control.)
INFERRED_RISKS = {
    "model-degradation": {
        "when": ["continuous-training", "monitoring"],
        "because": "models are retrained by hand and not monitored",
        "production": True,
    },
    "data-drift": {
        "when": ["question:monitoring-drift"],
        "because": "nothing watches whether production data still looks like training data",
        "production": True,
    },
    "concept-drift": {
        "when": ["question:monitoring-performance", "question:continuous-training-feedback"],
        "because": "model performance is not tracked against real outcomes",
        "production": True,
    },
    "lack-of-collaboration": {
        "when": ["collaboration"],
        "because": "ownership and communication between the groups are unclear",
        "production": False,
    },
    "security-vulnerabilities": {
        "when": ["security"],
        "because": "access to data and models is loosely controlled and nothing is scanned",
        "production": False,
    },
}


def inferred_risks(
    principle_levels: Mapping[str, float | None],
    question_means: Mapping[str, float | None],
    *,
    in_production: bool = True,
) -> list[dict]:
    """The INFERRED_RISKS whose every condition holds: a level (or question mean) below
    WEAK_LEVEL. A principle nobody could rate (all "don't know", or not asked) does not set a
    risk off, nor does one that presupposes production when most have no model there."""
    risks = []
    for challenge, rule in INFERRED_RISKS.items():
        if rule["production"] and not in_production:
            continue
        levels = []
        for condition in rule["when"]:
            if condition.startswith("question:"):
                levels.append(question_means.get(condition.removeprefix("question:")))
            else:
                levels.append(principle_levels.get(condition))
        if levels and all(level is not None and level < WEAK_LEVEL for level in levels):
            risks.append({"challenge": challenge, "because": rule["because"]})
    return risks


# A challenge is reported when at least this share of those who rated it answered "noticeably"
# (or "a noticeable effect") or worse: a share a lead can say as "n of N", where a mean of
# 1.4 hid that 17 of 40 felt it (ours).
CHALLENGE_REPORTED_MIN_SHARE = 1 / 3
CHALLENGE_NOTICEABLE = 2


def challenge_ranking(distributions: Mapping[str, Mapping[int, int]], min_count: int) -> list[dict]:
    """Challenges by the share who felt them noticeably or worse, highest first. A challenge
    rated by fewer than `min_count` people shows no share (it would be those few answers)."""
    rows = []
    for key, distribution in distributions.items():
        rated = sum(distribution.values())
        felt = sum(n for value, n in distribution.items() if value >= CHALLENGE_NOTICEABLE)
        shown = rated >= min_count and rated > 0
        rows.append(
            {
                "key": key,
                "felt": felt if shown else None,
                "rated": rated,
                "share": round(felt / rated, 4) if shown else None,
                "reported": shown and felt / rated >= CHALLENGE_REPORTED_MIN_SHARE,
            }
        )
    return sorted(rows, key=lambda row: (-(row["share"] or 0), row["key"]))


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
# What only makes sense with a model in production: never a pilot or a "now" under the gate.
PRODUCTION_ONLY = {"monitoring", "continuous-delivery", "continuous-training"}


def automation_pilots(
    levels: Mapping[str, float | None],
    names: Mapping[str, str] | None = None,
    *,
    in_production: bool = True,
) -> list[dict]:
    """Up to MAX_PILOTS principles to automate first, with the reason for each (in words, with
    `names` for the principles' keys): the weakest candidates, each replaced by its first weak
    prerequisite, itself resolved the same way. Without a model in production, only practices
    that do not presuppose one are candidates."""
    names = names or {}
    candidates = [key for key in PILOT_CANDIDATES if in_production or key not in PRODUCTION_ONLY]

    def name(key: str) -> str:
        return names.get(key, key)

    def weak(key: str) -> bool:
        level = levels.get(key)
        return level is not None and level < WEAK_LEVEL

    def resolve(key: str, chain: list[str]) -> tuple[str, list[str]]:
        for prerequisite in PREREQUISITES.get(key, []):
            if weak(prerequisite) and prerequisite in candidates:
                return resolve(prerequisite, [*chain, key])
        return key, chain

    weakest_first = sorted(
        (key for key in candidates if weak(key)),
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
# At most this many steps are "now" (ours): more is no plan. When more qualify, they are kept
# in this order (what changes practice first, then what frames it) and the rest become "next".
MAX_NOW = 3
NOW_ORDER = ["automation", "monitoring", "collaboration", "goals", "tools", "assess"]


def next_rung(
    distribution: Mapping[int, int], labels: Mapping[int, str], min_count: int
) -> dict | None:
    """The move a practice question asks for next: from the level where most answers stand
    (the lower on a tie) to the next level's label, with how many stand there. None at the
    top, or with fewer than `min_count` answers (their distribution is not shown either)."""
    counts = {value: n for value, n in distribution.items() if n > 0}
    total = sum(counts.values())
    if total < min_count or not counts:
        return None
    most = max(counts, key=lambda value: (counts[value], -value))
    if most + 1 not in labels:
        return None
    return {
        "now": most,
        "now_label": labels[most],
        "count": counts[most],
        "of": total,
        "next_label": labels[most + 1],
    }


def roadmap_steps(
    *,
    levels: Mapping[str, float | None],
    responses: int,
    top_goal_count: int,
    pilots: list[dict],
    challenges: list[dict],
    disagreement_count: int,
    verdict: str = FIT_GOOD,
) -> list[dict]:
    """Each step of the guide with its priority and the rule that set it (ours):
    - goals: now unless one goal is shared by at least SHARED_GOAL_MIN_SHARE of respondents;
    - assess: now, for this round is that assessment: discuss it;
    - tools: now when some principle is weak (below WEAK_LEVEL), else later; later too when the
      foundations come first or no model runs in production: no shopping before either;
    - automation: now when there are automation pilots, else later;
    - monitoring: now when monitoring is weak or drift or degradation is reported or inferred,
      next below GOOD_LEVEL, else later; later whenever no model runs in production;
    - collaboration: now when collaboration is weak or lack of collaboration is reported or
      inferred, next when a team disagrees anywhere, else later;
    - iterate: next: run the next round once the "now" steps are under way.
    Then at most MAX_NOW stay "now", in NOW_ORDER; the others become "next"."""

    def weak(key: str) -> bool:
        return levels.get(key) is not None and levels[key] < WEAK_LEVEL

    in_production = verdict != FIT_NOT_YET
    flagged = {row["key"] for row in challenges if row["reported"] or row.get("inferred")}
    shared_goal = responses > 0 and top_goal_count / responses >= SHARED_GOAL_MIN_SHARE
    monitoring = levels.get("monitoring")
    tools_wait = verdict in (FIT_NOT_YET, FIT_FOUNDATIONS_FIRST)
    priorities = {
        "goals": LATER if shared_goal else NOW,
        "assess": NOW,
        "tools": NOW if any(weak(key) for key in levels) and not tools_wait else LATER,
        "automation": NOW if pilots else LATER,
        "monitoring": LATER
        if not in_production
        else NOW
        if weak("monitoring") or flagged & {"data-drift", "concept-drift", "model-degradation"}
        else (NEXT if monitoring is not None and monitoring < GOOD_LEVEL else LATER),
        "collaboration": NOW
        if weak("collaboration") or "lack-of-collaboration" in flagged
        else (NEXT if disagreement_count else LATER),
        "iterate": NEXT,
    }
    kept = [key for key in NOW_ORDER if priorities[key] == NOW][:MAX_NOW]
    for key, priority in priorities.items():
        if priority == NOW and key not in kept:
            priorities[key] = NEXT
    return [
        {"number": number, "key": key, "title": title, "priority": priorities[key]}
        for number, (key, title) in enumerate(ROADMAP_STEPS, start=1)
    ]


# A change between two rounds is called a change only beyond this many standard errors of the
# difference (ours; about a 95% interval): at 40 people a principle moves by 0.15 by chance.
CLEAR_CHANGE_STANDARD_ERRORS = 2


def clear_change(now: Mapping, before: Mapping) -> bool | None:
    """Whether a principle's level moved beyond CLEAR_CHANGE_STANDARD_ERRORS standard errors
    of the difference between two rounds (each level's standard deviation over the root of
    its answerers); None when either round lacks what that needs (results before v2)."""
    figures = [(row.get("level"), row.get("stdev"), row.get("answerers")) for row in (now, before)]
    if any(level is None or stdev is None or not n for level, stdev, n in figures):
        return None
    (level_now, sd_now, n_now), (level_before, sd_before, n_before) = figures
    error = math.sqrt(sd_now**2 / n_now + sd_before**2 / n_before)
    return abs(level_now - level_before) > CLEAR_CHANGE_STANDARD_ERRORS * error
