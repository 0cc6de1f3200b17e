#!/usr/bin/env bash
# Recreate the benchmark database and fill it with generated data:
#
#   bench/prepare.sh [RESOURCES [BOOKINGS [SEED]]]     (default 10000 1000000 1)
#
# The database is $BENCH_DB (default rangebook_bench) on the server the project uses: the
# embedded cluster, or the one of DATABASE_URL. It is dropped first if it exists, then
# migrated, then loaded by `manage.py generate_data`. Run the benchmark on it with
#   .venv/bin/python -m bench.availability --database-name rangebook_bench
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
BENCH_DB=${BENCH_DB:-rangebook_bench}
RESOURCES=${1:-10000}
BOOKINGS=${2:-1000000}
SEED=${3:-1}

base_url=${DATABASE_URL:-$("$PY" -m config.localdb url)}
bench_url=$("$PY" - "$base_url" "$BENCH_DB" <<'PYTHON'
import sys
import urllib.parse

base, name = sys.argv[1], sys.argv[2]
parts = urllib.parse.urlparse(base)
if parts.path.lstrip("/") == name:
    sys.exit(f"BENCH_DB={name} is the project's own database: choose another name.")
print(parts._replace(path="/" + name).geturl())
PYTHON
)

"$PY" - "$base_url" "$BENCH_DB" <<'PYTHON'
import sys

import psycopg
from psycopg import sql

base, name = sys.argv[1], sys.argv[2]
with psycopg.connect(base, autocommit=True) as conn:
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
print(f"Created database {name}.")
PYTHON

DATABASE_URL=$bench_url "$PY" manage.py migrate --no-input -v 0
DATABASE_URL=$bench_url "$PY" manage.py generate_data \
    --resources "$RESOURCES" --bookings "$BOOKINGS" --seed "$SEED"
