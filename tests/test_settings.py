"""Settings: read from the environment, each one documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.settings import Settings

DOC = Path(__file__).parent.parent / "docs" / "settings.md"


def test_every_setting_is_documented_with_its_help() -> None:
    doc = DOC.read_text()
    for variable, _default, help_text in Settings.describe():
        assert f"| `{variable}` |" in doc, variable
        assert help_text in doc, variable


def test_settings_come_from_the_environment_and_overrides_win() -> None:
    settings = Settings.from_env({"LAB_PORT": "9000", "LAB_HTTPS": "true", "LAB_DB_PATH": "x.db"}, port=9100)
    assert (settings.port, settings.https, settings.db_path) == (9100, True, Path("x.db"))


@pytest.mark.parametrize(("variable", "value"), [("LAB_PORT", "eighty"), ("LAB_HTTPS", "maybe")])
def test_a_bad_value_stops_with_a_clear_message(variable: str, value: str) -> None:
    with pytest.raises(SystemExit, match=f"{variable}: cannot use '{value}'"):
        Settings.from_env({variable: value})
