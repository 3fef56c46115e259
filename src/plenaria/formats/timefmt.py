"""Clock notation for seconds: captions (``HH:MM:SS.mmm``) and the acta (``hh:mm:ss``)."""

from __future__ import annotations

import math


def _milliseconds(seconds: float) -> int:
    """Whole milliseconds, never negative (a NaN or negative time reads as 0)."""
    if not seconds > 0:  # also catches NaN
        return 0
    return round(seconds * 1000)


def format_timestamp(seconds: float, *, decimal_sep: str = ".") -> str:
    """``HH:MM:SS.mmm`` (WebVTT) or, with ``decimal_sep=","``, ``HH:MM:SS,mmm`` (SRT).

    Hours take as many digits as they need (at least two).
    """
    ms = _milliseconds(seconds)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal_sep}{millis:03d}"


def format_clock(seconds: float) -> str:
    """``hh:mm:ss``, the seconds floored: the second a viewer has to seek to."""
    whole = math.floor(seconds) if seconds > 0 else 0
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"
