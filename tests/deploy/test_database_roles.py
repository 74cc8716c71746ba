"""`manage.py ensure_database_roles`: the app's runtime role reads and writes rows and nothing more."""

import json
import os
import subprocess
import sys
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.support import AWS_TEST_ENV, aws_client

from .conftest import PROJECT_DIR


def _as(url: str, username: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, f"{username}@{parts.hostname}:{parts.port or 5432}", parts.path, "", ""))


@pytest.fixture
def roles(scratch_database, moto_endpoint):
    """Two secrets on moto naming fresh roles, the roles dropped again afterwards."""
    suffix = uuid.uuid4().hex[:8]
    names = {"owner": f"pk_owner_{suffix}", "app": f"pk_app_{suffix}"}
    client = aws_client("secretsmanager", moto_endpoint)
    for kind, username in names.items():
        client.create_secret(
            Name=f"padmakara/test-{suffix}/database-{kind}",
            SecretString=json.dumps({"username": username, "password": uuid.uuid4().hex}),
        )
    # Objects the master user made before the roles existed (as on a database migrated so far).
    with psycopg.connect(scratch_database, autocommit=True) as master:
        master.execute("CREATE TABLE earlier (id bigserial PRIMARY KEY, note text)")
        master.execute("CREATE FUNCTION earlier_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM earlier'")
    yield {"suffix": suffix, **names}
    with psycopg.connect(scratch_database, autocommit=True) as master:
        for username in names.values():
            master.execute(f'DROP OWNED BY "{username}" CASCADE')
    with psycopg.connect(urlunsplit(urlsplit(scratch_database)._replace(path="/postgres")), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{urlsplit(scratch_database).path[1:]}" WITH (FORCE)')
        for username in names.values():
            admin.execute(f'DROP ROLE IF EXISTS "{username}"')


def _ensure(scratch_database, moto_endpoint, suffix, *extra):
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("DJANGO", "PADMAKARA"))},
        **AWS_TEST_ENV,
        "DATABASE_URL": scratch_database,
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_REGION": "eu-west-1",
        "PYTHONPATH": "",
    }
    return subprocess.run(
        [
            sys.executable,
            "manage.py",
            "ensure_database_roles",
            f"--owner-secret-id=padmakara/test-{suffix}/database-owner",
            f"--app-secret-id=padmakara/test-{suffix}/database-app",
            *extra,
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_lets_the_app_role_read_and_write_rows_only(scratch_database, moto_endpoint, roles):
    result = _ensure(scratch_database, moto_endpoint, roles["suffix"])
    assert result.returncode == 0, result.stderr
    assert f"created runtime role {roles['app']}" in result.stdout

    with psycopg.connect(_as(scratch_database, roles["app"]), autocommit=True) as app:
        app.execute("INSERT INTO earlier (note) VALUES ('kept')")
        app.execute("UPDATE earlier SET note = 'changed'")
        assert app.execute("SELECT earlier_count()").fetchone() == (1,)
        app.execute("DELETE FROM earlier")
        for statement in (
            "CREATE TABLE intruder (id int)",
            "ALTER TABLE earlier ADD COLUMN extra int",
            "DROP TABLE earlier",
            "TRUNCATE earlier",
            "CREATE FUNCTION intruder() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(statement)


def test_it_lets_the_owner_migrate_and_grants_its_new_tables_to_the_app(scratch_database, moto_endpoint, roles):
    assert _ensure(scratch_database, moto_endpoint, roles["suffix"]).returncode == 0

    with psycopg.connect(_as(scratch_database, roles["owner"]), autocommit=True) as owner:
        owner.execute("ALTER TABLE earlier ADD COLUMN created timestamptz")
        owner.execute("CREATE TABLE later (id bigserial PRIMARY KEY, body text)")
        owner.execute("CREATE OR REPLACE FUNCTION earlier_count() RETURNS bigint LANGUAGE sql AS 'SELECT 0::bigint'")
    with psycopg.connect(_as(scratch_database, roles["app"]), autocommit=True) as app:
        app.execute("INSERT INTO later (body) VALUES ('a row')")
        assert app.execute("SELECT count(*) FROM later").fetchone() == (1,)


def test_it_can_run_again(scratch_database, moto_endpoint, roles):
    assert _ensure(scratch_database, moto_endpoint, roles["suffix"]).returncode == 0
    again = _ensure(scratch_database, moto_endpoint, roles["suffix"])
    assert again.returncode == 0, again.stderr
    assert f"updated owner role {roles['owner']}" in again.stdout


def _password_hash(database_url, username):
    with psycopg.connect(database_url) as master:
        return master.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", [username]).fetchone()[0]


def test_it_leaves_a_rotated_password_alone_unless_told(scratch_database, moto_endpoint, roles):
    assert _ensure(scratch_database, moto_endpoint, roles["suffix"]).returncode == 0
    # As Secrets Manager's rotation does: the role changes its own password.
    with psycopg.connect(_as(scratch_database, roles["app"]), autocommit=True) as app:
        app.execute(f"ALTER ROLE \"{roles['app']}\" PASSWORD 'rotated-password'")
    rotated = _password_hash(scratch_database, roles["app"])

    assert _ensure(scratch_database, moto_endpoint, roles["suffix"]).returncode == 0
    assert _password_hash(scratch_database, roles["app"]) == rotated

    assert _ensure(scratch_database, moto_endpoint, roles["suffix"], "--reset-passwords").returncode == 0
    assert _password_hash(scratch_database, roles["app"]) != rotated
