"""Create or update the migration owner and the runtime database roles from their secrets."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction

from padmakara import aws_secrets
from padmakara.database_roles import RoleCredentials, ensure_database_roles


class Command(BaseCommand):
    help = (
        "Run as the database's master user: create (or reset the passwords of) the migration owner "
        "and the app's runtime role, named and keyed by their Secrets Manager secrets."
    )

    def add_arguments(self, parser):
        # On an instance, manage.sh --as master sets both (deploy/README.md, "Database roles").
        parser.add_argument(
            "--owner-secret-id",
            default=os.environ.get("DATABASE_OWNER_SECRET_ID", ""),
            help="Secret of the migration owner role (default: DATABASE_OWNER_SECRET_ID).",
        )
        parser.add_argument(
            "--app-secret-id",
            default=os.environ.get("DATABASE_APP_SECRET_ID", ""),
            help="Secret of the app's runtime role (default: DATABASE_APP_SECRET_ID).",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Set existing roles' passwords to their secrets' too (never while a rotation runs).",
        )
        parser.add_argument("--database", default="default", help="Connection to run on (the master user's).")

    def handle(self, *args, owner_secret_id: str, app_secret_id: str, reset_passwords: bool, database: str, **options):
        if not owner_secret_id or not app_secret_id:
            raise CommandError("Name both secrets: --owner-secret-id and --app-secret-id.")
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("Database roles exist on PostgreSQL only.")
        owner = _credentials(owner_secret_id)
        app = _credentials(app_secret_id)
        with transaction.atomic(using=database), connection.cursor() as cursor:
            done = ensure_database_roles(cursor.cursor, owner=owner, app=app, reset_passwords=reset_passwords)
        for line in done:
            self.stdout.write(line)


def _credentials(secret_id: str) -> RoleCredentials:
    secret = aws_secrets.fetch_secret(secret_id, region=settings.AWS_REGION)
    if not secret.get("username") or not secret.get("password"):
        raise CommandError(f"Secret {secret_id!r} needs a username and a password.")
    return RoleCredentials(username=str(secret["username"]), password=str(secret["password"]))
