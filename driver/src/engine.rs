//! The execution engines: one worker thread each, fed by the submissions
//! of the queues assigned to it (round-robin at QUEUE_CREATE). One queue's
//! submissions all go to one engine and run there one after another, in
//! seqno order; different engines run concurrently. On an engine, the
//! ready submission of the highest-priority queue runs first.

use crate::device::{Pending, Stats};
use crate::exec::{Op, Scratch};
use crate::perf::{FileShared, Tally};
use crate::queue::{Queue, QueueState, RANKS};
use crate::uapi::MAX_INFLIGHT_SUBMITS;
use crate::util::{lock, monotonic_ns};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use uabi_runtime::Errno;

/// One accepted submission, holding every object its commands use.
pub(crate) struct Submission {
    pub(crate) seqno: u64,
    pub(crate) ops: Vec<Op>,
    /// How many of `ops` have run: a submission pre-empted at the end of
    /// its time slice resumes here.
    pub(crate) next_op: usize,
    pub(crate) queue: Arc<Queue>,
    pub(crate) file: Arc<FileShared>,
    /// Set for a submission made from a ring entry: its completion goes to
    /// the queue's complete ring.
    pub(crate) ring: Option<crate::ring::RingTag>,
    /// Declared last: dropped after the BO and queue references above, so
    /// a device that reports no pending submission holds none of them.
    pub(crate) _pending: Pending,
}

struct EngineState {
    /// Ready submissions by rank, oldest first.
    ready: [VecDeque<Submission>; RANKS],
    /// Set by [`Engines::set_paused`]: start nothing new.
    paused: bool,
    shutdown: bool,
}

impl EngineState {
    fn pop(&mut self) -> Option<Submission> {
        self.ready.iter_mut().rev().find_map(VecDeque::pop_front)
    }
}

struct Engine {
    state: Mutex<EngineState>,
    work: Condvar,
    /// Time spent running submissions, and commands run (get-status).
    busy_ns: AtomicU64,
    completed: AtomicU64,
}

/// What one engine has done since the device started.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EngineAccounting {
    pub(crate) busy_ns: u64,
    pub(crate) completed: u64,
}

/// The device's engines and their threads.
pub(crate) struct Engines {
    engines: Vec<Arc<Engine>>,
    threads: Vec<JoinHandle<()>>,
    next: AtomicUsize,
    stats: Arc<Stats>,
}

impl Engines {
    pub(crate) fn start(count: u32, stats: &Arc<Stats>) -> Result<Engines, Errno> {
        let mut e = Engines {
            engines: Vec::new(),
            threads: Vec::new(),
            next: AtomicUsize::new(0),
            stats: stats.clone(),
        };
        for i in 0..count {
            let engine = Arc::new(Engine {
                state: Mutex::new(EngineState {
                    ready: Default::default(),
                    paused: false,
                    shutdown: false,
                }),
                work: Condvar::new(),
                busy_ns: AtomicU64::new(0),
                completed: AtomicU64::new(0),
            });
            let (en, st) = (engine.clone(), stats.clone());
            // On failure `e` is dropped, which stops the threads started
            // so far.
            let t = std::thread::Builder::new()
                .name(format!("softaccel-engine{i}"))
                .spawn(move || serve(&en, &st))
                .map_err(|err| Errno(err.raw_os_error().unwrap_or(Errno::EAGAIN.0)))?;
            e.engines.push(engine);
            e.threads.push(t);
        }
        Ok(e)
    }

    /// The engine for a new queue.
    pub(crate) fn assign(&self) -> usize {
        self.next.fetch_add(1, Ordering::Relaxed) % self.engines.len().max(1)
    }

    /// Gives `sub` the queue's next seqno and queues it on the queue's
    /// engine; EBUSY when the queue is full. The queue's lock is held
    /// across both steps so seqno order is engine order.
    pub(crate) fn enqueue(&self, sub: Submission) -> Result<u64, Errno> {
        let queue = sub.queue.clone();
        let engine = self.engines.get(queue.engine).ok_or(Errno::ENODEV)?;
        let mut qs = lock(&queue.state);
        let seqno = push(&mut qs, &mut lock(&engine.state), sub)?;
        drop(qs);
        engine.work.notify_one();
        Ok(seqno)
    }

    /// [`Engines::enqueue`] for several submissions of one queue, in
    /// order, under one lock of the queue and of its engine and with one
    /// wakeup: the ring poller hands over a whole round at once, so the
    /// engine does not sleep and wake between entries. Stops at the first
    /// that cannot be queued and returns how many were, or the errno when
    /// none was.
    pub(crate) fn enqueue_all(&self, subs: Vec<Submission>) -> Result<usize, Errno> {
        let Some(queue) = subs.first().map(|s| s.queue.clone()) else {
            return Ok(0);
        };
        let engine = self.engines.get(queue.engine).ok_or(Errno::ENODEV)?;
        let mut qs = lock(&queue.state);
        let mut queued = 0;
        let mut error = None;
        {
            let mut es = lock(&engine.state);
            for sub in subs {
                debug_assert!(Arc::ptr_eq(&sub.queue, &queue));
                if let Err(e) = push(&mut qs, &mut es, sub) {
                    error = Some(e);
                    break;
                }
                queued += 1;
            }
        }
        drop(qs);
        if queued > 0 {
            engine.work.notify_one();
        }
        match (queued, error) {
            (0, Some(e)) => Err(e),
            _ => Ok(queued),
        }
    }

    /// Stops (or restarts) every engine from starting submissions; a
    /// running one finishes.
    pub(crate) fn set_paused(&self, paused: bool) {
        for engine in &self.engines {
            lock(&engine.state).paused = paused;
            engine.work.notify_all();
        }
    }

    /// What each engine has done, in engine order.
    pub(crate) fn accounting(&self) -> Vec<EngineAccounting> {
        self.engines
            .iter()
            .map(|e| EngineAccounting {
                busy_ns: e.busy_ns.load(Ordering::Relaxed),
                completed: e.completed.load(Ordering::Relaxed),
            })
            .collect()
    }

    /// Takes the submissions of `queue` that have not started off its
    /// engine, in seqno order, without completing them (reset-queue
    /// cancel completes them once the queue's running work is done).
    pub(crate) fn take_queued(&self, queue: &Arc<Queue>) -> Vec<Submission> {
        let Some(engine) = self.engines.get(queue.engine) else {
            return Vec::new();
        };
        let mut taken = Vec::new();
        let mut es = lock(&engine.state);
        let ready = &mut es.ready[queue.rank];
        let mut keep = VecDeque::with_capacity(ready.len());
        for sub in ready.drain(..) {
            if Arc::ptr_eq(&sub.queue, queue) {
                taken.push(sub);
            } else {
                keep.push_back(sub);
            }
        }
        *ready = keep;
        taken
    }

    /// Completes submissions taken off the engines as cancelled.
    pub(crate) fn complete_cancelled(&self, subs: Vec<Submission>) {
        for sub in subs {
            complete(sub, &self.stats, false);
        }
    }

    /// Takes every queued submission of `file` off the engines and
    /// completes it as cancelled. A submission already running stops
    /// before its next command (the engine checks the file's flag).
    pub(crate) fn cancel_file(&self, file: &Arc<FileShared>) {
        for engine in &self.engines {
            let mut cancelled = Vec::new();
            {
                let mut es = lock(&engine.state);
                for ready in es.ready.iter_mut() {
                    let mut keep = VecDeque::with_capacity(ready.len());
                    for sub in ready.drain(..) {
                        if Arc::ptr_eq(&sub.file, file) {
                            cancelled.push(sub);
                        } else {
                            keep.push_back(sub);
                        }
                    }
                    *ready = keep;
                }
            }
            for sub in cancelled {
                complete(sub, &self.stats, false);
            }
        }
    }
}

impl Drop for Engines {
    fn drop(&mut self) {
        for engine in &self.engines {
            lock(&engine.state).shutdown = true;
            engine.work.notify_all();
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// Gives `sub` its queue's next seqno and appends it to the engine's
/// ready work, with both locks held by the caller: EBUSY when the queue
/// is full, ENODEV once the engine shuts down.
fn push(qs: &mut QueueState, es: &mut EngineState, mut sub: Submission) -> Result<u64, Errno> {
    if qs.inflight >= MAX_INFLIGHT_SUBMITS {
        return Err(Errno::EBUSY);
    }
    let seqno = qs.issued.checked_add(1).ok_or(Errno::EBUSY)?;
    if es.shutdown {
        return Err(Errno::ENODEV);
    }
    let ready = &mut es.ready[sub.queue.rank];
    ready.try_reserve(1).map_err(|_| Errno::ENOMEM)?;
    sub.seqno = seqno;
    ready.push_back(sub);
    qs.issued = seqno;
    qs.inflight += 1;
    Ok(seqno)
}

/// An engine thread: runs submissions until the device goes away, then
/// cancels what is left.
fn serve(engine: &Engine, stats: &Arc<Stats>) {
    let mut scratch = Scratch::new();
    loop {
        let sub = {
            let mut es = lock(&engine.state);
            loop {
                if es.shutdown {
                    let left: Vec<_> = std::iter::from_fn(|| es.pop()).collect();
                    drop(es);
                    for sub in left {
                        complete(sub, stats, false);
                    }
                    return;
                }
                if !es.paused
                    && let Some(sub) = es.pop()
                {
                    break sub;
                }
                es = match engine.work.wait(es) {
                    Ok(g) => g,
                    Err(e) => e.into_inner(),
                };
            }
        };
        if let Some(rest) = run(engine, sub, &mut scratch, stats) {
            requeue(engine, rest);
        }
    }
}

/// Whether another queue's submission of `rank` or a higher rank is
/// waiting on `engine`.
fn others_waiting(engine: &Engine, rank: usize, queue: &Arc<Queue>) -> bool {
    let es = lock(&engine.state);
    es.ready[rank..]
        .iter()
        .any(|r| r.iter().any(|s| !Arc::ptr_eq(&s.queue, queue)))
}

/// Puts a pre-empted submission back behind the other queues' ready work
/// of its rank, with its own queue's later submissions behind it, so the
/// queue's commands still start in order.
fn requeue(engine: &Engine, rest: Submission) {
    let mut es = lock(&engine.state);
    let ready = &mut es.ready[rest.queue.rank];
    let queue = rest.queue.clone();
    let mut same = VecDeque::new();
    let mut others = VecDeque::with_capacity(ready.len());
    for s in ready.drain(..) {
        if Arc::ptr_eq(&s.queue, &queue) {
            same.push_back(s);
        } else {
            others.push_back(s);
        }
    }
    others.push_back(rest);
    others.extend(same);
    *ready = others;
}

/// Runs `sub` from its next command. Returns it, to be queued again, when
/// its time slice ran out and another queue is waiting; completes it
/// otherwise.
fn run(
    engine: &Engine,
    mut sub: Submission,
    scratch: &mut Scratch,
    stats: &Arc<Stats>,
) -> Option<Submission> {
    let start = monotonic_ns();
    let slice = stats.time_slice_ns.load(Ordering::Relaxed);
    let mut tally = Tally::default();
    let mut ran_all = true;
    let mut preempted = false;
    while let Some(op) = sub.ops.get(sub.next_op) {
        if sub.file.is_closed() {
            ran_all = false;
            break;
        }
        op.run(scratch, &mut tally);
        sub.next_op += 1;
        if sub.next_op < sub.ops.len()
            && monotonic_ns().abs_diff(start) >= slice
            && others_waiting(engine, sub.queue.rank, &sub.queue)
        {
            preempted = true;
            break;
        }
    }
    let busy = monotonic_ns().abs_diff(start);
    sub.file.account(tally, busy);
    stats.cmds.fetch_add(tally.cmds, Ordering::Relaxed);
    stats.bytes.fetch_add(
        tally.bytes_read.saturating_add(tally.bytes_written),
        Ordering::Relaxed,
    );
    engine.busy_ns.fetch_add(busy, Ordering::Relaxed);
    engine.completed.fetch_add(tally.cmds, Ordering::Relaxed);
    if preempted {
        return Some(sub);
    }
    complete(sub, stats, ran_all);
    None
}

/// Marks `sub` complete on its queue and wakes the queue's waiters. The
/// BO references go first, so a waiter that sees the submission complete
/// also sees the memory of BOs it destroyed meanwhile freed; the queue
/// reference and the pending count go last.
fn complete(sub: Submission, stats: &Stats, ran_all: bool) {
    let Submission {
        seqno,
        ops,
        next_op: _,
        queue,
        file,
        ring,
        _pending,
    } = sub;
    drop(ops);
    drop(file);
    // Before the queue's completed seqno moves, so a WAIT that returns
    // finds the completion in the ring. One queue's submissions complete
    // one after another on one engine: completions post in seqno order.
    if let (Some(tag), Some(rings)) = (ring, &queue.ring) {
        let status = if tag.status == 0 && !ran_all {
            -Errno::ECANCELED.0
        } else {
            tag.status
        };
        rings.post(seqno, crate::ring::RingTag { status, ..tag });
    }
    let counter = if ran_all {
        &stats.completed
    } else {
        &stats.cancelled
    };
    // A rejected ring entry only carries its error to the complete ring:
    // it was never an accepted submission (the errors counter has it).
    if ring.is_none_or(|tag| tag.status == 0) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
    let wake = {
        let mut qs = lock(&queue.state);
        qs.completed = qs.completed.max(seqno);
        qs.inflight = qs.inflight.saturating_sub(1);
        qs.wakes_a_waiter()
    };
    if wake {
        queue.done.notify_all();
    }
    drop(queue);
    drop(_pending);
}
