"""A training configuration as a link: a spec's fields as URL query parameters, and back.

A teacher (or a student) shares the Train page's settings by sending a link;
opening it fills the controls. A link is read value by value, so one bad value
(a typo, a number out of range, a field that no longer exists) is named and
skipped while the rest still apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from ..errors import InvalidSpecError
from ..language import ENGLISH, Catalogue, marked
from ..spec import ModelSpec

__all__ = ["from_query", "to_query"]

_FIELDS = {field.name: field for field in fields(ModelSpec)}
_LISTS = {"hidden_layers": int, "dropout": float}


def to_query(spec: ModelSpec) -> dict[str, str]:
    """Every field of ``spec`` as a query parameter: lists comma-separated, switches true/false."""
    query = {}
    for name, value in spec.to_dict().items():
        if isinstance(value, list):
            query[name] = ",".join(f"{item:g}" if isinstance(item, float) else str(item) for item in value)
        elif isinstance(value, bool):
            query[name] = "true" if value else "false"
        elif isinstance(value, float):
            query[name] = f"{value:g}"
        else:
            query[name] = str(value)
    return query


def from_query(
    params: Mapping[str, str], base: ModelSpec | None = None, *, words: Catalogue = ENGLISH
) -> tuple[ModelSpec, list[str]]:
    """The spec a link describes, and a sentence for each value that could not be used, in ``words``' language.

    Fields are applied one at a time onto ``base`` (a default spec when omitted),
    the framework first, so a value that the spec refuses is reported and the
    others still apply. Parameters that are not spec fields are reported too.
    """
    spec = base or ModelSpec()
    problems = [
        words.text("'{name}' is not a setting of the Train page.", name=name) for name in params if name not in _FIELDS
    ]
    for name in sorted(_FIELDS, key=lambda field: field != "framework"):
        if name not in params:
            continue
        text = params[name]
        try:
            spec = spec.replace(**{name: _parse(name, text)})
        except InvalidSpecError as error:
            reason = error.in_language(words)
        except ValueError:
            kind = "list" if name in _LISTS else str(_FIELDS[name].type)
            reason = words.shown(_EXPECTED.get(kind, _EXPECTED["list"]))
        else:
            continue
        problems.append(words.text("{name}={text} could not be used: {reason}", name=name, text=repr(text),
                                   reason=reason))  # fmt: skip
    return spec, problems


#: What a link's value should have been, by the field's type, when it could not be read at all.
_EXPECTED = {
    "bool": marked("write true or false."),
    "int": marked("write a whole number."),
    "float": marked("write a number, such as 0.001."),
    "list": marked("write numbers separated by commas, such as 128,64."),
}


def _parse(name: str, text: str) -> Any:
    if name in _LISTS:
        return tuple(_LISTS[name](item) for item in text.split(",") if item.strip()) if text else ()
    if name == "activation":
        names = tuple(item.strip() for item in text.split(","))
        return names[0] if len(names) == 1 else names
    kind = _FIELDS[name].type
    if kind == "bool":
        if text.lower() not in ("true", "false", "1", "0"):
            raise ValueError(text)
        return text.lower() in ("true", "1")
    if kind == "int":
        return int(text)
    if kind == "float":
        return float(text)
    return text
