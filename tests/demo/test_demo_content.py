import datetime
import hashlib
import io
import json
import shutil
import subprocess
import wave

import pypdf
import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import GroupMembership, User
from demo import catalogue as demo
from media.models import DownloadBundle
from progress.models import ListeningSession, TrackProgress
from retreats.models import Attendance, Retreat, RetreatGroup, Session, Teacher, Track, Transcript, TranscriptPage
from tests.conftest import require
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ffmpeg():
    require(shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None, "ffmpeg and ffprobe")


def run_command() -> str:
    out = io.StringIO()
    call_command("demo_content", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _words(text: str) -> str:
    return " ".join(text.split())


def _ffprobe_duration(data: bytes, tmp_path) -> float:
    path = tmp_path / "probe.mp3"
    path.write_bytes(data)
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_name", "-of", "json", str(path)],
        capture_output=True,
        check=True,
        text=True,
    )
    probed = json.loads(result.stdout)
    assert probed["streams"][0]["codec_name"] == "mp3"
    return float(probed["format"]["duration"])


def _snapshot() -> dict:
    models = (RetreatGroup, Retreat, Session, Track, Transcript, Teacher, User)
    rows = {model.__name__: sorted(model.objects.values_list("pk", "updated_at" if model is not User else "password"))
            for model in models}  # fmt: skip
    rows["pages"] = sorted(TranscriptPage.objects.values_list("pk", "text"))
    rows["memberships"] = sorted(GroupMembership.objects.values_list("pk", flat=True))
    rows["files"] = sorted(Track.objects.values_list("audio_file", "checksum"))
    rows["listening"] = _listening()
    rows["progress"] = sorted(TrackProgress.objects.values_list("pk", "user__email", "track_id", "last_played"))
    rows["bundles"] = sorted(DownloadBundle.objects.values_list("pk", "status", "created_at"))
    return rows


def _listening() -> list:
    return sorted(
        ListeningSession.objects.values_list("user__email", "event_id", "track__uuid", "played_at", "seconds")
    )


def test_it_creates_the_demo_catalogue(ffmpeg):
    run_command()

    assert RetreatGroup.objects.count() == 2
    assert Retreat.objects.count() == 3
    assert Session.objects.count() == 9
    assert Track.objects.filter(language="en", original=None).count() == 18
    assert Track.objects.filter(language="pt", original__language="en").count() == 18
    assert Transcript.objects.count() == 27
    assert TranscriptPage.objects.count() == 81
    assert set(Session.objects.values_list("type", flat=True)) == {"morning", "afternoon"}
    assert Session.objects.filter(part_number=2).exists()
    assert Teacher.objects.get(abbreviation="PWR").aliases == "TPWR"
    assert set(Teacher.objects.values_list("abbreviation", flat=True)) == {"JKR", "KPS", "PWR"}
    assert all(r.name_pt and r.description_pt for r in Retreat.objects.all())


def test_it_publishes_gatherings_with_different_audiences(ffmpeg):
    run_command()

    assert sorted(Retreat.objects.values_list("status", "audience")) == [
        ("draft", "available-on-request-only"),
        ("published", "free-anyone"),
        ("published", "retreat-group-members"),
    ]
    members_only = Retreat.objects.get(audience="retreat-group-members")
    listener = User.objects.get(email="listener@padmakara.local")
    assert GroupMembership.objects.filter(user=listener, group__in=members_only.groups.all()).exists()
    assert Attendance.objects.filter(user=listener, gathering=members_only, source="attended").exists()
    on_request = Retreat.objects.get(audience="available-on-request-only")
    subscriber = User.objects.get(email="subscriber@padmakara.local")
    assert Attendance.objects.filter(user=subscriber, gathering=on_request, source="granted").exists()


def test_it_creates_an_admin_and_listeners_who_can_log_in(ffmpeg):
    output = run_command()

    admin = User.objects.get(email=demo.ADMIN_EMAIL)
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password(demo.DEMO_PASSWORD)
    assert f"{demo.ADMIN_EMAIL}  {demo.DEMO_PASSWORD}" in output
    assert User.objects.filter(is_staff=False).count() == 3
    assert "The admin asks for two-step verification" in output  # as it does in the tests


def test_it_stores_real_mp3_audio_with_its_metadata(ffmpeg, tmp_path):
    run_command()

    tracks = Track.objects.all()
    assert len(tracks) == 36
    for track in tracks:
        assert track.processing_status == Track.ProcessingStatus.READY
        assert track.audio_file.name.endswith(".mp3")
        assert default_storage.exists(track.audio_file.name)
        with default_storage.open(track.audio_file.name) as stored:
            data = stored.read()
        assert len(data) == track.file_size
        assert hashlib.sha256(data).hexdigest() == track.checksum
        probed = _ffprobe_duration(data, tmp_path)
        assert probed > 0
        assert track.duration == pytest.approx(probed, abs=0.2)
    assert len({t.audio_file.name for t in tracks}) == 36


def test_it_falls_back_to_wav_without_ffmpeg():
    report = demo.load_demo_content(ffmpeg=None)

    assert report.audio_format == "wav"
    track = Track.objects.order_by("pk").first()
    assert track.audio_file.name.endswith(".wav")
    with default_storage.open(track.audio_file.name) as stored, wave.open(stored) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    assert seconds > 0
    assert track.duration == pytest.approx(seconds, abs=0.01)


def test_it_stores_real_pdfs_whose_text_is_in_the_pages(ffmpeg):
    run_command()

    transcripts = Transcript.objects.prefetch_related("pages")
    for transcript in transcripts:
        assert transcript.status == Transcript.Status.READY
        with default_storage.open(transcript.pdf_file.name) as stored:
            data = stored.read()
        assert transcript.file_size == len(data)
        reader = pypdf.PdfReader(io.BytesIO(data))
        pages = list(transcript.pages.all())
        assert transcript.page_count == len(reader.pages) == len(pages) == 3
        for page, pdf_page in zip(pages, reader.pages, strict=True):
            assert _words(page.text) == _words(pdf_page.extract_text())


def test_it_changes_nothing_on_a_second_run(ffmpeg, settings):
    run_command()
    before = _snapshot()
    settings.ADMIN_REQUIRE_MFA = False  # as with DEBUG=1 (make run)

    output = run_command()

    assert "nothing changed" in output
    assert "two-step" not in output
    assert _snapshot() == before


def test_it_leaves_an_existing_admin_password_alone(ffmpeg):
    make_user(email=demo.ADMIN_EMAIL, password="chosen-by-the-admin", is_staff=True, is_superuser=True)

    output = run_command()

    assert User.objects.get(email=demo.ADMIN_EMAIL).check_password("chosen-by-the-admin")
    assert "password left unchanged" in output


def test_it_writes_a_missing_file_again(ffmpeg):
    run_command()
    track = Track.objects.order_by("pk").first()
    default_storage.delete(track.audio_file.name)

    output = run_command()

    assert "1 audio files" in output
    track.refresh_from_db()
    assert default_storage.exists(track.audio_file.name)


def test_it_shows_the_access_rule_in_the_api(ffmpeg, api):
    run_command()
    members_only = Retreat.objects.get(audience="retreat-group-members")

    def locked_by_gathering(email):
        api.force_authenticate(User.objects.get(email=email))
        groups = api.get("/api/v1/content/retreats").json()["retreatGroups"]
        return {g["id"]: g["lockedReason"] for group in groups for g in group["gatherings"]}

    as_listener = locked_by_gathering("listener@padmakara.local")
    as_guest = locked_by_gathering("guest@padmakara.local")
    as_subscriber = locked_by_gathering("subscriber@padmakara.local")

    assert len(as_listener) == len(as_guest) == 2  # the draft is never listed
    assert as_listener[str(members_only.uuid)] is None  # attended it
    assert as_guest[str(members_only.uuid)] == "subscription_required"
    assert as_subscriber[str(members_only.uuid)] == "membership_required"


def test_it_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="production"):
        run_command()

    assert not User.objects.exists()


def test_it_adds_weeks_of_listening_so_the_dashboard_draws_every_chart(ffmpeg, staff_client):
    run_command()

    today = timezone.now().date()
    days = {played.date() for played in ListeningSession.objects.values_list("played_at", flat=True)}
    assert len(days) >= 20 and min(days) <= today - datetime.timedelta(days=35) and max(days) < today
    assert ListeningSession.objects.values("user").distinct().count() == 3
    assert (
        TrackProgress.objects.filter(completed=True).exists() and TrackProgress.objects.filter(completed=False).exists()
    )
    joined = set(User.objects.filter(is_staff=False).values_list("date_joined__date", flat=True))
    assert len(joined) == 3

    body = staff_client.get("/admin/dashboard/").content.decode()

    assert "no data in this period" not in body and "No data source yet" not in body
    assert body.count('role="img"') == 9  # and the subscription charts: subscribers, income


def test_it_draws_the_same_listening_again(ffmpeg):
    run_command()
    first = _listening()
    ListeningSession.objects.all().delete()
    TrackProgress.objects.all().delete()

    run_command()

    assert _listening() == first and len(first) > 50
