# Shared set-up of the benchmark scripts (sourced, not run):
#   build_recpipe           scripts/build.sh (system libraries, release build for this CPU, scratch
#                           path $SCRATCH, default .build: the binary scripts/demo.sh runs) and set
#                           RECPIPE to the binary; RECPIPE_BIN=path skips the build and benchmarks
#                           that binary instead (e.g. an older build, for before/after figures);
#   bench_venv PKG...       create .venv-bench when missing, pip install PKG... into it, set PY;
#   install_surprise        pip install scikit-surprise, from source when it has no wheel.

build_recpipe() {
  if [[ -n "${RECPIPE_BIN:-}" ]]; then
    RECPIPE="$RECPIPE_BIN"
    echo "== benchmarking $RECPIPE (RECPIPE_BIN; not rebuilt)"
  else
    RECPIPE="$(scripts/build.sh)"
  fi
}

bench_venv() {
  echo "== python environment (.venv-bench)"
  if [[ ! -x .venv-bench/bin/python ]]; then python3 -m venv .venv-bench; fi
  PY=.venv-bench/bin/python
  "$PY" -m pip install -q --upgrade pip wheel >/dev/null
  if [[ $# -gt 0 ]]; then "$PY" -m pip install -q "$@" >/dev/null; fi
}

install_surprise() {
  # scikit-surprise may have no wheel for this Python: it then builds from source (numpy + Cython).
  "$PY" -m pip install -q numpy Cython >/dev/null
  "$PY" -m pip install -q scikit-surprise \
    || "$PY" -m pip install -q --no-build-isolation scikit-surprise \
    || echo "!! could not install scikit-surprise (no wheel, source build failed); its side will be skipped"
}
