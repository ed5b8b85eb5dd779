#!/usr/bin/env bash
# Builds recpipe in release for this machine and prints the binary's path on its last line:
# installs the system libraries when missing, then `swift build -c release --product recpipe`.
#
# On an x86-64 CPU of the AVX2/FMA generation (x86-64-v3: Intel Haswell and later, AMD Zen and
# later) the code is compiled for it (`-target-cpu haswell`), as a `-march=native` build would be:
# the numeric kernels (ALS, k-means, kNN) then use 256-bit vectors and fused multiply-add, about
# 1.5× faster. Such a binary stops with "illegal instruction" on an older CPU; to build one that
# runs on any x86-64 machine, set RECPIPE_PORTABLE=1. Other architectures build as they are.
#   scripts/build.sh                         # .build/release/recpipe
#   SCRATCH=.build-x scripts/build.sh        # another build folder
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh >&2

# The x86-64-v3 feature set, as /proc/cpuinfo names it (lzcnt is reported as abm).
V3_FLAGS="avx avx2 bmi1 bmi2 f16c fma abm movbe xsave"

cpu_flags=()
if [[ "$(uname -m)" == "x86_64" && -z "${RECPIPE_PORTABLE:-}" && -r /proc/cpuinfo ]]; then
  have=$(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2)
  missing=""
  for f in $V3_FLAGS; do
    [[ " $have " == *" $f "* ]] || missing="$missing $f"
  done
  if [[ -z "$missing" ]]; then
    # RECPIPE_AVX2 picks the 8-lane variants of the kernels that hold many accumulators.
    cpu_flags=(-Xswiftc -target-cpu -Xswiftc haswell -Xswiftc -DRECPIPE_AVX2)
    echo "== building recpipe (release, for this CPU: x86-64-v3 / AVX2+FMA; RECPIPE_PORTABLE=1 for any x86-64)" >&2
  else
    echo "== building recpipe (release, baseline x86-64: this CPU lacks$missing)" >&2
  fi
else
  echo "== building recpipe (release)" >&2
fi

scratch="${SCRATCH:-.build}"
log=$(mktemp)
if ! swift build -c release --product recpipe --scratch-path "$scratch" "${cpu_flags[@]}" >"$log" 2>&1; then
  grep -E "error" "$log" >&2 || tail -20 "$log" >&2
  rm -f "$log"
  exit 1
fi
tail -1 "$log" >&2
rm -f "$log"
echo "$(swift build -c release --scratch-path "$scratch" --show-bin-path "${cpu_flags[@]}")/recpipe"
