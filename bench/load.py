"""Load test of the mobile API: gunicorn on loopback with PostgreSQL and Redis.

    python bench/load.py [--seconds 120] [--clients 16] [--workers 2] [--threads 8]

Builds a catalogue in a database of its own (``bench_load``, dropped and created here),
starts gunicorn on a free loopback port with the cache and the Celery broker on Redis (DB 9,
flushed; so throttles are shared between workers; their rates are set very high for the run),
logs a listener in through the real /auth/login, then:

1. the constant-JSON view for ``--seconds / 4``: ``/health``, answered by the first middleware
   with a constant JSON body (the floor of this server: WSGI, gunicorn and the network path);
2. the mobile mix for ``--seconds``: content lists 30% (gathering list, gathering detail),
   track + signed URL 25% (track detail then audio URL, two requests), progress updates 35%,
   search 10% (GET /content/search when the served schema has it; otherwise its share goes to
   the content lists, and the output says so).

Prints requests/s, p50/p95/p99, error rate per kind and overall, and the ratio of the mix's
throughput to the constant view's. Targets: 0 errors, p99 < 10 x p50.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "bench_load"
PG = os.environ.get("LOAD_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("LOAD_REDIS", "redis://127.0.0.1:6379/9")
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


def build_database() -> dict:
    """Migrate a fresh database and fill it: 5 gatherings x 4 sessions x 6 English tracks,
    each with a Portuguese translation, audio ready, an English transcript."""
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    os.environ.update(server_env())
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth.hashers import make_password  # noqa: F401 (the real hasher)

    from accounts.models import GroupMembership
    from accounts.services import user_create_verified
    from retreats.models import Track
    from tests import factories

    user = user_create_verified(email=EMAIL, password=PASSWORD, name="Listener")
    user.content_language = "en-pt"
    user.save(update_fields=["content_language"])
    group, retreats = factories.make_catalogue(gatherings=5, sessions=4, tracks=6)
    GroupMembership.objects.create(user=user, group=group)
    Track.objects.update(audio_file="audio/load.mp3", processing_status="ready", file_size=1_000_000)
    for track in Track.objects.filter(language="en")[:40]:
        factories.make_transcript(track, pdf_file=f"transcripts/{track.uuid}.pdf", pages=("Meditation on compassion.",))
    return {
        "gatherings": [str(r.uuid) for r in retreats],
        "tracks": [str(u) for u in Track.objects.values_list("uuid", flat=True)],
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Client:
    """One keep-alive HTTP/1.1 connection per load thread."""

    def __init__(self, port: int, token: str | None = None):
        self.port, self.token = port, token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body=None) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
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
    """``pick(rng, client) -> [(kind, method, path, body)]``; returns (kind, seconds, status)."""
    samples, lock = [], threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(n: int):
        rng = random.Random(n)
        client = Client(port, token)
        local = []
        while time.monotonic() < deadline:
            for kind, method, path, body in pick(rng):
                start = time.perf_counter()
                try:
                    status, _ = client.request(method, path, body)
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    print(f"building {DB_NAME} ...", flush=True)
    data = build_database()
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "padmakara.wsgi", "-b", f"127.0.0.1:{port}", "-k", "gthread",
         "-w", str(args.workers), "--threads", str(args.threads), "--keep-alive", "75"],
        cwd=ROOT, env=server_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        for _ in range(300):
            try:
                if Client(port).request("GET", "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        status, body = Client(port).request("POST", "/api/v1/auth/login", {"email": EMAIL, "password": PASSWORD})
        assert status == 200, body
        token = json.loads(body)["accessToken"]
        paths = json.loads(Client(port).request("GET", "/api/v1/schema?format=json")[1])["paths"]
        has_search = "/api/v1/content/search" in paths

        gatherings, tracks = data["gatherings"], data["tracks"]
        words = ["compassion", "meditation", "teaching", "ensinamento", "bodhisattva"]

        def mix(rng):
            r = rng.random()
            if r < 0.30 or (r >= 0.90 and not has_search):
                if rng.random() < 0.5:
                    return [("content list", "GET", "/api/v1/content/retreats", None)]
                return [("content list", "GET", f"/api/v1/content/gathering/{rng.choice(gatherings)}", None)]
            if r < 0.55:
                track = rng.choice(tracks)
                return [
                    ("track", "GET", f"/api/v1/content/track/{track}", None),
                    ("signed URL", "GET", f"/api/v1/media/audio/{track}?quality=high", None),
                ]
            if r < 0.90:
                body = {"trackId": rng.choice(tracks), "position": round(rng.uniform(0, 1700), 1), "completed": False}
                return [("progress update", "POST", "/api/v1/progress/track", body)]
            return [("search", "GET", f"/api/v1/content/search?q={rng.choice(words)}&limit=20", None)]

        floor_seconds = max(5.0, args.seconds / 4)
        print(
            f"gunicorn gthread {args.workers} workers x {args.threads} threads on 127.0.0.1:{port}; "
            f"PostgreSQL {DB_NAME}; cache + broker {REDIS}; {args.clients} clients; "
            f"{len(gatherings)} gatherings, {len(tracks)} tracks",
            flush=True,
        )
        if not has_search:
            print("search: GET /content/search is not served by this build; its 10% goes to content lists")
        run_phase(port, None, 3, args.clients, lambda rng: [("warm-up", "GET", "/health", None)])
        floor = run_phase(port, None, floor_seconds, args.clients, lambda rng: [("constant", "GET", "/health", None)])
        run_phase(port, token, 3, args.clients, mix)  # warm caches and connections
        samples = run_phase(port, token, args.seconds, args.clients, mix)

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
        print(f"\nmix throughput / constant view throughput: {mix_rps / floor_rps:.3f}")
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


if __name__ == "__main__":
    sys.exit(main())
