"""A transcript version stored as its changes against its parent (pure functions on JSON).

A delta names, against the parent's content:

- ``interventions``: the interventions added or changed, by id, whole;
- ``removed``: the ids of the interventions gone;
- ``order``: the new order of the interventions' ids, only when it is not the
  parent's order less the removed ones;
- ``set``: every other top-level key whose value changed or is new (speakers,
  acta, session, warnings ...), whole; ``unset``: the top-level keys gone;
- ``keys``: the top-level keys' order, only when it changed.

``apply(before, delta(before, after)) == after``, key order included. Content
whose interventions are not a list of objects with distinct ids has no delta
(``None``): it is stored whole. Contents are never mutated: an applied content
shares the unchanged interventions with its parent.
"""

from __future__ import annotations

from typing import Any

INTERVENTIONS = "interventions"


def _by_id(content: dict[str, Any]) -> dict[str, dict[str, Any]] | None:
    """The interventions by id, or None when they cannot be named by id."""
    items = content.get(INTERVENTIONS)
    if not isinstance(items, list):
        return None
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        key = item.get("id") if isinstance(item, dict) else None
        if not isinstance(key, str) or key in out:
            return None
        out[key] = item
    return out


def delta(before: Any, after: Any) -> dict[str, Any] | None:
    """The changes from ``before`` to ``after``; None when they must be stored whole."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return None
    old, new = _by_id(before), _by_id(after)
    if old is None or new is None:
        return None
    out: dict[str, Any] = {}
    changed = {k: v for k, v in new.items() if old.get(k) is not v and old.get(k) != v}
    removed = [k for k in old if k not in new]
    if changed:
        out["interventions"] = changed
    if removed:
        out["removed"] = removed
    gone = set(removed)
    kept = [k for k in old if k not in gone]
    if list(new) != kept:
        out["order"] = list(new)
    others = {k: v for k, v in after.items() if k != INTERVENTIONS}
    set_ = {k: v for k, v in others.items() if k not in before or before[k] != v}
    unset = [k for k in before if k not in after]
    if set_:
        out["set"] = set_
    if unset:
        out["unset"] = unset
    if list(after) != _keys(before, set_, unset):
        out["keys"] = list(after)
    return out


def _keys(before: dict[str, Any], set_: dict[str, Any], unset: list[str]) -> list[str]:
    gone = set(unset)
    keys = [k for k in before if k not in gone]
    return keys + [k for k in set_ if k not in before]


def apply(before: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``before`` with ``changes`` (a :func:`delta`) applied: a new dict."""
    set_: dict[str, Any] = changes.get("set", {})
    unset: list[str] = changes.get("unset", [])
    keys = changes.get("keys") or _keys(before, set_, unset)
    old = _by_id(before) or {}
    new: dict[str, dict[str, Any]] = changes.get("interventions", {})
    gone = set(changes.get("removed", []))
    order = changes.get("order") or [k for k in old if k not in gone]
    out: dict[str, Any] = {}
    for key in keys:
        if key == INTERVENTIONS:
            out[key] = [new[k] if k in new else old[k] for k in order]
        else:
            out[key] = set_[key] if key in set_ else before[key]
    return out
