# The two commands of the README: `make test` and `make demo`. Both install what they need.
VENV ?= .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages: bubblewrap for pod mount namespaces. PostgreSQL (scripts/postgres.sh: the
# shared event store, and the server and clients examples/postgresql runs on the node) and MariaDB
# (scripts/mariadb.sh: server and clients for examples/mariadb, its own service not started) have
# targets of their own.
DEBS := bubblewrap

include tools/versions.mk

# Go-built tools live in the project (git-ignored) and come first on PATH for everything make runs.
TOOLS_DIR ?= $(CURDIR)/.tools
TOOLS_BIN := $(TOOLS_DIR)/bin
export PATH := $(TOOLS_BIN):$(PATH)
export KES_TOOLS_DIR := $(TOOLS_DIR)

.PHONY: test lint debs venv tools movers k8s-module postgres mariadb demo reliability clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,postgres]'
	touch $@

venv: $(VENV)/.installed

debs:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

# restic and kopia built from their Go modules at the pinned versions (scripts/go-tool.sh says
# why not `go install`); Kubernetes' control plane and etcd from the wrapper module tools/k8s
# (scripts/k8s-tools.sh says why one is needed). A second run builds nothing.
tools: movers
	@bash scripts/k8s-tools.sh $(TOOLS_BIN) $(KUBERNETES_VERSION) $(ETCD_VERSION)

# The data movers alone: all the demo needs.
movers:
	@bash scripts/go-tool.sh github.com/restic/restic $(RESTIC_VERSION) ./cmd/restic $(TOOLS_BIN)/restic
	@bash scripts/go-tool.sh github.com/kopia/kopia $(KOPIA_VERSION) . $(TOOLS_BIN)/kopia \
		"-s -w -X github.com/kopia/kopia/repo.BuildVersion=$(KOPIA_VERSION:v%=%)"

# After changing KUBERNETES_VERSION or ETCD_VERSION: rewrite tools/k8s/go.mod and go.sum.
k8s-module:
	@bash scripts/k8s-module.sh $(KUBERNETES_VERSION) $(ETCD_VERSION)

postgres:
	@bash scripts/postgres.sh

mariadb:
	@bash scripts/mariadb.sh

lint: venv
	$(VENV)/bin/ruff check kes tests benchmarks
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy kes

test: venv debs tools postgres mariadb lint
	$(VENV)/bin/pytest
	$(VENV)/bin/kes replay -q tests/fixtures/histories/*.jsonl

# docs/reliability.md regenerated: the chaos suites (crash matrix at every boundary, store and API
# faults at 100 runs per profile, secrets, tamper) and the fuzz suites (10,000 examples each) in
# their full setting; an hour or more on a loaded machine. `make test` runs them small. The
# document is written whatever the outcome (it shows what did not hold); make fails if a test did.
RELIABILITY_JSON := .kes/reliability.json
reliability: venv debs tools postgres
	@mkdir -p .kes && rm -f $(RELIABILITY_JSON)
	KES_RELIABILITY=full KES_RELIABILITY_REPORT=$(RELIABILITY_JSON) $(VENV)/bin/pytest \
		tests/chaos tests/fuzz -p no:cacheprovider --timeout 7200; status=$$?; \
	$(PY) tests/reliability_report.py $(RELIABILITY_JSON) docs/reliability.md; exit $$status

# The main job on the embedded defaults; KEEP=1 leaves the cluster and controller running.
demo: venv debs movers
	bash scripts/demo.sh

clean:
	rm -rf $(VENV) .kes
