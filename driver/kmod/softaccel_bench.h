/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The softaccel module's benchmark-only ioctl, outside the spec: GET_PARAM
 * through a hand-written handler (copy in, the same checks, copy out), the
 * baseline the generated dispatch is measured against. Answered only when
 * the module is loaded with bench_ioctl=1; otherwise it is an unknown
 * number (ENOTTY) like any other. Include after the uapi header.
 */
#ifndef _SOFTACCEL_BENCH_H
#define _SOFTACCEL_BENCH_H

/* nr 0xf0: above every range the specs give (core 0x00..0x3f, device 0x40..0x9f). */
#define SOFTACCEL_BENCH_IOCTL_GET_PARAM \
	_IOWR(ACCEL_IOCTL_MAGIC, 0xf0, struct accel_get_param)

#endif /* _SOFTACCEL_BENCH_H */
