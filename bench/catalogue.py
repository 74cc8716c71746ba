"""The catalogue the benchmarks read, at the real archive's size (``scale`` 1) or ten times
it, bulk-inserted into the current database (bench/content_api.py, bench/load.py)."""

import datetime
import random
from pathlib import Path

from django.db import connection

WORDS = Path(__file__).resolve().parent / "words"
GROUPS = 5
SESSIONS = 8
# The real archive (scale 1): 193 gatherings, 20,800 tracks.
GATHERINGS_AT_1 = 193
TRACKS_AT_1 = 20_800


def vocabulary() -> tuple[list[str], list[str]]:
    """The English and Portuguese content words of bench/words (comments left out)."""

    def read(name: str) -> list[str]:
        lines = (WORDS / name).read_text().splitlines()
        return [line.strip() for line in lines if line.strip() and not line.startswith("#")]

    return read("en.txt"), read("pt.txt")


def build_catalogue(scale: int, grants: int = 0) -> dict:
    """Bulk-inserts the catalogue (the summaries' triggers run, as for any write) and a reader;
    returns what the requests need. Titles are drawn, seeded, from bench/words."""
    from accounts.models import GroupMembership, User
    from retreats.models import (
        Attendance,
        Audience,
        Place,
        Retreat,
        RetreatGroup,
        Session,
        Tag,
        Teacher,
        Track,
        TrackSpeaker,
        Transcript,
    )

    gatherings = GATHERINGS_AT_1 * scale
    rng = random.Random(20)
    english, portuguese = vocabulary()
    teachers = Teacher.objects.bulk_create(
        Teacher(name=name, abbreviation=abbr)
        for name, abbr in [
            ("Jigme Khyentse Rinpoche", "JKR"),
            ("Khenpo Pema Sherab", "KPS"),
            ("Pema Wangyal Rinpoche", "PWR"),
        ]
    )
    places = Place.objects.bulk_create(
        Place(name=name, abbreviation=abbr, location=location)
        for name, abbr, location in [
            ("Chanteloube", "CHT", "Dordogne, France"),
            ("Quinta da Arrábida", "ARR", "Setúbal, Portugal"),
            ("Centro de Lisboa", "LIS", "Lisboa, Portugal"),
        ]
    )
    tags = Tag.objects.bulk_create(Tag(name=f"Tag {i}", name_pt=f"Etiqueta {i}", slug=f"tag-{i}") for i in range(6))
    groups = RetreatGroup.objects.bulk_create(
        RetreatGroup(name=f"Series {i}", name_pt=f"Série {i}", slug=f"series-{i}", order=i, description="A series.")
        for i in range(GROUPS)
    )
    audiences = Audience.SLUGS
    now = datetime.datetime.now(datetime.UTC)
    retreats = Retreat.objects.bulk_create(
        Retreat(
            name=f"Gathering {i}",
            name_pt=f"Encontro {i}",
            description="Teachings and practice.",
            description_pt="Ensinamentos e prática.",
            slug=f"gathering-{i}",
            start_date=datetime.date(1990 + i % 36, 4 if i % 2 else 10, 1 + i % 28),
            end_date=datetime.date(1990 + i % 36, 4 if i % 2 else 10, 1 + i % 28),
            season="spring" if i % 2 else "fall",
            status="published",
            published_at=now,
            audience_id=audiences[i % len(audiences)],
        )
        for i in range(gatherings)
    )
    Retreat.groups.through.objects.bulk_create(
        Retreat.groups.through(retreat_id=r.id, retreatgroup_id=groups[i % GROUPS].id) for i, r in enumerate(retreats)
    )
    # Most gatherings happen at one place, some at none (talks given online).
    Retreat.places.through.objects.bulk_create(
        Retreat.places.through(retreat_id=r.id, place_id=places[i % 3].id) for i, r in enumerate(retreats) if i % 7
    )
    sessions = Session.objects.bulk_create(
        Session(
            retreat=r,
            name=f"Day {s // 2 + 1} {'morning' if s % 2 == 0 else 'afternoon'}",
            name_pt=f"Dia {s // 2 + 1} {'manhã' if s % 2 == 0 else 'tarde'}",
            type="morning" if s % 2 == 0 else "afternoon",
            date=r.start_date + datetime.timedelta(days=s // 2),
            order=s + 1,
        )
        for r in retreats
        for s in range(SESSIONS)
    )
    # Half the tracks are English originals, half their Portuguese translations, spread over
    # the sessions as evenly as the numbers allow.
    originals_wanted = TRACKS_AT_1 * scale // 2
    per_session, extra = divmod(originals_wanted, len(sessions))
    originals = []
    batch = 20_000
    pending = [
        Track(
            session=s,
            title=" ".join(rng.sample(english, 3)).capitalize(),
            description="A talk.",
            order=n,
            language="en",
            languages=["en"],
            original_language="en",
            duration=1800.0 + n,
            file_size=30_000_000,
            processing_status="ready",
        )
        for k, s in enumerate(sessions)
        for n in range(1, per_session + (2 if k < extra else 1))
    ]
    for start in range(0, len(pending), batch):
        originals += Track.objects.bulk_create(pending[start : start + batch])
    translations = []
    pending = [
        Track(
            session=t.session,
            title=" ".join(rng.sample(portuguese, 3)).capitalize(),
            order=t.order,
            language="pt",
            languages=["pt"],
            original_language="en",
            original=t,
            duration=t.duration,
            processing_status="ready",
        )
        for t in originals
    ]
    for start in range(0, len(pending), batch):
        translations += Track.objects.bulk_create(pending[start : start + batch])
    Transcript.objects.bulk_create(
        (Transcript(track=t, language="en", page_count=12, status="ready") for t in originals), batch_size=batch
    )
    TrackSpeaker.objects.bulk_create(
        (TrackSpeaker(track=t, teacher=teachers[i % 3], position=0) for i, t in enumerate([*originals, *translations])),
        batch_size=batch,
    )
    Track.tags.through.objects.bulk_create(
        (
            Track.tags.through(track_id=t.id, tag_id=tags[k].id)
            for i, t in enumerate(originals)
            for k in (i % 6, (i + 1) % 6)
        ),
        batch_size=batch,
    )
    user = User.objects.create_user(
        "bench@example.org", password=None, name="Bench", content_language="en-pt", language="pt"
    )
    GroupMembership.objects.bulk_create(GroupMembership(user=user, group=g) for g in groups[:2])
    step = max(1, len(retreats) // max(1, 2 * grants))
    spread = retreats[::step][: 2 * grants]
    Attendance.objects.bulk_create(
        Attendance(user=user, gathering=r, source="granted" if i % 2 else "attended") for i, r in enumerate(spread)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "user": User.objects.get(pk=user.pk),
        "gatherings": len(retreats),
        "group": groups[0],
        "tracks": [t.uuid for t in translations],
        "groups": groups,
        "retreats": retreats,
        "track_count": len(originals) + len(translations),
        "sessions": len(sessions),
    }
