"""Whose model is it: the student who asked for the job that trained it. Only they, or the teacher, delete it.

The presets the class draws with, and models trained from the command line, belong to no student:
only the teacher deletes them, damaged folders included.
"""

from __future__ import annotations

from ..engine import JobTable
from ..errors import NotAllowedError
from ..store import ModelStore
from .roles import Actor

__all__ = ["delete_model", "model_owner"]


def model_owner(table: JobTable, model_id: str) -> str | None:
    """The session (``student:<token>``) that first asked for the job that trained ``model_id``, or None."""
    with table.read() as db:
        trained = table.select(db, "model_id = ? AND attempts > 0", model_id)
    owners = [job.sessions[0] for job in trained if job.sessions and job.sessions[0].startswith("student:")]
    return owners[0] if owners else None


def delete_model(store: ModelStore, table: JobTable, model_id: str, *, by: Actor) -> None:
    """Delete a model (or a damaged folder) from the store: the teacher's, or its own student's.

    Raises:
        NotAllowedError: ``by`` is neither the teacher nor the student who trained it.
        ModelNotFoundError, InvalidModelIdError: as :meth:`ModelStore.delete`.
    """
    if not by.is_teacher and (by.role != "student" or model_owner(table, model_id) != by.session):
        raise NotAllowedError(
            "Only the teacher can delete this model: the class shares it. You may delete the models you trained."
        )
    store.delete(model_id)
