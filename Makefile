# The two commands of the README: `make test` and `make demo`.
VENV ?= .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEBS := restic bubblewrap

.PHONY: test lint debs venv demo clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,postgres]'
	touch $@

venv: $(VENV)/.installed

# Debian packages the tests use (restic for data movement, bubblewrap for pod mount namespaces).
debs:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q $$missing; \
	fi

lint: venv
	$(VENV)/bin/ruff check kes tests benchmarks
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy kes

test: venv debs lint
	$(VENV)/bin/pytest

# The main job on the embedded defaults; KEEP=1 leaves the cluster and controller running.
demo: venv
	bash scripts/demo.sh

clean:
	rm -rf $(VENV) .kes
