"""Reads of the catalogue for the content API.

The hot paths load rows with ``.values()`` (and ``.values_list()`` for tracks), which
``retreats.shapes`` turns into the bodies of docs/api.md: a list costs the same few queries
whether it holds 3 gatherings or 300, and no model instances are built for thousands of tracks.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, NullIf

from .access import AccessProfile, published_q
from .models import Audience, Retreat, RetreatGroup, Session, SyncVersion, Tag, Teacher, Track, TrackSpeaker, Transcript
from .sync_versions import NAMESPACES

# The listener's content language (``contentLanguage``) -> the languages a track must be heard in.
CONTENT_LANGUAGES = {"en": ("en",), "pt": ("pt",), "en-pt": ("en", "pt")}


@dataclass(frozen=True)
class Reader:
    """Who is reading and how: access profile, app language, content language."""

    profile: AccessProfile
    language: str = "en"
    content_language: str = "en"

    @property
    def content_codes(self) -> tuple[str, ...]:
        """The languages of the tracks this reader is shown (docs/api.md "Content")."""
        return CONTENT_LANGUAGES.get(self.content_language, ("en",))


@dataclass(frozen=True)
class RetreatFilters:
    year: int | None = None
    season: str | None = None


def heard_in_q(codes, prefix: str = "") -> Q:
    """Tracks with any of ``codes`` among their ``languages`` (a JSON list: each code is matched
    with its quotes, so ``"en"`` never matches inside another code)."""
    heard = Q(pk__in=[])
    for code in codes:
        heard |= Q(**{f"{prefix}languages__icontains": f'"{code}"'})
    return heard


def visible_tracks_q(reader: Reader) -> Q:
    """Tracks heard in the reader's content language; in a session where none is, every track
    of that session (a Tibetan or French session still shows what it has). A filter on Track."""
    codes = reader.content_codes
    nothing_heard = ~Exists(Track.objects.filter(heard_in_q(codes), session_id=OuterRef("session_id")))
    return heard_in_q(codes) | Q(nothing_heard)


def _count_subquery(queryset, group_field: str):
    counted = queryset.order_by().values(group_field).annotate(c=Count("pk")).values("c")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _gathering_rows(reader: Reader, through_filter: Q, filters: RetreatFilters | None = None):
    """Gatherings joined to their groups (a gathering may sit in several): one query."""
    Through = Retreat.groups.through
    sessions = Session.objects.filter(retreat_id=OuterRef("retreat_id"))
    # Tracks are counted per session and summed: a count over a join of every track with the
    # sessions is planned as a sequential scan of the track table for each gathering.
    # The tracks heard in the reader's languages, or every track where none is (visible_tracks_q,
    # counted without its per-track NOT EXISTS, which is planned badly inside these subqueries).
    heard = _count_subquery(
        Track.objects.filter(heard_in_q(reader.content_codes), session_id=OuterRef("pk")), "session_id"
    )
    every = _count_subquery(Track.objects.filter(session_id=OuterRef("pk")), "session_id")
    per_session = Coalesce(NullIf(heard, Value(0)), every)
    track_totals = (
        Session.objects.filter(retreat_id=OuterRef("retreat_id"))
        .order_by()
        .values("retreat_id")
        .annotate(total=Sum(per_session))
        .values("total")
    )
    queryset = Through.objects.filter(through_filter, published_q("retreat__"))
    if filters and filters.year:
        queryset = queryset.filter(retreat__start_date__year=filters.year)
    if filters and filters.season:
        queryset = queryset.filter(retreat__season=filters.season)
    return (
        queryset.annotate(  # type: ignore[misc]  # the plugin cannot see annotations on the auto-created through model
            playable=Exists(Retreat.objects.filter(reader.profile.playable_q(), pk=OuterRef("retreat_id"))),
            session_count=_count_subquery(sessions, "retreat_id"),
            track_count=Coalesce(Subquery(track_totals, output_field=IntegerField()), Value(0)),
        )
        .order_by("retreatgroup_id", "-retreat__start_date", "retreat__name")
        .values(
            "retreatgroup_id",
            "retreat_id",
            "retreat__uuid",
            "retreat__name",
            "retreat__name_pt",
            "retreat__description",
            "retreat__description_pt",
            "retreat__season",
            "retreat__start_date",
            "retreat__end_date",
            "retreat__required_plan",
            "retreat__audience_id",
            "retreat__audience__name",
            "retreat__audience__name_pt",
            "playable",
            "session_count",
            "track_count",
        )
    )


def _with_reasons(reader: Reader, rows) -> list[dict]:
    """Gathering rows with ``locked_reason``: None where playable, else why not (no query)."""
    rows = list(rows)
    for row in rows:
        row["locked_reason"] = (
            None
            if row["playable"]
            else reader.profile.reason(
                audience=row["retreat__audience_id"], required_plan=row["retreat__required_plan"]
            )
        )
    return rows


# A session's rows: the session (``.values()``) and its tracks (``session_id, *TRACK_SUMMARY_COLUMNS`` tuples).
SessionRows = tuple[Mapping[str, Any], list[tuple]]
# A gathering's rows: the gathering (``_gathering_rows``) and its sessions.
GatheringRows = tuple[Mapping[str, Any], list[SessionRows]]

TRACK_SUMMARY_COLUMNS = (
    "uuid",
    "title",
    "duration",
    "order",
    "language",
    "languages",
    "original_language",
    "has_transcript",
    "original__uuid",
    "part_number",
    "is_practice",
)
# Within a session: practices first, then by number (an original before its translation).
TRACK_ORDER = ("-is_practice", "order", "language")

_GROUP_FIELDS = ("id", "uuid", "name", "name_pt", "description", "description_pt", "image")


def groups_with_published_gatherings(filters: RetreatFilters):
    through = Retreat.groups.through.objects.filter(published_q("retreat__"), retreatgroup_id=OuterRef("pk"))
    if filters.year:
        through = through.filter(retreat__start_date__year=filters.year)
    if filters.season:
        through = through.filter(retreat__season=filters.season)
    return RetreatGroup.objects.filter(Exists(through)).order_by("order", "name")


def retreat_groups_page(
    reader: Reader, filters: RetreatFilters, *, limit: int, offset: int
) -> tuple[list[tuple[dict, list[dict]]], int]:
    """``GET /content/retreats``: a page of groups, each with its published gathering rows."""
    groups_qs = groups_with_published_gatherings(filters)
    groups = list(groups_qs.values(*_GROUP_FIELDS)[offset : offset + limit])
    # A short page that is not past the end tells the total without a COUNT (the usual case:
    # the whole catalogue has fewer groups than a page).
    total = offset + len(groups) if groups and len(groups) < limit else groups_qs.count()
    if not groups:
        return [], total
    gatherings_by_group = defaultdict(list)
    for row in _with_reasons(
        reader, _gathering_rows(reader, Q(retreatgroup_id__in=[g["id"] for g in groups]), filters)
    ):
        gatherings_by_group[row["retreatgroup_id"]].append(row)
    return [(group, gatherings_by_group[group["id"]]) for group in groups], total


def _sessions_with_tracks(reader: Reader, retreat_ids: list[int]) -> dict[int, list[SessionRows]]:
    """Sessions of these gatherings with their track rows: two queries in all."""
    sessions = list(
        Session.objects.filter(retreat_id__in=retreat_ids)
        .order_by("retreat_id", "order")
        .values("id", "retreat_id", "uuid", "name", "name_pt", "type", "date", "part_number")
    )
    tracks_by_session: defaultdict[int, list[tuple]] = defaultdict(list)
    # Every track is read and visible_tracks_q applied here, per session: cheaper than in SQL.
    track_rows = (
        Track.objects.filter(session__retreat_id__in=retreat_ids)
        .annotate(has_transcript=Exists(Transcript.objects.filter(track_id=OuterRef("pk"))))
        .order_by("session_id", *TRACK_ORDER)
        .values_list("session_id", *TRACK_SUMMARY_COLUMNS)
    )
    for track in track_rows:
        tracks_by_session[track[0]].append(track)
    wanted = set(reader.content_codes)
    languages_at = 1 + TRACK_SUMMARY_COLUMNS.index("languages")
    for session_id, tracks in tracks_by_session.items():
        heard = [track for track in tracks if wanted.intersection(track[languages_at])]
        if heard:
            tracks_by_session[session_id] = heard
    by_retreat: defaultdict[int, list[SessionRows]] = defaultdict(list)
    for session in sessions:
        by_retreat[session["retreat_id"]].append((session, tracks_by_session[session["id"]]))
    return by_retreat


def retreat_group_detail(reader: Reader, group_uuid) -> tuple[dict, list[GatheringRows]] | None:
    """``GET /content/retreat/{groupId}``: the group's row with its gatherings, sessions and tracks."""
    group = groups_with_published_gatherings(RetreatFilters()).filter(uuid=group_uuid).values(*_GROUP_FIELDS).first()
    if group is None:
        return None
    rows = _with_reasons(reader, _gathering_rows(reader, Q(retreatgroup_id=group["id"])))
    sessions = _sessions_with_tracks(reader, [row["retreat_id"] for row in rows])
    return group, [(row, sessions[row["retreat_id"]]) for row in rows]


def gathering_detail(reader: Reader, gathering_uuid) -> GatheringRows | None:
    """``GET /content/gathering/{id}``: one published gathering, in the rows of the group listing."""
    retreat = Retreat.objects.filter(published_q(), uuid=gathering_uuid).values("id").first()
    if retreat is None:
        return None
    # A gathering outside every group still has a detail page: read it through a stand-in row.
    rows = _with_reasons(reader, _gathering_rows(reader, Q(retreat_id=retreat["id"]))[:1])
    row = rows[0] if rows else _ungrouped_gathering_row(reader, retreat["id"])
    return row, _sessions_with_tracks(reader, [retreat["id"]])[retreat["id"]]


def _ungrouped_gathering_row(reader: Reader, retreat_id: int) -> dict:
    retreat = Retreat.objects.select_related("audience").get(pk=retreat_id)
    reason = reader.profile.reason_for_retreat(retreat)
    return {
        "retreat__uuid": retreat.uuid,
        "retreat__name": retreat.name,
        "retreat__name_pt": retreat.name_pt,
        "retreat__description": retreat.description,
        "retreat__description_pt": retreat.description_pt,
        "retreat__season": retreat.season,
        "retreat__start_date": retreat.start_date,
        "retreat__end_date": retreat.end_date,
        "session_count": retreat.sessions.count(),
        "track_count": Track.objects.filter(visible_tracks_q(reader), session__retreat=retreat).count(),
        "retreat__required_plan": retreat.required_plan,
        "retreat__audience_id": retreat.audience_id,
        "retreat__audience__name": retreat.audience.name,
        "retreat__audience__name_pt": retreat.audience.name_pt,
        "playable": reason is None,
        "locked_reason": reason,
    }


@dataclass(frozen=True)
class TrackRows:
    """One track's row, its gathering's groups (``id, uuid, name, name_pt``), its tags' names,
    its speakers (``name, abbreviation``, main first) and the access decision."""

    row: Mapping[str, Any]
    groups: list[tuple]
    tags: list[tuple[str, str]]
    speakers: list[tuple[str, str]]
    playable: bool
    locked_reason: str | None = None


def track_detail(reader: Reader, track_uuid) -> TrackRows | None:
    """``GET /content/track/{id}``: one track of a published gathering, locked or not.

    Four plain queries (track, its gathering's groups, its tags, its speakers) compile faster than one query
    with subqueries; the groups give both the ``retreat`` reference and the access decision."""
    rows = (
        Track.objects.filter(published_q("session__retreat__"), uuid=track_uuid)
        .order_by()
        .annotate(has_transcript=Exists(Transcript.objects.filter(track_id=OuterRef("pk"))))
        .values(
            "id",
            "uuid",
            "title",
            "description",
            "duration",
            "order",
            "language",
            "languages",
            "original_language",
            "part_number",
            "is_practice",
            "file_size",
            "original__uuid",
            "has_transcript",
            "session__uuid",
            "session__name",
            "session__name_pt",
            "session__date",
            "session__retreat_id",
            "session__retreat__uuid",
            "session__retreat__name",
            "session__retreat__name_pt",
            "session__retreat__audience_id",
            "session__retreat__required_plan",
        )[:1]
    )
    if not rows:
        return None
    row = rows[0]
    groups = list(
        RetreatGroup.objects.filter(retreats=row["session__retreat_id"])
        .order_by("order", "name")
        .values_list("id", "uuid", "name", "name_pt")
    )
    audience, plan = row["session__retreat__audience_id"], row["session__retreat__required_plan"]
    playable = reader.profile.can_play(
        audience=audience,
        required_plan=plan,
        group_ids={group[0] for group in groups},
        gathering_id=row["session__retreat_id"],
    )
    tags = list(Tag.objects.filter(tracks__id=row["id"]).values_list("name", "name_pt"))
    speakers = list(
        TrackSpeaker.objects.filter(track_id=row["id"])
        .order_by("position")
        .values_list("teacher__name", "teacher__abbreviation")
    )
    reason = None if playable else reader.profile.reason(audience=audience, required_plan=plan)
    return TrackRows(row=row, groups=groups, tags=tags, speakers=speakers, playable=playable, locked_reason=reason)


# --- Integer-keyed reads (the mobile app's compatibility API, docs/compat-api.md) -------------
# The same access rule and rows as above, keyed by primary key, each read a fixed number of
# queries however many gatherings or tracks it returns.

EVENT_COLUMNS = (
    "id",
    "name",
    "name_pt",
    "description",
    "description_pt",
    "start_date",
    "end_date",
    "status",
    "audience_id",
    "required_plan",
    "created_at",
    "updated_at",
)


@dataclass(frozen=True)
class EventRows:
    """Gatherings (``EVENT_COLUMNS`` dicts, newest first) with their relations by gathering id:
    teachers ``(id, name, abbreviation)``, places ``(id, name, abbreviation, location)`` and
    groups ``(id, name, name_pt, slug, uuid)``."""

    events: list[Mapping[str, Any]]
    teachers: dict[int, list[tuple]]
    places: dict[int, list[tuple]]
    groups: dict[int, list[tuple]]


def visible_events_q(profile: AccessProfile) -> Q:
    """Gatherings the profile may open: published and playable; staff see drafts too."""
    if profile.is_staff:
        return Q()
    return published_q() & profile.playable_q()


def _relations(model_through, retreat_ids: list[int], target: str, columns: tuple[str, ...]) -> dict[int, list]:
    rows = (
        model_through.objects.filter(retreat_id__in=retreat_ids)
        .order_by("retreat_id", f"{target}__{columns[1]}")
        .values_list("retreat_id", *(f"{target}__{column}" for column in columns))
    )
    by_retreat: defaultdict[int, list] = defaultdict(list)
    for retreat_id, *values in rows:
        by_retreat[retreat_id].append(tuple(values))
    return by_retreat


def event_rows(
    profile: AccessProfile, *, public_only: bool = False, group_id: int | None = None, event_ids=None
) -> EventRows:
    """The gatherings the profile may open (``public_only``: published ``free-anyone`` ones;
    ``group_id``: of one group; ``event_ids``: among these), with teachers, places and groups:
    four queries."""
    queryset = Retreat.objects.filter(visible_events_q(profile))
    if public_only:
        queryset = Retreat.objects.filter(published_q(), audience_id=Audience.FREE_ANYONE)
    if group_id is not None:
        queryset = queryset.filter(groups=group_id)
    if event_ids is not None:
        queryset = queryset.filter(pk__in=list(event_ids))
    events = list(queryset.order_by("-start_date", "name").values(*EVENT_COLUMNS))
    ids = [event["id"] for event in events]
    if not ids:
        return EventRows(events, {}, {}, {})
    return EventRows(
        events,
        teachers=_relations(Retreat.teachers.through, ids, "teacher", ("id", "name", "abbreviation")),
        places=_relations(Retreat.places.through, ids, "place", ("id", "name", "abbreviation", "location")),
        groups=_relations(Retreat.groups.through, ids, "retreatgroup", ("id", "name", "name_pt", "slug", "uuid")),
    )


@dataclass(frozen=True)
class EventDetailRows:
    """One gathering's :class:`EventRows`, its sessions (dicts), tracks (dicts by session id, with
    ``speaker`` and ``speaker_name`` of the main speaker) and transcripts (dicts)."""

    event: EventRows
    sessions: Sequence[Mapping[str, Any]]
    tracks: Mapping[int, Sequence[Mapping[str, Any]]]
    transcripts: Sequence[Mapping[str, Any]]


class EventLocked(Exception):
    """The gathering exists but the profile may not open it."""


def event_detail_rows(profile: AccessProfile, event_id: int, *, public_only: bool = False) -> EventDetailRows | None:
    """One gathering with everything under it; None when unknown (or a draft for a listener),
    :class:`EventLocked` when the access rule refuses it. Eight queries."""
    found = (
        Retreat.objects.filter(Q() if profile.is_staff else published_q(), pk=event_id)
        .annotate(playable=Exists(Retreat.objects.filter(visible_events_q(profile), pk=OuterRef("pk"))))
        .values("playable", "audience_id")
        .first()
    )
    if found is None:
        return None
    if not found["playable"] or (public_only and found["audience_id"] != Audience.FREE_ANYONE):
        raise EventLocked
    return _event_detail(event_id)


def _event_detail(event_id: int) -> EventDetailRows:
    events = list(Retreat.objects.filter(pk=event_id).values(*EVENT_COLUMNS))
    ids = [event_id]
    event = EventRows(
        events,
        teachers=_relations(Retreat.teachers.through, ids, "teacher", ("id", "name", "abbreviation")),
        places=_relations(Retreat.places.through, ids, "place", ("id", "name", "abbreviation", "location")),
        groups=_relations(Retreat.groups.through, ids, "retreatgroup", ("id", "name", "name_pt", "slug", "uuid")),
    )
    sessions = list(
        Session.objects.filter(retreat_id=event_id)
        .order_by("order", "date", "id")
        .values(
            "id", "name", "name_pt", "type", "date", "part_number", "order", "retreat_id", "created_at", "updated_at"
        )
    )
    main_speaker = TrackSpeaker.objects.filter(track_id=OuterRef("pk")).order_by("position")
    tracks: defaultdict[int, list[Mapping[str, Any]]] = defaultdict(list)
    for track in (
        Track.objects.filter(session__retreat_id=event_id)
        .annotate(
            speaker=Subquery(main_speaker.values("teacher__abbreviation")[:1]),
            speaker_name=Subquery(main_speaker.values("teacher__name")[:1]),
        )
        .order_by("session_id", *TRACK_ORDER)
        .values(
            "id",
            "session_id",
            "title",
            "duration",
            "file_size",
            "order",
            "language",
            "languages",
            "original_language",
            "original_id",
            "is_practice",
            "speaker",
            "speaker_name",
            "created_at",
            "updated_at",
        )
    ):
        tracks[track["session_id"]].append(track)
    transcripts = list(
        Transcript.objects.filter(track__session__retreat_id=event_id)
        .order_by("track__session__order", "track__order", "language")
        .values("id", "language", "page_count", "updated_at", "pdf_file", "track_id")
    )
    return EventDetailRows(event, sessions, tracks, transcripts)


def user_groups(profile: AccessProfile, user) -> list[Mapping[str, Any]]:
    """``GET /groups``: the groups the user belongs to and those holding a gathering the user may
    open (staff: every group), in their order. One query."""
    queryset = RetreatGroup.objects.all()
    if not profile.is_staff:
        opened = Retreat.groups.through.objects.filter(
            retreatgroup_id=OuterRef("pk"), retreat__in=Retreat.objects.filter(visible_events_q(profile))
        )
        queryset = queryset.filter(Q(Exists(opened)) | Q(pk__in=sorted(profile.group_ids)))
    return list(queryset.order_by("order", "name").values(*_GROUP_FIELDS, "slug", "created_at", "updated_at"))


def group_by_key(key: str) -> Mapping[str, Any] | None:
    """A group by its id, slug or (any case) its short name, the slug's first part. One query."""
    queryset = RetreatGroup.objects.all()
    match = Q(pk=int(key)) if key.isdigit() else Q(slug=key) | Q(slug__iexact=key) | Q(slug__istartswith=f"{key}-")
    return queryset.filter(match).order_by("order", "id").values(*_GROUP_FIELDS, "slug").first()


def teachers() -> list[Mapping[str, Any]]:
    return list(
        Teacher.objects.order_by("name").values("id", "name", "abbreviation", "bio", "created_at", "updated_at")
    )


def teacher_by_abbreviation(abbreviation: str) -> Mapping[str, Any] | None:
    return (
        Teacher.objects.filter(abbreviation__iexact=abbreviation)
        .values("id", "name", "abbreviation", "bio", "created_at", "updated_at")
        .first()
    )


def sync_versions() -> dict[str, int]:
    """The counter of each namespace (retreats/sync_versions.py). One query."""
    versions = dict(SyncVersion.objects.values_list("namespace", "version"))
    return {namespace: versions.get(namespace, 0) for namespace in NAMESPACES}


def track_rows_by_ids(profile: AccessProfile, track_ids) -> dict[int, Mapping[str, Any]]:
    """Published tracks among ``track_ids`` with their session and gathering, and whether the
    profile may play them. One query."""
    return {row["id"]: row for row in _track_rows(profile, Q(pk__in=list(track_ids)))}


def track_rows_by_uuids(profile: AccessProfile, track_uuids) -> dict:
    """:func:`track_rows_by_ids` keyed by uuid (search hits)."""
    return {row["uuid"]: row for row in _track_rows(profile, Q(uuid__in=list(track_uuids)))}


def _track_rows(profile: AccessProfile, which: Q) -> list[Mapping[str, Any]]:
    return list(
        Track.objects.filter(published_q("session__retreat__"), which)
        .annotate(playable=Exists(Retreat.objects.filter(profile.playable_q(), pk=OuterRef("session__retreat_id"))))
        .values(
            "id",
            "uuid",
            "title",
            "duration",
            "file_size",
            "order",
            "language",
            "languages",
            "original_language",
            "original_id",
            "is_practice",
            "session_id",
            "session__name",
            "session__name_pt",
            "session__type",
            "session__date",
            "session__part_number",
            "session__order",
            "session__retreat_id",
            "session__retreat__name",
            "session__retreat__name_pt",
            "session__retreat__start_date",
            "session__retreat__end_date",
            "playable",
            "created_at",
            "updated_at",
        )
    )


def event_titles(event_ids) -> dict[int, dict[str, Any]]:
    """Published gatherings' ``id, name, name_pt, start_date, end_date`` by id, with their
    teachers' names (``teachers``). Two queries."""
    events: dict[int, dict[str, Any]] = {
        row["id"]: {**row, "teachers": []}
        for row in Retreat.objects.filter(published_q(), pk__in=list(event_ids)).values(
            "id", "name", "name_pt", "start_date", "end_date"
        )
    }
    if events:
        for retreat_id, names in _relations(Retreat.teachers.through, list(events), "teacher", ("id", "name")).items():
            events[retreat_id]["teachers"] = [name for _id, name in names]
    return events


def session_event_id(session_id: int) -> int | None:
    """The gathering of a session (the app opens sessions by id). One query."""
    return Session.objects.filter(pk=session_id).values_list("retreat_id", flat=True).first()
