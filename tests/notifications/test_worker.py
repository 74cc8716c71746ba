"""Exactly once with a real worker: Celery on Redis, PostgreSQL, tasks sent on commit."""

import pytest

from accounts.models import Device
from notifications.models import LocalPush, Notification, NotificationEvent
from notifications.tasks import fan_out_event
from retreats.services import retreat_publish
from tests.factories import make_retreat, make_user

from .worker import broker, celery_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.redis]


@pytest.fixture
def listeners(transactional_db, postgres, redis_url):
    users = [make_user() for _ in range(25)]
    for n, user in enumerate(users):
        Device.objects.create(user=user, platform="ios", push_token=f"tok-{n}")
    return users


def _done(event_count: int = 1):
    return lambda: NotificationEvent.objects.filter(state="sent").count() == event_count


def test_it_notifies_once_under_a_double_publish_and_a_replayed_job(listeners, redis_url, tmp_path):
    retreat = make_retreat(status="draft", audience="free-anyone")

    with celery_worker(redis_url, log_path=tmp_path / "worker.log", env={"NOTIFY_BATCH_SIZE": "7"}), broker(redis_url):
        assert retreat_publish(retreat=retreat)  # commits; the task goes to Redis on commit
        assert not retreat_publish(retreat=retreat)  # the second click
        event = NotificationEvent.objects.get()
        # The same job delivered again while the first may still be running (two processes).
        fan_out_event.delay(event.pk)
        fan_out_event.delay(event.pk)
        assert wait_for(_done()), (tmp_path / "worker.log").read_text()[-3000:]
        # Give the replayed jobs time to run to their end as well.
        assert wait_for(lambda: (tmp_path / "worker.log").read_text().count("succeeded") >= 3)

    assert Notification.objects.count() == len(listeners)
    assert sorted(Notification.objects.values_list("user_id", flat=True)) == sorted(u.pk for u in listeners)
    assert LocalPush.objects.count() == len(listeners)
    assert NotificationEvent.objects.get().notified_count == len(listeners)


def test_it_notifies_once_when_the_task_is_retried(listeners, redis_url, tmp_path):
    retreat = make_retreat(status="draft", audience="free-anyone")
    env = {
        "PUSH_BACKEND": "tests.notifications.flaky_push.FailFirstPushBackend",
        "NOTIFY_RETRY_DELAY": "1",
        "NOTIFY_BATCH_SIZE": "10",
    }

    with celery_worker(redis_url, log_path=tmp_path / "worker.log", env=env), broker(redis_url):
        retreat_publish(retreat=retreat)
        assert wait_for(_done()), (tmp_path / "worker.log").read_text()[-3000:]

    event = NotificationEvent.objects.get()
    assert event.attempts == 2 and "retry" in event.last_error
    assert "Retry in" in (tmp_path / "worker.log").read_text()
    assert Notification.objects.count() == len(listeners)
    assert set(Notification.objects.values_list("push_state", flat=True)) == {"sent"}
    assert LocalPush.objects.count() == len(listeners)
    assert sorted(LocalPush.objects.values_list("token", flat=True)) == sorted(f"tok-{n}" for n in range(25))
