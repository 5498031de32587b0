# Sourced by the README's commands: puts a Node.js >= 22.18 first on PATH.
# Kiln runs its TypeScript directly on Node's built-in type stripping (Node 22.18+).
# A machine with an older Node (these have 20) gets Node 24 from the npm registry's
# `node` package, installed under .tools/ beside the checkout; nothing global changes.
kiln_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
kiln_node_ok() {
  command -v "$1" >/dev/null 2>&1 || return 1
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=18)?0:1)' 2>/dev/null
}
if [ -x "$kiln_root/.tools/node_modules/.bin/node" ] && kiln_node_ok "$kiln_root/.tools/node_modules/.bin/node"; then
  export PATH="$kiln_root/.tools/node_modules/.bin:$PATH"
elif ! kiln_node_ok node; then
  echo "kiln: Node $(node --version 2>/dev/null || echo none) is too old; installing Node 24 into .tools/ ..." >&2
  npm install --no-audit --no-fund --loglevel=error --prefix "$kiln_root/.tools" node@24 >&2
  export PATH="$kiln_root/.tools/node_modules/.bin:$PATH"
  kiln_node_ok node || { echo "kiln: could not get Node >= 22.18 (npm install node@24 failed)" >&2; exit 1; }
fi
kiln_deps() {
  # npm ci only when the lockfile changed since the last install.
  local stamp="$kiln_root/node_modules/.kiln-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$kiln_root/package-lock.json" "$stamp"; then
    (cd "$kiln_root" && npm ci --no-audit --no-fund --loglevel=error) >&2
    cp "$kiln_root/package-lock.json" "$stamp"
  fi
}
