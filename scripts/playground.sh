#!/usr/bin/env bash
# playground.sh — a local STAND-IN for AWS that stays up while you type ecsctl commands yourself
# (npm run demo runs the whole flow for you and stops; this one waits for you).
#
#   bash scripts/playground.sh start   # moto + ECS agent/scheduler stand-ins (+ dockerd and a registry
#                                      # when an engine can run here); prints the export lines
#   eval "$(bash scripts/playground.sh env)"   # put them into your shell (again, any time)
#   bash scripts/playground.sh stop    # stop everything it started, by PID
#
# Tunables (env): PLAYGROUND_DIR (default ${TMPDIR:-/tmp}/ecsctl-playground),
# PLAYGROUND_DESIRED (default 4: moto reports every new service with this many running tasks, so
# use the same --desired-count), PLAYGROUND_ENGINE=0 (no engine: use `up --image …`).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${PLAYGROUND_DIR:-${TMPDIR:-/tmp}/ecsctl-playground}
DESIRED=${PLAYGROUND_DESIRED:-4}
say() { echo "playground: $*" >&2; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

print_env() {
  [ -f "$DIR/env" ] || { say "not started: bash scripts/playground.sh start"; exit 1; }
  cat "$DIR/env"
}

start() {
  if alive "$DIR/moto.pid"; then say "already running (moto pid $(cat "$DIR/moto.pid"))"; print_env; return; fi
  mkdir -p "$DIR"
  cd "$ROOT"
  [ -d node_modules ] || { say "npm ci"; npm ci --no-audit --no-fund >&2; }
  if [ ! -f dist/bin.js ] || [ -n "$(find src -newer dist/bin.js -name '*.ts' -print -quit)" ]; then
    say "npm run build"; npm run --silent build >&2
  fi
  local engine=${PLAYGROUND_ENGINE:-1}
  bash scripts/ensure-tools.sh >&2 || {
    python3 -c 'import moto.server' 2>/dev/null || { say "moto cannot be installed: the playground needs it"; exit 1; }
    engine=0
  }

  local port py
  port=$(free_port)
  py=$(python3 -c 'import sys; print(sys.executable)')   # the interpreter, not a shim: its PID is moto's
  MOTO_IAM_LOAD_MANAGED_POLICIES=true MOTO_ECS_SERVICE_RUNNING=$DESIRED \
    nohup "$py" -m moto.server -H 127.0.0.1 -p "$port" >"$DIR/moto.log" 2>&1 </dev/null &
  echo $! >"$DIR/moto.pid"
  local endpoint=http://127.0.0.1:$port
  for _ in $(seq 1 300); do curl -sf "$endpoint/moto-api/data.json" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -sf "$endpoint/moto-api/data.json" >/dev/null || { say "moto did not answer (see $DIR/moto.log)"; stop; exit 1; }
  say "moto answers on $endpoint (pid $(cat "$DIR/moto.pid")); services report $DESIRED running tasks"
  nohup node scripts/standin/agent.mjs --endpoint "$endpoint" >"$DIR/agent.log" 2>&1 </dev/null &
  echo $! >"$DIR/agent.pid"
  nohup node scripts/standin/scheduler.mjs --endpoint "$endpoint" >"$DIR/scheduler.log" 2>&1 </dev/null &
  echo $! >"$DIR/scheduler.pid"
  say "ECS agent stand-in (pid $(cat "$DIR/agent.pid")) and scheduler stand-in (pid $(cat "$DIR/scheduler.pid")) running"

  {
    echo "# ecsctl playground: a local stand-in for AWS, not AWS (bash scripts/playground.sh stop ends it)"
    echo "export AWS_ACCESS_KEY_ID=AKIAECSCTLPLAYGROUND AWS_SECRET_ACCESS_KEY=playground-not-a-secret AWS_REGION=us-east-1"
    echo "export AWS_ENDPOINT_URL=$endpoint"
    echo "unset AWS_PROFILE AWS_SESSION_TOKEN"
  } >"$DIR/env"
  if [ "$engine" = 1 ] && ENGINE_DIR=$DIR/engine bash scripts/engine-up.sh >"$DIR/engine.env" 2>"$DIR/engine-up.log"; then
    # shellcheck disable=SC1091
    source "$DIR/engine.env"
    echo "export DOCKER_HOST=$DOCKER_HOST ECSCTL_REGISTRY=$REGISTRY_ADDR" >>"$DIR/env"
    say "dockerd and a registry on $REGISTRY_ADDR running (images are pushed there: emulators have no registry)"
    # Dockerfile.scratch needs a static busybox in the context; nothing is pulled.
    [ -f fixtures/app/busybox ] || { cp /bin/busybox fixtures/app/busybox && say "copied /bin/busybox into fixtures/app (git-ignored)"; }
  else
    say "no Docker engine here: use up --image <uri> (nothing is built)"
  fi
  command -v ecsctl >/dev/null 2>&1 || echo "alias ecsctl='node $ROOT/bin/ecsctl.js'" >>"$DIR/env"
  say "ready. Put these lines into your shell (or: eval \"\$(bash scripts/playground.sh env)\"):"
  print_env
}

stop() {
  for name in scheduler agent moto; do
    local f=$DIR/$name.pid
    if alive "$f"; then
      kill -TERM "$(cat "$f")" 2>/dev/null || true
      for _ in $(seq 1 50); do alive "$f" || break; sleep 0.1; done
      alive "$f" && kill -KILL "$(cat "$f")" 2>/dev/null
      say "stopped $name (pid $(cat "$f"))"
    fi
    rm -f "$f"
  done
  [ -d "$DIR/engine" ] && ENGINE_DIR=$DIR/engine bash "$ROOT/scripts/engine-down.sh" 2>&1 | sed 's/^/  /' >&2
  rm -rf "$DIR"
  say "stopped; clear your shell with: unset AWS_ENDPOINT_URL DOCKER_HOST ECSCTL_REGISTRY AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION; unalias ecsctl 2>/dev/null"
}

case "${1:-}" in
  start) start ;;
  env) print_env ;;
  stop) stop ;;
  *) echo "usage: bash scripts/playground.sh start|env|stop" >&2; exit 2 ;;
esac
