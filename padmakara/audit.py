"""The audit trail of staff writes, kept by django-auditlog (docs/architecture.md, "Audit log").

Each registered model (the ones staff edit, :func:`register`) gets an entry per create, change
and delete with the fields before and after, written while a staff member is acting: in an
admin request (:class:`AuditMiddleware` names the logged-in user) or inside :func:`acting_as`.
Writes made by no one in particular (workers, commands, a listener's own API calls) leave no
entry. Service-level actions that write with ``update()`` (publish, reprocess, retry, disable)
record themselves through :func:`audit`, with a message and the fields they changed.

Entries outlive their actor: ``actor`` is set null when the user is deleted, and the actor's
email (auditlog's ``actor_email``) and name (``additional_data["actor_name"]``) stay in the row.
"""

import contextlib
from contextvars import ContextVar
from typing import Any

from auditlog.middleware import AuditlogMiddleware
from auditlog.models import LogEntry
from auditlog.receivers import make_log_m2m_changes
from auditlog.registry import auditlog
from auditlog.signals import pre_log
from django.db.models.signals import m2m_changed, pre_save
from django.dispatch import receiver

_actor: ContextVar[Any] = ContextVar("padmakara_audit_actor", default=None)


def current_actor():
    """The staff member the writes of this context are made by, or None."""
    return _actor.get()


@contextlib.contextmanager
def acting_as(user):
    """Writes inside are audited as made by ``user`` (no entries when ``user`` is None or anonymous)."""
    token = _actor.set(user if user is not None and user.is_authenticated else None)
    try:
        yield
    finally:
        _actor.reset(token)


class AuditMiddleware(AuditlogMiddleware):
    """auditlog's middleware (remote address, correlation id), plus: the logged-in staff member
    of the request (a session: the admin, the dashboard) is the actor of its writes; anyone else's
    writes leave no entry. The remote address is the one the rate limits count (``NUM_PROXIES``
    proxies back in ``X-Forwarded-For``), not a header the client picks."""

    @staticmethod
    def _get_actor(request):
        user = AuditlogMiddleware._get_actor(request)
        return user if user is not None and user.is_staff else None

    @staticmethod
    def _get_remote_addr(request):
        from rest_framework.throttling import BaseThrottle

        return BaseThrottle().get_ident(request) or None

    def __call__(self, request):
        with acting_as(self._get_actor(request)):
            return super().__call__(request)


def register(model, *, include=None, exclude=(), mask=(), m2m=()) -> None:
    """Audit ``model``'s writes. ``mask``: fields whose values are never stored (secrets);
    ``m2m``: many-to-many fields whose additions and removals are audited too."""
    auditlog.register(
        model, include_fields=list(include) if include else None, exclude_fields=list(exclude), mask_fields=list(mask)
    )
    for name in m2m:
        log = make_log_m2m_changes(name)

        def log_when_acting(sender, *, _log=log, **kwargs):
            if current_actor() is not None:
                _log(sender=sender, **kwargs)

        m2m_changed.connect(
            log_when_acting,
            sender=getattr(model, name).through,
            weak=False,
            dispatch_uid=f"padmakara.audit.{model._meta.label}.{name}",
        )


@receiver(pre_log, dispatch_uid="padmakara.audit.only_when_acting")
def _only_when_acting(sender, **kwargs):
    """No entry for writes no staff member made (workers, commands, listeners' own writes)."""
    return current_actor() is not None


@receiver(pre_save, sender=LogEntry, dispatch_uid="padmakara.audit.stamp_actor")
def _stamp_actor(sender, instance, **kwargs):
    """Name the actor in the row, so the entry still says who after the user is deleted."""
    if instance.actor_id is None and current_actor() is not None:
        instance.actor = current_actor()
    if instance.actor_id is None:
        return
    actor = instance.actor
    instance.actor_email = instance.actor_email or actor.email
    data = dict(instance.additional_data or {})
    data.setdefault("actor_name", actor.get_full_name())
    instance.additional_data = data


def _text(value) -> str:
    return "None" if value is None else str(value)


def audit(*, user, obj, message: str, changes: dict[str, tuple[Any, Any]] | None = None) -> None:
    """Record that ``user`` did ``message`` to ``obj``: for actions that write with ``update()``
    (which sends no signal). ``changes``: ``{field: (before, after)}`` for the fields it changed.
    ``message`` is stored untranslated (mark it with ``gettext_noop``) and shown in the reader's
    language. Changes made by no one in particular (commands, tasks) are not recorded."""
    if user is None or not user.is_authenticated:
        return
    with acting_as(user):
        LogEntry.objects.log_create(
            obj,
            force_log=True,
            action=LogEntry.Action.UPDATE,
            changes={field: [_text(before), _text(after)] for field, (before, after) in (changes or {}).items()},
            additional_data={"message": message},
            actor=user,
        )


def values(obj, fields) -> dict[str, Any]:
    """The current values of ``fields`` on ``obj``: the "before" side of :func:`audit`'s changes."""
    return {field: getattr(obj, field) for field in fields}


def changes_since(before: dict[str, Any], obj) -> dict[str, tuple[Any, Any]]:
    """``{field: (before, now)}`` for the fields of ``before`` whose value on ``obj`` differs."""
    return {field: (old, getattr(obj, field)) for field, old in before.items() if getattr(obj, field) != old}


def mask(value: str) -> str:
    """``AUDITLOG_MASK_CALLABLE``: a masked field's value is never stored, whatever its length."""
    return "********"
