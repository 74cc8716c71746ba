"""SQLite's side of ``User.access_version`` (``make run``; production and tests are PostgreSQL).

On PostgreSQL the triggers that move the counter live in migrations (accounts 0008, retreats
0005). SQLite alters a table by building a new one and dropping the old, which drops that
table's triggers and refuses the final rename while another trigger names the missing table.
So on SQLite the triggers are dropped before every ``migrate`` and created again after it (and
after a ``flush``), from here: the same rule, NEW being read-only and recursive triggers off.
"""

WATCHED_USER_COLUMNS = ("subscription_status", "subscription_plan", "subscription_expires_at", "is_staff", "is_active")
PREFIX = "access_version_"


def _bump(table: str) -> list[tuple[str, str]]:
    """Triggers on ``table`` (a table with ``user_id``) that move its users' counters."""
    bump = "UPDATE accounts_user SET access_version = access_version + 1 WHERE id"
    return [
        (f"{PREFIX}{table}_insert", f"AFTER INSERT ON {table} BEGIN {bump} = NEW.user_id; END"),
        (f"{PREFIX}{table}_update", f"AFTER UPDATE ON {table} BEGIN {bump} IN (NEW.user_id, OLD.user_id); END"),
        (f"{PREFIX}{table}_delete", f"AFTER DELETE ON {table} BEGIN {bump} = OLD.user_id; END"),
    ]


def _user() -> list[tuple[str, str]]:
    changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in WATCHED_USER_COLUMNS)
    return [
        (
            f"{PREFIX}accounts_user",
            f"AFTER UPDATE ON accounts_user WHEN {changed} "
            "BEGIN UPDATE accounts_user SET access_version = OLD.access_version + 1 WHERE id = NEW.id; END",
        )
    ]


def sqlite_drop_triggers(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{PREFIX}%"])
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TRIGGER "{name}"')


def sqlite_create_triggers(connection, tables: tuple[str, ...]) -> None:
    """The triggers for ``tables`` (``accounts_user`` or tables with ``user_id``) that exist."""
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in tables:
            if table not in existing or "accounts_user" not in existing:
                continue
            for name, body in _user() if table == "accounts_user" else _bump(table):
                cursor.execute(f'CREATE TRIGGER IF NOT EXISTS "{name}" {body}')
