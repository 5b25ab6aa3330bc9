//! The consumer against a producer it must not trust: a thread rewrites
//! entries and the producer index at random while the consumer runs. The
//! memory is instrumented: every access goes through a counting
//! [`RingMem`], which records reads per entry word. The consumer must
//! read each entry slot exactly once per entry it takes (no double
//! fetch), never outside the region, and must report an index that runs
//! more than the ring size ahead (EPIPE, the ERROR flag) instead of
//! reading on.

// Tests report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use uabi_runtime::Errno;
use uabi_runtime::ring::{
    self, CONSUMER_OFFSET, Consumer, ERROR, FLAGS_OFFSET, HEADER_SIZE, HeapRingMem,
    PRODUCER_OFFSET, Producer, RingError, RingMem,
};
use uabi_runtime::zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
struct Entry {
    a: u32,
    b: u32,
    c: u64,
}

const ENTRY: usize = std::mem::size_of::<Entry>();

/// Rejects entries whose words disagree, as a generated validation
/// rejects a bad pad or enum.
fn validate(e: &Entry, _rev: u32) -> Result<(), Errno> {
    if e.b == !e.a && e.c == u64::from(e.a) {
        Ok(())
    } else {
        Err(Errno::EINVAL)
    }
}

fn entry(v: u32) -> Entry {
    Entry {
        a: v,
        b: !v,
        c: u64::from(v),
    }
}

/// A region that counts what the consumer does with it.
struct Counting {
    inner: HeapRingMem,
    /// Reads of each 4-byte word of the entry area.
    reads: Vec<AtomicU64>,
    /// Accesses outside the region or misaligned. The hostile thread uses
    /// `inner` directly, so everything counted here is the consumer's.
    out_of_bounds: AtomicU64,
    len: usize,
}

impl Counting {
    fn new(entries: u32) -> Counting {
        let len = ring::region_size(entries, ENTRY, 4096).unwrap();
        let inner = HeapRingMem::new(len);
        ring::init::<_, u32>(&inner, entries, ENTRY).unwrap();
        Counting {
            inner,
            reads: (0..(len - HEADER_SIZE) / 4)
                .map(|_| AtomicU64::new(0))
                .collect(),
            out_of_bounds: AtomicU64::new(0),
            len,
        }
    }

    fn check(&self, offset: usize, size: usize) {
        if offset + size > self.len || !offset.is_multiple_of(size) {
            self.out_of_bounds.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Reads of the words of slot `slot`.
    fn slot_reads(&self, slot: usize) -> Vec<u64> {
        (0..ENTRY / 4)
            .map(|w| self.reads[slot * ENTRY / 4 + w].load(Ordering::Relaxed))
            .collect()
    }
}

impl RingMem for Counting {
    fn len(&self) -> usize {
        self.len
    }
    fn load_u32(&self, offset: usize, order: Ordering) -> u32 {
        self.check(offset, 4);
        if offset >= HEADER_SIZE
            && let Some(r) = self.reads.get((offset - HEADER_SIZE) / 4)
        {
            r.fetch_add(1, Ordering::Relaxed);
        }
        self.inner.load_u32(offset, order)
    }
    fn store_u32(&self, offset: usize, value: u32, order: Ordering) {
        self.check(offset, 4);
        self.inner.store_u32(offset, value, order)
    }
    fn fetch_or_u32(&self, offset: usize, value: u32, order: Ordering) -> u32 {
        self.check(offset, 4);
        self.inner.fetch_or_u32(offset, value, order)
    }
    fn fetch_and_u32(&self, offset: usize, value: u32, order: Ordering) -> u32 {
        self.check(offset, 4);
        self.inner.fetch_and_u32(offset, value, order)
    }
    fn load_u64(&self, offset: usize, order: Ordering) -> u64 {
        self.check(offset, 8);
        self.inner.load_u64(offset, order)
    }
    fn store_u64(&self, offset: usize, value: u64, order: Ordering) {
        self.check(offset, 8);
        self.inner.store_u64(offset, value, order)
    }
}

#[test]
fn a_hostile_producer_never_causes_a_double_fetch_or_an_out_of_bounds_read() {
    const ENTRIES: u32 = 16;
    let mem = Arc::new(Counting::new(ENTRIES));
    let stop = Arc::new(AtomicBool::new(false));
    let (m, s) = (mem.clone(), stop.clone());
    let hostile = thread::spawn(move || {
        let mut rng = fastrand::Rng::with_seed(0x9e37_79b9_7f4a_7c15);
        let mut writes = 0u64;
        while !s.load(Ordering::Relaxed) {
            let r = rng.u64(..);
            let off = HEADER_SIZE + 4 * (r as usize % (ENTRIES as usize * ENTRY / 4));
            m.inner.store_u32(off, (r >> 32) as u32, Ordering::Relaxed);
            // Mostly plausible indices (so the consumer keeps taking
            // entries), sometimes far ahead or behind.
            let head = m.inner.load_u32(CONSUMER_OFFSET, Ordering::Relaxed);
            let tail = match r % 8 {
                0 => (r >> 16) as u32,
                _ => head.wrapping_add((r >> 8) as u32 % (ENTRIES + 1)),
            };
            m.inner.store_u32(PRODUCER_OFFSET, tail, Ordering::Release);
            writes += 1;
            if writes.is_multiple_of(64) {
                thread::yield_now();
            }
        }
    });

    // Sessions: a consumer runs until it finds the corruption, stops, and
    // a fresh one (as after a queue reset) takes over.
    const SESSIONS: u32 = 100;
    let mut taken = vec![0u64; ENTRIES as usize];
    let (mut rejected, mut accepted, mut errors) = (0u64, 0u64, 0u32);
    for _ in 0..SESSIONS {
        mem.inner
            .fetch_and_u32(FLAGS_OFFSET, !ERROR, Ordering::AcqRel);
        let mut c: Consumer<_, Entry, u32> = Consumer::new(&*mem, ENTRIES, validate, 0).unwrap();
        let mut result = Ok(());
        for _ in 0..100_000 {
            match c.pop() {
                Ok(Some(rx)) => {
                    taken[(rx.index % u64::from(ENTRIES)) as usize] += 1;
                    match rx.check {
                        Ok(()) => accepted += 1,
                        Err(_) => rejected += 1,
                    }
                    c.release();
                }
                Ok(None) => thread::yield_now(),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        // The hostile producer puts an index far ahead one write in eight;
        // the consumer must catch it and say so in the shared flags.
        let err = result.expect_err("a wild producer index went unnoticed");
        assert!(matches!(err, RingError::Overrun { ahead, entries: ENTRIES } if ahead > 16));
        assert_eq!(err.errno(), Errno::EPIPE);
        assert_ne!(
            mem.inner.load_u32(FLAGS_OFFSET, Ordering::Relaxed) & ERROR,
            0
        );
        // Stopped for good: no further read of the ring.
        let before: Vec<Vec<u64>> = (0..ENTRIES as usize).map(|s| mem.slot_reads(s)).collect();
        assert_eq!(c.pop(), Err(err));
        assert_eq!(c.available(), Err(err));
        let after: Vec<Vec<u64>> = (0..ENTRIES as usize).map(|s| mem.slot_reads(s)).collect();
        assert_eq!(before, after);
        errors += 1;
    }
    stop.store(true, Ordering::Relaxed);
    hostile.join().unwrap();

    assert_eq!(errors, SESSIONS);
    assert_eq!(mem.out_of_bounds.load(Ordering::Relaxed), 0);
    // Exactly one read of every word per entry taken from that slot: the
    // entry was copied once, and validated and used from the copy.
    for (slot, &n) in taken.iter().enumerate() {
        assert_eq!(mem.slot_reads(slot), vec![n; ENTRY / 4], "slot {slot}");
    }
    // Torn and random entries were taken and rejected by validation.
    assert!(rejected > 0, "accepted {accepted}, rejected {rejected}");
}

#[test]
fn garbage_entries_are_rejected_by_validation_not_used() {
    const ENTRIES: u32 = 16;
    let mem = Counting::new(ENTRIES);
    let mut c: Consumer<_, Entry, u32> = Consumer::new(&mem, ENTRIES, validate, 0).unwrap();
    // A producer that writes garbage into every slot but keeps the index
    // honest: every entry is taken, and every one is rejected.
    for i in 0..ENTRIES as usize * ENTRY / 4 {
        mem.inner.store_u32(
            HEADER_SIZE + 4 * i,
            0xdead_0000 | i as u32,
            Ordering::Relaxed,
        );
    }
    mem.inner
        .store_u32(PRODUCER_OFFSET, ENTRIES, Ordering::Release);
    let mut n = 0;
    while let Some(rx) = c.pop().unwrap() {
        assert_eq!(rx.check, Err(Errno::EINVAL));
        n += 1;
    }
    c.release();
    assert_eq!(n, ENTRIES);
    assert_eq!(
        mem.inner.load_u32(CONSUMER_OFFSET, Ordering::Relaxed),
        ENTRIES
    );
}

#[test]
fn wrap_around_over_many_laps_with_a_well_behaved_producer() {
    const ENTRIES: u32 = 16;
    let mem = Arc::new(Counting::new(ENTRIES));
    // Start near the wrap of the u32 index, so the laps cross it.
    let start = u32::MAX - 40;
    mem.inner
        .store_u32(PRODUCER_OFFSET, start, Ordering::Relaxed);
    mem.inner
        .store_u32(CONSUMER_OFFSET, start, Ordering::Relaxed);
    let total = ENTRIES * 50;
    let m = mem.clone();
    let producer = thread::spawn(move || {
        let mut p: Producer<_, Entry, u32> = Producer::new(&*m, ENTRIES).unwrap();
        let mut next = 0;
        let mut rng = fastrand::Rng::with_seed(42);
        while next < total {
            let batch = 1 + rng.u64(..) as u32 % ENTRIES;
            let mut pushed = 0;
            while pushed < batch && next < total && p.push(&entry(next)).unwrap() {
                next += 1;
                pushed += 1;
            }
            p.publish();
            if pushed == 0 {
                thread::yield_now();
            }
        }
    });
    let mut c: Consumer<_, Entry, u32> = Consumer::new(&*mem, ENTRIES, validate, 0).unwrap();
    let mut want = 0;
    while want < total {
        match c.pop().unwrap() {
            Some(rx) => {
                assert_eq!(rx.entry, entry(want));
                rx.check.unwrap();
                want += 1;
                if want.is_multiple_of(3) {
                    c.release();
                }
            }
            None => {
                c.release();
                thread::yield_now();
            }
        }
    }
    c.release();
    producer.join().unwrap();
    assert_eq!(c.pop().unwrap(), None);
    assert_eq!(c.head(), start.wrapping_add(total));
    for slot in 0..ENTRIES as usize {
        assert_eq!(mem.slot_reads(slot), vec![50; ENTRY / 4], "slot {slot}");
    }
}

#[test]
fn a_producer_refuses_a_bogus_consumer_index_and_honours_a_full_ring() {
    const ENTRIES: u32 = 16;
    let mem = Counting::new(ENTRIES);
    let mut p: Producer<_, Entry, u32> = Producer::new(&mem, ENTRIES).unwrap();
    for i in 0..ENTRIES {
        assert!(p.push(&entry(i)).unwrap());
    }
    // Full: backpressure, not an error.
    assert!(!p.push(&entry(99)).unwrap());
    p.publish();
    assert_eq!(p.space().unwrap(), 0);
    // The consumer takes 4.
    mem.inner.store_u32(CONSUMER_OFFSET, 4, Ordering::Release);
    assert_eq!(p.space().unwrap(), 4);
    // A consumer index ahead of what was published is a protocol error.
    mem.inner
        .store_u32(CONSUMER_OFFSET, ENTRIES + 1, Ordering::Release);
    let e = p.space().unwrap_err();
    assert!(matches!(e, RingError::BogusConsumer { .. }));
    assert_eq!(e.errno(), Errno::EPIPE);
    assert_eq!(p.push(&entry(1)), Err(e));
    assert_eq!(mem.out_of_bounds.load(Ordering::Relaxed), 0);
}

#[test]
fn geometry_is_checked_at_construction() {
    let mem = HeapRingMem::new(HEADER_SIZE + 16 * ENTRY);
    let bad = |n| Consumer::<_, Entry, u32>::new(&mem, n, validate, 0).err();
    assert_eq!(bad(12), Some(RingError::BadGeometry));
    assert_eq!(bad(32), Some(RingError::BadGeometry));
    assert_eq!(bad(0), Some(RingError::BadGeometry));
    assert!(Consumer::<_, Entry, u32>::new(&mem, 16, validate, 0).is_ok());
    assert_eq!(ring::region_size(16, ENTRY, 4096), Some(4096));
    assert_eq!(
        ring::region_size(4096, 72, 4096),
        Some(192 + 4096 * 72 + 4096 - 192)
    );
    assert_eq!(ring::region_size(u32::MAX, usize::MAX, 4096), None);
}
