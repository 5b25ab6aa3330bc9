//! The kernel crate's `rings` module: one module per ring of the spec,
//! instantiating the runtime's generic protocol (`uabi_runtime::ring`)
//! with the ring's entry struct, index type and entry-count bounds. The
//! kernel gets the untrusting side of each ring: the consumer of a
//! `producer: user` ring (validating every copied entry with the entry's
//! generated `validate_<entry>_at`) and the producer of a
//! `producer: device` ring. A spec without rings gets no `rings` module.

use super::{Gen, doc, lib_name};
use crate::backend::rust::Flavour;
use crate::backend::rust::items;
use crate::backend::rust::layout::{self, put};
use crate::backend::rust::uapi as ru;
use crate::backend::rust::writer::RustWriter;
use crate::model::{Producer, Ring, Scalar, StructId};
use crate::names;

/// The items every ring module starts with, after its `Entry`.
const COMMON: &str = "\
/// The type of the free-running indices.
pub type Index = {index};
/// Bytes of one entry.
pub const ENTRY_SIZE: usize = core::mem::size_of::<Entry>();
/// Fewest entries a ring may have.
pub const MIN_ENTRIES: u32 = {min};
/// Most entries a ring may have.
pub const MAX_ENTRIES: u32 = {max};
/// The revision that added this ring.
pub const SINCE: u32 = {since};
/// Whether userspace produces this ring (else the device does).
pub const PRODUCED_BY_USER: bool = {by_user};
/// Is `n` an entry count this ring allows (a power of two within the bounds)?
pub const fn valid_entries(n: u64) -> bool {
    uabi_runtime::ring::valid_entries(n, MIN_ENTRIES as u64, MAX_ENTRIES as u64)
}
/// Bytes of a region of `entries` entries, rounded up to `page_size`.
pub const fn region_size(entries: u32, page_size: usize) -> Option<usize> {
    uabi_runtime::ring::region_size(entries, ENTRY_SIZE, page_size)
}
const _: () = assert!(ENTRY_SIZE.is_multiple_of(4));
/// Sets up a fresh region of `entries` entries (indices and flags zero, the entry
/// count recorded), before the peer can map it.
pub fn init<M: RingMem>(mem: &M, entries: u32) -> Result<(), RingError> {
    uabi_runtime::ring::init::<M, Index>(mem, entries, ENTRY_SIZE)
}";

/// The producing side of a ring the device produces.
const PRODUCER: &str = "\
/// The producing side of this ring.
pub type Producer<M> = uabi_runtime::ring::Producer<M, Entry, Index>;
/// The producer of this ring over `mem`, a region of `entries` entries, starting at
/// the producer index the region holds. `BadGeometry` when `entries` is not a power
/// of two or `mem` is too small.
pub fn producer<M: RingMem>(mem: M, entries: u32) -> Result<Producer<M>, RingError> {
    uabi_runtime::ring::Producer::new(mem, entries)
}";

impl Gen<'_> {
    pub(super) fn rings(&self, w: &mut RustWriter) {
        let model = self.model;
        if model.rings.is_empty() {
            return;
        }
        doc(
            w,
            &format!(
                "The shared-memory rings of the `{}` spec, kernel side: the consumer of every \
                 ring userspace produces (each entry copied once out of the ring, then \
                 validated with its struct's generated rules; a producer index more than the \
                 ring size ahead is a protocol error, EPIPE, never an out-of-bounds read) and \
                 the producer of every ring the device produces (a full ring is backpressure, \
                 a bogus consumer index a protocol error). The protocol is \
                 `{}::ring`'s; see its layout table.",
                model.name,
                self.rt()
            ),
        );
        w.open("pub mod rings");
        // Style edition 2021 (the kernel flavour's) sorts snake_case first
        // and UPPER_SNAKE_CASE last.
        let names = match self.flavour.get() {
            Flavour::Hosted => {
                "CONSUMER_OFFSET, ENTRIES_OFFSET, ERROR, FLAGS_OFFSET, HEADER_SIZE, NEED_WAKEUP,\n    \
                 PRODUCER_OFFSET, Received, RingError, RingMem, region_size,"
            }
            Flavour::Linux => {
                "region_size, Received, RingError, RingMem, CONSUMER_OFFSET, ENTRIES_OFFSET, ERROR,\n    \
                 FLAGS_OFFSET, HEADER_SIZE, NEED_WAKEUP, PRODUCER_OFFSET,"
            }
        };
        w.lines(&format!(
            "pub use {}::ring::{{\n    {names}\n}};",
            self.rt()
        ));
        for r in &model.rings {
            self.ring_module(w, r);
        }
        w.close("");
    }

    fn ring_module(&self, w: &mut RustWriter, r: &Ring) {
        let (entry_ty, validate) = self.entry_paths(&r.entry);
        let producer = match r.producer {
            Producer::User => "userspace",
            Producer::Device => "the device",
        };
        let mut d = format!(
            "The `{}` ring: entries of [`{}::Entry`], produced by {producer}, {}..={} entries \
             (a power of two), {} indices. Since revision {}.",
            r.name,
            names::snake(&r.name),
            r.min_entries,
            r.max_entries,
            r.index.name(),
            r.since
        );
        if let Some(text) = &r.doc {
            d = format!("{text}\n{d}");
        }
        doc(w, &d);
        w.open_fmt(format_args!("pub mod {}", names::snake(&r.name)));
        w.line("use super::{RingError, RingMem};");
        w.line("/// The entry struct.");
        w.line_fmt(format_args!("pub type Entry = {entry_ty};"));
        let index = match r.index {
            Scalar::U64 => "u64",
            _ => "u32",
        };
        let clamp = |n: u64| u32::try_from(n).unwrap_or(u32::MAX).to_string();
        let common = COMMON
            .replace("{index}", index)
            .replace("{min}", &clamp(r.min_entries))
            .replace("{max}", &clamp(r.max_entries))
            .replace("{since}", &r.since.to_string())
            .replace("{by_user}", &(r.producer == Producer::User).to_string())
            .replace("uabi_runtime::", &format!("{}::", self.rt()));
        // `is_multiple_of` is newer than the oldest rustc the kernel takes.
        let common = match self.flavour.get() {
            Flavour::Hosted => common,
            Flavour::Linux => common.replace("ENTRY_SIZE.is_multiple_of(4)", "ENTRY_SIZE & 3 == 0"),
        };
        w.lines(&common);
        if r.producer == Producer::User {
            // The kernel consumes what userspace produces, validating it.
            w.line("/// The consuming side of this ring.");
            w.line_fmt(format_args!(
                "pub type Consumer<M> = {}::ring::Consumer<M, Entry, Index>;",
                self.rt()
            ));
            doc(
                w,
                "The consumer of this ring over `mem`, a region of `entries` entries, starting \
                 at the consumer index the region holds. Each entry is copied once out of the \
                 ring and checked with the entry struct's generated validation at revision \
                 `rev`; an entry that fails is still consumed and reported in \
                 [`super::Received::check`]. `BadGeometry` when `entries` is not a power of \
                 two or `mem` is too small.",
            );
            items::fn_sig(
                w,
                "pub fn consumer<M: RingMem>",
                &[
                    "mem: M".to_string(),
                    "entries: u32".to_string(),
                    "rev: u32".to_string(),
                ],
                Some("Result<Consumer<M>, RingError>"),
                " {",
            );
            let check = match self.flavour.get() {
                Flavour::Hosted => validate.clone(),
                Flavour::Linux => "check".to_string(),
            };
            let lines = layout::call(
                w.indent(),
                &format!("{}::ring::Consumer::new", self.rt()),
                &[
                    "mem".to_string(),
                    "entries".to_string(),
                    check,
                    "rev".to_string(),
                ],
                "",
            );
            put(w, lines);
            w.close("");
            if self.flavour.get() == Flavour::Linux {
                w.line("/// The entry's validation, with the errno the ring protocol carries.");
                w.open("fn check(e: &Entry, rev: u32) -> Result<(), crate::uabi_rt::Errno>");
                w.line_fmt(format_args!(
                    "{validate}(e, rev).map_err(crate::uabi_rt::Errno::from)"
                ));
                w.close("");
            }
        } else {
            w.lines(&PRODUCER.replace("uabi_runtime::", &format!("{}::", self.rt())));
        }
        w.close("");
    }

    /// The paths (from inside `rings::<ring>`) of an entry struct and of
    /// its kernel-side validation, which live in an included spec's
    /// crates when the struct does.
    fn entry_paths(&self, entry: &StructId) -> (String, String) {
        let name = &self.model.struct_(entry).name;
        let ty = names::pascal(name);
        let validate = format!("validate_{}_at", names::snake(name));
        match entry.spec() {
            owner if owner != self.model.name => (
                format!("super::super::uapi::{}::{ty}", ru::lib_name(owner)),
                format!("super::super::{}::{validate}", lib_name(owner)),
            ),
            _ => (
                format!("super::super::uapi::{ty}"),
                format!("super::super::{validate}"),
            ),
        }
    }
}
