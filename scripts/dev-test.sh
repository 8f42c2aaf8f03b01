#!/usr/bin/env bash
# Builds the project into a private folder and runs some of its tests there, so
# that several people (or agents) can work in one tree without racing on dist/.
#   scripts/dev-test.sh NAME [jest args...]     e.g. scripts/dev-test.sh capture test/capture
# Data (signatures/, pcaps/) is read from this checkout through POOLWATCH_ROOT.
set -u
name=$1; shift
out=/tmp/pw-$name
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
# Older versions of this script linked these; compiled pcaps/*.js must not land in the source tree.
for f in package.json signatures pcaps; do [ -L "$out/$f" ] && rm "$out/$f"; done
ln -sfn "$root/node_modules" "$out/node_modules"
(cd "$root" && npx tsc -p . --outDir "$out" --tsBuildInfoFile "$out/.tsbuildinfo") | grep 'error TS' | head -40
export POOLWATCH_ROOT=$root
cd "$out" && npx jest --config "{\"rootDir\":\"$out\",\"roots\":[\"$out/test\"],\"testMatch\":[\"**/*.test.js\"],\"testEnvironment\":\"node\",\"testTimeout\":60000}" "$@"
