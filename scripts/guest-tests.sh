#!/usr/bin/env bash
# The guest suites: what runs against the softaccel kernel module's
# /dev/softaccel0 inside QEMU.
#
#   scripts/guest-tests.sh [--fuse]             on the host: builds what the
#                                               guest runs, boots it with
#                                               scripts/vm.sh and runs itself
#                                               there with --in-guest
#   scripts/guest-tests.sh --in-guest [--fuse]  inside the guest
#
# Without --fuse the guest loads the module (vm.sh --module c) and the suites
# run against /dev/softaccel0 (UABI_GUEST_DEVICE overrides). With --fuse the
# guest loads no module and serves the reference driver's FUSE node
# (softaccel-driverd; the guest kernel has FUSE passthrough) instead: the same
# suites against the reference, in the same kernel, which also proves the
# harness before the module exists.
#
# The guest sees the host's root read-only, so everything it runs is built
# here first, under UABI_GUEST_BIN (default $CARGO_TARGET_DIR/guest, or
# target/guest). Today: the raw conformance programs from x86_64, i386 (through
# compat_ioctl) and i386 without large-file support, each of which must pass
# and print the x86_64 build's check lines. It will grow the userlib suite and
# the cross-language scenario.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

in_guest=""
fuse=""
for arg in "$@"; do
  case "$arg" in
    --in-guest) in_guest=1 ;;
    --fuse) fuse=1 ;;
    *) echo "usage: $0 [--in-guest] [--fuse]" >&2 && exit 2 ;;
  esac
done
target="${CARGO_TARGET_DIR:-$repo/target}"

if [ -z "$in_guest" ]; then
  export UABI_GUEST_BIN="${UABI_GUEST_BIN:-$target/guest}"
  make -s -C compat-tests/guest OUT="$UABI_GUEST_BIN"
  if [ -n "$fuse" ]; then
    cargo build --quiet -p softaccel-driver --bin softaccel-driverd
    exec bash scripts/vm.sh --no-module -- bash scripts/guest-tests.sh --in-guest --fuse
  fi
  exec bash scripts/vm.sh --module c -- bash scripts/guest-tests.sh --in-guest
fi

bin="${UABI_GUEST_BIN:?UABI_GUEST_BIN names the built programs (run without --in-guest)}"
if [ -n "$fuse" ]; then
  mnt=/tmp/softaccel-node
  mkdir -p "$mnt"
  "$target/debug/softaccel-driverd" "$mnt" 2>/tmp/softaccel-driverd.log &
  daemon=$!
  stop() {
    kill -TERM "$daemon" 2>/dev/null || true
    wait "$daemon" 2>/dev/null || true
  }
  trap stop EXIT
  for _ in $(seq 100); do
    [ -e "$mnt/softaccel0" ] && break
    kill -0 "$daemon" 2>/dev/null || { cat /tmp/softaccel-driverd.log >&2; echo "guest-tests: softaccel-driverd did not start" >&2; exit 1; }
    sleep 0.1
  done
  device="$mnt/softaccel0"
else
  device="${UABI_GUEST_DEVICE:-/dev/softaccel0}"
  [ -c "$device" ] || { echo "guest-tests: $device is not a character device (is the module loaded?)" >&2; exit 1; }
fi

failed=()
# The conformance programs: each passes alone, and the 32-bit ones answer
# exactly as the 64-bit one does.
for build in x86_64 i386 i386-nolfs; do
  echo "== conformance ($build) against $device"
  if ! "$bin/conformance-$build" "$device" >"/tmp/conformance-$build.out"; then
    failed+=("conformance-$build")
    cat "/tmp/conformance-$build.out"
  else
    tail -1 "/tmp/conformance-$build.out"
  fi
done
for build in i386 i386-nolfs; do
  if ! diff -u <(tail -n +2 /tmp/conformance-x86_64.out) <(tail -n +2 "/tmp/conformance-$build.out"); then
    echo "guest-tests: the $build build's checks differ from the x86_64 build's" >&2
    failed+=("conformance-$build (differs from x86_64)")
  fi
done

if ((${#failed[@]})); then
  echo "guest-tests: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "guest-tests: all passed against $device"
