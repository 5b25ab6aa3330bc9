#!/usr/bin/env bash
# The guest suites: what runs against the softaccel kernel module's
# /dev/softaccel0 inside QEMU.
#
#   scripts/guest-tests.sh [--fuse|--rust]      on the host: builds what the
#                                               guest runs, boots it with
#                                               scripts/vm.sh and runs itself
#                                               there with --in-guest
#   scripts/guest-tests.sh --in-guest [--fuse|--rust]  inside the guest
#
# Without --fuse the guest loads the module (vm.sh --module c) and the suites
# run against /dev/softaccel0 (UABI_GUEST_DEVICE overrides). With --fuse the
# guest loads no module and serves the reference driver's FUSE node
# (softaccel-driverd; the guest kernel has FUSE passthrough) instead: the same
# suites against the reference, in the same kernel, which also proves the
# harness before the module exists. With --rust the guest boots the
# Rust-for-Linux kernel with the Rust module (vm.sh --module rust,
# driver/kmod-rs) and the suites run against its /dev/softaccel0.
#
# The guest sees the host's root read-only, so everything it runs is built
# here first, under UABI_GUEST_BIN (default $CARGO_TARGET_DIR/guest, or
# target/guest). Today: the raw conformance programs from x86_64, i386 (through
# compat_ioctl) and i386 without large-file support, each of which must pass
# and print the x86_64 build's check lines; and, against the module, the Rust
# suites' kernel-module variants (ignored on the host): the userlib suite, the
# cross-language scenario (C, also built for i386 and so through
# compat_ioctl, Python, Go, Rust) and the compatibility matrix; last, the
# fuzzer (driver/kmod/tests/guest_fuzz.c, scripts/guest-fuzz.sh) for
# UABI_GUEST_FUZZ_SECONDS (default 40).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

in_guest=""
fuse=""
rust=""
for arg in "$@"; do
  case "$arg" in
    --in-guest) in_guest=1 ;;
    --fuse) fuse=1 ;;
    --rust) rust=1 ;;
    *) echo "usage: $0 [--in-guest] [--fuse|--rust]" >&2 && exit 2 ;;
  esac
done
target="${CARGO_TARGET_DIR:-$repo/target}"

if [ -z "$in_guest" ]; then
  export UABI_GUEST_BIN="${UABI_GUEST_BIN:-$target/guest}"
  make -s -C compat-tests/guest OUT="$UABI_GUEST_BIN"
  # The module's test programs, the fuzzer among them (scripts/guest-fuzz.sh).
  bash driver/kmod/tests/build.sh "$UABI_GUEST_BIN" >/dev/null
  if [ -n "$fuse" ]; then
    cargo build --quiet -p softaccel-driver --bin softaccel-driverd
    exec bash scripts/vm.sh --no-module -- bash scripts/guest-tests.sh --in-guest --fuse
  fi
  # The Rust suites' kernel-module variants (ignored on the host): the
  # userlib suite's `kmod::` tests, the cross-language scenario, the
  # compatibility matrix and the driver's soak of killed clients, as test
  # executables listed for the guest.
  {
    cargo test --quiet --no-run --message-format=json -p softaccel -p compat-tests
    cargo test --quiet --no-run --message-format=json -p softaccel-driver --test soak
  } | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["kind"] == ["test"]:
        # guest_conformance runs the programs this script runs itself.
        if m["target"]["name"] != "guest_conformance":
            print(m["target"]["name"], m["executable"])
' >"$UABI_GUEST_BIN/rust-tests.txt"
  # The matrix runs the revision-1 userspace, a cargo build of its own:
  # built here (the host's run of the same test), the guest finds it fresh
  # instead of compiling it under TCG.
  prebuild_log="$UABI_GUEST_BIN/old-userspace-build.log"
  cargo test --quiet -p compat-tests --test matrix -- --exact \
    revision_1_userspace_works_unchanged_on_the_current_driver >"$prebuild_log" 2>&1 ||
    { cat "$prebuild_log" >&2; echo "guest-tests: building the revision-1 userspace failed" >&2; exit 1; }
  if [ -n "$rust" ]; then
    exec bash scripts/vm.sh --module rust -- bash scripts/guest-tests.sh --in-guest --rust
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

# The Rust module differs from the C one on purpose (driver/kmod-rs/README.md):
# SUBMIT runs its work before it returns, so nothing is ever in flight
# (and the `paused` switch that holds work refuses to be set), and a ring
# queue has no poller: DOORBELL (or WAIT) runs the published entries in its
# caller's context, so the device always asks for the doorbell. The tests
# that need work in flight or a poller are listed here by suite and name,
# with the difference: each runs alone and must fail, so the list stays
# exact.
declare -A differs=()
if [ -n "$rust" ]; then
  in_flight="needs work in flight (paused=1): SUBMIT is synchronous in softaccel_rs"
  no_poller="needs a ring poller: softaccel_rs runs ring entries synchronously in DOORBELL's caller"
  differs=(
    ["e2e kmod::map_waits_for_the_work_that_writes_the_bo"]="$in_flight"
    ["e2e kmod::wait_times_out_then_completes"]="$in_flight"
    ["control kmod::reset_queue_cancels_what_has_not_started"]="$in_flight"
    ["raii kmod::a_bo_dropped_with_work_in_flight_is_freed_after_it"]="$in_flight"
    ["raii kmod::closing_with_work_in_flight_leaks_nothing"]="$in_flight"
    ["raii kmod::dropping_a_queue_waits_for_its_work"]="$in_flight"
    ["features kmod::queue_info_reports_the_queue_and_its_progress"]="$in_flight"
    ["errors kmod::a_full_queue_is_busy"]="$in_flight"
    ["rings kmod::a_polling_device_needs_the_doorbell_only_when_it_sleeps"]="$no_poller"
  )
fi

if [ -z "$fuse" ]; then
  # The suites read the module's counters from debugfs.
  mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
  # One test at a time: the module's parameters are device-wide.
  while read -r name exe; do
    case "$name" in
      cross_lang | matrix) filter=kernel_module ;;
      soak) filter=soak_kernel_module ;;
      *) filter=kmod:: ;;
    esac
    skips=()
    for key in "${!differs[@]}"; do
      [ "${key%% *}" = "$name" ] || continue
      test="${key#* }"
      skips+=(--skip "$test")
      echo "== $name $test: DIFFERS on purpose (${differs[$key]}); must fail"
      if "$exe" --ignored --exact "$test" >"/tmp/rust-differs.out" 2>&1; then
        failed+=("$name $test (listed as differing, but passes: take it off the list)")
      elif ! grep -q "^test result: FAILED. 0 passed; 1 failed" /tmp/rust-differs.out; then
        cat /tmp/rust-differs.out
        failed+=("$name $test (listed as differing, but did not run as one failing test)")
      fi
    done
    echo "== $name ($filter, ignored on the host) against $device"
    if ! "$exe" --ignored --test-threads=1 "$filter" "${skips[@]}" >"/tmp/rust-$name.out" 2>&1; then
      failed+=("$name")
      cat "/tmp/rust-$name.out"
    else
      grep -E "^test result" "/tmp/rust-$name.out"
      # A suite that found none of its kernel-module tests ran nothing
      # (unless every one of them is a listed difference, run above).
      if grep -q "^test result: ok. 0 passed" "/tmp/rust-$name.out" && ((${#skips[@]} == 0)); then
        failed+=("$name (no kernel-module test ran)")
      fi
    fi
  done <"$bin/rust-tests.txt"

  # Last, with the suites' objects gone: random and mutated calls from
  # killed clients (scripts/guest-fuzz.sh), then rmmod and the kernel log
  # in vm.sh.
  fuzz_seconds="${UABI_GUEST_FUZZ_SECONDS:-40}"
  echo "== guest fuzz (${fuzz_seconds}s) against $device"
  bash scripts/guest-fuzz.sh --in-guest "$fuzz_seconds" || failed+=("guest fuzz")
fi

if ((${#failed[@]})); then
  echo "guest-tests: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "guest-tests: all passed against $device"
