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
    CLASS_NAME,
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
    trained_by,
)
from .requests import (
    ask_for_model,
    ask_for_presets,
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
    RosterEntry,
    Student,
    check_nickname,
    roll_call,
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
    "CLASS_NAME",
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
    "RosterEntry",
    "Student",
    "ask_for_model",
    "ask_for_presets",
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
    "roll_call",
    "score_models",
    "still_unlocked",
    "teacher_password",
    "to_query",
    "trained_by",
]
