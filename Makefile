# Two commands: `make site` sets everything up and builds the default station;
# `make test` runs every test. Both are idempotent.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# `make site STATION=mystation/station.toml` builds your own station instead of the default
STATION ?= station.toml

.PHONY: site stations test test-fast setup setup-site system bench clean corpus pack model wheel constraints picture mutants

site: setup-site
	$(PY) build.py --station $(STATION)

# Every station in stations/ (stations/stations.toml lists them) and a picker, into site-stations/.
stations: setup
	$(PY) -m lofipress build --station stations

test: setup system
	$(VENV)/bin/lint-imports --config .importlinter   # the layers: docs/architecture.md
	$(PY) -m pytest -q -n 2 --dist loadgroup

test-fast: setup
	$(PY) -m pytest -q -m "not slow and not browser"

# What a build from the committed model needs (no TensorFlow), at the tested versions of constraints.txt.
setup-site: $(VENV)/.installed-site node_modules/.installed

$(VENV)/.installed-site: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e .
	touch $@

# Everything: training (TensorFlow, Keras) and the test tools too.
setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: $(VENV)/.installed-site
	$(PY) -m pip install -q -c constraints.txt -e '.[train,dev]'
	touch $@

# After changing a range in pyproject.toml: install, then write the resolved set down.
# name==version lines only (scripts/pin_constraints.py: `pip list --format=freeze`, never a wheel's path).
constraints: setup
	$(PY) scripts/pin_constraints.py

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian packages the tests need (chromium, java for vnu, fluidsynth and FluidR3); skipped when present.
system:
	sh scripts/install-system.sh

bench: setup
	$(PY) -m lofipress bench generate
	$(PY) -m lofipress bench render
	$(PY) -m lofipress bench build

# A wheel and sdist in dist/ that work without the repository or npm (templates, player, Tone.js, p5, the
# default pack and model inside). It needs the build front-end and npm's files, nothing else: a small
# virtualenv of its own with `build` and setuptools at their tested versions, not the project's install.
# `pyproject-build`, not `python -m build`: the checkout's build.py shadows it.
WHEEL_VENV ?= .venv-wheel
wheel: $(WHEEL_VENV)/.installed node_modules/.installed
	rm -rf build dist
	$(WHEEL_VENV)/bin/pyproject-build --no-isolation -o dist .

$(WHEEL_VENV)/.installed: constraints.txt
	$(PYTHON) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/python -m pip install -q -c constraints.txt build setuptools
	touch $@

# Plant each defect of scripts/mutants.py in turn and run the tests that should catch it (the README lists them).
mutants: setup system
	$(PY) scripts/mutants.py

# The README's picture (docs/player.jpg): the built site playing in Chromium, a scene with the bar.
picture: setup system
	test -f site/index.html || $(PY) build.py
	$(PY) scripts/readme_picture.py site

# Regenerate committed data from their sources (not needed for a build).
corpus: setup
	$(PY) scripts/make_corpus.py
pack: setup
	$(PY) scripts/make_pack.py
model: setup
	$(PY) -m lofipress train --corpus corpus --out models/default

clean:
	$(PY) -m lofipress clean
