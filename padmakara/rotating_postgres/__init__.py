"""Django's PostgreSQL backend, re-reading its credentials from Secrets Manager after a rotation."""
