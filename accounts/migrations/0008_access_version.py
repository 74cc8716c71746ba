"""``User.access_version`` and the triggers that move it.

The counter moves on every change of what a user may play, whoever makes it: here, a group
membership (insert, update, delete) and a change of the subscription, staff or active flags;
retreats 0005 adds attendances and grants. Triggers rather than signals, so bulk writes,
``update()`` calls and raw SQL count too. On PostgreSQL (production, tests) they are made
here; SQLite (``make run``) gets the same triggers from ``accounts/access_version.py`` after
every ``migrate``, since its table rebuilds would drop them.
"""

from django.db import migrations, models

WATCHED_USER_COLUMNS = ("subscription_status", "subscription_plan", "subscription_expires_at", "is_staff", "is_active")

POSTGRES = [
    """
CREATE FUNCTION accounts_bump_access_version() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        UPDATE accounts_user SET access_version = access_version + 1 WHERE id = NEW.user_id;
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.user_id <> NEW.user_id) THEN
        UPDATE accounts_user SET access_version = access_version + 1 WHERE id = OLD.user_id;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER accounts_groupmembership_access_version
AFTER INSERT OR UPDATE OR DELETE ON accounts_groupmembership
FOR EACH ROW EXECUTE FUNCTION accounts_bump_access_version()""",
    """CREATE FUNCTION accounts_user_access_version() RETURNS trigger AS $$
BEGIN
    IF ({changed}) THEN
        NEW.access_version := OLD.access_version + 1;
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql""".format(
        changed=" OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in WATCHED_USER_COLUMNS)
    ),
    """CREATE TRIGGER accounts_user_access_version
BEFORE UPDATE ON accounts_user
FOR EACH ROW EXECUTE FUNCTION accounts_user_access_version()""",
]

POSTGRES_REVERSE = [
    "DROP TRIGGER accounts_user_access_version ON accounts_user",
    "DROP FUNCTION accounts_user_access_version()",
    "DROP TRIGGER accounts_groupmembership_access_version ON accounts_groupmembership",
    "DROP FUNCTION accounts_bump_access_version()",
]

def run(statements):
    def operation(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_token_revocation"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="access_version",
            field=models.PositiveBigIntegerField(default=0, editable=False, verbose_name="access version"),
        ),
        migrations.RunPython(
            run({"postgresql": POSTGRES}),
            run({"postgresql": POSTGRES_REVERSE}),
        ),
    ]
