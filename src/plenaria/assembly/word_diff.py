"""What changed between two word lists, as runs a reader can follow.

:func:`word_ops` turns two token lists into operations ``equal``, ``insert``,
``delete`` and ``replace``, each with the words before and after (joined by
spaces), using the same matching as :func:`plenaria.assembly.realign.realign`,
so the history shows a correction the way the editor's re-alignment saw it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from plenaria.assembly.realign import matching_blocks

OpName = Literal["equal", "insert", "delete", "replace"]


@dataclass(frozen=True, slots=True)
class WordOp:
    op: OpName
    before: str
    after: str

    def to_dict(self) -> dict[str, str]:
        return {"op": self.op, "before": self.before, "after": self.after}


def word_ops(before: Sequence[str], after: Sequence[str]) -> tuple[WordOp, ...]:
    """The runs that turn ``before`` into ``after``; their ``before`` texts spell ``before``."""
    out: list[WordOp] = []
    i = j = 0
    for a, b, size in [*matching_blocks(before, after), (len(before), len(after), 0)]:
        gone, new = " ".join(before[i:a]), " ".join(after[j:b])
        if gone and new:
            out.append(WordOp("replace", gone, new))
        elif gone:
            out.append(WordOp("delete", gone, ""))
        elif new:
            out.append(WordOp("insert", "", new))
        if size:
            same = " ".join(before[a : a + size])
            if out and out[-1].op == "equal":  # adjacent runs read as one
                prev = out.pop()
                same = f"{prev.before} {same}"
            out.append(WordOp("equal", same, same))
        i, j = a + size, b + size
    return tuple(out)
