"""The languages fitroom speaks to shoppers: the mirror, the queue screen and the follow-up email, and the
languages a catalog's names and descriptions may come in. ISO 639-1 codes; one of them right to left."""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["DEFAULT", "LANGUAGES", "RIGHT_TO_LEFT", "Language", "language_of"]

Language = Literal["en", "es", "fr", "de", "pt", "ar"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
DEFAULT: Language = "en"
RIGHT_TO_LEFT: frozenset[str] = frozenset({"ar"})


def language_of(tag: str | None) -> Language | None:
    """The language of a tag such as ``es``, ``es-ES``, ``pt_BR`` or ``AR`` if we speak it, else None."""
    if not tag:
        return None
    base = tag.replace("_", "-").split("-", 1)[0].strip().lower()
    for lang in LANGUAGES:
        if lang == base:
            return lang
    return None
