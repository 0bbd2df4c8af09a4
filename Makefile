# xctkit — thin wrappers. `make report` builds the whole book; `make test` runs the tests.
# Both create .venv (Python 3.11) and install xctkit with the exact set of constraints.txt if needed.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PROFILE ?= default
PYTEST_ARGS ?=
# OUT=DIR: write the whole run (chapters, results, data, html) under DIR; REPORT_ARGS: more
# `xctkit report` options, e.g. REPORT_ARGS="--sweep seed=0,1,2 -p sr_epochs=4"
OUT ?=
REPORT_ARGS ?=

# Keep every tool cache inside the project (nothing under $HOME).
export KERAS_BACKEND      := torch
export PIP_CACHE_DIR      := $(CURDIR)/.cache/pip
export MPLCONFIGDIR       := $(CURDIR)/.cache/matplotlib
export KERAS_HOME         := $(CURDIR)/.cache/keras
export IPYTHONDIR         := $(CURDIR)/.cache/ipython
export NUMBA_CACHE_DIR    := $(CURDIR)/.cache/numba
export TORCH_HOME         := $(CURDIR)/.cache/torch
export XDG_CACHE_HOME     := $(CURDIR)/.cache/xdg
export JUPYTER_RUNTIME_DIR := $(CURDIR)/.cache/jupyter-runtime
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: setup report test lab bench calibrate clean help

help:
	@echo "make report [PROFILE=quick|default|full]  run every chapter and build book/_build/html"
	@echo "            [OUT=DIR] [REPORT_ARGS=...]      ... or everything under DIR; more xctkit report options"
	@echo "make test                                   run the test suite (what .ci/run calls)"
	@echo "make lab                                    JupyterLab on notebooks/ with the xctkit kernel"
	@echo "make bench                                  run benchmarks/ (JSON into benchmarks/results/)"
	@echo "make setup                                  create .venv and install xctkit"

setup: $(VENV)/.installed

# torch is pinned in the same pip command as xctkit so pip takes the CPU wheel where one is
# provided locally instead of resolving a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@mkdir -p .cache/ipython .cache/matplotlib .cache/keras .cache/numba .cache/torch .cache/xdg .cache/jupyter-runtime
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt "torch==2.13.0" -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name xctkit --display-name "Python (xctkit)" >/dev/null
	@mkdir -p .cache
	@touch $@

report: setup
	$(BIN)/xctkit report --profile $(PROFILE) $(if $(OUT),--out $(OUT)) $(REPORT_ARGS)

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lab: setup
	$(BIN)/jupyter lab notebooks/

bench: setup
	$(BIN)/python benchmarks/run_all.py

calibrate: setup
	$(BIN)/xctkit calibrate --profile full --overwrite --out xctkit/synth/presets.json

clean:
	rm -rf book/_build book/chapters book/results .pytest_cache
