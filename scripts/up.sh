#!/usr/bin/env bash
# README command 1: install what Kiln needs and start it on its embedded defaults.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/node.sh"
cd "$kiln_root"
kiln_deps
exec bin/kiln "$@"
