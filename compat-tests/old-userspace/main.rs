//! Old userspace: `old-userspace <device-node>`.
//!
//! Not built by the workspace. `tests/matrix.rs` generates the user-side
//! crates of revision 1 from `compat-tests/revisions/r1/*.yaml`, builds
//! this program against that `softaccel-user` crate (and the `accel-user`
//! it re-exports) in a workspace of its own, and runs it against a driver
//! through the device node. It is an application written when revision 1
//! was current: it knows only revision-1 structs, numbers and sizes.
//!
//! It makes every revision-1 call, checks every result itself (exit 1 with
//! `FAILED <what>` otherwise), and prints one line per fact the harness
//! compares: the revisions and capabilities the driver reports, what the
//! commands computed, the errnos of deliberately bad calls, and, last, the
//! command word of every ioctl it sent (their size fields are the
//! revision-1 struct sizes). Every call whose argument the driver writes
//! back is also made once with a canary after the revision-1 struct: the
//! driver must not write beyond the size the caller's command gives.

use softaccel_user::accel_user::{self, uapi as core};
use softaccel_user::{CallError, Errno, FdTransport, Mapping, Transport, uapi};
use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::Mutex;

/// Forwards to the device file, remembering every command word sent.
struct Recording {
    fd: FdTransport,
    cmds: Mutex<BTreeSet<u32>>,
}

impl Transport for Recording {
    unsafe fn ioctl(&self, cmd: u32, arg: *mut u8) -> Result<(), Errno> {
        self.cmds.lock().unwrap().insert(cmd);
        // SAFETY: forwarded unchanged from this function's own contract.
        unsafe { self.fd.ioctl(cmd, arg) }
    }

    fn mmap(&self, offset: u64, len: usize) -> Result<Mapping, Errno> {
        self.fd.mmap(offset, len)
    }
}

struct Failed(String);

type R<T> = Result<T, Failed>;

fn check(ok: bool, what: impl Into<String>) -> R<()> {
    if ok { Ok(()) } else { Err(Failed(what.into())) }
}

fn ok<T>(r: Result<T, CallError>, what: &str) -> R<T> {
    r.map_err(|e| Failed(format!("{what}: {e}")))
}

fn errno_name(r: Result<(), CallError>) -> String {
    match r {
        Ok(()) => "ok".into(),
        Err(CallError::Errno { errno, .. }) => errno.name().unwrap_or("?").into(),
        Err(e) => format!("{e}"),
    }
}

const CANARY: u8 = 0xa5;

/// The argument followed by bytes the driver must not touch.
#[repr(C)]
struct Canaried<T> {
    arg: T,
    canary: [u8; 32],
}

/// Sends `cmd` with `arg` followed by a canary; the driver must write back
/// no more than the command's size, which is `size_of::<T>()`.
fn canaried<T>(t: &Recording, cmd: u32, arg: T, what: &str) -> R<T> {
    let mut w = Canaried {
        arg,
        canary: [CANARY; 32],
    };
    // SAFETY: `w` is an exclusively borrowed, initialized value that holds
    // the whole argument `cmd` encodes (T, whose size is the command's size
    // field) and more; any user pointer in it was set by the caller to
    // memory that outlives the call.
    unsafe { t.ioctl(cmd, std::ptr::from_mut(&mut w).cast()) }
        .map_err(|e| Failed(format!("{what}: {e}")))?;
    check(
        w.canary.iter().all(|&b| b == CANARY),
        format!("{what}: the driver wrote beyond the revision-1 struct"),
    )?;
    Ok(w.arg)
}

fn crc32c(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x82f6_3b78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn read_u32s(m: &Mapping, off: usize, n: usize) -> Vec<u32> {
    // SAFETY: the mapping is `len` readable bytes for as long as `m`
    // lives; no command writes it now (every submission was waited for).
    let bytes = unsafe { std::slice::from_raw_parts(m.as_ptr(), m.len()) };
    bytes[off..off + 4 * n]
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn write_u32s(m: &Mapping, off: usize, v: &[u32]) {
    // SAFETY: as in `read_u32s`, and nothing else reads the bytes now.
    let bytes = unsafe { std::slice::from_raw_parts_mut(m.as_ptr(), m.len()) };
    for (i, x) in v.iter().enumerate() {
        bytes[off + 4 * i..off + 4 * i + 4].copy_from_slice(&x.to_le_bytes());
    }
}

fn cmd(opcode: u32) -> uapi::Cmd {
    uapi::Cmd {
        opcode,
        ..uapi::Cmd::ZERO
    }
}

fn run(path: &str, out: &mut Vec<String>) -> R<()> {
    let fd = FdTransport::open(path.as_ref()).map_err(|e| Failed(format!("open: {e}")))?;
    let t = Recording {
        fd,
        cmds: Mutex::new(BTreeSet::new()),
    };
    let get = |p: u32| -> Result<u64, CallError> {
        let mut a = core::GetParam {
            param: p,
            ..core::GetParam::ZERO
        };
        accel_user::get_param(&t, 1, &mut a).map(|()| a.value)
    };

    // 1. What the driver reports. Revision-1 userspace checks no revision
    // beyond "at least 1" and uses only the capability bits it knows.
    let rev = ok(get(core::param::REVISION), "revision")? as u32;
    let core_rev = ok(get(core::param::CORE_REVISION), "core-revision")? as u32;
    check(rev >= 1 && core_rev >= 1, "revisions")?;
    out.push(format!("revision {rev} core-revision {core_rev}"));
    let caps = ok(get(core::param::CAPABILITIES), "capabilities")? as u32;
    out.push(format!(
        "capabilities known {:#x} newer {:#x}",
        caps & core::capabilities::ALL,
        caps & !core::capabilities::ALL
    ));
    for &p in core::param::ALL {
        ok(get(p), &format!("get-param {p}"))?;
    }
    let v = canaried(
        &t,
        core::IOCTL_GET_PARAM,
        core::GetParam {
            param: core::param::PAGE_SIZE,
            ..core::GetParam::ZERO
        },
        "get-param (canary)",
    )?;
    let page = v.value as usize;
    check(page.is_power_of_two() && page >= 4096, "page-size")?;
    out.push(format!("params {} readable", core::param::ALL.len()));
    let mut sp = core::SetParam {
        param: core::param::PERF_STATS_ENABLE,
        value: 1,
        ..core::SetParam::ZERO
    };
    ok(accel_user::set_param(&t, core_rev, &mut sp), "set-param")?;

    // 2. Four host-visible one-page BOs, each created with the
    // revision-1 BO_CREATE (16 bytes), one of them with a canary.
    let mut handles = Vec::new();
    for i in 0..4 {
        let arg = core::BoCreate {
            size: page as u64,
            flags: core::bo_flags::HOST_VISIBLE,
            ..core::BoCreate::ZERO
        };
        let arg = if i == 0 {
            canaried(&t, core::IOCTL_BO_CREATE, arg, "bo-create (canary)")?
        } else {
            let mut arg = arg;
            ok(accel_user::bo_create(&t, core_rev, &mut arg), "bo-create")?;
            arg
        };
        check(arg.handle != 0, "bo-create: handle 0")?;
        handles.push(arg.handle);
    }
    let mut maps = Vec::new();
    for (i, &h) in handles.iter().enumerate() {
        let arg = core::BoInfo {
            handle: h,
            ..core::BoInfo::ZERO
        };
        let info = if i == 0 {
            canaried(&t, core::IOCTL_BO_INFO, arg, "bo-info (canary)")?
        } else {
            let mut arg = arg;
            ok(accel_user::bo_info(&t, core_rev, &mut arg), "bo-info")?;
            arg
        };
        check(
            info.size == page as u64
                && info.flags == core::bo_flags::HOST_VISIBLE
                && info.mmap_offset != 0
                && info.mmap_offset % page as u64 == 0,
            format!("bo-info {h}: {info:?}"),
        )?;
        maps.push(
            t.mmap(info.mmap_offset, page)
                .map_err(|e| Failed(format!("mmap: {e}")))?,
        );
    }
    out.push("bos 4 host-visible one-page".into());
    let n = page / 4;
    let a: Vec<u32> = (0..n as u32)
        .map(|i| i.wrapping_mul(3).wrapping_add(1))
        .collect();
    let b: Vec<u32> = (0..n as u32).map(|i| 0xffff_0000 + i).collect();
    write_u32s(&maps[0], 0, &a);
    write_u32s(&maps[1], 0, &b);

    // 3. A queue and one submission of every revision-1 opcode.
    let q = canaried(
        &t,
        core::IOCTL_QUEUE_CREATE,
        core::QueueCreate {
            priority: core::queue_priority::NORMAL,
            ..core::QueueCreate::ZERO
        },
        "queue-create (canary)",
    )?
    .handle;
    check(q != 0, "queue-create: handle 0")?;
    let (ha, hb, hc, hd) = (handles[0], handles[1], handles[2], handles[3]);
    let half = (page / 2) as u64;
    let cmds = [
        uapi::Cmd {
            dst_bo: hb,
            dst_offset: half,
            length: half,
            value: 0x0101_0101_0101_0101,
            ..cmd(uapi::opcode::FILL)
        },
        uapi::Cmd {
            src_bo: ha,
            src2_bo: hb,
            dst_bo: hc,
            length: n as u64,
            ..cmd(uapi::opcode::ADD_U32)
        },
        uapi::Cmd {
            src_bo: hc,
            dst_bo: hd,
            length: page as u64,
            ..cmd(uapi::opcode::CRC32C)
        },
        uapi::Cmd {
            src_bo: hc,
            dst_bo: hd,
            dst_offset: 64,
            length: 64,
            ..cmd(uapi::opcode::COPY)
        },
        uapi::Cmd {
            src_bo: ha,
            src2_bo: ha,
            dst_bo: hd,
            dst_offset: 256,
            length: 16,
            ..cmd(uapi::opcode::ADD_F32)
        },
        uapi::Cmd {
            dst_bo: hd,
            dst_offset: 512,
            ..cmd(uapi::opcode::TIMESTAMP)
        },
    ];
    check(
        cmds.len() == uapi::opcode::ALL.len(),
        "one command per revision-1 opcode",
    )?;
    let submit = canaried(
        &t,
        uapi::IOCTL_SUBMIT,
        uapi::Submit {
            queue: q,
            cmd_count: cmds.len() as u32,
            cmds: cmds.as_ptr() as u64,
            ..uapi::Submit::ZERO
        },
        "submit (canary)",
    )?;
    check(submit.seqno == 1, "submit: seqno")?;
    let mut w = uapi::Wait {
        queue: q,
        seqno: 1,
        timeout_ns: i64::MAX,
        ..uapi::Wait::ZERO
    };
    ok(softaccel_user::wait(&t, rev, &mut w), "wait")?;
    // The same batch once more through the safe wrapper.
    let mut s = uapi::Submit {
        queue: q,
        ..uapi::Submit::ZERO
    };
    ok(
        softaccel_user::submit(&t, rev, &mut s, &cmds[1..2]),
        "submit",
    )?;
    check(s.seqno == 2, "submit: second seqno")?;
    let mut w = uapi::Wait {
        queue: q,
        seqno: 2,
        timeout_ns: i64::MAX,
        ..uapi::Wait::ZERO
    };
    ok(softaccel_user::wait(&t, rev, &mut w), "wait")?;
    out.push(format!("submit seqnos {} {}", submit.seqno, s.seqno));

    // 4. The results, computed here from the spec's rules.
    let mut b2 = b.clone();
    for x in &mut b2[n / 2..] {
        *x = 0x0101_0101;
    }
    let c: Vec<u32> = a.iter().zip(&b2).map(|(x, y)| x.wrapping_add(*y)).collect();
    check(read_u32s(&maps[1], 0, n) == b2, "fill")?;
    check(read_u32s(&maps[2], 0, n) == c, "add-u32")?;
    let c_bytes: Vec<u8> = c.iter().flat_map(|x| x.to_le_bytes()).collect();
    check(read_u32s(&maps[3], 0, 1) == [crc32c(&c_bytes)], "crc32c")?;
    check(read_u32s(&maps[3], 64, 16) == c[..16], "copy")?;
    let f: Vec<u32> = a[..16]
        .iter()
        .map(|x| {
            let r = f32::from_bits(*x) + f32::from_bits(*x);
            if r.is_nan() { 0x7fc0_0000 } else { r.to_bits() }
        })
        .collect();
    check(read_u32s(&maps[3], 256, 16) == f, "add-f32")?;
    let ts = read_u32s(&maps[3], 512, 2);
    check(ts != [0, 0], "timestamp")?;
    out.push("results fill add-u32 crc32c copy add-f32 timestamp ok".into());

    // 5. Performance counters of revision 1.
    let mut counters = vec![uapi::PerfCounter::ZERO; uapi::MAX_PERF_COUNTERS as usize];
    let mut ps = uapi::PerfStats::ZERO;
    ok(
        softaccel_user::perf_stats(&t, rev, &mut ps, &mut counters),
        "perf-stats",
    )?;
    let ps0 = canaried(
        &t,
        uapi::IOCTL_PERF_STATS,
        uapi::PerfStats::ZERO,
        "perf-stats (canary)",
    )?;
    check(ps0.counter_count == ps.counter_count, "perf-stats count")?;
    let get_counter = |id: u32| {
        counters[..ps.counter_count as usize]
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.value)
    };
    out.push(format!(
        "perf-stats counters {} submits {:?} cmds-completed {:?}",
        ps.counter_count,
        get_counter(uapi::perf_counter_id::SUBMITS),
        get_counter(uapi::perf_counter_id::CMDS_COMPLETED)
    ));

    // 6. Errors revision 1 documents.
    let mut errs = Vec::new();
    let mut w = uapi::Wait {
        queue: q,
        seqno: 3,
        ..uapi::Wait::ZERO
    };
    errs.push(errno_name(softaccel_user::wait(&t, rev, &mut w)));
    let mut bi = core::BoInfo {
        handle: 12345,
        ..core::BoInfo::ZERO
    };
    errs.push(errno_name(accel_user::bo_info(&t, core_rev, &mut bi)));
    let mut bc = core::BoCreate {
        size: 4096,
        flags: 0x100,
        ..core::BoCreate::ZERO
    };
    errs.push(errno_name(accel_user::bo_create(&t, core_rev, &mut bc)));
    let mut bd = core::BoDestroy {
        handle: ha,
        pad0: [1, 0, 0, 0],
    };
    errs.push(errno_name(accel_user::bo_destroy(&t, core_rev, &mut bd)));
    let mut s = uapi::Submit {
        queue: q,
        ..uapi::Submit::ZERO
    };
    errs.push(errno_name(softaccel_user::submit(
        &t,
        rev,
        &mut s,
        &[cmd(99)],
    )));
    let mut sp = core::SetParam {
        param: core::param::DEVICE_ID,
        ..core::SetParam::ZERO
    };
    errs.push(errno_name(accel_user::set_param(&t, core_rev, &mut sp)));
    let mut gp = core::GetParam {
        param: 999,
        ..core::GetParam::ZERO
    };
    errs.push(errno_name(accel_user::get_param(&t, core_rev, &mut gp)));
    out.push(format!("errors {}", errs.join(" ")));

    // 7. Teardown.
    drop(maps);
    let mut qd = core::QueueDestroy {
        handle: q,
        ..core::QueueDestroy::ZERO
    };
    ok(
        accel_user::queue_destroy(&t, core_rev, &mut qd),
        "queue-destroy",
    )?;
    for &h in &handles {
        let mut bd = core::BoDestroy {
            handle: h,
            ..core::BoDestroy::ZERO
        };
        ok(accel_user::bo_destroy(&t, core_rev, &mut bd), "bo-destroy")?;
    }
    let mut bi = core::BoInfo {
        handle: ha,
        ..core::BoInfo::ZERO
    };
    out.push(format!(
        "destroyed; bo-info {}",
        errno_name(accel_user::bo_info(&t, core_rev, &mut bi))
    ));

    // 8. Every command word sent, by spec name.
    // The two specs' tables have distinct types.
    let names: Vec<(u32, &str)> = accel_user::IOCTLS
        .iter()
        .map(|d| (d.cmd, d.name))
        .chain(softaccel_user::IOCTLS.iter().map(|d| (d.cmd, d.name)))
        .collect();
    let sent = t.cmds.lock().unwrap().clone();
    for &(cmd, name) in &names {
        if sent.contains(&cmd) {
            out.push(format!("sent {name} {cmd:#010x}"));
        }
    }
    let known: BTreeSet<u32> = names.iter().map(|&(cmd, _)| cmd).collect();
    check(sent.is_subset(&known), "only revision-1 commands")?;
    Ok(())
}

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: old-userspace <device-node>");
        return ExitCode::from(2);
    };
    let mut out = Vec::new();
    let r = run(&path, &mut out);
    for line in &out {
        println!("{line}");
    }
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failed(what)) => {
            println!("FAILED {what}");
            ExitCode::from(1)
        }
    }
}
