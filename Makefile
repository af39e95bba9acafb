# qa-audit: two commands on a fresh machine (Python 3.11, make, git, node, apt):
#   make demo   sets up .venv and runs a full synthetic audit round
#   make test   sets up .venv and runs the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

AXE    := node_modules/axe-core/axe.min.js
TEST_WORKERS ?= 2

.PHONY: demo test test-fast lint typecheck venv browser bench templates clean lab

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,lab]"
	touch $(STAMP)

venv: $(STAMP)

# The accessibility and offline tests drive Debian's chromium with Playwright (never a
# downloaded browser) and inject axe-core from npm. Installed once; later runs skip.
# As root apt-get runs directly; otherwise through sudo; with neither, a clear message.
# `env` carries DEBIAN_FRONTEND whether or not sudo stands in front of apt-get.
browser: $(AXE)
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium (once)..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; \
	  elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; \
	  else echo "make browser: chromium is not installed, and installing it needs root or sudo." >&2; \
	       echo "Ask an administrator to run: apt-get install chromium" >&2; exit 1; fi; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE)

demo: venv
	$(BIN)/qa-audit demo --out reports

# JupyterLab on the audit lead's own copy of the round notebook (made once in my-rounds/;
# rounds execute the report notebooks in notebooks/, which are never edited by hand).
lab: venv
	@test -e my-rounds/run_round.ipynb || $(BIN)/qa-audit notebook --out my-rounds
	$(BIN)/jupyter-lab --notebook-dir=my-rounds

# The whole suite: lint, types, then every test (rounds through real kernels, the browser
# checks) spread over both cores with pytest-xdist, whole test files per worker so a
# module's round is built once. What .ci/run calls.
test: venv browser lint typecheck
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

# The one-minute loop: no kernel, no browser, no sheet of 100,000 rows, no command line run
# as another user (tests marked e2e, browser, scale or slow are left out), Hypothesis at
# its quick profile.
test-fast: venv lint
	HYPOTHESIS_PROFILE=fast $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile -m "not e2e and not browser and not scale and not slow"

typecheck: venv
	$(BIN)/mypy

# Performance figures (not part of the tests): medians of several runs, with ratios.
bench: venv
	$(BIN)/python benchmarks/bench_scoring.py
	$(BIN)/python benchmarks/bench_round.py
	$(BIN)/python benchmarks/bench_national.py

lint: venv
	$(BIN)/ruff check qa_lib tests benchmarks

# Regenerate the committed audit tools and example round from the profiles.
templates: venv
	rm -rf audit_templates/halton && $(BIN)/qa-audit template --profile halton --all-partners --out audit_templates/halton
	$(BIN)/qa-audit template --profile halton --indicators --out audit_templates/halton
	rm -rf audit_templates/example_round && $(BIN)/python -c "from qa_lib.profile.schema import load_profile; from qa_lib.run.synthetic import make_demo_returns; make_demo_returns(load_profile('halton'), 'audit_templates/example_round/halton-2026-Q3', cases=12, partners=['Children\'s Social Care', 'Early Help (MAP)', 'Cheshire Police'], quality=[0.75, 0.9, 0.45])"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache demo_returns node_modules
