from celery import shared_task

from core.services import worker_heartbeat_record


@shared_task(bind=True)
def record_worker_heartbeat(self):
    return worker_heartbeat_record(hostname=self.request.hostname or "unknown").pk
