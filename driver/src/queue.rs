//! Command queues: QUEUE_CREATE, QUEUE_DESTROY, WAIT and QUEUE_INFO.

use crate::device::{Device, FileCtx, Kind, Live, alloc_handle};
use crate::uapi::accel_uapi::{
    QueueCreate, QueueDestroy, capabilities, queue_flags, queue_priority,
};
use crate::uapi::{QueueInfo, Wait, device_caps};
use crate::util::{lock, monotonic_ns};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use uabi_runtime::Errno;

/// A queue: an ordered stream of submissions served by one engine.
pub(crate) struct Queue {
    /// The engine that runs every submission of this queue, so they run
    /// one after another in seqno order.
    pub(crate) engine: usize,
    /// Scheduling rank on that engine (0 lowest).
    pub(crate) rank: usize,
    /// As QUEUE_CREATE got them, for QUEUE_INFO.
    priority: u32,
    flags: u32,
    pub(crate) state: Mutex<QueueState>,
    /// Signalled whenever `state.completed` advances.
    pub(crate) done: Condvar,
    _live: Live,
}

pub(crate) struct QueueState {
    /// The last seqno SUBMIT returned (0: none yet).
    pub(crate) issued: u64,
    /// Every submission up to this seqno has completed.
    pub(crate) completed: u64,
    /// Submissions queued and not yet completed.
    pub(crate) inflight: u32,
}

/// Number of scheduling ranks: one per priority.
pub(crate) const RANKS: usize = queue_priority::ALL.len();

/// The scheduling rank of a priority: higher runs first.
fn rank(priority: u32) -> Result<usize, Errno> {
    match priority {
        queue_priority::LOW => Ok(0),
        queue_priority::NORMAL => Ok(1),
        queue_priority::HIGH => Ok(2),
        queue_priority::REALTIME => Ok(3),
        _ => Err(Errno::EINVAL),
    }
}

pub(crate) fn create(dev: &Device, file: &FileCtx, arg: &mut QueueCreate) -> Result<(), Errno> {
    let cfg = &dev.config;
    let rank = rank(arg.priority)?;
    if !queue_flags::is_valid(arg.flags) {
        return Err(Errno::EINVAL);
    }
    if arg.priority != queue_priority::NORMAL && !cfg.has(capabilities::QUEUE_PRIORITY) {
        return Err(Errno::EOPNOTSUPP);
    }
    if arg.flags & queue_flags::TURBO != 0 && !cfg.has(capabilities::TURBO_QUEUE) {
        return Err(Errno::EOPNOTSUPP);
    }
    if arg.priority == queue_priority::REALTIME && !file.creds.cap_sys_nice {
        return Err(Errno::EPERM);
    }
    let mut guard = file.state()?;
    let st = &mut *guard;
    if st.queues.len() >= cfg.num_queues_max as usize {
        return Err(Errno::ENOSPC);
    }
    st.queues.try_reserve(1).map_err(|_| Errno::ENOMEM)?;
    let handle = alloc_handle(&st.queues, &mut st.next_queue)?;
    // The turbo hint is accepted and ignored: a software engine has one
    // speed.
    st.queues.insert(
        handle,
        Arc::new(Queue {
            engine: dev.engines.assign(),
            rank,
            priority: arg.priority,
            flags: arg.flags,
            state: Mutex::new(QueueState {
                issued: 0,
                completed: 0,
                inflight: 0,
            }),
            done: Condvar::new(),
            _live: Live::new(&dev.stats, Kind::Queue),
        }),
    );
    arg.handle = handle;
    Ok(())
}

pub(crate) fn destroy(file: &FileCtx, arg: &QueueDestroy) -> Result<(), Errno> {
    if arg.handle == 0 {
        return Err(Errno::EINVAL);
    }
    // Submitted work keeps its own reference and runs to completion.
    let q = file.state()?.queues.remove(&arg.handle);
    q.map(drop).ok_or(Errno::ENOENT)
}

/// QUEUE_INFO (revision 2).
pub(crate) fn info(dev: &Device, file: &FileCtx, arg: &mut QueueInfo) -> Result<(), Errno> {
    // A device without the capability has no such ioctl, as a driver of
    // revision 1 (whose ENOTTY the generated dispatch gives) has none.
    if !dev.config.has_device(device_caps::QUEUE_INFO) {
        return Err(Errno::ENOTTY);
    }
    if arg.queue == 0 {
        return Err(Errno::EINVAL);
    }
    let q = file
        .state()?
        .queues
        .get(&arg.queue)
        .cloned()
        .ok_or(Errno::ENOENT)?;
    let st = lock(&q.state);
    arg.priority = q.priority;
    arg.flags = q.flags;
    arg.inflight = st.inflight;
    arg.last_seqno = st.issued;
    arg.completed_seqno = st.completed;
    Ok(())
}

pub(crate) fn wait(file: &FileCtx, arg: &Wait) -> Result<(), Errno> {
    if arg.queue == 0 {
        return Err(Errno::EINVAL);
    }
    let q = file
        .state()?
        .queues
        .get(&arg.queue)
        .cloned()
        .ok_or(Errno::ENOENT)?;
    let mut st = lock(&q.state);
    if arg.seqno == 0 || arg.seqno > st.issued {
        return Err(Errno::EINVAL);
    }
    // Re-read the clock after every wakeup: the deadline is absolute, so
    // spurious wakeups and late notifications never extend it.
    while st.completed < arg.seqno {
        let now = monotonic_ns();
        if arg.timeout_ns <= now {
            return Err(Errno::ETIMEDOUT);
        }
        let left = Duration::from_nanos(arg.timeout_ns.abs_diff(now));
        st = match q.done.wait_timeout(st, left) {
            Ok((g, _)) => g,
            Err(e) => e.into_inner().0,
        };
    }
    Ok(())
}
