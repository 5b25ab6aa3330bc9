//! The front end as it was before the hand-written YAML deserializer
//! (serde-saphyr into the same surface syntax), frozen here so that the
//! new one can be compared against it on every spec in the repository.
//! `spec.rs` is a copy of src/spec.rs at that time, `parse.rs` of
//! src/load/parse.rs; a key added to src/spec.rs must be added here too,
//! or the differential test reports the fixtures that use it.

#![allow(dead_code)]

pub mod parse;
pub mod spec;
