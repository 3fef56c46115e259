"""The acta as PDF/A-2b, made from its DOCX by LibreOffice headless.

``soffice --convert-to`` with the Writer PDF export filter's ``SelectPdfVersion``
set to 2 (PDF/A-2b). Each conversion runs with its own temporary LibreOffice
profile (``-env:UserInstallation``), so conversions at the same time do not
share, lock or corrupt one profile. The result is checked: a PDF whose XMP
metadata declares PDF/A part 2 (pikepdf), else :class:`InputError`.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from plenaria.errors import DependencyError, InputError

log = logging.getLogger(__name__)

PDFA_FILTER = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'
TIMEOUT_S = 120.0


def soffice_path() -> str:
    """The LibreOffice command, or :class:`DependencyError` saying how to install it."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise DependencyError(
        "LibreOffice no está instalado: no se puede generar el PDF/A del acta.",
        "Instale el paquete libreoffice-writer-nogui (make system-deps).",
    )


def pdfa_part(pdf: bytes) -> str | None:
    """The PDF/A part and conformance declared in the XMP metadata (``"2B"``), or None."""
    import io

    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            meta = doc.open_metadata()
            part = meta.get("pdfaid:part")
            conformance = meta.get("pdfaid:conformance") or ""
    except pikepdf.PdfError:
        return None
    return f"{part}{conformance}".upper() if part else None


def docx_to_pdfa(docx: bytes, *, timeout_s: float = TIMEOUT_S) -> bytes:
    """The PDF/A-2b of ``docx`` (bytes in, bytes out)."""
    soffice = soffice_path()
    with tempfile.TemporaryDirectory(prefix="plenaria-pdf-") as tmp:
        work = Path(tmp)
        source = work / "acta.docx"
        source.write_bytes(docx)
        profile = (work / "profile").as_uri()
        command = [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            PDFA_FILTER,
            "--outdir",
            str(work / "out"),
            str(source),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout_s, check=False
            )
        except subprocess.TimeoutExpired as e:
            raise InputError(
                f"LibreOffice no terminó de convertir el acta a PDF/A en {timeout_s:.0f} s.",
                "Vuelva a intentarlo; si se repite, revise la instalación de LibreOffice.",
            ) from e
        result = work / "out" / "acta.pdf"
        if done.returncode != 0 or not result.is_file():
            log.warning("soffice failed (%s): %s %s", done.returncode, done.stdout, done.stderr)
            raise InputError(
                "LibreOffice no pudo convertir el acta a PDF/A "
                f"(código {done.returncode}): {(done.stderr or done.stdout).strip()[:300]}",
                "Compruebe que el DOCX del acta se abre en LibreOffice Writer.",
            )
        pdf = result.read_bytes()
    part = pdfa_part(pdf)
    if part is None or not part.startswith("2"):
        raise InputError(
            f"El PDF del acta no es PDF/A-2 (declara {part or 'ninguno'}).",
            "Actualice LibreOffice a una versión con exportación PDF/A-2b.",
        )
    return pdf
