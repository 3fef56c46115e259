"""Reading one council's rows: another council's id is the same as no id (404)."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from plenaria.db.base import Base
from plenaria.errors import NotFoundError

T = TypeVar("T", bound=Base)


def get_owned(session: Session, model: type[T], council_id: str, object_id: str, what: str) -> T:
    """The row of ``model`` with this id in this council, else NotFoundError naming ``what``."""
    columns: Any = model  # every owned model has id and council_id (CouncilMixin)
    row: Any = session.scalar(
        select(model).where(columns.id == object_id, columns.council_id == council_id)
    )
    if row is None:
        raise NotFoundError(
            f"No existe {what} {object_id}.", "Revise el identificador; quizá se borró."
        )
    result: T = row
    return result
