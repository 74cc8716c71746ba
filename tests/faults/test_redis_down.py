"""Redis goes away: the API keeps serving reads, rate limiting falls back (fails
open, with a warning in the log) and comes back with Redis. The machine's Redis is shared, so
the outage is a cut TCP proxy between one gunicorn of ours and it (this xdist worker's database)."""

import datetime
import json

import pytest

from accounts.services import user_create_verified
from media import jobs
from media.models import DownloadBundle
from padmakara.celery import app as celery_app
from tests import factories
from tests.support import redis_address
from tests.support import redis_url as redis_url_through

from .conftest import PASSWORD, app_env, call, login
from .proxy import TcpProxy

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_proxy(redis_url):
    host, port = redis_address()
    proxy = TcpProxy(port, host)
    proxy.url = redis_url_through(port=proxy.port)
    yield proxy
    proxy.close()


def test_it_serves_reads_and_suspends_rate_limits_while_redis_is_down(postgres, redis_proxy, start_app, tmp_path):
    user_create_verified(email="reader@example.org", password=PASSWORD, name="Reader")
    factories.make_catalogue(gatherings=1, sessions=1, tracks=2)
    url = redis_proxy.url
    from .conftest import database_url

    base = start_app(
        app_env(DATABASE_URL=database_url(5432), CACHE_URL=url, THROTTLE_CONTENT="5/minute", CACHE_SOCKET_TIMEOUT="0.5")
    )
    token = login(base, "reader@example.org")

    def reads(n):
        return [call(base, "GET", "/api/v1/content/retreats", token=token)[0] for _ in range(n)]

    before = reads(7)
    redis_proxy.cut()
    down = reads(10)
    profile_down = call(base, "GET", "/api/v1/user/profile", token=token)[0]
    redis_proxy.restore()
    after = reads(2)
    log = "".join(p.read_text() for p in tmp_path.glob("gunicorn-*.log"))
    print(f"\nbefore (limit 5/min): {before}\nRedis down: {down} profile {profile_down}\nRedis back: {after}")

    assert before[:5] == [200] * 5 and before[5:] == [429, 429]  # the limit, shared through Redis
    assert down == [200] * 10 and profile_down == 200  # reads served, limit suspended
    assert after == [429, 429]  # the counters in Redis apply again
    assert "cache unreachable" in log


def test_it_keeps_a_job_requested_while_the_broker_is_down(postgres, redis_url, redis_proxy, start_app, tmp_path):
    import redis

    user_create_verified(email="offline@example.org", password=PASSWORD, name="Offline")
    _, retreats = factories.make_catalogue(gatherings=1, sessions=1, tracks=1, translations=False)
    track = retreats[0].sessions.get().tracks.get()
    url = redis_proxy.url
    from .conftest import database_url

    base = start_app(
        app_env(DATABASE_URL=database_url(5432), CACHE_URL=url, CELERY_BROKER_URL=url, CELERY_TASK_ALWAYS_EAGER="false")
    )
    token = login(base, "offline@example.org")
    redis_proxy.cut()
    status, body = call(
        base, "POST", "/api/v1/media/download", token=token, body={"trackIds": [str(track.uuid)], "quality": "high"}
    )
    redis_proxy.restore()
    broker = redis.Redis.from_url(redis_url)
    queued_at_once = broker.llen("padmakara")
    bundle = DownloadBundle.objects.get()

    # The periodic sweep (media.tasks.requeue_waiting), run here against the same Redis.
    previous = {"task_always_eager": celery_app.conf.task_always_eager, "broker_url": celery_app.conf.broker_url}
    celery_app._after_fork()
    celery_app.conf.update(task_always_eager=False, broker_url=redis_url)
    try:
        sent = jobs.requeue_waiting(older_than=datetime.timedelta(0))
    finally:
        celery_app.conf.update(previous)
        celery_app._after_fork()
    message = json.loads(broker.lindex("padmakara", 0))
    lost = 0 if message["headers"]["task"] == "media.tasks.build_bundle" else 1
    print(
        f"\nbundle requested while the broker was down: {status} ({bundle.status}); queued then: {queued_at_once}; "
        f"sent by the sweep once Redis was back: {sent}; lost: {lost}"
    )
    assert status == 202, body
    assert bundle.status == "preparing"
    assert sent == 1 and message["headers"]["argsrepr"] == f"({bundle.pk},)"
