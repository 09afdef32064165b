"""A sweep: one base spec, one to three fields varied, as a student writes the values.

A :class:`Sweep` is a question put to the data: "how does test accuracy change
with the hidden layer's size and the learning rate?". Its runs are a grid of
the varied values (or ``random`` draws from ranges), each over ``seeds`` seeds.
How its runs train and are kept is :mod:`mnist_core.experiments.runs`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InvalidSpecError
from ..language import ENGLISH, Catalogue, marked
from ..spec import ACTIVATIONS, AUGMENTATIONS, FRAMEWORKS, LIMITS, OPTIMIZERS, SCHEDULES, ModelSpec, field_name

__all__ = [
    "MAX_FIELDS",
    "MAX_RUNS",
    "MAX_SEEDS",
    "VARIABLE_FIELDS",
    "Sweep",
    "as_written",
    "parse_values",
    "value_order",
]

#: At most this many fields vary in one sweep (a grid of more is hard to read).
MAX_FIELDS = 3
#: At most this many runs (varied values x draws x seeds) in one sweep.
MAX_RUNS = 60
#: At most this many seeds per setting.
MAX_SEEDS = 10

#: The fields a sweep may vary, and how one value of each is written.
VARIABLE_FIELDS: dict[str, str] = {
    "hidden_layers": marked("units of each layer: 64, or 128-64 for two layers"),
    "learning_rate": marked("a step size such as 0.001"),
    "batch_size": marked("images per update"),
    "epochs": marked("passes over the training images"),
    "train_size": marked("training images"),
    "l2": marked("the L2 penalty"),
    "dropout": marked("one rate for every hidden layer (Keras)"),
    "momentum": marked("SGD's momentum"),
    "activation": ", ".join(ACTIVATIONS["keras"]),
    "optimizer": ", ".join(OPTIMIZERS["keras"]),
    "schedule": ", ".join(SCHEDULES),
    "augment": ", ".join(AUGMENTATIONS),
    "framework": ", ".join(FRAMEWORKS),
    "validation_fraction": marked("the held-out share"),
}
_INTEGERS = {"batch_size", "epochs", "train_size"}
_FLOATS = {"learning_rate", "l2", "dropout", "momentum", "validation_fraction"}
#: Fields whose random draws are spread evenly on a log scale (when the range is above zero).
_LOG_SCALE = {"learning_rate", "l2", "batch_size", "train_size", "hidden_layers"}


def parse_values(name: str, text: str, *, ranges: bool = False) -> tuple[Any, ...]:
    """The values of ``--vary name=text``: comma-separated, or ``low:high`` ranges for random draws.

    ``hidden_layers`` values are layer sizes joined by ``-`` (``128-64``).

    Raises:
        InvalidSpecError: an unknown field or a value it cannot take, in words.
    """
    name = name.strip().replace("-", "_")
    if name not in VARIABLE_FIELDS:
        raise InvalidSpecError(
            "A sweep cannot vary {name}; it can vary {value}.",
            field="vary",
            name=repr(name),
            value=", ".join(VARIABLE_FIELDS),
        )
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        raise InvalidSpecError(
            "Give {value} at least one value ({value2}).",
            field="vary",
            value=field_name(name),
            value2=VARIABLE_FIELDS[name],
        )
    values: list[Any] = []
    for part in parts:
        try:
            if ranges and ":" in part and name not in {"activation", "optimizer", "schedule", "augment", "framework"}:
                low, high = (_parse_one(name, bound) for bound in part.split(":", 1))
                if value_order(low) >= value_order(high):
                    raise ValueError(f"{part} is not a range from low to high")
                values.append(("range", low, high))
            else:
                values.append(_parse_one(name, part))
        except ValueError as error:
            raise InvalidSpecError(
                "{value} cannot be {part} ({error}); write {value2}.",
                field="vary",
                value=field_name(name).capitalized(),
                part=repr(part),
                error=error,
                value2=VARIABLE_FIELDS[name],
            ) from None
    if len(set(map(str, values))) != len(values):
        raise InvalidSpecError(
            "{value} lists a value twice: {text}.", field="vary", value=field_name(name).capitalized(), text=text
        )
    return tuple(values)


def _parse_one(name: str, text: str) -> Any:
    if name == "hidden_layers":
        return tuple(int(units) for units in text.split("-"))
    if name in _INTEGERS:
        return int(text)
    if name in _FLOATS:
        return float(text)
    return text


def value_order(value: Any) -> float:
    """A varied value as a number to sort and plot by (a network's total units for its layers)."""
    return sum(value) if isinstance(value, tuple) else float(value)


@dataclass(frozen=True)
class Sweep:
    """A base spec and the fields varied around it.

    Args:
        base: every run starts from it.
        vary: ``(field, values)`` pairs, 1 to 3 of them. In a grid, every combination
            of the values is one setting; with ``draws`` each value may also be a
            ``("range", low, high)`` and ``draws`` settings are drawn at random.
        seeds: how many seeds each setting is trained with (``base.seed``, ``base.seed + 1``, …).
        draws: 0 for a grid; otherwise how many random settings to draw.
        question: what the sweep asks, in the user's words (a sentence is made up if empty).

    Raises:
        InvalidSpecError: too many fields or runs, or a run that is not a valid spec (named).
    """

    base: ModelSpec
    vary: tuple[tuple[str, tuple[Any, ...]], ...]
    seeds: int = 1
    draws: int = 0
    question: str = ""

    def __post_init__(self) -> None:
        names = [name for name, _ in self.vary]
        if not 1 <= len(names) <= MAX_FIELDS:
            raise InvalidSpecError(
                "A sweep varies 1 to {MAX_FIELDS} fields, not {names_count}.",
                field="vary",
                MAX_FIELDS=MAX_FIELDS,
                names_count=len(names),
            )
        if len(set(names)) != len(names):
            raise InvalidSpecError("A sweep names each varied field once.", field="vary")
        if not 1 <= self.seeds <= MAX_SEEDS:
            raise InvalidSpecError(
                "A sweep uses 1 to {MAX_SEEDS} seeds per setting.", field="seeds", MAX_SEEDS=MAX_SEEDS
            )
        if self.draws < 0:
            raise InvalidSpecError("Random draws cannot be negative.", field="draws")
        if not self.draws and any(_is_range(value) for _, values in self.vary for value in values):
            raise InvalidSpecError("Ranges (low:high) are for random draws; a grid lists its values.", field="vary")
        if self.run_count > MAX_RUNS:
            raise InvalidSpecError(
                "This sweep has {run_count} runs; keep it to {MAX_RUNS} (fewer values, draws or seeds).",
                field="vary",
                run_count=self.run_count,
                MAX_RUNS=MAX_RUNS,
            )
        self.specs()  # every run must be a valid spec: say which one is not, now

    @property
    def fields(self) -> tuple[str, ...]:
        """The varied fields, in order."""
        return tuple(name for name, _ in self.vary)

    @property
    def run_count(self) -> int:
        """How many runs the sweep trains."""
        settings = self.draws or math.prod(len(values) for _, values in self.vary)
        return settings * self.seeds

    def settings(self) -> list[dict[str, Any]]:
        """Each setting of the varied fields, in order (a grid, or seeded random draws)."""
        if not self.draws:
            names = self.fields
            return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(v for _, v in self.vary))]
        rng = np.random.default_rng(self.base.seed)
        return [{name: _draw(name, values, rng) for name, values in self.vary} for _ in range(self.draws)]

    def specs(self) -> list[ModelSpec]:
        """Every run's spec: each setting with each seed."""
        specs = []
        for number, setting in enumerate(self.settings(), start=1):
            for seed in range(self.base.seed, self.base.seed + self.seeds):
                try:
                    specs.append(_apply(self.base, setting, seed))
                except InvalidSpecError as error:
                    described = ", ".join(f"{field_name(k)} {as_written(v)}" for k, v in setting.items())
                    raise InvalidSpecError(
                        "Setting {number} ({described}): {error}",
                        field="vary",
                        number=number,
                        described=described,
                        error=error,
                    ) from None
        return specs

    def title(self, words: Catalogue = ENGLISH) -> str:
        """The question, or one made from the varied fields in ``words``' language."""
        if self.question:
            return self.question
        names = [words.text(field_name(name)) for name in self.fields]
        joined = (
            names[0]
            if len(names) == 1
            else words.text("{items} and {last}", items=", ".join(names[:-1]), last=names[-1])
        )
        return words.text("How do {fields} change test accuracy and training time?", fields=joined)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {
            "base": self.base.to_dict(),
            "vary": [[name, [list(v) if isinstance(v, tuple) else v for v in values]] for name, values in self.vary],
            "seeds": self.seeds,
            "draws": self.draws,
            "question": self.question,
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Sweep:
        """Rebuild a sweep from :meth:`to_dict`."""
        vary = tuple(
            (name, tuple(tuple(v) if isinstance(v, list) else v for v in values_)) for name, values_ in values["vary"]
        )
        return cls(
            base=ModelSpec.from_dict(values["base"]),
            vary=vary,
            seeds=int(values["seeds"]),
            draws=int(values["draws"]),
            question=str(values.get("question", "")),
        )


def _is_range(value: Any) -> bool:
    return isinstance(value, tuple) and value[:1] == ("range",)


def as_written(value: Any) -> str:
    """A varied value as a student writes it: ``128-64``, ``0.001``, ``0.0001 to 0.01`` for a range."""
    if _is_range(value):
        return f"{as_written(value[1])} to {as_written(value[2])}"
    if isinstance(value, tuple):
        return "-".join(str(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _draw(name: str, values: tuple[Any, ...], rng: np.random.Generator) -> Any:
    choice = values[int(rng.integers(len(values)))]
    if not _is_range(choice):
        return choice
    _, low, high = choice
    if name == "hidden_layers":  # each layer's size drawn between the two shapes' sizes
        if len(low) != len(high):
            raise InvalidSpecError(
                "A range of hidden layers joins shapes with the same number of layers.", field="vary"
            )
        return tuple(round(_between(a, b, rng, log=True)) for a, b in zip(low, high, strict=True))
    value = _between(low, high, rng, log=name in _LOG_SCALE and low > 0)
    return round(value) if name in _INTEGERS else float(f"{value:.3g}")


def _between(low: float, high: float, rng: np.random.Generator, *, log: bool) -> float:
    if log:
        return float(math.exp(rng.uniform(math.log(low), math.log(high))))
    return float(rng.uniform(low, high))


def _apply(base: ModelSpec, setting: dict[str, Any], seed: int) -> ModelSpec:
    changes = dict(setting)
    layers = changes.get("hidden_layers", base.hidden_layers)
    if "dropout" in changes:
        changes["dropout"] = (changes["dropout"],) * len(layers) if changes["dropout"] else ()
    elif "hidden_layers" in changes and base.dropout:
        # The base's dropout, one rate per layer of the new shape (its first rate for added layers).
        changes["dropout"] = tuple(base.dropout_rates[min(i, len(base.dropout) - 1)] for i in range(len(layers)))
    if "hidden_layers" in changes and not isinstance(base.activation, str):
        changes["activation"] = base.activations[0]
    if "framework" in changes and changes["framework"] == "sklearn":
        changes.setdefault("dropout", ())
    low, high = LIMITS["seed"]
    if not low <= seed <= high:
        raise InvalidSpecError("Seed {seed} is out of range.", field="seed", seed=seed)
    return base.replace(**changes, seed=seed)
