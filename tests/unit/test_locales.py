"""Every text a person reads is translated: catalogs complete, placeholders intact,
and no message used in code missing from them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["es", "en"]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"\{[^{}]*\}", text))


def load(lang: str):
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def messages_in_code() -> set[str]:
    found = set()
    for folder in ("handlers", "bot"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder,
            method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2")],
            keywords=KEYWORDS,
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_entry_of_the_catalog_is_translated_and_not_fuzzy(lang):
    problems = []
    for message in load(lang):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(message.id)
    assert problems == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_placeholders_of_their_message_id(lang):
    problems = []
    for message in load(lang):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = {tuple(placeholders(i)) for i in ids}
        problems += [(ids[0], s) for s in strings if tuple(placeholders(s)) not in expected]
    assert problems == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_message_used_in_code_is_missing_from_the_catalog(lang):
    in_code = messages_in_code()
    assert len(in_code) > 100  # the extraction really found the conversation's texts
    catalog = {(m.id[0] if isinstance(m.id, tuple) else m.id) for m in load(lang) if m.id}
    assert sorted(in_code - catalog) == []


def test_spanish_really_differs_from_english():
    spanish = load("es")
    same = [m.id for m in spanish if m.id and m.string == m.id and len(str(m.id)) > 12]
    assert len(same) < 5, same


def test_decimals_follow_the_shops_country_not_just_the_language():
    from handlers.i18n import Translator

    assert Translator("es", "MX").decimal(1.25) == "1.25"
    assert Translator("es", "ES").decimal(1.25) == "1,25"
    assert Translator("en", "MX").decimal(0.5) == "0.50"
