"""The staff dashboard's figures: one aggregate query per chart, whatever the size of the data.

Each function takes the same :class:`Filters` (a date range, and optionally a retreat group and
an audience: only the gatherings of that group, of that audience) and returns plain values; :func:`dashboard` gathers them and caches the result per filter set.
Sources that are not installed (offline bundles before the media app has them) come back as
``None`` and the chart says so.
"""

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate, TruncWeek

from accounts.models import GroupMembership, User
from retreats.models import Retreat, Track, Transcript
from subscriptions import selectors as subscription_reports

MAX_DAYS = 366


@dataclass(frozen=True)
class Filters:
    start: datetime.date
    end: datetime.date  # inclusive
    group_id: int | None = None
    audience: str | None = None  # an Audience slug (retreats.models.Audience)

    @property
    def since(self) -> datetime.datetime:
        return datetime.datetime.combine(self.start, datetime.time.min, tzinfo=datetime.UTC)

    @property
    def until(self) -> datetime.datetime:
        return datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC)

    @property
    def cache_key(self) -> str:
        return (
            f"dashboard:v3:{self.start.isoformat()}:{self.end.isoformat()}:{self.group_id or '-'}"
            f":{self.audience or '-'}"
        )

    def days(self) -> list[datetime.date]:
        return [self.start + datetime.timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def weeks(self) -> list[datetime.date]:
        monday = self.start - datetime.timedelta(days=self.start.weekday())
        return [monday + datetime.timedelta(weeks=n) for n in range((self.end - monday).days // 7 + 1)]


def _model(label: str):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _retreats_of_group(group_id: int):
    return Retreat.groups.through.objects.filter(retreatgroup_id=group_id).values("retreat_id")


def _of_gatherings(rows, filters: Filters, prefix: str):
    """``rows`` of the chosen group's and audience's gatherings; ``prefix`` leads to the Retreat's
    id (``track__session__retreat_id``, ``session__retreat_id``...)."""
    if filters.group_id:
        rows = rows.filter(**{f"{prefix}__in": _retreats_of_group(filters.group_id)})
    if filters.audience:
        rows = rows.filter(**{prefix.removesuffix("_id") + "__audience_id": filters.audience})
    return rows


def _played_in_period(label: str, played_field: str, filters: Filters):
    """The rows of the progress model ``label`` played in the period (``played_field``), of the
    group's and audience's gatherings when chosen; None when the progress app is not installed."""
    model = _model(label)
    if model is None:
        return None
    rows = model.objects.filter(**{f"{played_field}__gte": filters.since, f"{played_field}__lt": filters.until})
    return _of_gatherings(rows, filters, "track__session__retreat_id")


def _sessions(filters: Filters):
    return _played_in_period("progress.ListeningSession", "played_at", filters)


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def listening_hours_per_day(filters: Filters) -> list[tuple[datetime.date, float]] | None:
    rows = _sessions(filters)
    if rows is None:
        return None
    by_day = {
        _as_date(r["day"]): (r["seconds"] or 0) / 3600
        for r in rows.annotate(day=TruncDate("played_at", tzinfo=datetime.UTC))
        .values("day")
        .annotate(seconds=Sum("seconds"))
        .order_by()
    }
    return [(day, by_day.get(day, 0)) for day in filters.days()]


def active_listeners_per_week(filters: Filters) -> list[tuple[datetime.date, int]] | None:
    rows = _sessions(filters)
    if rows is None:
        return None
    by_week = {
        _as_date(r["week"]): r["users"]
        for r in rows.annotate(week=TruncWeek("played_at", tzinfo=datetime.UTC))
        .values("week")
        .annotate(users=Count("user_id", distinct=True))
        .order_by()
    }
    return [(week, by_week.get(week, 0)) for week in filters.weeks()]


def most_played_tracks(filters: Filters, limit: int = 10) -> list[dict] | None:
    rows = _sessions(filters)
    if rows is None:
        return None
    return list(
        rows.values("track_id", "track__title", "track__language", "track__session__retreat__name")
        .annotate(plays=Count("id"), seconds=Sum("seconds"))
        .order_by("-seconds", "-plays", "track_id")[:limit]
    )


def most_played_gatherings(filters: Filters, limit: int = 10) -> list[dict] | None:
    rows = _sessions(filters)
    if rows is None:
        return None
    return list(
        rows.values("track__session__retreat_id", "track__session__retreat__name")
        .annotate(listeners=Count("user_id", distinct=True), seconds=Sum("seconds"))
        .order_by("-seconds", "track__session__retreat_id")[:limit]
    )


def completion_per_gathering(filters: Filters, limit: int = 10) -> list[dict] | None:
    """Of the tracks people played in the period, the share they finished, per gathering."""
    rows = _played_in_period("progress.TrackProgress", "last_played", filters)
    if rows is None:
        return None
    return list(
        rows.values("track__session__retreat_id", "track__session__retreat__name")
        .annotate(started=Count("id"), completed=Count("id", filter=Q(completed=True)))
        .order_by("-started", "track__session__retreat_id")[:limit]
    )


def sign_ups_per_day(filters: Filters) -> list[tuple[datetime.date, int]]:
    rows = User.objects.filter(date_joined__gte=filters.since, date_joined__lt=filters.until)
    # Sign-ups belong to no gathering: the group filter counts its members, the audience none.
    if filters.group_id:
        rows = rows.filter(pk__in=GroupMembership.objects.filter(group_id=filters.group_id).values("user_id"))
    by_day = {
        _as_date(r["day"]): r["n"]
        for r in rows.annotate(day=TruncDate("date_joined", tzinfo=datetime.UTC))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    }
    return [(day, by_day.get(day, 0)) for day in filters.days()]


def processing_failures(filters: Filters) -> dict:
    """Tracks and transcripts whose processing failed (by when they last changed), plus the latest few."""
    tracks = _of_gatherings(
        Track.objects.filter(processing_status=Track.ProcessingStatus.FAILED), filters, "session__retreat_id"
    )
    transcripts = _of_gatherings(
        Transcript.objects.filter(status=Transcript.Status.FAILED), filters, "track__session__retreat_id"
    )
    in_period = {"updated_at__gte": filters.since, "updated_at__lt": filters.until}
    counts = (
        tracks.filter(**in_period).aggregate(n=Count("id"))["n"],
        transcripts.filter(**in_period).aggregate(n=Count("id"))["n"],
    )
    latest = list(
        tracks.filter(**in_period)
        .order_by("-updated_at")
        .values("id", "title", "processing_error", "updated_at", "session__retreat__name")[:8]
    )
    return {"tracks": counts[0], "transcripts": counts[1], "latest": latest}


def bundle_outcomes(filters: Filters) -> dict | None:
    """Offline bundles made in the period by outcome; None until the media app provides them."""
    DownloadBundle = _model("media.DownloadBundle")
    if DownloadBundle is None:
        return None
    rows = DownloadBundle.objects.filter(created_at__gte=filters.since, created_at__lt=filters.until)
    by_status = dict(rows.values_list("status").annotate(n=Count("id")).order_by())
    latest = list(rows.filter(status="failed").order_by("-created_at").values("uuid", "error", "created_at")[:5])
    return {"by_status": by_status, "latest_failed": latest}


def subscribers_per_week(filters: Filters) -> list[tuple[datetime.date, int]]:
    """Members with paid time running at the end of each week of the period (or its last day)."""
    weeks = filters.weeks()
    moments = [
        min(
            datetime.datetime.combine(week + datetime.timedelta(days=7), datetime.time.min, tzinfo=datetime.UTC),
            filters.until,
        )
        for week in weeks
    ]
    return list(zip(weeks, subscription_reports.active_subscribers_at(moments), strict=True))


def income_per_month(filters: Filters) -> list[dict]:
    """Income per month and source (from the first of the period's first month)."""
    since = datetime.datetime.combine(filters.start.replace(day=1), datetime.time.min, tzinfo=datetime.UTC)
    return subscription_reports.income_per_month(since, filters.until)


def about_to_lapse() -> list[dict]:
    return [
        {
            "subscription_id": s.pk,
            "email": s.user.email,
            "name": s.user.name,
            "paid_until": s.paid_until,
            "source": s.get_source_display(),
            "status": s.get_status_display(),
        }
        for s in subscription_reports.about_to_lapse()
    ]


def dashboard(filters: Filters) -> dict:
    """Every figure of the dashboard for ``filters``, cached for DASHBOARD_CACHE_SECONDS."""

    def compute():
        return {
            "listening": listening_hours_per_day(filters),
            "listeners": active_listeners_per_week(filters),
            "tracks": most_played_tracks(filters),
            "gatherings": most_played_gatherings(filters),
            "completion": completion_per_gathering(filters),
            "sign_ups": sign_ups_per_day(filters),
            "failures": processing_failures(filters),
            "bundles": bundle_outcomes(filters),
            # Subscriptions belong to no gathering: the group and audience filters do not apply.
            "subscribers": subscribers_per_week(filters),
            "income": income_per_month(filters),
            "lapsing": about_to_lapse(),
        }

    return cache.get_or_set(filters.cache_key, compute, timeout=settings.DASHBOARD_CACHE_SECONDS) or {}
