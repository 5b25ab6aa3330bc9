#!/usr/bin/env bash
# GET_PARAM in the Rust-for-Linux guest kernel, both modules on the same
# kernel: softaccel_rs through the generated Rust dispatch against a
# hand-written Rust handler in the same module, and the C module
# (driver/kmod, built against the same kernel tree) through its generated C
# dispatch against its hand-written C handler. Each module is loaded with
# bench_ioctl=1 in a boot of its own and runs driver/kmod/tests'
# bench_get_param (alternating rounds, best round of each); the ratios are
# printed together at the end.
#
#   driver/kmod-rs/tests/bench.sh [CALLS]     (default 200000 per round)
#
# A benchmark, not a test: scripts/test.sh does not run it. Under QEMU TCG
# on shared CPUs the absolute figures vary from run to run; compare the
# ratios of one run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cd "$root"
calls="${1:-200000}"
# Under the target directory: the guest sees the host's root, but not /tmp.
out="${CARGO_TARGET_DIR:-$root/target}/kmod-rs-bench"
bash driver/kmod/tests/build.sh "$out" >/dev/null
# shellcheck source=/dev/null
source scripts/kernel-env.sh
uabi_kernel_env
tmp="$(mktemp -d)"
# The C module's objects built for the Rust kernel must not stay beside
# its sources (the next build for Debian's kernel starts clean).
trap 'rm -rf "$tmp"; make -s -C "$UABI_KDIR" M="$root/driver/kmod" clean >/dev/null 2>&1 || true' EXIT
export UABI_VM_MODULE_ARGS="bench_ioctl=1"
echo "== softaccel_rs: generated Rust dispatch vs hand-written Rust" >&2
bash scripts/vm.sh --module rust -- "$out/bench_get_param" "$calls" /dev/softaccel0 | tee "$tmp/rust"
echo "== softaccel (C, same kernel): generated C dispatch vs hand-written C" >&2
UABI_VM_KMOD_DIR="$root/driver/kmod" bash scripts/vm.sh --module rust -- \
  "$out/bench_get_param" "$calls" /dev/softaccel0 | tee "$tmp/c"
# "GET_PARAM generated dispatch G ns/call, hand-written H ns/call, ratio R"
read -r rs_gen rs_hand < <(sed -n 's/.*dispatch \([0-9.]*\) ns\/call, hand-written \([0-9.]*\) ns.*/\1 \2/p' "$tmp/rust")
read -r c_gen c_hand < <(sed -n 's/.*dispatch \([0-9.]*\) ns\/call, hand-written \([0-9.]*\) ns.*/\1 \2/p' "$tmp/c")
[ -n "${rs_gen:-}" ] && [ -n "${c_gen:-}" ] || { echo "bench.sh: a run printed no figures" >&2; exit 1; }
awk -v rg="$rs_gen" -v rh="$rs_hand" -v cg="$c_gen" -v ch="$c_hand" 'BEGIN {
  printf "GET_PARAM ns/call: Rust generated %d, Rust hand-written %d, C generated %d, C hand-written %d\n", rg, rh, cg, ch
  printf "ratios: Rust generated / Rust hand-written %.3f; Rust generated / C generated %.3f; C generated / C hand-written %.3f\n", rg / rh, rg / cg, cg / ch
}'
