"""Redaction from the editor: a secretary selects two words (mouse or keyboard) and censors
them with a reason; they are marked, listed, and gone from the published session's public
JSON; "Quitar" brings them back. A clerk sees the marks and the list but cannot redact."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from conftest import SHOTS, Server, axe, latest, open_editor

pytestmark = pytest.mark.browser

REASON = "Datos personales de un vecino"


def public_words(server: Server, public_url: str) -> list[dict[str, Any]]:
    with httpx.Client(base_url=server.url, timeout=30) as c:  # no login
        r = c.get(public_url + "/transcript.json")
        assert r.status_code == 200, r.text
        return [w for iv in r.json()["interventions"] for w in iv["words"]]


def inside(w: dict[str, Any], start: float, end: float) -> bool:
    return bool(w["start"] < end and w["end"] > start)


def pick(doc: dict[str, Any]) -> tuple[int, int]:
    """An intervention and a word in it such that it and the next one have durations."""
    for k, iv in enumerate(doc["interventions"]):
        ws = iv["words"]
        for n in range(1, len(ws) - 2):
            if ws[n]["end"] > ws[n]["start"] and ws[n + 1]["end"] > ws[n + 1]["start"]:
                return k, n
    raise AssertionError("no two timed words in a row")


def test_a_secretary_redacts_two_words_and_takes_it_back(
    browser: Any, server: Server, processed: dict[str, Any]
) -> None:
    sid = processed["session_id"]
    with server.api("secretary") as c:
        r = c.post(f"/api/v1/sessions/{sid}/publish")
        assert r.status_code == 200, r.text
        public_url = str(r.json()["public_url"])
    try:
        doc = latest(server, sid)["transcript"]
        k, n = pick(doc)
        first, second = doc["interventions"][k]["words"][n : n + 2]
        start, end = first["start"], second["end"]
        assert any(inside(w, start, end) for w in public_words(server, public_url))

        page = open_editor(browser, server, sid, "secretary")
        assert page.locator("#redactions li").all_text_contents() == ["Ninguna parte censurada."]
        # nothing selected: the button says what to do
        page.locator("#act-redact").focus()
        page.keyboard.press("Enter")
        assert "Seleccione antes" in (page.locator("#redact-status").text_content() or "")
        assert page.locator("#redact-form").is_hidden()

        words = page.locator(".iv").nth(k).locator(".w")
        # a selection made with the mouse is the one the button takes; Escape closes the form
        a, b = words.nth(n).bounding_box(), words.nth(n + 1).bounding_box()
        page.mouse.move(a["x"] + 1, a["y"] + a["height"] / 2)
        page.mouse.down()
        page.mouse.move(b["x"] + b["width"] - 1, b["y"] + b["height"] / 2, steps=5)
        page.mouse.up()
        page.locator("#act-redact").click()
        shown = page.locator("#redact-chosen").text_content() or ""
        assert f"«{first['text'].strip()} {second['text'].strip()}»" in shown
        page.keyboard.press("Escape")
        assert page.locator("#redact-form").is_hidden()
        assert page.evaluate("() => document.activeElement.id") == "act-redact"

        words.nth(n).click()
        page.keyboard.press("Shift+ArrowRight")
        assert page.evaluate("() => window.getSelection().toString()").split() == [
            (first["text"]).strip(),
            (second["text"]).strip(),
        ]
        page.locator("#act-redact").focus()
        page.keyboard.press("Enter")
        reason = page.locator("#redact-reason")
        reason.wait_for()
        assert page.evaluate("() => document.activeElement.id") == "redact-reason"
        label = reason.evaluate("(el) => Array.from(el.labels).map((l) => l.textContent).join()")
        assert label == "Motivo de la censura (obligatorio)"
        chosen = page.locator("#redact-chosen").text_content() or ""
        assert chosen.startswith("Se censurará de ") and first["text"].strip() in chosen
        page.keyboard.press("Enter")  # no reason: refused, nothing saved
        assert page.locator("#redact-status").text_content() == "Escriba el motivo de la censura."
        with server.api("secretary") as c:
            assert c.get(f"/api/v1/sessions/{sid}/redactions").json() == []
        page.keyboard.type(REASON)
        page.keyboard.press("Enter")
        page.wait_for_function(
            "() => document.querySelectorAll('.w.redacted').length === 2", timeout=120_000
        )
        marked = page.locator(".iv").nth(k).locator(".w.redacted")
        assert [int(x) for x in marked.evaluate_all("(els) => els.map((e) => e.dataset.n)")] == [
            n,
            n + 1,
        ]
        assert marked.first.get_attribute("title") == f"censurado: {REASON}"
        mark = page.locator(".iv").nth(k).locator(".redact-mark")
        assert mark.count() == 1 and mark.text_content() == f"censurado: {REASON}"
        assert page.locator(".redact-end").count() == 1
        assert page.evaluate("() => document.activeElement.id") == "act-redact"
        items = page.locator("#redactions li")
        assert items.count() == 1 and REASON in (items.first.text_content() or "")

        with server.api("clerk") as c:  # every role reads them
            listed = c.get(f"/api/v1/sessions/{sid}/redactions").json()
        assert len(listed) == 1 and listed[0]["reason"] == REASON
        assert listed[0]["start"] == pytest.approx(start) and listed[0]["end"] == pytest.approx(end)
        assert not any(inside(w, start, end) for w in public_words(server, public_url))
        page.screenshot(path=str(SHOTS / "editor-redaction.png"), full_page=True)
        assert axe(page) == []

        # a clerk sees the marks and the list, and no way to redact or take it back
        clerk = open_editor(browser, server, sid, "clerk")
        assert clerk.locator("#act-redact").count() == 0
        assert clerk.locator("#redact-form").count() == 0
        assert clerk.locator(".w.redacted").count() == 2
        assert clerk.locator("#redactions li").count() == 1
        assert clerk.locator(".redaction-remove").count() == 0
        assert clerk.policy_violations == []
        clerk.context.close()

        remove = items.first.locator("button")
        assert remove.text_content() == "Quitar"
        remove.focus()
        page.keyboard.press("Enter")
        page.wait_for_function(
            "() => !document.querySelector('.w.redacted, .redact-mark')", timeout=120_000
        )
        assert page.locator("#redactions li").all_text_contents() == ["Ninguna parte censurada."]
        with server.api("secretary") as c:
            assert c.get(f"/api/v1/sessions/{sid}/redactions").json() == []
        assert any(inside(w, start, end) for w in public_words(server, public_url))
        assert page.policy_violations == []
        page.context.close()
    finally:
        with server.api("secretary") as c:
            for row in c.get(f"/api/v1/sessions/{sid}/redactions").json():
                c.delete(f"/api/v1/sessions/{sid}/redactions/{row['id']}")
            c.delete(f"/api/v1/sessions/{sid}/publish")
