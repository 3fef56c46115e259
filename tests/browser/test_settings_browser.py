"""The settings pages in Chromium: each one as the admin (and the secretary), axe-core
with no serious or critical violation, a screenshot each (/tmp/web-shots/settings-*.png),
and the forms used as a person uses them. No recording is processed: a session is made
through the API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conftest import PASSWORD, SHOTS, Server, axe, login

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def admin(server: Server) -> Iterator[str]:
    """An admin of the test council (the shared server has none)."""
    from plenaria.db import accounts
    from plenaria.db.engine import Database
    from plenaria.db.models import Council

    email = "admin@villaejemplo.example.org"
    if "admin" not in server.emails:
        database = Database.from_settings(server.settings())
        with database.transaction() as s:
            council = s.get(Council, server.council_id)
            assert council is not None
            accounts.create_user(s, council, email, PASSWORD, "admin")
        database.dispose()
        server.emails["admin"] = email
    yield email


@pytest.fixture(scope="module")
def plenary(server: Server) -> str:
    with server.api("secretary") as c:
        r = c.post("/api/v1/sessions", json={"slug": "2026-12-01-ordinaria", "date": "2026-12-01"})
        assert r.status_code == 201, r.text
        return str(r.json()["id"])


def shoot(page: Any, name: str, found: dict[str, Any]) -> None:
    found[name] = axe(page)
    page.screenshot(path=str(SHOTS / f"settings-{name}.png"), full_page=True)


def test_settings_pages_pass_axe_and_are_photographed(
    browser: Any, server: Server, admin: str, plenary: str
) -> None:
    found: dict[str, Any] = {}
    page = login(browser, server, "admin")
    assert page.locator("nav a[href='/settings']").count() == 1
    for path, name in (
        ("/settings", "index"),
        ("/settings/council", "council"),
        ("/settings/roster", "roster"),
        ("/settings/users", "users"),
        ("/settings/tokens", "tokens"),
        (f"/sessions/{plenary}", "session"),
        (f"/sessions/{plenary}/delete", "delete"),
    ):
        page.goto(path)
        shoot(page, name, found)
    # The forms, used with the mouse and the keys: a member, a refused value, a token.
    page.goto("/settings/roster")
    page.fill("#p-name", "Núria Vila")
    page.fill("#p-group", "ERC")
    page.click("form[aria-labelledby=add-person] button[type=submit]")
    page.wait_for_selector("#form-notice")
    assert page.locator("#roster td:first-child", has_text="Núria Vila").count() == 1
    page.goto("/settings/council")
    page.fill("#video_url_template", "https://sede.example.es/{sesion}")
    page.click("#council-form button[type=submit]")
    error = page.locator("#form-error").inner_text()
    assert "plantilla del enlace al vídeo no es válida" in error
    shoot(page, "council-error", found)
    page.goto("/settings/tokens")
    page.fill("#k-name", "Sede electrónica")
    page.click("form[aria-labelledby=add-token] button[type=submit]")
    assert page.locator("#new-token").input_value().startswith("pln_")
    shoot(page, "token-created", found)
    page.goto("/settings/council?lang=ca")
    assert page.locator("h1").inner_text() == "Dades de l'ajuntament"
    shoot(page, "council-ca", found)
    page.goto(f"/sessions/{plenary}/delete?lang=es")
    page.click("#delete-form button[type=submit]")  # not confirmed: the browser asks
    assert page.url.endswith("/delete?lang=es")
    page.check("#confirm")
    page.click("#delete-form button[type=submit]")
    assert "se han borrado" in page.locator("#deleted").inner_text()
    assert page.policy_violations == []
    # The secretary has no users page: the 403 page, in Spanish, keeps the navigation.
    secretary = login(browser, server, "secretary")
    secretary.goto("/settings/users")
    assert secretary.locator("h1").inner_text() == "Acceso denegado"
    assert secretary.locator("nav a[href='/settings']").count() == 1
    shoot(secretary, "403", found)
    assert {name: v for name, v in found.items() if v} == {}
