import json
import sys

import pytest

from tests.support import aws_client

from .conftest import PROJECT_DIR, run_manage


def test_it_passes_the_deployment_checklist_with_no_warning(production_env):
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], env=production_env)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_passes_the_checklist_from_the_unpacked_web_bundle(bundles, production_env):
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], env=production_env, cwd=bundles["web"]["dir"])
    assert result.returncode == 0, result.stderr


def _settings(env: dict, *names: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))"
    )
    import subprocess

    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "padmakara.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_trusts_csrf_origins_of_the_served_hosts(production_env):
    production_env["ALLOWED_HOSTS"] = "api.padmakara.example,.padmakara.example"
    values = _settings(production_env, "CSRF_TRUSTED_ORIGINS", "SECURE_PROXY_SSL_HEADER", "DEBUG")
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://api.padmakara.example", "https://*.padmakara.example"]
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["DEBUG"] is False


def test_it_configures_celery_for_a_predefined_sqs_queue(production_env):
    queue_url = "https://sqs.eu-west-1.amazonaws.com/123456789012/padmakara-tasks"
    production_env.update({"CELERY_BROKER_URL": "sqs://", "CELERY_SQS_QUEUE_URL": queue_url})
    values = _settings(
        production_env,
        "CELERY_BROKER_TRANSPORT_OPTIONS",
        "CELERY_TASK_ALWAYS_EAGER",
        "CELERY_WORKER_ENABLE_REMOTE_CONTROL",
        "CELERY_TASK_TIME_LIMIT",
    )
    options = values["CELERY_BROKER_TRANSPORT_OPTIONS"]
    assert options["predefined_queues"] == {"padmakara": {"url": queue_url}}
    assert options["visibility_timeout"] > values["CELERY_TASK_TIME_LIMIT"]
    assert values["CELERY_TASK_ALWAYS_EAGER"] is False
    assert values["CELERY_WORKER_ENABLE_REMOTE_CONTROL"] is False


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must be set"),
        ({"CACHE_URL": ""}, "CACHE_URL must be set"),
        ({"DATABASE_URL": ""}, "DATABASE_URL must be set"),
        ({"CELERY_BROKER_URL": ""}, "CELERY_BROKER_URL must be set"),
        ({"CORS_ALLOWED_ORIGINS": "*"}, "CORS_ALLOWED_ORIGINS must be https://"),
        ({"CORS_ALLOWED_ORIGINS": "http://app.padmakara.example"}, "CORS_ALLOWED_ORIGINS must be https://"),
        ({"CELERY_BROKER_URL": "sqs://"}, "CELERY_SQS_QUEUE_URL must be set"),
        (
            {"CELERY_BROKER_URL": "sqs://", "CELERY_SQS_QUEUE_URL": "https://sqs.example/q", "MEDIA_BUNDLE_QUEUE": "b"},
            "CELERY_SQS_BUNDLE_QUEUE_URL must be set",
        ),
        ({"CELERY_VISIBILITY_TIMEOUT": "3600"}, "CELERY_VISIBILITY_TIMEOUT must be longer"),
        (
            {"PAYMENT_PROVIDER": "subscriptions.providers.local.LocalPaymentProvider"},
            "PAYMENT_PROVIDER must not be the local provider",
        ),
        ({"EASYPAY_API_KEY": ""}, "EASYPAY_API_KEY must be set"),
        ({"COMPAT_TEST_SUPPORT": "true"}, "COMPAT_TEST_SUPPORT must be off"),
    ],
)
def test_it_refuses_to_start_with_an_unsafe_configuration(production_env, change, message):
    result = run_manage(["check"], env={**production_env, **change})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_it_warns_when_debug_is_asked_for_in_production(production_env):
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], env={**production_env, "DEBUG": "true"})
    assert result.returncode != 0
    assert "security.W018" in result.stderr


@pytest.fixture
def secrets_env(production_env, moto_endpoint):
    production_env.update({"AWS_ENDPOINT_URL_SECRETS_MANAGER": moto_endpoint})
    client = aws_client("secretsmanager", moto_endpoint)
    return production_env, client


def test_it_reads_the_secret_key_from_secrets_manager(secrets_env):
    env, client = secrets_env
    key = "s" * 20 + "3cr3t-from-the-manager-" + "k" * 20
    arn = client.create_secret(Name="padmakara/app-test-key", SecretString=json.dumps({"SECRET_KEY": key}))["ARN"]
    env.pop("SECRET_KEY")
    env["SECRETS_MANAGER_SECRET_ID"] = arn
    assert _settings(env, "SECRET_KEY")["SECRET_KEY"] == key
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], env=env)
    assert result.returncode == 0, result.stderr


def test_it_lets_the_environment_override_a_secret(secrets_env):
    env, client = secrets_env
    client.create_secret(
        Name="padmakara/app-test-override", SecretString=json.dumps({"SECRET_KEY": "from-the-secret" * 4})
    )
    env["SECRETS_MANAGER_SECRET_ID"] = "padmakara/app-test-override"
    assert _settings(env, "SECRET_KEY")["SECRET_KEY"] == env["SECRET_KEY"]


def test_it_builds_the_database_url_from_an_rds_secret(secrets_env):
    env, client = secrets_env
    rds_secret = {
        "engine": "postgres",
        "username": "padmakara",
        "password": "p@ss:w/rd",
        "host": "db.internal.example",
        "port": 5432,
        "dbname": "padmakara",
    }
    client.create_secret(Name="padmakara/db-test", SecretString=json.dumps(rds_secret))
    env.pop("DATABASE_URL")
    env["DATABASE_SECRET_ID"] = "padmakara/db-test"
    database = _settings(env, "DATABASES")["DATABASES"]["default"]
    assert database["ENGINE"] == "padmakara.rotating_postgres"
    assert database["SECRET_ID"] == "padmakara/db-test"
    assert (database["HOST"], database["PORT"], database["NAME"]) == ("db.internal.example", 5432, "padmakara")
    assert (database["USER"], database["PASSWORD"]) == ("padmakara", "p@ss:w/rd")
    assert database["OPTIONS"]["sslmode"] == "require"


def test_it_stops_with_the_secret_named_when_it_cannot_be_read(secrets_env):
    env, _client = secrets_env
    env["SECRETS_MANAGER_SECRET_ID"] = "padmakara/does-not-exist"
    result = run_manage(["check"], env=env)
    assert result.returncode != 0
    assert "padmakara/does-not-exist" in result.stderr


def test_it_starts_without_sentry_when_the_sdk_is_missing(production_env):
    import importlib.util

    if importlib.util.find_spec("sentry_sdk") is not None:
        pytest.skip("sentry-sdk is installed here; this is about running without it")
    production_env["SENTRY_DSN"] = "https://public@sentry.example/1"
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], env=production_env)
    assert result.returncode == 0, result.stderr
    assert "sentry-sdk is not installed" in result.stderr


def test_it_routes_bundle_builds_to_their_own_sqs_queue_when_named(production_env):
    tasks_url = "https://sqs.eu-west-1.amazonaws.com/123456789012/padmakara-tasks"
    bundles_url = "https://sqs.eu-west-1.amazonaws.com/123456789012/padmakara-bundles"
    production_env.update(
        {
            "CELERY_BROKER_URL": "sqs://",
            "CELERY_SQS_QUEUE_URL": tasks_url,
            "MEDIA_BUNDLE_QUEUE": "padmakara-bundles",
            "CELERY_SQS_BUNDLE_QUEUE_URL": bundles_url,
        }
    )
    values = _settings(production_env, "CELERY_BROKER_TRANSPORT_OPTIONS", "CELERY_TASK_ROUTES")
    assert values["CELERY_BROKER_TRANSPORT_OPTIONS"]["predefined_queues"] == {
        "padmakara": {"url": tasks_url},
        "padmakara-bundles": {"url": bundles_url},
    }
    assert values["CELERY_TASK_ROUTES"] == {"media.tasks.build_bundle": {"queue": "padmakara-bundles"}}


def test_it_shares_the_default_queue_unless_a_bundle_queue_is_named(production_env):
    assert _settings(production_env, "CELERY_TASK_ROUTES") == {"CELERY_TASK_ROUTES": {}}


def test_it_encrypts_new_objects_with_the_media_key_when_given(production_env):
    key = "arn:aws:kms:eu-west-1:111111111111:key/media-key"
    production_env["AWS_S3_SSE_KMS_KEY_ID"] = key
    storages = _settings(production_env, "STORAGES")["STORAGES"]
    assert storages["default"]["OPTIONS"]["object_parameters"] == {
        "ServerSideEncryption": "aws:kms",
        "SSEKMSKeyId": key,
    }
