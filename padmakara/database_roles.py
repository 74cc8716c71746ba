"""The two database roles the deployed app uses: an owner for migrations, a runtime role for the app.

The owner owns every object of the ``public`` schema and may create more (migrations run as
it). The runtime role may only read and write rows: no DDL, no TRUNCATE, no new tables; tables
the owner creates later are granted to it by default privileges, so a migration needs no
grant of its own. Both are created (or their passwords reset) by the database's master user
through ``manage.py ensure_database_roles`` (deploy/README.md, "Database roles").
"""

from dataclasses import dataclass

from psycopg import sql


@dataclass(frozen=True)
class RoleCredentials:
    username: str
    password: str


# Object kinds whose ownership moves to the owner, from pg_class.relkind. Sequences owned by a
# table column follow their table (ALTER TABLE … OWNER TO moves them too).
_RELATION_KINDS = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}


def ensure_database_roles(
    cursor, *, owner: RoleCredentials, app: RoleCredentials, reset_passwords: bool = False, schema: str = "public"
) -> list[str]:
    """Create or update both roles and their privileges in the cursor's database; returns what it did.

    Idempotent: run it again to pick up objects created by the master user since. A role that
    exists keeps its password (Secrets Manager's rotation owns it from then on) unless
    ``reset_passwords``. The cursor is a psycopg cursor connected as the master user.
    """
    if owner.username == app.username:
        raise ValueError("The owner and the runtime role must be different roles.")
    done = []
    for credentials, role in ((owner, "owner"), (app, "runtime")):
        created = _ensure_login_role(cursor, credentials, reset_password=reset_passwords)
        done.append(f"{'created' if created else 'updated'} {role} role {credentials.username}")

    owner_id, app_id = sql.Identifier(owner.username), sql.Identifier(app.username)
    schema_id = sql.Identifier(schema)
    cursor.execute("SELECT current_database(), rolsuper FROM pg_roles WHERE rolname = current_user")
    database, superuser = cursor.fetchone()
    database_id = sql.Identifier(database)
    if not superuser:
        # RDS's master user is no superuser: it may hand objects to the owner only as a member.
        cursor.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(owner_id))

    statements = [
        sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(database_id),
        sql.SQL("GRANT CONNECT, TEMPORARY, CREATE ON DATABASE {} TO {}").format(database_id, owner_id),
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database_id, app_id),
        sql.SQL("REVOKE CREATE ON SCHEMA {} FROM PUBLIC").format(schema_id),
        sql.SQL("GRANT USAGE, CREATE ON SCHEMA {} TO {}").format(schema_id, owner_id),
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema_id, app_id),
    ]
    for statement in statements:
        cursor.execute(statement)

    moved = _move_ownership(cursor, owner=owner.username, schema=schema)
    if moved:
        done.append(f"moved {moved} objects to {owner.username}")

    grants = [
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}"),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}"),
        sql.SQL("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {} TO {}"),
    ]
    for grant in grants:
        cursor.execute(grant.format(schema_id, app_id))
    defaults = [
        "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
        "GRANT USAGE, SELECT ON SEQUENCES TO {app}",
        "GRANT EXECUTE ON FUNCTIONS TO {app}",
    ]
    for default in defaults:
        cursor.execute(
            sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} " + default).format(
                owner=owner_id, schema=schema_id, app=app_id
            )
        )
    done.append(f"granted {app.username} row access to {schema}, now and for the tables {owner.username} creates")
    return done


def _ensure_login_role(cursor, credentials: RoleCredentials, *, reset_password: bool) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [credentials.username])
    exists = cursor.fetchone() is not None
    verb = "ALTER" if exists else "CREATE"
    statement = sql.SQL(verb + " ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION").format(
        sql.Identifier(credentials.username)
    )
    if not exists or reset_password:
        # Role statements take no bind parameters; the password goes in as a quoted literal.
        statement = sql.SQL("{} PASSWORD {}").format(statement, sql.Literal(credentials.password))
    cursor.execute(statement)
    return not exists


def _move_ownership(cursor, *, owner: str, schema: str) -> int:
    """Hand the schema's tables, views, sequences, functions and text search configurations to the owner."""
    cursor.execute(
        """
        SELECT c.relname, c.relkind FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %s AND c.relkind = ANY(%s) AND pg_get_userbyid(c.relowner) <> %s
          AND NOT (c.relkind = 'S' AND EXISTS (
            SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
        ORDER BY c.relkind DESC, c.relname
        """,
        [schema, list(_RELATION_KINDS), owner],
    )
    relations = cursor.fetchall()
    for name, kind in relations:
        cursor.execute(
            sql.SQL("ALTER {} {}.{} OWNER TO {}").format(
                sql.SQL(_RELATION_KINDS[kind]), sql.Identifier(schema), sql.Identifier(name), sql.Identifier(owner)
            )
        )
    cursor.execute(
        """
        SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = %s AND pg_get_userbyid(p.proowner) <> %s
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
        """,
        [schema, owner],
    )
    functions = [row[0] for row in cursor.fetchall()]
    for signature in functions:
        # regprocedure's text is already a quoted, schema-qualified signature.
        cursor.execute(sql.SQL("ALTER FUNCTION {} OWNER TO {}").format(sql.SQL(signature), sql.Identifier(owner)))
    cursor.execute(
        """
        SELECT c.cfgname FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace
        WHERE n.nspname = %s AND pg_get_userbyid(c.cfgowner) <> %s
        """,
        [schema, owner],
    )
    configurations = [row[0] for row in cursor.fetchall()]
    for name in configurations:
        cursor.execute(
            sql.SQL("ALTER TEXT SEARCH CONFIGURATION {}.{} OWNER TO {}").format(
                sql.Identifier(schema), sql.Identifier(name), sql.Identifier(owner)
            )
        )
    return len(relations) + len(functions) + len(configurations)
