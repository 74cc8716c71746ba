"""Padmakara settings: one module, every value read from the environment, each variable once.

Every variable is documented in docs/configuration.md, in the same groups as below. With no
environment at all the project runs embedded: SQLite and local files under var/, tasks run
eagerly, no AWS. ``PADMAKARA_ENV=production`` turns the safe-by-default production checks on:
missing secrets or hosts raise ImproperlyConfigured instead of falling back.
"""

import logging
import os
import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def env_bool(name: str, *, default: bool) -> bool:
    """A boolean variable: true/false, 1/0, yes/no, on/off (any case); any other value refuses to start."""
    value = os.environ.get(name)
    if value is None:
        return default
    words = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}
    word = value.strip().lower()
    if word not in words:
        raise ImproperlyConfigured(f"{name} must be one of true/false, 1/0, yes/no, on/off, not {value!r}.")
    return words[word]


# --- Secrets Manager (read before anything else: the values below may come from it) ----------
# Variables already in the environment win over the secret's (see padmakara/aws_secrets.py).

AWS_REGION = env.str("AWS_REGION", default="eu-west-1")
_secret_id = env.str("SECRETS_MANAGER_SECRET_ID", default="")
if _secret_id:
    from padmakara import aws_secrets

    aws_secrets.load_into_environ(_secret_id, region=AWS_REGION)
_database_secret_id = env.str("DATABASE_SECRET_ID", default="")
_database_url = env.str("DATABASE_URL", default="")
_database_from_secret = bool(_database_secret_id and not _database_url)
if _database_from_secret:
    from padmakara import aws_secrets

    _database_url = aws_secrets.database_url_from_secret(_database_secret_id, region=AWS_REGION)
    os.environ["DATABASE_URL"] = _database_url

# --- Core -------------------------------------------------------------------------------

PADMAKARA_ENV = env.str("PADMAKARA_ENV", default="local")
if PADMAKARA_ENV not in {"local", "production"}:
    raise ImproperlyConfigured("PADMAKARA_ENV must be 'local' or 'production'.")
PRODUCTION = PADMAKARA_ENV == "production"

VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))


def _required(name: str, value):
    """The value, which production cannot do without."""
    if PRODUCTION and not value:
        raise ImproperlyConfigured(f"{name} must be set when PADMAKARA_ENV=production.")
    return value


def _local_secret_key() -> str:
    """A random key kept in var/ so a local install survives restarts without configuration."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = _required("SECRET_KEY", env.str("SECRET_KEY", default="")) or _local_secret_key()
# Previous keys stay valid for signatures (sessions, password reset links) during a rotation.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

_local_hosts = ["localhost", "127.0.0.1", "[::1]", "testserver"]
ALLOWED_HOSTS = _required("ALLOWED_HOSTS", env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else _local_hosts) or [])

INSTALLED_APPS = [
    # Django's admin with the project's site (accounts.admin_site.AdminSite: throttled sign-in, TOTP).
    "accounts.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "storages",
    # Before padmakara: padmakara's admin replaces auditlog's log entry admin (padmakara/audit_admin.py).
    "auditlog",
    # Two-step verification for the admin (accounts/admin_site.py); before accounts, whose admin
    # unregisters the device admin otp_totp registers.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "padmakara",
    "accounts",
    "retreats",
    "progress",
    "media",
    "library",
    "notifications",
    "subscriptions",
    "dashboard",
    "realtime",
    "demo",
    "compat",
]

MIDDLEWARE = [
    # First: answers load-balancer health checks before host validation (see docs/field-notes.md).
    "padmakara.health.HealthCheckMiddleware",
    # Next: every other request gets an id for its logs, its response and the tasks it queues.
    "padmakara.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session passed the admin's second step (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # After authentication: the logged-in staff member is the actor of the request's audited writes.
    "padmakara.audit.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "padmakara.urls"
WSGI_APPLICATION = "padmakara.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("pt", _("Portuguese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Database ---------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url_config(_required("DATABASE_URL", _database_url) or f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60 if PRODUCTION else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")
if IS_POSTGRES and not env.bool("DB_JIT", default=False):
    # PostgreSQL's JIT compiled the catalogue's queries for longer than they ran (579 of 677 ms
    # of a cold list at ten times the archive); the app's queries are short, so it stays off.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
# Django's connection pool (psycopg's), an alternative to persistent connections: each process
# keeps at most DB_POOL_MAX_SIZE connections shared by its threads. Off by default: see
# deploy/README.md "Web process" for the measurements. It does not combine with rotating
# credentials (the pool opens its connections itself) nor with CONN_MAX_AGE.
DB_POOL_MAX_SIZE = env.int("DB_POOL_MAX_SIZE", default=0)
if IS_POSTGRES and DB_POOL_MAX_SIZE:
    if _database_from_secret:
        raise ImproperlyConfigured("DB_POOL_MAX_SIZE does not work with DATABASE_SECRET_ID (rotating credentials).")
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DB_POOL_MAX_SIZE,
        "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
    }
if IS_POSTGRES and _database_from_secret:
    # Credentials from Secrets Manager: after a rotation, a refused login re-reads the secret.
    DATABASES["default"]["ENGINE"] = "padmakara.rotating_postgres"
    DATABASES["default"]["SECRET_ID"] = _database_secret_id
    DATABASES["default"]["SECRET_REGION"] = AWS_REGION

# --- Cache (throttles and the catalogue version stamp must be shared between processes) ---

# In production several processes serve: rate limits and the catalogue version stamp must be
# shared, or one instance keeps serving what another has already changed.
CACHES = {
    "default": env.cache_url_config(
        _required("CACHE_URL", env.str("CACHE_URL", default="")) or "locmemcache://padmakara"
    )
}

# A Redis cache fails open: while Redis is unreachable reads miss, writes are dropped and rate
# limits are suspended, with a warning in the log (padmakara/cache.py), instead of 500s. Short
# socket timeouts so that a Redis that hangs costs a request little.
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "padmakara.cache.FailOpenRedisCache"
    _cache_socket_timeout = env.float("CACHE_SOCKET_TIMEOUT", default=1.0)
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": _cache_socket_timeout, "socket_timeout": _cache_socket_timeout}
    )

# --- Storage and media ------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/files/"
MEDIA_ROOT = VAR_DIR / "media"

STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="s3" if PRODUCTION else "local")
if STORAGE_BACKEND not in {"local", "s3"}:
    raise ImproperlyConfigured("STORAGE_BACKEND must be 'local' or 's3'.")

AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
# Signed media URLs live this long, but never less than a track's duration + 15 minutes.
MEDIA_URL_EXPIRY_SECONDS = env.int("MEDIA_URL_EXPIRY_SECONDS", default=3600)
MEDIA_URL_MIN_MARGIN_SECONDS = 15 * 60

# Every object write (uploads, renditions, bundles, multipart uploads) asks for this encryption.
# With a KMS key (the deployed media bucket's, which cross-region replication re-encrypts with
# the replica's key) the key is named, or S3 would use the account's aws/s3 key instead.
AWS_S3_SSE_KMS_KEY_ID = env.str("AWS_S3_SSE_KMS_KEY_ID", default="")
if AWS_S3_SSE_KMS_KEY_ID:
    _s3_encryption = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": AWS_S3_SSE_KMS_KEY_ID}
else:
    _s3_encryption = {"ServerSideEncryption": env.str("AWS_S3_SSE", default="AES256")}

if STORAGE_BACKEND == "s3":
    if not AWS_STORAGE_BUCKET_NAME:
        raise ImproperlyConfigured("AWS_STORAGE_BUCKET_NAME must be set when STORAGE_BACKEND=s3.")
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "region_name": AWS_REGION,
            "endpoint_url": AWS_S3_ENDPOINT_URL,
            "location": env.str("AWS_S3_PREFIX", default=""),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": MEDIA_URL_EXPIRY_SECONDS,
            "file_overwrite": False,
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="auto"),
            "signature_version": "s3v4",
            "object_parameters": _s3_encryption,
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    if PRODUCTION
    else {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
# Largest JSON body the API parses (a full 500-event sync is a few hundred KB); larger answers
# 413 request_too_large unread. nginx refuses the same on /api/ (deploy/eb/.../nginx.conf).
API_MAX_BODY_SIZE = env.int("API_MAX_BODY_SIZE", default=1024 * 1024)

# Set all three to serve media through CloudFront signed URLs instead of S3 presigned ones.
CLOUDFRONT_DOMAIN = env.str("CLOUDFRONT_DOMAIN", default="")
CLOUDFRONT_KEY_ID = env.str("CLOUDFRONT_KEY_ID", default="")
CLOUDFRONT_PRIVATE_KEY = env.str("CLOUDFRONT_PRIVATE_KEY", default="").replace("\\n", "\n")
if bool(CLOUDFRONT_DOMAIN) != bool(CLOUDFRONT_KEY_ID and CLOUDFRONT_PRIVATE_KEY):
    raise ImproperlyConfigured("CLOUDFRONT_DOMAIN, CLOUDFRONT_KEY_ID and CLOUDFRONT_PRIVATE_KEY go together.")
# Local mode: where app-signed media URLs point (empty: the requesting host).
MEDIA_PUBLIC_BASE_URL = env.str("MEDIA_PUBLIC_BASE_URL", default="")

# Processing, bundles, uploads.
FFMPEG_BINARY = env.str("FFMPEG_BINARY", default="ffmpeg")
FFPROBE_BINARY = env.str("FFPROBE_BINARY", default="ffprobe")
# AAC renditions: name -> bitrate in kbit/s.
MEDIA_RENDITIONS = {
    "medium": env.int("MEDIA_RENDITION_MEDIUM_KBPS", default=96),
    "low": env.int("MEDIA_RENDITION_LOW_KBPS", default=48),
}
MEDIA_TASK_TIME_LIMIT = env.int("MEDIA_TASK_TIME_LIMIT", default=45 * 60)
MEDIA_TASK_MAX_RETRIES = env.int("MEDIA_TASK_MAX_RETRIES", default=5)
# A row still waiting (track/transcript pending, bundle preparing) this long is sent again.
MEDIA_REQUEUE_AFTER_SECONDS = env.int("MEDIA_REQUEUE_AFTER_SECONDS", default=600)
MEDIA_BUNDLE_TTL_HOURS = env.int("MEDIA_BUNDLE_TTL_HOURS", default=48)
MEDIA_BUNDLE_MAX_TRACKS = env.int("MEDIA_BUNDLE_MAX_TRACKS", default=500)
# Each listener's allowance of offline bundles (staff have none): bundles waiting or building
# at once, bundles alive at once (waiting, building or ready and not expired), and bytes asked
# for in any 24 hours. Past one, a new request answers 429 quota_exceeded.
MEDIA_BUNDLE_USER_MAX_BUILDING = env.int("MEDIA_BUNDLE_USER_MAX_BUILDING", default=2)
MEDIA_BUNDLE_USER_MAX_LIVE = env.int("MEDIA_BUNDLE_USER_MAX_LIVE", default=5)
MEDIA_BUNDLE_USER_MAX_BYTES_PER_DAY = env.int("MEDIA_BUNDLE_USER_MAX_BYTES_PER_DAY", default=10 * 1024**3)
# Text extraction from transcript PDFs stops at these limits, and the transcript is marked
# failed with the reason: a hostile PDF cannot hold a worker for long.
MEDIA_PDF_MAX_PAGES = env.int("MEDIA_PDF_MAX_PAGES", default=2000)
MEDIA_PDF_MAX_PAGE_CHARS = env.int("MEDIA_PDF_MAX_PAGE_CHARS", default=100_000)
MEDIA_PDF_MAX_TOTAL_CHARS = env.int("MEDIA_PDF_MAX_TOTAL_CHARS", default=5_000_000)
MEDIA_PDF_MAX_PAGE_CONTENT_BYTES = env.int("MEDIA_PDF_MAX_PAGE_CONTENT_BYTES", default=4 * 1024 * 1024)
MEDIA_PDF_MAX_SECONDS = env.int("MEDIA_PDF_MAX_SECONDS", default=120)
# Transcript and book PDFs a listener downloads carry their name and email on every page
# (media/watermarks.py); each copy is kept this long after it was last served, then deleted.
MEDIA_WATERMARK_PDFS = env_bool("MEDIA_WATERMARK_PDFS", default=True)
MEDIA_WATERMARK_TTL_HOURS = env.int("MEDIA_WATERMARK_TTL_HOURS", default=72)
MEDIA_WATERMARK_WAIT_SECONDS = env.int("MEDIA_WATERMARK_WAIT_SECONDS", default=30)
# Books (library): the largest PDF and cover image staff may upload.
LIBRARY_PDF_MAX_BYTES = env.int("LIBRARY_PDF_MAX_BYTES", default=500 * 1024 * 1024)
LIBRARY_COVER_MAX_BYTES = env.int("LIBRARY_COVER_MAX_BYTES", default=5 * 1024 * 1024)
LIBRARY_COVER_MAX_PIXELS = env.int("LIBRARY_COVER_MAX_PIXELS", default=4000)
if MEDIA_WATERMARK_TTL_HOURS * 3600 < MEDIA_URL_EXPIRY_SECONDS + 2 * 3600:
    # A copy must outlive every URL signed for it (it is kept alive at most once an hour).
    raise ImproperlyConfigured("MEDIA_WATERMARK_TTL_HOURS must exceed MEDIA_URL_EXPIRY_SECONDS by two hours or more.")
MEDIA_UPLOAD_MAX_BYTES = env.int("MEDIA_UPLOAD_MAX_BYTES", default=5 * 1024**3)
MEDIA_UPLOAD_PART_BYTES = env.int("MEDIA_UPLOAD_PART_BYTES", default=16 * 1024 * 1024)
# Read-along (word-timed transcripts, media/read_along.py): the largest JSON accepted, how far
# past the track's duration a time may fall (probes and aligners round), how long the served
# bytes stay in the cache, and the aligner backend (dotted path, media/aligners.py).
READ_ALONG_MAX_BYTES = env.int("READ_ALONG_MAX_BYTES", default=8 * 1024 * 1024)
READ_ALONG_END_TOLERANCE_SECONDS = env.float("READ_ALONG_END_TOLERANCE_SECONDS", default=0.5)
READ_ALONG_CACHE_SECONDS = env.int("READ_ALONG_CACHE_SECONDS", default=3600)
READ_ALONG_ALIGNER = env.str("READ_ALONG_ALIGNER", default="media.aligners.ProportionalAligner")
# Teachers' and places' photos (retreats/photos.py): refused above these sizes, and stored
# re-encoded within these bounds (longest side, pixels).
PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=15 * 1024 * 1024)
PHOTO_MAX_PIXELS = env.int("PHOTO_MAX_PIXELS", default=40_000_000)
PHOTO_AVATAR_SIZE = env.int("PHOTO_AVATAR_SIZE", default=512)
PHOTO_HERO_SIZE = env.int("PHOTO_HERO_SIZE", default=1920)

# --- Celery and beat --------------------------------------------------------------------

# Production needs a broker: without one every task (transcodes, bundles, push) would run
# inside the web request that queued it.
CELERY_BROKER_URL = _required("CELERY_BROKER_URL", env.str("CELERY_BROKER_URL", default=""))
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
if not CELERY_BROKER_URL:
    # Celery still builds a producer for eager tasks: an in-memory one, rather than a guess at
    # an AMQP server on localhost (and a warning on every task). With a host named, kombu does
    # not warn "No hostname was supplied" either.
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
# With no broker in DEBUG (`make run`), media jobs run in a thread pool of the web process after
# the request has answered, instead of inside it: the upload page shows their progress live.
MEDIA_JOBS_IN_THREAD = env_bool("MEDIA_JOBS_IN_THREAD", default=DEBUG and CELERY_TASK_ALWAYS_EAGER)
MEDIA_JOBS_THREADS = env.int("MEDIA_JOBS_THREADS", default=2)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=60 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="padmakara")
# Offline bundles on a queue of their own, so that a crowd of them cannot hold up the processing
# of uploads (empty: the default queue, shared). A worker must consume it (`-Q <name>`).
MEDIA_BUNDLE_QUEUE = env.str("MEDIA_BUNDLE_QUEUE", default="")
CELERY_TASK_ROUTES = {"media.tasks.build_bundle": {"queue": MEDIA_BUNDLE_QUEUE}} if MEDIA_BUNDLE_QUEUE else {}
# Longer than the longest task or countdown, or Redis/SQS redeliver a running task.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 60 * 60),
    "region": AWS_REGION,
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# Celery on SQS: the queue is created by CloudFormation and named here, so the worker needs no
# permission to list or create queues. SQS has no broadcast, so remote control is off.
CELERY_SQS_QUEUE_URL = env.str("CELERY_SQS_QUEUE_URL", default="")
CELERY_SQS_BUNDLE_QUEUE_URL = env.str("CELERY_SQS_BUNDLE_QUEUE_URL", default="")
if CELERY_BROKER_URL.startswith("sqs://"):
    if not CELERY_SQS_QUEUE_URL:
        raise ImproperlyConfigured("CELERY_SQS_QUEUE_URL must be set when CELERY_BROKER_URL is sqs://.")
    _predefined_queues = {CELERY_TASK_DEFAULT_QUEUE: {"url": CELERY_SQS_QUEUE_URL}}
    if MEDIA_BUNDLE_QUEUE:
        if not CELERY_SQS_BUNDLE_QUEUE_URL:
            raise ImproperlyConfigured("CELERY_SQS_BUNDLE_QUEUE_URL must be set with MEDIA_BUNDLE_QUEUE on sqs://.")
        _predefined_queues[MEDIA_BUNDLE_QUEUE] = {"url": CELERY_SQS_BUNDLE_QUEUE_URL}
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        {
            "predefined_queues": _predefined_queues,
            "wait_time_seconds": 20,  # long polling: fewer empty receives, lower cost
            "polling_interval": 1,
            # Off only for an SQS-compatible server over plain http on loopback (the tests).
            "is_secure": env_bool("CELERY_SQS_IS_SECURE", default=True),
        }
    )
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
    CELERY_WORKER_SEND_TASK_EVENTS = False
if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "CELERY_VISIBILITY_TIMEOUT must be longer than CELERY_TASK_TIME_LIMIT, or a running task is redelivered."
    )
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=None)
# Our LOGGING (JSON, request ids) applies in the worker too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Run celery beat exactly once (not in every instance's Procfile).
CELERY_BEAT_SCHEDULE_FILENAME = env.str("CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule"))
CELERY_BEAT_SCHEDULE = {
    "media-delete-expired-bundles": {
        "task": "media.tasks.delete_expired_bundles",
        "schedule": env.int("MEDIA_BUNDLE_CLEANUP_SECONDS", default=3600),
    },
    "media-delete-expired-watermarks": {
        "task": "media.tasks.delete_expired_watermarks",
        "schedule": env.int("MEDIA_WATERMARK_CLEANUP_SECONDS", default=3600),
    },
    "media-abort-stale-uploads": {"task": "media.tasks.abort_stale_uploads", "schedule": 6 * 3600},
    # Jobs whose message never reached the broker (it was down) or was lost: sent again.
    "media-requeue-waiting": {"task": "media.tasks.requeue_waiting", "schedule": 300},
    # The opt-in new-content digest.
    "notifications-send-digests": {
        "task": "notifications.tasks.send_new_content_digests",
        "schedule": env.int("NOTIFY_DIGEST_SECONDS", default=7 * 24 * 3600),
    },
    # Fan-outs whose task was lost (broker restart) or whose worker died are sent again.
    "notifications-resume-stalled": {
        "task": "notifications.tasks.resume_stalled_events",
        "schedule": env.int("NOTIFY_RESUME_SECONDS", default=300),
    },
    # Payment notifications whose confirmation failed (the provider's API was down) or was lost.
    "subscriptions-confirm-waiting": {"task": "subscriptions.tasks.confirm_waiting_notifications", "schedule": 120},
    "subscriptions-expire-lapsed": {"task": "subscriptions.tasks.expire_lapsed_subscriptions", "schedule": 900},
    "subscriptions-send-reminders": {"task": "subscriptions.tasks.send_subscription_reminders", "schedule": 3600},
}

# --- API --------------------------------------------------------------------------------

THROTTLE_RATES = {
    "auth": env.str("THROTTLE_AUTH", default="100/hour"),
    "content": env.str("THROTTLE_CONTENT", default="1000/hour"),
    "anonymous": env.str("THROTTLE_ANONYMOUS", default="300/hour"),
    "progress": env.str("THROTTLE_PROGRESS", default="500/hour"),
    "media": env.str("THROTTLE_MEDIA", default="200/hour"),
    # Onboarding (docs/api.md "Auth"): asking to join, and sign-in codes by email, per client IP
    # and per email address (each on top of "auth").
    "access_request": env.str("THROTTLE_ACCESS_REQUEST", default="10/hour"),
    "access_request_email": env.str("THROTTLE_ACCESS_REQUEST_EMAIL", default="3/hour"),
    "email_code": env.str("THROTTLE_EMAIL_CODE", default="30/hour"),
    "email_code_email": env.str("THROTTLE_EMAIL_CODE_EMAIL", default="10/hour"),
    "payments": env.str("THROTTLE_PAYMENTS", default="30/hour"),
    "payment_notifications": env.str("THROTTLE_PAYMENT_NOTIFICATIONS", default="600/minute"),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.CognitoTokenAuthentication",
        "padmakara.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["padmakara.api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["padmakara.api.parsers.JSONParser"],
    "DEFAULT_THROTTLE_RATES": THROTTLE_RATES,
    "EXCEPTION_HANDLER": "padmakara.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_VERSIONING_CLASS": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Proxies in front of the app that append to X-Forwarded-For: on Elastic Beanstalk the load
    # balancer and nginx (2). Rate limits per IP read the client address that far back; with 0
    # they use the socket address, and a client could not spoof its way past them. 0 stays 0:
    # DRF reads None as "trust the whole header", which would let any client pick its own bucket.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=2 if PRODUCTION else 0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Padmakara mobile API",
    "DESCRIPTION": "The API behind the Padmakara app: retreat teachings, progress, media.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": [
        "padmakara.api.schema.drop_trailing_slash_twins",
        "padmakara.api.schema.drop_unversioned_api",
    ],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "padmakara.api.schema.add_general_error_responses",
    ],
    # Swagger UI assets are served from the drf-spectacular-sidecar package, no CDN.
    # One name for the reasons a gathering is locked (``lockedReason`` and a sync rejection's ``reason``).
    "ENUM_NAME_OVERRIDES": {
        "LockedReasonEnum": "retreats.access.Reason.ALL",
        "PaymentMethodEnum": "subscriptions.shapes.PAYMENT_METHODS",
        "OnlinePaymentMethodEnum": "subscriptions.services.ONLINE_METHOD_CHOICES",
        "LanguageCodeEnum": "retreats.models.LANGUAGE_CODES",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # drf-spectacular would build the whole OpenAPI schema inside `check --deploy` and report
    # its quality as deploy warnings; the schema is checked by the contract tests instead, so
    # the deploy check stays about the deployment.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
}

# Rendered content bodies are cached per catalogue version and access profile (0 turns it off).
CONTENT_CACHE_SECONDS = env.int("CONTENT_CACHE_SECONDS", default=300)
# A user's groups, attendances and grants (the facts the access rule reads), cached per user and
# access version; the version moves on every change, so this only bounds memory (0 turns it off).
ACCESS_PROFILE_CACHE_SECONDS = env.int("ACCESS_PROFILE_CACHE_SECONDS", default=3600)

API_PAGE_SIZE = 20
API_MAX_PAGE_SIZE = 100
# No list comes near it; it keeps a huge offset from reaching the database (a 64-bit overflow).
API_MAX_OFFSET = 1_000_000

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/(api/|\.well-known/).*$"

# --- Security ---------------------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^health"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
# Only a header: nothing is submitted to browsers' preload lists unless someone does it by hand.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_ENGINE = "django.contrib.sessions.backends.db"

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
if PRODUCTION:
    # The app's web origin only: a wildcard or a plain-http origin is a mistake in production.
    _bad_origins = [origin for origin in CORS_ALLOWED_ORIGINS if not origin.startswith("https://")]
    if _bad_origins:
        raise ImproperlyConfigured(f"CORS_ALLOWED_ORIGINS must be https:// origins in production: {_bad_origins}")
    if not CSRF_TRUSTED_ORIGINS:
        # Admin forms posted over https to the hosts we serve.
        CSRF_TRUSTED_ORIGINS = [
            f"https://*{host}" if host.startswith(".") else f"https://{host}" for host in ALLOWED_HOSTS if host != "*"
        ]

# --- Identity ---------------------------------------------------------------------------
# Two interchangeable identity providers behind accounts.providers.IdentityProvider; tokens
# of both are checked by accounts.authentication (built on django-cognito-jwt).

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

_IDENTITY_ALIASES = {
    "local": "accounts.providers.local.LocalIdentityProvider",
    "cognito": "accounts.providers.cognito.CognitoIdentityProvider",
}
_identity_provider = env.str("IDENTITY_PROVIDER", default="local")
IDENTITY_PROVIDER = _IDENTITY_ALIASES.get(_identity_provider, _identity_provider)
IDENTITY_CLIENT_ID = env.str("IDENTITY_CLIENT_ID", default="padmakara-app")
# Empty: the server's own origin, as seen on the request (behind the ALB via X-Forwarded-Proto).
IDENTITY_ISSUER = env.str("IDENTITY_ISSUER", default="").rstrip("/")
IDENTITY_PRIVATE_KEY = env.str("IDENTITY_PRIVATE_KEY", default="").replace("\\n", "\n")
IDENTITY_PRIVATE_KEY_FILE = Path(env.str("IDENTITY_PRIVATE_KEY_FILE", default=str(VAR_DIR / "identity-rs256.pem")))
IDENTITY_ACCESS_TOKEN_SECONDS = env.int("IDENTITY_ACCESS_TOKEN_SECONDS", default=3600)
IDENTITY_REFRESH_TOKEN_DAYS = env.int("IDENTITY_REFRESH_TOKEN_DAYS", default=30)
# Failed logins are slowed, never locked (accounts/login_limits.py): past the free failures,
# a wait of 1, 2, 4 … seconds, at most the maximum, per account and per client IP.
IDENTITY_LOGIN_FREE_FAILURES = env.int("IDENTITY_LOGIN_FREE_FAILURES", default=5)
IDENTITY_LOGIN_FREE_FAILURES_PER_IP = env.int("IDENTITY_LOGIN_FREE_FAILURES_PER_IP", default=20)
IDENTITY_LOGIN_MAX_DELAY_SECONDS = env.int("IDENTITY_LOGIN_MAX_DELAY_SECONDS", default=60)
IDENTITY_LOGIN_FAILURE_MEMORY_SECONDS = env.int("IDENTITY_LOGIN_FAILURE_MEMORY_SECONDS", default=15 * 60)
IDENTITY_MFA_ISSUER = env.str("IDENTITY_MFA_ISSUER", default="Padmakara")

# Admin sign-in (accounts/admin_site.py): throttled like the API's login (the IDENTITY_LOGIN_*
# values above), and a TOTP code from a django-otp device for every staff member when required.
# Required unless DEBUG, so `make run` (DEBUG=1) lets the demo admin in with the password alone.
ADMIN_REQUIRE_MFA = env_bool("ADMIN_REQUIRE_MFA", default=PRODUCTION or not DEBUG)
# The name the authenticator app shows beside the admin's entry (the app's own is IDENTITY_MFA_ISSUER).
OTP_TOTP_ISSUER = env.str("ADMIN_MFA_ISSUER", default=f"{IDENTITY_MFA_ISSUER} admin")
# django-otp's own per-device back-off doubles without a ceiling: someone holding the password
# could keep the owner out. Off; wrong codes count in accounts.login_limits instead (capped).
OTP_TOTP_THROTTLE_FACTOR = 0
# Token checks (both providers).
IDENTITY_JWKS_URL = env.str("IDENTITY_JWKS_URL", default="")
IDENTITY_JWKS_TIMEOUT = env.float("IDENTITY_JWKS_TIMEOUT", default=3.0)
IDENTITY_JWKS_MIN_REFETCH_SECONDS = env.int("IDENTITY_JWKS_MIN_REFETCH_SECONDS", default=30)
IDENTITY_CLOCK_SKEW_SECONDS = env.int("IDENTITY_CLOCK_SKEW_SECONDS", default=60)

COGNITO_AWS_REGION = env.str("COGNITO_AWS_REGION", default=AWS_REGION)
COGNITO_USER_POOL = env.str("COGNITO_USER_POOL", default="")
COGNITO_APP_CLIENT_ID = env.str("COGNITO_APP_CLIENT_ID", default="")
COGNITO_APP_CLIENT_SECRET = env.str("COGNITO_APP_CLIENT_SECRET", default="")
COGNITO_ENDPOINT_URL = env.str("COGNITO_ENDPOINT_URL", default="") or None
COGNITO_ISSUER = env.str("COGNITO_ISSUER", default="").rstrip("/")
# How long Cognito's passwordless Session waits for the emailed code (the app client's auth
# session validity, 3 minutes by default in Cognito).
COGNITO_EMAIL_OTP_SESSION_SECONDS = env.int("COGNITO_EMAIL_OTP_SESSION_SECONDS", default=180)
# Read by django_cognito_jwt itself; our validator checks client_id/aud against the app client.
COGNITO_AUDIENCE = COGNITO_APP_CLIENT_ID or None

if IDENTITY_PROVIDER.endswith("CognitoIdentityProvider") and not (COGNITO_USER_POOL and COGNITO_APP_CLIENT_ID):
    raise ImproperlyConfigured("COGNITO_USER_POOL and COGNITO_APP_CLIENT_ID must be set for the Cognito provider.")
if PRODUCTION and IDENTITY_PROVIDER.endswith("LocalIdentityProvider") and not IDENTITY_PRIVATE_KEY:
    # A key file under var/ would differ per instance: every instance must sign with the same key.
    raise ImproperlyConfigured("IDENTITY_PRIVATE_KEY must be set for the local provider in production.")

# --- Progress ---------------------------------------------------------------------------

# docs/api.md: at most 500 events per /progress/sync; a playedAt more than 5 minutes ahead of the
# server clock is taken as now; a position at 95% of the track's duration completes it.
PROGRESS_SYNC_MAX_EVENTS = env.int("PROGRESS_SYNC_MAX_EVENTS", default=500)
PROGRESS_CLOCK_SKEW_SECONDS = env.int("PROGRESS_CLOCK_SKEW_SECONDS", default=300)
PROGRESS_COMPLETION_RATIO = env.float("PROGRESS_COMPLETION_RATIO", default=0.95)
if not 0 < PROGRESS_COMPLETION_RATIO <= 1:
    raise ImproperlyConfigured("PROGRESS_COMPLETION_RATIO must be in (0, 1].")

# --- Search -----------------------------------------------------------------------------

# auto: PostgreSQL full-text search on PostgreSQL, substring matching anywhere else.
SEARCH_BACKEND = env.str("SEARCH_BACKEND", default="auto")
if SEARCH_BACKEND not in {"auto", "postgres", "substring"}:
    raise ImproperlyConfigured("SEARCH_BACKEND must be 'auto', 'postgres' or 'substring'.")
if SEARCH_BACKEND == "postgres" and not IS_POSTGRES:
    raise ImproperlyConfigured("SEARCH_BACKEND=postgres needs a PostgreSQL DATABASE_URL.")
# Longer queries answer 400 validation_error.
SEARCH_MAX_QUERY_LENGTH = env.int("SEARCH_MAX_QUERY_LENGTH", default=200)

# --- Notifications and push -------------------------------------------------------------
# The digest and the resumption of stalled fan-outs are scheduled under "Celery and beat".

# Push: notifications.push.LocalPushBackend (records in the database), .ExpoPushBackend, .SNSPushBackend.
PUSH_BACKEND = env.str("PUSH_BACKEND", default="notifications.push.LocalPushBackend")
PUSH_HTTP_TIMEOUT = env.float("PUSH_HTTP_TIMEOUT", default=10.0)
EXPO_PUSH_URL = env.str("EXPO_PUSH_URL", default="https://exp.host/--/api/v2/push/send")
EXPO_ACCESS_TOKEN = env.str("EXPO_ACCESS_TOKEN", default="")
SNS_ENDPOINT_URL = env.str("SNS_ENDPOINT_URL", default="") or None
SNS_APNS_APPLICATION_ARN = env.str("SNS_APNS_APPLICATION_ARN", default="")
SNS_APNS_SANDBOX = env_bool("SNS_APNS_SANDBOX", default=False)
SNS_FCM_APPLICATION_ARN = env.str("SNS_FCM_APPLICATION_ARN", default="")
SNS_PUBLISH_CONCURRENCY = env.int("SNS_PUBLISH_CONCURRENCY", default=16)
if PRODUCTION and PUSH_BACKEND.endswith("SNSPushBackend") and not (SNS_APNS_APPLICATION_ARN or SNS_FCM_APPLICATION_ARN):
    raise ImproperlyConfigured("PUSH_BACKEND is SNS but no SNS_*_APPLICATION_ARN is set.")
NOTIFY_BATCH_SIZE = env.int("NOTIFY_BATCH_SIZE", default=1000)
NOTIFY_LEASE_SECONDS = env.int("NOTIFY_LEASE_SECONDS", default=10 * 60)
NOTIFY_MAX_RETRIES = env.int("NOTIFY_MAX_RETRIES", default=5)
NOTIFY_RETRY_DELAY = env.int("NOTIFY_RETRY_DELAY", default=30)
NOTIFY_TASK_TIME_LIMIT = env.int("NOTIFY_TASK_TIME_LIMIT", default=30 * 60)

# --- Live events (WebSocket /ws/v1; padmakara/realtime.py, realtime/) ---------------------

ASGI_APPLICATION = "padmakara.asgi.application"
REALTIME_WEBSOCKET_APPLICATION = "realtime.routing.application"
# Where the channel layer, the per-user event logs (resume) and presence live. Empty: in this
# process's memory (`make run`, one process); production shares one Redis between every web
# process and the workers that send events. Defaults to CACHE_URL when that is Redis.
_cache_url = env.str("CACHE_URL", default="")
REALTIME_REDIS_URL = env.str(
    "REALTIME_REDIS_URL", default=_cache_url if _cache_url.startswith(("redis://", "rediss://")) else ""
)
# channels-redis's pub/sub layer: a message is one PUBLISH, and each server process keeps one
# subscriber connection that hands messages to its connections' queues. (Its list-based layer
# pops a process's messages one at a time behind a lock every connection waits on: with
# thousands of connections per process, a fan-out took tens of seconds; bench/realtime.py.)
# Delivery is at most once, which the event logs (resume) and the app's sync make up for.


def realtime_channel_layer(url: str) -> dict:
    """The channel layer on ``url``. Pub/sub channels ignore Redis's database number, so the
    prefix names it: two deployments (or test workers) on one Redis never hear each other."""
    from urllib.parse import urlsplit

    database = urlsplit(url).path.strip("/") or "0"
    return {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {
            # redis-py 8 reads with a 5 s timeout by default: subscriber connections sit idle.
            "hosts": [{"address": url, "socket_timeout": 30, "socket_connect_timeout": 5}],
            "prefix": f"rt:{database}:layer:",
        },
    }


CHANNEL_LAYERS = {
    "default": realtime_channel_layer(REALTIME_REDIS_URL)
    if REALTIME_REDIS_URL
    else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
}
if PRODUCTION and not REALTIME_REDIS_URL:
    raise ImproperlyConfigured("REALTIME_REDIS_URL (or a Redis CACHE_URL) must be set when PADMAKARA_ENV=production.")
# Open connections one user may hold at once (their phones, tablets and browser tabs).
REALTIME_MAX_CONNECTIONS_PER_USER = env.int("REALTIME_MAX_CONNECTIONS_PER_USER", default=10)
# The largest message a client may send; a larger one closes the connection (1009).
REALTIME_MAX_MESSAGE_BYTES = env.int("REALTIME_MAX_MESSAGE_BYTES", default=16 * 1024)
# A connection that has not authenticated within this many seconds is closed (4401).
REALTIME_AUTH_TIMEOUT_SECONDS = env.float("REALTIME_AUTH_TIMEOUT_SECONDS", default=10.0)
# Protocol pings every this many seconds; no pong within as long closes the connection. Below
# the load balancer's idle timeout (60 s), so a quiet connection is never cut by it.
REALTIME_PING_SECONDS = env.float("REALTIME_PING_SECONDS", default=20.0)
# How long a reconnecting client may ask for what it missed (its resume token's age).
REALTIME_RESUME_SECONDS = env.int("REALTIME_RESUME_SECONDS", default=300)
# Each server process refreshes presence and the per-user connection count this often, and
# checks that its users' sessions are still live (a revocation also arrives at once as a message).
REALTIME_HEARTBEAT_SECONDS = env.float("REALTIME_HEARTBEAT_SECONDS", default=30.0)
# A client that does not take a message within this many seconds is disconnected (1013).
REALTIME_SEND_TIMEOUT_SECONDS = env.float("REALTIME_SEND_TIMEOUT_SECONDS", default=10.0)
# The ASGI server (`manage.py serve`): where it listens when not told (the web Procfile's `ws`
# process; nginx sends /ws/ there) and how many processes it runs.
REALTIME_BIND = env.str("REALTIME_BIND", default="127.0.0.1:8001")
REALTIME_WORKERS = env.int("REALTIME_WORKERS", default=1)

# --- Mail -------------------------------------------------------------------------------

# SES in production: EMAIL_BACKEND=django_ses.SESBackend (django-ses; credentials from the instance role).
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Padmakara <no-reply@padmakara.local>")
AWS_SES_REGION_NAME = env.str("AWS_SES_REGION_NAME", default=AWS_REGION)
AWS_SES_REGION_ENDPOINT_URL = env.str("AWS_SES_ENDPOINT_URL", default="") or None
AWS_SES_CONFIGURATION_SET = env.str("AWS_SES_CONFIGURATION_SET", default="") or None
USE_SES_V2 = env_bool("USE_SES_V2", default=True)
# django-ses paces sends to this share of the account's SES rate; 0 turns the pacing off.
AWS_SES_AUTO_THROTTLE = env.float("AWS_SES_AUTO_THROTTLE", default=0.5) or None
# Where links in emails point (the app's web origin).
APP_BASE_URL = env.str("APP_BASE_URL", default="http://127.0.0.1:8000")
# Deep links in emails that the app opens (a sign-in link, the approval's "sign in" link): a
# universal/app link origin or the app's URL scheme, without a trailing slash.
APP_LINK_BASE = env.str("APP_LINK_BASE", default="padmakara://app").rstrip("/")

# --- Staff dashboard --------------------------------------------------------------------

DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=300)

# --- Audit log (django-auditlog; no variables: docs/architecture.md, "Audit log") -----------

# A masked value is stored as a fixed placeholder, nothing of it kept (auditlog's default keeps half).
AUDITLOG_MASK_CALLABLE = "padmakara.audit.mask"
# Fixtures and raw loads are not staff writes.
AUDITLOG_DISABLE_ON_RAW_SAVE = True
# A foreign key is recorded by its object's name, which the entry keeps after the object is gone.
AUDITLOG_USE_FK_STRING_REPRESENTATION = True

# --- Observability (release, Sentry, logs) ----------------------------------------------

# The deployed version: the bundle writes it to RELEASE at its root.
_release_file = BASE_DIR / "RELEASE"
PADMAKARA_RELEASE = env.str("PADMAKARA_RELEASE", default="") or (
    _release_file.read_text().strip() if _release_file.exists() else ""
)

# /health/ready answers from its last result for this many seconds (per process), so a flood
# of calls costs one round of checks per window; 0 checks on every call.
HEALTH_READY_CACHE_SECONDS = env.float("HEALTH_READY_CACHE_SECONDS", default=5.0)

SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from padmakara.observability import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default=PADMAKARA_ENV),
        release=PADMAKARA_RELEASE or None,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# OpenTelemetry traces to X-Ray through the collector on the instance (padmakara/tracing.py).
# Off by default: tests and `make run` need no collector.
TRACING = env_bool("TRACING", default=False)

LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "plain")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'json' or 'plain'.")

if LOG_FORMAT == "json":
    # Python warnings become log records too, so every line of the process's output is JSON.
    logging.captureWarnings(True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "padmakara.observability.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "padmakara.observability.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own console handler (DEBUG only) would print every "django" line a second
        # time, beside the root handler's; its lines go to the root handler alone.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # runserver's access line ("GET / 200") repeats RequestIdMiddleware's: errors only.
        "django.server": {"handlers": [], "level": "ERROR", "propagate": True},
        "django.db.backends": {"level": "INFO"},
        # `make run`'s reloader reports every file that changes, .pyc files included.
        "watchfiles": {"level": "WARNING"},
        # One line per request is written by RequestIdMiddleware; this one would repeat 4xx/5xx.
        "django.request": {"level": "ERROR"},
        "padmakara.request": {"level": env.str("REQUEST_LOG_LEVEL", default="INFO")},
        # Eager tasks (no broker) run inside the request or command: their "succeeded" lines
        # would bury the output. A real worker keeps them.
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
    },
}

SILENCED_SYSTEM_CHECKS: list[str] = []

# --- Subscriptions and payments ---------------------------------------------------------

# subscriptions.providers.easypay.EasypayProvider, or .local.LocalPaymentProvider (every payment
# succeeds at once; for `make run` and demos, never production).
PAYMENT_PROVIDER = env.str(
    "PAYMENT_PROVIDER",
    default="subscriptions.providers.easypay.EasypayProvider"
    if PRODUCTION
    else "subscriptions.providers.local.LocalPaymentProvider",
)
EASYPAY_API_URL = env.str(
    "EASYPAY_API_URL", default="https://api.prod.easypay.pt/2.0" if PRODUCTION else "https://api.test.easypay.pt/2.0"
)
# From the application secret in production (SECRETS_MANAGER_SECRET_ID), never written here.
EASYPAY_ACCOUNT_ID = env.str("EASYPAY_ACCOUNT_ID", default="")
EASYPAY_API_KEY = env.str("EASYPAY_API_KEY", default="")
if PRODUCTION and PAYMENT_PROVIDER.endswith("LocalPaymentProvider"):
    # It marks every payment paid at once: in production, a free subscription for anyone who asks.
    raise ImproperlyConfigured("PAYMENT_PROVIDER must not be the local provider when PADMAKARA_ENV=production.")
# The mobile app's end-to-end support (docs/compat-api.md "Test support"): /api/test/* mints a
# token for any user by id, and `seed_app_e2e` writes a data set. Never in production.
COMPAT_TEST_SUPPORT = env_bool("COMPAT_TEST_SUPPORT", default=False)
if PRODUCTION and COMPAT_TEST_SUPPORT:
    raise ImproperlyConfigured("COMPAT_TEST_SUPPORT must be off when PADMAKARA_ENV=production.")
if PRODUCTION and PAYMENT_PROVIDER.endswith("EasypayProvider"):
    _required("EASYPAY_ACCOUNT_ID", EASYPAY_ACCOUNT_ID)
    _required("EASYPAY_API_KEY", EASYPAY_API_KEY)
EASYPAY_TIMEOUT_SECONDS = env.float("EASYPAY_TIMEOUT_SECONDS", default=10.0)
EASYPAY_SUBSCRIPTION_RETRIES = env.int("EASYPAY_SUBSCRIPTION_RETRIES", default=2)
# Addresses (or networks) notifications may come from; empty: any. As seen through NUM_PROXIES.
EASYPAY_NOTIFICATION_SOURCES = env.list("EASYPAY_NOTIFICATION_SOURCES", default=[])
PAYMENT_CONFIRM_RETRY_SECONDS = env.int("PAYMENT_CONFIRM_RETRY_SECONDS", default=60)
PAYMENT_CONFIRM_MAX_ATTEMPTS = env.int("PAYMENT_CONFIRM_MAX_ATTEMPTS", default=12)
SUBSCRIPTION_REMINDER_DAYS = env.int("SUBSCRIPTION_REMINDER_DAYS", default=7)
