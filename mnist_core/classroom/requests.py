"""What a student or the teacher asks of the training queue, with the class's rules applied where it is asked.

A page calls these, never the queue directly: a spec that changes a setting the lesson fixes, or that
would train past its budget, is refused here whatever the controls or a link said; only the teacher
cancels a job for everyone.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..engine import Job, TrainingQueue
from ..errors import BadInputError, NotAllowedError
from ..language import marked
from ..spec import PRESETS, ModelSpec
from .lesson import Lesson
from .roles import Actor, require_teacher

__all__ = ["ask_for_model", "ask_for_presets", "cancel_job"]


def ask_for_model(queue: TrainingQueue, lesson: Lesson, spec: ModelSpec, *, by: Actor, name: str | None = None) -> Job:
    """Ask for a model of ``spec`` on behalf of ``by``: one active job per student, within the lesson.

    Raises:
        NotAllowedError: ``by`` has no nickname yet, or the spec changes a setting the lesson fixes.
        LimitError: the spec would train longer than the lesson's budget allows.
        QueueError: ``by`` already has a job waiting or training.
    """
    if by.role == "guest":
        raise NotAllowedError("Give yourself a nickname first (at the top of the page): your models will carry it.")
    if not by.is_teacher:
        lesson.check(spec, queue.estimate(spec))
    return queue.submit(spec, by.session, name=name)


def ask_for_presets(queue: TrainingQueue, names: Sequence[str], *, by: Actor) -> list[Job]:
    """Ask for the class's presets by name (the teacher's), each for a session of its own so that they queue side
    by side; the models belong to the class, not to a student.

    Raises:
        NotAllowedError: ``by`` is not the teacher.
        BadInputError: a name is not a preset.
        QueueError: a preset is already waiting or training for the teacher.
    """
    require_teacher(by, marked("train the presets for the class"))
    if unknown := [name for name in names if name not in PRESETS]:
        raise BadInputError(
            "There is no preset {value}: choose among {value2}.", value=", ".join(unknown), value2=", ".join(PRESETS)
        )
    return [queue.submit(PRESETS[name], f"{by.session}/preset/{name}", name=name) for name in names]


def cancel_job(queue: TrainingQueue, job_id: str, *, by: Actor) -> Job | None:
    """Stop a job for everyone waiting on it (the teacher's).

    Raises:
        NotAllowedError: ``by`` is not the teacher.
    """
    require_teacher(by, marked("cancel other students' jobs"))
    return queue.cancel(job_id)
