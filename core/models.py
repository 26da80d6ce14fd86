from django.db import models


class WorkerHeartbeat(models.Model):
    """When a Celery worker last ran the scheduled heartbeat: proof that broker, scheduler and
    worker are alive, shown to operators."""

    hostname = models.CharField(max_length=255, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self):
        return f"{self.hostname} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
