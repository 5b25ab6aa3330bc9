#!/usr/bin/env bash
# Builds the module's guest test program static, for x86_64 and for i386
# (the latter runs through the driver's compat_ioctl on the 64-bit kernel),
# the legacy struct's test program likewise (softaccel_legacy's device), and
# the x86_64 GET_PARAM dispatch benchmark:
#   driver/kmod/tests/build.sh OUTDIR
#     -> OUTDIR/softaccel_test{,32}, OUTDIR/legacy_test{,32},
#        OUTDIR/guest_fuzz{,32} (scripts/guest-fuzz.sh),
#        OUTDIR/bench_get_param
# The i386 build uses SSE arithmetic so that its add-f32 reference rounds
# exactly as the device does (x87 would round twice).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="${1:?usage: build.sh OUTDIR}"
mkdir -p "$out"
flags=(-std=gnu11 -O2 -Wall -Wextra -Werror -static -pthread -I "$root/generated/softaccel/c")
gcc "${flags[@]}" -o "$out/softaccel_test" "$here/softaccel_test.c"
gcc "${flags[@]}" -o "$out/bench_get_param" "$here/bench_get_param.c"
# The fuzzer position-independent: a wild pointer it passes is less likely
# to land in its own data (at a fixed low address it sits among the small
# numbers calls return).
fuzz=(-std=gnu11 -O2 -Wall -Wextra -Werror -static-pie -pthread -I "$root/generated/softaccel/c")
gcc "${fuzz[@]}" -o "$out/guest_fuzz" "$here/guest_fuzz.c"
i686-linux-gnu-gcc "${fuzz[@]}" -o "$out/guest_fuzz32" "$here/guest_fuzz.c"
i686-linux-gnu-gcc "${flags[@]}" -msse2 -mfpmath=sse -o "$out/softaccel_test32" "$here/softaccel_test.c"
legacy=(-std=gnu11 -O2 -Wall -Wextra -Werror -static -I "$root/driver/kmod/legacy/generated/legacy/c")
gcc "${legacy[@]}" -o "$out/legacy_test" "$here/legacy_test.c"
i686-linux-gnu-gcc "${legacy[@]}" -o "$out/legacy_test32" "$here/legacy_test.c"
