#!/usr/bin/env bash
# Installs and starts what the test suite needs, idempotently. A prerequisite that cannot
# be had is reported here and again, by name, by the tests that need it (they fail, never skip).
set -uo pipefail
need_pkgs=()
command -v git >/dev/null 2>&1 || need_pkgs+=(git)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "== installing ${need_pkgs[*]}" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}"; } >&2 \
      || echo "test-prereqs: could not install ${need_pkgs[*]}; the tests that need them will fail" >&2
  else
    echo "test-prereqs: missing ${need_pkgs[*]} and not root; the tests that need them will fail" >&2
  fi
fi
# git needs an identity for the tests' commits.
git config --global user.email >/dev/null 2>&1 || git config --global user.email "kiln-tests@localhost"
git config --global user.name >/dev/null 2>&1 || git config --global user.name "Kiln tests"
exit 0
