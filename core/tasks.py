"""Options shared by the tasks that are safe to run twice."""

from django.db import InterfaceError, OperationalError

# Acknowledged once run, so a worker that dies mid-run leaves the message for the next one, and
# retried with backoff while the database is unreachable. Only for tasks that can run twice.
RERUNNABLE = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
}
