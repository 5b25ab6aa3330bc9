#!/usr/bin/env bash
# Fuzzes the real kernel module in the guest (driver/kmod/tests/guest_fuzz.c):
#
#   scripts/guest-fuzz.sh [--module c|rust] [SECONDS]   on the host (default
#                        c, 60 s): builds the fuzzer, boots the guest with
#                        scripts/vm.sh and runs itself there with --in-guest
#   scripts/guest-fuzz.sh --in-guest SECONDS            inside the guest
#                        (scripts/guest-tests.sh runs it this way)
#
# In the guest: the x86_64 build for 4/5 of SECONDS, then the i386 build
# (through compat_ioctl) for the rest, each first replaying
# fuzz/corpus/ioctl_dispatch and fuzz/corpus/control. Each fails on an undocumented errno or on
# objects left once its clients are gone; vm.sh fails the run on any WARN,
# BUG, oops or call trace in the kernel log and on a failing rmmod. The
# seed is printed; UABI_FUZZ_SEED replays one.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

in_guest=""
module=c
seconds=60
while (($#)); do
  case "$1" in
    --in-guest) in_guest=1 ;;
    --module)
      module="${2:?--module takes c or rust}"
      shift
      ;;
    [0-9]*) seconds="$1" ;;
    *) echo "usage: $0 [--module c|rust] [SECONDS] | --in-guest SECONDS" >&2 && exit 2 ;;
  esac
  shift
done
target="${CARGO_TARGET_DIR:-$repo/target}"
bin="${UABI_GUEST_BIN:-$target/kmod-tests}"

if [ -z "$in_guest" ]; then
  source scripts/kernel-env.sh
  uabi_kernel_env
  bash driver/kmod/tests/build.sh "$bin" >/dev/null
  export UABI_GUEST_BIN="$bin"
  # The boot, module build and the fuzzer's final checks on top of SECONDS.
  export UABI_VM_TIMEOUT="${UABI_VM_TIMEOUT:-$((seconds * 2 + 300))}"
  exec bash scripts/vm.sh --module "$module" -- bash scripts/guest-fuzz.sh --in-guest "$seconds"
fi

mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
seed="${UABI_FUZZ_SEED:-$(date +%s)}"
long=$((seconds * 4 / 5))
short=$((seconds - long))
status=0
echo "== guest fuzz (x86_64, ${long}s, seed $seed)"
"$bin/guest_fuzz" -t "$long" -s "$seed" -c fuzz/corpus/ioctl_dispatch -C fuzz/corpus/control || status=1
echo "== guest fuzz (i386 through compat_ioctl, ${short}s, seed $((seed + 1)))"
set +e
"$bin/guest_fuzz32" -t "$short" -s "$((seed + 1))" -c fuzz/corpus/ioctl_dispatch -C fuzz/corpus/control
rc=$?
set -e
if [ "$rc" = 77 ]; then
  # A kernel built without CONFIG_COMPAT_32BIT_TIME (scripts/rfl-kernel.config
  # turns it on; a tinyconfig leaves it out): i386 glibc's futex and sleeps
  # fail there.
  [ -z "${UABI_SKIP_LOG:-}" ] || echo "guest-fuzz.sh: the i386 build (no 32-bit time syscalls in this kernel)" >>"$UABI_SKIP_LOG"
elif [ "$rc" != 0 ]; then
  status=1
fi
exit "$status"
