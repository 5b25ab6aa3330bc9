// The cross-language scenario in Go, on the generated packages and the
// standard library only: `scenario <device-node>`.
//
// Prints one line per step, exactly as the C, Python and Rust programs do
// (compat-tests/src/lib.rs has the inputs and the expected transcript); on
// an unexpected failure it prints "FAILED <what>" and exits 1.
package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"syscall"
	"unsafe"

	core "uabi.local/accel/go"
	sa "uabi.local/softaccel/go"
)

// The scenario's inputs (compat-tests/src/lib.rs, module scenario).
const (
	elems       = 1024
	fillOffset  = 2048
	fillLen     = 2048
	fillPattern = 0x0000000500000003
	crcOffset   = 4092
	badHandle   = 12345
	badBoFlag   = 0x80000000
	badPointer  = 0x10
)

var probes = []int{0, 1, 511, 512, 513, 1023}

func patternA(i uint32) uint32 { return i * 2654435761 }
func patternB(i uint32) uint32 { return 0xfffffff0 + i }

var errnoNames = map[syscall.Errno]string{
	syscall.EPERM:      "EPERM",
	syscall.ENOENT:     "ENOENT",
	syscall.EINTR:      "EINTR",
	syscall.E2BIG:      "E2BIG",
	syscall.ENOMEM:     "ENOMEM",
	syscall.EFAULT:     "EFAULT",
	syscall.EBUSY:      "EBUSY",
	syscall.EINVAL:     "EINVAL",
	syscall.ENOTTY:     "ENOTTY",
	syscall.ENOSPC:     "ENOSPC",
	syscall.EOPNOTSUPP: "EOPNOTSUPP",
	syscall.ETIMEDOUT:  "ETIMEDOUT",
	syscall.ENOTCONN:   "ENOTCONN",
}

// outcome names what a call the scenario expects may fail answered.
func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	var e syscall.Errno
	if errors.As(err, &e) {
		if name, ok := errnoNames[e]; ok {
			return name
		}
		return fmt.Sprintf("E%d", int(e))
	}
	return err.Error()
}

type failure struct {
	what string
	err  error
}

// check ends the scenario on an unexpected failure.
func check(what string, err error) {
	if err != nil {
		panic(failure{what, err})
	}
}

// monotonicNs reads CLOCK_MONOTONIC, the clock of WAIT's deadlines: the
// time package keeps its monotonic reading private.
func monotonicNs() int64 {
	var ts syscall.Timespec
	const clockMonotonic = 1
	_, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockMonotonic, uintptr(unsafe.Pointer(&ts)), 0)
	if e != 0 {
		check("clock_gettime", e)
	}
	return ts.Nano()
}

func getParam(fd int, p core.Param) uint64 {
	arg := core.GetParam{Param: uint32(p)}
	check("get-param", core.IoctlGetParam(fd, &arg))
	return arg.Value
}

func run(path string) {
	fd, err := syscall.Open(path, syscall.O_RDWR|syscall.O_CLOEXEC, 0)
	check("open", err)
	fmt.Println("open ok")
	fmt.Printf("param revision %d\n", getParam(fd, core.PARAM_REVISION))
	fmt.Printf("param core-revision %d\n", getParam(fd, core.PARAM_CORE_REVISION))
	page := getParam(fd, core.PARAM_PAGE_SIZE)
	fmt.Printf("param page-size %d\n", page)
	fmt.Printf("param capabilities %#x\n", getParam(fd, core.PARAM_CAPABILITIES))
	sp := core.SetParam{Param: uint32(core.PARAM_PERF_STATS_ENABLE), Value: 1}
	check("set-param", core.IoctlSetParam(fd, &sp))
	fmt.Println("set-param perf-stats-enable ok")

	names := []string{"a", "b", "c"}
	var bos [3]uint32
	for i, name := range names {
		arg := core.BoCreate{Size: page, Flags: uint32(core.BO_FLAGS_HOST_VISIBLE)}
		check("bo-create", core.IoctlBoCreate(fd, &arg))
		bos[i] = arg.Handle
		fmt.Printf("bo-create %s ok\n", name)
	}
	var maps [3][]byte
	for i, name := range names {
		info := core.BoInfo{Handle: bos[i]}
		check("bo-info", core.IoctlBoInfo(fd, &info))
		offsetOK := "bad"
		if info.MmapOffset != 0 && info.MmapOffset%page == 0 {
			offsetOK = "ok"
		}
		fmt.Printf("bo-info %s size %d flags %#x mmap-offset %s\n", name, info.Size, info.Flags, offsetOK)
		maps[i], err = syscall.Mmap(fd, int64(info.MmapOffset), int(page),
			syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
		check("mmap", err)
	}
	a, b, c := maps[0], maps[1], maps[2]
	le := binary.LittleEndian
	for i := uint32(0); i < elems; i++ {
		le.PutUint32(a[4*i:], patternA(i))
		le.PutUint32(b[4*i:], patternB(i))
	}
	fmt.Printf("mmap-write a %d\n", elems)
	fmt.Printf("mmap-write b %d\n", elems)

	qc := core.QueueCreate{Priority: uint32(core.QUEUE_PRIORITY_NORMAL)}
	check("queue-create", core.IoctlQueueCreate(fd, &qc))
	fmt.Println("queue-create ok")

	cmds := []sa.Cmd{
		{Opcode: uint32(sa.OPCODE_FILL), DstBo: bos[1], DstOffset: fillOffset, Length: fillLen, Value: fillPattern},
		{Opcode: uint32(sa.OPCODE_ADD_U32), SrcBo: bos[0], Src2Bo: bos[1], DstBo: bos[2], Length: elems},
		{Opcode: uint32(sa.OPCODE_CRC32C), SrcBo: bos[2], DstBo: bos[0], DstOffset: crcOffset, Length: 4 * elems},
	}
	submit := sa.Submit{Queue: qc.Handle}
	check("submit", sa.IoctlSubmit(fd, &submit, cmds))
	fmt.Printf("submit cmds %d seqno %d\n", submit.CmdCount, submit.Seqno)
	wait := sa.Wait{Queue: qc.Handle, Seqno: submit.Seqno, TimeoutNs: monotonicNs() + 5_000_000_000}
	check("wait", sa.IoctlWait(fd, &wait))
	fmt.Println("wait ok")

	for _, i := range probes {
		fmt.Printf("c[%d] 0x%08x\n", i, le.Uint32(c[4*i:]))
	}
	fmt.Printf("b[%d] 0x%08x\n", elems-1, le.Uint32(b[4*(elems-1):]))
	fmt.Printf("a[1] 0x%08x\n", le.Uint32(a[4:]))
	fmt.Printf("crc32c 0x%08x\n", le.Uint32(a[crcOffset:]))

	counters := make([]sa.PerfCounter, sa.MAX_PERF_COUNTERS)
	var stats sa.PerfStats
	check("perf-stats", sa.IoctlPerfStats(fd, &stats, counters))
	fmt.Printf("perf counters %d\n", stats.CounterCount)
	values := map[sa.PerfCounterId]uint64{}
	for _, ctr := range counters[:stats.CounterCount] {
		values[sa.PerfCounterId(ctr.Id)] = ctr.Value
	}
	fmt.Printf("perf submits %d\n", values[sa.PERF_COUNTER_ID_SUBMITS])
	fmt.Printf("perf cmds-completed %d\n", values[sa.PERF_COUNTER_ID_CMDS_COMPLETED])
	fmt.Printf("perf bytes-read %d\n", values[sa.PERF_COUNTER_ID_BYTES_READ])
	fmt.Printf("perf bytes-written %d\n", values[sa.PERF_COUNTER_ID_BYTES_WRITTEN])

	wait.TimeoutNs = 0
	fmt.Printf("wait past-deadline %s\n", outcome(sa.IoctlWait(fd, &wait)))
	wait.Seqno = submit.Seqno + 1
	wait.TimeoutNs = monotonicNs() + 5_000_000_000
	fmt.Printf("wait future-seqno %s\n", outcome(sa.IoctlWait(fd, &wait)))

	badInfo := core.BoInfo{Handle: badHandle}
	fmt.Printf("bo-info bad-handle %s\n", outcome(core.IoctlBoInfo(fd, &badInfo)))
	badCreate := core.BoCreate{Size: page, Flags: badBoFlag}
	fmt.Printf("bo-create bad-flag %s\n", outcome(core.IoctlBoCreate(fd, &badCreate)))
	padded := core.BoDestroy{Handle: bos[0], Pad0: [4]uint8{1}}
	fmt.Printf("bo-destroy nonzero-pad %s\n", outcome(core.IoctlBoDestroy(fd, &padded)))
	badSubmit := sa.Submit{Queue: qc.Handle, CmdCount: 1, Cmds: badPointer}
	fmt.Printf("submit bad-pointer %s\n", outcome(sa.IoctlSubmitRaw(fd, &badSubmit)))

	qd := core.QueueDestroy{Handle: qc.Handle}
	check("queue-destroy", core.IoctlQueueDestroy(fd, &qd))
	fmt.Println("queue-destroy ok")
	for i, name := range names {
		check("munmap", syscall.Munmap(maps[i]))
		d := core.BoDestroy{Handle: bos[i]}
		check("bo-destroy", core.IoctlBoDestroy(fd, &d))
		fmt.Printf("bo-destroy %s ok\n", name)
	}
	gone := core.BoInfo{Handle: bos[0]}
	fmt.Printf("bo-info destroyed %s\n", outcome(core.IoctlBoInfo(fd, &gone)))
	check("close", syscall.Close(fd))
	fmt.Println("close ok")
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: scenario <device-node>")
		os.Exit(2)
	}
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(failure)
			if !ok {
				panic(r)
			}
			fmt.Printf("FAILED %s: %s\n", f.what, outcome(f.err))
			os.Exit(1)
		}
	}()
	run(os.Args[1])
}
