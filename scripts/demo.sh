#!/usr/bin/env bash
# The main job: lint the example specs, regenerate generated/ from them,
# and check it is fresh.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet -p uabi
./target/debug/uabi lint spec/accel-core.yaml spec/softaccel.yaml
./target/debug/uabi generate
./target/debug/uabi check
