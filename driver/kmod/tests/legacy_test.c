// SPDX-License-Identifier: GPL-2.0
/*
 * The legacy struct through softaccel_legacy's /dev/softaccel-legacy, built
 * static for x86_64 and for i386 (driver/kmod/tests/build.sh); the i386
 * build runs through compat_ioctl on the 64-bit kernel.
 *
 * struct legacy_echo is a u64 and three u32s: 24 bytes on x86_64 (4 of
 * them tail padding), 20 on i386, so LEGACY_IOCTL_ECHO is 0xc0186440 on
 * one and 0xc0146440 on the other. Each build calls it with its own
 * command and layout and checks the round trip; each also calls it with
 * the other target's command, which the kernel answers as drm_ioctl and
 * drm_compat_ioctl do: the command's size is what is read and written,
 * in the native layout (a 20-byte command is zero-extended, a 24-byte one
 * from a 32-bit caller reads and writes 24 bytes). Every call is made
 * twice: with the struct in the middle of a page of 0xaa (nothing past
 * the command's size may change) and with the struct ending exactly at
 * an inaccessible page (nothing past the command's size may be touched:
 * -EFAULT if it is).
 *
 *   legacy_test [DEVICE]    (default /dev/softaccel-legacy)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "legacy.h"

#ifdef __i386__
#define TARGET "i386"
#else
#define TARGET "x86_64"
#endif

/* The two targets' sizes and commands, as the spec's layout has them. */
#define SIZE_X86_64 24
#define SIZE_I386 20
#define CMD_OF(size) _IOC(_IOC_READ | _IOC_WRITE, LEGACY_IOCTL_MAGIC, LEGACY_NR_ECHO, size)

static int failures;
static int checks;

static void check(int ok, const char *what, const char *detail)
{
	checks++;
	if (!ok) {
		failures++;
		fprintf(stderr, "legacy_test (%s): FAIL: %s: %s\n", TARGET, what, detail);
	}
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * One call with a command of `size` bytes: the caller's bytes at p are
 * cookie at 0, value at 8, doubled and sum (out members: the caller's
 * garbage must not matter) at 12 and 16, and for a 24-byte command four
 * bytes of tail padding at 20, which come back as the caller wrote them
 * (the kernel copies the padding in and out unchanged).
 */
static void round_trip(int fd, const char *what, unsigned char *p, size_t size,
		       size_t room, uint64_t cookie, uint32_t value)
{
	unsigned char want[64];
	uint64_t inv = ~cookie;
	uint32_t sum = (uint32_t)inv + (uint32_t)(inv >> 32) + value;
	char detail[256];
	size_t i;

	memset(p, 0xaa, room);
	memcpy(p, &cookie, 8);
	memcpy(p + 8, &value, 4);
	memset(p + 12, 0x5c, 8);
	memcpy(want, p, room < sizeof(want) ? room : sizeof(want));
	if (ioctl(fd, CMD_OF(size), p) != 0) {
		snprintf(detail, sizeof(detail), "ioctl %#lx failed: %s",
			 (unsigned long)CMD_OF(size), strerror(errno));
		check(0, what, detail);
		return;
	}
	snprintf(detail, sizeof(detail),
		 "cookie %#" PRIx64 " value %" PRIu32 " doubled %" PRIu32 " sum %" PRIu32
		 " (want %#" PRIx64 " %" PRIu32 " %" PRIu32 " %" PRIu32 ")",
		 get64(p), get32(p + 8), get32(p + 12), get32(p + 16), inv, value,
		 value * 2, sum);
	check(get64(p) == inv && get32(p + 8) == value && get32(p + 12) == value * 2 &&
	      get32(p + 16) == sum, what, detail);
	/* The tail padding (24-byte command) and the caller's bytes after it. */
	for (i = 20; i < room && i < sizeof(want); i++)
		if (p[i] != want[i])
			break;
	snprintf(detail, sizeof(detail), "byte %zu past the members changed to %#x",
		 i, i < room ? p[i] : 0);
	check(i == room || i == sizeof(want), what, detail);
}

/* The command of `size` with the struct ending at an inaccessible page. */
static void at_page_end(int fd, const char *what, unsigned char *page_end,
			size_t size, size_t struct_size, int want_errno)
{
	unsigned char *p = page_end - struct_size;
	char detail[160];
	int ret;

	if (!want_errno) {
		round_trip(fd, what, p, size, struct_size, 0x0123456789abcdefULL, 21);
		return;
	}
	ret = ioctl(fd, CMD_OF(size), p);
	snprintf(detail, sizeof(detail), "ioctl %#lx returned %d (%s), want -%s",
		 (unsigned long)CMD_OF(size), ret, ret ? strerror(errno) : "success",
		 strerror(want_errno));
	check(ret == -1 && errno == want_errno, what, detail);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/dev/softaccel-legacy";
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *map, *mid;
	int fd;

	fd = open(path, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "legacy_test (%s): cannot open %s: %s\n", TARGET, path,
			strerror(errno));
		return 1;
	}
	/* Two pages, the second inaccessible. */
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED || mprotect(map + page, page, PROT_NONE)) {
		perror("legacy_test: mmap");
		return 1;
	}
	mid = map + 64;

	/* The header agrees with the spec's layout on this target. */
	check(sizeof(struct legacy_echo) == (sizeof(long) == 8 ? SIZE_X86_64 : SIZE_I386),
	      "sizeof(struct legacy_echo)", "not this target's size");
	check(LEGACY_IOCTL_ECHO == CMD_OF(sizeof(struct legacy_echo)),
	      "LEGACY_IOCTL_ECHO", "not this target's command");

	/* This target's own command and layout. */
	round_trip(fd, "own command", mid, sizeof(struct legacy_echo), 64,
		   0xfedcba9876543210ULL, 0x40000001);
	round_trip(fd, "own command, other values", mid, sizeof(struct legacy_echo), 64,
		   1, 0xffffffff);
	at_page_end(fd, "own command at a page end", map + page,
		    sizeof(struct legacy_echo), sizeof(struct legacy_echo), 0);

	/*
	 * The 20-byte (i386) command: from i386, the converted layout; from
	 * x86_64, a shorter struct zero-extended. Either way 20 bytes are read
	 * and written, nothing past them.
	 */
	round_trip(fd, "20-byte command", mid, SIZE_I386, 64, 0x8000000000000001ULL, 7);
	at_page_end(fd, "20-byte command at a page end", map + page, SIZE_I386, SIZE_I386, 0);

	/*
	 * The 24-byte (x86_64) command: from either target the native layout
	 * at the command's size, tail padding included; from i386 too, as
	 * drm_compat_ioctl hands an unconverted command to drm_ioctl. A
	 * struct of 20 bytes at a page end is too short for it: -EFAULT.
	 */
	round_trip(fd, "24-byte command", mid, SIZE_X86_64, 64, 0x00000000ffffffffULL, 3);
	at_page_end(fd, "24-byte command at a page end", map + page, SIZE_X86_64,
		    SIZE_X86_64, 0);
	at_page_end(fd, "24-byte command on 20 bytes before a page end", map + page,
		    SIZE_X86_64, SIZE_I386, EFAULT);

	/* Another number of the same magic and another magic: not this ioctl. */
	{
		int ret = ioctl(fd, _IOC(_IOC_READ | _IOC_WRITE, LEGACY_IOCTL_MAGIC, 0x41,
					 SIZE_I386), mid);

		check(ret == -1 && errno == ENOTTY, "unknown number", "not -ENOTTY");
		ret = ioctl(fd, _IOC(_IOC_READ | _IOC_WRITE, 0x65, LEGACY_NR_ECHO, SIZE_I386), mid);
		check(ret == -1 && errno == ENOTTY, "another magic", "not -ENOTTY");
	}

	close(fd);
	munmap(map, 2 * page);
	if (failures) {
		fprintf(stderr, "legacy_test (%s): %d of %d checks failed\n", TARGET, failures,
			checks);
		return 1;
	}
	printf("legacy_test (%s): %d checks passed against %s\n", TARGET, checks, path);
	return 0;
}
