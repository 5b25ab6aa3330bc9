//! Rust kernel backend, kernel flavour: renders one spec into module
//! source that the kernel's own build compiles (Rust-for-Linux), in
//! `<spec>/rust/linux/`: `<spec>.rs` (validation, `Ops`, `dispatch`),
//! `<spec>_uapi.rs` (its `uapi` module: structs, numbers) and
//! `uabi_rt.rs`, the spec-independent part, with the kernel parts of
//! `uabi-runtime`'s `ioc.rs`, `nla.rs` and `ring.rs` beside it.
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

/// `uabi-runtime`'s ring protocol: one source for both flavours.
const RING: &str = include_str!("../../../../runtime/src/ring.rs");

/// `uabi-runtime`'s command words: one source for both flavours.
const IOC: &str = include_str!("../../../../runtime/src/ioc.rs");

/// Where the kernel part of `nla.rs` and `ring.rs` ends (a comment line).
const KERNEL_PART_END: &str = "// uabi: the kernel part ends here.";

/// What the ring protocol's kernel part says in the hosted crate, and
/// says in the kernel flavour: its root's items are `super`'s, zerocopy's
/// byte traits are the kernel's (`AsBytes`, a zeroed value is `Default`),
/// the loom switch and the heap region stay behind, and
/// `core::error::Error` (newer than the kernel's oldest rustc) is not
/// implemented.
const RING_EDITS: &[(&str, &str)] = &[
    ("use crate::Errno;", "use super::Errno;"),
    (
        "use zerocopy::{FromBytes, IntoBytes};",
        "use kernel::types::{AsBytes, FromBytes};",
    ),
    (
        "\n#[cfg(not(loom))]\nuse core::sync::atomic::{AtomicU32, AtomicU64};\n\
         #[cfg(loom)]\nuse loom::sync::atomic::{AtomicU32, AtomicU64};\n",
        "",
    ),
    ("impl core::error::Error for RingError {}\n\n", ""),
    (
        "E: FromBytes + IntoBytes",
        "E: FromBytes + AsBytes + Default",
    ),
    ("E: IntoBytes + zerocopy::Immutable", "E: AsBytes"),
    ("E::new_zeroed()", "E::default()"),
    ("e.as_mut_bytes()", "super::bytes_of_mut(&mut e)"),
    ("e.as_bytes()", "super::as_bytes(e)"),
];

/// The ring protocol as the kernel flavour's `ring` module; `None` if
/// `ring.rs` no longer reads as `RING_EDITS` expects (a unit test keeps
/// them in step).
fn ring_module() -> Option<String> {
    let mut text = RING.split(KERNEL_PART_END).next()?.to_string();
    for (from, to) in RING_EDITS {
        if !text.contains(from) {
            return None;
        }
        text = text.replace(from, to);
    }
    Some(text.trim_end().to_string() + "\n")
}

/// The codec as the kernel flavour's `nla` module (a child of
/// `uabi_rt`): the kernel part of `nla.rs`, with its two references to
/// the runtime crate's root pointed at `uabi_rt`.
fn nla_module() -> String {
    let kernel_part = NLA.split(KERNEL_PART_END).next().unwrap_or(NLA);
    kernel_part
        .replace("use crate::Errno;", "use super::Errno;")
        .replace("crate::all_zero(", "super::all_zero(")
        .trim_end()
        .to_string()
        + "\n"
}

/// The command words as the kernel flavour's `ioc` module (a child of
/// `uabi_rt`): the kernel part of `ioc.rs`, which names nothing outside
/// itself, as it is.
fn ioc_module() -> String {
    let kernel_part = IOC.split(KERNEL_PART_END).next().unwrap_or(IOC);
    kernel_part.trim_end().to_string() + "\n"
}

/// Never fails today; a `Result` like every backend's `render`.
pub fn render(model: &Model) -> Result<Vec<GeneratedFile>, RenderError> {
    let mut files = vec![
        GeneratedFile {
            path: module_path(model),
            contents: kernel::lib_rs_in(model, Flavour::Linux),
        },
        uapi_file(model, uapi::lib_rs_in(model, Flavour::Linux)),
    ];
    files.extend(render_rest(model)?);
    Ok(files)
}

/// Where [`render`] writes the spec's module, `<spec>/rust/linux/<spec>.rs`.
pub(crate) fn module_path(model: &Model) -> PathBuf {
    module_dir(model).join(format!("{}.rs", model.name))
}

/// [`render`] but the two printed texts: generation's job for this
/// folder. The spec's module is printed by the kernel side's job
/// (`kernel::render_both_with`) and `<spec>_uapi.rs` by the uapi crate's
/// (`uapi::render_with_linux`), each in one pass with the hosted crate's
/// text, which shares most of it; what is left here is the runtime.
pub(crate) fn render_rest(model: &Model) -> Result<Vec<GeneratedFile>, RenderError> {
    let dir = module_dir(model);
    let runtime = banner_text(model) + RUNTIME;
    Ok(vec![
        GeneratedFile {
            path: dir.join("uabi_rt.rs"),
            contents: runtime,
        },
        GeneratedFile {
            path: dir.join("uabi_ioc.rs"),
            contents: banner_text(model) + &ioc_module(),
        },
        GeneratedFile {
            path: dir.join("uabi_nla.rs"),
            contents: banner_text(model) + &nla_module(),
        },
        GeneratedFile {
            path: dir.join("uabi_ring.rs"),
            contents: banner_text(model)
                + &ring_module().ok_or_else(|| RenderError::Internal {
                    spec: model.name.clone(),
                    what: "codegen/runtime/src/ring.rs changed under the kernel flavour's \
                           edits (backend/rust/linux RING_EDITS)",
                })?,
        },
    ])
}

/// The kernel flavour's uapi module, `<spec>_uapi.rs`, of text `contents`
/// (the uapi printer's, in `Flavour::Linux`).
pub(crate) fn uapi_file(model: &Model, contents: String) -> GeneratedFile {
    GeneratedFile {
        path: module_dir(model).join(format!("{}_uapi.rs", model.name)),
        contents,
    }
}

fn module_dir(model: &Model) -> PathBuf {
    PathBuf::from(&model.name).join("rust").join("linux")
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
    fn the_ring_protocol_is_cut_and_edited_for_the_kernel() {
        assert_eq!(RING.matches(KERNEL_PART_END).count(), 1);
        let m = ring_module().expect("every edit applies");
        assert!(m.contains("pub struct Consumer<M, E, I: RingIndex>"));
        for gone in [
            "zerocopy",
            "loom::",
            "cfg(loom)",
            "new_zeroed",
            "IntoBytes",
            "HeapRingMem {",
            "std::",
            "crate::",
            "core::error",
        ] {
            assert!(
                !m.contains(gone),
                "{gone} is left in the kernel's ring module"
            );
        }
    }

    #[test]
    fn the_command_words_are_cut_where_their_kernel_part_ends() {
        assert_eq!(IOC.matches(KERNEL_PART_END).count(), 1);
        let m = ioc_module();
        assert!(m.contains("pub const fn decode(cmd: u32) -> Ioc"));
        for gone in ["cfg(test)", "crate::", "std::", "#[test]"] {
            assert!(
                !m.contains(gone),
                "{gone} is left in the kernel's ioc module"
            );
        }
    }

    #[test]
    fn the_codec_is_cut_where_its_kernel_part_ends() {
        assert_eq!(NLA.matches(KERNEL_PART_END).count(), 1);
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
