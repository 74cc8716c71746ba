"""Reads on accounts: the ``user`` object of API.md and the GDPR export."""

from __future__ import annotations

from django.db import models
from django.db.models.fields.files import FieldFile

from padmakara.api.formats import iso_datetime

from .models import User
from .services import user_foreign_keys

# Never exported, whatever model they are on: secrets, not personal data about the user.
SECRET_FIELDS = {"password", "token_hash", "code_hash", "mfa_secret", "session_key", "session_data"}


def user_preferences(user: User) -> dict:
    return {
        "language": user.language,
        "contentLanguage": user.content_language,
        "biometricEnabled": user.biometric_enabled,
        "notifications": user.notifications_enabled,
    }


def user_profile(user: User) -> dict:
    return {
        "id": str(user.uuid),
        "email": user.email,
        "name": user.name,
        "preferences": user_preferences(user),
        "subscription": {
            "status": user.effective_subscription_status,
            "plan": user.subscription_plan,
            "expiresAt": iso_datetime(user.subscription_expires_at),
        },
        "createdAt": iso_datetime(user.date_joined),
        "lastLogin": iso_datetime(user.last_login),
    }


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


def user_export(user: User) -> dict:
    """All personal data (GDPR access): the profile, then every row of every model with a FK
    to the user, found by introspection; secrets (hashes, TOTP seeds) are left out."""
    export = {"profile": user_profile(user), "account": _row(user, SECRET_FIELDS | {"id"})}
    records: dict[str, list] = {}
    for field in user_foreign_keys():
        model = field.model
        exclude = SECRET_FIELDS | set(getattr(model, "export_exclude", ()))
        rows = [_row(obj, exclude) for obj in model._base_manager.filter(**{field.name: user}).order_by("pk")]
        if rows:
            records.setdefault(model._meta.label, []).extend(rows)
    export["records"] = records
    return export
