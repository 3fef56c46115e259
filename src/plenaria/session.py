"""A session's data (council, date, agenda, roster...), checked from a plain mapping: what
the session file holds (read by :mod:`plenaria.cli.session_file`) and what the service stores."""

from __future__ import annotations

from typing import Any

from plenaria.domain import AgendaItem, SessionInfo
from plenaria.domain_acta import Member
from plenaria.errors import InputError

_FIELDS = {
    "id",
    "council",
    "date",
    "session_type",
    "place",
    "start_time",
    "president",
    "secretary",
    "agenda",
    "vocabulary",
    "members",
    "legal_members",
    "call",
}
CALLS = ("", "primera", "segunda")  # ROF 109.1.c
_ITEM_FIELDS = {"number", "title", "majority", "vote"}
_MEMBER_FIELDS = {"name", "group", "role"}


def session_from_mapping(data: Any, source: str = "session") -> SessionInfo:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(
            f"{source}: se esperaba un conjunto de campos.", f"Campos conocidos: {_known()}."
        )
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise InputError(
            f"{source}: campo(s) desconocido(s) {', '.join(unknown)}.",
            f"Campos conocidos: {_known()}.",
        )
    agenda_raw = data.get("agenda") or []
    if not isinstance(agenda_raw, list):
        raise InputError(
            f"{source}: 'agenda' tiene que ser una lista de puntos.", "Un título por línea."
        )
    agenda = [_agenda_item(item, n, source) for n, item in enumerate(agenda_raw, start=1)]
    vocabulary = data.get("vocabulary") or []
    if not isinstance(vocabulary, list):
        raise InputError(
            f"{source}: 'vocabulary' tiene que ser una lista de palabras.", "Una por línea."
        )
    call = str(data.get("call") or "").strip().lower()
    if call not in CALLS:
        raise InputError(
            f"{source}: 'call' vale {data.get('call')!r}.",
            "Escriba call: primera o call: segunda (la convocatoria de la sesión).",
        )
    structured = ("agenda", "vocabulary", "members", "legal_members", "call")
    plain = {k: str(v) for k, v in data.items() if k not in structured and v is not None}
    return SessionInfo.from_dict(
        {
            **plain,
            "agenda": [a.to_dict() for a in agenda],
            "vocabulary": [str(v) for v in vocabulary],
            "members": [m.to_dict() for m in _members(data.get("members"), source)],
            "legal_members": _legal_members(data.get("legal_members"), source),
            "call": call,
        }
    )


def _agenda_item(item: Any, n: int, source: str) -> AgendaItem:
    """One agenda item: a title, or a mapping with number, title, majority and vote."""
    if not isinstance(item, dict):
        return AgendaItem(n, str(item))
    unknown = sorted(set(item) - _ITEM_FIELDS)
    if unknown:
        raise InputError(
            f"{source}: el punto {n} del orden del día tiene campos desconocidos: "
            f"{', '.join(map(str, unknown))}.",
            f"Campos admitidos en un punto: {', '.join(sorted(_ITEM_FIELDS))}.",
        )
    number = item.get("number", n)
    if isinstance(number, bool) or not isinstance(number, int | str) or not _is_count(number):
        raise InputError(
            f"{source}: el número del punto {n} del orden del día no es válido ({number!r}).",
            "Escriba un número entero positivo, como number: 3.",
        )
    majority = item.get("majority") or ""
    if majority not in ("", "absolute", "simple"):
        raise InputError(
            f"{source}: la mayoría del punto {n} no es válida ({majority!r}).",
            "Escriba majority: absolute (mayoría absoluta) o quite el campo.",
        )
    vote = item.get("vote")
    if vote is not None and not isinstance(vote, bool):
        raise InputError(
            f"{source}: el campo vote del punto {n} debe ser true o false ({vote!r}).",
            "Escriba vote: false en los puntos que no se votan, o quite el campo.",
        )
    return AgendaItem(
        int(number), str(item.get("title", "")), "absolute" if majority == "absolute" else "", vote
    )


def _members(raw: Any, source: str) -> list[Member]:
    """The roster: a list of mappings with name, group and role."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise InputError(
            f"{source}: 'members' debe ser una lista de miembros.",
            "Un miembro por línea: - {name: ..., group: ..., role: concejal}.",
        )
    out: list[Member] = []
    for n, m in enumerate(raw, start=1):
        if not isinstance(m, dict):
            raise InputError(
                f"{source}: el miembro {n} de 'members' no es un conjunto de campos ({m!r}).",
                "Escríbalo como {name: ..., group: ..., role: ...}.",
            )
        unknown = sorted(set(m) - _MEMBER_FIELDS)
        if unknown:
            raise InputError(
                f"{source}: el miembro {n} tiene campos desconocidos: "
                f"{', '.join(map(str, unknown))}.",
                f"Campos admitidos en un miembro: {', '.join(sorted(_MEMBER_FIELDS))}.",
            )
        name = str(m.get("name") or "").strip()
        if not name:
            raise InputError(
                f"{source}: al miembro {n} de 'members' le falta el nombre.",
                "Añada name: con su nombre y apellidos.",
            )
        group = "" if m.get("group") is None else str(m["group"]).strip()
        role = str(m.get("role") or "concejal").strip().lower()
        out.append(Member(name, group, role))
    names = [m.name.casefold() for m in out]
    repeated = sorted({m.name for m in out if names.count(m.name.casefold()) > 1})
    if repeated:
        raise InputError(
            f"{source}: miembros repetidos en 'members': {', '.join(repeated)}.",
            "Deje a cada persona una sola vez.",
        )
    return out


def _legal_members(raw: Any, source: str) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | str) or not _is_count(raw):
        raise InputError(
            f"{source}: 'legal_members' debe ser un número entero positivo ({raw!r}).",
            "Escriba el número legal de miembros de la corporación, como legal_members: 17.",
        )
    return int(raw)


def _is_count(value: int | str) -> bool:
    try:
        return int(value) > 0
    except ValueError:
        return False


def _known() -> str:
    return ", ".join(sorted(_FIELDS))
