# One command to build the graph from the bundled evidence, one to run the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# npm tools the tests run (graphology reads the network exports, axe-core checks pages), pinned by tests/js/package-lock.json.
TEST_TOOLS := tests/js/node_modules/.installed

.PHONY: run test build clean

run: $(VENV)/.installed
	$(BIN)/sskg build --evidence evidence --out build
	@echo "Outputs are in $(CURDIR)/build (the whole graph: build/sskg.ttl)"

build: run

test: $(VENV)/.installed $(TEST_TOOLS)
	$(BIN)/python -m pytest

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(TEST_TOOLS): tests/js/package-lock.json
	npm ci --prefix tests/js --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf build $(VENV) tests/js/node_modules
