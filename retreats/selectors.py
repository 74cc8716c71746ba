"""Reads of the catalogue for the content API.

The hot paths load rows with ``.values()`` (and ``.values_list()`` for tracks), which
``retreats.shapes`` turns into the bodies of docs/api.md: a list costs the same few queries
whether it holds 3 gatherings or 300, and no model instances are built for thousands of tracks.
Lists read the summary rows of ``retreats.summaries`` and never a track.
"""

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, JSONObject, RowNumber

from padmakara.precompiled import Precompiled

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


# The summary column counting the tracks a listener of each content language is shown.
VISIBLE_COUNT = {"en": "visible_en_count", "pt": "visible_pt_count", "en-pt": "visible_en_pt_count"}
# The gathering summary's columns a list shows (retreats.summaries keeps them current).
SUMMARY_COLUMNS = ("session_count", "practice_count", "transcript_count", "duration", "languages", "changed_at")
GATHERING_ORDER = ("-retreat__start_date", "retreat__name")


def _count_subquery(queryset, group_field: str):
    counted = queryset.order_by().values(group_field).annotate(c=Count("pk")).values("c")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _group_ids_subquery():
    """The ids of a gathering's groups, as an array (PostgreSQL): the access rule needs them."""
    return ArraySubquery(
        Retreat.groups.through.objects.filter(retreat_id=OuterRef("retreat_id"))
        .order_by("retreatgroup_id")
        .values("retreatgroup_id")
    )


def _places_subquery():
    """A gathering's places, as an array of JSON objects (PostgreSQL), by name."""
    return ArraySubquery(
        Retreat.places.through.objects.filter(retreat_id=OuterRef("retreat_id"))
        .order_by("place__name")
        .values(
            row=JSONObject(
                name="place__name",
                abbreviation="place__abbreviation",
                location="place__location",
                photo="place__photo",
            )
        )
    )


GATHERING_COLUMNS = (
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
    "track_count",
    *SUMMARY_COLUMNS,
)


def _gathering_rows(
    content_language: str,
    through_filter: Q,
    filters: RetreatFilters | None = None,
    *,
    through=None,
    owner: str = "retreatgroup_id",
    places: bool = False,
    profile: AccessProfile | None = None,
):
    """Gatherings joined to their groups (a gathering may sit in several) and to their summary
    rows: one query, which never reads a track. ``through`` and ``owner`` join them to something
    else (a teacher's: ``teacher_id``). The access rule is applied by ``_with_reasons`` to the
    rows, so that the SQL does not depend on who reads (``Precompiled`` keeps it): on
    PostgreSQL the rows carry their groups' ids (and with ``places`` their places) as arrays."""
    Through = through or Retreat.groups.through
    queryset = Through.objects.filter(through_filter, published_q("retreat__"))
    if filters and filters.year:
        queryset = queryset.filter(retreat__start_date__year=filters.year)
    if filters and filters.season:
        queryset = queryset.filter(retreat__season=filters.season)
    summary = {column: Coalesce(F(f"retreat__summary__{column}"), Value(0)) for column in SUMMARY_COLUMNS[:3]}
    visible = f"retreat__summary__{VISIBLE_COUNT.get(content_language, 'visible_en_count')}"
    arrays: dict[str, Any] = {}
    if connection.vendor == "postgresql":
        arrays["group_ids"] = _group_ids_subquery()
        if places:
            arrays["place_rows"] = _places_subquery()
    elif profile is not None:  # SQLite (make run): the rule in SQL, as no array can carry the groups
        arrays["playable"] = Exists(Retreat.objects.filter(profile.playable_q(), pk=OuterRef("retreat_id")))
    return queryset.annotate(
        track_count=Coalesce(F(visible), Value(0)),
        **summary,
        duration=Coalesce(F("retreat__summary__duration"), Value(0.0)),
        languages=F("retreat__summary__languages"),
        changed_at=F("retreat__summary__changed_at"),
        **arrays,
    ).values(owner, *GATHERING_COLUMNS, *arrays)


def _with_reasons(reader: Reader, rows, *, raw: bool = False) -> list[dict]:
    """Gathering rows with ``playable`` and ``locked_reason`` (None where playable, else why
    not), by the access rule applied to each row; ``places`` where the rows read them. On
    PostgreSQL no query (the rows carry their groups); elsewhere one for all the rows' groups.
    ``raw``: rows as the driver reads them (``Precompiled``), converted here."""
    rows = list(rows)
    if rows and "group_ids" not in rows[0] and "playable" not in rows[0]:
        group_ids = defaultdict(list)
        links = Retreat.groups.through.objects.filter(retreat_id__in={row["retreat_id"] for row in rows})
        for retreat_id, group_id in links.values_list("retreat_id", "retreatgroup_id"):
            group_ids[retreat_id].append(group_id)
        for row in rows:
            row["group_ids"] = group_ids[row["retreat_id"]]
    profile = reader.profile
    for row in rows:
        if raw:
            # Django reads jsonb as text; its field converters are not applied to raw rows.
            row["languages"] = orjson.loads(row["languages"]) if row["languages"] else None
        if "place_rows" in row:
            row["places"] = [
                (place["name"], place["abbreviation"], place["location"], place["photo"])
                for place in map(orjson.loads, row.pop("place_rows"))
            ]
        audience, plan = row["retreat__audience_id"], row["retreat__required_plan"]
        if "group_ids" in row:
            row["playable"] = profile.can_play(
                audience=audience, required_plan=plan, group_ids=row["group_ids"] or (), gathering_id=row["retreat_id"]
            )
        row["locked_reason"] = None if row["playable"] else profile.reason(audience=audience, required_plan=plan)
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
    "read_along_checksum",
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


def _list_gathering_rows(
    content_language: str,
    group_ids,
    filters: RetreatFilters | None,
    per_group,
    *,
    as_array: bool = False,
    profile: AccessProfile | None = None,
):
    """Each group's ``per_group`` latest published gathering rows, with the group's count.
    ``as_array``: the ids as one array parameter (PostgreSQL), however many there are."""
    if as_array:
        in_groups = Q(retreatgroup_id__in=RawSQL("SELECT unnest(%s::bigint[])", (group_ids,)))
    else:
        in_groups = Q(retreatgroup_id__in=group_ids)
    by_group = F("retreatgroup_id")
    return (
        _gathering_rows(content_language, in_groups, filters, profile=profile)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=by_group,
                order_by=[F(f) if f[0] != "-" else F(f[1:]).desc() for f in GATHERING_ORDER],
            ),
            gathering_count=Window(Count("pk"), partition_by=by_group),
        )
        .filter(rank__lte=per_group)
        .order_by("retreatgroup_id", *GATHERING_ORDER)
    )


# The home list without filters, as one compiled statement per content language (PostgreSQL).
_LIST_GATHERINGS = Precompiled(
    lambda content_language, group_ids, per_group: _list_gathering_rows(
        content_language, group_ids, None, per_group, as_array=True
    ),
    group_ids=list,
    per_group=int,
)


def retreat_groups_page(
    reader: Reader, filters: RetreatFilters, *, limit: int, offset: int, per_group: int
) -> tuple[list[tuple[dict, list[dict]]], int]:
    """``GET /content/retreats``: a page of groups, each with its ``per_group`` latest published
    gathering rows; every group row gets ``gathering_count`` (all of them, in the filters)."""
    groups_qs = groups_with_published_gatherings(filters)
    groups = list(groups_qs.values(*_GROUP_FIELDS)[offset : offset + limit])
    # A short page that is not past the end tells the total without a COUNT (the usual case:
    # the whole catalogue has fewer groups than a page).
    total = offset + len(groups) if groups and len(groups) < limit else groups_qs.count()
    if not groups:
        return [], total
    group_ids = [g["id"] for g in groups]
    if connection.vendor == "postgresql" and not (filters.year or filters.season):
        rows = _with_reasons(
            reader,
            _LIST_GATHERINGS.rows(reader.content_language, group_ids=group_ids, per_group=per_group),
            raw=True,
        )
    else:
        rows = _with_reasons(
            reader, _list_gathering_rows(reader.content_language, group_ids, filters, per_group, profile=reader.profile)
        )
    gatherings_by_group = defaultdict(list)
    for row in rows:
        gatherings_by_group[row["retreatgroup_id"]].append(row)
    for group in groups:
        gatherings = gatherings_by_group[group["id"]]
        group["gathering_count"] = gatherings[0]["gathering_count"] if gatherings else 0
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


def _group_gathering_rows(content_language: str, group_id, profile: AccessProfile | None = None):
    return (
        _gathering_rows(content_language, Q(retreatgroup_id=group_id), places=True, profile=profile)
        .annotate(gathering_count=Window(Count("pk")))
        .order_by(*GATHERING_ORDER)
    )


# A group page's two statements, compiled once (per content language) on PostgreSQL.
_GROUP_ROW = Precompiled(
    lambda _variant, group_uuid: (
        groups_with_published_gatherings(RetreatFilters()).filter(uuid=group_uuid).values(*_GROUP_FIELDS)[:1]
    ),
    group_uuid=uuid.UUID,
)
_GROUP_GATHERINGS = Precompiled(_group_gathering_rows, paged=True, group_id=int)


def retreat_group_detail(reader: Reader, group_uuid, *, limit: int, offset: int) -> tuple[dict, list[dict], int] | None:
    """``GET /content/retreat/{groupId}``: the group's row, a page of its published gathering
    rows (summaries and places, no tracks: those come with the gathering detail) and their
    number. Two queries on PostgreSQL (compiled once), three elsewhere."""
    if connection.vendor == "postgresql":
        try:
            found = _GROUP_ROW.rows(group_uuid=uuid.UUID(str(group_uuid)))
        except ValueError:
            return None
        group = found[0] if found else None
    else:
        group = (
            groups_with_published_gatherings(RetreatFilters()).filter(uuid=group_uuid).values(*_GROUP_FIELDS).first()
        )
    if group is None:
        return None
    if connection.vendor == "postgresql":
        rows = _GROUP_GATHERINGS.rows(reader.content_language, group_id=group["id"], limit=limit, offset=offset)
        rows = _with_reasons(reader, rows, raw=True)
    else:
        queryset = _group_gathering_rows(reader.content_language, group["id"], reader.profile)[offset : offset + limit]
        rows = with_places(_with_reasons(reader, queryset))
    if rows:
        total = rows[0]["gathering_count"]
    else:  # past the end: the window counted nothing
        total = Retreat.groups.through.objects.filter(published_q("retreat__"), retreatgroup_id=group["id"]).count()
    group["gathering_count"] = total
    return group, rows, total


def gathering_detail(reader: Reader, gathering_uuid) -> GatheringRows | None:
    """``GET /content/gathering/{id}``: one published gathering, in the rows of the group listing."""
    retreat = Retreat.objects.filter(published_q(), uuid=gathering_uuid).values("id").first()
    if retreat is None:
        return None
    # A gathering outside every group still has a detail page: read it through a stand-in row.
    rows = _with_reasons(
        reader,
        _gathering_rows(reader.content_language, Q(retreat_id=retreat["id"]), profile=reader.profile).order_by()[:1],
    )
    row = rows[0] if rows else _ungrouped_gathering_row(reader, retreat["id"])
    row["retreat_id"] = retreat["id"]
    with_places([row])
    return row, _sessions_with_tracks(reader, [retreat["id"]])[retreat["id"]]


def _ungrouped_gathering_row(reader: Reader, retreat_id: int) -> dict:
    retreat = Retreat.objects.select_related("audience", "summary").get(pk=retreat_id)
    reason = reader.profile.reason_for_retreat(retreat)
    summary = retreat.summary
    return {
        "retreat__uuid": retreat.uuid,
        "retreat__name": retreat.name,
        "retreat__name_pt": retreat.name_pt,
        "retreat__description": retreat.description,
        "retreat__description_pt": retreat.description_pt,
        "retreat__season": retreat.season,
        "retreat__start_date": retreat.start_date,
        "retreat__end_date": retreat.end_date,
        "track_count": getattr(summary, VISIBLE_COUNT.get(reader.content_language, "visible_en_count")),
        **{column: getattr(summary, column) for column in SUMMARY_COLUMNS},
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


def _track_detail_queryset(track_uuid, related: bool):
    """The track's row (with, on PostgreSQL, its groups, tags and speakers as arrays)."""
    tracks = (
        Track.objects.filter(published_q("session__retreat__"), uuid=track_uuid)
        .order_by()
        .annotate(has_transcript=Exists(Transcript.objects.filter(track_id=OuterRef("pk"))))
    )
    if related:
        tracks = tracks.annotate(
            group_rows=ArraySubquery(
                RetreatGroup.objects.filter(retreats=OuterRef("session__retreat_id"))
                .order_by("order", "name")
                .values(row=JSONObject(id="id", uuid="uuid", name="name", name_pt="name_pt"))
            ),
            tag_rows=ArraySubquery(
                Tag.objects.filter(tracks=OuterRef("pk")).values(row=JSONObject(name="name", name_pt="name_pt"))
            ),
            speaker_rows=ArraySubquery(
                TrackSpeaker.objects.filter(track_id=OuterRef("pk"))
                .order_by("position")
                .values(row=JSONObject(name="teacher__name", abbreviation="teacher__abbreviation"))
            ),
        )
    return tracks.values(
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
        "read_along_checksum",
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
        *(("group_rows", "tag_rows", "speaker_rows") if related else ()),
    )[:1]


# The track detail's statement on PostgreSQL, compiled once per process: building and
# compiling the queryset cost more than running it (about 60% of the selector's time).
_TRACK_ROW = Precompiled(
    lambda _variant, track_uuid: _track_detail_queryset(track_uuid, related=True), track_uuid=uuid.UUID
)


def _track_detail_row(track_uuid) -> dict | None:
    try:
        found = _TRACK_ROW.rows(track_uuid=uuid.UUID(str(track_uuid)))
    except ValueError:
        return None
    if not found:
        return None
    row = found[0]
    # Django reads jsonb as text: the fields' own conversion, done here.
    row["languages"] = orjson.loads(row["languages"])
    for name in ("group_rows", "tag_rows", "speaker_rows"):
        row[name] = [orjson.loads(item) for item in row[name]]
    return row


def track_detail(reader: Reader, track_uuid) -> TrackRows | None:
    """``GET /content/track/{id}``: one track of a published gathering, locked or not.

    On PostgreSQL one query, compiled once: the track with its gathering's groups, its tags and
    its speakers as arrays. Elsewhere (SQLite for ``make run``) three more plain queries read
    those. The groups give both the ``retreat`` reference and the access decision."""
    related = connection.vendor == "postgresql"
    if related:
        row = _track_detail_row(track_uuid)
    else:
        rows = _track_detail_queryset(track_uuid, related=False)
        row = rows[0] if rows else None
    if row is None:
        return None
    if related:
        groups = [(g["id"], g["uuid"], g["name"], g["name_pt"]) for g in row["group_rows"]]
        tags = [(t["name"], t["name_pt"]) for t in row["tag_rows"]]
        speakers = [(s["name"], s["abbreviation"]) for s in row["speaker_rows"]]
    else:
        groups = list(
            RetreatGroup.objects.filter(retreats=row["session__retreat_id"])
            .order_by("order", "name")
            .values_list("id", "uuid", "name", "name_pt")
        )
        tags = list(Tag.objects.filter(tracks__id=row["id"]).values_list("name", "name_pt"))
        speakers = list(
            TrackSpeaker.objects.filter(track_id=row["id"])
            .order_by("position")
            .values_list("teacher__name", "teacher__abbreviation")
        )
    audience, plan = row["session__retreat__audience_id"], row["session__retreat__required_plan"]
    playable = reader.profile.can_play(
        audience=audience,
        required_plan=plan,
        group_ids={group[0] for group in groups},
        gathering_id=row["session__retreat_id"],
    )
    reason = None if playable else reader.profile.reason(audience=audience, required_plan=plan)
    return TrackRows(row=row, groups=groups, tags=tags, speakers=speakers, playable=playable, locked_reason=reason)


# --- Places, teachers ------------------------------------------------------------------------

PLACE_COLUMNS = ("retreat_id", "place__name", "place__abbreviation", "place__location", "place__photo")


def places_of(retreat_ids) -> dict[int, list[tuple]]:
    """The places of these gatherings (``PLACE_COLUMNS`` less ``retreat_id``), by gathering: one query."""
    by_retreat: defaultdict[int, list[tuple]] = defaultdict(list)
    rows = (
        Retreat.places.through.objects.filter(retreat_id__in=list(retreat_ids))
        .order_by("retreat_id", "place__name")
        .values_list(*PLACE_COLUMNS)
    )
    for retreat_id, *place in rows:
        by_retreat[retreat_id].append(tuple(place))
    return by_retreat


def with_places(rows: list[dict]) -> list[dict]:
    """Gathering rows with ``places`` (one query for all of them)."""
    places = places_of({row["retreat_id"] for row in rows})
    for row in rows:
        row["places"] = places[row["retreat_id"]]
    return rows


TEACHER_COLUMNS = ("id", "name", "abbreviation", "bio", "avatar", "hero")


def _published_teachers():
    """Teachers of at least one published gathering, with how many (one query)."""
    links = Retreat.teachers.through.objects.filter(published_q("retreat__"), teacher_id=OuterRef("pk"))
    counted = _count_subquery(links, "teacher_id")
    return Teacher.objects.annotate(gathering_count=counted).filter(gathering_count__gt=0)


def teachers_page(*, limit: int, offset: int) -> tuple[list[dict], int]:
    """``GET /content/teachers``: a page of the teachers of published gatherings, by name."""
    teachers = _published_teachers().order_by("name", "abbreviation")
    rows = list(teachers.values(*TEACHER_COLUMNS, "gathering_count")[offset : offset + limit])
    total = offset + len(rows) if rows and len(rows) < limit else teachers.count()
    return rows, total


def teacher_detail(reader: Reader, abbreviation: str) -> tuple[dict, list[dict]] | None:
    """``GET /content/teachers/{abbreviation}``: the teacher and their published gatherings,
    each locked or not for the reader, with its places: three queries."""
    teacher = (
        _published_teachers().filter(abbreviation=abbreviation).values(*TEACHER_COLUMNS, "gathering_count").first()
    )
    if teacher is None:
        return None
    rows = _with_reasons(
        reader,
        _gathering_rows(
            reader.content_language,
            Q(teacher_id=teacher["id"]),
            through=Retreat.teachers.through,
            owner="teacher_id",
            profile=reader.profile,
        ).order_by(*GATHERING_ORDER),
    )
    return teacher, with_places(rows)


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
            "read_along_checksum",
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
        Teacher.objects.order_by("name").values(
            "id", "name", "abbreviation", "bio", "avatar", "hero", "created_at", "updated_at"
        )
    )


def teacher_by_abbreviation(abbreviation: str) -> Mapping[str, Any] | None:
    return (
        Teacher.objects.filter(abbreviation__iexact=abbreviation)
        .values("id", "name", "abbreviation", "bio", "avatar", "hero", "created_at", "updated_at")
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
