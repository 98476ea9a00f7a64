# One command to build the graph from the bundled evidence, one to run the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Browser libraries the view tests inject into pages (axe-core), pinned by tests/browser/package-lock.json.
BROWSER_LIBS := tests/browser/node_modules/.installed

.PHONY: run test build clean

run: $(VENV)/.installed
	$(BIN)/sskg build --evidence evidence --out build
	@echo "Outputs are in $(CURDIR)/build (the whole graph: build/sskg.ttl)"

build: run

test: $(VENV)/.installed $(BROWSER_LIBS)
	$(BIN)/python -m pytest

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(BROWSER_LIBS): tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund
	touch $@

clean:
	rm -rf build $(VENV) tests/browser/node_modules
