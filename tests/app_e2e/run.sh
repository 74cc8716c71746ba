#!/usr/bin/env bash
# The mobile app's own end-to-end specs against this backend (docs/compat-api.md "Running the
# app's specs"). Usage: tests/app_e2e/run.sh /path/to/padmakara-app-frontend [playwright args…]
# Needs: the app's checkout with `npm ci` done, Chromium (CHROMIUM, default /usr/bin/chromium),
# DATABASE_URL of a scratch database. Starts our server on :3100 with COMPAT_TEST_SUPPORT on,
# seeds it with `seed_app_e2e`, then runs Playwright, which starts the app's Expo web build.
set -euo pipefail
APP=${1:?path to the app checkout}; shift
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PYTHON=${PYTHON:-python}
PORT=${E2E_API_PORT:-3100}
export COMPAT_TEST_SUPPORT=true CORS_ALLOWED_ORIGINS=http://localhost:${E2E_WEB_PORT:-8181} ALLOWED_HOSTS='*'
export E2E_API_URL=http://localhost:$PORT/api

(cd "$ROOT" && $PYTHON manage.py migrate -v0 && $PYTHON manage.py seed_app_e2e)
(cd "$ROOT" && exec $PYTHON manage.py runserver 127.0.0.1:"$PORT" --noreload) > "${TMPDIR:-/tmp}/padmakara-e2e-server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 60); do curl -sf "$E2E_API_URL/events/public" >/dev/null && break; sleep 1; done

# The app's web build, warmed up before the specs: Metro's first bundle takes minutes on a small
# machine, longer than a spec's timeout (Playwright reuses this server).
WEB_PORT=${E2E_WEB_PORT:-8181}
(cd "$APP" && EXPO_PUBLIC_API_URL=$E2E_API_URL CI=1 BROWSER=none exec npx expo start --web --port "$WEB_PORT") \
    > "${TMPDIR:-/tmp}/padmakara-e2e-expo.log" 2>&1 &
EXPO=$!
trap 'kill $SERVER $EXPO 2>/dev/null || true' EXIT
for _ in $(seq 300); do curl -sf "http://localhost:$WEB_PORT/" >/dev/null && break; sleep 1; done
BUNDLE=$(curl -s "http://localhost:$WEB_PORT/" | grep -o 'src="/node_modules/expo-router/entry.bundle[^"]*"' | head -1 | cut -d'"' -f2)
curl -s -o /dev/null --max-time 900 "http://localhost:$WEB_PORT$BUNDLE"

cp "$HERE/playwright.config.ts" "$APP/padmakara-e2e.config.ts"
cd "$APP" && npx playwright test --config=padmakara-e2e.config.ts "$@"
