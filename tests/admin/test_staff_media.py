"""What staff see of the media in the admin: a player and a PDF link through the app's signer,
renditions as a table, upload buttons on the gathering's sessions, internal records read-only,
and the catalogue first on the index."""

import re

from django.urls import reverse

from media import signing
from tests import factories


def _signed(url: str) -> bool:
    """A URL made by media.signing (local storage: /api/v1/media/file/…?expires=…&signature=…)."""
    match = re.search(
        r"/media/file/(?P<key>[^?\"]+)\?expires=(?P<expires>\d+)&(?:amp;)?signature=(?P<sig>[0-9a-f]+)", url
    )
    return bool(match) and signing.verify_local(match["key"], match["expires"], match["sig"])


def test_the_track_page_plays_the_audio_through_a_signed_url(staff_client, stored):
    track = factories.make_track(factories.make_session(factories.make_retreat()))
    track.audio_file.name = stored("tracks/talk.mp3", b"ID3 not really audio")
    track.file_size = 3_250_000
    track.renditions = {
        "source": {"codec": "mp3", "bitrate": 128000, "channels": 2, "sampleRate": 44100, "format": "mp3"},
        "low": {"key": "renditions/low.m4a", "size": 1_572_864, "bitrate": 48000, "contentType": "audio/mp4"},
    }
    track.save()

    page = staff_client.get(reverse("admin:retreats_track_change", args=[track.pk])).content.decode()

    player = re.search(r'<audio controls preload="none" src="([^"]+)"', page)
    assert player and _signed(player[1])
    current = re.search(r'<a href="([^"]+)">tracks/talk.mp3</a>', page)  # the file widget's "Currently:"
    assert current and _signed(current[1])
    assert "/files/" not in page
    assert re.search(r"<td>low</td><td>audio/mp4</td><td>48 kbps</td><td>1.5\xa0MB</td>", page)
    assert "<td>mp3</td><td>128 kbps</td>" in page
    assert '"sampleRate"' not in page  # not the raw JSON
    assert "3.1\xa0MB" in page and "3250000" not in page  # the file's size, for people


def test_the_transcript_page_opens_the_pdf_through_a_signed_url(staff_client, stored, make_pdf):
    track = factories.make_track(factories.make_session(factories.make_retreat()))
    transcript = factories.make_transcript(track)
    transcript.pdf_file.name = stored("transcripts/talk.pdf", make_pdf())
    transcript.file_size = 20_480
    transcript.save()

    page = staff_client.get(reverse("admin:retreats_transcript_change", args=[transcript.pk])).content.decode()
    assert "20.0\xa0KB" in page and "20480" not in page
    assert "20.0\xa0KB" in staff_client.get(reverse("admin:retreats_transcript_changelist")).content.decode()

    link = re.search(r'<a class="button" href="([^"]+)" target="_blank" rel="noopener">Open the PDF</a>', page)
    assert link and _signed(link[1].replace("&amp;", "&"))
    response = staff_client.get(link[1].replace("&amp;", "&"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content if response.streaming else [response.content]).startswith(b"%PDF")


def test_every_session_row_of_the_gathering_page_has_its_upload_button(staff_client):
    retreat = factories.make_retreat()
    sessions = [factories.make_session(retreat) for _ in range(3)]

    page = staff_client.get(reverse("admin:retreats_retreat_change", args=[retreat.pk])).content.decode()

    for session in sessions:
        assert reverse("admin:media_session_upload", args=[session.pk]) in page


def test_upload_records_are_not_offered_to_add_or_change(staff_client):
    session = factories.make_session(factories.make_retreat())
    from media.models import Upload

    upload = Upload.objects.create(session=session, filename="001 JKR - Talk.mp3", size=2048, key="uploads/x")

    assert staff_client.get(reverse("admin:media_upload_add")).status_code == 403
    changelist = staff_client.get(reverse("admin:media_upload_changelist")).content.decode()
    assert reverse("admin:media_upload_add") not in changelist
    assert reverse("admin:media_session_upload", args=[session.pk]) in changelist
    page = staff_client.get(reverse("admin:media_upload_change", args=[upload.pk])).content.decode()
    assert 'name="key"' not in page  # read-only: nothing to edit


def test_the_index_lists_the_catalogue_first(staff_client):
    response = staff_client.get(reverse("admin:index"))

    labels = [app["app_label"] for app in response.context["app_list"]]
    assert labels[:2] == ["retreats", "media"]
    assert labels.index("auth") > labels.index("accounts")
    index = response.content.decode()
    assert index.index(reverse("admin:retreats_retreat_changelist")) < index.index(
        reverse("admin:media_upload_changelist")
    )


def test_the_bundle_list_shows_sizes_for_people(staff_client, user):
    from django.utils import timezone

    from media.models import DownloadBundle

    DownloadBundle.objects.create(
        request_key="k" * 64, track_ids=[], expires_at=timezone.now(), created_by=user, size=48_000_000
    )

    response = staff_client.get(reverse("admin:media_downloadbundle_changelist"))

    assert 'field-human_size">45.8\xa0MB<' in response.content.decode()
