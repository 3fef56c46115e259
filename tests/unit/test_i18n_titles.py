"""A session's title in the page's language, and a missing catalogue key that shows."""

from __future__ import annotations

from datetime import date

from plenaria.api import i18n


def test_a_session_is_titled_by_its_type_and_date() -> None:
    day = date(2026, 11, 24)
    assert (
        i18n.session_title("ordinaria", day, "es") == "Sesión ordinaria del 24 de noviembre de 2026"
    )
    assert (
        i18n.session_title("ordinaria", day, "ca") == "Sessió ordinària del 24 de novembre de 2026"
    )
    # Catalan elides before a vowel sound: "de l'1", "d'abril", "d'octubre".
    first = date(2026, 4, 1)
    assert i18n.session_title("extraordinaria urgente", first, "ca") == (
        "Sessió extraordinària urgent de l'1 d'abril de 2026"
    )
    assert i18n.session_title("extraordinaria", date(2026, 10, 11), "ca") == (
        "Sessió extraordinària de l'11 d'octubre de 2026"
    )


def test_a_missing_key_shows_as_itself_not_as_a_blank() -> None:
    t = i18n.strings("ca")
    assert t["nav_sessions"] == "Sessions"
    assert t["no_such_key"] == "no_such_key"
    assert t.get("error_418", t["error_title"]) == t["error_title"]
