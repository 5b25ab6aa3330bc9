#!/usr/bin/env bash
# The main job: lint the example specs, regenerate generated/ from them and
# check it is fresh; start the reference driver's device node
# (softaccel-driverd, FUSE; needs root and /dev/fuse) on a temporary
# mountpoint; run a small workload end to end (fill two vectors, add them,
# checksum the result) through the canonical userspace library on that
# node; stop the daemon.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet -p uabi -p softaccel-driver -p softaccel-demo
./target/debug/uabi lint spec/accel-core.yaml spec/softaccel.yaml
./target/debug/uabi generate
./target/debug/uabi check

mnt=$(mktemp -d /tmp/softaccel-node.XXXXXX)
./target/debug/softaccel-driverd "$mnt" &
daemon=$!
stop() {
  kill -TERM "$daemon" 2>/dev/null || true
  wait "$daemon" 2>/dev/null || true
  rmdir "$mnt" 2>/dev/null || true
}
trap stop EXIT
for _ in $(seq 100); do
  [ -e "$mnt/softaccel0" ] && break
  kill -0 "$daemon" 2>/dev/null || { echo "demo: softaccel-driverd failed to start (root and /dev/fuse are needed)" >&2; exit 1; }
  sleep 0.1
done
./target/debug/softaccel-demo --device "$mnt/softaccel0" "$@"
