"""State changes of the catalogue. Admin actions, the API and commands call these."""

from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction
from django.utils import timezone

from .models import Retreat
from .signals import gathering_published
from .versioning import bump_catalogue_version


def _log(*, user, retreat: Retreat, message: str) -> None:
    if user is None or not user.is_authenticated:
        return
    # log_actions(): log_action() is deprecated since Django 5.1 (a warning is an error in tests).
    LogEntry.objects.log_actions(
        user_id=user.pk, queryset=[retreat], action_flag=CHANGE, change_message=message, single_object=True
    )


@transaction.atomic
def retreat_publish(*, retreat: Retreat, user=None) -> bool:
    """Publish a gathering; returns False when it was already published (a second click is a no-op)."""
    changed = Retreat.objects.filter(pk=retreat.pk, status=Retreat.Status.DRAFT).update(
        status=Retreat.Status.PUBLISHED, published_at=timezone.now(), updated_at=timezone.now()
    )
    if changed:
        retreat.refresh_from_db(fields=["status", "published_at", "updated_at"])
        _log(user=user, retreat=retreat, message="Published.")
        gathering_published.send(sender=Retreat, retreat=retreat)
        transaction.on_commit(bump_catalogue_version)
    return bool(changed)


@transaction.atomic
def retreat_unpublish(*, retreat: Retreat, user=None) -> bool:
    """Take a gathering back to draft; returns False when it was not published."""
    changed = Retreat.objects.filter(pk=retreat.pk, status=Retreat.Status.PUBLISHED).update(
        status=Retreat.Status.DRAFT, published_at=None, updated_at=timezone.now()
    )
    if changed:
        retreat.refresh_from_db(fields=["status", "published_at", "updated_at"])
        _log(user=user, retreat=retreat, message="Unpublished.")
        transaction.on_commit(bump_catalogue_version)
    return bool(changed)
