//! Random arguments for every ioctl (and random command words): every call
//! must return Ok or one of the errnos the specs document, never panic,
//! and closing the file afterwards must leak nothing.

mod common;

use common::*;
use softaccel_driver::accel_uapi as core;
use softaccel_driver::uapi::{self, Cmd};
use std::time::Duration;
use uabi_runtime::ioc;
use uabi_runtime::zerocopy::IntoBytes;
use uabi_test_support::Rng;

/// Mostly small values, sometimes anything.
fn small(rng: &mut Rng) -> u64 {
    match rng.below(4) {
        0 => rng.u64(),
        1 => 0,
        _ => rng.below(70_000),
    }
}

const DOCUMENTED: [Errno; 11] = [
    Errno::EINVAL,
    Errno::ENOENT,
    Errno::EOPNOTSUPP,
    Errno::EBUSY,
    Errno::ENOMEM,
    Errno::EFAULT,
    Errno::E2BIG,
    Errno::ENOTTY,
    Errno::ENOSPC,
    Errno::EPERM,
    Errno::ETIMEDOUT,
];

#[test]
fn random_arguments_never_panic_or_leak() {
    let dev = device();
    let t = open(&dev);
    let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
    let cmds: Vec<u32> = core::IOCTLS
        .iter()
        .map(|d| d.cmd)
        .chain(uapi::IOCTLS.iter().map(|d| d.cmd))
        .collect();
    let mut counters = [uapi::PerfCounter::ZERO; 64];
    // Handles are allocated cyclically, so random creates and destroys
    // move the live ones upwards: aim near the newest.
    let (mut bo_hi, mut q_hi) = (0, 0);
    for i in 0..20_000 {
        if i % 100 == 0 {
            bo_hi = bo(&t, 1 << 16);
            q_hi = queue(&t);
        }
        let mut cmd = cmds[rng.below(cmds.len() as u64) as usize];
        let d = ioc::decode(cmd);
        match rng.below(8) {
            0 => cmd = resized(cmd, rng.below(64) as u32),
            1 => cmd = redirected(cmd, rng.below(2) == 0, rng.below(2) == 0),
            2 => cmd = ioc::encode(true, true, core::IOCTL_MAGIC, rng.below(256) as u8, d.size),
            _ => {}
        }
        let nr = ioc::decode(cmd).nr;
        let mut buf = [0u8; 128];
        for w in buf.chunks_exact_mut(8) {
            w.copy_from_slice(&small(&mut rng).to_le_bytes());
        }
        let mut array = [Cmd::ZERO; 8];
        for c in &mut array {
            *c = random_cmd(&mut rng, bo_hi);
        }
        // Handles and counts in range most of the time.
        let hi = if nr == core::NR_BO_INFO || nr == core::NR_BO_DESTROY {
            bo_hi
        } else {
            q_hi
        };
        let h = hi.saturating_sub(rng.below(4) as u32);
        buf[0..4].copy_from_slice(&h.to_le_bytes());
        if nr == uapi::NR_SUBMIT {
            buf[4..8].copy_from_slice(&(rng.below(4) as u32).to_le_bytes());
            if rng.below(4) != 0 {
                buf[8..16].copy_from_slice(&(array.as_ptr() as u64).to_le_bytes());
            }
        }
        if nr == uapi::NR_WAIT {
            // Never block: the deadline is in the past.
            buf[16..24].copy_from_slice(&0i64.to_le_bytes());
        }
        if nr == uapi::NR_PERF_STATS {
            // The kernel writes through this pointer: ours or none.
            let p = if rng.below(4) == 0 {
                0
            } else {
                counters.as_mut_ptr() as u64
            };
            buf[0..8].copy_from_slice(&p.to_le_bytes());
            buf[8..12].copy_from_slice(&(rng.below(40) as u32).to_le_bytes());
        }
        if nr == core::NR_BO_CREATE {
            // Small BOs keep the commands on them fast.
            buf[0..8].copy_from_slice(&(rng.below(1 << 20)).to_le_bytes());
        }
        match call_bytes(&t, cmd, &mut buf) {
            Ok(()) => {}
            Err(e) => assert!(DOCUMENTED.contains(&e), "{cmd:#x}: {e}"),
        }
    }
    drop(t);
    assert!(dev.wait_idle(Duration::from_secs(20)));
    let c = dev.counters();
    assert_eq!(
        (c.files, c.bos, c.queues, c.pending_submissions),
        (0, 0, 0, 0)
    );
    assert!(c.submits > 0, "some random submissions got through");
}

/// A command that is well-formed for its opcode about half the time
/// (unused operands zero, offsets aligned, ranges mostly within a 64 KiB
/// BO), with random damage otherwise.
fn random_cmd(rng: &mut Rng, bo_hi: u32) -> Cmd {
    let opcode = rng.below(7) as u32;
    let handle = |rng: &mut Rng| bo_hi.saturating_sub(rng.below(3) as u32);
    let off = |rng: &mut Rng| rng.below(60_000) & !7;
    let mut c = Cmd {
        opcode,
        ..Cmd::ZERO
    };
    let (src, src2, value) = match opcode {
        uapi::opcode::COPY => (true, false, false),
        uapi::opcode::FILL => (false, false, true),
        uapi::opcode::CRC32C => (true, false, true),
        uapi::opcode::ADD_U32 | uapi::opcode::ADD_F32 => (true, true, false),
        _ => (false, false, false),
    };
    c.dst_bo = handle(rng);
    c.dst_offset = off(rng);
    if src {
        c.src_bo = handle(rng);
        c.src_offset = off(rng);
    }
    if src2 {
        c.src2_bo = handle(rng);
        c.src2_offset = off(rng);
    }
    if opcode != uapi::opcode::TIMESTAMP {
        c.length = rng.below(5_000);
    }
    if value {
        c.value = rng.below(1 << 32);
    }
    if rng.below(2) == 0 {
        c.as_mut_bytes()[rng.below(64) as usize] ^= 1 << rng.below(8);
    }
    c
}
