import secrets
import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import connections, models
from django.db.models import F, Q
from django.utils import timezone

from core.validators import no_control_characters
from organizations.models import Organization, Team


class Questionnaire(models.Model):
    """One version of a questionnaire. A version never changes once loaded: editing the data file
    and loading it again makes the next version, and rounds keep the version they were made with."""

    slug = models.SlugField(max_length=60)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # Tool landscape of the guide, kept with the version it was written for.
    tool_categories = models.JSONField(default=list, blank=True)
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug", "version"], name="questionnaire_version_unique"
            ),
            models.UniqueConstraint(
                fields=["slug", "content_hash"], name="questionnaire_hash_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class Dimension(models.Model):
    """What a question scores: the fit checklist, a principle, a challenge, the goals or the
    respondent's context."""

    class Kind(models.TextChoices):
        FIT = "fit", "Fit checklist"
        PRINCIPLE = "principle", "Principle"
        CHALLENGE = "challenge", "Challenge"
        GOAL = "goal", "Goals"
        CONTEXT = "context", "Context"
        # Ours, beside the guide's: a practice outside its seven principles (skills, security),
        # scored 0-4 like a principle but kept out of the readiness average and floor.
        PRACTICE = "practice", "Other practice"
        OUTCOME = "outcome", "Outcome measure"

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="dimensions"
    )
    key = models.SlugField(max_length=60)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    name = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField()
    description = models.TextField(blank=True)
    solution = models.TextField(blank=True, help_text="The guide's answer to a challenge.")
    tool_category = models.SlugField(max_length=60, blank=True)

    class Meta:
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "key"], name="dimension_key_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Section(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="sections"
    )
    key = models.SlugField(max_length=60)
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    intro = models.TextField(blank=True)

    class Meta:
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "key"], name="section_key_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """A question of one questionnaire version.

    `source` says where its text comes from: the guide, or ours. "Doesn't apply" is offered
    where the question presupposes something (models in production); it is stored apart from
    "don't know" and neither is ever scored.

    `options` lists the allowed values with their labels, `[{"value": 0, "label": "…"}, …]`; for a
    scale every level has its own label. Multiple-choice answers are stored as a bit mask of the
    chosen option values (see `Answer.value`), so the worker can count them in SQL on PostgreSQL
    and SQLite alike.
    """

    class Kind(models.TextChoices):
        YES_NO = "yes_no", "Yes / no"
        SCALE = "scale", "Scale"
        SINGLE_CHOICE = "single_choice", "Single choice"
        MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
        FREE_TEXT = "free_text", "Free text"

    class Source(models.TextChoices):
        GUIDE = "guide", "The guide"
        OURS = "ours", "Ours"
        UNRECORDED = "", "Not recorded"  # questionnaires before provenance was kept (v1)

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    dimension = models.ForeignKey(Dimension, on_delete=models.PROTECT, related_name="questions")
    key = models.SlugField(max_length=60)
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.TextField()
    help = models.TextField(blank=True)
    options = models.JSONField(default=list, blank=True)
    allows_dont_know = models.BooleanField(default=False)
    allows_not_applicable = models.BooleanField(default=False)
    # What the question presupposes, shown as the "doesn't apply" answer's reason.
    presupposes = models.CharField(max_length=40, blank=True)
    max_choices = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Multiple choice: at most this many options."
    )
    source = models.CharField(max_length=5, choices=Source.choices, blank=True)
    required = models.BooleanField(default=True)
    weight = models.FloatField(default=1.0)

    class Meta:
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "key"], name="question_key_unique"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="question_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def allowed_values(self) -> frozenset[int]:
        return frozenset(option["value"] for option in self.options)

    @property
    def max_value(self) -> int | None:
        return max(self.allowed_values, default=None)


class Round(models.Model):
    """A survey round: draft → open → closed. Its scope is the whole organization when it names
    no team. The anonymity thresholds are fixed once the first answer exists."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    MIN_SCORE_THRESHOLD = 3
    DEFAULT_SCORE_THRESHOLD = 5
    DEFAULT_COMMENT_THRESHOLD = 10

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="rounds")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200, validators=[no_control_characters])
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    teams = models.ManyToManyField(Team, blank=True, related_name="rounds")
    anonymous = models.BooleanField(
        default=False,
        help_text="Participation shows counts only, never who has or has not answered.",
    )
    shared_with_members = models.BooleanField(
        default=False,
        help_text="Members who are not leads see a summary: the whole round and their teams.",
    )
    score_threshold = models.PositiveSmallIntegerField(
        default=DEFAULT_SCORE_THRESHOLD, validators=[MinValueValidator(MIN_SCORE_THRESHOLD)]
    )
    comment_threshold = models.PositiveSmallIntegerField(default=DEFAULT_COMMENT_THRESHOLD)
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score_threshold__gte=3), name="round_score_threshold_at_least_3"
            ),
            models.CheckConstraint(
                condition=Q(comment_threshold__gte=F("score_threshold")),
                name="round_comment_threshold_not_below_score_threshold",
            ),
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True)
                | Q(opens_at__isnull=True)
                | Q(closes_at__gt=F("opens_at")),
                name="round_closes_after_it_opens",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def accepts_answers(self) -> bool:
        """Open, and not past its close date even if the periodic task has not closed it yet."""
        return self.is_open and (self.closes_at is None or self.closes_at > timezone.now())


def new_invitation_token() -> str:
    """256 bits from the OS's CSPRNG, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """One respondent's way into a round. The token is the only credential a respondent has, so
    it is long, random and unique; an anonymous link simply has no email."""

    class Status(models.TextChoices):
        PENDING = "pending", "Not sent yet"
        SENT = "sent", "Sent"
        FAILED = "failed", "Could not be sent"
        REVOKED = "revoked", "Revoked"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=64, unique=True, default=new_invitation_token)
    email = models.EmailField(blank=True)
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitations"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The last reminder: one person is reminded at most once a day, however often a lead clicks.
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "email"],
                condition=~Q(email=""),
                name="invitation_email_unique_per_round",
            ),
        ]

    def __str__(self) -> str:
        return self.email or f"anonymous link #{self.pk}"


class Response(models.Model):
    """One respondent's answers to one round. The team is copied from the invitation when the
    response starts, so moving people between teams later does not rewrite past rounds."""

    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="response")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="responses")
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="responses"
    )
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["round", "submitted_at"])]

    def __str__(self) -> str:
        return f"response to {self.round}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


ANSWER_COLUMNS = "(response_id, question_id, value, dont_know, not_applicable, text, updated_at)"
ANSWER_UPDATE_ON_CONFLICT = (
    "ON CONFLICT (response_id, question_id) DO UPDATE SET value = excluded.value, "
    "dont_know = excluded.dont_know, not_applicable = excluded.not_applicable, "
    "text = excluded.text, updated_at = excluded.updated_at"
)
ANSWER_PLACEHOLDERS = "%s, %s, %s, %s, %s, %s, %s"


def answer_params(row: "Answer") -> tuple:
    return (
        row.response_id,
        row.question_id,
        row.value,
        row.dont_know,
        row.not_applicable,
        row.text,
        row.updated_at,
    )


class AnswerQuerySet(models.QuerySet):
    def upsert(self, rows: list["Answer"]) -> None:
        """Insert answers or overwrite the existing ones for the same response and question, in
        one statement: the last write wins and there is never a second row.

        Answers are the hottest write of the app (every click of every respondent).
        bulk_create's update_conflicts does the same but wraps it in a transaction, which costs
        PostgreSQL two more round trips (BEGIN, COMMIT); a single statement commits by itself.
        PostgreSQL and SQLite share this ON CONFLICT syntax."""
        if not rows:
            return
        values = ", ".join([f"({ANSWER_PLACEHOLDERS})"] * len(rows))
        sql = (
            f"INSERT INTO {self.model._meta.db_table} {ANSWER_COLUMNS} VALUES {values} "
            f"{ANSWER_UPDATE_ON_CONFLICT}"
        )
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, [param for row in rows for param in answer_params(row)])

    def upsert_if_accepting(self, row: "Answer", *, invitation_id: int) -> bool:
        """Upsert one answer only while its invitation is live, its response still exists and
        its round takes answers, checked in the same statement; False (and nothing written)
        otherwise.

        One statement per click is the floor of a save: the respondent's state is checked by
        the database in passing, with no read before the write."""
        sql = (
            f"INSERT INTO {self.model._meta.db_table} {ANSWER_COLUMNS} "
            f"SELECT {ANSWER_PLACEHOLDERS} WHERE EXISTS ("
            f" SELECT 1 FROM {Invitation._meta.db_table} i"
            f" JOIN {Round._meta.db_table} r ON r.id = i.round_id"
            f" JOIN {Response._meta.db_table} p ON p.invitation_id = i.id"
            " WHERE i.id = %s AND p.id = %s AND i.status <> %s AND r.status = %s"
            " AND (r.closes_at IS NULL OR r.closes_at > %s)"
            f") {ANSWER_UPDATE_ON_CONFLICT}"
        )
        params = [
            *answer_params(row),
            invitation_id,
            row.response_id,
            Invitation.Status.REVOKED,
            Round.Status.OPEN,
            row.updated_at,
        ]
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount == 1


def chosen_values(mask: int | None) -> list[int]:
    """The option values of a multiple-choice answer, decoded from its bit mask."""
    mask = mask or 0
    return [bit for bit in range(mask.bit_length()) if mask & (1 << bit)]


class Answer(models.Model):
    """One answer per response and question, enforced by the database.

    `value` holds yes/no (1/0), a scale level, a single choice's option value, or a bit mask of
    the chosen options for multiple choice (bit `1 << value`). "Don't know" is `dont_know=True`
    and "doesn't apply" `not_applicable=True`, each with no value, so they are counted apart and
    can never be averaged in as a 0. Free text is in `text`.

    Every answer is rewritten in place as the respondent changes it, so no index covers the
    columns that change (value, dont_know, not_applicable, text, updated_at): PostgreSQL can
    then update the row without touching any index (a HOT update).
    """

    # No index of its own: the unique (response, question) constraint starts with it.
    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answers", db_index=False
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.IntegerField(null=True, blank=True)
    dont_know = models.BooleanField(default=False)
    not_applicable = models.BooleanField(default=False)
    text = models.TextField(blank=True)
    # Set by the writer (not auto_now), so imported or seeded answers keep their own time.
    updated_at = models.DateTimeField(default=timezone.now)

    objects = AnswerQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_unique"),
            models.CheckConstraint(
                condition=~(Q(dont_know=True) & Q(value__isnull=False)),
                name="answer_dont_know_has_no_value",
            ),
            models.CheckConstraint(
                condition=~(Q(not_applicable=True) & (Q(value__isnull=False) | Q(dont_know=True))),
                name="answer_not_applicable_alone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question.key}={self.value}"

    @property
    def chosen_values(self) -> list[int]:
        return chosen_values(self.value)


class RoundResultQuerySet(models.QuerySet):
    def visible(self) -> "RoundResultQuerySet":
        """Versions leads (and, when shared, members) may see, newest first. The rules that
        make a version visible are in assessments.services.round_result_compute."""
        return self.filter(is_visible=True).order_by("-version")


class RoundResult(models.Model):
    """The aggregate of one round, computed by the worker. Each computation makes a new version;
    exactly one per round is current (a partial unique constraint). `responses_seen` and
    `answers_updated_until` record what the computation saw, so a stale result is recognised.

    Only visible versions are ever shown, exported or rendered: a round's pages read its newest
    visible version, which may be older than the current one. `disclosure` records whom a
    version counted and what it published, so the next version can be compared with it; it is
    never shown."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="results")
    version = models.PositiveIntegerField()
    is_current = models.BooleanField(default=True)
    is_visible = models.BooleanField(default=False)
    data = models.JSONField(default=dict)
    disclosure = models.JSONField(default=dict, blank=True)
    # Respondents whose answers differ from the newest visible version's (None before one).
    changes_since_visible = models.PositiveIntegerField(null=True, blank=True)
    responses_seen = models.PositiveIntegerField(default=0)
    answers_updated_until = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(auto_now_add=True)

    objects = RoundResultQuerySet.as_manager()

    class Meta:
        ordering = ["round", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "version"], name="round_result_version_unique"
            ),
            models.UniqueConstraint(
                fields=["round"], condition=Q(is_current=True), name="round_result_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} result v{self.version}"
