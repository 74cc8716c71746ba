"""Read-along documents for tests."""

import orjson


def document(*segments) -> bytes:
    """A read-along of ``segments``, each ``(start, end, [(text, start, end), …])``."""
    return orjson.dumps(
        {
            "segments": [
                {
                    "start": s,
                    "end": e,
                    "words": [{"text": t, "start": ws, "end": we, "confidence": 0.9} for t, ws, we in words],
                }
                for s, e, words in segments
            ]
        }
    )


def simple(duration: float = 120) -> bytes:
    """Two segments of two words each, inside ``duration``."""
    return document(
        (0.0, 2.0, [("Good", 0.0, 0.8), ("morning", 0.9, 2.0)]),
        (2.5, min(5.0, duration), [("Let", 2.5, 3.0), ("us", 3.1, 3.5)]),
    )
