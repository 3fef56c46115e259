"""A council's own look on the citizens' portal: its logo and two colours.

The colours (``#rrggbb``; empty: the portal's own) must contrast with white text at
least 4.5:1 (WCAG AA): the accent colours the links on white, the header's background
carries white text. The logo is a PNG, JPEG or SVG of at most :data:`MAX_LOGO_BYTES`,
recognised by its content, stored under ``logos/`` in the storage folder (the
council's ``logo_key``). It is only ever served as an image, from
``/p/{council}/logo``, an SVG with a policy that runs nothing in it; the colours reach
the pages through ``/p/{council}/estilo.css`` (the CSP forbids inline styles).
"""

from __future__ import annotations

import re
import secrets
import xml.etree.ElementTree as ET
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from plenaria.api.i18n_look import LOOK_STRINGS
from plenaria.db import accounts as account_repo
from plenaria.db.engine import Database
from plenaria.db.models import Council
from plenaria.errors import InputError, NotFoundError

MAX_LOGO_BYTES = 500 * 1024
MIN_CONTRAST = 4.5
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
COLOR_NAMES = ("accent_color", "header_color")  # named by "look_name_" + name
TYPES = {"png": "image/png", "jpg": "image/jpeg", "svg": "image/svg+xml"}
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"


class LookError(InputError):
    """A refused colour or logo; ``key`` and ``args`` give its line in another language."""

    def __init__(self, key: str, **args: str) -> None:
        self.key = key
        self.args_ = args
        super().__init__(self.line(0))

    def line(self, lang_index: int) -> str:
        """The refusal in the language at ``lang_index`` of (es, ca); ``color`` is the
        colour's field, said by its name."""
        args = dict(self.args_)
        if "color" in args:
            args["color"] = LOOK_STRINGS["look_name_" + args["color"]][lang_index]
        return LOOK_STRINGS[self.key][lang_index].format(**args)


def contrast_with_white(color: str) -> float:
    """WCAG 2 contrast ratio of ``#rrggbb`` against white."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(color[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 1.05 / (luminance + 0.05)


def check_colors(changes: dict[str, str]) -> dict[str, str]:
    """The colours among ``changes``, lower case; one too light for white text refused."""
    out = {}
    for name in COLOR_NAMES:
        if name not in changes:
            continue
        value = changes[name].strip().lower()
        if value:
            ratio = contrast_with_white(value)
            if ratio < MIN_CONTRAST:
                shown = f"{int(ratio * 10) / 10:.1f}".replace(".", ",")
                raise LookError("look_err_contrast", color=name, value=value, ratio=shown)
        out[name] = value
    return out


def logo_kind(data: bytes) -> str:
    """``png``, ``jpg`` or ``svg`` from the file's content; anything else refused."""
    if not data:
        raise LookError("look_err_empty")
    if len(data) > MAX_LOGO_BYTES:
        raise LookError("look_err_size")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise LookError("look_err_type") from e
    if "<!doctype" in text.lower() or "<!entity" in text.lower():
        raise LookError("look_err_type")  # no DTD: no entities to expand
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        raise LookError("look_err_type") from e
    if root.tag not in ("svg", "{http://www.w3.org/2000/svg}svg"):
        raise LookError("look_err_type")
    return "svg"


def store_logo(storage: Path, council: Council, data: bytes) -> str | None:
    """Write the logo and point the council at it; the key of the logo it replaces."""
    kind = logo_kind(data)
    key = f"logos/{council.id}-{secrets.token_hex(8)}.{kind}"
    path = storage / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    old, council.logo_key = council.logo_key, key
    return old or None


def drop_logo(council: Council) -> str | None:
    """Forget the council's logo; the key of its file (removed after the commit)."""
    old, council.logo_key = council.logo_key, ""
    return old or None


def remove_file(storage: Path, key: str | None) -> None:
    if key and key.startswith("logos/") and "/" not in key.removeprefix("logos/"):
        (storage / key).unlink(missing_ok=True)


def stylesheet(council: Council) -> str:
    """The council's colours as the portal's CSS variables (empty: the portal's own)."""
    lines = []
    if COLOR_RE.match(council.accent_color or ""):
        lines.append(f"  --accent: {council.accent_color};")
    if COLOR_RE.match(council.header_color or ""):
        lines += [
            f"  --header: {council.header_color};",
            "  --header-ink: #fff;",
            "  --header-link: #fff;",
        ]
    body = "\n".join(lines)
    return f"/* Los colores propios del ayuntamiento. */\n:root {{\n{body}\n}}\n"


def router(prefix: str) -> APIRouter:
    """The public look routes; installed before the session page's ``/{session_id}``."""
    web = APIRouter(include_in_schema=False)

    def council_of(request: Request, slug: str) -> Council:
        db: Database = request.app.state.db
        with db.session() as s:
            try:
                council = account_repo.get_council_by_slug(s, slug)
            except NotFoundError as e:
                raise NotFoundError(f"No hay ningún ayuntamiento «{slug}» en este portal.") from e
            s.expunge(council)
            return council

    @web.get(prefix + "/{council_slug}/logo")
    def logo(council_slug: str, request: Request) -> Response:
        council = council_of(request, council_slug)
        storage: Path = request.app.state.storage_path
        path = storage / council.logo_key if council.logo_key else None
        if path is None or not path.is_file():
            raise NotFoundError(
                f"El ayuntamiento «{council_slug}» no tiene logotipo.",
                "Su administración puede subirlo en los ajustes.",
            )
        kind = path.suffix.removeprefix(".")
        headers = {"Cache-Control": "no-cache", "Content-Security-Policy": SVG_CSP}
        return FileResponse(path, media_type=TYPES[kind], headers=headers)

    @web.get(prefix + "/{council_slug}/estilo.css")
    def style(council_slug: str, request: Request) -> Response:
        council = council_of(request, council_slug)
        return Response(
            stylesheet(council),
            media_type="text/css; charset=utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    return web
