"""The certificate of authenticity and integrity of an approved acta (Ley 40/2015 art. 18.1).

It states the recording's SHA-256, duration and gaps, the approved acta's
DOCX and its SHA-256, and a verification code (CSV) that the public page
``/verificar`` looks up. The CSV is 20 characters of base32 of an HMAC-SHA256
of the acta's hash (and the session and version) with the application's
secret, shown in groups of five: whoever holds the file can check it, nobody
can make a code for another file.

The approved DOCX is rendered deterministically (:func:`approved_docx`): the
same version gives the same bytes, so its hash can be made again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import zipfile
from datetime import datetime
from typing import Any

from plenaria.domain import Transcript
from plenaria.formats.timefmt import format_clock

CODE_LENGTH = 20
CODE_GROUP = 5
LAW = "Ley 40/2015, de 1 de octubre, de Régimen Jurídico del Sector Público, art. 18.1"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CODE_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verification_code(secret: str, acta_sha256: str, document_id: str = "") -> str:
    """The CSV of an acta's hash: 20 base32 characters, no separators.

    ``document_id`` (the session and version) makes two certificates of equal
    bytes (two sessions with the same text, approved in the same second) differ.
    """
    message = f"{document_id}:{acta_sha256}".encode()
    mac = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    return base64.b32encode(mac).decode("ascii")[:CODE_LENGTH]


def format_code(code: str) -> str:
    """``ABCDEFGHIJKLMNOPQRST`` as ``ABCDE-FGHIJ-KLMNO-PQRST``."""
    return "-".join(code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def normalize_code(text: str) -> str | None:
    """A typed CSV without spaces, dashes or case; None when it cannot be one."""
    code = "".join(c for c in text.upper() if c not in " -.\t")
    if len(code) != CODE_LENGTH or not set(code) <= _CODE_ALPHABET:
        return None
    return code


def _stable_zip(data: bytes) -> bytes:
    """The same OOXML package with fixed entry times, so equal content gives equal bytes."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def save_stable(document: Any, moment: datetime) -> bytes:
    """``document`` saved with fixed times: the same content gives the same bytes."""
    props = document.core_properties
    props.created = props.modified = moment.replace(microsecond=0, tzinfo=None)
    props.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return _stable_zip(buffer.getvalue())


def approved_docx(
    transcript: Transcript,
    moment: datetime,
    *,
    url_template: str = "",
    lang: str = "es",
    diligencia: str = "",
    document_id: str = "",
) -> bytes:
    """The acta of ``transcript`` as DOCX bytes, dated ``moment``: the same bytes every time.

    ``diligencia``: the note of a correction, citing the approved version it corrects;
    ``document_id``: the file's identifier (its core properties), e.g. the session and version.
    """
    from plenaria.acts.draft import build_draft_acta

    document = build_draft_acta(transcript, url_template=url_template, lang=lang, approved=True)
    document.core_properties.identifier = document_id
    if diligencia:
        document.add_heading("Diligencia", level=1)
        document.add_paragraph(diligencia)
    return save_stable(document, moment)


def certificate_lines(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The certificate as (label, value) rows in Spanish, the order the text and DOCX use."""
    acta = data["acta"]
    rec = data["recording"]
    gaps = rec.get("gaps") or []
    gap_text = "; ".join(f"{g['at']} ({g['duration_s']} s)" for g in gaps) or "ninguna"
    duration = rec.get("duration_s")
    return [
        ("Ayuntamiento", data["council"]),
        ("Sesión", f"{data['session']['title']} ({data['session']['id']})"),
        ("Versión del acta aprobada", str(acta["version"])),
        ("Aprobada el", acta["approved_at"]),
        ("Aprobada por", acta["approved_by"] or "-"),
        ("Fichero del acta", acta["file_name"]),
        ("SHA-256 del acta", acta["sha256"]),
        ("Grabación", rec.get("file_name") or "-"),
        ("SHA-256 de la grabación", rec.get("sha256") or "-"),
        ("Duración de la grabación", format_clock(float(duration)) if duration else "-"),
        ("Origen de la grabación", "emisión en directo" if rec.get("live") else "fichero subido"),
        ("Interrupciones de la grabación", gap_text),
        ("Código seguro de verificación (CSV)", data["csv"]),
        ("Verificación", data["verify_path"]),
    ]


def certificate_text(data: dict[str, Any]) -> str:
    """The certificate as plain text (UTF-8), in Spanish."""
    rows = certificate_lines(data)
    width = max(len(label) for label, _ in rows)
    body = "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)
    return (
        "CERTIFICADO DE AUTENTICIDAD E INTEGRIDAD DEL ACTA\n"
        f"({LAW})\n\n"
        f"{body}\n\n"
        "Se certifica que el acta aprobada de la sesión es el fichero cuyo resumen SHA-256\n"
        "figura arriba, y que se redactó a partir de la grabación con el resumen indicado.\n"
        "Cualquier cambio de un solo byte en el fichero del acta hace que la verificación falle.\n"
    )


def certificate_docx(data: dict[str, Any]) -> bytes:
    """The certificate as a short DOCX in Spanish, dated its approval: the same bytes every time."""
    import docx

    document = docx.Document()
    document.core_properties.title = "Certificado de autenticidad e integridad del acta"
    document.core_properties.language = "es-ES"
    document.core_properties.author = document.core_properties.last_modified_by = "Plenaria"
    document.core_properties.comments = LAW
    document.add_heading("Certificado de autenticidad e integridad del acta", level=0)
    document.add_paragraph(LAW).runs[0].italic = True
    for label, value in certificate_lines(data):
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(value)
    document.add_paragraph(
        "Se certifica que el acta aprobada de la sesión es el fichero cuyo resumen SHA-256 "
        "figura arriba, y que se redactó a partir de la grabación con el resumen indicado."
    )
    return save_stable(document, datetime.fromisoformat(data["acta"]["approved_at"]))
