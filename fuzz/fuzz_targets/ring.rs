//! The generated ring consumer (the device side of the submit ring) and
//! producer (the complete ring) over memory a hostile process rewrites
//! between any two accesses: indices, flags and entries change under
//! them. Neither side may panic, touch memory outside the region or off
//! its alignment, hand out more entries than the producer index allowed,
//! or report more space than the ring has; a protocol error stops a side
//! for good.
#![no_main]

use libfuzzer_sys::fuzz_target;
use softaccel_kernel::rings::{RingMem, complete, submit};
use softaccel_kernel::uapi::RingCompletion;
use std::cell::{Cell, RefCell};
use std::sync::atomic::Ordering;
use uabi_fuzz::Tape;

/// Region memory with an adversary: before each access it may rewrite a
/// word, as the producer process can at any moment.
struct Hostile<'a> {
    words: RefCell<Vec<u32>>,
    tape: RefCell<Tape<'a>>,
    bad_access: Cell<bool>,
}

impl Hostile<'_> {
    fn meddle(&self) {
        let mut t = self.tape.borrow_mut();
        // One byte decides whether to write, so most accesses are left
        // alone and the fuzzer can aim a write at one moment.
        if t.u8() & 3 != 0 {
            return;
        }
        let mut w = self.words.borrow_mut();
        let n = w.len();
        if n == 0 {
            return;
        }
        // The header words (indices, flags) most of the time.
        let at = if t.u8() & 1 == 0 {
            [0usize, 16, 32, 48][t.below(4)] / 4
        } else {
            t.below(n)
        };
        let v = t.u32();
        if let Some(slot) = w.get_mut(at) {
            *slot = v;
        }
    }

    fn index(&self, offset: usize, size: usize) -> Option<usize> {
        let ok = offset.is_multiple_of(size) && offset + size <= self.words.borrow().len() * 4;
        if !ok {
            self.bad_access.set(true);
        }
        ok.then_some(offset / 4)
    }
}

impl RingMem for Hostile<'_> {
    fn len(&self) -> usize {
        self.words.borrow().len() * 4
    }
    fn load_u32(&self, offset: usize, _: Ordering) -> u32 {
        self.meddle();
        self.index(offset, 4).map_or(0, |i| self.words.borrow()[i])
    }
    fn store_u32(&self, offset: usize, value: u32, _: Ordering) {
        self.meddle();
        if let Some(i) = self.index(offset, 4) {
            self.words.borrow_mut()[i] = value;
        }
    }
    fn fetch_or_u32(&self, offset: usize, value: u32, _: Ordering) -> u32 {
        self.meddle();
        self.index(offset, 4).map_or(0, |i| {
            let mut w = self.words.borrow_mut();
            let old = w[i];
            w[i] = old | value;
            old
        })
    }
    fn fetch_and_u32(&self, offset: usize, value: u32, _: Ordering) -> u32 {
        self.meddle();
        self.index(offset, 4).map_or(0, |i| {
            let mut w = self.words.borrow_mut();
            let old = w[i];
            w[i] = old & value;
            old
        })
    }
    fn load_u64(&self, offset: usize, _: Ordering) -> u64 {
        // Only rings with u64 indices use these; ours have u32 ones.
        self.bad_access.set(true);
        let _ = offset;
        0
    }
    fn store_u64(&self, _: usize, _: u64, _: Ordering) {
        self.bad_access.set(true);
    }
}

fuzz_target!(|data: &[u8]| {
    let mut t = Tape::new(data);
    let entries = match t.u8() % 8 {
        0 => 0,
        1 => 3,
        2 => 17,
        3 => 4096,
        4 => 32,
        5 => 1 << 31,
        _ => 16,
    };
    let producer_side = t.u8() & 1 == 1;
    let size = if producer_side {
        complete::region_size(entries, 4)
    } else {
        submit::region_size(entries, 4)
    };
    // A region that fits, or one too short (a geometry the side refuses).
    let len = match size {
        Some(n) if n <= 1 << 20 => {
            if t.u8() == 0 {
                n.saturating_sub(4 * t.below(64))
            } else {
                n
            }
        }
        _ => 4 * t.below(1024),
    };
    let nops = t.below(512);
    let ops = t.bytes(nops).to_vec();
    let mem = Hostile {
        words: RefCell::new(vec![0u32; len / 4]),
        tape: RefCell::new(Tape::new(t.rest())),
        bad_access: Cell::new(false),
    };
    if producer_side {
        let _ = complete::init(&mem, entries);
        let Ok(mut p) = complete::producer(&mem, entries) else {
            return;
        };
        let mut stopped = false;
        for op in ops {
            let r = match op % 4 {
                0 => p
                    .space()
                    .map(|s| assert!(s <= entries, "space {s} > {entries}")),
                1 => {
                    let e = RingCompletion {
                        seqno: u64::from(op),
                        ..RingCompletion::ZERO
                    };
                    p.push(&e).map(|_| ())
                }
                2 => {
                    assert!(
                        p.unpublished() <= u64::from(entries),
                        "more unpublished than slots"
                    );
                    p.publish();
                    Ok(())
                }
                _ => {
                    let _ = p.flags();
                    Ok(())
                }
            };
            if r.is_err() {
                stopped = true;
            }
            // A protocol error is final.
            if stopped {
                assert!(p.error().is_some(), "an error the producer forgot");
            }
        }
    } else {
        let _ = submit::init(&mem, entries);
        let Ok(mut c) = submit::consumer(&mem, entries, softaccel_kernel::uapi::REVISION) else {
            return;
        };
        let mut next = u64::from(c.head());
        for op in ops {
            let r = match op % 5 {
                0 => c.available().map(|n| {
                    assert!(n <= entries, "available {n} > {entries}");
                }),
                1 => c.pop().map(|got| {
                    if let Some(e) = got {
                        // Entries come in index order, one each, and only
                        // while the checked producer index allows.
                        assert_eq!(e.index, next & 0xffff_ffff, "entries out of order");
                        next += 1;
                        if e.check.is_ok() {
                            assert!(
                                softaccel_kernel::validate_ring_cmd_at(
                                    &e.entry,
                                    softaccel_kernel::uapi::REVISION
                                )
                                .is_ok(),
                                "an entry passed as valid whose copy is not"
                            );
                        }
                    }
                }),
                2 => {
                    c.release();
                    Ok(())
                }
                3 => c.prepare_sleep().map(|_| ()),
                _ => {
                    c.clear_need_wakeup();
                    Ok(())
                }
            };
            if r.is_err() {
                assert!(c.error().is_some(), "an error the consumer forgot");
                assert!(
                    c.pop().is_err(),
                    "a consumer that goes on after a protocol error"
                );
            }
        }
    }
    assert!(
        !mem.bad_access.get(),
        "a ring access outside the region or misaligned"
    );
});
