#!/usr/bin/env bash
# Run a manage.py command on an Elastic Beanstalk instance with the environment's properties and
# the platform's virtualenv, from the bundle being deployed (staging) or the live one (current).
#   .platform/scripts/manage.sh migrate --noinput
set -euo pipefail
cd "$(dirname "$0")/../.."

# Environment properties, as the app processes see them (container commands may not).
if [ -x /opt/elasticbeanstalk/bin/get-config ]; then
    eval "$(/opt/elasticbeanstalk/bin/get-config environment | python3 -c '
import json, shlex, sys
for key, value in json.load(sys.stdin).items():
    print(f"export {key}={shlex.quote(str(value))}")
')"
fi
for activate in /var/app/venv/*/bin/activate; do
    [ -f "$activate" ] && . "$activate"
done
exec python manage.py "$@"
