# Two commands do all set-up (see README.md):
#   make run    create .venv, install lpip, build the database with the bundled West Midlands data
#               and the West Midlands evidence atlas in ./atlas (lpip atlas serve --dir atlas)
#   make test   install the test extras and run the whole test suite
# `make i18n` extracts, updates and compiles the page catalogues; `make lint` runs ruff (the rules are in pyproject.toml); `make wheel` builds the wheel in dist/
# with the front-end assets inside and checks its contents; `make bench` runs every benchmark
# and prints figures and ratios.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run test lint wheel bench docs i18n clean

$(BIN)/python:
	@$(PYTHON) -c "import sys; sys.exit(sys.version_info[:2] < (3, 11))" || { echo "Python 3.11 or newer is needed: run make PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

VENDORED := src/lpip/web/static/vendor/htmx.min.js

# --ignore-scripts: the assets are plain files; no package needs to run code at install.
$(VENDORED): package.json package-lock.json scripts/vendor_assets.py
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	$(PYTHON) scripts/vendor_assets.py

$(VENV)/.installed: $(BIN)/python pyproject.toml $(VENDORED)
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@

ATLAS ?= atlas

run: $(VENV)/.installed
	$(BIN)/lpip init $(if $(DATABASE),--database $(DATABASE))
	$(BIN)/lpip atlas build --out $(ATLAS) $(if $(DATABASE),--database $(DATABASE))

test: $(VENV)/.installed
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

# The wheel carries the front-end assets ($(VENDORED) and the rest of `make`'s npm step), so
# `pip install dist/lpip-*.whl` needs no npm; scripts/check_wheel.py fails the build otherwise.
wheel: $(VENV)/.installed
	rm -f dist/lpip-*.whl
	$(BIN)/python -m build --wheel --outdir dist .
	$(BIN)/python scripts/check_wheel.py dist/lpip-*.whl

lint: $(VENV)/.installed
	$(BIN)/ruff check .

bench: $(VENV)/.installed
	$(BIN)/python bench/run_all.py

docs: $(VENV)/.installed
	$(BIN)/python scripts/gen_cli_docs.py

# Languages of the pages phones use (docs/languages.md): extract the strings into
# src/lpip/web/locale/messages.pot, update every messages.po, compile them to the committed .mo.
i18n: $(VENV)/.installed
	$(BIN)/python scripts/i18n.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache
