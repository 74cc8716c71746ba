"""Celery tasks: thin wrappers over the library's services, taking ids."""

from celery import shared_task
from django.conf import settings

from media import jobs

from . import services


@shared_task(
    name="library.tasks.read_book_text",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=jobs.TRANSIENT_ERRORS,
    retry_backoff=30,
    max_retries=settings.MEDIA_TASK_MAX_RETRIES,
    time_limit=settings.MEDIA_TASK_TIME_LIMIT,
    soft_time_limit=settings.MEDIA_TASK_TIME_LIMIT - 30,
)
def read_book_text(book_id: int) -> bool:
    return services.book_read_text(book_id=book_id)
