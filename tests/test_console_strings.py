"""The associate console's words: one table per language (console-i18n-<lang>.js, English and Spanish),
each with every key the English one has and the same placeholders; every key the console's scripts and
page ask for is in the tables; the English quick replies are the server's; the console's scripts stay
under 400 lines each (associate.js is split by card kind)."""

from __future__ import annotations

import json
import re

import pytest

from edge.actions.replies import QUICK_REPLIES
from edge.web.pages import STATIC_DIR

ENTRY = re.compile(r'^\s+([a-z_0-9]+): ("(?:[^"\\]|\\.)*"),$')
PLACEHOLDER = re.compile(r"\{[a-z]+\}")
LANGS = ("en", "es")


def table(lang: str) -> dict[str, str]:
    lines = (STATIC_DIR / f"console-i18n-{lang}.js").read_text(encoding="utf-8").splitlines()
    found = {m.group(1): json.loads(m.group(2)) for line in lines if (m := ENTRY.match(line))}
    assert found, lang
    return found


def test_the_console_speaks_english_and_spanish() -> None:
    source = (STATIC_DIR / "console-i18n.js").read_text(encoding="utf-8")
    imported = re.findall(r'import (\w+) from "\./console-i18n-(\w+)\.js"', source)
    assert sorted(a for a, b in imported if a == b) == sorted(LANGS)


def test_spanish_has_every_key_with_the_same_placeholders_and_is_not_english() -> None:
    english, spanish = table("en"), table("es")
    assert sorted(spanish) == sorted(english)
    for key, text in english.items():
        assert sorted(PLACEHOLDER.findall(spanish[key])) == sorted(PLACEHOLDER.findall(text)), key
        assert spanish[key].strip(), key
    same = {k for k in english if english[k] == spanish[k]}
    assert same <= {"pin", "reconnecting"} | {k for k in english if not re.search("[a-z]{3}", english[k])}


def test_every_key_the_console_asks_for_is_in_the_tables() -> None:
    english = table("en")
    asked: set[str] = set()
    for script in STATIC_DIR.glob("associate*.js"):
        asked |= set(re.findall(r'\bt\("([a-z_0-9]*[a-z0-9])"', script.read_text(encoding="utf-8")))
    template = (STATIC_DIR.parent / "templates" / "associate.html").read_text(encoding="utf-8")
    asked |= set(re.findall(r'data-t(?:-label)?="([a-z_]+)"', template))
    # keys built from a name: kind_<task kind>, status_<reservation status>, filter_<filter>, where_<stock>
    assert {"kind_", "status_", "where_"} <= {
        m for s in STATIC_DIR.glob("associate*.js") for m in re.findall(r't\("([a-z]+_)" \+', s.read_text())
    }
    assert asked and asked <= set(english), sorted(asked - set(english))
    for kind in ("size_request", "bag", "go_back", "help"):
        assert f"kind_{kind}" in english and f"filter_{kind}" in english


def test_the_english_quick_replies_are_the_servers() -> None:
    english = table("en")
    assert tuple(english[f"quick_{i}"] for i in range(3)) == QUICK_REPLIES


@pytest.mark.parametrize("script", sorted(p.name for p in STATIC_DIR.glob("associate*.js")))
def test_each_console_script_is_under_400_lines(script: str) -> None:
    assert len((STATIC_DIR / script).read_text(encoding="utf-8").splitlines()) < 400
