/*
 * The softaccel module's own test, run in a guest where the module is
 * loaded: `softaccel_test [/dev/softaccel0]`. It goes through every ioctl
 * of accel core and softaccel up to the revision the driver reports
 * (GET_PARAM with every parameter, SET_PARAM, BO create/info/mmap/destroy,
 * queues, SUBMIT of every opcode with its result checked against a CPU
 * computation, WAIT with its deadline, timeout, signal and cancellation
 * cases, PERF_STATS, QUEUE_INFO) and the documented errno of each bad
 * argument, then closes a file with work in flight. Prints one line per
 * failed check and a summary; exits 1 if any check failed.
 *
 * Built static for x86_64 and for i386 (the latter reaches the driver
 * through compat_ioctl): see tests/build.sh.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "softaccel.h"

static int failures, checks;
static const char *node = "/dev/softaccel0";

/* Atomic: the concurrency test checks from several threads. */
#define CHECK(cond, ...)                                                    \
	do {                                                                \
		__atomic_fetch_add(&checks, 1, __ATOMIC_RELAXED);           \
		if (!(cond)) {                                              \
			__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED); \
			printf("FAIL %s:%d: ", __FILE__, __LINE__);         \
			printf(__VA_ARGS__);                                \
			printf("\n");                                       \
		}                                                           \
	} while (0)

/* ioctl's result as 0 or the errno. */
static int io(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

#define CHECK_ERR(expr, want)                                                \
	do {                                                                 \
		int got_ = (expr);                                           \
		CHECK(got_ == (want), "%s: got %s, want %s", #expr,          \
		      strerrorname_np(got_) ? strerrorname_np(got_) : "0",   \
		      strerrorname_np(want) ? strerrorname_np(want) : "0"); \
	} while (0)

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int open_dev(void)
{
	int fd = open(node, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("FAIL open %s: %s\n", node, strerror(errno));
		exit(1);
	}
	return fd;
}

static uint64_t param(int fd, uint32_t id)
{
	struct accel_get_param p = { .param = id };

	CHECK_ERR(io(fd, ACCEL_IOCTL_GET_PARAM, &p), 0);
	return p.value;
}

struct bo {
	uint32_t handle;
	uint64_t size;
	uint64_t offset;
	unsigned char *map;
};

static struct bo bo_new(int fd, uint64_t size, uint32_t flags)
{
	struct accel_bo_create c = { .size = size, .flags = flags };
	struct accel_bo_info i = { 0 };
	struct bo b = { 0 };

	CHECK_ERR(io(fd, ACCEL_IOCTL_BO_CREATE, &c), 0);
	CHECK(c.handle != 0, "BO handle 0");
	i.handle = c.handle;
	CHECK_ERR(io(fd, ACCEL_IOCTL_BO_INFO, &i), 0);
	b.handle = c.handle;
	b.size = i.size;
	b.offset = i.mmap_offset;
	if (flags & ACCEL_BO_FLAGS_HOST_VISIBLE) {
		b.map = mmap(NULL, i.size, PROT_READ | PROT_WRITE, MAP_SHARED,
			     fd, (off_t)i.mmap_offset);
		CHECK(b.map != MAP_FAILED, "mmap BO %u: %s", c.handle,
		      strerror(errno));
		if (b.map == MAP_FAILED)
			b.map = NULL;
	}
	return b;
}

static void bo_free(int fd, struct bo *b)
{
	struct accel_bo_destroy d = { .handle = b->handle };

	if (b->map)
		munmap(b->map, b->size);
	CHECK_ERR(io(fd, ACCEL_IOCTL_BO_DESTROY, &d), 0);
	b->map = NULL;
}

static uint32_t queue_new(int fd, uint32_t priority)
{
	struct accel_queue_create q = { .priority = priority };

	CHECK_ERR(io(fd, ACCEL_IOCTL_QUEUE_CREATE, &q), 0);
	return q.handle;
}

static int submit(int fd, uint32_t queue, const struct softaccel_cmd *cmds,
		  uint32_t n, uint64_t *seqno)
{
	struct softaccel_submit s = {
		.queue = queue,
		.cmd_count = n,
		.cmds = (uintptr_t)cmds,
	};
	int ret = io(fd, SOFTACCEL_IOCTL_SUBMIT, &s);

	if (seqno)
		*seqno = s.seqno;
	return ret;
}

static int wait_until(int fd, uint32_t queue, uint64_t seqno, int64_t deadline)
{
	struct softaccel_wait w = {
		.queue = queue,
		.seqno = seqno,
		.timeout_ns = deadline,
	};

	return io(fd, SOFTACCEL_IOCTL_WAIT, &w);
}

/* Submits one command and waits for it (5 s); the errno of either. */
static int run1(int fd, uint32_t queue, const struct softaccel_cmd *c)
{
	uint64_t seqno;
	int ret = submit(fd, queue, c, 1, &seqno);

	return ret ? ret : wait_until(fd, queue, seqno, now_ns() + 5000000000LL);
}

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t crc32c_ref(uint32_t crc, const unsigned char *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0x82f63b78u & -(crc & 1));
	}
	return ~crc;
}

static uint32_t f32_add_ref(uint32_t a, uint32_t b)
{
	union { uint32_t u; float f; } x = { .u = a }, y = { .u = b };
	volatile float r = x.f + y.f;

	x.f = r;
	return r != r ? 0x7fc00000u : x.u;
}

static void test_params(int fd, uint32_t *rev, uint32_t *core)
{
	struct accel_get_param p = { .param = 99 };
	struct accel_set_param s = { .param = ACCEL_PARAM_PERF_STATS_ENABLE };

	*rev = (uint32_t)param(fd, ACCEL_PARAM_REVISION);
	*core = (uint32_t)param(fd, ACCEL_PARAM_CORE_REVISION);
	CHECK(*rev >= 1 && *rev <= 3, "revision %u", *rev);
	CHECK(*core >= 1 && *core <= 2, "core revision %u", *core);
	CHECK(param(fd, ACCEL_PARAM_DEVICE_ID) == 0, "device-id");
	CHECK(param(fd, ACCEL_PARAM_PAGE_SIZE) == (uint64_t)sysconf(_SC_PAGESIZE),
	      "page-size");
	CHECK(param(fd, ACCEL_PARAM_MAX_BO_SIZE) == ACCEL_MAX_BO_SIZE, "max-bo-size");
	CHECK(param(fd, ACCEL_PARAM_NUM_QUEUES_MAX) == ACCEL_MAX_QUEUES,
	      "num-queues-max");
	CHECK(param(fd, ACCEL_PARAM_ENGINE_COUNT) == 2, "engine-count");
	CHECK(param(fd, ACCEL_PARAM_CLOCK_FREQ_HZ) == 0, "clock-freq-hz");
	CHECK(param(fd, ACCEL_PARAM_PERF_STATS_ENABLE) == 0, "perf-stats-enable");
	if (*core >= 2) {
		uint64_t dc = *rev >= 3 ? SOFTACCEL_DEVICE_CAPS_ALL :
			      *rev == 2 ? (SOFTACCEL_DEVICE_CAPS_XOR_U32 |
					   SOFTACCEL_DEVICE_CAPS_QUEUE_INFO) : 0;

		CHECK(param(fd, ACCEL_PARAM_CAPABILITIES) == ACCEL_CAPABILITIES_ALL,
		      "capabilities");
		CHECK(param(fd, ACCEL_PARAM_MAX_BO_ALIGNMENT) == 2u << 20,
		      "max-bo-alignment");
		CHECK(param(fd, ACCEL_PARAM_DEVICE_CAPABILITIES) == dc,
		      "device-capabilities");
	} else {
		CHECK(param(fd, ACCEL_PARAM_CAPABILITIES) == 0x3f, "capabilities r1");
		p.param = ACCEL_PARAM_MAX_BO_ALIGNMENT;
		CHECK_ERR(io(fd, ACCEL_IOCTL_GET_PARAM, &p), EINVAL);
		p.param = 99;
	}
	CHECK_ERR(io(fd, ACCEL_IOCTL_GET_PARAM, &p), EINVAL);
	p.param = ACCEL_PARAM_REVISION;
	p.pad0[2] = 1;
	CHECK_ERR(io(fd, ACCEL_IOCTL_GET_PARAM, &p), EINVAL);

	s.value = 2;
	CHECK_ERR(io(fd, ACCEL_IOCTL_SET_PARAM, &s), EINVAL);
	s.value = 1;
	CHECK_ERR(io(fd, ACCEL_IOCTL_SET_PARAM, &s), 0);
	CHECK(param(fd, ACCEL_PARAM_PERF_STATS_ENABLE) == 1, "perf-stats-enable set");
	s.param = ACCEL_PARAM_PAGE_SIZE;
	CHECK_ERR(io(fd, ACCEL_IOCTL_SET_PARAM, &s), EINVAL);
}

static void test_bo_errors(int fd, uint32_t core)
{
	struct accel_bo_create c = { .size = 0 };
	struct accel_bo_info i = { 0 };
	struct accel_bo_destroy d = { .handle = 0 };
	struct bo hidden, aligned;
	void *m;

	CHECK_ERR(io(fd, ACCEL_IOCTL_BO_CREATE, &c), EINVAL);
	c.size = ACCEL_MAX_BO_SIZE + 1;
	CHECK_ERR(io(fd, ACCEL_IOCTL_BO_CREATE, &c), EINVAL);
	c.size = 4096;
	c.flags = 0x80000000u;
	CHECK_ERR(io(fd, ACCEL_IOCTL_BO_CREATE, &c), EINVAL);
	c.flags = ACCEL_BO_FLAGS_WRITE_COMBINE;
	CHECK_ERR(io(fd, ACCEL_IOCTL_BO_CREATE, &c), EINVAL);
	c.flags = 0;
	if (core >= 2) {
		c.alignment = 3 << 12;
		CHECK_ERR(io(fd, ACCEL_IOCTL_BO_CREATE, &c), EINVAL);
		c.alignment = 4u << 20;
		CHECK_ERR(io(fd, ACCEL_IOCTL_BO_CREATE, &c), EINVAL);
		c.alignment = 1u << 16;
		c.flags = ACCEL_BO_FLAGS_HOST_VISIBLE;
		CHECK_ERR(io(fd, ACCEL_IOCTL_BO_CREATE, &c), 0);
		i.handle = c.handle;
		CHECK_ERR(io(fd, ACCEL_IOCTL_BO_INFO, &i), 0);
		CHECK(i.mmap_offset && i.mmap_offset % (1u << 16) == 0,
		      "aligned offset %#" PRIx64, (uint64_t)i.mmap_offset);
		aligned.handle = c.handle;
		aligned.map = NULL;
		bo_free(fd, &aligned);
	}
	i.handle = 0;
	CHECK_ERR(io(fd, ACCEL_IOCTL_BO_INFO, &i), EINVAL);
	i.handle = 12345;
	CHECK_ERR(io(fd, ACCEL_IOCTL_BO_INFO, &i), ENOENT);
	CHECK_ERR(io(fd, ACCEL_IOCTL_BO_DESTROY, &d), EINVAL);
	d.handle = 12345;
	CHECK_ERR(io(fd, ACCEL_IOCTL_BO_DESTROY, &d), ENOENT);
	d.pad0[0] = 1;
	CHECK_ERR(io(fd, ACCEL_IOCTL_BO_DESTROY, &d), EINVAL);

	/* A BO that is not host-visible has offset 0 and cannot be mapped. */
	hidden = bo_new(fd, 5000, 0);
	CHECK(hidden.size == 8192 && hidden.offset == 0, "hidden BO %" PRIu64 " %#"
	      PRIx64, hidden.size, hidden.offset);
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(m == MAP_FAILED, "mmap at offset 0");
	bo_free(fd, &hidden);
}

/* The result of every opcode, against the CPU. */
static void test_opcodes(int fd, uint32_t q, uint32_t rev)
{
	struct bo a = bo_new(fd, 16384, ACCEL_BO_FLAGS_HOST_VISIBLE);
	struct bo b = bo_new(fd, 16384, ACCEL_BO_FLAGS_HOST_VISIBLE);
	struct bo c = bo_new(fd, 16384, ACCEL_BO_FLAGS_HOST_VISIBLE);
	static const uint32_t fa[] = { 0x3f800000, 0x7f800000, 0x00000001,
				       0x7f7fffff, 0x7fc00001, 0x80000000,
				       0x3eaaaaab, 0xff800000 };
	static const uint32_t fb[] = { 0x3f800000, 0xff800000, 0x00000001,
				       0x7f7fffff, 0x3f800000, 0x00000000,
				       0x3f2aaaab, 0x3f800000 };
	struct softaccel_cmd cmd;
	int64_t before, after, ts;
	uint32_t i, n = 4096 / 4;
	int ok;

	if (!a.map || !b.map || !c.map)
		return;
	CHECK(a.size == 16384 && a.offset && a.offset % 4096 == 0, "BO info");

	/* fill: byte i of the range is byte (i mod 8) of the pattern. */
	memset(a.map, 0xee, a.size);
	cmd = (struct softaccel_cmd){ .opcode = SOFTACCEL_OPCODE_FILL,
		.dst_bo = a.handle, .dst_offset = 3, .length = 10001,
		.value = 0x0123456789abcdefULL };
	CHECK_ERR(run1(fd, q, &cmd), 0);
	ok = a.map[2] == 0xee && a.map[3 + 10001] == 0xee;
	for (i = 0; i < 10001; i++)
		ok &= a.map[3 + i] == (unsigned char)(cmd.value >> (8 * (i % 8)));
	CHECK(ok, "fill result");

	/* copy, and an overlapping copy in both directions (memmove). */
	for (i = 0; i < a.size; i++)
		a.map[i] = (unsigned char)(i * 7 + 1);
	cmd = (struct softaccel_cmd){ .opcode = SOFTACCEL_OPCODE_COPY,
		.src_bo = a.handle, .src_offset = 5, .dst_bo = b.handle,
		.dst_offset = 100, .length = 9000 };
	CHECK_ERR(run1(fd, q, &cmd), 0);
	CHECK(!memcmp(b.map + 100, a.map + 5, 9000), "copy result");
	memcpy(c.map, a.map, a.size);
	cmd = (struct softaccel_cmd){ .opcode = SOFTACCEL_OPCODE_COPY,
		.src_bo = a.handle, .src_offset = 0, .dst_bo = a.handle,
		.dst_offset = 1000, .length = 12000 };
	CHECK_ERR(run1(fd, q, &cmd), 0);
	CHECK(!memcmp(a.map + 1000, c.map, 12000), "overlapping copy up");
	memcpy(c.map, a.map, a.size);
	cmd.src_offset = 1000;
	cmd.dst_offset = 0;
	CHECK_ERR(run1(fd, q, &cmd), 0);
	CHECK(!memcmp(a.map, c.map + 1000, 12000), "overlapping copy down");

	/* crc32c: the standard check value, continuation, and length 0. */
	memcpy(a.map, "123456789", 9);
	cmd = (struct softaccel_cmd){ .opcode = SOFTACCEL_OPCODE_CRC32C,
		.src_bo = a.handle, .length = 9, .dst_bo = b.handle,
		.dst_offset = 8 };
	CHECK_ERR(run1(fd, q, &cmd), 0);
	CHECK(get_le32(b.map + 8) == 0xe3069283u, "crc32c %#x", get_le32(b.map + 8));
	cmd.length = 4;
	CHECK_ERR(run1(fd, q, &cmd), 0);
	cmd.value = get_le32(b.map + 8);
	cmd.src_offset = 4;
	cmd.length = 5;
	CHECK_ERR(run1(fd, q, &cmd), 0);
	CHECK(get_le32(b.map + 8) == 0xe3069283u, "crc32c continued");
	cmd.length = 0;
	cmd.value = 0xdeadbeef;
	CHECK_ERR(run1(fd, q, &cmd), 0);
	CHECK(get_le32(b.map + 8) == 0xdeadbeef, "crc32c of nothing");
	for (i = 0; i < a.size; i++)
		a.map[i] = (unsigned char)(i * 13 + i / 256);
	cmd = (struct softaccel_cmd){ .opcode = SOFTACCEL_OPCODE_CRC32C,
		.src_bo = a.handle, .src_offset = 1, .length = 16383,
		.dst_bo = b.handle, .value = 0x12345678 };
	CHECK_ERR(run1(fd, q, &cmd), 0);
	CHECK(get_le32(b.map) == crc32c_ref(0x12345678, a.map + 1, 16383),
	      "crc32c 16 KiB");

	/* add-u32 (wrapping), in place too, and xor-u32. */
	for (i = 0; i < n; i++) {
		put_le32(a.map + 4 * i, i * 2654435761u);
		put_le32(b.map + 4 * i, 0xfffffff0u + i);
	}
	cmd = (struct softaccel_cmd){ .opcode = SOFTACCEL_OPCODE_ADD_U32,
		.src_bo = a.handle, .src2_bo = b.handle, .dst_bo = c.handle,
		.length = n };
	CHECK_ERR(run1(fd, q, &cmd), 0);
	ok = 1;
	for (i = 0; i < n; i++)
		ok &= get_le32(c.map + 4 * i) == i * 2654435761u + 0xfffffff0u + i;
	CHECK(ok, "add-u32 result");
	cmd.dst_bo = a.handle;
	CHECK_ERR(run1(fd, q, &cmd), 0);
	CHECK(!memcmp(a.map, c.map, 4096), "add-u32 in place");
	cmd.opcode = SOFTACCEL_OPCODE_XOR_U32;
	cmd.dst_bo = c.handle;
	if (rev >= 2) {
		CHECK_ERR(run1(fd, q, &cmd), 0);
		ok = 1;
		for (i = 0; i < n; i++)
			ok &= get_le32(c.map + 4 * i) ==
			      (get_le32(a.map + 4 * i) ^ get_le32(b.map + 4 * i));
		CHECK(ok, "xor-u32 result");
	} else {
		CHECK_ERR(run1(fd, q, &cmd), EINVAL);
	}

	/* add-f32: infinities, subnormals, overflow, NaN, rounding. */
	for (i = 0; i < 8; i++) {
		put_le32(a.map + 4 * i, fa[i]);
		put_le32(b.map + 4 * i, fb[i]);
	}
	cmd = (struct softaccel_cmd){ .opcode = SOFTACCEL_OPCODE_ADD_F32,
		.src_bo = a.handle, .src2_bo = b.handle, .dst_bo = c.handle,
		.dst_offset = 4, .length = 8 };
	CHECK_ERR(run1(fd, q, &cmd), 0);
	for (i = 0; i < 8; i++)
		CHECK(get_le32(c.map + 4 + 4 * i) == f32_add_ref(fa[i], fb[i]),
		      "add-f32 %u: %#x want %#x", i, get_le32(c.map + 4 + 4 * i),
		      f32_add_ref(fa[i], fb[i]));
	CHECK(get_le32(c.map + 4 + 4) == 0x7fc00000u, "inf - inf is the quiet NaN");
	CHECK(get_le32(c.map + 4 + 8) == 2, "subnormals are not flushed");

	/* timestamp: CLOCK_MONOTONIC when it runs. */
	before = now_ns();
	cmd = (struct softaccel_cmd){ .opcode = SOFTACCEL_OPCODE_TIMESTAMP,
		.dst_bo = c.handle, .dst_offset = 64 };
	CHECK_ERR(run1(fd, q, &cmd), 0);
	after = now_ns();
	ts = (int64_t)((uint64_t)get_le32(c.map + 64) |
		       (uint64_t)get_le32(c.map + 68) << 32);
	CHECK(ts >= before && ts <= after, "timestamp %" PRId64 " not in [%" PRId64
	      ", %" PRId64 "]", ts, before, after);

	bo_free(fd, &a);
	bo_free(fd, &b);
	bo_free(fd, &c);
}

/* Every rule SUBMIT checks, with its errno; a rejected SUBMIT takes no seqno. */
static void test_submit_errors(int fd, uint32_t q)
{
	struct bo a = bo_new(fd, 8192, ACCEL_BO_FLAGS_HOST_VISIBLE);
	struct bo r = { 0 };
	struct softaccel_cmd ok = { .opcode = SOFTACCEL_OPCODE_FILL,
				    .dst_bo = a.handle, .length = 8 };
	struct softaccel_cmd c, many[257];
	struct softaccel_submit s = { 0 };
	uint64_t seq1, seq2;
	uint32_t i;

	CHECK_ERR(submit(fd, q, &ok, 1, &seq1), 0);
#define BAD(field_init, want)                                                \
	do {                                                                 \
		c = ok;                                                      \
		field_init;                                                  \
		CHECK_ERR(submit(fd, q, &c, 1, NULL), want);                 \
	} while (0)
	BAD(c.opcode = 99, EINVAL);
	BAD(c.flags = 2, EINVAL);
	BAD(c.pad0[1] = 1, EINVAL);
	BAD(c.src_bo = a.handle, EINVAL);
	BAD(c.src2_offset = 4, EINVAL);
	BAD(c.dst_bo = 0, EINVAL);
	BAD(c.dst_bo = 777, ENOENT);
	BAD(c.length = 8193, EINVAL);
	BAD(c.dst_offset = UINT64_MAX - 2, EINVAL);
	BAD((c.opcode = SOFTACCEL_OPCODE_CRC32C, c.src_bo = a.handle,
	     c.value = 1ULL << 32), EINVAL);
	BAD((c.opcode = SOFTACCEL_OPCODE_CRC32C, c.src_bo = a.handle,
	     c.dst_offset = 2), EINVAL);
	/* The CRC's destination inside its source range. */
	BAD((c.opcode = SOFTACCEL_OPCODE_CRC32C, c.src_bo = a.handle,
	     c.length = 64, c.dst_offset = 8), EINVAL);
	BAD((c.opcode = SOFTACCEL_OPCODE_ADD_U32, c.src_bo = a.handle,
	     c.src2_bo = a.handle, c.src_offset = 2), EINVAL);
	/* dst partly overlapping a source. */
	BAD((c.opcode = SOFTACCEL_OPCODE_ADD_U32, c.src_bo = a.handle,
	     c.src2_bo = a.handle, c.src2_offset = 4096, c.dst_offset = 4,
	     c.length = 4), EINVAL);
	BAD((c.opcode = SOFTACCEL_OPCODE_TIMESTAMP, c.length = 0,
	     c.dst_offset = 4), EINVAL);
	BAD((c.opcode = SOFTACCEL_OPCODE_TIMESTAMP), EINVAL);
	CHECK_ERR(submit(fd, 0, &ok, 1, NULL), EINVAL);
	CHECK_ERR(submit(fd, 4242, &ok, 1, NULL), ENOENT);
	CHECK_ERR(submit(fd, q, &ok, 0, NULL), EINVAL);
	for (i = 0; i < 257; i++)
		many[i] = ok;
	CHECK_ERR(submit(fd, q, many, 257, NULL), EINVAL);
	s.queue = q;
	s.cmd_count = 1;
	s.cmds = 0x10;
	CHECK_ERR(io(fd, SOFTACCEL_IOCTL_SUBMIT, &s), EFAULT);
	CHECK_ERR(submit(fd, q, many, 256, &seq2), 0);
	CHECK(seq2 == seq1 + 1, "rejected SUBMITs took seqnos: %" PRIu64 " then %"
	      PRIu64, seq1, seq2);
	CHECK_ERR(wait_until(fd, q, seq2, now_ns() + 5000000000LL), 0);

	/* A device-read-only BO may be read, never written (revision 2). */
	if (param(fd, ACCEL_PARAM_CORE_REVISION) >= 2) {
		r = bo_new(fd, 4096, ACCEL_BO_FLAGS_DEVICE_READ_ONLY);
		BAD(c.dst_bo = r.handle, EACCES);
		BAD((c.opcode = SOFTACCEL_OPCODE_COPY, c.src_bo = r.handle), 0);
		bo_free(fd, &r);
	}
#undef BAD
	bo_free(fd, &a);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * WAIT's deadline, EINTR, EBUSY at max-inflight and QUEUE_INFO on a busy
 * queue, on a file of their own with 2 GiB of fills in flight, which is
 * then closed with that work queued and running (release cancels it).
 */
static void test_inflight(uint32_t rev)
{
	int fd = open_dev();
	uint32_t q = queue_new(fd, ACCEL_QUEUE_PRIORITY_NORMAL);
	struct bo big = bo_new(fd, 32u << 20, 0);
	struct softaccel_cmd fill = { .opcode = SOFTACCEL_OPCODE_FILL,
				      .dst_bo = big.handle, .length = 32u << 20,
				      .value = 0x5a };
	struct softaccel_cmd cmds[64], small = fill;
	struct softaccel_queue_info qi = { .queue = q };
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { .tv_usec = 100000 } };
	uint64_t first, last = 0, seq;
	int64_t t0;
	uint32_t i;
	int ret;

	for (i = 0; i < 64; i++)
		cmds[i] = fill;
	small.length = 8;
	CHECK_ERR(submit(fd, q, cmds, 64, &first), 0);
	/* A deadline in the past checks without blocking. */
	CHECK_ERR(wait_until(fd, q, first, 0), ETIMEDOUT);
	t0 = now_ns();
	CHECK_ERR(wait_until(fd, q, first, t0 + 20000000), ETIMEDOUT);
	CHECK(now_ns() - t0 >= 20000000, "WAIT returned before its deadline");
	/* A signal without SA_RESTART interrupts WAIT: EINTR. */
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK_ERR(wait_until(fd, q, first, now_ns() + 60000000000LL), EINTR);
	/* Up to max-inflight-submits, then EBUSY. */
	for (i = 1; i < SOFTACCEL_MAX_INFLIGHT_SUBMITS; i++) {
		ret = submit(fd, q, &small, 1, &seq);
		if (ret) {
			CHECK(0, "SUBMIT %u of %u in flight: %s", i + 1,
			      SOFTACCEL_MAX_INFLIGHT_SUBMITS, strerror(ret));
			break;
		}
		last = seq;
	}
	CHECK_ERR(submit(fd, q, &small, 1, NULL), EBUSY);
	if (rev >= 2) {
		CHECK_ERR(io(fd, SOFTACCEL_IOCTL_QUEUE_INFO, &qi), 0);
		CHECK(qi.inflight == SOFTACCEL_MAX_INFLIGHT_SUBMITS &&
		      qi.last_seqno == last && qi.completed_seqno == 0 &&
		      qi.priority == ACCEL_QUEUE_PRIORITY_NORMAL,
		      "QUEUE_INFO busy: inflight %u last %" PRIu64 " completed %"
		      PRIu64, qi.inflight, (uint64_t)qi.last_seqno,
		      (uint64_t)qi.completed_seqno);
	}
	close(fd);
}

/* WAIT's argument checks, and QUEUE_INFO once the queue is idle. */
static void test_wait(int fd, uint32_t q, uint32_t rev)
{
	struct softaccel_queue_info qi = { .queue = q };
	struct softaccel_wait w = { .queue = q, .seqno = 1 };
	struct bo b = bo_new(fd, 4096, 0);
	struct softaccel_cmd fill = { .opcode = SOFTACCEL_OPCODE_FILL,
				      .dst_bo = b.handle, .length = 4096 };
	uint64_t last;

	CHECK_ERR(submit(fd, q, &fill, 1, &last), 0);
	CHECK_ERR(wait_until(fd, q, last, now_ns() + 5000000000LL), 0);
	if (rev >= 2) {
		CHECK_ERR(io(fd, SOFTACCEL_IOCTL_QUEUE_INFO, &qi), 0);
		CHECK(qi.inflight == 0 && qi.completed_seqno == last &&
		      qi.last_seqno == last, "QUEUE_INFO idle");
		qi.queue = 0;
		CHECK_ERR(io(fd, SOFTACCEL_IOCTL_QUEUE_INFO, &qi), EINVAL);
		qi.queue = 999;
		CHECK_ERR(io(fd, SOFTACCEL_IOCTL_QUEUE_INFO, &qi), ENOENT);
	} else {
		CHECK_ERR(io(fd, SOFTACCEL_IOCTL_QUEUE_INFO, &qi), ENOTTY);
	}
	/* A completed seqno with a past deadline: 0 at once. */
	CHECK_ERR(wait_until(fd, q, 1, 0), 0);
	CHECK_ERR(wait_until(fd, q, 0, 0), EINVAL);
	CHECK_ERR(wait_until(fd, q, last + 1, 0), EINVAL);
	CHECK_ERR(wait_until(fd, 0, 1, 0), EINVAL);
	CHECK_ERR(wait_until(fd, 999, 1, 0), ENOENT);
	w.pad0[3] = 1;
	CHECK_ERR(io(fd, SOFTACCEL_IOCTL_WAIT, &w), EINVAL);
	bo_free(fd, &b);
}

static void test_perf(int fd)
{
	struct softaccel_perf_counter pc[8];
	struct softaccel_perf_stats ps = { 0 };
	uint32_t i;

	CHECK_ERR(io(fd, SOFTACCEL_IOCTL_PERF_STATS, &ps), 0);
	CHECK(ps.counter_count == 5, "counter count %u", ps.counter_count);
	memset(pc, 0xab, sizeof(pc));
	ps.counters = (uintptr_t)pc;
	ps.counter_count = 8;
	CHECK_ERR(io(fd, SOFTACCEL_IOCTL_PERF_STATS, &ps), 0);
	CHECK(ps.counter_count == 5, "counter count %u", ps.counter_count);
	for (i = 0; i < 5; i++)
		CHECK(pc[i].id == i, "counter %u id %u", i, pc[i].id);
	/* The spec: elements past N are left untouched. */
	CHECK(pc[5].id == 0xabababab && pc[7].value == 0xababababababababULL,
	      "PERF_STATS left elements past N untouched");
	CHECK(pc[0].value > 0 && pc[1].value > 0 && pc[2].value > 0 &&
	      pc[3].value > 0 && pc[4].value > 0,
	      "counters %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64,
	      (uint64_t)pc[0].value, (uint64_t)pc[1].value, (uint64_t)pc[2].value,
	      (uint64_t)pc[3].value, (uint64_t)pc[4].value);
	ps.flags = SOFTACCEL_PERF_STATS_FLAGS_RESET;
	CHECK_ERR(io(fd, SOFTACCEL_IOCTL_PERF_STATS, &ps), 0);
	ps.flags = 0;
	memset(pc, 0xab, sizeof(pc));
	ps.counter_count = 2;
	CHECK_ERR(io(fd, SOFTACCEL_IOCTL_PERF_STATS, &ps), 0);
	CHECK(pc[0].value == 0 && pc[1].value == 0, "counters reset");
	/* Elements beyond min(capacity, N) are left untouched (the spec). */
	CHECK(pc[2].id == 0xabababab, "element beyond the capacity written");
	ps.counter_count = 33;
	CHECK_ERR(io(fd, SOFTACCEL_IOCTL_PERF_STATS, &ps), EINVAL);
	ps.counter_count = 1;
	ps.flags = 2;
	CHECK_ERR(io(fd, SOFTACCEL_IOCTL_PERF_STATS, &ps), EINVAL);
	ps.flags = 0;
	ps.counters = 0x10;
	CHECK_ERR(io(fd, SOFTACCEL_IOCTL_PERF_STATS, &ps), EFAULT);
}

static void test_queues(int fd)
{
	struct accel_queue_create c = { .priority = 9 };
	struct accel_queue_destroy d = { .handle = 0 };
	uint32_t handles[ACCEL_MAX_QUEUES], i, n = 0;

	CHECK_ERR(io(fd, ACCEL_IOCTL_QUEUE_CREATE, &c), EINVAL);
	c.priority = ACCEL_QUEUE_PRIORITY_NORMAL;
	c.flags = 2;
	CHECK_ERR(io(fd, ACCEL_IOCTL_QUEUE_CREATE, &c), EINVAL);
	c.flags = 0;
	c.pad0[0] = 1;
	CHECK_ERR(io(fd, ACCEL_IOCTL_QUEUE_CREATE, &c), EINVAL);
	CHECK_ERR(io(fd, ACCEL_IOCTL_QUEUE_DESTROY, &d), EINVAL);
	d.handle = 4242;
	CHECK_ERR(io(fd, ACCEL_IOCTL_QUEUE_DESTROY, &d), ENOENT);
	/* The file already holds one queue: num-queues-max - 1 more fit. */
	for (i = 0; i + 1 < ACCEL_MAX_QUEUES; i++)
		handles[n++] = queue_new(fd, i % 4 == 3 ? ACCEL_QUEUE_PRIORITY_HIGH : i % 3);
	c.pad0[0] = 0;
	CHECK_ERR(io(fd, ACCEL_IOCTL_QUEUE_CREATE, &c), ENOSPC);
	for (i = 0; i < n; i++) {
		d.handle = handles[i];
		CHECK_ERR(io(fd, ACCEL_IOCTL_QUEUE_DESTROY, &d), 0);
	}
	CHECK_ERR(io(fd, ACCEL_IOCTL_QUEUE_DESTROY, &d), ENOENT);
}

/* Namespaces are per open file; a mapping outlives its BO handle. */
static void test_files(int fd)
{
	int fd2 = open_dev();
	struct bo b = bo_new(fd, 4096, ACCEL_BO_FLAGS_HOST_VISIBLE);
	struct accel_bo_info i = { .handle = b.handle };
	struct accel_bo_destroy d = { .handle = b.handle };

	CHECK_ERR(io(fd2, ACCEL_IOCTL_BO_INFO, &i), ENOENT);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd2, (off_t)b.offset) ==
	      MAP_FAILED, "another file maps this file's BO");
	close(fd2);
	if (!b.map)
		return;
	CHECK_ERR(io(fd, ACCEL_IOCTL_BO_DESTROY, &d), 0);
	b.map[100] = 42;
	CHECK(b.map[100] == 42, "mapping after BO_DESTROY");
	munmap(b.map, 4096);
	CHECK_ERR(io(fd, ACCEL_IOCTL_BO_INFO, &i), ENOENT);
}

/* Unknown numbers are ENOTTY. */
static void test_numbers(int fd)
{
	struct accel_get_param p = { 0 };

	CHECK_ERR(io(fd, _IOWR(ACCEL_IOCTL_MAGIC, 0x3f, struct accel_get_param), &p),
		  ENOTTY);
	CHECK_ERR(io(fd, _IOWR('x', 0, struct accel_get_param), &p), ENOTTY);
	CHECK_ERR(io(fd, _IOWR(ACCEL_IOCTL_MAGIC, 0x9f, struct accel_get_param), &p),
		  ENOTTY);
}

/*
 * Ring mode (revision 3): 40 entries through a 16-entry submit ring, one
 * of them invalid, reaped from the complete ring in seqno order; then the
 * protocol error of a producer index too far ahead.
 */
static void test_rings(int fd)
{
	struct softaccel_ring_queue_create rq = { .priority = ACCEL_QUEUE_PRIORITY_NORMAL,
						  .submit_entries = 16,
						  .complete_entries = 32 };
	struct bo b = bo_new(fd, 4096, ACCEL_BO_FLAGS_HOST_VISIBLE);
	struct softaccel_doorbell db = { 0 };
	struct softaccel_submit_ring sr;
	struct softaccel_complete_ring cr;
	struct softaccel_ring_completion done;
	struct softaccel_queue_info qi = { 0 };
	struct softaccel_cmd c = { .opcode = SOFTACCEL_OPCODE_FILL, .dst_bo = b.handle,
				   .length = 8 };
	uint32_t sent = 0, reaped = 0, q2 = queue_new(fd, ACCEL_QUEUE_PRIORITY_NORMAL);
	unsigned char *smap, *cmap;
	int64_t deadline = now_ns() + 20000000000LL;
	int in_order = 1, ok_bytes = 1;

	rq.submit_entries = 15;
	CHECK_ERR(io(fd, SOFTACCEL_IOCTL_RING_QUEUE_CREATE, &rq), EINVAL);
	rq.submit_entries = 8192;
	CHECK_ERR(io(fd, SOFTACCEL_IOCTL_RING_QUEUE_CREATE, &rq), EINVAL);
	rq.submit_entries = 64;
	CHECK_ERR(io(fd, SOFTACCEL_IOCTL_RING_QUEUE_CREATE, &rq), EINVAL);
	rq.submit_entries = 16;
	CHECK_ERR(io(fd, SOFTACCEL_IOCTL_RING_QUEUE_CREATE, &rq), 0);
	CHECK(rq.handle && rq.submit_offset && rq.complete_offset &&
	      rq.submit_size >= 192 + 16 * 72 && rq.complete_size >= 192 + 32 * 24,
	      "RING_QUEUE_CREATE reply");
	smap = mmap(NULL, rq.submit_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    (off_t)rq.submit_offset);
	cmap = mmap(NULL, rq.complete_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    (off_t)rq.complete_offset);
	CHECK(smap != MAP_FAILED && cmap != MAP_FAILED, "mmap rings: %s", strerror(errno));
	if (smap == MAP_FAILED || cmap == MAP_FAILED || !b.map)
		return;
	CHECK(get_le32(smap + SOFTACCEL_RING_ENTRIES_OFFSET) == 16 &&
	      get_le32(cmap + SOFTACCEL_RING_ENTRIES_OFFSET) == 32, "ring entries");
	softaccel_submit_ring_init(&sr, smap, 16);
	softaccel_complete_ring_init(&cr, cmap, 32);
	while (reaped < 40 && now_ns() < deadline) {
		struct softaccel_ring_cmd *e;

		while (sent < 40 && (e = softaccel_submit_ring_reserve(&sr))) {
			memset(e, 0, sizeof(*e));
			e->opcode = sent == 7 ? 99 : SOFTACCEL_OPCODE_FILL;
			e->dst_bo = b.handle;
			e->dst_offset = 8 * sent;
			e->length = 8;
			e->value = 0x1000 + sent;
			e->user_data = 5000 + sent;
			sent++;
		}
		if (softaccel_submit_ring_publish(&sr)) {
			db.queue = rq.handle;
			CHECK_ERR(io(fd, SOFTACCEL_IOCTL_DOORBELL, &db), 0);
		}
		while (softaccel_complete_ring_pop(&cr, &done) == 1) {
			in_order &= done.seqno == reaped + 1 &&
				    done.user_data == 5000 + reaped &&
				    (int32_t)done.status == (reaped == 7 ? -EINVAL : 0);
			reaped++;
		}
		softaccel_complete_ring_release(&cr);
		usleep(200);
	}
	CHECK(reaped == 40, "ring completions %u of 40", reaped);
	CHECK(in_order, "ring completions in order with their status");
	for (uint32_t i = 0; i < 40; i++)
		ok_bytes &= get_le32(b.map + 8 * i) == (i == 7 ? 0 : 0x1000 + i);
	CHECK(ok_bytes, "ring fills");
	CHECK_ERR(wait_until(fd, rq.handle, 40, 0), 0);
	qi.queue = rq.handle;
	CHECK_ERR(io(fd, SOFTACCEL_IOCTL_QUEUE_INFO, &qi), 0);
	CHECK(qi.last_seqno == 40 && qi.completed_seqno == 40, "ring QUEUE_INFO");
	CHECK_ERR(submit(fd, rq.handle, &c, 1, NULL), EINVAL);
	db.queue = q2;
	CHECK_ERR(io(fd, SOFTACCEL_IOCTL_DOORBELL, &db), EINVAL);
	db.queue = 0;
	CHECK_ERR(io(fd, SOFTACCEL_IOCTL_DOORBELL, &db), EINVAL);
	db.queue = 999;
	CHECK_ERR(io(fd, SOFTACCEL_IOCTL_DOORBELL, &db), ENOENT);
	/* A producer index more than the ring size ahead: EPIPE from then on. */
	put_le32(smap, get_le32(smap + SOFTACCEL_RING_CONSUMER_OFFSET) + 17);
	db.queue = rq.handle;
	CHECK_ERR(io(fd, SOFTACCEL_IOCTL_DOORBELL, &db), EPIPE);
	munmap(smap, rq.submit_size);
	munmap(cmap, rq.complete_size);
	{
		struct accel_queue_destroy d = { .handle = rq.handle };

		CHECK_ERR(io(fd, ACCEL_IOCTL_QUEUE_DESTROY, &d), 0);
		d.handle = q2;
		CHECK_ERR(io(fd, ACCEL_IOCTL_QUEUE_DESTROY, &d), 0);
	}
	bo_free(fd, &b);
}

/* One worker of test_concurrency: its own file, or the shared one. */
struct worker {
	int fd;
	int own_fd;
	uint32_t queue;
	unsigned int seed;
	int errors;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	int fd = w->own_fd ? open_dev() : w->fd;
	uint32_t q = w->own_fd ? queue_new(fd, w->seed % 3) : w->queue;
	struct bo a = bo_new(fd, 65536, ACCEL_BO_FLAGS_HOST_VISIBLE);
	struct bo b = bo_new(fd, 65536, ACCEL_BO_FLAGS_HOST_VISIBLE);
	struct softaccel_cmd c[3];
	uint64_t seqno;
	uint32_t i, k, n = 65536 / 4;

	if (!a.map || !b.map) {
		w->errors++;
		return NULL;
	}
	for (i = 0; i < 100; i++) {
		uint32_t v = w->seed * 1000 + i;

		c[0] = (struct softaccel_cmd){ .opcode = SOFTACCEL_OPCODE_FILL,
			.dst_bo = a.handle, .length = 65536,
			.value = (uint64_t)v << 32 | v };
		c[1] = (struct softaccel_cmd){ .opcode = SOFTACCEL_OPCODE_COPY,
			.src_bo = a.handle, .dst_bo = b.handle, .length = 65536 };
		c[2] = (struct softaccel_cmd){ .opcode = SOFTACCEL_OPCODE_ADD_U32,
			.src_bo = a.handle, .src2_bo = b.handle, .dst_bo = b.handle,
			.length = n };
		if (submit(fd, q, c, 3, &seqno) ||
		    wait_until(fd, q, seqno, now_ns() + 30000000000LL)) {
			w->errors++;
			continue;
		}
		for (k = 0; k < n; k += 997)
			if (get_le32(b.map + 4 * k) != 2 * v)
				w->errors++;
	}
	bo_free(fd, &a);
	bo_free(fd, &b);
	if (w->own_fd)
		close(fd);
	return NULL;
}

/* Churns files with work in flight while the workers run. */
static void *closer_run(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < 20; i++) {
		int fd = open_dev();
		struct bo big = bo_new(fd, 1u << 20, 0);
		uint32_t q = queue_new(fd, ACCEL_QUEUE_PRIORITY_HIGH);
		struct softaccel_cmd fill = { .opcode = SOFTACCEL_OPCODE_FILL,
					      .dst_bo = big.handle, .length = 1u << 20 };
		struct softaccel_cmd cmds[16];

		for (int k = 0; k < 16; k++)
			cmds[k] = fill;
		if (submit(fd, q, cmds, 16, NULL) || submit(fd, q, cmds, 16, NULL))
			w->errors++;
		close(fd);
	}
	return NULL;
}

/*
 * Concurrency: six workers (four with their own file, two sharing one file
 * and one queue) submit and check their results while another thread opens
 * and closes files with work in flight.
 */
static void test_concurrency(void)
{
	struct worker w[7] = { 0 };
	pthread_t t[7];
	int shared = open_dev(), errors = 0, i;
	uint32_t q = queue_new(shared, ACCEL_QUEUE_PRIORITY_NORMAL);

	for (i = 0; i < 6; i++) {
		w[i] = (struct worker){ .fd = shared, .own_fd = i < 4, .queue = q,
					.seed = (unsigned int)i + 1 };
		pthread_create(&t[i], NULL, worker_run, &w[i]);
	}
	pthread_create(&t[6], NULL, closer_run, &w[6]);
	for (i = 0; i < 7; i++) {
		pthread_join(t[i], NULL);
		errors += w[i].errors;
	}
	CHECK(errors == 0, "%d errors in concurrent workers", errors);
	close(shared);
}

/* A control message: the 8-byte header, then attributes (4-byte aligned). */
struct msg {
	unsigned char b[512];
	uint32_t len;
};

static void msg_start(struct msg *m, uint16_t op)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->b, &op, 2);
	m->len = 8;
}

static void msg_put(struct msg *m, uint16_t type, const void *v, uint16_t n)
{
	uint16_t len = 4 + n;

	memcpy(m->b + m->len, &len, 2);
	memcpy(m->b + m->len + 2, &type, 2);
	memcpy(m->b + m->len + 4, v, n);
	m->len += (len + 3) & ~3u;
}

/* The payload of attribute @type in @buf (past the header), or NULL. */
static const unsigned char *msg_find(const unsigned char *buf, uint32_t len,
				     uint32_t from, uint16_t type, uint16_t *n)
{
	uint32_t pos = from;

	while (pos + 4 <= len) {
		uint16_t l, t;

		memcpy(&l, buf + pos, 2);
		memcpy(&t, buf + pos + 2, 2);
		if (l < 4 || pos + l > len)
			return NULL;
		if ((t & 0x3fff) == type) {
			*n = l - 4;
			return buf + pos + 4;
		}
		pos += (l + 3) & ~3u;
	}
	return NULL;
}

static int ctl(int fd, const struct msg *req, struct msg *rep, uint32_t cap,
	       struct softaccel_control *out)
{
	struct softaccel_control c = {
		.request = (uintptr_t)req->b,
		.request_len = req->len,
		.reply = (uintptr_t)rep->b,
		.reply_cap = cap,
	};
	int ret;

	memset(rep, 0, sizeof(*rep));
	ret = io(fd, SOFTACCEL_IOCTL_CONTROL, &c);
	rep->len = c.reply_len;
	if (out)
		*out = c;
	return ret;
}

static uint64_t attr_u64(const struct msg *rep, uint16_t type)
{
	uint16_t n = 0;
	const unsigned char *p = msg_find(rep->b, rep->len, 8, type, &n);
	uint64_t v = 0;

	CHECK(p && (n == 4 || n == 8), "attribute %u missing or %u bytes", type, n);
	if (p)
		memcpy(&v, p, n == 4 ? 4 : 8);
	return v;
}

/* Every control operation, from the generated uapi constants only. */
static void test_control(int fd)
{
	struct msg req, rep;
	struct softaccel_control out;
	struct softaccel_fw_request fw = { 0 };
	struct softaccel_fw_reply fr;
	const unsigned char *p;
	uint16_t n = 0;
	uint32_t u, q = queue_new(fd, ACCEL_QUEUE_PRIORITY_NORMAL);
	uint64_t errors, v, first, last = 0;
	struct bo big = bo_new(fd, 16u << 20, 0);
	struct softaccel_cmd fill = { .opcode = SOFTACCEL_OPCODE_FILL,
				      .dst_bo = big.handle, .length = 16u << 20 };
	struct softaccel_cmd cmds[64];
	int i, engines = 0;

	msg_start(&req, SOFTACCEL_CMD_GET_STATUS);
	CHECK_ERR(ctl(fd, &req, &rep, sizeof(rep.b), NULL), 0);
	p = msg_find(rep.b, rep.len, 8, SOFTACCEL_A_STATUS_FW_VERSION, &n);
	CHECK(p && n >= 19 && !strcmp((const char *)p, "softaccel-fw 3.1.4"),
	      "get-status fw-version");
	v = attr_u64(&rep, SOFTACCEL_A_STATUS_TEMPERATURE_MC);
	CHECK((int32_t)v >= 30000 && (int32_t)v <= 75000, "temperature %d", (int32_t)v);
	CHECK(attr_u64(&rep, SOFTACCEL_A_STATUS_POWER_STATE) == SOFTACCEL_POWER_STATE_FULL,
	      "power state");
	for (uint32_t pos = 8; pos + 4 <= rep.len;) {
		uint16_t l, t;

		memcpy(&l, rep.b + pos, 2);
		memcpy(&t, rep.b + pos + 2, 2);
		engines += (t & 0x3fff) == SOFTACCEL_A_STATUS_ENGINE;
		pos += (l + 3) & ~3u;
		if (l < 4)
			break;
	}
	CHECK(engines == 2, "get-status engines %d", engines);

	msg_start(&req, SOFTACCEL_CMD_GET_COUNTERS);
	CHECK_ERR(ctl(fd, &req, &rep, sizeof(rep.b), NULL), 0);
	CHECK(attr_u64(&rep, SOFTACCEL_A_COUNTERS_SUBMISSIONS) > 0, "submissions");
	errors = attr_u64(&rep, SOFTACCEL_A_COUNTERS_ERRORS);
	CHECK(attr_u64(&rep, SOFTACCEL_A_COUNTERS_BYTES_MOVED) > 0, "bytes moved");

	/* A reply that does not fit: EMSGSIZE with the size it needs. */
	msg_start(&req, SOFTACCEL_CMD_GET_STATUS);
	CHECK_ERR(ctl(fd, &req, &rep, 12, &out), EMSGSIZE);
	CHECK(out.reply_len > 12, "EMSGSIZE reply-len %u", out.reply_len);
	msg_start(&req, 99);
	CHECK_ERR(ctl(fd, &req, &rep, sizeof(rep.b), NULL), EOPNOTSUPP);
	msg_start(&req, SOFTACCEL_CMD_GET_COUNTERS);
	req.b[2] = 1;
	CHECK_ERR(ctl(fd, &req, &rep, sizeof(rep.b), NULL), EINVAL);
	msg_start(&req, SOFTACCEL_CMD_GET_COUNTERS);
	CHECK_ERR(ctl(fd, &req, &rep, sizeof(rep.b), NULL), 0);
	CHECK(attr_u64(&rep, SOFTACCEL_A_COUNTERS_ERRORS) >= errors + 3,
	      "rejected control requests are counted");

	/* Tunables: the range is the policy's (ERANGE). */
	msg_start(&req, SOFTACCEL_CMD_SET_TUNABLES);
	v = 50000;
	msg_put(&req, SOFTACCEL_A_TUNABLES_TIME_SLICE_NS, &v, 8);
	CHECK_ERR(ctl(fd, &req, &rep, sizeof(rep.b), NULL), 0);
	CHECK(attr_u64(&rep, SOFTACCEL_A_TUNABLES_TIME_SLICE_NS) == 50000, "set-tunables");
	msg_start(&req, SOFTACCEL_CMD_SET_TUNABLES);
	v = 5;
	msg_put(&req, SOFTACCEL_A_TUNABLES_TIME_SLICE_NS, &v, 8);
	CHECK_ERR(ctl(fd, &req, &rep, sizeof(rep.b), &out), ERANGE);
	CHECK(out.error_offset == 8 && out.error_attr == SOFTACCEL_A_TUNABLES_TIME_SLICE_NS,
	      "ERANGE at %u attr %u", out.error_offset, out.error_attr);
	msg_start(&req, SOFTACCEL_CMD_GET_TUNABLES);
	CHECK_ERR(ctl(fd, &req, &rep, sizeof(rep.b), NULL), 0);
	CHECK(attr_u64(&rep, SOFTACCEL_A_TUNABLES_TIME_SLICE_NS) == 50000, "get-tunables");
	msg_start(&req, SOFTACCEL_CMD_SET_TUNABLES);
	v = 1000000;
	msg_put(&req, SOFTACCEL_A_TUNABLES_TIME_SLICE_NS, &v, 8);
	CHECK_ERR(ctl(fd, &req, &rep, sizeof(rep.b), NULL), 0);

	/* The firmware, big-endian both ways. */
	fw.type = htobe16(SOFTACCEL_FW_MSG_TYPE_PING);
	fw.tag = htobe32(77);
	fw.arg0 = htobe32(5);
	fw.arg1 = htobe32(6);
	msg_start(&req, SOFTACCEL_CMD_FW_COMMAND);
	msg_put(&req, SOFTACCEL_A_FW_REQUEST, &fw, sizeof(fw));
	CHECK_ERR(ctl(fd, &req, &rep, sizeof(rep.b), NULL), 0);
	p = msg_find(rep.b, rep.len, 8, SOFTACCEL_A_FW_REPLY, &n);
	CHECK(p && n == sizeof(fr), "fw-command reply");
	if (p && n == sizeof(fr)) {
		memcpy(&fr, p, sizeof(fr));
		CHECK(be32toh(fr.tag) == 77 && be64toh(fr.value0) == 5 &&
		      be64toh(fr.value1) == 6 && !fr.status, "fw ping");
	}
	fw.type = htobe16(SOFTACCEL_FW_MSG_TYPE_GET_BUILD);
	msg_start(&req, SOFTACCEL_CMD_FW_COMMAND);
	msg_put(&req, SOFTACCEL_A_FW_REQUEST, &fw, sizeof(fw));
	CHECK_ERR(ctl(fd, &req, &rep, sizeof(rep.b), NULL), 0);
	p = msg_find(rep.b, rep.len, 8, SOFTACCEL_A_FW_REPLY, &n);
	if (p && n == sizeof(fr)) {
		memcpy(&fr, p, sizeof(fr));
		CHECK(be64toh(fr.value0) == 20261128, "fw get-build");
	}
	fw.type = htobe16(9);
	msg_start(&req, SOFTACCEL_CMD_FW_COMMAND);
	msg_put(&req, SOFTACCEL_A_FW_REQUEST, &fw, sizeof(fw));
	CHECK_ERR(ctl(fd, &req, &rep, sizeof(rep.b), NULL), EINVAL);

	/* Low power: no new work (EAGAIN) until full again. */
	msg_start(&req, SOFTACCEL_CMD_SET_POWER_STATE);
	u = SOFTACCEL_POWER_STATE_LOW;
	msg_put(&req, SOFTACCEL_A_POWER_STATE, &u, 4);
	CHECK_ERR(ctl(fd, &req, &rep, sizeof(rep.b), NULL), 0);
	CHECK_ERR(submit(fd, q, &fill, 1, NULL), EAGAIN);
	msg_start(&req, SOFTACCEL_CMD_SET_POWER_STATE);
	u = SOFTACCEL_POWER_STATE_FULL;
	msg_put(&req, SOFTACCEL_A_POWER_STATE, &u, 4);
	CHECK_ERR(ctl(fd, &req, &rep, sizeof(rep.b), NULL), 0);

	/* reset-queue: cancel what has not started, then drain. */
	for (i = 0; i < 64; i++)
		cmds[i] = fill;
	CHECK_ERR(submit(fd, q, cmds, 64, &first), 0);
	for (i = 0; i < 8; i++)
		CHECK_ERR(submit(fd, q, &fill, 1, &last), 0);
	msg_start(&req, SOFTACCEL_CMD_RESET_QUEUE);
	u = q;
	msg_put(&req, SOFTACCEL_A_QUEUE_RESET_QUEUE, &u, 4);
	u = SOFTACCEL_RESET_MODE_CANCEL;
	msg_put(&req, SOFTACCEL_A_QUEUE_RESET_MODE, &u, 4);
	CHECK_ERR(ctl(fd, &req, &rep, sizeof(rep.b), NULL), 0);
	v = attr_u64(&rep, SOFTACCEL_A_QUEUE_RESET_CANCELLED);
	CHECK(v >= 8 && v <= 9, "reset-queue cancelled %" PRIu64, v);
	CHECK_ERR(wait_until(fd, q, last, 0), ECANCELED);
	CHECK_ERR(wait_until(fd, q, first, 0), v == 9 ? ECANCELED : 0);
	CHECK_ERR(submit(fd, q, &fill, 1, &last), 0);
	msg_start(&req, SOFTACCEL_CMD_RESET_QUEUE);
	u = q;
	msg_put(&req, SOFTACCEL_A_QUEUE_RESET_QUEUE, &u, 4);
	u = SOFTACCEL_RESET_MODE_DRAIN;
	msg_put(&req, SOFTACCEL_A_QUEUE_RESET_MODE, &u, 4);
	CHECK_ERR(ctl(fd, &req, &rep, sizeof(rep.b), NULL), 0);
	CHECK(attr_u64(&rep, SOFTACCEL_A_QUEUE_RESET_CANCELLED) == 0, "drain cancels nothing");
	CHECK_ERR(wait_until(fd, q, last, 0), 0);
	msg_start(&req, SOFTACCEL_CMD_RESET_QUEUE);
	u = 999;
	msg_put(&req, SOFTACCEL_A_QUEUE_RESET_QUEUE, &u, 4);
	u = SOFTACCEL_RESET_MODE_DRAIN;
	msg_put(&req, SOFTACCEL_A_QUEUE_RESET_MODE, &u, 4);
	CHECK_ERR(ctl(fd, &req, &rep, sizeof(rep.b), NULL), ENOENT);
	bo_free(fd, &big);
}

#define PARAMS "/sys/module/softaccel/parameters/"
#define COUNTERS "/sys/kernel/debug/softaccel/counters"

/* Writes a module parameter; 0 or the errno. */
static int set_module_param(const char *name, const char *value)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (write(fd, value, strlen(value)) < 0)
		ret = errno;
	close(fd);
	return ret;
}

/* One line of the debugfs counters, or -1. */
static long long counter(const char *name)
{
	char line[128];
	long long v = -1, x;
	FILE *f = fopen(COUNTERS, "r");
	char n[64];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld", n, &x) == 2 && !strcmp(n, name))
			v = x;
	fclose(f);
	return v;
}

/*
 * The module's knobs for test suites (driver/src/kmod.rs): parameters read
 * at each open, the paused switch, the debugfs counters. Needs root (the
 * parameters are 0644) and debugfs mounted; a failed check otherwise.
 */
static void test_module_knobs(uint32_t rev, uint32_t core)
{
	struct softaccel_cmd fill = { .opcode = SOFTACCEL_OPCODE_FILL, .length = 8 };
	struct softaccel_queue_info qi = { 0 };
	uint64_t seqno;
	int fd, fd2;

	if (access(PARAMS "revision", W_OK) || access(COUNTERS, R_OK)) {
		CHECK(0, "module parameters and counters: %s or %s not accessible (root, debugfs)",
		      PARAMS, COUNTERS);
		return;
	}
	CHECK(counter("files") == 0 && counter("bos") == 0 && counter("queues") == 0 &&
	      counter("pending_submissions") == 0, "counters idle: files %lld bos %lld",
	      counter("files"), counter("bos"));
	CHECK_ERR(set_module_param("engine_count", "3"), 0);
	CHECK_ERR(set_module_param("device_id", "4242"), 0);
	CHECK_ERR(set_module_param("page_size", "8192"), 0);
	CHECK_ERR(set_module_param("capabilities", "1"), 0);
	fd = open_dev();
	CHECK(param(fd, ACCEL_PARAM_ENGINE_COUNT) == 3 &&
	      param(fd, ACCEL_PARAM_DEVICE_ID) == 4242 &&
	      param(fd, ACCEL_PARAM_PAGE_SIZE) == 8192 &&
	      param(fd, ACCEL_PARAM_CAPABILITIES) == 1 &&
	      (core < 2 || param(fd, ACCEL_PARAM_MAX_BO_ALIGNMENT) == 0),
	      "configured at open");
	{
		struct bo b = bo_new(fd, 100, ACCEL_BO_FLAGS_HOST_VISIBLE);
		struct accel_set_param sp = { .param = ACCEL_PARAM_PERF_STATS_ENABLE,
					      .value = 1 };
		struct accel_queue_create qc = { .priority = ACCEL_QUEUE_PRIORITY_HIGH };

		CHECK(b.size == 8192 && b.offset % 8192 == 0, "page-size 8192 BO");
		CHECK_ERR(io(fd, ACCEL_IOCTL_SET_PARAM, &sp), EOPNOTSUPP);
		CHECK_ERR(io(fd, ACCEL_IOCTL_QUEUE_CREATE, &qc), EOPNOTSUPP);
		fill.dst_bo = b.handle;
		fill.opcode = SOFTACCEL_OPCODE_TIMESTAMP;
		fill.length = 0;
		CHECK_ERR(submit(fd, queue_new(fd, ACCEL_QUEUE_PRIORITY_NORMAL), &fill, 1,
				 NULL), EOPNOTSUPP);
		fill.opcode = SOFTACCEL_OPCODE_FILL;
		fill.length = 8;
		CHECK(counter("files") == 1 && counter("bos") == 1 && counter("queues") == 1,
		      "counters count the file's objects");
		/* A mapping holds its BO and its file: gone with the munmap. */
		if (b.map)
			munmap(b.map, b.size);
	}
	close(fd);
	/* A configuration the ABI does not allow: open fails. */
	CHECK_ERR(set_module_param("page_size", "12288"), 0);
	CHECK(open(node, O_RDWR) < 0 && errno == EINVAL, "open with page_size 12288");
	CHECK_ERR(set_module_param("page_size", "4096"), 0);
	CHECK_ERR(set_module_param("capabilities", "255"), 0);
	CHECK_ERR(set_module_param("engine_count", "2"), 0);
	CHECK_ERR(set_module_param("device_id", "0"), 0);

	/* Paused engines keep work in flight; unpausing runs it. */
	fd = open_dev();
	fd2 = open_dev();
	{
		struct bo b = bo_new(fd, 4096, 0);
		uint32_t q = queue_new(fd, ACCEL_QUEUE_PRIORITY_NORMAL);

		fill.dst_bo = b.handle;
		CHECK_ERR(set_module_param("paused", "1"), 0);
		CHECK_ERR(submit(fd, q, &fill, 1, &seqno), 0);
		CHECK_ERR(wait_until(fd, q, seqno, now_ns() + 50000000), ETIMEDOUT);
		qi.queue = q;
		if (rev >= 2) {
			CHECK_ERR(io(fd, SOFTACCEL_IOCTL_QUEUE_INFO, &qi), 0);
			CHECK(qi.inflight == 1, "paused work in flight");
		}
		CHECK(counter("pending_submissions") == 1, "paused work pending");
		CHECK_ERR(set_module_param("paused", "0"), 0);
		CHECK_ERR(wait_until(fd, q, seqno, now_ns() + 5000000000LL), 0);
		/* And closing a file with paused work cancels it. */
		CHECK_ERR(set_module_param("paused", "1"), 0);
		CHECK_ERR(submit(fd, q, &fill, 1, &seqno), 0);
	}
	close(fd);
	CHECK(counter("pending_submissions") == 0 && counter("bos") == 0 &&
	      counter("files") == 1,
	      "close cancels paused work: pending %lld bos %lld files %lld",
	      counter("pending_submissions"), counter("bos"), counter("files"));
	CHECK_ERR(set_module_param("paused", "0"), 0);
	close(fd2);
	/* Writing the counters file resets the totals. */
	fd = open(COUNTERS, O_WRONLY | O_CLOEXEC);
	CHECK(fd >= 0 && write(fd, "0\n", 2) == 2, "write %s", COUNTERS);
	if (fd >= 0)
		close(fd);
	CHECK(counter("submits") == 0 && counter("cmds_completed") == 0 &&
	      counter("submissions_completed") == 0, "totals reset");
}

/* Closing a file with work queued and running frees everything. */
static void test_close_in_flight(void)
{
	int fd = open_dev();
	struct bo big = bo_new(fd, 8u << 20, ACCEL_BO_FLAGS_HOST_VISIBLE);
	uint32_t q1 = queue_new(fd, ACCEL_QUEUE_PRIORITY_NORMAL);
	uint32_t q2 = queue_new(fd, ACCEL_QUEUE_PRIORITY_HIGH);
	struct softaccel_cmd cmds[64];
	uint32_t i;

	for (i = 0; i < 64; i++)
		cmds[i] = (struct softaccel_cmd){ .opcode = SOFTACCEL_OPCODE_FILL,
			.dst_bo = big.handle, .length = 8u << 20, .value = i };
	for (i = 0; i < 8; i++) {
		CHECK_ERR(submit(fd, q1, cmds, 64, NULL), 0);
		CHECK_ERR(submit(fd, q2, cmds, 64, NULL), 0);
	}
	if (big.map)
		munmap(big.map, big.size);
	close(fd);
}

int main(int argc, char **argv)
{
	uint32_t rev, core, q;
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1)
		node = argv[1];
	fd = open_dev();
	test_params(fd, &rev, &core);
	printf("softaccel_test (%zu-bit): revision %u, core revision %u\n",
	       sizeof(void *) * 8, rev, core);
	test_numbers(fd);
	test_bo_errors(fd, core);
	q = queue_new(fd, ACCEL_QUEUE_PRIORITY_NORMAL);
	test_opcodes(fd, q, rev);
	test_submit_errors(fd, q);
	test_wait(fd, q, rev);
	test_inflight(rev);
	test_perf(fd);
	test_queues(fd);
	test_files(fd);
	if (rev >= 3) {
		test_rings(fd);
		test_control(fd);
	}
	close(fd);
	test_close_in_flight();
	test_concurrency();
	test_module_knobs(rev, core);
	printf("softaccel_test (%zu-bit): %d checks, %d failed\n",
	       sizeof(void *) * 8, checks, failures);
	return failures ? 1 : 0;
}
