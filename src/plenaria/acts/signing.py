"""The acta's electronic signature: PAdES with pyHanko, and its verification.

:func:`load_signer` reads a PKCS#12 (the secretary's or the council's
certificate); :func:`sign_pdf` signs a PDF as PAdES (``ETSI.CAdES.detached``)
with an RFC 3161 time-stamp when a time-stamp authority is given (PAdES-B-T;
B-B without one) and, given a revocation context (:func:`revocation_context`),
the chain's revocation data (CRLs, OCSP) embedded in the document security
store (PAdES-B-LT); :func:`verify_pdf` says whether a PDF is signed, whether the
signed bytes are intact and cover the whole file, whether the signer's chain
reaches one of the council's trusted roots, who signed and when.

Nothing here reads settings: the caller passes the PKCS#12 bytes, its password,
the time-stamper and the trust roots (``PLENARIA_SIGN_*`` in :mod:`plenaria.config`).
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from plenaria.errors import ConfigError, InputError

if TYPE_CHECKING:
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko.sign.timestamps import TimeStamper

log = logging.getLogger(__name__)

FIELD_NAME = "FirmaSecretaria"
REASON = "Acta aprobada (ROF art. 109; Ley 40/2015 art. 18)"


@dataclass(frozen=True)
class Verification:
    """What :func:`verify_pdf` found. ``intact``: the signed bytes are unchanged and the
    signature covers the whole file; ``trusted``: the chain reaches a configured root."""

    signed: bool
    intact: bool = False
    trusted: bool = False
    signer: str = ""
    signed_at: datetime | None = None
    timestamped: bool = False
    level: str = ""  # PAdES-B-B, PAdES-B-T or PAdES-B-LT
    problem: str = ""

    @property
    def valid(self) -> bool:
        return self.signed and self.intact and self.trusted


def load_signer(pkcs12: bytes, password: str) -> SimpleSigner:
    """The signer of a PKCS#12; :class:`InputError` in Spanish when it cannot be opened."""
    from pyhanko.sign.signers import SimpleSigner

    if not pkcs12:
        raise InputError(
            "El certificado PKCS#12 está vacío.", "Elija el fichero .p12 o .pfx del certificado."
        )
    try:
        signer: SimpleSigner = SimpleSigner.load_pkcs12_data(
            pkcs12, other_certs=(), passphrase=password.encode("utf-8") if password else None
        )
    except (ValueError, TypeError) as e:
        raise InputError(
            "La contraseña del certificado PKCS#12 no es correcta, o el fichero no es un "
            "certificado PKCS#12 (.p12, .pfx).",
            "Escriba de nuevo la contraseña del certificado; no se ha firmado nada.",
        ) from e
    return signer


def http_timestamper(url: str) -> TimeStamper:
    """The time-stamp authority (TSA, the sede's «sello de tiempo») at ``url`` (RFC 3161)."""
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(url, timeout=30)


def load_crls(paths: Iterable[Path]) -> list[bytes]:
    """The CRLs (DER or PEM files) in ``paths``, as DER."""
    from cryptography import x509

    crls: list[bytes] = []
    for path in paths:
        try:
            data = path.read_bytes()
            if data.lstrip().startswith(b"-----"):
                from cryptography.hazmat.primitives.serialization import Encoding

                data = x509.load_pem_x509_crl(data).public_bytes(Encoding.DER)
            else:
                x509.load_der_x509_crl(data)
        except (OSError, ValueError) as e:
            raise ConfigError(
                f"No se pudo leer la lista de revocación {path}: {e}",
                "Revise PLENARIA_SIGN_CRLS (ficheros CRL, DER o PEM, separados por comas).",
            ) from e
        crls.append(data)
    return crls


def revocation_context(roots: Iterable[Any], crls: Iterable[bytes] = (), *, fetch: bool) -> Any:
    """What signing at PAdES-B-LT validates the chain with: the roots, the given CRLs and,
    with ``fetch``, the CRLs and OCSP answers the certificates point at."""
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        trust_roots=list(roots),
        crls=list(crls),
        ocsps=[],
        allow_fetching=fetch,
        revocation_mode="hard-fail",
    )


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _off_any_event_loop(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """pyHanko's synchronous calls run ``asyncio.run``, which fails in a thread whose event
    loop is running (an ``async`` caller; Playwright's synchronous API): there, ``fn`` runs
    in a thread of its own."""

    @functools.wraps(fn)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return fn(*args, **kwargs)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pyhanko") as pool:
            return pool.submit(fn, *args, **kwargs).result()

    return run


@_off_any_event_loop
def sign_pdf(
    pdf: bytes,
    signer: SimpleSigner,
    *,
    timestamper: TimeStamper | None = None,
    location: str = "",
    revocation: Any | None = None,
) -> bytes:
    """``pdf`` signed as PAdES: new bytes. B-B; B-T with ``timestamper``; B-LT with
    ``timestamper`` and ``revocation`` (a :func:`revocation_context`)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import SigningError

    long_term = revocation is not None and timestamper is not None
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=REASON,
        location=location or None,
        use_pades_lta=False,
        embed_validation_info=long_term,
        validation_context=revocation if long_term else None,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    out = io.BytesIO()
    try:
        signers.sign_pdf(writer, meta, signer=signer, timestamper=timestamper, output=out)
    except OSError as e:  # the TSA could not be reached
        raise InputError(
            f"No se pudo obtener el sello de tiempo de la autoridad configurada: {e}",
            "Compruebe PLENARIA_SIGN_TSA_URL y la conexión con la autoridad de sellado.",
        ) from e
    except SigningError as e:  # B-LT: the chain or its revocation data could not be checked
        raise InputError(
            "No se pudo validar el certificado del firmante ni obtener su información de "
            f"revocación (CRL u OCSP): {e}",
            "Compruebe PLENARIA_SIGN_TRUST_ROOTS y PLENARIA_SIGN_CRLS, o la conexión con la "
            "autoridad de certificación; no se ha firmado nada.",
        ) from e
    return out.getvalue()


def load_roots(paths: Iterable[Path]) -> list[Any]:
    """The trusted root certificates in the PEM or DER files ``paths``."""
    from pyhanko.keys import load_certs_from_pemder

    roots: list[Any] = []
    for path in paths:
        try:
            roots.extend(load_certs_from_pemder([str(path)]))  # type: ignore[no-untyped-call]
        except (OSError, ValueError) as e:
            raise ConfigError(
                f"No se pudo leer el certificado raíz de confianza {path}: {e}",
                "Revise PLENARIA_SIGN_TRUST_ROOTS (ficheros PEM separados por comas).",
            ) from e
    return roots


def _signer_name(cert: Any) -> str:
    subject = cert.subject.native
    return str(subject.get("common_name") or cert.subject.human_friendly)


def _long_term(reader: Any, signature: Any, roots: list[Any]) -> bool:
    """Does the revocation data embedded in the PDF (its DSS) alone validate the chain?"""
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    try:
        dss = DocumentSecurityStore.read_dss(reader)
        context = dss.as_validation_context(
            {"trust_roots": roots, "allow_fetching": False, "revocation_mode": "hard-fail"}
        )
        status = validate_pdf_signature(signature, signer_validation_context=context)
    except Exception as e:  # no DSS, or not enough in it: pyHanko raises many kinds
        log.info("no long-term validation data: %s", e)
        return False
    return bool(status.bottom_line)


@_off_any_event_loop
def verify_pdf(pdf: bytes, roots: Iterable[Any]) -> Verification:
    """Is ``pdf`` signed, intact and by a certificate that chains to one of ``roots``?

    The last signature is checked. A file that cannot be read as a PDF, a
    signature that does not cover the whole file (something added after it) or a
    signature whose digest no longer matches is not intact.
    """
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError) as e:
        log.info("unreadable PDF: %s", e)
        if b"/ByteRange" in pdf:  # a signature is there, but it or the file is damaged
            return Verification(signed=True, problem="la firma o el PDF están dañados")
        return Verification(signed=False, problem="el fichero no se puede leer como PDF")
    if not signatures:
        return Verification(signed=False, problem="el PDF no lleva firma")
    roots = list(roots)
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    try:
        status = validate_pdf_signature(signatures[-1], signer_validation_context=context)
    except Exception as e:  # a mangled signature: pyHanko raises many kinds
        log.info("signature validation failed: %s", e)
        return Verification(signed=True, problem=f"la firma no se puede validar ({e})")
    # Only revocation data and time-stamps (the DSS of B-LT) may follow the signature.
    later = status.modification_level
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and later is not None
        and later <= ModificationLevel.LTA_UPDATES
    )
    stamp = status.timestamp_validity
    when = stamp.timestamp if stamp is not None else status.signer_reported_dt
    problem = ""
    if not (status.intact and status.valid):
        problem = "el contenido firmado ha cambiado"
    elif not whole:
        problem = "se añadió contenido después de la firma"
    elif not status.trusted:
        problem = "el certificado no pertenece a una autoridad de confianza"
    stamped = stamp is not None and bool(stamp.intact and stamp.valid)
    level = "PAdES-B-B"
    if stamped:
        level = "PAdES-B-LT" if _long_term(reader, signatures[-1], roots) else "PAdES-B-T"
    return Verification(
        signed=True,
        intact=bool(status.intact and status.valid and whole),
        trusted=bool(status.trusted),
        signer=_signer_name(status.signing_cert),
        signed_at=when,
        timestamped=stamped,
        level=level,
        problem=problem,
    )
