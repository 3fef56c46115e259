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
            f"La plantilla del enlace al vídeo {template!r} está mal formada ({e}).",
            "Use {session} y {seconds}, y escriba una llave literal como {{ o }}.",
        ) from e


def check_template(template: str) -> None:
    """Raise ConfigError unless every placeholder is ``{session}`` or ``{seconds}``."""
    unknown = sorted(template_fields(template) - set(PLACEHOLDERS))
    if unknown:
        names = ", ".join("{" + name + "}" for name in unknown)
        raise ConfigError(
            f"La plantilla del enlace al vídeo {template!r} tiene marcadores desconocidos: "
            f"{names}.",
            "Solo se rellenan {session} y {seconds} (PLENARIA_VIDEO_URL_TEMPLATE).",
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
                "No se puede hacer el enlace al vídeo: la plantilla y el nombre del vídeo "
                "están vacíos.",
                "Configure PLENARIA_VIDEO_URL_TEMPLATE o dé el nombre del vídeo para la web.",
            )
        return f"{quote(fallback_media)}#t={whole}"
    check_template(template)
    try:
        return template.format(session=quote(session_id, safe=""), seconds=whole)
    except (ValueError, TypeError, IndexError, KeyError, AttributeError) as e:
        raise ConfigError(
            f"La plantilla del enlace al vídeo {template!r} no se puede rellenar ({e}).",
            "Use {session} y {seconds} tal cual, sin especificación de formato.",
        ) from e


def acta_link_template(
    council_template: str, public_base_url: str, council_slug: str, plenary_id: str, default: str
) -> str:
    """Where the acta's time links point in the service: the council's own player when it
    set one; else the session's page on the citizens' portal when the portal's address is
    known (``PLENARIA_PUBLIC_BASE_URL``); else ``PLENARIA_VIDEO_URL_TEMPLATE`` (``default``).
    Empty only when none is set (then the link is the web video beside the acta)."""
    if council_template:
        return council_template
    if public_base_url:
        base = public_base_url.rstrip("/")
        return f"{base}/p/{quote(council_slug, safe='')}/{quote(plenary_id, safe='')}?t={{seconds}}"
    return default
