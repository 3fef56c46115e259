"""Times on the pages are the council's local time, not the database's UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from plenaria.api.i18n import format_datetime
from plenaria.config import Settings
from plenaria.errors import ConfigError


def test_a_utc_time_is_shown_in_the_councils_zone() -> None:
    winter = datetime(2026, 12, 4, 13, 40)  # naive: the database's UTC
    assert format_datetime(winter, "es") == "4 de diciembre de 2026, 14:40"
    summer = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)  # CEST is UTC+2: the next day
    assert format_datetime(summer, "ca") == "2 de juliol de 2026, 00:30"
    assert format_datetime(winter, "es", "Atlantic/Canary") == "4 de diciembre de 2026, 13:40"


def test_an_unknown_zone_is_refused_in_spanish() -> None:
    Settings(timezone="Atlantic/Canary").check_safe()
    with pytest.raises(ConfigError, match="PLENARIA_TIMEZONE vale 'Madrid'") as e:
        Settings(timezone="Madrid").check_safe()
    assert "Europe/Madrid" in e.value.hint


def test_a_bad_queue_route_is_refused_in_spanish() -> None:
    with pytest.raises(ConfigError, match="no es un par paso=cola"):
        Settings(queue_routes="render=gpu").check_safe()
