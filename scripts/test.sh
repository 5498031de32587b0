#!/usr/bin/env bash
# README command 2: install whatever the tests need, then run every test.
# Idempotent; run as root on a fresh machine (apt packages are installed when missing).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/node.sh"
cd "$kiln_root"
# npm ci first: the prerequisites build the kiln-test/agent image from node_modules.
kiln_deps
bash scripts/test-prereqs.sh
echo "== typecheck" >&2
npx tsc -p tsconfig.json
npx tsc -p web/tsconfig.json
echo "== web UI (npm run build:web)" >&2
npm run --silent build:web
echo "== tests (node $(node --version))" >&2
exec node scripts/run-tests.ts "$@"
