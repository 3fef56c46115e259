"""Word runs between two versions of an intervention, and what a save changed."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import pytest
from transcripts import sample_transcript

from plenaria.assembly.edits import (
    changed_ids,
    checked,
    intervention_diffs,
    speaker_diffs,
    speaker_label,
    with_patch,
    with_texts,
)
from plenaria.assembly.interventions import with_ids
from plenaria.assembly.word_diff import WordOp, word_ops
from plenaria.domain import Speaker, Transcript
from plenaria.errors import InputError


def ops(before: str, after: str) -> list[tuple[str, str, str]]:
    return [(o.op, o.before, o.after) for o in word_ops(before.split(), after.split())]


def test_word_ops_name_each_run() -> None:
    assert ops("a b c d", "a b c d") == [("equal", "a b c d", "a b c d")]
    assert ops("a b c d", "a x c d") == [
        ("equal", "a", "a"),
        ("replace", "b", "x"),
        ("equal", "c d", "c d"),
    ]
    assert ops("a b c", "a b n c") == [
        ("equal", "a b", "a b"),
        ("insert", "", "n"),
        ("equal", "c", "c"),
    ]
    assert ops("a b c", "a c") == [("equal", "a", "a"), ("delete", "b", ""), ("equal", "c", "c")]
    assert ops("", "a b") == [("insert", "", "a b")]
    assert ops("a b", "") == [("delete", "a b", "")]
    assert ops("", "") == []


def test_word_ops_spell_both_sides() -> None:
    before = "el pleno aprueba la menina por unanimidad y se levanta la sesión"
    after = "el pleno aprueba la medida por mayoría absoluta y se levanta"
    got = word_ops(before.split(), after.split())
    assert " ".join(o.before for o in got if o.before) == before
    assert " ".join(o.after for o in got if o.after) == after
    assert WordOp("replace", "menina", "medida") in got
    assert all(a.op != "equal" or b.op != "equal" for a, b in pairwise(got))


def _sample() -> Transcript:
    t = sample_transcript()
    return replace(t, interventions=with_ids(t.interventions))


def test_what_a_save_changed_by_intervention_and_speaker() -> None:
    before = _sample()
    first = before.interventions[0]
    words = (replace(first.words[0], text="Corregido"), *first.words[1:])
    moved = replace(before.interventions[1], speaker=before.speakers[2].id)
    after = replace(
        before,
        interventions=(replace(first, words=words), moved, *before.interventions[2:]),
        speakers=(
            before.speakers[0],
            replace(before.speakers[1], name="Jordi Vidal"),
            *before.speakers[2:],
        ),
    )
    assert changed_ids(before, after) == (first.id, moved.id)
    assert changed_ids(None, after) == tuple(i.id for i in after.interventions)
    assert changed_ids(after, after) == ()
    diffs = intervention_diffs(before, after)
    assert [d.id for d in diffs] == [first.id, moved.id]
    assert diffs[0].ops[0] == WordOp("replace", first.words[0].text, "Corregido")
    assert diffs[1].ops == (WordOp("equal", moved.text, moved.text),)
    assert diffs[1].speaker_after == "Interviniente 3"
    assert [d.to_dict() for d in speaker_diffs(before, after)] == [
        {"id": before.speakers[1].id, "before": "Interviniente 2", "after": "Jordi Vidal"}
    ]


def test_a_speaker_is_never_shown_by_a_bare_id() -> None:
    assert speaker_label(Speaker("SPEAKER_04")) == "Interviniente 5"
    assert speaker_label(Speaker("voz", name="Ana")) == "Ana"
    assert speaker_label(Speaker("voz")) == "Interviniente sin nombre"
    assert speaker_label(None) is None


def test_a_patch_puts_changes_in_by_id_and_realigns_edited_text() -> None:
    parent = _sample()
    first, second = parent.interventions[:2]
    words = [w.text for w in first.words]
    text = " ".join([*words[:1], "nueva", *words[1:]])
    patched, realigned = with_patch(parent, [(first, text), (second, None)])
    assert realigned == (first.id,)
    new = patched.interventions[0]
    assert [w.text for w in new.words] == text.split()
    assert new.words[0] == first.words[0] and new.words[2:] == first.words[1:]
    assert first.words[0].end <= new.words[1].start <= new.words[1].end <= first.words[1].start
    assert new.words[1].id not in {w.id for i in parent.interventions for w in i.words}
    assert patched.interventions[1:] == parent.interventions[1:]
    assert parent.interventions[0] == first  # the parent is untouched
    # merged: the second left out of the order
    merged = replace(first, words=first.words + second.words)
    order = [i.id for i in parent.interventions if i.id != second.id]
    patched, _ = with_patch(parent, [(merged, None)], order=order)
    assert [i.id for i in patched.interventions] == order
    with pytest.raises(InputError, match="'nuevo' está en 'order'"):
        with_patch(parent, [], order=["nuevo", *order])
    with pytest.raises(InputError, match="NOBODY"):
        with_patch(parent, [(replace(first, speaker="NOBODY"), None)])
    with pytest.raises(InputError, match="'i9999'"):
        with_patch(parent, [(replace(first, id="i9999"), None)])


def test_with_texts_realigns_only_what_was_retyped() -> None:
    parent = _sample()
    texts: list[str | None] = [None] * len(parent.interventions)
    texts[1] = parent.interventions[1].text  # the same words: not edited
    texts[2] = "todo otro texto"
    got, realigned = with_texts(checked(parent), texts)
    assert realigned == (parent.interventions[2].id,)
    assert got.interventions[2].text == "todo otro texto"
    assert got.interventions[:2] == parent.interventions[:2]
    twice = replace(parent, interventions=(parent.interventions[0],) * 2)
    with pytest.raises(InputError, match="mismo id"):
        checked(twice)
