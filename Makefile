# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: demo test lint bench venv clean

$(STAMP): pyproject.toml setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,gcp,report,anomaly]'
	touch $@

venv: $(STAMP)

demo: $(STAMP)
	@echo "== auditwarden scan examples/trail (rule pack + deploy provenance) =="
	$(BIN)/auditwarden scan examples/trail --config examples/auditwarden.yaml --format table --fail-on critical \
		--dead-letter /tmp/auditwarden-demo-deadletter.jsonl; rc=$$?; test $$rc -le 1

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check scanner tests bench
	$(BIN)/mypy --strict scanner

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
