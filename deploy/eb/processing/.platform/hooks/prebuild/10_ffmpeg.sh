#!/usr/bin/env bash
# The worker probes and transcodes audio with ffmpeg/ffprobe, which Amazon Linux 2023 does not
# package. Install a static build once per instance from the artifacts bucket (FFMPEG_ARCHIVE_S3_URI,
# a .tar.xz holding ffmpeg and ffprobe); instances reach S3 without internet access.
set -euo pipefail
if command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null; then
    exit 0
fi
uri="$(/opt/elasticbeanstalk/bin/get-config environment -k FFMPEG_ARCHIVE_S3_URI 2>/dev/null || true)"
if [ -z "$uri" ]; then
    echo "ffmpeg is missing and FFMPEG_ARCHIVE_S3_URI is not set (see deploy/README.md)" >&2
    exit 1
fi
workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT
aws s3 cp --only-show-errors "$uri" "$workdir/ffmpeg.tar.xz"
tar -xJf "$workdir/ffmpeg.tar.xz" -C "$workdir"
install -m 0755 "$(find "$workdir" -type f -name ffmpeg | head -1)" /usr/local/bin/ffmpeg
install -m 0755 "$(find "$workdir" -type f -name ffprobe | head -1)" /usr/local/bin/ffprobe
ffprobe -version | head -1
