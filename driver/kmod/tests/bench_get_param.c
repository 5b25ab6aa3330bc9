/*
 * GET_PARAM through the generated C dispatch against the hand-written
 * handler of the same module (softaccel_bench.h; load the module with
 * bench_ioctl=1): `bench_get_param [calls] [node]`. Runs both in
 * alternating rounds and prints each one's best round in ns per call and
 * the ratio generated / hand-written. Exits 1 if a call fails.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "softaccel.h"
#include "../softaccel_bench.h"

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One round of @n calls of @cmd; ns per call, or -1 on a failed call. */
static double round_ns(int fd, unsigned long cmd, long n)
{
	struct accel_get_param p = { .param = ACCEL_PARAM_PAGE_SIZE };
	int64_t t0 = now_ns();

	for (long i = 0; i < n; i++) {
		p.param = ACCEL_PARAM_PAGE_SIZE;
		if (ioctl(fd, cmd, &p) || p.value != (uint64_t)sysconf(_SC_PAGESIZE)) {
			fprintf(stderr, "bench_get_param: %#lx: %s\n", cmd, strerror(errno));
			return -1;
		}
	}
	return (double)(now_ns() - t0) / (double)n;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	const char *node = argc > 2 ? argv[2] : "/dev/softaccel0";
	double gen = 1e18, hand = 1e18, g, h;
	int fd = open(node, O_RDWR | O_CLOEXEC);

	if (fd < 0 || n <= 0) {
		fprintf(stderr, "bench_get_param: %s: %s\n", node, strerror(errno));
		return 1;
	}
	for (int r = 0; r < 5; r++) {
		g = round_ns(fd, ACCEL_IOCTL_GET_PARAM, n);
		h = round_ns(fd, SOFTACCEL_BENCH_IOCTL_GET_PARAM, n);
		if (g < 0 || h < 0)
			return 1;
		gen = g < gen ? g : gen;
		hand = h < hand ? h : hand;
	}
	printf("GET_PARAM generated dispatch %.0f ns/call, hand-written %.0f ns/call, ratio %.3f\n",
	       gen, hand, gen / hand);
	return 0;
}
