"""The cross-language scenario in Python, on the generated ctypes modules
only: `python3 -B scenario.py <device-node>`.

Prints one line per step, exactly as the C, Go and Rust programs do
(compat-tests/src/lib.rs has the inputs and the expected transcript); on an
unexpected failure it prints "FAILED <what>" and exits 1.
"""

import ctypes
import errno
import mmap
import os
import struct
import sys
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(
    0, os.path.normpath(os.path.join(_HERE, "..", "..", "generated", "softaccel", "python"))
)

import softaccel_uapi as sa  # noqa: E402
import accel_uapi as core  # noqa: E402  (found through softaccel_uapi's path setup)

# The scenario's inputs (compat-tests/src/lib.rs, module scenario).
ELEMS = 1024
FILL_OFFSET = 2048
FILL_LEN = 2048
FILL_PATTERN = 0x0000000500000003
CRC_OFFSET = 4092
PROBES = (0, 1, 511, 512, 513, 1023)
BAD_HANDLE = 12345
BAD_BO_FLAG = 0x80000000
BAD_POINTER = 0x10


def pattern_a(i):
    return (i * 2654435761) & 0xFFFFFFFF


def pattern_b(i):
    return (0xFFFFFFF0 + i) & 0xFFFFFFFF


def outcome(fn, *args, **kwargs):
    """What a call the scenario expects may fail answered: ok or the errno."""
    try:
        fn(*args, **kwargs)
    except sa.UabiError as e:
        return errno.errorcode.get(e.errno, f"E{e.errno}")
    return "ok"


def get_param(fd, param):
    return core.get_param(fd, core.GetParam(param=param)).value


def map_bo(fd, length, offset):
    """A shared, writable mapping of the BO's pages (BO mmap offsets are
    fake offsets into the device file, as with DRM)."""
    return mmap.mmap(
        fd, length, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE, offset=offset
    )


def unmap_bo(buf):
    buf.close()


def le32(buf, offset):
    return struct.unpack_from("<I", buf, offset)[0]


def run(path):
    fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    print("open ok")
    print(f"param revision {get_param(fd, core.Param.REVISION)}")
    print(f"param core-revision {get_param(fd, core.Param.CORE_REVISION)}")
    page = get_param(fd, core.Param.PAGE_SIZE)
    print(f"param page-size {page}")
    print(f"param capabilities {get_param(fd, core.Param.CAPABILITIES):#x}")
    core.set_param(fd, core.SetParam(param=core.Param.PERF_STATS_ENABLE, value=1))
    print("set-param perf-stats-enable ok")

    names = ("a", "b", "c")
    bos = []
    for name in names:
        arg = core.bo_create(fd, core.BoCreate(size=page, flags=core.BoFlags.HOST_VISIBLE))
        bos.append(arg.handle)
        print(f"bo-create {name} ok")
    maps = []
    for name, handle in zip(names, bos):
        info = core.bo_info(fd, core.BoInfo(handle=handle))
        offset_ok = info.mmap_offset != 0 and info.mmap_offset % page == 0
        print(
            f"bo-info {name} size {info.size} flags {info.flags:#x} "
            f"mmap-offset {'ok' if offset_ok else 'bad'}"
        )
        maps.append(map_bo(fd, page, info.mmap_offset))
    a, b, c = maps
    struct.pack_into(f"<{ELEMS}I", a, 0, *(pattern_a(i) for i in range(ELEMS)))
    print(f"mmap-write a {ELEMS}")
    struct.pack_into(f"<{ELEMS}I", b, 0, *(pattern_b(i) for i in range(ELEMS)))
    print(f"mmap-write b {ELEMS}")

    queue = core.queue_create(
        fd, core.QueueCreate(priority=core.QueuePriority.NORMAL)
    ).handle
    print("queue-create ok")

    cmds = (sa.Cmd * 3)(
        sa.Cmd(
            opcode=sa.Opcode.FILL,
            dst_bo=bos[1],
            dst_offset=FILL_OFFSET,
            length=FILL_LEN,
            value=FILL_PATTERN,
        ),
        sa.Cmd(
            opcode=sa.Opcode.ADD_U32,
            src_bo=bos[0],
            src2_bo=bos[1],
            dst_bo=bos[2],
            length=ELEMS,
        ),
        sa.Cmd(
            opcode=sa.Opcode.CRC32C,
            src_bo=bos[2],
            dst_bo=bos[0],
            dst_offset=CRC_OFFSET,
            length=4 * ELEMS,
        ),
    )
    submitted = sa.submit(fd, sa.Submit(queue=queue), cmds=cmds)
    seqno = submitted.seqno
    print(f"submit cmds {submitted.cmd_count} seqno {seqno}")
    deadline = time.clock_gettime_ns(time.CLOCK_MONOTONIC) + 5_000_000_000
    sa.wait(fd, sa.Wait(queue=queue, seqno=seqno, timeout_ns=deadline))
    print("wait ok")

    for i in PROBES:
        print(f"c[{i}] {le32(c, 4 * i):#010x}")
    print(f"b[{ELEMS - 1}] {le32(b, 4 * (ELEMS - 1)):#010x}")
    print(f"a[1] {le32(a, 4):#010x}")
    print(f"crc32c {le32(a, CRC_OFFSET):#010x}")

    counters = (sa.PerfCounter * sa.MAX_PERF_COUNTERS)()
    stats = sa.perf_stats(fd, sa.PerfStats(), counters=counters)
    print(f"perf counters {stats.counter_count}")
    values = {counters[i].id: counters[i].value for i in range(stats.counter_count)}
    for name, cid in (
        ("submits", sa.PerfCounterId.SUBMITS),
        ("cmds-completed", sa.PerfCounterId.CMDS_COMPLETED),
        ("bytes-read", sa.PerfCounterId.BYTES_READ),
        ("bytes-written", sa.PerfCounterId.BYTES_WRITTEN),
    ):
        print(f"perf {name} {values.get(cid, 0)}")

    print(
        "wait past-deadline "
        + outcome(sa.wait, fd, sa.Wait(queue=queue, seqno=seqno, timeout_ns=0))
    )
    deadline = time.clock_gettime_ns(time.CLOCK_MONOTONIC) + 5_000_000_000
    print(
        "wait future-seqno "
        + outcome(sa.wait, fd, sa.Wait(queue=queue, seqno=seqno + 1, timeout_ns=deadline))
    )
    print("bo-info bad-handle " + outcome(core.bo_info, fd, core.BoInfo(handle=BAD_HANDLE)))
    print(
        "bo-create bad-flag "
        + outcome(core.bo_create, fd, core.BoCreate(size=page, flags=BAD_BO_FLAG))
    )
    destroy = core.BoDestroy(handle=bos[0])
    destroy.pad0[0] = 1
    print("bo-destroy nonzero-pad " + outcome(core.bo_destroy, fd, destroy))
    # cmds=None: the pointer and count go to the driver as set here.
    bad = sa.Submit(queue=queue, cmd_count=1, cmds=BAD_POINTER)
    print("submit bad-pointer " + outcome(sa.submit, fd, bad))

    core.queue_destroy(fd, core.QueueDestroy(handle=queue))
    print("queue-destroy ok")
    for name, handle, m in zip(names, bos, maps):
        unmap_bo(m)
        core.bo_destroy(fd, core.BoDestroy(handle=handle))
        print(f"bo-destroy {name} ok")
    print("bo-info destroyed " + outcome(core.bo_info, fd, core.BoInfo(handle=bos[0])))
    os.close(fd)
    print("close ok")


def main():
    if len(sys.argv) != 2:
        print("usage: scenario.py <device-node>", file=sys.stderr)
        return 2
    try:
        run(sys.argv[1])
    except OSError as e:
        name = errno.errorcode.get(e.errno, str(e.errno)) if e.errno else str(e)
        print(f"FAILED {e}: {name}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
