//! The text of the paths to uapi items from the user crate, which the
//! uapi backend builds for its own crate.

use crate::backend::rust::writer::type_ident;
use crate::model::{Model, StructId};

/// The chain of re-exported uapi crates that leads from a spec's uapi
/// crate to the one of spec `owner` (empty for the spec's own items).
/// Each crate re-exports its direct includes, so a transitively included
/// item is reachable without a direct dependency.
pub(super) fn crate_prefix(model: &Model, owner: &str) -> Vec<String> {
    fn chain(m: &Model, owner: &str) -> Option<Vec<String>> {
        let lib = |inc: &Model| crate::backend::rust::uapi::lib_name(&inc.name);
        if let Some(inc) = m.includes.iter().find(|i| i.name == owner) {
            return Some(vec![lib(inc)]);
        }
        m.includes.iter().find_map(|inc| {
            chain(inc, owner).map(|mut rest| {
                rest.insert(0, lib(inc));
                rest
            })
        })
    }
    if owner == model.name {
        return Vec::new();
    }
    chain(model, owner).unwrap_or_default()
}

/// The chain from the user crate to the uapi crate that owns a struct,
/// starting with the `uapi` re-export.
pub(super) fn struct_prefix(model: &Model, id: &StructId) -> Vec<String> {
    let mut prefix = vec!["uapi".to_string()];
    prefix.extend(crate_prefix(model, id.spec()));
    prefix
}

/// Path of a struct type from the user crate's root: `uapi::Name` or
/// `uapi::accel_uapi::Name`.
pub(super) fn struct_path(model: &Model, id: &StructId) -> String {
    let mut p = struct_prefix(model, id);
    p.push(type_ident(&model.struct_(id).name));
    p.join("::")
}
