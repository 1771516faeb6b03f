"""Presence parameters live in the layout's optional [presence] table, with defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.layout import LayoutError, load_layout
from edge.presence import PresenceParams
from tests.presence_support import layout


def test_defaults_apply_when_the_layout_has_no_presence_table() -> None:
    assert layout().presence == PresenceParams()


def test_a_store_sets_only_what_it_needs() -> None:
    got = layout({"worn_s": 90, "miss_probability": 0.001})
    assert got.presence.worn_s == 90
    assert got.presence.miss_probability == 0.001
    assert got.presence.stay_s == PresenceParams().stay_s


def test_an_unknown_or_invalid_presence_key_is_an_error_naming_it(tmp_path: Path) -> None:
    base = tmp_path / "base.toml"
    base.write_text(
        '[store]\nid = "s"\nname = "S"\n[[rooms]]\nid = "fr-1"\nname = "R"\n[presence]\nworn = 90\n',
        encoding="utf-8",
    )
    with pytest.raises(LayoutError, match=r"presence\.worn: unknown key"):
        load_layout(base)
    base.write_text(
        '[store]\nid = "s"\nname = "S"\n[[rooms]]\nid = "fr-1"\nname = "R"\n'
        "[presence]\nmiss_probability = 2\n",
        encoding="utf-8",
    )
    with pytest.raises(LayoutError, match=r"presence\.miss_probability"):
        load_layout(base)


def test_every_parameter_is_described() -> None:
    for name, field in PresenceParams.model_fields.items():
        assert field.description, name


def test_garments_have_at_most_twelve_parameters_and_phones_six() -> None:
    names = list(PresenceParams.model_fields)
    phones = [n for n in names if n.startswith("ble_")]
    assert len(names) - len(phones) <= 12
    assert len(phones) <= 6


@pytest.mark.parametrize(("key", "value"), [("hang_s", 1), ("stay_s", 0.5), ("worn_s", 2)])
def test_a_duration_no_longer_than_the_models_one_second_step_is_an_error_naming_it(
    key: str, value: float
) -> None:
    with pytest.raises(LayoutError, match=rf"presence\.{key}"):
        layout({key: value})
