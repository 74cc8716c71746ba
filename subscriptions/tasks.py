"""Celery tasks of subscriptions: thin wrappers over services, ids in, idempotent."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, time_limit=120, soft_time_limit=90)
def confirm_notification(notification_id: int) -> str | None:
    """Confirm one provider notification against the provider's API; a replayed job finds it
    done (or not yet due) and returns. The API down: the row keeps the next attempt's time."""
    return services.confirm_notification(notification_id=notification_id)


@shared_task(acks_late=True, time_limit=300)
def confirm_waiting_notifications() -> int:
    """Periodic (celery beat): notifications whose confirmation is due again are queued."""
    return len(services.confirm_waiting())


@shared_task(acks_late=True, time_limit=600)
def expire_lapsed_subscriptions() -> int:
    """Periodic (celery beat): paid-up subscriptions past their end become expired."""
    return services.expire_lapsed()


@shared_task(acks_late=True, time_limit=600)
def send_subscription_reminders() -> int:
    """Periodic (celery beat): reminders to members paying by hand, each sent once."""
    return services.send_reminders()
