#!/usr/bin/env bash
# engine-up.sh — a private Docker Engine plus a registry v2 with basic auth, for the image tests
# and the local playground. Everything lives under $ENGINE_DIR; nothing listens beyond a unix
# socket and one loopback port.
#
#   bash scripts/engine-up.sh                 # start both; prints the env file (also $ENGINE_DIR/env)
#   bash scripts/engine-up.sh --install-only  # only apt-get install what is missing (CI's first step)
#   bash scripts/engine-down.sh               # stop both by PID, unmount, remove $ENGINE_DIR
#
# Why these daemon flags: --bridge=none and no iptables/masquerading, so the engine creates no
# network on a private range and touches no firewall; containers that must be reached use
# NetworkMode "host" (they share the machine's loopback). dockerd gets its own data root, exec
# root, socket and an empty config file, so it cannot clash with a system Docker.
#
# Tunables (env):
#   ENGINE_DIR         where everything lives (default ${TMPDIR:-/tmp}/ecsctl-engine)
#   REGISTRY_ADDR      HOST:PORT of the registry (default 127.0.0.1:<a free port>)
#   REGISTRY_USER      basic-auth user (default AWS, as ECR tokens decode to)
#   REGISTRY_PASSWORD  basic-auth password (default 123456789012-auth-token: what moto's
#                      GetAuthorizationToken decodes to, so ECR-issued credentials work here)
#   STORAGE_DRIVER     tried in order (default overlay2,vfs; overlay2 builds ~5x faster)
#   ENGINE_INSTALL     1 (default): apt-get install missing packages; 0: fail instead
#   ENGINE_WAIT_S      seconds to wait for each daemon (default 30)
#   REGISTRY_ONLY      1: start only the registry (e.g. a second one with another password)
set -euo pipefail

ENGINE_DIR=${ENGINE_DIR:-${TMPDIR:-/tmp}/ecsctl-engine}
REGISTRY_USER=${REGISTRY_USER:-AWS}
REGISTRY_PASSWORD=${REGISTRY_PASSWORD:-123456789012-auth-token}
STORAGE_DRIVER=${STORAGE_DRIVER:-overlay2,vfs}
ENGINE_INSTALL=${ENGINE_INSTALL:-1}
ENGINE_WAIT_S=${ENGINE_WAIT_S:-30}

log() { echo "engine-up: $*" >&2; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# --- 1. packages (Debian/Ubuntu): ~9 s and 71 MB on a fresh machine -----------------------------
install_missing() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
  command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
  # A statically linked /bin/busybox runs in a FROM-scratch image: the fixture needs no pull.
  dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$ENGINE_INSTALL" != 1 ]; then log "missing packages: ${missing[*]} (ENGINE_INSTALL=0)"; exit 1; fi
  command -v apt-get >/dev/null 2>&1 || { log "missing ${missing[*]} and no apt-get to install them"; exit 1; }
  local t0; t0=$(date +%s%N)
  log "installing ${missing[*]}"
  # A fresh machine may have no package lists at all; the lock timeout waits out a parallel apt.
  apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=300 "${missing[@]}" >&2
  log "installed in $(ms_since "$t0") ms"
}

install_missing
if [ "${1:-}" = --install-only ]; then exit 0; fi

SOCK=$ENGINE_DIR/docker.sock
REG_DIR=$ENGINE_DIR/registry
mkdir -p "$ENGINE_DIR" "$REG_DIR/data"
chmod 700 "$ENGINE_DIR"   # the env file and htpasswd live here

# --- 2. dockerd ---------------------------------------------------------------------------------
start_dockerd() {  # start_dockerd DRIVER — 0 once GET /_ping answers OK
  local t0 ok=0
  t0=$(date +%s%N)
  echo '{}' >"$ENGINE_DIR/daemon.json"   # ignore any /etc/docker/daemon.json of the machine
  nohup dockerd \
    --config-file="$ENGINE_DIR/daemon.json" \
    --host="unix://$SOCK" \
    --data-root="$ENGINE_DIR/data" \
    --exec-root="$ENGINE_DIR/exec" \
    --pidfile="$ENGINE_DIR/dockerd.own.pid" \
    --storage-driver="$1" \
    --iptables=false --ip6tables=false --ip-masq=false --bridge=none \
    >>"$ENGINE_DIR/dockerd.log" 2>&1 </dev/null &
  # Our own record of the PID: dockerd's --pidfile makes it refuse to start over a live PID.
  echo $! >"$ENGINE_DIR/dockerd.pid"
  for _ in $(seq 1 $((ENGINE_WAIT_S * 10))); do
    if curl -sf --unix-socket "$SOCK" http://localhost/_ping 2>/dev/null | grep -q OK; then ok=1; break; fi
    kill -0 "$(cat "$ENGINE_DIR/dockerd.pid")" 2>/dev/null || break
    sleep 0.1
  done
  if [ $ok = 1 ]; then
    log "dockerd ($1) up in $(ms_since "$t0") ms (pid $(cat "$ENGINE_DIR/dockerd.pid"), socket $SOCK)"
    return 0
  fi
  log "dockerd --storage-driver=$1 did not come up; last log lines:"; tail -n 15 "$ENGINE_DIR/dockerd.log" >&2
  kill -TERM "$(cat "$ENGINE_DIR/dockerd.pid")" 2>/dev/null || true; sleep 1
  kill -KILL "$(cat "$ENGINE_DIR/dockerd.pid")" 2>/dev/null || true
  rm -f "$ENGINE_DIR/dockerd.pid"
  return 1
}

if [ "${REGISTRY_ONLY:-0}" = 1 ]; then
  log "REGISTRY_ONLY=1: no dockerd"
elif alive "$ENGINE_DIR/dockerd.pid"; then
  log "dockerd already running (pid $(cat "$ENGINE_DIR/dockerd.pid"))"
else
  up=0
  for drv in ${STORAGE_DRIVER//,/ }; do start_dockerd "$drv" && { up=1; break; }; done
  [ $up = 1 ] || { log "no storage driver worked ($STORAGE_DRIVER)"; exit 1; }
fi

# --- 3. registry v2 with htpasswd (bcrypt) basic auth ----------------------------------------
free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

start_registry() {  # start_registry ADDR — 0 once /v2/ answers 200 with the credentials, 401 without
  local addr=$1 t0 ok=0 code anon
  cat >"$REG_DIR/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $REG_DIR/data
  delete:
    enabled: true
http:
  addr: $addr
  secret: ecsctl-engine-up-$$
auth:
  htpasswd:
    realm: ecsctl-engine-up
    path: $REG_DIR/htpasswd
YAML
  t0=$(date +%s%N)
  nohup docker-registry serve "$REG_DIR/config.yml" >"$REG_DIR/registry.log" 2>&1 </dev/null &
  echo $! >"$REG_DIR/registry.pid"
  for _ in $(seq 1 $((ENGINE_WAIT_S * 10))); do
    # Still alive after answering: the listener is ours, not another process's on a reused port.
    kill -0 "$(cat "$REG_DIR/registry.pid")" 2>/dev/null || break
    code=$(curl -s -o /dev/null -w '%{http_code}' -u "$REGISTRY_USER:$REGISTRY_PASSWORD" "http://$addr/v2/" || true)
    if [ "$code" = 200 ]; then
      anon=$(curl -s -o /dev/null -w '%{http_code}' "http://$addr/v2/" || true)
      if [ "$anon" = 401 ] && kill -0 "$(cat "$REG_DIR/registry.pid")" 2>/dev/null; then ok=1; fi
      break
    fi
    sleep 0.1
  done
  if [ $ok = 1 ]; then
    log "registry up in $(ms_since "$t0") ms on $addr (pid $(cat "$REG_DIR/registry.pid"))"
    echo "$addr" >"$REG_DIR/addr"
    return 0
  fi
  log "registry on $addr did not come up; log:"; tail -n 20 "$REG_DIR/registry.log" >&2
  kill -TERM "$(cat "$REG_DIR/registry.pid")" 2>/dev/null || true
  rm -f "$REG_DIR/registry.pid"
  return 1
}

if alive "$REG_DIR/registry.pid"; then
  REGISTRY_ADDR=$(cat "$REG_DIR/addr")
  log "registry already running (pid $(cat "$REG_DIR/registry.pid")) on $REGISTRY_ADDR"
else
  htpasswd -Bbn "$REGISTRY_USER" "$REGISTRY_PASSWORD" >"$REG_DIR/htpasswd"
  up=0
  if [ -n "${REGISTRY_ADDR:-}" ]; then
    if (exec 3<>"/dev/tcp/${REGISTRY_ADDR%:*}/${REGISTRY_ADDR##*:}") 2>/dev/null; then
      log "something already listens on $REGISTRY_ADDR"; exit 1
    fi
    start_registry "$REGISTRY_ADDR" && up=1
  else
    # A port picked free can be taken before the registry binds it: try another one then.
    for _ in 1 2 3; do
      REGISTRY_ADDR=127.0.0.1:$(free_port)
      start_registry "$REGISTRY_ADDR" && { up=1; break; }
    done
  fi
  [ $up = 1 ] || { log "registry did not start"; exit 1; }
fi

# --- 4. environment for the tests and the playground --------------------------------------------
umask 077
{ [ "${REGISTRY_ONLY:-0}" = 1 ] || echo "export DOCKER_HOST=unix://$SOCK"; } >"$ENGINE_DIR/env"
cat >>"$ENGINE_DIR/env" <<ENV
export ENGINE_DIR=$ENGINE_DIR
export REGISTRY_ADDR=$REGISTRY_ADDR
export REGISTRY_USER=$REGISTRY_USER
export REGISTRY_PASSWORD=$REGISTRY_PASSWORD
ENV
cat "$ENGINE_DIR/env"
