import redis
from django.conf import settings


def broker_problem() -> str | None:
    """Why the broker cannot take tasks, or None. In-process (eager) mode has no broker to lose."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1
    )
    try:
        client.ping()
    except redis.RedisError as error:
        return f"{type(error).__name__}: {error}"
    finally:
        client.close()
    return None
