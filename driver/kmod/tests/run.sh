#!/usr/bin/env bash
# The module's guest test: builds the static x86_64 and i386 test programs
# (softaccel_test for /dev/softaccel0, legacy_test for softaccel_legacy's
# /dev/softaccel-legacy) on the host, then runs all four in Debian's 6.12
# kernel with the modules loaded
# (scripts/vm.sh builds and loads it, removes it afterwards and fails the
# run on any WARN, BUG, oops or call trace in the kernel log), once for
# revision 3 (the default) and once with the module playing revision 1
# (revision=1 accel_revision=1). kernel-env.sh installs what it needs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
# The guest sees the host's root read-only but not the host's /tmp.
out="${CARGO_TARGET_DIR:-$root/target}/kmod-tests"
# shellcheck source=/dev/null
source "$root/scripts/kernel-env.sh"
uabi_kernel_env
"$here/build.sh" "$out"
progs=("$out/softaccel_test" "$out/softaccel_test32" "$out/legacy_test" "$out/legacy_test32")
# The counters the test reads are in debugfs, which the guest may not mount.
script="mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
for p in ${progs[*]}; do \$p || exit 1; done"
cd "$root"
for args in "" "revision=1 accel_revision=1"; do
  echo "driver/kmod guest test, module arguments: ${args:-none}"
  UABI_VM_MODULE_ARGS="$args" scripts/vm.sh -- sh -c "$script"
done
