//! Model checks of the ring protocol's orderings with loom: every
//! interleaving (and every weak-memory outcome loom models) of a producer
//! and a consumer thread. Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p uabi-runtime --release --test loom_ring`;
//! without `--cfg loom` this file is empty.
//!
//! The entry is two words whose second is derived from the first, so a
//! consumer that could read an entry before the producer's writes of it
//! are visible (a Relaxed index store or load) sees a mismatch.

// Tests report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use uabi_runtime::ring::{self, Consumer, HeapRingMem, Producer, no_validation};
use uabi_runtime::zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
struct Entry {
    value: u32,
    check: u32,
}

fn entry(v: u32) -> Entry {
    Entry {
        value: v,
        check: !v,
    }
}

/// Every interleaving with at most three preemptions: enough to put a
/// thread switch between any write and the index store or load that
/// publishes it, and it keeps the run to seconds on two cores.
fn model<F: Fn() + Sync + Send + 'static>(f: F) {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(3);
    b.check(f);
}

fn region(entries: u32) -> Arc<HeapRingMem> {
    let mem = HeapRingMem::new(ring::region_size(entries, 8, 0).unwrap());
    ring::init::<_, u32>(&mem, entries, 8).unwrap();
    Arc::new(mem)
}

/// Produces `total` entries (pushing when there is room, publishing
/// each batch of `batch`) and consumes them on another thread: each is
/// seen exactly once, in order, with its contents.
fn transfer(entries: u32, total: u32, batch: u32) {
    model(move || {
        let mem = region(entries);
        let pm = mem.clone();
        let producer = thread::spawn(move || {
            let mut p: Producer<_, Entry, u32> = Producer::new(&*pm, entries).unwrap();
            let mut next = 0;
            while next < total {
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
        let mut c: Consumer<_, Entry, u32> =
            Consumer::new(&*mem, entries, no_validation, 0).unwrap();
        let mut want = 0;
        while want < total {
            match c.pop().unwrap() {
                Some(rx) => {
                    assert_eq!(
                        rx.entry,
                        entry(want),
                        "entry {want} seen torn or out of order"
                    );
                    assert_eq!(rx.index, u64::from(want));
                    rx.check.unwrap();
                    want += 1;
                    c.release();
                }
                None => thread::yield_now(),
            }
        }
        producer.join().unwrap();
        // Nothing left over, nothing seen twice.
        assert_eq!(c.pop().unwrap(), None);
        assert_eq!(c.error(), None);
    });
}

#[test]
fn entries_are_seen_after_the_index_exactly_once() {
    transfer(2, 3, 1);
}

#[test]
fn wrap_around_with_batched_publish() {
    // Three laps of a two-entry ring, two entries per publish.
    transfer(2, 6, 2);
}

/// NEED_WAKEUP: a consumer that goes to sleep after prepare_sleep said
/// "empty" is always woken by the producer that published after it
/// (publish returns true), so no entry is stranded.
#[test]
fn need_wakeup_never_strands_an_entry() {
    model(|| {
        let mem = region(2);
        let pm = mem.clone();
        let woken = Arc::new(loom::sync::atomic::AtomicBool::new(false));
        let w = woken.clone();
        let producer = thread::spawn(move || {
            let mut p: Producer<_, Entry, u32> = Producer::new(&*pm, 2).unwrap();
            assert!(p.push(&entry(7)).unwrap());
            if p.publish() {
                w.store(true, loom::sync::atomic::Ordering::SeqCst);
            }
        });
        let mut c: Consumer<_, Entry, u32> = Consumer::new(&*mem, 2, no_validation, 0).unwrap();
        let got_now = c.pop().unwrap();
        let slept = got_now.is_none() && c.prepare_sleep().unwrap();
        producer.join().unwrap();
        if slept {
            // The consumer slept: the producer must have rung.
            assert!(
                woken.load(loom::sync::atomic::Ordering::SeqCst),
                "entry stranded"
            );
        }
        if got_now.is_none() {
            c.clear_need_wakeup();
            assert_eq!(c.pop().unwrap().map(|r| r.entry), Some(entry(7)));
        }
    });
}
