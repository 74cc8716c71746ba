"""The compatibility API's ``publications`` counter (``retreats.SyncVersion``) moves with every
write of a book or of its groups: statement-level triggers calling migration retreats 0012's
function. SQLite gets the same from retreats/sync_versions.py after every ``migrate``."""

from django.db import migrations

TABLES = ("library_book", "library_book_groups")


def run(create: bool):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in TABLES:
            if create:
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_sync_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION retreats_bump_sync_version('publications')"
                )
            else:
                schema_editor.execute(f"DROP TRIGGER {table}_sync_version ON {table}")

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("library", "0001_books"),
        ("retreats", "0012_sync_versions"),
    ]

    operations = [migrations.RunPython(run(True), run(False))]
