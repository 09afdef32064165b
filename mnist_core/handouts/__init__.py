"""Handouts to keep: one page about a model, and the class's summary for the teacher, as small HTML files
that hold their own pictures and print on one A4 page."""

from .classroom import ClassSummary, class_summary, class_summary_html, summary_for
from .model import ModelHandout, findings, handout_for, model_handout, model_handout_html, spec_in_words
from .page import MAX_BYTES

__all__ = [
    "MAX_BYTES",
    "ClassSummary",
    "ModelHandout",
    "class_summary",
    "class_summary_html",
    "findings",
    "handout_for",
    "model_handout",
    "model_handout_html",
    "spec_in_words",
    "summary_for",
]
