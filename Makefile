# The two commands: `make run` (demo store on SQLite, served on :8000) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install system-deps lint bench clean

$(STAMP): pyproject.toml build-constraints.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check "uv>=0.5,<1"
	$(VENV)/bin/uv pip install --quiet --python $(PY) --build-constraint build-constraints.txt -e ".[dev]"
	@# Precompile once: with PYTHONDONTWRITEBYTECODE set, every process would recompile imports.
	$(PY) -m compileall -q -j 0 $(VENV)/lib backroom > /dev/null || true
	touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/backroom init --demo
	$(VENV)/bin/backroom books post
	$(VENV)/bin/backroom serve --admin-token --worker

system-deps:
	bash scripts/system-deps.sh

test: install system-deps
	$(VENV)/bin/ruff check backroom tests
	$(VENV)/bin/mypy backroom
	$(VENV)/bin/pytest -q

lint: install
	$(VENV)/bin/ruff check backroom tests
	$(VENV)/bin/mypy backroom

bench: install
	$(VENV)/bin/backroom bench inventory

clean:
	rm -rf $(VENV) backroom.db backroom.db-wal backroom.db-shm
