#!/usr/bin/env bash
# The soak of issue 17: client processes hammering one device while random
# ones are killed with SIGKILL, for 10 minutes (or $1 seconds) against each
# device node: the FUSE node (served by the test process, on this host) and
# the C kernel module (in the QEMU guest of scripts/vm.sh). Prints the
# figures of each run: operations, clients killed, the serving process's
# memory, objects left (0). `.ci/run` runs the same tests for 10 s each
# (cargo test and scripts/guest-tests.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-600}"
export UABI_SOAK_SECS="$secs"

echo "== soak: the FUSE node, ${secs} s"
cargo test --release --quiet -p softaccel-driver --test soak -- \
  --exact killed_clients_leak_nothing_from_the_fuse_node --nocapture | grep -E "soak \(|test result"

echo "== soak: the C kernel module in the guest, ${secs} s"
exe="$(cargo test --release --quiet --no-run --message-format=json -p softaccel-driver --test soak |
  python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("executable") and m["target"]["name"] == "soak":
        print(m["executable"])
')"
UABI_VM_TIMEOUT=$((secs + 600)) bash scripts/vm.sh --module c -- sh -c \
  "mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug; \
   '$exe' --ignored --exact soak_kernel_module --nocapture" | grep -E "soak \(|test result"
