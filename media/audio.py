"""ffprobe and ffmpeg, run on local temporary files (never whole files in memory)."""

import json
import subprocess
from dataclasses import dataclass

from django.conf import settings


class MediaError(Exception):
    """The file itself is the problem (corrupt, wrong type): retrying will not help."""


@dataclass(frozen=True)
class AudioInfo:
    duration: float
    codec: str
    bitrate: int  # bits per second
    channels: int
    sample_rate: int
    format_name: str


def probe(path: str) -> AudioInfo:
    """Duration, codec and bitrate of an audio file, or :class:`MediaError` if it is not one."""
    try:
        result = subprocess.run(
            [settings.FFPROBE_BINARY, "-v", "error", "-print_format", "json", "-show_format", "-show_streams", path],
            capture_output=True,
            timeout=120,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise MediaError("Reading the audio file took too long; it may be damaged.") from exc
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip().splitlines()
        raise MediaError(f"Not a readable audio file ({detail[-1] if detail else 'ffprobe failed'}).")
    data = json.loads(result.stdout or b"{}")
    streams = [s for s in data.get("streams", []) if s.get("codec_type") == "audio"]
    if not streams:
        raise MediaError("The file has no audio stream: is it the right file?")
    stream, fmt = streams[0], data.get("format", {})
    duration = float(fmt.get("duration") or stream.get("duration") or 0)
    if duration <= 0:
        raise MediaError("The audio has no duration; the file may be truncated or damaged.")
    return AudioInfo(
        duration=round(duration, 3),
        codec=stream.get("codec_name", ""),
        bitrate=int(fmt.get("bit_rate") or stream.get("bit_rate") or 0),
        channels=int(stream.get("channels") or 0),
        sample_rate=int(stream.get("sample_rate") or 0),
        format_name=fmt.get("format_name", ""),
    )


def transcode_aac(source: str, target: str, *, kbps: int, mono: bool, timeout: int) -> None:
    """An AAC rendition in an MP4 container, streamable from the start (faststart)."""
    command = [settings.FFMPEG_BINARY, "-nostdin", "-v", "error", "-y", "-i", source, "-vn", "-map", "0:a:0"]
    if mono:
        command += ["-ac", "1"]
    command += ["-c:a", "aac", "-b:a", f"{kbps}k", "-movflags", "+faststart", "-f", "mp4", target]
    try:
        result = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise MediaError("Transcoding took longer than the time limit.") from exc
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip().splitlines()
        raise MediaError(f"Transcoding failed ({detail[-1] if detail else 'ffmpeg failed'}).")
