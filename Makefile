# make run  - create .venv, install, run the pipeline on examples/ with the DirectRunner -> ./out
# make test - create .venv, install with test extras, run the tests
# make screenshots - the run report of examples/ at phone and desktop widths -> docs/img/*.png
# make bench - every figure README.md and docs/ quote, by the commands that produce them (~40 min)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: run test bench screenshots venv install install-test clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: $(VENV)/bin/activate setup.py
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(VENV)/bin/wirefeed --feeds examples/feeds.opml --output ./out

test: install-test
	$(PY) -m pytest -q

screenshots: install-test
	$(PY) docs/screenshots.py

bench: install-test
	$(PY) -m benchmarks.all

clean:
	rm -rf out build dist *.egg-info .pytest_cache bench-out
