/*
 * Raw conformance of the softaccel ABI: `conformance <device-node>`.
 *
 * Every call is a bare ioctl(2) built from the generated uapi headers
 * (generated/softaccel/c/softaccel.h and accel.h through it), with command
 * words resized or redirected by hand where a check needs it, so that what
 * is tested is the driver's entry (the FUSE node's, or the kernel module's
 * through the same header), not a library. One line per check:
 *
 *   PASS <check>
 *   FAIL <check>: <what happened instead>
 *   SKIP <check>: <why it cannot run on this device>
 *
 * then a summary line; the exit status is 0 only when no check failed. The
 * check lines carry no addresses, handles or timings, so a 32-bit build
 * (i686, through compat_ioctl on a 64-bit kernel) must print exactly what
 * the 64-bit build prints.
 *
 * Built static for x86_64 and i386 with -D_FILE_OFFSET_BITS=64, and for
 * i386 without it (a 32-bit program without large-file support: its open,
 * fstat and mmap must work on the node too). See
 * compat-tests/tests/guest_conformance.rs and scripts/guest-tests.sh.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "softaccel.h"

static int passed, failed, skipped;
static int fd = -1;

/* What the device reports, read once by setup(). */
static uint64_t page, revision, core_revision, caps, dcaps;
/* A host-visible one-page BO, mapped; a queue; a ring-mode queue (or 0). */
static uint32_t bo, queue, ring_queue;
static uint64_t bo_offset;
static volatile uint8_t *bo_map;
/* The last seqno SUBMIT returned on queue. */
static uint64_t last_seqno;
/* A page that is not mapped, one mapped read-only, and a readable page
 * whose successor is not mapped (for an argument that straddles the end). */
static uint8_t *no_page, *ro_page, *edge_page;

static const char *errname(int e)
{
	switch (e) {
	case 0: return "success";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case E2BIG: return "E2BIG";
	case EFAULT: return "EFAULT";
	case ENOENT: return "ENOENT";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case EBUSY: return "EBUSY";
	case ENOMEM: return "ENOMEM";
	case ENOSPC: return "ENOSPC";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EOVERFLOW: return "EOVERFLOW";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EMSGSIZE: return "EMSGSIZE";
	case ERANGE: return "ERANGE";
	case EAGAIN: return "EAGAIN";
	default: {
		static char buf[32];

		snprintf(buf, sizeof(buf), "errno %d", e);
		return buf;
	}
	}
}

static void pass(const char *check)
{
	passed++;
	printf("PASS %s\n", check);
}

static void fail(const char *check, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(const char *check, const char *fmt, ...)
{
	va_list ap;

	failed++;
	printf("FAIL %s: ", check);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void skip(const char *check, const char *why)
{
	skipped++;
	printf("SKIP %s: %s\n", check, why);
}

/* The errno of one ioctl, 0 on success. */
static int call(unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) == 0 ? 0 : errno;
}

/* Passes when a call's result is `want` (0 or an errno). */
static int expect(const char *check, int got, int want)
{
	if (got == want) {
		pass(check);
		return 1;
	}
	fail(check, "expected %s, got %s", errname(want), errname(got));
	return 0;
}

/* The command word with another argument size. */
static unsigned long resized(unsigned long cmd, size_t size)
{
	return _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), size);
}

static uint64_t uptr(const volatile void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* ------------------------------------------------------------ helpers */

static int get_param(uint32_t param, uint64_t *value)
{
	struct accel_get_param a = { .param = param };
	int e = call(ACCEL_IOCTL_GET_PARAM, &a);

	if (!e)
		*value = a.value;
	return e;
}

static int bo_create(uint32_t flags, uint32_t *handle)
{
	struct accel_bo_create a = { .size = page, .flags = flags };
	int e = call(ACCEL_IOCTL_BO_CREATE, &a);

	if (!e)
		*handle = a.handle;
	return e;
}

static int queue_create(uint32_t *handle)
{
	struct accel_queue_create a = { .priority = ACCEL_QUEUE_PRIORITY_NORMAL };
	int e = call(ACCEL_IOCTL_QUEUE_CREATE, &a);

	if (!e)
		*handle = a.handle;
	return e;
}

static int ring_queue_create(uint32_t *handle)
{
	struct softaccel_ring_queue_create a = {
		.priority = ACCEL_QUEUE_PRIORITY_NORMAL,
		.submit_entries = 16,
		.complete_entries = 16,
	};
	int e = call(SOFTACCEL_IOCTL_RING_QUEUE_CREATE, &a);

	if (!e)
		*handle = a.handle;
	return e;
}

/* A valid command: fill the whole BO with `pattern`. */
static struct softaccel_cmd fill_cmd(uint64_t pattern)
{
	struct softaccel_cmd c = {
		.opcode = SOFTACCEL_OPCODE_FILL,
		.dst_bo = bo,
		.length = page,
		.value = pattern,
	};
	return c;
}

static struct softaccel_submit submit_arg(struct softaccel_cmd *cmds, uint32_t n)
{
	struct softaccel_submit s = {
		.queue = queue,
		.cmd_count = n,
		.cmds = uptr(cmds),
	};
	return s;
}

/* Waits for `seqno` on queue, 10 s at most. */
static int wait_seqno(uint64_t seqno)
{
	struct timespec now;
	struct softaccel_wait w = { .queue = queue, .seqno = seqno };

	clock_gettime(CLOCK_MONOTONIC, &now);
	w.timeout_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec + 10000000000LL;
	return call(SOFTACCEL_IOCTL_WAIT, &w);
}

/* Submits one fill and waits for it; the seqno it got goes to last_seqno. */
static int fill_and_wait(uint64_t pattern)
{
	struct softaccel_cmd c = fill_cmd(pattern);
	struct softaccel_submit s = submit_arg(&c, 1);
	int e = call(SOFTACCEL_IOCTL_SUBMIT, &s);

	if (e)
		return e;
	last_seqno = s.seqno;
	return wait_seqno(s.seqno);
}

/* ------------------------------------------------------------ setup */

static int setup(const char *path)
{
	struct accel_bo_info info;
	struct stat st;
	void *m;
	int e;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fail("open the device", "%s: %s", path, errname(errno));
		return 0;
	}
	pass("open the device");
	/* A regular file (the FUSE node) must report a size a 32-bit
	 * program's stat can hold; a character device reports none. */
	if (fstat(fd, &st))
		fail("fstat the device", "%s", errname(errno));
	else
		pass("fstat the device");

	if (get_param(ACCEL_PARAM_PAGE_SIZE, &page) ||
	    get_param(ACCEL_PARAM_REVISION, &revision) ||
	    get_param(ACCEL_PARAM_CORE_REVISION, &core_revision) ||
	    get_param(ACCEL_PARAM_CAPABILITIES, &caps)) {
		fail("get-param page-size, revision, core-revision, capabilities", "%s",
		     errname(errno));
		return 0;
	}
	pass("get-param page-size, revision, core-revision, capabilities");
	if (core_revision >= 2 && get_param(ACCEL_PARAM_DEVICE_CAPABILITIES, &dcaps)) {
		fail("get-param device-capabilities", "%s", errname(errno));
		return 0;
	}

	e = bo_create(ACCEL_BO_FLAGS_HOST_VISIBLE, &bo);
	if (!expect("bo-create host-visible", e, 0))
		return 0;
	info = (struct accel_bo_info){ .handle = bo };
	e = call(ACCEL_IOCTL_BO_INFO, &info);
	if (!expect("bo-info", e, 0))
		return 0;
	bo_offset = info.mmap_offset;
	/* The offset is an off_t: without large-file support it must fit
	 * 31 bits, which the driver's offsets (from the first page up) do
	 * for the first 2 GiB of BOs of a file. */
	if ((uint64_t)(off_t)bo_offset != bo_offset || (off_t)bo_offset < 0) {
		fail("mmap the BO", "offset %#" PRIx64 " does not fit this program's off_t",
		     bo_offset);
		return 0;
	}
	m = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)bo_offset);
	if (m == MAP_FAILED) {
		fail("mmap the BO", "%s", errname(errno));
		return 0;
	}
	bo_map = m;
	pass("mmap the BO");
	if (!expect("queue-create", queue_create(&queue), 0))
		return 0;

	/* The BO's pages are the device's: a fill shows through the map. */
	e = fill_and_wait(0x0807060504030201ULL);
	if (expect("submit a fill and wait for it", e, 0)) {
		if (bo_map[0] == 1 && bo_map[7] == 8 && bo_map[page - 1] == 8)
			pass("the fill shows in the mapping");
		else
			fail("the fill shows in the mapping", "read %u %u %u", bo_map[0],
			     bo_map[7], bo_map[page - 1]);
	}

	if (revision >= 3 && (dcaps & SOFTACCEL_DEVICE_CAPS_RINGS))
		expect("ring-queue-create", ring_queue_create(&ring_queue), 0);

	/* Pages for the bad-pointer checks. */
	m = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		fail("map the test pages", "%s", errname(errno));
		return 0;
	}
	edge_page = m;
	no_page = edge_page + page;
	ro_page = edge_page + 2 * page;
	memset(edge_page, 0, page);
	if (mprotect(no_page, page, PROT_NONE) || mprotect(ro_page, page, PROT_READ)) {
		fail("protect the test pages", "%s", errname(errno));
		return 0;
	}
	return 1;
}

/* ------------------------------------------------------------ extension */

/*
 * One ioctl of the table: its command, its extension rule, and how to
 * build a valid argument for one call (creating what the call consumes,
 * such as a BO to destroy). `needs` is 0, or the device capability (bit
 * of dcaps) the ioctl needs.
 */
struct ext_case {
	const char *name;
	unsigned long cmd;
	int strict;
	uint64_t needs;
	int (*build)(void *arg);
	/* A shorter size the driver must zero-extend, with what the call
	 * must then answer, or 0 when the ioctl has no meaningful one. */
	size_t shorter;
	int shorter_want;
};

static int build_get_param(void *arg)
{
	struct accel_get_param *a = arg;

	a->param = ACCEL_PARAM_REVISION;
	return 0;
}

static int build_set_param(void *arg)
{
	struct accel_set_param *a = arg;

	a->param = ACCEL_PARAM_PERF_STATS_ENABLE;
	a->value = (caps & ACCEL_CAPABILITIES_PERF_STATS) ? 1 : 0;
	return 0;
}

static int build_bo_create(void *arg)
{
	struct accel_bo_create *a = arg;

	a->size = page;
	return 0;
}

static int build_bo_info(void *arg)
{
	struct accel_bo_info *a = arg;

	a->handle = bo;
	return 0;
}

static int build_bo_destroy(void *arg)
{
	struct accel_bo_destroy *a = arg;

	return bo_create(0, &a->handle);
}

static int build_queue_create(void *arg)
{
	struct accel_queue_create *a = arg;

	a->priority = ACCEL_QUEUE_PRIORITY_NORMAL;
	return 0;
}

static int build_queue_destroy(void *arg)
{
	struct accel_queue_destroy *a = arg;

	return queue_create(&a->handle);
}

static struct softaccel_cmd ext_cmd;

static int build_submit(void *arg)
{
	struct softaccel_submit *a = arg;

	ext_cmd = fill_cmd(0x1111111111111111ULL);
	*a = submit_arg(&ext_cmd, 1);
	return 0;
}

static int build_wait(void *arg)
{
	struct softaccel_wait *a = arg;

	/* A completed seqno and a deadline in the past: answers at once. */
	a->queue = queue;
	a->seqno = last_seqno;
	a->timeout_ns = 0;
	return 0;
}

static struct softaccel_perf_counter ext_counters[SOFTACCEL_MAX_PERF_COUNTERS];

static int build_perf_stats(void *arg)
{
	struct softaccel_perf_stats *a = arg;

	a->counters = uptr(ext_counters);
	a->counter_count = SOFTACCEL_MAX_PERF_COUNTERS;
	return 0;
}

static int build_queue_info(void *arg)
{
	struct softaccel_queue_info *a = arg;

	a->queue = queue;
	return 0;
}

static int build_control(void *arg)
{
	/* An empty request: the answer (EINVAL, a short header) is the
	 * same at every size whose tail is zero. */
	(void)arg;
	return 0;
}

static int build_ring_queue_create(void *arg)
{
	struct softaccel_ring_queue_create *a = arg;

	a->priority = ACCEL_QUEUE_PRIORITY_NORMAL;
	a->submit_entries = 16;
	a->complete_entries = 16;
	return 0;
}

static int build_doorbell(void *arg)
{
	struct softaccel_doorbell *a = arg;

	a->queue = ring_queue;
	return 0;
}

/* BO_CREATE of revision 1 (before alignment): 16 bytes. */
#define BO_CREATE_R1_SIZE 16

static const struct ext_case ext_cases[] = {
	{ "get-param", ACCEL_IOCTL_GET_PARAM, 0, 0, build_get_param, 8, 0 },
	{ "set-param", ACCEL_IOCTL_SET_PARAM, 0, 0, build_set_param, 8, 0 },
	{ "bo-create", ACCEL_IOCTL_BO_CREATE, 0, 0, build_bo_create, BO_CREATE_R1_SIZE, 0 },
	{ "bo-info", ACCEL_IOCTL_BO_INFO, 0, 0, build_bo_info, 8, 0 },
	{ "bo-destroy", ACCEL_IOCTL_BO_DESTROY, 0, 0, build_bo_destroy, 4, 0 },
	{ "queue-create", ACCEL_IOCTL_QUEUE_CREATE, 0, 0, build_queue_create, 8, 0 },
	{ "queue-destroy", ACCEL_IOCTL_QUEUE_DESTROY, 0, 0, build_queue_destroy, 4, 0 },
	{ "submit", SOFTACCEL_IOCTL_SUBMIT, 1, 0, build_submit, 16, 0 },
	{ "wait", SOFTACCEL_IOCTL_WAIT, 1, 0, build_wait, 16, 0 },
	{ "perf-stats", SOFTACCEL_IOCTL_PERF_STATS, 0, 0, build_perf_stats, 12, 0 },
	{ "queue-info", SOFTACCEL_IOCTL_QUEUE_INFO, 0, SOFTACCEL_DEVICE_CAPS_QUEUE_INFO,
	  build_queue_info, 4, 0 },
	{ "control", SOFTACCEL_IOCTL_CONTROL, 1, SOFTACCEL_DEVICE_CAPS_CONTROL, build_control,
	  0, 0 },
	{ "ring-queue-create", SOFTACCEL_IOCTL_RING_QUEUE_CREATE, 1, SOFTACCEL_DEVICE_CAPS_RINGS,
	  build_ring_queue_create, 16, 0 },
	{ "doorbell", SOFTACCEL_IOCTL_DOORBELL, 1, SOFTACCEL_DEVICE_CAPS_RINGS, build_doorbell,
	  4, 0 },
};

#define TAIL 8
#define CANARY 0xa5

/* An argument buffer: `size` bytes built by the case, then canaries. */
static uint8_t argbuf[512] __attribute__((aligned(16)));

static int build_at(const struct ext_case *c, size_t size, uint8_t tail)
{
	memset(argbuf, CANARY, sizeof(argbuf));
	memset(argbuf, 0, size);
	if (c->build(argbuf))
		return -1;
	/* The built struct's own size was zeroed before building; past it,
	 * up to `size`, lies the extension tail. */
	if (size > _IOC_SIZE(c->cmd))
		memset(argbuf + _IOC_SIZE(c->cmd), tail, size - _IOC_SIZE(c->cmd));
	return 0;
}

static int canaries_intact(size_t from)
{
	for (size_t i = from; i < sizeof(argbuf); i++)
		if (argbuf[i] != CANARY)
			return 0;
	return 1;
}

static void extension_case(const struct ext_case *c)
{
	size_t size = _IOC_SIZE(c->cmd);
	char check[160];
	int exact, e;

	if (c->needs && !(dcaps & c->needs)) {
		snprintf(check, sizeof(check), "extension: %s", c->name);
		skip(check, "the device lacks the capability");
		return;
	}
	/* Built with room for the longest variant, so that the exact call
	 * sees the same memory as the others. */
	memset(argbuf, 0, size + TAIL);
	if (build_at(c, size, 0)) {
		snprintf(check, sizeof(check), "extension: %s (set up)", c->name);
		fail(check, "building the argument failed: %s", errname(errno));
		return;
	}
	exact = call(c->cmd, argbuf);
	snprintf(check, sizeof(check), "extension: %s at its size (%zu bytes) -> %s", c->name,
		 size, errname(exact));
	/* Only control answers an error at its size (its request is empty). */
	expect(check, exact, c->build == build_control ? EINVAL : 0);

	if (c->shorter) {
		snprintf(check, sizeof(check),
			 "extension: %s shorter (%zu bytes) is zero-extended -> %s, nothing "
			 "written past it",
			 c->name, c->shorter, errname(c->shorter_want));
		if (build_at(c, size, 0)) {
			fail(check, "building the argument failed: %s", errname(errno));
		} else {
			/* The caller's struct ends at `shorter`. */
			memset(argbuf + c->shorter, CANARY, sizeof(argbuf) - c->shorter);
			e = call(resized(c->cmd, c->shorter), argbuf);
			if (e != c->shorter_want)
				fail(check, "got %s", errname(e));
			else if (!canaries_intact(c->shorter))
				fail(check, "bytes past the caller's size were written");
			else
				pass(check);
		}
	}

	snprintf(check, sizeof(check),
		 "extension: %s longer (%zu bytes), zero tail -> %s, tail left zero", c->name,
		 size + TAIL, errname(exact));
	if (build_at(c, size + TAIL, 0)) {
		fail(check, "building the argument failed: %s", errname(errno));
	} else {
		e = call(resized(c->cmd, size + TAIL), argbuf);
		int tail_zero = 1;

		for (size_t i = size; i < size + TAIL; i++)
			tail_zero &= argbuf[i] == 0;
		if (e != exact)
			fail(check, "got %s", errname(e));
		else if (!tail_zero)
			fail(check, "the tail came back non-zero");
		else if (!canaries_intact(size + TAIL))
			fail(check, "bytes past the caller's size were written");
		else
			pass(check);
	}

	snprintf(check, sizeof(check), "extension: %s longer (%zu bytes), non-zero tail -> %s (%s)",
		 c->name, size + TAIL, errname(c->strict ? E2BIG : exact),
		 c->strict ? "strict" : "zero-extend");
	if (build_at(c, size + TAIL, 0x5a)) {
		fail(check, "building the argument failed: %s", errname(errno));
	} else {
		e = call(resized(c->cmd, size + TAIL), argbuf);
		expect(check, e, c->strict ? E2BIG : exact);
	}
}

/* A strict ioctl refused with E2BIG has done nothing: no seqno taken. */
static void e2big_consumes_nothing(void)
{
	const char *check = "extension: submit refused with E2BIG takes no seqno";
	int e;

	/* The table's submits took seqnos nobody recorded: the queue says
	 * which it gave last. */
	if (!(dcaps & SOFTACCEL_DEVICE_CAPS_QUEUE_INFO)) {
		skip(check, "the device lacks queue-info");
		return;
	}
	{
		struct softaccel_queue_info qi = { .queue = queue };
		struct softaccel_cmd c = fill_cmd(0x3333333333333333ULL);
		struct softaccel_submit s[2];
		uint64_t seq0;

		e = call(SOFTACCEL_IOCTL_QUEUE_INFO, &qi);
		if (e) {
			fail(check, "queue-info: %s", errname(e));
			return;
		}
		seq0 = qi.last_seqno;
		memset(s, 0, sizeof(s));
		s[0] = submit_arg(&c, 1);
		memset(&s[1], 0x5a, TAIL);
		e = call(resized(SOFTACCEL_IOCTL_SUBMIT, sizeof(s[0]) + TAIL), s);
		if (e != E2BIG) {
			fail(check, "the non-zero tail got %s", errname(e));
			return;
		}
		s[0] = submit_arg(&c, 1);
		e = call(SOFTACCEL_IOCTL_SUBMIT, &s[0]);
		if (e) {
			fail(check, "the next submit failed: %s", errname(e));
			return;
		}
		last_seqno = s[0].seqno;
		if (s[0].seqno != seq0 + 1)
			fail(check, "the next submit got seqno %" PRIu64 ", expected %" PRIu64,
			     (uint64_t)s[0].seqno, seq0 + 1);
		else
			pass(check);
		wait_seqno(s[0].seqno);
	}
}

static void extension_checks(void)
{
	for (size_t i = 0; i < sizeof(ext_cases) / sizeof(ext_cases[0]); i++)
		extension_case(&ext_cases[i]);
	e2big_consumes_nothing();
}

/* ------------------------------------------------------------ pad and flags */

static void pad_checks(void)
{
	{
		struct accel_get_param a = { .param = ACCEL_PARAM_REVISION, .pad0 = { 0, 0, 1, 0 } };

		expect("pad: get-param pad0 non-zero -> EINVAL", call(ACCEL_IOCTL_GET_PARAM, &a),
		       EINVAL);
	}
	{
		struct accel_set_param a = { .param = ACCEL_PARAM_PERF_STATS_ENABLE,
					     .pad0 = { 1, 0, 0, 0 } };

		expect("pad: set-param pad0 non-zero -> EINVAL", call(ACCEL_IOCTL_SET_PARAM, &a),
		       EINVAL);
	}
	{
		struct accel_bo_destroy a = { .handle = bo, .pad0 = { 0, 0, 0, 0x80 } };
		struct accel_bo_info info = { .handle = bo };

		if (expect("pad: bo-destroy pad0 non-zero -> EINVAL",
			   call(ACCEL_IOCTL_BO_DESTROY, &a), EINVAL))
			expect("pad: the BO survives the refused bo-destroy",
			       call(ACCEL_IOCTL_BO_INFO, &info), 0);
	}
	{
		struct accel_queue_create a = { .priority = ACCEL_QUEUE_PRIORITY_NORMAL,
						.pad0 = { 0, 1, 0, 0 } };

		expect("pad: queue-create pad0 non-zero -> EINVAL",
		       call(ACCEL_IOCTL_QUEUE_CREATE, &a), EINVAL);
	}
	{
		struct accel_queue_destroy a = { .handle = queue, .pad0 = { 0, 0, 1, 0 } };

		expect("pad: queue-destroy pad0 non-zero -> EINVAL",
		       call(ACCEL_IOCTL_QUEUE_DESTROY, &a), EINVAL);
	}
	{
		struct softaccel_wait a = { .queue = queue, .seqno = last_seqno, .pad0 = { 1 } };

		expect("pad: wait pad0 non-zero -> EINVAL", call(SOFTACCEL_IOCTL_WAIT, &a), EINVAL);
	}
	{
		struct softaccel_cmd c = fill_cmd(0);
		struct softaccel_submit s;

		c.pad0[3] = 1;
		s = submit_arg(&c, 1);
		expect("pad: submit of a cmd with pad0 non-zero -> EINVAL",
		       call(SOFTACCEL_IOCTL_SUBMIT, &s), EINVAL);
	}
	{
		/* An operand the opcode does not use must be zero, as a pad. */
		struct softaccel_cmd c = fill_cmd(0);
		struct softaccel_submit s;

		c.src_bo = bo;
		s = submit_arg(&c, 1);
		expect("pad: submit of a fill with an unused operand set -> EINVAL",
		       call(SOFTACCEL_IOCTL_SUBMIT, &s), EINVAL);
	}
	if (dcaps & SOFTACCEL_DEVICE_CAPS_CONTROL) {
		struct softaccel_control a = { .pad0 = { 0, 0, 0, 1 } };

		expect("pad: control pad0 non-zero -> EINVAL", call(SOFTACCEL_IOCTL_CONTROL, &a),
		       EINVAL);
	} else {
		skip("pad: control pad0 non-zero -> EINVAL", "the device lacks control");
	}
	if (ring_queue) {
		struct softaccel_doorbell a = { .queue = ring_queue, .pad0 = { 1 } };

		expect("pad: doorbell pad0 non-zero -> EINVAL", call(SOFTACCEL_IOCTL_DOORBELL, &a),
		       EINVAL);
	} else {
		skip("pad: doorbell pad0 non-zero -> EINVAL", "the device lacks rings");
	}
}

static void flag_checks(void)
{
	{
		struct accel_bo_create a = { .size = page, .flags = 0x80000000u };

		expect("flags: bo-create with an undefined flag -> EINVAL",
		       call(ACCEL_IOCTL_BO_CREATE, &a), EINVAL);
	}
	{
		struct accel_bo_create a = { .size = page, .flags = ACCEL_BO_FLAGS_ALL + 1 };

		expect("flags: bo-create with the flag above the defined ones -> EINVAL",
		       call(ACCEL_IOCTL_BO_CREATE, &a), EINVAL);
	}
	{
		struct accel_queue_create a = { .priority = ACCEL_QUEUE_PRIORITY_NORMAL,
						.flags = ACCEL_QUEUE_FLAGS_ALL + 1 };

		expect("flags: queue-create with an undefined flag -> EINVAL",
		       call(ACCEL_IOCTL_QUEUE_CREATE, &a), EINVAL);
	}
	{
		struct softaccel_perf_stats a = { .flags = SOFTACCEL_PERF_STATS_FLAGS_ALL + 1 };

		expect("flags: perf-stats with an undefined flag -> EINVAL",
		       call(SOFTACCEL_IOCTL_PERF_STATS, &a), EINVAL);
	}
	{
		struct softaccel_cmd c = fill_cmd(0);
		struct softaccel_submit s;

		c.flags = SOFTACCEL_CMD_FLAGS_ALL + 1;
		s = submit_arg(&c, 1);
		expect("flags: submit of a cmd with an undefined flag -> EINVAL",
		       call(SOFTACCEL_IOCTL_SUBMIT, &s), EINVAL);
	}
	{
		struct softaccel_cmd c = fill_cmd(0);
		struct softaccel_submit s;

		c.opcode = 0x7fffffff;
		s = submit_arg(&c, 1);
		expect("enum: submit of a cmd with an undefined opcode -> EINVAL",
		       call(SOFTACCEL_IOCTL_SUBMIT, &s), EINVAL);
	}
	{
		struct accel_queue_create a = { .priority = 0x100 };

		expect("enum: queue-create with an undefined priority -> EINVAL",
		       call(ACCEL_IOCTL_QUEUE_CREATE, &a), EINVAL);
	}
	{
		struct accel_get_param a = { .param = 0xffff };

		expect("enum: get-param of an undefined parameter -> EINVAL",
		       call(ACCEL_IOCTL_GET_PARAM, &a), EINVAL);
	}
}

/* ------------------------------------------------------------ numbers */

static void nr_checks(void)
{
	uint8_t buf[64] = { 0 };

	expect("nr: 0x3f, unused in the core's range -> ENOTTY",
	       call(_IOWR(ACCEL_IOCTL_MAGIC, 0x3f, struct accel_get_param), buf), ENOTTY);
	expect("nr: 0x47, past the device's last ioctl -> ENOTTY",
	       call(_IOWR(SOFTACCEL_IOCTL_MAGIC, 0x47, struct accel_get_param), buf), ENOTTY);
	expect("nr: 0x9f, the end of the driver range -> ENOTTY",
	       call(_IOWR(SOFTACCEL_IOCTL_MAGIC, 0x9f, struct accel_get_param), buf), ENOTTY);
	expect("nr: 0xff -> ENOTTY",
	       call(_IOWR(SOFTACCEL_IOCTL_MAGIC, 0xff, struct accel_get_param), buf), ENOTTY);
	expect("nr: get-param's nr with another magic -> ENOTTY",
	       call(_IOWR('x', ACCEL_NR_GET_PARAM, struct accel_get_param), buf), ENOTTY);
	expect("nr: _IO with no argument -> ENOTTY", call(_IO(SOFTACCEL_IOCTL_MAGIC, 0x50), NULL),
	       ENOTTY);
}

/* ------------------------------------------------------------ user pointers */

static void pointer_checks(void)
{
	struct softaccel_cmd c = fill_cmd(0);
	struct softaccel_submit s;
	uint64_t v;

	expect("pointer: get-param argument at address 16 -> EFAULT",
	       call(ACCEL_IOCTL_GET_PARAM, (void *)16), EFAULT);
	expect("pointer: get-param argument in an unmapped page -> EFAULT",
	       call(ACCEL_IOCTL_GET_PARAM, no_page), EFAULT);
	{
		/* The kernel writes the value back: a read-only argument. */
		struct accel_get_param a = { .param = ACCEL_PARAM_REVISION };

		memcpy(edge_page, &a, sizeof(a));
		if (mprotect(edge_page, page, PROT_READ)) {
			fail("pointer: get-param argument read-only -> EFAULT", "mprotect: %s",
			     errname(errno));
		} else {
			expect("pointer: get-param argument read-only -> EFAULT",
			       call(ACCEL_IOCTL_GET_PARAM, edge_page), EFAULT);
			mprotect(edge_page, page, PROT_READ | PROT_WRITE);
		}
	}
	{
		/* The argument's last 8 bytes lie in the unmapped page. */
		uint8_t *p = no_page - (sizeof(struct softaccel_submit) - 8);

		s = submit_arg(&c, 1);
		memcpy(p, &s, sizeof(s) - 8);
		expect("pointer: submit argument straddling into an unmapped page -> EFAULT",
		       call(SOFTACCEL_IOCTL_SUBMIT, p), EFAULT);
	}
	s = submit_arg(&c, 1);
	s.cmds = 16;
	expect("pointer: submit cmds at address 16 -> EFAULT", call(SOFTACCEL_IOCTL_SUBMIT, &s),
	       EFAULT);
	s.cmds = 0;
	expect("pointer: submit cmds null with cmd-count 1 -> EFAULT",
	       call(SOFTACCEL_IOCTL_SUBMIT, &s), EFAULT);
	s.cmds = uptr(no_page);
	expect("pointer: submit cmds in an unmapped page -> EFAULT",
	       call(SOFTACCEL_IOCTL_SUBMIT, &s), EFAULT);
	{
		/* Two commands, the second one past the end of the mapping. */
		struct softaccel_cmd *two = (struct softaccel_cmd *)(no_page - sizeof(c));

		*two = c;
		s = submit_arg(two, 2);
		expect("pointer: submit cmds running into an unmapped page -> EFAULT",
		       call(SOFTACCEL_IOCTL_SUBMIT, &s), EFAULT);
	}
	s = submit_arg(&c, SOFTACCEL_MAX_CMDS_PER_SUBMIT);
	s.cmds = UINT64_MAX - 4095;
	expect("pointer: submit cmds at the top of the address space (range wraps) -> EFAULT",
	       call(SOFTACCEL_IOCTL_SUBMIT, &s), EFAULT);
	s = submit_arg(&c, 1);
	s.cmds = 0x8000000000000000ULL;
	expect("pointer: submit cmds at a kernel address -> EFAULT",
	       call(SOFTACCEL_IOCTL_SUBMIT, &s), EFAULT);

	if (caps & ACCEL_CAPABILITIES_PERF_STATS) {
		struct softaccel_perf_stats p = { .counters = uptr(ro_page), .counter_count = 2 };

		expect("pointer: perf-stats counters read-only -> EFAULT",
		       call(SOFTACCEL_IOCTL_PERF_STATS, &p), EFAULT);
		p = (struct softaccel_perf_stats){ .counters = 0, .counter_count = 2 };
		expect("pointer: perf-stats counters null with counter-count 2 -> EFAULT",
		       call(SOFTACCEL_IOCTL_PERF_STATS, &p), EFAULT);
		p = (struct softaccel_perf_stats){ .counters = 0, .counter_count = 0 };
		expect("pointer: perf-stats counters null with counter-count 0 -> success",
		       call(SOFTACCEL_IOCTL_PERF_STATS, &p), 0);
	} else {
		skip("pointer: perf-stats counters", "the device lacks perf-stats");
	}
	if (dcaps & SOFTACCEL_DEVICE_CAPS_CONTROL) {
		struct softaccel_control a = { .request = uptr(no_page), .request_len = 16,
					       .reply = uptr(edge_page), .reply_cap = 64 };

		expect("pointer: control request in an unmapped page -> EFAULT",
		       call(SOFTACCEL_IOCTL_CONTROL, &a), EFAULT);
	} else {
		skip("pointer: control request", "the device lacks control");
	}
	/* Nothing above took effect. */
	expect("pointer: the device still answers", get_param(ACCEL_PARAM_REVISION, &v), 0);
}

/* ------------------------------------------------------------ array bounds */

static void array_checks(void)
{
	static struct softaccel_cmd cmds[SOFTACCEL_MAX_CMDS_PER_SUBMIT + 1];
	struct softaccel_submit s = submit_arg(cmds, SOFTACCEL_MAX_CMDS_PER_SUBMIT + 1);

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		cmds[i] = fill_cmd(0);
	expect("array: submit of max-cmds-per-submit + 1 commands -> EINVAL",
	       call(SOFTACCEL_IOCTL_SUBMIT, &s), EINVAL);
	s = submit_arg(cmds, 0);
	expect("array: submit of 0 commands -> EINVAL", call(SOFTACCEL_IOCTL_SUBMIT, &s), EINVAL);
	s = submit_arg(cmds, UINT32_MAX);
	expect("array: submit of 2^32 - 1 commands -> EINVAL", call(SOFTACCEL_IOCTL_SUBMIT, &s),
	       EINVAL);
	if (caps & ACCEL_CAPABILITIES_PERF_STATS) {
		struct softaccel_perf_stats p = { .counters = uptr(ext_counters),
						  .counter_count = SOFTACCEL_MAX_PERF_COUNTERS + 1 };

		expect("array: perf-stats of max-perf-counters + 1 counters -> EINVAL",
		       call(SOFTACCEL_IOCTL_PERF_STATS, &p), EINVAL);
	}
	if (dcaps & SOFTACCEL_DEVICE_CAPS_CONTROL) {
		struct softaccel_control a = { .request = uptr(edge_page), .request_len = 65537,
					       .reply = uptr(edge_page), .reply_cap = 64 };

		expect("array: control request of 65537 bytes -> EINVAL",
		       call(SOFTACCEL_IOCTL_CONTROL, &a), EINVAL);
		a = (struct softaccel_control){ .request = uptr(edge_page), .request_len = 16,
						.reply = uptr(edge_page), .reply_cap = 65537 };
		expect("array: control reply of 65537 bytes -> EINVAL",
		       call(SOFTACCEL_IOCTL_CONTROL, &a), EINVAL);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s <device-node>\n", argv[0]);
		return 2;
	}
	/* Line by line, so a crash leaves every check before it visible. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("conformance of %s (%zu-bit caller, %zu-bit off_t)\n", argv[1],
	       sizeof(void *) * 8, sizeof(off_t) * 8);
	if (setup(argv[1])) {
		pad_checks();
		flag_checks();
		nr_checks();
		extension_checks();
		pointer_checks();
		array_checks();
		if (bo_map)
			munmap((void *)bo_map, page);
		if (close(fd))
			fail("close the device", "%s", errname(errno));
		else
			pass("close the device");
	}
	printf("conformance: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
