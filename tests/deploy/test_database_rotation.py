"""After Secrets Manager rotates the database credentials, a refused login re-reads the secret.

The tests' PostgreSQL trusts loopback logins, so it never refuses a password; it does refuse a
user that is gone, which is what the app meets under alternating-users rotation (and the same
FATAL path as a changed password). The secret lives on moto's server.
"""

import json
import uuid
from urllib.parse import urlsplit

import psycopg
import pytest
from django.db.utils import ConnectionHandler

from padmakara.rotating_postgres.base import DatabaseWrapper
from tests.support import aws_client


@pytest.fixture
def rotation(scratch_database, moto_endpoint, monkeypatch, django_db_blocker):
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setattr(DatabaseWrapper, "_last_reread", 0.0)
    role = f"pk_rotated_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(scratch_database, autocommit=True) as master:
        master.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD 'after-rotation'")
    secret_id = f"padmakara/test-{uuid.uuid4().hex[:8]}/database-app"
    client = aws_client("secretsmanager", moto_endpoint)
    client.create_secret(Name=secret_id, SecretString=json.dumps({"username": "pk_gone", "password": "before"}))
    url = urlsplit(scratch_database)
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "padmakara.rotating_postgres",
                "NAME": url.path[1:],
                "HOST": url.hostname,
                "PORT": url.port or 5432,
                # What the process read at startup, before the rotation.
                "USER": "pk_gone",
                "PASSWORD": "before",
                "SECRET_ID": secret_id,
                "SECRET_REGION": "eu-west-1",
            }
        }
    )
    with django_db_blocker.unblock():
        yield {"connection": handler["default"], "client": client, "secret_id": secret_id, "role": role}
        handler.close_all()
    with psycopg.connect(scratch_database, autocommit=True) as master:
        master.execute(f'DROP ROLE "{role}"')


def _connect(connection):
    # The backend's own step (Django's connect() would go on to run contrib.postgres's
    # connection_created handlers, which look the alias up among the project's connections).
    return connection.get_new_connection(connection.get_connection_params())


def test_it_reconnects_with_the_rotated_credentials(rotation):
    # The rotation function's last step: the new credentials become the secret's current version.
    rotation["client"].put_secret_value(
        SecretId=rotation["secret_id"],
        SecretString=json.dumps({"username": rotation["role"], "password": "after-rotation"}),
    )
    connection = rotation["connection"]
    with _connect(connection) as raw:
        assert raw.execute("SELECT current_user").fetchone() == (rotation["role"],)
    # Every later connection of the process uses them without asking again.
    assert connection.settings_dict["USER"] == rotation["role"]
    assert connection.settings_dict["PASSWORD"] == "after-rotation"


def test_it_gives_up_when_the_secret_has_nothing_new(rotation):
    with pytest.raises(Exception, match='role "pk_gone" does not exist'):
        _connect(rotation["connection"])


def test_it_does_not_ask_again_within_the_interval(rotation):
    with pytest.raises(Exception, match="does not exist"):
        _connect(rotation["connection"])
    rotation["client"].put_secret_value(
        SecretId=rotation["secret_id"],
        SecretString=json.dumps({"username": rotation["role"], "password": "after-rotation"}),
    )
    with pytest.raises(Exception, match="does not exist"):
        _connect(rotation["connection"])
