#!/usr/bin/env bash
# Runs every test: formatting, lints, generated files freshness, and the
# whole workspace test suite (including the cross-compiler layout tests).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

# Debian's 6.12 kbuild tree, sparse and checkpatch, before `cargo test`:
# the C kernel side's kbuild, sparse and checkpatch checks run in it (and
# are SKIPPED without them), and the guest boots below use the same
# install (about a minute on a fresh machine, nothing once installed).
# shellcheck source=scripts/kernel-env.sh
source scripts/kernel-env.sh
uabi_kernel_env

# Every test that cannot run here appends a line to this log (through
# uabi-test-support); the run ends by listing them, so a skip is never
# counted silently as a pass.
UABI_SKIP_LOG="$(mktemp)"
export UABI_SKIP_LOG
report_skips() {
  if [ -s "$UABI_SKIP_LOG" ]; then
    echo "== SKIPPED ($(wc -l <"$UABI_SKIP_LOG") checks did not run here):"
    sort "$UABI_SKIP_LOG" | uniq -c
  else
    echo "== SKIPPED: none"
  fi
  rm -f "$UABI_SKIP_LOG"
  # The disk is the one limit a run can hit without a test failing first
  # (stop 30's CI run ran out of it while linking), so the log shows it.
  echo "== disk after the run: $(df -h --output=avail . | tail -1 | tr -d ' ') free here; target/ holds $(du -sh target 2>/dev/null | cut -f1)"
}
trap report_skips EXIT

echo "== cargo fmt --check (hand-written crates; generated/ is checked by the rustfmt test)"
cargo fmt -p uabi -p uabi-runtime -p uabi-test-support -p softaccel-driver -p softaccel -p softaccel-demo -p compat-tests -p linux-flavour-tests -p uabi-kernel-shim -- --check
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
echo "== demo.sh (the main job: optimised build, the daemon's log in its own file; scripts/demo-test.sh)"
bash scripts/demo-test.sh
echo "== loom (the ring protocol's orderings, every interleaving)"
RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p uabi-runtime --release --test loom_ring
echo "== fuzz: replay the checked-in corpora, then 30 s per target (scripts/fuzz.sh --ci)"
bash scripts/fuzz.sh --ci
echo "== vm.sh self-test (Debian's 6.12 kernel under QEMU: boots, passes CMD's status out, boots again after a kernel that died before the init, fails on a kernel problem after it)"
bash scripts/vm.sh --no-module -- true
vm_log="$(mktemp)"
set +e
bash scripts/vm.sh --no-module -- sh -c 'exit 7' 2>"$vm_log"
status=$?
set -e
if [ "$status" != 7 ]; then
  cat "$vm_log" >&2
  echo "vm.sh: a CMD that exits 7 made vm.sh exit $status" >&2
  exit 1
fi
# A kernel that dies before the init takes over (here: no init to run) is
# booted once more, then reported as the harness's failure (125).
set +e
UABI_VM_KERNEL_ARGS=rdinit=/nonexistent bash scripts/vm.sh --no-module -- true 2>"$vm_log"
status=$?
set -e
if [ "$status" != 125 ] || [ "$(grep -c '^vm.sh: booting once more$' "$vm_log")" != 1 ] ||
    ! grep -q '^vm.sh: the guest reported no status' "$vm_log"; then
  cat "$vm_log" >&2
  echo "vm.sh: a guest without an init was not booted twice and reported (exit $status)" >&2
  exit 1
fi
# A backtrace after the init took over (sysrq's of every CPU) fails the
# run, with no second boot.
set +e
bash scripts/vm.sh --no-module -- sh -c 'echo l >/proc/sysrq-trigger; sleep 1' 2>"$vm_log"
status=$?
set -e
if [ "$status" != 1 ] || grep -q 'booting once more' "$vm_log" ||
    ! grep -q '^vm.sh: FAILED: the guest kernel reported problems' "$vm_log"; then
  cat "$vm_log" >&2
  echo "vm.sh: a kernel backtrace after the init took over did not fail the run once (exit $status)" >&2
  exit 1
fi
rm -f "$vm_log"
echo "== guest suites against the FUSE node in the guest (scripts/guest-tests.sh --fuse)"
bash scripts/guest-tests.sh --fuse
echo "== driver/kmod: W=1, sparse and checkpatch --strict (driver/kmod/tests/check.sh)"
bash driver/kmod/tests/check.sh
echo "== driver/kmod: its own guest tests (softaccel, softaccel_legacy) from x86_64 and i386, at revisions 3 and 1 (driver/kmod/tests/run.sh)"
bash driver/kmod/tests/run.sh
echo "== guest suites against the kernel module, then 40 s of its guest fuzzer (scripts/guest-tests.sh, scripts/guest-fuzz.sh)"
bash scripts/guest-tests.sh
echo "== the Rust-for-Linux guest kernel (scripts/rfl-kernel.sh: built once, then cached outside the repository)"
bash scripts/rfl-kernel.sh
echo "== driver/kmod-rs: W=1, rustc lints, rustfmt, sparse and checkpatch --strict (driver/kmod-rs/tests/check.sh)"
bash driver/kmod-rs/tests/check.sh
echo "== guest suites against the Rust module in the Rust-for-Linux kernel, then 40 s of the guest fuzzer (scripts/guest-tests.sh --rust)"
bash scripts/guest-tests.sh --rust
