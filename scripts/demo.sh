#!/usr/bin/env bash
# The main job: lint the example specs, regenerate generated/ from them,
# check it is fresh, then run a small workload end to end (fill two
# vectors, add them, checksum the result) through the canonical userspace
# library on the reference driver.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet -p uabi
./target/debug/uabi lint spec/accel-core.yaml spec/softaccel.yaml
./target/debug/uabi generate
./target/debug/uabi check
cargo run --quiet -p softaccel-demo -- "$@"
