//! Driving the pipeline over files: load + lint a set of specs, render
//! every backend, and write the output or compare it with what is on
//! disk. Backends stay pure; this is where files are touched.

use crate::backend::{self, GeneratedFile};
use crate::diag::{Diagnostic, Severity};
use crate::lint;
use crate::load::{self, Sources};
use crate::model::Model;
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The result of loading and linting specs: models of every spec named
/// and of everything they include, and every diagnostic.
#[derive(Default)]
pub struct Checked {
    /// By spec name, so an included spec named twice is rendered once.
    pub models: BTreeMap<String, Arc<Model>>,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// Every diagnostic rendered with its source line.
    pub fn render_diagnostics(&self) -> String {
        let mut lines = crate::diag::SourceLines::default();
        self.diagnostics
            .iter()
            .map(|d| lines.render(d, self.sources.get(&d.pos.file).map(String::as_str)))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Loads every spec and lints it and its includes.
///
/// Specs load on the machine's cores, then every distinct model is
/// linted the same way; diagnostics come out in the order a one-by-one
/// run gives (each spec's load errors, then the lint of each model it
/// brings in first).
pub fn load_and_lint(specs: &[PathBuf]) -> Checked {
    let mut out = Checked::default();
    let loaded = crate::parallel::map(specs, |path| load::load_partial(path, None));
    // Per spec: its load diagnostics, then the models it brought in first.
    let mut steps: Vec<(Vec<Diagnostic>, Vec<Arc<Model>>)> = Vec::new();
    // Models linted so far, by name: those in `out.models` and the
    // partial models of specs with resolution errors, which lint still
    // reports on (everything in one run) but nothing renders.
    let mut linted: BTreeSet<String> = BTreeSet::new();
    for r in loaded {
        // A panic while loading is a bug, not a diagnostic: report it as
        // the panic it is.
        let loaded = r.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        out.sources.extend(loaded.sources);
        let (errors, model, complete) = match (loaded.result, loaded.partial) {
            (Ok(model), _) => (Vec::new(), Some(model), true),
            (Err(d), partial) => (d, partial, false),
        };
        let mut new = Vec::new();
        for m in model.iter().flat_map(with_includes) {
            if linted.insert(m.name.clone()) {
                let partial = !complete && model.as_ref().is_some_and(|top| Arc::ptr_eq(&m, top));
                if !partial {
                    out.models.insert(m.name.clone(), m.clone());
                }
                new.push(m);
            }
        }
        steps.push((errors, new));
    }
    let to_lint: Vec<&Arc<Model>> = steps.iter().flat_map(|(_, new)| new).collect();
    let mut lints = crate::parallel::map(&to_lint, |m| lint::lint(m).sorted()).into_iter();
    for (load_errors, new) in steps {
        out.diagnostics.extend(load_errors);
        for _ in new {
            if let Some(l) = lints.next() {
                out.diagnostics
                    .extend(l.unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
            }
        }
    }
    // One spec included by several named on the command line would
    // otherwise report its resolution errors once per includer.
    out.diagnostics.dedup();
    out
}

/// Every spec `model` includes, transitively and without duplicates,
/// dependencies first, then `model` itself: the order of
/// [`Model::all_includes`], as shared models rather than copies.
fn with_includes(model: &Arc<Model>) -> Vec<Arc<Model>> {
    let mut out: Vec<Arc<Model>> = Vec::new();
    for inc in &model.includes {
        for m in with_includes(inc) {
            if !out.iter().any(|o| o.name == m.name) {
                out.push(m);
            }
        }
    }
    out.push(model.clone());
    out
}

/// Everything every backend renders for these models.
pub fn render(
    models: &BTreeMap<String, Arc<Model>>,
) -> Result<Vec<GeneratedFile>, backend::RenderError> {
    let models: Vec<&Model> = models.values().map(Arc::as_ref).collect();
    backend::render_models(&models)
}

/// How a file on disk differs from what the specs generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    Missing(PathBuf),
    Changed(PathBuf),
    /// A file under a generated spec folder that no backend produces.
    Stale(PathBuf),
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drift::Missing(p) => write!(f, "missing: {}", p.display()),
            Drift::Changed(p) => write!(f, "differs: {}", p.display()),
            Drift::Stale(p) => write!(f, "not generated by any spec (stale): {}", p.display()),
        }
    }
}

/// Compares generated files with `out_dir`, naming every difference.
pub fn compare(out_dir: &Path, files: &[GeneratedFile]) -> io::Result<Vec<Drift>> {
    let mut drift = Vec::new();
    for f in files {
        let path = out_dir.join(&f.path);
        match std::fs::read(&path) {
            Ok(bytes) if bytes == f.contents.as_bytes() => {}
            Ok(_) => drift.push(Drift::Changed(path)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => drift.push(Drift::Missing(path)),
            Err(e) => return Err(e),
        }
    }
    for stale in stale_files(out_dir, files)? {
        drift.push(Drift::Stale(stale));
    }
    Ok(drift)
}

/// [`compare`] for files at paths of their own (a project's named output
/// folders, shared with other files): missing or changed only, never
/// stale.
pub fn compare_only(files: &[GeneratedFile]) -> io::Result<Vec<Drift>> {
    let mut drift = Vec::new();
    for f in files {
        match std::fs::read(&f.path) {
            Ok(bytes) if bytes == f.contents.as_bytes() => {}
            Ok(_) => drift.push(Drift::Changed(f.path.clone())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                drift.push(Drift::Missing(f.path.clone()))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(drift)
}

/// Writes what [`compare_only`] finds missing or changed; removes nothing.
pub fn write_only(files: &[GeneratedFile]) -> io::Result<Vec<Drift>> {
    let drift = compare_only(files)?;
    for f in files {
        let touched = drift
            .iter()
            .any(|d| matches!(d, Drift::Missing(p) | Drift::Changed(p) if *p == f.path));
        if touched {
            if let Some(parent) = f.path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&f.path, &f.contents)?;
        }
    }
    Ok(drift)
}

/// Writes files whose contents changed (so build tools do not rebuild
/// needlessly) and removes stale ones; returns what it touched.
pub fn write(out_dir: &Path, files: &[GeneratedFile]) -> io::Result<Vec<Drift>> {
    let drift = compare(out_dir, files)?;
    for d in &drift {
        match d {
            Drift::Missing(p) | Drift::Changed(p) => {
                // `compare` names only paths of `files`; not finding one is
                // a bug to report, not to write past.
                let f = files
                    .iter()
                    .find(|f| &out_dir.join(&f.path) == p)
                    .ok_or_else(|| {
                        io::Error::other(format!(
                            "{}: no generated file has this path",
                            p.display()
                        ))
                    })?;
                if let Some(parent) = p.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(p, &f.contents)?;
            }
            Drift::Stale(p) => std::fs::remove_file(p)?,
        }
    }
    Ok(drift)
}

/// Files under `out_dir/<spec>/` for the specs being generated that no
/// backend produced. Build output (`target/`, `__pycache__/`) and lock
/// files are not generated content and are left alone.
fn stale_files(out_dir: &Path, files: &[GeneratedFile]) -> io::Result<Vec<PathBuf>> {
    let expected: BTreeSet<PathBuf> = files.iter().map(|f| out_dir.join(&f.path)).collect();
    let roots: BTreeSet<PathBuf> = files
        .iter()
        .filter_map(|f| f.path.components().next())
        .map(|c| out_dir.join(c))
        .collect();
    let mut stale = Vec::new();
    for root in roots {
        walk(&root, &mut |p| {
            let rel = p.strip_prefix(out_dir).unwrap_or(p);
            // Build output of the languages that run generated code in
            // place: Cargo's target/ and lock file, Python's bytecode cache.
            let ignored = rel.components().any(|c| {
                let c = c.as_os_str();
                c == "target" || c == "Cargo.lock" || c == "__pycache__"
            });
            if !ignored && !expected.contains(p) {
                stale.push(p.to_path_buf());
            }
        })?;
    }
    stale.sort();
    Ok(stale)
}

fn walk(dir: &Path, f: &mut impl FnMut(&Path)) -> io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.map(|e| e.path()))
        .collect::<io::Result<_>>()?;
    paths.sort();
    for p in paths {
        if p.is_dir() {
            walk(&p, f)?;
        } else {
            f(&p);
        }
    }
    Ok(())
}

/// Every `*.yaml` directly under `dir`, sorted.
pub fn specs_in(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut specs: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<io::Result<Vec<_>>>()?
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    specs.sort();
    Ok(specs)
}

/// Why [`install_headers`] stopped.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error(transparent)]
    Render(#[from] backend::RenderError),
    /// The include folder must stay below `<out>/include`.
    #[error("include folder `{0}`: give a relative path of plain names, such as `drm`")]
    BadDir(String),
    /// A header would include one that is not installed with it.
    #[error("spec `{spec}` includes `{include}`, which is not among the specs installed")]
    MissingInclude { spec: String, include: String },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// `make headers_install` for the uapi headers of `models`: writes
/// `<out>/include/<dir>/<header>` for each, every one including the
/// others as `<dir/header>`, so a consumer compiles with `-I
/// <out>/include` alone. Other files under `out` are left alone (unlike
/// [`write`], nothing is removed: `out` may be a tree that holds other
/// headers). Returns the paths written.
pub fn install_headers(
    out: &Path,
    models: &[&Model],
    dir: &str,
    opts: &backend::OutputOptions,
) -> Result<Vec<PathBuf>, InstallError> {
    let plain = |c: std::path::Component<'_>| matches!(c, std::path::Component::Normal(_));
    if dir.is_empty() || !Path::new(dir).components().all(plain) {
        return Err(InstallError::BadDir(dir.to_string()));
    }
    for m in models {
        for inc in &m.includes {
            if !models.iter().any(|o| o.name == inc.name) {
                return Err(InstallError::MissingInclude {
                    spec: m.name.clone(),
                    include: inc.name.clone(),
                });
            }
        }
    }
    let files = backend::c::headers_install(models, dir, opts)?;
    let mut written = Vec::new();
    for f in files {
        let path = out.join(&f.path);
        let io = |source| InstallError::Io {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(&path, &f.contents).map_err(io)?;
        written.push(path);
    }
    Ok(written)
}
