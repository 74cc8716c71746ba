"""Listening data for dashboard tests and screenshots, written in bulk."""

import datetime
import random

from django.utils import timezone

from accounts.models import User
from progress.models import ListeningSession, TrackProgress
from retreats.models import Track
from tests.factories import make_catalogue


def make_listening(*, users: int, sessions_per_user: int, days: int = 30, seed: int = 7, group=None):
    """A catalogue, listeners who joined over the period, and their listening sessions/progress."""
    rng = random.Random(seed)
    now = timezone.now()
    group, retreats = make_catalogue(gatherings=4, sessions=2, tracks=3, translations=False, group=group)
    tracks = list(Track.objects.filter(session__retreat__in=retreats).values_list("pk", "duration"))
    User.objects.bulk_create(
        User(email=f"listener{seed}-{n}@example.org", date_joined=now - datetime.timedelta(days=rng.randrange(days)))
        for n in range(users)
    )
    listeners = list(User.objects.filter(email__startswith=f"listener{seed}-").values_list("pk", flat=True))
    sessions, progress = [], {}
    for user_id in listeners:
        for n in range(sessions_per_user):
            track_id, duration = rng.choice(tracks)
            played = now - datetime.timedelta(days=rng.randrange(days), minutes=rng.randrange(1440))
            seconds = rng.uniform(60, duration)
            sessions.append(
                ListeningSession(
                    user_id=user_id, track_id=track_id, event_id=f"e{user_id}-{n}", played_at=played,
                    position=seconds, seconds=seconds, created_at=played,
                )
            )  # fmt: skip
            done = seconds > 0.9 * duration
            progress[(user_id, track_id)] = TrackProgress(
                user_id=user_id, track_id=track_id, position=seconds, completed=done or progress.get(
                    (user_id, track_id), TrackProgress(completed=False)).completed,
                last_played=played, created_at=played, updated_at=played,
            )  # fmt: skip
    ListeningSession.objects.bulk_create(sessions, batch_size=2000)
    TrackProgress.objects.bulk_create(progress.values(), batch_size=2000)
    return group, retreats
