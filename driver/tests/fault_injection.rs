//! Fault injection at every user-memory access (issue 17): for each ioctl
//! of a working call, the caller's memory fails its n-th access, for every
//! n the call makes. The call must answer `EFAULT`, and afterwards the
//! driver's state must be what the caller can know:
//!
//! - a failed read (copy-in of the argument, of an array, of a control
//!   message) changes nothing: no handle, no queued submission, no
//!   parameter or counter changed;
//! - a failed write into an array the handler fills fails the handler
//!   before it changes anything (PERF_STATS resets nothing);
//! - a failed copy-out of the argument after a handler that changed state leaves
//!   the state the successful call leaves, which is the kernel's own
//!   semantics (drm_ioctl copies out after the handler; a GEM handle made
//!   before a failed copy-out stays until close) and what the spec
//!   documents for those ioctls (`EFAULT` in their error lists: "the
//!   result is applied; only its report is lost"). The test pins which
//!   ioctls those are, by name.
//!
//! State is compared through what a caller can observe: the device's live
//! object counts and event counters, BO_INFO and QUEUE_INFO of every
//! handle a file could hold, every parameter, and the per-file counters.

// Tests report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use softaccel_driver::accel_uapi::{
    self as core, BoCreate, BoDestroy, BoInfo, GetParam, QueueCreate, QueueDestroy, SetParam,
    param, queue_priority,
};
use softaccel_driver::uapi::{
    self, Cmd, Control, PerfCounter, PerfStats, QueueInfo, Submit, Wait, opcode, perf_counter_id,
    perf_stats_flags,
};
use softaccel_driver::{Device, DeviceConfig, FileCtx, SelfMem};
use std::cell::Cell;
use std::sync::Arc;
use std::time::Duration;
use uabi_runtime::zerocopy::{FromBytes, IntoBytes};
use uabi_runtime::{Errno, UserMem};

/// The caller's memory, failing its `fail_at`-th access (counting from 0,
/// reads and writes alike) with `EFAULT`.
struct FaultMem {
    count: Cell<u64>,
    fail_at: u64,
    failed_write: Cell<Option<bool>>,
}

impl FaultMem {
    fn new(fail_at: u64) -> FaultMem {
        FaultMem {
            count: Cell::new(0),
            fail_at,
            failed_write: Cell::new(None),
        }
    }

    fn access(&self, write: bool) -> Result<(), Errno> {
        let n = self.count.get();
        self.count.set(n + 1);
        if n == self.fail_at {
            self.failed_write.set(Some(write));
            return Err(Errno::EFAULT);
        }
        Ok(())
    }
}

impl UserMem for FaultMem {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        self.access(false)?;
        SelfMem.read(addr, buf)
    }

    fn write(&self, addr: u64, buf: &[u8]) -> Result<(), Errno> {
        self.access(true)?;
        SelfMem.write(addr, buf)
    }
}

fn call<T: IntoBytes + FromBytes>(
    dev: &Device,
    file: &FileCtx,
    mem: &dyn UserMem,
    cmd: u32,
    arg: &mut T,
) -> Result<(), Errno> {
    let addr = arg.as_mut_bytes().as_mut_ptr() as u64;
    softaccel_kernel::dispatch(dev, file, mem, cmd, addr)
}

fn ok<T: IntoBytes + FromBytes>(dev: &Device, file: &FileCtx, cmd: u32, arg: &mut T) {
    call(dev, file, &SelfMem, cmd, arg).unwrap_or_else(|e| panic!("setup call {cmd:#x}: {e}"));
}

/// Everything a caller can observe of the device and of `file`.
fn observe(dev: &Device, file: &FileCtx) -> Vec<String> {
    assert!(
        dev.wait_idle(Duration::from_secs(10)),
        "the device did not go idle"
    );
    let c = dev.counters();
    let mut out = vec![format!(
        "files {} bos {} queues {} pending {} submits {} completed {} cancelled {} cmds {}",
        c.files,
        c.bos,
        c.queues,
        c.pending_submissions,
        c.submits,
        c.submissions_completed,
        c.submissions_cancelled,
        c.cmds_completed
    )];
    for handle in 1..=6 {
        let mut info = BoInfo {
            handle,
            ..BoInfo::ZERO
        };
        let r = call(dev, file, &SelfMem, core::IOCTL_BO_INFO, &mut info);
        out.push(format!("bo {handle}: {r:?} {info:?}"));
        let mut q = QueueInfo {
            queue: handle,
            ..QueueInfo::ZERO
        };
        let r = call(dev, file, &SelfMem, uapi::IOCTL_QUEUE_INFO, &mut q);
        out.push(format!("queue {handle}: {r:?} {q:?}"));
    }
    for &p in param::ALL {
        let mut g = GetParam {
            param: p,
            ..GetParam::ZERO
        };
        let r = call(dev, file, &SelfMem, core::IOCTL_GET_PARAM, &mut g);
        out.push(format!("param {p}: {r:?} {}", g.value));
    }
    let mut counters = [PerfCounter::ZERO; 8];
    let mut ps = PerfStats {
        counters: counters.as_mut_ptr() as u64,
        counter_count: counters.len() as u32,
        ..PerfStats::ZERO
    };
    let r = call(dev, file, &SelfMem, uapi::IOCTL_PERF_STATS, &mut ps);
    for c in counters.iter().take(ps.counter_count as usize) {
        // Busy time is a clock reading, not state a call changes.
        if c.id != perf_counter_id::BUSY_NS {
            out.push(format!("perf {}: {r:?} {}", c.id, c.value));
        }
    }
    out
}

/// A working call of one ioctl, made from a fresh device and file after
/// `setup`, through `mem`: its result.
struct Scenario {
    name: &'static str,
    /// Whether a failed copy-out leaves the handler's effect (the kernel's
    /// semantics, documented in the spec's EFAULT entry of the ioctl).
    applied_before_copy_out: bool,
    run: fn(&Device, &FileCtx, &dyn UserMem) -> Result<(), Errno>,
}

/// The state every scenario starts from: one BO, one queue with one
/// completed submission, per-file counters enabled.
fn setup(dev: &Device, file: &FileCtx) {
    let mut on = SetParam {
        param: param::PERF_STATS_ENABLE,
        value: 1,
        ..SetParam::ZERO
    };
    ok(dev, file, core::IOCTL_SET_PARAM, &mut on);
    let mut bo = BoCreate {
        size: 4096,
        ..BoCreate::ZERO
    };
    ok(dev, file, core::IOCTL_BO_CREATE, &mut bo);
    let mut q = QueueCreate {
        priority: queue_priority::NORMAL,
        ..QueueCreate::ZERO
    };
    ok(dev, file, core::IOCTL_QUEUE_CREATE, &mut q);
    let mut cmds = [fill_cmd(bo.handle)];
    let mut s = Submit {
        queue: q.handle,
        cmd_count: 1,
        cmds: cmds.as_mut_ptr() as u64,
        ..Submit::ZERO
    };
    ok(dev, file, uapi::IOCTL_SUBMIT, &mut s);
    assert!(dev.wait_idle(Duration::from_secs(10)));
}

fn fill_cmd(bo: u32) -> Cmd {
    Cmd {
        opcode: opcode::FILL,
        dst_bo: bo,
        length: 64,
        value: 0x5a,
        ..Cmd::ZERO
    }
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "get-param",
        applied_before_copy_out: false,
        run: |d, f, m| {
            let mut g = GetParam {
                param: param::DEVICE_CAPABILITIES,
                ..GetParam::ZERO
            };
            call(d, f, m, core::IOCTL_GET_PARAM, &mut g)
        },
    },
    Scenario {
        name: "set-param",
        applied_before_copy_out: false,
        run: |d, f, m| {
            let mut s = SetParam {
                param: param::PERF_STATS_ENABLE,
                value: 0,
                ..SetParam::ZERO
            };
            call(d, f, m, core::IOCTL_SET_PARAM, &mut s)
        },
    },
    Scenario {
        name: "bo-create",
        applied_before_copy_out: true,
        run: |d, f, m| {
            let mut b = BoCreate {
                size: 8192,
                ..BoCreate::ZERO
            };
            call(d, f, m, core::IOCTL_BO_CREATE, &mut b)
        },
    },
    Scenario {
        name: "bo-info",
        applied_before_copy_out: false,
        run: |d, f, m| {
            let mut b = BoInfo {
                handle: 1,
                ..BoInfo::ZERO
            };
            call(d, f, m, core::IOCTL_BO_INFO, &mut b)
        },
    },
    Scenario {
        name: "bo-destroy",
        applied_before_copy_out: false,
        run: |d, f, m| {
            let mut b = BoDestroy {
                handle: 1,
                ..BoDestroy::ZERO
            };
            call(d, f, m, core::IOCTL_BO_DESTROY, &mut b)
        },
    },
    Scenario {
        name: "queue-create",
        applied_before_copy_out: true,
        run: |d, f, m| {
            let mut q = QueueCreate {
                priority: queue_priority::HIGH,
                ..QueueCreate::ZERO
            };
            call(d, f, m, core::IOCTL_QUEUE_CREATE, &mut q)
        },
    },
    Scenario {
        name: "queue-destroy",
        applied_before_copy_out: false,
        run: |d, f, m| {
            let mut q = QueueDestroy {
                handle: 1,
                ..QueueDestroy::ZERO
            };
            call(d, f, m, core::IOCTL_QUEUE_DESTROY, &mut q)
        },
    },
    Scenario {
        name: "submit",
        applied_before_copy_out: true,
        run: |d, f, m| {
            let mut cmds = [fill_cmd(1), fill_cmd(1), fill_cmd(1)];
            let mut s = Submit {
                queue: 1,
                cmd_count: cmds.len() as u32,
                cmds: cmds.as_mut_ptr() as u64,
                ..Submit::ZERO
            };
            call(d, f, m, uapi::IOCTL_SUBMIT, &mut s)
        },
    },
    Scenario {
        name: "wait",
        applied_before_copy_out: false,
        run: |d, f, m| {
            let mut w = Wait {
                queue: 1,
                seqno: 1,
                timeout_ns: i64::MAX,
                ..Wait::ZERO
            };
            call(d, f, m, uapi::IOCTL_WAIT, &mut w)
        },
    },
    Scenario {
        name: "perf-stats with reset",
        applied_before_copy_out: true,
        run: |d, f, m| {
            let mut counters = [PerfCounter::ZERO; 4];
            let mut p = PerfStats {
                counters: counters.as_mut_ptr() as u64,
                counter_count: counters.len() as u32,
                flags: perf_stats_flags::RESET,
            };
            call(d, f, m, uapi::IOCTL_PERF_STATS, &mut p)
        },
    },
    Scenario {
        name: "queue-info",
        applied_before_copy_out: false,
        run: |d, f, m| {
            let mut q = QueueInfo {
                queue: 1,
                ..QueueInfo::ZERO
            };
            call(d, f, m, uapi::IOCTL_QUEUE_INFO, &mut q)
        },
    },
    Scenario {
        name: "ring-queue-create",
        applied_before_copy_out: true,
        run: |d, f, m| {
            let mut r = uapi::RingQueueCreate {
                priority: queue_priority::NORMAL,
                submit_entries: 16,
                complete_entries: 16,
                ..uapi::RingQueueCreate::ZERO
            };
            call(d, f, m, uapi::IOCTL_RING_QUEUE_CREATE, &mut r)
        },
    },
    Scenario {
        name: "control get-status",
        applied_before_copy_out: false,
        run: |d, f, m| {
            // The header alone: get-status takes no attribute.
            let mut request = [0u8; 8];
            request[..2]
                .copy_from_slice(&softaccel_kernel::operations::OP_GET_STATUS.to_ne_bytes());
            let mut reply = [0u8; 512];
            let mut c = Control {
                request: request.as_mut_ptr() as u64,
                request_len: request.len() as u32,
                reply: reply.as_mut_ptr() as u64,
                reply_cap: reply.len() as u32,
                ..Control::ZERO
            };
            call(d, f, m, uapi::IOCTL_CONTROL, &mut c)
        },
    },
];

#[test]
fn every_user_memory_access_of_every_ioctl_can_fail() {
    let mut faults = 0;
    for sc in SCENARIOS {
        // The accesses of a working call, and what it leaves.
        let (dev, file) = fresh();
        setup(&dev, &file);
        let counting = FaultMem::new(u64::MAX);
        (sc.run)(&dev, &file, &counting).unwrap_or_else(|e| panic!("{}: {e}", sc.name));
        let accesses = counting.count.get();
        let applied = observe(&dev, &file);
        assert!(accesses >= 1, "{}: no access to fail", sc.name);
        for n in 0..accesses {
            let (dev, file) = fresh();
            setup(&dev, &file);
            let before = observe(&dev, &file);
            let mem = FaultMem::new(n);
            let r = (sc.run)(&dev, &file, &mem);
            assert_eq!(r, Err(Errno::EFAULT), "{}: access {n} failed", sc.name);
            let write = mem.failed_write.get().expect("the failing access happened");
            let after = observe(&dev, &file);
            // The argument's copy-out is a call's last access; writes
            // before it (an array the handler fills) fail the handler.
            let copy_out = write && n + 1 == accesses;
            if copy_out && sc.applied_before_copy_out {
                assert_eq!(
                    after, applied,
                    "{}: a failed copy-out (access {n}) leaves the result applied",
                    sc.name
                );
            } else {
                assert_eq!(
                    after,
                    before,
                    "{}: access {n} ({}) failed, yet the state changed",
                    sc.name,
                    if write { "write" } else { "read" }
                );
            }
            faults += 1;
        }
    }
    assert!(
        faults >= 2 * SCENARIOS.len(),
        "only {faults} faults injected"
    );
}

/// The ioctls that change state before copying out really do: a test that
/// would pass with `applied_before_copy_out` on every scenario would not
/// say which ioctls keep the kernel's semantics.
#[test]
fn the_ioctls_that_apply_before_copy_out_are_exactly_those_named() {
    for sc in SCENARIOS {
        let (dev, file) = fresh();
        setup(&dev, &file);
        let before = observe(&dev, &file);
        (sc.run)(&dev, &file, &SelfMem).unwrap();
        let after = observe(&dev, &file);
        let changes = before != after;
        let writes_back = {
            let (dev, file) = fresh();
            setup(&dev, &file);
            let counting = FaultMem::new(u64::MAX);
            (sc.run)(&dev, &file, &counting).unwrap();
            // The last access of a call that copies out is a write.
            let last = FaultMem::new(counting.count.get() - 1);
            let (dev, file) = fresh();
            setup(&dev, &file);
            let _ = (sc.run)(&dev, &file, &last);
            last.failed_write.get() == Some(true)
        };
        assert_eq!(
            sc.applied_before_copy_out,
            changes && writes_back,
            "{}: changes state {changes}, copies out {writes_back}",
            sc.name
        );
    }
}

fn fresh() -> (Arc<Device>, FileCtx) {
    let dev = Device::new(DeviceConfig::default()).expect("device");
    let file = dev.open().expect("open");
    (dev, file)
}
