"""Two clerks edit one session at once: nothing either writes is lost or dropped unseen.

Changes to different words merge by themselves; the same word changed by both is shown
to the second, side by side with who made each, and the clerk picks; the other one stays
in the history. The first browser shows the second's save without a reload (the
transcript's event stream) and who else has the session open.
"""

from __future__ import annotations

from typing import Any

import pytest

from conftest import SHOTS, Server, latest, open_editor, wait_saved

pytestmark = pytest.mark.browser


def type_over(page: Any, iv: int, word: int, text: str) -> None:
    """Double-click word ``word`` of intervention ``iv``, type ``text``, Enter."""
    page.locator(".iv").nth(iv).locator(".w").nth(word).dblclick()
    page.wait_for_selector("input.word-edit")
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def words(server: Server, sid: str, iv: int) -> list[str]:
    return [w["text"] for w in latest(server, sid)["transcript"]["interventions"][iv]["words"]]


def test_two_clerks_edit_the_same_word_and_nothing_is_lost(
    browser: Any, server: Server, processed: dict[str, Any]
) -> None:
    sid = processed["session_id"]
    doc = latest(server, sid)["transcript"]
    n = next(k for k, iv in enumerate(doc["interventions"]) if len(iv["words"]) >= 6)
    other = next((k for k in range(len(doc["interventions"])) if k != n), None)
    a = open_editor(browser, server, sid, "clerk")
    b = open_editor(browser, server, sid, "clerk2")
    # each sees the other
    a.wait_for_selector('#presence[data-count="1"]', timeout=15_000)
    b.wait_for_selector('#presence[data-count="1"]', timeout=15_000)

    # B edits while its connection is down: word 1 (also A's) and word 3 (only B's)
    b.context.set_offline(True)
    type_over(b, n, 1, "medicina")
    type_over(b, n, 3, "beta")
    if other is not None:
        type_over(b, other, 0, "gamma")
    # A saves word 1 differently, and its last word
    type_over(a, n, 1, "medida")
    last = len(doc["interventions"][n]["words"]) - 1
    type_over(a, n, last, "alfa")
    first = wait_saved(a)
    assert words(server, sid, n)[1] == "medida"

    # B is back: the same word is shown side by side, with who made each change
    b.context.set_offline(False)
    b.wait_for_selector("#conflict:not([hidden])", timeout=20_000)
    choices = b.locator("#conflict-list li")
    assert choices.count() == 1
    theirs = choices.locator(".side-theirs").text_content() or ""
    mine = choices.locator(".side-mine").text_content() or ""
    assert "medida" in theirs and server.emails["clerk"] in theirs
    assert "medicina" in mine
    told = b.locator("#conflict-text").text_content() or ""
    assert server.emails["clerk"] in told and str(first) in told
    assert b.locator("#conflict-apply").is_disabled()  # nothing is saved before a choice
    shown = b.locator(".iv").nth(n).text_content() or ""
    assert "alfa" in shown and "beta" in shown  # what does not overlap is merged already
    b.screenshot(path=str(SHOTS / "conflict-side-by-side.png"), full_page=False)
    b.locator("#conflict").screenshot(path=str(SHOTS / "conflict-panel.png"))
    b.locator("#conflict-list .side-mine input").check()
    b.click("#conflict-apply")
    second = wait_saved(b)
    assert second > first

    # B's word won; every other change of both is kept
    kept = words(server, sid, n)
    assert kept[1] == "medicina" and kept[3] == "beta" and kept[last] == "alfa"
    if other is not None:
        assert words(server, sid, other)[0] == "gamma"
    # A's "medida" is in the history: its version's changes, in B's side panel
    item = b.locator(f'#history li[data-number="{first}"]')
    item.get_by_role("button", name="Cambios").click()
    assert "medida" in (item.locator(".diff").text_content() or "")

    # A sees B's save without a reload
    a.wait_for_function(
        "(n) => document.querySelectorAll('.iv')[n].textContent.includes('medicina')",
        arg=n,
        timeout=20_000,
    )
    assert a.evaluate("() => window.plenariaEditor.state().parent") == second
    assert a.locator("#undo").is_disabled()  # undoing A's edits now would undo B's
    a.screenshot(path=str(SHOTS / "conflict-live-update.png"), full_page=False)
    a.context.close()
    b.context.close()
