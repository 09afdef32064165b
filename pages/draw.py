"""Draw: a digit on the canvas, or on paper through a photo, read live by the active models."""

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from mnist_core import images, plots
from mnist_core.errors import EmptyImageError
from mnist_core.language import marked
from mnist_core.network import Reading, read_drawing, read_image, read_photo_of_writing
from mnist_core.pictures import pixels_html, pixels_row_html
from studio import drawing, errors, frame, jobs, keys, language, layout, resources, session
from studio.answers import answers_html, number_html
from studio.language import percent, t

frame.page()

#: The side of "What the models see", and of each step's picture (px).
SEEN_WIDTH, STEP_WIDTH = 224, 120
SEEN_TITLE = "<p style='font-weight:600;margin:0.5rem 0 0.25rem'>{}</p>"
#: The key of the browser's measure of the page's width (which sets the canvas's side).
MEASURE_KEY = "draw.screen"
#: Where the digit comes from (shown in the browser's language).
CANVAS, CAMERA, UPLOAD, TEST_DIGIT = (
    marked("Draw"),
    marked("Take a photo"),
    marked("Upload a picture"),
    marked("A test digit"),
)
seen_title = SEEN_TITLE.format(t("What the models see (28 × 28)"))

layout.narrow_screen_styles()
st.title(t("Draw a digit"))
models = session.active_models()
if not models:
    training = None
    with errors.shown(stop=False):
        training = resources.training_queue()
    jobs.wait_for_first_model(training)
    st.stop()

st.session_state.setdefault(keys.CANVAS_ROUND, 0)
networks = {model.id: resources.network(model) for model in models}
own_thresholds = {model.id: model.reject_threshold for model in models}


@st.fragment
def drawing_board() -> None:
    """The canvas, the answers and what the models see: a stroke reruns only this part of the page.

    Only what changes with the drawing is here, so a stroke costs the server little: the
    controls beside it are read from the session, and the steps' pictures are made only while
    "Each step" is open. On a phone the canvas and the answers right under it come first.
    """
    state = st.session_state
    side = layout.canvas_side()
    canvas = st_canvas(
        stroke_width=state[keys.DRAW_PEN], stroke_color="#FFFFFF", background_color="#000000", height=side,
        width=side, drawing_mode="freedraw", return_image_data=True, key=keys.draw_canvas(state[keys.CANVAS_ROUND]),
    )  # fmt: skip
    answers_area = st.container(key=layout.ANSWERS_KEY)
    seen = st.empty()

    reading = None
    state.pop(keys.DRAW_READING, None)
    png = canvas.image_bytes
    with errors.shown(stop=False):
        try:
            if png is not None:
                drawn = images.read_image(png, gray=True)  # the black canvas is opaque: its gray levels are the ink
                reading = read_drawing(drawn, networks, thresholds=own_thresholds, **drawing.reading_options())
        except EmptyImageError:
            pass  # nothing drawn yet: the page asks for a digit below
    if reading is None:
        seen.html(seen_title + pixels_html(np.zeros((28, 28)), width=SEEN_WIDTH, alt=t("nothing drawn yet")))
        answers_area.info(t("Draw a digit on the black square to see what the models say."), icon=":material/draw:")
        return
    state[keys.DRAW_READING] = (drawn, reading)
    resources.load_meter().stroke()
    session.keep_drawing(reading.model_input)  # the Inside page shows it flowing through the network
    show_reading(reading, answers_area, seen, first_step=t("the canvas, as ink"))


def show_reading(reading: Reading, answers_area, seen, *, first_step: str) -> None:
    """The answers (or a number's, digit by digit), what the models see, and each step while it is open."""
    if reading.number is not None:
        answers_area.html(layout.Markup(number_html(models, reading.number)))
        return
    answers_area.html(layout.Markup(answers_html(models, reading)))
    first = reading.answers[models[0].id]
    if first.saliency is not None:
        overlay = plots.saliency_overlay(reading.model_input, first.saliency, scale=1)
        caption = t("what made {name} say {digit}", name=models[0].name, digit=first.top_digit)
        seen.html(layout.Markup(seen_title + pixels_html(overlay, width=SEEN_WIDTH, caption=caption)))
    else:
        alt = t("the 28 × 28 image the models read")
        seen.html(layout.Markup(seen_title + pixels_html(reading.model_input, width=SEEN_WIDTH, alt=alt)))
    # The steps' pictures are made and sent only while a student looks at them.
    steps_box = st.expander(t("Each step from canvas to model input"), key=keys.DRAW_STEPS, on_change="rerun")
    if steps_box.open:
        steps = reading.steps
        pictures = [steps.ink, steps.cropped, steps.evened, steps.placed, steps.result]
        captions = drawing.step_captions(steps, first_step)
        steps_box.html(layout.Markup(pixels_row_html(pictures, captions, width=STEP_WIDTH)))


def from_paper(source: str) -> None:
    """A photo or a picture of a digit (or a number) on paper, read as a drawing is."""
    state = st.session_state
    state.pop(keys.DRAW_READING, None)
    shot = drawing.picture_of_paper(camera=source == CAMERA, upload_name=t(UPLOAD))
    if shot is None:
        return
    with errors.shown(stop=False):
        options = drawing.reading_options(placing=False)
        picture, reading = read_photo_of_writing(shot, networks, thresholds=own_thresholds, **options)
        state[keys.DRAW_READING] = (reading.steps.ink, reading)
        session.keep_drawing(reading.model_input)
        st.html(drawing.photo_and_ink_html(picture, reading.steps.ink))
        answers_area, seen = st.container(key=layout.ANSWERS_KEY), st.empty()
        show_reading(reading, answers_area, seen, first_step=t("the ink found in the picture"))


def from_test_digit() -> None:
    """One of MNIST's test digits, picked without drawing (by keyboard), read as a drawing is."""
    state = st.session_state
    state.pop(keys.DRAW_READING, None)  # not the class's own writing: nothing to keep
    picked = drawing.test_digit_picture()
    if picked is None:
        return
    picture, index = picked
    with errors.shown(stop=False):
        reading = read_drawing(picture, networks, thresholds=own_thresholds, **drawing.reading_options())
        session.keep_drawing(reading.model_input)
        answers_area, seen = st.container(key=layout.ANSWERS_KEY), st.empty()
        show_reading(reading, answers_area, seen, first_step=t("test digit no. {index}, enlarged", index=index))


canvas_column, controls_column = st.columns([3, 2])
with controls_column:  # on a phone the columns stack: the canvas and its answers come first
    source = st.segmented_control(
        t("Where the digit comes from"), [CANVAS, CAMERA, UPLOAD, TEST_DIGIT], default=CANVAS, required=True,
        key=keys.DRAW_SOURCE, format_func=t,
        help=t("Draw on the canvas, or write on paper and take a photo of it (or upload one): a digit, or a "
               "number. Or pick one of MNIST's test digits, with the keyboard too."),
    )  # fmt: skip
    drawing.controls(explained_model=models[0].name, canvas=source == CANVAS)
with canvas_column:
    if source == CANVAS:
        drawing_board()
    elif source == TEST_DIGIT:
        from_test_digit()
    else:
        from_paper(source)
    layout.measure_screen(key=MEASURE_KEY, on_new_side=drawing.next_canvas)
if source != TEST_DIGIT:  # the class keeps its own writing
    drawing.keep_for_class()

st.divider()
st.header(t("What does a network say about noise?"))
st.caption(
    t(
        "A classifier knows only the answers it was trained to give. Trained on digits alone, it spreads its "
        "probability over the ten digits, often confidently, even for pure noise. The **quick** and **best** presets "
        "also learned an eleventh answer, 'not a digit', from 6 000 scribbles, letters, shapes and stray marks."
    )
)
if st.button(t("Show random noise"), icon=":material/grain:"):
    st.session_state[keys.DRAW_NOISE_SEED] = int(np.random.default_rng().integers(1 << 31))
if keys.DRAW_NOISE_SEED in st.session_state:
    noise = images.noise_image(st.session_state[keys.DRAW_NOISE_SEED])
    cols = st.columns([1, *([2] * len(models))])
    cols[0].image(plots.enlarge(noise, 6), caption=t("random pixels"), width=168)
    noise_answers = read_image(noise, networks)
    for column, model in zip(cols[1:], models, strict=True):
        reply = noise_answers[model.id]
        with column:
            if reply.answer.non_digit > reply.probabilities.max():
                said = t("**{name}** says **not a digit** ({share})", name=model.name,
                         share=percent(reply.answer.non_digit))  # fmt: skip
            else:
                said = t("**{name}** says **{digit}** ({share})", name=model.name, digit=reply.top_digit,
                         share=percent(reply.probabilities.max()))  # fmt: skip
            st.markdown(said)
            st.html(plots.probability_bars_html(reply.probabilities, words=language.current()))
