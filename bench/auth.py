"""Token checks: what a Bearer token costs per request.

Prints (1) the median time to validate one access token with a warm key cache, (2) the
median of the whole authenticator (validation + the user lookup by ``sub`` + the revocation
check on that row, also timed alone with a full list of logged-out sessions), and (3) the
ratio of an authenticated ``GET /api/v1/content/track/{id}`` to the same request with
``force_authenticate`` (target <= 1.2).

    python bench/auth.py [--n 2000]          # SQLite test database
    DATABASE_URL=postgres://… python bench/auth.py

Runs on a throw-away test database (created and destroyed here), never on your data.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "padmakara.settings")
os.environ.setdefault("IDENTITY_ISSUER", "http://testserver")
# The benchmark makes thousands of requests: keep the content throttle out of the way.
os.environ.setdefault("THROTTLE_CONTENT", "100000000/hour")

import warnings

import django

# collectstatic has not run in a checkout; whitenoise's warning about it is noise here.
warnings.filterwarnings("ignore", message="No directory at")

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402
from rest_framework.test import APIClient, APIRequestFactory  # noqa: E402

from accounts import revocation  # noqa: E402
from accounts.authentication import CognitoTokenAuthentication, get_validator, validate_access_token  # noqa: E402
from accounts.models import User  # noqa: E402
from accounts.services import user_create_verified  # noqa: E402
from tests.factories import make_catalogue  # noqa: E402


def median_us(fn, n: int) -> float:
    samples = []
    for _ in range(n):
        start = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples) / 1000


def main() -> None:
    parser = argparse.ArgumentParser()
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
        user = user_create_verified(email="bench@example.org", password="a-long-pass-phrase", name="Bench")
        _, retreats = make_catalogue(gatherings=1, sessions=2, tracks=5)
        track = retreats[0].sessions.first().tracks.first()

        client = APIClient()
        token = client.post("/api/v1/auth/login", {"email": user.email, "password": "a-long-pass-phrase"}).json()[
            "accessToken"
        ]

        validator = get_validator()
        validate_access_token(token)  # warm the key cache

        def first_sight():
            validator._verified.clear()  # time the full check: header, key, RS256 signature, claims
            validate_access_token(token)

        validation = median_us(first_sight, args.n)
        repeat = median_us(lambda: validate_access_token(token), args.n)

        payload = validate_access_token(token)
        crowded = User.objects.get(pk=user.pk)
        crowded.tokens_valid_after = crowded.date_joined
        crowded.revoked_sessions = {f"session-{i}": 2**40 for i in range(revocation.MAX_REVOKED_SESSIONS)}
        check = median_us(lambda: revocation.is_revoked(crowded, payload), args.n)

        request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
        authenticator = CognitoTokenAuthentication()
        authentication = median_us(lambda: authenticator.authenticate(request), args.n)

        url = f"/api/v1/content/track/{track.uuid}"
        bearer = APIClient()
        bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        forced = APIClient()
        forced.force_authenticate(user)
        assert bearer.get(url).status_code == forced.get(url).status_code == 200
        for _ in range(50):  # warm both paths
            bearer.get(url)
            forced.get(url)
        bearer_samples, forced_samples = [], []
        for _ in range(args.requests):  # interleaved, so drift hits both alike
            start = time.perf_counter_ns()
            bearer.get(url)
            bearer_samples.append(time.perf_counter_ns() - start)
            start = time.perf_counter_ns()
            forced.get(url)
            forced_samples.append(time.perf_counter_ns() - start)
        bearer_ms = statistics.median(bearer_samples) / 1e6
        forced_ms = statistics.median(forced_samples) / 1e6
        keys_fetched = len(get_validator().key_cache.keys)

        print(f"database: {connection.vendor}")
        print(
            f"token validation, first sight (RS256 verify, warm key cache of {keys_fetched} key), median over {args.n}: {validation:.1f} µs"
        )
        print(f"token validation, same token again (verified-token cache), median over {args.n}: {repeat:.1f} µs")
        print(
            f"revocation check alone (user row with {revocation.MAX_REVOKED_SESSIONS} logged-out sessions), median over {args.n}: {check:.2f} µs"
        )
        print(f"authenticator (validation + user by sub + revocation), median over {args.n}: {authentication:.1f} µs")
        print(f"GET /content/track/{{id}} with Bearer token, median over {args.requests}: {bearer_ms:.3f} ms")
        print(f"GET /content/track/{{id}} with force_authenticate, median over {args.requests}: {forced_ms:.3f} ms")
        ratio = bearer_ms / forced_ms
        print(f"ratio Bearer / force_authenticate: {ratio:.3f} (target <= 1.2: {'met' if ratio <= 1.2 else 'NOT met'})")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
