"""Experiments: vary one to three settings, train every run in parallel, read the findings."""

import math
from datetime import datetime

import streamlit as st

import controls
import ui
from mnist_core.engine import ACTIVE, estimate_seconds
from mnist_core.errors import MnistCoreError
from mnist_core.experiments import figures, findings, report_html, report_markdown, results_table
from mnist_core.experiments import sweep as sweeping

ui.page()

#: What a field's values box starts with.
EXAMPLES = {
    "hidden_layers": "32, 64, 128",
    "learning_rate": "0.001, 0.01",
    "batch_size": "32, 128, 512",
    "epochs": "2, 5, 10",
    "train_size": "1000, 10000, 60000",
    "l2": "0, 0.0001, 0.01",
    "dropout": "0, 0.2, 0.5",
    "momentum": "0, 0.5, 0.9",
    "activation": "relu, tanh, logistic",
    "optimizer": "sgd, adam",
    "schedule": "constant, cosine",
    "augment": "off, light",
    "framework": "sklearn, keras",
    "validation_fraction": "0.05, 0.1, 0.2",
}
RANGES = {"hidden_layers": "16:256", "learning_rate": "0.0001:0.03", "batch_size": "16:1024", "l2": "0.00001:0.1"}
SWEEP_KEY = "x_sweep"


def planned() -> sweeping.Sweep | None:
    """The sweep the controls describe, or None after saying what is wrong with it."""
    state = st.session_state
    draws = state.x_draws if state.x_kind == "random draws" else 0
    try:
        base = ui.controls_spec()
        if base is None:
            ui.spec_error(())
            return None
        vary = tuple(
            (name, sweeping.parse_values(name, state.get(f"x_values_{name}", ""), ranges=bool(draws)))
            for name in state.x_fields
        )
        return sweeping.Sweep(base, vary, seeds=state.x_seeds, draws=draws, question=state.x_question.strip())
    except MnistCoreError as error:
        st.error(str(error), icon=":material/error:")
        return None


def on_start(sweep: sweeping.Sweep) -> None:
    try:
        record = sweeping.start(training, sweeps, sweep, ui.session_id())
        st.session_state[SWEEP_KEY] = record.id
    except MnistCoreError as error:
        st.session_state.x_error = str(error)


controls.start()
st.title("Experiments")
st.caption(
    "Ask the data a question: vary one to three settings, train every run in parallel, and read what changed "
    "what. Several seeds per setting show how much is chance."
)
training, sweeps = ui.training_queue(), ui.sweep_table()
if training is None or sweeps is None:
    st.stop()

with st.expander("Base settings: every run starts from these (the same controls as on Train)"):
    controls.render(ui.lesson_locks())
left, right = st.columns([3, 2])
with left:
    st.multiselect(
        "Vary", list(sweeping.VARIABLE_FIELDS), default=["hidden_layers", "learning_rate"], key="x_fields",
        max_selections=sweeping.MAX_FIELDS, format_func=lambda name: name.replace("_", " "),
    )  # fmt: skip
    kind = st.radio(
        "Runs", ["grid", "random draws"], key="x_kind", horizontal=True,
        help="grid: every combination of the values. random draws: settings drawn from ranges low:high.",
    )  # fmt: skip
    for name in st.session_state.x_fields:
        example = RANGES.get(name, EXAMPLES[name]) if kind == "random draws" else EXAMPLES[name]
        st.session_state.setdefault(f"x_values_{name}", example)
        st.text_input(f"{name.replace('_', ' ')}: values", key=f"x_values_{name}", help=sweeping.VARIABLE_FIELDS[name])
with right:
    st.number_input("Random settings", 2, sweeping.MAX_RUNS, 8, key="x_draws", disabled=kind == "grid")
    st.number_input(
        "Seeds per setting", 1, sweeping.MAX_SEEDS, 1, key="x_seeds",
        help="The same setting with other random starts: the spread is what chance alone does.",
    )  # fmt: skip
    st.text_input("Question", key="x_question", placeholder="Do bigger layers pay for their training time?")

sweep = planned()
if sweep is not None:
    seconds = sum(estimate_seconds(spec) for spec in sweep.specs())
    workers = max(1, training.engine.worker_count)
    st.caption(
        f"**{sweep.run_count} runs**; about {math.ceil(seconds / workers / 60)} min of training on {workers} "
        f"worker{'s' if workers > 1 else ''}. Runs the store already holds are not trained again; the class's "
        "single models go first."
    )
st.button(
    "Start the sweep", type="primary", icon=":material/science:", disabled=sweep is None,
    on_click=on_start, args=(sweep,),
)  # fmt: skip
if error := st.session_state.pop("x_error", None):
    st.error(error, icon=":material/error:")

recent = sweeps.recent()
if not recent:
    st.info("No sweep yet: choose what to vary above and press **Start the sweep**.", icon=":material/science:")
    st.stop()
st.divider()
mine = st.session_state.get(SWEEP_KEY)
ids = [record.id for record in recent]
by_id = {record.id: record for record in recent}
chosen = st.selectbox(
    "Sweep", ids, index=ids.index(mine) if mine in ids else 0, key="x_shown",
    format_func=lambda i: f"{by_id[i].sweep.title()} — {by_id[i].sweep.run_count} runs, "
    f"{datetime.fromtimestamp(by_id[i].created):%d %b %H:%M}",
)  # fmt: skip
record = by_id[chosen]


def progress() -> None:
    """Every run's state and epochs, refreshed while the sweep trains."""
    found = sweeping.runs(training, record)
    done = sum(run.state not in ACTIVE for run in found)
    st.progress(done / len(found), text=f"{done} of {len(found)} runs ended")
    rows = results_table(record.sweep, found)
    for row, run in zip(rows, found, strict=True):
        if run.events:
            row["state"] = f"epoch {run.events[-1].epoch}/{run.spec.epochs}"
    st.dataframe(rows, hide_index=True, width="stretch")
    if sweeping.finished(found) and st.session_state.get("x_watching") == record.id:
        st.session_state.x_watching = None
        st.rerun()


found = sweeping.runs(training, record)
active = not sweeping.finished(found)
if active:
    st.session_state.x_watching = record.id
    if st.button("Stop the sweep", icon=":material/stop:"):
        sweeping.stop(training, sweeps, record)
        st.rerun()
st.fragment(run_every=2.0 if active else None)(progress)()

result = findings(record.sweep, found)
st.subheader(result.question)
st.markdown("\n".join(f"- {sentence}" for sentence in result.sentences))
charts = figures(record.sweep, found)
if charts:
    for tab, (title, figure) in zip(st.tabs(list(charts)), charts.items(), strict=True):
        tab.plotly_chart(figure, key=f"x_chart_{title}")
    html_column, markdown_column, _ = st.columns([1, 1, 3])
    html_column.download_button(
        "Findings (HTML)", lambda: report_html(record.sweep, found), file_name=f"sweep-{record.id}.html",
        mime="text/html", icon=":material/download:", on_click="ignore",
    )  # fmt: skip
    markdown_column.download_button(
        "Findings (Markdown)", lambda: report_markdown(record.sweep, found), file_name=f"sweep-{record.id}.md",
        mime="text/markdown", icon=":material/download:", on_click="ignore",
    )  # fmt: skip
