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


def unsigned_pdf(storage: Path, row: ActaCertificate) -> bytes:
    """The approved DOCX's PDF/A-2b, made once and kept beside it."""
    key = Path(row.docx_key).with_suffix(".pdf")
    path = storage / key
    if path.is_file():
        return path.read_bytes()
    docx = storage / row.docx_key
    if not docx.is_file():
        raise NotFoundError("El fichero del acta aprobada ya no está en el almacén.")
    data = pdfa.docx_to_pdfa(docx.read_bytes())
    tmp = path.with_suffix(".pdf.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return data


def _roots(settings: Settings) -> list[Any]:
    return signing.load_roots(settings.trust_root_paths)


def read_pkcs12(upload: Any) -> bytes | None:
    """An uploaded PKCS#12's bytes (None when no file was chosen); InputError when too big."""
    if upload is None or not getattr(upload, "filename", ""):
        return None
    data: bytes = upload.file.read(MAX_PKCS12_BYTES + 1)
    if len(data) > MAX_PKCS12_BYTES:
        raise InputError(
            "El fichero del certificado es demasiado grande para ser un PKCS#12.",
            "Elija el fichero .p12 o .pfx del certificado.",
        )
    return data


def _pkcs12(settings: Settings, uploaded: bytes | None, password: str) -> tuple[bytes, str]:
    """The uploaded PKCS#12 and its password, else the server's; InputError without one."""
    if uploaded is not None:
        return uploaded, password
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
    storage: Path,
    record: ActaRecord,
    row: ActaCertificate,
    user: User,
    data: bytes,
    check: signing.Verification,
    how: str,
) -> None:
    key = str(Path(row.docx_key).with_suffix(".signed.pdf"))
    path = storage / key
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


# The signing steps, shared by the API's routes and the acta's web page; the caller commits.


def to_sign(db: Session, plenary: PlenarySession) -> tuple[ActaRecord, ActaCertificate]:
    """The approved acta's record and certificate; ConflictError unless it is approved."""
    record = workflow.record_for(db, plenary)
    workflow.require(record, ("approved",), "signed")
    return record, workflow.certificate_of(db, plenary, record.approved_number)


def sign_acta(
    db: Session,
    storage: Path,
    settings: Settings,
    stamper: Any,
    plenary: PlenarySession,
    user: User,
    uploaded: bytes | None,
    password: str,
) -> None:
    """Approved → signed: the PDF/A of the approved acta signed with the certificate
    (``uploaded``, else the server's); ``stamper``: a test's own TSA, else the settings'."""
    record, row = to_sign(db, plenary)
    signer = signing.load_signer(*_pkcs12(settings, uploaded, password))
    url = settings.sign_tsa_url
    if stamper is None and url:
        stamper = signing.http_timestamper(url)
    roots = _roots(settings)
    revocation = None
    if stamper is not None and settings.sign_level == "B-LT":
        crls = signing.load_crls(settings.crl_paths)
        revocation = signing.revocation_context(roots, crls, fetch=not crls)
    data = signing.sign_pdf(
        unsigned_pdf(storage, row),
        signer,
        timestamper=stamper,
        location=user.council.name,
        revocation=revocation,
    )
    check = signing.verify_pdf(data, roots)
    if not check.intact:  # never store a signature that does not validate
        raise InputError(f"La firma generada no es válida: {check.problem}.")
    _store_signed(db, storage, record, row, user, data, check, "server")


def accept_signed(
    db: Session,
    storage: Path,
    settings: Settings,
    plenary: PlenarySession,
    user: User,
    data: bytes,
) -> None:
    """Approved → signed with a PDF signed outside (AutoFirma), verified first."""
    record, row = to_sign(db, plenary)
    if len(data) > settings.verify_max_bytes:
        raise InputError("El PDF firmado es demasiado grande.", "Suba el PDF del acta.")
    check = signing.verify_pdf(data, _roots(settings))
    _refuse(check)
    if not data.startswith(unsigned_pdf(storage, row)):
        raise InputError(
            "El PDF firmado no es el acta aprobada: lo que firma no es el PDF/A que "
            "Plenaria generó de la versión aprobada.",
            "Descargue el PDF del acta aprobada, fírmelo sin modificarlo y súbalo.",
        )
    _store_signed(db, storage, record, row, user, data, check, "upload")


def acta_pdf(db: Session, storage: Path, plenary: PlenarySession) -> tuple[bytes, str]:
    """The signed PDF/A once signed, else the approved acta's PDF/A; and its file name."""
    record = workflow.record_for(db, plenary)
    row = workflow.certificate_of(db, plenary, record.approved_number)
    if row.signed_pdf_key:
        data = (storage / row.signed_pdf_key).read_bytes()
        suffix = "-firmada"
    else:
        data = unsigned_pdf(storage, row)
        suffix = ""
    return data, f"{Path(row.data['acta']['file_name']).stem}{suffix}.pdf"


def router() -> APIRouter:
    api = APIRouter(tags=["acta"])
    base = "/sessions/{session_id}/acta"

    def load(db: Session, user: User, session_id: str) -> PlenarySession:
        return civic.get_plenary_session_for_council(db, user.council_id, session_id)

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
        plenary = load(db, user, session_id)
        to_sign(db, plenary)  # refused before reading the upload
        stamper = getattr(request.app.state, "sign_timestamper", None)  # a test's own TSA
        uploaded = read_pkcs12(pkcs12)
        sign_acta(db, _storage(request), settings, stamper, plenary, user, uploaded, password)
        db.commit()
        return _public(db, plenary, workflow.record_for(db, plenary))

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
        plenary = load(db, user, session_id)
        to_sign(db, plenary)
        data = file.file.read(settings.verify_max_bytes + 1)
        accept_signed(db, _storage(request), settings, plenary, user, data)
        db.commit()
        return _public(db, plenary, workflow.record_for(db, plenary))

    @api.get(base + "/pdf", response_class=Response, responses={200: {"content": {PDF: {}}}})
    def pdf(session_id: str, request: Request, user: CurrentUser, db: DbSession) -> Response:
        """The signed PDF/A once signed, else the approved acta's PDF/A to sign outside."""
        plenary = load(db, user, session_id)
        data, name = acta_pdf(db, _storage(request), plenary)
        db.commit()
        return Response(
            data,
            media_type=PDF,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    return api
