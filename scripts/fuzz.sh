#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for FUZZ_SECONDS (default 60)
# starting from the seed corpora in fuzz/corpus. New inputs go to a scratch directory; a crash
# fails the run and leaves its reproducer in build-fuzz/crashes. Prints executions per target.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
CC=clang BUILD_DIR=build-fuzz BUILD_TYPE=Debug bash scripts/build.sh -DPOCKETENV_FUZZ=ON -DPOCKETENV_BUILD_TESTS=OFF
mkdir -p build-fuzz/crashes
status=0
for t in decode redact glob extract server; do
  work=$(mktemp -d)
  cp -r "fuzz/corpus/$t/." "$work/"
  log=build-fuzz/fuzz_$t.log
  if POCKETENV_SANDBOX_INIT=$PWD/build-fuzz/pocketenv-sandbox-init ASAN_OPTIONS=detect_leaks=1 ./build-fuzz/fuzz/fuzz_$t -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix=build-fuzz/crashes/$t- "$work" >"$log" 2>&1; then
    runs=$(grep -oE 'Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' || echo "?")
    echo "fuzz_$t: $runs executions in ${seconds}s, no crash"
  else
    echo "fuzz_$t: FAILED (see $log and build-fuzz/crashes)"; tail -30 "$log"; status=1
  fi
  rm -rf "$work"
done
exit $status
