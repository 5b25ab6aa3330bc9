//! The device, its configuration and counters, and the per-open-file
//! context.

use crate::bo::Bo;
use crate::engine::Engines;
use crate::perf::FileShared;
use crate::queue::Queue;
use crate::uapi::accel_uapi;
use crate::uapi::{self, device_caps};
use crate::util::{host_errno, lock};
use softaccel_kernel::accel_kernel;
use std::collections::HashMap;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use uabi_runtime::Errno;

/// What a device instance reports and accepts. [`Default`] is the
/// reference device: every capability, the largest limits the ABI allows,
/// two engines. Tests and the compatibility matrix build weaker devices by
/// changing fields (an older `revision`, fewer capabilities).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceConfig {
    /// The device-id parameter (0: not on a PCI bus).
    pub device_id: u64,
    /// The softaccel spec revision this driver implements (the revision
    /// parameter). The driver then answers exactly as a driver of that
    /// revision: ioctls introduced later are ENOTTY, arguments are copied
    /// at that revision's size, newer enum values and flags are EINVAL (the
    /// generated dispatch), and no later feature is announced or accepted.
    /// Revision 2 and later need `core_revision` 2 or later: their
    /// features are announced through the core's device-capabilities
    /// parameter.
    pub revision: u32,
    /// The accel core revision this driver implements (core-revision), with
    /// the same effect on the core's ioctls as `revision` on softaccel's.
    pub core_revision: u32,
    /// The capabilities the device has: a mask of
    /// `accel_uapi::capabilities`. The capabilities parameter reports those
    /// that `core_revision` defines ([`DeviceConfig::effective_capabilities`]).
    pub capabilities: u32,
    /// softaccel's own capabilities: a mask of `uapi::device_caps`,
    /// reported (those that `revision` defines) by the device-capabilities
    /// parameter.
    pub device_capabilities: u32,
    /// The max-bo-alignment parameter, when the device has the
    /// bo-alignment capability: a power of two from `page_size` to
    /// `accel_uapi::MAX_BO_SIZE`.
    pub max_bo_alignment: u64,
    /// The max-bo-size parameter, at most `accel_uapi::MAX_BO_SIZE`.
    pub max_bo_size: u64,
    /// The num-queues-max parameter, at most `accel_uapi::MAX_QUEUES`.
    pub num_queues_max: u32,
    /// The page-size parameter: a power of two, at least
    /// `accel_uapi::MIN_PAGE_SIZE` and a multiple of the host page size
    /// (BO ranges are mapped by the host).
    pub page_size: u32,
    /// Number of engines, each served by its own thread.
    pub engine_count: u32,
    /// The clock-freq-hz parameter (0: no meaningful clock).
    pub clock_freq_hz: u64,
}

impl Default for DeviceConfig {
    fn default() -> Self {
        DeviceConfig {
            device_id: 0,
            revision: crate::uapi::REVISION,
            core_revision: accel_uapi::REVISION,
            capabilities: accel_uapi::capabilities::ALL,
            device_capabilities: device_caps::ALL,
            max_bo_alignment: DEFAULT_MAX_BO_ALIGNMENT,
            max_bo_size: accel_uapi::MAX_BO_SIZE,
            num_queues_max: accel_uapi::MAX_QUEUES,
            page_size: accel_uapi::MIN_PAGE_SIZE.max(host_page_size()),
            engine_count: 2,
            clock_freq_hz: 0,
        }
    }
}

/// The most engines a configuration may ask for (one thread each).
pub const MAX_ENGINES: u32 = 64;

/// The default max-bo-alignment: 2 MiB, a huge page on most hosts.
pub const DEFAULT_MAX_BO_ALIGNMENT: u64 = 2 << 20;

/// Does a driver playing accel core revision `rev` have the alignment
/// member of BO_CREATE? Read from the generated revision-aware copy size,
/// so the revision that added it is stated only in the spec.
fn has_bo_alignment(rev: u32) -> bool {
    let end = std::mem::offset_of!(accel_uapi::BoCreate, alignment)
        + std::mem::size_of_val(&accel_uapi::BoCreate::ZERO.alignment);
    accel_kernel::size_bo_create_at(rev) >= end
}

/// Does a driver playing accel core revision `rev` accept BO flag `flag`?
fn has_bo_flag(rev: u32, flag: u32) -> bool {
    let arg = accel_uapi::BoCreate {
        size: 1,
        flags: flag,
        ..accel_uapi::BoCreate::ZERO
    };
    accel_kernel::validate_bo_create_at(&arg, rev).is_ok()
}

/// Does a driver playing accel core revision `rev` know parameter `id`?
fn has_param(rev: u32, id: u32) -> bool {
    let arg = accel_uapi::GetParam {
        param: id,
        ..accel_uapi::GetParam::ZERO
    };
    accel_kernel::validate_get_param_at(&arg, rev).is_ok()
}

/// The capabilities a driver of accel core revision `rev` can announce.
/// Every capability added after revision 1 announces an ABI item (a
/// member, a flag, a parameter), and a revision without the item did not
/// have the feature; each is tied to its item here through the generated
/// revision-aware checks, so no revision number is restated. The
/// compatibility matrix checks the result against the capabilities the
/// frozen revision-1 spec defines.
pub fn capabilities_at(rev: u32) -> u32 {
    use accel_uapi::{bo_flags, capabilities as c};
    let mut caps = c::ALL;
    if !has_bo_alignment(rev) {
        caps &= !c::BO_ALIGNMENT;
    }
    if !has_bo_flag(rev, bo_flags::DEVICE_READ_ONLY) {
        caps &= !c::READ_ONLY_BO;
    }
    caps
}

/// The softaccel capabilities a driver of softaccel revision `rev` can
/// announce, tied to their items as in [`capabilities_at`]: the xor-u32
/// opcode and the QUEUE_INFO, CONTROL and RING_QUEUE_CREATE ioctls.
pub fn device_capabilities_at(rev: u32) -> u32 {
    let mut caps = device_caps::ALL;
    let xor = uapi::Cmd {
        opcode: uapi::opcode::XOR_U32,
        ..uapi::Cmd::ZERO
    };
    if softaccel_kernel::validate_cmd_at(&xor, rev).is_err() {
        caps &= !device_caps::XOR_U32;
    }
    let has_ioctl = |nr: u8| uapi::IOCTLS.iter().any(|d| d.nr == nr && d.since <= rev);
    for (nr, cap) in [
        (uapi::NR_QUEUE_INFO, device_caps::QUEUE_INFO),
        (uapi::NR_CONTROL, device_caps::CONTROL),
        (uapi::NR_RING_QUEUE_CREATE, device_caps::RINGS),
    ] {
        if !has_ioctl(nr) {
            caps &= !cap;
        }
    }
    caps
}

fn host_page_size() -> u32 {
    u32::try_from(rustix::param::page_size()).unwrap_or(u32::MAX)
}

impl DeviceConfig {
    fn check(&self) -> Result<(), Errno> {
        let ok = (1..=crate::uapi::REVISION).contains(&self.revision)
            && (1..=accel_uapi::REVISION).contains(&self.core_revision)
            && accel_uapi::capabilities::is_valid(self.capabilities)
            && device_caps::is_valid(self.device_capabilities)
            // A revision with features of its own announces them through
            // the core's device-capabilities parameter, so the core
            // revision must have it.
            && (device_capabilities_at(self.revision) == 0
                || has_param(self.core_revision, accel_uapi::param::DEVICE_CAPABILITIES))
            && self.max_bo_alignment.is_power_of_two()
            && self.max_bo_alignment >= u64::from(self.page_size)
            && self.max_bo_alignment <= accel_uapi::MAX_BO_SIZE
            && self.page_size.is_power_of_two()
            && self.page_size >= accel_uapi::MIN_PAGE_SIZE
            && self.page_size.is_multiple_of(host_page_size())
            && self.max_bo_size >= u64::from(self.page_size)
            && self.max_bo_size <= accel_uapi::MAX_BO_SIZE
            && (1..=accel_uapi::MAX_QUEUES).contains(&self.num_queues_max)
            && (1..=MAX_ENGINES).contains(&self.engine_count);
        if ok { Ok(()) } else { Err(Errno::EINVAL) }
    }

    /// The capabilities parameter: the device's capabilities that its
    /// core revision defines.
    pub fn effective_capabilities(&self) -> u32 {
        self.capabilities & capabilities_at(self.core_revision)
    }

    /// The device-capabilities parameter: the device's own capabilities
    /// that its softaccel revision defines.
    pub fn effective_device_capabilities(&self) -> u32 {
        self.device_capabilities & device_capabilities_at(self.revision)
    }

    /// The max-bo-alignment parameter: 0 without the bo-alignment
    /// capability.
    pub fn effective_max_bo_alignment(&self) -> u64 {
        if self.has(accel_uapi::capabilities::BO_ALIGNMENT) {
            self.max_bo_alignment
        } else {
            0
        }
    }

    /// Does the device announce core capability `capability`? What is not
    /// announced is not accepted either.
    pub(crate) fn has(&self, capability: u32) -> bool {
        self.effective_capabilities() & capability != 0
    }

    /// Does the device announce softaccel capability `capability`?
    pub(crate) fn has_device(&self, capability: u32) -> bool {
        self.effective_device_capabilities() & capability != 0
    }
}

/// A snapshot of the device's counters. The `live`-style fields count
/// objects that exist right now (tests use them to prove that closing a
/// file leaks nothing); the others count events since the device was
/// created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    /// Open files (`FileCtx` values not yet dropped).
    pub files: u64,
    /// Buffer objects whose memory is still allocated: held by a handle
    /// or by a submission not yet let go by its engine.
    pub bos: u64,
    /// Queues still referenced by a handle or by a submission.
    pub queues: u64,
    /// Submissions accepted by SUBMIT and not yet let go by an engine.
    pub pending_submissions: u64,
    /// Successful SUBMIT calls.
    pub submits: u64,
    /// Submissions whose commands all ran.
    pub submissions_completed: u64,
    /// Submissions dropped unrun, or stopped between commands, because
    /// their file was closed (or the device went away).
    pub submissions_cancelled: u64,
    /// Commands executed.
    pub cmds_completed: u64,
}

/// Shared by the device and every object that counts itself.
pub(crate) struct Stats {
    files: AtomicU64,
    bos: AtomicU64,
    queues: AtomicU64,
    pending: Mutex<u64>,
    idle: Condvar,
    pub(crate) submits: AtomicU64,
    pub(crate) completed: AtomicU64,
    pub(crate) cancelled: AtomicU64,
    pub(crate) cmds: AtomicU64,
    /// Bytes read plus bytes written by executed commands.
    pub(crate) bytes: AtomicU64,
    /// Submissions and control requests rejected.
    pub(crate) errors: AtomicU64,
    /// The time-slice-ns tunable: how long an engine runs one
    /// submission's commands before it lets other ready queues of the
    /// same or a higher priority go first. Here, not on the device,
    /// because the engine threads read it.
    pub(crate) time_slice_ns: AtomicU64,
}

/// Which live-object counter a [`Live`] guard holds.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    File,
    Bo,
    Queue,
}

impl Stats {
    fn counter(&self, kind: Kind) -> &AtomicU64 {
        match kind {
            Kind::File => &self.files,
            Kind::Bo => &self.bos,
            Kind::Queue => &self.queues,
        }
    }
}

/// Counts one live object for as long as it exists.
pub(crate) struct Live {
    stats: Arc<Stats>,
    kind: Kind,
}

impl Live {
    pub(crate) fn new(stats: &Arc<Stats>, kind: Kind) -> Live {
        stats.counter(kind).fetch_add(1, Ordering::Relaxed);
        Live {
            stats: stats.clone(),
            kind,
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.stats
            .counter(self.kind)
            .fetch_sub(1, Ordering::Relaxed);
    }
}

/// Counts one pending submission; dropping it wakes [`Device::wait_idle`].
/// A submission declares it as its last field, so it is released after
/// the submission's BO and queue references.
pub(crate) struct Pending {
    stats: Arc<Stats>,
}

impl Pending {
    pub(crate) fn new(stats: &Arc<Stats>) -> Pending {
        *lock(&stats.pending) += 1;
        Pending {
            stats: stats.clone(),
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        let mut n = lock(&self.stats.pending);
        *n = n.saturating_sub(1);
        if *n == 0 {
            self.stats.idle.notify_all();
        }
    }
}

/// The credentials of the opener that matter to this device, captured at
/// open as a kernel driver reads them from the file's `f_cred`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Creds {
    /// CAP_SYS_NICE: needed for realtime queues.
    pub cap_sys_nice: bool,
    /// CAP_SYS_ADMIN: needed for what the spec marks admin-perm.
    pub privileged: bool,
}

impl Creds {
    /// The calling process's effective capabilities.
    pub fn current() -> Creds {
        use rustix::thread::CapabilitySet;
        let eff = rustix::thread::capabilities(None)
            .map(|c| c.effective)
            .unwrap_or(CapabilitySet::empty());
        Creds {
            cap_sys_nice: eff.contains(CapabilitySet::SYS_NICE),
            privileged: eff.contains(CapabilitySet::SYS_ADMIN),
        }
    }
}

/// One softaccel device: its configuration, engines and counters. Shared
/// (`Arc`) by every file opened on it.
pub struct Device {
    pub(crate) config: DeviceConfig,
    pub(crate) stats: Arc<Stats>,
    pub(crate) engines: Engines,
    /// The power-state enum value the control path last set (full = 0).
    pub(crate) power_state: AtomicU32,
    /// This device, for the threads that outlive an ioctl (ring pollers)
    /// and must not keep the device alive.
    pub(crate) me: std::sync::Weak<Device>,
}

impl Device {
    /// Creates a device and starts its engine threads. EINVAL for a
    /// configuration the ABI does not allow; the host's errno if a thread
    /// cannot be started.
    pub fn new(config: DeviceConfig) -> Result<Arc<Device>, Errno> {
        config.check()?;
        let stats = Arc::new(Stats {
            files: AtomicU64::new(0),
            bos: AtomicU64::new(0),
            queues: AtomicU64::new(0),
            pending: Mutex::new(0),
            idle: Condvar::new(),
            submits: AtomicU64::new(0),
            completed: AtomicU64::new(0),
            cancelled: AtomicU64::new(0),
            cmds: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            time_slice_ns: AtomicU64::new(crate::control::DEFAULT_TIME_SLICE_NS),
        });
        let engines = Engines::start(config.engine_count, &stats)?;
        Ok(Arc::new_cyclic(|me| Device {
            config,
            stats,
            engines,
            power_state: AtomicU32::new(uapi::power_state::FULL),
            me: me.clone(),
        }))
    }

    pub fn config(&self) -> &DeviceConfig {
        &self.config
    }

    /// Whether new work may be queued: EAGAIN while the device is in the
    /// low power state (see the power-state enum of the spec).
    pub(crate) fn accepting_work(&self) -> Result<(), Errno> {
        if self.power_state.load(Ordering::Acquire) == uapi::power_state::FULL {
            Ok(())
        } else {
            Err(Errno::EAGAIN)
        }
    }

    pub fn counters(&self) -> Counters {
        let s = &self.stats;
        Counters {
            files: s.files.load(Ordering::Relaxed),
            bos: s.bos.load(Ordering::Relaxed),
            queues: s.queues.load(Ordering::Relaxed),
            pending_submissions: *lock(&s.pending),
            submits: s.submits.load(Ordering::Relaxed),
            submissions_completed: s.completed.load(Ordering::Relaxed),
            submissions_cancelled: s.cancelled.load(Ordering::Relaxed),
            cmds_completed: s.cmds.load(Ordering::Relaxed),
        }
    }

    /// Blocks until no submission is pending (every engine has let go of
    /// every submission and the BOs it held), or `timeout` passes; returns
    /// whether the device became idle.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut n = lock(&self.stats.pending);
        while *n != 0 {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            n = match self.stats.idle.wait_timeout(n, deadline - now) {
                Ok((g, _)) => g,
                Err(e) => e.into_inner().0,
            };
        }
        true
    }

    /// Stops the engines from starting new submissions while `paused`
    /// (a running one finishes), like stopping a hardware scheduler from
    /// debugfs. Submissions still queue up to the in-flight limit; tests
    /// use this to hold work in flight deterministically.
    pub fn set_paused(&self, paused: bool) {
        self.engines.set_paused(paused);
    }

    /// The driver's `open`: a new file with empty handle namespaces and
    /// the calling process's credentials.
    pub fn open(&self) -> Result<FileCtx, Errno> {
        self.open_with(Creds::current())
    }

    /// [`Device::open`] with explicit credentials (tests of EPERM paths).
    pub fn open_with(&self, creds: Creds) -> Result<FileCtx, Errno> {
        let memfd = rustix::fs::memfd_create("softaccel-bo", rustix::fs::MemfdFlags::CLOEXEC)
            .map_err(host_errno)?;
        Ok(FileCtx {
            shared: Arc::new(FileShared::new()),
            memfd: Arc::new(memfd),
            state: Arc::new(Mutex::new(FileState {
                bos: HashMap::new(),
                queues: HashMap::new(),
                next_bo: 1,
                next_queue: 1,
                next_offset: u64::from(self.config.page_size),
                closed: false,
            })),
            creds,
            _live: Live::new(&self.stats, Kind::File),
        })
    }

    /// The driver's `release`: frees every object `file` owns. Pending
    /// submissions of the file are cancelled (a running one stops before
    /// its next command); the memory of their BOs is freed as soon as the
    /// engines let go of them, which [`Device::wait_idle`] waits for.
    /// Idempotent; later ioctls on the file fail with EBADF.
    pub fn release(&self, file: &FileCtx) {
        file.shared.close();
        let (bos, queues) = {
            let mut st = lock(&file.state);
            st.closed = true;
            (std::mem::take(&mut st.bos), std::mem::take(&mut st.queues))
        };
        self.engines.cancel_file(&file.shared);
        drop(bos);
        drop(queues);
    }
}

/// Everything one open file owns. Created by [`Device::open`], torn down
/// by [`Device::release`].
pub struct FileCtx {
    /// What this file's submissions share with it: perf counters and the
    /// closed flag.
    pub(crate) shared: Arc<FileShared>,
    /// Backing store of this file's BOs; a BO's range in it starts at its
    /// mmap offset. Shared with the BOs so they can give pages back.
    pub(crate) memfd: Arc<OwnedFd>,
    /// Shared (weakly) with the file's ring pollers, which resolve BO
    /// handles in it.
    pub(crate) state: Arc<Mutex<FileState>>,
    pub(crate) creds: Creds,
    _live: Live,
}

/// The handle namespaces of one file.
pub(crate) struct FileState {
    pub(crate) bos: HashMap<u32, Arc<Bo>>,
    pub(crate) queues: HashMap<u32, Arc<Queue>>,
    pub(crate) next_bo: u32,
    pub(crate) next_queue: u32,
    /// Where the next BO's range starts in the memfd. Ranges are never
    /// reused, so a mapping that outlives its BO can never alias another.
    pub(crate) next_offset: u64,
    pub(crate) closed: bool,
}

impl FileCtx {
    /// The file this open file's BO memory lives in: what `mmap()` on the
    /// device node would map at a BO's mmap offset.
    pub fn memory(&self) -> BorrowedFd<'_> {
        self.memfd.as_fd()
    }

    /// The handle namespaces, or EBADF once the file was released.
    pub(crate) fn state(&self) -> Result<MutexGuard<'_, FileState>, Errno> {
        let st = lock(&self.state);
        if st.closed {
            return Err(Errno::EBADF);
        }
        Ok(st)
    }
}

/// Hands out the next free handle of a namespace, cyclically (as
/// `xa_alloc_cyclic` does) so a destroyed handle is not at once reused:
/// a stale handle keeps failing with ENOENT for as long as possible.
pub(crate) fn alloc_handle<V>(map: &HashMap<u32, V>, next: &mut u32) -> Result<u32, Errno> {
    if map.len() >= u32::MAX as usize {
        return Err(Errno::ENOMEM);
    }
    loop {
        let h = *next;
        *next = match next.wrapping_add(1) {
            0 => 1,
            n => n,
        };
        if h != 0 && !map.contains_key(&h) {
            return Ok(h);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use accel_uapi::capabilities as c;

    #[test]
    fn capabilities_follow_the_revision_that_added_their_item() {
        let r2 = c::BO_ALIGNMENT | c::READ_ONLY_BO;
        assert_eq!(capabilities_at(1), c::ALL & !r2);
        assert_eq!(capabilities_at(accel_uapi::REVISION), c::ALL);
        assert_eq!(device_capabilities_at(1), 0);
        assert_eq!(device_capabilities_at(uapi::REVISION), device_caps::ALL);
    }

    #[test]
    fn an_old_revision_announces_none_of_the_later_features() {
        let old = DeviceConfig {
            revision: 1,
            core_revision: 1,
            ..DeviceConfig::default()
        };
        assert_eq!(old.check(), Ok(()));
        assert_eq!(old.effective_capabilities(), capabilities_at(1));
        assert_eq!(old.effective_device_capabilities(), 0);
        assert_eq!(old.effective_max_bo_alignment(), 0);
        let new = DeviceConfig::default();
        assert_eq!(new.effective_capabilities(), c::ALL);
        assert_eq!(new.effective_max_bo_alignment(), DEFAULT_MAX_BO_ALIGNMENT);
        let no_align = DeviceConfig {
            capabilities: c::ALL & !c::BO_ALIGNMENT,
            ..DeviceConfig::default()
        };
        assert_eq!(no_align.effective_max_bo_alignment(), 0);
    }

    #[test]
    fn inconsistent_configurations_are_refused() {
        // softaccel 2 announces its features through a core-2 parameter.
        let split = DeviceConfig {
            revision: 2,
            core_revision: 1,
            ..DeviceConfig::default()
        };
        assert_eq!(split.check(), Err(Errno::EINVAL));
        let core_only = DeviceConfig {
            revision: 1,
            core_revision: 2,
            ..DeviceConfig::default()
        };
        assert_eq!(core_only.check(), Ok(()));
        for max_bo_alignment in [0, 4097, 1 << 33] {
            let bad = DeviceConfig {
                max_bo_alignment,
                ..DeviceConfig::default()
            };
            assert_eq!(bad.check(), Err(Errno::EINVAL), "{max_bo_alignment}");
        }
        let bad = DeviceConfig {
            device_capabilities: device_caps::ALL << 1,
            ..DeviceConfig::default()
        };
        assert_eq!(bad.check(), Err(Errno::EINVAL));
    }
}

thread_local! {
    /// Whether the task making the current call is privileged, when the
    /// frontend knows it per call (the device node reads it from each FUSE
    /// request): what `capable(CAP_SYS_ADMIN)` checks in a kernel driver,
    /// which looks at the current task, not at the opener.
    static CALLER_PRIVILEGED: std::cell::Cell<Option<bool>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` as a call of a task that is (or is not) privileged.
pub(crate) fn as_caller<R>(privileged: bool, f: impl FnOnce() -> R) -> R {
    let before = CALLER_PRIVILEGED.with(|c| c.replace(Some(privileged)));
    let r = f();
    CALLER_PRIVILEGED.with(|c| c.set(before));
    r
}

/// The current caller's privilege, if the frontend said.
pub(crate) fn caller_privileged() -> Option<bool> {
    CALLER_PRIVILEGED.with(std::cell::Cell::get)
}
