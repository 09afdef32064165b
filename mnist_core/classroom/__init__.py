"""The class: the drawings it keeps, the teacher's lesson and challenge, and Train settings shared as links."""

from .drawings import (
    PARTS,
    ClassDrawings,
    ClassScore,
    class_set,
    class_set_path,
    default_path,
)
from .lesson import (
    CHALLENGES,
    Challenge,
    Lesson,
    LessonBoard,
    class_address,
    password_matches,
    qr_png,
    teacher_password,
)
from .share import (
    from_query,
    to_query,
)

__all__ = [
    "CHALLENGES",
    "PARTS",
    "Challenge",
    "ClassDrawings",
    "ClassScore",
    "Lesson",
    "LessonBoard",
    "class_address",
    "class_set",
    "class_set_path",
    "default_path",
    "from_query",
    "password_matches",
    "qr_png",
    "teacher_password",
    "to_query",
]
