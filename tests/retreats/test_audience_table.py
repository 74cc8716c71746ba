"""The access rule's table (docs/architecture.md "The access rule"): every audience × every
kind of user × every path that asks the rule. Each cell checks that the Python form
(``can_play_retreat``) and the SQL form (``playable_q``) agree with the table, and that the
path answers accordingly (with the reason the rule gives where it refuses)."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.models import User
from retreats import search
from retreats.access import AccessProfile, audience_q
from retreats.models import Audience, Retreat
from tests import factories

pytestmark = pytest.mark.django_db

KINDS = [
    "anonymous",
    "no subscription",
    "subscriber",
    "expired subscriber",
    "member with subscription",
    "member without subscription",
    "attendee",
    "granted",
    "staff",
]
PATHS = ["list", "detail", "search", "audio URL", "transcript", "bundle", "progress", "fan-out"]

# Who may play a published gathering of each audience (staff: everything).
PLAYS = {
    Audience.FREE_ANYONE: set(KINDS),
    Audience.FREE_SUBSCRIBERS: {"subscriber", "member with subscription", "staff"},
    Audience.GROUP_MEMBERS: {"member with subscription", "attendee", "granted", "staff"},
    Audience.PARTICIPANTS: {"attendee", "granted", "staff"},
    Audience.ON_REQUEST: {"granted", "staff"},
    Audience.INITIATION: {"granted", "staff"},
}

# Why the others are refused.
REASONS = {
    Audience.FREE_SUBSCRIBERS: "subscription_required",
    Audience.GROUP_MEMBERS: "subscription_required",  # a subscriber outside its groups: membership_required
    Audience.PARTICIPANTS: "attendance_required",
    Audience.ON_REQUEST: "on_request",
    Audience.INITIATION: "on_request",
}

# A caller with no token has no progress, bundle or notification to be refused: those paths
# answer 401 for every audience, and nobody is told anything.
CELLS = [
    (audience, kind, path)
    for audience in Audience.SLUGS
    for kind in KINDS
    for path in PATHS
    if not (kind == "anonymous" and path == "fan-out")
]


def _expected_reason(audience: str, kind: str) -> str | None:
    if kind in PLAYS[audience]:
        return None
    if kind == "anonymous":
        return "auth_required"
    if audience == Audience.GROUP_MEMBERS and kind == "subscriber":
        return "membership_required"
    return REASONS[audience]


def _user(kind: str, gathering: Retreat, group):
    if kind == "anonymous":
        return AnonymousUser()
    if kind == "staff":
        return factories.make_staff()
    user = factories.make_user()
    if kind in ("subscriber", "member with subscription"):
        factories.subscribe(user)
    if kind == "expired subscriber":
        factories.subscribe(user, expires_at=timezone.now() - datetime.timedelta(days=1))
    if kind.startswith("member"):
        factories.make_member(user, group)
    if kind == "attendee":
        factories.make_attendance(user, gathering)
    if kind == "granted":
        factories.make_grant(user, gathering)
    return user


@pytest.fixture
def gathering(stored, make_pdf):
    group = factories.make_group()
    retreat = factories.make_retreat(groups=[group], name="Table gathering")
    track = factories.make_track(factories.make_session(retreat), title="Kalachakra table teaching", duration=60)
    track.audio_file = stored(f"{track.pk}/original.mp3", b"ID3" + b"\0" * 100)
    track.processing_status = "ready"
    track.file_size = 103
    track.save()
    transcript = factories.make_transcript(track, pages=["The kalachakra table text."])
    transcript.pdf_file = stored(f"{track.pk}/transcript.pdf", make_pdf(["The kalachakra table text."]))
    transcript.save()
    return group, retreat, track


def _answer(api, path: str, user, retreat: Retreat, track) -> tuple[bool, str | None]:
    """(playable, reason) as the path tells it; reason None where it does not say."""
    if path == "list":
        body = api.get("/api/v1/content/retreats").json()
        [gathering] = [
            g for group in body["retreatGroups"] for g in group["gatherings"] if g["id"] == str(retreat.uuid)
        ]
        return not gathering["locked"], gathering["lockedReason"]
    if path == "detail":
        body = api.get(f"/api/v1/content/gathering/{retreat.uuid}").json()
        track_body = api.get(f"/api/v1/content/track/{track.uuid}").json()
        assert (body["locked"], body["lockedReason"]) == (track_body["locked"], track_body["lockedReason"])
        assert body["audience"]["slug"] == retreat.audience_id
        return not body["locked"], body["lockedReason"]
    if path == "search":
        search.rebuild_index()
        response = api.get("/api/v1/content/search", {"q": "kalachakra"})
        assert response.status_code == 200, response.content
        return bool(response.json()["results"]), None
    if path in ("audio URL", "transcript"):
        response = api.get(f"/api/v1/media/{'audio' if path == 'audio URL' else 'transcript'}/{track.uuid}")
        return _status(response)
    if path == "bundle":
        response = api.post("/api/v1/media/download", {"trackIds": [str(track.uuid)], "quality": "high"}, format="json")
        return _status(response, ok=202)
    if path == "progress":
        body = {
            "trackId": str(track.uuid),
            "position": 10.0,
            "completed": False,
            "sessionData": {"startTime": "2026-01-15T10:00:00Z", "endTime": "2026-01-15T10:02:00Z", "deviceInfo": {}},
        }
        return _status(api.post("/api/v1/progress/track", body, format="json"))
    if path == "fan-out":
        return User.objects.filter(audience_q(retreat), pk=user.pk).exists(), None
    raise AssertionError(path)


def _status(response, ok: int = 200) -> tuple[bool, str | None]:
    if response.status_code == ok:
        return True, None
    assert response.status_code in (401, 403), (response.status_code, response.content)
    if response.status_code == 401:
        return False, "auth_required"
    error = response.json()["error"]
    assert error["code"] == "locked"
    return False, error["details"]["reason"]


@pytest.mark.parametrize(("audience", "kind", "path"), CELLS)
def test_the_rule_answers_the_same_everywhere(api, gathering, audience, kind, path):
    group, retreat, track = gathering
    Retreat.objects.filter(pk=retreat.pk).update(audience_id=audience)
    retreat.refresh_from_db()
    user = _user(kind, retreat, group)
    if kind != "anonymous":
        api.force_authenticate(user)
    profile = AccessProfile.for_user(user)
    expected = kind in PLAYS[audience]

    in_python = profile.can_play_retreat(retreat)
    in_sql = Retreat.objects.filter(profile.playable_q(), pk=retreat.pk).exists()
    assert in_python == in_sql == expected
    assert profile.reason_for_retreat(retreat) == _expected_reason(audience, kind)

    playable, reason = _answer(api, path, user, retreat, track)

    if kind == "anonymous" and path in ("bundle", "progress"):
        assert (playable, reason) == (False, "auth_required")  # these need a token whatever the gathering
        return
    assert playable == expected
    if reason is not None or path in ("list", "detail"):
        assert reason == _expected_reason(audience, kind)
