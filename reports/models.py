import uuid

from django.conf import settings
from django.db import models

from assessments.models import Round, RoundResult


def report_upload_to(report: "Report", filename: str) -> str:
    # The random part keeps a report's URL in storage unguessable from its round.
    return f"reports/{report.round.public_id}/{uuid.uuid4().hex}/{filename}"


class Report(models.Model):
    """A rendered PDF of one round result, and the job that renders it. The row is the single
    truth about the job: the UI reads it, never a Celery result."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    class PageSize(models.TextChoices):
        A4 = "A4", "A4"
        LETTER = "letter", "Letter"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="reports")
    result = models.ForeignKey(RoundResult, on_delete=models.CASCADE, related_name="reports")
    page_size = models.CharField(max_length=8, choices=PageSize.choices, default=PageSize.A4)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(upload_to=report_upload_to, blank=True, max_length=255)
    pages = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When the status last changed: a job queued or rendering for too long is queued again.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["result", "page_size"], name="report_one_per_result_and_page_size"
            ),
        ]

    def __str__(self) -> str:
        return f"report of {self.result} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RENDERING)
