"""The portal's open data: each published session's interventions and votes as CSV, and
the council's catalogue of them in DCAT-AP-ES (the NTI-RISP profile datos.gob.es harvests).

- ``/p/{council}/{session}/intervenciones.csv``: one row per intervention (start, end,
  speaker, agenda item, words said), from the public (redacted) transcript;
- ``/p/{council}/{session}/votaciones.csv``: one row per agenda item with its vote as the
  acta records it (empty counts where none was said);
- ``/p/{council}/catalogo.rdf``: a ``dcat:Catalog`` with one ``dcat:Dataset`` per published
  session, each with its distributions (JSON, both CSVs, WebVTT, MP4) under the licence in
  ``PLENARIA_OPEN_DATA_LICENSE``.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from plenaria.api import publishing
from plenaria.api.public_i18n import public_strings, session_title
from plenaria.domain import Transcript
from plenaria.errors import NotFoundError

CSV_TYPE = "text/csv; charset=utf-8"
INTERVENTION_FIELDS = ("id", "inicio_s", "fin_s", "interviniente", "punto", "idioma", "texto")
VOTE_FIELDS = (
    "punto", "titulo", "a_favor", "en_contra", "abstenciones", "resultado", "unanimidad",
    "comprobada",
)  # fmt: skip
RESULTS = {"approved": "aprobada", "rejected": "rechazada", "tie": "empate"}


def _csv(header: tuple[str, ...], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return "\ufeff" + out.getvalue()  # the BOM: a spreadsheet opens the accents right


def interventions_csv(transcript: Transcript, lang: str) -> str:
    labels = publishing.speaker_labels(transcript, lang)
    rows = [
        [
            i.id,
            f"{i.segment.start:.2f}",
            f"{i.segment.end:.2f}",
            labels.get(i.speaker, i.speaker),
            "" if i.agenda_item is None else i.agenda_item,
            i.language,
            i.text,
        ]
        for i in transcript.interventions
        if i.words
    ]
    return _csv(INTERVENTION_FIELDS, rows)


def votes_csv(transcript: Transcript) -> str:
    acta = transcript.acta
    rows = []
    for item in acta.items if acta is not None else ():
        vote = item.vote
        if vote is None:
            rows.append([item.number, item.title, "", "", "", "", "", ""])
            continue
        rows.append(
            [
                item.number,
                item.title,
                "" if vote.for_ is None else vote.for_,
                "" if vote.against is None else vote.against,
                "" if vote.abstentions is None else vote.abstentions,
                RESULTS.get(str(vote.result or ""), str(vote.result or "")),
                "sí" if vote.unanimous else "no",
                "sí" if vote.checked else "no",
            ]
        )
    return _csv(VOTE_FIELDS, rows)


def _when(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


EU_LANGUAGES = "http://publications.europa.eu/resource/authority/language"
SECTOR = "http://datos.gob.es/kos/sector-publico/sector/sector-publico"


def _text(tag: str, value: str, lang: str) -> str:
    return f'<{tag} xml:lang="{lang}">{escape(value)}</{tag}>'


def _ref(tag: str, url: str) -> str:
    return f"<{tag} rdf:resource={quoteattr(url)}/>"


def catalogue(council: Any, rows: list[Any], base: str, licence: str) -> str:
    """DCAT-AP-ES (RDF/XML) of the council's published sessions."""
    t = public_strings(council.acta_lang)
    home = f"{base}/p/{council.slug}/"
    lang = council.acta_lang if council.acta_lang in ("es", "ca") else "es"
    kinds = (
        ("transcript.json", "application/json", "JSON"),
        ("intervenciones.csv", "text/csv", "CSV"),
        ("votaciones.csv", "text/csv", "CSV"),
        ("captions.vtt", "text/vtt", "WebVTT"),
        ("video.mp4", "video/mp4", "MP4"),
    )
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"',
        ' xmlns:dcat="http://www.w3.org/ns/dcat#" xmlns:dct="http://purl.org/dc/terms/"',
        ' xmlns:foaf="http://xmlns.com/foaf/0.1/">',
        f"<dcat:Catalog rdf:about={quoteattr(home + 'catalogo.rdf')}>",
        _text("dct:title", t["catalogue_title"].format(council=council.name), lang),
        _text("dct:description", t["catalogue_description"].format(council=council.name), lang),
        "<dct:publisher><foaf:Organization>",
        f"<foaf:name>{escape(council.name)}</foaf:name>",
        "</foaf:Organization></dct:publisher>",
        _ref("dct:license", licence),
        _ref("dct:language", f"{EU_LANGUAGES}/{'CAT' if lang == 'ca' else 'SPA'}"),
        _ref("foaf:homepage", home),
    ]
    for plenary, publication in rows:
        page = base + publishing.public_url(council, plenary)
        title = session_title(plenary, t)
        out += [
            "<dcat:dataset>",
            f"<dcat:Dataset rdf:about={quoteattr(page)}>",
            _text("dct:title", title, lang),
            _text("dct:description", t["dataset_description"], lang),
            f"<dct:issued>{_when(publication.published_at)}</dct:issued>",
            _ref("dct:license", licence),
            _ref("dcat:theme", SECTOR),
            _ref("dcat:landingPage", page),
        ]
        for name, media, fmt in kinds:
            if name == "video.mp4" and not publication.video_key:
                continue
            out += [
                "<dcat:distribution><dcat:Distribution>",
                f"<dcat:accessURL rdf:resource={quoteattr(f'{page}/{name}')}/>",
                f"<dcat:mediaType>{media}</dcat:mediaType>",
                f"<dct:format>{fmt}</dct:format>",
                f"<dct:license rdf:resource={quoteattr(licence)}/>",
                "</dcat:Distribution></dcat:distribution>",
            ]
        out += ["</dcat:Dataset>", "</dcat:dataset>"]
    out += ["</dcat:Catalog>", "</rdf:RDF>"]
    return "\n".join(out) + "\n"


def signed_acta_key(db: Any, plenary: Any) -> str | None:
    """The storage key of the session's signed acta, when its acta is signed (or published
    signed); None otherwise."""
    from plenaria.db import acta as workflow

    record = workflow.record_for(db, plenary)
    if record.state not in ("signed", "published") or record.approved_number is None:
        return None
    rows = [c for c in workflow.certificates(db, plenary) if c.signed_pdf_key]
    rows = [c for c in rows if c.version_number == record.approved_number]
    return rows[-1].signed_pdf_key if rows else None


def router(prefix: str) -> APIRouter:
    from plenaria.api import public
    from plenaria.api.public_feeds import published_rows

    web = APIRouter(include_in_schema=False)

    def transcript_of(request: Request, slug: str, session_id: str) -> tuple[Any, Transcript]:
        with request.app.state.db.session() as db:
            pub = public._published(db, slug, session_id)
            return pub, publishing.public_transcript(db, pub.plenary, pub.publication)

    def attachment(body: str, name: str) -> Response:
        disposition = {"Content-Disposition": f'inline; filename="{name}"'}
        return Response(body, media_type=CSV_TYPE, headers=disposition)

    @web.get(prefix + "/{council_slug}/catalogo.rdf")
    def catalogue_route(council_slug: str, request: Request) -> Response:
        licence = request.app.state.settings.open_data_license
        body = published_rows(
            request, council_slug, lambda c, rows, base: catalogue(c, rows, base, licence)
        )
        return Response(body, media_type="application/rdf+xml; charset=utf-8")

    @web.get(prefix + "/{council_slug}/{session_id}/acta.pdf")
    def signed_acta(council_slug: str, session_id: str, request: Request) -> Response:
        """The signed acta (PDF/A with its PAdES signature) once signed, as certified."""
        with request.app.state.db.session() as db:
            pub = public._published(db, council_slug, session_id)  # the portal's one 404
            key = signed_acta_key(db, pub.plenary)
            name = f"{pub.plenary.slug or pub.plenary.id}-acta.pdf"
        storage = request.app.state.storage_path
        if key is None or not (storage / key).is_file():
            raise NotFoundError("El acta de esta sesión todavía no está firmada.")
        return FileResponse(
            storage / key, media_type="application/pdf", filename=name,
            content_disposition_type="inline",
        )  # fmt: skip

    @web.get(prefix + "/{council_slug}/{session_id}/intervenciones.csv")
    def interventions(council_slug: str, session_id: str, request: Request) -> Response:
        pub, transcript = transcript_of(request, council_slug, session_id)
        body = interventions_csv(transcript, pub.publication.language)
        return attachment(body, f"{pub.plenary.slug or pub.plenary.id}-intervenciones.csv")

    @web.get(prefix + "/{council_slug}/{session_id}/votaciones.csv")
    def votes(council_slug: str, session_id: str, request: Request) -> Response:
        pub, transcript = transcript_of(request, council_slug, session_id)
        name = f"{pub.plenary.slug or pub.plenary.id}-votaciones.csv"
        return attachment(votes_csv(transcript), name)

    return web
