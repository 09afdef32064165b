"""Draw: a digit on the canvas, read live by the active models."""

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

import ui
from mnist_core import plots
from mnist_core.errors import EmptyImageError, InvalidImageError
from mnist_core.images import MNIST_STROKE_WIDTH, noise_image, preprocess_steps, stroke_width
from mnist_core.network import saliency

ui.page()

CANVAS_SIDE = 280

st.title("Draw a digit")
models = ui.active_models()
if not models:
    ui.wait_for_first_model()
    st.stop()

st.session_state.setdefault("canvas_round", 0)


@st.fragment
def drawing_board() -> None:
    """Canvas, model input and answers: a stroke reruns only this part of the page."""
    canvas_column, seen_column = st.columns([3, 2])
    with canvas_column:
        pen_width = st.slider("Pen width", 8, 40, 20, help="MNIST digits have strokes about 2–3 pixels wide out of 28.")
        canvas = st_canvas(
            stroke_width=pen_width,
            stroke_color="#FFFFFF",
            background_color="#000000",
            height=CANVAS_SIDE,
            width=CANVAS_SIDE,
            drawing_mode="freedraw",
            return_image_data=True,
            key=f"canvas-{st.session_state.canvas_round}",
        )
        st.button("Clear", icon=":material/ink_eraser:", on_click=ui.next_canvas)
        own = st.toggle(
            "Each model's own confidence threshold",
            value=True,
            help="Below its threshold a model says 'not sure'. Each model's own was chosen on validation "
            "images so that the answers it does give are 99.5 % right.",
        )
        threshold = None if own else st.slider("Say 'not sure' below", 0.5, 0.99, 0.6, 0.01)
        st.caption("Draw with the mouse (or a finger); the models answer when you lift it. Undo is in the toolbar.")

    with seen_column:
        st.markdown("**What the models see** (28 × 28)")
        seen = st.empty()
        crop = st.toggle("Crop to the ink and fit it into 20 × 20", value=True, key="step_crop")
        centre = st.toggle("Centre it by its centre of mass", value=True, key="step_centre")
        stroke = st.toggle(
            "Redraw the strokes as wide as MNIST's",
            value=True,
            key="step_stroke",
            help="Thins the ink to its centre line and redraws it about 2.5 pixels wide out of 28, whatever "
            "the pen and the size of the digit: a thick pen on a small digit no longer makes a blob.",
        )
        explain = st.toggle(
            "Show which pixels made the answer",
            key="saliency",
            help=f"Red pixels pushed {models[0].name} towards its answer, blue ones away from it "
            "(gradient × input of the answer's log-probability).",
        )
        st.caption("MNIST digits were made this way; switch a step off to see what it is worth.")

    steps = None
    try:
        if canvas.image_data is not None:
            steps = preprocess_steps(canvas.image_data, crop=crop, centre=centre, stroke=stroke)
    except EmptyImageError:
        pass
    except InvalidImageError as error:
        ui.show_error(error)
    image = None if steps is None else steps.result
    if image is None:
        seen.image(plots.enlarge(np.zeros((28, 28))), width=224)
    else:
        st.session_state[ui.LAST_DRAWING_KEY] = image  # the Inside page shows it flowing through the network
        if explain:
            network = ui.network(models[0])
            digit = int(network.predict(image)[0])
            shown = plots.saliency_overlay(image, saliency(network, image, digit))
            seen.image(shown, width=224, caption=f"what made {models[0].name} say {digit}")
        else:
            seen.image(plots.enlarge(image), width=224)
    if steps is not None:
        with st.expander("Each step from canvas to model input"):
            stages = st.columns(5)
            stages[0].image(steps.ink, caption="the canvas, as ink", width=120, clamp=True)
            stages[1].image(
                steps.cropped, caption="cropped to the ink" if crop else "not cropped", width=120, clamp=True
            )
            evened = f"strokes {stroke_width(steps.result):.1f} px wide (MNIST: {MNIST_STROKE_WIDTH})"
            stages[2].image(steps.evened, caption=evened if stroke else "strokes as drawn", width=120, clamp=True)
            stages[3].image(plots.enlarge(steps.placed, 5), caption="fitted into 28 × 28", width=120)
            stages[4].image(plots.enlarge(steps.result, 5), caption="centred" if centre else "not centred", width=120)

    if image is None:
        st.info("Draw a digit on the black square to see what the models say.", icon=":material/draw:")
        return
    answers = {}
    for column, model in zip(st.columns(len(models)), models, strict=True):
        probabilities = ui.network(model).predict_proba(image)[0]
        answers[model.id] = int(probabilities.argmax())
        answer, caption = ui.verdict(probabilities, threshold or model.reject_threshold)
        with column, st.container(border=True):
            st.markdown(f"**{model.name}** · {model.framework} {model.spec.architecture}")
            st.caption(f"says 'not sure' below {threshold or model.reject_threshold:.0%}")
            st.markdown(
                f"<div class='prediction' style='font-size:5rem;font-weight:700;line-height:1'>{answer}</div>",
                unsafe_allow_html=True,
            )
            st.caption(caption)
            st.html(plots.probability_bars_html(probabilities))
    with st.container(border=True):
        label = st.pills(
            "Keep it for the class: which digit did you draw?",
            list(range(10)),
            key=f"class_label-{st.session_state.canvas_round}",
            help="Kept drawings become the class's own test set (see the Class page): the canvas, "
            "what the models saw and answered, and an anonymous session id, never a name.",
        )
        if st.button("Keep it for the class", icon=":material/bookmark_add:", disabled=label is None):
            ui.keep_for_class(canvas.image_data, image, int(label), answers)


drawing_board()

st.divider()
st.subheader("What does a network say about noise?")
st.caption(
    "A classifier has no 'none of these' answer: it spreads its probability over the ten digits, "
    "often confidently, even for pure noise."
)
if st.button("Show random noise", icon=":material/grain:"):
    st.session_state.noise_seed = int(np.random.default_rng().integers(1 << 31))
if "noise_seed" in st.session_state:
    noise = noise_image(st.session_state.noise_seed)
    cols = st.columns([1, *([2] * len(models))])
    cols[0].image(plots.enlarge(noise, 6), caption="random pixels", width=168)
    for column, model in zip(cols[1:], models, strict=True):
        probabilities = ui.network(model).predict_proba(noise)[0]
        with column:
            st.markdown(f"**{model.name}** says **{int(probabilities.argmax())}** ({probabilities.max():.0%})")
            st.html(plots.probability_bars_html(probabilities))
