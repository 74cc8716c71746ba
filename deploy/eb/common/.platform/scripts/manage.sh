#!/usr/bin/env bash
# Run a manage.py command on an Elastic Beanstalk instance with the environment's properties and
# the platform's virtualenv, from the bundle being deployed (staging) or the live one (current).
#   .platform/scripts/manage.sh migrate --noinput
#   .platform/scripts/manage.sh --as owner migrate --noinput     (as the schema's owner)
#   .platform/scripts/manage.sh --as master ensure_database_roles (as the master user)
# The app itself connects as the least-privilege runtime role (DATABASE_SECRET_ID).
set -euo pipefail
cd "$(dirname "$0")/../.."
as=""
if [ "${1:-}" = "--as" ]; then
    as="${2:-}"
    shift 2
fi

# Environment properties, as the app processes see them (container commands may not).
if [ -x /opt/elasticbeanstalk/bin/get-config ]; then
    eval "$(/opt/elasticbeanstalk/bin/get-config environment | python3 -c '
import json, shlex, sys
for key, value in json.load(sys.stdin).items():
    print(f"export {key}={shlex.quote(str(value))}")
')"
fi
# ensure_database_roles reads the runtime role's secret from here whoever it runs as.
export DATABASE_APP_SECRET_ID="${DATABASE_SECRET_ID:-}"
case "$as" in
    "") ;;
    owner) export DATABASE_SECRET_ID="${DATABASE_OWNER_SECRET_ID:?DATABASE_OWNER_SECRET_ID is not set}" ;;
    master) export DATABASE_SECRET_ID="${DATABASE_MASTER_SECRET_ID:?DATABASE_MASTER_SECRET_ID is not set}" ;;
    *)
        echo "manage.sh: --as takes owner or master, not '$as'" >&2
        exit 2
        ;;
esac
for activate in /var/app/venv/*/bin/activate; do
    [ -f "$activate" ] && . "$activate"
done
exec python manage.py "$@"
