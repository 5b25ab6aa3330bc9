// SPDX-License-Identifier: GPL-2.0

//! softaccel_rs: the softaccel device in Rust, on the kernel flavour of the
//! generated Rust kernel side (generated/*/rust/linux): the generated
//! `dispatch` copies, sizes, validates and copies back every argument; this
//! crate holds the device's state and the handlers, as driver/kmod's C does.
//!
//! What differs from the C module, on purpose: SUBMIT runs its commands
//! synchronously in the caller's context (a submission has completed when
//! SUBMIT returns, so WAIT never sleeps and nothing is ever in flight or
//! cancelled), and a ring queue's entries are taken and run by the
//! DOORBELL (or WAIT) that finds them, in its caller's context, instead of
//! by a poller thread: the device never polls, so it keeps the submit
//! ring's NEED_WAKEUP flag set for good and every publish rings. The
//! control messages are the C module's (control.c), through the generated
//! control dispatch.
//!
//! The kernel's C that 6.12 has no Rust abstraction for (the misc device,
//! mmap, module parameters, debugfs, CRC-32C, the FPU) is in shim.c; the
//! boundary is shim.h.

use core::ffi::{c_char, c_int, c_long, c_uint, c_ulong, c_void};
use core::ptr::NonNull;
use core::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering};
use kernel::error::{to_result, Error};
use kernel::prelude::*;
use kernel::sync::{new_mutex, Mutex};

// Public: the softaccel module re-exports `crate::accel` (`pub use`).
#[path = "../../generated/accel/rust/linux/accel.rs"]
pub mod accel;
#[path = "../../generated/softaccel/rust/linux/softaccel.rs"]
pub mod softaccel;
#[path = "../../generated/accel/rust/linux/uabi_rt.rs"]
pub mod uabi_rt;
use accel::uapi as au;
use softaccel::rings::{self as sr, RingMem};
use softaccel::uapi as su;

module! {
    type: SoftaccelRs,
    name: "softaccel_rs",
    author: "uabi",
    description: "softaccel: the uabi reference software accelerator, in Rust",
    license: "GPL",
}

/// Opaque: the BO memory shim.c owns (`struct sa_shim_buf`).
#[repr(C)] // FFI: shim.h's own struct, between this module's two halves; not the uABI.
pub struct ShimBuf {
    _private: [u8; 0],
}

/// `struct sa_shim_config` of shim.h.
#[repr(C)] // FFI: shim.h's own struct, between this module's two halves; not the uABI.
#[derive(Default, Clone, Copy)]
struct ShimConfig {
    device_id: u64,
    max_bo_alignment: u64,
    max_bo_size: u64,
    clock_freq_hz: u64,
    revision: u32,
    core_revision: u32,
    capabilities: u32,
    device_capabilities: u32,
    num_queues_max: u32,
    page_size: u32,
    engine_count: u32,
}

extern "C" {
    fn sa_shim_register() -> c_int;
    fn sa_shim_unregister();
    fn sa_shim_config(cfg: *mut ShimConfig);
    fn sa_shim_buf_alloc(size: u64) -> *mut ShimBuf;
    fn sa_shim_buf_vaddr(buf: *mut ShimBuf) -> *mut u8;
    fn sa_shim_buf_get(buf: *mut ShimBuf);
    fn sa_shim_buf_put(buf: *mut ShimBuf);
    fn sa_shim_totalram_pages() -> u64;
    fn sa_shim_crc32c(crc: u32, data: *const u8, len: usize) -> u32;
    fn sa_shim_add_f32(dst: *mut u32, a: *const u32, b: *const u32, n: usize);
    fn sa_shim_ktime_ns() -> u64;
    fn sa_shim_cond_resched();
    fn sa_shim_bench_ioctl() -> bool;
    fn sa_shim_capable_admin() -> bool;
}

/// The errnos 6.12's `kernel::error::code` lacks.
fn eopnotsupp() -> Error {
    Error::from_errno(-(kernel::bindings::EOPNOTSUPP as c_int))
}

/// driver/kmod's limits (softaccel_drv.h).
const SA_MAX_ENGINES: u32 = 64;
/// Work between two reschedule points, as the C engine's SA_CHUNK.
const SA_CHUNK: u64 = 64 * 1024;
/// The per-file perf counters: every perf-counter-id.
const SA_PERF_COUNTERS: usize = su::perf_counter_id::BUSY_NS as usize + 1;

/// The device-wide counters of the debugfs file (driver::Counters) and of
/// get-counters.
struct Counters {
    files: AtomicI64,
    bos: AtomicI64,
    queues: AtomicI64,
    /// Ring regions of live ring queues (not in the debugfs file, as in
    /// the C module; the module's exit checks it).
    regions: AtomicI64,
    submits: AtomicI64,
    completed: AtomicI64,
    cmds: AtomicI64,
    /// Bytes read plus bytes written by completed commands.
    bytes: AtomicU64,
    /// Rejected submissions and control requests.
    errors: AtomicU64,
}

static COUNTERS: Counters = Counters {
    files: AtomicI64::new(0),
    bos: AtomicI64::new(0),
    queues: AtomicI64::new(0),
    regions: AtomicI64::new(0),
    submits: AtomicI64::new(0),
    completed: AtomicI64::new(0),
    cmds: AtomicI64::new(0),
    bytes: AtomicU64::new(0),
    errors: AtomicU64::new(0),
};

/// What get-status reports of an engine. There are no engine threads here
/// (SUBMIT runs its work): a queue is still given an engine as the C
/// module gives it one, and its work is accounted to it.
struct Engine {
    busy_ns: AtomicU64,
    completed: AtomicU64,
}

/// A fresh engine's counters, the initialiser of [`DEVICE`]'s array.
const ENGINE_IDLE: Engine = Engine {
    busy_ns: AtomicU64::new(0),
    completed: AtomicU64::new(0),
};

/// The device's state the control messages read and change (sa_dev).
struct Device {
    power_state: AtomicU32,
    time_slice_ns: AtomicU64,
    next_engine: AtomicU32,
    engines: [Engine; SA_MAX_ENGINES as usize],
}

/// The engines' time slice until set-tunables changes it (1 ms, the C
/// module's SA_DEFAULT_TIME_SLICE_NS). Work here never waits for an
/// engine, so it is reported and set, and changes no scheduling.
const SA_DEFAULT_TIME_SLICE_NS: u64 = 1_000_000;

static DEVICE: Device = Device {
    power_state: AtomicU32::new(su::power_state::FULL),
    time_slice_ns: AtomicU64::new(SA_DEFAULT_TIME_SLICE_NS),
    next_engine: AtomicU32::new(0),
    engines: [ENGINE_IDLE; SA_MAX_ENGINES as usize],
};

/// The engine a new queue's work is accounted to: the next one, round
/// robin, as the C module's sa_engine_assign.
fn engine_assign(f: &SaFile) -> u32 {
    let n = DEVICE
        .next_engine
        .fetch_add(1, Ordering::Relaxed)
        .wrapping_add(1);
    // engine_count is at least 1 (Config::read).
    n.checked_rem(f.cfg.engine_count).unwrap_or(0)
}

fn powered() -> bool {
    DEVICE.power_state.load(Ordering::Relaxed) == su::power_state::FULL
}

struct SoftaccelRs;

impl kernel::Module for SoftaccelRs {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // Parameters given to insmod that no open could use fail the load.
        let cfg = Config::read().inspect_err(|_| {
            pr_err!("the module parameters are not a valid device configuration\n")
        })?;
        // SAFETY: called once, from the module's init, before any file of
        // the device exists; shim.c registers the misc device.
        to_result(unsafe { sa_shim_register() })?;
        pr_info!(
            "/dev/softaccel0, revision {}, accel core revision {}\n",
            cfg.revision,
            cfg.core_revision
        );
        Ok(SoftaccelRs)
    }
}

impl Drop for SoftaccelRs {
    fn drop(&mut self) {
        // SAFETY: registered in init; the module's exit runs once, after
        // every file is closed (the file operations hold the module).
        unsafe { sa_shim_unregister() };
        let (f, b, q, r) = (
            COUNTERS.files.load(Ordering::Relaxed),
            COUNTERS.bos.load(Ordering::Relaxed),
            COUNTERS.queues.load(Ordering::Relaxed),
            COUNTERS.regions.load(Ordering::Relaxed),
        );
        if f != 0 || b != 0 || q != 0 || r != 0 {
            // As the C module's WARN: the guest's log scan fails the run.
            pr_err!(
                "BUG: leaked {} files, {} BOs, {} queues, {} ring regions\n",
                f,
                b,
                q,
                r
            );
        }
    }
}

/// The device configuration a file is opened with (DeviceConfig).
#[derive(Clone, Copy)]
struct Config {
    device_id: u64,
    revision: u32,
    core_revision: u32,
    capabilities: u32,
    device_capabilities: u32,
    max_bo_alignment: u64,
    max_bo_size: u64,
    num_queues_max: u32,
    page_size: u32,
    engine_count: u32,
    clock_freq_hz: u64,
}

/// The core capabilities a driver of accel core revision `rev` can announce:
/// bo-alignment and read-only-bo came with revision 2 (driver/src/device.rs).
fn capabilities_at(rev: u32) -> u32 {
    let ro = au::BoCreate {
        size: 1,
        flags: au::bo_flags::DEVICE_READ_ONLY,
        ..Default::default()
    };
    let mut caps = au::capabilities::ALL;
    if rev < 2 {
        caps &= !au::capabilities::BO_ALIGNMENT;
    }
    if accel::validate_bo_create_at(&ro, rev).is_err() {
        caps &= !au::capabilities::READ_ONLY_BO;
    }
    caps
}

/// The softaccel capabilities a driver of softaccel revision `rev` can
/// announce (sa_device_capabilities_at).
fn device_capabilities_at(rev: u32) -> u32 {
    let xor = su::Cmd {
        opcode: su::opcode::XOR_U32,
        ..Default::default()
    };
    let mut caps = su::device_caps::ALL;
    if softaccel::validate_cmd_at(&xor, rev).is_err() {
        caps &= !su::device_caps::XOR_U32;
    }
    if rev < 2 {
        caps &= !su::device_caps::QUEUE_INFO;
    }
    // Control messages and rings came with revision 3 (the generated
    // dispatch answers ENOTTY below it).
    if rev < 3 {
        caps &= !(su::device_caps::CONTROL | su::device_caps::RINGS);
    }
    caps
}

impl Config {
    /// The configuration of a file opened now, from the module parameters
    /// read together; EINVAL for one the ABI does not allow
    /// (DeviceConfig::check, sa_config_read).
    fn read() -> Result<Config> {
        let mut s = ShimConfig::default();
        // SAFETY: `s` is a valid, writable `struct sa_shim_config`.
        unsafe { sa_shim_config(&mut s) };
        let dc = au::GetParam {
            param: au::param::DEVICE_CAPABILITIES,
            ..Default::default()
        };
        // A constant: no division by zero to check for.
        let kpage = kernel::page::PAGE_SIZE as u32;
        let bad = s.revision < 1
            || s.revision > su::REVISION
            || s.core_revision < 1
            || s.core_revision > au::REVISION
            || s.capabilities & !au::capabilities::ALL != 0
            || s.device_capabilities & !su::device_caps::ALL != 0
            // Later softaccel features are announced by a core-2 parameter.
            || (device_capabilities_at(s.revision) != 0
                && accel::validate_get_param_at(&dc, s.core_revision).is_err())
            || !s.page_size.is_power_of_two()
            || s.page_size < au::MIN_PAGE_SIZE
            || s.page_size % kpage != 0
            || !s.max_bo_alignment.is_power_of_two()
            || s.max_bo_alignment < u64::from(s.page_size)
            || s.max_bo_alignment > au::MAX_BO_SIZE
            || s.max_bo_size < u64::from(s.page_size)
            || s.max_bo_size > au::MAX_BO_SIZE
            || s.num_queues_max < 1
            || s.num_queues_max > au::MAX_QUEUES
            || s.engine_count < 1
            || s.engine_count > SA_MAX_ENGINES;
        if bad {
            return Err(EINVAL);
        }
        let capabilities = s.capabilities & capabilities_at(s.core_revision);
        Ok(Config {
            device_id: s.device_id,
            revision: s.revision,
            core_revision: s.core_revision,
            capabilities,
            device_capabilities: s.device_capabilities & device_capabilities_at(s.revision),
            max_bo_alignment: if capabilities & au::capabilities::BO_ALIGNMENT != 0 {
                s.max_bo_alignment
            } else {
                0
            },
            max_bo_size: s.max_bo_size,
            num_queues_max: s.num_queues_max,
            page_size: s.page_size,
            engine_count: s.engine_count,
            clock_freq_hz: s.clock_freq_hz,
        })
    }
}

/// A reference on BO memory of shim.c.
struct BufRef(NonNull<ShimBuf>);

// SAFETY: the memory is reference-counted kernel memory (a kref), usable
// and releasable from any thread.
unsafe impl Send for BufRef {}
// SAFETY: as above; `&BufRef` gives only its address.
unsafe impl Sync for BufRef {}

impl BufRef {
    /// New zeroed, mappable memory of `size` bytes.
    fn alloc(size: u64) -> Result<BufRef> {
        // SAFETY: no precondition; NULL when out of memory.
        let p = unsafe { sa_shim_buf_alloc(size) };
        NonNull::new(p).map(BufRef).ok_or(ENOMEM)
    }

    fn vaddr(&self) -> *mut u8 {
        // SAFETY: `self` holds a reference, so the buffer is alive.
        unsafe { sa_shim_buf_vaddr(self.0.as_ptr()) }
    }

    /// A new reference, given to C (a mapping) as a raw pointer.
    fn get_raw(&self) -> *mut ShimBuf {
        // SAFETY: `self` holds a reference, so the count is not zero.
        unsafe { sa_shim_buf_get(self.0.as_ptr()) };
        self.0.as_ptr()
    }
}

impl Drop for BufRef {
    fn drop(&mut self) {
        // SAFETY: drops the reference this value holds, once.
        unsafe { sa_shim_buf_put(self.0.as_ptr()) };
    }
}

struct Bo {
    handle: u32,
    buf: BufRef,
    size: u64,
    flags: u32,
    offset: u64,
}

impl Drop for Bo {
    fn drop(&mut self) {
        COUNTERS.bos.fetch_sub(1, Ordering::Relaxed);
    }
}

struct Queue {
    handle: u32,
    priority: u32,
    flags: u32,
    /// The engine its work is accounted to (sa_engine_assign).
    engine: u32,
    /// The last seqno issued; every issued submission has completed.
    issued: u64,
    /// A ring-mode queue's rings (RING_QUEUE_CREATE).
    ring: Option<Ring>,
}

/// A ring region: zeroed memory of shim.c that user space maps as it maps
/// a BO, and that the ring protocol reaches only through [`RingMem`], in
/// atomics: user space writes it concurrently.
struct RegionMem {
    buf: BufRef,
    base: *mut u8,
    len: usize,
}

// SAFETY: `buf` is Send; `base` points into the memory `buf` holds, which
// is reached through atomics only.
unsafe impl Send for RegionMem {}
// SAFETY: as above: `&RegionMem` gives atomic access only.
unsafe impl Sync for RegionMem {}

impl RegionMem {
    fn alloc(len: usize) -> Result<RegionMem> {
        let buf = BufRef::alloc(len as u64)?;
        let base = buf.vaddr();
        COUNTERS.regions.fetch_add(1, Ordering::Relaxed);
        Ok(RegionMem { buf, base, len })
    }

    /// The address of the `n`-byte word at `offset`: None unless it is
    /// aligned to `n` and inside the region (the ring code never asks for
    /// another; this keeps even a bug from reaching past the region).
    fn word(&self, offset: usize, n: usize) -> Option<*mut u8> {
        let end = offset.checked_add(n)?;
        (offset % n == 0 && end <= self.len).then(|| self.base.wrapping_add(offset))
    }

    fn u32_at(&self, offset: usize) -> Option<&AtomicU32> {
        let p = self.word(offset, 4)?;
        // SAFETY: `p` is inside the region and 4-aligned (the region is
        // page-aligned vmalloc memory), valid while `self.buf` holds it;
        // the kernel reaches this memory through atomics only.
        Some(unsafe { AtomicU32::from_ptr(p.cast()) })
    }

    fn u64_at(&self, offset: usize) -> Option<&AtomicU64> {
        let p = self.word(offset, 8)?;
        // SAFETY: as in u32_at, 8-aligned.
        Some(unsafe { AtomicU64::from_ptr(p.cast()) })
    }
}

impl Drop for RegionMem {
    fn drop(&mut self) {
        // Mappings keep their own references on the memory.
        COUNTERS.regions.fetch_sub(1, Ordering::Relaxed);
    }
}

impl RingMem for RegionMem {
    fn len(&self) -> usize {
        self.len
    }

    fn load_u32(&self, offset: usize, order: Ordering) -> u32 {
        self.u32_at(offset).map_or(0, |a| a.load(order))
    }

    fn store_u32(&self, offset: usize, value: u32, order: Ordering) {
        if let Some(a) = self.u32_at(offset) {
            a.store(value, order);
        }
    }

    fn fetch_or_u32(&self, offset: usize, value: u32, order: Ordering) -> u32 {
        self.u32_at(offset).map_or(0, |a| a.fetch_or(value, order))
    }

    fn fetch_and_u32(&self, offset: usize, value: u32, order: Ordering) -> u32 {
        self.u32_at(offset).map_or(0, |a| a.fetch_and(value, order))
    }

    fn load_u64(&self, offset: usize, order: Ordering) -> u64 {
        self.u64_at(offset).map_or(0, |a| a.load(order))
    }

    fn store_u64(&self, offset: usize, value: u64, order: Ordering) {
        if let Some(a) = self.u64_at(offset) {
            a.store(value, order);
        }
    }
}

/// The rings of a ring-mode queue, through the generated consumer (of the
/// submit ring user space produces) and producer (of the complete ring).
struct Ring {
    submit: sr::submit::Consumer<RegionMem>,
    complete: sr::complete::Producer<RegionMem>,
    submit_offset: u64,
    complete_offset: u64,
    /// User space broke the ring protocol: no more entries are taken and
    /// DOORBELL answers EPIPE.
    broken: bool,
}

impl Ring {
    /// Marks both rings broken by user space (their ERROR flags).
    fn fail(&mut self) {
        self.broken = true;
        for mem in [self.submit.mem(), self.complete.mem()] {
            mem.fetch_or_u32(sr::FLAGS_OFFSET, sr::ERROR, Ordering::AcqRel);
        }
    }

    /// The region at fake offset `start`, as the mmap lookup wants it:
    /// its offset, size and memory.
    fn region_at(&self, start: u64) -> Option<(u64, u64, &BufRef)> {
        [
            (self.submit_offset, self.submit.mem()),
            (self.complete_offset, self.complete.mem()),
        ]
        .into_iter()
        .map(|(offset, mem)| (offset, mem.len as u64, &mem.buf))
        .find(|&(offset, size, _)| start >= offset && start - offset < size)
    }
}

/// The errno a ring error is for a system call.
fn ring_errno(e: sr::RingError) -> Error {
    Error::from(e.errno())
}

impl Drop for Queue {
    fn drop(&mut self) {
        COUNTERS.queues.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What a file's lock protects.
struct Inner {
    bos: KVec<Bo>,
    queues: KVec<Queue>,
    next_bo: u32,
    next_queue: u32,
    next_offset: u64,
    perf_enabled: bool,
    perf: [u64; SA_PERF_COUNTERS],
}

impl Inner {
    fn bo(&self, handle: u32) -> Option<&Bo> {
        self.bos.iter().find(|b| b.handle == handle)
    }

    fn queue_index(&self, handle: u32) -> Option<usize> {
        self.queues.iter().position(|q| q.handle == handle)
    }

    fn count(&mut self, id: u32, n: u64) {
        let c = &mut self.perf[id as usize];
        *c = c.saturating_add(n);
    }
}

/// Handle allocation as xa_alloc_cyclic from 1: the next free value after
/// the last one given, wrapping past u32::MAX to 1.
fn next_handle(next: &mut u32, taken: impl Fn(u32) -> bool) -> Result<u32> {
    let start = (*next).max(1);
    let mut h = start;
    loop {
        if !taken(h) {
            *next = h.checked_add(1).unwrap_or(1);
            return Ok(h);
        }
        h = h.checked_add(1).unwrap_or(1);
        if h == start {
            return Err(ENOMEM);
        }
    }
}

/// Takes element `i` out of `v`, the last element taking its place (the
/// KVec of 6.12 has no `swap_remove`). `i` must be an index of `v`.
fn swap_remove<T>(v: &mut KVec<T>, i: usize) -> T {
    let last = v.len() - 1;
    v.as_mut_slice().swap(i, last);
    // SAFETY: `last` is below the length, so the element there is
    // initialised; once the length excludes it the vector no longer owns
    // it, and reading it moves it out exactly once.
    unsafe {
        v.set_len(last);
        core::ptr::read(v.as_ptr().add(last))
    }
}

/// One open file of the device.
#[pin_data]
struct SaFile {
    cfg: Config,
    cap_sys_nice: bool,
    #[pin]
    inner: Mutex<Inner>,
}

impl SaFile {
    fn has(&self, capability: u32) -> bool {
        self.cfg.capabilities & capability != 0
    }

    fn has_device(&self, capability: u32) -> bool {
        self.cfg.device_capabilities & capability != 0
    }
}

impl accel::Ops for SaFile {
    type File = SaFile;

    fn accel_revision(&self) -> u32 {
        self.cfg.core_revision
    }

    // The C module's: no privileged callback, so the generated C dispatch
    // asks capable(CAP_SYS_ADMIN) of the caller.
    fn privileged(&self, _file: &SaFile) -> bool {
        // SAFETY: no precondition; called in the ioctl caller's context.
        unsafe { sa_shim_capable_admin() }
    }

    fn get_param(&self, f: &SaFile, arg: &mut au::GetParam) -> Result {
        let c = &f.cfg;
        arg.value = match arg.param {
            au::param::DEVICE_ID => c.device_id,
            au::param::REVISION => c.revision.into(),
            au::param::CORE_REVISION => c.core_revision.into(),
            au::param::CAPABILITIES => c.capabilities.into(),
            au::param::MAX_BO_SIZE => c.max_bo_size,
            au::param::NUM_QUEUES_MAX => c.num_queues_max.into(),
            au::param::PAGE_SIZE => c.page_size.into(),
            au::param::ENGINE_COUNT => c.engine_count.into(),
            au::param::CLOCK_FREQ_HZ => c.clock_freq_hz,
            au::param::PERF_STATS_ENABLE => f.inner.lock().perf_enabled.into(),
            // Revision 2: the generated validation rejects both for revision 1.
            au::param::MAX_BO_ALIGNMENT => c.max_bo_alignment,
            au::param::DEVICE_CAPABILITIES => c.device_capabilities.into(),
            _ => return Err(EINVAL),
        };
        Ok(())
    }

    fn set_param(&self, f: &SaFile, arg: &mut au::SetParam) -> Result {
        // Every other parameter is read-only.
        if arg.param != au::param::PERF_STATS_ENABLE {
            return Err(EINVAL);
        }
        if !f.has(au::capabilities::PERF_STATS) {
            return Err(eopnotsupp());
        }
        if arg.value > 1 {
            return Err(EINVAL);
        }
        f.inner.lock().perf_enabled = arg.value == 1;
        Ok(())
    }

    fn bo_create(&self, f: &SaFile, arg: &mut au::BoCreate) -> Result {
        let visible = arg.flags & au::bo_flags::HOST_VISIBLE != 0;
        let wc = arg.flags & au::bo_flags::WRITE_COMBINE != 0;
        let read_only = arg.flags & au::bo_flags::DEVICE_READ_ONLY != 0;
        let mut align = arg.alignment;
        if wc && !visible {
            return Err(EINVAL);
        }
        // 0 (what a revision-1 caller's zero extension gives) is the page size.
        if align != 0 && !align.is_power_of_two() {
            return Err(EINVAL);
        }
        if (visible && !f.has(au::capabilities::HOST_VISIBLE_BO))
            || (wc && !f.has(au::capabilities::WRITE_COMBINE_BO))
            || (read_only && !f.has(au::capabilities::READ_ONLY_BO))
            || (align != 0 && !f.has(au::capabilities::BO_ALIGNMENT))
        {
            return Err(eopnotsupp());
        }
        if align > f.cfg.max_bo_alignment {
            return Err(EINVAL);
        }
        let page = u64::from(f.cfg.page_size);
        align = align.max(page);
        if arg.size == 0 {
            return Err(EINVAL);
        }
        let size = arg.size.checked_next_multiple_of(page).ok_or(EINVAL)?;
        if size > f.cfg.max_bo_size {
            return Err(EINVAL);
        }
        // More than the machine's memory is ENOMEM here: vmalloc would say
        // so with a warning and a stack dump in the log.
        // SAFETY: no precondition.
        let ram = unsafe { sa_shim_totalram_pages() };
        if size / u64::from(kernel::page::PAGE_SIZE as u32) > ram {
            return Err(ENOMEM);
        }
        let buf = BufRef::alloc(size)?;
        COUNTERS.bos.fetch_add(1, Ordering::Relaxed);
        let mut bo = Bo {
            handle: 0,
            buf,
            size,
            flags: arg.flags,
            offset: 0,
        };
        let mut g = f.inner.lock();
        let offset = g
            .next_offset
            .checked_next_multiple_of(align)
            .ok_or(ENOMEM)?;
        let end = offset.checked_add(size).ok_or(ENOMEM)?;
        if end > MMAP_END {
            return Err(ENOMEM);
        }
        let inner = &mut *g;
        let bos = &inner.bos;
        let handle = next_handle(&mut inner.next_bo, |h| bos.iter().any(|b| b.handle == h))?;
        bo.handle = handle;
        bo.offset = offset;
        inner.bos.push(bo, GFP_KERNEL)?;
        inner.next_offset = end;
        arg.handle = handle;
        Ok(())
    }

    fn bo_info(&self, f: &SaFile, arg: &mut au::BoInfo) -> Result {
        if arg.handle == 0 {
            return Err(EINVAL);
        }
        let g = f.inner.lock();
        let bo = g.bo(arg.handle).ok_or(ENOENT)?;
        arg.flags = bo.flags;
        arg.size = bo.size;
        arg.mmap_offset = if bo.flags & au::bo_flags::HOST_VISIBLE != 0 {
            bo.offset
        } else {
            0
        };
        Ok(())
    }

    fn bo_destroy(&self, f: &SaFile, arg: &mut au::BoDestroy) -> Result {
        if arg.handle == 0 {
            return Err(EINVAL);
        }
        let mut g = f.inner.lock();
        let i = g
            .bos
            .iter()
            .position(|b| b.handle == arg.handle)
            .ok_or(ENOENT)?;
        // Mappings keep their own references on the memory.
        let bo = swap_remove(&mut g.bos, i);
        drop(g);
        drop(bo);
        Ok(())
    }

    fn queue_create(&self, f: &SaFile, arg: &mut au::QueueCreate) -> Result {
        check_queue(f, arg.priority, arg.flags)?;
        let mut g = f.inner.lock();
        if g.queues.len() >= f.cfg.num_queues_max as usize {
            return Err(ENOSPC);
        }
        let inner = &mut *g;
        let queues = &inner.queues;
        let handle = next_handle(&mut inner.next_queue, |h| {
            queues.iter().any(|q| q.handle == h)
        })?;
        inner.queues.push(
            Queue {
                handle,
                priority: arg.priority,
                // The turbo hint is accepted and ignored: a software
                // engine has one speed.
                flags: arg.flags,
                engine: engine_assign(f),
                issued: 0,
                ring: None,
            },
            GFP_KERNEL,
        )?;
        COUNTERS.queues.fetch_add(1, Ordering::Relaxed);
        arg.handle = handle;
        Ok(())
    }

    fn queue_destroy(&self, f: &SaFile, arg: &mut au::QueueDestroy) -> Result {
        if arg.handle == 0 {
            return Err(EINVAL);
        }
        let mut g = f.inner.lock();
        let i = g.queue_index(arg.handle).ok_or(ENOENT)?;
        let q = swap_remove(&mut g.queues, i);
        drop(g);
        drop(q);
        Ok(())
    }
}

/// The checks of QUEUE_CREATE, also RING_QUEUE_CREATE's (sa_checked_rank).
fn check_queue(f: &SaFile, priority: u32, flags: u32) -> Result {
    if priority > au::queue_priority::REALTIME || flags & !au::queue_flags::ALL != 0 {
        return Err(EINVAL);
    }
    if priority != au::queue_priority::NORMAL && !f.has(au::capabilities::QUEUE_PRIORITY) {
        return Err(eopnotsupp());
    }
    if flags & au::queue_flags::TURBO != 0 && !f.has(au::capabilities::TURBO_QUEUE) {
        return Err(eopnotsupp());
    }
    if priority == au::queue_priority::REALTIME && !f.cap_sys_nice {
        return Err(EPERM);
    }
    Ok(())
}

/// The highest end of the file's mmap space: what a 64-bit vm_pgoff can
/// address.
const MMAP_END: u64 = (u64::MAX >> kernel::page::PAGE_SHIFT) << kernel::page::PAGE_SHIFT;

/// A byte range of a BO that a command reads or writes.
#[derive(Clone, Copy)]
struct Span {
    handle: u32,
    base: *mut u8,
    off: u64,
    len: u64,
}

impl Span {
    fn at(&self, k: u64) -> *mut u8 {
        // The range was checked against the BO at SUBMIT: off + k stays
        // inside its memory, whose size fits in usize.
        self.base.wrapping_add((self.off + k) as usize)
    }

    fn overlaps(&self, o: &Span) -> bool {
        self.handle == o.handle
            && self.len != 0
            && o.len != 0
            && self.off < o.off + o.len
            && o.off < self.off + self.len
    }

    fn same(&self, o: &Span) -> bool {
        self.handle == o.handle && self.off == o.off && self.len == o.len
    }
}

/// Which operand members an opcode uses; the others must be 0.
struct Uses {
    src: bool,
    src2: bool,
    dst: bool,
    length: bool,
    value: bool,
}

/// The checks before any handle is looked up, in driver/src/submit.rs order.
fn check_cmd(f: &SaFile, c: &su::Cmd) -> Result<Uses> {
    let u = |src, src2, dst, length, value| Uses {
        src,
        src2,
        dst,
        length,
        value,
    };
    let uses = match c.opcode {
        su::opcode::COPY => u(true, false, true, true, false),
        su::opcode::FILL => u(false, false, true, true, true),
        su::opcode::CRC32C => u(true, false, true, true, true),
        su::opcode::ADD_U32 | su::opcode::ADD_F32 => u(true, true, true, true, false),
        su::opcode::XOR_U32 => {
            // Revision 2; the generated validation rejects it before.
            if !f.has_device(su::device_caps::XOR_U32) {
                return Err(eopnotsupp());
            }
            u(true, true, true, true, false)
        }
        su::opcode::TIMESTAMP => {
            if !f.has(au::capabilities::TIMESTAMPS) {
                return Err(eopnotsupp());
            }
            u(false, false, true, false, false)
        }
        _ => return Err(EINVAL),
    };
    let unused_set = (!uses.src && (c.src_bo != 0 || c.src_offset != 0))
        || (!uses.src2 && (c.src2_bo != 0 || c.src2_offset != 0))
        || (!uses.dst && (c.dst_bo != 0 || c.dst_offset != 0))
        || (!uses.length && c.length != 0)
        || (!uses.value && c.value != 0);
    let used_zero =
        (uses.src && c.src_bo == 0) || (uses.src2 && c.src2_bo == 0) || (uses.dst && c.dst_bo == 0);
    if unused_set || used_zero {
        return Err(EINVAL);
    }
    let aligned = match c.opcode {
        su::opcode::CRC32C => c.value <= u64::from(u32::MAX) && c.dst_offset % 4 == 0,
        su::opcode::ADD_U32 | su::opcode::ADD_F32 | su::opcode::XOR_U32 => {
            c.src_offset % 4 == 0 && c.src2_offset % 4 == 0 && c.dst_offset % 4 == 0
        }
        su::opcode::TIMESTAMP => c.dst_offset % 8 == 0,
        _ => true,
    };
    if aligned {
        Ok(uses)
    } else {
        Err(EINVAL)
    }
}

/// A command whose handles are resolved and ranges checked.
struct Op {
    opcode: u32,
    value: u64,
    src: Span,
    src2: Span,
    dst: Span,
}

const NO_SPAN: Span = Span {
    handle: 0,
    base: core::ptr::null_mut(),
    off: 0,
    len: 0,
};

/// The span of `len` bytes at `off` of BO `handle`, if inside it.
fn span(g: &Inner, handle: u32, off: u64, len: u64) -> Result<Span> {
    let bo = g.bo(handle).ok_or(ENOENT)?;
    match off.checked_add(len) {
        Some(end) if end <= bo.size => Ok(Span {
            handle,
            base: bo.buf.vaddr(),
            off,
            len,
        }),
        _ => Err(EINVAL),
    }
}

/// Checks one command against its opcode's rules (opcode and capability,
/// unused operands, zero handles, value and alignment, handle lookup,
/// read-only destination, ranges, overlap) and resolves its handles, as
/// sa_resolve does. The handles are looked up before any range is checked:
/// a missing BO is ENOENT even when another operand's range is bad.
fn resolve(f: &SaFile, g: &Inner, c: &su::Cmd) -> Result<Op> {
    let uses = check_cmd(f, c)?;
    for (used, h) in [
        (uses.src, c.src_bo),
        (uses.src2, c.src2_bo),
        (uses.dst, c.dst_bo),
    ] {
        if used && g.bo(h).is_none() {
            return Err(ENOENT);
        }
    }
    // Only a revision-2 BO_CREATE can have set the flag.
    if g.bo(c.dst_bo)
        .is_some_and(|b| b.flags & au::bo_flags::DEVICE_READ_ONLY != 0)
    {
        return Err(EACCES);
    }
    let mut op = Op {
        opcode: c.opcode,
        value: c.value,
        src: NO_SPAN,
        src2: NO_SPAN,
        dst: NO_SPAN,
    };
    match c.opcode {
        su::opcode::COPY => {
            op.src = span(g, c.src_bo, c.src_offset, c.length)?;
            op.dst = span(g, c.dst_bo, c.dst_offset, c.length)?;
        }
        su::opcode::FILL => op.dst = span(g, c.dst_bo, c.dst_offset, c.length)?,
        su::opcode::CRC32C => {
            op.src = span(g, c.src_bo, c.src_offset, c.length)?;
            op.dst = span(g, c.dst_bo, c.dst_offset, 4)?;
            if op.dst.overlaps(&op.src) {
                return Err(EINVAL);
            }
        }
        su::opcode::ADD_U32 | su::opcode::ADD_F32 | su::opcode::XOR_U32 => {
            let bytes = c.length.checked_mul(4).ok_or(EINVAL)?;
            op.src = span(g, c.src_bo, c.src_offset, bytes)?;
            op.src2 = span(g, c.src2_bo, c.src2_offset, bytes)?;
            op.dst = span(g, c.dst_bo, c.dst_offset, bytes)?;
            // dst may be identical to a source, never partly overlap one.
            if (op.dst.overlaps(&op.src) && !op.dst.same(&op.src))
                || (op.dst.overlaps(&op.src2) && !op.dst.same(&op.src2))
            {
                return Err(EINVAL);
            }
        }
        _ => op.dst = span(g, c.dst_bo, c.dst_offset, 8)?,
    }
    Ok(op)
}

/// What one submission read and wrote, for the perf counters.
#[derive(Default)]
struct Tally {
    cmds: u64,
    bytes_read: u64,
    bytes_written: u64,
}

fn resched() {
    // SAFETY: called in process context (an ioctl) without spinlocks held.
    unsafe { sa_shim_cond_resched() };
}

/// Runs one command, as sa_exec does.
///
/// # Safety
///
/// The op's spans were resolved under the file's lock, which is still
/// held: the BOs are alive and the ranges inside them.
unsafe fn exec(op: &Op, t: &mut Tally) {
    t.cmds += 1;
    match op.opcode {
        su::opcode::COPY => {
            let len = op.src.len;
            // In chunks, in the direction that keeps an overlapping copy
            // correct (as if the whole source were read first).
            if (op.dst.at(0) as usize) <= (op.src.at(0) as usize) {
                let mut k = 0;
                while k < len {
                    let n = SA_CHUNK.min(len - k);
                    // SAFETY: both ranges are inside live BOs (the
                    // function's contract); `copy` allows overlap.
                    unsafe { core::ptr::copy(op.src.at(k), op.dst.at(k), n as usize) };
                    resched();
                    k += n;
                }
            } else {
                let mut k = len;
                while k > 0 {
                    let n = SA_CHUNK.min(k);
                    // SAFETY: as above.
                    unsafe { core::ptr::copy(op.src.at(k - n), op.dst.at(k - n), n as usize) };
                    resched();
                    k -= n;
                }
            }
            t.bytes_read += len;
        }
        su::opcode::FILL => {
            let pat = op.value.to_le_bytes();
            for k in 0..op.dst.len {
                // SAFETY: inside the destination range of a live BO.
                unsafe { op.dst.at(k).write(pat[(k % 8) as usize]) };
                if (k + 1) % SA_CHUNK == 0 {
                    resched();
                }
            }
        }
        su::opcode::CRC32C => {
            let mut crc = !(op.value as u32);
            let len = op.src.len;
            let mut k = 0;
            while k < len {
                let n = SA_CHUNK.min(len - k);
                // SAFETY: the source range of a live BO.
                crc = unsafe { sa_shim_crc32c(crc, op.src.at(k), n as usize) };
                resched();
                k += n;
            }
            // SAFETY: 4 bytes of the destination range, which does not
            // overlap the source.
            unsafe { (op.dst.at(0) as *mut [u8; 4]).write_unaligned((!crc).to_le_bytes()) };
            t.bytes_read += len;
        }
        su::opcode::ADD_U32 | su::opcode::XOR_U32 => {
            let count = op.dst.len / 4;
            let (a, b, d) = (
                op.src.at(0) as *const u32,
                op.src2.at(0) as *const u32,
                op.dst.at(0) as *mut u32,
            );
            for i in 0..count as usize {
                // SAFETY: element i of three ranges of live BOs; each is
                // read before the element is written (dst may be a source).
                unsafe {
                    let x = u32::from_le(a.add(i).read_unaligned());
                    let y = u32::from_le(b.add(i).read_unaligned());
                    let r = if op.opcode == su::opcode::XOR_U32 {
                        x ^ y
                    } else {
                        x.wrapping_add(y)
                    };
                    d.add(i).write_unaligned(r.to_le());
                }
                if (i + 1) % (SA_CHUNK as usize / 4) == 0 {
                    resched();
                }
            }
            t.bytes_read += op.src.len + op.src2.len;
        }
        su::opcode::ADD_F32 => {
            // No floating point in Rust here: shim.c adds in SSE between
            // kernel_fpu_begin/end, a batch at a time.
            // SAFETY: three ranges of live BOs of `len / 4` elements each,
            // 4-aligned (checked at SUBMIT; BO memory is page-aligned).
            unsafe {
                sa_shim_add_f32(
                    op.dst.at(0) as *mut u32,
                    op.src.at(0) as *const u32,
                    op.src2.at(0) as *const u32,
                    (op.dst.len / 4) as usize,
                )
            };
            t.bytes_read += op.src.len + op.src2.len;
        }
        _ => {
            // SAFETY: no precondition.
            let now = unsafe { sa_shim_ktime_ns() };
            // SAFETY: 8 bytes of the destination range of a live BO.
            unsafe { (op.dst.at(0) as *mut [u8; 8]).write_unaligned(now.to_le_bytes()) };
        }
    }
    t.bytes_written += op.dst.len;
}

impl softaccel::Ops for SaFile {
    fn softaccel_revision(&self) -> u32 {
        self.cfg.revision
    }

    fn submit(&self, f: &SaFile, arg: &mut su::Submit, cmds: &[su::Cmd]) -> Result {
        let r = submit(f, arg, cmds);
        // The errors counter of get-counters counts rejected submissions.
        if r.is_err() {
            COUNTERS.errors.fetch_add(1, Ordering::Relaxed);
        }
        r
    }

    fn wait(&self, f: &SaFile, arg: &mut su::Wait) -> Result {
        if arg.queue == 0 {
            return Err(EINVAL);
        }
        let mut g = f.inner.lock();
        let qi = g.queue_index(arg.queue).ok_or(ENOENT)?;
        // A ring's entries published and not yet taken are this device's
        // work in flight: taken and run now (as far as the complete ring
        // has room), as the C module's poller would have. A protocol
        // error marks the ring; WAIT still answers for what was issued.
        if g.queues[qi].ring.as_ref().is_some_and(|r| !r.broken) && powered() {
            let _ = drain_ring(f, &mut g, qi);
        }
        let q = &g.queues[qi];
        if arg.seqno == 0 || arg.seqno > q.issued {
            return Err(EINVAL);
        }
        // Every issued submission has completed (SUBMIT runs it), and
        // nothing is ever cancelled: no reset-queue here.
        Ok(())
    }

    fn perf_stats(
        &self,
        f: &SaFile,
        arg: &mut su::PerfStats,
        counters: &mut uabi_rt::OutArray<su::PerfCounter>,
    ) -> Result {
        if !f.has(au::capabilities::PERF_STATS) {
            return Err(eopnotsupp());
        }
        let n = counters.len().min(SA_PERF_COUNTERS);
        let mut g = f.inner.lock();
        for i in 0..n {
            counters.push(su::PerfCounter {
                id: i as u32,
                value: g.perf[i],
                ..Default::default()
            })?;
        }
        if arg.flags & su::perf_stats_flags::RESET != 0 {
            g.perf = [0; SA_PERF_COUNTERS];
        }
        arg.counter_count = SA_PERF_COUNTERS as u32;
        Ok(())
    }

    // The errors counter of get-counters counts rejected control requests.
    fn operation_failed(&self, _f: &SaFile, _op: u16, _error: uabi_rt::nla::Error) {
        COUNTERS.errors.fetch_add(1, Ordering::Relaxed);
    }

    fn op_get_status(
        &self,
        f: &SaFile,
        _req: softaccel::operations::GetStatusRequest<'_>,
        reply: &mut softaccel::operations::GetStatusReply<'_, '_>,
    ) -> Result {
        control_available(f)?;
        reply
            .fw_version(SA_FW_VERSION)
            .temperature_mc(temperature_mc())
            .power_state(DEVICE.power_state.load(Ordering::Relaxed));
        // engine_count is at most SA_MAX_ENGINES (Config::read).
        let engines = DEVICE.engines.iter().take(f.cfg.engine_count as usize);
        for (i, e) in engines.enumerate() {
            reply.engine(|b| {
                b.index(i as u32)
                    .kind(su::engine_kind::GENERAL)
                    .busy_ns(e.busy_ns.load(Ordering::Relaxed))
                    .completed(e.completed.load(Ordering::Relaxed));
            });
        }
        Ok(())
    }

    fn op_get_counters(
        &self,
        f: &SaFile,
        _req: softaccel::operations::GetCountersRequest<'_>,
        reply: &mut softaccel::operations::GetCountersReply<'_, '_>,
    ) -> Result {
        control_available(f)?;
        let c = &COUNTERS;
        reply
            .submissions(c.submits.load(Ordering::Relaxed) as u64)
            .completions(c.completed.load(Ordering::Relaxed) as u64)
            .bytes_moved(c.bytes.load(Ordering::Relaxed))
            .errors(c.errors.load(Ordering::Relaxed));
        Ok(())
    }

    fn op_set_power_state(
        &self,
        f: &SaFile,
        req: softaccel::operations::SetPowerStateRequest<'_>,
        reply: &mut softaccel::operations::SetPowerStateReply<'_, '_>,
    ) -> Result {
        control_available(f)?;
        // The policy has checked the value; no state says nothing to do.
        let state = req.state().ok_or(EINVAL)?;
        DEVICE.power_state.store(state, Ordering::Relaxed);
        reply.state(state);
        Ok(())
    }

    fn op_reset_queue(
        &self,
        f: &SaFile,
        req: softaccel::operations::ResetQueueRequest<'_>,
        reply: &mut softaccel::operations::ResetQueueReply<'_, '_>,
    ) -> Result {
        control_available(f)?;
        let (Some(queue), Some(mode)) = (req.queue(), req.mode()) else {
            return Err(EINVAL);
        };
        if queue == 0 {
            return Err(EINVAL);
        }
        let g = f.inner.lock();
        g.queue_index(queue).ok_or(ENOENT)?;
        drop(g);
        // Every submission of the queue has completed (SUBMIT runs it):
        // a drain has nothing to wait for, a cancel nothing to drop.
        match mode {
            su::reset_mode::DRAIN | su::reset_mode::CANCEL => {
                reply.cancelled(0);
                Ok(())
            }
            _ => Err(EINVAL),
        }
    }

    fn op_get_tunables(
        &self,
        f: &SaFile,
        _req: softaccel::operations::GetTunablesRequest<'_>,
        reply: &mut softaccel::operations::GetTunablesReply<'_, '_>,
    ) -> Result {
        control_available(f)?;
        reply.time_slice_ns(DEVICE.time_slice_ns.load(Ordering::Relaxed));
        Ok(())
    }

    fn op_set_tunables(
        &self,
        f: &SaFile,
        req: softaccel::operations::SetTunablesRequest<'_>,
        reply: &mut softaccel::operations::SetTunablesReply<'_, '_>,
    ) -> Result {
        control_available(f)?;
        // The range was checked by the policy (ERANGE).
        if let Some(ns) = req.time_slice_ns() {
            DEVICE.time_slice_ns.store(ns, Ordering::Relaxed);
        }
        reply.time_slice_ns(DEVICE.time_slice_ns.load(Ordering::Relaxed));
        Ok(())
    }

    fn op_fw_command(
        &self,
        f: &SaFile,
        req: softaccel::operations::FwCommandRequest<'_>,
        reply: &mut softaccel::operations::FwCommandReply<'_, '_>,
    ) -> Result {
        control_available(f)?;
        let request = req.request().ok_or(EINVAL)?;
        reply.reply(&firmware(f, &request));
        Ok(())
    }

    fn ring_queue_create(&self, f: &SaFile, arg: &mut su::RingQueueCreate) -> Result {
        if !f.has_device(su::device_caps::RINGS) {
            return Err(eopnotsupp());
        }
        let (se, ce) = (arg.submit_entries, arg.complete_entries);
        if !sr::submit::valid_entries(se.into())
            || !sr::complete::valid_entries(ce.into())
            || ce < se
        {
            return Err(EINVAL);
        }
        check_queue(f, arg.priority, 0)?;
        let page = f.cfg.page_size as usize;
        // At most 4096 entries of at most 72 bytes: no overflow.
        let ssize = sr::submit::region_size(se, page).ok_or(EINVAL)?;
        let csize = sr::complete::region_size(ce, page).ok_or(EINVAL)?;
        let smem = RegionMem::alloc(ssize)?;
        let cmem = RegionMem::alloc(csize)?;
        sr::submit::init(&smem, se).map_err(ring_errno)?;
        sr::complete::init(&cmem, ce).map_err(ring_errno)?;
        // No poller: the device is always asleep, so every publish rings
        // the doorbell, which takes the entries.
        smem.fetch_or_u32(sr::FLAGS_OFFSET, sr::NEED_WAKEUP, Ordering::Release);
        let submit = sr::submit::consumer(smem, se, f.cfg.revision).map_err(ring_errno)?;
        let complete = sr::complete::producer(cmem, ce).map_err(ring_errno)?;

        let mut g = f.inner.lock();
        if g.queues.len() >= f.cfg.num_queues_max as usize {
            return Err(ENOSPC);
        }
        // Both regions at the file's next fake offsets, as sa_region_place.
        let place = |from: u64, size: usize| -> Result<(u64, u64)> {
            let offset = from.checked_next_multiple_of(page as u64).ok_or(ENOMEM)?;
            let end = offset.checked_add(size as u64).ok_or(ENOMEM)?;
            if end > MMAP_END {
                return Err(ENOMEM);
            }
            Ok((offset, end))
        };
        let (submit_offset, end) = place(g.next_offset, ssize)?;
        let (complete_offset, end) = place(end, csize)?;
        let inner = &mut *g;
        let queues = &inner.queues;
        let handle = next_handle(&mut inner.next_queue, |h| {
            queues.iter().any(|q| q.handle == h)
        })?;
        inner.queues.push(
            Queue {
                handle,
                priority: arg.priority,
                flags: 0,
                engine: engine_assign(f),
                issued: 0,
                ring: Some(Ring {
                    submit,
                    complete,
                    submit_offset,
                    complete_offset,
                    broken: false,
                }),
            },
            GFP_KERNEL,
        )?;
        inner.next_offset = end;
        COUNTERS.queues.fetch_add(1, Ordering::Relaxed);
        arg.handle = handle;
        arg.submit_offset = submit_offset;
        arg.submit_size = ssize as u64;
        arg.complete_offset = complete_offset;
        arg.complete_size = csize as u64;
        Ok(())
    }

    fn doorbell(&self, f: &SaFile, arg: &mut su::Doorbell) -> Result {
        if arg.queue == 0 {
            return Err(EINVAL);
        }
        let mut g = f.inner.lock();
        let qi = g.queue_index(arg.queue).ok_or(ENOENT)?;
        let ring = g.queues[qi].ring.as_ref().ok_or(EINVAL)?;
        if ring.broken {
            return Err(EPIPE);
        }
        if !powered() {
            return Err(EAGAIN);
        }
        drain_ring(f, &mut g, qi)
    }

    fn queue_info(&self, f: &SaFile, arg: &mut su::QueueInfo) -> Result {
        // A device without the capability has no such ioctl.
        if !f.has_device(su::device_caps::QUEUE_INFO) {
            return Err(ENOTTY);
        }
        if arg.queue == 0 {
            return Err(EINVAL);
        }
        let g = f.inner.lock();
        let q = &g.queues[g.queue_index(arg.queue).ok_or(ENOENT)?];
        arg.priority = q.priority;
        arg.flags = q.flags;
        arg.inflight = 0;
        arg.last_seqno = q.issued;
        arg.completed_seqno = q.issued;
        Ok(())
    }
}

/// The version string get-status reports.
const SA_FW_VERSION: &str = "softaccel-fw 3.1.4";
/// The build number get-build answers.
const SA_FW_BUILD: u64 = 20261128;
/// Firmware status: the request named a sensor that does not exist.
const SA_FW_STATUS_NO_SENSOR: u16 = 1;
const SA_SENSOR_TEMPERATURE: u32 = 0;
const SA_SENSOR_ENGINES: u32 = 1;
/// The modelled die, in millidegrees Celsius.
const SA_AMBIENT_MC: i32 = 35000;
const SA_LOW_POWER_MC: i32 = -5000;

/// A device without the control capability has no CONTROL ioctl, as a
/// driver of revision 2 (whose ENOTTY the generated dispatch gives) has
/// none; asked in each operation, after the message was checked, as the C
/// module's sa_control_available is.
fn control_available(f: &SaFile) -> Result {
    if f.has_device(su::device_caps::CONTROL) {
        Ok(())
    } else {
        Err(ENOTTY)
    }
}

/// Ambient, cooler in low power. The C module adds a share per submission
/// in flight; here none ever is.
fn temperature_mc() -> i32 {
    let low = DEVICE.power_state.load(Ordering::Relaxed) == su::power_state::LOW;
    SA_AMBIENT_MC + if low { SA_LOW_POWER_MC } else { 0 }
}

/// The modelled firmware's answer to one message (sa_firmware):
/// big-endian both ways, as the spec's fw-request and fw-reply declare.
/// The envelope (known type, reserved zero) was checked by the policy.
fn firmware(f: &SaFile, req: &su::FwRequest) -> su::FwReply {
    let ty = u16::from_be(req.r#type);
    let (arg0, arg1) = (u32::from_be(req.arg0), u32::from_be(req.arg1));
    let (mut status, mut value0, mut value1) = (0u16, 0u64, 0u64);
    match u32::from(ty) {
        su::fw_msg_type::PING => {
            value0 = arg0.into();
            value1 = arg1.into();
        }
        su::fw_msg_type::READ_SENSOR => match arg0 {
            // Two's complement in 64 bits, as the firmware reports it.
            SA_SENSOR_TEMPERATURE => value0 = i64::from(temperature_mc()) as u64,
            SA_SENSOR_ENGINES => value0 = f.cfg.engine_count.into(),
            _ => status = SA_FW_STATUS_NO_SENSOR,
        },
        su::fw_msg_type::GET_BUILD => value0 = SA_FW_BUILD,
        _ => status = SA_FW_STATUS_NO_SENSOR,
    }
    su::FwReply {
        r#type: ty.to_be(),
        status: status.to_be(),
        tag: req.tag,
        value0: value0.to_be(),
        value1: value1.to_be(),
    }
}

/// SUBMIT: every command is resolved before any runs, so a submission
/// goes in whole or not at all; then they run here, in order, under the
/// file's lock (which keeps every BO they use alive).
fn submit(f: &SaFile, arg: &mut su::Submit, cmds: &[su::Cmd]) -> Result {
    if arg.queue == 0 || cmds.is_empty() {
        return Err(EINVAL);
    }
    // No new work in the low power state.
    if !powered() {
        return Err(EAGAIN);
    }
    let mut ops = KVec::with_capacity(cmds.len(), GFP_KERNEL)?;
    let mut g = f.inner.lock();
    let qi = g.queue_index(arg.queue).ok_or(ENOENT)?;
    // A ring-mode queue takes work from its submit ring only.
    if g.queues[qi].ring.is_some() {
        return Err(EINVAL);
    }
    for c in cmds {
        ops.push(resolve(f, &g, c)?, GFP_KERNEL)?;
    }
    // SAFETY: resolved just above, under this lock, still held.
    arg.seqno = unsafe { run(&mut g, qi, &ops) }?;
    Ok(())
}

/// Gives the next seqno of queue `qi`; EBUSY once they are used up.
fn issue(g: &mut Inner, qi: usize) -> Result<u64> {
    let q = &mut g.queues[qi];
    q.issued = q.issued.checked_add(1).ok_or(EBUSY)?;
    Ok(q.issued)
}

/// Runs `ops` as the next submission of queue `qi`, and accounts for it;
/// its seqno.
///
/// # Safety
///
/// `ops` were resolved against `g`, under the file's lock that `g` still
/// holds: their BOs are alive and the ranges inside them.
unsafe fn run(g: &mut Inner, qi: usize, ops: &[Op]) -> Result<u64> {
    let seqno = issue(g, qi)?;
    let engine = &DEVICE.engines[g.queues[qi].engine as usize];
    // SAFETY: no precondition.
    let start = unsafe { sa_shim_ktime_ns() };
    let mut t = Tally::default();
    for op in ops.iter() {
        // SAFETY: the function's contract.
        unsafe { exec(op, &mut t) };
    }
    // SAFETY: no precondition.
    let busy = unsafe { sa_shim_ktime_ns() }.saturating_sub(start);
    if g.perf_enabled {
        g.count(su::perf_counter_id::SUBMITS, 1);
        g.count(su::perf_counter_id::CMDS_COMPLETED, t.cmds);
        g.count(su::perf_counter_id::BYTES_READ, t.bytes_read);
        g.count(su::perf_counter_id::BYTES_WRITTEN, t.bytes_written);
        g.count(su::perf_counter_id::BUSY_NS, busy);
    }
    engine.busy_ns.fetch_add(busy, Ordering::Relaxed);
    engine.completed.fetch_add(t.cmds, Ordering::Relaxed);
    COUNTERS.submits.fetch_add(1, Ordering::Relaxed);
    COUNTERS.completed.fetch_add(1, Ordering::Relaxed);
    COUNTERS.cmds.fetch_add(t.cmds as i64, Ordering::Relaxed);
    COUNTERS
        .bytes
        .fetch_add(t.bytes_read + t.bytes_written, Ordering::Relaxed);
    Ok(seqno)
}

/// A submit-ring entry as the command SUBMIT would have got (sa_ring_cmd).
fn ring_cmd(e: &su::RingCmd) -> su::Cmd {
    su::Cmd {
        opcode: u32::from_le(e.opcode),
        flags: u32::from_le(e.flags),
        src_bo: u32::from_le(e.src_bo),
        src2_bo: u32::from_le(e.src2_bo),
        dst_bo: u32::from_le(e.dst_bo),
        pad0: e.pad0,
        src_offset: u64::from_le(e.src_offset),
        src2_offset: u64::from_le(e.src2_offset),
        dst_offset: u64::from_le(e.dst_offset),
        length: u64::from_le(e.length),
        value: u64::from_le(e.value),
    }
}

/// Takes the entries of ring queue `qi` that have room for their
/// completions, runs each as its own submission and posts its completion;
/// under the file's lock (`g`). A protocol error of user space (or seqnos
/// used up) breaks the ring: EPIPE, now and at every later DOORBELL.
fn drain_ring(f: &SaFile, g: &mut Inner, qi: usize) -> Result {
    // Out of the queue while its entries run: they need `g` as a whole.
    // The lock is held throughout, so no one sees the queue without it.
    let Some(mut ring) = g.queues[qi].ring.take() else {
        return Err(EINVAL);
    };
    let r = take_entries(f, g, qi, &mut ring);
    ring.submit.release();
    ring.complete.publish();
    if r.is_err() {
        ring.fail();
    }
    g.queues[qi].ring = Some(ring);
    r.map_err(|_| EPIPE)
}

fn take_entries(f: &SaFile, g: &mut Inner, qi: usize, ring: &mut Ring) -> Result {
    // Each entry taken has its completion's slot: the complete ring's room
    // now bounds what one call takes.
    let room = ring.complete.space().map_err(ring_errno)?;
    for _ in 0..room {
        let Some(rx) = ring.submit.pop().map_err(ring_errno)? else {
            break;
        };
        let checked = rx
            .check
            .map_err(Error::from)
            .and_then(|()| resolve(f, g, &ring_cmd(&rx.entry)));
        // A rejected entry runs nothing but still completes, with its errno.
        let (seqno, status) = match checked {
            // SAFETY: resolved just above against `g`, whose lock the
            // caller holds throughout.
            Ok(op) => (unsafe { run(g, qi, core::slice::from_ref(&op)) }?, 0),
            Err(e) => {
                COUNTERS.errors.fetch_add(1, Ordering::Relaxed);
                (issue(g, qi)?, e.to_errno())
            }
        };
        let done = su::RingCompletion {
            user_data: rx.entry.user_data,
            seqno: seqno.to_le(),
            status: status.to_le(),
            ..Default::default()
        };
        if !ring.complete.push(&done).map_err(ring_errno)? {
            return Err(EPIPE);
        }
    }
    Ok(())
}

/// # Safety
///
/// `private` is the `file->private_data` slot of a file being opened.
#[no_mangle]
pub unsafe extern "C" fn sa_rs_open(private: *mut *mut c_void, cap_sys_nice: bool) -> c_int {
    let cfg = match Config::read() {
        Ok(c) => c,
        Err(e) => return e.to_errno(),
    };
    let init = pin_init!(SaFile {
        cfg,
        cap_sys_nice,
        inner <- new_mutex!(Inner {
            bos: KVec::new(),
            queues: KVec::new(),
            next_bo: 1,
            next_queue: 1,
            // Offset 0 is what BO_INFO reports for a BO that is not mappable.
            next_offset: u64::from(cfg.page_size),
            perf_enabled: false,
            perf: [0; SA_PERF_COUNTERS],
        }),
    });
    let file = match KBox::pin_init(init, GFP_KERNEL) {
        Ok(f) => f,
        Err(e) => return e.to_errno(),
    };
    COUNTERS.files.fetch_add(1, Ordering::Relaxed);
    // SAFETY: the file is never moved out of its box: only
    // `sa_rs_release` turns the pointer back into the pinned box.
    let raw = KBox::into_raw(unsafe { Pin::into_inner_unchecked(file) });
    // SAFETY: the caller's contract: `private` is valid for writes.
    unsafe { *private = raw.cast() };
    0
}

/// The file behind `private`.
///
/// # Safety
///
/// `private` is what `sa_rs_open` stored, for a file not yet released.
unsafe fn file_of<'a>(private: *mut c_void) -> &'a SaFile {
    // SAFETY: the caller's contract; the VFS keeps the file open for the
    // duration of the call that hands it over.
    unsafe { &*private.cast::<SaFile>() }
}

/// # Safety
///
/// `private` is what `sa_rs_open` stored, released once.
#[no_mangle]
pub unsafe extern "C" fn sa_rs_release(private: *mut c_void) {
    // SAFETY: made by KBox::into_raw in sa_rs_open from a pinned box; the
    // VFS releases a file once, when no other call on it runs, so this is
    // the only owner left. Dropping it frees its BOs (mappings keep their
    // own references) and queues.
    drop(unsafe { Pin::new_unchecked(KBox::from_raw(private.cast::<SaFile>())) });
    COUNTERS.files.fetch_sub(1, Ordering::Relaxed);
}

/// The benchmark-only ioctl of driver/kmod/softaccel_bench.h:
/// `_IOWR(ACCEL_IOCTL_MAGIC, 0xf0, struct accel_get_param)`, answered only
/// with `bench_ioctl=1`.
const BENCH_IOCTL_GET_PARAM: u32 = (au::IOCTL_GET_PARAM & !0xff) | 0xf0;

/// GET_PARAM written by hand, as a Rust driver without generated code
/// would (the C module's sa_bench_get_param): the baseline of the dispatch
/// benchmark. The same checks as the generated validation, in the same
/// order, and the same handler.
fn bench_get_param(f: &SaFile, arg: usize) -> Result {
    let user = kernel::uaccess::UserSlice::new(arg, core::mem::size_of::<au::GetParam>());
    let (mut r, mut w) = user.reader_writer();
    let mut p: au::GetParam = r.read()?;
    p.value = 0;
    if p.param > au::param::DEVICE_CAPABILITIES
        || (f.cfg.core_revision < 2 && p.param >= au::param::MAX_BO_ALIGNMENT)
        || p.pad0 != [0; 4]
    {
        return Err(EINVAL);
    }
    accel::Ops::get_param(f, f, &mut p)?;
    w.write(&p)
}

/// # Safety
///
/// `private` is what `sa_rs_open` stored, for an open file; `arg` is the
/// caller's argument (a user address for every softaccel ioctl; for a
/// 32-bit caller already through compat_ptr).
#[no_mangle]
pub unsafe extern "C" fn sa_rs_ioctl(
    private: *mut c_void,
    cmd: c_uint,
    arg: c_ulong,
    compat: bool,
) -> c_long {
    // SAFETY: the caller's contract.
    let f = unsafe { file_of(private) };
    // SAFETY: no precondition.
    if cmd == BENCH_IOCTL_GET_PARAM && !compat && unsafe { sa_shim_bench_ioctl() } {
        return match bench_get_param(f, arg as usize) {
            Ok(()) => 0,
            Err(e) => e.to_errno() as c_long,
        };
    }
    match softaccel::dispatch(f, f, cmd, arg as usize, compat) {
        Ok(()) => 0,
        Err(e) => e.to_errno() as c_long,
    }
}

/// Finds what the mapping at fake offset `start` of `len` bytes maps: a
/// host-visible BO it starts in and ends within. Returns the page within
/// the BO to map from and a new reference on its memory in `*buf`, or a
/// negative errno.
///
/// # Safety
///
/// `private` is what `sa_rs_open` stored, for an open file; `buf` is valid
/// for writes.
#[no_mangle]
pub unsafe extern "C" fn sa_rs_mmap_find(
    private: *mut c_void,
    start: u64,
    len: u64,
    buf: *mut *mut ShimBuf,
) -> c_int {
    // SAFETY: the caller's contract.
    let f = unsafe { file_of(private) };
    let g = f.inner.lock();
    let bo = g
        .bos
        .iter()
        .find(|b| start >= b.offset && start - b.offset < b.size)
        .map(|b| (b.offset, b.size, b.flags, &b.buf));
    // Ring regions are host-visible, mapped as BOs are.
    let region = || {
        g.queues
            .iter()
            .filter_map(|q| q.ring.as_ref()?.region_at(start))
            .map(|(offset, size, buf)| (offset, size, au::bo_flags::HOST_VISIBLE, buf))
            .next()
    };
    let Some((offset, size, flags, mem)) = bo.or_else(region) else {
        return EINVAL.to_errno();
    };
    if flags & au::bo_flags::HOST_VISIBLE == 0 {
        return EACCES.to_errno();
    }
    let within = start - offset;
    if len > size - within {
        return EINVAL.to_errno();
    }
    // SAFETY: the caller's contract.
    unsafe { *buf = mem.get_raw() };
    // A BO is at most MAX_BO_SIZE (4 GiB): its page index fits.
    (within >> kernel::page::PAGE_SHIFT) as c_int
}

/// The debugfs counters, by index: the value, and its name in `*name`
/// (NULL past the last).
///
/// # Safety
///
/// `name` is valid for writes.
#[no_mangle]
pub unsafe extern "C" fn sa_rs_counter(index: c_uint, name: *mut *const c_char) -> i64 {
    let c = &COUNTERS;
    let (n, v): (&'static CStr, i64) = match index {
        0 => (kernel::c_str!("files"), c.files.load(Ordering::Relaxed)),
        1 => (kernel::c_str!("bos"), c.bos.load(Ordering::Relaxed)),
        2 => (kernel::c_str!("queues"), c.queues.load(Ordering::Relaxed)),
        // SUBMIT runs its work: nothing is ever pending or cancelled.
        3 => (kernel::c_str!("pending_submissions"), 0),
        4 => (kernel::c_str!("submits"), c.submits.load(Ordering::Relaxed)),
        5 => (
            kernel::c_str!("submissions_completed"),
            c.completed.load(Ordering::Relaxed),
        ),
        6 => (kernel::c_str!("submissions_cancelled"), 0),
        7 => (
            kernel::c_str!("cmds_completed"),
            c.cmds.load(Ordering::Relaxed),
        ),
        _ => {
            // SAFETY: the caller's contract.
            unsafe { *name = core::ptr::null() };
            return 0;
        }
    };
    // SAFETY: the caller's contract; the name is 'static.
    unsafe { *name = n.as_char_ptr().cast() };
    v
}

/// Resets every total (writing the debugfs file): these lines,
/// get-counters' and the engines' in get-status, so that a test suite
/// starts each test from a fresh device's counters. The live counts stay.
#[no_mangle]
pub extern "C" fn sa_rs_counters_reset() {
    let c = &COUNTERS;
    for e in DEVICE.engines.iter() {
        e.busy_ns.store(0, Ordering::Relaxed);
        e.completed.store(0, Ordering::Relaxed);
    }
    c.bytes.store(0, Ordering::Relaxed);
    c.errors.store(0, Ordering::Relaxed);
    c.submits.store(0, Ordering::Relaxed);
    c.completed.store(0, Ordering::Relaxed);
    c.cmds.store(0, Ordering::Relaxed);
}
