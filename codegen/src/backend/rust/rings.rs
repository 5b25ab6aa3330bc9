//! The rings of a spec in the generated Rust crates: one module per ring
//! under `rings`, instantiating the runtime's generic protocol
//! (`uabi_runtime::ring`) with the ring's entry struct, index type and
//! entry-count bounds. The kernel crate gets the untrusting side of each
//! ring (the consumer of a `producer: user` ring, validating every copied
//! entry with the entry's generated `validate_<entry>_at`; the producer of
//! a `producer: device` ring); the user crate gets the other side.
//!
//! `rust_kernel` and `rust_user` call [`with_kernel_rings`] and
//! [`with_user_rings`] on the tokens of their file; a spec without rings
//! gets no `rings` module.

use crate::backend::rust::uapi::outer_doc;
use crate::model::{Model, Producer, Ring, Scalar};
use crate::names;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

/// Which generated crate a module is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Kernel,
    User,
}

/// The kernel crate's tokens with its `rings` module appended.
pub(crate) fn with_kernel_rings(model: &Model, file: TokenStream) -> TokenStream {
    with_rings(model, file, Side::Kernel)
}

/// The user crate's tokens with its `rings` module appended.
pub(crate) fn with_user_rings(model: &Model, file: TokenStream) -> TokenStream {
    with_rings(model, file, Side::User)
}

fn with_rings(model: &Model, mut file: TokenStream, side: Side) -> TokenStream {
    if model.rings.is_empty() {
        return file;
    }
    let rings = model.rings.iter().map(|r| ring_module(model, r, side));
    let doc = outer_doc(&match side {
        Side::Kernel => format!(
            "The shared-memory rings of the `{}` spec, kernel side: the consumer of every ring \
             userspace produces (each entry copied once out of the ring, then validated with \
             its struct's generated rules; a producer index more than the ring size ahead is a \
             protocol error, EPIPE, never an out-of-bounds read) and the producer of every ring \
             the device produces (a full ring is backpressure, a bogus consumer index a \
             protocol error). The protocol is `uabi_runtime::ring`'s; see its layout table.",
            model.name
        ),
        Side::User => format!(
            "The shared-memory rings of the `{}` spec, user side: the producer of every ring \
             userspace produces (push entries, then publish them all with one release store \
             and ring the doorbell only when the consumer asked for it) and the consumer of \
             every ring the device produces. Map a region with `Transport::mmap` at the \
             offset and size the creating ioctl returns; a `Mapping` is a `RingMem`.",
            model.name
        ),
    });
    file.extend(quote! {
        #doc
        pub mod rings {
            pub use uabi_runtime::ring::{
                CONSUMER_OFFSET, ENTRIES_OFFSET, ERROR, FLAGS_OFFSET, HEADER_SIZE, NEED_WAKEUP,
                PRODUCER_OFFSET, Received, RingError, RingMem, region_size,
            };
            #(#rings)*
        }
    });
    file
}

fn ring_module(model: &Model, r: &Ring, side: Side) -> TokenStream {
    let modname = format_ident!("{}", names::snake(&r.name));
    let (entry_ty, validate) = entry_paths(model, &r.entry);
    let index = match r.index {
        Scalar::U64 => quote!(u64),
        _ => quote!(u32),
    };
    let min = Literal::u32_unsuffixed(u32::try_from(r.min_entries).unwrap_or(u32::MAX));
    let max = Literal::u32_unsuffixed(u32::try_from(r.max_entries).unwrap_or(u32::MAX));
    let since = Literal::u32_unsuffixed(r.since);
    let producer = match r.producer {
        Producer::User => "userspace",
        Producer::Device => "the device",
    };
    let mut doc = format!(
        "The `{}` ring: entries of [`{}::Entry`], produced by {producer}, {}..={} entries (a \
         power of two), {} indices. Since revision {}.",
        r.name,
        names::snake(&r.name),
        r.min_entries,
        r.max_entries,
        r.index.name(),
        r.since
    );
    if let Some(d) = &r.doc {
        doc = format!("{d}\n{doc}");
    }
    let doc = outer_doc(&doc);
    // The side that consumes validates (kernel) or trusts the device (user).
    let we_consume = (r.producer == Producer::User) == (side == Side::Kernel);
    let body = if we_consume {
        let check = match side {
            Side::Kernel => quote! { #validate },
            Side::User => quote! { uabi_runtime::ring::no_validation::<Entry> },
        };
        let what = match side {
            Side::Kernel => {
                "Each entry is copied once out of the ring and checked with the entry struct's \
                 generated validation at revision `rev`; an entry that fails is still consumed \
                 and reported in [`super::Received::check`]."
            }
            Side::User => "Entries come from the device and are taken as they are.",
        };
        let cdoc = outer_doc(&format!(
            "The consumer of this ring over `mem`, a region of `entries` entries, starting at \
             the consumer index the region holds. {what} `BadGeometry` when `entries` is not a \
             power of two or `mem` is too small."
        ));
        quote! {
            /// The consuming side of this ring.
            pub type Consumer<M> = uabi_runtime::ring::Consumer<M, Entry, Index>;
            #cdoc
            pub fn consumer<M: RingMem>(mem: M, entries: u32, rev: u32) -> Result<Consumer<M>, RingError> {
                uabi_runtime::ring::Consumer::new(mem, entries, #check, rev)
            }
        }
    } else {
        quote! {
            /// The producing side of this ring.
            pub type Producer<M> = uabi_runtime::ring::Producer<M, Entry, Index>;
            /// The producer of this ring over `mem`, a region of `entries` entries, starting at
            /// the producer index the region holds. `BadGeometry` when `entries` is not a power
            /// of two or `mem` is too small.
            pub fn producer<M: RingMem>(mem: M, entries: u32) -> Result<Producer<M>, RingError> {
                uabi_runtime::ring::Producer::new(mem, entries)
            }
        }
    };
    let init = (side == Side::Kernel).then(|| {
        quote! {
            /// Sets up a fresh region of `entries` entries (indices and flags zero, the entry
            /// count recorded), before the peer can map it.
            pub fn init<M: RingMem>(mem: &M, entries: u32) -> Result<(), RingError> {
                uabi_runtime::ring::init::<M, Index>(mem, entries, ENTRY_SIZE)
            }
        }
    });
    let produced_by_user = r.producer == Producer::User;
    quote! {
        #doc
        pub mod #modname {
            use super::{RingError, RingMem};
            /// The entry struct.
            pub type Entry = #entry_ty;
            /// The type of the free-running indices.
            pub type Index = #index;
            /// Bytes of one entry.
            pub const ENTRY_SIZE: usize = core::mem::size_of::<Entry>();
            /// Fewest entries a ring may have.
            pub const MIN_ENTRIES: u32 = #min;
            /// Most entries a ring may have.
            pub const MAX_ENTRIES: u32 = #max;
            /// The revision that added this ring.
            pub const SINCE: u32 = #since;
            /// Whether userspace produces this ring (else the device does).
            pub const PRODUCED_BY_USER: bool = #produced_by_user;
            /// Is `n` an entry count this ring allows (a power of two within the bounds)?
            pub const fn valid_entries(n: u64) -> bool {
                uabi_runtime::ring::valid_entries(n, MIN_ENTRIES as u64, MAX_ENTRIES as u64)
            }
            /// Bytes of a region of `entries` entries, rounded up to `page_size`.
            pub const fn region_size(entries: u32, page_size: usize) -> Option<usize> {
                uabi_runtime::ring::region_size(entries, ENTRY_SIZE, page_size)
            }
            const _: () = assert!(ENTRY_SIZE.is_multiple_of(4));
            #init
            #body
        }
    }
}

/// The Rust paths (from inside `rings::<ring>`) of an entry struct and of
/// its kernel-side validation, which live in an included spec's crates
/// when the struct does.
fn entry_paths(model: &Model, entry: &str) -> (TokenStream, TokenStream) {
    let ty = format_ident!("{}", names::pascal(entry));
    let validate = format_ident!("validate_{}_at", names::snake(entry));
    match model.find_struct(entry) {
        Some((_, owner)) if owner != model.name => {
            let kernel = format_ident!("{}", crate::backend::rust::kernel::lib_name(owner));
            let uapi = format_ident!("{}", crate::backend::rust::uapi::lib_name(owner));
            (
                quote! { super::super::uapi::#uapi::#ty },
                quote! { super::super::#kernel::#validate },
            )
        }
        _ => (
            quote! { super::super::uapi::#ty },
            quote! { super::super::#validate },
        ),
    }
}
