//! The Rust backends: the `#![no_std]` uapi crate, the kernel-side crate
//! (validation, `Ops`, dispatch) and the user-side crate (safe wrappers
//! over a transport), plus what they share: the Cargo manifest, the
//! control-message questions both sides ask of the model, and the writer.

//!
//! Each prints its crate as text through `writer`, with rustfmt's layout
//! rules from `layout` (expressions, statements) and `items` (signatures,
//! literals, attributes, `use` order), already formatted as rustfmt
//! formats it; nothing here builds or parses a syntax tree.

pub(crate) mod cargo;
pub(crate) mod control;
pub(crate) mod items;
pub mod kernel;
pub(crate) mod layout;
pub mod linux;
mod spelling;
pub mod uapi;
pub mod user;
pub(crate) mod writer;

pub(crate) use spelling::{RustScalar, RustTarget};

/// Which Rust the uapi and kernel-side printers write: a hosted crate
/// (Cargo, zerocopy, `uabi-runtime`, `UserMem`), or module source that
/// the kernel's own build compiles (Rust-for-Linux: only `core` and the
/// `kernel` crate, `UserSlice`, `kernel::error::code`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavour {
    Hosted,
    Linux,
}
