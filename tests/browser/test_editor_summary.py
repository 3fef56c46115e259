"""Each intervention's summary in the editor (ROF 109.1.g): shown under its words, which stay;
edited from the keyboard and saved as a version; Escape cancels; back to the automatic one;
labels in Spanish and Catalan; nothing the accessibility check calls serious."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import SHOTS, Server, axe, latest, login, open_editor, wait_saved

pytestmark = pytest.mark.browser

MINE = "La alcaldesa abre la sesión y comprueba el quórum."


def test_a_clerk_edits_a_summary_with_the_keyboard(
    browser: Any, server: Server, processed: dict[str, Any]
) -> None:
    sid = processed["session_id"]
    before = latest(server, sid)
    doc = before["transcript"]
    page = open_editor(browser, server, sid, "clerk")
    # every intervention shows its words and, under them, its summary
    assert page.locator(".iv .summary").count() == len(doc["interventions"])
    first = page.locator(".iv").nth(0)
    body = first.locator(".summary-body").text_content() or ""
    assert doc["interventions"][0]["summary"] and body == doc["interventions"][0]["summary"]
    assert first.locator(".w").count() == len(doc["interventions"][0]["words"])
    assert "automático" in (first.locator(".summary-how").text_content() or "")

    # a word typed over and not saved yet is saved before the summary
    first.locator(".w").nth(0).dblclick()
    page.wait_for_selector("input.word-edit")
    page.keyboard.type("Buenísimas")
    page.keyboard.press("Enter")

    # the edit button from the keyboard: a box takes the focus, named for who speaks
    button = first.locator(".summary-edit")
    assert (button.get_attribute("aria-label") or "").startswith("Editar el resumen de la")
    button.focus()
    page.keyboard.press("Enter")
    box = first.locator("textarea.summary-input")
    box.wait_for()
    assert page.evaluate("() => document.activeElement.classList.contains('summary-input')")
    # the word's autosave lands while the box is open: the box and its focus stay
    page.wait_for_function("() => window.plenariaEditor.state().dirty === 0", timeout=20_000)
    assert page.evaluate("() => document.activeElement.classList.contains('summary-input')")
    named = box.evaluate("(el) => Array.from(el.labels).map((l) => l.textContent).join()")
    assert named.startswith("Resumen de la intervención de")
    assert axe(page) == []
    page.keyboard.press("Control+A")
    page.keyboard.type(MINE)
    page.keyboard.press("Enter")
    page.wait_for_selector(".iv:first-child .summary.edited")
    number = wait_saved(page)
    assert number > before["number"]
    assert (first.locator(".summary-body").text_content() or "") == MINE
    assert "escrito en el editor" in (first.locator(".summary-how").text_content() or "")
    assert page.evaluate("() => document.activeElement.classList.contains('summary-edit')")
    saved = latest(server, sid)
    item = saved["transcript"]["interventions"][0]
    assert item["summary"] == MINE and item["summary_edited"] is True
    assert item["words"][0]["text"] == "Buenísimas"  # the word edit went first, not lost
    assert saved["number"] == number
    page.screenshot(path=str(SHOTS / "editor-summary.png"), full_page=False)

    # Escape cancels: nothing saved, the focus back on the button
    button.focus()
    page.keyboard.press("Enter")
    box.wait_for()
    page.keyboard.type(" Y algo más.")
    page.keyboard.press("Escape")
    assert first.locator("textarea.summary-input").count() == 0
    assert (first.locator(".summary-body").text_content() or "") == MINE
    assert page.evaluate("() => document.activeElement.classList.contains('summary-edit')")
    assert latest(server, sid)["number"] == number

    # back to the automatic summary, made from the words
    button.focus()
    page.keyboard.press("Enter")
    first.locator(".summary-reset").click()
    page.wait_for_selector(".iv:first-child .summary:not(.edited)")
    after = latest(server, sid)["transcript"]["interventions"][0]
    assert after["summary_edited"] is False and after["summary"].startswith("Buenísimas")
    assert (first.locator(".summary-body").text_content() or "") == after["summary"]
    assert page.policy_violations == []
    page.context.close()


def test_the_summary_speaks_catalan(
    browser: Any, server: Server, processed: dict[str, Any]
) -> None:
    page = login(browser, server, "clerk", lang="ca")
    page.goto(f"/sessions/{processed['session_id']}/editor")
    page.wait_for_selector('#editor[data-ready="1"]', timeout=30_000)
    first = page.locator(".iv").nth(0)
    assert (first.locator(".summary-h").text_content() or "") == "Resum"
    assert (first.locator(".summary-edit").text_content() or "") == "Edita el resum"
    first.locator(".summary-edit").click()
    label = page.locator(".summary-form label").text_content() or ""
    assert label.startswith("Resum de la intervenció de")
    assert (page.locator(".summary-form button[type=submit]").text_content() or "") == (
        "Desa el resum"
    )
    page.context.close()


def test_unsaved_words_are_saved_first_or_the_summary_waits(
    browser: Any, server: Server, processed: dict[str, Any]
) -> None:
    sid = processed["session_id"]
    number = latest(server, sid)["number"]
    page = open_editor(browser, server, sid, "clerk")
    first = page.locator(".iv").nth(0)
    # offline: the word typed over cannot be saved, so neither can the summary
    page.context.set_offline(True)
    first.locator(".w").nth(1).dblclick()
    page.wait_for_selector("input.word-edit")
    page.keyboard.type("tardísimas")
    page.keyboard.press("Enter")
    first.locator(".summary-edit").click()
    first.locator("textarea.summary-input").fill("Saludo y apertura de la sesión.")
    page.keyboard.press("Enter")
    status = first.locator(".summary-status")
    page.wait_for_function(
        "() => (document.querySelector('.summary-status') || {}).textContent"
        "?.startsWith('Antes de guardar el resumen')",
        timeout=20_000,
    )
    assert "guardar los cambios del texto" in (status.text_content() or "")
    assert latest(server, sid)["number"] == number
    # back online, Enter again: the words are saved, then the summary on top of them
    page.context.set_offline(False)
    first.locator("textarea.summary-input").press("Enter")
    page.wait_for_selector(".iv:first-child .summary.edited", timeout=20_000)
    saved = latest(server, sid)
    item = saved["transcript"]["interventions"][0]
    assert item["words"][1]["text"] == "tardísimas"
    assert item["summary"] == "Saludo y apertura de la sesión." and item["summary_edited"]
    assert saved["number"] == int(page.evaluate("() => window.plenariaEditor.state().parent"))
    page.context.close()
