"""Sessions that speak Streamlit's websocket protocol, for the load test: students without browsers.

Thirty browsers do not fit on two cores beside the server, so most of the load
test's class is made of these. Each replays the very messages a real tab sent
(captured by :func:`capture` for each phase), so the server does the same work
for them as for a browser. A session first brings its state to the tab's (on
Draw, the page's own measure of its width; on Train, the preset and sliders
chosen), so that what it then repeats asks the server for the same work.

- :class:`Drawers` send a drawing every few seconds and wait for the answer;
- :class:`Viewers` open Evaluate, Inside and Class in turn;
- :class:`Watchers` choose and press Train as a real tab did (so they join its job)
  and then ask for the live progress as often as the page's timer does.

Every loop is bounded in time and talks to 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from studio.jobs import LIVE_SECONDS
from tests.e2e.conftest import Studio
from tests.e2e.test_e2e_draw import ONE, ZERO, answers, press_train, stroke

#: Pages a viewer opens in turn (their paths, as in the address).
VIEWED_PAGES = ("/evaluate", "/inside", "/classroom")
#: A message that is not answered within this long counts as unanswered.
ANSWER_SECONDS = 60.0
#: How the Train page says its job has ended (after which the live progress and its timer are gone).
OUTCOMES = ("Trained and saved as", "Stopped at epoch", "This exact network was already", "Stopped before")
#: The page's live timer.
TICK_SECONDS = LIVE_SECONDS


@dataclass
class Captured:
    """What a real tab sent: opening a page, drawing, opening other pages, pressing Train and its timer."""

    draw_opening: bytes
    strokes: list[bytes]
    pages: dict[str, bytes]
    #: Opening Train, each change of its controls, and the press of Train, in the order the tab sent them.
    train_steps: list[bytes] = field(default_factory=list)
    train_tick: bytes = b""


def _recorder(studio: Studio) -> list[bytes]:
    sent: list[bytes] = []

    def on_socket(socket: Any) -> None:
        socket.on("framesent", lambda payload: sent.append(payload if isinstance(payload, bytes) else payload.encode()))

    studio.page.on("websocket", on_socket)
    return sent


def _wait_for_more(studio: Studio, sent: list[bytes], before: int) -> None:
    for _ in range(100):  # the canvas sends its drawing ~200 ms after mouse-up
        if len(sent) > before:
            return
        studio.page.wait_for_timeout(50)


def capture(make_tab: Any) -> Captured:
    """Drawing a 1 and a 0 on Draw, and opening each viewed page, in fresh tabs made by ``make_tab()``."""
    drawer = make_tab()
    sent = _recorder(drawer)
    # A server's first session may run a page without st.navigation (see studio.frame.page), which names the
    # widgets differently: open Home once so that the captured messages match every later session.
    drawer.open("/")
    sent.clear()
    drawer.open("/draw")
    opened = len(sent)
    ends = []
    for points in (ONE, ZERO):
        before = len(sent)
        stroke(drawer, points)
        _wait_for_more(drawer, sent, before)
        answers(drawer)
        ends.append(len(sent))
    if opened < 1 or ends[0] <= opened or ends[1] <= ends[0]:
        raise SystemExit(f"Could not capture the messages of a drawing tab ({opened}, {ends} sent).")
    pages = {}
    for path in VIEWED_PAGES:
        viewer = make_tab()
        seen = _recorder(viewer)
        viewer.open(path)
        if not seen:
            raise SystemExit(f"Opening {path} sent no message.")
        pages[path] = seen[0]
    return Captured(sent[0], [sent[ends[0] - 1], sent[ends[1] - 1]], pages)


def capture_training(
    trainer: Studio, preset: str, *training_images: str, epochs: tuple[str, ...] = ()
) -> tuple[list[bytes], bytes]:
    """Press Train for ``preset`` in ``trainer`` (a fresh tab), with these keys pressed on its sliders.

    Returns every message up to the press (opening the page, choosing the preset, each key on a slider,
    the press: replayed in order, they ask for the very same job) and one of the live timer's ticks.
    """
    sent = _recorder(trainer)
    press_train(trainer, preset, *training_images, epochs=epochs)
    steps = list(sent)
    deadline = time.monotonic() + 30
    while len(sent) <= len(steps) + 1 and time.monotonic() < deadline:  # the live timer's messages
        trainer.page.wait_for_timeout(100)
    if len(sent) <= len(steps) + 1:
        raise SystemExit("The Train page sent no timer message while its job ran.")
    return steps, sent[-1]


@dataclass
class Sessions:
    """Some protocol sessions of one kind, run on one thread's event loop while the ``with`` block lasts."""

    url: str
    count: int
    seconds: list[float] = field(default_factory=list)
    #: When each of ``seconds`` began (``time.monotonic()``), to tell the class arriving from the class seated.
    began: list[float] = field(default_factory=list)
    answered: int = 0
    unanswered: int = 0
    failed: int = 0
    example: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.url = self.url.replace("http://", "ws://") + "/_stcore/stream"
        self.alerts: list[str] = []  # the alerts of the last run read (see until_finished)
        self.ready = 0  # sessions that have opened their page and now do what they came for
        self.seated_at: float | None = None  # when the last of them was ready (``time.monotonic()``)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._all()), daemon=True)

    def __enter__(self) -> Sessions:
        if self.count:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.count:
            self._thread.join(timeout=ANSWER_SECONDS + 10)

    async def _all(self) -> None:
        await asyncio.gather(*(self._guarded(index) for index in range(self.count)))

    async def _guarded(self, index: int) -> None:
        import websockets

        try:
            async with websockets.connect(self.url, subprotocols=["streamlit"], max_size=None) as socket:
                await self.session(socket, index)
        except Exception as error:  # a session that breaks is counted, not fatal
            self.failed += 1
            self.example = [f"{type(error).__name__}: {error}"]

    async def session(self, socket: Any, index: int) -> None:
        raise NotImplementedError

    async def pause(self, seconds: float) -> None:
        """Sleep ``seconds``, or less when the sessions are told to stop."""
        deadline = time.monotonic() + seconds
        while not self._stop.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(min(0.1, max(0.0, deadline - time.monotonic())))

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def arrived(self) -> None:
        """One more session has opened its page and now does what it came for."""
        self.ready += 1
        if self.ready == self.count:
            self.seated_at = time.monotonic()

    def since(self, moment: float) -> list[float]:
        """The ``seconds`` of the exchanges that began at ``moment`` (``time.monotonic()``) or later."""
        return [seconds for seconds, began in zip(self.seconds, self.began, strict=True) if began >= moment]

    def wait_until_ready(self, timeout: float = ANSWER_SECONDS) -> None:
        """Block until every session has opened its page (or broken), or ``timeout`` passed: a cost measured
        from then on is that of the strokes or ticks alone, not of opening the pages."""
        deadline = time.monotonic() + timeout
        while self.ready + self.failed < self.count and time.monotonic() < deadline:
            time.sleep(0.05)

    async def until_finished(self, socket: Any, *, marker: str | None = None) -> bool:
        """Read until the script run finishes; whether an element holding ``marker`` came (True without one).

        The alerts the run sent are kept in :attr:`alerts`.
        """
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        found, seen = marker is None, []
        self.alerts = []
        while True:
            message = ForwardMsg()
            message.ParseFromString(await asyncio.wait_for(socket.recv(), timeout=ANSWER_SECONDS))
            kind = message.WhichOneof("type")
            element = message.delta.new_element if kind == "delta" else None
            seen.append(element.WhichOneof("type") if element is not None else kind)
            if element is not None and element.WhichOneof("type") == "alert":
                self.alerts.append(element.alert.body)
            if marker is not None and element is not None:
                found = found or marker in element.markdown.body or marker in element.html.body
            if kind == "script_finished":
                if not found:
                    self.example = seen[-40:]
                return found

    async def exchange(self, socket: Any, message: bytes, *, marker: str | None = None) -> None:
        """Send ``message``, wait for its run to finish and count it."""
        began, started = time.monotonic(), time.perf_counter()
        await socket.send(message)
        ok = await self.until_finished(socket, marker=marker)
        self.seconds.append(time.perf_counter() - started)
        self.began.append(began)
        self.answered += ok
        self.unanswered += not ok

    @staticmethod
    async def until_quiet(socket: Any, quiet: float = 1.0) -> None:
        """Read until nothing comes for ``quiet`` seconds (opening a page may run its script twice)."""
        with contextlib.suppress(TimeoutError):
            while True:
                await asyncio.wait_for(socket.recv(), timeout=quiet)


class Drawers(Sessions):
    """Students who draw a 1 and a 0 in turn every ``interval`` seconds."""

    def __init__(self, url: str, count: int, captured: Captured, interval: float) -> None:
        super().__init__(url, count)
        self.captured, self.interval = captured, interval

    async def session(self, socket: Any, index: int) -> None:
        await socket.send(self.captured.draw_opening)
        await self.until_quiet(socket)
        # A browser measures the page's width once it is shown (a widget outside the drawing board); the
        # replayed strokes carry that measure, and the first one to bring it would make Streamlit run the
        # whole page, without the drawing. One stroke, not counted, brings it as the browser would.
        await socket.send(self.captured.strokes[1])
        await self.until_quiet(socket)
        self.arrived()
        await self.pause(random.Random(index).uniform(0, self.interval))  # students do not draw in step
        turn = 0
        while not self.stopped:
            started = time.perf_counter()
            await self.exchange(socket, self.captured.strokes[turn % 2], marker="class='prediction'")
            turn += 1
            await self.pause(self.interval - (time.perf_counter() - started))


class Viewers(Sessions):
    """Students who open Evaluate, Inside and Class in turn, reading each for ``interval`` seconds."""

    def __init__(self, url: str, count: int, captured: Captured, interval: float) -> None:
        super().__init__(url, count)
        self.captured, self.interval = captured, interval
        self.by_page: dict[str, list[float]] = {path: [] for path in captured.pages}

    async def session(self, socket: Any, index: int) -> None:
        paths = list(self.captured.pages)
        turn = index  # not all on one page at once
        self.arrived()  # a viewer's first page view is what it came for
        await self.pause(random.Random(index).uniform(0, self.interval))
        while not self.stopped:
            path = paths[turn % len(paths)]
            began, started = time.monotonic(), time.perf_counter()
            await socket.send(self.captured.pages[path])
            await self.until_finished(socket)
            finished = time.perf_counter()
            await self.until_quiet(socket, 0.3)  # a navigation's second run, if any, belongs to this view
            self.seconds.append(finished - started)
            self.began.append(began)
            self.by_page[path].append(finished - started)
            self.answered += 1
            turn += 1
            await self.pause(self.interval - (time.perf_counter() - started))


class Watchers(Sessions):
    """Students who press Train for the model that trains (joining its job) and watch it, as the page's timer asks."""

    def __init__(self, url: str, count: int, captured: Captured) -> None:
        super().__init__(url, count)
        self.captured = captured
        self.ticks = 0

    async def session(self, socket: Any, index: int) -> None:
        for step in self.captured.train_steps:  # the real tab's steps up to its press, each run in turn
            await socket.send(step)
            await self.until_finished(socket)
            await self.until_quiet(socket)
        self.arrived()
        if any(alert.startswith(OUTCOMES) for alert in self.alerts):
            return  # the job had ended already: the page shows its result, and has no live progress to watch
        await self.pause(random.Random(index).uniform(0, TICK_SECONDS))
        while not self.stopped:
            started = time.perf_counter()
            await self.exchange(socket, self.captured.train_tick)
            self.ticks += 1
            if any(alert.startswith(OUTCOMES) for alert in self.alerts):
                return  # the page shows the result: a browser's timer of the live progress has stopped
            await self.pause(TICK_SECONDS - (time.perf_counter() - started))


def cpu_seconds(pid: int) -> float:
    """The CPU time a process has used so far (user and system, all its threads; not its children's)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds a process used while the ``with`` block ran, and the wall time it lasted."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.cpu = self.wall = 0.0

    def __enter__(self) -> CpuMeter:
        self._cpu, self._wall = cpu_seconds(self.pid), time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cpu = cpu_seconds(self.pid) - self._cpu
        self.wall = time.monotonic() - self._wall
