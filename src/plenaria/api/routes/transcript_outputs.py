"""A session's outputs, rendered on demand from its transcript's latest version:
JSON, WebVTT, SRT or the draft acta (DOCX), as a download."""

from __future__ import annotations

import re
from typing import Literal

from fastapi import APIRouter, Response

from plenaria.acts.links import acta_link_template
from plenaria.api.deps import AppSettings, CurrentUser, DbSession
from plenaria.api.transcript_edits import render_output
from plenaria.db import civic
from plenaria.db.transcripts import get_version
from plenaria.domain import Transcript
from plenaria.errors import NotFoundError

SessionOutputKind = Literal["json", "vtt", "srt", "docx"]
MEDIA_TYPES = {
    "json": "application/json",
    "vtt": "text/vtt; charset=utf-8",
    "srt": "application/x-subrip; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def router() -> APIRouter:
    api = APIRouter(tags=["transcripts"])

    @api.get(
        "/sessions/{session_id}/outputs/{kind}",
        response_class=Response,
        responses={200: {"content": {t.split(";")[0]: {} for t in MEDIA_TYPES.values()}}},
    )
    def session_output(
        session_id: str,
        kind: SessionOutputKind,
        user: CurrentUser,
        db: DbSession,
        settings: AppSettings,
    ) -> Response:
        """JSON, WebVTT, SRT or the draft acta (DOCX), made now from the latest version."""
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        try:
            v = get_version(db, plenary)
        except NotFoundError as e:
            raise NotFoundError(
                f"La sesión {plenary.id} aún no tiene transcripción.",
                "Espere a que termine su proceso.",
            ) from e
        transcript = Transcript.from_dict(v.content)
        council = user.council
        template = acta_link_template(
            council.video_url_template,
            settings.public_base_url,
            council.slug,
            plenary.id,
            settings.video_url_template,
        )
        data = render_output(transcript, kind, template, council.acta_lang)
        stem = re.sub(r"[^A-Za-z0-9._-]+", "-", plenary.slug or plenary.id).strip("-.")
        name = f"{stem or plenary.id}.v{v.number}.{kind}"
        return Response(
            data,
            media_type=MEDIA_TYPES[kind],
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    return api
