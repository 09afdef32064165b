"""Training from the pages: asking the queue for a model, this session's job live, what became of it, the queue.

The pages get the queue from :func:`studio.resources.training_queue` (and show why
there is none); these functions take it.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import streamlit as st

from mnist_core.classroom import ask_for_model, ask_for_presets
from mnist_core.engine import JobStatus, TrainingQueue
from mnist_core.errors import MnistCoreError
from mnist_core.language import Catalogue, marked
from mnist_core.pictures import curves_picture_html, weights_html
from mnist_core.spec import ModelSpec
from mnist_core.training import EpochEvent

from . import classroom, keys, layout, resources
from .language import current, explained, t
from .report import model_report

#: How often a live job's progress is redrawn, in seconds: an epoch takes a few seconds, and each viewer's
#: refresh costs the server a script run. A page opened while the server is busy refreshes less often,
#: so that drawing goes first.
LIVE_SECONDS, BUSY_LIVE_SECONDS = 3.0, 10.0


#: The columns of :func:`queue_rows` (its keys stay English) and their headings, for a page's ``column_config``.
QUEUE_COLUMNS = {
    "model": marked("model"), "state": marked("state"), "progress": marked("progress"), "since": marked("since"),
    "asked by": marked("asked by"), "about": marked("about"),
}  # fmt: skip


@st.cache_data(max_entries=256, show_spinner=False)
def _live_curves(
    job_id: str, attempt: int, count: int, epochs: int, language: str, _events: tuple[EpochEvent, ...],
    _words: Catalogue,
) -> str:  # fmt: skip
    # Drawn once per job, attempt, epoch and language for every session watching it (a retried job counts its
    # epochs from 1 again): a tick with no new epoch sends the same text.
    return curves_picture_html(_events, epochs=epochs, words=_words)


@st.cache_data(max_entries=64, show_spinner=False)
def _live_weights(job_id: str, attempt: int, epoch: int, language: str, _images: np.ndarray, _words: Catalogue) -> str:
    caption = _words.text("First-layer weights after epoch {epoch}", epoch=epoch)
    return weights_html(_images, columns=6, width=346, caption=caption, words=_words)  # twice its pixels


def _side_by_side(curves: str | None, weights: str | None) -> str:
    """The curves taking the room the weights (at their own size) leave them; one under the other on a phone."""
    cells = [
        f'<div style="flex:1 1 18rem;min-width:0">{curves}</div>' if curves else "",
        f'<div style="flex:0 1 auto;max-width:100%;overflow-x:auto">{weights}</div>' if weights else "",
    ]
    return f'<div style="display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start">{"".join(cells)}</div>'


def live_seconds() -> float:
    """How often a live progress shown now refreshes: :data:`LIVE_SECONDS`, or less often when busy."""
    return BUSY_LIVE_SECONDS if resources.load_meter().busy() else LIVE_SECONDS


def request_training(spec: ModelSpec) -> None:
    """Ask the queue for a model of ``spec`` for whoever this browser is (a button's on_click), within the lesson's
    locks and budget; a refusal is kept for :func:`show_refusal`."""
    try:
        ask_for_model(resources.training_queue(), classroom.current_lesson(), spec, by=classroom.actor())
    except MnistCoreError as error:
        st.session_state[keys.QUEUE_REFUSAL] = explained(error)


def request_presets(names: list[str]) -> None:
    """Ask the queue for the class's presets (the teacher's; a button's on_click); a refusal is kept as above."""
    try:
        ask_for_presets(resources.training_queue(), names, by=classroom.actor())
        classroom.teacher_acted()
    except MnistCoreError as error:
        st.session_state[keys.QUEUE_REFUSAL] = explained(error)


def show_refusal() -> None:
    """Show why the last request was refused, once."""
    if keys.QUEUE_REFUSAL in st.session_state:
        st.warning(st.session_state.pop(keys.QUEUE_REFUSAL), icon=":material/hourglass_top:")


def session_job(training: TrainingQueue) -> JobStatus | None:
    """The newest job of whoever this browser is: a student's, whatever the tab or the reload."""
    return training.session_job(classroom.actor().session)


def job_active(training: TrainingQueue) -> bool:
    """Whether whoever this browser is has a job waiting or running."""
    status = session_job(training)
    return status is not None and status.job.active


def describe_wait(status: JobStatus) -> str:
    """Where a waiting job stands: its place, what runs, about how long until it starts."""
    ahead = (status.position or 1) - 1
    place = t("next") if ahead == 0 else t("{count} job(s) ahead", count=ahead)
    return t(
        "Waiting in the queue: {place}, {running} training now on {workers} worker(s); starts in about {wait}, "
        "then trains for about {train}.",
        place=place, running=status.running, workers=status.workers, wait=duration(status.wait_seconds),
        train=duration(status.train_seconds),
    )  # fmt: skip


def duration(seconds: float) -> str:
    """``45 s``, or ``3 min`` from a minute and a half on."""
    if seconds < 90:
        return t("{seconds} s", seconds=round(seconds))
    return t("{minutes} min", minutes=round(seconds / 60))


def _epoch_progress(status: JobStatus) -> tuple[float, str]:
    """How far a running job is (0 to 1) and the words for it: "epoch 2 of 5", or "starting"."""
    last = status.events[-1] if status.events else None
    if last is None:
        return 0.0, t("starting")
    return last.epoch / last.epochs, t("epoch {epoch} of {epochs}", epoch=last.epoch, epochs=last.epochs)


def _state_words(status: JobStatus) -> str:
    if status.job.state != "running":
        return t("waiting ({place})", place=status.position)
    if not status.events:
        return t("training, starting")
    return t("training, {epoch}", epoch=_epoch_progress(status)[1])


def queue_columns() -> dict[str, Any]:
    """The ``column_config`` of :func:`queue_rows`' table: headings in this browser's language, progress as a bar."""
    columns: dict[str, Any] = {key: st.column_config.Column(t(heading)) for key, heading in QUEUE_COLUMNS.items()}
    columns["progress"] = st.column_config.ProgressColumn(t(QUEUE_COLUMNS["progress"]), min_value=0.0, max_value=1.0,
                                                          format="percent")  # fmt: skip
    return columns


def queue_rows(training: TrainingQueue) -> list[dict[str, object]]:
    """The queue as table rows: what runs and what waits, since when, for how many sessions."""
    now = time.time()
    rows: list[dict[str, object]] = []
    for status in training.overview():
        job = status.job
        rows.append(
            {
                "model": job.label,
                "state": _state_words(status),
                "progress": _epoch_progress(status)[0] if job.state == "running" else None,
                "since": t("{duration} ago", duration=duration(now - (job.started or job.created))),
                "asked by": t("{count} session(s)", count=len(job.sessions)),
                "about": duration(status.train_seconds),
            }
        )
    return rows


def wait_for_first_model(training: TrainingQueue | None) -> None:
    """With no model to use yet: say what trains for this page, and reload the page once a model is ready.

    Args:
        training: the server's queue, or None when it could not start (the page said why).
    """
    if training is None or not training.overview():
        st.info(
            t("No model is active yet: train one on the **Train** page (the `quick` preset takes seconds), "
              "then choose it in the sidebar."),
            icon=":material/info:",
        )  # fmt: skip
        return

    @st.fragment(run_every=live_seconds())
    def waiting() -> None:
        pending = training.overview()
        if resources.models() or not pending:
            st.rerun()  # the whole page, now with a model to draw for (or with nothing left to wait for)
        first = pending[0]
        done, where = _epoch_progress(first)
        if first.job.state == "running":
            text = t("The first model ({label}) is training: {where}. This page opens by itself when it is ready.",
                     label=first.job.label, where=where)  # fmt: skip
        else:
            text = describe_wait(first)
        st.progress(done, text=text)

    waiting()


def job_progress(training: TrainingQueue) -> JobStatus | None:
    """Show this session's job, live, with a Stop button; returns it once it has ended."""
    status = session_job(training)
    if status is None:
        return None
    if not status.job.active:
        if status.job.state == "failed":
            st.error(status.job.error or t("Training failed."), icon=":material/error:")
        elif status.job.state == "cancelled":
            st.info(t("Stopped before it started: nothing was trained."), icon=":material/cancel:")
        return status
    job_id = status.job.id
    words = current()

    @st.fragment(run_every=live_seconds())
    def live() -> None:
        current = resources.job_status(training, job_id)
        if current is None or not current.job.active:
            st.rerun()  # the whole page, to show the result
            return
        job = current.job
        if job.state == "queued":
            st.progress(0.0, text=describe_wait(current))
        else:
            done, where = _epoch_progress(current)
            st.progress(done, text=t("Training {label}: {where}…", label=job.label, where=where))
        if len(job.sessions) > 1:
            st.caption(t("{count} sessions asked for this same model: it trains once for all of them.",
                         count=len(job.sessions)))  # fmt: skip
        if st.button(t("Stop"), icon=":material/stop_circle:", key=keys.stop_job(job_id)):
            training.stop(job_id, classroom.actor().session)
            st.toast(t("Stopping after this batch; what was learned is kept."))
        # Cheap pictures, made once per epoch for everyone watching (the result's figures are interactive),
        # side by side in one element: each refresh of each viewer sends a few messages, not seven.
        curves = weights = None
        if current.events:
            events = tuple(current.events)
            curves = _live_curves(job_id, job.attempts, len(events), job.spec.epochs, words.language, events, words)
        if current.first_layer is not None:
            epoch, images = current.first_layer
            weights = _live_weights(job_id, job.attempts, epoch, words.language, images, words)
        if curves or weights:
            st.html(layout.Markup(_side_by_side(curves, weights)))

    live()
    return None


def training_outcome(status: JobStatus | None) -> None:
    """What became of this session's finished training: loaded from the store, stopped or trained; then its report."""
    if status is None or status.model is None:
        return
    model = status.model
    if status.job.from_store:
        st.info(
            t("This exact network was already in the store (`{id}`): loaded at once, nothing retrained.", id=model.id),
            icon=":material/inventory_2:",
        )
    elif model.stopped:
        st.warning(
            t(
                "Stopped at epoch {epoch}: saved as `{id}` with what it had learned.",
                epoch=model.epochs_run,
                id=model.id,
            ),
            icon=":material/stop_circle:",
        )
    else:
        st.success(t("Trained and saved as `{id}`.", id=model.id), icon=":material/check_circle:")
    model_report(model)
