"""Key paths: spelling them and reading them back."""

from __future__ import annotations

import pytest

from bespoke_gui.core.config.errors import KeyPathError
from bespoke_gui.core.config.key_paths import format_key_path, parse_key_path


def test_key_path_round_trip() -> None:
    assert parse_key_path('datasets[0].subsets[1]."a.b"') == ("datasets", 0, "subsets", 1, "a.b")
    assert format_key_path(("datasets", 0, "subsets", 1, "a.b")) == 'datasets[0].subsets[1]."a.b"'


def test_quoted_key_parts_in_paths() -> None:
    assert parse_key_path("""a.'x\\\\y'."q\\"z" """.strip()) == ("a", "x\\\\y", 'q"z')
    with pytest.raises(KeyPathError):
        parse_key_path('a."open')
