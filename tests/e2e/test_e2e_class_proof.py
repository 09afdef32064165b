"""A class that cannot be broken, in a real browser: a server in class mode, under a lesson that hides Home.

The server here is this module's own (a teacher password set, a lesson pushed before it starts), so
that its very first page view is a hidden page opened by its address.
"""

from __future__ import annotations

import re
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mnist_core.classroom import TEACHER, ClassDrawings, Lesson, LessonBoard
from tests.e2e.conftest import PAGE_TIMEOUT_MS, SERVER_STOP_SECONDS, VIEWPORT, Studio, serve

pytestmark = pytest.mark.e2e

PASSWORD = "front-of-the-class"
#: The lesson: three pages, Home and Models hidden; a budget that lets a long run be asked for (and stopped).
LESSON = Lesson(pages=("Train", "Draw", "Class"), budget_seconds=3600)
FIRST_PAGE_TIMEOUT_MS = 120_000
TRAINING_TIMEOUT_MS = 180_000
LIVE_JOB = re.compile(r"Waiting in the queue|Training .*: (starting|epoch \d+ of 200)")


@pytest.fixture(scope="module")
def class_url(e2e_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``streamlit run app.py`` with a teacher password and the lesson pushed; its URL."""
    folder = tmp_path_factory.mktemp("class-proof")
    store = folder / "models"
    shutil.copytree(e2e_store, store, ignore=shutil.ignore_patterns(".locks", ".tmp-*", "*.db*"))
    class_db = folder / "class.db"
    LessonBoard(ClassDrawings(class_db)).push(LESSON, by=TEACHER)
    with serve(store, class_db, folder / "streamlit.log", DIGIT_STUDIO_TEACHER_PASSWORD=PASSWORD) as served:
        yield served.url


@pytest.fixture
def browser_of_one(browser: Any) -> Iterator[Any]:
    """One student's browser: a context of its own, with its own cookies."""
    context = browser.new_context(viewport=VIEWPORT)
    yield context
    context.close()


def tab(context: Any, url: str) -> Studio:
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    return Studio(page, url)


def test_a_page_the_lesson_hides_does_not_open_by_its_address(browser_of_one, class_url):
    """The server's first view ever: Streamlit runs a pages/ file on its own then; it must not show itself."""
    student = tab(browser_of_one, class_url)
    student.page.goto(class_url + "/models", timeout=FIRST_PAGE_TIMEOUT_MS)
    student.page.get_by_role("heading", name="Train a network").wait_for(timeout=FIRST_PAGE_TIMEOUT_MS)
    student.idle()
    assert student.page.get_by_role("heading", name="Models in the store").count() == 0
    assert student.page.get_by_text("Delete this model").count() == 0
    menu = student.page.get_by_test_id("stSidebarNav")
    assert menu.get_by_text("Models", exact=True).count() == 0 and menu.get_by_text("Home", exact=True).count() == 0


def test_a_link_to_a_visible_page_opens_without_page_not_found(browser_of_one, class_url):
    """Under a lesson that hides Home, the share links' /train opens Train itself, with the link's values."""
    student = tab(browser_of_one, class_url)
    student.open("/train?epochs=7")
    student.page.get_by_role("heading", name="Train a network").wait_for()
    student.page.wait_for_timeout(500)  # the dialog would come with the page's first messages
    assert student.page.get_by_text("Page not found").count() == 0
    student.expect_slider("Epochs", 7)


def test_a_students_job_is_theirs_after_a_reload_and_in_a_new_tab(browser_of_one, class_url):
    """Nickname, Train, reload: the same job is shown and Train stays disabled; a new tab (the cookie) too."""
    student = tab(browser_of_one, class_url)
    student.open("/train")
    assert student.button("Train").is_disabled()  # a visitor looks, but trains only with a nickname
    student.page.get_by_role("textbox", name="Nickname").fill("Ana")
    student.button("Join").click()
    student.sidebar().get_by_text("You are Ana").wait_for()
    assert "student=" in student.page.url

    student.set_slider("Training images", "Home", "PageUp")
    assert student.set_slider("Epochs", "End") == 200
    student.button("Train").click()
    student.page.get_by_text(LIVE_JOB).wait_for(timeout=TRAINING_TIMEOUT_MS)

    student.page.reload()
    student.idle()
    student.sidebar().get_by_text("You are Ana").wait_for()
    student.page.get_by_text(LIVE_JOB).wait_for(timeout=TRAINING_TIMEOUT_MS)
    assert student.button("Train").is_disabled()

    second = tab(browser_of_one, class_url)
    second.open("/train")  # no token in this address: the cookie names the student
    second.sidebar().get_by_text("You are Ana").wait_for()
    second.page.get_by_text(LIVE_JOB).wait_for(timeout=TRAINING_TIMEOUT_MS)
    assert second.button("Train").is_disabled()

    second.button("Stop").click()
    second.page.get_by_text(re.compile("Stopped at epoch|Stopped before it started")).wait_for(
        timeout=TRAINING_TIMEOUT_MS
    )


def test_the_teacher_downloads_the_class_summary_with_each_student(browser_of_one, class_url, tmp_path):
    """After Ana's run (the test above), the teacher's one-page summary lists her, her model and the lesson."""
    teacher = tab(browser_of_one, class_url)
    teacher.open("/teacher")
    teacher.page.get_by_label("Teacher password").fill(PASSWORD)
    teacher.button("Unlock").click()
    teacher.page.get_by_role("heading", name="The class's summary").wait_for()
    with teacher.page.expect_download() as download:
        teacher.button("Class summary: one page to print").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    text = saved.read_text()
    assert saved.name.startswith("class-summary-") and "<td>Ana</td>" in text
    assert "Pages shown: Train, Draw, Class." in text and "<script" not in text


def test_ctrl_c_stops_the_server_and_its_training_workers_within_seconds(browser_of_one, e2e_store, tmp_path):
    """The end of a lesson: Ctrl-C in ``make run`` ends the server promptly, and no worker is left behind."""
    store = tmp_path / "models"
    shutil.copytree(e2e_store, store, ignore=shutil.ignore_patterns(".locks", ".tmp-*", "*.db*"))
    with serve(store, tmp_path / "class.db", tmp_path / "streamlit.log") as served:
        student = tab(browser_of_one, served.url)
        student.page.goto(served.url + "/train", timeout=FIRST_PAGE_TIMEOUT_MS)
        student.page.get_by_role("heading", name="Train a network").wait_for(timeout=FIRST_PAGE_TIMEOUT_MS)
        student.idle()
        deadline = time.monotonic() + 30
        while not (workers := served.children()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert workers, "the Train page starts the training engine and its worker program"
        assert served.stop(signal.SIGINT) == 0
        assert served.stop_seconds is not None and served.stop_seconds < SERVER_STOP_SECONDS
        gone = [pid for pid in workers if not Path(f"/proc/{pid}").exists()]
        assert gone == workers, f"worker processes still running: {sorted(set(workers) - set(gone))}"
