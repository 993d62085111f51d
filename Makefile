# Parley: every target does its own set-up on a fresh machine (venv, packages, models).
#   make demo   run the service on the default model bundle and stream the bundled sample through it
#   make serve  run the service (ws://127.0.0.1:8765/)
#   make test   lint + the whole test suite, on the real models

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.parley-installed

.PHONY: setup models deepgram-clients system-deps demo serve test lint bench clean

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(INSTALLED)

models: $(INSTALLED)
	$(BIN)/parley models fetch

# The real Deepgram clients of tests/test_deepgram.py, pinned: deepgram-sdk 4.8.1 is in the main venv
# (test extras); the current Python SDK is the same `deepgram` package, so it gets a small venv of its
# own; the npm SDK is installed from tests/node/package-lock.json
DEEPGRAM_SDK_CURRENT := deepgram-sdk==7.17.0
DEEPGRAM_VENV := .venv-deepgram
$(DEEPGRAM_VENV)/.installed: Makefile
	test -x $(DEEPGRAM_VENV)/bin/python || $(PYTHON) -m venv $(DEEPGRAM_VENV)
	$(DEEPGRAM_VENV)/bin/pip install --quiet "$(DEEPGRAM_SDK_CURRENT)"
	touch $@
tests/node/node_modules/.installed: tests/node/package.json tests/node/package-lock.json
	cd tests/node && npm ci --no-audit --no-fund --silent
	touch $@
deepgram-clients: $(DEEPGRAM_VENV)/.installed tests/node/node_modules/.installed

setup: $(INSTALLED) models

# Debian packages the tests need: a real MQTT broker, a real browser (Debian's Chromium),
# espeak-ng + sox for the synthetic benchmark conversations; node + npm for the npm Deepgram SDK
# (Debian's nodejs and npm, unless an npm is there already: NodeSource's nodejs carries its own)
SYSTEM_PACKAGES := mosquitto chromium espeak-ng sox
system-deps:
	@missing=""; \
	for package in $(SYSTEM_PACKAGES); do dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; done; \
	command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
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

test: system-deps setup deepgram-clients lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) $(DEEPGRAM_VENV) tests/node/node_modules test-artifacts

# Benchmark: streaming vs the offline baseline on the bundled sample; refreshes the README table
bench: setup system-deps
	$(BIN)/parley bench --suite sample --out bench-results --update-readme README.md
