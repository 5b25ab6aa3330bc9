//! The naming choices of the generated outputs that decide where they can
//! be installed, and where each output is written: one plain struct,
//! filled from the project file by the CLI and defaulting to the layout of
//! this repository's `generated/` folder.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

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
    /// Where each output goes, so that outputs point at each other (Cargo
    /// path dependencies, go.mod `replace` lines, C includes, Python's
    /// in-place imports) wherever the project puts them.
    pub layout: OutputLayout,
}

/// Where a generated crate's `uabi-runtime` dependency comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RustRuntime {
    /// By path inside this repository ([`OutputLayout::runtime`]).
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
            layout: OutputLayout::default(),
        }
    }
}

/// Where an output's files come from in the generated tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OutputKind {
    C,
    CKernel,
    RustUapi,
    RustKernel,
    RustUser,
    RustLinux,
    Python,
    Go,
    Syz,
}

impl OutputKind {
    pub const ALL: [OutputKind; 9] = [
        OutputKind::C,
        OutputKind::CKernel,
        OutputKind::RustUapi,
        OutputKind::RustKernel,
        OutputKind::RustUser,
        OutputKind::RustLinux,
        OutputKind::Python,
        OutputKind::Go,
        OutputKind::Syz,
    ];

    /// The name in `[output.<name>]`.
    pub fn name(self) -> &'static str {
        match self {
            OutputKind::C => "c",
            OutputKind::CKernel => "c-kernel",
            OutputKind::RustUapi => "rust-uapi",
            OutputKind::RustKernel => "rust-kernel",
            OutputKind::RustUser => "rust-user",
            OutputKind::RustLinux => "rust-linux",
            OutputKind::Python => "python",
            OutputKind::Go => "go",
            OutputKind::Syz => "syz",
        }
    }

    /// The output's folder under `<out>/<spec>/`.
    pub fn folder(self) -> &'static [&'static str] {
        match self {
            OutputKind::C => &["c"],
            OutputKind::CKernel => &["c", "kernel"],
            OutputKind::RustUapi => &["rust", "uapi"],
            OutputKind::RustKernel => &["rust", "kernel"],
            OutputKind::RustUser => &["rust", "user"],
            OutputKind::RustLinux => &["rust", "linux"],
            OutputKind::Python => &["python"],
            OutputKind::Go => &["go"],
            OutputKind::Syz => &["syz"],
        }
    }

    /// The output a generated file (`<spec>/<folder>/...`) belongs to,
    /// and its path inside that folder.
    pub fn of(path: &Path) -> Option<(OutputKind, PathBuf)> {
        let parts: Vec<&str> = path
            .components()
            .filter_map(|c| match c {
                Component::Normal(s) => s.to_str(),
                _ => None,
            })
            .collect();
        // The longest folder first: `c/kernel` before `c`.
        let mut kinds = OutputKind::ALL;
        kinds.sort_by_key(|k| std::cmp::Reverse(k.folder().len()));
        kinds.into_iter().find_map(|k| {
            let f = k.folder();
            let rest = parts.get(1..)?;
            (rest.len() > f.len() && rest[..f.len()] == *f)
                .then(|| (k, rest[f.len()..].iter().collect::<PathBuf>()))
        })
    }
}

/// Where every output of every spec is written. Paths share one base (the
/// project's folder, or absolute): only how they relate matters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputLayout {
    /// The folder of the outputs placed by default, each in
    /// `<out>/<spec>/<its folder>`.
    pub out: PathBuf,
    /// The outputs placed with `dir`: their folder, in which `{spec}`
    /// stands for the spec's name.
    pub dirs: BTreeMap<OutputKind, PathBuf>,
    /// uabi-runtime's crate, the path dependency of
    /// [`RustRuntime::Path`]: it is not generated but lives once in this
    /// repository.
    pub runtime: PathBuf,
}

impl Default for OutputLayout {
    /// This repository's: `generated/` and `codegen/runtime` side by side.
    fn default() -> Self {
        OutputLayout {
            out: PathBuf::from("generated"),
            dirs: BTreeMap::new(),
            runtime: PathBuf::from("codegen/runtime"),
        }
    }
}

impl OutputLayout {
    /// The folder of `spec`'s output `kind`.
    pub fn folder(&self, spec: &str, kind: OutputKind) -> PathBuf {
        match self.dirs.get(&kind) {
            Some(dir) => PathBuf::from(dir.to_string_lossy().replace("{spec}", spec)),
            None => kind
                .folder()
                .iter()
                .fold(self.out.join(spec), |p, part| p.join(part)),
        }
    }

    /// The folder of `to` as seen from the folder of `from` (each a spec
    /// and an output), `/`-separated, `.` when they are one folder.
    pub fn relative(&self, from: (&str, OutputKind), to: (&str, OutputKind)) -> String {
        relative_path(&self.folder(from.0, from.1), &self.folder(to.0, to.1))
    }

    /// The file `name` of the output `to` (a spec and an output), as the
    /// files of the output `from` include it (`../../accel/c/accel.h`).
    pub fn file_from(
        &self,
        from: (&str, OutputKind),
        to: (&str, OutputKind),
        name: &str,
    ) -> String {
        match self.relative(from, to).as_str() {
            "." => name.to_string(),
            dir => format!("{dir}/{name}"),
        }
    }

    /// uabi-runtime's folder as seen from `spec`'s output `kind`.
    pub fn runtime_from(&self, spec: &str, kind: OutputKind) -> String {
        relative_path(&self.folder(spec, kind), &self.runtime)
    }
}

/// `to` relative to `from`, by their components alone (`.` dropped, `..`
/// taken back): the two paths share a base, and symbolic links are not
/// followed, as Cargo, Go and the C preprocessor resolve relative paths
/// by text as well.
fn relative_path(from: &Path, to: &Path) -> String {
    let from = normal(from);
    let to = normal(to);
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); from.len() - common];
    parts.extend(to[common..].iter().cloned());
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

/// A path's components as text, `.` dropped and `..` folded into the
/// component before it (kept where nothing is before it).
fn normal(p: &Path) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if out.last().is_some_and(|l| l != ".." && l != "/") {
                    out.pop();
                } else {
                    out.push("..".to_string());
                }
            }
            Component::RootDir => out.push("/".to_string()),
            Component::Prefix(p) => out.push(p.as_os_str().to_string_lossy().into_owned()),
            Component::Normal(s) => out.push(s.to_string_lossy().into_owned()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_layout_is_the_generated_folder() {
        let l = OutputLayout::default();
        let sa = |k| ("softaccel", k);
        assert_eq!(
            l.relative(sa(OutputKind::Go), ("accel", OutputKind::Go)),
            "../../accel/go"
        );
        assert_eq!(
            l.relative(sa(OutputKind::RustKernel), sa(OutputKind::RustUapi)),
            "../uapi"
        );
        assert_eq!(
            l.relative(
                sa(OutputKind::RustKernel),
                ("accel", OutputKind::RustKernel)
            ),
            "../../../accel/rust/kernel"
        );
        assert_eq!(
            l.runtime_from("softaccel", OutputKind::RustUser),
            "../../../../codegen/runtime"
        );
        assert_eq!(
            l.file_from(sa(OutputKind::CKernel), sa(OutputKind::C), "softaccel.h"),
            "../softaccel.h"
        );
    }

    #[test]
    fn placed_outputs_are_reached_where_they_are() {
        let mut l = OutputLayout {
            out: PathBuf::from("/p/./gen"),
            dirs: BTreeMap::new(),
            runtime: PathBuf::from("/p/codegen/runtime"),
        };
        l.dirs
            .insert(OutputKind::C, PathBuf::from("/p/include/uapi/drm"));
        l.dirs.insert(OutputKind::Go, PathBuf::from("/p/go/{spec}"));
        l.dirs
            .insert(OutputKind::RustUapi, PathBuf::from("/p/crates/{spec}-uapi"));
        let sa = |k| ("softaccel", k);
        assert_eq!(
            l.file_from(sa(OutputKind::C), ("accel", OutputKind::C), "accel.h"),
            "accel.h"
        );
        assert_eq!(
            l.file_from(sa(OutputKind::CKernel), sa(OutputKind::C), "softaccel.h"),
            "../../../../include/uapi/drm/softaccel.h"
        );
        assert_eq!(
            l.relative(sa(OutputKind::Go), ("accel", OutputKind::Go)),
            "../accel"
        );
        assert_eq!(
            l.relative(sa(OutputKind::RustKernel), sa(OutputKind::RustUapi)),
            "../../../../crates/softaccel-uapi"
        );
        assert_eq!(
            l.runtime_from("accel", OutputKind::RustUapi),
            "../../codegen/runtime"
        );
        assert_eq!(
            relative_path(Path::new("a/b/../c"), Path::new("a/d")),
            "../d"
        );
        assert_eq!(relative_path(Path::new("a"), Path::new("a")), ".");
    }
}
