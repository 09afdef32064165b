"""The class: its students and who may do what, its drawings, models scored on them, the teacher's lesson
and challenge, Train settings as links."""

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
    LESSON_STARTS,
    Challenge,
    Lesson,
    LessonBoard,
    build_lesson,
    class_address,
    password_matches,
    qr_png,
    teacher_password,
)
from .roles import (
    TEACHER,
    Actor,
    require_teacher,
)
from .roster import (
    NICKNAME_LIMITS,
    Roster,
    Student,
    check_nickname,
)
from .scores import (
    ModelScore,
    score_models,
)
from .share import (
    from_query,
    to_query,
)

__all__ = [
    "CHALLENGES",
    "LESSON_STARTS",
    "NICKNAME_LIMITS",
    "PARTS",
    "TEACHER",
    "Actor",
    "Challenge",
    "ClassDrawings",
    "ClassScore",
    "Lesson",
    "LessonBoard",
    "ModelScore",
    "Roster",
    "Student",
    "build_lesson",
    "check_nickname",
    "class_address",
    "class_set",
    "class_set_path",
    "default_path",
    "from_query",
    "password_matches",
    "qr_png",
    "require_teacher",
    "score_models",
    "teacher_password",
    "to_query",
]
