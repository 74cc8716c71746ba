"""``SyncVersion``: a counter per catalogue namespace, moved by statement-level triggers on the
tables of that namespace (retreats/sync_versions.py lists them), so admin saves, services,
imports, bulk writes and ``update()`` calls all count. SQLite gets the same triggers from
retreats/sync_versions.py after every ``migrate``."""

from django.db import migrations, models

# Frozen here (a migration must not follow later edits of the list).
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
    "publications": (),
}


def _tables() -> dict[str, list[str]]:
    tables: dict[str, list[str]] = {}
    for namespace, names in NAMESPACE_TABLES.items():
        for table in names:
            tables.setdefault(table, []).append(namespace)
    return tables


POSTGRES = [
    """CREATE FUNCTION retreats_bump_sync_version() RETURNS trigger AS $$
BEGIN
    UPDATE retreats_syncversion SET version = version + 1 WHERE namespace = ANY(TG_ARGV);
    RETURN NULL;
END $$ LANGUAGE plpgsql""",
    *(
        f"""CREATE TRIGGER {table}_sync_version
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION retreats_bump_sync_version({", ".join(f"'{n}'" for n in namespaces)})"""
        for table, namespaces in _tables().items()
    ),
]

POSTGRES_REVERSE = [
    *(f"DROP TRIGGER {table}_sync_version ON {table}" for table in _tables()),
    "DROP FUNCTION retreats_bump_sync_version()",
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return operation


def create_rows(apps, schema_editor):
    SyncVersion = apps.get_model("retreats", "SyncVersion")
    SyncVersion.objects.bulk_create([SyncVersion(namespace=namespace) for namespace in NAMESPACE_TABLES])


class Migration(migrations.Migration):
    dependencies = [
        ("retreats", "0011_catalogue_summaries"),
    ]

    operations = [
        migrations.CreateModel(
            name="SyncVersion",
            fields=[
                ("namespace", models.CharField(max_length=16, primary_key=True, serialize=False)),
                ("version", models.PositiveBigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "sync version",
                "verbose_name_plural": "sync versions",
            },
        ),
        migrations.RunPython(create_rows, migrations.RunPython.noop),
        migrations.RunPython(run(POSTGRES), run(POSTGRES_REVERSE)),
    ]
