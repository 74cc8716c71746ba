"""The rate limits count in windows (padmakara.api.throttles.WindowThrottle): the previous
window weighs by how much of it the sliding window still covers; refused requests are not
counted; on Redis one round trip per request; Redis down suspends the limit."""

import pytest
from django.core.cache import caches
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from padmakara.api.throttles import ContentThrottle
from tests.factories import make_user
from tests.support import free_port

pytestmark = pytest.mark.django_db

START = 1_800_000_000.0  # a window boundary for "3/minute" (divisible by 60)


class ThreePerMinute(ContentThrottle):
    rate = "3/minute"


def _redis_cache(settings, url):
    settings.CACHES = {**settings.CACHES, "limits": {"BACKEND": "padmakara.cache.FailOpenRedisCache", "LOCATION": url}}
    return caches["limits"]


@pytest.fixture(params=["local", "redis"])
def cache(request, settings):
    if request.param == "local":
        return caches["default"]
    return _redis_cache(settings, request.getfixturevalue("redis_url"))


def _request(user):
    request = APIView().initialize_request(APIRequestFactory().get("/api/v1/content/retreats"))
    force_authenticate(request, user)
    request.user = user
    return request


def _throttle(cache, now: float) -> ThreePerMinute:
    throttle = ThreePerMinute()
    throttle.cache = cache
    throttle.timer = lambda: now
    return throttle


def _answers(cache, request, now: float, n: int = 1) -> list[bool]:
    return [_throttle(cache, now).allow_request(request, None) for _ in range(n)]


def test_it_allows_the_rate_then_refuses_with_a_wait_and_does_not_count_refusals(cache):
    request = _request(make_user())
    assert _answers(cache, request, START + 5, 3) == [True, True, True]
    refused = _throttle(cache, START + 20)
    assert refused.allow_request(request, None) is False
    # The window's 3 fade out of the sliding window: in the next one, one more fits at 20 s.
    assert refused.wait() == 60 - 20 + 20
    assert _answers(cache, request, START + 21, 5) == [False] * 5
    # Refusals were not counted: in the next window, halfway, 3 × 0.5 + 1 fits, 3 × 0.5 + 2 not.
    assert _answers(cache, request, START + 60 + 30, 2) == [True, False]
    waiting = _throttle(cache, START + 60 + 31)
    assert waiting.allow_request(request, None) is False
    assert waiting.wait() == 9  # at 40 s: 3 × (1/3) + 2 = 3
    assert _answers(cache, request, START + 60 + 40) == [True]
    # Two windows later the first no longer counts.
    assert _answers(cache, request, START + 180, 3) == [True, True, True]


def test_each_user_has_a_count_of_their_own(cache):
    first, second = _request(make_user()), _request(make_user())
    assert _answers(cache, first, START, 4) == [True, True, True, False]
    assert _answers(cache, second, START, 3) == [True, True, True]


def test_on_redis_it_costs_one_round_trip(settings, redis_url, monkeypatch):
    cache = _redis_cache(settings, redis_url)
    client = cache._cache.get_client(write=True)
    sent = []
    original = client.pipeline

    def pipeline(*args, **kwargs):
        pipe = original(*args, **kwargs)
        execute = pipe.execute
        pipe.execute = lambda *a, **k: sent.append(len(pipe.command_stack)) or execute(*a, **k)
        return pipe

    # The cache hands out one client (padmakara.cache.ReusingRedisCacheClient): watch it.
    monkeypatch.setattr(client, "pipeline", pipeline)
    monkeypatch.setattr(client, "execute_command", lambda *a, **k: pytest.fail("a command outside the pipeline"))
    assert _answers(cache, _request(make_user()), START, 3) == [True, True, True]
    assert sent == [3, 3, 3]


def test_redis_unreachable_suspends_the_limit(settings):
    settings.CACHES = {
        **settings.CACHES,
        "dead": {
            "BACKEND": "padmakara.cache.FailOpenRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/9",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    assert _answers(caches["dead"], _request(make_user()), START, 5) == [True] * 5


def test_the_default_cache_behind_drfs_proxy_is_counted_on_redis_too(settings, redis_url, monkeypatch):
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "padmakara.cache.FailOpenRedisCache", "LOCATION": redis_url},
    }
    client = caches["default"]._cache.get_client(write=True)
    outside = []
    execute_command = client.execute_command
    monkeypatch.setattr(client, "execute_command", lambda *a, **k: outside.append(a[0]) or execute_command(*a, **k))
    request = _request(make_user())

    def answer() -> bool:
        throttle = ThreePerMinute()  # its cache is DRF's default: the proxy of caches["default"]
        throttle.timer = lambda: START
        return throttle.allow_request(request, None)

    assert [answer(), answer(), answer()] == [True, True, True]
    assert outside == []  # three pipelines, nothing else
    assert answer() is False
    assert outside  # a refusal takes its count back
