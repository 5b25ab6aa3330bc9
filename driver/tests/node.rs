//! The device node: real `open`, `ioctl(2)`, `mmap` and `close` on
//! `<mountpoint>/softaccel0`, served by this process (`node::spawn`) or by
//! the `softaccel-driverd` binary.
//!
//! Errno through FUSE, measured here (kernel 6.18, restricted ioctls):
//! - the kernel copies `_IOC_SIZE(cmd)` bytes in when the command has
//!   `_IOC_WRITE` and offers `_IOC_SIZE` bytes for the reply when it has
//!   `_IOC_READ`; the server gets the real command word. Every direction
//!   and size answer is therefore the generated dispatch's, byte for byte
//!   the same as in-process (`the_node_answers_exactly_as_in_process`):
//!   ENOTTY for an unknown nr or magic, EINVAL for what DRM's direction
//!   intersection leaves zeroed, E2BIG for a non-zero tail of a strict
//!   ioctl, truncation and zero extension for the others.
//! - an unreadable argument of a command with `_IOC_WRITE` is EFAULT from
//!   the FUSE kernel itself (the server never sees the call); an
//!   unwritable one with `_IOC_READ` is EFAULT after the server ran, as
//!   with a kernel driver whose final copy_to_user fails.
//! - embedded user pointers are followed by the server in the caller's
//!   memory: unmapped or unwritable is EFAULT.
//! - FUSE itself answers ENOTCONN once the server is gone.
//!
//! Without FUSE (no /dev/fuse, or not root) every test here fails, unless
//! `UABI_ALLOW_NO_FUSE=1`, in which case it says what it skipped.

mod common;

use common::{Cliff, ReadOnly, crc32c, crc32c_ref, fill, pattern};
use softaccel_driver::accel_uapi::{
    self as core, BoCreate, BoDestroy, BoInfo, GetParam, QueueCreate, QueueDestroy, SetParam, param,
};
use softaccel_driver::node::{self, Node};
use softaccel_driver::uapi::{self, Cmd, PerfCounter, PerfStats, Submit, Wait};
use softaccel_driver::{Counters, Device, DeviceConfig, monotonic_ns};
use softaccel_user::accel_user;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};
use uabi_runtime::transport::{CallError, FdTransport, Mapping, Transport};
use uabi_runtime::zerocopy::{FromBytes, IntoBytes};
use uabi_runtime::{Errno, ioc};

const CORE_REV: u32 = core::REVISION;
const REV: u32 = uapi::REVISION;
const SEC: Duration = Duration::from_secs(10);

// ------------------------------------------------------------ fixture

/// Whether FUSE can be used here; if not, fails the test unless
/// UABI_ALLOW_NO_FUSE=1, in which case it prints what is skipped.
fn fuse_or_skip(test: &str) -> bool {
    match node::check_available() {
        Ok(()) => true,
        Err(why) if std::env::var("UABI_ALLOW_NO_FUSE").as_deref() == Ok("1") => {
            uabi_test_support::skipped(
                &format!("node test {test}"),
                &format!("{why} (UABI_ALLOW_NO_FUSE=1)"),
            );
            false
        }
        Err(why) => panic!(
            "the device node cannot be tested: {why}. Run as root with /dev/fuse, \
             or set UABI_ALLOW_NO_FUSE=1 to skip the node tests"
        ),
    }
}

/// The directory all test mountpoints live in.
fn test_root() -> PathBuf {
    std::env::temp_dir().join("softaccel-node-tests")
}

/// A fresh, empty directory for one mount, removed (empty) on drop.
struct Dir(PathBuf);

impl Dir {
    fn new() -> Dir {
        static N: AtomicU32 = AtomicU32::new(0);
        let root = test_root();
        std::fs::create_dir_all(&root).expect("test root");
        sweep_dead_runs(&root);
        let pid = std::process::id();
        let dir = root.join(format!("{pid}-{}", N.fetch_add(1, Ordering::Relaxed)));
        let _ = std::fs::remove_dir(&dir);
        Dir(dir)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        remove_test_dir(&self.0);
    }
}

/// Removes a test directory and the mountpoints in it, unmounting any
/// mount a failed test left behind (a daemon killed mid-test leaves a
/// dead one). Only empty directories are removed: never anything a live
/// mount serves.
fn remove_test_dir(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let _ = node::clear_stale_mount(&e.path());
            let _ = std::fs::remove_dir(e.path());
        }
    }
    let _ = node::clear_stale_mount(dir);
    let _ = std::fs::remove_dir(dir);
}

/// Clears mounts a killed earlier test run left under `root` (their
/// process is gone): nothing accumulates even after a crash.
fn sweep_dead_runs(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            remove_test_dir(&e.path());
        }
    }
}

/// A node serving a device from this process, in a fresh directory.
/// Dropped in field order: the node (unmounted) before its directory.
struct Fx {
    node: Node,
    _dir: Dir,
}

impl Fx {
    fn new(test: &str) -> Option<Fx> {
        Fx::with(test, DeviceConfig::default())
    }

    fn with(test: &str, config: DeviceConfig) -> Option<Fx> {
        if !fuse_or_skip(test) {
            return None;
        }
        let dir = Dir::new();
        let device = Device::new(config).expect("device");
        let node = node::spawn(&dir.0, device).expect("spawn the node");
        Some(Fx { node, _dir: dir })
    }

    fn dev(&self) -> &Arc<Device> {
        self.node.device()
    }

    fn open(&self) -> FdTransport {
        FdTransport::open(&self.node.device_path()).expect("open the node")
    }

    /// Closes `t` and waits until the driver has released the file: FUSE
    /// sends RELEASE after close() returned, a kernel driver's release has
    /// run by then.
    fn close(&self, t: FdTransport) {
        let ino = inode(&t);
        drop(t);
        assert!(self.node.wait_released(ino, SEC), "release never came");
    }
}

fn inode(t: &FdTransport) -> u64 {
    rustix::fs::fstat(t.fd()).expect("fstat").st_ino
}

/// Polls `f` until it holds or 10 s pass.
fn eventually(mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + SEC;
    while !f() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    true
}

fn zero_live(c: Counters) -> bool {
    (c.files, c.bos, c.queues, c.pending_submissions) == (0, 0, 0, 0)
}

// ------------------------------------------------------------ calls

fn errno(e: CallError) -> Errno {
    match e {
        CallError::Errno { errno, .. } => errno,
        other => panic!("unexpected {other}"),
    }
}

fn get_param(t: &(impl Transport + ?Sized), p: u32) -> Result<u64, Errno> {
    let mut a = GetParam {
        param: p,
        ..GetParam::ZERO
    };
    accel_user::get_param(t, CORE_REV, &mut a).map_err(errno)?;
    Ok(a.value)
}

/// A host-visible BO; BO_INFO gives its mmap offset.
fn bo(t: &(impl Transport + ?Sized), size: u64) -> BoInfo {
    let mut a = BoCreate {
        size,
        flags: core::bo_flags::HOST_VISIBLE,
        ..BoCreate::ZERO
    };
    accel_user::bo_create(t, CORE_REV, &mut a).expect("bo-create");
    bo_info(t, a.handle).expect("bo-info")
}

fn bo_info(t: &(impl Transport + ?Sized), handle: u32) -> Result<BoInfo, Errno> {
    let mut a = BoInfo {
        handle,
        ..BoInfo::ZERO
    };
    accel_user::bo_info(t, CORE_REV, &mut a).map_err(errno)?;
    Ok(a)
}

fn queue(t: &(impl Transport + ?Sized)) -> u32 {
    let mut a = QueueCreate {
        priority: core::queue_priority::NORMAL,
        ..QueueCreate::ZERO
    };
    accel_user::queue_create(t, CORE_REV, &mut a).expect("queue-create");
    a.handle
}

fn submit(t: &(impl Transport + ?Sized), queue: u32, cmds: &[Cmd]) -> Result<u64, Errno> {
    let mut a = Submit {
        queue,
        ..Submit::ZERO
    };
    softaccel_user::submit(t, REV, &mut a, cmds).map_err(errno)?;
    Ok(a.seqno)
}

fn wait(t: &(impl Transport + ?Sized), queue: u32, seqno: u64, deadline: i64) -> Result<(), Errno> {
    let mut a = Wait {
        queue,
        seqno,
        timeout_ns: deadline,
        ..Wait::ZERO
    };
    softaccel_user::wait(t, REV, &mut a).map_err(errno)
}

fn after(d: Duration) -> i64 {
    monotonic_ns() + d.as_nanos() as i64
}

fn run(t: &(impl Transport + ?Sized), q: u32, cmds: &[Cmd]) {
    let s = submit(t, q, cmds).expect("submit");
    wait(t, q, s, after(SEC)).expect("wait");
}

/// One ioctl on `buf` (at least `_IOC_SIZE(cmd)` bytes).
fn call_bytes(t: &dyn Transport, cmd: u32, buf: &mut [u8]) -> Result<(), Errno> {
    assert!(buf.len() >= ioc::decode(cmd).size as usize);
    // SAFETY: `buf` covers `_IOC_SIZE(cmd)` bytes and is exclusively
    // borrowed for the call; user pointers inside it point to memory
    // the test owns for the call, or to addresses the driver must reject.
    unsafe { t.ioctl(cmd, buf.as_mut_ptr()) }
}

fn call<T: IntoBytes + FromBytes>(t: &dyn Transport, cmd: u32, arg: &mut T) -> Result<(), Errno> {
    call_bytes(t, cmd, arg.as_mut_bytes())
}

/// One ioctl with a raw (bad) address as the argument.
fn call_addr(t: &dyn Transport, cmd: u32, addr: u64) -> Result<(), Errno> {
    // SAFETY: the kernel (FUSE) or the driver reads and writes the
    // address, never this process's Rust code: a bad one is EFAULT.
    unsafe { t.ioctl(cmd, addr as *mut u8) }
}

fn with_dir(cmd: u32, copy_in: bool, copy_out: bool) -> u32 {
    let d = ioc::decode(cmd);
    ioc::encode(copy_in, copy_out, d.magic, d.nr, d.size)
}

fn with_size(cmd: u32, size: u32) -> u32 {
    let d = ioc::decode(cmd);
    ioc::encode(d.copy_in, d.copy_out, d.magic, d.nr, size)
}

fn map(t: &FdTransport, b: &BoInfo) -> Mapping {
    t.mmap(b.mmap_offset, b.size as usize).expect("mmap")
}

/// The bytes of a mapping, read with volatile loads: the driver's
/// engines write the same pages.
fn read_map(m: &Mapping, off: usize, len: usize) -> Vec<u8> {
    assert!(off + len <= m.len());
    (0..len)
        // SAFETY: in bounds of the live mapping (checked above); a
        // volatile read of shared memory is sound whoever writes it.
        .map(|i| unsafe { m.as_ptr().add(off + i).read_volatile() })
        .collect()
}

fn write_map(m: &Mapping, off: usize, data: &[u8]) {
    assert!(off + data.len() <= m.len());
    for (i, b) in data.iter().enumerate() {
        // SAFETY: in bounds of the live, writable shared mapping; no Rust
        // reference to these bytes exists.
        unsafe { m.as_ptr().add(off + i).write_volatile(*b) };
    }
}

// ------------------------------------------------------------ success paths

#[test]
fn every_ioctl_succeeds_through_the_node() {
    let Some(fx) = Fx::new("every_ioctl_succeeds_through_the_node") else {
        return;
    };
    let t = fx.open();
    assert_eq!(fx.dev().counters().files, 1);
    assert_eq!(get_param(&t, param::REVISION).unwrap(), u64::from(REV));
    assert_eq!(
        get_param(&t, param::CORE_REVISION).unwrap(),
        u64::from(CORE_REV)
    );
    assert_eq!(
        get_param(&t, param::PAGE_SIZE).unwrap(),
        u64::from(fx.dev().config().page_size)
    );
    let mut s = SetParam {
        param: param::PERF_STATS_ENABLE,
        value: 1,
        ..SetParam::ZERO
    };
    accel_user::set_param(&t, CORE_REV, &mut s).unwrap();
    assert_eq!(get_param(&t, param::PERF_STATS_ENABLE).unwrap(), 1);

    let a = bo(&t, 4096);
    let b = bo(&t, 4096);
    assert_ne!(a.handle, b.handle);
    assert_eq!(a.size, 4096);
    assert_ne!(a.mmap_offset, b.mmap_offset);
    let q = queue(&t);
    let seq = submit(
        &t,
        q,
        &[
            fill(a.handle, 0, 4096, 0x7777_7777_7777_7777),
            crc32c(a.handle, 0, 4096, b.handle, 0, 0),
        ],
    )
    .unwrap();
    assert_eq!(seq, 1);
    wait(&t, q, seq, after(SEC)).unwrap();
    let m = map(&t, &b);
    let crc = u32::from_le_bytes(read_map(&m, 0, 4).try_into().unwrap());
    assert_eq!(crc, crc32c_ref(0, &[0x77; 4096]));

    let mut counters = [PerfCounter::ZERO; uapi::MAX_PERF_COUNTERS as usize];
    let mut p = PerfStats::ZERO;
    softaccel_user::perf_stats(&t, REV, &mut p, &mut counters).unwrap();
    assert!(p.counter_count > 0);
    let cmds_completed = counters[..p.counter_count as usize]
        .iter()
        .find(|c| c.id == uapi::perf_counter_id::CMDS_COMPLETED)
        .map(|c| c.value);
    assert_eq!(cmds_completed, Some(2));

    let mut d = BoDestroy {
        handle: a.handle,
        ..BoDestroy::ZERO
    };
    accel_user::bo_destroy(&t, CORE_REV, &mut d).unwrap();
    assert_eq!(bo_info(&t, a.handle).err(), Some(Errno::ENOENT));
    let mut qd = QueueDestroy {
        handle: q,
        ..QueueDestroy::ZERO
    };
    accel_user::queue_destroy(&t, CORE_REV, &mut qd).unwrap();
    drop(m);
    fx.close(t);
    assert!(fx.dev().wait_idle(SEC));
    assert!(zero_live(fx.dev().counters()), "{:?}", fx.dev().counters());
}

// ------------------------------------------------------------ encodings

/// The argument bytes each ioctl is exercised with, for a file that has
/// BO 1 and queue 1; pointers point into `arrays`.
fn sample_args(arrays: &mut Arrays) -> Vec<(u32, Vec<u8>)> {
    let ptr_cmds = arrays.cmds.as_ptr() as u64;
    let ptr_counters = arrays.counters.as_mut_ptr() as u64;
    vec![
        (
            core::IOCTL_GET_PARAM,
            GetParam {
                param: param::CAPABILITIES,
                value: 0xaaaa,
                ..GetParam::ZERO
            }
            .as_bytes()
            .to_vec(),
        ),
        (
            core::IOCTL_SET_PARAM,
            // Value 0: perf counters stay off, so both devices count the
            // same (nothing).
            SetParam {
                param: param::PERF_STATS_ENABLE,
                value: 0,
                ..SetParam::ZERO
            }
            .as_bytes()
            .to_vec(),
        ),
        (
            core::IOCTL_BO_CREATE,
            BoCreate {
                size: 4096,
                flags: core::bo_flags::HOST_VISIBLE,
                ..BoCreate::ZERO
            }
            .as_bytes()
            .to_vec(),
        ),
        (
            core::IOCTL_BO_INFO,
            BoInfo {
                handle: 1,
                ..BoInfo::ZERO
            }
            .as_bytes()
            .to_vec(),
        ),
        (
            core::IOCTL_BO_DESTROY,
            BoDestroy {
                handle: 2,
                ..BoDestroy::ZERO
            }
            .as_bytes()
            .to_vec(),
        ),
        (
            core::IOCTL_QUEUE_CREATE,
            QueueCreate {
                priority: core::queue_priority::NORMAL,
                ..QueueCreate::ZERO
            }
            .as_bytes()
            .to_vec(),
        ),
        (
            core::IOCTL_QUEUE_DESTROY,
            QueueDestroy {
                handle: 2,
                ..QueueDestroy::ZERO
            }
            .as_bytes()
            .to_vec(),
        ),
        (
            uapi::IOCTL_SUBMIT,
            Submit {
                queue: 1,
                cmd_count: 1,
                cmds: ptr_cmds,
                ..Submit::ZERO
            }
            .as_bytes()
            .to_vec(),
        ),
        (
            uapi::IOCTL_WAIT,
            Wait {
                queue: 1,
                seqno: 1,
                timeout_ns: after(Duration::from_secs(20)),
                ..Wait::ZERO
            }
            .as_bytes()
            .to_vec(),
        ),
        (
            uapi::IOCTL_PERF_STATS,
            PerfStats {
                counters: ptr_counters,
                counter_count: 4,
                ..PerfStats::ZERO
            }
            .as_bytes()
            .to_vec(),
        ),
    ]
}

struct Arrays {
    cmds: [Cmd; 1],
    counters: [PerfCounter; 4],
}

/// Every ioctl with every direction and a range of sizes (shorter,
/// exact, longer with a zero or non-zero tail, the largest `_IOC_SIZE`),
/// unknown nrs and another magic: the node's answer (errno and every
/// byte of the argument and of the arrays behind its pointers) must be
/// the in-process answer, which is the generated dispatch's.
#[test]
fn the_node_answers_exactly_as_in_process() {
    let Some(fx) = Fx::new("the_node_answers_exactly_as_in_process") else {
        return;
    };
    let inproc_dev = Device::new(DeviceConfig::default()).unwrap();
    let a = inproc_dev.open_inproc().unwrap();
    let b = fx.open();
    let transports: [&dyn Transport; 2] = [&a, &b];
    let devices = [&inproc_dev, fx.dev()];
    for t in transports {
        bo(t, 4096);
        queue(t);
    }
    // One set of arrays for both: the arguments are then byte-identical
    // (same pointers), and what a call writes is snapshotted after it.
    let mut arrays = Arrays {
        cmds: [fill(1, 0, 64, 3)],
        counters: [PerfCounter::ZERO; 4],
    };
    let samples = sample_args(&mut arrays);
    let max_size = (1u32 << 14) - 1;
    let mut cases = 0;
    for (cmd, arg) in &samples {
        let real = ioc::decode(*cmd).size;
        let mut sizes = vec![0, 4, real.saturating_sub(8), real, real + 8, max_size];
        sizes.dedup();
        for (ci, co) in [(true, true), (true, false), (false, true), (false, false)] {
            for &size in &sizes {
                for tail in [0u8, 0x5a] {
                    if tail != 0 && size <= real {
                        continue;
                    }
                    let c = with_size(with_dir(*cmd, ci, co), size);
                    let mut outcomes = Vec::new();
                    for (t, dev) in transports.into_iter().zip(devices) {
                        // Work submitted earlier has completed on both, so
                        // WAIT's answer does not depend on timing.
                        assert!(dev.wait_idle(SEC));
                        arrays.counters = [PerfCounter::ZERO; 4];
                        let mut buf = vec![tail; size as usize + 64];
                        let n = arg.len().min(size as usize);
                        buf[..n].copy_from_slice(&arg[..n]);
                        // Guard bytes past the size: nobody may touch them.
                        buf[size as usize..].fill(0xee);
                        let r = call_bytes(t, c, &mut buf);
                        assert!(buf[size as usize..].iter().all(|&x| x == 0xee));
                        outcomes.push((
                            r,
                            buf,
                            arrays.cmds.as_bytes().to_vec(),
                            arrays.counters.as_bytes().to_vec(),
                        ));
                    }
                    assert!(
                        outcomes[0] == outcomes[1],
                        "cmd {c:#x} (nr {:#x}, in {ci}, out {co}, size {size}, tail {tail:#x}): \
                         in-process {:?}, node {:?}",
                        ioc::decode(c).nr,
                        outcomes[0],
                        outcomes[1]
                    );
                    cases += 1;
                }
            }
        }
    }
    // Commands the driver does not have.
    let mut known: Vec<u8> = core::IOCTLS.iter().map(|i| i.nr).collect();
    known.extend(uapi::IOCTLS.iter().map(|i| i.nr));
    for nr in (0..=255u8).filter(|nr| !known.contains(nr)).step_by(7) {
        let cmd = ioc::encode(true, true, core::IOCTL_MAGIC, nr, 16);
        let mut buf = [0u8; 16];
        assert_eq!(call_bytes(&b, cmd, &mut buf), Err(Errno::ENOTTY));
        cases += 1;
    }
    let d = ioc::decode(core::IOCTL_GET_PARAM);
    let other_magic = ioc::encode(true, true, d.magic + 1, d.nr, d.size);
    let mut g = GetParam::ZERO;
    assert_eq!(call(&b, other_magic, &mut g), Err(Errno::ENOTTY));
    assert!(cases > 250, "{cases} cases");
}

#[test]
fn directions_and_sizes_through_fuse() {
    let Some(fx) = Fx::new("directions_and_sizes_through_fuse") else {
        return;
    };
    let t = fx.open();
    // No WRITE bit: FUSE copies nothing in, the driver sees param 0
    // (device-id) and its answer is copied out.
    let mut a = GetParam {
        param: param::CAPABILITIES,
        value: 0xaaaa,
        ..GetParam::ZERO
    };
    call(&t, with_dir(core::IOCTL_GET_PARAM, false, true), &mut a).unwrap();
    assert_eq!((a.param, a.value), (param::DEVICE_ID, 0));
    // No READ bit: the call runs, nothing comes back.
    let mut a = GetParam {
        param: param::CAPABILITIES,
        value: 0xaaaa,
        ..GetParam::ZERO
    };
    call(&t, with_dir(core::IOCTL_GET_PARAM, true, false), &mut a).unwrap();
    assert_eq!(a.value, 0xaaaa);
    // SET_PARAM without WRITE sees param 0, which is read-only: EINVAL.
    let mut s = SetParam {
        param: param::PERF_STATS_ENABLE,
        value: 1,
        ..SetParam::ZERO
    };
    assert_eq!(
        call(&t, with_dir(core::IOCTL_SET_PARAM, false, false), &mut s),
        Err(Errno::EINVAL)
    );
    // A short GET_PARAM (4 bytes): only 4 bytes go back.
    let mut buf = [0xeeu8; 16];
    buf[..4].copy_from_slice(&param::PAGE_SIZE.to_le_bytes());
    call_bytes(&t, with_size(core::IOCTL_GET_PARAM, 4), &mut buf).unwrap();
    assert_eq!(&buf[4..], &[0xee; 12]);
    // A long strict argument with a non-zero tail: E2BIG; zero tail: fine.
    let q = queue(&t);
    let w = Wait {
        queue: q,
        seqno: 0,
        timeout_ns: 0,
        ..Wait::ZERO
    };
    let mut long = w.as_bytes().to_vec();
    long.resize(Wait::SIZE + 8, 0);
    *long.last_mut().unwrap() = 1;
    assert_eq!(
        call_bytes(
            &t,
            with_size(uapi::IOCTL_WAIT, long.len() as u32),
            &mut long
        ),
        Err(Errno::E2BIG)
    );
    // The largest size the encoding has still reaches the driver.
    let mut huge = vec![0u8; (1 << 14) - 1];
    huge[..16].copy_from_slice(
        GetParam {
            param: param::ENGINE_COUNT,
            ..GetParam::ZERO
        }
        .as_bytes(),
    );
    call_bytes(
        &t,
        with_size(core::IOCTL_GET_PARAM, (1 << 14) - 1),
        &mut huge,
    )
    .unwrap();
    assert_eq!(u64::from_le_bytes(huge[8..16].try_into().unwrap()), 2);
    assert!(huge[16..].iter().all(|&x| x == 0), "truncated, not written");
}

#[test]
fn bad_argument_addresses_are_efault() {
    let Some(fx) = Fx::new("bad_argument_addresses_are_efault") else {
        return;
    };
    let t = fx.open();
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
    let before = fx.dev().counters();
    for cmd in cmds {
        for addr in [0u64, 8, u64::MAX - 7, 1 << 62] {
            assert_eq!(
                call_addr(&t, cmd, addr),
                Err(Errno::EFAULT),
                "{cmd:#x} at {addr:#x}"
            );
        }
    }
    // A read-only GET_PARAM: FUSE copies it in, the driver answers, the
    // copy back fails.
    let ro = ReadOnly::new(&GetParam {
        param: param::PAGE_SIZE,
        ..GetParam::ZERO
    });
    assert_eq!(
        call_addr(&t, core::IOCTL_GET_PARAM, ro.addr()),
        Err(Errno::EFAULT)
    );
    // The same for BO_CREATE: the driver made the BO before the copy back
    // failed, as a kernel driver whose copy_to_user fails at the end; the
    // handle is lost to the caller and freed with the file.
    let ro = ReadOnly::new(&BoCreate {
        size: 4096,
        ..BoCreate::ZERO
    });
    assert_eq!(
        call_addr(&t, core::IOCTL_BO_CREATE, ro.addr()),
        Err(Errno::EFAULT)
    );
    assert_eq!(fx.dev().counters().bos, before.bos + 1);
    // An argument that runs into an inaccessible page.
    let cliff = Cliff::new();
    let at = cliff.place(&[0u8; 8]);
    assert_eq!(call_addr(&t, core::IOCTL_GET_PARAM, at), Err(Errno::EFAULT));
    assert_eq!(
        fx.dev().counters().bos,
        before.bos + 1,
        "an unreadable argument never reached the driver"
    );
}

#[test]
fn bad_embedded_pointers_are_efault() {
    let Some(fx) = Fx::new("bad_embedded_pointers_are_efault") else {
        return;
    };
    let t = fx.open();
    let b = bo(&t, 4096);
    let q = queue(&t);
    for ptr in [8u64, 1 << 62, u64::MAX - 7] {
        let mut s = Submit {
            queue: q,
            cmd_count: 1,
            cmds: ptr,
            ..Submit::ZERO
        };
        assert_eq!(
            call(&t, uapi::IOCTL_SUBMIT, &mut s),
            Err(Errno::EFAULT),
            "cmds at {ptr:#x}"
        );
    }
    // The second command lies past the end of the readable page.
    let cliff = Cliff::new();
    let cmd = fill(b.handle, 0, 8, 1);
    let at = cliff.place(cmd.as_bytes());
    let mut s = Submit {
        queue: q,
        cmd_count: 2,
        cmds: at,
        ..Submit::ZERO
    };
    assert_eq!(call(&t, uapi::IOCTL_SUBMIT, &mut s), Err(Errno::EFAULT));
    s.cmd_count = 1;
    call(&t, uapi::IOCTL_SUBMIT, &mut s).unwrap();
    assert_eq!(s.seqno, 1, "the failed calls queued nothing");
    // PERF_STATS writes its counters: a read-only array is EFAULT.
    let ro = ReadOnly::new(&[PerfCounter::ZERO; 4]);
    let mut p = PerfStats {
        counters: ro.addr(),
        counter_count: 4,
        ..PerfStats::ZERO
    };
    assert_eq!(call(&t, uapi::IOCTL_PERF_STATS, &mut p), Err(Errno::EFAULT));
    wait(&t, q, 1, after(SEC)).unwrap();
}

// ------------------------------------------------------------ files

#[test]
fn two_opens_have_separate_handles_and_memory() {
    let Some(fx) = Fx::new("two_opens_have_separate_handles_and_memory") else {
        return;
    };
    let t1 = fx.open();
    let t2 = fx.open();
    assert_ne!(inode(&t1), inode(&t2), "every open has its own inode");
    assert_eq!(fx.node.open_files(), 2);
    let a = bo(&t1, 4096);
    assert_eq!(bo_info(&t2, a.handle).err(), Some(Errno::ENOENT));
    let b = bo(&t2, 4096);
    assert_eq!(b.handle, a.handle, "each file numbers its own BOs");
    assert_eq!(
        b.mmap_offset, a.mmap_offset,
        "at the same offset of its own memory"
    );
    let ma = map(&t1, &a);
    let mb = map(&t2, &b);
    write_map(&ma, 0, b"first");
    write_map(&mb, 0, b"other");
    assert_eq!(read_map(&ma, 0, 5), b"first");
    assert_eq!(read_map(&mb, 0, 5), b"other");
    let q1 = queue(&t1);
    let q2 = queue(&t2);
    assert_eq!(q1, q2);
    run(&t1, q1, &[fill(a.handle, 8, 8, 0x1111_1111_1111_1111)]);
    assert_eq!(
        read_map(&mb, 8, 8),
        [0; 8],
        "the other file's BO is untouched"
    );
    assert_eq!(read_map(&ma, 8, 8), [0x11; 8]);
    drop((ma, mb));
    fx.close(t1);
    assert_eq!(fx.dev().counters().files, 1);
    assert_eq!(bo_info(&t2, b.handle).unwrap().handle, b.handle);
    fx.close(t2);
    assert!(zero_live(fx.dev().counters()));
}

#[test]
fn closing_releases_everything_the_file_owned() {
    let Some(fx) = Fx::new("closing_releases_everything_the_file_owned") else {
        return;
    };
    let t = fx.open();
    let b = bo(&t, 1 << 16);
    let q = queue(&t);
    fx.dev().set_paused(true);
    for _ in 0..4 {
        submit(&t, q, &[fill(b.handle, 0, 1 << 16, 9)]).unwrap();
    }
    let m = map(&t, &b);
    let c = fx.dev().counters();
    assert_eq!(
        (c.files, c.bos, c.queues, c.pending_submissions),
        (1, 1, 1, 4)
    );
    write_map(&m, 0, b"data");
    // Passthrough maps the backing memfd itself: the mapping holds the
    // memfd, not the node's file, so RELEASE comes at the last close()
    // even while the mapping lives (as with the in-process transport;
    // a DRM mapping would hold the file instead).
    let ino = inode(&t);
    drop(t);
    assert!(fx.node.wait_released(ino, SEC), "no release while mapped");
    fx.dev().set_paused(false);
    assert!(fx.dev().wait_idle(SEC));
    assert!(zero_live(fx.dev().counters()), "{:?}", fx.dev().counters());
    // The mapping outlives the file harmlessly: the driver gave the BO's
    // pages back, so it reads zeros, and it is private to this process.
    assert_eq!(read_map(&m, 0, 4), [0; 4]);
    write_map(&m, 0, b"late");
    drop(m);
}

// ------------------------------------------------------------ mmap

#[test]
fn mmap_is_coherent_both_ways_without_msync() {
    let Some(fx) = Fx::new("mmap_is_coherent_both_ways_without_msync") else {
        return;
    };
    let t = fx.open();
    let src = bo(&t, 1 << 16);
    let dst = bo(&t, 1 << 16);
    let ms = map(&t, &src);
    let md = map(&t, &dst);
    let q = queue(&t);
    for round in 0..8u32 {
        // Client stores, then straight to the driver: no msync.
        let data = pattern(1 << 16, round);
        write_map(&ms, 0, &data);
        run(
            &t,
            q,
            &[
                common::copy(src.handle, 0, dst.handle, 0, 1 << 15),
                crc32c(src.handle, 0, 1 << 16, dst.handle, 1 << 15, 0),
                fill(
                    dst.handle,
                    (1 << 15) + 64,
                    64,
                    u64::from(round) * 0x0101_0101_0101_0101,
                ),
            ],
        );
        // The driver's stores, seen through mappings made before they
        // happened.
        assert_eq!(read_map(&md, 0, 1 << 15), data[..1 << 15], "round {round}");
        let crc = u32::from_le_bytes(read_map(&md, 1 << 15, 4).try_into().unwrap());
        assert_eq!(
            crc,
            crc32c_ref(0, &data),
            "the driver read the client's stores"
        );
        assert_eq!(read_map(&md, (1 << 15) + 64, 64), [round as u8; 64]);
    }
    // A second mapping of the same BO is the same memory.
    let again = map(&t, &dst);
    write_map(&again, 100, &[0xab]);
    assert_eq!(read_map(&md, 100, 1), [0xab]);
}

// ------------------------------------------------------------ killed client

/// Run only as the child of `a_killed_client_leaks_nothing`: opens the
/// node, makes objects and work, says so, and waits to be killed.
#[test]
#[ignore = "helper process of a_killed_client_leaks_nothing"]
fn child_client() {
    let Ok(path) = std::env::var("SOFTACCEL_NODE_CHILD") else {
        return;
    };
    let t = FdTransport::open(Path::new(&path)).expect("child open");
    let bos: Vec<BoInfo> = (0..3).map(|_| bo(&t, 1 << 16)).collect();
    let _m = map(&t, &bos[0]);
    let q = queue(&t);
    for _ in 0..4 {
        submit(&t, q, &[fill(bos[1].handle, 0, 1 << 16, 5)]).expect("child submit");
    }
    println!("CHILD-READY");
    std::thread::sleep(Duration::from_secs(60));
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_killed_client_leaks_nothing() {
    let Some(fx) = Fx::new("a_killed_client_leaks_nothing") else {
        return;
    };
    fx.dev().set_paused(true);
    let mut child = KillOnDrop(
        Command::new(std::env::current_exe().unwrap())
            .args(["child_client", "--exact", "--ignored", "--nocapture"])
            .env("SOFTACCEL_NODE_CHILD", fx.node.device_path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the child"),
    );
    let out = child.0.stdout.take().unwrap();
    let ready = std::thread::spawn(move || {
        BufReader::new(out)
            .lines()
            .map_while(Result::ok)
            .any(|l| l.contains("CHILD-READY"))
    });
    assert!(
        eventually(|| ready.is_finished()) && ready.join().unwrap(),
        "the child never got ready"
    );
    let c = fx.dev().counters();
    assert_eq!(
        (c.files, c.bos, c.queues, c.pending_submissions),
        (1, 3, 1, 4)
    );
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    // The kernel closes the killed process's file and mapping: RELEASE.
    assert!(eventually(|| fx.dev().counters().files == 0), "no release");
    fx.dev().set_paused(false);
    assert!(fx.dev().wait_idle(SEC));
    assert!(zero_live(fx.dev().counters()), "{:?}", fx.dev().counters());
    assert_eq!(fx.node.open_files(), 0);
    // And the node still serves.
    let t = fx.open();
    assert_eq!(get_param(&t, param::ENGINE_COUNT).unwrap(), 2);
}

// ------------------------------------------------------------ concurrency

#[test]
fn a_blocked_wait_does_not_stall_other_callers() {
    let Some(fx) = Fx::new("a_blocked_wait_does_not_stall_other_callers") else {
        return;
    };
    let t = fx.open();
    let b = bo(&t, 4096);
    let q = queue(&t);
    fx.dev().set_paused(true);
    let seq = submit(&t, q, &[fill(b.handle, 0, 8, 1)]).unwrap();
    std::thread::scope(|s| {
        let waiter = s.spawn(|| wait(&t, q, seq, after(Duration::from_secs(5))));
        std::thread::sleep(Duration::from_millis(50));
        let start = Instant::now();
        for _ in 0..20 {
            get_param(&t, param::PAGE_SIZE).unwrap();
        }
        let other = fx.open();
        get_param(&other, param::PAGE_SIZE).unwrap();
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "calls waited for the blocked WAIT"
        );
        assert!(!waiter.is_finished());
        fx.dev().set_paused(false);
        waiter.join().unwrap().unwrap();
    });
}

// ------------------------------------------------------------ the daemon

/// The daemon binary on a mountpoint, killed (SIGKILL) if still running
/// when dropped.
struct Daemon {
    child: Option<Child>,
}

impl Daemon {
    fn start(mountpoint: &Path) -> Daemon {
        let child = Command::new(env!("CARGO_BIN_EXE_softaccel-driverd"))
            .arg(mountpoint)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn softaccel-driverd");
        let d = Daemon { child: Some(child) };
        let dev = mountpoint.join(node::DEVICE_NAME);
        assert!(
            eventually(|| dev.exists()),
            "the device file never appeared"
        );
        d
    }

    fn pid(&self) -> i32 {
        self.child.as_ref().unwrap().id() as i32
    }

    fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on our own child's pid, which has not been
        // reaped yet (it is reaped only in `finish`/`drop`).
        assert_eq!(unsafe { libc::kill(self.pid(), sig) }, 0);
    }

    /// Waits for it to exit; returns its status and stderr.
    fn finish(&mut self) -> (std::process::ExitStatus, String) {
        let mut child = self.child.take().unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        (child.wait().unwrap(), err)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn is_mounted(p: &Path) -> bool {
    node::mounted_here(p).ok().flatten().is_some()
}

#[test]
fn the_daemon_serves_logs_and_stops_cleanly() {
    if !fuse_or_skip("the_daemon_serves_logs_and_stops_cleanly") {
        return;
    }
    let dir = Dir::new();
    let mp = dir.0.join("dev");
    let mut d = Daemon::start(&mp);
    assert!(is_mounted(&mp));
    {
        let t = FdTransport::open(&mp.join(node::DEVICE_NAME)).unwrap();
        assert_eq!(get_param(&t, param::REVISION).unwrap(), u64::from(REV));
        let b = bo(&t, 4096);
        let m = map(&t, &b);
        let q = queue(&t);
        run(&t, q, &[fill(b.handle, 0, 16, 0x4242_4242_4242_4242)]);
        assert_eq!(read_map(&m, 0, 16), [0x42; 16]);
    }
    std::thread::sleep(Duration::from_millis(100));
    d.signal(libc::SIGTERM);
    let (status, log) = d.finish();
    assert!(status.success(), "{status}: {log}");
    assert!(!is_mounted(&mp), "left mounted:\n{log}");
    for want in [
        "created",
        "serving",
        "open #1 by pid",
        "release #1",
        "freed 1 BO(s), 1 queue(s)",
        "SIGTERM",
        "unmounted",
    ] {
        assert!(log.contains(want), "{want:?} not in the log:\n{log}");
    }
    std::fs::remove_dir(&mp).unwrap();
}

#[test]
fn the_daemon_clears_a_stale_mount_and_stops_with_files_open() {
    if !fuse_or_skip("the_daemon_clears_a_stale_mount_and_stops_with_files_open") {
        return;
    }
    let dir = Dir::new();
    let mp = dir.0.join("dev");
    let mut crashed = Daemon::start(&mp);
    crashed.signal(libc::SIGKILL);
    let _ = crashed.finish();
    assert_eq!(
        rustix::fs::stat(&mp).err(),
        Some(rustix::io::Errno::NOTCONN),
        "a crashed server leaves a dead mount"
    );
    let mut d = Daemon::start(&mp);
    let t = FdTransport::open(&mp.join(node::DEVICE_NAME)).unwrap();
    let b = bo(&t, 4096);
    // SIGINT with the file still open: the connection is aborted, the
    // file released, the mount gone.
    d.signal(libc::SIGINT);
    let (status, log) = d.finish();
    assert!(status.success(), "{status}: {log}");
    assert!(log.contains("cleared 1 stale mount"), "{log}");
    assert!(log.contains("1 file(s) still open"), "{log}");
    assert!(log.contains("freed 1 BO(s)"), "{log}");
    assert!(!is_mounted(&mp), "left mounted:\n{log}");
    assert_eq!(
        bo_info(&t, b.handle).err(),
        Some(Errno::ENOTCONN),
        "FUSE answers for a server that is gone"
    );
    drop(t);
    std::fs::remove_dir(&mp).unwrap();
}
