import datetime
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db


def _ready(track, stored, *, renditions=("medium", "low")):
    track.audio_file = stored(f"{track.pk}/original.mp3", b"ID3" + b"\0" * 100)
    track.processing_status = "ready"
    track.file_size = 103
    track.renditions = {
        q: {"key": stored(f"{track.pk}/{q}.m4a", b"m4a-" + q.encode()), "size": 10, "contentType": "audio/mp4"}
        for q in renditions
    }
    track.save()
    return track


def test_it_returns_a_signed_url_for_the_asked_quality(user_api, public_track, stored):
    _ready(public_track, stored)

    response = user_api.get(f"/api/v1/media/audio/{public_track.uuid}?quality=low")

    assert response.status_code == 200
    body = response.json()
    assert body["quality"] == "low"
    assert body["contentType"] == "audio/mp4"
    assert body["duration"] == 120
    assert "signature=" in body["url"] and "expires=" in body["url"]


def test_it_serves_the_best_ready_quality_when_the_asked_one_is_not_ready(user_api, public_track, stored):
    _ready(public_track, stored, renditions=("low",))

    body = user_api.get(f"/api/v1/media/audio/{public_track.uuid}?quality=medium").json()

    assert body["quality"] == "high"
    assert body["contentType"] == "audio/mpeg"


def test_it_never_expires_before_the_talk_ends_plus_a_margin(user_api, public_track, stored, settings):
    settings.MEDIA_URL_EXPIRY_SECONDS = 600
    public_track.duration = 2 * 3600
    _ready(public_track, stored)

    body = user_api.get(f"/api/v1/media/audio/{public_track.uuid}").json()

    expires_at = datetime.datetime.fromisoformat(body["expiresAt"].replace("Z", "+00:00"))
    assert expires_at >= timezone.now() + datetime.timedelta(hours=2, minutes=14)


def test_it_uses_the_configured_expiry_for_short_talks(user_api, public_track, stored, settings):
    settings.MEDIA_URL_EXPIRY_SECONDS = 3600
    _ready(public_track, stored)

    body = user_api.get(f"/api/v1/media/audio/{public_track.uuid}").json()

    expires_at = datetime.datetime.fromisoformat(body["expiresAt"].replace("Z", "+00:00"))
    assert abs((expires_at - timezone.now()).total_seconds() - 3600) < 5


def test_it_answers_locked_for_a_members_gathering_of_another_group(user_api, stored):
    retreat = factories.make_retreat(audience="retreat-group-members", groups=[factories.make_group()])
    track = _ready(factories.make_track(factories.make_session(retreat)), stored)

    response = user_api.get(f"/api/v1/media/audio/{track.uuid}")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "locked"


def test_it_plays_a_members_gathering_for_a_member(user_api, user, stored):
    group = factories.make_group()
    factories.make_member(factories.subscribe(user), group)
    retreat = factories.make_retreat(audience="retreat-group-members", groups=[group])
    track = _ready(factories.make_track(factories.make_session(retreat)), stored)

    assert user_api.get(f"/api/v1/media/audio/{track.uuid}").status_code == 200


def test_it_answers_404_for_an_unpublished_track(user_api, stored):
    retreat = factories.make_retreat(status="draft")
    track = _ready(factories.make_track(factories.make_session(retreat)), stored)

    response = user_api.get(f"/api/v1/media/audio/{track.uuid}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_answers_404_for_an_unknown_track(user_api):
    assert user_api.get("/api/v1/media/audio/6f1c1d8e-2b49-4f7e-9d7c-2a8a3f2c0e11").status_code == 404


def test_it_answers_not_ready_while_the_track_is_processing(user_api, public_track):
    response = user_api.get(f"/api/v1/media/audio/{public_track.uuid}/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_ready"


def test_it_answers_a_caller_without_a_token_for_a_free_gathering_only(api, public_track, stored):
    _ready(public_track, stored)
    locked = factories.make_track(factories.make_session(factories.make_retreat(audience="free-subscribers")))

    assert api.get(f"/api/v1/media/audio/{public_track.uuid}").status_code == 200
    refused = api.get(f"/api/v1/media/audio/{locked.uuid}")
    assert refused.status_code == 403
    assert refused.json()["error"]["details"] == {"reason": "auth_required"}


def test_it_refuses_a_bad_token(api, public_track):
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")
    assert api.get(f"/api/v1/media/audio/{public_track.uuid}").status_code == 401


def test_it_rejects_an_unknown_quality(user_api, public_track):
    response = user_api.get(f"/api/v1/media/audio/{public_track.uuid}?quality=ultra")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_it_is_rate_limited(user_api, public_track, stored, monkeypatch):
    from padmakara.api.throttles import MediaThrottle

    # DRF reads the rates once at import; the class attribute is where a test can lower them.
    monkeypatch.setattr(MediaThrottle, "THROTTLE_RATES", {"media": "2/hour"})
    _ready(public_track, stored)

    codes = [user_api.get(f"/api/v1/media/audio/{public_track.uuid}").status_code for _ in range(3)]

    assert codes == [200, 200, 429]


def test_it_signs_an_s3_presigned_url_on_s3_storage(user_api, public_track, stored, s3):
    _ready(public_track, stored)

    body = user_api.get(f"/api/v1/media/audio/{public_track.uuid}?quality=high").json()

    query = parse_qs(urlparse(body["url"]).query)
    assert query["X-Amz-Expires"] == ["3600"]
    assert urlparse(body["url"]).path == f"/{s3.bucket}/media/{public_track.audio_file.name}"


def test_it_signs_a_cloudfront_url_when_a_key_pair_is_configured(user_api, public_track, stored, s3, settings):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings.CLOUDFRONT_DOMAIN = "media.example.org"
    settings.CLOUDFRONT_KEY_ID = "K2JCJMDEHXQW5F"
    settings.CLOUDFRONT_PRIVATE_KEY = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    _ready(public_track, stored)

    body = user_api.get(f"/api/v1/media/audio/{public_track.uuid}").json()

    url = urlparse(body["url"])
    query = parse_qs(url.query)
    assert url.netloc == "media.example.org"
    assert url.path == f"/media/{public_track.audio_file.name}"
    assert query["Key-Pair-Id"] == ["K2JCJMDEHXQW5F"]
    expires_at = datetime.datetime.fromisoformat(body["expiresAt"].replace("Z", "+00:00"))
    assert int(query["Expires"][0]) == int(expires_at.timestamp())
