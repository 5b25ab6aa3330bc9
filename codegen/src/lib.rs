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

/// The version of the spec language this tool reads, as a string
/// literal (for `concat!`): raised when a spec the previous version
/// accepted would be read differently or refused. `uabi --version` names
/// it, and the JSON Schema of `uabi schema` carries it in its `$id`.
#[macro_export]
macro_rules! spec_language_version {
    () => {
        "1"
    };
}

/// [`spec_language_version!`] as a constant.
pub const SPEC_LANGUAGE_VERSION: &str = spec_language_version!();

pub mod backend;
pub mod compat;
pub mod diag;
pub mod dump;
pub mod fix;
pub mod import;
pub mod ioc;
pub mod layout;
pub mod lint;
pub mod load;
pub mod model;
pub mod names;
pub mod parallel;
pub mod pipeline;
pub mod project;
pub mod resolve;
pub mod rules;
pub mod spec;
pub mod target;
