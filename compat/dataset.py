"""The end-to-end data set of docs/compat-api.md "Test support": six users, one gathering per
audience, one group. Test support only (``COMPAT_TEST_SUPPORT``), never in production.

Seeding is idempotent: rows are found by their natural keys (emails, slugs, numbers), so a
second run changes nothing and ids stay stable for the app's specs.
"""

import datetime

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from fpdf import FPDF

from accounts.models import GroupMembership, User
from accounts.providers import get_provider
from demo.catalogue import render_tone
from retreats.models import Attendance, Audience, Retreat, RetreatGroup, Session, Teacher, Track, Transcript

USERS = ("nosub", "subscriber", "groupmember", "participant", "granted", "admin")
EVENTS = {
    "E2E-ANYONE": Audience.FREE_ANYONE,
    "E2E-SUBS": Audience.FREE_SUBSCRIBERS,
    "E2E-GROUP": Audience.GROUP_MEMBERS,
    "E2E-PART": Audience.PARTICIPANTS,
    "E2E-REQ": Audience.ON_REQUEST,
    "E2E-INIT": Audience.INITIATION,
}
GROUP_SLUG = "e2e-retreat-group"
GROUP_NAME = "E2E Retreat Group"
TRACK_SECONDS = 6.0


def email(key: str) -> str:
    return f"e2e-{key}@example.com"


def audience_name(slug: str) -> str:
    """The audience as the data set's titles write it: ``retreat-group-members`` → ``Retreat Group Members``."""
    return " ".join(word.capitalize() for word in slug.split("-"))


def event_title(code: str) -> str:
    return f"E2E Event – {audience_name(EVENTS[code])}"


def _pdf(title: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=14)
    pdf.cell(0, 10, title.replace("–", "-"))
    return bytes(pdf.output())


@transaction.atomic
def seed() -> dict:
    """Create what is missing; the data set's ids (:func:`dataset`)."""
    teacher, _ = Teacher.objects.get_or_create(abbreviation="E2ET", defaults={"name": "E2E Teacher"})
    group, _ = RetreatGroup.objects.get_or_create(slug=GROUP_SLUG, defaults={"name": GROUP_NAME})
    audio, duration = render_tone(ffmpeg=None, frequency=440, seconds=TRACK_SECONDS, title="E2E", artist="E2E")
    today = timezone.now().date()
    for index, (code, audience) in enumerate(EVENTS.items()):
        start = today - datetime.timedelta(days=30 + index)
        retreat, created = Retreat.objects.get_or_create(
            slug=code.lower(),
            defaults={
                "name": event_title(code),
                "start_date": start,
                "end_date": start + datetime.timedelta(days=2),
                "audience_id": audience,
                "status": Retreat.Status.PUBLISHED,
                "published_at": timezone.now(),
            },
        )
        if created:
            retreat.teachers.add(teacher)
            if code == "E2E-GROUP":
                retreat.groups.add(group)
        session, _ = Session.objects.get_or_create(
            retreat=retreat, order=1, defaults={"name": "Morning session", "type": Session.Type.MORNING, "date": start}
        )
        for number in (1, 2):
            track = Track.objects.filter(session=session, order=number).first()
            if track is None:
                name = default_storage.save(f"e2e/{code.lower()}-{number}.wav", ContentFile(audio))
                track = Track.objects.create(
                    session=session,
                    order=number,
                    title=f"{code} – Track {number}",
                    language="en",
                    languages=["en"],
                    original_language="en",
                    audio_file=name,
                    duration=duration,
                    file_size=len(audio),
                    processing_status=Track.ProcessingStatus.READY,
                )
            if number == 1 and not Transcript.objects.filter(track=track).exists():
                pdf = _pdf(f"{event_title(code)} transcript")
                name = default_storage.save(f"e2e/{code.lower()}.pdf", ContentFile(pdf))
                Transcript.objects.create(
                    track=track, language="en", pdf_file=name, page_count=1, file_size=len(pdf), status="ready"
                )
    _users(group)
    return dataset()


def _users(group: RetreatGroup) -> None:
    expires = timezone.now() + datetime.timedelta(days=365)
    subscribed = {"subscription_status": "active", "subscription_plan": "basic", "subscription_expires_at": expires}
    for key in USERS:
        defaults = {"name": f"E2E {key}", "email_verified": True}
        if key in ("subscriber", "groupmember", "participant"):
            defaults.update(subscribed)
        if key == "admin":
            defaults.update(is_staff=True, is_superuser=True)
        if not User.objects.filter(email=email(key)).exists():
            user = get_provider().create_account(email=email(key), name=defaults.pop("name"), language="en")
            User.objects.filter(pk=user.pk).update(**defaults)
    # The local provider's tokens name the account by ``cognito_sub`` (its uuid).
    for user in User.objects.filter(email__in=[email(key) for key in USERS], cognito_sub__isnull=True):
        User.objects.filter(pk=user.pk).update(cognito_sub=str(user.uuid))
    members = {
        "groupmember": [("group", group.pk)],
        "participant": [("attended", "E2E-PART")],
        "granted": [("granted", "E2E-REQ"), ("granted", "E2E-INIT")],
    }
    for key, facts in members.items():
        user = User.objects.get(email=email(key))
        for kind, value in facts:
            if kind == "group":
                GroupMembership.objects.get_or_create(user=user, group_id=value)
            else:
                gathering = Retreat.objects.get(slug=str(value).lower())
                Attendance.objects.get_or_create(user=user, gathering=gathering, defaults={"source": kind})


def dataset() -> dict:
    """``GET /api/test/dataset``: the seeded group and each event's ids."""
    groups = [
        {"id": g.pk, "slug": g.slug, "abbreviation": g.slug.split("-", 1)[0].upper(), "nameEn": g.name}
        for g in RetreatGroup.objects.filter(slug=GROUP_SLUG)
    ]
    events = {}
    for code in EVENTS:
        retreat = Retreat.objects.filter(slug=code.lower()).first()
        if retreat is None:
            continue
        tracks = list(
            Track.objects.filter(session__retreat=retreat)
            .order_by("session__order", "order")
            .values_list("id", flat=True)
        )
        events[code] = {
            "eventId": retreat.pk,
            "titleEn": retreat.name,
            "sessionIds": list(retreat.sessions.order_by("order").values_list("id", flat=True)),
            "trackIds": tracks,
            "transcriptIds": list(
                Transcript.objects.filter(track__session__retreat=retreat).order_by("id").values_list("id", flat=True)
            ),
        }
    return {"groups": groups, "events": events}


def user_by_email(address: str) -> User | None:
    return User.objects.filter(email=address.strip().lower()).first()


def user_by_id(pk: int) -> User | None:
    return User.objects.filter(pk=pk, is_active=True).first()
