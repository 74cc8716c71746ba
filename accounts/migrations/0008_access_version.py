"""``User.access_version`` and the triggers that move it.

The counter moves on every change of what a user may play, whoever makes it: here, a group
membership (insert, update, delete) and a change of the subscription, staff or active flags;
retreats 0005 adds attendances and grants. Triggers rather than signals, so bulk writes,
``update()`` calls and raw SQL count too. PostgreSQL in production and tests, SQLite for
``make run``.
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

# SQLite: no trigger functions, and NEW is read-only; recursive triggers are off by default,
# so the user trigger's own UPDATE does not fire it again.
SQLITE = [
    """CREATE TRIGGER accounts_groupmembership_access_version_insert AFTER INSERT ON accounts_groupmembership
    BEGIN UPDATE accounts_user SET access_version = access_version + 1 WHERE id = NEW.user_id; END""",
    """CREATE TRIGGER accounts_groupmembership_access_version_update AFTER UPDATE ON accounts_groupmembership
    BEGIN UPDATE accounts_user SET access_version = access_version + 1 WHERE id IN (NEW.user_id, OLD.user_id); END""",
    """CREATE TRIGGER accounts_groupmembership_access_version_delete AFTER DELETE ON accounts_groupmembership
    BEGIN UPDATE accounts_user SET access_version = access_version + 1 WHERE id = OLD.user_id; END""",
    """CREATE TRIGGER accounts_user_access_version AFTER UPDATE ON accounts_user WHEN {changed}
    BEGIN UPDATE accounts_user SET access_version = OLD.access_version + 1 WHERE id = NEW.id; END""".format(
        changed=" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in WATCHED_USER_COLUMNS)
    ),
]
SQLITE_REVERSE = [
    f"DROP TRIGGER {name}"
    for name in (
        "accounts_groupmembership_access_version_insert",
        "accounts_groupmembership_access_version_update",
        "accounts_groupmembership_access_version_delete",
        "accounts_user_access_version",
    )
]


def run(statements):
    def operation(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in statements[vendor]:
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
            run({"postgresql": POSTGRES, "sqlite": SQLITE}),
            run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
