"""The acta's DOCX template (docxtpl): which one, whether it fits, and filling it in.

Plenaria ships one template per language (``templates/acta-<lang>.docx``, made
by :mod:`plenaria.acts.template_source`). A council replaces it with its own:
a folder of ``acta-<lang>.docx`` files (``PLENARIA_ACTA_TEMPLATES``), or one
file given for a run (``plenaria process --acta-template``). A template is
checked before anything is written: every Jinja field it uses must be one
Plenaria fills in (:data:`FIELDS`), and it must use every field the ROF art.
109.1 requires (:data:`REQUIRED`); otherwise one :class:`ConfigError` names them.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plenaria.errors import ConfigError

if TYPE_CHECKING:
    from docxtpl import DocxTemplate
    from jinja2 import Environment

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

# Every field a template may use, and what Plenaria puts in it.
FIELDS: dict[str, str] = {
    "title": "«Borrador de acta» mientras es borrador, «Acta» una vez aprobada",
    "draft": "verdadero mientras el acta es un borrador",
    "note": "el aviso de borrador (vacío en el acta aprobada)",
    "pending": "el recuadro de lo que falta por completar (subdocumento)",
    "council": "la entidad (el ayuntamiento)",
    "session_type": "el carácter de la sesión: ordinaria, extraordinaria...",
    "date": "la fecha de la sesión, escrita",
    "place": "el lugar de la sesión",
    "start_time": "la hora de comienzo",
    "end_time": "la hora en que se levanta la sesión",
    "president": "quien preside",
    "secretary": "el secretario o la secretaria que da fe",
    "interventor": "el interventor o la interventora (vacío si no consta)",
    "agenda": "el orden del día: lista de puntos con number y title",
    "present": "los miembros asistentes",
    "excused": "los miembros que excusan su asistencia",
    "absent": "los miembros ausentes sin excusa",
    "quorum": "la frase sobre el quórum",
    "quorum_warning": "verdadero cuando el quórum falta o no se puede comprobar",
    "body": "el desarrollo de la sesión: puntos, intervenciones, votaciones (subdocumento)",
    "sign_secretary_title": "el cargo de quien firma como secretario",
    "sign_secretary": "el nombre de quien firma como secretario",
    "sign_president_title": "el visto bueno del presidente (Vº Bº)",
    "sign_president": "el nombre de quien da el visto bueno",
    "recording": "el nombre del fichero de la grabación",
    "duration": "la duración de la grabación",
    "sha256": "el resumen SHA-256 de la grabación",
    "gaps": "las interrupciones de la grabación (vacío si no hubo)",
}
# ROF art. 109.1 a-j: an acta without one of these is not an acta.
REQUIRED = (
    "council",
    "place",
    "date",
    "start_time",
    "end_time",
    "session_type",
    "president",
    "secretary",
    "present",
    "excused",
    "absent",
    "body",
    "sign_secretary",
    "sign_president",
)
# Fields that hold whole paragraphs (python-docx subdocuments): {{p name }} in a template.
SUBDOCUMENTS = ("pending", "body")
# Styles the body (a python-docx subdocument) is written with.
BODY_STYLES = ("Heading 2", "Table Grid")


def default_template(lang: str) -> Path:
    return TEMPLATES_DIR / f"acta-{lang}.docx"


def template_for(lang: str, template: Path | None = None, folder: Path | None = None) -> Path:
    """The template to use: ``template`` if given, else ``folder``'s ``acta-<lang>.docx``
    when it has one, else Plenaria's own."""
    if template is not None:
        return template
    if folder is not None:
        candidate = folder / f"acta-{lang}.docx"
        if candidate.is_file():
            return candidate
    return default_template(lang)


def template_digest(path: Path) -> str:
    """The SHA-256 of a template's bytes (part of the outputs' cache key); "" if unreadable."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


_CORE_PROPERTIES = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"


def docxtpl_class() -> Any:
    """docxtpl's template class, with python-docx's namespaces as they were.

    docxcompose (which docxtpl's subdocuments need) rebinds the ``cp`` prefix of
    python-docx's global namespace map to the custom-properties namespace when it
    is imported; every DOCX saved after that, in any module, would write its core
    properties (last modified by, revision) in the wrong namespace. Put it back.
    """
    import docxtpl.subdoc  # noqa: F401  (imports docxcompose)
    from docx.oxml import ns
    from docxtpl import DocxTemplate

    ns.nsmap["cp"] = _CORE_PROPERTIES
    return DocxTemplate


def environment() -> Environment:
    """Jinja for templates: a field with no value is an error, never an empty string."""
    from jinja2 import Environment, StrictUndefined

    return Environment(undefined=StrictUndefined, autoescape=True)


def _names(fields: set[str] | list[str] | tuple[str, ...]) -> str:
    return ", ".join("{{ " + name + " }}" for name in sorted(fields))


def load_template(path: Path) -> DocxTemplate:
    """The template at ``path``, checked; :class:`ConfigError` naming what is wrong."""
    from docx import Document
    from jinja2 import TemplateSyntaxError

    if not path.is_file():
        raise ConfigError(
            f"No existe la plantilla del acta {path}.",
            "Indique un fichero .docx (PLENARIA_ACTA_TEMPLATES o --acta-template).",
        )
    if not zipfile.is_zipfile(path):
        raise ConfigError(
            f"La plantilla del acta {path} no es un documento DOCX.",
            "Guárdela desde Word o LibreOffice en formato .docx.",
        )
    try:
        tpl = docxtpl_class()(str(path))
        used = tpl.get_undeclared_template_variables(environment())
    except TemplateSyntaxError as e:
        raise ConfigError(
            f"La plantilla del acta {path} tiene un error de sintaxis: {e.message}.",
            "Revise las llaves {{ }} y {% %} del documento.",
        ) from e
    except (KeyError, ValueError, zipfile.BadZipFile) as e:
        raise ConfigError(
            f"La plantilla del acta {path} no es un documento DOCX válido ({e}).",
            "Guárdela desde Word o LibreOffice en formato .docx.",
        ) from e
    check_fields(path, used)
    # Read from a copy of its own: python-docx keeps the body it first read, and docxtpl
    # replaces the template's body when it renders (what is added after would be lost).
    check_subdocuments(path, Document(str(path)))
    styles = {s.name for s in tpl.get_docx().styles}
    lacking = [name for name in BODY_STYLES if name not in styles]
    if lacking:
        raise ConfigError(
            f"A la plantilla del acta {path} le faltan estilos: {', '.join(lacking)}.",
            "Parta de la plantilla de Plenaria, que ya los tiene.",
        )
    return tpl


def check_fields(path: Path, used: set[str]) -> None:
    """Raise :class:`ConfigError` naming unknown fields, or missing required ones."""
    unknown = used - set(FIELDS)
    if unknown:
        raise ConfigError(
            f"La plantilla del acta {path} usa campos que Plenaria no rellena: {_names(unknown)}.",
            f"Los campos disponibles son: {_names(list(FIELDS))}.",
        )
    missing = [name for name in REQUIRED if name not in used]
    if missing:
        raise ConfigError(
            f"A la plantilla del acta {path} le faltan campos obligatorios (ROF art. 109.1): "
            f"{_names(missing)}.",
            "Añádalos al documento; sin ellos el acta no estaría completa.",
        )


# A field holding paragraphs (a subdocument) written as {{ body }} instead of {{p body }}.
_INLINE_SUBDOC = re.compile(r"\{\{(?!p\s)(?:\w\s)?\s*(" + "|".join(SUBDOCUMENTS) + r")\s*\}\}")


def check_subdocuments(path: Path, document: Any) -> None:
    """Raise :class:`ConfigError` when a subdocument field is not a paragraph of its own."""
    texts = [p.text for p in document.paragraphs]
    texts += [p.text for t in document.tables for c in t._cells for p in c.paragraphs]
    inline = sorted({m.group(1) for text in texts for m in _INLINE_SUBDOC.finditer(text)})
    if inline:
        names = ", ".join("{{p " + name + " }}" for name in inline)
        raise ConfigError(
            f"La plantilla del acta {path} pone {_names(inline)} dentro de un texto; "
            "son párrafos enteros.",
            f"Escriba {names} solo, en un párrafo propio.",
        )


def fill(tpl: DocxTemplate, context: dict[str, Any]) -> None:
    """Render ``context`` into ``tpl`` (user text is escaped; a missing value is an error)."""
    from jinja2 import TemplateError

    try:
        tpl.render(context, environment(), autoescape=True)
    except TemplateError as e:
        raise ConfigError(
            f"No se pudo rellenar la plantilla del acta ({e}).",
            "Revise los campos y las condiciones de la plantilla.",
        ) from e
