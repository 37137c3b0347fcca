"""Aggregating one round: small tables counted in SQL, turned into the stored round result by the
rules of scoring.py.

The database does the counting (GROUP BY question and value, per team and per role); only those
tables come back, so the number of queries and the Python work do not grow with respondents.
Anonymity is enforced here, once: below the round's threshold nothing but counts enters the
result; a breakdown cell that scoring.hidden_breakdown_cells hides (jointly across teams and
roles), or that changed by fewer than the threshold since an earlier visible version, never
enters it either; so no page, export or PDF built from it can show them. Whether a version may
be shown at all is decided in services.round_result_compute, from what this module records of
each respondent (`disclosure`).
"""

import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Max,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from . import result_schema as schema
from . import scoring
from .models import Answer, Dimension, Invitation, Question, Response, Round, RoundResult
from .selectors import counted_invitations

ROLE_QUESTION = "context-role"
COMMENT_QUESTION = "context-obstacle"
NO_TEAM = "No team"
NO_ANSWERS = ({}, 0, 0)  # a question's (distribution, don't know, doesn't apply) nobody answered


@dataclass(frozen=True)
class QuestionInfo:
    id: int
    key: str
    kind: str
    dimension_key: str
    dimension_kind: str
    weight: float
    labels: dict[int, str]


def questions_of(round: Round) -> dict[int, QuestionInfo]:
    questions = Question.objects.filter(questionnaire_id=round.questionnaire_id).select_related(
        "dimension"
    )
    return {
        question.pk: QuestionInfo(
            question.pk,
            question.key,
            question.kind,
            question.dimension.key,
            question.dimension.kind,
            question.weight,
            {option["value"]: option["label"] for option in question.options},
        )
        for question in questions.order_by("position")
    }


def submitted_answers(round: Round):
    return Answer.objects.filter(response__round=round, response__submitted_at__isnull=False)


def distribution_tables(rows, questions: dict[int, QuestionInfo], group_key: str | None = None):
    """{group: {question_id: ({value: n}, dont_know_n, not_applicable_n)}} from rows of GROUP BY
    counts. Multiple-choice values are bit masks: each mask's count goes to every option it
    holds."""
    tables: dict = defaultdict(lambda: defaultdict(lambda: [defaultdict(int), 0, 0]))
    for row in rows:
        group = row[group_key] if group_key else None
        question = questions[row["question_id"]]
        cell = tables[group][question.id]
        if row["dont_know"]:
            cell[1] += row["n"]
        elif row["not_applicable"]:
            cell[2] += row["n"]
        elif question.kind == Question.Kind.MULTIPLE_CHOICE:
            mask = row["value"] or 0
            for option in question.labels:
                if mask & (1 << option):
                    cell[0][option] += row["n"]
        elif row["value"] is not None:
            cell[0][row["value"]] += row["n"]
    return tables


def principle_levels(
    table,
    questions: dict[int, QuestionInfo],
    principles: list[str],
    threshold: int,
    kind: str = Dimension.Kind.PRINCIPLE,
):
    """The scores of the dimensions of `kind` (the guide's principles, or our other practices)
    named in `principles`."""
    by_principle = defaultdict(list)
    for question_id, (distribution, dont_know, not_applicable) in table.items():
        question = questions[question_id]
        if question.dimension_kind == kind:
            by_principle[question.dimension_key].append(
                (distribution, dont_know, not_applicable, question.weight)
            )
    return {
        key: scoring.principle_score(key, by_principle.get(key, []), min_answerers=threshold)
        for key in principles
    }


def breakdown(
    tables, response_counts: dict, names: dict, hidden: set, questions, principles, threshold
) -> list[dict]:
    """One cell per group: its principle levels and response count, or only its name when
    hidden (which hides its count too)."""
    cells = []
    for group, n in sorted(response_counts.items(), key=lambda item: names[item[0]]):
        if group in hidden or n < threshold:  # a group nobody in answered is hidden alike
            cells.append({"name": names[group], "suppressed": True})
            continue
        levels = principle_levels(tables.get(group, {}), questions, principles, threshold)
        cells.append(
            {
                "name": names[group],
                "suppressed": False,
                "responses": n,
                "principles": {key: score.as_dict() for key, score in levels.items()},
            }
        )
    return cells


def respondent_states(
    round: Round, questions: dict[int, "QuestionInfo"], role_question_id: int | None
) -> dict[str, list]:
    """Per submitted response: a fingerprint of its answers, its team and its role, so the next
    version can tell whose answers changed. Two queries; the fingerprint is summed in SQL.

    The fingerprint weighs each answer's code by a pseudo-random weight of its question below
    2**32: two different sets of answers sum to the same fingerprint only by a coincidence we
    accept. Free texts are hashed here, in Python: SQL has no portable hash."""
    weight = ExpressionWrapper(
        F("question_id") * Value(2654435761) % Value(4294967291) + Value(1),
        output_field=BigIntegerField(),
    )
    answer_code = (
        Coalesce(F("value"), Value(-1))
        + Value(2)
        + Case(When(dont_know=True, then=Value(1000)), default=Value(0))
        + Case(When(not_applicable=True, then=Value(2000)), default=Value(0))
    )
    rows = (
        submitted_answers(round)
        .values("response_id")
        .annotate(
            fingerprint=Sum(weight * answer_code),
            team=Max("response__team_id"),
            role=Max(Case(When(question_id=role_question_id, then=F("value")))),
        )
        .values_list("response_id", "fingerprint", "team", "role")
    )
    free_text = [pk for pk, q in questions.items() if q.kind == Question.Kind.FREE_TEXT]
    texts: dict[int, int] = defaultdict(int)
    for response_id, text in (
        submitted_answers(round).filter(question_id__in=free_text).exclude(text="")
    ).values_list("response_id", "text"):
        texts[response_id] ^= zlib.crc32(text.encode())
    return {
        str(response_id): [fingerprint, texts.get(response_id, 0), team, role]
        for response_id, fingerprint, team, role in rows
    }


def atom_of(state: list | None) -> tuple | None:
    """A respondent's (team, role), from their state; None when they were not counted."""
    return None if state is None else (state[2], state[3])


@dataclass(frozen=True)
class Disclosed:
    """Whom an earlier visible version counted, and with what answers."""

    states: dict[str, list]

    @classmethod
    def of(cls, disclosure: dict) -> "Disclosed":
        return cls(disclosure.get("states", {}))


def changed_since(states: dict[str, list], earlier: Disclosed) -> list[str]:
    """The respondents who submitted, withdrew or changed any answer since `earlier`."""
    return [
        response
        for response in states.keys() | earlier.states.keys()
        if states.get(response) != earlier.states.get(response)
    ]


def moves_since(states: dict[str, list], earlier: Disclosed) -> list[tuple]:
    """For each respondent changed since `earlier`: their (team, role) then and now."""
    return [
        (atom_of(earlier.states.get(response)), atom_of(states.get(response)))
        for response in changed_since(states, earlier)
    ]


def previous_result(round: Round) -> RoundResult | None:
    """The newest visible result of the last closed round before this one with the same
    scope."""
    scope = set(round.teams.values_list("pk", flat=True))
    candidates = (
        Round.objects.filter(
            organization_id=round.organization_id,
            status=Round.Status.CLOSED,
            created_at__lt=round.created_at,
        )
        .exclude(pk=round.pk)
        .prefetch_related("teams")
        .order_by("-created_at")
    )
    for candidate in candidates:
        if {team.pk for team in candidate.teams.all()} == scope:
            return candidate.results.visible().first()
    return None


@dataclass(frozen=True)
class Aggregate:
    data: dict
    responses: int  # submitted responses counted
    answers_until: datetime | None  # the newest answer it saw
    disclosure: dict  # whom it counted, with what answers: compared by the next version
    changes_since_visible: int | None  # respondents changed since the newest visible version


def response_atoms(round: Round, role_question_id: int | None) -> dict[tuple, int]:
    """Submitted responses per (team id, role value): the atoms every published cell is a
    union of. One GROUP BY."""
    role_answer = FilteredRelation("answers", condition=Q(answers__question_id=role_question_id))
    rows = (
        Response.objects.filter(round=round, submitted_at__isnull=False)
        .annotate(role_answer=role_answer)
        .values("team_id", "role_answer__value")
        .annotate(n=Count("id"))
    )
    return {(row["team_id"], row["role_answer__value"]): row["n"] for row in rows}


# The shape of `RoundResult.data` this module writes; results without it are schema 1, and the
# pages read both (tests/reports/test_legacy_results.py).
RESULT_SCHEMA = 2


@dataclass
class Counted:
    """What one computation counted in SQL, and the questionnaire it is read with: the input of
    every section builder below."""

    round: Round
    threshold: int
    questions: dict[int, QuestionInfo]
    by_key: dict[str, QuestionInfo]
    names: dict[str, str]
    principles: list[str]
    practices: list[str]
    overall: dict
    team_tables: dict
    team_counts: dict
    team_names: dict
    role_tables: dict
    role_counts: dict
    role_names: dict
    responses: int


def round_aggregate(round: Round, *, earlier: Iterable[Disclosed] = ()) -> Aggregate:
    """The round's result: its data, the submitted responses it counts, the newest answer time
    it saw, and what it discloses. Below the round's threshold the data holds counts only.
    `earlier` are the visible versions so far: cells are hidden so that no block of this
    version changed by 1 to threshold - 1 respondents since any of them."""
    earlier = list(earlier)
    threshold = round.score_threshold
    questions = questions_of(round)
    by_key = {question.key: question for question in questions.values()}
    answers = submitted_answers(round)
    invitations = Invitation.objects.filter(round=round).filter(counted_invitations(round))
    counts = invitations.aggregate(
        invited=Count("id"), without_team=Count("id", filter=Q(team__isnull=True))
    )
    role_question = by_key.get(ROLE_QUESTION)
    role_question_id = role_question.id if role_question else None
    atoms = response_atoms(round, role_question_id)
    responses = sum(atoms.values())
    # Fingerprints serve a version that may be shown (the round is closed) or the comparison
    # with one that was: an open round's routine recomputations skip that pass over the answers.
    states = (
        respondent_states(round, questions, role_question_id)
        if earlier or round.status == Round.Status.CLOSED
        else {}
    )
    changes = min((len(changed_since(states, e)) for e in earlier), default=None)
    disclosure = {"states": states}
    if responses < threshold:
        # Nothing computed from answers below the threshold: not even for a version never shown.
        answers_until = answers.aggregate(newest=Max("updated_at"))["newest"]
        data = {
            "withheld": True,
            "responses": responses,
            "invited": counts["invited"],
            "score_threshold": threshold,
        }
        return Aggregate(data, responses, answers_until, disclosure, changes)

    counted, answers_until = counted_tables(round, answers, questions, atoms, counts)
    hidden_teams, hidden_roles = scoring.hidden_breakdown_cells(
        atoms, threshold, changes=[moves_since(states, e) for e in earlier]
    )
    data = {"schema": RESULT_SCHEMA} | result_data(
        counted, answers, counts["invited"], hidden_teams, hidden_roles
    )
    return Aggregate(data, responses, answers_until, disclosure, changes)


def counted_tables(round, answers, questions, atoms, counts) -> tuple[Counted, datetime | None]:
    """The GROUP BY tables of a round: the whole round's (which also finds the newest answer it
    saw), per team and per role; and every team and role that could have answered."""
    by_key = {question.key: question for question in questions.values()}
    dimensions = list(
        Dimension.objects.filter(questionnaire_id=round.questionnaire_id).order_by("position")
    )
    overall_rows = list(
        answers.values("question_id", "value", "dont_know", "not_applicable").annotate(
            n=Count("id"), newest=Max("updated_at")
        )
    )
    principle_ids = [
        q.id for q in questions.values() if q.dimension_kind == Dimension.Kind.PRINCIPLE
    ]
    team_rows = (
        answers.filter(question_id__in=principle_ids)
        .values("response__team_id", "question_id", "value", "dont_know", "not_applicable")
        .annotate(n=Count("id"))
    )
    role_question = by_key.get(ROLE_QUESTION)
    role_tables, role_names = role_breakdown_tables(
        answers, questions, principle_ids, role_question
    )
    # Every team and role that could have answered is listed, answered or not: a hidden row that
    # appeared only once somebody answered would say that they had.
    scope = round.teams.all() if round.teams.exists() else round.organization.teams.all()
    team_counts: dict = defaultdict(int, dict.fromkeys(scope.values_list("pk", flat=True), 0))
    if counts["without_team"]:
        team_counts.setdefault(None, 0)
    role_counts: dict = defaultdict(
        int, dict.fromkeys(role_question.labels if role_question else [], 0)
    )
    for (team, role), n in atoms.items():
        team_counts[team] += n
        role_counts[role] += n
    counted = Counted(
        round=round,
        threshold=round.score_threshold,
        questions=questions,
        by_key=by_key,
        names={dimension.key: dimension.name for dimension in dimensions},
        principles=[d.key for d in dimensions if d.kind == Dimension.Kind.PRINCIPLE],
        practices=[d.key for d in dimensions if d.kind == Dimension.Kind.PRACTICE],
        overall=distribution_tables(overall_rows, questions)[None],
        team_tables=distribution_tables(team_rows, questions, "response__team_id"),
        team_counts=team_counts,
        team_names=dict(round.organization.teams.values_list("pk", "name")) | {None: NO_TEAM},
        role_tables=role_tables,
        role_counts=role_counts if role_question else {},
        role_names=role_names,
        responses=sum(atoms.values()),
    )
    return counted, max((row["newest"] for row in overall_rows), default=None)


def role_breakdown_tables(answers, questions, principle_ids, role_question) -> tuple[dict, dict]:
    """Per role (the answer to the role question): the principle questions' GROUP BY table."""
    if not role_question:
        return {}, {}
    role_answer = FilteredRelation(
        "response__answers", condition=Q(response__answers__question_id=role_question.id)
    )
    role_rows = (
        answers.filter(question_id__in=principle_ids)
        .annotate(role_answer=role_answer)
        .values("role_answer__value", "question_id", "value", "dont_know", "not_applicable")
        .annotate(n=Count("id"))
    )
    names = dict(role_question.labels) | {None: "No role given"}
    return distribution_tables(role_rows, questions, "role_answer__value"), names


def result_data(
    counted: Counted, answers, invited: int, hidden_teams, hidden_roles
) -> schema.Result:
    """The published result, section by section (each section's builder states its rules)."""
    c, threshold = counted, counted.threshold
    question_data, question_means = question_entries(c)
    levels = principle_levels(c.overall, c.questions, c.principles, threshold)
    principle_rows = [{**levels[key].as_dict(), "name": c.names[key]} for key in c.principles]
    readiness = scoring.readiness(levels.values())
    practice_scores = principle_levels(
        c.overall, c.questions, c.practices, threshold, kind=Dimension.Kind.PRACTICE
    )
    fit = fit_section(c, readiness)
    level_values = {key: score.level for key, score in levels.items()}
    risks = scoring.inferred_risks(
        level_values | {key: score.level for key, score in practice_scores.items()},
        question_means,
        in_production=fit["verdict"] != scoring.FIT_NOT_YET,
    )
    challenges = challenge_rows(c.overall, c.questions, c.names, risks, threshold)
    goals = goal_counts(c)
    shown_teams = [
        team for team, n in c.team_counts.items() if team not in hidden_teams and n >= threshold
    ]
    disagreements = group_disagreements(
        c.overall, c.team_tables, shown_teams, c.team_names, c.questions, threshold
    )
    mark_disagreements(disagreements, principle_rows, question_data, c.by_key)
    # Each real team shown, scored once for its gap and its roadmap.
    team_scores = {
        team: principle_levels(c.team_tables.get(team, {}), c.questions, c.principles, threshold)
        for team in shown_teams
        if team is not None
    }
    return {
        "responses": c.responses,
        "invited": invited,
        "response_rate": round_share(c.responses, invited),
        "score_threshold": threshold,
        "principles": principle_rows,
        "readiness": readiness_figures(readiness),
        "fit": fit,
        "stage": scoring.stage(readiness, fit["gate"]),
        "practices": [{**practice_scores[k].as_dict(), "name": c.names[k]} for k in c.practices],
        "challenges": challenges,
        "goals": goals,
        "questions": question_data,
        "disagreements": disagreements,
        "team_gaps": team_gaps(c, team_scores, level_values),
        "team_roadmaps": team_roadmaps(c, team_scores, fit),
        "outcomes": outcome_baselines(c.overall, c.questions, threshold),
        "breakdowns": breakdowns(c, hidden_teams, hidden_roles),
        "comments": comment_section(c, answers),
        "trend": trend_section(c.round, principle_rows, readiness),
        "roadmap": roadmap_section(
            c,
            level_values,
            principle_rows,
            question_means,
            fit,
            risks,
            challenges,
            goals,
            len(disagreements),
        ),
        "rules": rules_section(fit, threshold),
    }


def readiness_figures(readiness: scoring.Readiness) -> schema.Readiness:
    return {
        "average": scoring.rounded(readiness.average, 2),
        "floor": scoring.rounded(readiness.floor, 2),
        "floor_principle": readiness.floor_principle,
    }


def question_entries(c: Counted) -> tuple[dict, dict]:
    """Per question: its distribution and figures, or counts only where fewer than the
    threshold gave a value; and each scale or yes/no question's mean."""
    question_data, question_means = {}, {}
    for question in c.questions.values():
        distribution, dont_know, not_applicable = c.overall.get(question.id, NO_ANSWERS)
        entry = {
            "key": question.key,
            "dimension": question.dimension_key,
            "kind": question.kind,
            "distribution": {str(v): distribution.get(v, 0) for v in sorted(question.labels)},
        }
        if question.kind in (Question.Kind.SCALE, Question.Kind.YES_NO):
            stats = scoring.thinned(
                scoring.spread(distribution, dont_know, not_applicable), c.threshold
            )
            entry |= stats.as_dict()
            question_means[question.key] = stats.mean
            if stats.mean is None and stats.count:
                entry |= {"distribution": {}, "withheld": True}
        elif question.kind != Question.Kind.FREE_TEXT:
            entry |= {"dont_know": dont_know, "not_applicable": not_applicable}
            if (
                question.kind == Question.Kind.SINGLE_CHOICE
                and 0 < sum(distribution.values()) < c.threshold
            ):
                # As for a scale's mean: a distribution of fewer than k values (the rest did
                # not know, or it did not apply) is those few people's answers.
                entry |= {"distribution": {}, "withheld": True}
        if question.key == ROLE_QUESTION:
            # How many hold each role is the size of each role cell, hidden ones included.
            entry |= {"distribution": {}, "withheld": True}
        question_data[question.key] = entry
    return question_data, question_means


def fit_section(c: Counted, readiness: scoring.Readiness) -> schema.Fit:
    checklist = [
        (
            q.key,
            c.overall.get(q.id, NO_ANSWERS)[0].get(1, 0),
            c.overall.get(q.id, NO_ANSWERS)[0].get(0, 0),
        )
        for q in c.questions.values()
        if q.dimension_kind == Dimension.Kind.FIT
    ]
    return scoring.fit_verdict(checklist, readiness)


def goal_counts(c: Counted) -> list[dict]:
    """How many picked each goal, most picked first."""
    goals_question = next(
        (q for q in c.questions.values() if q.dimension_kind == Dimension.Kind.GOAL), None
    )
    if not goals_question:
        return []
    chosen = c.overall.get(goals_question.id, NO_ANSWERS)[0]
    return sorted(
        (
            {"label": label, "count": chosen.get(value, 0)}
            for value, label in goals_question.labels.items()
        ),
        key=lambda goal: -goal["count"],
    )


def comment_section(c: Counted, answers) -> dict:
    """The free texts once the comment threshold is reached, alphabetical: never an order that
    follows submission, never a name or a time."""
    round = c.round
    comment_question = c.by_key.get(COMMENT_QUESTION)
    if not comment_question or c.responses < round.comment_threshold:
        return {"shown": False, "threshold": round.comment_threshold, "items": []}
    texts = answers.filter(question_id=comment_question.id).exclude(text="")
    return {
        "shown": True,
        "threshold": round.comment_threshold,
        "items": sorted(texts.values_list("text", flat=True)),
    }


def mark_disagreements(disagreements, principle_rows, question_data, by_key) -> None:
    """The whole round's flags follow the same rule: a principle or question is marked only
    where some group shown disagrees on it, never because teams differ from each other."""
    flagged = {row["question"] for row in disagreements}
    for row in principle_rows:
        row["disagreement"] = any(by_key[key].dimension_key == row["key"] for key in flagged)
    for key, entry in question_data.items():
        if "disagreement" in entry:
            entry["disagreement"] = key in flagged


def breakdowns(c: Counted, hidden_teams, hidden_roles) -> dict:
    return {
        "team": breakdown(
            c.team_tables,
            c.team_counts,
            c.team_names,
            hidden_teams,
            c.questions,
            c.principles,
            c.threshold,
        ),
        "role": breakdown(
            c.role_tables,
            c.role_counts,
            c.role_names,
            hidden_roles,
            c.questions,
            c.principles,
            c.threshold,
        )
        if c.role_names
        else [],
    }


def trend_section(round: Round, principle_rows, readiness) -> schema.Trend | None:
    """The change since the last closed round of the same scope, and whether each principle's
    change is beyond two standard errors (scoring.clear_change)."""
    previous = previous_result(round)
    if not previous:
        return None
    before = {row["key"]: row for row in previous.data.get("principles", [])}
    return {
        "round": previous.round.title,
        "principles": {
            row["key"]: delta(row["level"], before.get(row["key"], {}).get("level"))
            for row in principle_rows
        },
        "clear": {
            row["key"]: scoring.clear_change(row, before.get(row["key"], {}))
            for row in principle_rows
        },
        "average": delta(
            scoring.rounded(readiness.average, 2),
            previous.data.get("readiness", {}).get("average"),
        ),
    }


def roadmap_section(
    c, level_values, principle_rows, question_means, fit, risks, challenges, goals, disagreements
) -> schema.Roadmap:
    pilots = scoring.automation_pilots(
        level_values, c.names, in_production=fit["verdict"] != scoring.FIT_NOT_YET
    )
    weakest = sorted(
        (row for row in principle_rows if row["level"] is not None), key=lambda r: r["level"]
    )[:2]
    return {
        "weakest": [row["key"] for row in weakest],
        "pilots": pilots,
        "risks": risks,
        "rungs": next_rungs(c.overall, c.questions, question_means, c.threshold),
        "steps": scoring.roadmap_steps(
            levels=level_values,
            responses=c.responses,
            top_goal_count=goals[0]["count"] if goals else 0,
            pilots=pilots,
            challenges=challenges,
            disagreement_count=disagreements,
            verdict=fit["verdict"],
        ),
    }


def rules_section(fit: dict, threshold: int) -> dict:
    return {
        "fit": fit["rule"],
        "disagreement": (
            "Ours: within a team (or the whole round where no team is shown), a question "
            "whose middle half of answers spans "
            f"{scoring.DISAGREEMENT_MIN_SPREAD} levels or more, answered by at least "
            f"{max(threshold, scoring.DISAGREEMENT_MIN_ANSWERS)}: a quarter of the group sits "
            "two levels or more from another quarter, which one outlier cannot cause."
        ),
        "challenge_reported": scoring.CHALLENGE_REPORTED_MIN_SHARE,
        "weak_level": scoring.WEAK_LEVEL,
    }


def challenge_rows(overall, questions, names, risks, threshold) -> list[schema.Challenge]:
    """The guide's challenges by the share who felt them, with the risks inferred for each."""
    distributions = {
        q.dimension_key: overall.get(q.id, NO_ANSWERS)[0]
        for q in questions.values()
        if q.dimension_kind == Dimension.Kind.CHALLENGE
    }
    return [
        {
            **row,
            "name": names[row["key"]],
            "inferred": [risk["because"] for risk in risks if risk["challenge"] == row["key"]],
        }
        for row in scoring.challenge_ranking(distributions, threshold)
    ]


def group_disagreements(
    overall, team_tables, shown_teams: list, team_names: dict, questions, threshold: int
) -> list[schema.Disagreement]:
    """Practice questions on which a group disagrees (scoring.disagrees), answered by at least
    `threshold` in it: within each shown team, or within the whole round when no team is shown
    (then it is the one group). A question where only the teams differ is not among them."""
    groups = (
        [(team_names[team], team_tables.get(team, {})) for team in shown_teams]
        if set(shown_teams) - {None}  # a round whose only group is "no team" is one group
        else [(None, overall)]
    )
    rows = []
    for name, table in groups:
        for question in questions.values():
            if question.dimension_kind != Dimension.Kind.PRINCIPLE:
                continue
            distribution = table.get(question.id, NO_ANSWERS)[0]
            if sum(distribution.values()) >= threshold and scoring.disagrees(distribution):
                rows.append({"question": question.key, "team": name})
    return rows


def team_roadmaps(c: "Counted", team_scores: dict, fit: dict) -> list[schema.TeamRoadmap]:
    """Each shown team's own short roadmap (ours): its stage and up to two pilots by the same
    rules as the round's, each with the next rung of the pilot's lowest question in that team.
    A team's rung names where most of it stands, without the count: a team is smaller than
    the round, and its question-level counts are not published anywhere else."""
    in_production = fit["verdict"] != scoring.FIT_NOT_YET
    rows = []
    for team, levels in team_scores.items():
        table = c.team_tables.get(team, {})
        readiness = scoring.readiness(levels.values())
        means = {
            q.key: scoring.thinned(scoring.spread(*table.get(q.id, NO_ANSWERS)), c.threshold).mean
            for q in c.questions.values()
            if q.dimension_kind == Dimension.Kind.PRINCIPLE
        }
        level_values = {key: score.level for key, score in levels.items()}
        pilots = scoring.automation_pilots(level_values, c.names, in_production=in_production)
        rungs = next_rungs(table, c.questions, means, c.threshold)
        rows.append(
            {
                "team": c.team_names[team],
                "readiness": readiness_figures(readiness),
                "stage": scoring.stage(readiness, fit["gate"]),
                "pilots": [
                    {
                        "principle": pilot["principle"],
                        "reason": pilot["reason"],
                        "rung": without_counts(rungs.get(pilot["principle"])),
                    }
                    for pilot in pilots
                ],
            }
        )
    return rows


def without_counts(rung: dict | None) -> dict | None:
    if rung is None:
        return None
    return {key: rung[key] for key in ("question", "now_label", "next_label")}


def outcome_baselines(overall, questions, threshold: int) -> list[schema.OutcomeBaseline]:
    """For each outcome measure (v2): the band in the middle of the answers as a baseline and
    the next better band as a suggested target (ours), or no baseline with fewer than
    `threshold` answers other than "don't know" and "doesn't apply"."""
    rows = []
    for question in questions.values():
        if question.dimension_kind != Dimension.Kind.OUTCOME:
            continue
        counts = {v: n for v, n in overall.get(question.id, NO_ANSWERS)[0].items() if n}
        answered = sum(counts.values())
        row = {"question": question.key, "answers": answered, "baseline": None, "target": None}
        if answered >= threshold:
            middle = scoring.quantile(counts, 0.5)
            row |= {
                "baseline": question.labels[middle],
                "target": question.labels.get(middle + 1),
            }
        rows.append(row)
    return rows


# A shown team this many levels below the rest of the round, on average, is a team gap (ours).
TEAM_GAP_MIN_LEVELS = 1.0


def team_gaps(c: "Counted", team_scores: dict, org_levels: dict) -> list[schema.TeamGap]:
    """Shown teams whose average principle level is TEAM_GAP_MIN_LEVELS or more below the rest
    of the round's, or that are weak (below WEAK_LEVEL) where the round is not. The rest is the
    round minus the team: both are published, so it says nothing new of anyone."""
    overall, questions, principles, threshold = c.overall, c.questions, c.principles, c.threshold
    gaps = []
    for team, here in team_scores.items():
        table = c.team_tables.get(team, {})
        rest = {
            question_id: (
                {v: n - table.get(question_id, NO_ANSWERS)[0].get(v, 0) for v, n in dist.items()},
                dont_know - table.get(question_id, NO_ANSWERS)[1],
                not_applicable - table.get(question_id, NO_ANSWERS)[2],
            )
            for question_id, (dist, dont_know, not_applicable) in overall.items()
        }
        there = principle_levels(rest, questions, principles, threshold)
        both = [k for k in principles if here[k].level is not None and there[k].level is not None]
        weak = [
            key
            for key in principles
            if here[key].level is not None
            and here[key].level < scoring.WEAK_LEVEL
            and (org_levels.get(key) or 0) >= scoring.WEAK_LEVEL
        ]
        if not both and not weak:
            continue
        average = sum(here[k].level for k in both) / len(both) if both else None
        rest_average = sum(there[k].level for k in both) / len(both) if both else None
        below = average is not None and rest_average - average >= TEAM_GAP_MIN_LEVELS
        if below or weak:
            gaps.append(
                {
                    "team": c.team_names[team],
                    "average": scoring.rounded(average, 2),
                    "rest": scoring.rounded(rest_average, 2),
                    "weak": weak,
                }
            )
    return gaps


def next_rungs(overall, questions, question_means: dict, threshold: int) -> dict:
    """For each practice (principle or ours), the next rung of its lowest question: where most
    answers stand and the next level's label (scoring.next_rung)."""
    lowest: dict[str, QuestionInfo] = {}
    for question in questions.values():
        if question.dimension_kind not in (Dimension.Kind.PRINCIPLE, Dimension.Kind.PRACTICE):
            continue
        mean = question_means.get(question.key)
        current = lowest.get(question.dimension_key)
        if mean is not None and (current is None or mean < question_means[current.key]):
            lowest[question.dimension_key] = question
    rungs = {}
    for key, question in lowest.items():
        rung = scoring.next_rung(
            overall.get(question.id, NO_ANSWERS)[0], question.labels, threshold
        )
        if rung:
            rungs[key] = {"question": question.key, **rung}
    return rungs


def delta(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else round(now - before, 2)


def round_share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0
