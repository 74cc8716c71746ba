"""Secrets from AWS Secrets Manager, read once when settings load.

Two kinds of secret are understood:

- the application secret (``SECRETS_MANAGER_SECRET_ID``): a JSON object whose keys are
  environment variable names (``SECRET_KEY``, ``SENTRY_DSN``, ``CLOUDFRONT_PRIVATE_KEY``…);
- the database secret (``DATABASE_SECRET_ID``): the JSON that RDS and Secrets Manager use for
  database credentials (``username``, ``password``, ``host``, ``port``, ``dbname``).

A variable already present in the environment always wins over the secret, so an operator can
override one value without editing the secret.
"""

import json
import os
from urllib.parse import quote

from django.core.exceptions import ImproperlyConfigured


def _region_for(secret_id: str, region: str) -> str:
    # An ARN names its own region (arn:aws:secretsmanager:<region>:<account>:secret:<name>).
    parts = secret_id.split(":")
    if secret_id.startswith("arn:") and len(parts) > 3 and parts[3]:
        return parts[3]
    return region


def fetch_secret(secret_id: str, *, region: str) -> dict:
    """The secret's JSON object; any failure stops startup with a message that names the secret."""
    import boto3
    from botocore.config import Config

    client = boto3.session.Session().client(
        "secretsmanager",
        region_name=_region_for(secret_id, region),
        config=Config(connect_timeout=5, read_timeout=10, retries={"max_attempts": 3, "mode": "standard"}),
    )
    try:
        raw = client.get_secret_value(SecretId=secret_id)["SecretString"]
    except Exception as exc:  # botocore raises many kinds; all mean "cannot start"
        raise ImproperlyConfigured(f"Could not read secret {secret_id!r} from Secrets Manager: {exc}") from exc
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"Secret {secret_id!r} is not a JSON object.") from exc
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"Secret {secret_id!r} is not a JSON object.")
    return value


def load_into_environ(secret_id: str, *, region: str) -> list[str]:
    """Copy the secret's keys into os.environ where not already set; returns the names it set."""
    loaded = []
    for key, value in fetch_secret(secret_id, region=region).items():
        if key not in os.environ:
            os.environ[key] = str(value)
            loaded.append(key)
    return loaded


def database_url_from_secret(secret_id: str, *, region: str) -> str:
    """A ``postgres://`` URL (TLS required) built from an RDS-style credentials secret."""
    secret = fetch_secret(secret_id, region=region)
    missing = [key for key in ("username", "password", "host", "dbname") if not secret.get(key)]
    if missing:
        raise ImproperlyConfigured(f"Database secret {secret_id!r} lacks {', '.join(missing)}.")
    user = quote(str(secret["username"]), safe="")
    password = quote(str(secret["password"]), safe="")
    port = secret.get("port") or 5432
    name = quote(str(secret["dbname"]), safe="")
    # The RDS parameter group forces TLS; requiring it here too means no silent plain-text fallback.
    return f"postgres://{user}:{password}@{secret['host']}:{port}/{name}?sslmode=require"
