#!/usr/bin/env bash
exec "$(dirname "$0")/../../hooks/postdeploy/90_smoke.sh" "$@"
