#!/usr/bin/env bash
# Static checks of the Rust softaccel module, for scripts/test.sh: builds it
# against the Rust-for-Linux kernel (scripts/rfl-kernel.sh) with W=1 (the
# kernel's extra C warnings and, for the Rust crate, its extra rustc lints)
# and sparse (C=1) on the C shim, and fails on any compiler, rustc or sparse
# diagnostic; then runs the kernel's checkpatch.pl --strict on the C files
# and rustfmt (the kernel's configuration) on the Rust crate.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kmod="$(cd "$here/.." && pwd)"
root="$(cd "$kmod/../.." && pwd)"
# shellcheck source=/dev/null
source "$root/scripts/kernel-env.sh"
uabi_kernel_env
# shellcheck source=/dev/null
source "$root/scripts/rfl-kernel.sh"
uabi_rfl_kernel_env
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# shellcheck disable=SC2086 # UABI_RFL_MAKEVARS is words
make -s -C "$UABI_RFL_KDIR" $UABI_RFL_MAKEVARS M="$kmod" clean >/dev/null
# shellcheck disable=SC2086
if ! make -C "$UABI_RFL_KDIR" $UABI_RFL_MAKEVARS M="$kmod" W=1 C=1 modules >"$log" 2>&1; then
  cat "$log"
  echo "driver/kmod-rs: build failed" >&2
  exit 1
fi
# Kbuild prints its own progress lines; anything else is a diagnostic.
progress='^(make(\[[0-9]+\])?: (Entering|Leaving) directory|  (CC|CHECK|LD|MODPOST|BTF|AR|RUSTC) |Skipping BTF generation)'
if grep -vE "$progress" "$log" | grep -q .; then
  grep -vE "$progress" "$log"
  echo "driver/kmod-rs: W=1, rustc or sparse diagnostics" >&2
  exit 1
fi
grep -q '  CHECK ' "$log" || { echo "driver/kmod-rs: sparse did not run" >&2; exit 1; }
cd "$kmod"
mapfile -t sources < <(ls ./*.c ./*.h | grep -v '\.mod\.c$')
"$UABI_CHECKPATCH" --strict --no-tree --quiet -f "${sources[@]}"
# The crate in the kernel's rustfmt style (its .rustfmt.toml). rustfmt
# follows the #[path] modules too; the generated files are the generator's
# to format, so only this crate's own file counts.
command -v rustfmt >/dev/null || { echo "driver/kmod-rs: rustfmt is missing (rustup component add rustfmt)" >&2; exit 1; }
fmt="$(rustfmt --check --edition 2021 --config-path "$UABI_RFL_KDIR/.rustfmt.toml" sa_rs.rs 2>&1 || true)"
if grep "^Diff in $kmod/sa_rs.rs" <<<"$fmt"; then
  echo "driver/kmod-rs: sa_rs.rs is not rustfmt-clean (the kernel's .rustfmt.toml)" >&2
  exit 1
fi
# shellcheck disable=SC2086
make -s -C "$UABI_RFL_KDIR" $UABI_RFL_MAKEVARS M="$kmod" clean >/dev/null
echo "driver/kmod-rs: W=1, rustc lints, rustfmt, sparse and checkpatch --strict clean"
