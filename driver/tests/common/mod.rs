//! Helpers shared by the driver's end-to-end tests: every call goes through
//! the in-process transport, i.e. the generated dispatch and validation,
//! with arguments in this process's memory. Well-formed calls use the
//! generated user-side wrappers (`softaccel_user`, `accel_user`), as
//! userspace does; malformed ones (odd sizes, pad, directions) are built
//! by hand with [`call`].

#![allow(dead_code)]

use softaccel_driver::accel_uapi::{self as core, BoCreate, BoInfo, GetParam, QueueCreate};
use softaccel_driver::uapi::{self, Cmd, Submit, Wait, opcode};
use softaccel_driver::{Device, DeviceConfig, monotonic_ns};
use softaccel_user::accel_user;
use std::sync::Arc;
use std::time::Duration;
pub use uabi_runtime::Errno;
use uabi_runtime::transport::CallError;
pub use uabi_runtime::transport::Transport;
use uabi_runtime::transport::{InProcess, Mapping};
use uabi_runtime::zerocopy::{FromBytes, IntoBytes};

pub fn device() -> Arc<Device> {
    device_with(DeviceConfig::default())
}

pub fn device_with(cfg: DeviceConfig) -> Arc<Device> {
    Device::new(cfg).expect("device")
}

pub fn open(dev: &Arc<Device>) -> InProcess {
    dev.open_inproc().expect("open")
}

/// One ioctl with `arg` as the argument.
pub fn call<T: IntoBytes + FromBytes>(t: &InProcess, cmd: u32, arg: &mut T) -> Result<(), Errno> {
    let p = arg.as_mut_bytes().as_mut_ptr();
    // SAFETY: `arg` is exclusively borrowed for the call and every command
    // these tests build with it has `_IOC_SIZE <= size_of::<T>()`; user
    // pointers inside it are set by the tests to valid memory or to
    // addresses the driver must reject (it never dereferences them itself).
    unsafe { t.ioctl(cmd, p) }
}

/// One ioctl on a raw byte buffer (odd sizes).
pub fn call_bytes(t: &InProcess, cmd: u32, buf: &mut [u8]) -> Result<(), Errno> {
    let size = uabi_runtime::ioc::decode(cmd).size as usize;
    assert!(buf.len() >= size, "buffer shorter than the command's size");
    // SAFETY: `buf` covers `_IOC_SIZE(cmd)` bytes and is exclusively
    // borrowed for the call.
    unsafe { t.ioctl(cmd, buf.as_mut_ptr()) }
}

/// One ioctl with a raw address as the argument (bad-pointer tests).
pub fn call_addr(t: &InProcess, cmd: u32, addr: u64) -> Result<(), Errno> {
    // SAFETY: the in-process transport hands the address to the driver,
    // which reads and writes it only through process_vm_readv/writev:
    // an invalid address is an EFAULT, never an access by this process.
    unsafe { t.ioctl(cmd, addr as *mut u8) }
}

/// The same command word with another size.
pub fn resized(cmd: u32, size: u32) -> u32 {
    let d = uabi_runtime::ioc::decode(cmd);
    uabi_runtime::ioc::encode(d.copy_in, d.copy_out, d.magic, d.nr, size)
}

/// The same command word with other direction bits.
pub fn redirected(cmd: u32, copy_in: bool, copy_out: bool) -> u32 {
    let d = uabi_runtime::ioc::decode(cmd);
    uabi_runtime::ioc::encode(copy_in, copy_out, d.magic, d.nr, d.size)
}

/// The errno of a failed wrapper call (the wrappers are called with the
/// driver's own revision, so nothing else can fail).
pub fn errno(e: CallError) -> Errno {
    match e {
        CallError::Errno { errno, .. } => errno,
        other => panic!("unexpected {other}"),
    }
}

const CORE_REV: u32 = core::REVISION;
const REV: u32 = uapi::REVISION;

pub fn get_param(t: &InProcess, p: u32) -> Result<u64, Errno> {
    let mut a = GetParam {
        param: p,
        ..GetParam::ZERO
    };
    accel_user::get_param(t, CORE_REV, &mut a).map_err(errno)?;
    Ok(a.value)
}

pub fn set_param(t: &InProcess, p: u32, value: u64) -> Result<(), Errno> {
    let mut a = core::SetParam {
        param: p,
        value,
        ..core::SetParam::ZERO
    };
    accel_user::set_param(t, CORE_REV, &mut a).map_err(errno)
}

pub fn try_bo(t: &InProcess, size: u64, flags: u32) -> Result<u32, Errno> {
    let mut a = BoCreate {
        size,
        flags,
        ..BoCreate::ZERO
    };
    accel_user::bo_create(t, CORE_REV, &mut a).map_err(errno)?;
    assert_ne!(a.handle, 0);
    Ok(a.handle)
}

/// A host-visible BO.
pub fn bo(t: &InProcess, size: u64) -> u32 {
    try_bo(t, size, core::bo_flags::HOST_VISIBLE).expect("bo-create")
}

pub fn bo_info(t: &InProcess, handle: u32) -> Result<BoInfo, Errno> {
    let mut a = BoInfo {
        handle,
        ..BoInfo::ZERO
    };
    accel_user::bo_info(t, CORE_REV, &mut a).map_err(errno)?;
    Ok(a)
}

pub fn bo_destroy(t: &InProcess, handle: u32) -> Result<(), Errno> {
    let mut a = core::BoDestroy {
        handle,
        ..core::BoDestroy::ZERO
    };
    accel_user::bo_destroy(t, CORE_REV, &mut a).map_err(errno)
}

/// Maps a host-visible BO whole.
pub fn map(t: &InProcess, handle: u32) -> Mapping {
    let i = bo_info(t, handle).expect("bo-info");
    assert_ne!(i.mmap_offset, 0);
    t.mmap(i.mmap_offset, i.size as usize).expect("mmap")
}

/// The bytes of a mapping. Only between commands that touch it (after
/// WAIT), as the spec's ordering rules require.
pub fn bytes(m: &Mapping) -> &[u8] {
    // SAFETY: the mapping is valid for `len` bytes while `m` lives; the
    // tests look at it only while no command of theirs writes it, and
    // write it only through `bytes_mut`, which borrows `m` exclusively.
    unsafe { std::slice::from_raw_parts(m.as_ptr(), m.len()) }
}

/// [`bytes`], for writing.
pub fn bytes_mut(m: &mut Mapping) -> &mut [u8] {
    // SAFETY: as in `bytes`; the exclusive borrow of `m` rules out any
    // other slice of this mapping meanwhile.
    unsafe { std::slice::from_raw_parts_mut(m.as_ptr(), m.len()) }
}

pub fn try_queue(t: &InProcess, priority: u32, flags: u32) -> Result<u32, Errno> {
    let mut a = QueueCreate {
        priority,
        flags,
        ..QueueCreate::ZERO
    };
    accel_user::queue_create(t, CORE_REV, &mut a).map_err(errno)?;
    assert_ne!(a.handle, 0);
    Ok(a.handle)
}

pub fn queue(t: &InProcess) -> u32 {
    try_queue(t, core::queue_priority::NORMAL, 0).expect("queue-create")
}

pub fn queue_destroy(t: &InProcess, handle: u32) -> Result<(), Errno> {
    let mut a = core::QueueDestroy {
        handle,
        ..core::QueueDestroy::ZERO
    };
    accel_user::queue_destroy(t, CORE_REV, &mut a).map_err(errno)
}

pub fn submit(t: &InProcess, queue: u32, cmds: &[Cmd]) -> Result<u64, Errno> {
    let mut a = Submit {
        queue,
        ..Submit::ZERO
    };
    softaccel_user::submit(t, REV, &mut a, cmds).map_err(errno)?;
    assert_ne!(a.seqno, 0);
    Ok(a.seqno)
}

pub fn wait_until(t: &InProcess, queue: u32, seqno: u64, deadline: i64) -> Result<(), Errno> {
    let mut a = Wait {
        queue,
        seqno,
        timeout_ns: deadline,
        ..Wait::ZERO
    };
    softaccel_user::wait(t, REV, &mut a).map_err(errno)
}

/// PERF_STATS into `out`; returns N, the number of counters.
pub fn perf_stats(t: &InProcess, out: &mut [uapi::PerfCounter], flags: u32) -> Result<u32, Errno> {
    let mut a = uapi::PerfStats {
        flags,
        ..uapi::PerfStats::ZERO
    };
    softaccel_user::perf_stats(t, REV, &mut a, out).map_err(errno)?;
    Ok(a.counter_count)
}

/// A deadline `d` from now.
pub fn after(d: Duration) -> i64 {
    monotonic_ns() + d.as_nanos() as i64
}

/// Waits (generously) for a submission that must complete.
pub fn wait(t: &InProcess, queue: u32, seqno: u64) {
    wait_until(t, queue, seqno, after(Duration::from_secs(20))).expect("wait");
}

/// Submits and waits.
pub fn run(t: &InProcess, queue: u32, cmds: &[Cmd]) {
    let s = submit(t, queue, cmds).expect("submit");
    wait(t, queue, s);
}

pub fn copy(src: u32, src_offset: u64, dst: u32, dst_offset: u64, length: u64) -> Cmd {
    Cmd {
        opcode: opcode::COPY,
        src_bo: src,
        src_offset,
        dst_bo: dst,
        dst_offset,
        length,
        ..Cmd::ZERO
    }
}

pub fn fill(dst: u32, dst_offset: u64, length: u64, value: u64) -> Cmd {
    Cmd {
        opcode: opcode::FILL,
        dst_bo: dst,
        dst_offset,
        length,
        value,
        ..Cmd::ZERO
    }
}

pub fn crc32c(
    src: u32,
    src_offset: u64,
    length: u64,
    dst: u32,
    dst_offset: u64,
    value: u64,
) -> Cmd {
    Cmd {
        opcode: opcode::CRC32C,
        src_bo: src,
        src_offset,
        dst_bo: dst,
        dst_offset,
        length,
        value,
        ..Cmd::ZERO
    }
}

/// add-u32 or add-f32 (`op`) of `n` elements.
pub fn add(op: u32, a: (u32, u64), b: (u32, u64), dst: (u32, u64), n: u64) -> Cmd {
    Cmd {
        opcode: op,
        src_bo: a.0,
        src_offset: a.1,
        src2_bo: b.0,
        src2_offset: b.1,
        dst_bo: dst.0,
        dst_offset: dst.1,
        length: n,
        ..Cmd::ZERO
    }
}

pub fn timestamp(dst: u32, dst_offset: u64) -> Cmd {
    Cmd {
        opcode: opcode::TIMESTAMP,
        dst_bo: dst,
        dst_offset,
        ..Cmd::ZERO
    }
}

/// Reference CRC-32C, bit by bit, independent of the driver's.
pub fn crc32c_ref(init: u32, data: &[u8]) -> u32 {
    let mut c = !init;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0x82f6_3b78
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// Deterministic test data.
pub fn pattern(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// A copy of `v` on a page of its own that is then made read-only: the
/// driver can copy it in but not out.
pub struct ReadOnly {
    page: *mut libc::c_void,
}

impl ReadOnly {
    pub fn new<T: IntoBytes + uabi_runtime::zerocopy::Immutable>(v: &T) -> ReadOnly {
        let bytes = v.as_bytes();
        assert!(bytes.len() <= 4096);
        // SAFETY: a fresh private anonymous mapping aliases nothing.
        let page = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                4096,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert_ne!(page, libc::MAP_FAILED);
        // SAFETY: the page is writable and at least `bytes.len()` long;
        // then it is made read-only for good.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), page.cast(), bytes.len());
            assert_eq!(libc::mprotect(page, 4096, libc::PROT_READ), 0);
        }
        ReadOnly { page }
    }

    pub fn addr(&self) -> u64 {
        self.page as u64
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the page `new` mapped, once.
        unsafe { libc::munmap(self.page, 4096) };
    }
}

/// Two pages whose second one is inaccessible: bytes placed at the end
/// of the first can be read, anything past them faults.
pub struct Cliff {
    base: *mut u8,
}

impl Cliff {
    pub fn new() -> Cliff {
        // SAFETY: a fresh private anonymous mapping aliases nothing.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                8192,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert_ne!(base, libc::MAP_FAILED);
        // SAFETY: the second page of the mapping just made.
        assert_eq!(
            unsafe { libc::mprotect(base.cast::<u8>().add(4096).cast(), 4096, libc::PROT_NONE) },
            0
        );
        Cliff { base: base.cast() }
    }

    /// Puts `bytes` right before the inaccessible page; returns their address.
    pub fn place(&self, bytes: &[u8]) -> u64 {
        assert!(bytes.len() <= 4096);
        // SAFETY: the destination is within the accessible first page.
        unsafe {
            let at = self.base.add(4096 - bytes.len());
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), at, bytes.len());
            at as u64
        }
    }
}

impl Drop for Cliff {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly what `new` mapped, once.
        unsafe { libc::munmap(self.base.cast(), 8192) };
    }
}
