"""Reads that cross rows. Each takes the organization first, so tenant filtering lives here."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from organizations.models import Organization

from .models import Answer, Invitation, Questionnaire, Response, Round, RoundResult
from .scoring import suppressed_cells

# counted_invitations for many rounds at once, from the round.
LIVE = ~Q(invitations__status=Invitation.Status.REVOKED) | Q(anonymous=True)


def counted_invitations(round: Round) -> Q:
    """The invitations participation counts. In an anonymous round a revoked one still counts:
    otherwise revoking one and watching "submitted" would say whether that person answered."""
    return Q() if round.anonymous else ~Q(status=Invitation.Status.REVOKED)


PEOPLE_PER_PAGE = 50


def round_list(*, organization: Organization) -> QuerySet[Round]:
    """Every round of the organization with its participation counts, in one query. Both counts
    follow the one invitation → response path, so the join never multiplies rows."""
    return (
        Round.objects.filter(organization=organization)
        .select_related("questionnaire")
        .annotate(
            invited=Count("invitations", filter=LIVE),
            submitted=Count(
                "invitations__response",
                filter=LIVE & Q(invitations__response__submitted_at__isnull=False),
            ),
        )
        .order_by("-created_at")
    )


def visible_result_value(path: str, field: type = FloatField) -> Subquery:
    """One value of a round's newest visible result (a path into its data, like
    "readiness__average"), for annotating rounds in the same query."""
    visible = RoundResult.objects.filter(round=OuterRef("pk")).visible()
    return Subquery(visible.annotate(value=Cast(KT(f"data__{path}"), field())).values("value")[:1])


def round_overview(*, organization: Organization, membership) -> QuerySet[Round]:
    """round_list with each round's headline scores, read from its newest visible result in
    the same query: for leads, and for members only where the leads shared the round."""
    rounds = round_list(organization=organization)
    if membership.can_lead:
        return rounds.annotate(
            readiness=visible_result_value("readiness__average"),
            floor=visible_result_value("readiness__floor"),
        )
    shared = Q(shared_with_members=True)
    return rounds.annotate(
        readiness=Case(When(shared, then=visible_result_value("readiness__average"))),
        floor=Case(When(shared, then=visible_result_value("readiness__floor"))),
    )


def round_get(*, organization: Organization, public_id) -> Round:
    """A round of this organization by public id, or 404, whether or not it exists elsewhere."""
    return get_object_or_404(round_list(organization=organization), public_id=public_id)


def invitation_get(*, round: Round, public_id) -> Invitation:
    return get_object_or_404(Invitation, round=round, public_id=public_id)


@dataclass(frozen=True)
class ParticipationRow:
    team: str
    invited: int
    started: int
    submitted: int

    @property
    def rate(self) -> int:
        return round(100 * self.submitted / self.invited) if self.invited else 0


@dataclass(frozen=True)
class Participation:
    teams: list[ParticipationRow]
    total: ParticipationRow
    anonymous_links: int
    failed: int  # invitations whose email could not be sent
    reminders_due: int  # who "Send reminders" would email now
    last_reminded: datetime | None


SMALL_TEAMS = "Smaller teams together"
REMINDER_INTERVAL = timedelta(hours=24)


def reminders_due(*, round: Round) -> QuerySet[Invitation]:
    """The invitations a reminder would go to now: by email, not submitted, and whose address
    had no reminder from the organization, in any round, in the last REMINDER_INTERVAL (one a
    day, however often a lead clicks and however many rounds the address is in)."""
    reminded_lately = Invitation.objects.filter(
        round__organization_id=round.organization_id,
        reminded_at__gt=timezone.now() - REMINDER_INTERVAL,
    ).values("email")
    return (
        round.invitations.filter(status=Invitation.Status.SENT)
        .exclude(email="")
        .exclude(email__in=reminded_lately)
        .filter(Q(response__isnull=True) | Q(response__submitted_at__isnull=True))
    )


def participation(*, round: Round) -> Participation:
    """Invited, started and submitted per team and in total, in one GROUP BY query.
    'Started' counts everyone who has saved an answer, submitted or not.

    In an anonymous round a team with fewer invitees than the score threshold is not shown on
    its own (a one-person team would show whether that person answered); such teams are shown
    pooled, with more shown teams pooled too while the pool is below the threshold, so no
    difference of two rows is a small group either."""
    rows = (
        round.invitations.filter(counted_invitations(round))
        .values("team__name")
        .annotate(
            invited=Count("id"),
            started=Count("response"),
            submitted=Count("response", filter=Q(response__submitted_at__isnull=False)),
            anonymous_links=Count("id", filter=Q(email="")),
            failed=Count("id", filter=Q(status=Invitation.Status.FAILED)),
            reminders_due=Count("id", filter=Q(pk__in=reminders_due(round=round).values("pk"))),
            last_reminded=Max("reminded_at"),
        )
        .order_by(F("team__name").asc(nulls_last=True))
    )
    teams = [
        ParticipationRow(
            row["team__name"] or "No team", row["invited"], row["started"], row["submitted"]
        )
        for row in rows
    ]
    total = ParticipationRow(
        "All",
        sum(row.invited for row in teams),
        sum(row.started for row in teams),
        sum(row.submitted for row in teams),
    )
    if round.anonymous:
        hidden = suppressed_cells({row.team: row.invited for row in teams}, round.score_threshold)
        pooled = [row for row in teams if row.team in hidden]
        teams = [row for row in teams if row.team not in hidden]
        if pooled and len(pooled) < len(rows):
            teams.append(
                ParticipationRow(
                    SMALL_TEAMS,
                    sum(row.invited for row in pooled),
                    sum(row.started for row in pooled),
                    sum(row.submitted for row in pooled),
                )
            )
    return Participation(
        teams=teams,
        total=total,
        anonymous_links=sum(row["anonymous_links"] for row in rows),
        failed=sum(row["failed"] for row in rows),
        reminders_due=sum(row["reminders_due"] for row in rows),
        last_reminded=max(
            (row["last_reminded"] for row in rows if row["last_reminded"]), default=None
        ),
    )


def invitation_page(*, round: Round, page: str | None) -> Page:
    """One page of the round's named invitations with their response state, for named rounds.
    Anonymous links are never listed one by one: in the order they were handed out, their
    states would say who answered."""
    invitations = (
        round.invitations.exclude(email="")
        .select_related("team", "response")
        .order_by("email", "pk")
    )
    return Paginator(invitations, PEOPLE_PER_PAGE).get_page(page)


def invitation_for_answers(*, token: str) -> Invitation:
    """The live invitation behind a token with only what saving an answer needs (its round's
    state and its response), for the endpoint every click of every respondent hits; 404 as
    for invitation_by_token."""
    return get_object_or_404(
        Invitation.objects.select_related("round", "response")
        .only(
            "token",
            "team_id",
            "round__public_id",
            "round__organization_id",
            "round__status",
            "round__closes_at",
            "round__questionnaire_id",
            "response__submitted_at",
        )
        .exclude(status=Invitation.Status.REVOKED),
        token=token,
    )


def invitation_by_token(*, token: str) -> Invitation:
    """The live invitation behind a token with what the survey page shows of its round,
    organization and response, in one query; 404 for unknown, forged and revoked tokens alike.
    (The questionnaire's own text comes with its cached layout.)"""
    return get_object_or_404(
        Invitation.objects.select_related("round__organization", "response")
        .only(
            "token",
            "team_id",
            "round__public_id",
            "round__organization_id",
            "round__title",
            "round__status",
            "round__closes_at",
            "round__score_threshold",
            "round__comment_threshold",
            "round__questionnaire_id",
            "round__organization__name",
            "response__submitted_at",
        )
        .exclude(status=Invitation.Status.REVOKED),
        token=token,
    )


def questionnaire_versions() -> QuerySet[Questionnaire]:
    """Every questionnaire version a round can use, newest first within each questionnaire."""
    return Questionnaire.objects.order_by("slug", "-version")


def questionnaire_get(*, slug: str, version: int) -> Questionnaire:
    return get_object_or_404(Questionnaire, slug=slug, version=version)


@dataclass(frozen=True)
class ScreenState:
    """What a survey screen shows of one respondent and their round, read in one statement: the
    screen is the read most respondents make, many times each."""

    round_public_id: UUID
    organization_id: int
    organization_name: str
    round_title: str
    score_threshold: int
    comment_threshold: int
    closes_at: datetime | None
    questionnaire_id: int
    accepts_answers: bool
    submitted: bool
    answers: list  # of survey_page.SavedAnswer


SCREEN_SQL = f"""
SELECT r.public_id, r.organization_id, o.name, r.title, r.score_threshold, r.comment_threshold,
       r.closes_at, r.questionnaire_id,
       r.status = %s AND (r.closes_at IS NULL OR r.closes_at > %s),
       p.submitted_at IS NOT NULL,
       a.question_id, a.value, a.dont_know, a.not_applicable, a.text
FROM {Invitation._meta.db_table} i
JOIN {Round._meta.db_table} r ON r.id = i.round_id
JOIN {Organization._meta.db_table} o ON o.id = r.organization_id
LEFT JOIN {Response._meta.db_table} p ON p.invitation_id = i.id
LEFT JOIN {Answer._meta.db_table} a ON a.response_id = p.id
WHERE i.token = %s AND i.status <> %s
"""


def screen_state(*, token: str) -> ScreenState:
    """The live invitation behind a token as a survey screen needs it, its saved answers
    included; 404 for unknown, forged and revoked tokens, as for invitation_by_token."""
    from .survey_page import SavedAnswer

    with connection.cursor() as cursor:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        cursor.execute(SCREEN_SQL, [Round.Status.OPEN, now, token, Invitation.Status.REVOKED])
        rows = cursor.fetchall()
    if not rows:
        raise Http404("No live invitation has this token.")
    first = rows[0]
    closes_at = first[6]
    if closes_at is not None and timezone.is_naive(closes_at):  # SQLite keeps UTC, unmarked
        closes_at = timezone.make_aware(closes_at, UTC)
    return ScreenState(
        round_public_id=UUID(str(first[0])),  # SQLite returns its 32 hex digits
        organization_id=first[1],
        organization_name=first[2],
        round_title=first[3],
        score_threshold=first[4],
        comment_threshold=first[5],
        closes_at=closes_at,
        questionnaire_id=first[7],
        accepts_answers=bool(first[8]),
        submitted=bool(first[9]),
        answers=[SavedAnswer(*row[10:]) for row in rows if row[10] is not None],
    )
