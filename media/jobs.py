"""The job layer: how a row that waits for a background job (a track or a transcript to
process, an offline bundle to build) is claimed, released, given up on and (re)sent.

Each long job claims its row with a conditional ``update()`` (0 rows → someone else has it,
or it is done), records the outcome on the row, and raises only transient errors so the task
retries. The three kinds of row share one life cycle (waiting → running → done or failed);
a :class:`RowJob` names each kind's model, status values and task.

Jobs are sent by task name through the Celery app (media/tasks.py registers them), so the
modules that queue work never import the tasks that run it.
"""

import datetime
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError
from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connections, models, transaction
from django.db.models import Q
from django.utils import timezone

from retreats.models import Track, Transcript

from .models import DownloadBundle

logger = logging.getLogger(__name__)

# Storage and network trouble: worth a retry with backoff. File problems are MediaError.
TRANSIENT_ERRORS = (OSError, BotoCoreError, ClientError)

MISSING_FILE = "The file is missing from storage; upload it again."


def missing(exc: Exception) -> bool:
    """A file that is not in storage will not appear by retrying."""
    if isinstance(exc, FileNotFoundError):
        return True
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}
    return False


def stale_before() -> datetime.datetime:
    """A claim older than the task's hard time limit belongs to a worker that died."""
    return timezone.now() - datetime.timedelta(seconds=settings.MEDIA_TASK_TIME_LIMIT + 60)


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _thread_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=settings.MEDIA_JOBS_THREADS, thread_name_prefix="media-job")
        return _pool


def _run_in_thread(task_name: str, object_id: int) -> None:
    """One job in a pool thread (``MEDIA_JOBS_IN_THREAD``): the task runs as Celery would run
    it eagerly, retries included; its outcome is on the row, like a worker's."""
    try:
        current_app.tasks[task_name].apply(args=(object_id,), throw=False)
    except Exception:
        logger.exception("%s(%s) failed in the background thread", task_name, object_id)
    finally:
        connections.close_all()  # this thread's connections, not the request's


def send(task_name: str, object_id: int) -> bool:
    """Send a job for a row already saved as waiting. With the broker unreachable the request
    still succeeds: the row stays waiting and :func:`requeue_waiting` sends it again once the
    broker is back (the claims make a second delivery harmless).

    With ``MEDIA_JOBS_IN_THREAD`` (DEBUG with no broker: ``make run``) the job runs in a thread
    of this process instead, so the request that queued it answers at once."""
    if settings.MEDIA_JOBS_IN_THREAD:
        _thread_pool().submit(_run_in_thread, task_name, object_id)
        return True
    try:
        current_app.tasks[task_name].delay(object_id)
        return True
    except Exception as exc:  # kombu's OperationalError and whatever the transport raises
        logger.warning("broker unreachable, %s(%s) left waiting for requeue: %s", task_name, object_id, exc)
        return False


@dataclass(frozen=True)
class RowJob:
    """One kind of row that waits for a job: its status values and the task that runs it."""

    kind: str  # the claim's cache key and MediaTask.row_kind
    task_name: str
    model: type[models.Model]
    status_field: str
    error_field: str
    waiting: str  # saved, its job sent (or to be sent again)
    running: str  # claimed by a job
    failed: str
    file_field: str = ""  # rows without a file wait for an upload, not for a job
    claim_fields: dict = field(default_factory=dict)  # more fields a claim resets

    def _status(self, *values) -> Q:
        return Q(**{f"{self.status_field}__in": values}) if len(values) > 1 else Q(**{self.status_field: values[0]})

    # --- Sending ------------------------------------------------------------------------

    def send(self, object_id: int) -> bool:
        return send(self.task_name, object_id)

    def send_on_commit(self, object_id: int) -> None:
        transaction.on_commit(lambda: send(self.task_name, object_id))

    def queue(self, object_id: int) -> None:
        """Mark the row waiting and send its job once the transaction commits."""
        self.model._default_manager.filter(pk=object_id).update(
            **{self.status_field: self.waiting, self.error_field: ""}, updated_at=timezone.now()
        )
        self.send_on_commit(object_id)

    def waiting_ids(self, before: datetime.datetime) -> list[int]:
        rows = self.model._default_manager.filter(self._status(self.waiting), updated_at__lt=before)
        if self.file_field:
            rows = rows.exclude(**{self.file_field: ""})
        return list(rows.values_list("pk", flat=True))

    # --- Claims -------------------------------------------------------------------------

    def _claim_key(self, object_id: int) -> str:
        return f"media:claim:{self.kind}:{object_id}"

    def _own_abandoned_claim(self, object_id: int, claim_id: str | None) -> bool:
        """True when this job's own earlier delivery claimed the row and died (its worker was
        killed: acks_late + reject_on_worker_lost redeliver the same task id at once). Without
        this, the redelivery would find the row running, not yet stale, and give up, leaving it
        running for the whole stale window (the task's time limit) with no job left to run."""
        return bool(claim_id) and cache.get(self._claim_key(object_id)) == claim_id

    def _remember_claim(self, object_id: int, claim_id: str | None) -> None:
        if claim_id:
            cache.set(self._claim_key(object_id), claim_id, timeout=settings.MEDIA_TASK_TIME_LIMIT + 120)

    def claim(self, object_id: int, claim_id: str | None = None) -> bool:
        """Take the row for this job: waiting, abandoned by a dead worker (stale), or claimed by
        this same job's earlier delivery (``claim_id``, the task id). False: leave it alone."""
        abandoned = self._status(self.running)
        if not self._own_abandoned_claim(object_id, claim_id):
            abandoned &= Q(updated_at__lt=stale_before())
        claimed = bool(
            self.model._default_manager.filter(self._status(self.waiting) | abandoned, pk=object_id).update(
                **{self.status_field: self.running, self.error_field: "", **self.claim_fields},
                updated_at=timezone.now(),
            )
        )
        if claimed:
            self._remember_claim(object_id, claim_id)
        return claimed

    def release(self, object_id: int) -> None:
        """Give the claim back so the retry of a transient failure can take it."""
        self.model._default_manager.filter(self._status(self.running), pk=object_id).update(
            **{self.status_field: self.waiting}, updated_at=timezone.now()
        )

    def fail(self, object_id: int, message: str) -> None:
        self.model._default_manager.filter(pk=object_id).update(
            **{self.status_field: self.failed, self.error_field: message}, updated_at=timezone.now()
        )

    def give_up(self, object_id: int, error: Exception) -> None:
        """After the last retry of a transient error: say so on the row instead of leaving it waiting."""
        message = f"Gave up after several attempts: storage or network unavailable ({type(error).__name__})."
        self.model._default_manager.filter(self._status(self.waiting, self.running), pk=object_id).update(
            **{self.status_field: self.failed, self.error_field: message}, updated_at=timezone.now()
        )


TRACK = RowJob(
    kind="track",
    task_name="media.tasks.process_track",
    model=Track,
    status_field="processing_status",
    error_field="processing_error",
    waiting=Track.ProcessingStatus.PENDING,
    running=Track.ProcessingStatus.PROCESSING,
    failed=Track.ProcessingStatus.FAILED,
    file_field="audio_file",
)
TRANSCRIPT = RowJob(
    kind="transcript",
    task_name="media.tasks.process_transcript",
    model=Transcript,
    status_field="status",
    error_field="processing_error",
    waiting=Transcript.Status.PENDING,
    running=Transcript.Status.PROCESSING,
    failed=Transcript.Status.FAILED,
    file_field="pdf_file",
)
BUNDLE = RowJob(
    kind="bundle",
    task_name="media.tasks.build_bundle",
    model=DownloadBundle,
    status_field="status",
    error_field="error",
    waiting=DownloadBundle.Status.PREPARING,
    running=DownloadBundle.Status.BUILDING,
    failed=DownloadBundle.Status.FAILED,
    claim_fields={"progress": 0},
)
# A read-along made by the configured aligner (media/read_along.py); no file to wait for.
READ_ALONG = RowJob(
    kind="read_along",
    task_name="media.tasks.align_track",
    model=Track,
    status_field="read_along_status",
    error_field="read_along_error",
    waiting=Track.ReadAlongStatus.PENDING,
    running=Track.ReadAlongStatus.ALIGNING,
    failed=Track.ReadAlongStatus.FAILED,
)
JOBS = {job.kind: job for job in (TRACK, TRANSCRIPT, BUNDLE, READ_ALONG)}


def requeue_waiting(*, older_than: datetime.timedelta | None = None) -> int:
    """Send again the jobs of rows still waiting after ``older_than`` (the broker was down
    when they were sent, or their message was lost). Returns how many were sent."""
    if older_than is None:
        older_than = datetime.timedelta(seconds=settings.MEDIA_REQUEUE_AFTER_SECONDS)
    before = timezone.now() - older_than
    return sum(job.send(pk) for job in JOBS.values() for pk in job.waiting_ids(before))


def record_gave_up(*, kind: str, object_id: int, error: Exception) -> None:
    """After the last retry of a transient error: say so on the row instead of leaving it waiting."""
    JOBS[kind].give_up(object_id, error)
