"""Draw: a digit on the canvas, read live by the active models."""

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from mnist_core import plots
from mnist_core.errors import EmptyImageError
from mnist_core.images import MNIST_STROKE_WIDTH, noise_image
from mnist_core.network import Reading, read_drawing, read_image
from studio import classroom, errors, frame, jobs, keys, layout, report, resources, session

frame.page()

#: The width of an answer's big digit and its captions, beside the bars (px).
ANSWER_WIDTH = 110
#: The key of the browser's measure of the page's width (which sets the canvas's side).
MEASURE_KEY = "draw.screen"

layout.narrow_screen_styles()
st.title("Draw a digit")
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


def next_canvas() -> None:
    """A fresh, empty canvas (a new key remounts it)."""
    st.session_state[keys.CANVAS_ROUND] += 1


def show_answers(reading: Reading) -> None:
    """Each active model's answer: the big digit (or "?"), how sure it is, and a bar per digit.

    One model has its bars beside the digit; two models stand side by side, each above its bars, on a
    phone too, so that both answers are on the phone's first screen with the canvas.
    """
    single = len(models) == 1
    with st.container(horizontal=True, gap="small", key=layout.ANSWERS_KEY):
        for model in models:
            reply = reading.answers[model.id]
            answer, caption = report.verdict(reply.answer)
            bars = plots.probability_bars_html(reply.probabilities)
            with st.container(border=True, gap="xsmall"):
                st.markdown(f"**{model.name}** · {model.framework} {model.spec.architecture}")
                with st.container(horizontal=True, wrap=False, vertical_alignment="center", gap="small"):
                    with st.container(width=ANSWER_WIDTH if single else "content", gap="xxsmall"):
                        st.markdown(
                            f"<div class='prediction' style='font-size:5rem;font-weight:700;line-height:1'>"
                            f"{answer}</div>",
                            unsafe_allow_html=True,
                        )
                        if single:
                            st.caption(caption)
                    if single:
                        st.html(bars)
                    else:
                        st.caption(caption)
                if not single:
                    st.html(bars)
                st.caption(f"says 'not sure' below {reply.threshold:.0%}")


@st.fragment
def drawing_board() -> None:
    """Canvas, answers and model input: a stroke reruns only this part of the page.

    On a phone the two columns stack: the canvas and the answers right under it come first, then the
    pen, the steps and the model input; on a wide screen these are beside the canvas.
    """
    round_ = st.session_state[keys.CANVAS_ROUND]
    canvas_column, seen_column = st.columns([3, 2])
    with seen_column:
        with st.container(horizontal=True, vertical_alignment="bottom"):
            st.button("Clear", icon=":material/ink_eraser:", on_click=next_canvas)
            pen_width = st.slider(
                "Pen width", 8, 40, 20, help="MNIST digits have strokes about 2–3 pixels wide out of 28."
            )
        own = st.toggle(
            "Each model's own confidence threshold", value=True,
            help="Below its threshold a model says 'not sure'. Each model's own was chosen on validation "
            "images so that the answers it does give are 99.5 % right.",
        )  # fmt: skip
        threshold = None if own else st.slider("Say 'not sure' below", 0.5, 0.99, 0.6, 0.01)
        st.caption("Draw with the mouse (or a finger); the models answer when you lift it. Undo is in the toolbar.")
    with canvas_column:
        side = layout.canvas_side()
        canvas = st_canvas(
            stroke_width=pen_width, stroke_color="#FFFFFF", background_color="#000000", height=side,
            width=side, drawing_mode="freedraw", return_image_data=True, key=keys.draw_canvas(round_),
        )  # fmt: skip
        answers_area = st.container()
        layout.measure_screen(key=MEASURE_KEY, on_new_side=next_canvas)

    with seen_column:
        st.markdown("**What the models see** (28 × 28)")
        seen = st.empty()
        crop = st.toggle("Crop to the ink and fit it into 20 × 20", value=True, key=keys.DRAW_CROP)
        centre = st.toggle("Centre it by its centre of mass", value=True, key=keys.DRAW_CENTRE)
        stroke = st.toggle(
            "Redraw the strokes as wide as MNIST's", value=True, key=keys.DRAW_STROKE,
            help="Thins the ink to its centre line and redraws it about 2.5 pixels wide out of 28, whatever "
            "the pen and the size of the digit: a thick pen on a small digit no longer makes a blob.",
        )  # fmt: skip
        explain = st.toggle(
            "Show which pixels made the answer", key=keys.DRAW_SALIENCY,
            help=f"Red pixels pushed {models[0].name} towards its answer, blue ones away from it "
            "(gradient × input of the answer's log-probability).",
        )  # fmt: skip
        st.caption("MNIST digits were made this way; switch a step off to see what it is worth.")

    reading = None
    with errors.shown(stop=False):
        try:
            if canvas.image_data is not None:
                reading = read_drawing(
                    canvas.image_data, networks, thresholds=own_thresholds, threshold=threshold,
                    crop=crop, centre=centre, stroke=stroke, explain=explain,
                )  # fmt: skip
        except EmptyImageError:
            pass  # nothing drawn yet: the page asks for a digit below
    if reading is None:
        seen.image(plots.enlarge(np.zeros((28, 28))), width=224)
        answers_area.info("Draw a digit on the black square to see what the models say.", icon=":material/draw:")
        return
    session.keep_drawing(reading.model_input)  # the Inside page shows it flowing through the network
    with answers_area:
        show_answers(reading)
    first = reading.answers[models[0].id]
    if first.saliency is not None:
        overlay = plots.saliency_overlay(reading.model_input, first.saliency)
        seen.image(overlay, width=224, caption=f"what made {models[0].name} say {first.top_digit}")
    else:
        seen.image(plots.enlarge(reading.model_input), width=224)
    steps = reading.steps
    with st.expander("Each step from canvas to model input"):
        stages = st.columns(5)
        stages[0].image(steps.ink, caption="the canvas, as ink", width=120, clamp=True)
        stages[1].image(steps.cropped, caption="cropped to the ink" if crop else "not cropped", width=120, clamp=True)
        evened = f"strokes {reading.stroke_width:.1f} px wide (MNIST: {MNIST_STROKE_WIDTH})"
        stages[2].image(steps.evened, caption=evened if stroke else "strokes as drawn", width=120, clamp=True)
        stages[3].image(plots.enlarge(steps.placed, 5), caption="fitted into 28 × 28", width=120)
        stages[4].image(plots.enlarge(steps.result, 5), caption="centred" if centre else "not centred", width=120)

    with st.container(border=True):
        label = st.pills(
            "Keep it for the class: which digit did you draw?", list(range(10)), key=keys.draw_class_label(round_),
            help="Kept drawings become the class's own test set (see the Class page): the canvas, "
            "what the models saw and answered, and who kept it (your nickname in a class).",
        )  # fmt: skip
        if st.button("Keep it for the class", icon=":material/bookmark_add:", disabled=label is None):
            with errors.shown(stop=False):  # Draw goes on either way
                total = classroom.keep_for_class(
                    canvas.image_data, reading.model_input, int(label), reading.top_digits()
                )
                st.success(f"Kept as a {label}: the class has {total} drawings now.", icon=":material/bookmark_added:")


drawing_board()

st.divider()
st.subheader("What does a network say about noise?")
st.caption(
    "A classifier has no 'none of these' answer: it spreads its probability over the ten digits, "
    "often confidently, even for pure noise."
)
if st.button("Show random noise", icon=":material/grain:"):
    st.session_state[keys.DRAW_NOISE_SEED] = int(np.random.default_rng().integers(1 << 31))
if keys.DRAW_NOISE_SEED in st.session_state:
    noise = noise_image(st.session_state[keys.DRAW_NOISE_SEED])
    cols = st.columns([1, *([2] * len(models))])
    cols[0].image(plots.enlarge(noise, 6), caption="random pixels", width=168)
    noise_answers = read_image(noise, networks)
    for column, model in zip(cols[1:], models, strict=True):
        reply = noise_answers[model.id]
        with column:
            st.markdown(f"**{model.name}** says **{reply.top_digit}** ({reply.probabilities.max():.0%})")
            st.html(plots.probability_bars_html(reply.probabilities))
