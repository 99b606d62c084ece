# make demo : installe le projet dans .venv et produit les rapports de la région de démonstration
# make test : installe le projet (avec les outils de test), vérifie le style (ruff) et lance toute la suite de tests
# make test-fast : la boucle rapide du développement, sans les tests qui lancent le lot ou un noyau Jupyter (< 1 min)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install demo test test-fast lint benchmark browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name diagnostic-territorial --display-name "Diagnostic territorial (Python 3)"
	@# the package's bytecode written once (an editable install writes none; with PYTHONDONTWRITEBYTECODE, as in
	@# many containers, every command would compile the package again: 0,2 s of a one-territory report)
	$(BIN)/python -m compileall -q diagnostics

demo: install
	$(BIN)/python run_all.py

# The browser tests drive Debian's chromium headless (no browser is downloaded): installed here when
# missing and allowed (root), skipped with a message otherwise (never skipped in CI).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "chromium absent : les tests navigateur seront ignorés"

lint: install
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .

test: install browser lint
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m "not slow"

benchmark: install
	$(BIN)/python benchmarks/benchmark_batch.py
