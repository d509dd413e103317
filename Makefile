# Two commands: `make site` sets everything up and builds the default station;
# `make test` runs every test. Both are idempotent.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# `make site STATION=mystation/station.toml` builds your own station instead of the default
STATION ?= station.toml

.PHONY: site stations test test-fast setup system bench clean corpus pack model

site: setup
	$(PY) build.py --station $(STATION)

# Every station in stations/ (stations/stations.toml lists them) and a picker, into one site.
stations: setup
	$(PY) -m lofipress.cli build --station stations

test: setup system
	$(PY) -m pytest -q -n 2 --dist loadgroup

test-fast: setup
	$(PY) -m pytest -q -m "not slow and not browser"

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian packages the tests need (chromium, java for vnu, fluidsynth and FluidR3); skipped when present.
system:
	sh scripts/install-system.sh

bench: setup
	$(PY) -m lofipress.cli bench generate
	$(PY) -m lofipress.cli bench render
	$(PY) -m lofipress.cli bench build

# Regenerate committed data from their sources (not needed for a build).
corpus: setup
	$(PY) scripts/make_corpus.py
pack: setup
	$(PY) scripts/make_pack.py
model: setup
	$(PY) -m lofipress.cli train --corpus corpus --out models/default

clean:
	$(PY) -m lofipress.cli clean
