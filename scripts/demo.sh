#!/usr/bin/env bash
# demo.sh — the local playground (`npm run demo`): the whole ecsctl flow against a STAND-IN for
# AWS on this machine, then everything it started is stopped again.
#
#   moto (python -m moto.server) on a free loopback port   plays the AWS APIs
#   scripts/standin/agent.mjs                               plays the ECS agent (registers instances)
#   scripts/standin/scheduler.mjs                           plays the ECS scheduler (registers targets)
#   dockerd + registry v2 (scripts/engine-up.sh)            a real engine to build and push the sample
#                                                           app, when one can run here
# then: ecsctl up → ecsctl status → ecsctl image run (the app answers) → ecsctl down --yes.
#
# It works in a temporary directory (state file, build context, engine data) and removes it at
# the end; every process it started is stopped by its PID, also on Ctrl-C or a failure.
# Tunables (env): DEMO_DESIRED_COUNT (default 4), DEMO_INSTANCE_COUNT (default 2),
# DEMO_ENGINE=0 (skip the engine: the service runs a public image given with --image).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DESIRED=${DEMO_DESIRED_COUNT:-4}
INSTANCES=${DEMO_INSTANCE_COUNT:-2}
T0=$(date +%s%N)
STEP_T0=$T0
WORK=''
ENGINE_STARTED=0
PIDS=()
NAMES=()

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
secs() { awk -v m="$1" 'BEGIN { printf "%.1f s", m / 1000 }'; }
say() { echo "demo: $*"; }
banner() {  # banner TITLE WHAT-IT-DOES — timing of the previous step, then the next one's title
  [ "$STEP_T0" = "$T0" ] || say "(that step took $(secs "$(ms "$STEP_T0")"))"
  STEP_T0=$(date +%s%N)
  echo
  echo "──── $1"
  echo "     $2"
}
notice() {
  echo "┌──────────────────────────────────────────────────────────────────────────────────┐"
  echo "│ This is a LOCAL STAND-IN for AWS, not AWS. moto answers the AWS APIs; two small  │"
  echo "│ scripts play the ECS agent and scheduler. No AWS account is used, nothing is     │"
  echo "│ billed, no instance or load balancer really exists, and the URL does not resolve.│"
  echo "└──────────────────────────────────────────────────────────────────────────────────┘"
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  echo
  echo "──── cleanup"
  echo "     Stopping everything this demo started, by PID, and removing its temporary directory."
  for i in "${!PIDS[@]}"; do
    local pid=${PIDS[$i]}
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
      say "stopped ${NAMES[$i]} (pid $pid)"
    fi
  done
  if [ "$ENGINE_STARTED" = 1 ]; then ENGINE_DIR=$WORK/engine bash "$ROOT/scripts/engine-down.sh" 2>&1 | sed 's/^/  /'; fi
  [ -n "$WORK" ] && rm -rf "$WORK"
  echo
  notice
  if [ $rc = 0 ]; then say "finished in $(secs "$(ms "$T0")") (exit 0). That was a stand-in for AWS, not AWS."
  else say "FAILED with exit $rc after $(secs "$(ms "$T0")"). That was a stand-in for AWS, not AWS."; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

notice
say "ecsctl's local playground: up → status → down on this machine, in well under a minute once installed."

# ── 1. what is missing ────────────────────────────────────────────────────────────────────────
banner "install what is missing" "npm ci (if node_modules is absent), npm run build (if dist/ is stale), moto + engine packages (scripts/ensure-tools.sh)."
cd "$ROOT"
if [ ! -d node_modules ]; then say "node_modules absent: npm ci"; npm ci --no-audit --no-fund; fi
if [ ! -f dist/bin.js ] || [ -n "$(find src -newer dist/bin.js -name '*.ts' -print -quit)" ]; then
  say "dist/ missing or older than src/: npm run build"; npm run --silent build
else say "dist/ is up to date"; fi
ENGINE=${DEMO_ENGINE:-1}
if ! bash scripts/ensure-tools.sh 2>&1 | sed 's/^/  /'; then
  python3 -c 'import moto.server' 2>/dev/null || { say "moto cannot be installed: the playground needs it"; exit 1; }
  say "the Docker engine packages could not be installed: continuing without an engine"; ENGINE=0
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ecsctl-demo-XXXXXX")
cd "$WORK"
# Credentials and settings for the stand-in only: nothing from ~/.aws is read.
export AWS_ACCESS_KEY_ID=AKIAECSCTLDEMO000000 AWS_SECRET_ACCESS_KEY=demo-not-a-secret AWS_REGION=us-east-1
export AWS_CONFIG_FILE=$WORK/no-aws-config AWS_SHARED_CREDENTIALS_FILE=$WORK/no-aws-credentials
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN ECSCTL_STATE ECSCTL_REGISTRY
ecsctl() { node "$ROOT/bin/ecsctl.js" "$@"; }
free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
start_bg() {  # start_bg NAME LOGFILE CMD... — remembered for cleanup
  "${@:3}" >"$2" 2>&1 </dev/null &
  PIDS+=($!); NAMES+=("$1")
}

# ── 2. the stand-in for AWS ───────────────────────────────────────────────────────────────────
banner "start moto, the AWS stand-in" "python -m moto.server on a free loopback port; services report $DESIRED running tasks (MOTO_ECS_SERVICE_RUNNING)."
PORT=$(free_port)
export AWS_ENDPOINT_URL=http://127.0.0.1:$PORT
# The interpreter itself, not a pyenv shim, so that the PID we stop is the server's.
PY=$(python3 -c 'import sys; print(sys.executable)')
MOTO_IAM_LOAD_MANAGED_POLICIES=true MOTO_ECS_SERVICE_RUNNING=$DESIRED \
  start_bg moto "$WORK/moto.log" "$PY" -m moto.server -H 127.0.0.1 -p "$PORT"
for _ in $(seq 1 300); do curl -sf "$AWS_ENDPOINT_URL/moto-api/data.json" >/dev/null 2>&1 && break; sleep 0.1; done
curl -sf "$AWS_ENDPOINT_URL/moto-api/data.json" >/dev/null || { say "moto did not answer:"; tail -n 20 "$WORK/moto.log"; exit 1; }
say "moto $("$PY" -c 'import moto; print(moto.__version__)') answers on $AWS_ENDPOINT_URL (pid ${PIDS[-1]})"

banner "start the ECS agent and scheduler STAND-INS" "moto runs no instances: these two loops do, from outside, what the agent and the scheduler would."
start_bg "ECS agent stand-in" "$WORK/agent.log" node "$ROOT/scripts/standin/agent.mjs" --endpoint "$AWS_ENDPOINT_URL"
say "ECS agent stand-in (pid ${PIDS[-1]}): registers each running instance with the cluster its user data names"
start_bg "ECS scheduler stand-in" "$WORK/scheduler.log" node "$ROOT/scripts/standin/scheduler.mjs" --endpoint "$AWS_ENDPOINT_URL"
say "ECS scheduler stand-in (pid ${PIDS[-1]}): registers load balancer targets for the service's instances"

# ── 3. a real engine and registry, when one can run here ─────────────────────────────────────
UP_IMAGE=()
if [ "$ENGINE" = 1 ]; then
  banner "start dockerd and a local registry" "A private Docker engine and a registry v2 whose password is what moto's ECR token decodes to (scripts/engine-up.sh)."
  ENGINE_STARTED=1
  if ENGINE_DIR=$WORK/engine bash "$ROOT/scripts/engine-up.sh" >"$WORK/engine.env" 2>"$WORK/engine-up.log"; then
    sed 's/^/  /' "$WORK/engine-up.log"
    # shellcheck disable=SC1091
    source "$WORK/engine.env"
    cp -R "$ROOT/fixtures/app" "$WORK/app"
    cp /bin/busybox "$WORK/app/busybox"   # Dockerfile.scratch copies it: nothing is pulled
    UP_IMAGE=(--context app --dockerfile Dockerfile.scratch --registry "$REGISTRY_ADDR")
  else
    sed 's/^/  /' "$WORK/engine-up.log"
    say "no Docker engine can run here: the service will run a public image instead (nothing is built)"
    ENGINE=0
  fi
fi
if [ "$ENGINE" != 1 ]; then UP_IMAGE=(--image public.ecr.aws/docker/library/busybox:1.36); fi

# ── 4. the walkthrough ───────────────────────────────────────────────────────────────────────
if [ "$ENGINE" = 1 ]; then
  WHAT="Build fixtures/app (FROM scratch + busybox), push it to the local registry, then"
else
  WHAT="No image build (no engine); then"
fi
banner "ecsctl up --dry-run --name demo ${UP_IMAGE[*]} --instance-count $INSTANCES --desired-count $DESIRED" \
  "First the plan: what would be created, in which waves (in parallel), and the aws command each step replaces. Nothing is changed."
ecsctl up --dry-run --name demo "${UP_IMAGE[@]}" --instance-count "$INSTANCES" --desired-count "$DESIRED"

banner "ecsctl up --name demo ${UP_IMAGE[*]} --instance-count $INSTANCES --desired-count $DESIRED" \
  "$WHAT repository, cluster, $INSTANCES instances, task definition, load balancer, service: the whole walkthrough."
ecsctl up --name demo "${UP_IMAGE[@]}" --instance-count "$INSTANCES" --desired-count "$DESIRED"

banner "ecsctl status" "Every recorded resource as the stand-in sees it now, with drift and the URL. moto keys load balancer targets by instance, so $DESIRED tasks on $INSTANCES instances show as $INSTANCES healthy targets (AWS shows one per task)."
ecsctl status

if [ "$ENGINE" = 1 ]; then
  banner "ecsctl image run --context app --port <free port>" \
    "The URL above is moto's and does not resolve, so there is no load balancer to probe (no lb probe): run the pushed image here and GET /info. With --network host it answers with this machine's hostname."
  ecsctl image run --context app --network host --port "$(free_port)" --path /info
else
  say "no engine: skipping the local run of the app (moto's load balancer URL does not resolve either)"
fi

banner "ecsctl down --yes" "Delete everything the state file records, in dependency order; the state file keeps only the name and region."
ecsctl down --yes
say "state file after down: $(tr -d '\n ' <"$WORK/ecsctl.state.json")"
say "(that step took $(secs "$(ms "$STEP_T0")"))"
