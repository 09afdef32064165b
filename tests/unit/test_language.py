"""The studio in the class's language: every message the pages show has a translation in every catalogue."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from mnist_core import errors
from mnist_core.classroom import Actor, Lesson, build_lesson
from mnist_core.errors import BadInputError
from mnist_core.language import KEYWORDS, LANGUAGES, catalogue, language_or_default, messages_in_code

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{(\w+)[^{}]*\}")


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


# --- Every message is marked: what the app shows goes through t(), the core's errors carry templates -------------

#: Streamlit calls whose first argument (or ``label=``, ``help=``, ``placeholder=``) is shown to the reader.
SHOWN_BY = {
    "title", "header", "subheader", "markdown", "caption", "write", "info", "warning", "error", "success", "toast",
    "button", "download_button", "link_button", "page_link", "form_submit_button", "selectbox", "radio", "slider",
    "select_slider", "checkbox", "toggle", "multiselect", "segmented_control", "pills", "text_input", "text_area",
    "number_input", "file_uploader", "camera_input", "expander", "popover", "tabs", "metric", "status", "spinner",
}  # fmt: skip
SHOWN_KEYWORDS = {"label", "help", "placeholder"}
WORDS = re.compile(r"[A-Za-z]{3,}")
ICON = re.compile(r":material/\w+:")


def _words_in(node: ast.AST) -> str | None:
    """The English in a literal (a string, an f-string, or a list of them) shown as it is, if any."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(part.value for part in node.values if isinstance(part, ast.Constant))
    elif isinstance(node, ast.List | ast.Tuple):
        return next(filter(None, map(_words_in, node.elts)), None)
    else:
        return None
    markup = text.lstrip().startswith("<") or ICON.fullmatch(text)  # HTML, CSS and icons are not prose
    return text if WORDS.search(text) and not markup else None


def _python_files(*folders: str) -> list[Path]:
    return [path for folder in folders for path in sorted((ROOT / folder).rglob("*.py"))]


def test_every_message_the_pages_show_goes_through_the_catalogue() -> None:
    """``st.button("Train")`` fails here; ``st.button(t("Train"))`` passes (and the first test wants it translated)."""
    unmarked = []
    for path in _python_files("pages", "studio"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SHOWN_BY:
                shown = node.args[:1] + [word.value for word in node.keywords if word.arg in SHOWN_KEYWORDS]
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                unmarked += [f"{where}: {text!r}" for text in map(_words_in, shown) if text]
    assert not unmarked, "shown without t(…):\n" + "\n".join(unmarked)


def test_no_message_is_an_f_string() -> None:
    """A catalogue cannot hold ``f"… {x}"``: a message names its placeholders and takes their values beside it."""
    marking = set(KEYWORDS) | set(errors.__all__)
    formatted = []
    for path in _python_files("pages", "studio", "mnist_core"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.JoinedStr):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name in marking and any(isinstance(part, ast.FormattedValue) for part in node.args[0].values):
                    formatted.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}(f'…')")
    assert not formatted, "messages written as f-strings:\n" + "\n".join(formatted)


def test_a_core_error_reads_in_the_readers_language_and_survives_a_worker() -> None:
    import pickle

    from mnist_core.errors import InvalidSpecError

    error = InvalidSpecError("Patience counts epochs: it must be at least 1.", field="patience")
    back = pickle.loads(pickle.dumps(error))
    assert (str(back), back.field) == ("Patience counts epochs: it must be at least 1.", "patience")
    assert back.in_language(catalogue("de")) == catalogue("de").text(error.message) != str(error)
    filled = InvalidSpecError("{name} has {count} characters.", name="'ab'", count=2)
    assert str(filled) == "'ab' has 2 characters." and filled.in_language(catalogue("en")) == str(filled)


def test_the_words_an_error_carries_are_translated_with_it(tmp_path: Path) -> None:
    """An action refused to a student and a damaged database name their parts in the reader's language too."""
    import pickle

    from mnist_core.classroom import ClassDrawings
    from mnist_core.errors import DatabaseError, NotAllowedError

    drawings = ClassDrawings(tmp_path / "class.db")
    with pytest.raises(NotAllowedError) as refused:
        drawings.clear(by=Actor.guest("s1"))
    back = pickle.loads(pickle.dumps(refused.value))
    assert str(back) == "Only the teacher can delete the class drawings."
    assert back.in_language(catalogue("de")) == "Nur die Lehrkraft darf die Zeichnungen der Klasse löschen."

    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database" * 100)
    with pytest.raises(DatabaseError) as damaged:
        ClassDrawings(broken)
    spanish = damaged.value.in_language(catalogue("es"))
    assert str(damaged.value).startswith(f"The class drawings database {broken} cannot be used")
    assert spanish.startswith(f"La base de datos de dibujos de la clase {broken} no se puede usar")
    assert spanish.endswith(
        "si está dañada, muévela a otro sitio: se crea una nueva, vacía (los dibujos que contiene se pierden)."
    )
