"""PostgreSQL backend that re-reads its secret when the server refuses the credentials.

Secrets Manager's rotation function changes the password in PostgreSQL and then in the secret.
Open connections keep working, but the next new one (gunicorn thread, Celery worker after
CONN_MAX_AGE) would fail with the password read at startup. On an authentication failure this
backend reads the secret again and, if the credentials there differ, retries once with them
and keeps them for every later connection of the process.

Used when the settings build the database from ``DATABASE_SECRET_ID`` (padmakara/settings.py);
the secret is named by the ``SECRET_ID`` key of the database's settings.
"""

import logging
import re
import threading
import time

from django.db.backends.postgresql import base

from padmakara import aws_secrets

logger = logging.getLogger(__name__)

# libpq reports connection failures without an SQLSTATE: the server's FATAL message tells.
_AUTHENTICATION_FAILURE = re.compile(
    r"FATAL:\s+(password authentication failed|role \".*\" does not exist|.*authentication failed)"
)
# A wrong secret must not turn every request into a Secrets Manager call.
REREAD_INTERVAL_SECONDS = 5.0


class DatabaseWrapper(base.DatabaseWrapper):
    _reread_lock = threading.Lock()
    _last_reread = 0.0

    def get_new_connection(self, conn_params):
        try:
            return super().get_new_connection(conn_params)
        except base.Database.OperationalError as exc:
            secret_id = self.settings_dict.get("SECRET_ID")
            if not secret_id or not _AUTHENTICATION_FAILURE.search(str(exc)):
                raise
            if not self._reread_credentials(secret_id):
                raise
            logger.warning("Database credentials rotated; reconnecting with those of secret %s", secret_id)
            return super().get_new_connection(self.get_connection_params())

    def _reread_credentials(self, secret_id: str) -> bool:
        """Take the secret's current credentials; False when there is nothing new to try."""
        cls = type(self)
        with cls._reread_lock:
            now = time.monotonic()
            if now - cls._last_reread < REREAD_INTERVAL_SECONDS:
                return False
            cls._last_reread = now
            secret = aws_secrets.fetch_secret(secret_id, region=self.settings_dict.get("SECRET_REGION", ""))
            fresh = {"USER": secret.get("username"), "PASSWORD": secret.get("password")}
            if not all(fresh.values()):
                return False
            if all(self.settings_dict.get(key) == value for key, value in fresh.items()):
                return False
            # The settings dict is shared by every thread's connection: all of them pick it up.
            self.settings_dict.update({key: str(value) for key, value in fresh.items()})
            return True
