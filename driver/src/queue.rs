//! Command queues: QUEUE_CREATE, QUEUE_DESTROY, WAIT and QUEUE_INFO.

use crate::device::{Device, FileCtx, FileState, Kind, Live, alloc_handle};
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
    /// Signalled when `state.completed` reaches a seqno in
    /// `state.awaited`.
    pub(crate) done: Condvar,
    /// The submit and complete rings of a ring-mode queue
    /// (RING_QUEUE_CREATE); None for a SUBMIT queue.
    pub(crate) ring: Option<Arc<crate::ring::Rings>>,
    _live: Live,
}

pub(crate) struct QueueState {
    /// The last seqno SUBMIT returned (0: none yet).
    pub(crate) issued: u64,
    /// Every submission up to this seqno has completed.
    pub(crate) completed: u64,
    /// Submissions queued and not yet completed.
    pub(crate) inflight: u32,
    /// Seqno ranges (inclusive) that reset-queue cancelled: WAIT on them
    /// answers ECANCELED.
    pub(crate) cancelled: Vec<(u64, u64)>,
    /// The seqno each blocked waiter needs, so a completion wakes the
    /// waiters only when one of them can return: a waiter for the last of
    /// 32 submissions then wakes once, not 32 times.
    pub(crate) awaited: Vec<u64>,
}

impl QueueState {
    /// Whether a waiter can return now that `completed` has advanced.
    pub(crate) fn wakes_a_waiter(&self) -> bool {
        self.awaited.iter().any(|&s| s <= self.completed)
    }
}

/// Blocks on `q.done` as one waiter for `seqno` (registered in
/// `awaited` while blocked), for at most `timeout` if given.
fn block<'a>(
    q: &'a Queue,
    mut st: std::sync::MutexGuard<'a, QueueState>,
    seqno: u64,
    timeout: Option<Duration>,
) -> std::sync::MutexGuard<'a, QueueState> {
    st.awaited.push(seqno);
    let mut st = match timeout {
        Some(t) => match q.done.wait_timeout(st, t) {
            Ok((g, _)) => g,
            Err(e) => e.into_inner().0,
        },
        None => match q.done.wait(st) {
            Ok(g) => g,
            Err(e) => e.into_inner(),
        },
    };
    if let Some(i) = st.awaited.iter().position(|&s| s == seqno) {
        st.awaited.swap_remove(i);
    }
    st
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
    let rank = checked_rank(dev, file, arg.priority, arg.flags)?;
    let mut guard = file.state()?;
    // The turbo hint is accepted and ignored: a software engine has one
    // speed.
    arg.handle = insert(dev, &mut guard, rank, arg.priority, arg.flags, None)?.0;
    Ok(())
}

/// Checks a queue's priority and flags as QUEUE_CREATE does (also for
/// RING_QUEUE_CREATE); the queue's scheduling rank.
pub(crate) fn checked_rank(
    dev: &Device,
    file: &FileCtx,
    priority: u32,
    flags: u32,
) -> Result<usize, Errno> {
    let cfg = &dev.config;
    let rank = rank(priority)?;
    if !queue_flags::is_valid(flags) {
        return Err(Errno::EINVAL);
    }
    if priority != queue_priority::NORMAL && !cfg.has(capabilities::QUEUE_PRIORITY) {
        return Err(Errno::EOPNOTSUPP);
    }
    if flags & queue_flags::TURBO != 0 && !cfg.has(capabilities::TURBO_QUEUE) {
        return Err(Errno::EOPNOTSUPP);
    }
    if priority == queue_priority::REALTIME && !file.creds.cap_sys_nice {
        return Err(Errno::EPERM);
    }
    Ok(rank)
}

/// Adds a queue to the file's namespace: its handle and the queue.
pub(crate) fn insert(
    dev: &Device,
    st: &mut FileState,
    rank: usize,
    priority: u32,
    flags: u32,
    ring: Option<Arc<crate::ring::Rings>>,
) -> Result<(u32, Arc<Queue>), Errno> {
    if st.queues.len() >= dev.config.num_queues_max as usize {
        return Err(Errno::ENOSPC);
    }
    st.queues.try_reserve(1).map_err(|_| Errno::ENOMEM)?;
    let handle = alloc_handle(&st.queues, &mut st.next_queue)?;
    let queue = Arc::new(Queue {
        engine: dev.engines.assign(),
        rank,
        priority,
        flags,
        state: Mutex::new(QueueState {
            issued: 0,
            completed: 0,
            inflight: 0,
            cancelled: Vec::new(),
            awaited: Vec::new(),
        }),
        done: Condvar::new(),
        ring,
        _live: Live::new(&dev.stats, Kind::Queue),
    });
    st.queues.insert(handle, queue.clone());
    Ok((handle, queue))
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
        st = block(&q, st, arg.seqno, Some(left));
    }
    if st
        .cancelled
        .iter()
        .any(|(first, last)| (*first..=*last).contains(&arg.seqno))
    {
        return Err(Errno::ECANCELED);
    }
    Ok(())
}

/// A queue of the calling file (reset-queue).
pub(crate) fn lookup(file: &FileCtx, handle: u32) -> Result<Arc<Queue>, Errno> {
    if handle == 0 {
        return Err(Errno::EINVAL);
    }
    file.state()?
        .queues
        .get(&handle)
        .cloned()
        .ok_or(Errno::ENOENT)
}

/// Blocks until every submission `q` had when called has completed
/// (reset-queue drain).
pub(crate) fn drain(q: &Queue) {
    let st = lock(&q.state);
    let target = st.issued;
    drop(wait_completed(q, st, target));
}

/// Waits on `q` until every submission up to `seqno` has completed.
fn wait_completed<'a>(
    q: &'a Queue,
    mut st: std::sync::MutexGuard<'a, QueueState>,
    seqno: u64,
) -> std::sync::MutexGuard<'a, QueueState> {
    while st.completed < seqno {
        st = block(q, st, seqno, None);
    }
    st
}

/// Drops the submissions of `q` that have not started: each completes as
/// cancelled (WAIT answers ECANCELED for it; a ring queue's completion
/// carries -ECANCELED) once the work already running on the queue has
/// finished, so seqnos still complete in order. Returns how many.
pub(crate) fn cancel(dev: &Device, q: &Arc<Queue>) -> u32 {
    let taken = dev.engines.take_queued(q);
    let (Some(first), Some(last)) = (taken.first(), taken.last()) else {
        return 0;
    };
    let (first, last) = (first.seqno, last.seqno);
    let mut st = lock(&q.state);
    st.cancelled.push((first, last));
    drop(wait_completed(q, st, first.saturating_sub(1)));
    let n = u32::try_from(taken.len()).unwrap_or(u32::MAX);
    dev.engines.complete_cancelled(taken);
    n
}
