// SPDX-License-Identifier: GPL-2.0
/*
 * The generated accel core kernel side (ioctl dispatch and validation),
 * compiled into the module as it is generated: never edited here.
 */
#include "../../generated/accel/c/kernel/accel_kernel.c"
