"""deploy/restore_drill.py on a small Padmakara: the demo catalogue in a scratch database, its
media in a moto bucket; every row and object must come back."""

import json
import os
import subprocess
import sys
import uuid

import psycopg
import pytest

from deploy import restore_drill
from tests.support import AWS_TEST_ENV, aws_client

from .conftest import PROJECT_DIR, run_manage


@pytest.fixture
def media_bucket(moto_endpoint):
    client = aws_client("s3", moto_endpoint)
    name = f"padmakara-drill-{uuid.uuid4().hex[:10]}"
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


@pytest.fixture
def demo_site(scratch_database, media_bucket, moto_endpoint, tmp_path):
    """A migrated scratch database holding the demo content, whose files are in the bucket."""
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("DJANGO", "PADMAKARA", "CELERY"))},
        **AWS_TEST_ENV,
        "PYTHONPATH": "",
        "DEBUG": "1",
        "DATABASE_URL": scratch_database,
        "VAR_DIR": str(tmp_path / "var"),
        "STORAGE_BACKEND": "s3",
        "AWS_STORAGE_BUCKET_NAME": media_bucket,
        "AWS_S3_ENDPOINT_URL": moto_endpoint,
        "AWS_S3_ADDRESSING_STYLE": "path",
        "AWS_REGION": "eu-west-1",
    }
    for command in (["migrate", "--noinput"], ["demo_content"]):
        result = run_manage(command, env=env, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
    return scratch_database


def _drill(database_url, bucket, moto_endpoint, *extra):
    return subprocess.run(
        [
            sys.executable,
            "deploy/restore_drill.py",
            f"--database-url={database_url}",
            f"--bucket={bucket}",
            f"--endpoint-url={moto_endpoint}",
            *extra,
        ],
        cwd=PROJECT_DIR,
        env={**os.environ, **AWS_TEST_ENV},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_it_restores_every_row_and_object(demo_site, media_bucket, moto_endpoint):
    name = demo_site.rsplit("/", 1)[1]
    result = _drill(demo_site, media_bucket, moto_endpoint, f"--confirm-wipe={name}")
    print(result.stdout)  # the drill's report, shown with -s or on failure
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["result"] == "OK"
    # The demo: dozens of tables, hundreds of rows, audio and transcripts in the bucket.
    assert summary["tables"] > 30
    assert summary["rows"] > 500
    assert summary["objects"] > 20
    assert set(summary["seconds"]) >= {"backup", "wipe", "restore_database", "restore_bucket", "verify", "restore"}
    assert "restore drill OK" in result.stdout
    with psycopg.connect(demo_site) as connection:
        assert connection.execute("SELECT count(*) FROM retreats_track").fetchone()[0] > 0


def test_it_refuses_to_wipe_without_the_database_named(scratch_database, media_bucket, moto_endpoint):
    result = _drill(scratch_database, media_bucket, moto_endpoint, "--confirm-wipe=padmakara")
    assert result.returncode == 2
    assert "--confirm-wipe must repeat the database's name" in result.stderr


def test_it_tells_a_changed_row_or_object(scratch_database, media_bucket, moto_endpoint):
    client = aws_client("s3", moto_endpoint)
    with psycopg.connect(scratch_database, autocommit=True) as connection:
        connection.execute("CREATE TABLE kept (id serial PRIMARY KEY, note text)")
        connection.execute("INSERT INTO kept (note) VALUES ('one'), ('two')")
    client.put_object(Bucket=media_bucket, Key="a.mp3", Body=b"first")
    before = restore_drill.inventory(scratch_database, client, media_bucket)
    with psycopg.connect(scratch_database, autocommit=True) as connection:
        connection.execute("UPDATE kept SET note = 'TWO' WHERE note = 'two'")
    client.put_object(Bucket=media_bucket, Key="a.mp3", Body=b"other")
    client.put_object(Bucket=media_bucket, Key="b.pdf", Body=b"new")

    found = restore_drill.differences(before, restore_drill.inventory(scratch_database, client, media_bucket))

    assert [line.split(" was ")[0] for line in found] == [
        "tables: kept",
        "objects: a.mp3",
        "objects: b.pdf appeared in the restore",
    ]


def test_it_writes_an_inventory_and_compares_with_it(scratch_database, media_bucket, moto_endpoint, tmp_path):
    # The two steps the runbook's restore on AWS uses: before (or from the last good state) and after.
    client = aws_client("s3", moto_endpoint)
    with psycopg.connect(scratch_database, autocommit=True) as connection:
        connection.execute("CREATE TABLE kept (id serial PRIMARY KEY, note text)")
        connection.execute("INSERT INTO kept (note) VALUES ('one')")
    client.put_object(Bucket=media_bucket, Key="a.mp3", Body=b"first")
    saved = tmp_path / "before.json"

    written = _drill(scratch_database, media_bucket, moto_endpoint, f"--inventory-out={saved}")
    same = _drill(scratch_database, media_bucket, moto_endpoint, f"--compare-with={saved}")
    client.delete_object(Bucket=media_bucket, Key="a.mp3")
    changed = _drill(scratch_database, media_bucket, moto_endpoint, f"--compare-with={saved}")

    assert written.returncode == 0 and "1 tables, 1 rows, 1 objects" in written.stdout
    assert same.returncode == 0 and "every row and object is as in the inventory" in same.stdout
    assert changed.returncode == 1 and "objects: a.mp3 missing after the restore" in changed.stdout
    with psycopg.connect(scratch_database) as connection:
        assert connection.execute("SELECT count(*) FROM kept").fetchone() == (1,)
