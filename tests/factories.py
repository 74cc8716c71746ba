"""Small builders for tests: each makes only what a test asks for."""

import datetime
import itertools

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import GroupMembership, User
from retreats.models import (
    Attendance,
    Retreat,
    RetreatGroup,
    Session,
    Teacher,
    Track,
    TrackSpeaker,
    Transcript,
    TranscriptPage,
)

_seq = itertools.count(1)


def make_user(*, email=None, password="a-long-pass-phrase", **extra) -> User:
    return User.objects.create_user(email=email or f"user{next(_seq)}@example.org", password=password, **extra)


def make_staff(**extra) -> User:
    return make_user(is_staff=True, is_superuser=True, **extra)


def make_group(**extra) -> RetreatGroup:
    n = next(_seq)
    extra.setdefault("name", f"Group {n}")
    extra.setdefault("slug", f"group-{n}")
    return RetreatGroup.objects.create(**extra)


def make_retreat(*, groups=None, status="published", audience="free-anyone", **extra) -> Retreat:
    """A gathering. A draft is put in a group of its own unless ``groups`` is given (``()``:
    none), so that publishing it is allowed (a gathering in no group may not be published)."""
    n = next(_seq)
    if groups is None:
        groups = [make_group()] if status == "draft" else ()
    extra.setdefault("name", f"Gathering {n}")
    extra.setdefault("slug", f"gathering-{n}")
    extra.setdefault("start_date", datetime.date(2024, 3, 15))
    extra.setdefault("end_date", extra["start_date"] + datetime.timedelta(days=2))
    retreat = Retreat.objects.create(status=status, audience_id=audience, **extra)
    if groups:
        retreat.groups.set(groups)
    return retreat


def make_session(retreat, **extra) -> Session:
    extra.setdefault("order", retreat.sessions.count() + 1)
    extra.setdefault("name", f"Day {extra['order']} morning")
    extra.setdefault("type", "morning")
    extra.setdefault("date", retreat.start_date)
    return Session.objects.create(retreat=retreat, **extra)


def make_track(session, *, speakers=(), **extra) -> Track:
    """A track; ``speakers`` the teachers speaking on it, the main one first."""
    extra.setdefault("order", (session.tracks.filter(language=extra.get("language", "en")).count()) + 1)
    extra.setdefault("title", f"Teaching {extra['order']}")
    extra.setdefault("duration", 1800.0)
    track = Track.objects.create(session=session, **extra)
    TrackSpeaker.objects.bulk_create(
        TrackSpeaker(track=track, teacher=teacher, position=position) for position, teacher in enumerate(speakers)
    )
    return track


def make_transcript(track, *, pages=("Page one text.",), **extra) -> Transcript:
    extra.setdefault("language", track.language)
    transcript = Transcript.objects.create(track=track, page_count=len(pages), status="ready", **extra)
    TranscriptPage.objects.bulk_create(
        TranscriptPage(transcript=transcript, number=i, text=text) for i, text in enumerate(pages, start=1)
    )
    return transcript


def make_teacher(**extra) -> Teacher:
    n = next(_seq)
    extra.setdefault("name", f"Teacher {n}")
    extra.setdefault("abbreviation", f"T{n}")
    return Teacher.objects.create(**extra)


def reread_access(user) -> User:
    """``user`` as the next request would read it: the database moves ``access_version`` on
    every change of memberships, attendances, grants and subscription (a request's user is
    read afresh; an object kept across a test's requests is not)."""
    user.access_version = User.objects.values_list("access_version", flat=True).get(pk=user.pk)
    return user


def make_member(user, group) -> GroupMembership:
    membership = GroupMembership.objects.create(user=user, group=group)
    reread_access(user)
    return membership


def make_subscriber(*, plan="basic", expires_at=None, **extra) -> User:
    """A user with an active subscription (``expires_at`` in the past makes it expired)."""
    return make_user(subscription_status="active", subscription_plan=plan, subscription_expires_at=expires_at, **extra)


def subscribe(user, *, plan="basic", expires_at=None) -> User:
    """``user`` with an active subscription (the group-members audience asks for one)."""
    user.subscription_status, user.subscription_plan, user.subscription_expires_at = "active", plan, expires_at
    user.save(update_fields=["subscription_status", "subscription_plan", "subscription_expires_at"])
    return reread_access(user)


def make_attendance(user, gathering, *, source="attended", **extra) -> Attendance:
    attendance = Attendance.objects.create(user=user, gathering=gathering, source=source, **extra)
    reread_access(user)
    return attendance


def make_grant(user, gathering, **extra) -> Attendance:
    return make_attendance(user, gathering, source="granted", **extra)


def make_catalogue(*, gatherings=3, sessions=2, tracks=3, translations=True, group=None, **retreat_extra):
    """A group with published gatherings, each with sessions of tracks (and translations)."""
    group = group or make_group()
    retreats = []
    for _ in range(gatherings):
        retreat = make_retreat(groups=[group], **retreat_extra)
        for _ in range(sessions):
            session = make_session(retreat)
            for i in range(1, tracks + 1):
                original = make_track(session, order=i)
                if translations:
                    make_track(session, order=i, language="pt", original=original, title=f"Ensinamento {i}")
        retreats.append(retreat)
    return group, retreats


def make_admin_device(user: User, *, confirmed: bool = True) -> TOTPDevice:
    """A TOTP device of the admin's second step (django-otp)."""
    return TOTPDevice.objects.create(user=user, name="admin", confirmed=confirmed)


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The device's code for now (or a later 30-second step: a code is accepted once only, and
    the step after the current one is still accepted, so a second sign-in in the same step
    uses ``steps_ahead=1``)."""
    device.refresh_from_db()
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead)
    return f"{code:0{device.digits}d}"


def admin_login(client, user: User) -> TOTPDevice:
    """``client`` signed in as ``user`` through both steps of the admin's sign-in, as the login
    form leaves a session: logged in, and verified by a confirmed TOTP device."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or make_admin_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def make_subscription_rows(member: User) -> None:
    """A cash payment (its subscription and period) and a provider notification: a row of each
    subscriptions model for the admin's pages."""
    from decimal import Decimal

    from django.utils import timezone

    from subscriptions import services
    from subscriptions.models import Plan, ProviderNotification

    plan, _ = Plan.objects.get_or_create(code="basic", defaults={"name_en": "Monthly", "name_pt": "Mensal", "price": 5})
    services.record_manual_payment(
        user=member, plan=plan, method="cash", amount=Decimal("5"), received_at=timezone.now(), note="At the door",
        by=make_staff(),
    )  # fmt: skip
    ProviderNotification.objects.create(resource_id="5eca7446-14e9-47bb-aabb-5ee237159b8b", event="capture", body={})
