/*
 * The cross-language scenario in C, on the generated uapi headers only:
 * `scenario <device-node>`. Prints one line per step, exactly as the
 * Python, Go and Rust programs do (compat-tests/src/lib.rs has the inputs
 * and the expected transcript); on an unexpected failure it prints
 * "FAILED <what>" and exits 1.
 *
 * Build: gcc -std=c11 -Wall -Wextra -Werror -I generated/softaccel/c -o scenario scenario.c
 */
#define _POSIX_C_SOURCE 200809L
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "softaccel.h"

/* The scenario's inputs (compat-tests/src/lib.rs, module scenario). */
#define ELEMS 1024u
#define FILL_OFFSET 2048u
#define FILL_LEN 2048u
#define FILL_PATTERN 0x0000000500000003ULL
#define CRC_OFFSET 4092u
#define BAD_HANDLE 12345u
#define BAD_BO_FLAG 0x80000000u
#define BAD_POINTER 0x10u

static const unsigned probes[] = { 0, 1, 511, 512, 513, 1023 };

static uint32_t pattern_a(uint32_t i)
{
	return i * 2654435761u;
}

static uint32_t pattern_b(uint32_t i)
{
	return 0xfffffff0u + i;
}

/* BO memory is little-endian whatever the host is (the spec says so). */
static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static const char *errno_name(int e)
{
	switch (e) {
	case 0: return "ok";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case E2BIG: return "E2BIG";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case ENOSPC: return "ENOSPC";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ENOTCONN: return "ENOTCONN";
	default: return "E?";
	}
}

/* ioctl(2), answering 0 or the errno. */
static int call(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) == 0 ? 0 : errno;
}

static void die(const char *what, int err)
{
	printf("FAILED %s: %s\n", what, errno_name(err));
	exit(1);
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t get_param(int fd, uint32_t param)
{
	struct accel_get_param p;
	int err;

	memset(&p, 0, sizeof(p));
	p.param = param;
	err = call(fd, ACCEL_IOCTL_GET_PARAM, &p);
	if (err)
		die("get-param", err);
	return p.value;
}

int main(int argc, char **argv)
{
	static const char *const names[3] = { "a", "b", "c" };
	struct accel_set_param sp;
	struct accel_bo_create create;
	struct accel_bo_info info;
	struct accel_bo_destroy destroy;
	struct accel_queue_create qc;
	struct accel_queue_destroy qd;
	struct softaccel_cmd cmds[3];
	struct softaccel_submit submit;
	struct softaccel_wait wait;
	struct softaccel_perf_counter counters[SOFTACCEL_MAX_PERF_COUNTERS];
	struct softaccel_perf_stats stats;
	uint32_t bo[3];
	unsigned char *map[3];
	uint64_t page, perf[5] = { 0 };
	unsigned i;
	int fd, err;

	if (argc != 2) {
		fprintf(stderr, "usage: %s <device-node>\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("open", errno);
	printf("open ok\n");
	printf("param revision %" PRIu64 "\n", get_param(fd, ACCEL_PARAM_REVISION));
	printf("param core-revision %" PRIu64 "\n", get_param(fd, ACCEL_PARAM_CORE_REVISION));
	page = get_param(fd, ACCEL_PARAM_PAGE_SIZE);
	printf("param page-size %" PRIu64 "\n", page);
	printf("param capabilities 0x%" PRIx64 "\n", get_param(fd, ACCEL_PARAM_CAPABILITIES));

	memset(&sp, 0, sizeof(sp));
	sp.param = ACCEL_PARAM_PERF_STATS_ENABLE;
	sp.value = 1;
	err = call(fd, ACCEL_IOCTL_SET_PARAM, &sp);
	if (err)
		die("set-param", err);
	printf("set-param perf-stats-enable ok\n");

	for (i = 0; i < 3; i++) {
		memset(&create, 0, sizeof(create));
		create.size = page;
		create.flags = ACCEL_BO_FLAGS_HOST_VISIBLE;
		err = call(fd, ACCEL_IOCTL_BO_CREATE, &create);
		if (err)
			die("bo-create", err);
		bo[i] = create.handle;
		printf("bo-create %s ok\n", names[i]);
	}
	for (i = 0; i < 3; i++) {
		memset(&info, 0, sizeof(info));
		info.handle = bo[i];
		err = call(fd, ACCEL_IOCTL_BO_INFO, &info);
		if (err)
			die("bo-info", err);
		printf("bo-info %s size %" PRIu64 " flags 0x%" PRIx32 " mmap-offset %s\n", names[i],
		       (uint64_t)info.size, (uint32_t)info.flags,
		       info.mmap_offset != 0 && info.mmap_offset % page == 0 ? "ok" : "bad");
		map[i] = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			      (off_t)info.mmap_offset);
		if (map[i] == MAP_FAILED)
			die("mmap", errno);
	}
	for (i = 0; i < ELEMS; i++) {
		put_le32(map[0] + 4 * i, pattern_a(i));
		put_le32(map[1] + 4 * i, pattern_b(i));
	}
	printf("mmap-write a %u\n", ELEMS);
	printf("mmap-write b %u\n", ELEMS);

	memset(&qc, 0, sizeof(qc));
	qc.priority = ACCEL_QUEUE_PRIORITY_NORMAL;
	err = call(fd, ACCEL_IOCTL_QUEUE_CREATE, &qc);
	if (err)
		die("queue-create", err);
	printf("queue-create ok\n");

	memset(cmds, 0, sizeof(cmds));
	cmds[0].opcode = SOFTACCEL_OPCODE_FILL;
	cmds[0].dst_bo = bo[1];
	cmds[0].dst_offset = FILL_OFFSET;
	cmds[0].length = FILL_LEN;
	cmds[0].value = FILL_PATTERN;
	cmds[1].opcode = SOFTACCEL_OPCODE_ADD_U32;
	cmds[1].src_bo = bo[0];
	cmds[1].src2_bo = bo[1];
	cmds[1].dst_bo = bo[2];
	cmds[1].length = ELEMS;
	cmds[2].opcode = SOFTACCEL_OPCODE_CRC32C;
	cmds[2].src_bo = bo[2];
	cmds[2].dst_bo = bo[0];
	cmds[2].dst_offset = CRC_OFFSET;
	cmds[2].length = 4 * ELEMS;
	memset(&submit, 0, sizeof(submit));
	submit.queue = qc.handle;
	submit.cmd_count = 3;
	submit.cmds = (uint64_t)(uintptr_t)cmds;
	err = call(fd, SOFTACCEL_IOCTL_SUBMIT, &submit);
	if (err)
		die("submit", err);
	printf("submit cmds %u seqno %" PRIu64 "\n", (unsigned)submit.cmd_count,
	       (uint64_t)submit.seqno);

	memset(&wait, 0, sizeof(wait));
	wait.queue = qc.handle;
	wait.seqno = submit.seqno;
	wait.timeout_ns = monotonic_ns() + 5000000000LL;
	err = call(fd, SOFTACCEL_IOCTL_WAIT, &wait);
	if (err)
		die("wait", err);
	printf("wait ok\n");

	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		printf("c[%u] 0x%08" PRIx32 "\n", probes[i], get_le32(map[2] + 4 * probes[i]));
	printf("b[%u] 0x%08" PRIx32 "\n", ELEMS - 1, get_le32(map[1] + 4 * (ELEMS - 1)));
	printf("a[1] 0x%08" PRIx32 "\n", get_le32(map[0] + 4));
	printf("crc32c 0x%08" PRIx32 "\n", get_le32(map[0] + CRC_OFFSET));

	memset(&stats, 0, sizeof(stats));
	memset(counters, 0, sizeof(counters));
	stats.counters = (uint64_t)(uintptr_t)counters;
	stats.counter_count = SOFTACCEL_MAX_PERF_COUNTERS;
	err = call(fd, SOFTACCEL_IOCTL_PERF_STATS, &stats);
	if (err)
		die("perf-stats", err);
	printf("perf counters %u\n", (unsigned)stats.counter_count);
	for (i = 0; i < stats.counter_count && i < SOFTACCEL_MAX_PERF_COUNTERS; i++)
		if (counters[i].id < 5)
			perf[counters[i].id] = counters[i].value;
	printf("perf submits %" PRIu64 "\n", perf[SOFTACCEL_PERF_COUNTER_ID_SUBMITS]);
	printf("perf cmds-completed %" PRIu64 "\n", perf[SOFTACCEL_PERF_COUNTER_ID_CMDS_COMPLETED]);
	printf("perf bytes-read %" PRIu64 "\n", perf[SOFTACCEL_PERF_COUNTER_ID_BYTES_READ]);
	printf("perf bytes-written %" PRIu64 "\n", perf[SOFTACCEL_PERF_COUNTER_ID_BYTES_WRITTEN]);

	wait.timeout_ns = 0;
	printf("wait past-deadline %s\n", errno_name(call(fd, SOFTACCEL_IOCTL_WAIT, &wait)));
	wait.seqno = submit.seqno + 1;
	wait.timeout_ns = monotonic_ns() + 5000000000LL;
	printf("wait future-seqno %s\n", errno_name(call(fd, SOFTACCEL_IOCTL_WAIT, &wait)));

	memset(&info, 0, sizeof(info));
	info.handle = BAD_HANDLE;
	printf("bo-info bad-handle %s\n", errno_name(call(fd, ACCEL_IOCTL_BO_INFO, &info)));
	memset(&create, 0, sizeof(create));
	create.size = page;
	create.flags = BAD_BO_FLAG;
	printf("bo-create bad-flag %s\n", errno_name(call(fd, ACCEL_IOCTL_BO_CREATE, &create)));
	memset(&destroy, 0, sizeof(destroy));
	destroy.handle = bo[0];
	destroy.pad0[0] = 1;
	printf("bo-destroy nonzero-pad %s\n",
	       errno_name(call(fd, ACCEL_IOCTL_BO_DESTROY, &destroy)));
	memset(&submit, 0, sizeof(submit));
	submit.queue = qc.handle;
	submit.cmd_count = 1;
	submit.cmds = BAD_POINTER;
	printf("submit bad-pointer %s\n", errno_name(call(fd, SOFTACCEL_IOCTL_SUBMIT, &submit)));

	memset(&qd, 0, sizeof(qd));
	qd.handle = qc.handle;
	err = call(fd, ACCEL_IOCTL_QUEUE_DESTROY, &qd);
	if (err)
		die("queue-destroy", err);
	printf("queue-destroy ok\n");
	for (i = 0; i < 3; i++) {
		if (munmap(map[i], (size_t)page))
			die("munmap", errno);
		memset(&destroy, 0, sizeof(destroy));
		destroy.handle = bo[i];
		err = call(fd, ACCEL_IOCTL_BO_DESTROY, &destroy);
		if (err)
			die("bo-destroy", err);
		printf("bo-destroy %s ok\n", names[i]);
	}
	memset(&info, 0, sizeof(info));
	info.handle = bo[0];
	printf("bo-info destroyed %s\n", errno_name(call(fd, ACCEL_IOCTL_BO_INFO, &info)));
	if (close(fd))
		die("close", errno);
	printf("close ok\n");
	return 0;
}
