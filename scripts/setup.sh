#!/usr/bin/env bash
# Installs every build and test dependency from Debian's packages.
# Idempotent: when everything is already installed it only runs dpkg queries (well under a second).
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libcurl4-openssl-dev   # HTTP client (libpocketenv)
  libsodium-dev          # sealed boxes, key generation
  libarchive-dev         # tar.gz streaming
  libjansson-dev         # JSON
  libmicrohttpd-dev      # HTTP server (pocketenvd)
  libsqlite3-dev         # server state
  libcmocka-dev          # unit and end-to-end test framework (run through CTest)
  tar gzip curl perl     # used inside sandboxes and by the tests
  jq                     # the CLI tests parse --json output with it
  clang libclang-rt-14-dev  # libFuzzer targets and sanitizer runtime
  valgrind sqlite3
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
