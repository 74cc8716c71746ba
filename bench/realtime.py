"""Benchmark of the live-events WebSocket: prints its figures, asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/padmakara REALTIME_REDIS_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python bench/realtime.py --scale 1

It builds a throwaway database (``bench_<name>``, dropped at the end) next to the one in
DATABASE_URL, empties the Redis database of REALTIME_REDIS_URL (give it one of its own) before
and after, starts the ASGI server as production does (``manage.py serve``, uvicorn) on a
loopback port, and opens 5,000 x scale authenticated connections, one per listener, from
client processes of 5,000 connections each. It measures:

1. idle connections held per server process, and the server's memory per connection (its
   processes' resident memory with every connection open, less with one);
2. fan-out latency of ``catalogue.changed.v1`` to every connection: a free gathering's
   audience is found and sent the event (``retreats.live``, as a publish does), and each
   client notes when its event arrives; p50, p99 and max over several rounds, from the call.

Scale 10 (50,000 connections) needs several server processes (``--workers``, default one per
5,000 connections' worth of file descriptors) and source addresses 127.0.0.2… for the client
sockets (one address has ~28,000 ephemeral ports). Everything shares the machine's cores: the
clients' own parsing time is part of the latency measured.
"""

import argparse
import asyncio
import contextlib
import datetime
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "padmakara.settings")
os.environ.setdefault("REALTIME_REDIS_URL", os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))

PER_CLIENT_PROCESS = 5000
ISSUER = "https://bench.padmakara.local"
ROUNDS = 5


def _raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


# --- client processes ---------------------------------------------------------------------


def _client_process(url: str, tokens: list[str], source: str, conn) -> None:
    """Open one connection per token, then, for each round the parent starts, report when each
    connection got its event (epoch seconds)."""
    _raise_fd_limit()
    import orjson
    from websockets.asyncio.client import connect

    async def main():
        sockets = []
        limit = asyncio.Semaphore(100)

        async def open_one(token):
            async with limit:
                for attempt in range(5):
                    try:
                        ws = await connect(
                            url, subprotocols=["padmakara.v1"], local_addr=(source, 0), open_timeout=60,
                            ping_interval=None, max_queue=4,
                        )  # fmt: skip
                        await ws.send(orjson.dumps({"type": "auth", "token": token}).decode())
                        ready = orjson.loads(await asyncio.wait_for(ws.recv(), 60))
                        assert ready["type"] == "ready.v1", ready
                        return ws
                    except (OSError, TimeoutError):
                        await asyncio.sleep(0.5 * (attempt + 1))
                raise RuntimeError("could not connect")

        sockets = await asyncio.gather(*(open_one(token) for token in tokens))
        conn.send(("open", len(sockets)))
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command == "stop":
                break

            async def arrival(ws):
                while True:
                    message = orjson.loads(await ws.recv())
                    if message["type"] == "catalogue.changed.v1":
                        return time.time()

            times = await asyncio.gather(*(asyncio.wait_for(arrival(ws), 60) for ws in sockets))
            conn.send(("round", times))
        await asyncio.gather(*(ws.close() for ws in sockets))

    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())


# --- the parent ---------------------------------------------------------------------------


def _rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def _server_pids(root: int, workers: int) -> list[int]:
    """The processes that hold connections: the server itself, or its workers."""
    if workers == 1:
        return [root]
    children = Path(f"/proc/{root}/task/{root}/children").read_text().split()
    return [int(pid) for pid in children]


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1, help="connections = 5,000 x scale")
    parser.add_argument("--workers", type=int, default=0, help="server processes (default: one per 15,000)")
    args = parser.parse_args()
    connections_wanted = PER_CLIENT_PROCESS * args.scale
    workers = args.workers or max(1, -(-connections_wanted // 15000))
    _raise_fd_limit()

    os.environ["IDENTITY_ISSUER"] = ISSUER
    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.db import connection

    from accounts.models import User
    from accounts.providers.local import LocalIdentityProvider
    from retreats import live
    from retreats.models import Retreat, RetreatGroup

    real_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{Path(str(real_name)).stem}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    redis_client = redis.Redis.from_url(settings.REALTIME_REDIS_URL)
    redis_client.flushdb()
    server = None
    clients = []
    try:
        print(f"realtime bench: scale {args.scale}, {connections_wanted} connections, {workers} server process(es)")
        if connection.vendor != "postgresql":
            print("  (not PostgreSQL: set DATABASE_URL for the figures that matter)")
        started = time.monotonic()
        User.objects.bulk_create(
            [
                User(email=f"listener{i}@bench.local", email_verified=True, cognito_sub=f"bench-{i}")
                for i in range(connections_wanted)
            ],
            batch_size=5000,
        )
        users = list(User.objects.order_by("pk"))
        provider = LocalIdentityProvider()
        tokens = [
            provider._tokens(user, request=None, origin_jti=f"bench-{user.pk}", auth_time=int(time.time()), refresh_token=None).access_token
            for user in users
        ]  # fmt: skip
        group = RetreatGroup.objects.create(name="Bench", slug="bench")
        gathering = Retreat.objects.create(
            name="Bench gathering", slug="bench-gathering", status="published", audience_id="free-anyone",
            start_date=datetime.date(2024, 3, 1), end_date=datetime.date(2024, 3, 3),
        )  # fmt: skip
        gathering.groups.add(group)
        print(f"  setup: {len(users)} listeners and their tokens in {time.monotonic() - started:.1f} s")

        db = connection.settings_dict
        port = 18000 + os.getpid() % 1000
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
            if connection.vendor == "postgresql"
            else f"sqlite:///{db['NAME']}",
            "REALTIME_MAX_CONNECTIONS_PER_USER": "10",
            "DB_CONN_MAX_AGE": "60",  # as in production: a connection's checks reuse the process's database connection
            "LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen(
            [sys.executable, "manage.py", "serve", f"127.0.0.1:{port}", "--workers", str(workers)],
            cwd=BASE_DIR,
            env=env,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        time.sleep(1)
        pids = _server_pids(server.pid, workers)
        url = f"ws://127.0.0.1:{port}/ws/v1"

        # One connection first: the baseline the memory per connection is measured from.
        ctx = multiprocessing.get_context("spawn")
        first_parent, first_child = ctx.Pipe()
        first = ctx.Process(target=_client_process, args=(url, tokens[:1], "127.0.0.1", first_child))
        first.start()
        first_parent.recv()
        time.sleep(1)
        baseline = _rss_kib(pids)
        first_parent.send("stop")
        first.join(30)

        started = time.monotonic()
        shares = [tokens[i : i + PER_CLIENT_PROCESS] for i in range(0, len(tokens), PER_CLIENT_PROCESS)]
        for number, share in enumerate(shares):
            parent_end, child_end = ctx.Pipe()
            process = ctx.Process(target=_client_process, args=(url, share, f"127.0.0.{number + 2}", child_end))
            process.start()
            clients.append((process, parent_end))
        opened = sum(parent_end.recv()[1] for _process, parent_end in clients)
        open_seconds = time.monotonic() - started
        time.sleep(2)
        loaded = _rss_kib(pids)
        print(f"  connections: {opened} open and authenticated in {open_seconds:.1f} s ({opened / open_seconds:.0f}/s)")
        print(f"  idle connections held per server process: {opened / workers:.0f}")
        print(
            f"  server memory: {baseline / 1024:.0f} MiB with one connection, {loaded / 1024:.0f} MiB with {opened}: "
            f"{(loaded - baseline) / max(1, opened - 1):.1f} KiB per connection"
        )

        latencies, calls = [], []
        for _round in range(ROUNDS):
            for _process, parent_end in clients:
                parent_end.send("go")
            time.sleep(0.5)  # the clients are listening
            t0 = time.time()
            sent = live._tell_audience(retreat_id=gathering.pk, reason=live.Reason.PUBLISHED)
            calls.append(time.time() - t0)
            assert sent == opened, (sent, opened)
            for _process, parent_end in clients:
                latencies += [arrived - t0 for arrived in parent_end.recv()[1]]
            time.sleep(0.5)
        ms = [value * 1000 for value in latencies]
        print(
            f"  catalogue.changed.v1 fan-out to {opened} connections, {ROUNDS} rounds: "
            f"p50 {_percentile(ms, 0.5):.0f} ms, p99 {_percentile(ms, 0.99):.0f} ms, max {max(ms):.0f} ms; "
            f"the sending call {statistics.median(calls) * 1000:.0f} ms (median)"
        )
    finally:
        for process, parent_end in clients:
            with contextlib.suppress(OSError):
                parent_end.send("stop")
            process.join(30)
            if process.is_alive():
                process.kill()
        if server is not None:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
        redis_client.flushdb()
        connection.creation.destroy_test_db(real_name, verbosity=0)


if __name__ == "__main__":
    main()
