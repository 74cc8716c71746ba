"""Archive import benchmark: prints its figures (not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/padmakara python bench/import.py --scale 1

Generates an archive with the real one's shapes (tests/media/archive_shapes.py): at scale 1,
200 gatherings of two audio sets (English, Portuguese) of 50 small MP3s each in one ZIP per
set, 20,000 files in 400 ZIPs, and its 62-column CSV; scale 10 is ten times as many
gatherings. The archive and the media bucket live on moto's S3 server, run as a process of
its own (it keeps every object in memory, which is not the importer's). Then runs
``manage.py import_archive`` as a child process against a database of its own
(``<name>_import_bench``, created and dropped here):

1. the plan (a dry run): wall time, and the time for listing alone (the objects, before any
   ZIP's central directory is read), bytes read from ZIPs;
2. the apply: wall time, files per second;
3. the same apply again (a re-run: nothing to import) — the resume path's cost.

For each, the child's peak RSS (VmHWM). Target: under 200 MB at any scale. Processing jobs
are sent to a Redis broker (``--broker``, default TEST_REDIS_URL or db 14), never run: the
figures are the import's own. That Redis database is flushed at the end.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.media import archive_shapes  # noqa: E402
from tests.support import free_port  # noqa: E402

REGION = "eu-west-1"
AWS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}


def _peak_rss_mb(proc: subprocess.Popen) -> tuple[float, int]:
    """Wait for ``proc``, reading its VmHWM (peak RSS) until it exits; (peak MB, exit code)."""
    peak = 0

    def watch():
        nonlocal peak
        status = Path(f"/proc/{proc.pid}/status")
        while proc.poll() is None:
            try:
                match = re.search(r"^VmHWM:\s+(\d+) kB", status.read_text(), re.M)
                if match:
                    peak = max(peak, int(match.group(1)))
            except (FileNotFoundError, ProcessLookupError):
                break
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    code = proc.wait()
    watcher.join()
    return peak / 1024, code


def _start_moto(port: int) -> subprocess.Popen:
    env = {**os.environ, **AWS}
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    import socket

    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("moto's server did not start")


def _database(url: str) -> tuple[str, str]:
    """A fresh database beside the one of ``url``: (its URL, its name)."""
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'padmakara'}_import_bench"
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return parts._replace(path=f"/{name}").geturl(), name


def _drop(url: str, name: str) -> None:
    import psycopg

    admin = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _count_imported(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM media_archivefile").fetchone()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1, help="1: 200 gatherings, 20,000 files; 10: ten times")
    parser.add_argument("--size", type=int, default=2048, help="bytes per audio file (default 2048)")
    parser.add_argument("--broker", default="", help="Redis URL of the broker (flushed at the end)")
    parser.add_argument("--skip-rerun", action="store_true")
    parser.add_argument("--plan-only", action="store_true", help="measure the plan (dry run) alone")
    parser.add_argument("--gatherings", type=int, default=0, help="instead of --scale (a quick try)")
    parser.add_argument(
        "--profile", default="", help="write cProfiles of the apply to this file (and of the plan to FILE.plan)"
    )
    parser.add_argument(
        "--apply-for",
        type=float,
        default=0,
        help="interrupt the apply (SIGINT, as Ctrl-C) after this many seconds, then count what it did",
    )
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        sys.exit("bench/import.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    broker = args.broker or os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/14"
    gatherings, tracks = args.gatherings or 200 * args.scale, 50

    port = free_port()
    moto = _start_moto(port)
    endpoint = f"http://127.0.0.1:{port}"
    bench_url, bench_name = _database(database_url)
    workdir = tempfile.mkdtemp(prefix="import-bench-")
    try:
        import boto3
        from botocore.config import Config

        s3 = boto3.client("s3", endpoint_url=endpoint, region_name=REGION, config=Config(s3={"addressing_style": "path"}),
                          aws_access_key_id="testing", aws_secret_access_key="testing")  # fmt: skip
        for bucket in ("archive", "media"):
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        started = time.perf_counter()
        zip_bytes = 0

        def put(key, data):
            nonlocal zip_bytes
            zip_bytes += len(data)
            s3.put_object(Bucket="archive", Key=f"mediateca/{key}", Body=data)

        csv_text = archive_shapes.generate(put, gatherings=gatherings, tracks=tracks, size=args.size)
        csv_path = Path(workdir) / "export.csv"
        csv_path.write_text(csv_text, encoding="utf-8")
        files = gatherings * tracks * 2
        print(f"archive: {gatherings} gatherings, {files} audio files in {gatherings * 2} ZIPs "
              f"({zip_bytes / 1e6:.1f} MB), generated in {time.perf_counter() - started:.1f} s")  # fmt: skip

        env = {
            **{k: v for k, v in os.environ.items() if k not in {"CELERY_TASK_ALWAYS_EAGER"}}, **AWS,
            "DJANGO_SETTINGS_MODULE": "padmakara.settings", "PADMAKARA_ENV": "local", "DEBUG": "0",
            "SECRET_KEY": "bench-secret-key", "VAR_DIR": workdir, "LOG_LEVEL": "WARNING",
            "DATABASE_URL": bench_url, "STORAGE_BACKEND": "s3", "AWS_STORAGE_BUCKET_NAME": "media",
            "AWS_S3_ENDPOINT_URL": endpoint, "AWS_S3_ADDRESSING_STYLE": "path", "CELERY_BROKER_URL": broker,
        }  # fmt: skip
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c",
             "from retreats.models import Teacher; Teacher.objects.create(name='Jigme Khyentse Rinpoche', abbreviation='JKR')"],
            cwd=ROOT, env=env, check=True,
        )  # fmt: skip

        def command(*extra, report="", profile="", interrupt_after=0.0):
            python = [sys.executable, "-m", "cProfile", "-o", profile] if profile else [sys.executable]
            argv = [*python, "manage.py", "import_archive", "--csv", str(csv_path),
                    "--s3-prefix", "s3://archive/mediateca/", "--no-progress", *extra]  # fmt: skip
            if report:
                argv += ["--json", report]
            began = time.perf_counter()
            # A shell's background job starts with SIGINT ignored, and Python then installs no
            # KeyboardInterrupt handler: give the child the default back, so Ctrl-C reaches it.
            proc = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
            )  # fmt: skip
            out_lines: list[str] = []
            reader = threading.Thread(target=lambda: out_lines.extend(proc.stdout))
            reader.start()
            if interrupt_after:
                timer = threading.Timer(interrupt_after, lambda: proc.send_signal(signal.SIGINT))
                timer.start()
            peak, code = _peak_rss_mb(proc)
            reader.join()
            wall = time.perf_counter() - began
            if interrupt_after and code in (130, -signal.SIGINT):
                return wall, peak, ""
            if code:
                print(proc.stderr.read(), file=sys.stderr)
                raise SystemExit(f"import_archive exited {code}")
            return wall, peak, "".join(out_lines)

        plan_json = str(Path(workdir) / "plan.json")
        wall, peak, _out = command(report=plan_json, profile=f"{args.profile}.plan" if args.profile else "")
        listing = json.loads(Path(plan_json).read_text())["listing"]
        print(f"plan:   {wall:.1f} s wall (listing alone {listing['seconds']:.2f} s for {listing['objects']} objects; "
              f"plan {listing['planSeconds']:.1f} s, {listing['rangedRequests']} ranged reads, "
              f"{listing['bytesRead'] / 1e6:.2f} MB read of {zip_bytes / 1e6:.1f} MB); peak RSS {peak:.0f} MB")  # fmt: skip
        if args.plan_only:
            return 0
        wall, peak, out = command("--apply", profile=args.profile, interrupt_after=args.apply_for)
        if out:
            imported = int(re.search(r"Imported (\d+) files", out).group(1))
        else:
            imported = _count_imported(bench_url)
            print(f"        (interrupted by SIGINT after {args.apply_for:.0f} s, as Ctrl-C would)")
        print(f"apply:  {wall:.1f} s wall, {imported} files, {imported / wall:.0f} files/s; peak RSS {peak:.0f} MB")
        if not args.skip_rerun:
            wall, peak, out = command("--apply")
            again = int(re.search(r"Imported (\d+) files", out).group(1))
            print(f"re-run: {wall:.1f} s wall, {again} files imported; peak RSS {peak:.0f} MB")
    finally:
        moto.terminate()
        moto.wait()
        _drop(database_url, bench_name)
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
        try:
            import redis

            redis.Redis.from_url(broker).flushdb()
        except Exception as exc:
            print(f"(could not flush {broker}: {exc})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
