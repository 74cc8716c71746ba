"""PostgreSQL goes away under load and comes back: requests fail cleanly, 503 in
the envelope, never a 500 or a dropped connection, and the same app process recovers by
itself. The machine's PostgreSQL is shared, so the outage is a cut TCP proxy between one
gunicorn of ours and it.

Prints what was lost: progress updates the API acknowledged (200) that are not in the
database afterwards. Target: nothing.
"""

import itertools
import threading
import time

import pytest

from accounts.services import user_create_verified
from progress.models import TrackProgress
from tests import factories

from .conftest import PASSWORD, app_env, call, database_url, login, until

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_answers_503_while_postgresql_is_down_and_recovers_without_a_restart(pg_proxy, start_app):
    user_create_verified(email="load@example.org", password=PASSWORD, name="Load")
    _, retreats = factories.make_catalogue(gatherings=1, sessions=1, tracks=4, translations=False)
    tracks = [str(t.uuid) for t in retreats[0].sessions.get().tracks.all()]
    base = start_app(app_env(DATABASE_URL=database_url(pg_proxy.port), CONTENT_CACHE_SECONDS="0"))
    token = login(base, "load@example.org")

    phase = "before"
    results = []  # (phase, method, status, body)
    acknowledged = {}  # trackId -> highest position the API said it saved
    stop = threading.Event()
    lock = threading.Lock()
    counter = itertools.count(1)

    def client(n: int):
        while not stop.is_set():
            i = next(counter)
            if i % 2:
                status, body = call(base, "GET", "/api/v1/content/retreats", token=token)
                method = "GET"
            else:
                track, position = tracks[n % len(tracks)], float(i)
                status, body = call(
                    base,
                    "POST",
                    "/api/v1/progress/track",
                    token=token,
                    body={"trackId": track, "position": position, "completed": False},
                )
                method = "POST"
                if status == 200:
                    with lock:
                        acknowledged[track] = max(acknowledged.get(track, 0), position)
            with lock:
                results.append((phase, method, status, body))
            time.sleep(0.01)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    phase = "down"
    pg_proxy.cut()
    time.sleep(3)
    pg_proxy.restore()
    phase = "after"
    recovered = until(lambda: call(base, "GET", "/api/v1/progress/stats", token=token)[0] == 200, timeout=15)
    time.sleep(2)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    by_phase = {p: [r for r in results if r[0] == p] for p in ("before", "down", "after")}
    statuses = {p: sorted({r[2] for r in rows}) for p, rows in by_phase.items()}
    unclean = [r for r in results if r[2] not in (200, 503)]
    not_enveloped = [
        r
        for r in results
        if r[2] == 503 and not (isinstance(r[3], dict) and r[3].get("error", {}).get("code") == "service_unavailable")
    ]
    saved = {str(p.track.uuid): p.position for p in TrackProgress.objects.select_related("track")}
    lost = {track: pos for track, pos in acknowledged.items() if saved.get(track, -1) < pos}
    print(
        f"\nrequests: {len(results)}; statuses by phase: {statuses}; "
        f"503 while down: {sum(r[2] == 503 for r in by_phase['down'])}; "
        f"recovered without restart: {recovered}; lost acknowledged updates: {len(lost)} {lost}"
    )

    assert by_phase["before"] and all(r[2] == 200 for r in by_phase["before"])
    assert any(r[2] == 503 for r in by_phase["down"]), statuses
    assert not unclean, unclean[:5]
    assert not not_enveloped, not_enveloped[:5]
    assert recovered
    assert by_phase["after"] and by_phase["after"][-1][2] == 200
    assert not lost
