"""The certificate's pure parts (plenaria.acts.certificate) and the check list's words
(plenaria.db.acta.describe): the verification code, the deterministic DOCX, the text."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import datetime

from transcripts import sample_transcript

from plenaria.acts import certificate as cert
from plenaria.assembly.acta import with_acta
from plenaria.db.acta import describe, valid_key

SHA = "ab" * 32
MOMENT = datetime(2026, 11, 30, 12, 0, 0)


def test_the_code_is_twenty_base32_characters_tied_to_the_secret_and_the_document() -> None:
    code = cert.verification_code("s" * 32, SHA, "sesion/v1")
    assert len(code) == 20 and cert.normalize_code(code) == code
    assert code == cert.verification_code("s" * 32, SHA, "sesion/v1")
    assert code != cert.verification_code("t" * 32, SHA, "sesion/v1")
    assert code != cert.verification_code("s" * 32, "ac" + SHA[2:], "sesion/v1")
    assert code != cert.verification_code("s" * 32, SHA, "sesion/v2")
    shown = cert.format_code(code)
    assert shown.count("-") == 3 and all(len(g) == 5 for g in shown.split("-"))


def test_a_typed_code_is_normalized_or_refused() -> None:
    assert cert.normalize_code("abcde-fghij klmno-pqrs7") == "ABCDEFGHIJKLMNOPQRS7"
    assert cert.normalize_code("ABCDE-FGHIJ-KLMNO-PQRS") is None  # 19 characters
    assert cert.normalize_code("ABCDE-FGHIJ-KLMNO-PQRS1") is None  # 1 is not base32
    assert cert.normalize_code("") is None


def test_the_approved_docx_is_the_same_bytes_every_time() -> None:
    t = with_acta(sample_transcript())
    one = cert.approved_docx(t, MOMENT, document_id="s/v1")
    assert one == cert.approved_docx(t, MOMENT, document_id="s/v1")
    assert one != cert.approved_docx(t, MOMENT, document_id="s/v2")
    with zipfile.ZipFile(io.BytesIO(one)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert "2026-11-30T12:00:00" in core and "s/v1" in core
    changed = replace(t, session=replace(t.session, place="Otro salón"))
    assert cert.approved_docx(changed, MOMENT, document_id="s/v1") != one


def test_a_diligencia_goes_into_the_document() -> None:
    t = with_acta(sample_transcript())
    note = "Esta versión 3 del acta corrige la versión 1."
    data = cert.approved_docx(t, MOMENT, diligencia=note)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode()
    assert "Diligencia" in xml and note in xml


def _data(gaps: list[dict[str, object]]) -> dict[str, object]:
    return {
        "council": "Villa A",
        "session": {"id": "2026-11-24-ordinaria", "title": "Sesión ordinaria del Pleno"},
        "acta": {
            "version": 1,
            "file_name": "acta.docx",
            "sha256": SHA,
            "approved_at": MOMENT.isoformat(),
            "approved_by": "secretaria@villa.es",
        },
        "recording": {"file_name": "pleno.mp4", "sha256": "cd" * 32, "duration_s": 3725.0,
                      "live": bool(gaps), "gaps": gaps},
        "csv": "ABCDE-FGHIJ-KLMNO-PQRST",
        "verify_path": "/verificar/ABCDE-FGHIJ-KLMNO-PQRST",
    }  # fmt: skip


def test_the_text_certificate_is_spanish_and_states_every_fact() -> None:
    text = cert.certificate_text(_data([{"at": "00:10:00", "duration_s": 3.5}]))
    for fact in (SHA, "cd" * 32, "01:02:05", "00:10:00 (3.5 s)", "ABCDE-FGHIJ-KLMNO-PQRST",
                 "emisión en directo", "Ley 40/2015", "secretaria@villa.es"):  # fmt: skip
        assert fact in text, fact
    quiet = cert.certificate_text(_data([]))
    assert "ninguna" in quiet and "fichero subido" in quiet
    docx = cert.certificate_docx(_data([]))
    assert docx == cert.certificate_docx(_data([]))


def test_each_missing_key_reads_in_spanish_with_its_item() -> None:
    assert describe("end_time") == "la hora en que se levanta la sesión"
    assert describe("item_vote:12") == ("la votación del punto 12, que se somete a votación")
    assert describe("item_start:3") == "dónde empieza el punto 3 del orden del día"
    assert valid_key("item_vote:3") and valid_key("quorum")
    assert not valid_key("item_vote") and not valid_key("item_vote:0") and not valid_key("x")
