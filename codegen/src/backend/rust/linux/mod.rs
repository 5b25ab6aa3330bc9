//! Rust kernel backend, kernel flavour: renders one spec into module
//! source that the kernel's own build compiles (Rust-for-Linux), in
//! `<spec>/rust/linux/`: `<spec>.rs` (validation, `Ops`, `dispatch`),
//! `<spec>_uapi.rs` (its `uapi` module: structs, numbers) and
//! `uabi_rt.rs`, the spec-independent part.
//!
//! The items are those of the hosted `rust/kernel` and `rust/uapi` crates,
//! printed by the same code in its `Flavour::Linux` (no Cargo, no crate
//! but `core` and `kernel`: `UserSlice`, `kernel::error::code`,
//! `kernel::types::{FromBytes, AsBytes}`, `KVec`), so both answer every
//! argument alike; `uabi_rt.rs` is hand-written (it is what `uabi-runtime`
//! is to the hosted crates) and copied beside each spec's module.

use crate::backend::rust::writer::{RustWriter, banner};
use crate::backend::rust::{Flavour, kernel, uapi};
use crate::backend::{GeneratedFile, RenderError};
use crate::model::Model;
use std::path::PathBuf;

/// The runtime module, as written beside every spec's module.
const RUNTIME: &str = include_str!("uabi_rt.rs");

/// `uabi-runtime`'s control-message codec: one source for both flavours.
const NLA: &str = include_str!("../../../../runtime/src/nla.rs");

/// Where the codec's kernel part ends (a comment line in `nla.rs`).
const NLA_END: &str = "// uabi: the kernel part ends here.";

/// The codec as the kernel flavour's `nla` module (a child of
/// `uabi_rt`): the kernel part of `nla.rs`, with its two references to
/// the runtime crate's root pointed at `uabi_rt`.
fn nla_module() -> String {
    let kernel_part = NLA.split(NLA_END).next().unwrap_or(NLA);
    kernel_part
        .replace("use crate::Errno;", "use super::Errno;")
        .replace("crate::all_zero(", "super::all_zero(")
        .trim_end()
        .to_string()
        + "\n"
}

/// Never fails today; a `Result` like every backend's `render`.
pub fn render(model: &Model) -> Result<Vec<GeneratedFile>, RenderError> {
    let dir = PathBuf::from(&model.name).join("rust").join("linux");
    let runtime = banner_text(model) + RUNTIME;
    Ok(vec![
        GeneratedFile {
            path: dir.join(format!("{}.rs", model.name)),
            contents: kernel::lib_rs_in(model, Flavour::Linux),
        },
        GeneratedFile {
            path: dir.join(format!("{}_uapi.rs", model.name)),
            contents: uapi::lib_rs_in(model, Flavour::Linux),
        },
        GeneratedFile {
            path: dir.join("uabi_rt.rs"),
            contents: runtime,
        },
        GeneratedFile {
            path: dir.join("uabi_nla.rs"),
            contents: banner_text(model) + &nla_module(),
        },
    ])
}

fn banner_text(model: &Model) -> String {
    let mut w = RustWriter::new();
    banner(&mut w, model);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_codec_is_cut_where_its_kernel_part_ends() {
        assert_eq!(NLA.matches(NLA_END).count(), 1);
        let m = nla_module();
        assert!(m.contains("pub fn validate("));
        assert!(!m.contains("OpError"), "the user side stays out");
        assert!(
            !m.contains("crate::"),
            "no path into the runtime crate is left"
        );
        assert!(!m.contains("std::"));
    }
}
