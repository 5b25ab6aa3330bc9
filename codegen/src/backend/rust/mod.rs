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

/// The tests of the printers of both flavours at once: one printing of
/// `both` is each flavour's own printing (`each`), for every spec of the
/// repository (each must load) and every test fixture that loads (unions,
/// padded structs, includes and control messages among them), so no text
/// the two share depends on the flavour.
#[cfg(test)]
pub(crate) fn assert_both_flavours_as_each(
    both: impl Fn(&crate::model::Model) -> (String, String),
    each: impl Fn(&crate::model::Model, Flavour) -> String,
) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let repo = uabi_test_support::files_under(&root.join("../spec"), &["yaml"]);
    let fixtures = uabi_test_support::files_under(&root.join("tests/fixtures"), &["yaml"]);
    let mut checked = 0;
    for (i, path) in repo.iter().chain(&fixtures).enumerate() {
        let Ok(model) = crate::load::load(path, None) else {
            assert!(i >= repo.len(), "{} does not load", path.display());
            continue;
        };
        let (hosted, linux) = both(&model);
        assert!(
            hosted == each(&model, Flavour::Hosted),
            "{}: the hosted text differs",
            path.display()
        );
        assert!(
            linux == each(&model, Flavour::Linux),
            "{}: the kernel flavour's text differs",
            path.display()
        );
        checked += 1;
    }
    assert!(checked > repo.len(), "{checked} specs checked");
}
