"""The server's load for the teacher: sessions, strokes a second, CPU, memory and the training queue, live."""

from __future__ import annotations

import os
import time

import streamlit as st

from mnist_core.engine import TrainingQueue
from mnist_core.monitor import BUSY_CPU_SHARE

from . import errors, resources
from .jobs import duration
from .language import current, percent, t

#: How often the figures are refreshed, in seconds.
LOAD_SECONDS = 3.0


def server_load(training: TrainingQueue | None) -> None:
    """Sessions connected, strokes per second, the server's CPU share and memory, the queue's depth and wait."""

    @st.fragment(run_every=LOAD_SECONDS)
    def figures() -> None:
        sample = resources.load_meter().sample()
        cores = os.cpu_count() or 1
        row = st.columns(6)
        row[0].metric(t("Sessions"), sample.sessions, help=t("Browser tabs that were active in the last two minutes."))
        row[1].metric(
            t("Strokes a second"), f"{sample.strokes_per_second:.1f}", help=t("Drawings answered, last 10 s.")
        )
        row[2].metric(
            t("Server CPU"),
            percent(sample.cpu_share),
            help=t(
                "Of one core (the web server uses one; this machine has {cores}). Above {busy} live curves "
                "refresh less often, so that drawing stays quick.",
                cores=cores,
                busy=percent(BUSY_CPU_SHARE),
            ),
        )
        row[3].metric(
            t("Memory"), t("{megabytes} MB", megabytes=current().number(round(sample.memory_bytes / 2**20))),
            help=t("The web server's resident memory."),
        )  # fmt: skip
        if training is None:
            row[4].metric(t("Queue"), "—", help=t("The training engine is not running."))
            return
        statuses = training.overview()
        waiting = [status for status in statuses if status.position is not None]
        running = len(statuses) - len(waiting)
        row[4].metric(t("Queue"), f"{running} + {len(waiting)}", help=t("Jobs training now + jobs waiting their turn."))
        now = time.time()
        longest = max((now - status.job.created for status in waiting), default=0.0)
        if waiting:
            wait_help = t(
                "How long the job first in line has waited so far; the last one starts in about {wait}.",
                wait=duration(waiting[-1].wait_seconds),
            )
        else:
            wait_help = t("How long the job first in line has waited so far.")
        row[5].metric(t("Longest wait"), duration(longest) if waiting else t("none"), help=wait_help)
        if sample.cpu_share >= BUSY_CPU_SHARE:
            st.caption(t(":material/speed: Busy: live curves refresh every few seconds instead of every second."))

    figures()


def load_section() -> None:
    """The Teacher page's "How the server is doing": the figures above, with the queue when the engine runs."""
    st.header(t("How the server is doing"))
    training = None
    with errors.shown(stop=False):  # the server's own figures show whatever the engine does
        training = resources.training_queue()
    server_load(training)
