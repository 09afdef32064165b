"""Draw's controls, pictures of paper, and keeping a drawing: what a stroke does not change, so it sits
outside the drawing board.

The board (a fragment in ``pages/draw.py``) reads these widgets' values from the
session by their keys; changing one reruns the page. "Keep it for the class"
keeps the drawing the board left in the session.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st
from PIL import Image

from mnist_core.images import EVEN_BAND, MAX_IMAGE_BYTES, MNIST_STROKE_WIDTH, Steps
from mnist_core.pictures import as_uint8, pixels_row_html

from . import classroom, errors, keys, layout, resources
from .language import current, t

#: The photo and its ink as they are shown above the reading (px; side by side where they fit).
PHOTO_WIDTH = 240


def next_canvas() -> None:
    """A fresh, empty canvas (a new key remounts it)."""
    st.session_state[keys.CANVAS_ROUND] += 1


def controls(*, explained_model: str, canvas: bool = True) -> None:
    """The pen and the steps: outside the drawing board, so that a stroke does not send them again.

    With ``canvas`` off (a photo is read instead) there is no pen to choose.
    """
    # Set on every run: Streamlit forgets a widget's value on a run that does not draw it (a photo's).
    st.session_state[keys.DRAW_PEN] = st.session_state.get(keys.DRAW_PEN, 20)
    if canvas:
        with st.container(horizontal=True, vertical_alignment="bottom"):
            st.button(t("Clear"), icon=":material/ink_eraser:", on_click=next_canvas)
            st.slider(
                t("Pen width"), 8, 40, key=keys.DRAW_PEN,
                help=t("MNIST digits have strokes about 2–3 pixels wide out of 28."),
            )  # fmt: skip
    own = st.toggle(
        t("Each model's own confidence threshold"), value=True, key=keys.DRAW_OWN_THRESHOLD,
        help=t("Below its threshold a model says 'not sure'. Each model's own was chosen on validation "
               "images so that the answers it does give are 99.5 % right; a model that learned 'not a digit' "
               "refuses with that answer instead, and is not sure only below 50 %."),
    )  # fmt: skip
    if not own:
        st.slider(t("Say 'not sure' below"), 0.5, 0.99, 0.6, 0.01, key=keys.DRAW_THRESHOLD)
    if canvas:
        st.caption(t("Draw with the mouse (or a finger); the models answer when you lift it. Undo is in the toolbar."))
        st.caption(t("Several digits side by side, with a gap between them, are read as a number."))
    st.markdown("**" + t("From the canvas to what the models see") + "**")
    st.toggle(t("Crop to the ink and fit it into 20 × 20"), value=True, key=keys.DRAW_CROP)
    st.toggle(t("Centre it by its centre of mass"), value=True, key=keys.DRAW_CENTRE)
    st.toggle(
        t("Redraw strokes far thinner or thicker than MNIST's"), value=True, key=keys.DRAW_STROKE,
        help=t("Where the strokes, once fitted into 20 × 20, measure outside 1.5–10 pixels (MNIST's are 1.5–4.4; "
               "a thick pen on a small digit, a hairline on a big one), thins the ink to its centre line and "
               "redraws it about 2.5 pixels wide. Strokes within that band are left as written."),
    )  # fmt: skip
    st.toggle(
        t("Show which pixels made the answer"), key=keys.DRAW_SALIENCY,
        help=t("Red pixels pushed {model} towards its answer, blue ones away from it "
               "(gradient × input of the answer's log-probability).", model=explained_model),
    )  # fmt: skip
    st.caption(t("MNIST digits were made this way; switch a step off to see what it is worth."))


def reading_options(*, placing: bool = True) -> dict[str, Any]:
    """The steps and threshold chosen beside the canvas, as keyword arguments of ``read_drawing``
    (without ``placing``, of ``read_photo_of_writing``, which crops and centres each digit itself)."""
    state = st.session_state
    options = {
        "threshold": None if state[keys.DRAW_OWN_THRESHOLD] else state[keys.DRAW_THRESHOLD],
        "stroke": state[keys.DRAW_STROKE],
        "explain": state[keys.DRAW_SALIENCY],
    }
    if placing:
        options |= {"crop": state[keys.DRAW_CROP], "centre": state[keys.DRAW_CENTRE]}
    return options


def step_captions(steps: Steps, first_step: str) -> list[str]:
    """What each of the five step pictures shows, with the steps chosen beside the canvas."""
    state = st.session_state
    width = f"{steps.width_as_written:.1f}"
    if not state[keys.DRAW_STROKE]:
        evened = t("strokes as drawn")
    elif steps.redrawn:
        evened = t("strokes {width} px wide once fitted: redrawn at MNIST's {mnist}", width=width,
                   mnist=MNIST_STROKE_WIDTH)  # fmt: skip
    else:
        evened = t("strokes {width} px wide once fitted, within {low}–{high}: left as drawn", width=width,
                   low=EVEN_BAND[0], high=EVEN_BAND[1])  # fmt: skip
    return [
        first_step,
        t("cropped to the ink") if state[keys.DRAW_CROP] else t("not cropped"),
        evened,
        t("fitted into 28 × 28"),
        t("centred") if state[keys.DRAW_CENTRE] else t("not centred"),
    ]


def keep_for_class() -> None:
    """Keep the drawing on the canvas for the class's own test set, labelled by whoever drew it."""
    with st.container(border=True):
        label = st.pills(
            t("Keep it for the class: which digit did you draw?"), list(range(10)),
            key=keys.draw_class_label(st.session_state[keys.CANVAS_ROUND]),
            help=t("Kept drawings become the class's own test set (see the Class page): the canvas, "
                   "what the models saw and answered, and who kept it (your nickname in a class)."),
        )  # fmt: skip
        if st.button(t("Keep it for the class"), icon=":material/bookmark_add:", disabled=label is None):
            kept = st.session_state.get(keys.DRAW_READING)
            if kept is None:
                st.warning(t("Draw a digit on the canvas first, then keep it."), icon=":material/draw:")
                return
            canvas, reading = kept
            if reading.number is not None:
                st.warning(t("This reads as a number: keep one digit at a time."), icon=":material/pin:")
                return
            with errors.shown(stop=False):  # Draw goes on either way
                total = classroom.keep_for_class(canvas, reading.model_input, int(label), reading.top_digits())
                kept_text = t("Kept as a {digit}: the class has {total} drawings now.", digit=label, total=total)
                st.success(kept_text, icon=":material/bookmark_added:")


#: A test digit is shown as the canvas would hold it: each of its pixels 10 × 10.
TEST_DIGIT_SCALE = 10


def another_test_digit() -> None:
    """The next test digit of the chosen kind."""
    st.session_state[keys.DRAW_TEST_PICK] = st.session_state.get(keys.DRAW_TEST_PICK, 0) + 1


def test_digit_picture() -> tuple[np.ndarray, int] | None:
    """One of MNIST's test digits, chosen with the keyboard (or a tap), enlarged to the canvas's size.

    The canvas's alternative for whoever cannot draw with a mouse or a finger: pick a digit, and
    **Another one** steps through its test images in a fixed shuffled order. Returns the picture and
    its index in the test set, or None (with what to do) before a digit is picked.
    """
    digit = st.pills(
        t("Which test digit"), list(range(10)), key=keys.DRAW_TEST_DIGIT,
        help=t("One of MNIST's 10 000 test digits, which no model trained on, read as a drawing is."),
    )  # fmt: skip
    if digit is None:
        st.caption(t("Pick a digit: the models read one of MNIST's test images of it, as they read a drawing."))
        return None
    st.button(t("Another one"), icon=":material/shuffle:", on_click=another_test_digit)
    mnist = resources.dataset()
    candidates = np.flatnonzero(mnist.y_test == digit)
    order = np.random.default_rng(digit).permutation(len(candidates))
    index = int(candidates[order[st.session_state.get(keys.DRAW_TEST_PICK, 0) % len(candidates)]])
    st.caption(t("MNIST test digit no. {index}", index=current().number(index)))
    enlarged = np.kron(mnist.x_test[index], np.ones((TEST_DIGIT_SCALE, TEST_DIGIT_SCALE), dtype=np.uint8))
    return enlarged, index


def picture_of_paper(*, camera: bool, upload_name: str) -> bytes | None:
    """The photo the camera took, or the picture uploaded; None (with what to do) while there is none.

    The browser opens the camera only over HTTPS or on the serving computer: elsewhere this
    says so and points to the upload (``upload_name``), whose file picker on a phone offers its camera.
    """
    if camera and not layout.camera_can_open():
        st.info(
            t(
                "The browser opens the camera only over HTTPS or on the computer running the studio. "
                "On a phone, choose **{upload}**: it offers *Take photo* with the phone's own camera.",
                upload=upload_name,
            ),
            icon=":material/no_photography:",
        )
        return None
    if camera:
        shot = st.camera_input(t("Take a photo of a digit or a number written on paper"), key=keys.DRAW_CAMERA)
    else:
        shot = st.file_uploader(
            t("A picture of a digit or a number on paper (PNG or JPEG)"), type=["png", "jpg", "jpeg"],
            key=keys.DRAW_UPLOAD, max_upload_size=MAX_IMAGE_BYTES // 1_000_000,
        )  # fmt: skip
    if shot is None:
        st.caption(t("Write large, in dark ink on plain paper, and fill most of the picture with the writing."))
        return None
    return shot.getvalue()


def photo_and_ink_html(picture: np.ndarray, found: np.ndarray) -> str:
    """The picture as read and the ink found in it, side by side, each sent no larger than it is shown."""
    return pixels_row_html(
        [_shrunk(picture), _shrunk(as_uint8(found))],
        [t("the picture, upright"), t("the ink found, light flattened")],
        width=PHOTO_WIDTH,
    )


def _shrunk(picture: np.ndarray) -> np.ndarray:
    image = Image.fromarray(picture)
    image.thumbnail((PHOTO_WIDTH, PHOTO_WIDTH * 2))
    return np.asarray(image)
