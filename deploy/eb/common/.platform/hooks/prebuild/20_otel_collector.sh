#!/usr/bin/env bash
# When TRACING is true, run the AWS Distro for OpenTelemetry collector on the instance: the app
# sends spans over OTLP/HTTP to 127.0.0.1:4318, the collector forwards them to X-Ray with the
# instance role (padmakara/tracing.py). Installed once per instance from the artifacts bucket
# (OTEL_COLLECTOR_RPM_S3_URI), like ffmpeg; its configuration ships with the bundle.
set -euo pipefail
config() { /opt/elasticbeanstalk/bin/get-config environment -k "$1" 2>/dev/null || true; }
tracing="$(config TRACING | tr '[:upper:]' '[:lower:]')"
ctl=/opt/aws/aws-otel-collector/bin/aws-otel-collector-ctl
case "$tracing" in
    true | 1 | yes | on) ;;
    *)
        # Tracing off: a collector left from an earlier version stops.
        if [ -x "$ctl" ]; then "$ctl" -a stop || true; fi
        exit 0
        ;;
esac
if [ ! -x "$ctl" ]; then
    uri="$(config OTEL_COLLECTOR_RPM_S3_URI)"
    if [ -z "$uri" ]; then
        echo "TRACING is on but OTEL_COLLECTOR_RPM_S3_URI is not set (see deploy/README.md)" >&2
        exit 1
    fi
    workdir="$(mktemp -d)"
    trap 'rm -rf "$workdir"' EXIT
    aws s3 cp --only-show-errors "$uri" "$workdir/aws-otel-collector.rpm"
    rpm -Uvh --replacepkgs "$workdir/aws-otel-collector.rpm"
fi
"$ctl" -a start -c "$(pwd)/.platform/otel/collector.yaml"
