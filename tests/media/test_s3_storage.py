"""S3 paths against moto's server over real HTTP (no signature checks there: docs/field-notes.md)."""

import io

import pytest
import requests

from media import signing
from media import storage as media_storage

pytestmark = [pytest.mark.django_db, pytest.mark.s3]

DATA = bytes(range(256)) * 64


def test_it_serves_a_presigned_get_with_a_range(s3):
    key = media_storage.put_file("retreats/g/01-s/001-en-t.mp3", io.BytesIO(DATA))
    url = signing.sign(key, expires_in=600).url

    response = requests.get(url, headers={"Range": "bytes=256-511"}, timeout=10)

    assert response.status_code == 206
    assert response.content == DATA[256:512]


def test_it_stores_objects_private_and_encrypted_under_the_prefix(s3):
    key = media_storage.put_file("retreats/g/01-s/001-en-t.mp3", io.BytesIO(DATA))

    head = s3.head_object(Bucket=s3.bucket, Key=f"media/{key}")

    assert head["ServerSideEncryption"] == "AES256"
    grants = s3.get_object_acl(Bucket=s3.bucket, Key=f"media/{key}")["Grants"]
    assert all("AllUsers" not in str(grant.get("Grantee")) for grant in grants)


def test_it_replaces_the_object_at_a_stable_key(s3):
    first = media_storage.put_file("retreats/g/01-s/001-en-t.low.m4a", io.BytesIO(b"old"))
    second = media_storage.put_file("retreats/g/01-s/001-en-t.low.m4a", io.BytesIO(b"new"))

    assert first == second
    assert s3.get_object(Bucket=s3.bucket, Key=f"media/{second}")["Body"].read() == b"new"


def test_it_moves_an_upload_to_its_final_key_server_side(s3):
    media_storage.put_file("uploads/abc.mp3", io.BytesIO(DATA))

    media_storage.move("uploads/abc.mp3", "retreats/g/01-s/001-en-t.mp3")

    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=s3.bucket)["Contents"]]
    assert keys == ["media/retreats/g/01-s/001-en-t.mp3"]
