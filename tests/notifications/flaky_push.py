"""A push backend for the worker tests: the first call fails transiently, later ones record
locally. The count lives in Redis, so it holds across the worker's processes."""

import os

import redis

from notifications.push import LocalPushBackend, PushResult


class FailFirstPushBackend(LocalPushBackend):
    def send(self, messages):
        calls = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).incr("test:flaky-push:calls")
        if calls == 1:
            return [PushResult(device_id=m.device_id, ok=False, retry=True, error="provider busy") for m in messages]
        return super().send(messages)
