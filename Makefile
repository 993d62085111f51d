# Parley: every target does its own set-up on a fresh machine (venv, packages, models).
#   make demo   run the service on the default model bundle and stream the bundled sample through it
#   make serve  run the service (ws://127.0.0.1:8765/)
#   make test   lint + the whole test suite, on the real models

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.parley-installed

.PHONY: setup models system-deps demo serve test lint bench clean

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(INSTALLED)

models: $(INSTALLED)
	$(BIN)/parley models fetch

setup: $(INSTALLED) models

# Debian packages the tests need: a real MQTT broker, a real browser (Debian's Chromium),
# and espeak-ng + sox for the synthetic benchmark conversations
SYSTEM_PACKAGES := mosquitto chromium espeak-ng sox
system-deps:
	@missing=""; \
	for package in $(SYSTEM_PACKAGES); do dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

demo: setup
	$(BIN)/parley stream sample --out demo.srt

serve: setup
	$(BIN)/parley serve

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup system-deps lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) test-artifacts

# Benchmark: streaming vs the offline baseline on the bundled sample; refreshes the README table
bench: setup system-deps
	$(BIN)/parley bench --suite sample --out bench-results --update-readme README.md
