"""Who does something, and the one rule that everything shared follows: the teacher changes what everyone
sees; a student changes only what is theirs. A leaf module: the classroom's stores and the pages check with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import NotAllowedError

__all__ = ["TEACHER", "Actor", "require_teacher"]


@dataclass(frozen=True)
class Actor:
    """Who does something: the teacher, a student (by token and nickname), or nobody known.

    Attributes:
        role: ``teacher``, ``student`` or ``guest`` (no nickname yet).
        session: who asks, for the training queue and the class drawings (``student:<token>``).
        name: what others see (a nickname; ``the teacher``).
    """

    role: str
    session: str
    name: str

    @property
    def is_teacher(self) -> bool:
        """Whether this is the teacher (the password was given)."""
        return self.role == "teacher"

    @classmethod
    def guest(cls, session: str) -> Actor:
        """A browser that has not given a nickname (yet): it may look and draw, nothing more."""
        return cls("guest", f"guest:{session}", "a visitor")


#: The teacher, wherever the password was given.
TEACHER = Actor("teacher", "teacher", "the teacher")


def require_teacher(actor: Actor, action: str) -> None:
    """Refuse ``action`` unless ``actor`` is the teacher.

    Raises:
        NotAllowedError: with a sentence such as "Only the teacher can delete class drawings."
    """
    if not actor.is_teacher:
        raise NotAllowedError("Only the teacher can {action}.", action=action)
