"""How values read, on the wire (docs/api.md conventions) and to staff: the one formatter of each kind."""

import datetime

from django.utils import timezone


def iso_datetime(value: datetime.datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``, to the second, as docs/api.md asks; None stays None."""
    if value is None:
        return None
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_iso() -> str:
    return timezone.now().astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def clock(seconds: float | None) -> str:
    """A duration as ``h:mm:ss`` (``0:03:05``; ``1234:00:00`` for a whole archive), however long."""
    hours, rest = divmod(round(seconds or 0), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"
