#!/usr/bin/env bash
# Runs every test: formatting, lints, generated files freshness, and the
# whole workspace test suite (including the cross-compiler layout tests).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

echo "== cargo fmt --check (hand-written crates; generated/ is printed by prettyplease)"
cargo fmt -p uabi -p uabi-runtime -p softaccel-driver -p softaccel -p softaccel-demo -p compat-tests -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== uabi check (generated/ is fresh)"
cargo run --quiet -p uabi -- check
echo "== uabi lint spec/*.yaml"
cargo run --quiet -p uabi -- lint spec/*.yaml
echo "== uabi compat (every spec against its frozen revisions)"
cargo run --quiet -p uabi -- compat
echo "== cargo test"
cargo test --workspace
echo "== loom (the ring protocol's orderings, every interleaving)"
RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p uabi-runtime --release --test loom_ring
