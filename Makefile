# make demo : installe le projet dans .venv et produit les rapports de la région de démonstration
# make test : installe le projet (avec les outils de test) et lance la suite de tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install demo test benchmark

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name diagnostic-territorial --display-name "Diagnostic territorial (Python 3)"

demo: install
	$(BIN)/python run_all.py

test: install
	$(BIN)/python -m pytest -q

benchmark: install
	$(BIN)/python benchmarks/benchmark_batch.py
