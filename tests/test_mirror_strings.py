"""The mirror's words: one table per language the server speaks (``catalog.languages``), each with every
key the English one has and the same placeholders, and every key the mirror's scripts ask for present."""

from __future__ import annotations

import json
import re

import pytest

from catalog.languages import LANGUAGES
from edge.web.pages import STATIC_DIR

ENTRY = re.compile(r'^\s+([a-z_]+): ("(?:[^"\\]|\\.)*"),$')
PLACEHOLDER = re.compile(r"\{[a-z]+\}")


def table(lang: str) -> dict[str, str]:
    lines = (STATIC_DIR / f"i18n-{lang}.js").read_text(encoding="utf-8").splitlines()
    found = {m.group(1): json.loads(m.group(2)) for line in lines if (m := ENTRY.match(line))}
    assert found, lang
    return found


def test_the_pages_languages_are_the_servers() -> None:
    source = (STATIC_DIR / "i18n.js").read_text(encoding="utf-8")
    imported = re.findall(r'import (\w+) from "\./i18n-(\w+)\.js"', source)
    assert sorted(a for a, b in imported if a == b) == sorted(LANGUAGES)
    assert 'RIGHT_TO_LEFT = new Set(["ar"])' in source


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_language_has_every_key_with_the_same_placeholders(lang: str) -> None:
    english, other = table("en"), table(lang)
    assert sorted(other) == sorted(english)
    for key, text in english.items():
        assert sorted(PLACEHOLDER.findall(other[key])) == sorted(PLACEHOLDER.findall(text)), key
        assert other[key].strip(), key


def test_every_key_the_mirror_asks_for_is_in_the_tables() -> None:
    english = table("en")
    asked: set[str] = set()
    for script in STATIC_DIR.glob("mirror*.js"):
        asked |= set(re.findall(r'\bt\("([a-z_]*[a-z])"', script.read_text(encoding="utf-8")))
    template = (STATIC_DIR.parent / "templates" / "mirror.html").read_text(encoding="utf-8")
    asked |= set(re.findall(r'data-i18n="([a-z_]+)"', template))
    assert asked and asked <= set(english), sorted(asked - set(english))
