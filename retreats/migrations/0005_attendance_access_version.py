"""Attendances and grants move their user's ``access_version`` (accounts 0008 says why)."""

from django.db import migrations

POSTGRES = [
    # The trigger function of accounts 0008: bumps NEW.user_id and OLD.user_id.
    """CREATE TRIGGER retreats_attendance_access_version
AFTER INSERT OR UPDATE OR DELETE ON retreats_attendance
FOR EACH ROW EXECUTE FUNCTION accounts_bump_access_version()""",
]
POSTGRES_REVERSE = ["DROP TRIGGER retreats_attendance_access_version ON retreats_attendance"]

SQLITE = [
    """CREATE TRIGGER retreats_attendance_access_version_insert AFTER INSERT ON retreats_attendance
    BEGIN UPDATE accounts_user SET access_version = access_version + 1 WHERE id = NEW.user_id; END""",
    """CREATE TRIGGER retreats_attendance_access_version_update AFTER UPDATE ON retreats_attendance
    BEGIN UPDATE accounts_user SET access_version = access_version + 1 WHERE id IN (NEW.user_id, OLD.user_id); END""",
    """CREATE TRIGGER retreats_attendance_access_version_delete AFTER DELETE ON retreats_attendance
    BEGIN UPDATE accounts_user SET access_version = access_version + 1 WHERE id = OLD.user_id; END""",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER retreats_attendance_access_version_{event}" for event in ("insert", "update", "delete")
]


def run(statements):
    def operation(apps, schema_editor):
        for sql in statements[schema_editor.connection.vendor]:
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_access_version"),
        ("retreats", "0004_audiences"),
    ]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRES, "sqlite": SQLITE}),
            run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
