"""Room for an upload, checked when it is created (before a byte is sent).

- The council's quota (``PLENARIA_COUNCIL_QUOTA_BYTES``): its stored originals
  (each stored file once), its outputs, and the uploads it is still sending,
  plus the new one, must fit; else 413.
- The storage volume's free space: what the uploads in progress still have to
  write, plus the new one, must leave ``PLENARIA_MIN_FREE_BYTES`` free; else 507.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from plenaria.config import Settings
from plenaria.db.engine import Database
from plenaria.db.models import Output, Recording, Upload
from plenaria.uploads import UploadRefused, UploadStore

Admit = Callable[[str, int, str], None]
"""``admit(council_id, length, filename)``: returns, or raises :class:`UploadRefused`."""


def stored_bytes(session: Session, council_id: str) -> int:
    """The council's originals (uploads and recordings; a file under several rows counted
    once) and outputs."""
    uploads = select(Upload.storage_key.label("key"), Upload.size.label("size")).where(
        Upload.council_id == council_id, Upload.state == "complete", Upload.storage_key != ""
    )
    recordings = select(Recording.storage_key.label("key"), Recording.size.label("size"))
    recordings = recordings.where(Recording.council_id == council_id)
    rows = union_all(uploads, recordings).subquery()
    per_file = select(func.max(rows.c.size).label("size")).group_by(rows.c.key).subquery()
    originals = session.scalar(select(func.coalesce(func.sum(per_file.c.size), 0)))
    outputs = session.scalar(
        select(func.coalesce(func.sum(Output.size), 0)).where(Output.council_id == council_id)
    )
    return int(originals or 0) + int(outputs or 0)


def size_text(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}".replace(".", ",")
    return f"{n} bytes"


def admission(
    settings: Settings,
    database: Database,
    store: UploadStore,
) -> Admit:
    quota, margin = settings.council_quota_bytes, settings.min_free_bytes

    def admit(council_id: str, length: int, filename: str) -> None:
        receiving = store.receiving()
        if quota:
            with database.session() as db:
                used = stored_bytes(db, council_id)
            used += sum(size for owner, size, _ in receiving if owner == council_id)
            if used + length > quota:
                raise UploadRefused(
                    413,
                    f"{filename} ({size_text(length)}) no cabe en el espacio de su ayuntamiento: "
                    f"ocupa {size_text(used)} de {size_text(quota)} "
                    "(PLENARIA_COUNCIL_QUOTA_BYTES). Pida al administrador que libere espacio "
                    "o amplíe la cuota.",
                )
        root = store.root
        root.mkdir(parents=True, exist_ok=True)
        to_write = sum(size - offset for _, size, offset in receiving)
        left = shutil.disk_usage(root).free - to_write - length
        if left < margin:
            raise UploadRefused(
                507,
                f"El servidor no tiene espacio para {filename} ({size_text(length)}): quedarían "
                f"{size_text(max(left, 0))} libres, menos del margen de {size_text(margin)} "
                "(PLENARIA_MIN_FREE_BYTES). Avise al administrador y vuelva a intentarlo "
                "más tarde.",
            )

    return admit
