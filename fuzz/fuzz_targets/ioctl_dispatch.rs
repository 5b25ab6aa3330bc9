//! The generated ioctl dispatch with the in-process driver: a few ioctls
//! per input, each with a fuzzed command word (mostly one of the specs'
//! commands, sometimes resized, redirected or anything), argument address
//! and the caller's memory behind every pointer (`FakeMem`: regions of
//! fuzz bytes, the rest unmapped; sometimes one access fails). Every call
//! returns Ok or an errno the specs document, never panics, and closing
//! the file frees everything it held.
#![no_main]

use libfuzzer_sys::fuzz_target;
use softaccel_driver::{Creds, Device, DeviceConfig, accel_uapi, uapi};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use uabi_fuzz::Tape;
use uabi_fuzz::usermem::{FakeMem, MAX_REGION, REGIONS};
use uabi_runtime::{Errno, ioc};

/// Every errno the two specs document for some ioctl, and the host's for
/// a file the driver could not set up.
const DOCUMENTED: &[Errno] = &[
    Errno::E2BIG,
    Errno::EACCES,
    Errno::EAGAIN,
    Errno::EBADF,
    Errno::EBUSY,
    Errno::ECANCELED,
    Errno::EFAULT,
    Errno::EINVAL,
    Errno::EMSGSIZE,
    Errno::ENODEV,
    Errno::ENOENT,
    Errno::ENOMEM,
    Errno::ENOSPC,
    Errno::ENOTTY,
    Errno::EOPNOTSUPP,
    Errno::EPERM,
    Errno::EPIPE,
    Errno::ERANGE,
    Errno::ETIMEDOUT,
];

fn device() -> &'static Arc<Device> {
    static DEV: OnceLock<Arc<Device>> = OnceLock::new();
    DEV.get_or_init(|| {
        // Small BOs: a fuzzed FILL of a whole BO stays fast, and the
        // memfd stays far below libFuzzer's memory limit.
        let cfg = DeviceConfig {
            max_bo_size: 1 << 20,
            ..DeviceConfig::default()
        };
        match Device::new(cfg) {
            Ok(d) => d,
            Err(e) => panic!("no device: {e}"),
        }
    })
}

fn commands() -> Vec<u32> {
    accel_uapi::IOCTLS
        .iter()
        .map(|d| d.cmd)
        .chain(uapi::IOCTLS.iter().map(|d| d.cmd))
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let dev = device();
    let cmds = commands();
    let mut t = Tape::new(data);
    let creds = Creds {
        cap_sys_nice: t.u8() & 1 == 1,
        privileged: t.u8() & 1 == 1,
    };
    let Ok(file) = dev.open_with(creds) else {
        return;
    };
    let calls = 1 + t.below(8);
    let mut plan = Vec::new();
    for _ in 0..calls {
        let mut cmd = cmds[t.below(cmds.len())];
        let d = ioc::decode(cmd);
        match t.u8() % 8 {
            0 => cmd = ioc::encode(d.copy_in, d.copy_out, d.magic, d.nr, t.u32() & 0x3fff),
            1 => cmd = ioc::encode(t.u8() & 1 == 1, t.u8() & 1 == 1, d.magic, d.nr, d.size),
            2 => cmd = t.u32(),
            _ => {}
        }
        // The argument: in a region (at a small offset) or anywhere.
        let arg = match t.u8() % 8 {
            0 => t.u64(),
            r => FakeMem::base(usize::from(r) % REGIONS) + u64::from(t.u8() % 64) * 8,
        };
        plan.push((cmd, arg));
    }
    let fail_at = (t.u8() % 4 == 0).then(|| u64::from(t.u8() % 16) + 1);
    let mut regions = Vec::new();
    for _ in 0..REGIONS {
        let n = (usize::from(t.u16()) * 2).min(MAX_REGION);
        let mut r = t.bytes(n).to_vec();
        r.resize(n, 0);
        regions.push(r);
    }
    let mem = FakeMem::new(regions, fail_at);
    for (cmd, arg) in plan {
        let d = ioc::decode(cmd);
        if d.magic == uapi::IOCTL_MAGIC && d.nr == uapi::NR_WAIT {
            // A WAIT sleeps until its timeout: the harness keeps it at zero
            // (the timeout paths are the driver tests' business).
            mem.zero(arg + 16, 8);
        }
        let started = Instant::now();
        match softaccel_kernel::dispatch(&**dev, &file, &mem, cmd, arg) {
            Ok(()) => {}
            Err(e) => assert!(DOCUMENTED.contains(&e), "{cmd:#x} at {arg:#x}: {e}"),
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{cmd:#x} took {:?}",
            started.elapsed()
        );
    }
    dev.release(&file);
    drop(file);
    assert!(
        dev.wait_idle(Duration::from_secs(10)),
        "submissions still pending 10 s after close"
    );
    // Ring pollers let go of their queue on their own thread: give them a
    // moment before calling anything a leak.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let c = dev.counters();
        if (c.files, c.bos, c.queues, c.pending_submissions) == (0, 0, 0, 0) {
            break;
        }
        assert!(Instant::now() < deadline, "objects left after close: {c:?}");
        std::thread::sleep(Duration::from_millis(1));
    }
});
