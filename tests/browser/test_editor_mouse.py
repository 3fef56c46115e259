"""Editing with the mouse: type over a word in place, the buttons beside the keys,
replace keeping the case, and a restore that asks first."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import Server, latest, open_editor, wait_saved

pytestmark = pytest.mark.browser


def items(server: Server, sid: str) -> list[dict[str, Any]]:
    return list(latest(server, sid)["transcript"]["interventions"])


def test_type_over_a_word_and_split_merge_assign_by_buttons(
    browser: Any, server: Server, processed: dict[str, Any]
) -> None:
    sid = processed["session_id"]
    n = next(k for k, iv in enumerate(items(server, sid)) if len(iv["words"]) >= 4)
    page = open_editor(browser, server, sid)
    before = items(server, sid)[n]["words"]
    words = page.locator(".iv").nth(n).locator(".w")

    # while typing over a word, Ctrl+. skips 3 s and Ctrl+, rewinds; Escape cancels
    page.wait_for_function("() => document.getElementById('video').readyState >= 1")
    words.nth(2).dblclick()
    page.wait_for_selector("input.word-edit")
    t0 = page.evaluate("() => document.getElementById('video').currentTime")
    page.keyboard.press("Control+.")
    page.wait_for_function(f"() => document.getElementById('video').currentTime > {t0} + 2")
    page.keyboard.press("Control+,")
    page.wait_for_function(f"() => document.getElementById('video').currentTime < {t0} + 1")
    page.keyboard.type("nada")
    page.keyboard.press("Escape")
    assert page.locator("input.word-edit").count() == 0
    assert words.nth(2).text_content() == before[2]["text"].strip()
    assert page.evaluate("() => window.plenariaEditor.state().dirty") == 0

    # double-click, type, Enter: the word is replaced; its untouched neighbours keep their times
    words.nth(1).dblclick()
    page.keyboard.type("sustituida")
    page.keyboard.press("Enter")
    wait_saved(page)
    after = items(server, sid)[n]["words"]
    assert [w["text"] for w in after] == [
        before[0]["text"],
        "sustituida",
        *(w["text"] for w in before[2:]),
    ]
    for k in (0, 2):
        assert (after[k]["start"], after[k]["end"]) == (before[k]["start"], before[k]["end"])

    # the speed control goes from 0.5x to 2x and keeps the pitch
    page.select_option("#rate", "0.5")
    rate = page.evaluate(
        "() => { const v = document.getElementById('video'); "
        "return [v.playbackRate, v.preservesPitch]; }"
    )
    assert rate == [0.5, True]

    # split, merge and assign by buttons alone
    count = page.locator(".iv").count()
    page.locator(".iv").nth(n).locator(".w").nth(2).click()
    page.click("#act-split")
    assert page.locator(".iv").count() == count + 1
    wait_saved(page)
    assert len(items(server, sid)) == count + 1
    page.locator(".iv").nth(n).locator(".w").first.click()
    page.click("#act-merge")
    assert page.locator(".iv").count() == count
    wait_saved(page)
    merged = items(server, sid)
    assert len(merged) == count and merged[n]["words"] == after
    page.locator(".iv").nth(n).locator(".w").first.click()
    page.click("#act-assign")
    page.select_option("#assign-select", label="Persona de la corporación: María Pérez")
    page.click("#assign-ok")
    wait_saved(page)
    assert page.locator(".iv").nth(n).locator(".who").text_content() == "María Pérez"
    doc = latest(server, sid)["transcript"]
    speaker = next(s for s in doc["speakers"] if s["id"] == doc["interventions"][n]["speaker"])
    assert speaker["name"] == "María Pérez" and speaker["person_id"]
    page.context.close()


def test_replace_keeps_case_and_restore_asks_first(
    browser: Any, server: Server, processed: dict[str, Any]
) -> None:
    sid = processed["session_id"]
    page = open_editor(browser, server, sid)
    page.locator(".iv").last.locator(".w").first.dblclick()
    page.keyboard.type("Menina menina MENINA")
    page.keyboard.press("Enter")
    wait_saved(page)
    page.fill("#find", "menina")
    page.fill("#replace", "medida")
    page.click("#replace-all")
    number = wait_saved(page)
    text = " ".join(w["text"] for w in items(server, sid)[-1]["words"])
    assert "Medida medida MEDIDA" in text and "enina" not in text

    # "Restaurar" asks; "Cancelar" restores nothing, "Restaurar" does
    page.wait_for_selector("#history li button.restore")
    page.locator("#history li button.restore").first.click()
    dialog = page.locator("#restore-dialog")
    assert dialog.is_visible()
    assert "¿Restaurar la versión" in (dialog.text_content() or "")
    page.click("#restore-no")
    assert not dialog.is_visible()
    assert latest(server, sid)["number"] == number
    page.locator("#history li button.restore").first.click()
    page.click("#restore-yes")
    page.wait_for_function(f"() => window.plenariaEditor.state().parent > {number}")
    assert latest(server, sid)["number"] == number + 1
    page.context.close()
