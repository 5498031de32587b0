#!/usr/bin/env bash
# README command 1: install what Kiln needs, then start the controller on its embedded defaults
# with one local agent and the example job, run the example once, and say where to look.
# KILN_HOME (default ~/.kiln) and KILN_PORT (default 8080) are honoured. Ctrl-C stops it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/node.sh"
cd "$kiln_root"
kiln_deps
command -v git >/dev/null 2>&1 || {
  echo "kiln up: git is needed for the example job; installing it" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq git; } >&2 || { echo "kiln up: could not install git" >&2; exit 1; }
}
# The web UI the controller serves (web/dist); quick, and skipped when nothing changed.
if [ ! -f web/dist/index.html ] || [ -n "$(find web/src web/index.html web/vite.config.ts -newer web/dist/index.html 2>/dev/null | head -n 1)" ]; then
  echo "kiln up: building the web UI" >&2
  npm run --silent build:web >&2
fi
exec node scripts/up.ts
