#!/usr/bin/env bash
# The whole test suite: a normal build and an AddressSanitizer+UndefinedBehaviorSanitizer build,
# each running every test through CTest against real pocketenvd servers on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
status=0
run_suite() {
  local dir=$1; shift
  echo "==> build ($dir)"
  BUILD_DIR=$dir bash scripts/build.sh "$@"
  echo "==> tests ($dir)"
  if ! (cd "$dir" && ctest --output-on-failure --timeout 900); then status=1; fi
}
run_suite build -DPOCKETENV_SANITIZE=OFF
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite build-asan -DPOCKETENV_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
exit $status
