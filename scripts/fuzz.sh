#!/usr/bin/env bash
# Fuzzing (issue #20): YAML and CSV mutants through `recpipe validate`/`run`, plus SIGKILL during
# runs of the demo pipeline, for a bounded time. Usage: scripts/fuzz.sh [SECONDS=120] [--seed N]
# Uses the release binary (scripts/build.sh); RECPIPE=path overrides it. Exits 1 when it finds a
# crash, a hang, an unaccounted row, a torn output or a failed re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_ARG="${1:-120}"
shift || true
if [[ -z "${RECPIPE:-}" ]]; then
  scripts/build.sh >/dev/null
  RECPIPE=.build/release/recpipe
fi
exec python3 scripts/fuzz.py "$SECONDS_ARG" --recpipe "$RECPIPE" "$@"
