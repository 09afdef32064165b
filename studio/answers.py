"""The Draw page's answers as one piece of HTML: each model's digit, how sure it is, and its bars.

A stroke sends this as one element rather than a dozen containers, markdowns and
captions: the browser lays out HTML for nothing, and each element the server sends
costs it a message. The answer is also announced to a screen reader (a polite
live region: "quick says 7, 96 % sure", or "quick says this is not a digit").
"""

from __future__ import annotations

import html

from mnist_core import plots
from mnist_core.network import NOT_A_DIGIT_FROM, ModelAnswer, NumberReading, Reading
from mnist_core.pictures import pixels_html
from mnist_core.store import StoredModel

from .language import current, percent, t
from .report import NOT_A_DIGIT_MARK, verdict

__all__ = ["ANSWER_WIDTH", "answers_html", "number_html", "refusal_rule"]

#: The width of an answer's big digit and its captions, beside the bars (px).
ANSWER_WIDTH = 110
#: Caption text (Streamlit's caption colour, AA contrast on white).
_CAPTION = "font-size:0.875rem;color:#4b5563"
_CARD = "flex:1 1 0;min-width:9rem;border:1px solid rgba(49,51,63,0.2);border-radius:0.5rem;padding:0.75rem"
_DIGIT = "font-size:5rem;font-weight:700;line-height:1"
_NUMBER = "font-size:3.5rem;font-weight:700;line-height:1.1;letter-spacing:0.1em"
#: A digit's picture under a number, as the models saw it (px).
NUMBER_DIGIT_WIDTH = 56
_LIVE = (
    "role='status' aria-live='polite' aria-atomic='true' "
    "style='position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap'"
)


def _said(model: StoredModel, answer: str, caption: str) -> str:
    """What a screen reader says: "quick says 7, 96.1 % sure", that it is not sure, or "not a digit"."""
    if answer == "?":
        return t("{name} is {caption}.", name=model.name, caption=caption)
    if answer == NOT_A_DIGIT_MARK:
        return t("{name} says this is {caption}.", name=model.name, caption=caption)
    return t("{name} says {answer}, {caption}.", name=model.name, answer=answer, caption=caption)


def refusal_rule(model: StoredModel, reply: ModelAnswer) -> str:
    """When this model refuses, in words (and how likely "not a digit" is, for a model that learned it)."""
    if not model.spec.non_digits:
        return t("says 'not sure' below {threshold}", threshold=percent(reply.threshold))
    return t(
        "not a digit: {share} · says 'not a digit' from {least}, else 'not sure' below {threshold}",
        share=percent(reply.answer.non_digit), least=percent(NOT_A_DIGIT_FROM), threshold=percent(reply.threshold),
    )  # fmt: skip


def answers_html(models: list[StoredModel], reading: Reading) -> str:
    """Every model's answer to ``reading``: one model with its bars beside the digit, several side by side."""
    single = len(models) == 1
    cards, spoken = [], []
    for model in models:
        reply = reading.answers[model.id]
        answer, caption = verdict(reply.answer)
        spoken.append(_said(model, answer, caption))
        title = f"<strong>{html.escape(model.name)}</strong> · {model.framework} {model.spec.architecture}"
        digit = f"<div class='prediction' style='{_DIGIT}'>{answer}</div>"
        bars = plots.probability_bars_html(reply.probabilities, words=current())
        sure = f"<div style='{_CAPTION}'>{html.escape(caption)}</div>"
        if single:
            body = (
                "<div style='display:flex;align-items:center;gap:0.75rem'>"
                f"<div style='width:{ANSWER_WIDTH}px;flex:none'>{digit}{sure}</div>"
                f"<div style='flex:1;min-width:0'>{bars}</div></div>"
            )
        else:
            body = f"{digit}{sure}{bars}"
        threshold = f"<div style='{_CAPTION};margin-top:0.25rem'>{html.escape(refusal_rule(model, reply))}</div>"
        cards.append(
            f"<section class='answer' style='{_CARD}'><div style='margin-bottom:0.25rem'>{title}</div>"
            f"{body}{threshold}</section>"
        )
    announcement = html.escape(" ".join(spoken))
    return (
        f"<div class='answers' style='display:flex;flex-wrap:wrap;gap:0.5rem'>{''.join(cards)}</div>"
        f"<div {_LIVE}>{announcement}</div>"
    )


def number_html(models: list[StoredModel], number: NumberReading) -> str:
    """Each model's reading of a number, "2026", with every digit as the models saw it and its answer under it."""
    cards, spoken = [], []
    for model in models:
        text = number.text(model.id)
        cells = []
        for index, reply in enumerate(number.answers[model.id]):
            answer, caption = verdict(reply.answer)
            cut = " · " + t("cut from touching ink") if number.split[index] else ""
            picture = pixels_html(
                number.inputs[index],
                width=NUMBER_DIGIT_WIDTH,
                alt=t("digit {place} as the model saw it", place=index + 1),
            )
            cells.append(
                f"<div class='number-digit' style='text-align:center;width:{NUMBER_DIGIT_WIDTH + 24}px'>{picture}"
                f"<div style='font-size:1.5rem;font-weight:700'>{answer}</div>"
                f"<div style='{_CAPTION}'>{html.escape(caption)}{cut}</div></div>"
            )
        spoken.append(t("{name} reads {digits}.", name=model.name, digits=" ".join(text)))
        unsure = (
            f"<div style='{_CAPTION}'>"
            + t(
                "Some digits touched and were cut apart where the ink is thinnest: the cut may be wrong. "
                "Leave a gap between digits."
            )
            + "</div>"
            if number.unsure_split
            else ""
        )
        cards.append(
            f"<section class='answer number' style='{_CARD}'><div style='margin-bottom:0.25rem'>"
            + t("{name} reads a number, left to right", name="<strong>" + html.escape(model.name) + "</strong>")
            + "</div>"
            f"<div class='prediction' style='{_NUMBER}'>{html.escape(text)}</div>{unsure}"
            f"<div style='display:flex;flex-wrap:wrap;gap:0.25rem;margin-top:0.5rem'>{''.join(cells)}</div></section>"
        )
    return (
        f"<div class='answers' style='display:flex;flex-wrap:wrap;gap:0.5rem'>{''.join(cards)}</div>"
        f"<div {_LIVE}>{html.escape(' '.join(spoken))}</div>"
    )
