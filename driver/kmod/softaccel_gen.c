// SPDX-License-Identifier: GPL-2.0
/*
 * The generated softaccel kernel side (ioctl dispatch and validation),
 * compiled into the module as it is generated: never edited here.
 */
#include "../../generated/softaccel/c/kernel/softaccel_kernel.c"
