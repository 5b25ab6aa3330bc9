#!/usr/bin/env bash
# Static checks of the softaccel module, for scripts/test.sh: builds it
# against Debian's 6.12 headers with W=1 and sparse (C=1) and fails on any
# compiler or sparse diagnostic, then runs the kernel's checkpatch.pl
# --strict on every source file of driver/kmod (the generated files it
# compiles in are checked by their generator's tests). Installs
# what it needs first (kernel-env.sh installs what it needs; failing that, the run fails).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kmod="$(cd "$here/.." && pwd)"
root="$(cd "$kmod/../.." && pwd)"
# shellcheck source=/dev/null
source "$root/scripts/kernel-env.sh"
uabi_kernel_env
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
make -s -C "$kmod" KDIR="$UABI_KDIR" clean >/dev/null
# Kbuild prints its own progress lines; anything else is a diagnostic.
if ! make -C "$UABI_KDIR" M="$kmod" W=1 C=1 modules >"$log" 2>&1; then
  cat "$log"
  echo "driver/kmod: build failed" >&2
  exit 1
fi
if grep -vE '^(make(\[[0-9]+\])?: (Entering|Leaving) directory|  (CC|CHECK|LD|MODPOST|BTF|AR) |Skipping BTF generation)' "$log" | grep -q .; then
  grep -vE '^(make(\[[0-9]+\])?: (Entering|Leaving) directory|  (CC|CHECK|LD|MODPOST|BTF|AR) |Skipping BTF generation)' "$log"
  echo "driver/kmod: W=1 or sparse diagnostics" >&2
  exit 1
fi
grep -q '  CHECK ' "$log" || { echo "driver/kmod: sparse did not run" >&2; exit 1; }
cd "$kmod"
mapfile -t sources < <(ls ./*.c ./*.h | grep -v '\.mod\.c$')
"$UABI_CHECKPATCH" --strict --no-tree --quiet -f "${sources[@]}"
make -s -C "$kmod" KDIR="$UABI_KDIR" clean >/dev/null
echo "driver/kmod: W=1, sparse and checkpatch --strict clean"
