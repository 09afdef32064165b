"""The studio in the class's language: one gettext catalogue per language, numbers written by Babel.

Messages are written in English in the code, marked ``t("…")`` where they are shown, and looked
up in ``mnist_core/locale/<language>.po`` (read with Babel, so there is no compiled file to keep
in step). A message a catalogue lacks is shown in English. Placeholders are named
(``t("{name} says {digit}", name=…, digit=…)``) so that a translation may reorder them.

Adding a language: copy ``de.po`` to ``<code>.po``, translate every ``msgstr``, and add the code to
:data:`LANGUAGES`; ``tests/unit/test_language.py`` fails while a message is missing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, get_decimal_symbol, parse_pattern

from . import errors

__all__ = [
    "DEFAULT_LANGUAGE",
    "ENGLISH",
    "LANGUAGES",
    "LOCALE_DIR",
    "Catalogue",
    "catalogue",
    "language_or_default",
    "marked",
    "server_language",
]

#: The languages the studio ships, by code, with their names in themselves.
LANGUAGES = {"en": "English", "de": "Deutsch", "es": "Español"}
DEFAULT_LANGUAGE = "en"
#: Where the catalogues live: one ``<code>.po`` per language but English.
LOCALE_DIR = Path(__file__).with_name("locale")


@dataclass(frozen=True)
class Catalogue:
    """One language's messages, and its ways of writing numbers and percentages.

    Attributes:
        language: the code (a key of :data:`LANGUAGES`).
        messages: English message → its translation (empty for English).
    """

    language: str
    messages: dict[str, str] = field(default_factory=dict)

    def text(self, message: str, /, **values: Any) -> str:
        """``message`` in this language, its ``{placeholders}`` filled with ``values`` (a :class:`Marked` value
        in this language too)."""
        translated = self.shown(message) if isinstance(message, Marked) else self.messages.get(message) or message
        if not values:
            return translated
        return translated.format(**{name: self.shown(value) for name, value in values.items()})

    def shown(self, value: Any) -> Any:
        """``value`` as this language shows it: a :class:`Marked` message translated, anything else as it is."""
        if not isinstance(value, Marked):
            return value
        translated = self.messages.get(value.key) or value.key
        return translated[:1].upper() + translated[1:] if value.capital else translated

    def percent(self, share: float, *, digits: int = 0) -> str:
        """A share as this language writes a percentage: ``96 %`` in German, ``96%`` in English."""
        prefix, suffix, decimal = _percent_parts(self.language)
        return prefix + f"{share * 100:.{digits}f}".replace(".", decimal) + suffix

    def decimal(self, value: float, *, digits: int | None = None) -> str:
        """A number with this language's decimal sign (``0,001``): as short as it goes, or with ``digits`` decimals."""
        written = f"{value:g}" if digits is None else f"{value:.{digits}f}"
        return written.replace(".", _percent_parts(self.language)[2])

    def number(self, value: float) -> str:
        """A number with this language's separators: ``60,000`` / ``60.000``."""
        return format_decimal(value, locale=self.locale)

    @property
    def locale(self) -> Locale:
        return _locale(self.language)


# Read once: the Draw page writes a dozen percentages on every stroke.
@cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)


@cache
def _percent_parts(language: str) -> tuple[str, str, str]:
    """What comes before and after a percentage's number, and the decimal sign, in the language's own pattern
    ("96,1 %" in German): Babel's formatting, read once, then Python's for each share (0 to 100 %, no grouping)."""
    locale = _locale(language)
    pattern = parse_pattern(locale.percent_formats[None].pattern)
    sign = locale.number_symbols.get("latn", {}).get("percentSign", "%")
    return pattern.prefix[0].replace("%", sign), pattern.suffix[0].replace("%", sign), get_decimal_symbol(locale)


@cache
def catalogue(language: str) -> Catalogue:
    """The catalogue of ``language`` (English for a code the studio does not ship), read once per process."""
    language = language_or_default(language)
    if language == DEFAULT_LANGUAGE:
        return Catalogue(language)
    with (LOCALE_DIR / f"{language}.po").open("rb") as source:
        parsed = read_po(source, locale=language)
    messages = {str(m.id): str(m.string) for m in parsed if m.id and m.string and not m.fuzzy}
    return Catalogue(language, messages)


class Marked(str):
    """A message translated where it is shown, also where it fills another message's placeholder
    (``InvalidSpecError("{label} must be…", label=marked("batch size"))``). It reads as English
    wherever a plain ``str`` is expected, and survives pickling to a worker and back.

    Attributes:
        key: the message as the catalogues know it.
        capital: shown with a capital first letter (the message begins a sentence).
    """

    key: str
    capital: bool

    def __new__(cls, message: str, *, capital: bool = False) -> Marked:
        shown = super().__new__(cls, message[:1].upper() + message[1:] if capital else message)
        shown.key, shown.capital = message, capital
        return shown

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, bool]]:
        return (self.key,), {"capital": self.capital}

    def capitalized(self) -> Marked:
        """The same message beginning a sentence: ``Batch size``."""
        return Marked(self.key, capital=True)


def marked(message: str) -> Marked:
    """Marks a message that is translated later, where it is shown (``t(title)``, or as another's value)."""
    return Marked(message)


def language_or_default(code: str | None) -> str:
    """``code`` when the studio ships it (``de``, ``de-AT`` and ``DE`` are German), else the server's language."""
    if code:
        short = code.strip().lower().replace("_", "-").split("-")[0]
        if short in LANGUAGES:
            return short
    return server_language()


def server_language() -> str:
    """``$DIGIT_STUDIO_LANGUAGE`` when the studio ships it, else English."""
    code = os.environ.get("DIGIT_STUDIO_LANGUAGE", "").strip().lower().split("-")[0]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


#: The messages as written in the code: what a figure or handout speaks when no language is asked for.
ENGLISH = catalogue(DEFAULT_LANGUAGE)


#: Where the messages are marked: ``t("…")`` shows one in the app, ``words.text("…")`` in the core (a plot, a
#: handout, the CLI), ``marked("…")`` marks one shown later, and an error's first argument is its message.
SOURCES = ("pages", "studio", "mnist_core")
KEYWORDS: dict[str, Any] = {"t": None, "text": None, "marked": None} | {name: None for name in errors.__all__}


def messages_in_code(root: Path) -> dict[str, str]:
    """Every message marked in the studio's code under ``root``, with where it first appears."""
    from babel.messages.extract import extract_from_file

    found: dict[str, str] = {}
    for folder in SOURCES:
        for path in sorted((root / folder).rglob("*.py")):
            for line, message, _, _ in extract_from_file("python", str(path), keywords=KEYWORDS):
                if isinstance(message, str) and message.strip():
                    found.setdefault(message, f"{path.relative_to(root)}:{line}")
    return found


def update_catalogues(root: Path) -> dict[str, int]:
    """Bring every language's catalogue in step with the code: new messages added untranslated, gone ones
    dropped, translations kept. Returns, per language, how many messages still lack a translation."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    found = messages_in_code(root)
    missing = {}
    for language in LANGUAGES:
        if language == DEFAULT_LANGUAGE:
            continue
        path = LOCALE_DIR / f"{language}.po"
        known = catalogue(language).messages if path.exists() else {}
        header = (
            f"# Digit Studio's messages in {LANGUAGES[language]}.\n"
            "# After changing one in the code: python -m mnist_core.language"
        )
        updated = Catalog(locale=language, project="Digit Studio", domain="digit_studio", header_comment=header)
        for message, where in found.items():
            file, line = where.rsplit(":", 1)
            updated.add(message, known.get(message, ""), locations=[(file, int(line))])
        LOCALE_DIR.mkdir(exist_ok=True)
        with path.open("wb") as target:
            write_po(target, updated, width=100, omit_header=False, sort_output=False)
        missing[language] = sum(1 for message in found if not known.get(message))
    catalogue.cache_clear()
    return missing


if __name__ == "__main__":  # python -m mnist_core.language: after changing a message in the code
    for code, count in update_catalogues(Path(__file__).resolve().parents[1]).items():
        print(f"{LOCALE_DIR / (code + '.po')}: {count} message(s) to translate")
