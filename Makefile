# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
DEMO_REPORT ?= /tmp/auditwarden-demo-report

.PHONY: demo test lint bench venv clean package routes checkov

$(STAMP): pyproject.toml setup.py Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,gcp,report,anomaly,geoip]'
	touch $@

venv: $(STAMP)

demo: $(STAMP)
	@echo "== auditwarden scan examples/trail (rule pack + deploy provenance) =="
	$(BIN)/auditwarden scan examples/trail --config examples/auditwarden.yaml --format table --fail-on critical \
		--dead-letter /tmp/auditwarden-demo-deadletter.jsonl; rc=$$?; test $$rc -le 1
	@echo "== auditwarden report examples/iam (AWS + GCP inventory, a month of audit logs) =="
	$(BIN)/auditwarden report --aws-authz examples/iam/aws/authz.json \
		--aws-credential-report examples/iam/aws/credential-report.csv --gcp-iam examples/iam/gcp \
		--logs examples/iam/logs --days 30 --as-of 2026-11-30T12:00:00Z --out $(DEMO_REPORT); rc=$$?; test $$rc -le 1
	@echo "least-privilege report: open $(DEMO_REPORT)/report.html (also report.md, report.json)"

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider -rfE

lint: $(STAMP) checkov
	$(BIN)/ruff check scanner tests bench packaging
	$(BIN)/mypy --strict scanner

# checkov lives in its own venv: its pinned dependencies must not steer the project's.
CHECKOV_VENV := .venv-checkov
$(CHECKOV_VENV)/.installed:
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -q checkov
	touch $@

checkov: $(CHECKOV_VENV)/.installed
	$(CHECKOV_VENV)/bin/checkov -d terraform --framework terraform --quiet --compact --skip-download

# Event-function zip (Lambda), Cloud Function source zip and the wheel of the nightly image, in dist/.
package: $(STAMP)
	$(BIN)/python packaging/build.py

# EventBridge routes for terraform/aws, generated from the rule pack and the deploy catalog.
routes: $(STAMP)
	$(BIN)/python -m scanner.live.routes > terraform/aws/routes.tf.json

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
