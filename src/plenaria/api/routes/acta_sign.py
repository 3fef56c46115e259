"""The approved acta as PDF/A-2b, its PAdES signature and the signed file.

``GET /sessions/{id}/acta/pdf``: the signed PDF/A once signed, else the PDF/A
of the approved DOCX (made once with LibreOffice and kept, so a signature made
outside, with AutoFirma, signs these very bytes). ``POST .../acta/sign`` (a
secretary or admin; multipart, optional ``pkcs12`` and ``password``, else the
server's ``PLENARIA_SIGN_PKCS12``): signs it (PAdES-B-LT with
``PLENARIA_SIGN_TSA_URL`` and the chain's revocation data, B-T with
``PLENARIA_SIGN_LEVEL=B-T``, B-B without a TSA), stores it and moves the acta to
"signed". ``POST .../acta/signed-pdf`` (multipart ``file``): a PDF signed
outside, accepted when its signature is intact and trusted and what it signs
is the approved acta's PDF/A.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from sqlalchemy.orm import Session

from plenaria.acts import pdf as pdfa
from plenaria.acts import signing
from plenaria.acts.certificate import sha256_hex
from plenaria.api.deps import AppSettings, CurrentUser, DbSession, Manager
from plenaria.api.routes.acta import ActaPublic, _public
from plenaria.config import Settings
from plenaria.db import acta as workflow
from plenaria.db import civic
from plenaria.db.models import ActaCertificate, ActaRecord, PlenarySession, User
from plenaria.errors import InputError, NotFoundError

PDF = "application/pdf"
MAX_PKCS12_BYTES = 64 * 1024


def _storage(request: Request) -> Path:
    path: Path = request.app.state.storage_path
    return path


def _unsigned_pdf(request: Request, row: ActaCertificate) -> bytes:
    """The approved DOCX's PDF/A-2b, made once and kept beside it."""
    key = Path(row.docx_key).with_suffix(".pdf")
    path = _storage(request) / key
    if path.is_file():
        return path.read_bytes()
    docx = _storage(request) / row.docx_key
    if not docx.is_file():
        raise NotFoundError("El fichero del acta aprobada ya no está en el almacén.")
    data = pdfa.docx_to_pdfa(docx.read_bytes())
    tmp = path.with_suffix(".pdf.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return data


def _roots(settings: Settings) -> list[Any]:
    return signing.load_roots(settings.trust_root_paths)


def _pkcs12(settings: Settings, upload: UploadFile | None, password: str) -> tuple[bytes, str]:
    """The uploaded PKCS#12 and its password, else the server's; InputError without one."""
    if upload is not None and upload.filename:
        data = upload.file.read(MAX_PKCS12_BYTES + 1)
        if len(data) > MAX_PKCS12_BYTES:
            raise InputError(
                "El fichero del certificado es demasiado grande para ser un PKCS#12.",
                "Elija el fichero .p12 o .pfx del certificado.",
            )
        return data, password
    if settings.sign_pkcs12 is None:
        raise InputError(
            "No hay certificado para firmar: el servidor no tiene PLENARIA_SIGN_PKCS12 y no "
            "se ha enviado ninguno.",
            "Adjunte el certificado PKCS#12 (.p12, .pfx) y su contraseña, o firme el PDF "
            "fuera (AutoFirma) y súbalo firmado.",
        )
    try:
        data = settings.sign_pkcs12.read_bytes()
    except OSError as e:
        raise InputError(
            f"No se pudo leer el certificado del servidor {settings.sign_pkcs12}: {e}",
            "Revise PLENARIA_SIGN_PKCS12.",
        ) from e
    secret = settings.sign_pkcs12_password
    return data, password or (secret.get_secret_value() if secret is not None else "")


def _store_signed(
    db: Session,
    request: Request,
    record: ActaRecord,
    row: ActaCertificate,
    user: User,
    data: bytes,
    check: signing.Verification,
    how: str,
) -> None:
    key = str(Path(row.docx_key).with_suffix(".signed.pdf"))
    path = _storage(request) / key
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    row.signed_pdf_key = key
    row.signed_sha256 = sha256_hex(data)
    detail = {
        "version": row.version_number,
        "sha256": row.signed_sha256,
        "signer": check.signer,
        "signed_at": check.signed_at.isoformat() if check.signed_at else None,
        "level": check.level,
        "how": how,
    }
    workflow.transition(db, record, user, "signed", detail)


def _refuse(check: signing.Verification) -> None:
    if not check.signed:
        raise InputError(
            "El PDF subido no lleva firma electrónica.", "Fírmelo (PAdES) y súbalo de nuevo."
        )
    if not check.valid:
        raise InputError(
            f"La firma del PDF subido no es válida: {check.problem}.",
            "Suba el PDF tal como salió del programa de firma, con un certificado de "
            "una autoridad de confianza.",
        )


def router() -> APIRouter:
    api = APIRouter(tags=["acta"])
    base = "/sessions/{session_id}/acta"

    def load(
        db: Session, user: User, session_id: str
    ) -> tuple[PlenarySession, ActaRecord, ActaCertificate]:
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        record = workflow.record_for(db, plenary)
        workflow.require(record, ("approved",), "signed")
        return plenary, record, workflow.certificate_of(db, plenary, record.approved_number)

    @api.post(base + "/sign", response_model=ActaPublic, responses={409: {}, 422: {}})
    def sign(
        session_id: str,
        request: Request,
        settings: AppSettings,
        user: Manager,
        db: DbSession,
        pkcs12: Annotated[UploadFile | None, File(description="Certificado .p12/.pfx.")] = None,
        password: Annotated[str, Form(max_length=200)] = "",
    ) -> ActaPublic:
        """Approved → signed: the PDF/A of the approved acta signed with the certificate."""
        plenary, record, row = load(db, user, session_id)
        signer = signing.load_signer(*_pkcs12(settings, pkcs12, password))
        url = settings.sign_tsa_url
        stamper = getattr(request.app.state, "sign_timestamper", None)  # a test's own TSA
        if stamper is None and url:
            stamper = signing.http_timestamper(url)
        roots = _roots(settings)
        revocation = None
        if stamper is not None and settings.sign_level == "B-LT":
            crls = signing.load_crls(settings.crl_paths)
            revocation = signing.revocation_context(roots, crls, fetch=not crls)
        data = signing.sign_pdf(
            _unsigned_pdf(request, row),
            signer,
            timestamper=stamper,
            location=user.council.name,
            revocation=revocation,
        )
        check = signing.verify_pdf(data, roots)
        if not check.intact:  # never store a signature that does not validate
            raise InputError(f"La firma generada no es válida: {check.problem}.")
        _store_signed(db, request, record, row, user, data, check, "server")
        db.commit()
        return _public(db, plenary, record)

    @api.post(base + "/signed-pdf", response_model=ActaPublic, responses={409: {}, 422: {}})
    def signed_upload(
        session_id: str,
        request: Request,
        settings: AppSettings,
        user: Manager,
        db: DbSession,
        file: Annotated[UploadFile, File(description="El PDF del acta firmado fuera.")],
    ) -> ActaPublic:
        """Approved → signed with a PDF signed outside (AutoFirma): verified first."""
        plenary, record, row = load(db, user, session_id)
        data = file.file.read(settings.verify_max_bytes + 1)
        if len(data) > settings.verify_max_bytes:
            raise InputError("El PDF firmado es demasiado grande.", "Suba el PDF del acta.")
        check = signing.verify_pdf(data, _roots(settings))
        _refuse(check)
        if not data.startswith(_unsigned_pdf(request, row)):
            raise InputError(
                "El PDF firmado no es el acta aprobada: lo que firma no es el PDF/A que "
                "Plenaria generó de la versión aprobada.",
                "Descargue el PDF del acta aprobada, fírmelo sin modificarlo y súbalo.",
            )
        _store_signed(db, request, record, row, user, data, check, "upload")
        db.commit()
        return _public(db, plenary, record)

    @api.get(base + "/pdf", response_class=Response, responses={200: {"content": {PDF: {}}}})
    def pdf(session_id: str, request: Request, user: CurrentUser, db: DbSession) -> Response:
        """The signed PDF/A once signed, else the approved acta's PDF/A to sign outside."""
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        record = workflow.record_for(db, plenary)
        row = workflow.certificate_of(db, plenary, record.approved_number)
        if row.signed_pdf_key:
            data = (_storage(request) / row.signed_pdf_key).read_bytes()
            suffix = "-firmada"
        else:
            data = _unsigned_pdf(request, row)
            suffix = ""
        db.commit()
        stem = Path(row.data["acta"]["file_name"]).stem
        return Response(
            data,
            media_type=PDF,
            headers={"Content-Disposition": f'attachment; filename="{stem}{suffix}.pdf"'},
        )

    return api
