"""The API against its own OpenAPI document.

Schemathesis reads the document the app serves at /api/v1/schema and calls every operation,
in process through the WSGI app, as a real user holding a Bearer token from the local identity
provider. Each response must: not be a 5xx, conform to the documented status codes, headers and
body schema, and, when it is an error, use the envelope of docs/api.md.
"""

import itertools
import uuid

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import negative_data_rejection, positive_data_acceptance
from werkzeug.test import Client as WerkzeugClient

from accounts.models import Device
from accounts.services import user_create_verified
from progress.models import Bookmark, Highlight
from retreats.models import Track
from tests import factories

PASSWORD = "a-long-pass-phrase"

APP = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/v1/schema", APP)


@schemathesis.check
def error_envelope(ctx, response, case):
    """Every 4xx/5xx body is ``{"error": {"code", "message", "timestamp", "details"?}}``."""
    if response.status_code < 400:
        return None
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, f"not the error envelope: {body!r}"
    error = body["error"]
    assert {"code", "message", "timestamp"} <= set(error) <= {"code", "message", "timestamp", "details"}, error
    assert isinstance(error["code"], str) and error["code"].replace("_", "").isalpha(), error
    return None


def _bearer() -> tuple:
    """A fresh verified user per example (DELETE /user/account must not take the next
    example's user with it), logged in through the local provider's real endpoint."""
    email = f"contract-{uuid.uuid4().hex[:12]}@example.org"
    user = user_create_verified(email=email, password=PASSWORD, name="Contract")
    # Through the same WSGI app and host as the cases (the token's issuer is the origin).
    # Django's test Client would reconnect close_old_connections behind our back.
    response = WerkzeugClient(APP).post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return user, response.json["accessToken"]


@pytest.fixture
def keep_test_connection():
    """The WSGI app closes the database connection after each request (Django's
    close_old_connections); Django's test client turns that off, and so must we, or the
    test's transaction goes with it."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def unthrottled(monkeypatch):
    """Hypothesis runs more calls than max_examples (explicit cases, shrinking): rate limits
    are tested elsewhere (tests/accounts/test_throttle.py) and would only add 429s here."""
    rates = dict.fromkeys(api_settings.DEFAULT_THROTTLE_RATES, "100000/hour")
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


@pytest.fixture
def catalogue(db, keep_test_connection, stored, make_pdf):
    group, retreats = factories.make_catalogue(gatherings=2, sessions=1, tracks=2)
    track = retreats[0].sessions.first().tracks.filter(language="en").first()
    # The audio file named, so that the audio route answers with a signed URL (nothing is read);
    # the transcript stored, since a listener's URL serves their watermarked copy of it.
    Track.objects.filter(pk=track.pk).update(audio_file="audio/contract.mp3", processing_status="ready")
    factories.make_transcript(track, pdf_file=stored("transcripts/contract.pdf", make_pdf()))
    return {"group_id": group.uuid, "gathering_id": retreats[0].uuid, "track_id": track.uuid}


_calls = itertools.count()


def _real_ids(case, catalogue: dict, user) -> None:
    """Every other example gets ids that exist and are the user's own, so that success
    bodies are checked against their schemas too, not only 404s for random UUIDs."""
    if not case.path_parameters or next(_calls) % 2:
        return
    track = Track.objects.get(uuid=catalogue["track_id"])
    own = {
        **catalogue,
        "bookmark_id": Bookmark.objects.create(user=user, track=track, position=1).uuid,
        "highlight_id": Highlight.objects.create(user=user, track=track, page=1, text="text").uuid,
        "device_id": Device.objects.create(user=user, platform="ios", push_token=uuid.uuid4().hex).uuid,
    }
    for name in case.path_parameters:
        if name in own:
            case.path_parameters[name] = str(own[name])


@pytest.mark.django_db(transaction=False)
@schema.exclude(path_regex=r"^/api/v1/media/file/").parametrize()
@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_it_answers_every_operation_as_documented(case, catalogue, unthrottled):
    user, token = _bearer()
    _real_ids(case, catalogue, user)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        # Left out: whether input is refused or accepted. DRF coerces some off-type input (a
        # number where a string is documented), and some schema-valid input is refused by a
        # rule no schema can state (a wrong verification code, a weak password, a NUL in a
        # string). The contract under test is what the API answers.
        excluded_checks=[negative_data_rejection, positive_data_acceptance],
    )
