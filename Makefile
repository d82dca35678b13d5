# organiser — the two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
PORT ?= 5000
export FLASK_APP = organiser
# The local PostgreSQL for the PostgreSQL half of the suite; tests skip it (saying why) when unreachable.
ORGANISER_TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
export ORGANISER_TEST_DATABASE_URL

.PHONY: install run test lint format bench bench-short bench-tools translations messages clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	@$(BIN)/pybabel compile -d translations -f 2>&1 | grep -v '^compiling' || true

# After changing user-visible texts: extract them and update the English catalogue, then translate every
# new (empty) msgstr in translations/en/LC_MESSAGES/messages.po; tests/test_translations.py checks nothing is left.
# No fuzzy guesses (a wrong English text is worse than a visible gap) and no obsolete entries kept.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --project organiser -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

run: install
	mkdir -p instance
	@test -s instance/secret_key || $(BIN)/python -c 'import secrets; print(secrets.token_hex(32))' > instance/secret_key
	FLASK_DEBUG=1 $(BIN)/flask db upgrade
	@if [ ! -f instance/.demo-loaded ]; then FLASK_DEBUG=1 $(BIN)/flask demo-data && touch instance/.demo-loaded; fi
	@PORT=$(PORT) BIN=$(BIN) sh scripts/dev.sh

# The suite spread over the machine's cores (pytest-xdist; each worker has its own databases, servers and ports).
test: install
	$(BIN)/pytest -q -n auto

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The load generator of the benchmarks is Debian's wrk (throughput); installed here when missing (needs root).
bench-tools:
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

# The performance table of the README (bench_feeds, bench_pages, bench_load; SQLite and PostgreSQL; about
# half an hour on 2 cores). The output is also kept in bench/results/ (not in git).
bench: install bench-tools
	$(BIN)/python -m bench

# The same benchmarks with tiny sizes and one round (CI runs this through tests/ops/test_bench.py).
bench-short: install bench-tools
	BENCH_SHORT=1 $(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache
