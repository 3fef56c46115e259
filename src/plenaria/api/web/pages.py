"""How the web app's pages are rendered: the Jinja2 environment and its filters (dates,
step names, session types and messages in the page's language), :class:`Pages` (the
visitor's language, user and CSRF token), and the packaged static files."""

from __future__ import annotations

import json
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from plenaria import accounts
from plenaria.api import i18n as web_i18n
from plenaria.api import i18n_messages
from plenaria.api.deps import Principal
from plenaria.config import Settings
from plenaria.errors import NotFoundError

STATIC_URL = "/static/web"


def _json_script(value: Any) -> Markup:
    """JSON safe inside a <script type="application/json"> element."""
    text = json.dumps(value, ensure_ascii=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


@pass_context
def _when(context: Context, value: datetime | None) -> str:
    settings = context.get("settings")
    zone = settings.timezone if isinstance(settings, Settings) else "Europe/Madrid"
    return web_i18n.format_datetime(value, context.get("lang", web_i18n.DEFAULT), zone)


@pass_context
def _day(context: Context, value: date | str | None) -> str:
    """An ISO date in words in the page's language; any other text as written."""
    day = value
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return value
    return web_i18n.format_date(day if isinstance(day, date) else None, context.get("lang", "es"))


@pass_context
def _message(context: Context, text: str | None) -> str:
    return i18n_messages.translate(text or "", context.get("lang", web_i18n.DEFAULT))


@pass_context
def _step_label(context: Context, name: str) -> str:
    return web_i18n.step_label(name, context.get("lang", web_i18n.DEFAULT))


@pass_context
def _session_type(context: Context, value: str) -> str:
    return web_i18n.session_type_label(value, context.get("lang", web_i18n.DEFAULT))


def templates() -> Jinja2Templates:
    env = Environment(
        loader=PackageLoader("plenaria", "templates/web"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["json_script"] = _json_script
    env.filters["when"] = _when
    env.filters["day"] = _day
    env.filters["step_label"] = _step_label
    env.filters["message"] = _message
    env.filters["session_type"] = _session_type
    return Jinja2Templates(env=env)


def safe_next(value: str | None) -> str:
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


class Pages:
    """Rendering with the visitor's language, user and CSRF token."""

    def __init__(self) -> None:
        self.templates = templates()

    def lang(self, request: Request) -> str:
        return web_i18n.pick_language(
            request.query_params.get("lang"),
            request.cookies.get(web_i18n.LANG_COOKIE),
            request.headers.get("accept-language"),
        )

    def render(
        self,
        request: Request,
        name: str,
        context: dict[str, Any],
        status_code: int = 200,
        principal: Principal | None = None,
    ) -> HTMLResponse:
        lang = self.lang(request)
        settings: Settings = request.app.state.settings
        csrf = ""
        if principal is not None and principal.via == "cookie":
            csrf = accounts.csrf_token(
                settings.secret_key.get_secret_value(), principal.session_secret
            )
        base = {
            "request": request,
            "lang": lang,
            "t": web_i18n.strings(lang),
            "js_t": web_i18n.js_strings(lang),
            "messages": i18n_messages.catalogue(lang),
            "user": principal.user if principal else None,
            "csrf": csrf,
            "static": STATIC_URL,
            "path": request.url.path,
            "settings": settings,
        }
        response = self.templates.TemplateResponse(
            request, name, {**base, **context}, status_code=status_code
        )
        if request.query_params.get("lang") in web_i18n.LANGUAGES:
            response.set_cookie(
                web_i18n.LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/"
            )
        return response


STATIC_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}


def static_file(path: str) -> Response:
    parts = path.split("/")
    if not path or any(p in ("", ".", "..") or "\\" in p for p in parts):
        raise NotFoundError(f"No existe el archivo {path!r} de la aplicación web.")
    item = resources.files("plenaria").joinpath("templates", "web", "static", *parts)
    if not item.is_file():
        raise NotFoundError(f"No existe el archivo {path!r} de la aplicación web.")
    suffix = Path(parts[-1]).suffix
    media_type = STATIC_TYPES.get(suffix) or (
        "text/plain; charset=utf-8" if parts[-1] in ("LICENSE", "VERSION") else None
    )
    return Response(
        item.read_bytes(),
        media_type=media_type or "application/octet-stream",
        headers={"Cache-Control": "public, max-age=3600"},
    )
