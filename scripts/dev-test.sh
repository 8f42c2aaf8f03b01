#!/usr/bin/env bash
# Builds the project into a private folder and runs some of its tests there, so
# that several people (or agents) can work in one tree without racing on dist/.
#   scripts/dev-test.sh NAME [jest args...]     e.g. scripts/dev-test.sh capture test/capture
set -u
name=$1; shift
out=/tmp/pw-$name
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
for f in package.json node_modules signatures pcaps; do ln -sfn "$root/$f" "$out/$f"; done
(cd "$root" && npx tsc -p . --outDir "$out" --tsBuildInfoFile "$out/.tsbuildinfo") | grep 'error TS' | head -40
cd "$out" && npx jest --rootDir "$out" --roots "$out/test" --testMatch '**/*.test.js' --testEnvironment node "$@"
