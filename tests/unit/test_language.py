"""The studio in the class's language: every message the pages show has a translation in every catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mnist_core.classroom import Lesson, build_lesson
from mnist_core.errors import BadInputError
from mnist_core.language import LANGUAGES, catalogue, language_or_default, messages_in_code

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_every_message_in_the_code_is_translated_with_the_same_placeholders(language: str) -> None:
    """A message marked in pages/ or studio/ that a catalogue lacks fails here, naming where it is."""
    found = messages_in_code(ROOT)
    assert len(found) > 50  # the extraction itself works
    messages = catalogue(language).messages
    missing = [f"{where}: {message!r}" for message, where in found.items() if not messages.get(message)]
    assert not missing, f"{language}.po lacks (run python -m mnist_core.language, then translate):\n" + "\n".join(
        missing
    )
    for message in found:
        translated = messages[message]
        assert set(PLACEHOLDER.findall(translated)) == set(PLACEHOLDER.findall(message)), (message, translated)
        assert translated.count("**") == message.count("**"), (message, translated)  # the same words in bold


def test_a_language_writes_its_own_numbers_and_falls_back_to_english() -> None:
    german, spanish, english = catalogue("de"), catalogue("es"), catalogue("en")
    assert german.text("{share} sure", share=german.percent(0.961, digits=1)) == "96,1\xa0% sicher"
    assert spanish.text("{name} says {answer}, {caption}.", name="quick", answer=7, caption="x") == "quick dice 7, x."
    assert english.percent(0.961, digits=1) == "96.1%" and german.number(60000) == "60.000"
    assert german.text("a message no catalogue has") == "a message no catalogue has"


def test_language_codes_are_read_leniently_and_the_server_default_comes_from_the_environment(monkeypatch) -> None:
    assert [language_or_default(code) for code in ("de", "DE", "de-AT", "es_MX")] == ["de", "de", "de", "es"]
    monkeypatch.setenv("DIGIT_STUDIO_LANGUAGE", "es")
    assert language_or_default("fr") == "es" and language_or_default(None) == "es"
    monkeypatch.setenv("DIGIT_STUDIO_LANGUAGE", "klingon")
    assert language_or_default("") == "en"


def test_the_lesson_carries_the_class_language() -> None:
    lesson = build_lesson("free", language="de")
    assert Lesson.from_json(lesson.to_json()).language == "de"
    assert Lesson.from_json(Lesson().to_json().replace(', "language": ""', "")).language == ""  # an older lesson
    with pytest.raises(BadInputError, match="speaks en, de, es"):
        build_lesson("free", language="fr")


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_percentages_read_as_babel_writes_them_in_each_language(language: str) -> None:
    """The fast path the Draw page uses on every stroke writes what Babel's own formatting writes."""
    from babel import Locale
    from babel.numbers import format_percent

    head, tail = Locale.parse(language).percent_formats[None].pattern.rsplit("0", 1)
    written = catalogue(language)
    for share in (0.0, 0.004, 0.05, 0.5, 0.961, 0.999, 1.0):
        assert written.percent(share) == format_percent(share, locale=language)
        assert written.percent(share, digits=1) == format_percent(share, format=f"{head}0.0{tail}", locale=language)
