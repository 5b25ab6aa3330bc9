//! The project file, `uabi.toml` (in the spirit of buf.gen.yaml): which
//! specs a driver project has, and for each output whether it is
//! generated and where it goes. `generate`, `check`, `lint`, `compat` and
//! `doc` find it from any folder below it; without one, the repository
//! defaults hold (every spec under `spec/`, output under `generated/`).
//!
//! ```toml
//! [project]
//! name = "mydrv"
//! specs = ["spec/mydrv.yaml"]
//! out = "generated"            # default folder of every output
//!
//! [output.c]                   # the C uapi header
//! dir = "include/uapi/drm"     # put it where the kernel tree wants it
//! [output.go]
//! enabled = false
//! ```
//!
//! Output names: `c`, `c-kernel`, `rust-uapi`, `rust-kernel`, `rust-user`,
//! `rust-linux`, `python`, `go`, `syz`. Naming keys: `include-dir` (`c`:
//! headers include each other as `<dir/name.h>`, the installed layout),
//! `runtime-version` (`rust-uapi`/`-kernel`/`-user`: uabi-runtime by
//! version, so the crates build and package outside this repository),
//! `crate` (`rust-uapi`/`-kernel`/`-user`: the package name; dependents
//! follow), `package` (`python`: the import and distribution name),
//! `module-prefix` (`go`), and `[project] license` (the SPDX expression of
//! outputs whose spec names none). In `crate` and `package`, `{spec}`
//! stands for each spec's name; a name without it is for a project of one
//! spec that includes no other. An output without `dir` goes to
//! `<out>/<spec>/<its folder>/` as it always did; with `dir`, its files go
//! there directly (`<dir>/softaccel.h`), and `uabi generate` never removes
//! a file it did not write in such a folder, which it may share with
//! hand-written files.
//!
//! Parsing is I/O-free: text in, a [`Project`] or an error with file,
//! line and column out. Paths are relative to the project file's folder.

use crate::backend::GeneratedFile;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// The project file's name.
pub const FILE_NAME: &str = "uabi.toml";

pub use crate::backend::OutputKind;

/// One output's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub enabled: bool,
    /// Where its files go, if not `<out>/<spec>/<folder>/`; `{spec}`
    /// stands for each spec's name.
    pub dir: Option<PathBuf>,
    /// Where `dir` is written in the project file.
    dir_at: Option<(usize, usize)>,
}

/// A parsed project file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// The project file, as diagnostics name it.
    file: String,
    /// The folder holding the project file; every path is under it.
    pub root: PathBuf,
    pub name: String,
    pub specs: Vec<PathBuf>,
    pub out: PathBuf,
    pub outputs: BTreeMap<OutputKind, Output>,
    /// The naming choices the outputs take from the file.
    pub options: crate::backend::OutputOptions,
    /// Names without `{spec}`, as the error [`Project::check_generated`]
    /// gives when more than one spec is generated.
    fixed_names: Vec<ProjectError>,
}

/// A project file that cannot be used, with where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{col}: {message}\n  = hint: {hint}")]
pub struct ProjectError {
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
    pub hint: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    project: RawProject,
    #[serde(default)]
    output: BTreeMap<String, toml::Spanned<RawOutput>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProject {
    name: String,
    specs: Vec<toml::Spanned<String>>,
    out: Option<toml::Spanned<String>>,
    /// SPDX expression of the outputs whose spec names no license.
    license: Option<toml::Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawOutput {
    enabled: Option<bool>,
    dir: Option<toml::Spanned<String>>,
    /// `c`: headers include each other as `<include-dir/name.h>`.
    include_dir: Option<toml::Spanned<String>>,
    /// `rust-uapi`, `rust-kernel`, `rust-user`: depend on uabi-runtime by
    /// this version rather than by path.
    runtime_version: Option<toml::Spanned<String>>,
    /// `go`: the module path prefix.
    module_prefix: Option<toml::Spanned<String>>,
    /// `python`: the package (import) name; `{spec}` is the spec's name.
    package: Option<toml::Spanned<String>>,
    /// `rust-uapi`, `rust-kernel`, `rust-user`: the crate's package name.
    #[serde(rename = "crate")]
    crate_: Option<toml::Spanned<String>>,
}

/// Line and column (1-based) of a byte offset.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.len(), |i| before.len() - i - 1)
        + 1;
    (line, col)
}

impl Project {
    /// Parses the text of `file` (a project file in folder `root`).
    pub fn parse(text: &str, file: &str, root: &Path) -> Result<Project, ProjectError> {
        let err = |at: usize, message: String, hint: &str| {
            let (line, col) = line_col(text, at);
            ProjectError {
                file: file.to_string(),
                line,
                col,
                message,
                hint: hint.to_string(),
            }
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            err(
                e.span().map_or(0, |s| s.start),
                e.message().to_string(),
                "see `uabi init` for a project file that works, and the README's \"Project file\"",
            )
        })?;
        // A path must stay inside the project: generate writes there.
        let inside = |s: &toml::Spanned<String>| -> Result<PathBuf, ProjectError> {
            let p = Path::new(s.get_ref());
            let escapes = p.is_absolute()
                || p.components()
                    .any(|c| matches!(c, Component::ParentDir | Component::Prefix(_)));
            if escapes || s.get_ref().is_empty() {
                return Err(err(
                    s.span().start,
                    format!("`{}` is not a path inside the project", s.get_ref()),
                    "write a relative path below the folder of uabi.toml",
                ));
            }
            Ok(root.join(p))
        };
        if raw.project.specs.is_empty() {
            return Err(err(
                0,
                "`specs` lists no spec".into(),
                "name the project's spec files: specs = [\"spec/<name>.yaml\"]",
            ));
        }
        let specs = raw
            .project
            .specs
            .iter()
            .map(inside)
            .collect::<Result<Vec<_>, _>>()?;
        let out = match &raw.project.out {
            Some(o) => inside(o)?,
            None => root.join("generated"),
        };
        let mut outputs: BTreeMap<OutputKind, Output> = OutputKind::ALL
            .iter()
            .map(|&k| {
                (
                    k,
                    Output {
                        enabled: true,
                        dir: None,
                        dir_at: None,
                    },
                )
            })
            .collect();
        let mut options = crate::backend::OutputOptions::default();
        let mut fixed_names = Vec::new();
        for (name, o) in &raw.output {
            let Some(kind) = OutputKind::ALL.iter().find(|k| k.name() == name) else {
                let names: Vec<&str> = OutputKind::ALL.iter().map(|k| k.name()).collect();
                return Err(err(
                    o.span().start,
                    format!("unknown output `{name}`"),
                    &format!("outputs are: {}", names.join(", ")),
                ));
            };
            let v = o.get_ref();
            let entry = outputs
                .get_mut(kind)
                .ok_or_else(|| err(o.span().start, format!("unknown output `{name}`"), ""))?;
            entry.enabled = v.enabled.unwrap_or(true);
            if let Some(d) = &v.dir {
                entry.dir = Some(inside(d)?);
                entry.dir_at = Some(line_col(text, d.span().start));
            }
            // A naming key belongs to one kind of output.
            let only = |key: &toml::Spanned<String>, what: &str, fits: bool| {
                if fits {
                    Ok(key.get_ref().clone())
                } else {
                    Err(err(
                        key.span().start,
                        format!("`{what}` does not apply to output `{name}`"),
                        "include-dir is for [output.c], runtime-version and crate for \
                         [output.rust-uapi/-kernel/-user], package for [output.python], \
                         module-prefix for [output.go]",
                    ))
                }
            };
            // A name that must also be valid once `{spec}` is replaced by
            // a spec's name (lower kebab case, snake case for Python).
            let named = |key: &toml::Spanned<String>,
                         what: &str,
                         sample: &str,
                         valid: fn(&str) -> bool,
                         rule: &str| {
                let v = key.get_ref();
                if !valid(&v.replace("{spec}", sample)) {
                    return Err(err(
                        key.span().start,
                        format!("`{v}` is not a valid {what}"),
                        rule,
                    ));
                }
                if !v.contains("{spec}") && specs.len() > 1 {
                    return Err(err(
                        key.span().start,
                        format!(
                            "`{v}` would name the {what} of all {} specs alike",
                            specs.len()
                        ),
                        "write `{spec}` in the name where each spec's name goes",
                    ));
                }
                Ok(v.clone())
            };
            let fixed = |key: &toml::Spanned<String>, what: &str| {
                let v = key.get_ref();
                (!v.contains("{spec}")).then(|| {
                    err(
                        key.span().start,
                        format!(
                            "`{v}` would name the {what} of every generated spec alike \
                             (the project's specs and the specs they include)"
                        ),
                        "write `{spec}` in the name where each spec's name goes",
                    )
                })
            };
            if let Some(k) = &v.include_dir {
                options.c_include_dir = Some(only(k, "include-dir", *kind == OutputKind::C)?);
            }
            if let Some(k) = &v.runtime_version {
                let rust = matches!(
                    kind,
                    OutputKind::RustUapi | OutputKind::RustKernel | OutputKind::RustUser
                );
                options.rust_runtime =
                    crate::backend::RustRuntime::Version(only(k, "runtime-version", rust)?);
            }
            if let Some(k) = &v.module_prefix {
                options.go_module_prefix = only(k, "module-prefix", *kind == OutputKind::Go)?;
            }
            if let Some(k) = &v.package {
                only(k, "package", *kind == OutputKind::Python)?;
                fixed_names.extend(fixed(k, "Python package"));
                options.python_package = Some(named(
                    k,
                    "Python package name",
                    "spec",
                    python_identifier,
                    "a Python package name is an identifier: lower-case letters, digits \
                     and `_`, not starting with a digit, not a keyword",
                )?);
            }
            if let Some(k) = &v.crate_ {
                let slot = match kind {
                    OutputKind::RustUapi => Some(0),
                    OutputKind::RustKernel => Some(1),
                    OutputKind::RustUser => Some(2),
                    _ => None,
                };
                only(k, "crate", slot.is_some())?;
                if let Some(i) = slot {
                    fixed_names.extend(fixed(k, "crate"));
                    options.rust_crates[i] = Some(named(
                        k,
                        "crate name",
                        "spec",
                        crate_name,
                        "a crate name is ASCII letters, digits, `-` and `_`, starting \
                         with a letter, at most 64 characters",
                    )?);
                }
            }
        }
        // Two outputs of one kind under one name would overwrite each
        // other when installed.
        let crates: Vec<&String> = options.rust_crates.iter().flatten().collect();
        for (i, c) in crates.iter().enumerate() {
            if crates[..i].contains(c) {
                return Err(err(
                    0,
                    format!("two Rust crates are both named `{c}`"),
                    "give [output.rust-uapi], [output.rust-kernel] and [output.rust-user] \
                     different crate names",
                ));
            }
        }
        if let Some(l) = &raw.project.license {
            let v = l.get_ref().trim();
            let ok = !v.is_empty()
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || " .+-()".contains(c));
            if !ok {
                return Err(err(
                    l.span().start,
                    format!("`{}` is not an SPDX license expression", l.get_ref()),
                    "write an SPDX expression, e.g. `MIT` or \
                     `GPL-2.0-only WITH Linux-syscall-note`",
                ));
            }
            options.license = Some(v.to_string());
        }
        options.layout = crate::backend::OutputLayout {
            out: out.clone(),
            dirs: outputs
                .iter()
                .filter_map(|(k, o)| Some((*k, o.dir.clone()?)))
                .collect(),
            runtime: root.join("codegen").join("runtime"),
        };
        Ok(Project {
            file: file.to_string(),
            root: root.to_path_buf(),
            name: raw.project.name,
            specs,
            out,
            outputs,
            options,
            fixed_names,
        })
    }

    /// Refuses a name without `{spec}` when more than one spec is
    /// generated (`specs`: the names of every spec rendered, includes
    /// too): their packages or crates would collide.
    pub fn check_generated(&self, specs: &[&str]) -> Result<(), ProjectError> {
        match self.fixed_names.first() {
            Some(e) if specs.len() > 1 => Err(e.clone()),
            _ => Ok(()),
        }
    }

    /// Where each generated file goes, and whether it lies in the output
    /// tree `uabi generate` owns (where stale files are removed) or in a
    /// folder the project named (where nothing else is touched). Files of
    /// disabled outputs are left out. Two specs whose files would land on
    /// one path with different contents (a `dir` without `{spec}` for an
    /// output whose file names do not carry the spec's) are an error at
    /// that `dir`: one would overwrite the other.
    pub fn place(&self, files: Vec<GeneratedFile>) -> Result<Placed, ProjectError> {
        let mut placed = Placed::default();
        // Where each named file came from: its index in `placed.named`,
        // its spec and its output.
        let mut seen: BTreeMap<PathBuf, (usize, String)> = BTreeMap::new();
        for f in files {
            let Some((kind, rest)) = OutputKind::of(&f.path) else {
                placed.owned.push(f);
                continue;
            };
            let o = &self.outputs[&kind];
            if !o.enabled {
                continue;
            }
            if o.dir.is_none() {
                placed.owned.push(f);
                continue;
            }
            let spec = spec_of(&f.path);
            let path = self.options.layout.folder(&spec, kind).join(&rest);
            if let Some((i, other)) = seen.get(&path) {
                if placed.named[*i].contents == f.contents {
                    continue;
                }
                let (line, col) = o.dir_at.unwrap_or((1, 1));
                return Err(ProjectError {
                    file: self.file.clone(),
                    line,
                    col,
                    message: format!(
                        "`dir` puts output `{}` of specs `{other}` and `{spec}` in one folder, \
                         where both write `{}`",
                        kind.name(),
                        rest.display()
                    ),
                    hint: "write `{spec}` in the path where each spec's name goes, e.g. \
                           `dir = \"out/{spec}\"`"
                        .to_string(),
                });
            }
            seen.insert(path.clone(), (placed.named.len(), spec));
            placed.named.push(GeneratedFile {
                path,
                contents: f.contents,
            });
        }
        Ok(placed)
    }
}

/// The spec a generated file (`<spec>/<folder>/...`) belongs to.
fn spec_of(path: &Path) -> String {
    path.components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A Python identifier that is no keyword, in lower case as PEP 8 asks of
/// package names.
fn python_identifier(s: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
        "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is",
        "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with",
        "yield", "None", "True", "False",
    ];
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !KEYWORDS.contains(&s)
}

/// A name crates.io accepts.
fn crate_name(s: &str) -> bool {
    s.len() <= 64
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Generated files split by who owns their folder (see [`Project::place`]).
#[derive(Debug, Default)]
pub struct Placed {
    /// Paths relative to the project's `out`.
    pub owned: Vec<GeneratedFile>,
    /// Paths under folders the project named (absolute when its root is).
    pub named: Vec<GeneratedFile>,
}

/// The files `uabi init` writes for a project whose spec is `name`:
/// the project file, a spec skeleton that lints clean (one ioctl to grow
/// from, every key explained), and the CI step.
pub fn scaffold(name: &str) -> Vec<(PathBuf, String)> {
    let package = crate::names::snake(name);
    let project = format!(
        "# The uabi project file: the specs of this driver and where each output goes.\n\
         # `uabi generate`, `check`, `lint`, `compat` and `doc` find it from any folder\n\
         # below this one.\n\
         [project]\n\
         name = \"{name}\"\n\
         specs = [\"spec/{name}.yaml\"]\n\
         # Every output goes under out/<spec>/ unless an [output.<name>] says otherwise.\n\
         out = \"generated\"\n\
         # The SPDX license of outputs whose spec names none (C header, Cargo.toml,\n\
         # pyproject.toml):\n\
         # license = \"GPL-2.0-only WITH Linux-syscall-note\"\n\
         \n\
         # Outputs: c, c-kernel, rust-uapi, rust-kernel, rust-user, rust-linux,\n\
         # python, go, syz. Each can be turned off or put elsewhere, e.g. the\n\
         # uapi header into a kernel tree's include/uapi/drm:\n\
         #\n\
         # [output.c]\n\
         # dir = \"include/uapi/drm\"\n\
         #\n\
         # [output.go]\n\
         # enabled = false\n\
         #\n\
         # Names: include-dir (c), crate (rust-uapi, rust-kernel, rust-user),\n\
         # package (python), module-prefix (go), e.g.\n\
         #\n\
         # [output.python]\n\
         # package = \"{package}\"\n"
    );
    let upper = crate::names::upper(name);
    let spec = format!(
        "# {name}: the user/kernel ABI of the {name} accelerator driver.\n\
         # `uabi lint` checks it; `uabi generate` writes the C header, the kernel side and\n\
         # every binding; `uabi freeze spec/{name}.yaml` records a revision once it ships,\n\
         # and `uabi compat` then refuses any change that would break it.\n\
         name: {name}\n\
         # Bump for every change to the ABI; give new items `since: <revision>`.\n\
         revision: 1\n\
         doc: >-\n  \
         What the device is and what userspace does with it.\n\
         ioctl:\n  \
         # The _IOC type byte of every command: take one that is free in the kernel's\n  \
         # Documentation/userspace-api/ioctl/ioctl-number.rst.\n  \
         magic: 0xb7\n\
         \n\
         definitions:\n  \
         - name: get-version\n    \
         type: struct\n    \
         doc: Argument of GET_VERSION.\n    \
         members:\n      \
         - name: version\n        \
         type: u32\n        \
         # out: the kernel writes it; in members are validated before any handler runs.\n        \
         access: out\n        \
         doc: The firmware version.\n      \
         # Every byte is a member: holes are explicit pads, checked to be zero.\n      \
         - {{ name: pad0, type: pad, len: 4 }}\n\
         \n\
         ioctls:\n  \
         - name: get-version\n    \
         # {upper}_IOCTL_GET_VERSION; device ioctls use nr 0x40..0x9f.\n    \
         nr: 0x40\n    \
         dir: inout\n    \
         arg: get-version\n    \
         # How a caller struct of another size is treated: zero-extend (drm_ioctl)\n    \
         # or strict (a longer one's extra bytes must be zero, else E2BIG).\n    \
         extension: strict\n    \
         doc: Report the firmware version.\n    \
         errors:\n      \
         - {{ errno: EFAULT, doc: The argument could not be read or written. }}\n"
    );
    let ci = "#!/bin/sh\n\
              # CI step of a uabi project: the generated files are fresh, and no change\n\
              # breaks a frozen revision.\n\
              set -eu\n\
              cd \"$(dirname \"$0\")/..\"\n\
              uabi check\n\
              uabi compat\n"
        .to_string();
    vec![
        (PathBuf::from(FILE_NAME), project),
        (PathBuf::from(format!("spec/{name}.yaml")), spec),
        (PathBuf::from("ci/uabi-check.sh"), ci),
    ]
}

/// The nearest project file at or above `start`.
pub fn find(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Project, ProjectError> {
        Project::parse(text, "uabi.toml", Path::new("/p"))
    }

    #[test]
    fn a_minimal_file_takes_the_defaults() {
        let p = parse("[project]\nname = \"x\"\nspecs = [\"spec/x.yaml\"]\n").unwrap();
        assert_eq!(p.specs, vec![PathBuf::from("/p/spec/x.yaml")]);
        assert_eq!(p.out, PathBuf::from("/p/generated"));
        assert!(p.outputs.values().all(|o| o.enabled && o.dir.is_none()));
    }

    #[test]
    fn outputs_are_placed_where_the_file_says() {
        let p = parse(
            "[project]\nname = \"x\"\nspecs = [\"x.yaml\"]\n\
             [output.c]\ndir = \"include/uapi/drm\"\n[output.go]\nenabled = false\n",
        )
        .unwrap();
        let f = |path: &str| GeneratedFile {
            path: PathBuf::from(path),
            contents: String::new(),
        };
        let placed = p
            .place(vec![
                f("x/c/x.h"),
                f("x/c/kernel/x_kernel.c"),
                f("x/go/uapi.go"),
                f("x/rust/uapi/src/lib.rs"),
            ])
            .unwrap();
        let named: Vec<PathBuf> = placed.named.iter().map(|f| f.path.clone()).collect();
        let owned: Vec<PathBuf> = placed.owned.iter().map(|f| f.path.clone()).collect();
        assert_eq!(named, vec![PathBuf::from("/p/include/uapi/drm/x.h")]);
        assert_eq!(
            owned,
            vec![
                PathBuf::from("x/c/kernel/x_kernel.c"),
                PathBuf::from("x/rust/uapi/src/lib.rs")
            ]
        );
    }

    #[test]
    fn a_dir_names_each_spec_s_folder_with_spec() {
        let p = parse(
            "[project]\nname = \"x\"\nspecs = [\"x.yaml\"]\n\
             [output.go]\ndir = \"go/{spec}\"\n[output.c]\ndir = \"inc\"\n",
        )
        .unwrap();
        let f = |path: &str, contents: &str| GeneratedFile {
            path: PathBuf::from(path),
            contents: contents.to_string(),
        };
        let placed = p
            .place(vec![
                f("x/go/go.mod", "module x"),
                f("y/go/go.mod", "module y"),
                f("x/c/x.h", "x"),
                f("y/c/y.h", "y"),
            ])
            .unwrap();
        let named: Vec<PathBuf> = placed.named.iter().map(|f| f.path.clone()).collect();
        assert_eq!(
            named,
            [
                "/p/go/x/go.mod",
                "/p/go/y/go.mod",
                "/p/inc/x.h",
                "/p/inc/y.h"
            ]
            .map(PathBuf::from)
        );
        // The layout the backends point outputs at each other with.
        assert_eq!(
            p.options
                .layout
                .relative(("x", OutputKind::Go), ("y", OutputKind::Go)),
            "../y"
        );
        assert_eq!(
            p.options
                .layout
                .relative(("x", OutputKind::RustKernel), ("y", OutputKind::C)),
            "../../../../inc"
        );
    }

    #[test]
    fn two_specs_writing_one_file_through_a_dir_are_an_error_at_the_dir() {
        let p = parse(
            "[project]\nname = \"x\"\nspecs = [\"x.yaml\"]\n\
             [output.python]\ndir = \"py\"\n",
        )
        .unwrap();
        let f = |path: &str, contents: &str| GeneratedFile {
            path: PathBuf::from(path),
            contents: contents.to_string(),
        };
        // The same text twice is one file, not a clash.
        let same = p
            .place(vec![f("x/python/b.py", "b"), f("y/python/b.py", "b")])
            .unwrap();
        assert_eq!(same.named.len(), 1);
        let e = p
            .place(vec![
                f("x/python/pyproject.toml", "name = \"x\""),
                f("y/python/pyproject.toml", "name = \"y\""),
            ])
            .unwrap_err();
        assert_eq!((e.line, e.col), (5, 7), "{e}");
        assert!(
            e.message.contains("specs `x` and `y`") && e.message.contains("pyproject.toml"),
            "{e}"
        );
        assert!(e.hint.contains("{spec}"), "{e:?}");
    }

    #[test]
    fn naming_keys_fill_the_options_and_stay_with_their_output() {
        let p = parse(
            "[project]\nname = \"x\"\nspecs = [\"x.yaml\"]\n\
             [output.c]\ninclude-dir = \"drm\"\n\
             [output.rust-uapi]\nruntime-version = \"0.1.0\"\n\
             [output.go]\nmodule-prefix = \"example.org/d\"\n",
        )
        .unwrap();
        assert_eq!(p.options.c_include_dir.as_deref(), Some("drm"));
        assert_eq!(
            p.options.rust_runtime,
            crate::backend::RustRuntime::Version("0.1.0".into())
        );
        assert_eq!(p.options.go_module_prefix, "example.org/d");
        let e = parse(
            "[project]\nname = \"x\"\nspecs = [\"x.yaml\"]\n[output.go]\ninclude-dir = \"d\"\n",
        )
        .unwrap_err();
        assert_eq!(e.line, 5, "{e}");
    }

    #[test]
    fn crate_package_and_license_keys() {
        let p = parse(
            "[project]\nname = \"x\"\nspecs = [\"x.yaml\"]\nlicense = \"MIT\"\n\
             [output.rust-uapi]\ncrate = \"acme-abi\"\n\
             [output.rust-user]\ncrate = \"acme-{spec}-user\"\n\
             [output.python]\npackage = \"acme_{spec}\"\n",
        )
        .unwrap();
        assert_eq!(p.options.license.as_deref(), Some("MIT"));
        assert_eq!(
            p.options.rust_crates,
            [
                Some("acme-abi".into()),
                None,
                Some("acme-{spec}-user".into())
            ]
        );
        assert_eq!(p.options.python_package.as_deref(), Some("acme_{spec}"));
        let base = "[project]\nname = \"x\"\nspecs = [\"x.yaml\"]\n";
        let fails = |tail: &str, line: usize, col: usize, says: &str| {
            let e = parse(&format!("{base}{tail}")).unwrap_err();
            assert_eq!((e.line, e.col), (line, col), "{e}");
            assert!(e.to_string().contains(says), "{e}");
        };
        fails(
            "[output.python]\npackage = \"my-pkg\"\n",
            5,
            11,
            "not a valid Python package name",
        );
        fails(
            "[output.python]\npackage = \"class\"\n",
            5,
            11,
            "not a valid Python package name",
        );
        fails("[output.python]\npackage = \"9x\"\n", 5, 11, "not a valid");
        fails(
            "[output.go]\npackage = \"x\"\n",
            5,
            11,
            "`package` does not apply to output `go`",
        );
        fails(
            "[output.c]\ncrate = \"x\"\n",
            5,
            9,
            "`crate` does not apply to output `c`",
        );
        fails(
            "[output.rust-linux]\ncrate = \"x\"\n",
            5,
            9,
            "does not apply",
        );
        fails(
            "[output.rust-uapi]\ncrate = \"a b\"\n",
            5,
            9,
            "not a valid crate name",
        );
        fails(
            "[output.rust-uapi]\ncrate = \"same\"\n[output.rust-user]\ncrate = \"same\"\n",
            1,
            1,
            "both named `same`",
        );
        let e = parse("[project]\nname = \"x\"\nspecs = [\"x.yaml\"]\nlicense = \"MIT */\"\n")
            .unwrap_err();
        assert_eq!((e.line, e.col), (4, 11), "{e}");
        assert!(e.message.contains("not an SPDX license expression"), "{e}");
        // One name for several specs would collide.
        let e = parse(
            "[project]\nname = \"x\"\nspecs = [\"a.yaml\", \"b.yaml\"]\n\
             [output.python]\npackage = \"one\"\n",
        )
        .unwrap_err();
        assert_eq!((e.line, e.col), (5, 11), "{e}");
        assert!(e.hint.contains("{spec}"), "{e}");
        // One spec that includes another: refused when generating both.
        let p = parse(
            "[project]\nname = \"x\"\nspecs = [\"a.yaml\"]\n\
             [output.rust-user]\ncrate = \"one\"\n",
        )
        .unwrap();
        assert!(p.check_generated(&["a"]).is_ok());
        let e = p.check_generated(&["a", "core"]).unwrap_err();
        assert_eq!((e.line, e.col), (5, 9), "{e}");
        assert!(e.message.contains("every generated spec alike"), "{e}");
    }

    #[test]
    fn mistakes_say_where() {
        let e =
            parse("[project]\nname = \"x\"\nspecs = [\"x.yaml\"]\n[output.cobol]\n").unwrap_err();
        assert_eq!((e.line, e.col), (4, 1), "{e}");
        assert!(e.message.contains("unknown output `cobol`"), "{e}");
        let e = parse("[project]\nname = \"x\"\nspecs = [\"../x.yaml\"]\n").unwrap_err();
        assert_eq!((e.line, e.col), (3, 10), "{e}");
        let e = parse("[project]\nnme = \"x\"\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("unknown field"), "{e}");
        let e = parse("[project\n").unwrap_err();
        assert_eq!(e.line, 1, "{e}");
    }
}
