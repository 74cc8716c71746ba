"""Token checks: what a Bearer token costs per request, first seen and seen again.

The authenticator verifies a token's RS256 signature the first time a process sees it and
keeps the verified claims in a per-process cache (``TokenValidator._verified``); every request
then loads the user by ``sub`` (one query) and checks revocation on that row. So there are two
costs, measured apart:

- **first sight**: a token this process has never verified, of a user it has not served
  (a listener opening the app, or a request landing on another worker);
- **cached**: the same token again (the common case within one worker).

Each is timed through ``GET /api/v1/content/track/{id}`` against its floor, the same request
with ``force_authenticate`` (no token at all) for the same users in the same order,
interleaved sample by sample so that drift hits both alike. Request logging is off (as in
bench/content_api.py); the cache is Redis, as in production (``BENCH_CACHE_URL``, default
``TEST_REDIS_URL``'s database). The users share one access profile, so their rendered body is
in the cache after the warm-up: each pass runs again with the body rendered every time (cold),
the request whose share the token's cost really is. Also printed: the validation and the
authenticator alone.

``--scale 1`` puts 10,000 listeners in the users table (the lookup by ``sub`` runs against a
table of that size), ``--scale 10`` 100,000; the first-sight pass uses ``--requests`` of them,
each with a token of its own minted by the local provider.

    python bench/auth.py [--scale 1|10] [--n 2000] [--requests 500]   # SQLite test database
    DATABASE_URL=postgres://… python bench/auth.py --scale 10

Runs on a throw-away test database (created and destroyed here), never on your data.
Target: Bearer / force-authenticated <= 1.2.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "padmakara.settings")
os.environ.setdefault("IDENTITY_ISSUER", "http://testserver")
# The benchmark makes thousands of requests: keep the content throttle out of the way.
os.environ.setdefault("THROTTLE_CONTENT", "100000000/hour")
os.environ.setdefault("REQUEST_LOG_LEVEL", "WARNING")  # one log line per request is not what is measured
# The cache production uses (throttle counters, access facts, rendered bodies): Redis, a
# database of its own, flushed by the run.
os.environ["CACHE_URL"] = os.environ.get(
    "BENCH_CACHE_URL", os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
)

import warnings

import django

# collectstatic has not run in a checkout; whitenoise's warning about it is noise here.
warnings.filterwarnings("ignore", message="No directory at")

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings, setup_test_environment, teardown_test_environment  # noqa: E402
from rest_framework.test import APIClient, APIRequestFactory  # noqa: E402

from accounts import revocation  # noqa: E402
from accounts.authentication import CognitoTokenAuthentication, get_validator, validate_access_token  # noqa: E402
from accounts.models import User  # noqa: E402
from accounts.providers import get_provider  # noqa: E402
from tests.factories import make_catalogue  # noqa: E402

USERS_PER_SCALE = 10_000


def median_us(fn, n: int) -> float:
    samples = []
    for _ in range(n):
        start = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples) / 1000


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f} on {os.cpu_count()} cores"


def listeners(count: int) -> list[User]:
    """``count`` active listeners linked to the local provider (``cognito_sub``), in bulk."""
    User.objects.bulk_create(
        (
            User(email=f"listener{n}@bench.local", cognito_sub=str(uuid.uuid4()), email_verified=True, password="!")
            for n in range(count)
        ),
        batch_size=5_000,
    )
    return list(User.objects.filter(email__endswith="@bench.local").order_by("pk"))


def access_token(user: User) -> str:
    """A fresh access token of a new session, signed as a login signs it."""
    tokens = get_provider()._tokens(
        user, request=None, origin_jti=str(uuid.uuid4()), auth_time=int(time.time()), refresh_token=None
    )
    return tokens.access_token


def interleaved(url: str, pairs: list[tuple[APIClient, APIClient]]) -> tuple[float, float]:
    """Median ms of each side over ``pairs`` of (measured, floor) clients, taking turns."""
    measured, floor = [], []
    for client, base in pairs:
        start = time.perf_counter_ns()
        response = client.get(url)
        measured.append(time.perf_counter_ns() - start)
        assert response.status_code == 200, response.content[:300]
        start = time.perf_counter_ns()
        response = base.get(url)
        floor.append(time.perf_counter_ns() - start)
        assert response.status_code == 200, response.content[:300]
    return statistics.median(measured) / 1e6, statistics.median(floor) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, choices=(1, 10), default=1, help="listeners = 10,000 x scale")
    parser.add_argument("--n", type=int, default=2000, help="validations to time")
    parser.add_argument("--requests", type=int, default=500, help="requests to time per variant")
    args = parser.parse_args()

    setup_test_environment()
    # Its own database name, so a test database of the suite (pytest --reuse-db) is left alone.
    test_settings = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "sqlite":
        test_settings["NAME"] = str(Path(tempfile.gettempdir()) / "padmakara-bench-auth.sqlite3")
    else:
        test_settings["NAME"] = f"bench_auth_{connection.settings_dict['NAME']}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        users = listeners(USERS_PER_SCALE * args.scale)
        _, retreats = make_catalogue(gatherings=1, sessions=2, tracks=5)
        track = retreats[0].sessions.first().tracks.first()
        url = f"/api/v1/content/track/{track.uuid}"
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE accounts_user")

        # Spread over the table: the first-sight users, each with a token of its own (twice as
        # many as requests: the Bearer side and the floor each see a user once, so both pay
        # for loading its access facts the first time).
        step = max(1, len(users) // (2 * args.requests + 1))
        fresh = users[::step][: 2 * args.requests + 1]
        tokens = {user.pk: access_token(user) for user in fresh}
        regular = fresh.pop()
        token = tokens[regular.pk]

        validator = get_validator()
        validate_access_token(token)  # warm the key cache

        def first_sight():
            validator._verified.clear()  # time the full check: header, key, RS256 signature, claims
            validate_access_token(token)

        validation = median_us(first_sight, args.n)
        repeat = median_us(lambda: validate_access_token(token), args.n)

        payload = validate_access_token(token)
        crowded = User.objects.get(pk=regular.pk)
        crowded.tokens_valid_after = crowded.date_joined
        crowded.revoked_sessions = {f"session-{i}": 2**40 for i in range(revocation.MAX_REVOKED_SESSIONS)}
        check = median_us(lambda: revocation.is_revoked(crowded, payload), args.n)

        request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
        authenticator = CognitoTokenAuthentication()
        cached_auth = median_us(lambda: authenticator.authenticate(request), args.n)
        fresh_requests = [
            APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {tokens[u.pk]}") for u in fresh[1::2]
        ]
        first_auth_samples = []
        for fresh_request in fresh_requests:
            start = time.perf_counter_ns()
            authenticator.authenticate(fresh_request)
            first_auth_samples.append(time.perf_counter_ns() - start)
        first_auth = statistics.median(first_auth_samples) / 1000

        def bearer(user: User) -> APIClient:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens[user.pk]}")
            return client

        def forced(user: User) -> APIClient:
            client = APIClient()
            client.force_authenticate(user)
            return client

        for _ in range(50):  # warm both paths (imports, connection, the body cache for this profile)
            bearer(regular).get(url)
            forced(regular).get(url)
        # First sight: each token (and user) once; a new process-wide cache would be the same.
        validator._verified.clear()
        pairs = [(bearer(a), forced(b)) for a, b in zip(fresh[::2], fresh[1::2], strict=True)]
        first_ms, first_floor_ms = interleaved(url, pairs)
        # Cached: the same token again and again.
        same_bearer, same_forced = bearer(regular), forced(regular)
        cached_ms, cached_floor_ms = interleaved(url, [(same_bearer, same_forced)] * args.requests)
        # The same two with the body rendered every time (the first reader after a change):
        # the request the token's cost is a share of is the cold one.
        with override_settings(CONTENT_CACHE_SECONDS=0):
            validator._verified.clear()
            pairs = [(bearer(a), forced(b)) for a, b in zip(fresh[::2], fresh[1::2], strict=True)]
            cold_first_ms, cold_first_floor_ms = interleaved(url, pairs)
            cold_ms, cold_floor_ms = interleaved(url, [(same_bearer, same_forced)] * args.requests)
        keys_fetched = len(get_validator().key_cache.keys)

        cache_backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
        print(
            f"auth bench, scale {args.scale}: {len(users):,} listeners, database {connection.vendor},"
            f" cache {cache_backend}, request logging off; {load()}"
        )
        print(
            f"token validation, first sight (RS256 verify, warm key cache of {keys_fetched} key), median over {args.n}: {validation:.1f} µs"
        )
        print(f"token validation, same token again (verified-token cache), median over {args.n}: {repeat:.1f} µs")
        print(
            f"revocation check alone (user row with {revocation.MAX_REVOKED_SESSIONS} logged-out sessions), median over {args.n}: {check:.2f} µs"
        )
        print(
            f"authenticator (validation + user by sub + revocation): first sight {first_auth:.1f} µs"
            f" (median over {len(fresh_requests)} tokens), cached {cached_auth:.1f} µs (median over {args.n})"
        )
        print(f"GET /content/track/{{id}}, median ms            {'Bearer':>9}{'forced':>9}{'ratio':>8}")
        for name, measured, floor in (
            (f"first-sight tokens ({len(fresh) // 2} users a side)", first_ms, first_floor_ms),
            (f"cached token ({args.requests} requests)", cached_ms, cached_floor_ms),
            ("cold body, first-sight tokens", cold_first_ms, cold_first_floor_ms),
            ("cold body, cached token", cold_ms, cold_floor_ms),
        ):
            ratio = measured / floor
            verdict = "met" if ratio <= 1.2 else "NOT met"
            print(f"  {name:44}{measured:>9.3f}{floor:>9.3f}{ratio:>8.3f}  (target <= 1.2: {verdict})")
        print(f"({load()})")
    finally:
        cache.clear()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
