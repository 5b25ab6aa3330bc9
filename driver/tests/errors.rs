//! Bad input for every ioctl, each asserting the errno the spec documents
//! (or, for size and direction mismatches, the DRM behaviour the spec's
//! extension rules define). The driver must never panic: a panic here
//! would fail the test.

mod common;

use common::*;
use softaccel_driver::accel_uapi::{
    self as core, BoCreate, BoDestroy, BoInfo, GetParam, QueueCreate, QueueDestroy, SetParam,
    bo_flags, capabilities, param, queue_flags, queue_priority,
};
use softaccel_driver::uapi::{
    self, Cmd, PerfCounter, PerfStats, Submit, Wait, cmd_flags, opcode, perf_stats_flags,
};
use softaccel_driver::{Creds, Device, DeviceConfig};
use std::time::Duration;
use uabi_runtime::ioc;
use uabi_runtime::transport::InProcess;
use uabi_runtime::zerocopy::IntoBytes;

const MAGIC: u8 = core::IOCTL_MAGIC;

/// A device lacking `caps`.
fn device_without(caps: u32) -> std::sync::Arc<Device> {
    device_with(DeviceConfig {
        capabilities: capabilities::ALL & !caps,
        ..DeviceConfig::default()
    })
}

/// The argument's bytes followed by `extra` bytes of `tail`.
fn with_tail<T: IntoBytes + uabi_runtime::zerocopy::Immutable>(
    v: &T,
    extra: usize,
    tail: u8,
) -> Vec<u8> {
    let mut b = v.as_bytes().to_vec();
    b.resize(b.len() + extra, tail);
    b
}

fn bad_pad<T: IntoBytes + uabi_runtime::zerocopy::FromBytes>(
    t: &InProcess,
    cmd: u32,
    mut v: T,
    pad_at: usize,
) -> Result<(), Errno> {
    v.as_mut_bytes()[pad_at] = 1;
    call(t, cmd, &mut v)
}

// ---------------------------------------------------------------- dispatch

#[test]
fn unknown_nr_and_magic_are_enotty() {
    let dev = device();
    let t = open(&dev);
    let mut buf = [0u8; 64];
    let mut known: Vec<u8> = core::IOCTLS.iter().map(|i| i.nr).collect();
    known.extend(uapi::IOCTLS.iter().map(|i| i.nr));
    for nr in 0..=255u8 {
        if known.contains(&nr) {
            continue;
        }
        for (i, o) in [(true, true), (true, false), (false, true), (false, false)] {
            let cmd = ioc::encode(i, o, MAGIC, nr, 16);
            assert_eq!(
                call_bytes(&t, cmd, &mut buf),
                Err(Errno::ENOTTY),
                "nr {nr:#x}"
            );
        }
    }
    // A known nr under another magic.
    let d = ioc::decode(core::IOCTL_GET_PARAM);
    let cmd = ioc::encode(d.copy_in, d.copy_out, MAGIC + 1, d.nr, d.size);
    assert_eq!(call_bytes(&t, cmd, &mut buf), Err(Errno::ENOTTY));
}

#[test]
fn bad_argument_addresses_are_efault() {
    let dev = device();
    let t = open(&dev);
    let bad = [0u64, 8, u64::MAX - 7, 1 << 62];
    let cmds = [
        core::IOCTL_GET_PARAM,
        core::IOCTL_SET_PARAM,
        core::IOCTL_BO_CREATE,
        core::IOCTL_BO_INFO,
        core::IOCTL_BO_DESTROY,
        core::IOCTL_QUEUE_CREATE,
        core::IOCTL_QUEUE_DESTROY,
        uapi::IOCTL_SUBMIT,
        uapi::IOCTL_WAIT,
        uapi::IOCTL_PERF_STATS,
    ];
    for cmd in cmds {
        for addr in bad {
            assert_eq!(
                call_addr(&t, cmd, addr),
                Err(Errno::EFAULT),
                "{cmd:#x} at {addr:#x}"
            );
        }
    }
    // Readable but not writable: GET_PARAM reads, then fails to write.
    static RO: GetParam = GetParam::ZERO;
    assert_eq!(
        call_addr(&t, core::IOCTL_GET_PARAM, &RO as *const GetParam as u64),
        Err(Errno::EFAULT)
    );
}

#[test]
fn direction_bits_are_intersected_as_drm_does() {
    let dev = device();
    let t = open(&dev);
    // No WRITE bit: nothing is copied in, so the kernel sees param 0
    // (device-id) and writes its value back over the caller's struct.
    let mut a = GetParam {
        param: param::CAPABILITIES,
        value: 0xaaaa,
        ..GetParam::ZERO
    };
    call(&t, redirected(core::IOCTL_GET_PARAM, false, true), &mut a).unwrap();
    assert_eq!((a.param, a.value), (param::DEVICE_ID, 0));
    // No READ bit: the call runs but nothing is copied out.
    let mut a = GetParam {
        param: param::CAPABILITIES,
        value: 0xaaaa,
        ..GetParam::ZERO
    };
    call(&t, redirected(core::IOCTL_GET_PARAM, true, false), &mut a).unwrap();
    assert_eq!(a.value, 0xaaaa);
    // Neither: `_IO`.
    call(&t, redirected(core::IOCTL_GET_PARAM, false, false), &mut a).unwrap();
    assert_eq!(a.value, 0xaaaa);
    // An in-only ioctl called with READ as well writes nothing back.
    let h = bo(&t, 4096);
    let mut d = BoDestroy {
        handle: h,
        ..BoDestroy::ZERO
    };
    call(&t, redirected(core::IOCTL_BO_DESTROY, true, true), &mut d).unwrap();
    assert_eq!(bo_info(&t, h).err(), Some(Errno::ENOENT));
    // SET_PARAM without WRITE sees param 0: read-only.
    let mut s = SetParam {
        param: param::PERF_STATS_ENABLE,
        value: 1,
        ..SetParam::ZERO
    };
    assert_eq!(
        call(&t, redirected(core::IOCTL_SET_PARAM, false, false), &mut s),
        Err(Errno::EINVAL)
    );
    // SUBMIT without WRITE sees queue 0.
    let mut sub = Submit::ZERO;
    assert_eq!(
        call(&t, redirected(uapi::IOCTL_SUBMIT, false, true), &mut sub),
        Err(Errno::EINVAL)
    );
    // SUBMIT without READ queues the work but returns no seqno.
    let q = queue(&t);
    let b = bo(&t, 4096);
    let cmds = [fill(b, 0, 8, 1)];
    let mut sub = Submit {
        queue: q,
        cmd_count: 1,
        cmds: cmds.as_ptr() as u64,
        ..Submit::ZERO
    };
    call(&t, redirected(uapi::IOCTL_SUBMIT, true, false), &mut sub).unwrap();
    assert_eq!(sub.seqno, 0);
    wait(&t, q, 1);
}

// ---------------------------------------------------------------- sizes

#[test]
fn short_structs_are_zero_extended() {
    let dev = device();
    let t = open(&dev);
    // GET_PARAM with only `param` (4 bytes): works, writes back 4 bytes.
    let mut buf = with_tail(
        &GetParam {
            param: param::CAPABILITIES,
            ..GetParam::ZERO
        },
        0,
        0,
    );
    buf[8..].fill(0xee);
    call_bytes(&t, resized(core::IOCTL_GET_PARAM, 4), &mut buf).unwrap();
    assert_eq!(
        &buf[8..],
        &[0xee; 8],
        "nothing beyond the caller's size is written"
    );
    // BO_CREATE with only `size`: the BO is made (flags 0); the handle is
    // beyond the caller's struct.
    let mut buf = with_tail(
        &BoCreate {
            size: 4096,
            ..BoCreate::ZERO
        },
        0,
        0,
    );
    call_bytes(&t, resized(core::IOCTL_BO_CREATE, 8), &mut buf).unwrap();
    assert_eq!(dev.counters().bos, 1);
    // Zero-extended fields take part in validation: BO_INFO with no
    // handle is handle 0; WAIT (strict) without seqno is seqno 0.
    let mut buf = vec![0u8; 32];
    assert_eq!(
        call_bytes(&t, resized(core::IOCTL_BO_INFO, 0), &mut buf),
        Err(Errno::EINVAL)
    );
    let q = queue(&t);
    let mut buf = with_tail(
        &Wait {
            queue: q,
            ..Wait::ZERO
        },
        0,
        0,
    );
    assert_eq!(
        call_bytes(&t, resized(uapi::IOCTL_WAIT, 8), &mut buf),
        Err(Errno::EINVAL)
    );
    // SUBMIT (strict) without the cmds pointer: count 1 with a null array.
    let mut buf = with_tail(
        &Submit {
            queue: q,
            cmd_count: 1,
            ..Submit::ZERO
        },
        0,
        0,
    );
    assert_eq!(
        call_bytes(&t, resized(uapi::IOCTL_SUBMIT, 8), &mut buf),
        Err(Errno::EFAULT)
    );
    // PERF_STATS with only the pointer: count 0, a query.
    let mut buf = with_tail(&PerfStats::ZERO, 0, 0xee);
    buf[8..].fill(0xee);
    call_bytes(&t, resized(uapi::IOCTL_PERF_STATS, 8), &mut buf).unwrap();
    assert_eq!(&buf[8..], &[0xee; 8]);
}

#[test]
fn long_structs_zero_extend_ioctls_truncate() {
    let dev = device();
    let t = open(&dev);
    let g = GetParam {
        param: param::PAGE_SIZE,
        ..GetParam::ZERO
    };
    for tail in [0u8, 0xff] {
        let mut buf = with_tail(&g, 16, tail);
        call_bytes(&t, resized(core::IOCTL_GET_PARAM, 32), &mut buf).unwrap();
        assert_eq!(
            &buf[16..],
            &[tail; 16],
            "the tail is neither read nor written"
        );
        assert_eq!(
            u64::from_le_bytes(buf[8..16].try_into().unwrap()),
            get_param(&t, param::PAGE_SIZE).unwrap()
        );
    }
    let mut buf = with_tail(
        &BoCreate {
            size: 1,
            ..BoCreate::ZERO
        },
        8,
        0x55,
    );
    call_bytes(&t, resized(core::IOCTL_BO_CREATE, 24), &mut buf).unwrap();
}

#[test]
fn long_structs_of_strict_ioctls_need_a_zero_tail() {
    let dev = device();
    let t = open(&dev);
    let b = bo(&t, 4096);
    let q = queue(&t);
    let cmds = [fill(b, 0, 8, 1)];
    let s = Submit {
        queue: q,
        cmd_count: 1,
        cmds: cmds.as_ptr() as u64,
        ..Submit::ZERO
    };
    let size = Submit::SIZE as u32 + 8;
    let mut nonzero = with_tail(&s, 8, 0);
    *nonzero.last_mut().unwrap() = 1;
    assert_eq!(
        call_bytes(&t, resized(uapi::IOCTL_SUBMIT, size), &mut nonzero),
        Err(Errno::E2BIG)
    );
    let mut zero = with_tail(&s, 8, 0);
    call_bytes(&t, resized(uapi::IOCTL_SUBMIT, size), &mut zero).unwrap();
    let seqno = u64::from_le_bytes(zero[16..24].try_into().unwrap());
    assert_eq!(seqno, 1, "the failed call consumed no seqno");
    assert_eq!(&zero[24..], &[0; 8], "the tail is not written");

    let w = Wait {
        queue: q,
        seqno: 1,
        timeout_ns: after(Duration::from_secs(20)),
        ..Wait::ZERO
    };
    let mut nonzero = with_tail(&w, 100, 0);
    nonzero[120] = 9;
    assert_eq!(
        call_bytes(&t, resized(uapi::IOCTL_WAIT, 124), &mut nonzero),
        Err(Errno::E2BIG)
    );
    let mut zero = with_tail(&w, 100, 0);
    call_bytes(&t, resized(uapi::IOCTL_WAIT, 124), &mut zero).unwrap();
    // A tail that cannot be read is EFAULT.
    let cliff = Cliff::new();
    let at = cliff.place(w.as_bytes());
    assert_eq!(
        call_addr(&t, resized(uapi::IOCTL_WAIT, 32), at),
        Err(Errno::EFAULT)
    );
    assert_eq!(call_addr(&t, uapi::IOCTL_WAIT, at), Ok(()));
}

// ---------------------------------------------------------------- core ioctls

#[test]
fn get_param_errors() {
    let dev = device();
    let t = open(&dev);
    assert_eq!(get_param(&t, param::ALL.len() as u32), Err(Errno::EINVAL));
    assert_eq!(get_param(&t, u32::MAX), Err(Errno::EINVAL));
    let g = GetParam {
        param: param::PAGE_SIZE,
        ..GetParam::ZERO
    };
    for pad in 4..8 {
        assert_eq!(
            bad_pad(&t, core::IOCTL_GET_PARAM, g, pad),
            Err(Errno::EINVAL)
        );
    }
}

#[test]
fn set_param_errors() {
    let dev = device();
    let t = open(&dev);
    for &p in param::ALL {
        if p != param::PERF_STATS_ENABLE {
            assert_eq!(
                set_param(&t, p, 0),
                Err(Errno::EINVAL),
                "read-only param {p}"
            );
        }
    }
    assert_eq!(set_param(&t, 1000, 0), Err(Errno::EINVAL));
    assert_eq!(
        set_param(&t, param::PERF_STATS_ENABLE, 2),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        set_param(&t, param::PERF_STATS_ENABLE, u64::MAX),
        Err(Errno::EINVAL)
    );
    let s = SetParam {
        param: param::PERF_STATS_ENABLE,
        value: 1,
        ..SetParam::ZERO
    };
    assert_eq!(bad_pad(&t, core::IOCTL_SET_PARAM, s, 7), Err(Errno::EINVAL));
    assert_eq!(get_param(&t, param::PERF_STATS_ENABLE), Ok(0));

    let plain = device_without(capabilities::PERF_STATS);
    let t = open(&plain);
    assert_eq!(
        set_param(&t, param::PERF_STATS_ENABLE, 1),
        Err(Errno::EOPNOTSUPP)
    );
    assert_eq!(
        set_param(&t, param::PERF_STATS_ENABLE, 0),
        Err(Errno::EOPNOTSUPP)
    );
}

#[test]
fn bo_create_errors() {
    let dev = device_with(DeviceConfig {
        max_bo_size: 1 << 20,
        ..DeviceConfig::default()
    });
    let t = open(&dev);
    let hv = bo_flags::HOST_VISIBLE;
    assert_eq!(try_bo(&t, 0, hv), Err(Errno::EINVAL));
    assert_eq!(try_bo(&t, core::MAX_BO_SIZE + 1, hv), Err(Errno::EINVAL));
    assert_eq!(try_bo(&t, u64::MAX, hv), Err(Errno::EINVAL));
    // Over the device's own limit once rounded up.
    assert_eq!(try_bo(&t, (1 << 20) + 1, hv), Err(Errno::EINVAL));
    assert!(try_bo(&t, 1 << 20, hv).is_ok());
    assert_eq!(try_bo(&t, 1, bo_flags::ALL << 1), Err(Errno::EINVAL));
    assert_eq!(try_bo(&t, 1, 0x8000_0000), Err(Errno::EINVAL));
    assert_eq!(try_bo(&t, 1, bo_flags::WRITE_COMBINE), Err(Errno::EINVAL));
    assert_eq!(dev.counters().bos, 1, "failed calls allocate nothing");

    let t = open(&device_without(capabilities::HOST_VISIBLE_BO));
    assert_eq!(try_bo(&t, 1, hv), Err(Errno::EOPNOTSUPP));
    assert!(try_bo(&t, 1, 0).is_ok());
    let t = open(&device_without(capabilities::WRITE_COMBINE_BO));
    assert_eq!(
        try_bo(&t, 1, hv | bo_flags::WRITE_COMBINE),
        Err(Errno::EOPNOTSUPP)
    );
    assert!(try_bo(&t, 1, hv).is_ok());
}

#[test]
fn bo_info_and_destroy_errors() {
    let dev = device();
    let (t, other) = (open(&dev), open(&dev));
    let mine = bo(&t, 4096);
    let theirs = bo(&other, 4096);
    let stale = bo(&t, 4096);
    bo_destroy(&t, stale).unwrap();
    assert_eq!(bo_info(&t, 0).err(), Some(Errno::EINVAL));
    assert_eq!(bo_destroy(&t, 0), Err(Errno::EINVAL));
    for h in [stale, theirs + 1000, u32::MAX] {
        assert_eq!(bo_info(&t, h).err(), Some(Errno::ENOENT));
        assert_eq!(bo_destroy(&t, h), Err(Errno::ENOENT));
    }
    // Both files' first handle is the same value, yet each sees its own BO.
    assert_eq!(mine, theirs);
    bo_destroy(&t, mine).unwrap();
    assert!(bo_info(&other, theirs).is_ok());
    let d = BoDestroy {
        handle: theirs,
        ..BoDestroy::ZERO
    };
    assert_eq!(
        bad_pad(&other, core::IOCTL_BO_DESTROY, d, 4),
        Err(Errno::EINVAL)
    );
    assert!(bo_info(&other, theirs).is_ok());
    let mut i = BoInfo::ZERO;
    i.handle = 0;
    assert_eq!(
        call(&other, core::IOCTL_BO_INFO, &mut i),
        Err(Errno::EINVAL)
    );
}

#[test]
fn other_files_handles_are_not_found() {
    let dev = device();
    let (a, b) = (open(&dev), open(&dev));
    // Make a's handles differ from anything b has.
    for _ in 0..3 {
        bo(&a, 4096);
        queue(&a);
    }
    let abo = bo(&a, 4096);
    let aq = queue(&a);
    let bbo = bo(&b, 4096);
    let bq = queue(&b);
    assert_ne!(abo, bbo);
    assert_ne!(aq, bq);
    assert_eq!(bo_info(&b, abo).err(), Some(Errno::ENOENT));
    assert_eq!(bo_destroy(&b, abo), Err(Errno::ENOENT));
    assert_eq!(queue_destroy(&b, aq), Err(Errno::ENOENT));
    assert_eq!(submit(&b, aq, &[fill(bbo, 0, 8, 0)]), Err(Errno::ENOENT));
    assert_eq!(submit(&b, bq, &[fill(abo, 0, 8, 0)]), Err(Errno::ENOENT));
    assert_eq!(
        wait_until(&b, aq, 1, after(Duration::from_secs(1))),
        Err(Errno::ENOENT)
    );
    // Still fine in their own file.
    assert!(bo_info(&a, abo).is_ok());
    run(&a, aq, &[fill(abo, 0, 8, 0)]);
}

#[test]
fn queue_create_errors() {
    let dev = device_with(DeviceConfig {
        num_queues_max: 3,
        ..DeviceConfig::default()
    });
    let t = open(&dev);
    let n = queue_priority::NORMAL;
    assert_eq!(
        try_queue(&t, queue_priority::ALL.len() as u32, 0),
        Err(Errno::EINVAL)
    );
    assert_eq!(try_queue(&t, u32::MAX, 0), Err(Errno::EINVAL));
    assert_eq!(try_queue(&t, n, queue_flags::ALL << 1), Err(Errno::EINVAL));
    let q = QueueCreate {
        priority: n,
        ..QueueCreate::ZERO
    };
    assert_eq!(
        bad_pad(&t, core::IOCTL_QUEUE_CREATE, q, 12),
        Err(Errno::EINVAL)
    );
    for _ in 0..3 {
        try_queue(&t, n, 0).unwrap();
    }
    assert_eq!(try_queue(&t, n, 0), Err(Errno::ENOSPC));
    // The limit is per file.
    let other = open(&dev);
    try_queue(&other, n, 0).unwrap();
    assert_eq!(dev.counters().queues, 4);

    let t = open(&device_without(capabilities::QUEUE_PRIORITY));
    for &p in queue_priority::ALL {
        let r = try_queue(&t, p, 0);
        if p == n {
            assert!(r.is_ok());
        } else {
            assert_eq!(r, Err(Errno::EOPNOTSUPP), "priority {p}");
        }
    }
    let t = open(&device_without(capabilities::TURBO_QUEUE));
    assert_eq!(try_queue(&t, n, queue_flags::TURBO), Err(Errno::EOPNOTSUPP));

    let dev = device();
    let t = dev
        .open_inproc_with(Creds {
            cap_sys_nice: false,
            privileged: false,
        })
        .unwrap();
    assert_eq!(
        try_queue(&t, queue_priority::REALTIME, 0),
        Err(Errno::EPERM)
    );
    assert!(try_queue(&t, queue_priority::HIGH, 0).is_ok());
    let t = dev
        .open_inproc_with(Creds {
            cap_sys_nice: true,
            privileged: false,
        })
        .unwrap();
    assert!(try_queue(&t, queue_priority::REALTIME, 0).is_ok());
}

#[test]
fn queue_destroy_errors() {
    let dev = device();
    let t = open(&dev);
    let q = queue(&t);
    assert_eq!(queue_destroy(&t, 0), Err(Errno::EINVAL));
    let d = QueueDestroy {
        handle: q,
        ..QueueDestroy::ZERO
    };
    assert_eq!(
        bad_pad(&t, core::IOCTL_QUEUE_DESTROY, d, 5),
        Err(Errno::EINVAL)
    );
    queue_destroy(&t, q).unwrap();
    assert_eq!(queue_destroy(&t, q), Err(Errno::ENOENT));
    assert_eq!(queue_destroy(&t, u32::MAX), Err(Errno::ENOENT));
}

// ---------------------------------------------------------------- submit

/// A file with BOs of 4 pages (`a`, `b`) and a queue.
struct Fx {
    dev: std::sync::Arc<Device>,
    t: InProcess,
    a: u32,
    b: u32,
    q: u32,
    size: u64,
}

fn fx() -> Fx {
    fx_on(device())
}

fn fx_on(dev: std::sync::Arc<Device>) -> Fx {
    let t = open(&dev);
    let size = 4 * get_param(&t, param::PAGE_SIZE).unwrap();
    let a = bo(&t, size);
    let b = bo(&t, size);
    let q = queue(&t);
    Fx {
        dev,
        t,
        a,
        b,
        q,
        size,
    }
}

impl Fx {
    fn sub(&self, cmds: &[Cmd]) -> Result<u64, Errno> {
        submit(&self.t, self.q, cmds)
    }
    fn err(&self, c: Cmd) -> Errno {
        self.sub(&[c]).expect_err("submit must fail")
    }
    fn ok(&self, c: Cmd) {
        let s = self.sub(&[c]).expect("submit must succeed");
        wait(&self.t, self.q, s);
    }
}

/// Every opcode with valid operands.
fn valid_cmds(f: &Fx) -> Vec<Cmd> {
    vec![
        copy(f.a, 4, f.b, 16, 100),
        fill(f.b, 8, 100, 0x1122),
        crc32c(f.a, 0, 64, f.b, 64, 7),
        add(opcode::ADD_U32, (f.a, 0), (f.a, 4), (f.b, 0), 16),
        add(opcode::ADD_F32, (f.a, 0), (f.b, 0), (f.b, 64), 16),
        timestamp(f.b, 8),
        add(opcode::XOR_U32, (f.a, 0), (f.a, 4), (f.b, 128), 16),
    ]
}

/// Setters for each operand member, by name.
type Set = fn(&mut Cmd, u64);
const MEMBERS: [(&str, Set); 8] = [
    ("src_bo", |c, v| c.src_bo = v as u32),
    ("src_offset", |c, v| c.src_offset = v),
    ("src2_bo", |c, v| c.src2_bo = v as u32),
    ("src2_offset", |c, v| c.src2_offset = v),
    ("dst_bo", |c, v| c.dst_bo = v as u32),
    ("dst_offset", |c, v| c.dst_offset = v),
    ("length", |c, v| c.length = v),
    ("value", |c, v| c.value = v),
];

fn unused(op: u32) -> &'static [&'static str] {
    match op {
        opcode::COPY => &["src2_bo", "src2_offset", "value"],
        opcode::FILL => &["src_bo", "src_offset", "src2_bo", "src2_offset"],
        opcode::CRC32C => &["src2_bo", "src2_offset"],
        opcode::ADD_U32 | opcode::ADD_F32 | opcode::XOR_U32 => &["value"],
        opcode::TIMESTAMP => &[
            "src_bo",
            "src_offset",
            "src2_bo",
            "src2_offset",
            "length",
            "value",
        ],
        _ => unreachable!(),
    }
}

fn used_handles(op: u32) -> &'static [&'static str] {
    match op {
        opcode::COPY | opcode::CRC32C => &["src_bo", "dst_bo"],
        opcode::FILL | opcode::TIMESTAMP => &["dst_bo"],
        opcode::ADD_U32 | opcode::ADD_F32 | opcode::XOR_U32 => &["src_bo", "src2_bo", "dst_bo"],
        _ => unreachable!(),
    }
}

fn set(c: &Cmd, member: &str, v: u64) -> Cmd {
    let mut c = *c;
    let (_, f) = MEMBERS.iter().find(|(n, _)| *n == member).unwrap();
    f(&mut c, v);
    c
}

#[test]
fn every_valid_command_is_accepted() {
    let f = fx();
    let cmds = valid_cmds(&f);
    assert_eq!(cmds.len(), opcode::ALL.len(), "one per opcode");
    let s = f.sub(&cmds).unwrap();
    wait(&f.t, f.q, s);
    for c in cmds {
        f.ok(c);
    }
}

#[test]
fn unknown_opcode_flag_and_nonzero_pad() {
    let f = fx();
    for c in valid_cmds(&f) {
        let mut bad = c;
        bad.opcode = opcode::ALL.len() as u32;
        assert_eq!(f.err(bad), Errno::EINVAL);
        bad.opcode = u32::MAX;
        assert_eq!(f.err(bad), Errno::EINVAL);
        let mut bad = c;
        bad.flags = cmd_flags::ALL << 1;
        assert_eq!(f.err(bad), Errno::EINVAL);
        for i in 0..4 {
            let mut bad = c;
            bad.pad0[i] = 1;
            assert_eq!(f.err(bad), Errno::EINVAL);
        }
        // The declared flag is accepted.
        let mut ok = c;
        ok.flags = cmd_flags::UNORDERED;
        f.ok(ok);
    }
}

#[test]
fn unused_operands_must_be_zero() {
    let f = fx();
    for c in valid_cmds(&f) {
        for m in unused(c.opcode) {
            let v = if m.ends_with("_bo") {
                u64::from(f.a)
            } else {
                8
            };
            assert_eq!(
                f.err(set(&c, m, v)),
                Errno::EINVAL,
                "opcode {} {m}",
                c.opcode
            );
        }
    }
}

#[test]
fn used_handles_must_be_nonzero_known_and_this_files() {
    let f = fx();
    let other = open(&f.dev);
    for _ in 0..5 {
        bo(&other, 4096);
    }
    let foreign = bo(&other, 4096);
    let stale = bo(&f.t, 4096);
    bo_destroy(&f.t, stale).unwrap();
    for c in valid_cmds(&f) {
        for m in used_handles(c.opcode) {
            assert_eq!(
                f.err(set(&c, m, 0)),
                Errno::EINVAL,
                "opcode {} {m} = 0",
                c.opcode
            );
            for h in [stale, foreign, u32::MAX] {
                assert_eq!(
                    f.err(set(&c, m, u64::from(h))),
                    Errno::ENOENT,
                    "opcode {} {m}",
                    c.opcode
                );
            }
        }
    }
}

#[test]
fn ranges_must_lie_within_their_bo() {
    let f = fx();
    let size = f.size;
    // copy: either range past the end, or offset + length overflowing.
    assert_eq!(f.err(copy(f.a, size - 99, f.b, 0, 100)), Errno::EINVAL);
    assert_eq!(f.err(copy(f.a, 0, f.b, size - 99, 100)), Errno::EINVAL);
    assert_eq!(f.err(copy(f.a, u64::MAX, f.b, 0, 1)), Errno::EINVAL);
    assert_eq!(f.err(copy(f.a, size + 1, f.b, 0, 0)), Errno::EINVAL);
    f.ok(copy(f.a, size - 100, f.b, size - 100, 100));
    f.ok(copy(f.a, size, f.b, size, 0));
    assert_eq!(f.err(fill(f.a, size - 1, 2, 0)), Errno::EINVAL);
    assert_eq!(f.err(fill(f.a, u64::MAX - 1, 4, 0)), Errno::EINVAL);
    assert_eq!(f.err(fill(f.a, 0, size + 1, 0)), Errno::EINVAL);
    f.ok(fill(f.a, 0, size, 0));
    // crc32c writes 4 bytes.
    assert_eq!(
        f.err(crc32c(f.a, 0, 8, f.b, size - 4 + 4, 0)),
        Errno::EINVAL
    );
    assert_eq!(f.err(crc32c(f.a, size - 7, 8, f.b, 0, 0)), Errno::EINVAL);
    f.ok(crc32c(f.a, size - 8, 8, f.b, size - 4, 0));
    // add: 4 bytes per element.
    let n = size / 4;
    for (x, y, z) in [(4, 0, 0), (0, 4, 0), (0, 0, 4)] {
        let c = add(opcode::ADD_U32, (f.a, x), (f.a, y), (f.b, z), n);
        assert_eq!(f.err(c), Errno::EINVAL);
    }
    assert_eq!(
        f.err(add(
            opcode::ADD_F32,
            (f.a, u64::MAX - 3),
            (f.a, 0),
            (f.b, 0),
            1
        )),
        Errno::EINVAL
    );
    f.ok(add(opcode::ADD_U32, (f.a, 0), (f.a, 0), (f.b, 0), n));
    // timestamp writes 8 bytes.
    assert_eq!(f.err(timestamp(f.b, size)), Errno::EINVAL);
    assert_eq!(f.err(timestamp(f.b, u64::MAX - 7)), Errno::EINVAL);
    f.ok(timestamp(f.b, size - 8));
    // length beyond its declared range.
    assert_eq!(f.err(fill(f.a, 0, core::MAX_BO_SIZE + 1, 0)), Errno::EINVAL);
    assert_eq!(f.err(copy(f.a, 0, f.b, 0, u64::MAX)), Errno::EINVAL);
}

#[test]
fn alignment_rules() {
    let f = fx();
    for off in [1, 2, 3] {
        assert_eq!(f.err(crc32c(f.a, 0, 8, f.b, off, 0)), Errno::EINVAL);
        for (x, y, z) in [(off, 0, 0), (0, off, 0), (0, 0, off)] {
            for op in [opcode::ADD_U32, opcode::ADD_F32] {
                let c = add(op, (f.a, x), (f.a, y), (f.b, z), 4);
                assert_eq!(f.err(c), Errno::EINVAL);
            }
        }
    }
    for off in 1..8 {
        assert_eq!(f.err(timestamp(f.b, off)), Errno::EINVAL);
    }
    // Byte commands and crc32c's source take any offset.
    f.ok(copy(f.a, 3, f.b, 5, 7));
    f.ok(fill(f.a, 3, 5, 1));
    f.ok(crc32c(f.a, 3, 5, f.b, 4, 0));
}

#[test]
fn overlap_rules() {
    let f = fx();
    // crc32c: destination inside, or straddling the edge of, the source.
    assert_eq!(f.err(crc32c(f.a, 0, 64, f.a, 60, 0)), Errno::EINVAL);
    assert_eq!(f.err(crc32c(f.a, 0, 64, f.a, 32, 0)), Errno::EINVAL);
    assert_eq!(f.err(crc32c(f.a, 2, 64, f.a, 0, 0)), Errno::EINVAL);
    f.ok(crc32c(f.a, 0, 64, f.a, 64, 0));
    f.ok(crc32c(f.a, 4, 64, f.a, 0, 0));
    // An empty source overlaps nothing.
    f.ok(crc32c(f.a, 8, 0, f.a, 8, 5));
    // add: the destination may be a source exactly, but not partly.
    for op in [opcode::ADD_U32, opcode::ADD_F32] {
        assert_eq!(
            f.err(add(op, (f.a, 0), (f.b, 0), (f.a, 4), 8)),
            Errno::EINVAL
        );
        assert_eq!(
            f.err(add(op, (f.a, 0), (f.b, 0), (f.b, 28), 8)),
            Errno::EINVAL
        );
        assert_eq!(
            f.err(add(op, (f.a, 64), (f.b, 0), (f.a, 36), 8)),
            Errno::EINVAL
        );
        f.ok(add(op, (f.a, 0), (f.b, 0), (f.a, 0), 8));
        f.ok(add(op, (f.a, 0), (f.b, 0), (f.b, 0), 8));
        f.ok(add(op, (f.a, 0), (f.a, 0), (f.a, 0), 8));
        // Sources may overlap each other; adjacent ranges do not overlap.
        f.ok(add(op, (f.a, 0), (f.a, 4), (f.b, 0), 8));
        f.ok(add(op, (f.a, 0), (f.b, 0), (f.a, 32), 8));
        // Same offsets in different BOs.
        f.ok(add(op, (f.a, 0), (f.a, 0), (f.b, 0), 8));
    }
    // copy may overlap.
    f.ok(copy(f.a, 0, f.a, 1, 100));
}

#[test]
fn value_range_and_capabilities() {
    let f = fx();
    assert_eq!(f.err(crc32c(f.a, 0, 8, f.b, 0, 1 << 32)), Errno::EINVAL);
    assert_eq!(f.err(crc32c(f.a, 0, 8, f.b, 0, u64::MAX)), Errno::EINVAL);
    f.ok(crc32c(f.a, 0, 8, f.b, 0, u64::from(u32::MAX)));
    let g = fx_on(device_without(capabilities::TIMESTAMPS));
    assert_eq!(g.err(timestamp(g.b, 0)), Errno::EOPNOTSUPP);
    for c in valid_cmds(&g)
        .into_iter()
        .filter(|c| c.opcode != opcode::TIMESTAMP)
    {
        g.ok(c);
    }
}

#[test]
fn a_bad_command_rejects_the_whole_submission() {
    let f = fx();
    let m = map(&f.t, f.b);
    let bad = copy(f.a, f.size, f.b, 0, 1);
    for at in 0..3 {
        let mut cmds = vec![fill(f.b, 0, 8, 0xffff_ffff_ffff_ffff); 3];
        cmds[at] = bad;
        assert_eq!(f.sub(&cmds), Err(Errno::EINVAL));
    }
    // Nothing ran and no seqno was consumed.
    assert_eq!(f.sub(&[fill(f.a, 0, 8, 1)]), Ok(1));
    wait(&f.t, f.q, 1);
    assert!(bytes(&m)[..8].iter().all(|b| *b == 0));
    assert_eq!(f.dev.counters().submits, 1);
}

#[test]
fn submit_argument_errors() {
    let f = fx();
    let cmds = [fill(f.a, 0, 8, 0); 2];
    let mk = |queue, cmd_count, cmds: u64| Submit {
        queue,
        cmd_count,
        cmds,
        ..Submit::ZERO
    };
    let p = cmds.as_ptr() as u64;
    let sub = |mut s: Submit| call(&f.t, uapi::IOCTL_SUBMIT, &mut s);
    assert_eq!(sub(mk(0, 1, p)), Err(Errno::EINVAL));
    assert_eq!(sub(mk(f.q, 0, p)), Err(Errno::EINVAL));
    assert_eq!(sub(mk(f.q, 0, 0)), Err(Errno::EINVAL));
    // Count over max-cmds-per-submit (checked before the array is read).
    assert_eq!(
        sub(mk(f.q, uapi::MAX_CMDS_PER_SUBMIT + 1, p)),
        Err(Errno::EINVAL)
    );
    assert_eq!(sub(mk(f.q, u32::MAX, p)), Err(Errno::EINVAL));
    // Null array with a count, an array whose end overflows the address
    // space (the count * size product itself cannot overflow: the count is
    // bounded first), an unmapped array, an array running off the end of
    // readable memory.
    assert_eq!(sub(mk(f.q, 1, 0)), Err(Errno::EFAULT));
    assert_eq!(sub(mk(f.q, 2, u64::MAX - 64)), Err(Errno::EFAULT));
    assert_eq!(sub(mk(f.q, 1, 0x1000)), Err(Errno::EFAULT));
    let cliff = Cliff::new();
    let at = cliff.place(cmds.as_bytes());
    assert_eq!(sub(mk(f.q, 3, at)), Err(Errno::EFAULT));
    assert_eq!(f.dev.counters().submits, 0);
    // Stale and foreign queues.
    let stale = queue(&f.t);
    queue_destroy(&f.t, stale).unwrap();
    assert_eq!(sub(mk(stale, 1, p)), Err(Errno::ENOENT));
    assert_eq!(sub(mk(u32::MAX, 1, p)), Err(Errno::ENOENT));
    // Exactly max-cmds-per-submit is fine.
    let many = vec![fill(f.a, 0, 8, 0); uapi::MAX_CMDS_PER_SUBMIT as usize];
    let s = f.sub(&many).unwrap();
    wait(&f.t, f.q, s);
    // A seqno that cannot be written back is EFAULT, but the work was
    // queued (as with copy_to_user failing after the fact).
    let ro = ReadOnly::new(&mk(f.q, 1, p));
    assert_eq!(
        call_addr(&f.t, uapi::IOCTL_SUBMIT, ro.addr()),
        Err(Errno::EFAULT)
    );
    wait(&f.t, f.q, s + 1);
}

#[test]
fn a_full_queue_is_ebusy() {
    let f = fx();
    f.dev.set_paused(true);
    let c = [fill(f.a, 0, 8, 1)];
    for expect in 1..=u64::from(uapi::MAX_INFLIGHT_SUBMITS) {
        assert_eq!(f.sub(&c), Ok(expect));
    }
    assert_eq!(f.sub(&c), Err(Errno::EBUSY));
    // Another queue is not affected.
    let q2 = queue(&f.t);
    assert_eq!(submit(&f.t, q2, &c), Ok(1));
    f.dev.set_paused(false);
    wait(&f.t, f.q, u64::from(uapi::MAX_INFLIGHT_SUBMITS));
    // The rejected call consumed no seqno.
    assert_eq!(f.sub(&c), Ok(u64::from(uapi::MAX_INFLIGHT_SUBMITS) + 1));
}

// ---------------------------------------------------------------- wait

#[test]
fn wait_errors() {
    let f = fx();
    let far = after(Duration::from_secs(20));
    assert_eq!(wait_until(&f.t, 0, 1, far), Err(Errno::EINVAL));
    assert_eq!(wait_until(&f.t, f.q, 0, far), Err(Errno::EINVAL));
    assert_eq!(
        wait_until(&f.t, f.q, 1, far),
        Err(Errno::EINVAL),
        "nothing issued yet"
    );
    let s = f.sub(&[fill(f.a, 0, 8, 1)]).unwrap();
    assert_eq!(wait_until(&f.t, f.q, s + 1, far), Err(Errno::EINVAL));
    assert_eq!(wait_until(&f.t, f.q, u64::MAX, far), Err(Errno::EINVAL));
    let w = Wait {
        queue: f.q,
        seqno: s,
        timeout_ns: far,
        ..Wait::ZERO
    };
    for pad in 4..8 {
        assert_eq!(bad_pad(&f.t, uapi::IOCTL_WAIT, w, pad), Err(Errno::EINVAL));
    }
    let stale = queue(&f.t);
    queue_destroy(&f.t, stale).unwrap();
    assert_eq!(wait_until(&f.t, stale, 1, far), Err(Errno::ENOENT));
    assert_eq!(wait_until(&f.t, u32::MAX, 1, far), Err(Errno::ENOENT));
    wait(&f.t, f.q, s);
}

// ---------------------------------------------------------------- perf-stats

#[test]
fn perf_stats_errors() {
    let dev = device();
    let t = open(&dev);
    let mut out = [PerfCounter::ZERO; 40];
    let p = out.as_mut_ptr() as u64;
    let ps = |counters, counter_count, flags| PerfStats {
        counters,
        counter_count,
        flags,
    };
    let call_ps = |mut a: PerfStats| call(&t, uapi::IOCTL_PERF_STATS, &mut a);
    assert_eq!(
        call_ps(ps(p, 5, perf_stats_flags::ALL << 1)),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        call_ps(ps(p, uapi::MAX_PERF_COUNTERS + 1, 0)),
        Err(Errno::EINVAL)
    );
    assert_eq!(call_ps(ps(p, u32::MAX, 0)), Err(Errno::EINVAL));
    assert_eq!(call_ps(ps(0, 1, 0)), Err(Errno::EFAULT));
    assert_eq!(call_ps(ps(u64::MAX - 8, 1, 0)), Err(Errno::EFAULT));
    assert_eq!(call_ps(ps(0x1000, 1, 0)), Err(Errno::EFAULT));
    // Readable but not writable.
    static RO: [PerfCounter; 2] = [PerfCounter::ZERO; 2];
    assert_eq!(call_ps(ps(RO.as_ptr() as u64, 2, 0)), Err(Errno::EFAULT));
    assert!(call_ps(ps(p, uapi::MAX_PERF_COUNTERS, 0)).is_ok());
    assert!(call_ps(ps(0, 0, 0)).is_ok());

    let t = open(&device_without(capabilities::PERF_STATS));
    let mut a = ps(p, 5, 0);
    assert_eq!(
        call(&t, uapi::IOCTL_PERF_STATS, &mut a),
        Err(Errno::EOPNOTSUPP)
    );
}

// ---------------------------------------------------------------- lifetime

#[test]
fn ioctls_after_release_are_ebadf() {
    let dev = device();
    let file = dev.open().unwrap();
    let mem = softaccel_driver::SelfMem;
    let mut g = GetParam {
        param: param::PAGE_SIZE,
        ..GetParam::ZERO
    };
    let mut c = BoCreate {
        size: 1,
        ..BoCreate::ZERO
    };
    let addr = |v: &mut [u8]| v.as_mut_ptr() as u64;
    softaccel_kernel::dispatch(
        &*dev,
        &file,
        &mem,
        core::IOCTL_BO_CREATE,
        addr(c.as_mut_bytes()),
    )
    .unwrap();
    dev.release(&file);
    assert_eq!(dev.counters().bos, 0);
    assert_eq!(
        softaccel_kernel::dispatch(
            &*dev,
            &file,
            &mem,
            core::IOCTL_BO_CREATE,
            addr(c.as_mut_bytes())
        ),
        Err(Errno::EBADF)
    );
    // Parameters stay readable.
    softaccel_kernel::dispatch(
        &*dev,
        &file,
        &mem,
        core::IOCTL_GET_PARAM,
        addr(g.as_mut_bytes()),
    )
    .unwrap();
    dev.release(&file);
}
