"""Celery beat's scheduler, with a heartbeat a health check can read.

Beat answers no ping, and a process that is alive may still have stopped ticking. So on every
tick it touches `<schedule file>.heartbeat`; the compose file's health check calls beat
unhealthy when that file is older than three minutes. Ticks come at least every
CELERY_BEAT_MAX_LOOP_INTERVAL seconds.
"""

from pathlib import Path

from celery.beat import PersistentScheduler


class HeartbeatScheduler(PersistentScheduler):
    def tick(self, *args, **kwargs) -> float:
        Path(f"{self.schedule_filename}.heartbeat").touch()
        return super().tick(*args, **kwargs)
