//! The naming choices of the generated outputs that decide where they can
//! be installed: one plain struct, filled from the project file by the CLI
//! and defaulting to the layout of this repository's `generated/` folder.

/// How generated outputs name each other and their dependencies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputOptions {
    /// C: None = relative includes (`"../../accel/c/accel.h"`), which work
    /// in the `generated/` tree only; Some("drm") = `#include
    /// <drm/accel.h>`, the layout `headers_install` gives a kernel tree.
    pub c_include_dir: Option<String>,
    /// Rust: how generated crates reach uabi-runtime.
    pub rust_runtime: RustRuntime,
    /// Python: the package (import) name, `{spec}` standing for the
    /// spec's name in snake case (None = `<spec>_uapi`).
    pub python_package: Option<String>,
    /// Rust: the package names of the uapi, kernel and user crates, in
    /// that order, `{spec}` standing for the spec's name (None =
    /// `<spec>-uapi` and so on). The library names stay `<spec>_uapi` and
    /// so on: dependents name a renamed crate by `package = "..."`.
    pub rust_crates: [Option<String>; 3],
    /// The project's SPDX license expression: where a spec sets none (and
    /// describes no existing ABI), it takes the default's place in the C
    /// header's SPDX line, Cargo.toml and pyproject.toml.
    pub license: Option<String>,
    /// Go: the module path prefix; a spec's module is `<prefix>/<spec>/go`.
    pub go_module_prefix: String,
}

/// Where a generated crate's `uabi-runtime` dependency comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RustRuntime {
    /// By path inside this repository (`../../../../codegen/runtime`).
    Path,
    /// By version, as a crates.io dependency: the crates then build and
    /// package outside this repository; a workspace that builds them from
    /// source points the name at its copy with `[patch.crates-io]`.
    Version(String),
}

/// The Go module path prefix when none is configured.
pub const DEFAULT_GO_MODULE_PREFIX: &str = "uabi.local";

impl Default for OutputOptions {
    fn default() -> Self {
        OutputOptions {
            c_include_dir: None,
            rust_runtime: RustRuntime::Path,
            python_package: None,
            rust_crates: [None, None, None],
            license: None,
            go_module_prefix: DEFAULT_GO_MODULE_PREFIX.to_string(),
        }
    }
}
