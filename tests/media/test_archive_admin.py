"""The archive import's admin page: staff upload the CSV, read the plan, import, follow progress."""

import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from media.models import ArchiveImport
from retreats.models import Retreat, Track
from tests import factories

from . import archive_shapes

pytestmark = pytest.mark.django_db

_buckets = itertools.count(100)


@pytest.fixture
def archive_url(s3):
    factories.make_teacher(name="Jigme Khyentse Rinpoche", abbreviation="JKR")
    bucket = f"admin-archive-{next(_buckets)}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    text = archive_shapes.generate(
        lambda key, data: s3.put_object(Bucket=bucket, Key=f"m/{key}", Body=data), gatherings=2, tracks=3
    )
    return f"s3://{bucket}/m/", text


def _start(client, url, text):
    return client.post(
        reverse("admin:media_archiveimport_start"),
        {"csv_file": SimpleUploadedFile("export.csv", text.encode()), "source": url},
    )


def test_it_plans_from_an_uploaded_csv_then_imports_drafts(
    staff_client, archive_url, django_capture_on_commit_callbacks
):
    url, text = archive_url

    with django_capture_on_commit_callbacks(execute=True):
        response = _start(staff_client, url, text)

    job = ArchiveImport.objects.get()
    assert response.status_code == 302 and response.url == reverse("admin:media_archiveimport_report", args=[job.pk])
    assert (job.status, job.report["tracks"], job.report["translations"]) == ("planned", 12, 6)
    assert Retreat.objects.count() == 0
    page = staff_client.get(response.url)
    assert page.status_code == 200
    assert b"The daily practice" in page.content and b"Import as drafts" in page.content

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("admin:media_archiveimport_apply", args=[job.pk]))

    job.refresh_from_db()
    assert (job.status, job.files_done, job.files_total) == ("applied", 12, 12)
    assert set(Retreat.objects.values_list("status", flat=True)) == {"draft"}
    assert Track.objects.count() == 12
    assert b"Imported 12 files as drafts" in staff_client.get(response.url).content


def test_it_shows_progress_while_importing(staff_client, archive_url):
    url, text = archive_url
    _start(staff_client, url, text)  # the plan waits for the commit, which never comes here
    job = ArchiveImport.objects.get()
    ArchiveImport.objects.filter(pk=job.pk).update(status="applying", files_total=12, files_done=3)

    page = staff_client.get(reverse("admin:media_archiveimport_report", args=[job.pk]))

    assert b'http-equiv="refresh"' in page.content
    assert b'value="25"' in page.content and b"3 of 12 files" in page.content


def test_it_refuses_a_csv_with_no_rows(staff_client, archive_url):
    url, _text = archive_url

    response = _start(staff_client, url, "eventCode,OnOff\n")

    assert response.status_code == 200
    assert "The CSV has no row to import" in response.content.decode()
    assert ArchiveImport.objects.count() == 0


def test_it_is_for_staff_who_may_add_gatherings_and_tracks(client, archive_url):
    limited = factories.make_user(name="Limited", is_staff=True)  # staff, but no permission
    factories.admin_login(client, limited)

    assert client.get(reverse("admin:media_archiveimport_start")).status_code == 403
    assert client.post(reverse("admin:media_archiveimport_apply", args=[1])).status_code == 403


def test_the_report_is_in_the_language_of_who_started_it(staff_client, archive_url, django_capture_on_commit_callbacks):
    url, text = archive_url
    staff_client.cookies.load({"django_language": "pt"})

    with django_capture_on_commit_callbacks(execute=True):
        _start(staff_client, url, text + "20200101-JKR-PP1-CCA,On,Curta\r\n")

    job = ArchiveImport.objects.get()
    assert job.language == "pt"
    assert job.report["csv_errors"][0]["error"] == "3 campos onde o cabeçalho tem 62"


def test_the_report_page_costs_the_same_queries_whatever_the_report(staff_client, db, django_assert_num_queries):
    plans = [{"event_code": f"2010010{n}-JKR-PP1-CCA", "name": "R", "folders": [], "sessions": []} for n in range(9)]
    job = ArchiveImport.objects.create(source="s3://b/m/", status="planned", report={"gatherings": 9, "plans": plans})
    url = reverse("admin:media_archiveimport_report", args=[job.pk])
    staff_client.get(url)

    # The admin's sign-in checks and the import itself (its report is one JSON column): as many
    # queries for nine gatherings as for nine thousand.
    with django_assert_num_queries(4):
        assert staff_client.get(url).status_code == 200
