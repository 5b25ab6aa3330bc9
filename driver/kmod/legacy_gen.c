// SPDX-License-Identifier: GPL-2.0
/*
 * The generated kernel side of the legacy test spec (driver/kmod/legacy/
 * legacy.yaml), compiled into softaccel_legacy as it is generated: never
 * edited here.
 */
#include "legacy/generated/legacy/c/kernel/legacy_kernel.c"
