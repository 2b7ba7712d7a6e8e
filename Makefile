# Every target creates the virtualenv it needs, so one command works on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: venv test test-shifted-clock lint typecheck check demo readme-image bench docs verify-delivery clean

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# One worker per CPU (pytest-xdist); PYTEST_WORKERS=0 runs in this process.
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

test: venv
	$(PYTEST)

# The suite again with the system clock moved (needs Debian's faketime): nothing may depend on
# the date it runs. CLOCK_SHIFT=-400d runs it in the past. libfaketime re-reads its settings with
# getenv every 10 s by default, which can crash against a setenv on another thread (a test's
# monkeypatch while moto's server threads run): it reads them once.
CLOCK_SHIFT ?= +400d
test-shifted-clock: venv
	FAKETIME_CACHE_DURATION=1000000 faketime -f $(CLOCK_SHIFT) $(PYTEST)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy components handlers local statemachine ops __main__.py
	MYPYPATH=policies $(BIN)/mypy -p sfuser_guardrails

check: lint typecheck test

demo: venv
	$(BIN)/python -m local.demo

# The README's dashboard picture, redrawn by the demo.
readme-image: demo
	cp build/dashboard-preview.png docs/images/dashboard-preview.png

bench: venv
	$(BIN)/python -m bench

# Regenerate what documents state from the code: Pulumi.yaml's defaults, docs/configuration.md and
# the parameters block of each alarm runbook and the topic owners' example statements (tests fail
# while they are out of date).
docs: venv
	$(BIN)/python -m components.config_reference
	$(BIN)/python -m components.alarm_reference
	$(BIN)/python -m components.owner_grants_reference

# After a deploy (optional; the Pulumi CLI and AWS credentials for the stack's account): an alarm
# of the stack notifies every alert topic and the notification must arrive. Every subscriber of
# those topics receives it (docs/runbooks/existing-alert-topics.md).
STACK ?= dev
verify-delivery: venv
	pulumi stack output --json --stack $(STACK) | $(BIN)/python -m ops.verify_delivery

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build
