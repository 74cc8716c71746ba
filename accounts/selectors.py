"""Reads on accounts: the GDPR export (its wire form: ``accounts.shapes``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models.fields.files import FieldFile
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import AccessRequest, GroupMembership, User
from .services import user_foreign_keys

# Never exported, whatever model they are on: secrets, not personal data about the user.
SECRET_FIELDS = {"password", "token_hash", "code_hash", "mfa_secret", "session_key", "session_data"}
# Models of other packages, which cannot say ``export_exclude`` themselves: the admin's TOTP seed.
EXPORT_EXCLUDE = {"otp_totp.TOTPDevice": {"key"}}


def _row(obj: models.Model, exclude: set[str]) -> dict:
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude or field.attname in exclude:
            continue
        value = field.value_from_object(obj)
        if isinstance(value, FieldFile):
            value = value.name or None
        data[field.attname] = value
    return data


@dataclass(frozen=True)
class UserExport:
    """The user, their account row (secrets left out) and their rows of every model, by model label."""

    user: User
    account: dict
    records: dict[str, list[dict]]


def user_export(user: User) -> UserExport:
    """All personal data (GDPR access): the account, then every row of every model with a FK
    to the user, found by introspection; secrets (hashes, TOTP seeds) are left out."""
    account = _row(user, SECRET_FIELDS | {"id"})
    records: dict[str, list] = {}
    for field in user_foreign_keys():
        model = field.model
        if field.name in getattr(model, "export_not_owned_through", ()):
            continue  # the user only acted on these rows (staff deciding a request): others' data
        exclude = (
            SECRET_FIELDS | set(getattr(model, "export_exclude", ())) | EXPORT_EXCLUDE.get(model._meta.label, set())
        )
        rows = [_row(obj, exclude) for obj in model._base_manager.filter(**{field.name: user}).order_by("pk")]
        if rows:
            # A model that moved to another app keeps the key it was exported under.
            records.setdefault(getattr(model, "export_label", model._meta.label), []).extend(rows)
    return UserExport(user=user, account=account, records=records)


def admin_mfa_device(user: User) -> TOTPDevice | None:
    """The staff member's confirmed TOTP device for the admin's second step, if set up."""
    if not user.is_authenticated:
        return None
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def pending_access_request_count() -> int:
    """Access requests waiting for staff's answer (the admin index shows it)."""
    return AccessRequest.objects.filter(status=AccessRequest.Status.PENDING).count()


def user_group_names(user: User) -> list[str]:
    """The names of the user's retreat groups, in the groups' order. One query."""
    return list(
        GroupMembership.objects.filter(user=user)
        .order_by("group__order", "group__name")
        .values_list("group__name", flat=True)
    )
