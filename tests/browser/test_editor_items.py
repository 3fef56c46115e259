"""Where an agenda item starts, said by the clerk in the editor when the recording did not
say it clearly: the item and the interventions after it follow, as a new version; the
acta keeps it through later corrections; "Como se oyó" takes it back. Keyboard only."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import Server, axe, latest, open_editor

pytestmark = pytest.mark.browser

AGENDA = [
    {"number": 1, "title": "Aprobación del acta anterior"},
    {"number": 2, "title": "Ruegos y preguntas"},
]


def test_a_clerk_says_where_an_item_starts(
    browser: Any, server: Server, processed: dict[str, Any]
) -> None:
    sid = processed["session_id"]
    with server.api("secretary") as c:
        r = c.patch(f"/api/v1/sessions/{sid}", json={"agenda": AGENDA})
        assert r.status_code == 200, r.text
    try:
        doc = latest(server, sid)["transcript"]
        assert len(doc["interventions"]) >= 2
        page = open_editor(browser, server, sid, "clerk")
        lines = page.locator(".iv .item-line")
        assert lines.count() == len(doc["interventions"])
        second = page.locator(".iv").nth(1)
        start = second.locator(".item-start")
        start.focus()
        page.keyboard.press("Enter")
        select = second.locator(".item-form select")
        select.wait_for()
        assert page.evaluate("() => document.activeElement.tagName") == "SELECT"
        label = select.evaluate("(el) => Array.from(el.labels).map((l) => l.textContent).join()")
        assert label == "Punto del orden del día que empieza aquí"
        assert axe(page) == []
        select.select_option("2")
        page.keyboard.press("Tab")  # to "Empieza aquí"
        assert page.evaluate("() => document.activeElement.textContent") == "Empieza aquí"
        page.keyboard.press("Enter")
        page.locator(".iv").nth(1).locator(".item-fixed").wait_for(timeout=20_000)
        saved = latest(server, sid)["transcript"]
        assert saved["acta"]["fixed_starts"] == {"2": doc["interventions"][1]["id"]}
        assert [i["agenda_item"] for i in saved["interventions"]][1:] == [2] * (
            len(saved["interventions"]) - 1
        )
        tags = [t.strip() for t in page.locator(".iv .item-tag").all_text_contents()]
        assert tags[1:] == ["Punto 2"] * (len(tags) - 1)

        page.locator(".iv").nth(1).locator(".item-start").click()
        page.locator(".iv").nth(1).locator(".item-form button", has_text="Como se oyó").click()
        page.wait_for_function("() => !document.querySelector('.iv .item-fixed')")
        assert latest(server, sid)["transcript"]["acta"]["fixed_starts"] == {}
        assert page.policy_violations == []
        page.context.close()
    finally:
        with server.api("secretary") as c:
            c.patch(f"/api/v1/sessions/{sid}", json={"agenda": []})
