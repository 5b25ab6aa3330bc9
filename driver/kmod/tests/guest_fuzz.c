/*
 * A fuzzer for the real device, run in the guest with the module loaded:
 *
 *   guest_fuzz [-d DEV] [-t SECONDS] [-s SEED] [-p PROCS] [-j THREADS]
 *              [-c IOCTL_CORPUS] [-C CONTROL_CORPUS]
 *
 * First it replays every input of the in-process fuzzers' corpora:
 * fuzz/corpus/ioctl_dispatch, decoded exactly as
 * fuzz/fuzz_targets/ioctl_dispatch.rs decodes it (the same command words
 * and the same argument bytes at the same addresses, the harness's fake
 * user memory being real pages here), and fuzz/corpus/control, decoded as
 * fuzz/fuzz_targets/control.rs does (the same message and reply buffer,
 * each ending at a guard page where the harness's memory ends); the
 * unprivileged inputs from a process that gave up root. Then, for SECONDS, PROCS processes of THREADS
 * threads each throw random and mutated ioctls at the device: command
 * words with the right or a wrong magic, number, size and direction;
 * arguments in valid buffers (filled with zeros, random words, handles and
 * offsets earlier calls returned, pointers to more such buffers), at NULL,
 * unmapped, kernel, misaligned and read-only addresses and straddling a
 * guard page; mmap of random offsets and sizes of random files, written
 * and read; files opened and closed under other threads' calls, shared
 * between processes by fork; mutated corpus inputs. The parent SIGKILLs a
 * random worker every few hundred milliseconds (mid-call, mid-WAIT) and
 * starts another, and flips the module's `paused` switch so that work
 * stays in flight.
 *
 * The kernel's side of the verdict is the caller's (scripts/vm.sh scans
 * the log and removes the module); this program fails (exit 1) on an
 * errno no spec documents for any ioctl, or when the device's live
 * objects (debugfs counters) are not back to zero once every client is
 * gone, and on a CONTROL reply that does not fit its buffer or names
 * another operation. It prints the calls by errno, the successful calls
 * by command and the duration.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/futex.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "softaccel.h"

#define MAX_PROCS 16
#define MAX_THREADS 8
#define NFDS 8
#define POOL 64
#define SCRATCH (64 * 1024)
#define MAX_ERRNO 160

/* The harness's fake address space (fuzz/src/usermem.rs). */
#define REGION_STRIDE 0x10000UL
#define REGIONS 4
#define MAX_REGION (65536 + 64)

static const char *node = "/dev/softaccel0";
static char params[128];

/* Every errno the two specs document for some ioctl, and EINTR. */
static const int documented[] = {
	E2BIG,	EACCES, EAGAIN, EBADF,	EBUSY,	   ECANCELED, EFAULT,
	EINVAL, EMSGSIZE, ENODEV, ENOENT, ENOMEM, ENOSPC,    ENOTTY,
	EOPNOTSUPP, EPERM, EPIPE, ERANGE, ETIMEDOUT, EINTR,
};

/* In the order of the Rust crates' IOCTLS tables, as the corpus encodes. */
static const uint32_t cmds[] = {
	ACCEL_IOCTL_GET_PARAM,	  ACCEL_IOCTL_SET_PARAM,
	ACCEL_IOCTL_BO_CREATE,	  ACCEL_IOCTL_BO_INFO,
	ACCEL_IOCTL_BO_DESTROY,	  ACCEL_IOCTL_QUEUE_CREATE,
	ACCEL_IOCTL_QUEUE_DESTROY, SOFTACCEL_IOCTL_SUBMIT,
	SOFTACCEL_IOCTL_WAIT,	  SOFTACCEL_IOCTL_PERF_STATS,
	SOFTACCEL_IOCTL_QUEUE_INFO, SOFTACCEL_IOCTL_CONTROL,
	SOFTACCEL_IOCTL_RING_QUEUE_CREATE, SOFTACCEL_IOCTL_DOORBELL,
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))
static const char *const cmd_names[NCMDS + 1] = {
	"get-param", "set-param", "bo-create", "bo-info", "bo-destroy",
	"queue-create", "queue-destroy", "submit", "wait", "perf-stats",
	"queue-info", "control", "ring-queue-create", "doorbell", "other",
};

/* Figures every process adds to: a shared anonymous mapping. */
struct stats {
	uint64_t calls;
	uint64_t by_errno[MAX_ERRNO + 1]; /* [MAX_ERRNO]: anything above */
	uint64_t ok_by_cmd[NCMDS + 1];	  /* [NCMDS]: any other word */
	uint64_t mmaps, mmap_failed, faults, opens, closes, forks;
	uint64_t replayed, tapes, kills, pauses;
	uint64_t undocumented, bad_replies, died;
	uint32_t last_undocumented_cmd;
	int last_undocumented_errno;
};
static struct stats *st;

#define ADD(field, n) __atomic_fetch_add(&st->field, (n), __ATOMIC_RELAXED)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: per thread, seeded from the run's seed. */
static __thread uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

static int is_documented(int e)
{
	size_t i;

	for (i = 0; i < sizeof(documented) / sizeof(documented[0]); i++)
		if (documented[i] == e)
			return 1;
	return 0;
}

/* One ioctl, its result counted; -1 with errno set, or 0. */
static int call(int fd, uint32_t cmd, uintptr_t arg)
{
	int ret = ioctl(fd, (unsigned long)cmd, arg);
	int e = ret < 0 ? errno : 0;

	ADD(calls, 1);
	ADD(by_errno[e < MAX_ERRNO ? e : MAX_ERRNO], 1);
	if (!e) {
		size_t i;

		for (i = 0; i < NCMDS && cmds[i] != cmd; i++)
			;
		ADD(ok_by_cmd[i], 1);
	}
	/* EBADF: another thread closed the file, as it may. */
	if (e && !is_documented(e)) {
		ADD(undocumented, 1);
		st->last_undocumented_cmd = cmd;
		st->last_undocumented_errno = e;
	}
	errno = e;
	return ret;
}

static uint32_t mkcmd(int in, int out, uint32_t magic, uint32_t nr,
		      uint32_t size)
{
	uint32_t dir = (in ? _IOC_WRITE : 0) | (out ? _IOC_READ : 0);

	return (uint32_t)_IOC(dir, magic & 0xff, nr & 0xff, size & 0x3fff);
}

/* ---------------------------------------------------------------- replay */

/* fuzz/src/lib.rs's Tape: the input as decisions, zeros past its end. */
struct tape {
	const uint8_t *p;
	size_t n;
};

static uint8_t t_u8(struct tape *t)
{
	if (!t->n)
		return 0;
	t->n--;
	return *t->p++;
}

static uint16_t t_u16(struct tape *t)
{
	uint16_t lo = t_u8(t);

	return (uint16_t)(lo | (uint16_t)t_u8(t) << 8);
}

static uint32_t t_u32(struct tape *t)
{
	uint32_t lo = t_u16(t);

	return lo | (uint32_t)t_u16(t) << 16;
}

static uint64_t t_u64(struct tape *t)
{
	uint64_t lo = t_u32(t);

	return lo | (uint64_t)t_u32(t) << 32;
}

static uint32_t t_below(struct tape *t, uint32_t n)
{
	return n ? t_u32(t) % n : 0;
}

/* The harness's regions, mapped at its addresses (0x10000 on). */
static uint8_t *regions;
#define REGIONS_LEN (REGIONS * REGION_STRIDE + MAX_REGION)

static int map_regions(void)
{
	void *p = mmap((void *)REGION_STRIDE, REGIONS_LEN + 4096,
		       PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p != (void *)REGION_STRIDE) {
		fprintf(stderr,
			"guest_fuzz: cannot map the harness's regions at %#lx: %s\n",
			REGION_STRIDE, strerror(errno));
		if (p != MAP_FAILED)
			munmap(p, REGIONS_LEN + 4096);
		return -1;
	}
	regions = p;
	return 0;
}

/*
 * One input of fuzz/corpus/ioctl_dispatch against the device. The fake
 * memory's one failing access has no equivalent here (the bytes it would
 * decide are read all the same); a region's bytes past its length up to
 * the next page are zeros instead of unmapped.
 */
static void run_tape(int fd, const uint8_t *data, size_t len)
{
	struct tape t = { data, len };
	uint32_t plan_cmd[8];
	uint64_t plan_arg[8];
	uint32_t calls, i, k;

	t_u8(&t); /* cap_sys_nice: the process's, as it is */
	t_u8(&t); /* privileged: chose the replaying process */
	calls = 1 + t_below(&t, 8);
	for (i = 0; i < calls; i++) {
		uint32_t cmd = cmds[t_below(&t, NCMDS)];
		uint32_t dir = _IOC_DIR(cmd), nr = _IOC_NR(cmd);
		uint32_t magic = _IOC_TYPE(cmd), size = _IOC_SIZE(cmd);
		uint8_t r;

		switch (t_u8(&t) % 8) {
		case 0:
			cmd = mkcmd(dir & _IOC_WRITE, dir & _IOC_READ, magic, nr,
				    t_u32(&t) & 0x3fff);
			break;
		case 1: {
			int in = t_u8(&t) & 1;

			cmd = mkcmd(in, t_u8(&t) & 1, magic, nr, size);
			break;
		}
		case 2:
			cmd = t_u32(&t);
			break;
		}
		r = t_u8(&t) % 8;
		if (r == 0)
			plan_arg[i] = t_u64(&t);
		else
			plan_arg[i] = (uint64_t)(r % REGIONS + 1) * REGION_STRIDE +
				      (uint64_t)(t_u8(&t) % 64) * 8;
		plan_cmd[i] = cmd;
	}
	if (t_u8(&t) % 4 == 0)
		t_u8(&t);
	for (k = 0; k < REGIONS; k++) {
		size_t n = (size_t)t_u16(&t) * 2, have;
		uint8_t *base = regions + k * REGION_STRIDE;

		if (n > MAX_REGION)
			n = MAX_REGION;
		have = n < t.n ? n : t.n;
		/* Later regions overlap an earlier one's tail, as there. */
		memcpy(base, t.p, have);
		memset(base + have, 0, MAX_REGION - have);
		t.p += have;
		t.n -= have;
	}
	for (i = 0; i < calls; i++) {
		uint64_t a = plan_arg[i];

		if (_IOC_TYPE(plan_cmd[i]) == SOFTACCEL_IOCTL_MAGIC &&
		    _IOC_NR(plan_cmd[i]) == SOFTACCEL_NR_WAIT &&
		    a >= REGION_STRIDE && a <= REGION_STRIDE + REGIONS_LEN - 24)
			memset((void *)(uintptr_t)(a + 16), 0, 8);
		/* A 64-bit address a 32-bit build cannot pass stays unused. */
		if ((uintptr_t)a != a)
			continue;
		call(fd, plan_cmd[i], (uintptr_t)a);
	}
}

struct input {
	uint8_t *data;
	size_t len;
};
/* fuzz/corpus/ioctl_dispatch and fuzz/corpus/control. */
static struct input *corpus, *ccorpus;
static size_t ncorpus, nccorpus;

static void load_corpus(const char *dir, struct input **out, size_t *nout)
{
	struct input *corpus = NULL;
	size_t ncorpus = 0;

	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		fprintf(stderr, "guest_fuzz: cannot read the corpus %s: %s\n",
			dir, strerror(errno));
		exit(2);
	}
	while ((e = readdir(d))) {
		char path[4096];
		struct stat sb;
		int fd;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		corpus = realloc(corpus, (ncorpus + 1) * sizeof(*corpus));
		corpus[ncorpus].len = (size_t)sb.st_size;
		corpus[ncorpus].data = malloc(corpus[ncorpus].len + 1);
		if (!corpus || !corpus[ncorpus].data ||
		    read(fd, corpus[ncorpus].data, corpus[ncorpus].len) !=
			    (ssize_t)corpus[ncorpus].len) {
			fprintf(stderr, "guest_fuzz: cannot read %s\n", path);
			exit(2);
		}
		close(fd);
		ncorpus++;
	}
	closedir(d);
	*out = corpus;
	*nout = ncorpus;
}

/* ---------------------------------------------------------------- control */

/* A message of up to `len` bytes ending at a guard page, and a reply area. */
#define CONTROL_MAX (5 * 4096) /* page-aligned: a guard follows */
#define REPLY_MAX (1 << 17)
static __thread uint8_t *control_area;

static int map_control_area(void)
{
	size_t n = CONTROL_MAX + 4096 + REPLY_MAX + 4096;
	uint8_t *p;

	if (control_area)
		return 0;
	p = mmap(NULL, n, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	if (mprotect(p + CONTROL_MAX, 4096, PROT_NONE) ||
	    mprotect(p + n - 4096, 4096, PROT_NONE)) {
		munmap(p, n);
		return -1;
	}
	control_area = p;
	return 0;
}

/*
 * One input of fuzz/corpus/control against the device, decoded as
 * fuzz/fuzz_targets/control.rs decodes it: a queue is created first (for
 * reset-queue to find), then CONTROL with the message (header and the
 * input's attributes) and a reply buffer as large as claimed or shorter,
 * each ending at a guard page where the harness's memory ends. A reply
 * must fit the buffer and name the request's operation.
 */
static void run_control(int fd, const uint8_t *data, size_t len)
{
	static const uint16_t ops[] = { SOFTACCEL_CMD_GET_STATUS,
					SOFTACCEL_CMD_GET_COUNTERS,
					SOFTACCEL_CMD_SET_POWER_STATE,
					SOFTACCEL_CMD_RESET_QUEUE,
					SOFTACCEL_CMD_GET_TUNABLES,
					SOFTACCEL_CMD_SET_TUNABLES,
					SOFTACCEL_CMD_FW_COMMAND };
	struct tape t = { data, len };
	struct accel_queue_create q = { 0 };
	struct softaccel_control c = { 0 };
	uint16_t op, flags = 0;
	uint32_t reserved = 0, reply_cap;
	size_t reply_room, msg_len, attrs;
	uint8_t op_pick, skew, *msg, *reply;

	if (map_control_area())
		return;
	t_u8(&t); /* privileged: chose the replaying process */
	op_pick = t_u8(&t);
	op = op_pick % 9 < 7 ? ops[op_pick % 9] : t_u16(&t);
	if (t_u8(&t) == 0xff) {
		flags = t_u16(&t);
		reserved = t_u32(&t);
	}
	switch (t_u8(&t) % 10) {
	case 0:
		reply_cap = 0;
		break;
	case 1:
		reply_cap = 8;
		break;
	case 2:
		reply_cap = 16;
		break;
	case 3:
		reply_cap = 64;
		break;
	case 4:
		reply_cap = t_u32(&t);
		break;
	case 5:
		reply_cap = 65536 + 1;
		break;
	default:
		reply_cap = 4096;
	}
	if (t_u8(&t) == 0)
		reply_room = t_below(&t, 64);
	else
		reply_room = reply_cap < REPLY_MAX ? reply_cap : REPLY_MAX;
	skew = t_u8(&t);
	attrs = t.n < CONTROL_MAX - 8 ? t.n : CONTROL_MAX - 8;
	msg_len = 8 + attrs;
	msg = control_area + CONTROL_MAX - msg_len;
	memcpy(msg, &op, 2);
	memcpy(msg + 2, &flags, 2);
	memcpy(msg + 4, &reserved, 4);
	memcpy(msg + 8, t.p, attrs);
	reply = control_area + CONTROL_MAX + 4096 + REPLY_MAX - reply_room;
	memset(reply, 0, reply_room);
	c.request = (uintptr_t)msg;
	c.reply = (uintptr_t)reply;
	c.request_len = skew == 0 ? 0 :
			skew == 1 ? (uint32_t)msg_len - 1 :
			skew == 2 ? (uint32_t)msg_len + 1 : (uint32_t)msg_len;
	c.reply_cap = reply_cap;
	call(fd, ACCEL_IOCTL_QUEUE_CREATE, (uintptr_t)&q);
	if (call(fd, SOFTACCEL_IOCTL_CONTROL, (uintptr_t)&c) == 0) {
		uint16_t got = 0;

		if (reply_room >= 2)
			memcpy(&got, reply, 2);
		if (c.reply_len > reply_cap || c.reply_len > reply_room ||
		    c.reply_len < 8 || got != op) {
			ADD(bad_replies, 1);
			fprintf(stderr,
				"guest_fuzz: CONTROL op %u: a reply of %u bytes (op %u) in a buffer of %u (%zu mapped)\n",
				op, c.reply_len, got, reply_cap, reply_room);
		}
	}
}

/* Back to full power: a fuzzed SET_POWER_STATE stops all new work. */
static void full_power(int fd)
{
	struct {
		uint16_t op, flags;
		uint32_t reserved;
		uint16_t nla_len, nla_type;
		uint32_t state;
	} msg = { SOFTACCEL_CMD_SET_POWER_STATE, 0, 0, 8,
		  SOFTACCEL_A_POWER_STATE, SOFTACCEL_POWER_STATE_FULL };
	uint8_t reply[256];
	struct softaccel_control c = {
		.request = (uintptr_t)&msg,
		.reply = (uintptr_t)reply,
		.request_len = sizeof(msg),
		.reply_cap = sizeof(reply),
	};

	ioctl(fd, SOFTACCEL_IOCTL_CONTROL, &c);
}

/* The inputs whose privileged bit is `priv`, from this process. */
static void replay(int priv)
{
	size_t i;

	if (map_regions())
		_exit(3);
	for (i = 0; i < ncorpus; i++) {
		int fd;

		if (corpus[i].len > 1 && (corpus[i].data[1] & 1) != priv)
			continue;
		if (corpus[i].len <= 1 && priv)
			continue;
		fd = open(node, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "guest_fuzz: open %s: %s\n", node,
				strerror(errno));
			_exit(3);
		}
		run_tape(fd, corpus[i].data, corpus[i].len);
		close(fd);
		ADD(replayed, 1);
	}
	for (i = 0; i < nccorpus; i++) {
		int fd;

		if ((ccorpus[i].len ? ccorpus[i].data[0] & 1 : 0) != priv)
			continue;
		fd = open(node, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			_exit(3);
		run_control(fd, ccorpus[i].data, ccorpus[i].len);
		close(fd);
		ADD(replayed, 1);
	}
	_exit(0);
}

static int drop_root(void)
{
	return setgroups(0, NULL) || setgid(65534) || setuid(65534) ? -1 : 0;
}

/* ---------------------------------------------------------------- random */

/* A worker process's state, shared by its threads. */
static int fds[NFDS];
static uint64_t pool[POOL];	/* values earlier calls returned */
static uint64_t offsets[POOL];	/* mmap offsets earlier calls returned */
static uint32_t created;	/* objects made since the last reset */
static uint8_t *unmapped;	/* an address nothing may access */
static uint8_t *hole;		/* HOLE bytes reserved, none accessible */
#define HOLE (64UL << 20)
static uint8_t *readonly;	/* a page the kernel cannot write */

int main(int argc, char **argv);

static __thread sigjmp_buf fault_jmp;
static __thread volatile int fault_armed;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	char msg[200];
	int n;

	if (fault_armed)
		siglongjmp(fault_jmp, 1);
	/* A fault of the fuzzer's own: where, to find it (pc less main). */
	n = snprintf(msg, sizeof(msg),
		     "guest_fuzz: worker %d: signal %d at address %p, pc %#lx from main\n",
		     (int)getpid(), sig, si->si_addr,
#ifdef __x86_64__
		     (unsigned long)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP] -
#else
		     (unsigned long)((ucontext_t *)uc)->uc_mcontext.gregs[REG_EIP] -
#endif
			     (unsigned long)(uintptr_t)main);
	if (n > 0 && write(2, msg, (size_t)n) < 0)
		n = 0;
	signal(sig, SIG_DFL);
	raise(sig);
}

static int pick_fd(void)
{
	return __atomic_load_n(&fds[below(NFDS)], __ATOMIC_RELAXED);
}

static void reopen(int slot)
{
	int fd = open(node, O_RDWR | O_CLOEXEC);
	int old = __atomic_exchange_n(&fds[slot], fd, __ATOMIC_RELAXED);

	ADD(opens, 1);
	/* Under another thread's call on it, as a racing close would be. */
	if (old >= 0) {
		close(old);
		ADD(closes, 1);
	}
}

static uint64_t interesting(void)
{
	static const uint64_t k[] = {
		0, 1, 2, 3, 7, 8, 63, 64, 255, 256, 4095, 4096, 4097, 65536,
		1 << 20, (1 << 20) + 1, 0x7fffffff, 0x80000000, 0xffffffff,
		0x100000000ULL, 0x7fffffffffffffffULL, 0xffffffffffffffffULL,
		0xfffffffffffff000ULL,
	};

	return k[below(sizeof(k) / sizeof(k[0]))];
}

/* A word for an argument: mostly what a plausible caller would pass. */
static uint64_t word(uint8_t *scratch)
{
	switch (below(16)) {
	case 0:
	case 1:
	case 2:
	case 3:
	case 4:
		return 0;
	case 5:
	case 6:
		return below(8);
	case 7:
	case 8:
		return __atomic_load_n(&pool[below(POOL)], __ATOMIC_RELAXED);
	case 9:
		return __atomic_load_n(&offsets[below(POOL)], __ATOMIC_RELAXED);
	case 10:
		return interesting();
	case 11:
		return (uintptr_t)(scratch + SCRATCH / 2 + below(SCRATCH / 2 - 256));
	case 12:
		return rnd();
	case 13:
		return now_ns() + below(20000000);
	default:
		return rnd() & 0xff;
	}
}

static void fill(uint8_t *p, size_t n, uint8_t *scratch)
{
	size_t i = 0;

	while (i + 8 <= n) {
		uint64_t w = word(scratch);

		if (below(3) == 0) {
			uint32_t v = (uint32_t)w;

			memcpy(p + i, &v, 4);
			i += 4;
		} else {
			memcpy(p + i, &w, 8);
			i += 8;
		}
	}
	while (i < n)
		p[i++] = below(4) ? 0 : (uint8_t)rnd();
}

/* What a successful call returned: handles and offsets for later calls. */
static void harvest(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 4 <= n; i += 4) {
		uint32_t v;

		memcpy(&v, p + i, 4);
		if (v && v < 65536)
			__atomic_store_n(&pool[below(POOL)], v, __ATOMIC_RELAXED);
		if (!(i % 8) && i + 8 <= n) {
			uint64_t o;

			memcpy(&o, p + i, 8);
			if (o && !(o & 4095) && o < (1ULL << 44))
				__atomic_store_n(&offsets[below(POOL)], o,
						 __ATOMIC_RELAXED);
		}
	}
}

/*
 * Any address the process cannot access. Not simply a random word: a
 * random 32-bit address lands in this process's memory (thread stacks,
 * libc's locks) often enough for the kernel's copy-out to corrupt the
 * fuzzer itself; a random 64-bit one rarely, but then as badly.
 */
static uintptr_t wild(void)
{
	if (sizeof(uintptr_t) == 8 && below(2))
		return (uintptr_t)(rnd() | 1ULL << 63);
	return (uintptr_t)(hole + below(HOLE));
}

static uint32_t random_cmd(void)
{
	uint32_t cmd = cmds[below(NCMDS)];
	uint32_t dir = _IOC_DIR(cmd);

	switch (below(12)) {
	case 0:
		return mkcmd(dir & _IOC_WRITE, dir & _IOC_READ, _IOC_TYPE(cmd),
			     _IOC_NR(cmd), below(2) ? below(0x4000) : below(256));
	case 1:
		return mkcmd(below(2), below(2), _IOC_TYPE(cmd), _IOC_NR(cmd),
			     _IOC_SIZE(cmd));
	case 2:
		return mkcmd(below(2), below(2), _IOC_TYPE(cmd), below(0x50),
			     _IOC_SIZE(cmd));
	case 3:
		return mkcmd(dir & _IOC_WRITE, dir & _IOC_READ, below(256),
			     _IOC_NR(cmd), _IOC_SIZE(cmd));
	case 4:
		return (uint32_t)rnd();
	default:
		return cmd;
	}
}

static void one_ioctl(uint8_t *scratch, uint8_t *guard)
{
	uint32_t cmd = random_cmd();
	size_t size = _IOC_SIZE(cmd), n = size ? size : 64;
	uint8_t *buf = scratch + below(64) * 8;
	uintptr_t arg;
	int fd = pick_fd();

	if (n > SCRATCH / 2)
		n = SCRATCH / 2;
	switch (below(20)) {
	case 0:
		arg = 0;
		break;
	case 1:
		arg = (uintptr_t)unmapped;
		break;
	case 2:
		arg = (uintptr_t)(sizeof(uintptr_t) == 8 ? 0xffff888000000000ULL :
							   0xc0000000UL) +
		      below(4096);
		break;
	case 3:
		arg = (uintptr_t)readonly;
		break;
	case 4:
		/* Straddling the guard page: the tail of a copy faults. */
		buf = guard - (n > 8 ? n - below(8) : n);
		fill(buf, guard - buf, scratch);
		arg = (uintptr_t)buf;
		break;
	case 5:
		arg = wild();
		break;
	case 6:
		buf += 1 + below(7);
		/* fall through */
	default:
		fill(buf, n, scratch);
		arg = (uintptr_t)buf;
	}
	if (_IOC_TYPE(cmd) == SOFTACCEL_IOCTL_MAGIC &&
	    _IOC_NR(cmd) == SOFTACCEL_NR_WAIT && arg == (uintptr_t)buf &&
	    buf + 24 <= guard && below(50)) {
		/* A deadline that passes; rarely any (the killer ends it). */
		uint64_t d = below(3) ? now_ns() + below(20000000) : 0;

		memcpy(buf + 16, &d, 8);
	}
	if (call(fd, cmd, arg) == 0 && arg == (uintptr_t)buf &&
	    buf + n <= scratch + SCRATCH) {
		harvest(buf, n);
		if (cmd == ACCEL_IOCTL_BO_CREATE ||
		    cmd == ACCEL_IOCTL_QUEUE_CREATE ||
		    cmd == SOFTACCEL_IOCTL_RING_QUEUE_CREATE)
			__atomic_fetch_add(&created, 1, __ATOMIC_RELAXED);
	}
}

static void one_mmap(void)
{
	static const int prots[] = { PROT_READ | PROT_WRITE, PROT_READ,
				     PROT_WRITE, PROT_NONE };
	volatile size_t len = (size_t)(1 + (below(4) ? below(4) : below(300))) * 4096;
	uint64_t off = below(2) ? __atomic_load_n(&offsets[below(POOL)],
						  __ATOMIC_RELAXED) :
				  (uint64_t)below(64) * 4096;
	volatile int prot = prots[below(4)];
	uint8_t *volatile p;

	if (below(8) == 0)
		off += (uint64_t)below(8) * 4096;
	if (below(16) == 0)
		len += below(4096);
	p = mmap(NULL, len, prot, below(4) ? MAP_SHARED : MAP_PRIVATE,
		 pick_fd(), (off_t)off);
	if (p == MAP_FAILED) {
		ADD(mmap_failed, 1);
		return;
	}
	ADD(mmaps, 1);
	/* Touch it: a ring's indices and entries rewritten under the device. */
	fault_armed = 1;
	if (sigsetjmp(fault_jmp, 1) == 0) {
		size_t i;

		for (i = 0; i < 8; i++) {
			size_t at = below((uint32_t)len);

			if (prot & PROT_WRITE)
				p[at] = (uint8_t)rnd();
			else
				(void)*(volatile uint8_t *)(p + at);
		}
		if (prot & PROT_WRITE && below(4) == 0)
			memset(p, (int)below(256), below(512));
	} else {
		ADD(faults, 1);
	}
	fault_armed = 0;
	munmap(p, len);
}

/* Mappings a thread keeps for a while: used by the device meanwhile. */
#define KEEP 4
static __thread struct {
	uint8_t *p;
	size_t len;
} kept[KEEP];
static __thread unsigned int next_kept;

static void keep_mapping(uint8_t *p, size_t len)
{
	unsigned int i = next_kept++ % KEEP;

	if (kept[i].p)
		munmap(kept[i].p, kept[i].len);
	kept[i].p = p;
	kept[i].len = len;
}

/* Rewrites a kept mapping: ring indices and entries, BO bytes. */
static void scribble(void)
{
	unsigned int i = below(KEEP);
	size_t j;

	if (!kept[i].p)
		return;
	for (j = 0; j < 4; j++) {
		size_t at = below((uint32_t)kept[i].len) & ~(size_t)3;
		uint32_t v = (uint32_t)word(NULL);

		if (at + 4 <= kept[i].len)
			memcpy(kept[i].p + at, &v, 4);
	}
}

static void remember(uint64_t *where, uint64_t v)
{
	__atomic_store_n(&where[below(POOL)], v, __ATOMIC_RELAXED);
}

static uint32_t handle(void)
{
	return below(8) ? (uint32_t)__atomic_load_n(&pool[below(POOL)],
						    __ATOMIC_RELAXED) :
			  below(4);
}

/* An offset in a BO of `size`: mostly in range and aligned. */
static uint64_t offset_in(uint64_t size, uint64_t len)
{
	if (below(16) == 0)
		return word(NULL);
	if (len >= size)
		return 0;
	return (below((uint32_t)(size - len)) & ~7ULL) + (below(16) ? 0 : below(8));
}

/* A command of a random opcode on BOs `b`, its operands mostly valid. */
static void fill_cmd(struct softaccel_cmd *c, const struct accel_bo_create *b)
{
	uint64_t len = below(4) ? 4 * (1 + below(256)) : 1 + below(16384);
	uint32_t op = below(7);

	memset(c, 0, sizeof(*c));
	c->opcode = below(32) ? op : below(64);
	switch (op) {
	case SOFTACCEL_OPCODE_COPY:
	case SOFTACCEL_OPCODE_CRC32C:
		c->src_bo = b[below(2)].handle;
		c->src_offset = offset_in(b[0].size, len);
		c->dst_bo = b[below(2)].handle;
		c->dst_offset = offset_in(b[0].size, len) & ~3ULL;
		c->length = len;
		if (op == SOFTACCEL_OPCODE_CRC32C)
			c->value = below(4) ? 0 : rnd() & 0xffffffff;
		break;
	case SOFTACCEL_OPCODE_FILL:
		c->dst_bo = b[below(2)].handle;
		c->dst_offset = offset_in(b[0].size, len);
		c->length = len;
		c->value = rnd();
		break;
	case SOFTACCEL_OPCODE_TIMESTAMP:
		c->dst_bo = b[below(2)].handle;
		c->dst_offset = offset_in(b[0].size, 8) & ~7ULL;
		break;
	default:
		c->src_bo = b[0].handle;
		c->src2_bo = b[1].handle;
		c->dst_bo = b[below(2)].handle;
		c->length = len / 4;
		c->src_offset = offset_in(b[0].size, len) & ~3ULL;
		c->src2_offset = offset_in(b[1].size, len) & ~3ULL;
		c->dst_offset = below(2) ? c->src_offset :
					   offset_in(b[0].size, len) & ~3ULL;
	}
}

/* Two BOs on the file, or handles from the pool where a create fails. */
static void make_bos(int fd, struct accel_bo_create *b)
{
	uint32_t i;

	for (i = 0; i < 2; i++) {
		memset(&b[i], 0, sizeof(b[i]));
		b[i].size = 4096ULL * (1 + below(4));
		b[i].flags = below(8) ? 0 : ACCEL_BO_FLAGS_DEVICE_READ_ONLY;
		if (call(fd, ACCEL_IOCTL_BO_CREATE, (uintptr_t)&b[i]))
			b[i].handle = handle();
	}
	__atomic_fetch_add(&created, 2, __ATOMIC_RELAXED);
}

/*
 * A ring-mode queue used as a client would: entries written into the
 * mapped submit ring, the producer index published, the doorbell rung,
 * completions consumed; sometimes an index too far ahead (a protocol
 * error), and the queue destroyed or the ring unmapped with work in it.
 */
static void one_ring(int fd)
{
	struct softaccel_ring_queue_create r = {
		.priority = below(4),
		.submit_entries = 16U << below(3),
		.complete_entries = 16U << below(3),
	};
	struct accel_bo_create b[2];
	uint8_t *sub, *comp;
	uint32_t round, i, prod = 0;

	make_bos(fd, b);
	if (call(fd, SOFTACCEL_IOCTL_RING_QUEUE_CREATE, (uintptr_t)&r))
		return;
	__atomic_fetch_add(&created, 1, __ATOMIC_RELAXED);
	remember(pool, r.handle);
	sub = mmap(NULL, (size_t)r.submit_size, PROT_READ | PROT_WRITE,
		   MAP_SHARED, fd, (off_t)r.submit_offset);
	comp = mmap(NULL, (size_t)r.complete_size, PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, (off_t)r.complete_offset);
	if (sub == MAP_FAILED || comp == MAP_FAILED) {
		ADD(mmap_failed, 1);
		if (sub != MAP_FAILED)
			munmap(sub, (size_t)r.submit_size);
		if (comp != MAP_FAILED)
			munmap(comp, (size_t)r.complete_size);
		return;
	}
	ADD(mmaps, 2);
	for (round = 0; round < 1 + below(4); round++) {
		struct softaccel_doorbell d = { .queue = r.handle };
		uint32_t n = 1 + below(r.submit_entries / 2);
		uint32_t cons = __atomic_load_n((uint32_t *)(sub + SOFTACCEL_RING_CONSUMER_OFFSET),
						__ATOMIC_ACQUIRE);

		/* Room, mostly; after a wild producer index, a few entries. */
		if (prod - cons > r.submit_entries)
			n = 1 + below(4);
		else if (prod - cons + n > r.submit_entries && below(8))
			n = r.submit_entries - (prod - cons);
		for (i = 0; i < n; i++) {
			uint32_t slot = (prod + i) & (r.submit_entries - 1);
			uint8_t *e = sub + SOFTACCEL_RING_HEADER_SIZE +
				     (size_t)slot * SOFTACCEL_RING_SUBMIT_ENTRY_SIZE;
			struct softaccel_cmd c;
			uint64_t cookie = rnd();

			fill_cmd(&c, b);
			memcpy(e, &c, sizeof(c));
			memcpy(e + sizeof(c), &cookie, 8);
		}
		prod += below(32) ? n : (uint32_t)rnd();
		__atomic_store_n((uint32_t *)(sub + SOFTACCEL_RING_PRODUCER_OFFSET),
				 prod, __ATOMIC_RELEASE);
		call(fd, SOFTACCEL_IOCTL_DOORBELL, (uintptr_t)&d);
		if (below(2)) {
			struct timespec ts = { 0, (long)below(2000000) };

			nanosleep(&ts, NULL);
		}
		/* Consume what completed. */
		__atomic_store_n((uint32_t *)(comp + SOFTACCEL_RING_CONSUMER_OFFSET),
				 __atomic_load_n((uint32_t *)(comp + SOFTACCEL_RING_PRODUCER_OFFSET),
						 __ATOMIC_ACQUIRE),
				 __ATOMIC_RELEASE);
	}
	if (below(4) == 0) {
		struct accel_queue_destroy qd = { .handle = r.handle };

		call(fd, ACCEL_IOCTL_QUEUE_DESTROY, (uintptr_t)&qd);
	}
	if (below(2)) {
		keep_mapping(sub, (size_t)r.submit_size);
		keep_mapping(comp, (size_t)r.complete_size);
	} else {
		munmap(sub, (size_t)r.submit_size);
		munmap(comp, (size_t)r.complete_size);
	}
}

/*
 * A valid submission, mostly: a fresh queue and BOs on the file, commands
 * of every opcode with their operands in range; then the objects go again
 * at random, with the work still in flight, or stay for the file's close.
 */
static void one_submit(int fd, uint8_t *scratch)
{
	struct softaccel_cmd *c = (void *)(scratch + SCRATCH / 2);
	struct accel_queue_create q = { .priority = below(4) };
	struct accel_bo_create b[2];
	struct softaccel_submit s = { .cmd_count = 1 + below(4) };
	uint32_t i;

	if (call(fd, ACCEL_IOCTL_QUEUE_CREATE, (uintptr_t)&q))
		return;
	make_bos(fd, b);
	__atomic_fetch_add(&created, 1, __ATOMIC_RELAXED);
	remember(pool, q.handle);
	remember(pool, b[0].handle);
	for (i = 0; i < s.cmd_count; i++)
		fill_cmd(&c[i], b);
	s.queue = below(16) ? q.handle : handle();
	s.cmds = (uintptr_t)c;
	if (below(16) == 0)
		s.cmd_count = (uint32_t)word(NULL);
	if (!call(fd, SOFTACCEL_IOCTL_SUBMIT, (uintptr_t)&s) && below(2)) {
		struct softaccel_wait w = {
			.queue = s.queue,
			.seqno = s.seqno,
			.timeout_ns = below(2) ? 0 : now_ns() + below(5000000),
		};

		call(fd, SOFTACCEL_IOCTL_WAIT, (uintptr_t)&w);
	}
	if (below(2)) {
		struct accel_bo_destroy d = { .handle = b[below(2)].handle };

		call(fd, ACCEL_IOCTL_BO_DESTROY, (uintptr_t)&d);
	}
	if (below(2)) {
		struct accel_queue_destroy d = { .handle = q.handle };

		call(fd, ACCEL_IOCTL_QUEUE_DESTROY, (uintptr_t)&d);
	}
}

/*
 * Well-formed calls with mostly valid arguments, so that the random ones
 * find live BOs, queues, rings and submissions to work on: create, look
 * up, map, submit, wait, destroy.
 */
static void one_directed(uint8_t *scratch)
{
	int fd = pick_fd();

	switch (below(9)) {
	case 0: {
		struct accel_bo_create c = {
			.size = below(4) ? 4096ULL * (1 + below(16)) : 1 + below(1 << 20),
			.flags = below(4) ? ACCEL_BO_FLAGS_HOST_VISIBLE : below(8),
			.alignment = below(4) ? 0 : 1ULL << below(24),
		};
		struct accel_bo_info in = { 0 };
		uint8_t *p;

		if (call(fd, ACCEL_IOCTL_BO_CREATE, (uintptr_t)&c))
			return;
		__atomic_fetch_add(&created, 1, __ATOMIC_RELAXED);
		remember(pool, c.handle);
		in.handle = c.handle;
		if (call(fd, ACCEL_IOCTL_BO_INFO, (uintptr_t)&in) ||
		    !(in.flags & ACCEL_BO_FLAGS_HOST_VISIBLE))
			return;
		remember(offsets, in.mmap_offset);
		p = mmap(NULL, (size_t)in.size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, fd, (off_t)in.mmap_offset);
		if (p == MAP_FAILED) {
			ADD(mmap_failed, 1);
			return;
		}
		ADD(mmaps, 1);
		keep_mapping(p, (size_t)in.size);
		return;
	}
	case 1: {
		struct accel_queue_create q = { .priority = below(4) };

		if (!call(fd, ACCEL_IOCTL_QUEUE_CREATE, (uintptr_t)&q)) {
			__atomic_fetch_add(&created, 1, __ATOMIC_RELAXED);
			remember(pool, q.handle);
		}
		return;
	}
	case 2: {
		struct softaccel_ring_queue_create r = {
			.priority = below(4),
			.submit_entries = 1U << below(10),
			.complete_entries = 1U << below(10),
		};
		uint8_t *p;

		if (call(fd, SOFTACCEL_IOCTL_RING_QUEUE_CREATE, (uintptr_t)&r))
			return;
		__atomic_fetch_add(&created, 1, __ATOMIC_RELAXED);
		remember(pool, r.handle);
		remember(offsets, r.submit_offset);
		remember(offsets, r.complete_offset);
		p = mmap(NULL, (size_t)r.submit_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, fd, (off_t)r.submit_offset);
		if (p != MAP_FAILED) {
			ADD(mmaps, 1);
			keep_mapping(p, (size_t)r.submit_size);
		}
		p = mmap(NULL, (size_t)r.complete_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, fd, (off_t)r.complete_offset);
		if (p != MAP_FAILED) {
			ADD(mmaps, 1);
			keep_mapping(p, (size_t)r.complete_size);
		}
		return;
	}
	case 3:
	case 4:
		one_submit(fd, scratch);
		return;
	case 8:
		one_ring(fd);
		return;
	case 5: {
		struct softaccel_doorbell d = { .queue = handle() };

		scribble();
		call(fd, SOFTACCEL_IOCTL_DOORBELL, (uintptr_t)&d);
		return;
	}
	case 6: {
		struct accel_bo_destroy d = { .handle = handle() };

		call(fd, ACCEL_IOCTL_BO_DESTROY, (uintptr_t)&d);
		return;
	}
	default: {
		struct accel_queue_destroy d = { .handle = handle() };

		call(fd, ACCEL_IOCTL_QUEUE_DESTROY, (uintptr_t)&d);
	}
	}
}

/* A child sharing this process's files: a few calls, then gone. */
static void one_fork(uint8_t *scratch, uint8_t *guard)
{
	pid_t pid = fork();
	int i;

	if (pid == 0) {
		/* Gone with its parent: nothing outlives the killed worker. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() == 1)
			_exit(0);
		rng ^= (uint64_t)getpid() << 17;
		for (i = 0; i < 8; i++)
			one_ioctl(scratch, guard);
		_exit(0);
	}
	if (pid > 0) {
		int status;

		ADD(forks, 1);
		if (waitpid(pid, &status, 0) == pid &&
		    (!WIFEXITED(status) || WEXITSTATUS(status)) &&
		    !(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
			ADD(died, 1);
	}
}

static void one_tape(void)
{
	static __thread uint8_t buf[16384];
	int ctl = nccorpus && (!ncorpus || below(2));
	const struct input *in = ctl ? &ccorpus[below((uint32_t)nccorpus)] :
				       &corpus[below((uint32_t)ncorpus)];
	size_t n = in->len < sizeof(buf) ? in->len : sizeof(buf);
	uint32_t i, flips = 1 + below(8);
	int fd = pick_fd();

	memcpy(buf, in->data, n);
	for (i = 0; i < flips && n; i++) {
		size_t at = below((uint32_t)n);

		switch (below(3)) {
		case 0:
			buf[at] ^= (uint8_t)(1 << below(8));
			break;
		case 1:
			buf[at] = (uint8_t)rnd();
			break;
		default:
			buf[at] = (uint8_t)interesting();
		}
	}
	if (ctl)
		run_control(fd, buf, n);
	else if (regions)
		run_tape(fd, buf, n);
	ADD(tapes, 1);
}

struct thread_arg {
	uint64_t seed;
	int index;
};

static void *worker_thread(void *p)
{
	struct thread_arg *a = p;
	uint8_t *scratch, *guard;

	rng = a->seed | 1;
	scratch = mmap(NULL, SCRATCH + 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (scratch == MAP_FAILED)
		_exit(4);
	guard = scratch + SCRATCH;
	if (mprotect(guard, 4096, PROT_NONE))
		_exit(4);
	fill(scratch, SCRATCH, scratch);
	for (;;) {
		uint32_t r = below(1000);

		if (__atomic_load_n(&created, __ATOMIC_RELAXED) > 48) {
			/* Bounded memory: everything this process made goes. */
			int i;

			__atomic_store_n(&created, 0, __ATOMIC_RELAXED);
			for (i = 0; i < NFDS; i++)
				reopen(i);
		}
		if (r < 10)
			reopen((int)below(NFDS));
		else if (r < 60)
			one_mmap();
		else if (r < 62)
			one_fork(scratch, guard);
		else if (r < 100 && a->index == 0 && (ncorpus || nccorpus))
			one_tape();
		else if (r < 300)
			one_directed(scratch);
		else if (r < 320)
			scribble();
		else if (r < 330)
			fill(scratch + SCRATCH / 2, SCRATCH / 2, scratch);
		else
			one_ioctl(scratch, guard);
	}
	return NULL;
}

static void worker(uint64_t seed, int threads, int shared)
{
	struct thread_arg args[MAX_THREADS];
	pthread_t tid;
	struct sigaction sa;
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_NODEFER | SA_SIGINFO;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	rng = seed | 1;
	/* The parent's two files, shared with every worker, and its own. */
	fds[0] = shared;
	fds[1] = dup(shared);
	for (i = 2; i < NFDS; i++)
		fds[i] = -1;
	for (i = 2; i < NFDS; i += 2)
		reopen(i);
	readonly = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	hole = mmap(NULL, HOLE, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (readonly == MAP_FAILED || hole == MAP_FAILED)
		_exit(4);
	/* Not a page unmapped again: a later mmap could reuse it. */
	unmapped = hole + HOLE / 2;
	if (ncorpus && map_regions())
		_exit(3);
	for (i = 0; i < threads; i++) {
		args[i].seed = seed * 0x9E3779B97F4A7C15ULL + (uint64_t)i + 1;
		args[i].index = i;
		if (i + 1 < threads) {
			if (pthread_create(&tid, NULL, worker_thread, &args[i]))
				_exit(4);
		}
	}
	worker_thread(&args[threads - 1]);
}

/* ---------------------------------------------------------------- parent */

static int write_param(const char *name, const char *value)
{
	char path[256];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s%s", params, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, value, strlen(value)) < 0)
		ret = -1;
	close(fd);
	return ret;
}

static int read_param(const char *name, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s%s", params, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

#define COUNTERS "/sys/kernel/debug/softaccel/counters"

/* The live counts (files, bos, queues, pending); 0 when all are zero. */
static int live_objects(char *what, size_t len)
{
	static const char *const live[] = { "files", "bos", "queues",
					    "pending_submissions" };
	char line[128], name[64];
	long long v, total = 0;
	size_t i, seen = 0;
	FILE *f = fopen(COUNTERS, "r");

	if (!f) {
		snprintf(what, len, "%s: %s", COUNTERS, strerror(errno));
		return -1;
	}
	what[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %lld", name, &v) != 2)
			continue;
		for (i = 0; i < 4; i++) {
			if (strcmp(name, live[i]))
				continue;
			seen++;
			total += v;
			snprintf(what + strlen(what), len - strlen(what),
				 "%s%s %lld", what[0] ? ", " : "", name, v);
		}
	}
	fclose(f);
	if (seen != 4) {
		snprintf(what, len, "%s lacks a live count", COUNTERS);
		return -1;
	}
	return total ? 1 : 0;
}

static pid_t spawn(uint64_t seed, int threads, int shared)
{
	pid_t pid = fork();

	if (pid == 0) {
		worker(seed, threads, shared);
		_exit(0);
	}
	return pid;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: guest_fuzz [-d DEV] [-t SECONDS] [-s SEED] [-p PROCS] [-j THREADS] [-c IOCTL_CORPUS] [-C CONTROL_CORPUS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *corpus_dir = NULL, *control_dir = NULL, *kmod = getenv("UABI_KMOD_NAME");
	double seconds = 30;
	uint64_t seed = (uint64_t)time(NULL), t0, t1, deadline;
	int procs = 4, threads = 2, opt, shared, i, failed = 0, status;
	pid_t pids[MAX_PROCS], replayers[2];
	char old_max[64], old_paused[64], what[256];
	int have_paused;

	while ((opt = getopt(argc, argv, "d:t:s:p:j:c:C:")) != -1) {
		switch (opt) {
		case 'd':
			node = optarg;
			break;
		case 't':
			seconds = atof(optarg);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'p':
			procs = atoi(optarg);
			break;
		case 'j':
			threads = atoi(optarg);
			break;
		case 'c':
			corpus_dir = optarg;
			break;
		case 'C':
			control_dir = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || procs < 1 || procs > MAX_PROCS || threads < 1 ||
	    threads > MAX_THREADS || seconds < 0)
		usage();
#ifdef __i386__
	{
		/*
		 * glibc's i386 locks and sleeps use the 32-bit time syscalls
		 * (futex, clock_nanosleep), which a kernel without
		 * CONFIG_COMPAT_32BIT_TIME refuses: its threads would abort
		 * and its sleeps return at once. Nothing to fuzz through then.
		 */
		uint32_t w = 0;

		if (syscall(SYS_futex, &w, FUTEX_WAKE, 1, NULL, NULL, 0) < 0 &&
		    errno == ENOSYS) {
			printf("guest_fuzz: SKIPPED: this kernel has no 32-bit time syscalls (CONFIG_COMPAT_32BIT_TIME), which an i386 program's threads and sleeps need\n");
			return 77;
		}
	}
#endif
	snprintf(params, sizeof(params), "/sys/module/%s/parameters/",
		 kmod && *kmod ? kmod : "softaccel");
	setvbuf(stdout, NULL, _IOLBF, 0);
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED)
		return 2;
	if (corpus_dir)
		load_corpus(corpus_dir, &corpus, &ncorpus);
	if (control_dir)
		load_corpus(control_dir, &ccorpus, &nccorpus);
	printf("guest_fuzz: %s, seed %" PRIu64 ", %d processes x %d threads, %.0f s, %zu + %zu corpus inputs\n",
	       node, seed, procs, threads, seconds, ncorpus, nccorpus);

	/*
	 * Small BOs, as the in-process harness has them: the guest's memory
	 * bounds what a fuzzer may allocate, and a vmalloc the machine cannot
	 * satisfy logs a warning with a stack dump (its own test covers the
	 * large sizes). Read at each open.
	 */
	if (read_param("max_bo_size", old_max, sizeof(old_max)) ||
	    write_param("max_bo_size", "1048576")) {
		fprintf(stderr, "guest_fuzz: cannot set %smax_bo_size (root?)\n",
			params);
		return 2;
	}
	have_paused = !read_param("paused", old_paused, sizeof(old_paused));

	t0 = now_ns();
	if (ncorpus || nccorpus) {
		for (i = 0; i < 2; i++) {
			replayers[i] = fork();
			if (replayers[i] == 0) {
				rng = seed + 7;
				if (!i && drop_root()) {
					fprintf(stderr, "guest_fuzz: cannot drop root: %s\n",
						strerror(errno));
					_exit(3);
				}
				replay(i);
			}
		}
		for (i = 0; i < 2; i++) {
			if (waitpid(replayers[i], &status, 0) < 0 ||
			    !WIFEXITED(status) || WEXITSTATUS(status)) {
				printf("guest_fuzz: FAILED: the %s replay ended with status %#x\n",
				       i ? "privileged" : "unprivileged", status);
				failed = 1;
			}
		}
		printf("guest_fuzz: replayed %" PRIu64 " corpus inputs in %.1f s\n",
		       st->replayed, (double)(now_ns() - t0) / 1e9);
	}

	t1 = now_ns();
	deadline = t1 + (uint64_t)(seconds * 1e9);
	shared = open(node, O_RDWR | O_CLOEXEC);
	if (shared < 0) {
		fprintf(stderr, "guest_fuzz: open %s: %s\n", node, strerror(errno));
		return 2;
	}
	for (i = 0; i < procs; i++)
		pids[i] = spawn(seed + (uint64_t)i * 1000003, threads, shared);
	rng = seed ^ 0x5555;
	while (now_ns() < deadline) {
		struct timespec ts = { 0, (long)(20 + below(400)) * 1000000L };
		int k = (int)below((uint32_t)procs);

		nanosleep(&ts, NULL);
		full_power(shared);
		if (have_paused && below(10) == 0) {
			write_param("paused", below(2) ? "1" : "0");
			ADD(pauses, 1);
		}
		/* A worker that died on its own is a finding, not a kill. */
		for (i = 0; i < procs; i++) {
			if (waitpid(pids[i], &status, WNOHANG) == pids[i]) {
				printf("guest_fuzz: FAILED: worker %d ended by itself (status %#x)\n",
				       i, status);
				failed = 1;
				pids[i] = spawn(rnd(), threads, shared);
			}
		}
		kill(pids[k], SIGKILL);
		if (waitpid(pids[k], &status, 0) == pids[k] &&
		    !(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)) {
			printf("guest_fuzz: FAILED: worker %d ended by itself (status %#x)\n",
			       k, status);
			failed = 1;
		}
		ADD(kills, 1);
		pids[k] = spawn(rnd(), threads, shared);
	}
	for (i = 0; i < procs; i++)
		kill(pids[i], SIGKILL);
	for (i = 0; i < procs; i++)
		waitpid(pids[i], NULL, 0);
	full_power(shared);
	close(shared);
	if (have_paused)
		write_param("paused", "0");
	write_param("max_bo_size", old_max);

	/* Work queued before the kills still runs; then nothing may be left. */
	for (i = 0; i < 300; i++) {
		struct timespec ts = { 0, 100000000L };

		if (live_objects(what, sizeof(what)) <= 0)
			break;
		nanosleep(&ts, NULL);
	}
	status = live_objects(what, sizeof(what));
	printf("guest_fuzz: %" PRIu64 " calls (%" PRIu64 " corpus inputs replayed, %" PRIu64
	       " mutated ones), %" PRIu64 " mmaps (%" PRIu64 " refused, %" PRIu64
	       " faulted), %" PRIu64 " opens, %" PRIu64 " forks, %" PRIu64
	       " workers killed, paused flipped %" PRIu64 " times, %.1f s\n",
	       st->calls, st->replayed, st->tapes, st->mmaps, st->mmap_failed,
	       st->faults, st->opens, st->forks, st->kills, st->pauses,
	       (double)(now_ns() - t0) / 1e9);
	printf("guest_fuzz: calls by result:");
	for (i = 0; i <= MAX_ERRNO; i++)
		if (st->by_errno[i])
			printf(" %s %" PRIu64, i == 0 ? "ok" : i == MAX_ERRNO ? "other" :
			       strerrorname_np(i), st->by_errno[i]);
	printf("\n");
	printf("guest_fuzz: successful calls by command:");
	for (i = 0; i <= (int)NCMDS; i++)
		printf(" %s %" PRIu64, cmd_names[i], st->ok_by_cmd[i]);
	printf("\n");
	if (st->undocumented) {
		printf("guest_fuzz: FAILED: %" PRIu64 " calls returned an errno no spec documents (last: %s from %#x)\n",
		       st->undocumented, strerrorname_np(st->last_undocumented_errno),
		       st->last_undocumented_cmd);
		failed = 1;
	}
	if (st->died) {
		printf("guest_fuzz: FAILED: %" PRIu64 " forked children died other than by SIGKILL\n",
		       st->died);
		failed = 1;
	}
	if (st->bad_replies) {
		printf("guest_fuzz: FAILED: %" PRIu64 " CONTROL replies did not fit or named another operation\n",
		       st->bad_replies);
		failed = 1;
	}
	if (status) {
		printf("guest_fuzz: FAILED: objects left after every client is gone: %s\n",
		       what);
		failed = 1;
	} else {
		printf("guest_fuzz: live objects afterwards: %s\n", what);
	}
	printf("guest_fuzz: %s\n", failed ? "FAILED" : "passed");
	return failed;
}
