#!/usr/bin/env bash
# Makes sure the machine has what the tests need, installing what is missing:
#   - python moto server 5.x (the AWS stand-in; shipped on this machine kind),
#   - awscli + jq (only the walkthrough benchmark uses them).
#   - Debian docker.io, docker-registry, apache2-utils, busybox-static (the image tests start a
#     private dockerd + registry from them through scripts/engine-up.sh, and stop them after).
set -euo pipefail
log() { echo "ensure-tools: $*" >&2; }

py=$(command -v python3 || true)
if [ -z "$py" ] || ! python3 -c 'import moto.server, flask' 2>/dev/null; then
  log "python moto server not importable; trying pip install moto[server]==5.2.1"
  python3 -m pip install --quiet 'moto[server]==5.2.1' || { log "cannot install moto: the end-to-end tests need it"; exit 1; }
fi
log "moto $(python3 -c 'import moto; print(moto.__version__)') ok"

# Only installs (apt-get update first on a fresh machine); nothing is started here.
bash "$(dirname "$0")/engine-up.sh" --install-only
log "docker engine packages ok ($(dockerd --version 2>/dev/null | head -c 60))"
