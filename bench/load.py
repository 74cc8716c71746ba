"""Load test of the mobile API: gunicorn on loopback with PostgreSQL and Redis.

    python bench/load.py [--scale 1|10] [--seconds 60] [--clients 16] [--users 48]
                         [--worker-class gthread|sync] [--workers 2] [--threads 8] [--db-pool 0]

Builds the benchmarks' catalogue (bench/catalogue.py: ``--scale 1`` is the real archive, 193
gatherings and 20,800 tracks with titles from bench/words, indexed for search) in a database
of its own (``bench_load``, created here and dropped at the end), with ``--users`` listeners of
varied access (subscribers or not, members of one or two groups, some attendances; app and
content languages mixed), each logged in through the real /auth/login with a token of its own.
Starts gunicorn on a free loopback port with the cache and the Celery broker on Redis
(``LOAD_REDIS``, default the database of ``TEST_REDIS_URL``; flushed before and after), then:

1. the constant-JSON view for ``--seconds / 4``: ``/health``, answered by the first middleware
   with a constant JSON body (the floor of this server: WSGI, gunicorn and the network path);
2. the mobile mix for ``--seconds``, each request as a random listener: content lists 30%
   (catalogue, group detail, gathering detail), track + signed URL 25% (track detail then
   audio URL of a track the listener may play), progress updates 35%, search 10% (one or two
   words of bench/words).

Prints requests/s, p50/p95/p99, error rate per kind and overall, the ratio of the mix's
throughput to the constant view's, and the cache: the share of content reads answered from
the rendered-body cache, and Redis's own hit rate over the mix. Targets: 0 errors, p99 < 10 x
p50, mix / constant >= 0.15.
"""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "bench_load"
PG = os.environ.get("LOAD_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("LOAD_REDIS", os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9"))
PASSWORD = "a-long-pass-phrase"
EMAIL = "listener@load.example"


def server_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PADMAKARA", "DJANGO", "CELERY", "CACHE"))}
    env.update(
        DJANGO_SETTINGS_MODULE="padmakara.settings",
        PADMAKARA_ENV="local",
        SECRET_KEY="load-test-secret-key-not-for-production-0000000000000000",
        DATABASE_URL=f"{PG}/{DB_NAME}",
        DB_CONN_MAX_AGE="60",
        CACHE_URL=REDIS,
        CELERY_BROKER_URL=REDIS,
        REQUEST_LOG_LEVEL="WARNING",
        THROTTLE_CONTENT="100000000/hour",
        THROTTLE_PROGRESS="100000000/hour",
        THROTTLE_MEDIA="100000000/hour",
        THROTTLE_AUTH="100000000/hour",
    )
    return env


def drop_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def build_database(scale: int, users: int) -> dict:
    """Migrate a fresh database and fill it: the catalogue at ``scale``, audio ready, indexed
    for search, and ``users`` listeners of varied access."""
    import psycopg

    drop_database()
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    os.environ.update(server_env())
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts.models import GroupMembership, User
    from bench.catalogue import build_catalogue
    from retreats.access import AccessProfile
    from retreats.models import Attendance, Retreat, Track
    from retreats.search import index_tracks

    data = build_catalogue(scale)
    Track.objects.update(audio_file="audio/load.mp3", processing_status="ready", file_size=1_000_000)
    index_tracks(track_ids=list(Track.objects.values_list("id", flat=True)))
    groups, retreats = data["groups"], data["retreats"]
    password = make_password(PASSWORD)  # hashed once: every listener has the same password
    listeners = User.objects.bulk_create(
        User(
            email=f"listener{i}@load.example",
            password=password,
            name=f"Listener {i}",
            email_verified=True,
            language="pt" if i % 2 else "en",
            content_language=("en", "pt", "en-pt")[i % 3],
            subscription_status="active" if i % 4 else "inactive",
            subscription_plan="premium" if i % 8 == 1 else "basic",
        )
        for i in range(users)
    )
    User.objects.filter(pk__in=[u.pk for u in listeners]).update(cognito_sub=models_uuid_text())
    GroupMembership.objects.bulk_create(
        GroupMembership(user=u, group=g)
        for i, u in enumerate(listeners)
        for g in {groups[i % len(groups)], groups[(i * 3) % len(groups)]}
    )
    Attendance.objects.bulk_create(
        Attendance(user=u, gathering=retreats[(i * 7 + k) % len(retreats)], source="attended")
        for i, u in enumerate(listeners)
        for k in range(i % 4)
    )
    tracks_of = {}
    for gathering_id, track_uuid in Track.objects.values_list("session__retreat_id", "uuid"):
        tracks_of.setdefault(gathering_id, []).append(str(track_uuid))
    playable = {}
    for user in User.objects.filter(pk__in=[u.pk for u in listeners]):
        profile = AccessProfile.for_user(user)
        ids = Retreat.objects.filter(profile.playable_q(), status="published").values_list("id", flat=True)
        playable[user.email] = [t for gathering_id in ids for t in tracks_of.get(gathering_id, ())]
    return {
        "emails": [u.email for u in listeners],
        "playable": playable,
        "groups": [str(g.uuid) for g in groups],
        "gatherings": [str(r.uuid) for r in retreats],
        "tracks": [t for ts in tracks_of.values() for t in ts],
        "track_count": data["track_count"],
    }


def models_uuid_text():
    """Each listener's ``cognito_sub`` is its own uuid, as ``user_create_verified`` sets it."""
    from django.db.models import CharField, F
    from django.db.models.functions import Cast

    return Cast(F("uuid"), output_field=CharField())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Client:
    """One keep-alive HTTP/1.1 connection per load thread."""

    def __init__(self, port: int, token: str | None = None):
        self.port, self.token = port, token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body=None, token: str | None = None) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"}
        if token or self.token:
            headers["Authorization"] = f"Bearer {token or self.token}"
        data = json.dumps(body).encode() if body is not None else None
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: reconnect once. A second
                # failure is an error of the run.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def run_phase(port, token, seconds, clients, pick) -> list[tuple[str, float, int]]:
    """``pick(rng) -> [(kind, method, path, body, token)]`` (a token of None: ``token``);
    returns (kind, seconds, status)."""
    samples, lock = [], threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(n: int):
        rng = random.Random(n)
        client = Client(port, token)
        local = []
        while time.monotonic() < deadline:
            for kind, method, path, body, as_user in pick(rng):
                start = time.perf_counter()
                try:
                    status, _ = client.request(method, path, body, as_user)
                except OSError:
                    status = 0
                local.append((kind, time.perf_counter() - start, status))
        with lock:
            samples.extend(local)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


def report(name: str, samples, seconds: float) -> float:
    rps = len(samples) / seconds
    times = [s[1] for s in samples]
    errors = [s for s in samples if not 200 <= s[2] < 300]
    print(
        f"{name:<22} {len(samples):>7} req  {rps:>8.1f} req/s  p50 {pct(times, 50):6.1f} ms  "
        f"p95 {pct(times, 95):6.1f} ms  p99 {pct(times, 99):6.1f} ms  errors {len(errors)} "
        f"({100 * len(errors) / max(1, len(samples)):.2f}%)"
    )
    return rps


def redis_stats(client) -> tuple[int, int, int]:
    """Redis's keyspace hits and misses so far, and the rendered content bodies it holds."""
    stats = client.info("stats")
    bodies = sum(1 for _ in client.scan_iter(match="*content:body:*", count=1000))
    return stats["keyspace_hits"], stats["keyspace_misses"], bodies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, choices=(1, 10), default=1, help="1: the real archive; 10: ten times")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--users", type=int, default=48, help="listeners, each with a token of its own")
    parser.add_argument("--worker-class", choices=("gthread", "sync"), default="gthread")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--db-pool",
        type=int,
        default=0,
        help="DB_POOL_MAX_SIZE: psycopg's pool per process (0: persistent connections)",
    )
    args = parser.parse_args()
    os.environ["DB_POOL_MAX_SIZE"] = str(args.db_pool)

    import redis

    store = redis.Redis.from_url(REDIS)
    print(f"building {DB_NAME} at scale {args.scale} ...", flush=True)
    started = time.perf_counter()
    data = build_database(args.scale, args.users)
    built = time.perf_counter() - started
    store.flushdb()
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "padmakara.wsgi", "-b", f"127.0.0.1:{port}",
               "-k", args.worker_class, "-w", str(args.workers), "--keep-alive", "75"]  # fmt: skip
    if args.worker_class == "gthread":
        command += ["--threads", str(args.threads)]
    server = subprocess.Popen(
        command, cwd=ROOT, env=server_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        for _ in range(300):
            try:
                if Client(port).request("GET", "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        tokens = {}
        for email in data["emails"]:
            status, body = Client(port).request("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
            assert status == 200, body
            tokens[email] = json.loads(body)["accessToken"]
        emails = [e for e in data["emails"] if data["playable"][e]]
        groups, gatherings, playable = data["groups"], data["gatherings"], data["playable"]
        from bench.catalogue import vocabulary

        english, portuguese = vocabulary()
        words = english + portuguese

        def mix(rng):
            email = rng.choice(emails)
            token = tokens[email]
            r = rng.random()
            if r < 0.30:
                kind = rng.random()
                if kind < 0.4:
                    path = "/api/v1/content/retreats"
                elif kind < 0.6:
                    path = f"/api/v1/content/retreat/{rng.choice(groups)}"
                else:
                    path = f"/api/v1/content/gathering/{rng.choice(gatherings)}"
                return [("content list", "GET", path, None, token)]
            if r < 0.55:
                track = rng.choice(playable[email])
                return [
                    ("track", "GET", f"/api/v1/content/track/{track}", None, token),
                    ("signed URL", "GET", f"/api/v1/media/audio/{track}?quality=high", None, token),
                ]
            if r < 0.90:
                body = {
                    "trackId": rng.choice(playable[email]),
                    "position": round(rng.uniform(0, 1700), 1),
                    "completed": False,
                }
                return [("progress update", "POST", "/api/v1/progress/track", body, token)]
            q = " ".join(rng.sample(words, rng.choice((1, 1, 2))))
            return [("search", "GET", f"/api/v1/content/search?q={quote(q)}&limit=20", None, token)]

        floor_seconds = max(5.0, args.seconds / 4)
        workers = f"{args.workers} workers" + (f" x {args.threads} threads" if args.worker_class == "gthread" else "")
        print(
            f"built in {built:.0f} s; gunicorn {args.worker_class} {workers} on 127.0.0.1:{port}; "
            f"PostgreSQL {DB_NAME} ({f'pool of {args.db_pool}' if args.db_pool else 'persistent connections'}); cache + broker {REDIS}; {args.clients} clients as {len(emails)} listeners; "
            f"{len(gatherings)} gatherings, {data['track_count']} tracks",
            flush=True,
        )
        run_phase(port, None, 3, args.clients, lambda rng: [("warm-up", "GET", "/health", None, None)])
        floor = run_phase(
            port, None, floor_seconds, args.clients, lambda rng: [("constant", "GET", "/health", None, None)]
        )
        run_phase(port, None, 3, args.clients, mix)  # warm connections (and some caches)
        hits0, misses0, bodies0 = redis_stats(store)
        samples = run_phase(port, None, args.seconds, args.clients, mix)
        hits1, misses1, bodies1 = redis_stats(store)

        print(f"\nconstant-JSON view (/health, answered by the first middleware), {floor_seconds:g} s:")
        floor_rps = report("/health", floor, floor_seconds)
        print(f"\nmobile mix, {args.seconds:g} s:")
        for kind in ("content list", "track", "signed URL", "progress update", "search"):
            rows = [s for s in samples if s[0] == kind]
            if rows:
                print(f"  share {100 * len(rows) / len(samples):4.1f}%", end="  ")
                report(kind, rows, args.seconds)
        mix_rps = report("all", samples, args.seconds)
        times = [s[1] for s in samples]
        errors = sum(not 200 <= s[2] < 300 for s in samples)
        ratio = pct(times, 99) / max(pct(times, 50), 1e-9)
        content_reads = sum(1 for s in samples if s[0] in ("content list", "track") and s[2] == 200)
        rendered = bodies1 - bodies0
        print(
            f"\ncache: {content_reads} content reads, {rendered} rendered (body cache hit rate "
            f"{100 * (1 - rendered / max(1, content_reads)):.1f}%); Redis keyspace hit rate over the mix "
            f"{100 * (hits1 - hits0) / max(1, hits1 - hits0 + misses1 - misses0):.1f}%"
        )
        print(f"mix throughput / constant view throughput: {mix_rps / floor_rps:.3f}")
        print(f"targets: errors 0 -> {errors}; p99 < 10 x p50 -> p99/p50 = {ratio:.1f}")
        return 0 if errors == 0 and ratio < 10 else 1
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            _, stderr = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            _, stderr = server.communicate()
        errors = [line for line in stderr.splitlines() if "ERROR" in line or "Traceback" in line]
        if errors:
            print("server errors:\n  " + "\n  ".join(errors[:20]))
        # What the bench created goes: its database and its Redis keys.
        from django.db import connections

        connections.close_all()
        drop_database()
        store.flushdb()


if __name__ == "__main__":
    sys.exit(main())
