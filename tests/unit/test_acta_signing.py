"""The acta's PAdES signature (plenaria.acts.signing) with a test CA and TSA made here:
a signed PDF validates (intact, chained to the trusted root, time-stamped); one changed
byte or a later addition breaks it; a wrong PKCS#12 password signs nothing."""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pki import PASSWORD, SIGNER_NAME, Pki, make_pki
from plenaria.acts import signing
from plenaria.errors import InputError


def _pdf() -> bytes:
    """A small PDF with some text (pikepdf), standing for the acta's PDF/A."""
    import pikepdf

    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.Contents = pdf.make_stream(b"BT /F1 14 Tf 72 760 Td (Acta de la sesion) Tj ET")
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


@pytest.fixture(scope="module")
def signed(pki: Pki) -> bytes:
    signer = signing.load_signer(pki.pkcs12, PASSWORD)
    return signing.sign_pdf(_pdf(), signer, timestamper=pki.timestamper())  # type: ignore[arg-type]


def _roots(pki: Pki, tmp_path: Path) -> list[object]:
    return signing.load_roots([pki.write_root(tmp_path)])


def test_a_signed_pdf_is_intact_trusted_time_stamped_and_names_the_signer(
    pki: Pki, signed: bytes, tmp_path: Path
) -> None:
    result = signing.verify_pdf(signed, _roots(pki, tmp_path))
    assert result.signed and result.intact and result.trusted and result.valid, result
    assert result.signer == SIGNER_NAME
    assert result.timestamped and result.signed_at is not None
    assert result.level == "PAdES-B-T"  # no revocation data embedded
    assert b"/ETSI.CAdES.detached" in signed  # PAdES


def test_one_changed_byte_fails(pki: Pki, signed: bytes, tmp_path: Path) -> None:
    roots = _roots(pki, tmp_path)
    at = signed.index(b"Acta de la sesion")
    tampered = signed[:at] + b"B" + signed[at + 1 :]
    result = signing.verify_pdf(tampered, roots)
    assert result.signed and not result.intact and not result.valid
    assert result.problem == "el contenido firmado ha cambiado"
    # a byte inside the signature itself
    sig_at = signed.index(b"/Contents <") + 40
    flipped = b"0" if signed[sig_at : sig_at + 1] != b"0" else b"1"
    result = signing.verify_pdf(signed[:sig_at] + flipped + signed[sig_at + 1 :], roots)
    assert result.signed and not result.valid and result.problem


def test_content_added_after_the_signature_is_not_intact(
    pki: Pki, signed: bytes, tmp_path: Path
) -> None:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    result = signing.verify_pdf(out.getvalue(), _roots(pki, tmp_path))
    assert result.signed and not result.intact and not result.valid
    assert result.problem == "se añadió contenido después de la firma"


def test_an_untrusted_root_and_an_unsigned_pdf(pki: Pki, tmp_path: Path) -> None:
    stranger = signing.load_signer(pki.other_pkcs12, PASSWORD)
    result = signing.verify_pdf(signing.sign_pdf(_pdf(), stranger), _roots(pki, tmp_path))
    assert result.signed and result.intact and not result.trusted and not result.valid
    assert result.signer == "Firmante ajeno" and not result.timestamped
    assert result.level == "PAdES-B-B"
    unsigned = signing.verify_pdf(_pdf(), _roots(pki, tmp_path))
    assert not unsigned.signed and unsigned.problem == "el PDF no lleva firma"
    assert not signing.verify_pdf(b"no es un pdf", []).signed


def test_a_wrong_password_is_a_spanish_error_and_signs_nothing(pki: Pki, tmp_path: Path) -> None:
    out = tmp_path / "firmada.pdf"
    with pytest.raises(InputError) as caught:
        out.write_bytes(signing.sign_pdf(_pdf(), signing.load_signer(pki.pkcs12, "otra")))
    assert caught.value.message.startswith("La contraseña del certificado PKCS#12 no es correcta")
    assert "no se ha firmado nada" in caught.value.hint
    assert not out.exists()
    with pytest.raises(InputError, match="está vacío"):
        signing.load_signer(b"", PASSWORD)


def test_long_term_signature_embeds_the_ca_revocation_list(pki: Pki, tmp_path: Path) -> None:
    roots = _roots(pki, tmp_path)
    signer = signing.load_signer(pki.pkcs12, PASSWORD)
    crls = signing.load_crls([pki.write_crl(tmp_path)])
    context = signing.revocation_context(roots, crls, fetch=False)
    signed = signing.sign_pdf(_pdf(), signer, timestamper=pki.timestamper(), revocation=context)  # type: ignore[arg-type]
    result = signing.verify_pdf(signed, roots)
    assert result.valid and result.level == "PAdES-B-LT", result
    assert b"/DSS" in signed and b"/CRLs" in signed
    # without the CA's CRL (and no fetching) there is nothing to embed: an error, no file
    with pytest.raises(InputError, match="información de revocación"):
        signing.sign_pdf(
            _pdf(),
            signer,
            timestamper=pki.timestamper(),  # type: ignore[arg-type]
            revocation=signing.revocation_context(roots, [], fetch=False),
        )


def test_signing_and_checking_work_where_an_event_loop_runs(pki: Pki, tmp_path: Path) -> None:
    """pyHanko's synchronous calls use ``asyncio.run``: from a coroutine (or beside
    Playwright's synchronous API) they would fail without a thread of their own."""
    roots = _roots(pki, tmp_path)

    async def inside_a_loop() -> signing.Verification:
        signer = signing.load_signer(pki.pkcs12, PASSWORD)
        pdf = signing.sign_pdf(_pdf(), signer, timestamper=pki.timestamper())  # type: ignore[arg-type]
        return signing.verify_pdf(pdf, roots)

    # In a thread of its own: this one may already run Playwright's loop in the suite.
    with ThreadPoolExecutor(max_workers=1) as pool:
        result = pool.submit(asyncio.run, inside_a_loop()).result()
    assert result.valid and result.timestamped, result
