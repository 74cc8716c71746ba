"""How values look on the wire (API.md conventions): the one formatter of each kind."""

import datetime

from django.utils import timezone


def iso_datetime(value: datetime.datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``, to the second, as API.md asks; None stays None."""
    if value is None:
        return None
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_iso() -> str:
    return iso_datetime(timezone.now())
