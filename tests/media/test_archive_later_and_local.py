"""The archive import: a translation set added after its originals were imported pairs with
them; a local folder works as an S3 prefix does; a large ZIP member goes up by multipart."""

import hashlib
import itertools

import pytest

from media import archive
from media.archive_csv import read_csv
from media.models import ArchiveFile
from retreats.models import Track
from tests import factories

from . import archive_shapes

pytestmark = pytest.mark.django_db

_buckets = itertools.count(200)


@pytest.fixture
def teacher(db):
    return factories.make_teacher(name="Jigme Khyentse Rinpoche", abbreviation="JKR")


def _run(source, text, *, apply=True):
    rows, errors = read_csv(text)
    return archive.run(source=source, rows=rows, csv_errors=errors, apply=apply)


def test_a_translation_set_added_later_pairs_with_the_originals_imported_before(s3, teacher):
    bucket = f"later-{next(_buckets)}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    code, start = archive_shapes.gathering_code(7)
    put = lambda key, data: s3.put_object(Bucket=bucket, Key=key, Body=data)  # noqa: E731
    archive_shapes.write_gathering(put, code, start, tracks=3, sets=1, size=400, pdfs=False)
    text = archive_shapes.write_csv([archive_shapes.csv_row(code, start, tracks=3, sets=2)])
    source = archive.S3Source(f"s3://{bucket}/")
    _run(source, text)
    assert Track.objects.filter(language="pt").count() == 0

    # The Portuguese set arrives in a later batch.
    members = {
        name: archive_shapes.audio_bytes(name, 400)
        for name, _t in archive_shapes.track_names(start, 3, translation=True)
    }
    put(f"{code}/Audio 2/{code} (Por).zip", archive_shapes.zip_of(members))
    _report, applied = _run(source, text)

    assert (applied.imported, applied.already) == (3, 3)
    for translation in Track.objects.filter(language="pt"):
        assert translation.original == Track.objects.get(session=translation.session, language="en")
        assert translation.original_language == "en"


def test_it_imports_from_a_local_folder_to_local_storage(tmp_path, teacher):
    root = tmp_path / "mediateca"

    def put(key, data):
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    text = archive_shapes.generate(put, gatherings=1, tracks=2)
    report, applied = _run(archive.FolderSource(str(root)), text)

    assert (report.tracks, report.translations, applied.imported) == (4, 2, 4)
    track = Track.objects.get(language="en", order=1)
    with track.audio_file.open("rb") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == track.checksum
    assert ArchiveFile.objects.get(track=track).location.startswith("file://")


def test_a_large_member_goes_up_by_multipart_and_arrives_whole(s3, teacher):
    bucket = f"large-{next(_buckets)}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    code, start = archive_shapes.gathering_code(8)
    [(name, _title)] = archive_shapes.track_names(start, 1, translation=False)
    data = archive_shapes.audio_bytes("large", archive.UPLOAD_PART + 1_000_000)
    s3.put_object(Bucket=bucket, Key=f"{code}/Audio 1/{code}.zip", Body=archive_shapes.zip_of({name: data}))
    text = archive_shapes.write_csv([archive_shapes.csv_row(code, start, tracks=1, sets=1)])

    _report, applied = _run(archive.S3Source(f"s3://{bucket}/"), text)

    track = Track.objects.get()
    assert applied.imported == 1
    assert (track.file_size, track.checksum) == (len(data), hashlib.sha256(data).hexdigest())
    stored = s3.get_object(Bucket=s3.bucket, Key=f"media/{track.audio_file.name}")
    assert stored["ContentLength"] == len(data) and stored["ContentType"] == "audio/mpeg"
