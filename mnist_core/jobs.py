"""`TrainingJob`: training in a background thread that a UI can watch and stop.

The app starts a job and redraws its progress every second; the job outlives
page changes and reruns, and other users' pages stay responsive while it runs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from .data import Dataset
from .errors import MnistCoreError
from .records import EpochEvent
from .spec import ModelSpec
from .store import ModelStore, StoredModel

__all__ = ["JobStep", "TrainingJob"]

log = logging.getLogger(__name__)


@dataclass
class JobStep:
    """One model of a job: what to train and, as it goes, what happened."""

    name: str | None
    spec: ModelSpec
    events: list[EpochEvent] = field(default_factory=list)
    result: StoredModel | None = None
    from_store: bool = False


class TrainingJob:
    """Trains one or more specs, one after the other, in a daemon thread.

    Attributes:
        steps: one :class:`JobStep` per spec, filled in as training goes.
        error: the message of the error that ended the job, if any.
    """

    def __init__(self, store: ModelStore, dataset: Dataset, steps: Sequence[tuple[str | None, ModelSpec]]) -> None:
        self.store = store
        self.dataset = dataset
        self.steps = [JobStep(name, spec) for name, spec in steps]
        self.error: str | None = None
        self.started = time.time()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="digit-studio-training", daemon=True)

    def start(self) -> TrainingJob:
        """Begin training; returns self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the job to stop; the model trained so far is kept."""
        self._stop.set()

    @property
    def stop_requested(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self._stop.is_set()

    @property
    def done(self) -> bool:
        """Whether the thread has finished (successfully or not)."""
        return self._thread.ident is not None and not self._thread.is_alive()

    @property
    def current(self) -> JobStep:
        """The step being trained now (the last one once done)."""
        return next((step for step in self.steps if step.result is None), self.steps[-1])

    @property
    def fraction_done(self) -> float:
        """Progress over all steps, 0 to 1, counting epochs."""
        total = 0.0
        for step in self.steps:
            if step.result is not None:
                total += 1
            elif step.events:
                total += step.events[-1].epoch / step.events[-1].epochs
        return total / len(self.steps)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until done (or timeout); returns whether it is done."""
        self._thread.join(timeout)
        return self.done

    def _run(self) -> None:
        try:
            for step in self.steps:
                if self._stop.is_set():
                    break
                step.result, step.from_store = self.store.get_or_train(
                    step.spec,
                    self.dataset,
                    name=step.name,
                    on_epoch=step.events.append,
                    should_stop=self._stop.is_set,
                )
        except MnistCoreError as error:
            self.error = str(error)
        except Exception as error:  # a crash must reach the page, not vanish with the thread
            log.exception("training failed")
            self.error = f"Training failed: {type(error).__name__}: {error}"
