"""The acta's DOCX templates: a council's own template, its checks, the title by state,
synthesis or verbatim, and the Galician and Basque actas."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import docx
import pytest
from acta_scripts import ROSTER, SESSION, build
from docx.document import Document
from docx.oxml.ns import qn
from test_acta_find import PLENO

import plenaria
from plenaria.acts import template_source
from plenaria.acts.acta_labels import LABELS, ROF_LABELS
from plenaria.acts.acta_template import FIELDS, REQUIRED, default_template
from plenaria.acts.certificate import approved_docx, save_stable
from plenaria.acts.draft import build_draft_acta, format_date, render_draft_acta
from plenaria.assembly.acta import with_acta
from plenaria.domain import Transcript
from plenaria.errors import ConfigError

WITH_ROSTER = replace(SESSION, members=ROSTER.members, legal_members=5)


def _acta() -> Transcript:
    return with_acta(build(PLENO, session=WITH_ROSTER))


def _texts(document: Document) -> list[str]:
    """Paragraphs of the body and of its tables, in order."""
    out: list[str] = []
    for el in document.element.body.iterchildren():
        if el.tag == qn("w:p"):
            out.append("".join(t.text or "" for t in el.iter(qn("w:t"))))
        elif el.tag == qn("w:tbl"):
            for p in el.iter(qn("w:p")):
                out.append("".join(t.text or "" for t in p.iter(qn("w:t"))))
    return out


def test_the_core_properties_stay_in_their_namespace(tmp_path: Path) -> None:
    """docxcompose rebinds python-docx's ``cp`` prefix; the acta's core.xml must not suffer."""
    import zipfile

    path = render_draft_acta(_acta(), tmp_path / "acta.docx")
    assert docx.Document(str(path)).core_properties.last_modified_by == "Plenaria"
    with zipfile.ZipFile(path) as z:
        core = z.read("docProps/core.xml").decode()
    assert "custom-properties" not in core


def _template(path: Path, *, drop: str = "", extra: str = "") -> Path:
    """A council's own template: its own heading and order, every required field but ``drop``."""
    document = docx.Document()
    document.add_heading("AJUNTAMENT — {{ council }}", level=0)
    document.add_paragraph("Sessió {{ session_type }} del Ple, {{ date }}, a {{ place }}.")
    document.add_paragraph("De {{ start_time }} a {{ end_time }}. Presideix {{ president }}.")
    document.add_paragraph("Assistents: {{ present }}. Excusats: {{ excused }}.")
    document.add_paragraph("Absents: {{ absent }}. Secretari: {{ secretary }}.")
    document.add_paragraph("{{p body }}")
    document.add_paragraph("Signen: {{ sign_secretary }} i {{ sign_president }}.")
    if extra:
        document.add_paragraph(extra)
    document.save(str(path))
    if drop:
        # Take the field out of the XML (python-docx wrote each text in one run).
        import zipfile

        with zipfile.ZipFile(path) as z:
            parts = {name: z.read(name) for name in z.namelist()}
        xml = parts["word/document.xml"].decode()
        field = re.compile(r"\{\{p? " + drop + r" \}\}")
        assert field.search(xml)
        parts["word/document.xml"] = field.sub("", xml).encode()
        with zipfile.ZipFile(path, "w") as z:
            for name, data in parts.items():
                z.writestr(name, data)
    return path


def test_a_councils_own_template_is_filled_in(tmp_path: Path) -> None:
    t = _acta()
    path = render_draft_acta(
        t, tmp_path / "acta.docx", lang="ca", template=_template(tmp_path / "meu.docx")
    )
    texts = _texts(docx.Document(str(path)))
    assert texts[0] == "AJUNTAMENT — Ayuntamiento de Villaprueba"
    assert "Sessió ordinària del Ple, 12 de març de 2026, a Salón de plenos." in texts
    assert "De 10:15 a 12:30. Presideix María Pérez Soler." in texts
    assert "Absents: cap. Secretari: Jordi Puig Roca." in texts
    # The body comes where {{p body }} was: items, interventions, votes.
    assert "2. Modificación de la ordenanza fiscal del agua" in texts
    assert "Vots a favor: 3; en contra: 1; abstencions: 0. Resultat: aprovada." in texts
    assert texts[-1] == "Signen: Jordi Puig Roca i María Pérez Soler."
    assert not any("{{" in x or "{%" in x for x in texts)


def test_a_template_folder_replaces_the_default_for_its_language(tmp_path: Path) -> None:
    folder = tmp_path / "plantillas"
    folder.mkdir()
    _template(folder / "acta-es.docx")
    t = _acta()
    own = _texts(build_draft_acta(t, lang="es", templates_dir=folder))
    assert own[0] == "AJUNTAMENT — Ayuntamiento de Villaprueba"
    # No acta-ca.docx in the folder: Catalan keeps Plenaria's own.
    assert _texts(build_draft_acta(t, lang="ca", templates_dir=folder))[0] == "Esborrany d'acta"


@pytest.mark.parametrize("field", ["absent", "body", "sign_president"])
def test_a_template_missing_a_required_field_is_refused_naming_it(
    tmp_path: Path, field: str
) -> None:
    bad = _template(tmp_path / "sin.docx", drop=field)
    dest = tmp_path / "out" / "acta.docx"
    with pytest.raises(ConfigError) as info:
        render_draft_acta(_acta(), dest, template=bad)
    assert info.value.message.endswith(
        f"le faltan campos obligatorios (ROF art. 109.1): {{{{ {field} }}}}."
    )
    assert str(bad) in info.value.message
    assert not dest.parent.exists()  # nothing written


def test_a_template_with_an_unknown_field_is_refused_naming_it(tmp_path: Path) -> None:
    bad = _template(tmp_path / "raro.docx", extra="Alcalde: {{ alcalde }} {{ municipio }}")
    with pytest.raises(ConfigError) as info:
        render_draft_acta(_acta(), tmp_path / "acta.docx", template=bad)
    assert "usa campos que Plenaria no rellena: {{ alcalde }}, {{ municipio }}." in (
        info.value.message
    )
    assert "{{ present }}" in info.value.hint  # the fields it may use
    assert not (tmp_path / "acta.docx").exists()


def test_broken_templates_are_one_clear_error(tmp_path: Path) -> None:
    syntax = _template(tmp_path / "llaves.docx", extra="{% if place %}sin cerrar")
    with pytest.raises(ConfigError, match="error de sintaxis"):
        build_draft_acta(_acta(), template=syntax)
    inline = _template(tmp_path / "dentro.docx", extra="Desarrollo: {{ body }}")
    with pytest.raises(ConfigError) as info:
        build_draft_acta(_acta(), template=inline)
    assert "pone {{ body }} dentro de un texto" in info.value.message
    assert "{{p body }}" in info.value.hint
    styled = docx.Document(str(_template(tmp_path / "estilos.docx")))
    styled.styles["Heading 2"].delete()
    styled.save(str(tmp_path / "estilos.docx"))
    with pytest.raises(ConfigError, match="le faltan estilos: Heading 2"):
        build_draft_acta(_acta(), template=tmp_path / "estilos.docx")
    (tmp_path / "texto.docx").write_text("no soy un docx")
    with pytest.raises(ConfigError, match="no es un documento DOCX"):
        build_draft_acta(_acta(), template=tmp_path / "texto.docx")
    with pytest.raises(ConfigError, match="No existe la plantilla"):
        build_draft_acta(_acta(), template=tmp_path / "nada.docx")


@pytest.mark.parametrize("command", ["process", "live"])
def test_the_cli_refuses_a_bad_template_in_one_spanish_line(tmp_path: Path, command: str) -> None:
    bad = _template(tmp_path / "sin.docx", drop="absent")
    recording = tmp_path / "pleno.mp4"
    recording.write_bytes(b"\x00" * 64)
    # live: refused before the stream is listened to (nothing serves this address)
    source = str(recording) if command == "process" else "rtmp://127.0.0.1:9/live/pleno"
    proc = subprocess.run(
        [sys.executable, "-m", "plenaria", command, source, "--acta-template", str(bad)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(Path(plenaria.__file__).parents[1]),  # this checkout's package
            "PLENARIA_CACHE_DIR": str(tmp_path / "c"),
            "COLUMNS": "300",
        },
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1 and "{{ absent }}" in errors[0], proc.stderr


def test_the_default_templates_use_every_required_field_and_are_up_to_date() -> None:
    from plenaria.acts.acta_template import docxtpl_class, environment

    DocxTemplate = docxtpl_class()
    for lang in template_source.LANGS:
        path = default_template(lang)
        used = DocxTemplate(str(path)).get_undeclared_template_variables(environment())
        assert set(REQUIRED) <= used <= set(FIELDS), lang
        # The committed file is what the builder writes (rebuild: make acta-templates).
        built = save_stable(template_source.build_template(lang), datetime(2026, 1, 1))
        assert path.read_bytes() == built, f"{path.name} is stale"


@pytest.mark.parametrize(
    ("lang", "draft", "approved"),
    [
        ("es", "Borrador de acta", "Acta"),
        ("ca", "Esborrany d'acta", "Acta"),
        ("gl", "Borrador da acta", "Acta"),
        ("eu", "Akta-zirriborroa", "Akta"),
    ],
)
def test_the_title_says_draft_until_approved(lang: str, draft: str, approved: str) -> None:
    t = _acta()
    texts = _texts(build_draft_acta(t, lang=lang))
    assert texts[0] == draft and LABELS[lang]["note"] in texts
    done = build_draft_acta(t, lang=lang, approved=True)
    texts = _texts(done)
    assert texts[0] == approved
    assert LABELS[lang]["note"] not in texts
    assert done.core_properties.title == f"{approved} — Ayuntamiento de Villaprueba"


def test_the_approved_docx_is_titled_acta() -> None:
    import io

    data = approved_docx(_acta(), datetime(2026, 3, 12, 13, 0), lang="ca")
    texts = _texts(docx.Document(io.BytesIO(data)))
    assert texts[0] == "Acta" and not any("Esborrany" in x for x in texts)


def test_synthesis_or_verbatim() -> None:
    t = _acta()
    items = list(t.interventions)
    items[6] = replace(items[6], summary="El grupo de la oposición anuncia su voto en contra.")
    t = replace(t, interventions=tuple(items))
    synthesis = _texts(build_draft_acta(t))
    assert any(
        x.endswith("] El grupo de la oposición anuncia su voto en contra.") for x in synthesis
    )
    assert not any("Nuestro grupo votará en contra." in x for x in synthesis)
    # Interventions with no summary keep their words in the synthesis.
    assert any(x.endswith("] Ruego que se limpie la plaza.") for x in synthesis)
    verbatim = _texts(build_draft_acta(t, interventions="verbatim"))
    assert any(x.endswith("] Nuestro grupo votará en contra.") for x in verbatim)
    assert not any("anuncia su voto" in x for x in verbatim)
    with pytest.raises(ConfigError, match="'resumen'"):
        build_draft_acta(t, interventions="resumen")


def test_galician_and_basque_actas() -> None:
    t = _acta()
    gl = _texts(build_draft_acta(t, lang="gl"))
    for line in (
        "Data: 12 de marzo de 2026",
        "Orde do día",
        "Constitución da sesión",
        "Membros que escusan a súa asistencia: Luis Pardo Gil (Partido Popular)",
        "Votos a favor: 3; en contra: 1; abstencións: 0. Resultado: aprobada.",
        "Visto e prace A Alcaldesa",
    ):
        assert line in gl, line
    assert any(x.startswith("Interveniente 3 [00:") for x in gl)
    eu = _texts(build_draft_acta(t, lang="eu"))
    for line in (
        "Data: 2026ko martxoaren 12a",
        "Gai-zerrenda",
        "Bilkuraren eraketa",
        "Aldeko botoak: 3; kontrakoak: 1; abstentzioak: 0. Emaitza: onartua.",
        "Oniritzia, Alkatea",
        "Idazkaria",
    ):
        assert line in eu, line
    assert any(x.startswith("3. hizlaria [00:") for x in eu)
    assert format_date("2025-01-01", LABELS["eu"]) == "2025eko urtarrilaren 1a"
    assert format_date("2031-12-24", LABELS["eu"]) == "2031eko abenduaren 24a"
    assert format_date("2030-05-02", LABELS["eu"]) == "2030eko maiatzaren 2a"
    assert format_date("2026-07-05", LABELS["gl"]) == "5 de xullo de 2026"
    for table in (LABELS, ROF_LABELS):
        assert all(set(table[lang]) == set(table["es"]) for lang in ("ca", "gl", "eu"))


def test_the_jobs_outputs_step_uses_the_runs_template_and_mode(tmp_path: Path) -> None:
    from plenaria.graph.options import JobSpec, ProcessOptions
    from plenaria.graph.steps import render_outputs
    from plenaria.storage import LocalStorage

    t = _acta()
    items = list(t.interventions)
    items[6] = replace(items[6], summary="Anuncia el voto en contra.")
    t = replace(t, interventions=tuple(items))
    own = _template(tmp_path / "meu.docx")
    keys = {kind: f"out/pleno.{kind}" for kind in ("json", "vtt", "srt", "docx")}

    def acta(**spec: object) -> list[str]:
        job = JobSpec(original="ext:/x/pleno.mp4", file_name="pleno.mp4", **spec)  # type: ignore[arg-type]
        render_outputs(t, job, LocalStorage(tmp_path), keys)
        return _texts(docx.Document(str(tmp_path / keys["docx"])))

    texts = acta(acta_template=str(own))
    assert texts[0] == "AJUNTAMENT — Ayuntamiento de Villaprueba"
    assert any(x.endswith("] Anuncia el voto en contra.") for x in texts)
    verbatim = ProcessOptions(acta_interventions="verbatim", acta_lang="gl")
    texts = acta(options=verbatim)
    assert texts[0] == "Borrador da acta"
    assert any(x.endswith("] Nuestro grupo votará en contra.") for x in texts)
