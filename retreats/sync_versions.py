"""The tables of each ``SyncVersion`` namespace, and SQLite's side of its triggers.

On PostgreSQL the triggers live in migration retreats 0012 (statement-level: one bump per
statement, however many rows it touches). SQLite drops a table's triggers when a migration
rebuilds it, so there they are dropped before ``migrate`` and created again after it, as for
``User.access_version`` (accounts/access_version.py).
"""

# What the app caches per namespace, and the tables its rows are read from.
NAMESPACE_TABLES = {
    "events": (
        "retreats_retreat",
        "retreats_retreat_groups",
        "retreats_retreat_teachers",
        "retreats_retreat_places",
        "retreats_session",
        "retreats_track",
        "retreats_transcript",
        "retreats_teacher",
        "retreats_place",
        "retreats_retreatgroup",
    ),
    "groups": ("retreats_retreatgroup", "retreats_retreat_groups"),
    "teachers": ("retreats_teacher", "retreats_retreat_teachers"),
    # The books (library app; on PostgreSQL their triggers are in migration library 0002).
    "publications": ("library_book", "library_book_groups"),
}
NAMESPACES = tuple(NAMESPACE_TABLES)
PREFIX = "sync_version_"


def table_namespaces() -> dict[str, list[str]]:
    tables: dict[str, list[str]] = {}
    for namespace, names in NAMESPACE_TABLES.items():
        for table in names:
            tables.setdefault(table, []).append(namespace)
    return tables


def sqlite_drop_triggers(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{PREFIX}%"])
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TRIGGER "{name}"')


def sqlite_create_triggers(connection) -> None:
    existing = set(connection.introspection.table_names())
    if "retreats_syncversion" not in existing:
        return
    with connection.cursor() as cursor:
        for table, namespaces in table_namespaces().items():
            if table not in existing:
                continue
            listed = ", ".join(f"'{namespace}'" for namespace in namespaces)
            bump = f"UPDATE retreats_syncversion SET version = version + 1 WHERE namespace IN ({listed});"
            for operation in ("INSERT", "UPDATE", "DELETE"):
                name = f"{PREFIX}{table}_{operation.lower()}"
                cursor.execute(f'CREATE TRIGGER IF NOT EXISTS "{name}" AFTER {operation} ON {table} BEGIN {bump} END')
