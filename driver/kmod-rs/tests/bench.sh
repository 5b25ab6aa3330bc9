#!/usr/bin/env bash
# GET_PARAM in the Rust-for-Linux guest kernel, both modules on the same
# kernel, measured by criterion (softaccel-demo's `guest` benchmark, group
# get-param): softaccel_rs through the generated Rust dispatch against a
# hand-written Rust handler in the same module, and the C module
# (driver/kmod, built against the same kernel tree) through its generated C
# dispatch against its hand-written C handler. Each module is loaded with
# bench_ioctl=1 in a boot of its own (both register /dev/softaccel0); the
# ratios of the run are printed together at the end.
#
#   driver/kmod-rs/tests/bench.sh [CRITERION ARGS...]
#
# A benchmark, not a test: scripts/test.sh does not run it. Under QEMU TCG
# on shared CPUs the absolute figures vary from run to run; compare the
# ratios of one run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cd "$root"
echo "== cargo bench -p softaccel-demo --bench guest --no-run" >&2
exe=$(bash scripts/guest-bench-exe.sh)
# shellcheck source=/dev/null
source scripts/kernel-env.sh
uabi_kernel_env
tmp="$(mktemp -d)"
# The C module's objects built for the Rust kernel must not stay beside
# its sources (the next build for Debian's kernel starts clean).
trap 'rm -rf "$tmp"; make -s -C "$UABI_KDIR" M="$root/driver/kmod" clean >/dev/null 2>&1 || true' EXIT
export UABI_VM_MODULE_ARGS="bench_ioctl=1"
export UABI_VM_TIMEOUT="${UABI_VM_TIMEOUT:-1200}"
# In the guest criterion keeps its state in the guest's memory; its
# bencher lines on stdout carry the figures out.
echo "== softaccel_rs: generated Rust dispatch vs hand-written Rust" >&2
bash scripts/vm.sh --module rust -- \
  env SOFTACCEL_BENCH_DEVICES="kernel-rs=/dev/softaccel0" SOFTACCEL_BENCH_GROUPS=get-param \
  CRITERION_HOME=/tmp/criterion "$exe" --bench --output-format bencher guest-get-param "$@" |
  tee "$tmp/rust"
echo "== softaccel (C, same kernel): generated C dispatch vs hand-written C" >&2
UABI_VM_KMOD_DIR="$root/driver/kmod" bash scripts/vm.sh --module rust -- \
  env SOFTACCEL_BENCH_DEVICES="kernel-c=/dev/softaccel0" SOFTACCEL_BENCH_GROUPS=get-param \
  CRITERION_HOME=/tmp/criterion "$exe" --bench --output-format bencher guest-get-param "$@" |
  tee "$tmp/c"
# criterion's bencher lines:
# "test guest-get-param/<label>/<function> ... bench:   1,234 ns/iter (+/- 56)"
python3 - "$tmp/rust" "$tmp/c" <<'PY'
import re, sys
ns = {}
for path in sys.argv[1:]:
    for line in open(path, encoding="utf-8", errors="replace"):
        m = re.match(r"test guest-get-param/(\S+)/(.+?) \.\.\. bench:\s+([\d,]+) ns/iter", line)
        if m:
            side = "generated" if m.group(2).startswith("generated") else "hand"
            ns[(m.group(1), side)] = float(m.group(3).replace(",", ""))
need = [(l, s) for l in ("kernel-rs", "kernel-c") for s in ("generated", "hand")]
missing = [f"{l}/{s}" for l, s in need if (l, s) not in ns]
if missing:
    sys.exit("bench.sh: no criterion figure for " + ", ".join(missing))
rg, rh = ns[("kernel-rs", "generated")], ns[("kernel-rs", "hand")]
cg, ch = ns[("kernel-c", "generated")], ns[("kernel-c", "hand")]
print(f"GET_PARAM ns/call (criterion): Rust generated {rg:.0f}, Rust hand-written {rh:.0f}, "
      f"C generated {cg:.0f}, C hand-written {ch:.0f}")
print(f"ratios: Rust generated / Rust hand-written {rg / rh:.3f}; "
      f"Rust generated / C generated {rg / cg:.3f}; C generated / C hand-written {cg / ch:.3f}")
PY
