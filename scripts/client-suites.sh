#!/usr/bin/env bash
# Runs the real Docker clients' own test suites against a private berthd (and
# against a Docker engine when one answers on /var/run/docker.sock), then prints
# passed/failed/skipped per suite. Nothing of the suites is committed here: pass
# their checkouts by path.
#
#   scripts/client-suites.sh --dockerode DIR --docker-py DIR [--python PY] [--only dockerode|docker-py|testcontainers]
#
# dockerode: a checkout of github.com/apocas/dockerode (its mocha suite; `npm install` is run in it if needed).
# docker-py: a checkout of github.com/docker/docker-py (tests/integration); PY is a python with the
#            `docker` package and pytest installed (default: a venv made under the work dir from PyPI).
# testcontainers: our own check list (test/integration/clients.test.ts) through the testcontainers package.
#
# Selection (the same for both engines): dockerode without the tests that need the internet (pull,
# search, auth, distribution), Swarm, plugins or BuildKit; docker-py without the Swarm-mode and plugin
# files and the credential-store tests (they need a docker-credential-* helper, not an engine).
# Images are made locally from Debian's static busybox and tagged with the names the suites use.
set -uo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
DOCKERODE='' DOCKERPY='' PY='' ONLY=''
while [ $# -gt 0 ]; do
  case "$1" in
    --dockerode) DOCKERODE="$(realpath "$2")"; shift 2 ;;
    --docker-py) DOCKERPY="$(realpath "$2")"; shift 2 ;;
    --python) PY="$2"; shift 2 ;;
    --only) ONLY="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
want() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }

WORK="$(mktemp -d /tmp/client-suites-XXXXXX)"
EXEC_ROOT="$(mktemp -d /run/cs-XXXXXX)"
SOCK="$EXEC_ROOT/berth.sock"
BERTHD_PID=''
cleanup() {
  if [ -n "$BERTHD_PID" ]; then
    ids=$(docker -H "unix://$SOCK" ps -aq 2>/dev/null)
    [ -n "$ids" ] && docker -H "unix://$SOCK" rm -f $ids >/dev/null 2>&1
    for n in $(docker -H "unix://$SOCK" network ls -q --filter type=custom 2>/dev/null); do
      docker -H "unix://$SOCK" network rm "$n" >/dev/null 2>&1
    done
    kill "$BERTHD_PID" 2>/dev/null && wait "$BERTHD_PID" 2>/dev/null
  fi
  # what a daemon that died mid-run left: its containers (through runc), netns, bridges, rules
  if [ -d "$EXEC_ROOT/runc/runc" ]; then
    for id in $(ls "$EXEC_ROOT/runc/runc"); do runc --root "$EXEC_ROOT/runc/runc" delete -f "$id" >/dev/null 2>&1; done
  fi
  node -e "const n = require('$REPO/dist/test/helpers/netclean'); n.cleanupNetworks(n.footprint('$WORK/data', '$EXEC_ROOT')).catch(() => {})" 2>/dev/null
  grep -o " $WORK[^ ]*\| $EXEC_ROOT[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null
  rm -rf "$EXEC_ROOT"
  echo "logs kept in $WORK" >&2
}
trap cleanup EXIT

# ---- the daemon under test ----
[ -f "$REPO/dist/src/daemon/main.js" ] || [ -d "$REPO/dist" ] || (cd "$REPO" && npx tsc -p .)
echo '{}' > "$WORK/daemon.json"
node "$REPO/bin/berthd" --data-root "$WORK/data" --exec-root "$EXEC_ROOT" -H "unix://$SOCK" \
  --pidfile "$WORK/berthd.pid" --config-file "$WORK/daemon.json" > "$WORK/berthd.log" 2>&1 &
BERTHD_PID=$!
for _ in $(seq 200); do curl -sf --unix-socket "$SOCK" http://x/_ping >/dev/null 2>&1 && break; sleep 0.05; done
curl -sf --unix-socket "$SOCK" http://x/_ping >/dev/null || { echo "berthd did not start:"; cat "$WORK/berthd.log"; exit 1; }

# ---- images, from busybox ----
node -e "require('$REPO/dist/test/fixtures/make-busybox').makeBusyboxTar('$WORK/busybox.tar').catch(e=>{console.error(e);process.exit(1)})" || exit 1
prepare_images() { # $1: docker host
  local H="$1" ctx="$WORK/img-ctx"
  docker -H "$H" import -c 'CMD ["sh"]' "$WORK/busybox.tar" busybox:latest >/dev/null || return 1
  mkdir -p "$ctx"
  # ubuntu: the suites run /bin/bash -c ...; busybox's sh serves
  printf 'FROM busybox\nRUN printf "#!/bin/sh\\nexec /bin/sh \\"\\$@\\"\\n" > /bin/bash && chmod 755 /bin/bash\nCMD ["/bin/bash"]\n' > "$ctx/Dockerfile"
  DOCKER_BUILDKIT=0 docker -H "$H" build -q -t ubuntu:latest "$ctx" >/dev/null || return 1
  printf 'FROM busybox\nCMD ["echo","Hello from Docker!"]\n' > "$ctx/Dockerfile"
  DOCKER_BUILDKIT=0 docker -H "$H" build -q -t hello-world:latest "$ctx" >/dev/null || return 1
  # alpine: the users and directories docker-py's tests expect of it
  printf 'FROM busybox\nRUN echo postgres:x:70:70::/var/lib/postgresql:/bin/sh >> /etc/passwd && echo postgres:x:70: >> /etc/group && mkdir -p /var/opt /home\nCMD ["/bin/sh"]\n' > "$ctx/Dockerfile"
  DOCKER_BUILDKIT=0 docker -H "$H" build -q -t alpine:3.10 "$ctx" >/dev/null || return 1
  docker -H "$H" tag alpine:3.10 alpine:latest || return 1
  for t in debian:latest redis:latest; do docker -H "$H" tag busybox:latest "$t" || return 1; done
}

# ---- suites; each prints "passed failed skipped" ----
run_dockerode() { # $1: host, $2: label
  [ -n "$DOCKERODE" ] || return 1
  [ -d "$DOCKERODE/node_modules/mocha" ] || (cd "$DOCKERODE" && npm install --no-audit --no-fund >/dev/null 2>&1)
  local out="$WORK/dockerode-$2.txt"
  # spec_helper falls back to DOCKER_HOST when /var/run/docker.sock is absent; point it there explicitly
  (cd "$DOCKERODE" && env -u DOCKER_SOCKET DOCKER_HOST="$1" timeout 900 node ./node_modules/mocha/bin/mocha.js -R spec --exit \
    --timeout 60000 --grep 'pull|search|checkAuth|#createImage|distribution|plugin|swarm|[Bb]uild[Kk]it|session' --invert \
    test/container.js test/docker.js test/image.js test/networks.js test/promises.js test/util.js) > "$out" 2>&1
  local p f s
  p=$(grep -oE '^ +[0-9]+ passing' "$out" | grep -oE '[0-9]+'); f=$(grep -oE '^ +[0-9]+ failing' "$out" | grep -oE '[0-9]+'); s=$(grep -oE '^ +[0-9]+ pending' "$out" | grep -oE '[0-9]+')
  echo "${p:-0} ${f:-0} ${s:-0}"
}

run_dockerpy() {
  [ -n "$DOCKERPY" ] || return 1
  if [ -z "$PY" ]; then
    python3 -m venv "$WORK/venv" && "$WORK/venv/bin/pip" install -q docker paramiko pytest pytest-timeout >/dev/null 2>&1 || return 1
    PY="$WORK/venv/bin/python"
  fi
  local out="$WORK/docker-py-$2.txt"
  # a config.json of its own: docker-py keeps contexts beside it (else in the checkout)
  mkdir -p "$WORK/docker-py-config-$2" && echo '{}' > "$WORK/docker-py-config-$2/config.json"
  (cd "$DOCKERPY" && DOCKER_HOST="$1" DOCKER_CONFIG="$WORK/docker-py-config-$2" "$PY" -m pytest -q -p no:cacheprovider --timeout 120 -o addopts='' -v -rfE \
    --ignore tests/integration/api_swarm_test.py --ignore tests/integration/api_service_test.py \
    --ignore tests/integration/api_secret_test.py --ignore tests/integration/api_config_test.py \
    --ignore tests/integration/api_plugin_test.py --ignore tests/integration/models_nodes_test.py \
    --ignore tests/integration/models_services_test.py --ignore tests/integration/models_swarm_test.py \
    --ignore tests/integration/credentials \
    tests/integration) > "$out" 2>&1
  local last p f e s
  last=$(tail -1 "$out")
  p=$(grep -oE '[0-9]+ passed' <<<"$last" | grep -oE '[0-9]+'); f=$(grep -oE '[0-9]+ failed' <<<"$last" | grep -oE '[0-9]+')
  e=$(grep -oE '[0-9]+ error' <<<"$last" | grep -oE '[0-9]+'); s=$(grep -oE '[0-9]+ skipped' <<<"$last" | grep -oE '[0-9]+')
  echo "${p:-0} $(( ${f:-0} + ${e:-0} )) ${s:-0}"
}

run_testcontainers() {
  local out="$WORK/testcontainers-$2.txt"
  (cd "$REPO" && CLIENTS_TEST_DOCKER_HOST="$1" node --test --test-reporter=spec dist/test/integration/clients.test.js) > "$out" 2>&1
  local p f s
  p=$(grep -oE '^ℹ pass [0-9]+' "$out" | grep -oE '[0-9]+'); f=$(grep -oE '^ℹ fail [0-9]+' "$out" | grep -oE '[0-9]+'); s=$(grep -oE '^ℹ skipped [0-9]+' "$out" | grep -oE '[0-9]+')
  echo "${p:-0} ${f:-0} ${s:-0}"
}

declare -A RESULT
run_all() { # $1: host, $2: label
  prepare_images "$1" || { echo "could not prepare images on $2" >&2; return; }
  if want dockerode && [ -n "$DOCKERODE" ]; then RESULT["dockerode/$2"]="$(run_dockerode "$1" "$2")"; fi
  if want docker-py && [ -n "$DOCKERPY" ]; then RESULT["docker-py/$2"]="$(run_dockerpy "$1" "$2")"; fi
  if want testcontainers; then RESULT["testcontainers/$2"]="$(run_testcontainers "$1" "$2")"; fi
}

ENGINES=(berth)
run_all "unix://$SOCK" berth
if curl -sf --unix-socket /var/run/docker.sock http://x/_ping >/dev/null 2>&1 &&
   ! curl -s --unix-socket /var/run/docker.sock http://x/version | grep -q '"Version":"0\.'; then
  ENGINES+=(docker)
  run_all unix:///var/run/docker.sock docker
fi

printf '\n| suite | engine | passed | failed | skipped |\n|---|---|---|---|---|\n'
for s in dockerode docker-py testcontainers; do
  for e in "${ENGINES[@]}"; do
    [ -n "${RESULT[$s/$e]:-}" ] || continue
    read -r p f k <<<"${RESULT[$s/$e]}"
    printf '| %s | %s | %s | %s | %s |\n' "$s" "$e" "$p" "$f" "$k"
  done
done
