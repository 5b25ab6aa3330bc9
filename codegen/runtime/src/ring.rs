//! The generic half of the shared-memory ring protocol. Generated crates
//! instantiate it once per ring of a spec, with the ring's entry struct,
//! index type and (kernel side) the entry's generated validation; the
//! protocol itself lives here once, tested once (loom for the orderings,
//! a hostile producer for the untrusted side).
//!
//! Layout of one ring region (the contract every language binding shares):
//!
//! | offset | contents |
//! | --- | --- |
//! | 0 | producer index (`u32` or `u64`), alone on cache line 0 |
//! | 64 | consumer index, alone on cache line 1 |
//! | 128 | `u32 flags` ([`NEED_WAKEUP`], [`ERROR`]), `u32 entries`, rest of line 2 zero |
//! | 192 | `entries` entries, back to back |
//!
//! Indices run freely and wrap at the width of their type; an entry's slot
//! is `index & (entries - 1)`. The producer writes entries, then stores its
//! index with Release; the consumer loads that index with Acquire, copies
//! each entry exactly once into a local value (which alone is validated
//! and used), then stores its own index with Release.
//!
//! Neither side trusts the other's index: each keeps its own index in a
//! private copy, and a peer index that is more than `entries` away from it
//! (a consumer that would read entries never written, a producer that sees
//! the consumer ahead of what it published) is a protocol error: a
//! [`RingError`] (EPIPE), the [`ERROR`] flag, and the side stops. Nothing
//! in here panics or touches memory outside the region, whatever the peer
//! writes.
//!
//! Memory is reached only through [`RingMem`], in aligned 32-bit words
//! (entries) and the index width, all atomics: a peer rewriting an entry
//! while it is copied gives a torn but well-defined value, never undefined
//! behaviour. Tests implement [`RingMem`] to count every access; under
//! `--cfg loom` the atomics of [`HeapRingMem`] are loom's.

use crate::Errno;
use core::fmt;
use core::marker::PhantomData;
use core::sync::atomic::Ordering;
use zerocopy::{FromBytes, IntoBytes};

#[cfg(not(loom))]
use core::sync::atomic::{AtomicU32, AtomicU64};
#[cfg(loom)]
use loom::sync::atomic::{AtomicU32, AtomicU64};

/// Byte offset of the producer index.
pub const PRODUCER_OFFSET: usize = 0;
/// Byte offset of the consumer index (cache line 1).
pub const CONSUMER_OFFSET: usize = 64;
/// Byte offset of the `u32` flags word (cache line 2).
pub const FLAGS_OFFSET: usize = 128;
/// Byte offset of the `u32` entry count, written once at creation.
pub const ENTRIES_OFFSET: usize = 132;
/// Byte offset of the first entry; also the header's size.
pub const HEADER_SIZE: usize = 192;
/// Cache line size the header is laid out for.
pub const CACHE_LINE: usize = 64;

/// Flags bit 0: the consumer sleeps (or is about to) and must be woken
/// (the doorbell) after the producer publishes.
pub const NEED_WAKEUP: u32 = 1;
/// Flags bit 1: the consumer found a protocol error and stopped.
pub const ERROR: u32 = 2;

/// The bytes a ring of `entries` entries of `entry_size` bytes occupies,
/// rounded up to `page_size` (a power of two); None on overflow.
pub const fn region_size(entries: u32, entry_size: usize, page_size: usize) -> Option<usize> {
    let Some(body) = (entries as usize).checked_mul(entry_size) else {
        return None;
    };
    let Some(end) = HEADER_SIZE.checked_add(body) else {
        return None;
    };
    if page_size == 0 {
        return Some(end);
    }
    end.checked_next_multiple_of(page_size)
}

/// Is `n` an allowed entry count: a power of two in `min..=max`?
pub const fn valid_entries(n: u64, min: u64, max: u64) -> bool {
    n.is_power_of_two() && n >= min && n <= max
}

/// Why a ring side stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RingError {
    /// Consumer side: the producer index is `ahead` entries past the
    /// consumer's, more than the ring holds.
    Overrun {
        /// How far the producer index is past the consumer's.
        ahead: u64,
        /// How many entries the ring holds.
        entries: u32,
    },
    /// Producer side: the consumer index claims `used` entries in flight
    /// (more than the ring holds, or the consumer ahead of the producer).
    BogusConsumer {
        /// How many entries the consumer index claims are in flight.
        used: u64,
        /// How many entries the ring holds.
        entries: u32,
    },
    /// The region is smaller than the ring needs, the entry count is not
    /// a power of two, or the entry size is not a multiple of 4.
    BadGeometry,
}

impl RingError {
    /// The errno a system call reports for it: EPIPE for a protocol
    /// error, EINVAL for a ring that cannot be set up.
    pub fn errno(self) -> Errno {
        match self {
            RingError::Overrun { .. } | RingError::BogusConsumer { .. } => Errno::EPIPE,
            RingError::BadGeometry => Errno::EINVAL,
        }
    }
}

impl fmt::Display for RingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RingError::Overrun { ahead, entries } => write!(
                f,
                "ring protocol error: producer index {ahead} entries ahead of a ring of {entries}"
            ),
            RingError::BogusConsumer { used, entries } => write!(
                f,
                "ring protocol error: consumer index leaves {used} entries in use in a ring of {entries}"
            ),
            RingError::BadGeometry => f.write_str("ring region does not fit its geometry"),
        }
    }
}

impl core::error::Error for RingError {}

impl From<RingError> for Errno {
    fn from(e: RingError) -> Errno {
        e.errno()
    }
}

/// The memory a ring region lives in. Every access is atomic; offsets are
/// naturally aligned and within [`RingMem::len`] (the ring checks the
/// geometry once, at construction, and only ever masks indices into it).
/// `load_u64`/`store_u64` are used only for the two index words of a ring
/// with `u64` indices.
pub trait RingMem {
    /// Bytes in the region.
    fn len(&self) -> usize;
    /// No bytes at all.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// An atomic load of the aligned `u32` at `offset`.
    fn load_u32(&self, offset: usize, order: Ordering) -> u32;
    /// An atomic store of the aligned `u32` at `offset`.
    fn store_u32(&self, offset: usize, value: u32, order: Ordering);
    /// An atomic OR into the aligned `u32` at `offset`; the old value.
    fn fetch_or_u32(&self, offset: usize, value: u32, order: Ordering) -> u32;
    /// An atomic AND into the aligned `u32` at `offset`; the old value.
    fn fetch_and_u32(&self, offset: usize, value: u32, order: Ordering) -> u32;
    /// An atomic load of the aligned `u64` at `offset`.
    fn load_u64(&self, offset: usize, order: Ordering) -> u64;
    /// An atomic store of the aligned `u64` at `offset`.
    fn store_u64(&self, offset: usize, value: u64, order: Ordering);
}

impl<T: RingMem + ?Sized> RingMem for &T {
    fn len(&self) -> usize {
        (**self).len()
    }
    fn load_u32(&self, offset: usize, order: Ordering) -> u32 {
        (**self).load_u32(offset, order)
    }
    fn store_u32(&self, offset: usize, value: u32, order: Ordering) {
        (**self).store_u32(offset, value, order)
    }
    fn fetch_or_u32(&self, offset: usize, value: u32, order: Ordering) -> u32 {
        (**self).fetch_or_u32(offset, value, order)
    }
    fn fetch_and_u32(&self, offset: usize, value: u32, order: Ordering) -> u32 {
        (**self).fetch_and_u32(offset, value, order)
    }
    fn load_u64(&self, offset: usize, order: Ordering) -> u64 {
        (**self).load_u64(offset, order)
    }
    fn store_u64(&self, offset: usize, value: u64, order: Ordering) {
        (**self).store_u64(offset, value, order)
    }
}

/// The type of a ring's free-running indices: `u32` or `u64`.
pub trait RingIndex: Copy + Eq + fmt::Debug + Send + Sync + 'static {
    /// Bytes of the index word.
    const SIZE: usize;
    /// The index word at `offset`.
    fn load<M: RingMem + ?Sized>(mem: &M, offset: usize, order: Ordering) -> Self;
    /// Writes the index word at `offset`.
    fn store<M: RingMem + ?Sized>(self, mem: &M, offset: usize, order: Ordering);
    /// `self - earlier`, wrapping at the type's width.
    fn distance(self, earlier: Self) -> u64;
    /// `self + n`, wrapping.
    fn advance(self, n: u32) -> Self;
    /// The slot of this index in a ring with `entries - 1 == mask`.
    fn slot(self, mask: u32) -> usize;
    /// The index, widened.
    fn to_u64(self) -> u64;
}

impl RingIndex for u32 {
    const SIZE: usize = 4;
    fn load<M: RingMem + ?Sized>(mem: &M, offset: usize, order: Ordering) -> u32 {
        mem.load_u32(offset, order)
    }
    fn store<M: RingMem + ?Sized>(self, mem: &M, offset: usize, order: Ordering) {
        mem.store_u32(offset, self, order)
    }
    fn distance(self, earlier: u32) -> u64 {
        u64::from(self.wrapping_sub(earlier))
    }
    fn advance(self, n: u32) -> u32 {
        self.wrapping_add(n)
    }
    fn slot(self, mask: u32) -> usize {
        (self & mask) as usize
    }
    fn to_u64(self) -> u64 {
        u64::from(self)
    }
}

impl RingIndex for u64 {
    const SIZE: usize = 8;
    fn load<M: RingMem + ?Sized>(mem: &M, offset: usize, order: Ordering) -> u64 {
        mem.load_u64(offset, order)
    }
    fn store<M: RingMem + ?Sized>(self, mem: &M, offset: usize, order: Ordering) {
        mem.store_u64(offset, self, order)
    }
    fn distance(self, earlier: u64) -> u64 {
        self.wrapping_sub(earlier)
    }
    fn advance(self, n: u32) -> u64 {
        self.wrapping_add(u64::from(n))
    }
    fn slot(self, mask: u32) -> usize {
        (self & u64::from(mask)) as usize
    }
    fn to_u64(self) -> u64 {
        self
    }
}

/// Checks that `mem` holds a ring of `entries` entries of `E`.
fn geometry<M: RingMem, E>(mem: &M, entries: u32) -> Result<u32, RingError> {
    let size = core::mem::size_of::<E>();
    let fits = region_size(entries, size, 0).is_some_and(|n| n <= mem.len());
    if !entries.is_power_of_two() || size == 0 || !size.is_multiple_of(4) || !fits {
        return Err(RingError::BadGeometry);
    }
    Ok(entries - 1)
}

/// Sets up a fresh region: indices and flags zero, the entry count
/// recorded. The side that creates the ring calls it once, before the
/// peer can see the region.
pub fn init<M: RingMem, I: RingIndex>(
    mem: &M,
    entries: u32,
    entry_size: usize,
) -> Result<(), RingError> {
    let fits = region_size(entries, entry_size, 0).is_some_and(|n| n <= mem.len());
    if !entries.is_power_of_two() || !fits {
        return Err(RingError::BadGeometry);
    }
    let mut off = 0;
    while off < HEADER_SIZE {
        mem.store_u32(off, 0, Ordering::Relaxed);
        off += 4;
    }
    mem.store_u32(ENTRIES_OFFSET, entries, Ordering::Relaxed);
    Ok(())
}

/// Copies the entry at byte `offset` out of shared memory, once, word by
/// word.
fn read_entry<M: RingMem, E: FromBytes + IntoBytes>(mem: &M, offset: usize) -> E {
    let mut e = E::new_zeroed();
    for (i, w) in e.as_mut_bytes().chunks_exact_mut(4).enumerate() {
        w.copy_from_slice(
            &mem.load_u32(offset + 4 * i, Ordering::Relaxed)
                .to_ne_bytes(),
        );
    }
    e
}

fn write_entry<M: RingMem, E: IntoBytes + zerocopy::Immutable>(mem: &M, offset: usize, e: &E) {
    for (i, w) in e.as_bytes().chunks_exact(4).enumerate() {
        let word = u32::from_ne_bytes([w[0], w[1], w[2], w[3]]);
        mem.store_u32(offset + 4 * i, word, Ordering::Relaxed);
    }
}

/// One entry a consumer took: the private copy, and what the entry's
/// validation said about that copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received<E> {
    /// The entry as copied out of the ring.
    pub entry: E,
    /// The producer index this entry had (before masking).
    pub index: u64,
    /// `Err(EINVAL)` (or another errno) when the copy breaks the entry
    /// struct's rules (pad, flags, enums, ranges): the entry is consumed
    /// and must be answered, never used.
    pub check: Result<(), Errno>,
}

/// A validation function: an entry and the revision the side plays.
pub type Validate<E> = fn(&E, u32) -> Result<(), Errno>;

/// Accepts every entry (a side that trusts its producer, or has no rules).
pub fn no_validation<E>(_: &E, _: u32) -> Result<(), Errno> {
    Ok(())
}

/// The consuming side of a ring whose producer it does not trust.
pub struct Consumer<M, E, I: RingIndex> {
    mem: M,
    mask: u32,
    entries: u32,
    /// Our own index: the next entry to take. Never read back from the
    /// shared memory after construction.
    head: I,
    /// The producer index last loaded (already checked).
    tail: I,
    validate: Validate<E>,
    rev: u32,
    failed: Option<RingError>,
    _entry: PhantomData<fn() -> E>,
}

impl<M: RingMem, E: FromBytes + IntoBytes, I: RingIndex> Consumer<M, E, I> {
    /// A consumer of `mem`, a region of `entries` entries; it starts at the
    /// consumer index the region holds (0 after [`init`]). Each entry it
    /// takes is checked with `validate(&copy, rev)`.
    pub fn new(mem: M, entries: u32, validate: Validate<E>, rev: u32) -> Result<Self, RingError> {
        let mask = geometry::<M, E>(&mem, entries)?;
        let head = I::load(&mem, CONSUMER_OFFSET, Ordering::Relaxed);
        Ok(Consumer {
            mem,
            mask,
            entries,
            head,
            tail: head,
            validate,
            rev,
            failed: None,
            _entry: PhantomData,
        })
    }

    /// The ring's memory.
    pub fn mem(&self) -> &M {
        &self.mem
    }

    /// Slots in the ring (a power of two).
    pub fn entries(&self) -> u32 {
        self.entries
    }

    /// Our index: how many entries were taken, wrapping.
    pub fn head(&self) -> I {
        self.head
    }

    /// The protocol error that stopped this side, if any.
    pub fn error(&self) -> Option<RingError> {
        self.failed
    }

    fn fail(&mut self, e: RingError) -> RingError {
        self.failed = Some(e);
        self.mem.fetch_or_u32(FLAGS_OFFSET, ERROR, Ordering::AcqRel);
        e
    }

    /// Loads the producer index (Acquire) and returns how many entries
    /// are ready; a producer index more than `entries` ahead is a protocol
    /// error.
    pub fn available(&mut self) -> Result<u32, RingError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let tail = I::load(&self.mem, PRODUCER_OFFSET, Ordering::Acquire);
        let ahead = tail.distance(self.head);
        if ahead > u64::from(self.entries) {
            return Err(self.fail(RingError::Overrun {
                ahead,
                entries: self.entries,
            }));
        }
        self.tail = tail;
        // ahead <= entries <= u32::MAX.
        Ok(ahead as u32)
    }

    /// Takes the next entry: copied once out of the ring, then validated.
    /// None when the ring is empty. The slot stays ours until
    /// [`Consumer::release`] publishes our index.
    pub fn pop(&mut self) -> Result<Option<Received<E>>, RingError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        if self.tail == self.head && self.available()? == 0 {
            return Ok(None);
        }
        let off = HEADER_SIZE + self.head.slot(self.mask) * core::mem::size_of::<E>();
        let entry: E = read_entry(&self.mem, off);
        let index = self.head.to_u64();
        self.head = self.head.advance(1);
        let check = (self.validate)(&entry, self.rev);
        Ok(Some(Received {
            entry,
            index,
            check,
        }))
    }

    /// Publishes our index (Release): the slots taken so far may be
    /// reused by the producer.
    pub fn release(&mut self) {
        self.head
            .store(&self.mem, CONSUMER_OFFSET, Ordering::Release);
    }

    /// Before sleeping: sets [`NEED_WAKEUP`] and checks the producer index
    /// again. True: still empty, sleep until the doorbell (the producer
    /// will see the flag). False: entries arrived meanwhile; the flag was
    /// cleared again and the caller goes on consuming.
    pub fn prepare_sleep(&mut self) -> Result<bool, RingError> {
        // An RMW on the flags word: either the producer's later RMW of
        // the same word sees the flag, or ours reads from its RMW and so
        // (release sequence) the load below sees its index.
        self.mem
            .fetch_or_u32(FLAGS_OFFSET, NEED_WAKEUP, Ordering::AcqRel);
        if self.available()? == 0 {
            return Ok(true);
        }
        self.clear_need_wakeup();
        Ok(false)
    }

    /// After waking up.
    pub fn clear_need_wakeup(&self) {
        self.mem
            .fetch_and_u32(FLAGS_OFFSET, !NEED_WAKEUP, Ordering::AcqRel);
    }
}

/// The producing side of a ring whose consumer it does not trust.
pub struct Producer<M, E, I: RingIndex> {
    mem: M,
    mask: u32,
    entries: u32,
    /// The next index to write (entries written, not yet published, lie
    /// between `published` and `tail`).
    tail: I,
    published: I,
    /// The consumer index last loaded (already checked).
    head: I,
    failed: Option<RingError>,
    _entry: PhantomData<fn(E)>,
}

impl<M: RingMem, E: IntoBytes + zerocopy::Immutable, I: RingIndex> Producer<M, E, I> {
    /// A producer of `mem`, a region of `entries` entries; it starts at the
    /// producer index the region holds (0 after [`init`]).
    pub fn new(mem: M, entries: u32) -> Result<Self, RingError> {
        let mask = geometry::<M, E>(&mem, entries)?;
        let tail = I::load(&mem, PRODUCER_OFFSET, Ordering::Relaxed);
        Ok(Producer {
            mem,
            mask,
            entries,
            tail,
            published: tail,
            head: tail,
            failed: None,
            _entry: PhantomData,
        })
    }

    /// The ring's memory.
    pub fn mem(&self) -> &M {
        &self.mem
    }

    /// Slots in the ring (a power of two).
    pub fn entries(&self) -> u32 {
        self.entries
    }

    /// The protocol error that stopped this side, if any.
    pub fn error(&self) -> Option<RingError> {
        self.failed
    }

    /// The index the next [`Producer::push`] writes.
    pub fn tail(&self) -> I {
        self.tail
    }

    /// Loads the consumer index (Acquire) and returns how many more
    /// entries fit. A consumer index that puts more than `entries` entries
    /// in flight, or runs ahead of what was published, is a protocol
    /// error.
    pub fn space(&mut self) -> Result<u32, RingError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let head = I::load(&self.mem, CONSUMER_OFFSET, Ordering::Acquire);
        let used = self.published.distance(head);
        if used > u64::from(self.entries) {
            let e = RingError::BogusConsumer {
                used,
                entries: self.entries,
            };
            self.failed = Some(e);
            return Err(e);
        }
        self.head = head;
        let pending = self.tail.distance(head);
        Ok(u64::from(self.entries).saturating_sub(pending) as u32)
    }

    /// Writes `entry` into the next free slot, unpublished. False when
    /// the ring is full (backpressure: publish, wait for the consumer,
    /// retry).
    pub fn push(&mut self, entry: &E) -> Result<bool, RingError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        if self.tail.distance(self.head) >= u64::from(self.entries) && self.space()? == 0 {
            return Ok(false);
        }
        let off = HEADER_SIZE + self.tail.slot(self.mask) * core::mem::size_of::<E>();
        write_entry(&self.mem, off, entry);
        self.tail = self.tail.advance(1);
        Ok(true)
    }

    /// Entries pushed and not yet published.
    pub fn unpublished(&self) -> u64 {
        self.tail.distance(self.published)
    }

    /// Publishes every entry pushed so far with one Release store of the
    /// producer index. Returns whether the consumer asked to be woken
    /// ([`NEED_WAKEUP`]): then ring its doorbell.
    pub fn publish(&mut self) -> bool {
        if self.tail != self.published {
            self.tail
                .store(&self.mem, PRODUCER_OFFSET, Ordering::Release);
            self.published = self.tail;
        }
        // The RMW pairs with the consumer's in `prepare_sleep`.
        self.mem.fetch_or_u32(FLAGS_OFFSET, 0, Ordering::AcqRel) & NEED_WAKEUP != 0
    }

    /// The consumer's flags word (NEED_WAKEUP, ERROR).
    pub fn flags(&self) -> u32 {
        self.mem.load_u32(FLAGS_OFFSET, Ordering::Acquire)
    }
}

// uabi: the kernel part ends here. Everything above is copied into the
// kernel flavour's `uabi_ring.rs` (codegen/src/backend/rust/linux), which
// cuts at this line and swaps zerocopy's traits for the kernel's.

/// A region on the heap, for tests and loom models (whose atomics it then
/// uses).
pub struct HeapRingMem {
    words: alloc::boxed::Box<[AtomicU32]>,
    /// The `u64` index words (offsets 0 and 64), which a word array
    /// cannot hold atomically.
    wide: [AtomicU64; 2],
}

impl HeapRingMem {
    /// `len` bytes (rounded up to a multiple of 4), all zero.
    pub fn new(len: usize) -> HeapRingMem {
        let words = (0..len.div_ceil(4)).map(|_| AtomicU32::new(0)).collect();
        HeapRingMem {
            words,
            wide: [AtomicU64::new(0), AtomicU64::new(0)],
        }
    }

    fn word(&self, offset: usize) -> Option<&AtomicU32> {
        self.words.get(offset / 4)
    }

    fn wide(&self, offset: usize) -> Option<&AtomicU64> {
        match offset {
            PRODUCER_OFFSET => Some(&self.wide[0]),
            CONSUMER_OFFSET => Some(&self.wide[1]),
            _ => None,
        }
    }
}

// Out-of-range offsets read as zero and drop writes: the ring never makes
// them, and a test's counting wrapper reports them.
impl RingMem for HeapRingMem {
    fn len(&self) -> usize {
        self.words.len() * 4
    }
    fn load_u32(&self, offset: usize, order: Ordering) -> u32 {
        self.word(offset).map_or(0, |w| w.load(order))
    }
    fn store_u32(&self, offset: usize, value: u32, order: Ordering) {
        if let Some(w) = self.word(offset) {
            w.store(value, order)
        }
    }
    fn fetch_or_u32(&self, offset: usize, value: u32, order: Ordering) -> u32 {
        self.word(offset).map_or(0, |w| w.fetch_or(value, order))
    }
    fn fetch_and_u32(&self, offset: usize, value: u32, order: Ordering) -> u32 {
        self.word(offset).map_or(0, |w| w.fetch_and(value, order))
    }
    fn load_u64(&self, offset: usize, order: Ordering) -> u64 {
        self.wide(offset).map_or(0, |w| w.load(order))
    }
    fn store_u64(&self, offset: usize, value: u64, order: Ordering) {
        if let Some(w) = self.wide(offset) {
            w.store(value, order)
        }
    }
}

/// The aligned word at `offset` of a mapping, if it lies within it.
#[cfg(all(feature = "std", not(loom)))]
fn mapped<T>(m: &crate::transport::Mapping, offset: usize) -> Option<*mut T> {
    let size = core::mem::size_of::<T>();
    let end = offset.checked_add(size)?;
    if !offset.is_multiple_of(size) || end > m.len() {
        return None;
    }
    // In bounds (checked above); the mapping is page-aligned, so the
    // address is aligned for T.
    Some(m.as_ptr().wrapping_add(offset).cast())
}

#[cfg(all(feature = "std", not(loom)))]
trait MappedAtomics {
    fn atomic_u32(&self, offset: usize) -> Option<&AtomicU32>;
    fn atomic_u64(&self, offset: usize) -> Option<&AtomicU64>;
}

#[cfg(all(feature = "std", not(loom)))]
impl MappedAtomics for crate::transport::Mapping {
    fn atomic_u32(&self, offset: usize) -> Option<&AtomicU32> {
        // SAFETY: `mapped` returns an aligned in-bounds address of a
        // mapping that stays valid for as long as `self` is borrowed. The
        // region is shared memory that this process only ever touches with
        // atomics (the peer is another process or the driver, equally
        // atomic), so viewing the word as an atomic creates no data race.
        mapped::<u32>(self, offset).map(|p| unsafe { AtomicU32::from_ptr(p) })
    }
    fn atomic_u64(&self, offset: usize) -> Option<&AtomicU64> {
        // SAFETY: as above.
        mapped::<u64>(self, offset).map(|p| unsafe { AtomicU64::from_ptr(p) })
    }
}

/// A ring region in a shared mapping (the device's memory, mapped by
/// either side).
#[cfg(all(feature = "std", not(loom)))]
impl RingMem for crate::transport::Mapping {
    fn len(&self) -> usize {
        crate::transport::Mapping::len(self)
    }
    fn load_u32(&self, offset: usize, order: Ordering) -> u32 {
        self.atomic_u32(offset).map_or(0, |w| w.load(order))
    }
    fn store_u32(&self, offset: usize, value: u32, order: Ordering) {
        if let Some(w) = self.atomic_u32(offset) {
            w.store(value, order)
        }
    }
    fn fetch_or_u32(&self, offset: usize, value: u32, order: Ordering) -> u32 {
        self.atomic_u32(offset)
            .map_or(0, |w| w.fetch_or(value, order))
    }
    fn fetch_and_u32(&self, offset: usize, value: u32, order: Ordering) -> u32 {
        self.atomic_u32(offset)
            .map_or(0, |w| w.fetch_and(value, order))
    }
    fn load_u64(&self, offset: usize, order: Ordering) -> u64 {
        self.atomic_u64(offset).map_or(0, |w| w.load(order))
    }
    fn store_u64(&self, offset: usize, value: u64, order: Ordering) {
        if let Some(w) = self.atomic_u64(offset) {
            w.store(value, order)
        }
    }
}
