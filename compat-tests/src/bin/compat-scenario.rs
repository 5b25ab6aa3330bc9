//! The cross-language scenario in Rust: `compat-scenario <device-node>`.
//!
//! The well-formed calls go through the userlib (`softaccel`), the way an
//! application would make them; the deliberately wrong ones (a handle no
//! file holds, an undefined flag, non-zero pad, a bad user pointer, WAIT
//! edge cases) go through the generated user crates it re-exports, on the
//! userlib's own file descriptor, since the userlib never builds such
//! arguments. Prints one line per step, as `cross-lang/scenario.{c,py}`
//! and `cross-lang/scenario_go` do; on an unexpected failure it prints
//! `FAILED <what>` and exits 1.

use compat_tests::scenario::{
    self, BAD_BO_FLAG, BAD_HANDLE, BAD_POINTER, CRC_OFFSET, ELEMS, FILL_LEN, FILL_OFFSET,
    FILL_PATTERN, PROBES,
};
use softaccel::accel::{BoFlags, Param, QueueFlags, QueuePriority, deadline_after};
use softaccel::softaccel::{Batch, Device, PerfCounterId};
use softaccel::{CallError, accel_user, softaccel_user};
use std::process::ExitCode;
use std::time::Duration;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: compat-scenario <device-node>");
        return ExitCode::from(2);
    };
    match run(path.as_ref()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            println!("FAILED {e}");
            ExitCode::FAILURE
        }
    }
}

/// What a call the scenario expects to fail answered: the errno's name,
/// or `ok` if it succeeded.
fn outcome(r: std::result::Result<(), CallError>) -> String {
    match r {
        Ok(()) => "ok".into(),
        Err(CallError::Errno { errno, .. }) => errno.name().map_or(errno.to_string(), Into::into),
        Err(e) => format!("not-called ({e})"),
    }
}

fn run(path: &std::path::Path) -> Result<()> {
    let dev = Device::open(path)?;
    println!("open ok");
    println!("param revision {}", dev.param(Param::Revision)?);
    println!("param core-revision {}", dev.param(Param::CoreRevision)?);
    let page = dev.param(Param::PageSize)?;
    println!("param page-size {page}");
    println!("param capabilities {:#x}", dev.param(Param::Capabilities)?);
    dev.set_perf_stats_enabled(true)?;
    println!("set-param perf-stats-enable ok");

    let mut a = dev.create_bo(page, BoFlags::HOST_VISIBLE)?;
    println!("bo-create a ok");
    let mut b = dev.create_bo(page, BoFlags::HOST_VISIBLE)?;
    println!("bo-create b ok");
    let mut c = dev.create_bo(page, BoFlags::HOST_VISIBLE)?;
    println!("bo-create c ok");
    for (name, bo) in [("a", &a), ("b", &b), ("c", &c)] {
        let info = bo.query()?;
        let offset_ok = info.mmap_offset != 0 && info.mmap_offset % page == 0;
        println!(
            "bo-info {name} size {} flags {:#x} mmap-offset {}",
            info.size,
            info.flags.bits(),
            if offset_ok { "ok" } else { "bad" }
        );
    }

    let values: Vec<u32> = (0..ELEMS).map(scenario::a).collect();
    a.map()?.write_u32s(0, &values);
    println!("mmap-write a {ELEMS}");
    let values: Vec<u32> = (0..ELEMS).map(scenario::b).collect();
    b.map()?.write_u32s(0, &values);
    println!("mmap-write b {ELEMS}");

    let queue = dev.create_queue(QueuePriority::Normal, QueueFlags::empty())?;
    println!("queue-create ok");
    let fence = {
        let mut batch = Batch::new();
        batch
            .fill(b.at(FILL_OFFSET), FILL_LEN, FILL_PATTERN)
            .add_u32(&a, &b, &c, ELEMS as u64)
            .crc32c(&c, a.at(CRC_OFFSET), 4 * ELEMS as u64, 0);
        let fence = dev.submit(&queue, &batch)?;
        println!("submit cmds {} seqno {}", batch.len(), fence.seqno());
        fence
    };
    fence.wait_until(deadline_after(Duration::from_secs(5)))?;
    println!("wait ok");

    let cv = c.map()?.read_u32s(0, ELEMS);
    for i in PROBES {
        println!("c[{i}] {:#010x}", cv[i]);
    }
    let last = ELEMS - 1;
    println!("b[{last}] {:#010x}", b.map()?.read_u32s(4 * last, 1)[0]);
    {
        let am = a.map()?;
        println!("a[1] {:#010x}", am.read_u32s(4, 1)[0]);
        println!("crc32c {:#010x}", am.read_u32s(CRC_OFFSET as usize, 1)[0]);
    }

    let stats = dev.perf_stats(false)?;
    println!("perf counters {}", stats.counters.len());
    for (name, id) in [
        ("submits", PerfCounterId::Submits),
        ("cmds-completed", PerfCounterId::CmdsCompleted),
        ("bytes-read", PerfCounterId::BytesRead),
        ("bytes-written", PerfCounterId::BytesWritten),
    ] {
        let v = stats.get(id).ok_or(format!("no {name} counter"))?;
        println!("perf {name} {v}");
    }

    // SAFETY: the calls below submit no work that touches a BO: the only
    // SUBMIT has a bad pointer and fails as a whole (EFAULT) before
    // queueing anything, so no mapping the userlib hands out is written
    // behind its back.
    let t = unsafe { dev.transport() };
    let (core_rev, rev) = (dev.core_revision(), dev.device_revision());
    use accel_user::uapi as core;
    use softaccel_user::uapi;

    let mut w = uapi::Wait {
        queue: queue.handle(),
        seqno: fence.seqno(),
        timeout_ns: 0,
        ..uapi::Wait::ZERO
    };
    println!(
        "wait past-deadline {}",
        outcome(softaccel_user::wait(t, rev, &mut w))
    );
    w.seqno = fence.seqno() + 1;
    w.timeout_ns = deadline_after(Duration::from_secs(5));
    println!(
        "wait future-seqno {}",
        outcome(softaccel_user::wait(t, rev, &mut w))
    );

    let mut info = core::BoInfo {
        handle: BAD_HANDLE,
        ..core::BoInfo::ZERO
    };
    println!(
        "bo-info bad-handle {}",
        outcome(accel_user::bo_info(t, core_rev, &mut info))
    );
    let mut create = core::BoCreate {
        size: page,
        flags: BAD_BO_FLAG,
        ..core::BoCreate::ZERO
    };
    println!(
        "bo-create bad-flag {}",
        outcome(accel_user::bo_create(t, core_rev, &mut create))
    );
    let mut destroy = core::BoDestroy {
        handle: a.handle(),
        pad0: [1, 0, 0, 0],
    };
    println!(
        "bo-destroy nonzero-pad {}",
        outcome(accel_user::bo_destroy(t, core_rev, &mut destroy))
    );
    let mut submit = uapi::Submit {
        queue: queue.handle(),
        cmd_count: 1,
        cmds: BAD_POINTER,
        ..uapi::Submit::ZERO
    };
    // SAFETY: BAD_POINTER is in page zero, which is never mapped: the
    // driver cannot reach any memory through it and answers EFAULT.
    let r = unsafe { softaccel_user::submit_raw(t, rev, &mut submit) };
    println!("submit bad-pointer {}", outcome(r));

    drop(fence);
    queue.destroy()?;
    println!("queue-destroy ok");
    let a_handle = a.handle();
    a.destroy()?;
    println!("bo-destroy a ok");
    b.destroy()?;
    println!("bo-destroy b ok");
    c.destroy()?;
    println!("bo-destroy c ok");
    let mut info = core::BoInfo {
        handle: a_handle,
        ..core::BoInfo::ZERO
    };
    println!(
        "bo-info destroyed {}",
        outcome(accel_user::bo_info(t, core_rev, &mut info))
    );
    drop(dev);
    println!("close ok");
    Ok(())
}
