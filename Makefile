# Digit Studio — `make run` starts the app, `make test` runs every test.
# Both set up everything first: a virtual environment, the dependencies, MNIST.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8501

.PHONY: run dev loadtest test test-fast lint format pretrain bench screenshots data venv clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Digit Studio needs Python 3.11 or newer (PYTHON=$(PYTHON)).")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

venv: $(STAMP)

data: $(STAMP)
	$(BIN)/python -m mnist_core download

# For a class: no file watcher (it would only watch .venv overflow inotify and cost CPU).
run: data
	$(BIN)/python -m streamlit run app.py --server.port $(PORT) --server.fileWatcherType none

# For a developer: reload on save, watching the sources but not the virtual environment or the stores.
dev: data
	$(BIN)/python -m streamlit run app.py --server.port $(PORT) --server.runOnSave true \
		--server.folderWatchBlacklist '[".venv", "models", "artifacts", ".git"]'

# The tests run in TEST_WORKERS processes: one drives the browser tests against their server, mostly
# waiting on it, while the others run the unit and app tests (see tests/conftest.py). One BLAS thread
# each, so that processes sharing two cores do not spin against each other; and Python keeps its
# compiled files (git ignores them), so that no run, and no process a run starts, compiles them again.
TEST_WORKERS ?= 2
TEST_ENV := PYTHONDONTWRITEBYTECODE= OPENBLAS_NUM_THREADS=1

test: data
	$(TEST_ENV) $(BIN)/python -m pytest -n $(TEST_WORKERS)

test-fast: data
	$(TEST_ENV) $(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not slow and not e2e and not network"

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy mnist_core

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

pretrain: data
	$(BIN)/python -m mnist_core pretrain

bench: data
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.drawn
	$(BIN)/python -m benchmarks.handwriting
	$(BIN)/python -m benchmarks.non_digits
	$(BIN)/python -m benchmarks.inside

screenshots: data
	DIGIT_STUDIO_DOCS_SCREENSHOTS=1 $(BIN)/python -m pytest tests/e2e -q

loadtest: data
	@command -v chromium >/dev/null || test -x /usr/bin/chromium || { echo "make loadtest needs Chromium (apt-get install chromium)"; exit 1; }
	$(BIN)/python -m benchmarks.loadtest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
