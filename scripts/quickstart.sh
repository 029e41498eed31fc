#!/usr/bin/env bash
# The main job, from a fresh clone: install dependencies, build, start the local server, create a
# sandbox, run a command in it, copy a file in and out, and remove it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "==> building"
bash scripts/build.sh
pe=./build/pocketenv
export POCKETENV_LOCAL=1
name="quickstart-$$"
echo "==> pocketenv create $name   (starts the local server on demand)"
$pe create "$name"
echo "==> pocketenv exec $name 'uname -sr; echo hello from \$(hostname)'"
$pe exec "$name" 'uname -sr; echo hello from $(hostname)'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "a file from the host" > "$tmp/hello.txt"
echo "==> pocketenv cp hello.txt $name:/workspace/hello.txt, then back"
$pe cp "$tmp/hello.txt" "$name:/workspace/hello.txt"
$pe exec "$name" cat /workspace/hello.txt
$pe cp "$name:/workspace/hello.txt" "$tmp/back.txt"
cat "$tmp/back.txt"
echo "==> pocketenv ls"
$pe ls
echo "==> pocketenv rm $name"
$pe rm "$name"
echo
echo "Done. The local server keeps running in the background for the next commands"
echo "(see docs/SERVER.md); stop it with: pkill -x pocketenvd"
