#!/usr/bin/env bash
# engine-down.sh — stop what engine-up.sh started, by the PIDs it recorded; unmount what dockerd
# left mounted under $ENGINE_DIR; remove $ENGINE_DIR (KEEP_ENGINE_DIR=1 keeps logs and data).
set -uo pipefail

ENGINE_DIR=${ENGINE_DIR:-${TMPDIR:-/tmp}/ecsctl-engine}
SOCK=$ENGINE_DIR/docker.sock
log() { echo "engine-down: $*" >&2; }

stop_pid() {  # stop_pid PIDFILE NAME — TERM, wait up to 20 s, then KILL
  local f=$1 name=$2 pid t0
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    t0=$(date +%s%N)
    kill -TERM "$pid"
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then log "$name ($pid) ignored TERM, sending KILL"; kill -KILL "$pid"; fi
    log "$name ($pid) stopped in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  fi
  rm -f "$f"
}

# Force-remove containers first: one whose PID 1 ignores SIGTERM (busybox httpd does) would
# hold dockerd's shutdown for its 10 s stop timeout.
if [ -S "$SOCK" ] && command -v curl >/dev/null 2>&1; then
  for id in $(curl -sf --unix-socket "$SOCK" 'http://localhost/containers/json?all=1' | grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4); do
    curl -sf -X DELETE --unix-socket "$SOCK" "http://localhost/containers/$id?force=1" >/dev/null || true
  done
fi

stop_pid "$ENGINE_DIR/registry/registry.pid" registry &
stop_pid "$ENGINE_DIR/dockerd.pid" dockerd &   # dockerd stops the containerd it started
wait

# dockerd leaves e.g. an nsfs mount at exec/netns/default; unmount everything below ENGINE_DIR.
awk -v d="$ENGINE_DIR" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo | sort -r |
  while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"; done

if [ "${KEEP_ENGINE_DIR:-0}" != 1 ] && [ -n "$ENGINE_DIR" ] && [ "$ENGINE_DIR" != / ]; then
  if awk -v d="$ENGINE_DIR" '$5 == d || index($5, d "/") == 1 {f=1} END {exit !f}' /proc/self/mountinfo; then
    log "something is still mounted under $ENGINE_DIR; leaving it in place"
  else
    rm -rf "$ENGINE_DIR"
  fi
fi
log "done"
