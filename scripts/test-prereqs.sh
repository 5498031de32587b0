#!/usr/bin/env bash
# Installs and starts what the test suite needs, idempotently. A prerequisite that cannot
# be had is reported here and again, by name, by the tests that need it (they fail, never skip).
set -uo pipefail
need_pkgs=()
command -v git >/dev/null 2>&1 || need_pkgs+=(git)
# The SSH launcher's tests start their own sshd (test/backends/sshd.ts); the system's is left alone.
[ -x /usr/sbin/sshd ] || need_pkgs+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || need_pkgs+=(openssh-client)
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
# PostgreSQL for the store's tests (test/store/): a private cluster on 127.0.0.1 only, port
# 54329 (KILN_TEST_PG_PORT to change), data in /var/lib/kiln-test-pg/<version>, with a
# `kiln_test` role and database. The URL the tests use is written to /tmp/kiln-test-pg.url
# (tests also accept KILN_TEST_DATABASE_URL). Idempotent: an initialized cluster is reused,
# a running one left alone.
kiln_pg_port="${KILN_TEST_PG_PORT:-54329}"
kiln_pg_url="postgres://kiln_test:kiln_test@127.0.0.1:${kiln_pg_port}/kiln_test"
kiln_pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
kiln_pg_setup() {
  local bin ver root data run log
  bin="$(kiln_pg_bin)"
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "test-prereqs: PostgreSQL is not installed and this is not root; the store's PostgreSQL tests will fail" >&2
      return 1
    fi
    echo "== installing postgresql" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >&2 || {
      echo "test-prereqs: could not install postgresql; the store's PostgreSQL tests will fail" >&2; return 1; }
    bin="$(kiln_pg_bin)"
    [ -n "$bin" ] && [ -x "$bin/initdb" ] || { echo "test-prereqs: postgresql installed but no initdb under /usr/lib/postgresql/*/bin" >&2; return 1; }
  fi
  ver="$(basename "$(dirname "$bin")")"
  root=/var/lib/kiln-test-pg
  data="$root/$ver"
  run="$root/run"
  log="$root/postgresql-$ver.log"
  # As root the server runs as the `postgres` user (initdb and postgres refuse root).
  local as=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "test-prereqs: no 'postgres' user (is the postgresql package installed?)" >&2; return 1; }
    as=(runuser -u postgres --)
    mkdir -p "$root" "$run" && chown postgres:postgres "$root" "$run"
  else
    mkdir -p "$root" "$run" 2>/dev/null || { echo "test-prereqs: cannot create $root as $(id -un); run this as root" >&2; return 1; }
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    echo "== initializing a test PostgreSQL $ver cluster in $data" >&2
    rm -rf "$data"
    "${as[@]}" "$bin/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 >/dev/null 2>"$root/initdb.err" \
      || "${as[@]}" "$bin/initdb" -D "$data" -U postgres -E UTF8 --no-locale --auth-local=trust --auth-host=scram-sha-256 >/dev/null 2>"$root/initdb.err" \
      || { echo "test-prereqs: initdb failed:" >&2; cat "$root/initdb.err" >&2; return 1; }
    # Only 127.0.0.1; a throwaway cluster, so durability is traded for speed.
    cat >>"$data/postgresql.conf" <<CONF
# kiln test cluster
listen_addresses = '127.0.0.1'
port = $kiln_pg_port
unix_socket_directories = '$run'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF
  fi
  local ready=("$bin/pg_isready" -q -h "$run" -p "$kiln_pg_port" -U postgres)
  if ! "${ready[@]}"; then
    # Not answering: start it, or wait while it starts or finishes dying after a crash
    # (a killed server's pid can look alive for a while), then start it.
    local i starts=0
    for i in $(seq 1 60); do
      "${ready[@]}" && break
      if [ $starts -lt 3 ] && ! "${as[@]}" "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1; then
        starts=$((starts + 1))
        echo "== starting the test PostgreSQL on 127.0.0.1:$kiln_pg_port" >&2
        "${as[@]}" "$bin/pg_ctl" start -D "$data" -l "$log" -w -t 60 -o "-p $kiln_pg_port" >/dev/null 2>&1 && continue
      fi
      sleep 0.5
    done
    "${ready[@]}" || {
      echo "test-prereqs: PostgreSQL in $data does not answer on 127.0.0.1:$kiln_pg_port (port taken? set KILN_TEST_PG_PORT); its log, $log:" >&2
      tail -n 20 "$log" >&2; return 1; }
  fi
  local psql=("${as[@]}" "$bin/psql" -X -q -h "$run" -p "$kiln_pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1)
  "${psql[@]}" -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kiln_test') THEN
        CREATE ROLE kiln_test LOGIN PASSWORD 'kiln_test';
      END IF; END \$\$;" >/dev/null \
    || { echo "test-prereqs: could not create the kiln_test role" >&2; return 1; }
  if [ "$("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = 'kiln_test'")" != 1 ]; then
    "${psql[@]}" -c "CREATE DATABASE kiln_test OWNER kiln_test" >/dev/null \
      || { echo "test-prereqs: could not create the kiln_test database" >&2; return 1; }
  fi
  printf '%s\n' "$kiln_pg_url" >/tmp/kiln-test-pg.url
  echo "== test PostgreSQL ready: $kiln_pg_url (also in /tmp/kiln-test-pg.url)" >&2
}
kiln_pg_setup || echo "test-prereqs: PostgreSQL not ready; the store's PostgreSQL tests will fail" >&2
exit 0
