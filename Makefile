# The two set-up commands of the README: `make serve` and `make test`. Both build .venv/ the first time.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test docs

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test,postgres,load,bench]"
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/fake-sefaz serve --tls-port 8443

test: $(STAMP)
	-sh scripts/install-browser.sh
	$(BIN)/python -m pytest -q

docs: $(STAMP)
	$(BIN)/python -m fake_sefaz.tools.docs
