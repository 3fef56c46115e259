"""Links from the acta to the moment of the video where an intervention starts."""

from __future__ import annotations

import math
from string import Formatter
from urllib.parse import quote

from plenaria.errors import ConfigError

PLACEHOLDERS = ("session", "seconds")


def _whole_seconds(seconds: float) -> int:
    return math.floor(seconds) if seconds > 0 else 0  # NaN and negatives read as 0


def template_fields(template: str) -> set[str]:
    """The placeholder names a URL template uses; a malformed template is a ConfigError."""
    try:
        return {name for _, name, _, _ in Formatter().parse(template) if name is not None}
    except ValueError as e:
        raise ConfigError(
            f"Video URL template {template!r} is malformed ({e}).",
            "Use {session} and {seconds}, and write a literal brace as {{ or }}.",
        ) from e


def check_template(template: str) -> None:
    """Raise ConfigError unless every placeholder is ``{session}`` or ``{seconds}``."""
    unknown = sorted(template_fields(template) - set(PLACEHOLDERS))
    if unknown:
        names = ", ".join("{" + name + "}" for name in unknown)
        raise ConfigError(
            f"Video URL template {template!r} has unknown placeholders: {names}.",
            "Only {session} and {seconds} are filled in (PLENARIA_VIDEO_URL_TEMPLATE).",
        )


def video_link(template: str, session_id: str, seconds: float, fallback_media: str) -> str:
    """The URL that plays the session's video from ``seconds`` (floored to whole seconds).

    ``template`` like ``https://sede.example.es/plenos/{session}?t={seconds}``
    gets the URL-quoted session id; an empty template links to the media file
    next to the acta (``<fallback_media>#t=<seconds>``, a relative URL).
    """
    whole = _whole_seconds(seconds)
    if not template:
        if not fallback_media:
            raise ConfigError(
                "No video link can be made: the URL template and the media file name are empty.",
                "Set PLENARIA_VIDEO_URL_TEMPLATE or give the proxy video's file name.",
            )
        return f"{quote(fallback_media)}#t={whole}"
    check_template(template)
    try:
        return template.format(session=quote(session_id, safe=""), seconds=whole)
    except (ValueError, TypeError, IndexError, KeyError, AttributeError) as e:
        raise ConfigError(
            f"Video URL template {template!r} cannot be filled in ({e}).",
            "Use plain {session} and {seconds}, with no format specification.",
        ) from e
