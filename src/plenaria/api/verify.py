"""The public verification page: is this the acta that was certified? No login.

``GET /verificar``: a form for the verification code (CSV) or the file.
``GET /verificar/{csv}``: whether the code is a certified acta's, which session
and when (404 when it is not). ``POST /verificar`` (multipart ``file``, optional
``csv``): the file's SHA-256 against the certificates (or against the one of
the code given); a single changed byte fails. A signed PDF (the acta signed
by the secretary) has its PAdES signature checked too: valid and intact, by
whom and when, or altered after signing. Files over
``verify_max_bytes`` are refused with 413 before they are hashed in full.
Spanish or Catalan (``?lang=``, the language cookie, the browser's languages).
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from plenaria.acts import certificate as cert
from plenaria.acts import signing
from plenaria.api import i18n
from plenaria.api.web.pages import STATIC_URL
from plenaria.db import acta as workflow
from plenaria.db.engine import Database
from plenaria.db.models import ActaCertificate

PATH = "/verificar"
CHUNK = 1024 * 1024


def _templates() -> Jinja2Templates:
    env = Environment(
        loader=PackageLoader("plenaria", "templates/public"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Jinja2Templates(env=env)


def _size(n: int) -> str:
    return f"{n / 1024**2:.0f} MB" if n >= 1024**2 else f"{n / 1024:.0f} KB"


def _facts(row: ActaCertificate) -> dict[str, Any]:
    data = row.data
    return {
        "council": data["council"],
        "session": f"{data['session']['title']} ({data['session']['id']})",
        "version": data["acta"]["version"],
        "approved_at": data["acta"]["approved_at"],
        "sha256": row.acta_sha256,
        "recording_sha256": data["recording"].get("sha256") or "-",
        "csv": data["csv"],
    }


def _signature(check: signing.Verification, t: dict[str, str]) -> dict[str, str]:
    when = check.signed_at
    return {
        "signer": check.signer or "-",
        "signed_at": when.isoformat(timespec="seconds") if when is not None else "-",
        "stamp": t["verify_stamp_yes"] if check.timestamped else t["verify_stamp_no"],
        "level": check.level or "-",
    }


def _check_pdf(data: bytes, roots: list[Any]) -> signing.Verification:
    return signing.verify_pdf(data, roots)


def router() -> APIRouter:
    pages = _templates()
    web = APIRouter(include_in_schema=False)

    def lang_of(request: Request) -> str:
        return i18n.pick_language(
            request.query_params.get("lang"),
            request.cookies.get(i18n.LANG_COOKIE),
            request.headers.get("accept-language"),
        )

    def render(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
        lang = lang_of(request)
        limit: int = request.app.state.settings.verify_max_bytes
        base = {
            "lang": lang,
            "t": i18n.strings(lang),
            "static": STATIC_URL,
            "path": PATH,
            "max_size": _size(limit),
            "result": None,
            "facts": None,
            "message": "",
            "code": "",
            "signature": None,
        }
        return pages.TemplateResponse(
            request, "verify.html", {**base, **context}, status_code=status
        )

    def session_of(request: Request) -> Session:
        db: Database = request.app.state.db
        return db.session()

    def by_code(request: Request, typed: str) -> HTMLResponse:
        t = i18n.strings(lang_of(request))
        code = cert.normalize_code(typed)
        if code is None:
            message = t["verify_bad_form"].format(code=typed[:40])
            return render(request, 422, result="fail", message=message, code=typed[:40])
        with session_of(request) as db:
            row = workflow.certificate_by_code(db, code)
            if row is None:
                return render(request, 404, result="fail", message=t["verify_bad_code"], code=typed)
            facts = _facts(row)
        return render(request, result="ok", message=t["verify_ok_code"], facts=facts, code=typed)

    @web.get(PATH, response_class=HTMLResponse)
    def form(request: Request, csv: Annotated[str | None, Query(max_length=60)] = None) -> Response:
        """The form; ``?csv=`` (the code form's GET) goes to the code's own address."""
        if csv:
            return RedirectResponse(f"{PATH}/{csv.strip()}", status_code=303)
        return render(request)

    @web.get(PATH + "/{csv}", response_class=HTMLResponse)
    def code_page(csv: str, request: Request) -> HTMLResponse:
        return by_code(request, csv[:60])

    @web.post(PATH, response_class=HTMLResponse)
    async def file_check(
        request: Request,
        file: Annotated[UploadFile | None, File()] = None,
        csv: Annotated[str, Form(max_length=60)] = "",
    ) -> HTMLResponse:
        """The uploaded file's SHA-256 against the certified actas (or the code's one)."""
        t = i18n.strings(lang_of(request))
        limit: int = request.app.state.settings.verify_max_bytes
        if file is None or not file.filename:
            return render(request, 422, result="fail", message=t["verify_empty"])
        digest = hashlib.sha256()
        data = bytearray()
        while chunk := await file.read(CHUNK):
            if len(data) + len(chunk) > limit:
                message = t["verify_too_big"].format(size=_size(limit))
                return render(request, 413, result="fail", message=message)
            digest.update(chunk)
            data += chunk
        if not data:
            return render(request, 422, result="fail", message=t["verify_empty"])
        sha = digest.hexdigest()
        code = cert.normalize_code(csv) if csv.strip() else None
        if csv.strip() and code is None:
            message = t["verify_bad_form"].format(code=csv[:40])
            return render(request, 422, result="fail", message=message)
        check = None
        if data.startswith(b"%PDF"):
            roots = signing.load_roots(request.app.state.settings.trust_root_paths)
            check = await run_in_threadpool(_check_pdf, bytes(data), roots)
        signature = _signature(check, t) if check is not None and check.signed else None
        if check is not None and check.signed and not check.valid:
            key = "verify_sig_altered" if not check.intact else "verify_sig_untrusted"
            return render(request, result="fail", message=t[key], signature=signature)
        with session_of(request) as db:
            row = workflow.certificate_by_code(db, code) if code else None
            if code and row is None:
                return render(request, 404, result="fail", message=t["verify_bad_code"])
            if row is not None and sha not in (row.acta_sha256, row.signed_sha256):
                return render(request, result="fail", message=t["verify_mismatch"], code=csv)
            row = row or workflow.certificate_by_hash(db, sha)
            facts = _facts(row) if row is not None else None
        if signature is not None:  # a valid signature, in Plenaria's register or not
            return render(
                request, result="ok", message=t["verify_sig_ok"], facts=facts, signature=signature
            )
        if facts is None:
            return render(request, result="fail", message=t["verify_bad_file"])
        return render(request, result="ok", message=t["verify_ok_file"], facts=facts)

    return web


def install(app: FastAPI) -> None:
    app.include_router(router())
