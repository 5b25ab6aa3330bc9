//! Ring mode (softaccel revision 3, the rings device capability): a queue
//! fed through shared memory instead of SUBMIT. Userspace writes commands
//! into the submit ring and publishes them with one store; the device
//! polls the ring, and needs the DOORBELL system call only after it has
//! gone to sleep (the ring's NEED_WAKEUP flag). Each command is one
//! submission with its own seqno, and its completion (seqno, status) comes
//! back through the complete ring, in seqno order.
//!
//! The ring protocol itself is the generated `softaccel_user::rings`; this
//! module adds the batching, the seqno bookkeeping and the typed errors.
//!
//! Unlike [`Device::submit`](crate::softaccel::Device::submit), ring
//! submissions are not tracked by the BOs they use: reap a command's
//! completion before reading what it wrote.

use crate::accel::{self, QueuePriority};
use crate::error::{Error, Result};
use crate::softaccel::Batch;
use softaccel_user::rings::{RingError, complete, submit};
use softaccel_user::{Errno, Mapping, Transport, uapi};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The completion of one ring command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completion {
    /// The seqno the command got ([`RingQueue::submit_batch`] returned it).
    pub seqno: u64,
    /// The entry's user-data (the library sets it to the seqno).
    pub user_data: u64,
    /// `Ok` when the command ran; else the errno SUBMIT would have given
    /// it (the command did not run), or ECANCELED.
    pub status: std::result::Result<(), Errno>,
}

/// A ring-mode queue with its two rings mapped. Destroyed (QUEUE_DESTROY)
/// on drop, after its submitted work has completed.
pub struct RingQueue<'d, T: Transport> {
    dev: &'d accel::Device<T>,
    handle: u32,
    submit: submit::Producer<Mapping>,
    complete: complete::Consumer<Mapping>,
    /// The seqno the next entry gets: entries get consecutive seqnos from
    /// 1 in ring order, valid or not.
    next_seqno: u64,
    /// Completions reaped while waiting for room, not yet returned.
    reaped: VecDeque<Completion>,
    /// The highest seqno whose completion was reaped.
    completed: u64,
    doorbells: u64,
}

/// The error of a ring the device broke (or this process scribbled on):
/// EPIPE, as DOORBELL reports it.
/// The longest one WAIT blocks while reaping completions; see
/// [`RingQueue::wait_for`].
const WAIT_SLICE: Duration = Duration::from_millis(1);
/// How long [`RingQueue::wait_for`] polls the complete ring before it
/// blocks in WAIT.
const SPIN: Duration = Duration::from_micros(50);

fn ring_error(e: RingError) -> Error {
    Error::from_errno("ring", e.errno())
}

impl<'d, T: Transport> RingQueue<'d, T> {
    pub(crate) fn create(
        dev: &'d accel::Device<T>,
        priority: QueuePriority,
        submit_entries: u32,
        complete_entries: u32,
    ) -> Result<Self> {
        let mut arg = uapi::RingQueueCreate {
            priority: priority.raw(),
            submit_entries,
            complete_entries,
            ..uapi::RingQueueCreate::ZERO
        };
        softaccel_user::ring_queue_create(dev.t(), dev.device_revision(), &mut arg)?;
        let handle = arg.handle;
        let mapped = (|| {
            let len =
                |n: u64| usize::try_from(n).map_err(|_| Error::from_errno("mmap", Errno::ENOMEM));
            let s = dev
                .t()
                .mmap(arg.submit_offset, len(arg.submit_size)?)
                .map_err(|e| Error::from_errno("mmap", e))?;
            let c = dev
                .t()
                .mmap(arg.complete_offset, len(arg.complete_size)?)
                .map_err(|e| Error::from_errno("mmap", e))?;
            let submit = submit::producer(s, submit_entries).map_err(ring_error)?;
            let complete = complete::consumer(c, complete_entries, dev.device_revision())
                .map_err(ring_error)?;
            Ok((submit, complete))
        })();
        let (submit, complete) = match mapped {
            Ok(v) => v,
            Err(e) => {
                destroy(dev, handle);
                return Err(e);
            }
        };
        Ok(RingQueue {
            dev,
            handle,
            submit,
            complete,
            next_seqno: 1,
            reaped: VecDeque::new(),
            completed: 0,
            doorbells: 0,
        })
    }

    pub fn handle(&self) -> u32 {
        self.handle
    }

    /// Entries of the submit ring.
    pub fn submit_entries(&self) -> u32 {
        self.submit.entries()
    }

    /// DOORBELL calls made so far (only when the device asked for one).
    pub fn doorbells(&self) -> u64 {
        self.doorbells
    }

    /// The seqno the last submitted entry got (0: none yet).
    pub fn last_seqno(&self) -> u64 {
        self.next_seqno - 1
    }

    /// Submits every command of `batch`, each as its own entry (its own
    /// submission), and returns their seqnos. The entries are published
    /// with one store per ring-full; DOORBELL is called only when the
    /// device sleeps. When the ring is full, completions are reaped (kept
    /// for [`RingQueue::completions`]) until there is room, for at most
    /// `timeout` in all.
    pub fn submit_batch(&mut self, batch: &Batch<'_, T>, timeout: Duration) -> Result<Vec<u64>> {
        let entries: Vec<uapi::RingCmd> = batch.cmds().iter().map(ring_cmd).collect();
        self.submit_raw(&entries, timeout)
    }

    /// [`RingQueue::submit_batch`] with raw entries (tests of the device's
    /// validation). The user-data of each entry is replaced by its seqno.
    pub fn submit_raw(&mut self, entries: &[uapi::RingCmd], timeout: Duration) -> Result<Vec<u64>> {
        let deadline = Instant::now() + timeout;
        let mut seqnos = Vec::with_capacity(entries.len());
        let mut rest = entries;
        while let Some((first, tail)) = rest.split_first() {
            let seqno = self.next_seqno;
            let e = uapi::RingCmd {
                user_data: seqno.to_le(),
                ..*first
            };
            if self.submit.push(&e).map_err(ring_error)? {
                self.next_seqno += 1;
                seqnos.push(seqno);
                rest = tail;
                continue;
            }
            // Full: hand over what we have, and make room by reaping.
            self.publish()?;
            if Instant::now() >= deadline {
                return Err(Error::from_errno("ring", Errno::ETIMEDOUT));
            }
            if self.reap_into_buffer()? == 0 {
                std::thread::sleep(Duration::from_micros(50));
            }
        }
        self.publish()?;
        Ok(seqnos)
    }

    /// Publishes what was pushed; DOORBELL if the device asked for it.
    fn publish(&mut self) -> Result<()> {
        if self.submit.publish() {
            self.doorbell()?;
        }
        Ok(())
    }

    /// Calls DOORBELL whether or not the device asked for it: harmless
    /// while the device polls, and the way to learn of a protocol error
    /// (EPIPE) or of the low power state (EAGAIN) at once.
    pub fn doorbell(&mut self) -> Result<()> {
        let mut arg = uapi::Doorbell {
            queue: self.handle,
            ..uapi::Doorbell::ZERO
        };
        softaccel_user::doorbell(self.dev.t(), self.dev.device_revision(), &mut arg)?;
        self.doorbells += 1;
        Ok(())
    }

    /// Moves every completion in the complete ring into the buffer.
    fn reap_into_buffer(&mut self) -> Result<usize> {
        let mut n = 0;
        while let Some(rx) = self.complete.pop().map_err(ring_error)? {
            let e = rx.entry;
            let status = i32::from_le(e.status);
            let c = Completion {
                seqno: u64::from_le(e.seqno),
                user_data: u64::from_le(e.user_data),
                status: if status == 0 {
                    Ok(())
                } else {
                    Err(Errno(status.saturating_neg()))
                },
            };
            self.completed = self.completed.max(c.seqno);
            self.reaped.push_back(c);
            n += 1;
        }
        if n > 0 {
            self.complete.release();
        }
        Ok(n)
    }

    /// Every completion available now, oldest first, without blocking.
    pub fn completions(&mut self) -> Result<Vec<Completion>> {
        self.reap_into_buffer()?;
        Ok(self.reaped.drain(..).collect())
    }

    /// Reaps completions until the one of `seqno` (and so every earlier
    /// one) has arrived, or `timeout` passes (ETIMEDOUT); returns them all.
    pub fn wait_for(&mut self, seqno: u64, timeout: Duration) -> Result<Vec<Completion>> {
        let start = Instant::now();
        let deadline = start + timeout;
        let mut out = Vec::new();
        loop {
            self.reap_into_buffer()?;
            out.extend(self.reaped.drain(..));
            if self.completed >= seqno {
                return Ok(out);
            }
            let now = Instant::now();
            // Completions usually follow within microseconds: look again
            // (yielding the CPU to the device's threads) before paying
            // for a WAIT system call.
            if now.duration_since(start) < SPIN && now < deadline {
                std::thread::yield_now();
                continue;
            }
            if now >= deadline {
                return Err(Error::from_errno("ring", Errno::ETIMEDOUT));
            }
            // Block in the driver (WAIT works on ring queues, and a
            // completion is in the ring before WAIT reports its seqno
            // done) instead of sleeping a fixed time: a timed sleep costs
            // the timer slack on every round. The slice is short so an
            // entry WAIT does not know about (none should exist) costs at
            // most a millisecond, never the whole timeout.
            let slice = (deadline - now).min(WAIT_SLICE);
            let wait_deadline = crate::accel::deadline_after(slice);
            match crate::softaccel::wait(self.dev, self.handle, seqno, wait_deadline) {
                Ok(()) => {}
                Err(e) if e.errno() == Some(Errno::ETIMEDOUT) => {}
                // ECANCELED and the like: the completion in the ring
                // carries the status; avoid a busy loop on a repeated error.
                Err(_) => std::thread::sleep(Duration::from_micros(50)),
            }
        }
    }

    /// Waits for every submitted entry's completion; see
    /// [`RingQueue::wait_for`].
    pub fn wait_all(&mut self, timeout: Duration) -> Result<Vec<Completion>> {
        self.wait_for(self.last_seqno(), timeout)
    }
}

impl<T: Transport> Drop for RingQueue<'_, T> {
    fn drop(&mut self) {
        // The device finishes what it took; entries it has not taken yet
        // go with the queue.
        if self.completed < self.last_seqno() {
            let _ = self.wait_all(Duration::from_secs(10));
        }
        destroy(self.dev, self.handle);
    }
}

fn destroy<T: Transport>(dev: &accel::Device<T>, handle: u32) {
    let mut arg = uapi::accel_uapi::QueueDestroy {
        handle,
        ..uapi::accel_uapi::QueueDestroy::ZERO
    };
    let _ = softaccel_user::accel_user::queue_destroy(dev.t(), dev.core_revision(), &mut arg);
}

/// A command as a submit-ring entry (little-endian members).
fn ring_cmd(c: &uapi::Cmd) -> uapi::RingCmd {
    uapi::RingCmd {
        opcode: c.opcode.to_le(),
        flags: c.flags.to_le(),
        src_bo: c.src_bo.to_le(),
        src2_bo: c.src2_bo.to_le(),
        dst_bo: c.dst_bo.to_le(),
        pad0: c.pad0,
        src_offset: c.src_offset.to_le(),
        src2_offset: c.src2_offset.to_le(),
        dst_offset: c.dst_offset.to_le(),
        length: c.length.to_le(),
        value: c.value.to_le(),
        user_data: 0,
    }
}
