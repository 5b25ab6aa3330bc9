//! Ring mode: RING_QUEUE_CREATE and DOORBELL, and the device side of the
//! submit and complete rings (the generated `softaccel_kernel::rings`).
//!
//! A ring-mode queue is an ordinary queue (same engine, seqnos, WAIT and
//! QUEUE_INFO) fed from its submit ring instead of SUBMIT. Both ring
//! regions live in the file's memfd at page-aligned offsets, like BOs, so
//! userspace maps them through the device node or the in-process
//! transport alike.
//!
//! Each ring-mode queue has a poller thread (io_uring's SQPOLL): it takes
//! entries from the submit ring, turns each into one submission (the same
//! command rules as SUBMIT, `submit::resolve`), and queues it on the
//! queue's engine, which posts one completion per entry, in seqno order,
//! when the submission completes. An entry that breaks the rules still
//! gets a seqno and a completion carrying its -errno, so completions stay
//! in step with entries. When the submit ring stays empty the poller sets
//! NEED_WAKEUP, re-checks the producer index and sleeps until DOORBELL.
//!
//! Backpressure: an entry is only taken while its completion is sure to
//! fit in the complete ring (free slots there > entries taken but not yet
//! posted) and the queue is below its in-flight limit; otherwise the entry
//! waits in the submit ring, and the poller looks again when a completion
//! is posted or after a short time (userspace reaps completions without a
//! system call).
//!
//! Nothing userspace writes into the regions is trusted: the generated
//! consumer copies each entry once before it is validated, keeps its own
//! index, and reports a producer index more than the ring size ahead as a
//! protocol error: the poller stops, the ring's ERROR flag is set, and
//! DOORBELL fails with EPIPE from then on. A consumer index on the
//! complete ring that cannot be right is the same protocol error.

use crate::device::{Device, FileCtx, FileState, Pending};
use crate::engine::Submission;
use crate::perf::FileShared;
use crate::queue::Queue;
use crate::uapi::{Cmd, Doorbell, MAX_INFLIGHT_SUBMITS, RingCmd, RingCompletion, RingQueueCreate};
use crate::util::{lock, to_usize};
use softaccel_kernel::rings::{ERROR, FLAGS_OFFSET, RingError, RingMem, complete, submit};
use std::collections::VecDeque;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::{Duration, Instant};
use uabi_runtime::Errno;
use uabi_runtime::transport::Mapping;

/// Right after it found work, the poller looks again at once (yielding
/// the CPU between looks) for this long: a producer that publishes
/// batches back to back would otherwise wait out a timed sleep, whose
/// timer slack alone is tens of microseconds, on every batch.
const SPIN: Duration = Duration::from_micros(200);
/// How long the poller then keeps polling an empty ring before it asks
/// for the doorbell, in rounds of [`POLL_INTERVAL`].
const POLL_ROUNDS: u32 = 20;
const POLL_INTERVAL: Duration = Duration::from_micros(100);
/// How often a blocked or sleeping poller looks again on its own
/// (completions reaped, low power left, queue destroyed).
const RECHECK: Duration = Duration::from_millis(1);
const SLEEP_RECHECK: Duration = Duration::from_secs(1);

/// One ring region: a page-aligned range of the file's memfd, mapped for
/// the device.
pub(crate) struct Region {
    map: Mapping,
    memfd: Arc<OwnedFd>,
    offset: u64,
    size: u64,
}

impl Drop for Region {
    fn drop(&mut self) {
        // As a BO does: give the pages back; offsets are never reused.
        let _ = rustix::fs::fallocate(
            self.memfd.as_fd(),
            rustix::fs::FallocateFlags::PUNCH_HOLE | rustix::fs::FallocateFlags::KEEP_SIZE,
            self.offset,
            self.size,
        );
    }
}

impl RingMem for Region {
    fn len(&self) -> usize {
        RingMem::len(&self.map)
    }
    fn load_u32(&self, offset: usize, order: Ordering) -> u32 {
        self.map.load_u32(offset, order)
    }
    fn store_u32(&self, offset: usize, value: u32, order: Ordering) {
        self.map.store_u32(offset, value, order)
    }
    fn fetch_or_u32(&self, offset: usize, value: u32, order: Ordering) -> u32 {
        self.map.fetch_or_u32(offset, value, order)
    }
    fn fetch_and_u32(&self, offset: usize, value: u32, order: Ordering) -> u32 {
        self.map.fetch_and_u32(offset, value, order)
    }
    fn load_u64(&self, offset: usize, order: Ordering) -> u64 {
        self.map.load_u64(offset, order)
    }
    fn store_u64(&self, offset: usize, value: u64, order: Ordering) {
        self.map.store_u64(offset, value, order)
    }
}

/// Wakes the poller: the doorbell, a posted completion, the end.
struct Wake {
    state: Mutex<WakeState>,
    cv: Condvar,
}

#[derive(Default)]
struct WakeState {
    rung: bool,
    shutdown: bool,
}

impl Wake {
    fn ring(&self) {
        lock(&self.state).rung = true;
        self.cv.notify_all();
    }

    /// Sleeps until rung, shut down or `timeout`; false once shut down.
    fn wait(&self, timeout: Duration) -> bool {
        let mut st = lock(&self.state);
        if !st.rung && !st.shutdown {
            st = match self.cv.wait_timeout(st, timeout) {
                Ok((g, _)) => g,
                Err(e) => e.into_inner().0,
            };
        }
        st.rung = false;
        !st.shutdown
    }

    fn is_shutdown(&self) -> bool {
        lock(&self.state).shutdown
    }
}

/// The complete ring's producer and the completions that did not fit
/// (only after userspace moved its consumer index back), posted first.
struct Completer {
    producer: complete::Producer<Region>,
    backlog: VecDeque<RingCompletion>,
}

/// The rings of one ring-mode queue, owned by the queue.
pub(crate) struct Rings {
    pub(crate) submit_entries: u32,
    consumer: Mutex<submit::Consumer<Region>>,
    completer: Mutex<Completer>,
    /// Entries taken whose completion the engine has not posted yet.
    outstanding: AtomicU32,
    wake: Arc<Wake>,
}

impl Drop for Rings {
    fn drop(&mut self) {
        lock(&self.wake.state).shutdown = true;
        self.wake.cv.notify_all();
    }
}

/// What a submission made from a ring entry carries to its completion.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RingTag {
    pub(crate) user_data: u64,
    /// 0, or the -errno the entry was rejected with (it then has no ops).
    pub(crate) status: i32,
}

impl Rings {
    /// The protocol error that stopped the device side, if any.
    fn error(&self) -> Option<RingError> {
        lock(&self.consumer)
            .error()
            .or_else(|| lock(&self.completer).producer.error())
    }

    /// Posts the completion of the entry that got `seqno`; called by the
    /// engine in seqno order.
    pub(crate) fn post(&self, seqno: u64, tag: RingTag) {
        let entry = RingCompletion {
            user_data: tag.user_data.to_le(),
            seqno: seqno.to_le(),
            status: tag.status.to_le(),
            pad0: [0; 4],
        };
        {
            let mut c = lock(&self.completer);
            c.backlog.push_back(entry);
            // From here the backlog accounts for it.
            self.outstanding.fetch_sub(1, Ordering::AcqRel);
            flush(&mut c);
        }
        self.wake.ring();
    }

    /// Entries the poller may take now without a completion that cannot
    /// be posted; Err on a protocol error of the complete ring.
    /// How many more entries the poller may take now: room in the
    /// complete ring for their completions, and room under the queue's
    /// in-flight limit counting `unqueued` entries taken this round and
    /// not yet handed to the engine.
    fn credits(&self, queue: &Queue, unqueued: u32) -> Result<u32, RingError> {
        let mut c = lock(&self.completer);
        flush(&mut c);
        let space = c.producer.space()?;
        // Taken entries whose completion is not in the ring: still in the
        // engine, or in the backlog.
        let owed = self
            .outstanding
            .load(Ordering::Acquire)
            .saturating_add(c.backlog.len() as u32);
        drop(c);
        let inflight = lock(&queue.state).inflight;
        let by_ring = space.saturating_sub(owed);
        let by_queue = MAX_INFLIGHT_SUBMITS.saturating_sub(inflight.saturating_add(unqueued));
        Ok(by_ring.min(by_queue))
    }
}

/// Moves what fits of the backlog into the complete ring, and publishes.
fn flush(c: &mut Completer) {
    while let Some(e) = c.backlog.front() {
        match c.producer.push(e) {
            Ok(true) => {
                c.backlog.pop_front();
            }
            // Full: wait for userspace to reap. A protocol error: the
            // completions stay unposted; DOORBELL reports EPIPE.
            Ok(false) | Err(_) => break,
        }
    }
    // The device never sleeps on this ring, so NEED_WAKEUP is not ours to
    // act on.
    let _ = c.producer.publish();
}

/// Maps `size` bytes of the file's memfd at a fresh page-aligned offset.
fn region(dev: &Device, file: &FileCtx, st: &mut FileState, size: usize) -> Result<Region, Errno> {
    let page = u64::from(dev.config.page_size);
    let size = (size as u64)
        .checked_next_multiple_of(page)
        .ok_or(Errno::ENOMEM)?;
    let offset = st
        .next_offset
        .checked_next_multiple_of(page)
        .ok_or(Errno::ENOMEM)?;
    let end = offset.checked_add(size).ok_or(Errno::ENOMEM)?;
    rustix::fs::ftruncate(file.memfd.as_fd(), end).map_err(|_| Errno::ENOMEM)?;
    let map =
        Mapping::map_fd(file.memfd.as_fd(), offset, to_usize(size)?).map_err(|_| Errno::ENOMEM)?;
    st.next_offset = end;
    Ok(Region {
        map,
        memfd: file.memfd.clone(),
        offset,
        size,
    })
}

/// RING_QUEUE_CREATE.
pub(crate) fn create(dev: &Device, file: &FileCtx, arg: &mut RingQueueCreate) -> Result<(), Errno> {
    if !dev.config.has_device(crate::uapi::device_caps::RINGS) {
        return Err(Errno::EOPNOTSUPP);
    }
    let (se, ce) = (arg.submit_entries, arg.complete_entries);
    if !submit::valid_entries(se.into()) || !complete::valid_entries(ce.into()) || ce < se {
        return Err(Errno::EINVAL);
    }
    let rank = crate::queue::checked_rank(dev, file, arg.priority, 0)?;
    let page = dev.config.page_size as usize;
    let ssize = submit::region_size(se, page).ok_or(Errno::ENOMEM)?;
    let csize = complete::region_size(ce, page).ok_or(Errno::ENOMEM)?;
    let mut guard = file.state()?;
    let st = &mut *guard;
    let sregion = region(dev, file, st, ssize)?;
    let cregion = region(dev, file, st, csize)?;
    let (soff, coff) = (sregion.offset, cregion.offset);
    // Fresh memfd ranges are holes (zero); init records the sizes.
    submit::init(&sregion, se).map_err(Errno::from)?;
    complete::init(&cregion, ce).map_err(Errno::from)?;
    let consumer = submit::consumer(sregion, se, dev.config.revision).map_err(Errno::from)?;
    let producer = complete::producer(cregion, ce).map_err(Errno::from)?;
    let wake = Arc::new(Wake {
        state: Mutex::new(WakeState::default()),
        cv: Condvar::new(),
    });
    let rings = Arc::new(Rings {
        submit_entries: se,
        consumer: Mutex::new(consumer),
        completer: Mutex::new(Completer {
            producer,
            backlog: VecDeque::new(),
        }),
        outstanding: AtomicU32::new(0),
        wake: wake.clone(),
    });
    let (handle, queue) =
        crate::queue::insert(dev, st, rank, arg.priority, 0, Some(rings.clone()))?;
    drop(guard);
    let poller = Poller {
        queue: Arc::downgrade(&queue),
        wake,
        dev: dev.me.clone(),
        files: Arc::downgrade(&file.state),
        shared: file.shared.clone(),
    };
    drop(queue);
    drop(rings);
    let spawned = std::thread::Builder::new()
        .name(format!("softaccel-ring{handle}"))
        .spawn(move || poller.run());
    if let Err(e) = spawned {
        // Undo: the queue goes away with its rings.
        let q = file.state()?.queues.remove(&handle);
        drop(q);
        return Err(Errno(e.raw_os_error().unwrap_or(Errno::EAGAIN.0)));
    }
    arg.handle = handle;
    arg.submit_offset = soff;
    arg.submit_size = ssize as u64;
    arg.complete_offset = coff;
    arg.complete_size = csize as u64;
    Ok(())
}

/// DOORBELL.
pub(crate) fn doorbell(dev: &Device, file: &FileCtx, arg: &Doorbell) -> Result<(), Errno> {
    if arg.queue == 0 {
        return Err(Errno::EINVAL);
    }
    let q = file
        .state()?
        .queues
        .get(&arg.queue)
        .cloned()
        .ok_or(Errno::ENOENT)?;
    let rings = q.ring.as_ref().ok_or(Errno::EINVAL)?;
    if let Some(e) = rings.error() {
        return Err(e.errno());
    }
    dev.accepting_work()?;
    // Check the producer index now, so that a bad one is reported to
    // this very call rather than only to the next.
    lock(&rings.consumer).available().map_err(Errno::from)?;
    rings.wake.ring();
    Ok(())
}

/// What one round of the poller achieved.
enum Round {
    /// Took at least one entry.
    Took,
    /// The submit ring is empty.
    Empty,
    /// Entries may wait, but none may be taken now (backpressure, low
    /// power).
    Blocked,
    /// A protocol error, or the file is gone: take nothing ever again.
    Stopped,
}

/// The poller of one ring-mode queue. It holds its queue, device and file
/// only weakly, so a destroyed queue or a released file ends it.
struct Poller {
    queue: Weak<Queue>,
    wake: Arc<Wake>,
    dev: Weak<Device>,
    files: Weak<Mutex<FileState>>,
    shared: Arc<FileShared>,
}

impl Poller {
    fn run(self) {
        let mut idle = 0;
        let mut last_work = Instant::now();
        loop {
            if self.wake.is_shutdown() {
                return;
            }
            let round = match (self.queue.upgrade(), self.dev.upgrade()) {
                (Some(q), Some(dev)) => self.round(&dev, &q),
                _ => return,
            };
            let go_on = match round {
                Round::Took => {
                    idle = 0;
                    last_work = Instant::now();
                    true
                }
                Round::Empty if last_work.elapsed() < SPIN => {
                    std::thread::yield_now();
                    true
                }
                Round::Blocked => self.wake.wait(RECHECK),
                Round::Stopped => self.wake.wait(SLEEP_RECHECK),
                Round::Empty if idle < POLL_ROUNDS => {
                    idle += 1;
                    self.wake.wait(POLL_INTERVAL)
                }
                Round::Empty => {
                    idle = 0;
                    self.sleep()
                }
            };
            if !go_on {
                return;
            }
        }
    }

    /// Asks for the doorbell and sleeps until it rings; false once shut
    /// down.
    fn sleep(&self) -> bool {
        let Some(q) = self.queue.upgrade() else {
            return false;
        };
        let Some(rings) = q.ring.clone() else {
            return false;
        };
        drop(q);
        let empty = lock(&rings.consumer).prepare_sleep();
        if !matches!(empty, Ok(true)) {
            return true;
        }
        // Hold only the wake state while asleep, so a destroyed queue
        // drops its rings (and with them this poller's reason to live).
        let wake = rings.wake.clone();
        let consumer = Arc::downgrade(&rings);
        drop(rings);
        let alive = wake.wait(SLEEP_RECHECK);
        if let Some(r) = consumer.upgrade() {
            lock(&r.consumer).clear_need_wakeup();
        }
        alive
    }

    fn round(&self, dev: &Device, q: &Arc<Queue>) -> Round {
        let Some(rings) = q.ring.as_ref() else {
            return Round::Stopped;
        };
        if self.shared.is_closed() {
            return Round::Stopped;
        }
        let Some(files) = self.files.upgrade() else {
            return Round::Stopped;
        };
        if dev.accepting_work().is_err() {
            return Round::Blocked;
        }
        let mut consumer = lock(&rings.consumer);
        let mut took = 0u32;
        let mut batch: Vec<Submission> = Vec::new();
        let mut round = loop {
            let unqueued = u32::try_from(batch.len()).unwrap_or(u32::MAX);
            let credits = match rings.credits(q, unqueued) {
                Ok(n) => n,
                // The complete ring's consumer index cannot be right: stop
                // taking entries, and say so where userspace looks.
                Err(_) => {
                    consumer
                        .mem()
                        .fetch_or_u32(FLAGS_OFFSET, ERROR, Ordering::AcqRel);
                    break Round::Stopped;
                }
            };
            if credits == 0 {
                break Round::Blocked;
            }
            let rx = match consumer.pop() {
                Ok(Some(rx)) => rx,
                Ok(None) => break Round::Empty,
                Err(_) => break Round::Stopped,
            };
            took += 1;
            rings.outstanding.fetch_add(1, Ordering::AcqRel);
            let cmd = to_cmd(&rx.entry);
            let resolved = rx.check.and_then(|()| {
                let st = lock(&files);
                if st.closed {
                    return Err(Errno::EBADF);
                }
                crate::submit::resolve(dev, &st, &cmd)
            });
            let (ops, status) = match resolved {
                Ok(op) => (vec![op], 0),
                Err(e) => (Vec::new(), -e.0),
            };
            let sub = Submission {
                seqno: 0,
                ops,
                next_op: 0,
                queue: q.clone(),
                file: self.shared.clone(),
                ring: Some(RingTag {
                    user_data: u64::from_le(rx.entry.user_data),
                    status,
                }),
                _pending: Pending::new(&dev.stats),
            };
            batch.push(sub);
            if took >= rings.submit_entries {
                break Round::Took;
            }
        };
        // One hand-over for the whole round (see Engines::enqueue_all).
        let statuses: Vec<bool> = batch
            .iter()
            .map(|s| s.ring.is_some_and(|t| t.status == 0))
            .collect();
        // An error means none was queued (the device is going away).
        let queued = dev.engines.enqueue_all(batch).unwrap_or_default();
        for &accepted in &statuses[..queued] {
            if accepted {
                dev.stats.submits.fetch_add(1, Ordering::Relaxed);
                self.shared.count_submit();
            } else {
                dev.stats.errors.fetch_add(1, Ordering::Relaxed);
            }
        }
        // The credits ruled EBUSY out; the rest could not be queued only
        // because the device is going away.
        if queued < statuses.len() {
            let lost = u32::try_from(statuses.len() - queued).unwrap_or(u32::MAX);
            rings.outstanding.fetch_sub(lost, Ordering::AcqRel);
            round = Round::Stopped;
        }
        consumer.release();
        if took > 0 && !matches!(round, Round::Stopped) {
            round = Round::Took;
        }
        round
    }
}

/// A submit-ring entry (little-endian) as the command SUBMIT would have
/// read.
fn to_cmd(e: &RingCmd) -> Cmd {
    Cmd {
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
