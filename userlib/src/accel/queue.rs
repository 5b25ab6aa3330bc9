//! Queues and fences. The core spec has no wait ioctl (waiting is a
//! device's own business), so a device library hands the common part a
//! [`WaitFn`] with each submission it records.

use super::{Device, NEVER, deadline_after};
use crate::error::{Error, Result};
use accel_user::{self, Transport, uapi};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

/// Scheduling priority of a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum QueuePriority {
    Low,
    #[default]
    Normal,
    High,
    /// Needs CAP_SYS_NICE.
    Realtime,
}

impl QueuePriority {
    /// The priority a raw value names, if it is one.
    pub fn from_raw(raw: u32) -> Option<Self> {
        use uapi::queue_priority as p;
        match raw {
            p::LOW => Some(QueuePriority::Low),
            p::NORMAL => Some(QueuePriority::Normal),
            p::HIGH => Some(QueuePriority::High),
            p::REALTIME => Some(QueuePriority::Realtime),
            _ => None,
        }
    }

    /// The value QUEUE_CREATE carries.
    pub fn raw(self) -> u32 {
        use uapi::queue_priority as p;
        match self {
            QueuePriority::Low => p::LOW,
            QueuePriority::Normal => p::NORMAL,
            QueuePriority::High => p::HIGH,
            QueuePriority::Realtime => p::REALTIME,
        }
    }
}

bitflags::bitflags! {
    /// Flags of QUEUE_CREATE.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct QueueFlags: u32 {
        /// Run at the highest clock; needs
        /// [`Capabilities::TURBO_QUEUE`](super::Capabilities::TURBO_QUEUE).
        const TURBO = uapi::queue_flags::TURBO;
        const _ = !0;
    }
}

/// How a device waits for submission `seqno` on queue handle `queue` until
/// the absolute CLOCK_MONOTONIC deadline `deadline_ns`: its own wait ioctl.
pub type WaitFn<T> = fn(dev: &Device<T>, queue: u32, seqno: u64, deadline_ns: i64) -> Result<()>;

/// What a queue, its fences and the BOs they touch share: how far the
/// queue's work has got, as far as this process has seen.
pub(crate) struct QueueSync<T: Transport> {
    handle: u32,
    /// False once the handle is destroyed, which happens only after all its
    /// work completed. Waiters hold it shared, so the handle cannot be
    /// destroyed (and reused) under a wait in progress.
    alive: RwLock<bool>,
    state: Mutex<SyncState<T>>,
}

struct SyncState<T: Transport> {
    submitted: u64,
    completed: u64,
    waiter: Option<WaitFn<T>>,
}

impl<T: Transport> QueueSync<T> {
    fn state(&self) -> std::sync::MutexGuard<'_, SyncState<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn is_complete(&self, seqno: u64) -> bool {
        self.state().completed >= seqno
    }

    pub(crate) fn wait(&self, dev: &Device<T>, seqno: u64, deadline_ns: i64) -> Result<()> {
        let alive = self.alive.read().unwrap_or_else(PoisonError::into_inner);
        let waiter = {
            let s = self.state();
            if s.completed >= seqno {
                return Ok(());
            }
            s.waiter
        };
        // A destroyed queue finished all its work first; a queue without a
        // waiter has had no submission recorded.
        let (true, Some(waiter)) = (*alive, waiter) else {
            return Ok(());
        };
        waiter(dev, self.handle, seqno, deadline_ns)?;
        let mut s = self.state();
        s.completed = s.completed.max(seqno);
        Ok(())
    }
}

/// A command queue, destroyed (QUEUE_DESTROY) on drop after its work
/// completed.
pub struct Queue<'d, T: Transport> {
    dev: &'d Device<T>,
    sync: Arc<QueueSync<T>>,
    priority: QueuePriority,
    flags: QueueFlags,
    destroyed: bool,
}

impl<'d, T: Transport> Queue<'d, T> {
    pub(super) fn create(
        dev: &'d Device<T>,
        priority: QueuePriority,
        flags: QueueFlags,
    ) -> Result<Self> {
        let mut arg = uapi::QueueCreate {
            priority: priority.raw(),
            flags: flags.bits(),
            ..uapi::QueueCreate::ZERO
        };
        accel_user::queue_create(dev.t(), dev.core_revision, &mut arg)?;
        Ok(Queue {
            dev,
            sync: Arc::new(QueueSync {
                handle: arg.handle,
                alive: RwLock::new(true),
                state: Mutex::new(SyncState {
                    submitted: 0,
                    completed: 0,
                    waiter: None,
                }),
            }),
            priority,
            flags,
            destroyed: false,
        })
    }

    pub fn handle(&self) -> u32 {
        self.sync.handle
    }

    pub fn priority(&self) -> QueuePriority {
        self.priority
    }

    pub fn flags(&self) -> QueueFlags {
        self.flags
    }

    /// The device the queue belongs to.
    pub fn device(&self) -> &'d Device<T> {
        self.dev
    }

    /// Records that submission `seqno` was made on this queue, waited for
    /// with `waiter`, and returns its fence. Device libraries call this
    /// right after a successful submit, then [`Bo::track`](super::Bo::track)
    /// for each BO the submission names.
    ///
    /// # Safety
    ///
    /// `waiter` must return `Ok` only once the submission it is asked about
    /// and every earlier one on the queue have completed (true of a device
    /// whose queues complete in seqno order): [`Bo::map`](super::Bo::map)
    /// relies on it before handing out slices of memory that work may be
    /// writing.
    pub unsafe fn fence(&self, seqno: u64, waiter: WaitFn<T>) -> Fence<'d, T> {
        let mut s = self.sync.state();
        s.submitted = s.submitted.max(seqno);
        s.waiter = Some(waiter);
        drop(s);
        Fence {
            dev: self.dev,
            sync: self.sync.clone(),
            seqno,
        }
    }

    /// The fence of the latest recorded submission, if any.
    pub fn last_fence(&self) -> Option<Fence<'d, T>> {
        let submitted = self.sync.state().submitted;
        (submitted != 0).then(|| Fence {
            dev: self.dev,
            sync: self.sync.clone(),
            seqno: submitted,
        })
    }

    /// Waits until every recorded submission on this queue has completed.
    pub fn wait_idle(&self) -> Result<()> {
        match self.last_fence() {
            Some(f) => f.wait_until(NEVER),
            None => Ok(()),
        }
    }

    /// Waits for the queue's work, then destroys it, reporting the driver's
    /// answer (drop ignores it).
    pub fn destroy(mut self) -> Result<()> {
        self.destroy_inner()
    }

    fn destroy_inner(&mut self) -> Result<()> {
        // One attempt only. A wait that fails leaves the queue alive (leaked
        // until the file closes): destroying it with work in flight would
        // leave the BOs that work touches unwaitable.
        self.destroyed = true;
        loop {
            match self.wait_idle() {
                Err(Error::Interrupted { .. }) => continue,
                r => break r?,
            }
        }
        let mut alive = self
            .sync
            .alive
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        *alive = false;
        let mut arg = uapi::QueueDestroy {
            handle: self.sync.handle,
            ..uapi::QueueDestroy::ZERO
        };
        accel_user::queue_destroy(self.dev.t(), self.dev.core_revision, &mut arg)?;
        Ok(())
    }
}

impl<T: Transport> Drop for Queue<'_, T> {
    fn drop(&mut self) {
        if !self.destroyed {
            // Nothing to do about a failure here; `destroy` reports it.
            let _ = self.destroy_inner();
        }
    }
}

impl<T: Transport> std::fmt::Debug for Queue<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue")
            .field("handle", &self.sync.handle)
            .field("priority", &self.priority)
            .field("flags", &self.flags)
            .finish()
    }
}

/// One submission on one queue (its seqno), to wait for.
pub struct Fence<'d, T: Transport> {
    dev: &'d Device<T>,
    sync: Arc<QueueSync<T>>,
    seqno: u64,
}

impl<'d, T: Transport> Fence<'d, T> {
    /// The submission's sequence number on its queue.
    pub fn seqno(&self) -> u64 {
        self.seqno
    }

    /// The handle of the queue it was submitted on.
    pub fn queue_handle(&self) -> u32 {
        self.sync.handle
    }

    pub fn device(&self) -> &'d Device<T> {
        self.dev
    }

    pub(crate) fn sync(&self) -> &Arc<QueueSync<T>> {
        &self.sync
    }

    /// Waits up to `timeout` for the submission to complete
    /// ([`Error::Timeout`] if it has not).
    pub fn wait(&self, timeout: Duration) -> Result<()> {
        self.wait_until(deadline_after(timeout))
    }

    /// Waits until the absolute CLOCK_MONOTONIC deadline `deadline_ns`
    /// ([`super::monotonic_now_ns`]); [`super::NEVER`] waits for as long
    /// as it takes.
    pub fn wait_until(&self, deadline_ns: i64) -> Result<()> {
        self.sync.wait(self.dev, self.seqno, deadline_ns)
    }

    /// Has the submission completed? Asks the driver without blocking.
    pub fn is_complete(&self) -> Result<bool> {
        match self.wait_until(0) {
            Ok(()) => Ok(true),
            Err(Error::Timeout { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

impl<T: Transport> Clone for Fence<'_, T> {
    fn clone(&self) -> Self {
        Fence {
            dev: self.dev,
            sync: self.sync.clone(),
            seqno: self.seqno,
        }
    }
}

impl<T: Transport> std::fmt::Debug for Fence<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fence")
            .field("queue", &self.sync.handle)
            .field("seqno", &self.seqno)
            .finish()
    }
}
