// SPDX-License-Identifier: GPL-2.0
/*
 * softaccel_rs add-f32: the only code of the module compiled with the FPU
 * flags (Kbuild), called between kernel_fpu_begin() and kernel_fpu_end() by
 * shim.c, which is not. The Rust crate has no floating point at all.
 */

#include <linux/types.h>
#include <asm/byteorder.h>

#include "shim.h"

/* The canonical quiet NaN written for every NaN sum. */
#define SA_QNAN 0x7fc00000U

union sa_f32 {
	u32 bits;
	float f;
};

void sa_fpu_add_f32(__le32 *dst, const __le32 *a, const __le32 *b, size_t n)
{
	union sa_f32 x, y;
	size_t i;

	for (i = 0; i < n; i++) {
		x.bits = le32_to_cpu(a[i]);
		y.bits = le32_to_cpu(b[i]);
		/* IEEE 754 binary32 addition, rounded to nearest even. */
		x.f += y.f;
		if (x.f != x.f)
			x.bits = SA_QNAN;
		dst[i] = cpu_to_le32(x.bits);
	}
}
