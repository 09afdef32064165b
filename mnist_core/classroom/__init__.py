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
    DEFAULT_BUDGET_SECONDS,
    LESSON_STARTS,
    TEACHER_IDLE_SECONDS,
    Challenge,
    Lesson,
    LessonBoard,
    PasswordGate,
    build_lesson,
    class_address,
    password_matches,
    qr_png,
    still_unlocked,
    teacher_password,
)
from .ownership import (
    delete_model,
    model_owner,
)
from .requests import (
    ask_for_model,
    cancel_job,
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
    "DEFAULT_BUDGET_SECONDS",
    "LESSON_STARTS",
    "NICKNAME_LIMITS",
    "PARTS",
    "TEACHER",
    "TEACHER_IDLE_SECONDS",
    "Actor",
    "Challenge",
    "ClassDrawings",
    "ClassScore",
    "Lesson",
    "LessonBoard",
    "ModelScore",
    "PasswordGate",
    "Roster",
    "Student",
    "ask_for_model",
    "build_lesson",
    "cancel_job",
    "check_nickname",
    "class_address",
    "class_set",
    "class_set_path",
    "default_path",
    "delete_model",
    "from_query",
    "model_owner",
    "password_matches",
    "qr_png",
    "require_teacher",
    "score_models",
    "still_unlocked",
    "teacher_password",
    "to_query",
]
