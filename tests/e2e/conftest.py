"""The end-to-end harness: ``streamlit run`` on a free port, driven by headless Chromium through Playwright.

The server reads a temporary model store holding two small scikit-learn models
trained once per session with the real core; the repository's ``models/`` is
never used. Without a browser these tests skip, except in CI (``$CI`` set),
where they must run and fail instead.

Timings measured along the way go to ``artifacts/e2e-timings.json`` and are
printed at the end of the session (``pytest -s`` shows them).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mnist_core import data
from tests.pretrained import pretrained_store

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
TIMINGS_FILE = ARTIFACTS / "e2e-timings.json"

SERVER_START_SECONDS = 90
PAGE_TIMEOUT_MS = 30_000
#: How long a value may take to show on a page that is still drawing itself (a second session opening Train
#: while the training engine starts its workers takes 2–3 s here, more on a loaded machine).
EXPECT_TIMEOUT_MS = 20_000
VIEWPORT = {"width": 1400, "height": 1000}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IDLE = "[data-test-script-state='notRunning']"
#: Counts, in every document a Studio tab loads, the script runs that begin (Streamlit marks its app element
#: "running"), so that a wait after an action can tell that the run it asked for has begun.
RUN_COUNTER = """(() => {
    window.__scriptRuns = 0;
    new MutationObserver((changes) => {
        for (const change of changes) {
            if (change.target.getAttribute("data-test-script-state") === "running") window.__scriptRuns += 1;
        }
    }).observe(document, {attributes: true, subtree: true, attributeFilter: ["data-test-script-state"]});
})()"""
RUNS = "() => window.__scriptRuns || 0"
#: A run has begun since the tab last was idle, or one is under way or asked for.
RUN_BEGUN = """(seen) => (window.__scriptRuns || 0) > seen
    || document.querySelector("[data-test-script-state]:not([data-test-script-state='notRunning'])") !== null"""
#: How long an action may take to start a script run (the longest wait when it starts none).
RUN_START_MS = 100


def unavailable(reason: str) -> None:
    """Skip locally; in CI the end-to-end tests are required, so fail."""
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(f"{reason} — CI must run the end-to-end tests (install Chromium; see .ci/run).", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def healthy(url: str) -> bool:
    """Whether Streamlit's health endpoint answers ``ok``."""
    with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
        return response.read().strip() == b"ok"
    return False


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """The system Chromium, or a skip (a failure in CI) that says how to get one."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if found is None:
        unavailable("No Chromium found (apt-get install chromium); the browser tests need one")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        unavailable("Playwright is not installed (pip install -r requirements-dev.txt)")
    return str(found)


@pytest.fixture(scope="session")
def timings() -> Iterator[dict[str, Any]]:
    """Measurements the tests record; written as JSON and printed when the session ends."""
    measured: dict[str, Any] = {}
    yield measured
    if not measured:
        return
    report = {
        **measured,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
    }
    ARTIFACTS.mkdir(exist_ok=True)
    TIMINGS_FILE.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nEnd-to-end timings ({TIMINGS_FILE.relative_to(ROOT)}):")
    for name, value in measured.items():
        print(f"  {name}: {value}")


@pytest.fixture(scope="session")
def e2e_store(chromium_executable: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's model store: a copy of the session's pretrained models."""
    mnist = data.load()
    pretrained = pretrained_store(tmp_path_factory, mnist)  # shared with tests/app
    root = tmp_path_factory.mktemp("e2e") / "models"
    shutil.copytree(pretrained, root, ignore=shutil.ignore_patterns(".locks", ".tmp-*"))
    return root


#: How long a server may take to stop once asked, as Ctrl-C in ``make run`` asks it.
SERVER_STOP_SECONDS = 5


@dataclass
class Served:
    """A running ``streamlit run app.py``: its URL, process and log; ``stop_seconds`` once it stopped."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path
    started: float
    stop_seconds: float | None = None

    def children(self) -> list[int]:
        """The process ids whose parent is the server (the Dask worker program, once the engine started)."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    found.append(int(stat.parent.name))
        return found

    def stop(self, signal_number: int = signal.SIGTERM) -> int:
        """Ask the server to stop (SIGINT is Ctrl-C) and wait; kill it past the limit. Returns its exit status."""
        if self.process.poll() is None:
            started = time.perf_counter()
            self.process.send_signal(signal_number)
            try:
                self.process.wait(timeout=3 * SERVER_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.stop_seconds = time.perf_counter() - started
        return self.process.returncode


@contextlib.contextmanager
def serve(
    store: Path, class_db: Path, log: Path, *, root: Path = ROOT, options: tuple[str, ...] = (), **env: str
) -> Iterator[Served]:
    """``streamlit run app.py`` of the checkout at ``root`` on a free port over ``store`` and ``class_db``,
    with these extra ``options`` and environment; yields it once healthy, and stops it at the end.

    Raises:
        RuntimeError: the server exited or was not healthy in time (with the end of its log).
    """
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
        *options,
    ]  # fmt: skip
    environment = {
        **os.environ,
        "DIGIT_STUDIO_MODELS": str(store),
        "DIGIT_STUDIO_CLASS_DB": str(class_db),
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": str(root),
        **env,
    }
    started = time.perf_counter()
    with open(log, "wb") as written:
        process = subprocess.Popen(command, cwd=root, env=environment, stdout=written, stderr=subprocess.STDOUT)
    served = Served(f"http://127.0.0.1:{port}", process, log, started)
    try:
        while not healthy(served.url):
            if process.poll() is not None:
                raise RuntimeError(f"Streamlit exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            if time.perf_counter() - started > SERVER_START_SECONDS:
                raise RuntimeError(
                    f"Streamlit was not healthy after {SERVER_START_SECONDS} s:\n{log.read_text()[-3000:]}"
                )
            time.sleep(0.1)
        yield served
    finally:
        served.stop()


@pytest.fixture(scope="session")
def app_server(e2e_store: Path, tmp_path_factory: pytest.TempPathFactory, timings: dict) -> Iterator[dict]:
    """``streamlit run app.py`` on a free port; yields its URL and start time, and stops it at the end."""
    folder = tmp_path_factory.mktemp("server")
    with serve(e2e_store, folder / "class.db", folder / "streamlit.log") as served:
        timings["server_start_to_health_s"] = round(time.perf_counter() - served.started, 2)
        yield {"url": served.url, "started": served.started, "log": served.log}


@pytest.fixture(scope="session")
def browser(chromium_executable: str) -> Iterator[Any]:
    """Headless Chromium, launched once per session."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def app_url(browser: Any, app_server: dict, timings: dict) -> str:
    """The running app's URL, once its first page has loaded in the browser."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(app_server["url"], timeout=120_000)
        page.get_by_role("heading", name="Digit Studio").wait_for(timeout=120_000)
        page.wait_for_selector(IDLE, timeout=120_000)
        timings["server_start_to_first_page_s"] = round(time.perf_counter() - app_server["started"], 2)
    finally:
        context.close()
    return app_server["url"]


class Studio:
    """One browser tab on the app, with the waits and captures every test needs."""

    def __init__(self, page: Any, url: str) -> None:
        self.page = page
        self.url = url
        self._runs = 0  # script runs this tab had seen begin when it was last idle
        page.add_init_script(RUN_COUNTER)

    def open(self, path: str = "/") -> None:
        """Load a page by its URL path and wait for its script to finish."""
        self.page.goto(self.url + path)
        self.page.wait_for_selector(IDLE, state="attached")  # a new document starts "initial", then runs
        self._runs = self.page.evaluate(RUNS)

    def idle(self) -> None:
        """Wait until the script run that the last action started (if it started one) has ended.

        A run begins a few milliseconds after the action that asked for it: the wait ends when the tab has
        seen one more run begin (or one is under way), or after :data:`RUN_START_MS` if none does, and then
        when the app's script is not running (the Streamlit e2e idiom).
        """
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        with contextlib.suppress(PlaywrightTimeout):
            self.page.wait_for_function(RUN_BEGUN, arg=self._runs, timeout=RUN_START_MS)
        self.page.wait_for_selector(IDLE, state="attached")
        self._runs = self.page.evaluate(RUNS)

    def button(self, name: str) -> Any:
        return self.page.get_by_role("button", name=name, exact=True)

    def sidebar(self) -> Any:
        return self.page.get_by_test_id("stSidebar")

    def slider(self, label: str) -> Any:
        """The slider whose label is exactly ``label``, as the page's latest run drew it.

        While a rerun draws the page again, the previous run's slider can still be there, marked stale.
        """
        label_element = self.page.get_by_test_id("stWidgetLabel").get_by_text(label, exact=True)
        current = self.page.locator('[data-testid="stElementContainer"]:not([data-stale="true"])')
        return current.get_by_test_id("stSlider").filter(has=label_element)

    def set_slider(self, label: str, *keys: str) -> int:
        """Press keys on a slider (Home, End, PageUp: a tenth of the range, ArrowRight: one step); returns its value."""
        container = self.slider(label)
        thumb = container.get_by_role("slider")
        for key in keys:
            thumb.press(key)
            self.idle()
        return int(container.locator("input").input_value())

    def expect_slider(self, label: str, value: int) -> None:
        """Wait until the slider shows ``value`` (a page that is still drawing itself gets the time to finish)."""
        from playwright.sync_api import expect

        expect(self.slider(label).get_by_test_id("stSliderThumbValue")).to_have_text(
            str(value), timeout=EXPECT_TIMEOUT_MS
        )

    def screenshot(self, name: str, *, docs: bool = False) -> Path:
        """Save the viewport to artifacts/screenshots; with ``docs``, also refresh docs/screenshots for the README.

        The README's pictures change only when asked (``DIGIT_STUDIO_DOCS_SCREENSHOTS=1``), so a test run
        never leaves the checkout modified.
        """
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        for_docs = docs and os.environ.get("DIGIT_STUDIO_DOCS_SCREENSHOTS") == "1"
        self.page.mouse.move(VIEWPORT["width"] // 2, 5)  # over the empty header: no hover effects in the picture
        if for_docs:
            self.page.wait_for_timeout(300)  # let hover effects fade: the README's pictures are looked at closely
        self.page.screenshot(path=path)
        if for_docs:
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS_SCREENSHOTS / path.name)
        return path


@pytest.fixture
def new_tab(browser: Any, app_url: str) -> Iterator[Callable[[], Studio]]:
    """``new_tab()``: another tab in a browser context of its own, i.e. another student's session."""
    contexts: list[Any] = []

    def open_tab() -> Studio:
        context = browser.new_context(viewport=VIEWPORT)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        return Studio(page, app_url)

    try:
        yield open_tab
    finally:
        for context in contexts:
            context.close()


@pytest.fixture(scope="session")
def tabs(browser: Any, app_url: str) -> Iterator[Any]:
    """The browser context that the ``studio`` tabs open in: its cache keeps the app's scripts between tests."""
    context = browser.new_context(viewport=VIEWPORT)
    yield context
    context.close()


@contextlib.contextmanager
def fresh_tab(context: Any, app_url: str) -> Iterator[Studio]:
    """A new tab of ``context`` (its own Streamlit session) on the app; what it kept in the browser goes with it."""
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        yield Studio(page, app_url)
    finally:
        if page.url.startswith(app_url):
            page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
        page.close()
        context.clear_cookies()


@pytest.fixture
def studio(tabs: Any, app_url: str) -> Iterator[Studio]:
    """A fresh tab on the running app, in the shared desktop context."""
    with fresh_tab(tabs, app_url) as tab:
        yield tab
