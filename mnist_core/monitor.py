"""How busy this process is: the sessions it serves, the strokes it answers, its CPU share and its memory.

The web server keeps one :class:`LoadMeter`. Pages tell it who was seen and
when a stroke was answered; the Teacher page shows a :class:`LoadSample`; and
the refreshes that can wait (live curves, scoreboards) ask :meth:`LoadMeter.busy`
and slow down while drawing needs the CPU. Nothing here knows about Streamlit.
"""

from __future__ import annotations

import collections
import resource
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["BUSY_CPU_SHARE", "LoadMeter", "LoadSample", "memory_bytes"]

#: Above this share of one core (its CPU time over the last few seconds) the server counts as busy.
#: Python runs one thread at a time, so one core is what a server process can use.
BUSY_CPU_SHARE = 0.6
#: Sessions seen within this long count as connected (Streamlit keeps a silent one for 120 s).
SESSION_SECONDS = 120.0
#: Strokes per second are counted over this window.
STROKE_WINDOW_SECONDS = 10.0
#: The CPU share is measured over at least this long.
CPU_WINDOW_SECONDS = 2.0


@dataclass(frozen=True)
class LoadSample:
    """The server at one moment.

    Attributes:
        sessions: browser sessions seen in the last two minutes.
        strokes_per_second: drawings answered per second, over the last ten seconds.
        cpu_share: this process's CPU time per second of wall time, recently (1.0 is one core).
        memory_bytes: its resident memory.
    """

    sessions: int
    strokes_per_second: float
    cpu_share: float
    memory_bytes: int


def memory_bytes() -> int:
    """This process's resident memory in bytes (its peak where the current figure cannot be read)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak * 1024  # kilobytes on Linux


class LoadMeter:
    """Counts sessions and strokes, and measures this process's CPU share; safe to call from any thread.

    Args:
        clock: wall time in seconds (``time.monotonic``); tests pass their own.
        cpu_clock: this process's CPU time in seconds (``time.process_time``).
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        cpu_clock: Callable[[], float] = time.process_time,
    ) -> None:
        self._clock, self._cpu_clock = clock, cpu_clock
        self._lock = threading.Lock()
        self._seen: dict[str, float] = {}
        self._strokes: collections.deque[float] = collections.deque()
        now = clock()
        self._mark = (now, cpu_clock())  # the start of the current CPU window
        self._share = 0.0

    def session_seen(self, session: str) -> None:
        """A script ran for ``session`` (a page opened, a widget changed)."""
        with self._lock:
            self._seen[session] = self._clock()

    def stroke(self) -> None:
        """A drawing was answered."""
        with self._lock:
            now = self._clock()
            self._strokes.append(now)
            self._forget(now)

    def cpu_share(self) -> float:
        """This process's CPU per wall second over the last window of at least two seconds."""
        with self._lock:
            return self._measure(self._clock())

    def busy(self) -> bool:
        """Whether the server is near the one core it can use: then whatever can wait, waits."""
        return self.cpu_share() >= BUSY_CPU_SHARE

    def sample(self) -> LoadSample:
        """Sessions, strokes per second, CPU share and memory now."""
        with self._lock:
            now = self._clock()
            self._forget(now)
            share = self._measure(now)
            sessions = sum(1 for seen in self._seen.values() if now - seen <= SESSION_SECONDS)
            strokes = len(self._strokes) / STROKE_WINDOW_SECONDS
        return LoadSample(sessions, round(strokes, 2), round(share, 3), memory_bytes())

    def _measure(self, now: float) -> float:
        started, cpu_then = self._mark
        if now - started >= CPU_WINDOW_SECONDS:
            cpu_now = self._cpu_clock()
            self._share = max(0.0, (cpu_now - cpu_then) / (now - started))
            self._mark = (now, cpu_now)
        return self._share

    def _forget(self, now: float) -> None:
        while self._strokes and now - self._strokes[0] > STROKE_WINDOW_SECONDS:
            self._strokes.popleft()
        if len(self._seen) > 1000:  # a long-running server: drop sessions long gone
            self._seen = {key: seen for key, seen in self._seen.items() if now - seen <= SESSION_SECONDS}
