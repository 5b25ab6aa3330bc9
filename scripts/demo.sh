#!/usr/bin/env bash
# The main job: lint the example specs, regenerate generated/ from them and
# check it is fresh; start the reference driver's device node
# (softaccel-driverd, FUSE; needs root and /dev/fuse) on a temporary
# mountpoint; run a small workload end to end (fill two vectors, add them,
# checksum the result) through the canonical userspace library on that
# node; stop the daemon.
#
# Optimised builds (--release): the demo prints timings, and a debug
# build's are not the driver's speed. The daemon writes its log to a file
# (named on the first line, kept afterwards; printed here only if the
# daemon fails), so that its lines never interleave with the demo's table.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release -p uabi -p softaccel-driver -p softaccel-demo
bin="${CARGO_TARGET_DIR:-target}/release"
log=$(mktemp /tmp/softaccel-driverd.XXXXXX.log)
echo "demo: optimised build ($bin); softaccel-driverd logs to $log"
"$bin/uabi" --quiet lint spec/accel-core.yaml spec/softaccel.yaml
"$bin/uabi" --quiet generate
"$bin/uabi" --quiet check

mnt=$(mktemp -d /tmp/softaccel-node.XXXXXX)
"$bin/softaccel-driverd" "$mnt" >"$log" 2>&1 &
daemon=$!
stop() {
  kill -TERM "$daemon" 2>/dev/null || true
  wait "$daemon" 2>/dev/null || true
  rmdir "$mnt" 2>/dev/null || true
}
trap stop EXIT
for _ in $(seq 100); do
  [ -e "$mnt/softaccel0" ] && break
  if ! kill -0 "$daemon" 2>/dev/null; then
    echo "demo: softaccel-driverd failed to start (root and /dev/fuse are needed); its log:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done
"$bin/softaccel-demo" --device "$mnt/softaccel0" "$@"
