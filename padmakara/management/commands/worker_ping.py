"""Smoke check for the task path: send ``padmakara.ping`` and wait for a worker to answer."""

import json
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError

from padmakara.observability import new_request_id, request_id_var
from padmakara.tasks import ping, ping_cache_key


class Command(BaseCommand):
    help = "Queue a ping task and wait until a Celery worker answers it (exit status 1 if none does)."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=60.0, help="Seconds to wait for the answer.")

    def handle(self, *args, timeout: float, **options):
        eager = settings.CELERY_TASK_ALWAYS_EAGER
        if not eager and "locmem" in settings.CACHES["default"]["BACKEND"].lower():
            raise CommandError("The worker answers through the cache: set CACHE_URL to a shared cache (Redis).")
        token = secrets.token_hex(8)
        request_id = new_request_id()
        reset = request_id_var.set(request_id)
        try:
            ping.delay(token)
        finally:
            request_id_var.reset(reset)

        deadline = time.monotonic() + timeout
        while True:
            answer = cache.get(ping_cache_key(token))
            if answer is not None:
                break
            if time.monotonic() >= deadline:
                raise CommandError(f"No worker answered ping {token} within {timeout:g} s.")
            time.sleep(0.2)
        if answer.get("request_id") != request_id:
            raise CommandError(f"The worker answered without the request id it was sent: {answer}")
        answer["mode"] = "eager" if eager else "worker"
        self.stdout.write(json.dumps(answer))
