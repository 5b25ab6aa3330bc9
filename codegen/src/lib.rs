//! uabi: one machine-readable spec for the user/kernel ABI of accelerator
//! drivers, and the toolchain that generates both sides of the boundary.
//!
//! Pipeline: [`spec`] (serde types of the YAML, with node positions) ->
//! [`resolve`] (names resolved, layouts per [`target`] computed, command
//! numbers per [`ioc`] encoding) -> [`model`] (immutable, no I/O) ->
//! [`lint`] (diagnostics with file:line:col, rule id and hint) ->
//! [`backend`] (one module per output). [`load`] is the only stage that
//! reads files. [`import`] goes the other way, from an existing C uapi
//! header (read by clang) to a spec.

pub mod backend;
pub mod compat;
pub mod diag;
pub mod dump;
pub mod import;
pub mod ioc;
pub mod layout;
pub mod lint;
pub mod load;
pub mod model;
pub mod names;
pub mod parallel;
pub mod pipeline;
pub mod resolve;
pub mod rules;
pub mod spec;
pub mod target;
