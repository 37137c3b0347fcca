"""Writes that touch several rows of a round. Views, tasks, commands and tests all call these."""

import contextlib
import hashlib
import logging
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable
from redis.exceptions import RedisError

from organizations.models import Organization, Team, User
from organizations.services import ensure_can_send_mail, ensure_daily_invitations_left

from .aggregation import Disclosed, round_aggregate
from .invitation_import import ImportProblem, parse_invitation_lines
from .models import Answer, Invitation, Response, Round, RoundResult
from .selectors import reminders_due
from .survey import AnswerValue, SurveyLayout, SurveyQuestion

logger = logging.getLogger(__name__)


class InvitationImportError(Exception):
    def __init__(self, problems: list[ImportProblem]):
        super().__init__(f"{len(problems)} problem(s) in the invitation list")
        self.problems = problems


def round_has_answers(round: Round) -> bool:
    return Answer.objects.filter(response__round=round).exists()


@transaction.atomic
def round_create(*, organization: Organization, by: User, fields: dict) -> Round:
    teams = fields.pop("teams", [])
    round = Round.objects.create(organization=organization, created_by=by, **fields)
    round.teams.set(teams)
    return round


@transaction.atomic
def round_update(*, round: Round, fields: dict) -> Round:
    """Change a draft or open round. The questionnaire and thresholds cannot change once anyone
    has answered, and an anonymous round cannot become named: people answered it trusting that
    nobody would see whether they did (the form shows these as fixed; this is the rule)."""
    round = Round.objects.select_for_update().get(pk=round.pk)
    if round.status == Round.Status.CLOSED:
        raise ValidationError("This round is closed: reopen it to change it.")
    locked = {"questionnaire", "score_threshold", "comment_threshold"}
    if round_has_answers(round):
        if round.anonymous and not fields.get("anonymous", True):
            raise ValidationError("People have answered this anonymous round: it stays anonymous.")
        changed = [name for name in locked & fields.keys() if getattr(round, name) != fields[name]]
        if changed:
            raise ValidationError(
                f"People have started answering, so {', '.join(sorted(changed))} "
                "can no longer change."
            )
    teams = fields.pop("teams", None)
    for name, value in fields.items():
        setattr(round, name, value)
    round.full_clean(exclude=["teams"])
    round.save()
    if teams is not None:
        round.teams.set(teams)
    return round


def round_transition(
    round: Round, *, from_status: Round.Status, to_status: Round.Status, **changes
) -> None:
    """Move the round from one status to another with a conditional update, so two leads
    clicking at once (or a lead and the periodic task) cannot both act."""
    updated = Round.objects.filter(pk=round.pk, status=from_status).update(
        status=to_status, **changes
    )
    if updated != 1:
        raise ValidationError(
            f"Only a {from_status.label.lower()} round can do this; this one is "
            f"{Round.objects.get(pk=round.pk).get_status_display().lower()}."
        )
    round.refresh_from_db()


@transaction.atomic
def round_open(*, round: Round, by: User) -> int:
    """Open the round; its invitations by email go out, so `by` must have confirmed their
    address if there are any. Returns how many are emailed."""
    from .tasks import round_invitations_send_task

    pending = round.invitations.filter(status=Invitation.Status.PENDING).exclude(email="")
    emailed = pending.count()
    ensure_mail_allowed(round=round, by=by, adding=emailed)
    round_transition(
        round,
        from_status=Round.Status.DRAFT,
        to_status=Round.Status.OPEN,
        opened_at=round.opened_at or timezone.now(),
    )
    transaction.on_commit(lambda: round_invitations_send_task.delay(round.pk))
    return emailed


def ensure_mail_allowed(*, round: Round, by: User, adding: int) -> None:
    """Before `adding` invitations of `round` are emailed: `by` has confirmed their address,
    and the organization stays within INVITATIONS_PER_DAY, counting what it emailed in the
    last 24 hours and what open rounds are about to (a draft's invitations count when it
    opens, not when they are imported)."""
    if not adding:
        return
    ensure_can_send_mail(by)
    # One request at a time counts and adds, or two imports at once could both pass the cap.
    Organization.objects.select_for_update().filter(pk=round.organization_id).exists()
    emailed = Invitation.objects.filter(
        Q(sent_at__gte=timezone.now() - timedelta(days=1))
        | Q(status=Invitation.Status.PENDING, round__status=Round.Status.OPEN),
        round__organization=round.organization,
    ).exclude(email="")
    ensure_daily_invitations_left(
        organization=round.organization, adding=adding, also_sent=emailed.count()
    )


@transaction.atomic
def round_close(*, round: Round, at: datetime | None = None) -> Round:
    round_transition(
        round,
        from_status=Round.Status.OPEN,
        to_status=Round.Status.CLOSED,
        closed_at=at or timezone.now(),
    )
    round_result_request(round_id=round.pk)
    return round


@transaction.atomic
def round_reopen(*, round: Round) -> Round:
    """Open a closed round again. A close date already past is cleared, or the periodic task
    would close the round again within the minute."""
    changes = {"closed_at": None}
    if round.closes_at and round.closes_at <= timezone.now():
        changes["closes_at"] = None
    round_transition(round, from_status=Round.Status.CLOSED, to_status=Round.Status.OPEN, **changes)
    return round


def rounds_close_due(*, now: datetime | None = None) -> int:
    """Close every open round whose close date has passed; return how many were closed."""
    now = now or timezone.now()
    closed = 0
    for round in Round.objects.filter(status=Round.Status.OPEN, closes_at__lte=now):
        try:
            round_close(round=round, at=round.closes_at)
        except ValidationError:
            continue  # closed by hand meanwhile
        closed += 1
    return closed


def ensure_round_accepts_invitations(round: Round) -> None:
    if round.status == Round.Status.CLOSED:
        raise ValidationError("This round is closed: reopen it to invite more people.")


@transaction.atomic
def invitations_import(*, round: Round, text: str, by: User) -> list[Invitation]:
    """Invite every email of a pasted list, or nobody: any problem, reported per line, leaves
    the round as it was. Emails go out from a task once the round is open, and only for
    someone whose address is confirmed, within the organization's daily cap."""
    from .tasks import round_invitations_send_task

    ensure_round_accepts_invitations(round)
    scope = round.teams.all() if round.teams.exists() else round.organization.teams.all()
    teams = {team.name: team for team in scope}
    rows, problems = parse_invitation_lines(text, team_names=set(teams))
    already = set(
        round.invitations.filter(email__in=[row.email for row in rows]).values_list(
            "email", flat=True
        )
    )
    problems += [
        ImportProblem(row.line, row.email, "Already invited to this round.")
        for row in rows
        if row.email in already
    ]
    if problems:
        raise InvitationImportError(sorted(problems, key=lambda problem: problem.line))
    if not rows:
        raise InvitationImportError([ImportProblem(1, "", "No email addresses found.")])
    if round.status == Round.Status.OPEN:  # a draft's are counted when it opens
        ensure_mail_allowed(round=round, by=by, adding=len(rows))
    invitations = Invitation.objects.bulk_create(
        [Invitation(round=round, email=row.email, team=teams.get(row.team_name)) for row in rows],
        batch_size=1000,
    )
    if round.status == Round.Status.OPEN:
        transaction.on_commit(lambda: round_invitations_send_task.delay(round.pk))
    return invitations


@transaction.atomic
def invitations_create_anonymous(
    *, round: Round, count: int, team: Team | None = None
) -> list[Invitation]:
    """Links without a name, for the lead to hand out."""
    ensure_round_accepts_invitations(round)
    return Invitation.objects.bulk_create(
        [Invitation(round=round, team=team, status=Invitation.Status.SENT) for _ in range(count)],
        batch_size=1000,
    )


def invitation_revoke(*, invitation: Invitation) -> Invitation:
    """The link stops working; answers already given stay, as with any response."""
    invitation.status = Invitation.Status.REVOKED
    invitation.save(update_fields=["status"])
    return invitation


def round_recompute(*, round: Round) -> None:
    """A lead's "recompute results": the same coalesced request a submission makes."""
    if round.status == Round.Status.DRAFT:
        raise ValidationError("A draft round has no answers to compute yet.")
    round_result_request(round_id=round.pk)


def round_remind(*, round: Round, by: User) -> int:
    """Remind, by email, everyone invited who has not submitted and was not reminded in the
    last REMINDER_INTERVAL; return how many that is. However often a lead clicks, one person
    gets one reminder a day."""
    from .tasks import round_reminders_send_task

    if round.status != Round.Status.OPEN:
        raise ValidationError("Reminders go out only while the round is open.")
    ensure_can_send_mail(by)
    due = reminders_due(round=round).count()
    if due:
        transaction.on_commit(lambda: round_reminders_send_task.delay(round.pk))
    return due


@transaction.atomic
def invitations_retry(*, round: Round, by: User) -> int:
    """Send again the invitations whose email could not be sent; return how many."""
    from .tasks import round_invitations_send_task

    if round.status != Round.Status.OPEN:
        raise ValidationError("Invitations go out only while the round is open.")
    failed = round.invitations.filter(status=Invitation.Status.FAILED)
    ensure_mail_allowed(round=round, by=by, adding=failed.count())
    retried = failed.update(status=Invitation.Status.PENDING)
    if retried:
        transaction.on_commit(lambda: round_invitations_send_task.delay(round.pk))
    return retried


@transaction.atomic
def round_result_compute(*, round: Round) -> RoundResult:
    """Store a new current result for `round` and retire the previous one.

    The round row is locked for the duration, so two workers computing the same round take turns
    and the partial unique constraint on `is_current` can never see two current results. The
    result records how many submitted responses and which newest answer it saw, so a stale one
    is recognised by the sweep.

    The new version is visible (shown, exported, rendered) only when the round is closed, at
    least `score_threshold` responses stand behind it, and it differs from every earlier
    visible version by at least that many respondents; otherwise the newest visible version
    stays the one shown. (Ours: so no page ever shows one person's answers, or the difference
    one person made.)"""
    started = time.monotonic()
    round = Round.objects.select_for_update().select_related("organization").get(pk=round.pk)
    earlier = [
        Disclosed.of(disclosure)
        for disclosure in round.results.visible().values_list("disclosure", flat=True)
    ]
    aggregate = round_aggregate(round, earlier=earlier)
    threshold = round.score_threshold
    visible = (
        round.status == Round.Status.CLOSED
        and aggregate.responses >= threshold
        and (
            aggregate.changes_since_visible is None or aggregate.changes_since_visible >= threshold
        )
    )
    previous = round.results.filter(is_current=True).first()
    if previous:
        previous.is_current = False
        previous.save(update_fields=["is_current"])
    result = RoundResult.objects.create(
        round=round,
        version=(previous.version + 1) if previous else 1,
        is_visible=visible,
        data=aggregate.data,
        disclosure=aggregate.disclosure,
        changes_since_visible=aggregate.changes_since_visible,
        responses_seen=aggregate.responses,
        answers_updated_until=aggregate.answers_until,
    )
    logger.info(
        "round result computed round=%s organization=%s version=%s responses=%s visible=%s ms=%.0f",
        round.public_id,
        round.organization_id,
        result.version,
        result.responses_seen,
        visible,
        (time.monotonic() - started) * 1000,
    )
    return result


class SurveyClosed(Exception):
    """The round does not take answers (not open yet, closed, or past its close date)."""


def ensure_accepting_answers(round: Round) -> None:
    if not round.accepts_answers:
        if round.status == Round.Status.DRAFT:
            raise SurveyClosed("This survey has not opened yet.")
        raise SurveyClosed("This survey has closed. The answers you saved before are kept.")


def response_get_or_start(*, invitation: Invitation) -> Response:
    """The invitation's response, started on its first answer. Two tabs starting at once meet
    on the one-response-per-invitation constraint, and the loser reads the winner's row."""
    try:
        return invitation.response
    except Response.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            response = Response.objects.create(
                invitation=invitation, round_id=invitation.round_id, team_id=invitation.team_id
            )
    except IntegrityError:
        response = Response.objects.get(invitation=invitation)
    invitation.response = response
    return response


def answers_write(response: Response, answers: dict[SurveyQuestion, AnswerValue]) -> None:
    """Upsert the given answers (one statement: the last write wins, never a duplicate row)
    and delete the ones that were cleared."""
    now = timezone.now()
    rows = [
        Answer(
            response=response,
            question_id=question.id,
            value=answer.value,
            dont_know=answer.dont_know,
            not_applicable=answer.not_applicable,
            text=answer.text,
            updated_at=now,
        )
        for question, answer in answers.items()
        if not answer.cleared
    ]
    Answer.objects.upsert(rows)
    cleared = [question.id for question, answer in answers.items() if answer.cleared]
    if cleared:
        Answer.objects.filter(response=response, question_id__in=cleared).delete()


@dataclass(frozen=True)
class AnswerTarget:
    """What saving an answer needs that never changes for a live token: its invitation, its
    response and the questionnaire (fixed once the round opens, by a database trigger)."""

    invitation_id: int
    response_id: int
    questionnaire_id: int
    # For the request log: which round and organization a save belongs to.
    round_public_id: uuid.UUID
    organization_id: int


class AnswerTargets:
    """Tokens whose answers were saved before, so a respondent's later saves skip the lookup:
    40 of a respondent's 41 saves are then one statement.

    Kept in this process (bounded, least recently used first out) and in the shared cache, so
    that the other web processes, where the respondent's next clicks may land, know the token
    too. Whether the token still may answer is checked by the saving statement every time, so a
    target that outlives its invitation does no harm. The shared cache is keyed by a digest of
    the token, never the token itself, and is only a shortcut: unreachable, it is not used."""

    SHARED_SECONDS = 24 * 3600

    def __init__(self, maxsize: int):
        self.maxsize = maxsize
        self.targets: OrderedDict[str, AnswerTarget] = OrderedDict()
        self.lock = threading.Lock()

    @staticmethod
    def shared_key(token: str) -> str:
        return "answer-target:" + hashlib.sha256(token.encode()).hexdigest()

    def get(self, token: str) -> AnswerTarget | None:
        with self.lock:
            target = self.targets.get(token)
            if target is not None:
                self.targets.move_to_end(token)
                return target
        with contextlib.suppress(RedisError, OSError):
            target = cache.get(self.shared_key(token))
        if target is not None:
            self.remember_here(token, target)
        return target

    def remember(self, token: str, target: AnswerTarget) -> None:
        self.remember_here(token, target)
        with contextlib.suppress(RedisError, OSError):
            cache.set(self.shared_key(token), target, self.SHARED_SECONDS)

    def remember_here(self, token: str, target: AnswerTarget) -> None:
        with self.lock:
            self.targets[token] = target
            self.targets.move_to_end(token)
            if len(self.targets) > self.maxsize:
                self.targets.popitem(last=False)

    def forget(self, token: str) -> None:
        with self.lock:
            self.targets.pop(token, None)
        with contextlib.suppress(RedisError, OSError):
            cache.delete(self.shared_key(token))

    def clear(self) -> None:
        """This process's targets only: the shared ones belong to every process."""
        with self.lock:
            self.targets.clear()


answer_targets = AnswerTargets(maxsize=100_000)


def answer_row(target: AnswerTarget, question: SurveyQuestion, answer: AnswerValue) -> Answer:
    return Answer(
        response_id=target.response_id,
        question_id=question.id,
        value=answer.value,
        dont_know=answer.dont_know,
        not_applicable=answer.not_applicable,
        text=answer.text,
        updated_at=timezone.now(),
    )


def answer_save_known(
    *, token: str, target: AnswerTarget, question: SurveyQuestion, answer: AnswerValue
) -> bool:
    """Save an answer for a token whose target is known (answer_targets), in one statement.
    False when the answer clears a question or the database refused (revoked, closed, response
    gone): the caller then takes the full path of answer_save, which says why."""
    if answer.cleared:
        return False
    if Answer.objects.upsert_if_accepting(
        answer_row(target, question, answer), invitation_id=target.invitation_id
    ):
        return True
    answer_targets.forget(token)
    return False


def answer_save(
    *, invitation: Invitation, question: SurveyQuestion, answer: AnswerValue
) -> Response:
    """Save one answer the moment the respondent gives it: check the round, start the response
    on the first answer, write, and remember the token for the next save."""
    ensure_accepting_answers(invitation.round)
    response = response_get_or_start(invitation=invitation)
    round = invitation.round
    target = AnswerTarget(
        invitation.pk, response.pk, round.questionnaire_id, round.public_id, round.organization_id
    )
    if answer.cleared:
        Answer.objects.filter(response=response, question_id=question.id).delete()
    elif not Answer.objects.upsert_if_accepting(
        answer_row(target, question, answer), invitation_id=invitation.pk
    ):
        raise SurveyClosed("This survey has closed. The answers you saved before are kept.")
    answer_targets.remember(invitation.token, target)
    return response


@transaction.atomic
def answers_save(*, invitation: Invitation, answers: dict[SurveyQuestion, AnswerValue]) -> Response:
    """Save a whole page of answers at once (the survey without JavaScript)."""
    ensure_accepting_answers(invitation.round)
    response = response_get_or_start(invitation=invitation)
    answers_write(response, answers)
    return response


def response_submit(*, invitation: Invitation, layout: SurveyLayout) -> list[SurveyQuestion]:
    """Submit the response, or return the required questions still unanswered (and submit
    nothing). Submitting twice is harmless: only the first sets the time and queues the
    recomputation of the round's result."""
    ensure_accepting_answers(invitation.round)
    response = response_get_or_start(invitation=invitation)
    answered = set(response.answers.values_list("question_id", flat=True))
    missing = [
        layout.by_key[key] for key in layout.required_keys if layout.by_key[key].id not in answered
    ]
    if missing:
        return missing
    submitted = Response.objects.filter(pk=response.pk, submitted_at__isnull=True).update(
        submitted_at=timezone.now()
    )
    if submitted:
        round_result_request(round_id=invitation.round_id)
    return []


def result_queued_key(round_id: int) -> str:
    return f"round-result-queued:{round_id}"


def round_result_request(*, round_id: int) -> None:
    """Ask the worker to recompute a round's result after the current transaction commits,
    unless a computation is already queued (it will see this change: the task clears the mark
    before it reads).

    The respondent's answers are already in the database: if the broker or the cache is
    unreachable the request is only logged, and the periodic sweep recomputes stale rounds."""
    from .tasks import round_result_compute_task

    # Submissions arriving together are served by one computation: the first queues it to run
    # RESULT_COALESCE_SECONDS later, the others find it queued. A burst of 500 submissions
    # within a minute thus causes about 60 / RESULT_COALESCE_SECONDS computations, not 500.
    delay = settings.RESULT_COALESCE_SECONDS

    def enqueue() -> None:
        key = result_queued_key(round_id)
        try:
            if not cache.add(key, 1, timeout=delay * 30):
                return
            round_result_compute_task.apply_async((round_id,), countdown=delay, retry=False)
        except (BrokerUnavailable, OSError, RedisError) as error:
            cache_delete_quietly(key)
            logger.warning("broker unavailable, round %s left for the sweep: %s", round_id, error)

    transaction.on_commit(enqueue)


def cache_delete_quietly(key: str) -> None:
    with contextlib.suppress(OSError, RedisError):
        cache.delete(key)


def stale_rounds() -> QuerySet[Round]:
    """Open rounds, and rounds closed in the last STALE_WINDOW, whose result is out of date
    (out_of_date). Catches what a request lost (a submission made while the broker was down, a
    worker that died)."""
    return out_of_date(
        Round.objects.filter(
            Q(status=Round.Status.OPEN)
            | Q(status=Round.Status.CLOSED, closed_at__gte=timezone.now() - STALE_WINDOW)
        )
    )


def round_result_out_of_date(*, round: Round) -> bool:
    """Whether "Recompute results" has anything to do for this round (one query)."""
    return out_of_date(Round.objects.filter(pk=round.pk)).exists()


def out_of_date(rounds: QuerySet[Round]) -> QuerySet[Round]:
    """The rounds whose current result is missing, did not see the latest submitted responses
    and answers, or was computed before the close."""
    submitted = Response.objects.filter(round=OuterRef("pk"), submitted_at__isnull=False)
    newest_answer = Answer.objects.filter(
        response__round=OuterRef("pk"), response__submitted_at__isnull=False
    ).order_by("-updated_at")
    current = RoundResult.objects.filter(round=OuterRef("pk"), is_current=True)
    return rounds.annotate(
        submitted=Coalesce(
            Subquery(submitted.values("round").annotate(n=Count("id")).values("n")[:1]), 0
        ),
        newest=Subquery(newest_answer.values("updated_at")[:1]),
        seen=Subquery(current.values("responses_seen")[:1]),
        seen_until=Subquery(current.values("answers_updated_until")[:1]),
        computed_at=Subquery(current.values("computed_at")[:1]),
        shown=Exists(RoundResult.objects.filter(round=OuterRef("pk"), is_visible=True)),
    ).filter(
        Q(seen__isnull=True, submitted__gt=0)
        | ~Q(seen=F("submitted"))
        | Q(newest__gt=F("seen_until"))
        # Computed while still open: the closing computation, which may show it, was lost.
        | Q(status=Round.Status.CLOSED, computed_at__lt=F("closed_at"))
        # Enough answers and closed, yet nothing shown: computed before results had
        # visible versions (issue 14).
        | Q(status=Round.Status.CLOSED, shown=False, submitted__gte=F("score_threshold"))
    )


STALE_WINDOW = timedelta(days=7)


def round_results_refresh_stale() -> int:
    stale = list(stale_rounds().values_list("pk", flat=True))
    for round_id in stale:
        round_result_request(round_id=round_id)
    return len(stale)
