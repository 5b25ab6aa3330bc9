// SPDX-License-Identifier: GPL-2.0
/*
 * The generated softaccel kernel side (ioctl dispatch and validation),
 * compiled into the module as it is generated: never edited here.
 *
 * The control and ring parts use get_unaligned_*() and PAGE_ALIGN()
 * without including their headers (the source's include list comes from
 * the dispatch part); included here until the generator lists them.
 */
#include <linux/mm.h>
#include <linux/unaligned.h>

#include "../../generated/softaccel/c/kernel/softaccel_kernel.c"
