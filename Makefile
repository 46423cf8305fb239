# The only entry points. `make run` and `make test` each set everything up on a fresh machine.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PORT ?= 8501
DBT_FILES := $(shell find dbt_project/models dbt_project/macros dbt_project/tests dbt_project/seeds -type f 2>/dev/null) \
	dbt_project/dbt_project.yml dbt_project/profiles.yml
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1

.PHONY: setup run demo pipeline serve test test-tools dev lint bench bench-crash bench-serving clean

setup: .venv/.synced dbt_project/target/manifest.json

.venv/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@# compiled to bytecode once: where PYTHONDONTWRITEBYTECODE is set (as on this machine) every process
	@# compiles what it imports (Dagster's definitions 6.2 -> 3.9 s, dbt's start 3.8 -> 2.3 s, GX 2.4 -> 1.1 s)
	$(UV) sync --frozen --compile-bytecode
	@touch $@

# dagster-dbt reads the manifest when the code location loads
dbt_project/target/manifest.json: .venv/.synced $(DBT_FILES)
	cd dbt_project && $(UV) run dbt parse --quiet
	@touch $@

run: setup demo pipeline serve

demo: setup
	$(UV) run togetheros demo

pipeline: setup
	$(UV) run togetheros pipeline

serve: setup
	$(UV) run togetheros serve --port $(PORT)

# The browser, ledger-reconciliation and standard-tool signature tests need Debian's chromium, ledger,
# hledger and ssh-keygen (and npm, which fetches axe-core for the accessibility check); without them those
# tests would skip, so `make test` stops and says what to
# install (`.ci/run` installs them).
TEST_TOOLS := /usr/bin/chromium ledger hledger ssh-keygen npm java

# two workers, each taking whole test files (module fixtures and ordered tests stay on one worker)
test: setup test-tools
	$(UV) run pytest -n 2 --dist loadfile --durations=20

test-tools:
	@missing=""; for tool in $(TEST_TOOLS); do command -v $$tool >/dev/null 2>&1 || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make test: missing$$missing (the browser and ledger tests need them)."; \
	  echo "  install: sudo apt-get install chromium ledger hledger openssh-client openjdk-17-jre-headless   (or run .ci/run, which installs them)"; \
	  exit 1; \
	fi

# the Dagster UI over data/dagster_home, the instance `togetheros pipeline` records its runs in
dev: setup
	$(UV) run togetheros dev

lint: setup
	$(UV) run ruff check pipelines dashboards demo tests bench
	$(UV) run ruff format --check pipelines dashboards demo tests bench
	cd dbt_project && $(UV) run sqlfluff lint models

bench: setup
	$(UV) run python -m bench

# kill -9 at random points of every stage, 20 rounds on a tiny demo (bench/results/crash.json)
bench-crash: setup
	$(UV) run python -m bench.crash --rounds 20

# 20 dashboard sessions over every page while `latest` is promoted (bench/results/serving.json)
bench-serving: setup
	$(UV) run python -m bench.serving --sessions 20

clean:
	rm -rf data/inbox data/landing data/warehouse data/releases dbt_project/target
