#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   1. a normal build: every test through CTest against real pocketenvd servers on 127.0.0.1;
#   2. an AddressSanitizer+UndefinedBehaviorSanitizer build: the same tests (leaks fail them,
#      pocketenvd's own included: the harness fails a server that does not exit cleanly);
#   3. valgrind memcheck over the client-side suites of the normal build;
#   4. each libFuzzer target for FUZZ_SECONDS (default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
status=0
step() { echo; echo "==> $*"; }
run_suite() {
  local dir=$1; shift
  step "build ($dir)"
  BUILD_DIR=$dir bash scripts/build.sh "$@"
  step "tests ($dir)"
  (cd "$dir" && ctest --output-on-failure --timeout 900) || status=1
}
run_suite build -DPOCKETENV_SANITIZE=OFF
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite build-asan -DPOCKETENV_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug

step "valgrind memcheck"
for t in test_unit test_sdk test_transfer test_server; do
  if valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
       --show-leak-kinds=definite,indirect "build/tests/$t" > "build/valgrind-$t.log" 2>&1; then
    echo "valgrind $t: no errors, no leaks"
  else
    echo "valgrind $t: FAILED"; tail -40 "build/valgrind-$t.log"; status=1
  fi
done

step "fuzzing (${FUZZ_SECONDS:-60} s per target)"
bash scripts/fuzz.sh || status=1

step "summary"
if [ $status = 0 ]; then echo "all stages passed"; else echo "some stage FAILED"; fi
exit $status
