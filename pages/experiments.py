"""Experiments: vary one to three settings, train every run in parallel, read the findings."""

from datetime import datetime

import streamlit as st

from mnist_core import experiments
from mnist_core.classroom import require_teacher
from mnist_core.engine import ACTIVE
from mnist_core.errors import MnistCoreError
from mnist_core.language import marked
from mnist_core.spec import field_name as spec_field_name
from studio import classroom, controls, errors, frame, keys, language, resources
from studio.language import t

frame.page()

KIND_LABELS = {"grid": marked("grid"), "random": marked("random draws")}


def field_name(name: str) -> str:
    """A varied field in the reader's words."""
    return t(spec_field_name(name))


def on_start(plan: experiments.SweepPlan) -> None:
    """Start the planned sweep, or keep the reason it cannot start."""
    try:
        who = classroom.actor()
        # A sweep trains many models past one student's job and budget: it is the teacher's, as in a lesson.
        require_teacher(who, "start a sweep: it trains many models on the class's workers")
        record = experiments.start(training, sweeps, plan.sweep, who.session)
        classroom.teacher_acted()
        st.session_state[keys.SWEEP_MINE] = record.id
    except MnistCoreError as error:
        st.session_state[keys.SWEEP_START_ERROR] = language.explained(error)


controls.start()
st.title(t("Experiments"))
st.caption(
    t(
        "Ask the data a question: vary one to three settings, train every run in parallel, and read what changed "
        "what. Several seeds per setting show how much is chance."
    )
)
with errors.shown():
    training, sweeps = resources.training_queue(), resources.sweep_table()

with st.expander(t("Base settings: every run starts from these (the same controls as on Train)")):
    controls.render(classroom.lesson_locks())
left, right = st.columns([3, 2])
with left:
    varied = st.multiselect(
        t("Vary"), list(experiments.VARIABLE_FIELDS), default=["hidden_layers", "learning_rate"], key=keys.SWEEP_FIELDS,
        max_selections=experiments.MAX_FIELDS, format_func=field_name,
    )  # fmt: skip
    kind = st.radio(
        t("Runs"), experiments.SWEEP_KINDS, key=keys.SWEEP_KIND, horizontal=True,
        format_func=lambda kind: t(KIND_LABELS[kind]),
        help=t("grid: every combination of the values. random draws: settings drawn from ranges low:high."),
    )  # fmt: skip
    for name in varied:
        st.session_state.setdefault(keys.sweep_values(name), experiments.example_values(name, kind))
        st.text_input(
            t("{field}: values", field=field_name(name)),
            key=keys.sweep_values(name),
            help=t(experiments.VARIABLE_FIELDS[name]),
        )
with right:
    draws = st.number_input(
        t("Random settings"), 2, experiments.MAX_RUNS, 8, key=keys.SWEEP_DRAWS, disabled=kind == "grid"
    )
    seeds = st.number_input(
        t("Seeds per setting"), 1, experiments.MAX_SEEDS, 1, key=keys.SWEEP_SEEDS,
        help=t("The same setting with other random starts: the spread is what chance alone does."),
    )  # fmt: skip
    question = st.text_input(
        t("Question"), key=keys.SWEEP_QUESTION, placeholder=t("Do bigger layers pay for their training time?")
    )

plan = None
with errors.shown(stop=False):
    values = {name: st.session_state[keys.sweep_values(name)] for name in varied}
    plan = experiments.plan_sweep(
        controls.controls_spec(), values, kind=kind, draws=draws, seeds=seeds, question=question,
        workers=training.engine.worker_count,
    )  # fmt: skip
    st.caption(
        t(
            "**{runs} runs**; about {minutes} min of training on {workers} worker(s). Runs the store already holds "
            "are not trained again; the class's single models go first.",
            runs=plan.run_count,
            minutes=plan.minutes,
            workers=plan.workers,
        )
    )
st.button(
    t("Start the sweep"), type="primary", icon=":material/science:", disabled=plan is None,
    on_click=on_start, args=(plan,),
    help=None if classroom.is_teacher() else t("In a class, sweeps are the teacher's: they train many models at once."),
)  # fmt: skip
if start_error := st.session_state.pop(keys.SWEEP_START_ERROR, None):
    st.error(start_error, icon=":material/error:")

recent = sweeps.recent()
if not recent:
    st.info(t("No sweep yet: choose what to vary above and press **Start the sweep**."), icon=":material/science:")
    st.stop()
st.divider()
mine = st.session_state.get(keys.SWEEP_MINE)
by_id = {record.id: record for record in recent}
ids = list(by_id)


def sweep_name(sweep_id: int) -> str:
    shown = by_id[sweep_id]
    when = datetime.fromtimestamp(shown.created).strftime("%H:%M")
    return t("{title} — {runs} runs, {when}", title=shown.sweep.title(language.current()),
             runs=shown.sweep.run_count, when=when)  # fmt: skip


chosen = st.selectbox(
    t("Sweep"), ids, index=ids.index(mine) if mine in ids else 0, key=keys.SWEEP_SHOWN, format_func=sweep_name
)
record = by_id[chosen]


def progress() -> None:
    """Every run's state and epochs, refreshed while the sweep trains."""
    sweep_runs = experiments.runs(training, record)
    ended = sum(run.state not in ACTIVE for run in sweep_runs)
    st.progress(ended / len(sweep_runs), text=t("{ended} of {runs} runs ended", ended=ended, runs=len(sweep_runs)))
    words = language.current()
    rows = experiments.results_table(record.sweep, sweep_runs, words=words)
    state = words.text("state")
    for row, run in zip(rows, sweep_runs, strict=True):
        if run.events:
            row[state] = t("epoch {epoch}/{epochs}", epoch=run.events[-1].epoch, epochs=run.spec.epochs)
    st.dataframe(rows, hide_index=True, width="stretch")
    if experiments.finished(sweep_runs) and st.session_state.get(keys.SWEEP_WATCHING) == record.id:
        st.session_state[keys.SWEEP_WATCHING] = None
        st.rerun()


sweep_runs = experiments.runs(training, record)
training_now = not experiments.finished(sweep_runs)
if training_now:
    st.session_state[keys.SWEEP_WATCHING] = record.id
    teacher = classroom.is_teacher()  # a sweep is the teacher's to stop, as to start
    if st.button(t("Stop the sweep"), icon=":material/stop:", disabled=not teacher) and teacher:
        experiments.stop(training, sweeps, record)
        classroom.teacher_acted()
        st.rerun()
st.fragment(run_every=2.0 if training_now else None)(progress)()

words = language.current()
result = experiments.findings(record.sweep, sweep_runs, words=words)
st.header(result.question)
st.markdown("\n".join(f"- {sentence}" for sentence in result.sentences))
charts = experiments.figures(record.sweep, sweep_runs, words=words)
if charts:
    for tab, (title, figure) in zip(st.tabs(list(charts)), charts.items(), strict=True):
        tab.plotly_chart(figure, key=keys.sweep_chart(title))
    html_column, markdown_column, _ = st.columns([1, 1, 3])
    html_column.download_button(
        t("Findings (HTML)"), lambda: experiments.report_html(record.sweep, sweep_runs, words=words),
        file_name=f"sweep-{record.id}.html", mime="text/html", icon=":material/download:", on_click="ignore",
    )  # fmt: skip
    markdown_column.download_button(
        t("Findings (Markdown)"), lambda: experiments.report_markdown(record.sweep, sweep_runs, words=words),
        file_name=f"sweep-{record.id}.md", mime="text/markdown", icon=":material/download:", on_click="ignore",
    )  # fmt: skip
