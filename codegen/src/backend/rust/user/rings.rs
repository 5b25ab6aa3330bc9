//! The user crate's `rings` module: one module per ring of the spec,
//! instantiating the runtime's generic protocol (`uabi_runtime::ring`)
//! with the ring's entry struct, index type and entry-count bounds, on
//! the user side: the producer of a ring userspace produces, the consumer
//! (trusting the device's entries) of a ring the device produces. A spec
//! without rings gets no `rings` module.

use crate::backend::rust::writer::{RustWriter, doc};
use crate::model::{Model, Producer, Ring, Scalar, StructId};
use crate::names;

/// Appends the `rings` module, if the spec has rings.
pub(super) fn module(w: &mut RustWriter, model: &Model) {
    if model.rings.is_empty() {
        return;
    }
    doc(
        w,
        &format!(
            "The shared-memory rings of the `{}` spec, user side: the producer of every ring \
             userspace produces (push entries, then publish them all with one release store \
             and ring the doorbell only when the consumer asked for it) and the consumer of \
             every ring the device produces. Map a region with `Transport::mmap` at the \
             offset and size the creating ioctl returns; a `Mapping` is a `RingMem`.",
            model.name
        ),
    );
    w.open("pub mod rings");
    w.lines(RUNTIME_USES);
    for r in &model.rings {
        ring_module(w, model, r);
    }
    w.close("");
}

/// What every `rings` module re-exports from the runtime.
const RUNTIME_USES: &str = "\
pub use uabi_runtime::ring::{
    CONSUMER_OFFSET, ENTRIES_OFFSET, ERROR, FLAGS_OFFSET, HEADER_SIZE, NEED_WAKEUP,
    PRODUCER_OFFSET, Received, RingError, RingMem, region_size,
};";

fn ring_module(w: &mut RustWriter, model: &Model, r: &Ring) {
    let modname = names::snake(&r.name);
    let producer = match r.producer {
        Producer::User => "userspace",
        Producer::Device => "the device",
    };
    let mut text = format!(
        "The `{}` ring: entries of [`{modname}::Entry`], produced by {producer}, {}..={} \
         entries (a power of two), {} indices. Since revision {}.",
        r.name,
        r.min_entries,
        r.max_entries,
        r.index.name(),
        r.since
    );
    if let Some(d) = &r.doc {
        text = format!("{d}\n{text}");
    }
    doc(w, &text);
    w.open_fmt(format_args!("pub mod {modname}"));
    w.line("use super::{RingError, RingMem};");
    w.line("/// The entry struct.");
    w.line_fmt(format_args!(
        "pub type Entry = {};",
        entry_path(model, &r.entry)
    ));
    w.line("/// The type of the free-running indices.");
    let index = match r.index {
        Scalar::U64 => "u64",
        _ => "u32",
    };
    w.line_fmt(format_args!("pub type Index = {index};"));
    w.line("/// Bytes of one entry.");
    w.line("pub const ENTRY_SIZE: usize = core::mem::size_of::<Entry>();");
    w.line("/// Fewest entries a ring may have.");
    let bound = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    w.line_fmt(format_args!(
        "pub const MIN_ENTRIES: u32 = {};",
        bound(r.min_entries)
    ));
    w.line("/// Most entries a ring may have.");
    w.line_fmt(format_args!(
        "pub const MAX_ENTRIES: u32 = {};",
        bound(r.max_entries)
    ));
    w.line("/// The revision that added this ring.");
    w.line_fmt(format_args!("pub const SINCE: u32 = {};", r.since));
    w.line("/// Whether userspace produces this ring (else the device does).");
    w.line_fmt(format_args!(
        "pub const PRODUCED_BY_USER: bool = {};",
        r.producer == Producer::User
    ));
    w.lines(GEOMETRY);
    // The user side produces what userspace produces and consumes, taking
    // the entries as they are, what the device produces.
    if r.producer == Producer::User {
        w.lines(PRODUCER);
    } else {
        w.lines(CONSUMER);
    }
    w.close("");
}

/// The entry-count and region-size functions every ring module has.
const GEOMETRY: &str = "\
/// Is `n` an entry count this ring allows (a power of two within the bounds)?
pub const fn valid_entries(n: u64) -> bool {
    uabi_runtime::ring::valid_entries(n, MIN_ENTRIES as u64, MAX_ENTRIES as u64)
}
/// Bytes of a region of `entries` entries, rounded up to `page_size`.
pub const fn region_size(entries: u32, page_size: usize) -> Option<usize> {
    uabi_runtime::ring::region_size(entries, ENTRY_SIZE, page_size)
}
const _: () = assert!(ENTRY_SIZE.is_multiple_of(4));";

const PRODUCER: &str = "\
/// The producing side of this ring.
pub type Producer<M> = uabi_runtime::ring::Producer<M, Entry, Index>;
/// The producer of this ring over `mem`, a region of `entries` entries, starting at
/// the producer index the region holds. `BadGeometry` when `entries` is not a power
/// of two or `mem` is too small.
pub fn producer<M: RingMem>(mem: M, entries: u32) -> Result<Producer<M>, RingError> {
    uabi_runtime::ring::Producer::new(mem, entries)
}";

const CONSUMER: &str = "\
/// The consuming side of this ring.
pub type Consumer<M> = uabi_runtime::ring::Consumer<M, Entry, Index>;
/// The consumer of this ring over `mem`, a region of `entries` entries, starting at
/// the consumer index the region holds. Entries come from the device and are taken
/// as they are. `BadGeometry` when `entries` is not a power of two or `mem` is too
/// small.
pub fn consumer<M: RingMem>(
    mem: M,
    entries: u32,
    rev: u32,
) -> Result<Consumer<M>, RingError> {
    uabi_runtime::ring::Consumer::new(
        mem,
        entries,
        uabi_runtime::ring::no_validation::<Entry>,
        rev,
    )
}";

/// The path (from inside `rings::<ring>`) of an entry struct, which lives
/// in an included spec's uapi crate when the struct does.
fn entry_path(model: &Model, entry: &StructId) -> String {
    let ty = names::pascal(&model.struct_(entry).name);
    match entry.spec() {
        owner if owner != model.name => format!(
            "super::super::uapi::{}::{ty}",
            crate::backend::rust::uapi::lib_name(owner)
        ),
        _ => format!("super::super::uapi::{ty}"),
    }
}
