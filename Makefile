# One command to build the graph from the bundled evidence, one to run the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test build clean

run: $(VENV)/.installed
	$(BIN)/sskg build --evidence evidence --out build
	@echo "Outputs are in $(CURDIR)/build (the whole graph: build/sskg.ttl)"

build: run

test: $(VENV)/.installed
	$(BIN)/python -m pytest

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

clean:
	rm -rf build $(VENV)
