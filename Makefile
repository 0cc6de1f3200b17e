# rangebook: `make demo` serves the demo, `make test` runs the whole suite.
# Both create the virtualenv, install, and start the embedded PostgreSQL (config/localdb.py)
# unless DATABASE_URL is set; both are safe to run again.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

WS_CLIENT := tests/live/ws_client
PEER := bench/peer
GRAPHIQL_ASSETS := schema/graphiql
CHROMIUM := /usr/bin/chromium
BENCH_DB ?= rangebook_bench
BENCH_RESOURCES ?= 10000
BENCH_BOOKINGS ?= 1000000

.PHONY: demo test install db-start db-stop db-status db-destroy migrate demo-data serve lint \
	ws-client chromium graphiql-assets bench-data bench-availability bench-search bench-api bench-api-floor \
	bench-attacks tour bench-notify bench-peer

demo: migrate demo-data graphiql-assets serve

test: install db-start ws-client chromium graphiql-assets
	$(PY) -m ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

install: $(STAMP)

$(STAMP): pyproject.toml
	@sh bin/ensure-python-venv "$(PYTHON)" "$(VENV)"
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --upgrade pip
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

db-start: install
	$(PY) -m config.localdb start

db-stop:
	@if [ -x $(PY) ]; then $(PY) -m config.localdb stop; else $(PYTHON) -m config.localdb stop; fi

db-status:
	$(PYTHON) -m config.localdb status

db-destroy:
	$(PYTHON) -m config.localdb destroy

migrate: db-start
	$(PY) manage.py migrate --no-input

demo-data: migrate
	$(PY) manage.py load_demo --url http://$(HOST):$(PORT)

# Every example of the README's tour against the running demo (make demo, same PORT),
# with today's dates; prints the answers and a GraphiQL link for each.
tour: install
	$(PY) manage.py tour --url http://$(HOST):$(PORT)/graphql

# The ASGI server and the task worker beside it (config/serve.py); Ctrl-C stops both.
serve: db-start
	$(PY) -m config.serve --host $(HOST) --port $(PORT)

# The reference graphql-transport-ws client (npm graphql-ws) for the websocket tests.
ws-client: $(WS_CLIENT)/node_modules/.installed-stamp

$(WS_CLIENT)/node_modules/.installed-stamp: $(WS_CLIENT)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix $(WS_CLIENT) --no-audit --no-fund && touch $@; \
	else echo "npm not found: the graphql-ws websocket tests will be skipped"; fi

# The browser tests (tests/browser) drive Debian's Chromium through Playwright; installed
# as root with apt-get, as config/localdb.py installs PostgreSQL. Without it they skip.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	      --no-install-recommends chromium fonts-liberation; \
	  else echo "$(CHROMIUM) not found (apt-get install chromium): the browser tests will be skipped"; fi; \
	fi

# The files strawberry's GraphiQL page loads from unpkg.com, from npm: /graphql serves them
# itself when they are here (the SRI hashes the page pins match them), so GraphiQL works
# without internet access; without npm the page keeps unpkg.com.
graphiql-assets: $(GRAPHIQL_ASSETS)/node_modules/.installed-stamp

$(GRAPHIQL_ASSETS)/node_modules/.installed-stamp: $(GRAPHIQL_ASSETS)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix $(GRAPHIQL_ASSETS) --no-audit --no-fund --legacy-peer-deps --ignore-scripts \
	    && touch $@; \
	else echo "npm not found: GraphiQL loads its scripts from unpkg.com; its browser tests will be skipped"; fi

# Benchmarks (not part of `make test`): a dedicated database on the same server.
bench-data: db-start
	BENCH_DB=$(BENCH_DB) PY=$(PY) bench/prepare.sh $(BENCH_RESOURCES) $(BENCH_BOOKINGS)

bench-availability: db-start
	$(PY) -m bench.availability --database-name $(BENCH_DB) $(BENCH_ARGS)

# Search over generated catalogues of 100k and 1M resources, each in a database of its own
# (made on the first run: about 3 and 25 minutes, tracked terms included; reused after).
bench-search: migrate
	$(PY) -m bench.search --database-name rangebook_search_100k --ensure 100000 --runs 5
	$(PY) -m bench.search --database-name rangebook_search_1m --ensure 1000000 --runs 5

# The API over HTTP against the same statements through psycopg's async pool (needs wrk:
# apt-get install -y wrk). BENCH_ARGS e.g. --workers 2 --rounds 3, or --check.
bench-api: db-start
	$(PY) -m bench.api --database-name $(BENCH_DB) $(BENCH_ARGS)

# Our API against PostGraphile v4 (bench/peer/, from npm on the first run; needs node, npm
# and wrk) on the same database and queries, side by side: median of 3 rounds each.
bench-peer: db-start $(PEER)/node_modules/.installed-stamp
	$(PY) -m bench.peer --database-name $(BENCH_DB) $(BENCH_ARGS)

$(PEER)/node_modules/.installed-stamp: $(PEER)/package-lock.json
	npm ci --prefix $(PEER) --no-audit --no-fund && touch $@

# Where an API request's time goes, in process: SQL alone, the ORM, GraphQL without SQL.
bench-api-floor: db-start
	$(PY) -m bench.api_floor --database-name $(BENCH_DB)

# What queued background work (notices, webhooks) costs `book`, and worker throughput.
bench-notify: db-start
	$(PY) -m bench.notify --database-name $(BENCH_DB) $(BENCH_ARGS)

# The attacks of the README's reliability section against a running server (make demo),
# and the cost of checking documents of every shape (in process).
bench-attacks: install
	$(PY) -m bench.attacks $(BENCH_ARGS)
	$(PY) -m bench.attacks --shapes

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
