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

/// Never fails today; a `Result` like every backend's `render`.
pub fn render(model: &Model) -> Result<Vec<GeneratedFile>, RenderError> {
    let dir = PathBuf::from(&model.name).join("rust").join("linux");
    let mut runtime = RustWriter::new();
    banner(&mut runtime, model);
    let mut runtime = runtime.finish();
    runtime.push_str(RUNTIME);
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
    ])
}
