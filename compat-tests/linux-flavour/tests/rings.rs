//! The kernel flavour's rings (`uabi_ring.rs`, the kernel part of
//! `uabi-runtime`'s ring protocol with the kernel's byte traits) behave as
//! the hosted crate's: the same hostile producer writes (random entries,
//! random and bogus producer indices, the consumer index rewritten) give
//! the same popped entries, validation verdicts, protocol errors and
//! region bytes; and the device-produced ring's producer answers a bogus
//! consumer index alike.

// Tests report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use linux_flavour_tests::softaccel as lx;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use uabi_test_support::Rng;

/// One ring region in plain memory, readable by both flavours' traits.
struct Region {
    words: Vec<AtomicU32>,
    wide: [AtomicU64; 2],
}

impl Region {
    fn new(len: usize) -> Region {
        Region {
            words: (0..len / 4).map(|_| AtomicU32::new(0)).collect(),
            wide: [AtomicU64::new(0), AtomicU64::new(0)],
        }
    }

    fn snapshot(&self) -> Vec<u32> {
        self.words
            .iter()
            .map(|w| w.load(Ordering::Relaxed))
            .collect()
    }

    fn word(&self, offset: usize) -> &AtomicU32 {
        &self.words[offset / 4]
    }

    fn wide(&self, offset: usize) -> &AtomicU64 {
        &self.wide[usize::from(offset != 0)]
    }
}

macro_rules! ring_mem {
    ($tr:path) => {
        impl $tr for Region {
            fn len(&self) -> usize {
                self.words.len() * 4
            }
            fn load_u32(&self, offset: usize, order: Ordering) -> u32 {
                self.word(offset).load(order)
            }
            fn store_u32(&self, offset: usize, value: u32, order: Ordering) {
                self.word(offset).store(value, order)
            }
            fn fetch_or_u32(&self, offset: usize, value: u32, order: Ordering) -> u32 {
                self.word(offset).fetch_or(value, order)
            }
            fn fetch_and_u32(&self, offset: usize, value: u32, order: Ordering) -> u32 {
                self.word(offset).fetch_and(value, order)
            }
            fn load_u64(&self, offset: usize, order: Ordering) -> u64 {
                self.wide(offset).load(order)
            }
            fn store_u64(&self, offset: usize, value: u64, order: Ordering) {
                self.wide(offset).store(value, order)
            }
        }
    };
}

ring_mem!(uabi_runtime::ring::RingMem);
ring_mem!(linux_flavour_tests::uabi_rt::ring::RingMem);

/// What a consumer did in one step, in flavour-neutral terms.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    Entry {
        index: u64,
        bytes: Vec<u8>,
        errno: i32,
    },
    Empty,
    Stopped(String),
}

#[test]
fn the_submit_ring_consumer_answers_a_hostile_producer_alike() {
    let entries = 8u32;
    let size = softaccel_kernel::rings::submit::region_size(entries, 0).unwrap();
    let mut rng = Rng::new(0x7269_6e67_0000_0001);
    let mut entries_seen = 0;
    let mut errors_seen = 0;
    for run in 0..300 {
        let hosted_mem = Region::new(size);
        let linux_mem = Region::new(size);
        softaccel_kernel::rings::submit::init(&hosted_mem, entries).unwrap();
        lx::rings::submit::init(&linux_mem, entries).unwrap();
        let rev = 1 + rng.below(3) as u32;
        let mut hosted =
            softaccel_kernel::rings::submit::consumer(&hosted_mem, entries, rev).unwrap();
        let mut linux = lx::rings::submit::consumer(&linux_mem, entries, rev).unwrap();
        for step in 0..60 {
            // The producer: write some words of the entry area (mostly
            // zero, sometimes noise), then move its index, usually by a
            // little, sometimes anywhere.
            let header = softaccel_kernel::rings::HEADER_SIZE;
            for _ in 0..rng.below(6) {
                let w = header / 4 + rng.below(((size - header) / 4) as u64) as usize;
                let v = if rng.below(3) == 0 {
                    rng.u64() as u32
                } else {
                    rng.below(3) as u32
                };
                hosted_mem.words[w].store(v, Ordering::Relaxed);
                linux_mem.words[w].store(v, Ordering::Relaxed);
            }
            if rng.below(3) == 0 {
                let cur = hosted_mem.words[0].load(Ordering::Relaxed);
                let next = if rng.below(10) == 0 {
                    rng.u64() as u32
                } else {
                    cur.wrapping_add(rng.below(4) as u32)
                };
                hosted_mem.words[0].store(next, Ordering::Release);
                linux_mem.words[0].store(next, Ordering::Release);
            }
            let h = match hosted.pop() {
                Ok(Some(r)) => Step::Entry {
                    index: r.index,
                    bytes: zerocopy::IntoBytes::as_bytes(&r.entry).to_vec(),
                    errno: r.check.err().map_or(0, |e| e.0),
                },
                Ok(None) => Step::Empty,
                Err(e) => Step::Stopped(format!("{e:?}")),
            };
            let l = match linux.pop() {
                Ok(Some(r)) => Step::Entry {
                    index: r.index,
                    bytes: linux_flavour_tests::uabi_rt::as_bytes(&r.entry).to_vec(),
                    errno: r.check.err().map_or(0, |e| e.0),
                },
                Ok(None) => Step::Empty,
                Err(e) => Step::Stopped(format!("{e:?}")),
            };
            assert_eq!(h, l, "run {run} step {step}");
            match &h {
                Step::Entry { errno, .. } => {
                    entries_seen += 1;
                    if *errno != 0 {
                        errors_seen += 1;
                    }
                }
                Step::Stopped(_) => break,
                Step::Empty => {}
            }
            if rng.below(2) == 0 {
                hosted.release();
                linux.release();
            }
            assert_eq!(
                hosted_mem.snapshot(),
                linux_mem.snapshot(),
                "run {run} step {step}"
            );
        }
    }
    assert!(
        entries_seen > 500 && errors_seen > 50,
        "{entries_seen} entries, {errors_seen} refused"
    );
}

#[test]
fn the_completion_ring_producer_answers_a_bogus_consumer_alike() {
    let entries = 4u32;
    let size = softaccel_kernel::rings::complete::region_size(entries, 0).unwrap();
    let mut rng = Rng::new(0x7269_6e67_0000_0002);
    for run in 0..300 {
        let hosted_mem = Region::new(size);
        let linux_mem = Region::new(size);
        softaccel_kernel::rings::complete::init(&hosted_mem, entries).unwrap();
        lx::rings::complete::init(&linux_mem, entries).unwrap();
        let mut hosted = softaccel_kernel::rings::complete::producer(&hosted_mem, entries).unwrap();
        let mut linux = lx::rings::complete::producer(&linux_mem, entries).unwrap();
        for step in 0..40 {
            let mut he = softaccel_kernel::uapi::RingCompletion::ZERO;
            let mut le = lx::uapi::RingCompletion::ZERO;
            let fill = rng.u64();
            zerocopy::IntoBytes::as_mut_bytes(&mut he)
                .iter_mut()
                .enumerate()
                .for_each(|(i, b)| *b = (fill >> (i % 8)) as u8);
            linux_flavour_tests::uabi_rt::bytes_of_mut(&mut le)
                .iter_mut()
                .enumerate()
                .for_each(|(i, b)| *b = (fill >> (i % 8)) as u8);
            let h = hosted.push(&he).map_err(|e| format!("{e:?}"));
            let l = linux.push(&le).map_err(|e| format!("{e:?}"));
            assert_eq!(h, l, "run {run} step {step}");
            if rng.below(2) == 0 {
                assert_eq!(hosted.publish(), linux.publish());
            }
            // The consumer (userspace) moves its index, sometimes wildly.
            if rng.below(3) == 0 {
                let off = softaccel_kernel::rings::CONSUMER_OFFSET / 4;
                let cur = hosted_mem.words[off].load(Ordering::Relaxed);
                let next = if rng.below(8) == 0 {
                    rng.u64() as u32
                } else {
                    cur.wrapping_add(rng.below(3) as u32)
                };
                hosted_mem.words[off].store(next, Ordering::Release);
                linux_mem.words[off].store(next, Ordering::Release);
            }
            assert_eq!(
                hosted_mem.snapshot(),
                linux_mem.snapshot(),
                "run {run} step {step}"
            );
            if h.is_err() {
                break;
            }
        }
    }
}
