"""The demo organization: a lead, teams, a closed and an open round with plausible answers.

Answers are drawn from a seeded random generator around a profile of the team (weak monitoring
and continuous training, strong version control, a split picture of CI), so every run gives the
same data, the open round reads a little better than the closed one, and the roadmap has steps of
every priority. Rows are written in bulk: the demo doubles as the fixture for benchmarks with
tens of thousands of respondents.
"""

import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from assessments.models import (
    Answer,
    Dimension,
    Invitation,
    Question,
    Questionnaire,
    Response,
    Round,
)
from assessments.questionnaire_loader import questionnaires_load
from organizations.models import Membership, Organization, Team, User

DEMO_SLUG = "demo"
DEMO_LEAD_EMAIL = "lead@demo.example"
TEAM_NAMES = [
    "Forecasting",
    "Search ranking",
    "Fraud detection",
    "Recommendations",
    "Computer vision",
    "Pricing",
    "Customer insights",
    "Speech",
]
# Mean maturity (0 to 4) per principle in the closed round; the open round adds IMPROVEMENT.
PRINCIPLE_PROFILE = {
    "automation": 1.4,
    "continuous-integration": 1.9,
    "continuous-delivery": 1.3,
    "continuous-training": 0.8,
    "monitoring": 0.7,
    "version-control": 2.9,
    "collaboration": 2.2,
}
IMPROVEMENT = {"monitoring": 0.7, "continuous-integration": 0.4, "automation": 0.3}
# CI is where people disagree: some see a full pipeline, others none.
SPREAD = {"continuous-integration": 1.4}
DEFAULT_SPREAD = 0.7
DONT_KNOW_RATE = {"monitoring": 0.22, "continuous-training": 0.12}
DEFAULT_DONT_KNOW_RATE = 0.04
FIT_YES_RATE = {
    "fit-production": 0.92,
    "fit-multiple-models": 0.85,
    "fit-retraining": 0.6,
    "fit-dedicated-team": 0.3,
    "fit-pain": 0.88,
    "fit-business-critical": 0.8,
    "fit-resources": 0.45,
}
CHALLENGE_SEVERITY = {
    "data-drift": 2.1,
    "concept-drift": 1.4,
    "model-degradation": 2.3,
    "infrastructure-complexity": 1.8,
    "lack-of-collaboration": 1.1,
    "security-vulnerabilities": 0.6,
}
# Practices of ours beside the principles (v2), on the same 0-4 scale.
PRACTICE_PROFILE = {"security": 1.2, "skills": 2.1}
# Outcome bands (0 slowest or worst to 4 best): mostly "weeks to months" in the closed round.
OUTCOME_MEAN = 1.4
OUTCOME_DONT_KNOW_RATE = 0.2
CHALLENGE_DONT_KNOW_RATE = 0.05
GOAL_RATES = [0.75, 0.5, 0.45, 0.35, 0.25, 0.2, 0.3]
ROLE_WEIGHTS = {
    "Data science": 0.35,
    "Data engineering": 0.1,
    "ML engineering": 0.2,
    "Software engineering": 0.08,
    "Platform / operations": 0.1,
    "Product": 0.08,
    "Leadership": 0.06,
    "Other": 0.03,
}
# Product and leadership see less of the day-to-day practice.
ROLES_LESS_SURE = {"Product", "Leadership"}
OBSTACLES = [
    "Every deployment needs the platform team, and they are booked weeks ahead.",
    "We cannot tell when a model goes stale until a customer complains.",
    "Notebooks do not turn into production code without a rewrite.",
    "Nobody owns a model once the data scientist who built it moves on.",
    "Getting access to production data for retraining takes weeks of approvals.",
    "We have no shared way to compare a new model against the one in production.",
    "Our feature pipelines differ between training and serving.",
    "Security review of each new model is manual and slow.",
    "Too many one-off scripts; nobody trusts the retraining job.",
    "It's unclear who gets paged when a model misbehaves at night.",
]


@dataclass
class DemoRound:
    round: Round
    pending_invitations: list[Invitation] = field(default_factory=list)


@dataclass
class DemoResult:
    organization: Organization
    lead: User
    lead_password: str
    rounds: list[DemoRound]


def quarter_start(moment: datetime) -> datetime:
    month = 3 * ((moment.month - 1) // 3) + 1
    return moment.replace(month=month, day=1, hour=9, minute=0, second=0, microsecond=0)


def quarter_title(moment: datetime) -> str:
    return f"Q{(moment.month - 1) // 3 + 1} {moment.year} readiness check"


def clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


class AnswerDrawer:
    """Draws one respondent's answers from the demo profile."""

    def __init__(self, rng: random.Random, questions: list[Question], improvement: float):
        self.rng = rng
        self.questions = questions
        self.improvement = improvement

    def answers(self, team_offset: float) -> list[Answer]:
        rng = self.rng
        role_question = next(q for q in self.questions if q.key == "context-role")
        roles = [option["label"] for option in role_question.options]
        role = rng.choices(range(len(roles)), weights=[ROLE_WEIGHTS[r] for r in roles])[0]
        unsure = 0.15 if roles[role] in ROLES_LESS_SURE else 0.0
        # Someone who says no model runs in production answers "doesn't apply" where offered.
        in_production = rng.random() < FIT_YES_RATE["fit-production"]
        answers = []
        for question in self.questions:
            dimension = question.dimension
            answer = Answer(question=question)
            if question.allows_not_applicable and not in_production:
                answer.not_applicable = True
            elif question.key == "fit-production":
                answer.value = int(in_production)
            elif dimension.kind == Dimension.Kind.FIT:
                answer.value = int(rng.random() < FIT_YES_RATE.get(question.key, 0.6))
            elif dimension.kind in (Dimension.Kind.PRINCIPLE, Dimension.Kind.PRACTICE):
                key = dimension.key
                dont_know_rate = DONT_KNOW_RATE.get(key, DEFAULT_DONT_KNOW_RATE) + unsure
                if rng.random() < dont_know_rate:
                    answer.dont_know = True
                else:
                    profile = PRINCIPLE_PROFILE | PRACTICE_PROFILE
                    mean = (
                        profile[key] + self.improvement * IMPROVEMENT.get(key, 0.15) + team_offset
                    )
                    spread = SPREAD.get(key, DEFAULT_SPREAD)
                    answer.value = clamp(rng.gauss(mean, spread), 0, question.max_value)
            elif dimension.kind == Dimension.Kind.CHALLENGE:
                if question.allows_dont_know and rng.random() < CHALLENGE_DONT_KNOW_RATE:
                    answer.dont_know = True
                else:
                    mean = CHALLENGE_SEVERITY[dimension.key] - 0.3 * self.improvement
                    answer.value = clamp(rng.gauss(mean, 0.8), 0, question.max_value)
            elif dimension.kind == Dimension.Kind.OUTCOME:
                if rng.random() < OUTCOME_DONT_KNOW_RATE + unsure:
                    answer.dont_know = True
                else:
                    mean = OUTCOME_MEAN + 0.5 * self.improvement + team_offset
                    answer.value = clamp(rng.gauss(mean, 0.9), 0, question.max_value)
            elif question.kind == Question.Kind.MULTIPLE_CHOICE:
                chosen = [v for v, rate in enumerate(GOAL_RATES) if rng.random() < rate]
                if question.max_choices:
                    chosen = sorted(chosen, key=lambda v: -GOAL_RATES[v])[: question.max_choices]
                answer.value = sum(1 << value for value in chosen or [0])
            elif question.key == "context-role":
                answer.value = role
            elif question.kind == Question.Kind.FREE_TEXT:
                if rng.random() < 0.6:
                    answer.text = rng.choice(OBSTACLES)
                else:
                    continue
            answers.append(answer)
        return answers


def make_round(
    *,
    organization: Organization,
    questionnaire: Questionnaire,
    lead: User,
    teams: list[Team],
    title: str,
    opened_at: datetime,
    closed_at: datetime | None,
    respondents: int,
    improvement: float,
    rng: random.Random,
) -> DemoRound:
    round = Round.objects.create(
        organization=organization,
        questionnaire=questionnaire,
        title=title,
        status=Round.Status.CLOSED if closed_at else Round.Status.OPEN,
        opens_at=opened_at,
        closes_at=closed_at or timezone.now() + timedelta(days=14),
        opened_at=opened_at,
        closed_at=closed_at,
        created_by=lead,
    )
    not_started = max(3, respondents // 8)
    started_only = 0 if closed_at else max(1, respondents // 10)
    invitations = Invitation.objects.bulk_create(
        Invitation(
            round=round,
            email=f"respondent{number}@demo.example",
            team=teams[number % len(teams)],
            status=Invitation.Status.SENT,
            sent_at=opened_at,
        )
        for number in range(1, respondents + started_only + not_started + 1)
    )
    answering = invitations[: respondents + started_only]
    window = ((closed_at or timezone.now()) - opened_at).total_seconds()
    team_offsets = {team.pk: rng.uniform(-0.5, 0.5) for team in teams}
    questions = list(questionnaire.questions.select_related("dimension").order_by("position"))
    drawer = AnswerDrawer(rng, questions, improvement)

    responses = []
    answers_by_response = []
    for index, invitation in enumerate(answering):
        started = opened_at + timedelta(seconds=rng.uniform(0, window * 0.8))
        finished = started + timedelta(minutes=rng.uniform(6, 25))
        submitted = index < respondents
        answers = drawer.answers(team_offsets[invitation.team_id])
        if not submitted:
            answers = answers[: len(answers) // 2]
        responses.append(
            Response(
                invitation=invitation,
                round=round,
                team=invitation.team,
                started_at=started,
                submitted_at=finished if submitted else None,
            )
        )
        answers_by_response.append((answers, finished))
    Response.objects.bulk_create(responses, batch_size=2000)
    rows = []
    for response, (answers, finished) in zip(responses, answers_by_response, strict=True):
        for answer in answers:
            answer.response = response
            answer.updated_at = finished
            rows.append(answer)
    Answer.objects.bulk_create(rows, batch_size=5000)
    return DemoRound(round=round, pending_invitations=invitations[len(answering) :])


@transaction.atomic
def demo_seed(*, respondents: int = 40, teams: int = 4, seed: int = 2026) -> DemoResult:
    """Make (or remake) the demo organization and return what a visitor needs to log in.
    Both rounds use the newest questionnaire, as a new round does."""
    questionnaire = questionnaires_load()[-1].questionnaire
    rng = random.Random(seed)

    organization, _ = Organization.objects.get_or_create(
        slug=DEMO_SLUG, defaults={"name": "Demo Analytics"}
    )
    # Refreshing replaces the demo's rounds and teams wholesale; nothing else is touched.
    organization.rounds.all().delete()
    organization.teams.all().delete()
    team_rows = Team.objects.bulk_create(
        Team(organization=organization, name=name) for name in TEAM_NAMES[: max(1, teams)]
    )

    lead_password = secrets.token_urlsafe(12)
    lead, _ = User.objects.get_or_create(
        email=DEMO_LEAD_EMAIL, defaults={"first_name": "Lea", "email_confirmed_at": timezone.now()}
    )
    lead.set_password(lead_password)
    lead.save(update_fields=["password"])
    # The organization's owner, who leads its rounds too: a visitor sees People & teams.
    Membership.objects.update_or_create(
        user=lead, organization=organization, defaults={"role": Membership.Role.OWNER}
    )

    now = timezone.now()
    this_quarter = quarter_start(now)
    last_quarter = quarter_start(this_quarter - timedelta(days=1))
    closed = make_round(
        organization=organization,
        questionnaire=questionnaire,
        lead=lead,
        teams=team_rows,
        title=quarter_title(last_quarter),
        opened_at=last_quarter + timedelta(days=14),
        closed_at=last_quarter + timedelta(days=35),
        respondents=respondents,
        improvement=0.0,
        rng=rng,
    )
    opened = make_round(
        organization=organization,
        questionnaire=questionnaire,
        lead=lead,
        teams=team_rows,
        title=quarter_title(now),
        opened_at=min(this_quarter + timedelta(days=14), now - timedelta(days=3)),
        closed_at=None,
        respondents=respondents,
        improvement=1.0,
        rng=rng,
    )
    return DemoResult(
        organization=organization, lead=lead, lead_password=lead_password, rounds=[closed, opened]
    )
