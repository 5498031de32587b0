#!/usr/bin/env bash
# README command 1: install what Kiln needs and start it on its embedded defaults.
#
# The controller (server, UI, agents) is not built yet; until it is, this command installs
# everything and runs the example pipeline with `kiln run`, Kiln's server-less runner, so a
# fresh machine shows a real pipeline running within a minute. Arguments go to `kiln run`
# (e.g. `bash scripts/up.sh path/to/Jenkinsfile`).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/node.sh"
cd "$kiln_root"
kiln_deps
if [ $# -eq 0 ]; then
  mkdir -p .kiln/workspace/hello
  set -- examples/hello/Jenkinsfile --workspace .kiln/workspace/hello --job hello
fi
echo "== kiln run $*   (console below; runs are kept in $PWD/.kiln/runs)" >&2
bin/kiln run "$@" && code=0 || code=$?
cat >&2 <<TXT

Next: run your own pipeline with   bin/kiln run path/to/Jenkinsfile [-p NAME=VALUE]
      check one without running it  bin/kiln lint path/to/Jenkinsfile
      see every option              bin/kiln run --help
TXT
exit $code
