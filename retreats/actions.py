"""Publishing and unpublishing a gathering, as action classes (in the style of wagtail's
``PublishPageRevisionAction``): one code path for the permission check, the update, the audit
entry, the signal and the catalogue version bump. The admin (save, actions) and the services
``retreat_publish`` / ``retreat_unpublish`` all go through here::

    changed = PublishRetreatAction(retreat, user=request.user).execute()

``execute()`` returns False when there was nothing to do (a second click is a no-op).
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from padmakara.audit import audit, changes_since, values
from padmakara.errors import DomainError

from . import live
from .models import Retreat
from .signals import gathering_published
from .versioning import bump_catalogue_version


class PublishPermissionError(PermissionDenied):
    """The user may not publish or unpublish gatherings."""


class NotPublishable(DomainError):
    """The gathering cannot be published as it is (it would not reach its listeners)."""

    code = "not_publishable"


# The catalogue (GET /content/retreats) lists retreat groups and their gatherings: a published
# gathering in no group would be invisible to listeners, with nothing to tell staff why.
NO_GROUP_MESSAGE = _(
    "“%(gathering)s” is in no retreat group: the app lists gatherings by group, so listeners would "
    "never see it. Add it to a retreat group, then publish it."
)


class RetreatStatusAction:
    """Move a gathering from ``from_status`` to ``to_status``, once."""

    from_status: str
    to_status: str
    audit_message: str
    live_reason: str  # of the catalogue.changed event its audience gets (retreats.live)
    permission = "retreats.change_retreat"

    def __init__(self, retreat: Retreat, *, user=None):
        self.retreat = retreat
        self.user = user  # None: a command or a task, not a person

    def check(self, skip_permission_checks: bool = False) -> None:
        if skip_permission_checks or self.user is None:
            return
        if not self.user.has_perm(self.permission):
            raise PublishPermissionError("You may not publish or unpublish gatherings.")

    def execute(self, skip_permission_checks: bool = False) -> bool:
        self.check(skip_permission_checks=skip_permission_checks)
        self.validate()
        return self._change()

    def validate(self) -> None:
        """Raise a domain error when the change may not be made (checked after the permission)."""

    def values(self) -> dict:
        """The columns the update writes besides ``status``."""
        raise NotImplementedError

    def after_change(self) -> None:
        """Inside the transaction, once the row has changed."""

    @transaction.atomic
    def _change(self) -> bool:
        retreat = self.retreat
        before = values(retreat, ["status", "published_at"])
        changed = Retreat.objects.filter(pk=retreat.pk, status=self.from_status).update(
            status=self.to_status, **self.values(), updated_at=timezone.now()
        )
        if changed:
            retreat.refresh_from_db(fields=["status", "published_at", "updated_at"])
            audit(user=self.user, obj=retreat, message=self.audit_message, changes=changes_since(before, retreat))
            self.after_change()
            transaction.on_commit(bump_catalogue_version)
            # After the bump, so the event carries the new catalogue version.
            live.tell_audience_on_commit(retreat_id=retreat.pk, reason=self.live_reason)
        return bool(changed)


class PublishRetreatAction(RetreatStatusAction):
    """Publish a gathering; its listeners are told (``gathering_published``, sent inside the
    transaction, only when the state changed)."""

    from_status = Retreat.Status.DRAFT
    to_status = Retreat.Status.PUBLISHED
    audit_message = gettext_noop("Published.")
    live_reason = live.Reason.PUBLISHED

    def validate(self) -> None:
        if self.retreat.status == Retreat.Status.PUBLISHED:
            return  # already published: a second click stays a no-op
        if not self.retreat.groups.exists():
            raise NotPublishable(str(NO_GROUP_MESSAGE % {"gathering": self.retreat.name}), code="no_retreat_group")

    def values(self) -> dict:
        return {"published_at": timezone.now()}

    def after_change(self) -> None:
        gathering_published.send(sender=Retreat, retreat=self.retreat)


class UnpublishRetreatAction(RetreatStatusAction):
    """Take a gathering back to draft."""

    from_status = Retreat.Status.PUBLISHED
    to_status = Retreat.Status.DRAFT
    audit_message = gettext_noop("Unpublished.")
    live_reason = live.Reason.UNPUBLISHED

    def values(self) -> dict:
        return {"published_at": None}
