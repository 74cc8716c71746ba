"""Uploads from the admin: presigned multipart to S3 done with plain HTTP as a browser would,
chunked uploads to the app in local mode, then review and save."""

import json
import math
import re

import pytest
import requests
from django.core.files.storage import default_storage
from django.urls import reverse

from media import storage as media_storage
from media.models import Upload
from retreats.models import Track, Transcript
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(db):
    factories.make_teacher(name="Jigme Khyentse Rinpoche", abbreviation="JKR")
    factories.make_teacher(name="Pema Wangyal Rinpoche", abbreviation="PWR", aliases="TPWR")
    return factories.make_session(factories.make_retreat(slug="spring-2024"), name="Day 1 morning")


def _start(staff_client, session, name, size):
    response = staff_client.post(
        reverse("admin:media_upload_start", args=[session.pk]),
        {"filename": name, "size": size, "contentType": "audio/mpeg"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()


def _local_upload(staff_client, session, name, data, chunk=1000):
    plan = _start(staff_client, session, name, len(data))
    assert plan["mode"] == "local"
    url = reverse("admin:media_upload_chunk", args=[plan["uploadId"]])
    for offset in range(0, len(data), chunk):
        response = staff_client.post(
            f"{url}?offset={offset}", data[offset : offset + chunk], content_type="application/octet-stream"
        )
        assert response.status_code == 200, response.content
    done = staff_client.post(
        reverse("admin:media_upload_complete", args=[plan["uploadId"]]), {}, content_type="application/json"
    )
    assert done.status_code == 200, done.content
    return plan


def _review(staff_client, session, ids):
    response = staff_client.post(
        reverse("admin:media_upload_review", args=[session.pk]), {"uploadIds": ids}, content_type="application/json"
    )
    return response.json()["rows"]


def _save(staff_client, session, rows, **overrides):
    items = [{**row, **overrides.get(row["filename"], {})} for row in rows]
    return staff_client.post(
        reverse("admin:media_upload_save", args=[session.pk]), {"items": items}, content_type="application/json"
    )


def test_it_prefills_guesses_from_the_filename_when_starting(staff_client, session):
    plan = _start(staff_client, session, "001 JKR - The daily practice in three parts-(17 April AM).mp3", 10)

    assert plan["guess"]["order"] == 1
    assert plan["guess"]["speakers"] == ["JKR"]
    assert plan["guess"]["date"] == "2024-04-17"


def test_it_uploads_in_chunks_and_saves_reviewed_tracks(
    staff_client, session, make_audio, django_capture_on_commit_callbacks
):
    original = _local_upload(staff_client, session, "001 JKR - The daily practice.mp3", make_audio(2))
    translation = _local_upload(staff_client, session, "001 TRAD - A pratica diaria.mp3", make_audio(2, frequency=660))
    rows = _review(staff_client, session, [original["uploadId"], translation["uploadId"]])
    assert rows[1]["isTranslation"] and rows[1]["originalOrder"] == 1 and rows[1]["language"] == "pt"

    with django_capture_on_commit_callbacks(execute=True):
        response = _save(
            staff_client, session, rows, **{"001 JKR - The daily practice.mp3": {"title": "The Daily Practice"}}
        )

    assert response.status_code == 200, response.content
    en = Track.objects.get(session=session, language="en")
    pt = Track.objects.get(session=session, language="pt")
    assert en.title == "The Daily Practice"  # the staff correction, not the guess
    assert [t.abbreviation for t in en.speakers.all()] == ["JKR"]
    assert pt.original == en
    assert en.audio_file.name == f"retreats/spring-2024/01-day-1-morning/001-en-the-daily-practice-{en.uuid.hex}.mp3"
    assert (en.processing_status, pt.processing_status) == ("ready", "ready")
    assert default_storage.listdir(f"uploads/{session.pk}") == ([], [])
    assert set(Upload.objects.values_list("status", flat=True)) == {"attached"}


def test_it_saves_a_bilingual_recording_with_its_languages_and_speakers(
    staff_client, session, make_audio, django_capture_on_commit_callbacks
):
    factories.make_teacher(abbreviation="KPS")
    upload = _local_upload(staff_client, session, "016 KPS+JKR+TRAD - Questions.mp3", make_audio(2))
    rows = _review(staff_client, session, [upload["uploadId"]])
    assert (rows[0]["languages"], rows[0]["speakers"]) == (["en", "pt"], ["KPS", "JKR"])

    with django_capture_on_commit_callbacks(execute=True):
        response = _save(staff_client, session, rows)

    assert response.status_code == 200, response.content
    track = Track.objects.get(session=session)
    assert (track.language, track.languages, track.original_language) == ("en", ["en", "pt"], "en")
    assert list(track.track_speakers.values_list("teacher__abbreviation", "position")) == [("KPS", 0), ("JKR", 1)]


def test_it_saves_the_part_and_the_practice_as_reviewed(
    staff_client, session, make_audio, django_capture_on_commit_callbacks
):
    practice = _local_upload(staff_client, session, "001 [PRACTICE] Guru Yoga.mp3", make_audio(2))
    part = _local_upload(staff_client, session, "002 JKR - Teaching AM_part_2.mp3", make_audio(2, frequency=660))
    rows = _review(staff_client, session, [practice["uploadId"], part["uploadId"]])
    assert [(r["isPractice"], r["partNumber"]) for r in rows] == [(True, None), (False, 2)]

    with django_capture_on_commit_callbacks(execute=True):
        response = _save(staff_client, session, rows, **{"002 JKR - Teaching AM_part_2.mp3": {"partNumber": 3}})

    assert response.status_code == 200, response.content
    saved = session.tracks.order_by("order").values_list("order", "is_practice", "part_number")
    assert list(saved) == [(1, True, None), (2, False, 3)]


def test_it_refuses_unknown_languages_and_saves_nothing(staff_client, session, make_audio):
    upload = _local_upload(staff_client, session, "001 JKR - Teaching.mp3", make_audio(2))
    rows = _review(staff_client, session, [upload["uploadId"]])

    response = _save(staff_client, session, rows, **{"001 JKR - Teaching.mp3": {"languages": ["en", "xx"]}})

    assert response.status_code == 400
    assert "001 JKR - Teaching.mp3" in response.json()["error"]["details"]
    assert not Track.objects.filter(session=session).exists()


def test_it_flags_a_duplicate_upload_and_does_not_store_it_twice(
    staff_client, session, make_audio, django_capture_on_commit_callbacks
):
    data = make_audio(2)
    first = _local_upload(staff_client, session, "001 JKR - Teaching.mp3", data)
    second = _local_upload(staff_client, session, "002 JKR - Teaching again.mp3", data)

    rows = _review(staff_client, session, [first["uploadId"], second["uploadId"]])

    assert rows[0]["duplicateOf"] is None
    assert rows[1]["duplicateOf"] == "001 JKR - Teaching.mp3"
    with django_capture_on_commit_callbacks(execute=True):
        assert _save(staff_client, session, rows, **{"002 JKR - Teaching again.mp3": {"skip": True}}).status_code == 200
    assert Track.objects.filter(session=session).count() == 1


def test_it_attaches_a_transcript_to_the_track_of_its_number(
    staff_client, session, make_audio, make_pdf, django_capture_on_commit_callbacks
):
    audio = _local_upload(staff_client, session, "001 JKR - Teaching.mp3", make_audio(1))
    pdf = _local_upload(staff_client, session, "001 JKR - Teaching.pdf", make_pdf())
    rows = _review(staff_client, session, [audio["uploadId"], pdf["uploadId"]])
    assert rows[1]["kind"] == "transcript"

    with django_capture_on_commit_callbacks(execute=True):
        assert _save(staff_client, session, rows).status_code == 200

    transcript = Transcript.objects.get()
    assert transcript.track.order == 1
    assert transcript.status == "ready" and transcript.page_count == 2
    assert transcript.pdf_file.name.endswith(
        f"001-en-teaching-{transcript.track.uuid.hex}.transcript-en-{transcript.uuid.hex}.pdf"
    )


def test_it_saves_nothing_when_a_number_is_taken(staff_client, session, make_audio):
    factories.make_track(session, order=1, title="Existing")
    first = _local_upload(staff_client, session, "002 JKR - New.mp3", make_audio(1))
    clash = _local_upload(staff_client, session, "001 JKR - Clash.mp3", make_audio(1, frequency=300))
    rows = _review(staff_client, session, [first["uploadId"], clash["uploadId"]])

    response = _save(staff_client, session, rows)

    assert response.status_code == 400
    assert "001 JKR - Clash.mp3" in response.json()["error"]["details"]
    assert Track.objects.filter(session=session).count() == 1
    assert Upload.objects.filter(status="uploaded").count() == 2
    assert all(default_storage.exists(u.key) for u in Upload.objects.all())


def test_it_refuses_a_chunk_out_of_order(staff_client, session):
    plan = _start(staff_client, session, "a.mp3", 3000)
    url = reverse("admin:media_upload_chunk", args=[plan["uploadId"]])

    response = staff_client.post(f"{url}?offset=2000", b"x" * 1000, content_type="application/octet-stream")

    assert response.status_code == 400


def test_it_accepts_a_retried_chunk(staff_client, session):
    plan = _start(staff_client, session, "a.mp3", 2000)
    url = reverse("admin:media_upload_chunk", args=[plan["uploadId"]])
    staff_client.post(f"{url}?offset=0", b"a" * 1000, content_type="application/octet-stream")
    staff_client.post(f"{url}?offset=0", b"a" * 1000, content_type="application/octet-stream")
    staff_client.post(f"{url}?offset=1000", b"b" * 1000, content_type="application/octet-stream")

    done = staff_client.post(
        reverse("admin:media_upload_complete", args=[plan["uploadId"]]), {}, content_type="application/json"
    )

    assert done.status_code == 200
    with default_storage.open(Upload.objects.get().key) as fh:
        assert fh.read() == b"a" * 1000 + b"b" * 1000


def test_it_refuses_an_incomplete_file(staff_client, session):
    plan = _start(staff_client, session, "a.mp3", 2000)
    url = reverse("admin:media_upload_chunk", args=[plan["uploadId"]])
    staff_client.post(f"{url}?offset=0", b"a" * 1000, content_type="application/octet-stream")

    done = staff_client.post(
        reverse("admin:media_upload_complete", args=[plan["uploadId"]]), {}, content_type="application/json"
    )

    assert done.status_code == 400
    assert "incomplete" in done.json()["error"]["message"]


def test_it_refuses_files_over_the_limit(staff_client, session, settings):
    settings.MEDIA_UPLOAD_MAX_BYTES = 100

    response = staff_client.post(
        reverse("admin:media_upload_start", args=[session.pk]), {"filename": "a.mp3", "size": 101},
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 400


@pytest.mark.parametrize("route", ["admin:media_upload_start", "admin:media_upload_review", "admin:media_upload_save"])
def test_it_answers_a_body_that_is_not_json_with_400_in_the_envelope(staff_client, session, route):
    response = staff_client.post(reverse(route, args=[session.pk]), b'{"filename": ', content_type="application/json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_json"
    assert error["message"] == "The request body is not valid JSON."
    assert not Upload.objects.exists()


@pytest.mark.parametrize("size", ["a lot", "1.5e3", [1]])
def test_it_answers_a_size_that_is_not_a_whole_number_with_400(staff_client, session, size):
    response = staff_client.post(
        reverse("admin:media_upload_start", args=[session.pk]), {"filename": "a.mp3", "size": size},
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert not Upload.objects.exists()


def test_it_is_for_staff_only(client, user, session):
    factories.admin_login(client, user)

    response = client.post(
        reverse("admin:media_upload_start", args=[session.pk]), {"filename": "a.mp3", "size": 1},
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 302  # to the admin login
    assert not Upload.objects.exists()


def test_it_shows_the_upload_page(staff_client, session):
    response = staff_client.get(reverse("admin:media_session_upload", args=[session.pk]))

    assert response.status_code == 200
    assert b"media/upload.js" in response.content


def test_the_upload_page_loads_its_strings_before_its_script(staff_client, session):
    page = staff_client.get(reverse("admin:media_session_upload", args=[session.pk])).content.decode()

    catalogue = page.index(f'<script src="{reverse("admin:media_jsi18n")}"></script>')
    assert catalogue < page.index("media/upload.js")


def _catalogue(response) -> dict:
    """The msgid → msgstr mapping the jsi18n script hands to django.catalog."""
    match = re.search(r"const newcatalog = (\{.*?\});\n", response.content.decode(), re.S)
    return json.loads(match.group(1)) if match else {}


def test_it_serves_the_javascript_strings_in_portuguese(staff_client):
    response = staff_client.get(reverse("admin:media_jsi18n"), HTTP_ACCEPT_LANGUAGE="pt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "django.gettext = function" in response.content.decode()
    catalogue = _catalogue(response)
    assert catalogue["uploading"] == "a carregar"
    assert catalogue["failed: %(error)s"] == "falhou: %(error)s"
    assert catalogue["Duplicate of %(file)s: it will not be stored twice."] == (
        "Duplicado de %(file)s: não será guardado duas vezes."
    )


def test_it_serves_the_javascript_strings_in_english_by_default(staff_client):
    body = staff_client.get(reverse("admin:media_jsi18n"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "django.gettext = function" in body
    assert "a carregar" not in body


def test_the_javascript_strings_are_for_staff_only(client, user):
    factories.admin_login(client, user)

    assert client.get(reverse("admin:media_jsi18n")).status_code == 302  # to the admin login


def test_it_lists_the_session_files_with_translated_statuses(staff_client, session):
    factories.make_track(session, processing_status="failed", processing_error="not audio")

    states = staff_client.get(
        reverse("admin:media_session_status", args=[session.pk]), HTTP_ACCEPT_LANGUAGE="pt"
    ).json()

    assert [(t["status"], t["statusLabel"], t["error"]) for t in states["files"]] == [("failed", "Falhou", "not audio")]


@pytest.mark.s3
def test_it_uploads_to_s3_with_presigned_multipart_parts(
    staff_client, session, s3, make_audio, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_UPLOAD_PART_BYTES = 5 * 1024 * 1024
    data = make_audio(60, ext="wav", rate=48000)  # 96 kB/s: two parts
    plan = _start(staff_client, session, "001 JKR - Long teaching.wav", len(data))
    assert plan["mode"] == "s3" and plan["partCount"] == math.ceil(len(data) / plan["partSize"]) == 2
    urls = staff_client.post(
        reverse("admin:media_upload_parts", args=[plan["uploadId"]]), {"partNumbers": [1, 2]},
        content_type="application/json",
    ).json()["urls"]  # fmt: skip

    parts = []
    for number in (1, 2):
        body = data[(number - 1) * plan["partSize"] : number * plan["partSize"]]
        response = requests.put(urls[str(number)], data=body, timeout=30)  # the browser's PUT, no credentials
        assert response.status_code == 200
        parts.append({"partNumber": number, "etag": response.headers["ETag"]})
    done = staff_client.post(
        reverse("admin:media_upload_complete", args=[plan["uploadId"]]),
        {"parts": parts},
        content_type="application/json",
    )
    assert done.status_code == 200, done.content
    rows = _review(staff_client, session, [plan["uploadId"]])
    with django_capture_on_commit_callbacks(execute=True):
        assert _save(staff_client, session, rows).status_code == 200

    track = Track.objects.get()
    assert track.processing_status == "ready", track.processing_error
    assert track.duration == pytest.approx(60, abs=1)
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=s3.bucket)["Contents"]}
    assert f"media/{track.audio_file.name}" in keys
    assert not any(k.startswith("media/uploads/") for k in keys)
    head = s3.head_object(Bucket=s3.bucket, Key=media_storage.s3_object_key(track.audio_file.name))
    assert head["ContentLength"] == len(data)


def test_it_announces_talks_added_to_a_published_gathering(staff_client, session, make_audio, user):
    from notifications.models import NotificationEvent

    # The fixture's gathering is published and public: its listeners hear of new talks.
    plan = _local_upload(staff_client, session, "002 JKR - Another teaching.mp3", make_audio(1))

    assert _save(staff_client, session, _review(staff_client, session, [plan["uploadId"]])).status_code == 200

    event = NotificationEvent.objects.get(kind=NotificationEvent.Kind.TRACKS_ADDED)
    assert event.track_ids == list(Track.objects.filter(session=session).values_list("pk", flat=True))


def test_it_announces_nothing_for_a_draft(staff_client, make_audio):
    from notifications.models import NotificationEvent

    draft_session = factories.make_session(factories.make_retreat(status="draft"))
    plan = _local_upload(staff_client, draft_session, "001 JKR - Draft talk.mp3", make_audio(1))

    assert (
        _save(staff_client, draft_session, _review(staff_client, draft_session, [plan["uploadId"]])).status_code == 200
    )

    assert not NotificationEvent.objects.exists()


def test_it_plans_a_3_gb_file_as_s3_multipart_parts_the_browser_sends_itself(staff_client, session, s3):
    size = 3 * 1024**3

    plan = _start(staff_client, session, "001 JKR - A whole day of teaching.wav", size)

    assert plan["mode"] == "s3"
    assert plan["partSize"] >= 5 * 1024 * 1024 and plan["partCount"] <= 10_000
    assert plan["partSize"] * plan["partCount"] >= size
    urls = staff_client.post(
        reverse("admin:media_upload_parts", args=[plan["uploadId"]]), {"partNumbers": [1, plan["partCount"]]},
        content_type="application/json",
    ).json()["urls"]  # fmt: skip
    assert set(urls) == {"1", str(plan["partCount"])}
    assert all("X-Amz-Signature=" in url for url in urls.values())  # presigned: the app never holds the bytes


def test_it_refuses_a_file_over_5_gb_before_anything_is_stored(staff_client, session, s3):
    response = staff_client.post(
        reverse("admin:media_upload_start", args=[session.pk]), {"filename": "huge.wav", "size": 5 * 1024**3 + 1},
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 400
    assert not Upload.objects.exists()


@pytest.mark.s3
def test_it_types_an_s3_upload_from_its_extension_not_from_the_browser(staff_client, session, s3):
    response = staff_client.post(
        reverse("admin:media_upload_start", args=[session.pk]),
        {"filename": "001 JKR - Teaching.mp3", "size": 5, "contentType": "text/html"},
        content_type="application/json",
    )
    plan = response.json()
    url = staff_client.post(
        reverse("admin:media_upload_parts", args=[plan["uploadId"]]), {"partNumbers": [1]},
        content_type="application/json",
    ).json()["urls"]["1"]  # fmt: skip
    etag = requests.put(url, data=b"<b>!</b>"[:5], timeout=30).headers["ETag"]
    done = staff_client.post(
        reverse("admin:media_upload_complete", args=[plan["uploadId"]]),
        {"parts": [{"partNumber": 1, "etag": etag}]},
        content_type="application/json",
    )
    assert done.status_code == 200, done.content

    upload = Upload.objects.get(uuid=plan["uploadId"])
    head = s3.head_object(Bucket=s3.bucket, Key=media_storage.s3_object_key(upload.key))
    assert head["ContentType"] == "audio/mpeg"
