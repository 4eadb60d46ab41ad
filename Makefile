# One-command set-up: `make demo` runs the product, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Tests and screenshots render Qt offscreen; `make demo` uses the real display when there is one.
HEADLESS := QT_QPA_PLATFORM=offscreen

.PHONY: installer install demo demo-console test lint typecheck importlint unit bench screenshots clean system-deps \
	coverage-gate mutation

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip wheel

# Pinned install: requirements.lock holds every version we test with.
$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# System libraries: libzbar0 (QR decoding), CJK fonts, Qt's EGL runtime, PulseAudio's
# client library (QtMultimedia, for the camera), Chromium (the console's browser tests).
SYSTEM_PACKAGES := libzbar0 fonts-noto-cjk libegl1 libxkbcommon0 libgl1 libfontconfig1 \
	libdbus-1-3 libpulse0 chromium
# What Qt's xcb platform plugin loads to open a window on X11 (checked with ldd and
# QT_DEBUG_PLUGINS=1 under Xvfb), then Xvfb and xdotool for the tests in a real X11 window.
XCB_PACKAGES := libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 \
	libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-xfixes0 libxcb-xkb1 \
	libxcb-util1 libxkbcommon-x11-0 libx11-xcb1
X11_TEST_PACKAGES := xvfb xdotool
SYSTEM_PACKAGES += $(XCB_PACKAGES) $(X11_TEST_PACKAGES)

system-deps:
	@if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1 || \
		{ apt-get update -qq && apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; }; \
	else \
		echo "If missing, install with your package manager: $(SYSTEM_PACKAGES)"; \
	fi

# Sync server on SQLite with demo data, a paired terminal, and its window.
demo: system-deps install
	$(BIN)/python -m terminal.live_demo

# The same services, walked through in the console on a throw-away replica.
demo-console: install
	$(BIN)/python -m terminal.demo

screenshots: system-deps install
	$(HEADLESS) $(BIN)/python -m terminal.screenshots docs/screenshots

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy shared terminal sync_server

importlint: install
	$(BIN)/lint-imports

# --- Test gates (tests-integrity): branch coverage per package, mutation testing --------
# `make unit` measures branch coverage (pytest-cov, with xdist); the gate then needs at
# least COVERAGE_MIN % in each of COVERAGE_GATES and prints each figure. See docs/TESTING.md.
COVERAGE_GATES := shared terminal/services terminal/offline sync_server
COVERAGE_MIN := 85
# Three workers on two cores: a third of the suite waits on child servers, browsers and
# sockets, and a third worker fills those waits (see docs/TESTING.md for the timings).
PYTEST_WORKERS ?= 3
# worksteal: each worker starts on its own contiguous share of the tests (a module's tests
# stay together) and an idle worker takes tests from a busy one's queue, so a slow file no
# longer holds one worker up while the others are idle (docs/TESTING.md).

unit: install
	rm -f .coverage .coverage.*
	$(HEADLESS) $(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal --cov --cov-report=
	@$(MAKE) --no-print-directory coverage-gate

coverage-gate: install
	@# Data a child process saved after pytest-cov combined (none is not an error).
	@$(BIN)/coverage combine --append -q >/dev/null 2>&1 || true
	@failed=""; for pkg in $(COVERAGE_GATES); do \
		pct=$$($(BIN)/coverage report --include="$$pkg/*" --format=total); \
		if $(BIN)/coverage report --include="$$pkg/*" --fail-under=$(COVERAGE_MIN) >/dev/null; \
		then echo "coverage $$pkg: $$pct % (branch; gate $(COVERAGE_MIN) %)"; \
		else echo "coverage $$pkg: $$pct % - BELOW the $(COVERAGE_MIN) % gate"; failed="$$failed $$pkg"; fi; \
	done; \
	if [ -n "$$failed" ]; then echo "coverage gate failed for:$$failed (coverage report -m --include=PKG/*)"; exit 1; fi

# Mutation testing of shared/domain (mutmut; settings in pyproject.toml). Not part of
# `make test`: it takes minutes. Fails when more than MUTATION_MAX_SURVIVING % survive.
MUTATION_MAX_SURVIVING := 5
mutation: install
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2 > mutation.log 2>&1 || { tail -n 30 mutation.log; true; }
	$(BIN)/python tests/mutation_gate.py --max-surviving $(MUTATION_MAX_SURVIVING)
# --- end of test gates -----------------------------------------------------------------

test: system-deps install lint typecheck importlint unit

bench: install
	$(BIN)/python bench/replica_bench.py
	$(BIN)/python bench/sync_bench.py
	$(HEADLESS) $(BIN)/python bench/ui_bench.py
	$(BIN)/python bench/scan_bench.py

# The terminal as a one-folder PyInstaller bundle (build/dist/pos-terminal), then its smoke
# test: --version, a replica opened on a temp data dir, the window started offscreen.
installer: system-deps install
	rm -rf build/dist/pos-terminal build/work
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath build/dist --workpath build/work \
		installers/pos-terminal.spec
	PYTHON=$(BIN)/python installers/smoke_test.sh build/dist/pos-terminal

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache mutants .coverage .coverage.*
