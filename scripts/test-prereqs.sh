#!/usr/bin/env bash
# Installs and starts what the test suite needs, idempotently. A prerequisite that cannot
# be had is reported here and again, by name, by the tests that need it (they fail, never skip).
set -uo pipefail
need_pkgs=()
command -v git >/dev/null 2>&1 || need_pkgs+=(git)
# The SSH launcher's tests start their own sshd (test/backends/sshd.ts); the system's is left alone.
[ -x /usr/sbin/sshd ] || need_pkgs+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 && command -v ssh-agent >/dev/null 2>&1 || need_pkgs+=(openssh-client)
# recordIssues' tests parse the real output of gcc and javac; the utility steps' check their
# archives with python3's zipfile.
command -v gcc >/dev/null 2>&1 || need_pkgs+=(gcc)
command -v javac >/dev/null 2>&1 || need_pkgs+=(default-jdk-headless)
# ... and the reports of the linters whose formats it reads (test/plugins/warnings/tools*.test.ts).
for tool in cppcheck cpplint shellcheck yamllint pycodestyle pydocstyle mypy; do
  command -v "$tool" >/dev/null 2>&1 || need_pkgs+=("$tool")
done
# ... and CTest's reports for the xUnit plugin's tests (test/plugins/xunit/xunit.test.ts).
command -v ctest >/dev/null 2>&1 || need_pkgs+=(cmake)
command -v python3 >/dev/null 2>&1 || need_pkgs+=(python3)
# xvnc's tests start a real Xvfb and talk to it with xauth and xdpyinfo.
command -v Xvfb >/dev/null 2>&1 || need_pkgs+=(xvfb)
command -v xauth >/dev/null 2>&1 || need_pkgs+=(xauth)
command -v xdpyinfo >/dev/null 2>&1 || need_pkgs+=(x11-utils)
# xvnc(takeScreenshot: true) takes the screen with ImageMagick's import.
command -v import >/dev/null 2>&1 && command -v identify >/dev/null 2>&1 || need_pkgs+=(imagemagick)
# recordCoverage's baseline tests read the Cobertura XML gcovr writes for a real C program...
command -v gcovr >/dev/null 2>&1 || need_pkgs+=(gcovr)
# ... and the XML JaCoCo's own libraries write for a real Java program (test/fixtures/coverage/Cover.java).
[ -f /usr/share/java/org.jacoco.report.jar ] || need_pkgs+=(libjacoco-java)
# publishValgrind's tests run a C program under the real valgrind --xml=yes.
command -v valgrind >/dev/null 2>&1 || need_pkgs+=(valgrind)
# The Ansible plugin's steps run the real ansible-playbook, ansible and ansible-vault (test/plugins/ansible).
command -v ansible-playbook >/dev/null 2>&1 || need_pkgs+=(ansible-core)
# signAndroidApks' tests align and sign a real APK with the Android SDK's zipalign and apksigner.
command -v zipalign >/dev/null 2>&1 || need_pkgs+=(zipalign)
command -v apksigner >/dev/null 2>&1 || need_pkgs+=(apksigner)
# checkout's lfs() extension runs `git lfs pull` (test/pipeline/steps/gitscm.test.ts).
git lfs version >/dev/null 2>&1 || need_pkgs+=(git-lfs)
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
        # In a session of its own (setsid): a caller's process group killed (a terminal closed, a
        # runner stopping this script's job) must not take the server down under later test runs.
        setsid -w "${as[@]}" "$bin/pg_ctl" start -D "$data" -l "$log" -w -t 60 -o "-p $kiln_pg_port" >/dev/null 2>&1 && continue
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
# Docker for the docker backend's tests (test/plugins/docker/): Debian's docker.io, a dockerd
# (started here when `docker info` fails), Debian's docker-registry binary (the tests run their
# own registries on 127.0.0.1 with their own config files), and the test images, built locally
# because there is no registry to pull from: kiln-test/busybox (busybox-static), kiln-test/git
# (busybox + the host's git and its libraries), kiln-test/agent (busybox + this machine's
# Node.js + the Kiln agent bundle). Each image carries a kiln.test.recipe label: a hash of this
# script and of every file that goes into the image (busybox, git, node, the agent bundle), so a
# present image is kept only while nothing that makes it changed, and a stale one is rebuilt.
# An image that cannot be built stops the test command with the reason (test.sh runs this after
# npm ci: the agent bundle is read from node_modules).
kiln_sha() { sha256sum "$@" 2>/dev/null | cut -c1-16 | tr -d '\n'; }
kiln_docker_setup() {
  local pkgs=()
  command -v docker >/dev/null 2>&1 && command -v dockerd >/dev/null 2>&1 || pkgs+=(docker.io)
  [ -x /usr/bin/docker-registry ] || pkgs+=(docker-registry)
  dpkg -s busybox-static >/dev/null 2>&1 || pkgs+=(busybox-static)
  if [ ${#pkgs[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "test-prereqs: missing ${pkgs[*]} and not root; the docker tests will fail" >&2; return 1
    fi
    echo "== installing ${pkgs[*]}" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}"; } >&2 \
      || { echo "test-prereqs: could not install ${pkgs[*]}; the docker tests will fail" >&2; return 1; }
  fi
  if ! docker info >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || { echo "test-prereqs: dockerd is not running and this is not root to start it; the docker tests will fail" >&2; return 1; }
    echo "== starting dockerd (log: /var/log/kiln-test-dockerd.log)" >&2
    # In a session of its own, as the test PostgreSQL (above).
    setsid -f dockerd >>/var/log/kiln-test-dockerd.log 2>&1 </dev/null
    local i
    for i in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker info >/dev/null 2>&1 || {
      echo "test-prereqs: dockerd did not start within 30 s; the last lines of /var/log/kiln-test-dockerd.log:" >&2
      tail -n 20 /var/log/kiln-test-dockerd.log >&2; return 1; }
  fi
  local kiln_docker_recipe; kiln_docker_recipe="$(cat "$0" /bin/busybox | sha256sum | cut -c1-16)"
  local work; work="$(mktemp -d /tmp/kiln-docker-images.XXXXXX)" || return 1
  # A busybox root file system in $1: /bin/sh and the applets, /etc/passwd and group, /tmp.
  kiln_busybox_rootfs() {
    mkdir -p "$1/bin" "$1/etc" "$1/tmp" "$1/root" "$1/usr/bin" "$1/home/user" && chmod 1777 "$1/tmp" "$1/home/user"
    cp /bin/busybox "$1/bin/busybox"
    local a; for a in $(/bin/busybox --list); do [ -e "$1/bin/$a" ] || ln -s busybox "$1/bin/$a"; done
    printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' >"$1/etc/passwd"
    printf 'root:x:0:\nuser:x:1000:\nnogroup:x:65534:\n' >"$1/etc/group"
  }
  # Copies programs and the shared libraries they load (ldd) into the root file system $1.
  kiln_copy_with_libs() {
    local root="$1"; shift
    local f lib
    for f in "$@"; do
      mkdir -p "$root$(dirname "$f")" && cp -a "$f" "$root$f"
      for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*' | sort -u); do
        [ -e "$root$lib" ] || { mkdir -p "$root$(dirname "$lib")" && cp -L "$lib" "$root$lib"; }
      done
    done
  }
  # kiln_image NAME BUILDER: imports the rootfs BUILDER makes unless NAME has this recipe.
  kiln_image() {
    local name="$1" builder="$2" stamp="${3:-$kiln_docker_recipe}"
    [ "$(docker image inspect -f '{{index .Config.Labels "kiln.test.recipe"}}' "$name" 2>/dev/null)" = "$stamp" ] && return 0
    echo "== building test image $name" >&2
    local root="$work/$(echo "$name" | tr '/:' '__')"
    mkdir -p "$root" && "$builder" "$root" || { echo "test-prereqs: could not assemble $name" >&2; return 1; }
    tar -C "$root" -c . | docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["sh"]' --change "LABEL kiln.test.recipe=$stamp" - "$name" >/dev/null \
      || { echo "test-prereqs: docker import of $name failed" >&2; return 1; }
  }
  kiln_rootfs_busybox() { kiln_busybox_rootfs "$1"; }
  kiln_rootfs_git() {
    kiln_busybox_rootfs "$1"
    kiln_copy_with_libs "$1" /usr/bin/git $(find /usr/lib/git-core -maxdepth 1 -type f -perm -u+x)
    cp -a /usr/lib/git-core "$1/usr/lib/" 2>/dev/null
    mkdir -p "$1/usr/share" && cp -a /usr/share/git-core "$1/usr/share/" 2>/dev/null
    return 0
  }
  local node_bin; node_bin="$(readlink -f "$(dirname "$0")/../.tools/node_modules/.bin/node" 2>/dev/null)"
  [ -x "$node_bin" ] || node_bin="$(command -v node)"
  kiln_rootfs_agent() {
    kiln_busybox_rootfs "$1"
    kiln_copy_with_libs "$1" "$node_bin" && mkdir -p "$1/usr/local/bin" && ln -sf "$node_bin" "$1/usr/local/bin/node"
    # The agent bundle (what `kiln agent` needs, its modules stripped to .js), as the SSH
    # launcher copies it to hosts.
    (cd "$(dirname "$0")/.." && "$node_bin" --input-type=module -e '
      const { agentBundle, writeBundle } = await import("./src/util/agent-bundle.ts");
      await writeBundle(await agentBundle(), process.argv[1]);' "$1/opt/kiln") || return 1
    # The agent's modules compiled once, here, into the portable compile cache that bin/kiln
    # uses when it ships one: a pod's agent starts without compiling them again. Through
    # bin/kiln itself, so with the node flags the agent runs with (the cache is keyed by them).
    mkdir -p "$1/opt/kiln/.node-compile-cache" \
      && PATH="$(dirname "$node_bin"):$PATH" "$1/opt/kiln/bin/kiln" agent --help >/dev/null || return 1
    ln -sf /opt/kiln/bin/kiln "$1/usr/local/bin/kiln"
  }
  local agent_stamp bundle_hash git_stamp
  bundle_hash="$(cd "$(dirname "$0")/.." && "$node_bin" --input-type=module -e '
    const { agentBundle } = await import("./src/util/agent-bundle.ts"); console.log((await agentBundle()).hash)' 2>"$work/bundle.err")" \
    || { echo "test-prereqs: cannot collect the agent bundle for kiln-test/agent:" >&2; cat "$work/bundle.err" >&2; rm -rf "$work"; return 1; }
  agent_stamp="$kiln_docker_recipe-$(kiln_sha "$node_bin")-$bundle_hash"
  git_stamp="$kiln_docker_recipe-$(cat /usr/bin/git $(find /usr/lib/git-core -maxdepth 1 -type f -perm -u+x | sort) 2>/dev/null | sha256sum | cut -c1-16)"
  local ok=0
  kiln_image kiln-test/busybox:latest kiln_rootfs_busybox || ok=1
  kiln_image kiln-test/git:latest kiln_rootfs_git "$git_stamp" || ok=1
  kiln_image kiln-test/agent:latest kiln_rootfs_agent "$agent_stamp" || ok=1
  rm -rf "$work"
  [ $ok = 0 ] && echo "== docker ready: $(docker version -f 'engine {{.Server.Version}} (API {{.Server.APIVersion}})'), test images kiln-test/{busybox,git,agent}" >&2
  return $ok
}
# The Docker, pod and Kubernetes tests all need the engine and these images: without them the
# suite would only repeat the same failure 40 times, so the test command stops here with it.
kiln_docker_setup || { echo "test-prereqs: Docker or the test images are not ready (see above); stopping" >&2; exit 1; }
# Chromium for the browser tests (test/e2e/, bench/ui.ts): Debian's package, driven by
# playwright-core (which never downloads browsers here). Installed once; the tests fail, naming
# the package, when it is missing.
kiln_chromium_setup() {
  [ -x /usr/bin/chromium ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "test-prereqs: chromium is not installed and this is not root; the browser tests (test/e2e) will fail" >&2
    return 1
  fi
  echo "== installing chromium" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >&2 \
    || { echo "test-prereqs: could not install chromium; the browser tests (test/e2e) will fail" >&2; return 1; }
}
kiln_chromium_setup || true
# kubectl, for the tests that drive the fake Kubernetes API server with it (test/fakes/kube,
# test/deploy): the machine's own when present (machines of this kind have one), else Debian's
# kubernetes-client package.
kiln_kubectl_setup() {
  command -v kubectl >/dev/null 2>&1 && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "test-prereqs: kubectl is missing and this is not root; the kubectl tests will fail" >&2
    return 1
  fi
  echo "== installing kubectl (kubernetes-client)" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubernetes-client; } >&2 \
    || { echo "test-prereqs: could not install kubectl; the kubectl tests will fail" >&2; return 1; }
}
kiln_kubectl_setup || true
exit 0
