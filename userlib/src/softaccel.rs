//! The softaccel device's own part (spec `softaccel.yaml`): command
//! batches, waiting, performance counters. Everything common to accel
//! devices is reached through [`Device`]'s `Deref` to [`accel::Device`].
//!
//! Revision 2 adds the xor-u32 command ([`Batch::xor_u32`]) and
//! QUEUE_INFO ([`Device::queue_info`]). Each is announced by a bit of
//! [`DeviceCaps`] and checked before the call; a device without it
//! (a revision-1 driver among them) gives [`Error::FeatureUnsupported`].

use crate::accel::{self, Bo, BoAt, Fence, Queue, QueueFlags, QueuePriority};
use crate::error::{Error, Result};
use softaccel_user::{self, FdTransport, Transport, uapi};
use std::path::Path;

bitflags::bitflags! {
    /// softaccel's own optional features (its `device-caps` flags, which the
    /// core's device-capabilities parameter reports).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct DeviceCaps: u32 {
        /// [`Batch::xor_u32`] commands; revision 2.
        const XOR_U32 = uapi::device_caps::XOR_U32;
        /// [`Device::queue_info`]; revision 2.
        const QUEUE_INFO = uapi::device_caps::QUEUE_INFO;
        /// [`Device::create_ring_queue`]; revision 3.
        const RINGS = uapi::device_caps::RINGS;
        /// The control path ([`Device::status`] and the other calls of
        /// [`crate::control`]); revision 3.
        const CONTROL = uapi::device_caps::CONTROL;
        // A newer driver's bits are kept, not dropped.
        const _ = !0;
    }
}

/// What QUEUE_INFO reports about a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueueInfo {
    /// `None` for a value this library does not know.
    pub priority: Option<QueuePriority>,
    pub flags: QueueFlags,
    /// Submissions not yet completed.
    pub inflight: u32,
    /// The seqno the latest submission got (0: none yet).
    pub last_seqno: u64,
    /// Every submission up to this seqno has completed.
    pub completed_seqno: u64,
}

/// An open softaccel device. Derefs to the common [`accel::Device`] for
/// parameters, BOs and queues.
pub struct Device<T: Transport = FdTransport> {
    core: accel::Device<T>,
}

impl Device<FdTransport> {
    /// Opens a softaccel device node read-write.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Ok(Device {
            core: accel::Device::open(path)?,
        })
    }
}

impl<T: Transport> Device<T> {
    /// Wraps an open transport; see [`accel::Device::new`].
    pub fn new(transport: T) -> Result<Self> {
        Ok(Device {
            core: accel::Device::new(transport)?,
        })
    }

    /// Treats an open accel device as a softaccel.
    pub fn from_accel(core: accel::Device<T>) -> Self {
        Device { core }
    }

    /// The common part.
    pub fn accel(&self) -> &accel::Device<T> {
        &self.core
    }

    pub fn into_accel(self) -> accel::Device<T> {
        self.core
    }

    /// Does the driver have the ioctl called `name` in either spec (e.g.
    /// `"perf-stats"`, `"bo-create"`), each checked against its own spec's
    /// revision?
    pub fn supports(&self, name: &str) -> bool {
        self.core.supports(name) || softaccel_user::supported(name, self.core.device_revision())
    }

    /// softaccel's own optional features, as the device announces them
    /// (empty from a revision-1 driver). Read once.
    pub fn device_caps(&self) -> Result<DeviceCaps> {
        Ok(DeviceCaps::from_bits_retain(
            self.core.device_capabilities()?,
        ))
    }

    /// Fails with [`Error::FeatureUnsupported`] for `what` unless the device
    /// announces `caps` (named `name` in the spec).
    fn require(&self, caps: DeviceCaps, what: &'static str, name: &'static str) -> Result<()> {
        if self.device_caps()?.contains(caps) {
            Ok(())
        } else {
            Err(Error::FeatureUnsupported {
                what,
                capability: name,
            })
        }
    }

    /// How `queue` was created and how far its work has got, without
    /// blocking (QUEUE_INFO). Needs [`DeviceCaps::QUEUE_INFO`].
    pub fn queue_info(&self, queue: &Queue<'_, T>) -> Result<QueueInfo> {
        if !std::ptr::eq(queue.device(), &self.core) {
            return Err(Error::ForeignObject { what: "queue" });
        }
        self.require(DeviceCaps::QUEUE_INFO, "queue-info", "queue-info")?;
        let mut arg = uapi::QueueInfo {
            queue: queue.handle(),
            ..uapi::QueueInfo::ZERO
        };
        softaccel_user::queue_info(self.core.t(), self.core.device_revision(), &mut arg)?;
        Ok(QueueInfo {
            priority: QueuePriority::from_raw(arg.priority),
            flags: QueueFlags::from_bits_retain(arg.flags),
            inflight: arg.inflight,
            last_seqno: arg.last_seqno,
            completed_seqno: arg.completed_seqno,
        })
    }

    /// Queues `batch` on `queue` as one submission and returns its fence.
    /// The BOs the batch names are tracked: mapping one waits for it. A
    /// batch with a command the device does not announce (e.g.
    /// [`Batch::xor_u32`] without [`DeviceCaps::XOR_U32`]) fails with
    /// [`Error::FeatureUnsupported`] before anything is submitted.
    pub fn submit<'d>(
        &'d self,
        queue: &Queue<'d, T>,
        batch: &Batch<'_, T>,
    ) -> Result<Fence<'d, T>> {
        if !std::ptr::eq(queue.device(), &self.core) {
            return Err(Error::ForeignObject { what: "queue" });
        }
        if batch
            .bos
            .iter()
            .any(|bo| !std::ptr::eq(bo.device(), &self.core))
        {
            return Err(Error::ForeignObject { what: "BO" });
        }
        if batch.needs.contains(DeviceCaps::XOR_U32) {
            self.require(DeviceCaps::XOR_U32, "xor-u32 command", "xor-u32")?;
        }
        let mut arg = uapi::Submit {
            queue: queue.handle(),
            ..uapi::Submit::ZERO
        };
        softaccel_user::submit(
            self.core.t(),
            self.core.device_revision(),
            &mut arg,
            &batch.cmds,
        )?;
        // SAFETY: `wait` is this device's WAIT, which succeeds only once the
        // submission has completed (ETIMEDOUT otherwise).
        let fence = unsafe { queue.fence(arg.seqno, wait::<T>) };
        for bo in &batch.bos {
            bo.track(&fence)?;
        }
        Ok(fence)
    }

    /// Creates a ring-mode queue (RING_QUEUE_CREATE) with a submit ring of
    /// `submit_entries` and a complete ring of `complete_entries` entries
    /// (powers of two in 16..4096, complete at least submit) and maps both.
    /// Needs [`DeviceCaps::RINGS`].
    pub fn create_ring_queue(
        &self,
        priority: QueuePriority,
        submit_entries: u32,
        complete_entries: u32,
    ) -> Result<crate::ring::RingQueue<'_, T>> {
        self.require(DeviceCaps::RINGS, "ring-mode queue", "rings")?;
        crate::ring::RingQueue::create(&self.core, priority, submit_entries, complete_entries)
    }

    /// Reads this file's performance counters, resetting them after the
    /// read if `reset`. Needs
    /// [`Capabilities::PERF_STATS`](accel::Capabilities::PERF_STATS), and
    /// counts only while [`accel::Device::set_perf_stats_enabled`] is on.
    pub fn perf_stats(&self, reset: bool) -> Result<PerfStats> {
        let mut counters = vec![uapi::PerfCounter::ZERO; uapi::MAX_PERF_COUNTERS as usize];
        let mut arg = uapi::PerfStats {
            flags: if reset {
                uapi::perf_stats_flags::RESET
            } else {
                0
            },
            ..uapi::PerfStats::ZERO
        };
        softaccel_user::perf_stats(
            self.core.t(),
            self.core.device_revision(),
            &mut arg,
            &mut counters,
        )?;
        counters.truncate(arg.counter_count as usize);
        Ok(PerfStats {
            counters: counters
                .iter()
                .map(|c| PerfCounter {
                    id: PerfCounterId::from_raw(c.id),
                    value: c.value,
                })
                .collect(),
        })
    }

    /// How many counters the device implements, without reading any.
    pub fn perf_counter_count(&self) -> Result<u32> {
        let mut arg = uapi::PerfStats::ZERO;
        softaccel_user::perf_stats(
            self.core.t(),
            self.core.device_revision(),
            &mut arg,
            &mut [],
        )?;
        Ok(arg.counter_count)
    }
}

impl<T: Transport> std::ops::Deref for Device<T> {
    type Target = accel::Device<T>;

    fn deref(&self) -> &accel::Device<T> {
        &self.core
    }
}

impl<T: Transport> std::fmt::Debug for Device<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("softaccel::Device")
            .field(&self.core)
            .finish()
    }
}

/// softaccel's WAIT, as the common part's [`accel::WaitFn`].
pub(crate) fn wait<T: Transport>(
    dev: &accel::Device<T>,
    queue: u32,
    seqno: u64,
    deadline_ns: i64,
) -> Result<()> {
    let mut arg = uapi::Wait {
        queue,
        seqno,
        timeout_ns: deadline_ns,
        ..uapi::Wait::ZERO
    };
    softaccel_user::wait(dev.t(), dev.device_revision(), &mut arg)?;
    Ok(())
}

/// A batch of commands for one SUBMIT, built in order. Offsets are bytes;
/// `count`s of the add commands are elements. The driver validates every
/// command (ranges, alignment, overlap) when the batch is submitted.
pub struct Batch<'a, T: Transport> {
    cmds: Vec<uapi::Cmd>,
    bos: Vec<&'a Bo<'a, T>>,
    /// The optional features the commands use.
    needs: DeviceCaps,
}

impl<T: Transport> Default for Batch<'_, T> {
    fn default() -> Self {
        Batch {
            cmds: Vec::new(),
            bos: Vec::new(),
            needs: DeviceCaps::empty(),
        }
    }
}

impl<'a, T: Transport> Batch<'a, T> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.cmds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cmds.is_empty()
    }

    /// The command descriptors as SUBMIT will carry them.
    pub fn cmds(&self) -> &[uapi::Cmd] {
        &self.cmds
    }

    fn push(&mut self, cmd: uapi::Cmd, bos: &[Option<&'a Bo<'a, T>>]) -> &mut Self {
        self.cmds.push(cmd);
        for bo in bos.iter().flatten() {
            if !self.bos.iter().any(|b| std::ptr::eq(*b, *bo)) {
                self.bos.push(bo);
            }
        }
        self
    }

    /// Copies `len` bytes from `src` to `dst`.
    pub fn copy(
        &mut self,
        src: impl Into<BoAt<'a, T>>,
        dst: impl Into<BoAt<'a, T>>,
        len: u64,
    ) -> &mut Self {
        let (src, dst) = (src.into(), dst.into());
        let cmd = uapi::Cmd {
            opcode: uapi::opcode::COPY,
            src_bo: src.bo.handle(),
            src_offset: src.offset,
            dst_bo: dst.bo.handle(),
            dst_offset: dst.offset,
            length: len,
            ..uapi::Cmd::ZERO
        };
        self.push(cmd, &[Some(src.bo), Some(dst.bo)])
    }

    /// Fills `len` bytes of `dst` with the 8-byte little-endian `pattern`,
    /// repeated (and truncated at the end).
    pub fn fill(&mut self, dst: impl Into<BoAt<'a, T>>, len: u64, pattern: u64) -> &mut Self {
        let dst = dst.into();
        let cmd = uapi::Cmd {
            opcode: uapi::opcode::FILL,
            dst_bo: dst.bo.handle(),
            dst_offset: dst.offset,
            length: len,
            value: pattern,
            ..uapi::Cmd::ZERO
        };
        self.push(cmd, &[Some(dst.bo)])
    }

    /// Fills `count` u32 elements of `dst` with `value`.
    pub fn fill_u32(&mut self, dst: impl Into<BoAt<'a, T>>, count: u64, value: u32) -> &mut Self {
        let pattern = u64::from(value) | u64::from(value) << 32;
        self.fill(dst, count.saturating_mul(4), pattern)
    }

    /// Fills `count` f32 elements of `dst` with `value`.
    pub fn fill_f32(&mut self, dst: impl Into<BoAt<'a, T>>, count: u64, value: f32) -> &mut Self {
        self.fill_u32(dst, count, value.to_bits())
    }

    /// Writes to `dst` (4-byte aligned) the CRC-32C of `len` bytes of
    /// `src` as a little-endian u32, continuing from `seed` (0 for the
    /// standard CRC-32C; the CRC of preceding data to extend it).
    pub fn crc32c(
        &mut self,
        src: impl Into<BoAt<'a, T>>,
        dst: impl Into<BoAt<'a, T>>,
        len: u64,
        seed: u32,
    ) -> &mut Self {
        let (src, dst) = (src.into(), dst.into());
        let cmd = uapi::Cmd {
            opcode: uapi::opcode::CRC32C,
            src_bo: src.bo.handle(),
            src_offset: src.offset,
            dst_bo: dst.bo.handle(),
            dst_offset: dst.offset,
            length: len,
            value: u64::from(seed),
            ..uapi::Cmd::ZERO
        };
        self.push(cmd, &[Some(src.bo), Some(dst.bo)])
    }

    fn add(
        &mut self,
        opcode: u32,
        a: BoAt<'a, T>,
        b: BoAt<'a, T>,
        dst: BoAt<'a, T>,
        count: u64,
    ) -> &mut Self {
        let cmd = uapi::Cmd {
            opcode,
            src_bo: a.bo.handle(),
            src_offset: a.offset,
            src2_bo: b.bo.handle(),
            src2_offset: b.offset,
            dst_bo: dst.bo.handle(),
            dst_offset: dst.offset,
            length: count,
            ..uapi::Cmd::ZERO
        };
        self.push(cmd, &[Some(a.bo), Some(b.bo), Some(dst.bo)])
    }

    /// `dst[i] = a[i] + b[i]` (wrapping) for `count` u32 elements; offsets
    /// 4-byte aligned; `dst` may be `a` or `b` exactly.
    pub fn add_u32(
        &mut self,
        a: impl Into<BoAt<'a, T>>,
        b: impl Into<BoAt<'a, T>>,
        dst: impl Into<BoAt<'a, T>>,
        count: u64,
    ) -> &mut Self {
        self.add(uapi::opcode::ADD_U32, a.into(), b.into(), dst.into(), count)
    }

    /// `dst[i] = a[i] + b[i]` (IEEE 754, round to nearest even) for
    /// `count` f32 elements; same rules as [`add_u32`](Self::add_u32).
    pub fn add_f32(
        &mut self,
        a: impl Into<BoAt<'a, T>>,
        b: impl Into<BoAt<'a, T>>,
        dst: impl Into<BoAt<'a, T>>,
        count: u64,
    ) -> &mut Self {
        self.add(uapi::opcode::ADD_F32, a.into(), b.into(), dst.into(), count)
    }

    /// `dst[i] = a[i] ^ b[i]` for `count` u32 elements; same rules as
    /// [`add_u32`](Self::add_u32). Needs [`DeviceCaps::XOR_U32`], checked
    /// when the batch is submitted.
    pub fn xor_u32(
        &mut self,
        a: impl Into<BoAt<'a, T>>,
        b: impl Into<BoAt<'a, T>>,
        dst: impl Into<BoAt<'a, T>>,
        count: u64,
    ) -> &mut Self {
        self.needs |= DeviceCaps::XOR_U32;
        self.add(uapi::opcode::XOR_U32, a.into(), b.into(), dst.into(), count)
    }

    /// Writes the CLOCK_MONOTONIC time in ns, when the command runs, as a
    /// little-endian i64 to `dst` (8-byte aligned). Needs
    /// [`Capabilities::TIMESTAMPS`](accel::Capabilities::TIMESTAMPS).
    pub fn timestamp(&mut self, dst: impl Into<BoAt<'a, T>>) -> &mut Self {
        let dst = dst.into();
        let cmd = uapi::Cmd {
            opcode: uapi::opcode::TIMESTAMP,
            dst_bo: dst.bo.handle(),
            dst_offset: dst.offset,
            ..uapi::Cmd::ZERO
        };
        self.push(cmd, &[Some(dst.bo)])
    }

    /// Lets the most recently added command start before earlier ones on
    /// the queue complete: the caller asserts it neither depends on nor
    /// conflicts with them.
    ///
    /// # Panics
    ///
    /// If the batch is empty.
    pub fn unordered(&mut self) -> &mut Self {
        let last = self
            .cmds
            .last_mut()
            .expect("unordered() needs a command to apply to");
        last.flags |= uapi::cmd_flags::UNORDERED;
        self
    }
}

impl<T: Transport> std::fmt::Debug for Batch<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch").field("cmds", &self.cmds).finish()
    }
}

/// One performance counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PerfCounterId {
    /// Successful submits.
    Submits,
    /// Completed commands.
    CmdsCompleted,
    /// Bytes read from BOs by completed commands.
    BytesRead,
    /// Bytes written to BOs by completed commands.
    BytesWritten,
    /// Nanoseconds of execution, summed over engines.
    BusyNs,
    /// A counter newer than this library.
    Other(u32),
}

impl PerfCounterId {
    pub fn from_raw(id: u32) -> Self {
        use uapi::perf_counter_id as p;
        match id {
            p::SUBMITS => PerfCounterId::Submits,
            p::CMDS_COMPLETED => PerfCounterId::CmdsCompleted,
            p::BYTES_READ => PerfCounterId::BytesRead,
            p::BYTES_WRITTEN => PerfCounterId::BytesWritten,
            p::BUSY_NS => PerfCounterId::BusyNs,
            other => PerfCounterId::Other(other),
        }
    }

    pub fn raw(self) -> u32 {
        use uapi::perf_counter_id as p;
        match self {
            PerfCounterId::Submits => p::SUBMITS,
            PerfCounterId::CmdsCompleted => p::CMDS_COMPLETED,
            PerfCounterId::BytesRead => p::BYTES_READ,
            PerfCounterId::BytesWritten => p::BYTES_WRITTEN,
            PerfCounterId::BusyNs => p::BUSY_NS,
            PerfCounterId::Other(id) => id,
        }
    }
}

/// A counter's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PerfCounter {
    pub id: PerfCounterId,
    pub value: u64,
}

/// The counters PERF_STATS reported, in increasing id order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PerfStats {
    pub counters: Vec<PerfCounter>,
}

impl PerfStats {
    /// The value of counter `id`, if the device implements it.
    pub fn get(&self, id: PerfCounterId) -> Option<u64> {
        self.counters.iter().find(|c| c.id == id).map(|c| c.value)
    }
}
