"""Celery tasks: thin, idempotent wrappers over media's services, taking ids.

Reliability (docs/field-notes.md): acks late and rejected on worker loss so a killed worker's job is
redelivered; retries with exponential backoff only for transient storage/network errors
(file problems are recorded on the row instead); a hard time limit per task. The task id
survives a redelivery: the claim (media/jobs.py) recognises its own dead earlier run by it.
"""

from celery import Task, shared_task
from django.conf import settings

from . import archive, bundles, jobs, processing, read_along, uploads, watermarks


class MediaTask(Task):
    """Records on the row that a job gave up after its last retry (the row would otherwise
    stay "waiting" with no explanation in the admin)."""

    abstract = True
    row_kind = ""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        if self.row_kind and args:
            jobs.record_gave_up(kind=self.row_kind, object_id=args[0], error=exc)


_RELIABLE = {
    "base": MediaTask,
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": jobs.TRANSIENT_ERRORS,
    "retry_backoff": 30,
    "retry_backoff_max": 15 * 60,
    "retry_jitter": True,
    "max_retries": settings.MEDIA_TASK_MAX_RETRIES,
    "time_limit": settings.MEDIA_TASK_TIME_LIMIT,
    "soft_time_limit": settings.MEDIA_TASK_TIME_LIMIT - 30,
}


@shared_task(name=jobs.TRACK.task_name, row_kind=jobs.TRACK.kind, **_RELIABLE)
def process_track(self, track_id: int) -> bool:
    return processing.track_process(track_id=track_id, claim_id=self.request.id)


@shared_task(name=jobs.TRANSCRIPT.task_name, row_kind=jobs.TRANSCRIPT.kind, **_RELIABLE)
def process_transcript(self, transcript_id: int) -> bool:
    return processing.transcript_process(transcript_id=transcript_id, claim_id=self.request.id)


@shared_task(name=jobs.BUNDLE.task_name, row_kind=jobs.BUNDLE.kind, **_RELIABLE)
def build_bundle(self, bundle_id: int) -> bool:
    return bundles.bundle_build(bundle_id=bundle_id, claim_id=self.request.id)


@shared_task(name=jobs.READ_ALONG.task_name, row_kind=jobs.READ_ALONG.kind, **_RELIABLE)
def align_track(self, track_id: int) -> bool:
    return read_along.read_along_align(track_id=track_id, claim_id=self.request.id)


@shared_task(name="media.tasks.delete_expired_bundles", acks_late=True, time_limit=600, soft_time_limit=570)
def delete_expired_bundles() -> int:
    return bundles.bundles_delete_expired()


@shared_task(name="media.tasks.abort_stale_uploads", acks_late=True, time_limit=600, soft_time_limit=570)
def abort_stale_uploads() -> int:
    return uploads.uploads_abort_stale()


@shared_task(name="media.tasks.requeue_waiting", acks_late=True, time_limit=600, soft_time_limit=570)
def requeue_waiting() -> int:
    return jobs.requeue_waiting()


# Archive imports run for as long as the archive takes; a replay while one runs does nothing
# (media.archive keeps a lock), and a replay after one finished finds nothing to do.
@shared_task(name="media.tasks.plan_archive_import", acks_late=True, time_limit=6 * 3600, soft_time_limit=6 * 3600 - 60)
def plan_archive_import(import_id: int) -> bool:
    return archive.import_plan(job_id=import_id)


@shared_task(
    name="media.tasks.apply_archive_import", acks_late=True, time_limit=48 * 3600, soft_time_limit=48 * 3600 - 60
)
def apply_archive_import(import_id: int) -> bool:
    return archive.import_apply(job_id=import_id)


@shared_task(name="media.tasks.delete_expired_watermarks", acks_late=True, time_limit=600, soft_time_limit=570)
def delete_expired_watermarks() -> int:
    return watermarks.watermarks_delete_expired()
