"""A class on one server: is drawing still instant while others train?

    python -m benchmarks.loadtest                 # the three scenarios below (about three minutes)
    python -m benchmarks.loadtest --sessions 10   # a smaller class in the last scenario

Starts the app on a free port of 127.0.0.1 with a store of its own, and measures
in one run, side by side:

1. ``idle``: one real browser tab (headless Chromium) draws; nobody trains;
2. ``two-train``: the same tab draws while two other tabs press Train
   (keras-dropout and keras-functional);
3. ``class``: one real tab draws while ``--sessions`` − 1 more sessions each draw
   every ``--interval`` seconds and two tabs train. The extra sessions speak
   Streamlit's own websocket protocol: each replays the very messages a real
   tab sent when a digit was drawn (captured at the start), so the server does
   the same work for them as for a browser, while 30 browsers would not fit on
   two cores beside the server.

For the real tab the figure is mouse-up → answer shown, timed inside the page;
for a protocol session it is message sent → the server's "script finished".
Each training job's wait in the queue comes from the server's job table.
Writes ``artifacts/load.json`` and prints p50 / p95 / max. Every loop is
bounded in count and time and talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mnist_core import data
from mnist_core.engine import JobTable, database_path, train_in_process
from mnist_core.spec import PRESETS
from mnist_core.store import ModelStore
from tests.e2e.conftest import CHROMIUM_ARGS, VIEWPORT, Studio, free_port, healthy
from tests.e2e.test_e2e_draw import ONE, RECORD_LATENCY, ZERO, answers, clear, press_train, stroke

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "artifacts" / "load.json"
TRAINING_PRESETS = ("keras-dropout", "keras-functional")
DRAWING_PRESET = "quick"
SERVER_START_SECONDS = 90
SCENARIO_SECONDS = 240  # no scenario runs longer than this, whatever happens
MIN_STROKES = 8
MAX_STROKES = 60


def percentiles(seconds: list[float]) -> dict[str, float | int]:
    """p50, p95 and max of a list of durations, rounded to milliseconds."""
    if not seconds:
        return {"count": 0}
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "count": len(ordered),
        "p50": round(statistics.median(ordered), 3),
        "p95": round(p95, 3),
        "max": round(ordered[-1], 3),
    }


@contextmanager
def server(store: Path, *options: str) -> Iterator[str]:
    """``streamlit run app.py`` on a free local port over ``store`` (with Streamlit ``options``); yields its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tempfile.NamedTemporaryFile(prefix="digit-studio-load-", suffix=".log", delete=False)  # noqa: SIM115
    env = {
        **os.environ,
        "DIGIT_STUDIO_MODELS": str(store),
        "DIGIT_STUDIO_CLASS_DB": str(store / "class.db"),
        "DIGIT_STUDIO_FIRST_PRESET": "",
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
        "--server.address", "127.0.0.1", "--server.port", str(port), "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false", *options,
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"The app did not start; see {log.name}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def capture_drawing_messages(studio: Studio) -> tuple[bytes, list[bytes]]:
    """The messages a real tab sends: opening Draw, then each of two strokes (a 1, then a 0 over it)."""
    sent: list[bytes] = []
    studio.page.on(
        "websocket",
        lambda socket: socket.on(
            "framesent", lambda payload: sent.append(payload if isinstance(payload, bytes) else payload.encode())
        ),
    )
    # A server's first session may run a page without st.navigation (see studio.frame.page), which names the
    # widgets differently: open Home once so that the captured messages match every later session.
    studio.open("/")
    sent.clear()
    studio.open("/draw")
    opened = len(sent)
    counts = []
    for points in (ONE, ZERO):
        before = len(sent)
        stroke(studio, points)
        for _ in range(100):  # the canvas sends its drawing ~200 ms after mouse-up
            if len(sent) > before:
                break
            studio.page.wait_for_timeout(50)
        answers(studio)
        counts.append(len(sent))
    first = counts[0]
    if opened < 1 or first <= opened or len(sent) <= first:
        raise SystemExit(f"Could not capture the messages of a drawing tab ({opened}, {first}, {len(sent)} sent).")
    return sent[0], [sent[first - 1], sent[-1]]


class ProtocolSessions:
    """Sessions that speak Streamlit's websocket protocol, each drawing every ``interval`` seconds."""

    def __init__(self, url: str, count: int, opening: bytes, strokes: list[bytes], interval: float) -> None:
        self.url = url.replace("http://", "ws://") + "/_stcore/stream"
        self.count, self.opening, self.strokes, self.interval = count, opening, strokes, interval
        self.seconds: list[float] = []
        self.answered = self.failed = 0
        self.unanswered: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def __enter__(self) -> ProtocolSessions:
        if self.count:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.count:
            self._thread.join(timeout=30)

    async def _run(self) -> None:
        await asyncio.gather(*(self._session(index) for index in range(self.count)))

    async def _session(self, index: int) -> None:
        import websockets
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        async def until_finished(socket: Any) -> bool:
            answered, seen = False, []
            while True:
                message = ForwardMsg()
                message.ParseFromString(await asyncio.wait_for(socket.recv(), timeout=60))
                kind = message.WhichOneof("type")
                element = message.delta.new_element if kind == "delta" else None
                seen.append(element.WhichOneof("type") if element is not None else kind)
                if element is not None and element.WhichOneof("type") == "alert":
                    seen.append(element.alert.body[:80])
                answered = answered or (element is not None and "class='prediction'" in element.markdown.body)
                if kind == "script_finished":
                    if not answered:
                        self.unanswered = seen
                    return answered

        async def until_quiet(socket: Any) -> None:
            # Opening a page may run its script twice (navigation, then the page): wait for both.
            with contextlib.suppress(TimeoutError):
                while True:
                    await asyncio.wait_for(socket.recv(), timeout=1.0)

        try:
            async with websockets.connect(self.url, subprotocols=["streamlit"], max_size=None) as socket:
                await socket.send(self.opening)
                await until_quiet(socket)
                await asyncio.sleep(random.Random(index).uniform(0, self.interval))  # students do not draw in step
                turn = 0
                while not self._stop.is_set():
                    started = time.perf_counter()
                    await socket.send(self.strokes[turn % len(self.strokes)])
                    answered = await until_finished(socket)
                    self.seconds.append(time.perf_counter() - started)
                    self.answered += answered
                    turn += 1
                    await asyncio.sleep(max(0.0, self.interval - (time.perf_counter() - started)))
        except Exception:  # a session that breaks is counted, not fatal
            self.failed += 1


def draw_until(drawer: Studio, done: Any, deadline: float) -> list[float]:
    """Draw a 1 and a 0 in turn until ``done()`` (after MIN_STROKES); returns mouse-up → answer seconds."""
    drawer.open("/draw")
    drawer.page.evaluate(RECORD_LATENCY)
    for index in range(MAX_STROKES):
        if index:
            clear(drawer)
        stroke(drawer, ONE if index % 2 == 0 else ZERO)
        said = answers(drawer)
        if ("1" if index % 2 == 0 else "0") not in said:
            print(f"  (stroke {index}: the model read {said})")
        if index + 1 >= MIN_STROKES and (done() or time.monotonic() > deadline):
            break
    return [ms / 1000 for ms in drawer.page.evaluate("() => window.__latencies")]


def scenario(
    name: str, browser: Any, url: str, store: ModelStore, *, trainers: tuple[str, ...], protocol: ProtocolSessions
) -> dict[str, Any]:
    """One measurement: a real tab draws while ``trainers`` train and ``protocol`` sessions draw too."""
    fingerprint = data.load(allow_download=False).fingerprint
    for preset in trainers:  # train for real, not from the store
        model_id = PRESETS[preset].key(fingerprint)
        if model_id in store:
            store.delete(model_id)
    contexts = [browser.new_context(viewport=VIEWPORT) for _ in range(len(trainers) + 1)]
    try:
        tabs = [Studio(context.new_page(), url) for context in contexts]
        for tab in tabs:
            tab.page.set_default_timeout(120_000)
        *trainer_tabs, drawer = tabs
        table = JobTable(database_path(store))
        before = {job.id for job in table.jobs()}
        for tab, preset in zip(trainer_tabs, trainers, strict=True):
            press_train(tab, preset, shrink=False)

        def training_done() -> bool:
            return not any(job.active for job in table.jobs() if job.id not in before)

        started = time.monotonic()
        with protocol:
            drawing = draw_until(drawer, training_done if trainers else lambda: True, started + SCENARIO_SECONDS)
        drawing_seconds = time.monotonic() - started
        deadline = time.monotonic() + SCENARIO_SECONDS
        while not training_done() and time.monotonic() < deadline:
            time.sleep(0.5)
        jobs = [job for job in table.jobs() if job.id not in before]
    finally:
        for context in contexts:
            context.close()
    result = {
        "scenario": name,
        "real_tab_mouse_up_to_answer_s": percentiles(drawing),
        "protocol_sessions": protocol.count,
        "protocol_stroke_to_answer_s": percentiles(protocol.seconds),
        "protocol_strokes_answered": protocol.answered,
        "protocol_sessions_failed": protocol.failed,
        "protocol_unanswered_example": protocol.unanswered,
        "drawing_seconds": round(drawing_seconds, 1),
        "training_jobs": [
            {
                "model": job.label,
                "state": job.state,
                "queue_wait_s": round((job.started or job.created) - job.created, 2),
                "train_s": round((job.finished or job.created) - (job.started or job.created), 2),
            }
            for job in jobs
        ],
    }
    print(
        f"{name:<10} real tab {fmt(result['real_tab_mouse_up_to_answer_s'])}"
        + (
            f" | {protocol.count} protocol sessions {fmt(result['protocol_stroke_to_answer_s'])}"
            if protocol.count
            else ""
        )
        + "".join(
            f" | {job['model']}: waited {job['queue_wait_s']} s, trained {job['train_s']} s"
            for job in result["training_jobs"]
        )
    )
    return result


def fmt(figures: dict[str, Any]) -> str:
    """``p50 0.31 s, p95 0.45 s, max 0.52 s (12)``."""
    if not figures.get("count"):
        return "no samples"
    return f"p50 {figures['p50']:.3f} s, p95 {figures['p95']:.3f} s, max {figures['max']:.3f} s ({figures['count']})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=30, help="sessions in the last scenario (default 30)")
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between a session's drawings")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument(
        "--post-script-gc",
        action="store_true",
        help="run the server with Streamlit's garbage collection after every script run (its default; "
        "the app's config turns it off) to see what it costs",
    )
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    mnist = data.load()
    with tempfile.TemporaryDirectory(prefix="digit-studio-load-") as folder:
        store = ModelStore(Path(folder) / "models")
        print(f"Training the drawing model ({DRAWING_PRESET}) into a fresh store…", flush=True)
        train_in_process(PRESETS[DRAWING_PRESET], mnist, store, name=DRAWING_PRESET)
        options = ("--runner.postScriptGC", "true") if args.post_script_gc else ()
        with server(store.root, *options) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport=VIEWPORT)
            opening, strokes = capture_drawing_messages(Studio(context.new_page(), url))
            context.close()

            def sessions(count: int) -> ProtocolSessions:
                return ProtocolSessions(url, count, opening, strokes, args.interval)

            results = [
                scenario("idle", browser, url, store, trainers=(), protocol=sessions(0)),
                scenario("two-train", browser, url, store, trainers=TRAINING_PRESETS, protocol=sessions(0)),
                scenario(
                    "class",
                    browser,
                    url,
                    store,
                    trainers=TRAINING_PRESETS,
                    protocol=sessions(max(0, args.sessions - 1)),
                ),
            ]
            browser.close()
    idle, busy = (result["real_tab_mouse_up_to_answer_s"] for result in results[:2])
    report = {
        "scenarios": results,
        "two_train_over_idle_p50": round(busy["p50"] / idle["p50"], 2)
        if idle.get("count") and busy.get("count")
        else None,
        "post_script_gc": args.post_script_gc,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "command": "python -m benchmarks.loadtest " + " ".join(sys.argv[1:]),
    }
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"drawing while two train / idle (p50): {report['two_train_over_idle_p50']}×; "
        f"written to {OUT.relative_to(ROOT)}"
    )


if __name__ == "__main__":
    main()
