"""Importing the archive (media/archive.py) from a generated archive with the real one's shapes
(tests/media/archive_shapes.py) in a moto S3 bucket: plan, apply, interrupt and resume, re-run."""

import itertools
import json
import zipfile

import pytest
from django.core.management import call_command

from media import archive
from media.archive_csv import read_csv
from media.models import ArchiveFile
from retreats.models import Retreat, RetreatGroup, Session, Track, Transcript
from retreats.tasks import index_track_for_search
from tests import factories

from . import archive_shapes

pytestmark = pytest.mark.django_db

_buckets = itertools.count(1)


@pytest.fixture
def teachers(db):
    factories.make_teacher(name="Jigme Khyentse Rinpoche", abbreviation="JKR")
    factories.make_teacher(name="Khyentse Pema Sherab", abbreviation="KPS")


@pytest.fixture
def messy(s3, teachers):
    """The messy archive under ``mediateca/`` in a bucket of its own; yields (source url, CSV text, bytes of ZIPs)."""
    bucket = f"archive-{next(_buckets)}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    zip_bytes = 0

    def put(key, data):
        nonlocal zip_bytes
        zip_bytes += len(data) if key.endswith(".zip") else 0
        s3.put_object(Bucket=bucket, Key=f"mediateca/{key}", Body=data)

    text = archive_shapes.generate_messy(put)
    return f"s3://{bucket}/mediateca/", text, zip_bytes


def _plan(url, text):
    rows, errors = read_csv(text)
    return archive.run(source=archive.S3Source(url), rows=rows, csv_errors=errors)


def _apply(url, text, **kwargs):
    rows, errors = read_csv(text)
    return archive.run(source=archive.S3Source(url), rows=rows, csv_errors=errors, apply=True, **kwargs)


def _reasons(report):
    return {item["location"].split("/mediateca/")[1]: item["reason"] for item in report.unplaced}


def test_it_plans_without_writing_to_the_catalogue(messy):
    url, text, zip_bytes = messy

    report, applied = _plan(url, text)

    assert (Retreat.objects.count(), Track.objects.count(), ArchiveFile.objects.count()) == (0, 0, 0)
    assert applied.imported == 0
    assert report.gatherings == 4  # two tidy ones, the old-style folder, the one with broken ZIPs
    # Two tidy gatherings: 4 originals + 4 translations each; the old folder: 6 audio files.
    assert (report.tracks, report.translations, report.transcripts) == (22, 8, 4)
    assert report.duplicates == 4  # the legacy folder's ZIP holds the same four files
    assert sorted(report.groups) == ["PP1", "PP2", "PP3"]
    # Each ZIP (seven) is listed through one ranged read of its tail.
    assert report.listing["rangedRequests"] == 7


def test_it_lists_a_zip_without_downloading_it(s3):
    members = {f"{n:03d} JKR - Talk.mp3": archive_shapes.audio_bytes(str(n), 300_000) for n in range(1, 11)}
    data = archive_shapes.zip_of(members)
    s3.put_object(Bucket=s3.bucket, Key="big.zip", Body=data)

    reader = archive.RangedReader(archive.media_storage.s3_client(), s3.bucket, "big.zip", len(data))
    with zipfile.ZipFile(reader) as listed:
        names = listed.namelist()

    assert names == list(members)
    assert (reader.requests, reader.fetched) == (1, archive.TAIL)
    with zipfile.ZipFile(reader) as listed, listed.open("005 JKR - Talk.mp3") as member:
        assert member.read() == members["005 JKR - Talk.mp3"]
    assert reader.fetched < len(data)  # from the member on, never the whole ZIP


def test_it_says_what_it_could_not_place_and_why(messy):
    url, text, _zip_bytes = messy

    report, _applied = _plan(url, text)

    reasons = _reasons(report)
    code, _start = archive_shapes.gathering_code(2)
    assert reasons[f"{code}/Audio 1/{code} (Eng).zip"].startswith("corrupt ZIP")
    assert reasons[f"{code}/Audio 2/{code} (Por).zip"].startswith("unsafe member names (ZIP slip)")
    assert reasons["2016-11-JKR-KPS+-Retiro+Setúbal/Audio+1/notes.txt"] == "neither audio nor a PDF"
    assert "no CSV row" in reasons["20990101-ZZZ-PP9-XXX/Audio 1/001 ZZZ - Orphan.mp3"]
    assert [row["eventCode"] for row in report.rows_without_files] == [archive_shapes.gathering_code(3)[0]]
    assert sorted(error["error"] for error in report.csv_errors) == [
        "3 fields where the header has 62",
        "no event code",
    ]


def test_it_reports_declared_counts_that_disagree_with_the_files(messy):
    url, text, _zip_bytes = messy

    report, _applied = _plan(url, text)

    old = [d for d in report.disagreements if d["eventCode"] == "20161105_07-JKR-KPS-ENS-STB"]
    assert [(d["audio_set"], d["declared_count"], d["files"]) for d in old] == [(1, 7, 6)]
    assert "not a known teacher: XYZ" in {w["warning"] for w in report.warnings}


def test_it_writes_a_json_and_a_text_report_from_the_command(messy, tmp_path):
    url, text, _zip_bytes = messy
    (tmp_path / "export.csv").write_text(text, encoding="utf-8")
    out = tmp_path / "plan.json"

    from io import StringIO

    stdout = StringIO()
    call_command("import_archive", csv=str(tmp_path / "export.csv"), s3_prefix=url, json=str(out), stdout=stdout)

    data = json.loads(out.read_text())
    assert len(data["plans"]) == data["gatherings"] == 4
    tidy = next(g for g in data["plans"] if g["event_code"] == archive_shapes.gathering_code(0)[0])
    assert tidy["group"] == "PP1" and tidy["teachers"] == ["JKR"] and tidy["audience"] == "retreat-group-members"
    assert tidy["sessions"][0]["tracks"][0]["title"] == "The daily practice"
    assert "Dry run: nothing was written" in stdout.getvalue()
    assert "Could not place" in stdout.getvalue()
    assert Retreat.objects.count() == 0


def test_it_imports_drafts_with_their_sessions_tracks_translations_and_transcripts(
    messy, django_capture_on_commit_callbacks
):
    url, text, _zip_bytes = messy

    with django_capture_on_commit_callbacks() as queued:
        report, applied = _apply(url, text)

    assert applied.imported == report.files_to_import == 26
    code, _start = archive_shapes.gathering_code(0)
    gathering = Retreat.objects.get(event_code=code)
    assert gathering.status == "draft"
    assert [g.slug for g in gathering.groups.all()] == ["pp1"]
    assert [t.abbreviation for t in gathering.teachers.all()] == ["JKR"]
    assert [p.abbreviation for p in gathering.places.all()] == ["CCA"]
    sessions = list(Session.objects.filter(retreat=gathering).order_by("order"))
    assert [(s.date.isoformat(), s.type) for s in sessions] == [
        ("2010-01-04", "morning"), ("2010-01-04", "afternoon"), ("2010-01-05", "morning"), ("2010-01-05", "afternoon"),
    ]  # fmt: skip
    original = Track.objects.get(session=sessions[0], language="en")
    translation = Track.objects.get(session=sessions[0], language="pt")
    assert (original.order, original.title, translation.original) == (1, "The daily practice", original)
    assert translation.title == "A prática diária"
    assert Transcript.objects.get(track=original).language == "en"
    assert original.audio_file.name.startswith(f"retreats/{gathering.slug}/")
    assert original.checksum and original.file_size == 600
    with original.audio_file.open("rb") as fh:
        member = "001 JKR - The daily practice-(4 January AM).mp3"
        assert fh.read() == archive_shapes.audio_bytes(f"{code}/1/{member}", 600)
    assert ArchiveFile.objects.filter(status="imported").count() == 26
    assert len(queued) >= 26  # a processing job for each new track and transcript, sent on commit
    indexed = {c.args[0] for c in queued if getattr(c, "func", None) == index_track_for_search.delay}
    assert indexed == set(Track.objects.values_list("pk", flat=True))  # bulk_create sends no post_save
    assert RetreatGroup.objects.filter(slug__in=["pp1", "pp2"]).count() == 2


def test_it_orders_date_only_names_and_keeps_unknown_codes_out_of_titles(messy):
    url, text, _zip_bytes = messy

    _apply(url, text)

    old = Retreat.objects.get(event_code="20161105_07-JKR-KPS-ENS-STB")
    afternoon = Session.objects.get(retreat=old, date="2016-11-06", type="afternoon")
    assert list(Track.objects.filter(session=afternoon).values_list("order", "part_number")) == [(1, 1), (2, 2)]
    visitor = Track.objects.get(session__retreat=old, title="Visitor")
    assert list(visitor.speakers.all()) == []
    two = Track.objects.get(session__retreat=old, order=2, session__type="afternoon", session__date="2016-11-05")
    assert [s.teacher.abbreviation for s in two.track_speakers.order_by("position")] == ["KPS", "JKR"]
    bilingual = Track.objects.get(session__retreat=old, title="Bodhicitta")
    assert bilingual.languages == ["en", "pt"] and bilingual.original is None


def test_a_second_run_changes_nothing(messy):
    url, text, _zip_bytes = messy
    _apply(url, text)
    counts = (Retreat.objects.count(), Session.objects.count(), Track.objects.count(), ArchiveFile.objects.count())

    _report, applied = _apply(url, text)

    assert (applied.imported, applied.already, applied.gatherings_created) == (0, 26, 0)
    assert (
        Retreat.objects.count(), Session.objects.count(), Track.objects.count(), ArchiveFile.objects.count()
    ) == counts  # fmt: skip


def test_an_interrupted_import_continues_where_it_stopped(messy):
    url, text, _zip_bytes = messy
    rows, _errors = read_csv(text)
    source = archive.S3Source(url)
    first = next(item for item in archive.plan(source=source, rows=rows) if isinstance(item, archive.GatheringPlan))
    calls = itertools.count(1)

    def ctrl_c_after_five():
        if next(calls) == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        archive.apply_gathering(source=source, plan=first, on_file=ctrl_c_after_five)
    # What was committed is recorded, file for row: the tracks' batch, not yet the transcripts.
    done = ArchiveFile.objects.count()
    assert Track.objects.count() + Transcript.objects.count() == done == 8

    _report, applied = _apply(url, text)

    assert (applied.already, applied.imported) == (done, 26 - done)
    assert Track.objects.count() + Transcript.objects.count() == ArchiveFile.objects.count() == 26
    assert not Track.objects.values("session", "language", "order").distinct().count() < Track.objects.count()


def test_the_same_bytes_in_another_folder_are_not_imported_twice(messy, s3):
    url, text, _zip_bytes = messy
    _apply(url, text)
    bucket = url[5:].split("/")[0]
    code, _start = archive_shapes.gathering_code(1)
    # A loose copy of an imported ZIP member under another name, put in later: the plan cannot
    # tell (an S3 ETag is no CRC-32), the SHA-256 taken while streaming does.
    member = "001 JKR - The daily practice-(18 January AM).mp3"
    s3.put_object(
        Bucket=bucket,
        Key=f"mediateca/{code}/Audio 1/loose/009 JKR - Copy (18 January AM).mp3",
        Body=archive_shapes.audio_bytes(f"{code}/1/{member}", 600),
    )

    _report, applied = _apply(url, text)

    assert (applied.imported, applied.duplicates, applied.already) == (0, 1, 26)
    assert Track.objects.filter(session__retreat__event_code=code).count() == 8
    assert ArchiveFile.objects.get(location__endswith="009 JKR - Copy (18 January AM).mp3").status == "duplicate"


def test_a_plan_after_the_import_compares_declared_durations_with_the_probed_tracks(messy):
    url, text, _zip_bytes = messy
    _apply(url, text)
    code, _start = archive_shapes.gathering_code(0)
    english = Track.objects.filter(session__retreat__event_code=code, language="en")
    english.update(processing_status="ready", duration=1800)  # 4 × 30 min, where 02h 04min 29s is declared
    Track.objects.filter(session__retreat__event_code=code, language="pt").update(
        processing_status="ready", duration=1867
    )

    report, _applied = _plan(url, text)

    mine = [d for d in report.disagreements if d["eventCode"] == code]
    assert [(d["audio_set"], d["declared_seconds"], d["files_seconds"]) for d in mine] == [(1, 7469, 7200)]


def test_a_plan_costs_the_same_queries_whatever_the_number_of_files(messy, django_assert_num_queries):
    url, text, _zip_bytes = messy

    # The catalogue's teachers, audiences, places, groups and imported codes, once: no query per
    # gathering or file while nothing is imported.
    with django_assert_num_queries(5):
        _plan(url, text)


def test_a_plan_after_an_interrupted_import_counts_what_is_left(messy):
    url, text, _zip_bytes = messy
    _apply(url, text)
    ArchiveFile.objects.filter(location__contains="Transcri").delete()  # as if the run stopped before them

    report, _applied = _plan(url, text)

    assert (report.files_to_import, report.imported_before) == (4, 22)
    assert "files to import: 4 (22 imported before)" in report.text()
