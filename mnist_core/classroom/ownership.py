"""Whose model is it: the student who asked for the job that trained it. Only they, or the teacher, delete it.

The presets the class draws with, and models trained from the command line, belong to no student:
only the teacher deletes them, damaged folders included.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..engine import JobTable
from ..errors import DamagedModelError, NotAllowedError
from ..language import marked
from ..store import ModelStore
from .lesson import CLASS_NAME
from .roles import Actor, require_teacher
from .roster import Roster

__all__ = ["delete_model", "model_owner", "trained_by"]


def model_owner(table: JobTable, model_id: str) -> str | None:
    """The session (``student:<token>``) that first asked for the job that trained ``model_id``, or None."""
    with table.read() as db:
        trained = table.select(db, "model_id = ? AND attempts > 0", model_id)
    owners = [job.sessions[0] for job in trained if job.sessions and job.sessions[0].startswith("student:")]
    return owners[0] if owners else None


def trained_by(table: JobTable, roster: Roster, model_ids: Iterable[str]) -> dict[str, str]:
    """Who trained each model, by id: the nickname of the student who asked for it, or "the class"."""
    names = {}
    for model_id in model_ids:
        owner = model_owner(table, model_id)
        names[model_id] = (roster.nickname(owner) if owner else None) or CLASS_NAME
    return names


def delete_model(store: ModelStore, table: JobTable, model_id: str, *, by: Actor) -> None:
    """Delete a model (or a damaged folder) from the store: the teacher's, or its own student's.

    Raises:
        NotAllowedError: ``by`` is neither the teacher nor the student who trained it, or the folder is
            damaged (only the teacher removes those).
        ModelNotFoundError, InvalidModelIdError: as :meth:`ModelStore.delete`.
    """
    if not by.is_teacher:
        try:
            store.get(model_id)
        except DamagedModelError:
            require_teacher(by, marked("remove a damaged model folder"))
    if not by.is_teacher and (by.role != "student" or model_owner(table, model_id) != by.session):
        raise NotAllowedError(
            "Only the teacher can delete this model: the class shares it. You may delete the models you trained."
        )
    store.delete(model_id)
