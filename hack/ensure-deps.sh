#!/bin/sh
# Run before `npm run demo` and `npm test`. On a fresh clone nothing has
# installed the dependencies yet, and the system Node (20 is enough to run
# npm) cannot run the TypeScript sources: Node 24 itself arrives as the npm
# `node` devDependency. So install once, from the lock file, when the Node 24
# binary is missing or package-lock.json changed since the last install.
set -eu
cd "$(dirname "$0")/.."
stamp=node_modules/.cloud-empire-lock
want=$(cksum < package-lock.json)
if [ -x node_modules/.bin/node ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "setup: installing dependencies with npm ci (Node 24 comes with them; about a minute)"
log="${TMPDIR:-/tmp}/cloud-empire-npm-ci.log"
start=$(date +%s)
if ! npm ci --no-audit --no-fund --loglevel=error > "$log" 2>&1; then
  echo "setup: npm ci failed; last lines of $log:" >&2
  tail -n 25 "$log" >&2
  exit 1
fi
echo "$want" > "$stamp"
echo "setup: dependencies installed in $(( $(date +%s) - start ))s ($(node_modules/.bin/node --version))"
