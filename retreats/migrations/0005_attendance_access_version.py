"""Attendances and grants move their user's ``access_version`` (accounts 0008 says why; SQLite's
triggers come from ``accounts/access_version.py`` after every ``migrate``)."""

from django.db import migrations

POSTGRES = [
    # The trigger function of accounts 0008: bumps NEW.user_id and OLD.user_id.
    """CREATE TRIGGER retreats_attendance_access_version
AFTER INSERT OR UPDATE OR DELETE ON retreats_attendance
FOR EACH ROW EXECUTE FUNCTION accounts_bump_access_version()""",
]
POSTGRES_REVERSE = ["DROP TRIGGER retreats_attendance_access_version ON retreats_attendance"]

def run(statements):
    def operation(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_access_version"),
        ("retreats", "0004_audiences"),
    ]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRES}),
            run({"postgresql": POSTGRES_REVERSE}),
        ),
    ]
