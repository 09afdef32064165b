"""Every key the app gives a widget or keeps in ``st.session_state``, by a readable name.

Keys are ``page.what``; a key that depends on a layer, a model or a job is made
by a function. Tests address widgets by these same names.
"""

from __future__ import annotations

# -- this session, on every page ---------------------------------------------------
SESSION_ID = "session.id"
#: Set by app.py's frame for the page it runs, so that the page does not draw the frame again.
FRAMED_BY_APP = "session.framed_by_app"
LANGUAGE = "session.language"
LANGUAGE_CHOSEN = "session.language.chosen"
LANGUAGE_PICK = "sidebar.language"
LESSON_LANGUAGE = "teacher.lesson.language"
#: When this session's teacher last acted (Unix time), while the teacher password it gave holds.
TEACHER = "session.teacher"
#: Set when this session's teacher unlock ran out, to say so once.
TEACHER_ENDED = "session.teacher_ended"
#: The token of the student this browser is (also in the address and a cookie).
STUDENT_TOKEN = "session.student_token"
#: Set when the token this browser kept no longer works (the teacher ended the session), to say so once.
STUDENT_ENDED = "session.student_ended"
#: The model input of the last digit drawn in this session (Draw keeps it, Inside shows it).
LAST_DRAWING = "session.last_drawing"
#: Why the queue refused this session's last training request, to show once.
QUEUE_REFUSAL = "session.queue_refusal"
#: The sidebar's multiselect of the models Draw and Evaluate use.
ACTIVE_MODELS = "sidebar.active_models"

# -- joining the class (the form at the top of every page, in class mode) ----------
JOIN_FORM = "join.form"
JOIN_NICKNAME = "join.nickname"
JOIN_OFFERED = "join.offered"
#: Why the last nickname was refused, to show once.
JOIN_REFUSAL = "join.refusal"

# -- the Train controls (Train, and Experiments for a sweep's base) ---------------
TRAIN_PRESET = "train.preset"
TRAIN_FRAMEWORK = "train.framework"
TRAIN_LAYERS = "train.layers"
TRAIN_OPTIMIZER = "train.optimizer"
TRAIN_LEARNING_RATE = "train.learning_rate"
TRAIN_SCHEDULE = "train.schedule"
TRAIN_MOMENTUM = "train.momentum"
TRAIN_BATCH_SIZE = "train.batch_size"
TRAIN_L2 = "train.l2"
TRAIN_EPOCHS = "train.epochs"
TRAIN_IMAGES = "train.train_size"
TRAIN_VALIDATION = "train.validation_fraction"
TRAIN_EARLY_STOPPING = "train.early_stopping"
TRAIN_PATIENCE = "train.patience"
TRAIN_SEED = "train.seed"
TRAIN_AUGMENT = "train.augment"
TRAIN_DRAWINGS = "train.drawings"
TRAIN_NON_DIGITS = "train.non_digits"
TRAIN_CLASS = "train.class_set"
#: The reason the controls' spec was impossible, kept to show beside the control at fault.
TRAIN_SPEC_ERROR = "train.spec_error"
#: The spec fields with one control each, by field (the per-layer ones and the class set are apart).
TRAIN_FIELDS = {
    "optimizer": TRAIN_OPTIMIZER,
    "learning_rate": TRAIN_LEARNING_RATE,
    "schedule": TRAIN_SCHEDULE,
    "momentum": TRAIN_MOMENTUM,
    "batch_size": TRAIN_BATCH_SIZE,
    "l2": TRAIN_L2,
    "epochs": TRAIN_EPOCHS,
    "train_size": TRAIN_IMAGES,
    "validation_fraction": TRAIN_VALIDATION,
    "early_stopping": TRAIN_EARLY_STOPPING,
    "patience": TRAIN_PATIENCE,
    "seed": TRAIN_SEED,
    "augment": TRAIN_AUGMENT,
    "drawings": TRAIN_DRAWINGS,
    "non_digits": TRAIN_NON_DIGITS,
}


def train_units(layer: int) -> str:
    """The units of hidden layer ``layer`` (from 0)."""
    return f"train.layer{layer}.units"


def train_activation(layer: int) -> str:
    """The activation of hidden layer ``layer`` (from 0)."""
    return f"train.layer{layer}.activation"


def train_dropout(layer: int) -> str:
    """The dropout after hidden layer ``layer`` (from 0)."""
    return f"train.layer{layer}.dropout"


# -- training jobs and model reports (Train, Home) --------------------------------
def stop_job(job_id: str) -> str:
    """The Stop button of a running job."""
    return f"job.{job_id}.stop"


def report_part(model_id: str, part: str) -> str:
    """One part of a model's report (``curves``, ``weights``, ``grid``, ``download``)."""
    return f"report.{model_id}.{part}"


HOME_PRESETS = "home.presets"

# -- Draw -------------------------------------------------------------------------
#: How many times the canvas was cleared: a new round is a new, empty canvas.
CANVAS_ROUND = "draw.canvas_round"
DRAW_PEN = "draw.pen"
DRAW_OWN_THRESHOLD = "draw.own_threshold"
DRAW_THRESHOLD = "draw.threshold"
#: The canvas and its reading as the last stroke left them (what "Keep it for the class" keeps).
DRAW_READING = "draw.reading"
DRAW_CROP = "draw.crop"
DRAW_CENTRE = "draw.centre"
DRAW_STROKE = "draw.stroke"
DRAW_SALIENCY = "draw.saliency"
#: Whether "Each step from canvas to model input" is open (its pictures are made only then).
DRAW_STEPS = "draw.steps"
DRAW_NOISE_SEED = "draw.noise_seed"
#: Where the digit comes from: the canvas, the camera or a picture file.
DRAW_SOURCE = "draw.source"
DRAW_CAMERA = "draw.camera"
DRAW_UPLOAD = "draw.upload"
DRAW_TEST_DIGIT = "draw.test_digit"
DRAW_TEST_PICK = "draw.test_digit.pick"


def draw_canvas(round_: int) -> str:
    """The canvas of one round (cleared canvases are new widgets)."""
    return f"draw.canvas.{round_}"


def draw_class_label(round_: int) -> str:
    """Which digit this round's drawing is, to keep it for the class."""
    return f"draw.class_label.{round_}"


# -- Inside -----------------------------------------------------------------------
INSIDE_UNIT_PAGE = "inside.unit_page"
#: The unit clicked last in the first layer's weight grid.
INSIDE_UNIT = "inside.unit"
#: Which of Inside's tabs is open (only that one is made).
INSIDE_TAB = "inside.tab"
INSIDE_CANVAS = "inside.canvas"
INSIDE_UNIT_WEIGHTS = "inside.unit_weights"
INSIDE_UNIT_FAVOURITES = "inside.unit_favourites"
INSIDE_STRIPS = "inside.strips"
KNOCK_HOW = "inside.knock.how"
KNOCK_SEED = "inside.knock.seed"


def inside_units(model_id: str, page: int) -> str:
    """The clickable weight grid of one page of a model's first-layer units."""
    return f"inside.units.{model_id}.{page}"


def knock_units(layer: int) -> str:
    """The units chosen to silence in hidden layer ``layer`` (from 1)."""
    return f"inside.knock.units.{layer}"


# -- Evaluate ---------------------------------------------------------------------
EVALUATE_NORMALISED = "evaluate.normalised"
EVALUATE_CONFUSION = "evaluate.confusion"
EVALUATE_CELL_TRUE = "evaluate.cell.true"
EVALUATE_CELL_SAID = "evaluate.cell.said"
EVALUATE_CELL_DIGITS = "evaluate.cell_digits"
EVALUATE_RIGHT = "evaluate.right_grid"
EVALUATE_WRONG = "evaluate.wrong_grid"
EVALUATE_CURVES = "evaluate.curves"
#: Which of Evaluate's tabs is open (only that one is made), and whether "Compare with another model" is.
EVALUATE_TAB = "evaluate.tab"
EVALUATE_COMPARE = "evaluate.compare"
EVALUATE_OVERLAY_RUNS = "evaluate.overlay.runs"
EVALUATE_OVERLAY_METRIC = "evaluate.overlay.metric"
EVALUATE_OVERLAY = "evaluate.overlay.chart"
EVALUATE_COVERAGE = "evaluate.coverage"
EVALUATE_NON_DIGITS = "evaluate.non_digits"
EVALUATE_COMPARE_FIRST = "evaluate.compare.first"
EVALUATE_COMPARE_SECOND = "evaluate.compare.second"
EVALUATE_COMPARE_DIFFERENCE = "evaluate.compare.difference"

# -- Class ------------------------------------------------------------------------
CLASS_COUNTS = "class.counts"
CLASS_GAP = "class.gap"
CLASS_CONFUSION = "class.confusion"
CLASS_CELL = "class.cell"
CLASS_DIGIT = "class.digit"
CLASS_WRONG_ONLY = "class.wrong_only"
CLASS_GALLERY = "class.gallery"
#: The drawing the teacher removes or relabels.
CLASS_MODERATED = "class.moderated"


def class_relabel(drawing_id: int) -> str:
    """The digit one class drawing really is, as the teacher says."""
    return f"class.relabel.{drawing_id}"


# -- Data -------------------------------------------------------------------------
DATA_SAMPLES = "data.samples"
DATA_BALANCE = "data.balance"
DATA_MEANS = "data.means"

# -- Models -----------------------------------------------------------------------
MODELS_CONFIRM_DELETE = "models.confirm_delete"


def remove_damaged(entry_id: str) -> str:
    """The button that removes one damaged store folder."""
    return f"models.remove.{entry_id}"


# -- Teacher ----------------------------------------------------------------------
TEACHER_LOGIN = "teacher.login"
TEACHER_PASSWORD = "teacher.password"
LESSON_BUDGET = "teacher.lesson.budget"
ROSTER_STUDENT = "teacher.roster.student"
ROSTER_NICKNAME = "teacher.roster.nickname"
ROSTER_OFFERED = "teacher.roster.offered"
LESSON_START = "teacher.lesson.start"
LESSON_LOCKED = "teacher.lesson.locked"
LESSON_PAGES = "teacher.lesson.pages"
CHALLENGE_KIND = "teacher.challenge.kind"
CONFIRM_CLEAR = "teacher.confirm_clear"
CLASS_SUMMARY = "teacher.class_summary"


def cancel_job(job_id: str) -> str:
    """The teacher's Cancel button of one job."""
    return f"teacher.cancel.{job_id}"


# -- Experiments ------------------------------------------------------------------
SWEEP_FIELDS = "experiments.fields"
SWEEP_KIND = "experiments.kind"
SWEEP_DRAWS = "experiments.draws"
SWEEP_SEEDS = "experiments.seeds"
SWEEP_QUESTION = "experiments.question"
#: The sweep chosen in the menu of recent sweeps.
SWEEP_SHOWN = "experiments.shown"
#: The id of the sweep this session started last.
SWEEP_MINE = "experiments.mine"
#: The sweep whose progress this session is watching (the page reruns once it ends).
SWEEP_WATCHING = "experiments.watching"
#: Why the last sweep could not start, to show once.
SWEEP_START_ERROR = "experiments.start_error"


def sweep_values(field: str) -> str:
    """The values box of one varied field."""
    return f"experiments.values.{field}"


def sweep_chart(title: str) -> str:
    """One of the findings' figures."""
    return f"experiments.chart.{title}"
