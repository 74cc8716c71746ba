#!/usr/bin/env bash
# Fail the deployment on this instance unless the new version answers /health/ready: with a
# rolling deployment that stops the rollout before a broken version reaches every instance.
set -uo pipefail
port="$(/opt/elasticbeanstalk/bin/get-config environment -k PORT 2>/dev/null || true)"
url="http://127.0.0.1:${port:-8000}/health/ready"
check() {
    local url="$1" body=""
    for _ in $(seq 30); do
        if body="$(curl -fsS --max-time 5 "$url")"; then
            echo "smoke check passed: $url $body"
            return 0
        fi
        sleep 2
    done
    echo "smoke check failed: $url did not answer 200 within 60 s: ${body:-no answer}" >&2
    return 1
}
check "$url" || exit 1
# The web bundle's live-events server (Procfile `ws`, uvicorn) answers the same checks.
if grep -q '^ws:' "$(dirname "$0")/../../../Procfile" 2>/dev/null; then
    bind="$(/opt/elasticbeanstalk/bin/get-config environment -k REALTIME_BIND 2>/dev/null || true)"
    check "http://${bind:-127.0.0.1:8001}/health/ready" || exit 1
fi
exit 0
