"""Two devices syncing at once lose nothing: 8 threads, each with its own database connection,
push 200 events each for one user and one track, interleaved in time between two devices."""

import datetime
import random
import threading

import pytest
from django.db import connection

from progress.models import ListeningSession
from progress.services import progress_sync

from .events import event, expected_state, stored_state

THREADS, EVENTS_PER_THREAD, BATCH = 8, 200, 20


@pytest.mark.postgres
def test_it_loses_nothing_when_devices_sync_at_once(postgres, transactional_db, user, track):
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    start = now - datetime.timedelta(hours=3)
    rng = random.Random(5)
    # Thread t sends every 8th event of one timeline, so playedAt interleaves across threads;
    # even threads are the phone, odd ones the tablet.
    per_thread = [[] for _ in range(THREADS)]
    for i in range(THREADS * EVENTS_PER_THREAD):
        thread = i % THREADS
        per_thread[thread].append(
            event(
                track,
                at=start + datetime.timedelta(seconds=5 * i + rng.choice([0, 0, 1])),  # some equal playedAt
                position=float(rng.randrange(0, 940)),
                completed=rng.random() < 0.002,
                seconds=float(rng.randrange(1, 30)),
                device="phone" if thread % 2 == 0 else "tablet",
                event_id=f"t{thread}-{i}",
            )
        )
    # Each thread also replays its neighbour's first batch: the same eventIds race between connections.
    replays = [per_thread[(t + 1) % THREADS][:BATCH] for t in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    results, errors = [[] for _ in range(THREADS)], []

    def device(t):
        try:
            mine = per_thread[t][:]
            rng_t = random.Random(t)
            rng_t.shuffle(mine)  # an offline queue need not be in order
            queue = [mine[k : k + BATCH] for k in range(0, len(mine), BATCH)]
            queue.insert(1, replays[t])
            barrier.wait()
            for batch in queue:
                results[t].append(progress_sync(user=user, events=batch, now=now))
        except Exception as exc:  # surfaced in the main thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=device, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    every_event = [e for events in per_thread for e in events]
    applied = sum(r.applied for rs in results for r in rs)
    duplicates = sum(r.duplicates for rs in results for r in rs)
    assert (applied, duplicates) == (THREADS * EVENTS_PER_THREAD, THREADS * BATCH)
    assert ListeningSession.objects.filter(user=user).count() == THREADS * EVENTS_PER_THREAD
    assert stored_state(user, track) == expected_state(every_event, duration=track.duration)
