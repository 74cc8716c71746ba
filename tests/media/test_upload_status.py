"""The upload page's save answers at once and the page follows each file's processing through
a staff-only status endpoint; the saved message counts in plural forms; re-uploaded files
(audio or PDF) are flagged, naming what they duplicate."""

import threading

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from media import jobs
from retreats.models import Track
from tests import factories
from tests.media.test_uploads import _local_upload, _review, _save

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(db):
    factories.make_teacher(name="Jigme Khyentse Rinpoche", abbreviation="JKR")
    return factories.make_session(factories.make_retreat(slug="spring-2024"), name="Day 1 morning")


def _status(client, session, **headers):
    return client.get(reverse("admin:media_session_status", args=[session.pk]), **headers)


def test_the_status_lists_each_file_with_its_translated_state(staff_client, session):
    track = factories.make_track(session, order=1, processing_status="failed", processing_error="Not audio.")
    factories.make_track(session, order=2, processing_status="processing")
    factories.make_transcript(track)

    body = _status(staff_client, session, HTTP_ACCEPT_LANGUAGE="pt").json()

    assert [(f["kind"], f["order"], f["status"], f["statusLabel"], f["error"]) for f in body["files"]] == [
        ("audio", 1, "failed", "Falhou", "Not audio."),
        ("audio", 2, "processing", "A processar", ""),
        ("transcript", 1, "ready", "Pronto", ""),
    ]
    assert body["done"] is False


def test_the_status_is_refused_to_anonymous_visitors_and_listeners(client, user, session):
    anonymous = _status(client, session)
    factories.admin_login(client, user)
    listener = _status(client, session)

    assert anonymous.status_code == listener.status_code == 302  # to the admin login
    assert "/admin/login/" in anonymous["Location"] and "/admin/login/" in listener["Location"]


def test_the_status_is_refused_to_staff_who_may_not_view_tracks(client, session):
    clerk = factories.make_user(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_retreat"))
    factories.admin_login(client, clerk)
    assert _status(client, session).status_code == 403

    clerk.user_permissions.add(Permission.objects.get(codename="view_track"))
    factories.admin_login(client, type(clerk).objects.get(pk=clerk.pk))  # permissions are cached per object
    assert _status(client, session).status_code == 200


@pytest.mark.parametrize(
    ("language", "counts", "message"),
    [
        ("en", (1, 1), "Saved: 1 track and 1 transcript. Processing has started; each file's state shows below."),
        ("en", (2, 0), "Saved: 2 tracks and 0 transcripts. Processing has started; each file's state shows below."),
        ("pt", (1, 1), "Guardado: 1 faixa e 1 transcrição. O processamento começou; o estado de cada ficheiro aparece abaixo."),
        ("pt", (2, 0), "Guardado: 2 faixas e 0 transcrições. O processamento começou; o estado de cada ficheiro aparece abaixo."),
    ],
)  # fmt: skip
def test_the_saved_message_counts_in_plural_forms(language, counts, message):
    from django.utils import translation

    from media.admin_views import saved_message
    from media.uploads import SavedBatch

    with translation.override(language):
        assert saved_message(SavedBatch([object()] * counts[0], [object()] * counts[1], [])) == message


def test_it_names_the_track_an_audio_file_duplicates(
    staff_client, session, make_audio, django_capture_on_commit_callbacks
):
    data = make_audio(1)
    first = _local_upload(staff_client, session, "001 JKR - Teaching.mp3", data)
    with django_capture_on_commit_callbacks(execute=True):
        _save(staff_client, session, _review(staff_client, session, [first["uploadId"]]))
    again = _local_upload(staff_client, session, "005 JKR - Teaching again.mp3", data)

    (row,) = _review(staff_client, session, [again["uploadId"]])

    assert row["duplicateOf"] == "track 001 Teaching (EN)"


def test_it_flags_a_pdf_uploaded_again(staff_client, session, make_audio, make_pdf, django_capture_on_commit_callbacks):
    pdf = make_pdf()
    audio = _local_upload(staff_client, session, "001 JKR - Teaching.mp3", make_audio(1))
    first = _local_upload(staff_client, session, "001 JKR - Teaching.pdf", pdf)
    with django_capture_on_commit_callbacks(execute=True):
        _save(staff_client, session, _review(staff_client, session, [audio["uploadId"], first["uploadId"]]))
    again = _local_upload(staff_client, session, "001 JKR - Teaching (copy).pdf", pdf)
    other = _local_upload(staff_client, session, "002 JKR - Other.pdf", make_pdf(pages=["Another text."]))

    rows = _review(staff_client, session, [again["uploadId"], other["uploadId"]])

    assert rows[0]["kind"] == "transcript"
    assert rows[0]["duplicateOf"] == "the EN transcript of track 001 Teaching (EN)"
    assert rows[1]["duplicateOf"] is None


@pytest.mark.django_db(transaction=True)
def test_saving_answers_before_processing_and_the_status_follows_it(client, settings, make_audio):
    """With MEDIA_JOBS_IN_THREAD (``make run``) the save does not wait for processing: the
    pool's one thread is held busy here, so the files are seen waiting, then ready."""
    settings.MEDIA_JOBS_IN_THREAD, settings.MEDIA_JOBS_THREADS = True, 1
    factories.make_teacher(name="Jigme Khyentse Rinpoche", abbreviation="JKR")
    session = factories.make_session(factories.make_retreat(slug="spring-2024"), name="Day 1 morning")
    factories.admin_login(client, factories.make_staff())
    jobs._pool = None  # a pool of the size set above
    release = threading.Event()
    jobs._thread_pool().submit(release.wait)
    try:
        one = _local_upload(client, session, "001 JKR - One.mp3", make_audio(1))
        two = _local_upload(client, session, "002 JKR - Two.mp3", make_audio(1, frequency=660))
        response = _save(client, session, _review(client, session, [one["uploadId"], two["uploadId"]]))
        assert response.status_code == 200
        assert response.json()["message"].startswith("Saved: 2 tracks and 0 transcripts.")
        waiting = _status(client, session).json()
        assert [(f["status"], f["statusLabel"]) for f in waiting["files"]] == [("pending", "Waiting")] * 2
        assert waiting["done"] is False
    finally:
        release.set()
        jobs._pool.shutdown(wait=True)  # every queued job has run
        jobs._pool = None

    done = _status(client, session).json()
    assert [f["status"] for f in done["files"]] == ["ready", "ready"]
    assert done["done"] is True
    assert Track.objects.filter(session=session, duration__gt=0).count() == 2
