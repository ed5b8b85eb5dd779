#!/usr/bin/env bash
# Database export benchmark (issue 15): 1,000,000 recommendation rows written by recpipe's
# `export` stage vs psycopg's COPY and pandas' to_sql (PostgreSQL), and vs pandas' to_sql
# (SQLite); median of 3 interleaved runs, times, ratios and each process's peak memory.
# Needs a PostgreSQL server: RECPIPE_BENCH_POSTGRES (default the test server of .ci/run's
# shape, postgres://recpipe@127.0.0.1:5432/recpipe_test), password in PGPASSWORD or ~/.pgpass;
# without one, the PostgreSQL half is skipped and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh
WORK="${WORK:-/tmp/recpipe-bench-db}"
PG="${RECPIPE_BENCH_POSTGRES:-postgres://recpipe@127.0.0.1:5432/recpipe_test?sslmode=disable}"

build_recpipe
bench_venv pandas "psycopg[binary]" sqlalchemy

mkdir -p "$WORK"
"$PY" scripts/bench_db.py --recpipe "$RECPIPE" --pipeline scripts/bench/db-export.yaml \
  --work "$WORK" --postgres "$PG" --rows "${ROWS:-1000000}" --rounds "${ROUNDS:-3}" --skip "${SKIP:-}"
