#!/usr/bin/env python3
"""Restore drill: back up a PostgreSQL database and an S3 bucket, wipe both, restore, verify.

    python deploy/restore_drill.py --database-url postgres://postgres@127.0.0.1:5432/padmakara_drill \\
        --bucket padmakara-drill-media --endpoint-url http://127.0.0.1:5000 \\
        --confirm-wipe padmakara_drill

Steps (deploy/README.md, "Restore", follows the same ones on AWS):

1. inventory: every table of the database's schema (row count and a checksum of its rows),
   every sequence's position, every object of the bucket (size and SHA-256);
2. backup: ``pg_dump --format=custom`` to a file, and a copy of every object into a backup
   bucket;
3. wipe: the database is dropped and created empty, every version of every object is deleted;
4. restore: ``pg_restore`` into the empty database, the objects copied back;
5. verify: the inventory again, compared with the first; any difference fails the drill.

It prints how long each step took; "restore" (from the wipe to a verified restore) is the
figure to compare with the recovery time objective. It WIPES the database and the bucket it is
given, so it runs only on a scratch copy and asks for the database's name as confirmation.
Needs pg_dump and pg_restore of the server's major version, psycopg and boto3.

Steps 1 and 5 alone, for a real restore on AWS (nothing is wiped):

    python deploy/restore_drill.py --database-url … --bucket … --inventory-out before.json
    python deploy/restore_drill.py --database-url … --bucket … --compare-with before.json
"""

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import boto3
import psycopg
from botocore.config import Config
from psycopg import sql


@dataclass
class Inventory:
    tables: dict[str, tuple[int, str]] = field(default_factory=dict)
    sequences: dict[str, int | None] = field(default_factory=dict)
    objects: dict[str, tuple[int, str]] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(count for count, _ in self.tables.values())

    @property
    def bytes(self) -> int:
        return sum(size for size, _ in self.objects.values())


@dataclass
class Timings:
    steps: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.steps[name] = time.perf_counter() - started


# --- Database -----------------------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def database_inventory(url: str, *, schema: str = "public") -> tuple[dict, dict]:
    """Row count and checksum of every table, position of every sequence."""
    tables, sequences = {}, {}
    with psycopg.connect(url) as connection:
        names = connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", [schema]
        ).fetchall()
        for (name,) in names:
            # Row order is not part of what a restore must keep: hash each row, sort the hashes.
            count, checksum = connection.execute(
                sql.SQL(
                    "SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '') "
                    "FROM {}.{} AS t"
                ).format(sql.Identifier(schema), sql.Identifier(name))
            ).fetchone()
            tables[name] = (count, checksum)
        for name, last_value in connection.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = %s ORDER BY sequencename", [schema]
        ).fetchall():
            sequences[name] = last_value
    return tables, sequences


def dump_database(url: str, path: Path) -> None:
    subprocess.run(["pg_dump", "--format=custom", "--file", str(path), "--dbname", url], check=True)


def wipe_database(url: str) -> None:
    """Drop the database and create it again, empty (as a lost instance would leave it)."""
    name = database_name(url)
    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def restore_database(url: str, path: Path) -> None:
    subprocess.run(
        ["pg_restore", "--exit-on-error", "--no-password", "--dbname", url, str(path)],
        check=True,
    )


# --- Bucket -------------------------------------------------------------------------------


def s3_client(*, endpoint_url: str | None, region: str):
    return boto3.client(
        "s3",
        region_name=region,
        endpoint_url=endpoint_url,
        config=Config(s3={"addressing_style": "path"} if endpoint_url else {}, retries={"mode": "standard"}),
    )


def _keys(client, bucket: str):
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            yield item["Key"]


def bucket_inventory(client, bucket: str) -> dict[str, tuple[int, str]]:
    """Size and SHA-256 of every current object (read in full: ETags differ between copies)."""
    objects = {}
    for key in _keys(client, bucket):
        digest, size = hashlib.sha256(), 0
        body = client.get_object(Bucket=bucket, Key=key)["Body"]
        for chunk in body.iter_chunks(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
        objects[key] = (size, digest.hexdigest())
    return objects


def copy_bucket(client, *, source: str, target: str) -> int:
    copied = 0
    for key in _keys(client, source):
        # The managed copy switches to a multipart copy for objects over 5 GB.
        client.copy({"Bucket": source, "Key": key}, target, key)
        copied += 1
    return copied


def empty_bucket(client, bucket: str) -> None:
    """Delete every version and delete marker: nothing of the objects stays behind."""
    paginator = client.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket):
        doomed = [
            {"Key": item["Key"], "VersionId": item["VersionId"]}
            for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        for start in range(0, len(doomed), 1000):
            client.delete_objects(Bucket=bucket, Delete={"Objects": doomed[start : start + 1000], "Quiet": True})
    for key in _keys(client, bucket):  # an unversioned bucket lists no versions
        client.delete_object(Bucket=bucket, Key=key)


# --- The drill ------------------------------------------------------------------------------


def inventory(url: str, client, bucket: str) -> Inventory:
    tables, sequences = database_inventory(url)
    return Inventory(tables=tables, sequences=sequences, objects=bucket_inventory(client, bucket))


def differences(before: Inventory, after: Inventory) -> list[str]:
    found = []
    for kind in ("tables", "sequences", "objects"):
        was, now = getattr(before, kind), getattr(after, kind)
        for name in sorted(set(was) | set(now)):
            if name not in now:
                found.append(f"{kind}: {name} missing after the restore")
            elif name not in was:
                found.append(f"{kind}: {name} appeared in the restore")
            elif was[name] != now[name]:
                found.append(f"{kind}: {name} was {was[name]}, is {now[name]}")
    return found


def run_drill(
    *, database_url: str, bucket: str, backup_bucket: str, client, work_dir: Path, out=sys.stdout
) -> tuple[list[str], Timings, Inventory]:
    timings = Timings()

    def say(line: str) -> None:
        print(line, file=out, flush=True)

    with timings.step("inventory"):
        before = inventory(database_url, client, bucket)
    if not before.tables:
        raise SystemExit(f"{database_name(database_url)} has no tables: nothing to drill on.")
    say(
        f"inventory: {len(before.tables)} tables, {before.rows} rows, {len(before.sequences)} sequences; "
        f"{len(before.objects)} objects, {before.bytes} bytes"
    )

    dump = work_dir / f"{database_name(database_url)}.dump"
    with timings.step("backup"):
        dump_database(database_url, dump)
        client.create_bucket(Bucket=backup_bucket, **_location(client))
        copied = copy_bucket(client, source=bucket, target=backup_bucket)
    say(f"backup: {dump.stat().st_size} bytes of pg_dump, {copied} objects copied to {backup_bucket}")

    restore_started = time.perf_counter()
    with timings.step("wipe"):
        wipe_database(database_url)
        empty_bucket(client, bucket)
    wiped = inventory(database_url, client, bucket)
    if wiped.tables or wiped.objects:
        raise SystemExit("the wipe left tables or objects behind; the drill proves nothing")
    say("wipe: database dropped and created empty, every object version deleted")

    with timings.step("restore_database"):
        restore_database(database_url, dump)
    with timings.step("restore_bucket"):
        copy_bucket(client, source=backup_bucket, target=bucket)
    with timings.step("verify"):
        after = inventory(database_url, client, bucket)
        found = differences(before, after)
    timings.steps["restore"] = time.perf_counter() - restore_started

    empty_bucket(client, backup_bucket)
    client.delete_bucket(Bucket=backup_bucket)
    for line in found:
        say(f"MISMATCH {line}")
    verdict = "FAILED" if found else "OK"
    say(
        f"verify: {len(after.tables)} tables, {after.rows} rows, {len(after.objects)} objects — "
        f"{'every row and object came back' if not found else f'{len(found)} differences'}"
    )
    say(
        "timing: "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in timings.steps.items())
        + f" — restore drill {verdict}"
    )
    say(
        json.dumps(
            {
                "result": verdict,
                "tables": len(after.tables),
                "rows": after.rows,
                "objects": len(after.objects),
                "bytes": after.bytes,
                "seconds": {name: round(value, 3) for name, value in timings.steps.items()},
            }
        )
    )
    return found, timings, after


def inventory_to_json(found: Inventory) -> dict:
    return {
        "tables": {name: list(value) for name, value in found.tables.items()},
        "sequences": found.sequences,
        "objects": {name: list(value) for name, value in found.objects.items()},
    }


def inventory_from_json(data: dict) -> Inventory:
    return Inventory(
        tables={name: tuple(value) for name, value in data["tables"].items()},
        sequences=data["sequences"],
        objects={name: tuple(value) for name, value in data["objects"].items()},
    )


def _location(client) -> dict:
    region = client.meta.region_name
    return {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="postgres:// URL of the scratch database.")
    parser.add_argument("--bucket", required=True, help="The scratch media bucket.")
    parser.add_argument("--backup-bucket", help="Bucket to create for the copy (default: <bucket>-drill-<time>).")
    parser.add_argument("--endpoint-url", help="S3 endpoint (moto's server here; empty on AWS).")
    parser.add_argument("--region", default="eu-west-1")
    parser.add_argument("--work-dir", type=Path, help="Where the dump goes (default: a temporary folder).")
    parser.add_argument("--confirm-wipe", help="The database's name: it is wiped and restored.")
    parser.add_argument("--inventory-out", type=Path, help="Only write the inventory (step 1) to this file.")
    parser.add_argument("--compare-with", type=Path, help="Only compare with an inventory file (step 5).")
    args = parser.parse_args(argv)

    client = s3_client(endpoint_url=args.endpoint_url, region=args.region)
    if args.inventory_out:
        found = inventory(args.database_url, client, args.bucket)
        args.inventory_out.write_text(json.dumps(inventory_to_json(found), indent=1))
        print(f"inventory: {len(found.tables)} tables, {found.rows} rows, {len(found.objects)} objects")
        return 0
    if args.compare_with:
        before = inventory_from_json(json.loads(args.compare_with.read_text()))
        found = differences(before, inventory(args.database_url, client, args.bucket))
        for line in found:
            print(f"MISMATCH {line}")
        print(f"{len(found)} differences" if found else "every row and object is as in the inventory")
        return 1 if found else 0

    if args.confirm_wipe != database_name(args.database_url):
        parser.error("--confirm-wipe must repeat the database's name")
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            parser.error(f"{tool} is not on PATH")
    backup_bucket = args.backup_bucket or f"{args.bucket}-drill-{time.strftime('%Y%m%d%H%M%S')}"[:63]
    with tempfile.TemporaryDirectory(prefix="restore-drill-") as temporary:
        found, _timings, _after = run_drill(
            database_url=args.database_url,
            bucket=args.bucket,
            backup_bucket=backup_bucket,
            client=client,
            work_dir=args.work_dir or Path(temporary),
        )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
