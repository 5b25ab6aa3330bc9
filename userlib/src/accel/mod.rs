//! The common part of every accel device (spec `accel-core.yaml`): the
//! device handle, parameters and capabilities, buffer objects and queues.
//!
//! A device library (like [`crate::softaccel`]) wraps [`Device`] and adds
//! its own ioctls beside these; this module knows nothing about any one
//! device. Commands run asynchronously, so the common part also keeps track
//! of which submissions may still touch a BO ([`Fence`], [`Bo::track`]):
//! that is what lets [`Bo::map`] hand out plain slices soundly.
//!
//! Features added after revision 1 (BO alignment, device-read-only BOs, and
//! a device spec's own features) are discovered from the capabilities and
//! device-capabilities parameters, read once and kept. A call that needs a
//! feature the device does not announce fails with
//! [`Error::FeatureUnsupported`] before reaching the driver; a driver that
//! predates the device-capabilities parameter (it answers EINVAL, as for
//! any parameter it does not know) announces no device feature.

mod bo;
mod queue;

pub use bo::{Bo, BoAt, BoFlags, BoInfo, BoMap, Element};
pub use queue::{Fence, Queue, QueueFlags, QueuePriority, WaitFn};

use crate::error::{Error, Result};
use accel_user::{self, FdTransport, Transport, uapi};
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

/// An open accel device: one open file description, with its own handle
/// namespace, and the ABI revisions its driver reported at open.
///
/// Every method takes `&self`, so a `Device` can be shared between
/// threads; BOs and queues borrow it and cannot outlive it.
pub struct Device<T: Transport = FdTransport> {
    transport: T,
    core_revision: u32,
    device_revision: u32,
    /// The capabilities and device-capabilities parameters, read-only for
    /// the device's lifetime: asked once, on first use.
    capabilities: OnceLock<Capabilities>,
    device_capabilities: OnceLock<u32>,
}

impl Device<FdTransport> {
    /// Opens a device node (e.g. `/dev/accel/accel0`) read-write.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let t = FdTransport::open(path.as_ref()).map_err(|e| Error::from_errno("open", e))?;
        Device::new(t)
    }
}

impl<T: Transport> Device<T> {
    /// Wraps an open transport (a device file, or a driver in this process)
    /// and reads the revisions its driver implements. A driver reporting
    /// revision 0 is refused: no ABI revision has that number.
    pub fn new(transport: T) -> Result<Self> {
        // Which revisions the driver has is itself an ioctl question;
        // GET_PARAM exists from its own `since` on, the oldest the library
        // can ask in.
        let bootstrap = uapi::IOCTLS
            .iter()
            .find(|d| d.nr == uapi::NR_GET_PARAM)
            .map_or(uapi::REVISION, |d| d.since);
        let read = |param: u32, name: &'static str| -> Result<u32> {
            let v = get_param(&transport, bootstrap, param)?;
            match u32::try_from(v) {
                Ok(0) | Err(_) => Err(Error::BadRevision { param: name }),
                Ok(r) => Ok(r),
            }
        };
        let core_revision = read(uapi::param::CORE_REVISION, "core-revision")?;
        let device_revision = read(uapi::param::REVISION, "revision")?;
        Ok(Device {
            transport,
            core_revision,
            device_revision,
            capabilities: OnceLock::new(),
            device_capabilities: OnceLock::new(),
        })
    }

    /// The accel core ABI revision the driver implements (the
    /// core-revision parameter), checked against each core ioctl's `since`.
    pub fn core_revision(&self) -> u32 {
        self.core_revision
    }

    /// The device-specific ABI revision the driver implements (the
    /// revision parameter), checked against each device ioctl's `since`.
    pub fn device_revision(&self) -> u32 {
        self.device_revision
    }

    /// Does the driver have the core ioctl called `name` in the spec (e.g.
    /// `"bo-info"`)? Calls it does not have fail with
    /// [`Error::Unsupported`] without reaching the driver.
    pub fn supports(&self, name: &str) -> bool {
        accel_user::supported(name, self.core_revision)
    }

    /// The transport, for a device library's own ioctls.
    ///
    /// # Safety
    ///
    /// [`Bo::map`] hands out slices of BO memory on the promise that no
    /// command writes the BO meanwhile. Work submitted through the transport
    /// must therefore be announced before the BOs it touches are mapped
    /// again: a [`Fence`] from [`Queue::fence`] for the submission, passed to
    /// [`Bo::track`] for each BO it accesses.
    pub unsafe fn transport(&self) -> &T {
        &self.transport
    }

    pub(crate) fn t(&self) -> &T {
        &self.transport
    }

    /// Reads a parameter.
    pub fn param(&self, param: Param) -> Result<u64> {
        self.raw_param(param.id())
    }

    /// Reads a parameter by its numeric id, for ids newer than this library.
    pub fn raw_param(&self, id: u32) -> Result<u64> {
        get_param(&self.transport, self.core_revision, id)
    }

    /// Reads a parameter the driver may not know: `None` if it answers
    /// EINVAL, which GET_PARAM does for an unknown parameter (the argument
    /// it is sent is otherwise valid). How a parameter added after
    /// revision 1 is probed.
    pub fn param_if_known(&self, param: Param) -> Result<Option<u64>> {
        match self.param(param) {
            Ok(v) => Ok(Some(v)),
            Err(Error::InvalidArgument { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes a read-write parameter, for this open file only.
    pub fn set_param(&self, param: Param, value: u64) -> Result<()> {
        let mut arg = uapi::SetParam {
            param: param.id(),
            value,
            ..uapi::SetParam::ZERO
        };
        accel_user::set_param(&self.transport, self.core_revision, &mut arg)?;
        Ok(())
    }

    /// The device's optional features. Bits this library does not know
    /// (from a newer driver) are kept. Read once; the parameter does not
    /// change while the device exists.
    pub fn capabilities(&self) -> Result<Capabilities> {
        if let Some(c) = self.capabilities.get() {
            return Ok(*c);
        }
        let v = self.param(Param::Capabilities)?;
        // The parameter is a u32 mask widened to u64; nothing is lost.
        Ok(*self
            .capabilities
            .get_or_init(|| Capabilities::from_bits_retain(v as u32)))
    }

    /// The device spec's own capability bits (the device-capabilities
    /// parameter; a device library gives them names), 0 from a driver
    /// that predates the parameter. Read once.
    pub fn device_capabilities(&self) -> Result<u32> {
        if let Some(c) = self.device_capabilities.get() {
            return Ok(*c);
        }
        // A u32 mask widened to u64, like capabilities.
        let v = self.param_if_known(Param::DeviceCapabilities)?.unwrap_or(0) as u32;
        Ok(*self.device_capabilities.get_or_init(|| v))
    }

    /// Fails with [`Error::FeatureUnsupported`] for `what` unless the device
    /// announces `capability` (named `name` in the spec).
    pub fn require(
        &self,
        capability: Capabilities,
        what: &'static str,
        name: &'static str,
    ) -> Result<()> {
        if self.capabilities()?.contains(capability) {
            Ok(())
        } else {
            Err(Error::FeatureUnsupported {
                what,
                capability: name,
            })
        }
    }

    /// The largest alignment [`Device::create_bo_aligned`] accepts. Needs
    /// [`Capabilities::BO_ALIGNMENT`].
    pub fn max_bo_alignment(&self) -> Result<u64> {
        self.require(
            Capabilities::BO_ALIGNMENT,
            "max-bo-alignment",
            "bo-alignment",
        )?;
        self.param(Param::MaxBoAlignment)
    }

    /// Every read-only parameter at once.
    pub fn info(&self) -> Result<DeviceInfo> {
        let capabilities = self.capabilities()?;
        let max_bo_alignment = if capabilities.contains(Capabilities::BO_ALIGNMENT) {
            self.param(Param::MaxBoAlignment)?
        } else {
            0
        };
        Ok(DeviceInfo {
            device_id: self.param(Param::DeviceId)?,
            revision: self.device_revision,
            core_revision: self.core_revision,
            capabilities,
            device_capabilities: self.device_capabilities()?,
            max_bo_size: self.param(Param::MaxBoSize)?,
            num_queues_max: self.param(Param::NumQueuesMax)?,
            page_size: self.param(Param::PageSize)?,
            engine_count: self.param(Param::EngineCount)?,
            clock_freq_hz: self.param(Param::ClockFreqHz)?,
            max_bo_alignment,
        })
    }

    /// Starts or stops collecting this file's performance counters
    /// (needs [`Capabilities::PERF_STATS`]).
    pub fn set_perf_stats_enabled(&self, enabled: bool) -> Result<()> {
        self.set_param(Param::PerfStatsEnable, u64::from(enabled))
    }

    /// Is performance-counter collection on for this file?
    pub fn perf_stats_enabled(&self) -> Result<bool> {
        Ok(self.param(Param::PerfStatsEnable)? != 0)
    }

    /// Allocates a zeroed BO of at least `size` bytes (rounded up to the
    /// page size), destroyed when the returned [`Bo`] is dropped.
    pub fn create_bo(&self, size: u64, flags: BoFlags) -> Result<Bo<'_, T>> {
        Bo::create(self, size, flags, 0)
    }

    /// [`Device::create_bo`] placed at a multiple of `alignment` (a power
    /// of two, at most [`Device::max_bo_alignment`]), which is also the
    /// BO's mmap offset if it is host-visible. 0 is the page size, as with
    /// `create_bo`; any other value needs [`Capabilities::BO_ALIGNMENT`],
    /// without which the call fails with [`Error::FeatureUnsupported`]
    /// (a revision-1 driver would silently ignore the alignment).
    pub fn create_bo_aligned(
        &self,
        size: u64,
        flags: BoFlags,
        alignment: u64,
    ) -> Result<Bo<'_, T>> {
        Bo::create(self, size, flags, alignment)
    }

    /// Creates a queue, destroyed when the returned [`Queue`] is dropped.
    pub fn create_queue(&self, priority: QueuePriority, flags: QueueFlags) -> Result<Queue<'_, T>> {
        Queue::create(self, priority, flags)
    }
}

impl<T: Transport> std::fmt::Debug for Device<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("core_revision", &self.core_revision)
            .field("device_revision", &self.device_revision)
            .finish_non_exhaustive()
    }
}

fn get_param<T: Transport + ?Sized>(t: &T, revision: u32, id: u32) -> Result<u64> {
    let mut arg = uapi::GetParam {
        param: id,
        ..uapi::GetParam::ZERO
    };
    accel_user::get_param(t, revision, &mut arg)?;
    Ok(arg.value)
}

/// A parameter of GET_PARAM / SET_PARAM (see the spec's `param` enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Param {
    /// PCI device ID, or 0 off PCI.
    DeviceId,
    /// The device-specific ABI revision.
    Revision,
    /// The accel core ABI revision.
    CoreRevision,
    /// Mask of [`Capabilities`].
    Capabilities,
    /// Largest BO size in bytes.
    MaxBoSize,
    /// Most queues one open file may hold.
    NumQueuesMax,
    /// Granularity of BO sizes and mmap offsets.
    PageSize,
    /// Number of execution engines.
    EngineCount,
    /// Nominal clock in hertz, or 0.
    ClockFreqHz,
    /// Read-write, per file: 1 while perf counters are collected.
    PerfStatsEnable,
    /// Largest BO alignment, 0 without [`Capabilities::BO_ALIGNMENT`]
    /// (revision 2: unknown to older drivers).
    MaxBoAlignment,
    /// The device spec's own capabilities (revision 2: unknown to older
    /// drivers).
    DeviceCapabilities,
}

impl Param {
    /// Every parameter, in spec order.
    pub const ALL: [Param; 12] = [
        Param::DeviceId,
        Param::Revision,
        Param::CoreRevision,
        Param::Capabilities,
        Param::MaxBoSize,
        Param::NumQueuesMax,
        Param::PageSize,
        Param::EngineCount,
        Param::ClockFreqHz,
        Param::PerfStatsEnable,
        Param::MaxBoAlignment,
        Param::DeviceCapabilities,
    ];

    /// The numeric id the ioctls carry.
    pub fn id(self) -> u32 {
        use uapi::param as p;
        match self {
            Param::DeviceId => p::DEVICE_ID,
            Param::Revision => p::REVISION,
            Param::CoreRevision => p::CORE_REVISION,
            Param::Capabilities => p::CAPABILITIES,
            Param::MaxBoSize => p::MAX_BO_SIZE,
            Param::NumQueuesMax => p::NUM_QUEUES_MAX,
            Param::PageSize => p::PAGE_SIZE,
            Param::EngineCount => p::ENGINE_COUNT,
            Param::ClockFreqHz => p::CLOCK_FREQ_HZ,
            Param::PerfStatsEnable => p::PERF_STATS_ENABLE,
            Param::MaxBoAlignment => p::MAX_BO_ALIGNMENT,
            Param::DeviceCapabilities => p::DEVICE_CAPABILITIES,
        }
    }
}

bitflags::bitflags! {
    /// Optional device features (the capabilities parameter).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct Capabilities: u32 {
        /// BOs can be created host-visible and mapped.
        const HOST_VISIBLE_BO = uapi::capabilities::HOST_VISIBLE_BO;
        /// BOs can be created write-combined.
        const WRITE_COMBINE_BO = uapi::capabilities::WRITE_COMBINE_BO;
        /// Queue priorities other than normal are honoured.
        const QUEUE_PRIORITY = uapi::capabilities::QUEUE_PRIORITY;
        /// Queues accept the turbo flag.
        const TURBO_QUEUE = uapi::capabilities::TURBO_QUEUE;
        /// Performance counters.
        const PERF_STATS = uapi::capabilities::PERF_STATS;
        /// Commands can write CLOCK_MONOTONIC timestamps.
        const TIMESTAMPS = uapi::capabilities::TIMESTAMPS;
        /// BOs can be created with an alignment
        /// ([`Device::create_bo_aligned`]); revision 2.
        const BO_ALIGNMENT = uapi::capabilities::BO_ALIGNMENT;
        /// BOs can be created device-read-only
        /// ([`BoFlags::DEVICE_READ_ONLY`]); revision 2.
        const READ_ONLY_BO = uapi::capabilities::READ_ONLY_BO;
        // A newer driver's bits are kept, not dropped.
        const _ = !0;
    }
}

/// The device's read-only parameters, read at once by [`Device::info`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceInfo {
    pub device_id: u64,
    pub revision: u32,
    pub core_revision: u32,
    pub capabilities: Capabilities,
    /// The device spec's own capability bits; 0 from a revision-1 driver.
    pub device_capabilities: u32,
    pub max_bo_size: u64,
    pub num_queues_max: u64,
    pub page_size: u64,
    pub engine_count: u64,
    pub clock_freq_hz: u64,
    /// 0 without [`Capabilities::BO_ALIGNMENT`].
    pub max_bo_alignment: u64,
}

/// CLOCK_MONOTONIC now, in nanoseconds: the clock of WAIT's deadlines and
/// of timestamp commands.
pub fn monotonic_now_ns() -> i64 {
    let ts = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    ts.tv_sec
        .saturating_mul(1_000_000_000)
        .saturating_add(ts.tv_nsec)
}

/// The absolute CLOCK_MONOTONIC deadline `timeout` from now, saturating
/// at "never".
pub fn deadline_after(timeout: Duration) -> i64 {
    let ns = i64::try_from(timeout.as_nanos()).unwrap_or(i64::MAX);
    monotonic_now_ns().saturating_add(ns)
}

/// A deadline that never passes.
pub const NEVER: i64 = i64::MAX;
