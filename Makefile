VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: install demo test bench lint clean

$(PY):
	python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PIP) install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/credo demo --dir demo

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -q

# The peers that predate pandas 3 run in their own environments, called from the same run.
bench/.venv-peers/bin/python:
	python3 -m venv bench/.venv-peers
	bench/.venv-peers/bin/pip install --quiet -r bench/peers/requirements.txt

bench/.venv-ft/bin/python:
	python3 -m venv bench/.venv-ft
	bench/.venv-ft/bin/pip install --quiet "pandas<3" featuretools pyarrow

bench: $(STAMP) bench/.venv-peers/bin/python bench/.venv-ft/bin/python
	$(PIP) install --quiet -e '.[bench]'
	$(PY) bench/ingest.py
	$(PY) bench/features.py
	$(PY) bench/binning.py
	$(PY) bench/training.py
	$(PY) bench/quality.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) bench/.venv-peers bench/.venv-ft demo .pytest_cache
