"""Aligners: what turns a track's transcript text into a read-along (media/read_along.py).

The backend is chosen by dotted path (``READ_ALONG_ALIGNER``, docs/configuration.md), as
search backends are chosen in wagtail. A backend is a class with a ``name``, an
``approximate`` flag and :meth:`Aligner.align`, which returns the read-along document (the
JSON object of docs/api.md "Read-along"); the caller validates it like an upload.

Only :class:`ProportionalAligner` ships. It does not listen to the audio: it spreads the
words over the track's duration in proportion to their length, so its times are an
approximation (the document says ``"approximate": true`` and the app can say so). No
maintained forced-alignment library fits this deployment: those that align text to speech
well (torchaudio's MMS aligner, ctc-forced-aligner, WhisperX, ForceAlign) need PyTorch and a
downloaded acoustic model of hundreds of megabytes, and aeneas (espeak, C extensions) has not
been released since 2017. A real aligner plugs in here with the same interface.
"""

import re
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class AlignmentInput:
    """What an aligner gets: the track's audio (a local file path; None for aligners that do not
    listen), the transcript's text, the track's duration in seconds and its language."""

    audio_path: str | None
    text: str
    duration: float
    language: str


class Aligner(Protocol):
    name: str
    approximate: bool
    needs_audio: bool

    def align(self, source: AlignmentInput) -> dict:
        """The read-along document for ``source``."""
        ...


class AlignmentError(Exception):
    """The aligner cannot align this input (no text, nothing to spread it over)."""


# Sentences end at . ! ? … (with closing quotes), or at a blank line.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'»”’)]*\s+|\n\s*\n")
_WORD = re.compile(r"\S+")


class ProportionalAligner:
    """An approximation, not an alignment: each sentence becomes a segment and each word gets a
    share of the track's duration proportional to its length in characters (plus a constant
    for the pause between words). Deterministic: the same text and duration give the same
    read-along. ``confidence`` is left out, since nothing was measured."""

    name = "proportional"
    approximate = True
    needs_audio = False
    pause_weight = 1.0  # one character's worth of time between words

    def align(self, source: AlignmentInput) -> dict:
        sentences = [_WORD.findall(part) for part in _SENTENCE_END.split(source.text or "")]
        sentences = [words for words in sentences if words]
        if not sentences:
            raise AlignmentError("The transcript has no text to align.")
        if source.duration <= 0:
            raise AlignmentError("The track's duration is not known yet.")
        total_weight = sum(len(word) + self.pause_weight for words in sentences for word in words)
        per_unit = source.duration / total_weight
        segments, at = [], 0.0
        for words in sentences:
            timed = []
            for word in words:
                start = at
                at += len(word) * per_unit
                timed.append({"text": word, "start": round(start, 3), "end": round(at, 3)})
                at += self.pause_weight * per_unit
            timed[-1]["end"] = min(timed[-1]["end"], round(source.duration, 3))
            segments.append({"start": timed[0]["start"], "end": timed[-1]["end"], "words": timed})
        return {"language": source.language, "approximate": True, "segments": segments}


def get_aligner(path: str | None = None) -> Aligner:
    """The configured aligner (``READ_ALONG_ALIGNER``), or the one at dotted ``path``."""
    return import_string(path or settings.READ_ALONG_ALIGNER)()
