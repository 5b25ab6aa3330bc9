//! Loading: parses a spec and its includes (each once, cycles rejected)
//! and resolves them into models. Text comes only through a
//! [`Provider`] (the file system, a git revision or memory), the one
//! place the front end reads anything.

pub mod fast_yaml;
mod parse;
mod provider;
pub mod yaml;

pub use parse::parse;
pub(crate) use provider::normalize;
pub use provider::{FileSystem, GitError, GitRevision, InMemory, NotInMemory, Provider};

use crate::diag::{Diagnostic, Pos};
use crate::model::Model;
use crate::resolve;
use crate::rules;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The text of every file read, by the label diagnostics name it with,
/// so a caller can render source lines under diagnostics.
pub type Sources = HashMap<Arc<str>, String>;

/// Loads and resolves a spec from the file system. `label` is how the
/// file is named in diagnostics and banners; by default its path
/// relative to the project root (see [`default_label`]), so output does
/// not depend on how the path was spelled.
pub fn load(path: &Path, label: Option<&str>) -> Result<Arc<Model>, Vec<Diagnostic>> {
    load_with_sources(path, label).0
}

/// As [`load`], also returning the text of every file read.
pub fn load_with_sources(
    path: &Path,
    label: Option<&str>,
) -> (Result<Arc<Model>, Vec<Diagnostic>>, Sources) {
    let label = label.map_or_else(|| default_label(path), str::to_string);
    load_from(&FileSystem, path, &label)
}

/// What loading one spec gives, for a caller that reports everything
/// in one run: on resolution errors of the spec itself (not of an
/// include), `partial` is the model of what did resolve, for lint.
pub struct Loaded {
    pub result: Result<Arc<Model>, Vec<Diagnostic>>,
    pub partial: Option<Arc<Model>>,
    pub sources: Sources,
}

/// As [`load_with_sources`], also keeping the partial model.
pub fn load_partial(path: &Path, label: Option<&str>) -> Loaded {
    let label = label.map_or_else(|| default_label(path), str::to_string);
    load_partial_from(&FileSystem, path, &label)
}

/// As [`load_from`], also keeping the partial model.
pub fn load_partial_from(provider: &dyn Provider, path: &Path, label: &str) -> Loaded {
    let mut l = Loader::new(provider);
    let result = l.load(path, label, None);
    Loaded {
        result,
        partial: l.partial,
        sources: l.sources,
    }
}

/// Loads and resolves the spec at `path` of `provider`, named `label`;
/// its includes are read from the same provider, relative to it, and
/// named relative to `label`. Also returns the text of every file read.
pub fn load_from(
    provider: &dyn Provider,
    path: &Path,
    label: &str,
) -> (Result<Arc<Model>, Vec<Diagnostic>>, Sources) {
    let mut l = Loader::new(provider);
    let result = l.load(path, label, None);
    (result, l.sources)
}

/// Parses a spec from text, for tests and fuzzing: the spec is the one
/// file of an in-memory provider, at `label`.
pub fn load_str(text: &str, label: &str) -> Result<Arc<Model>, Vec<Diagnostic>> {
    let memory = InMemory::new().with(label, text);
    load_from(&memory, Path::new(label), label).0
}

/// As [`load_str`], also keeping the partial model (see [`Loaded`]).
pub fn load_str_partial(text: &str, label: &str) -> Loaded {
    let memory = InMemory::new().with(label, text);
    load_partial_from(&memory, Path::new(label), label)
}

struct Loader<'p> {
    provider: &'p dyn Provider,
    sources: Sources,
    /// Resolved specs by canonical path, so a spec included twice (a
    /// diamond) is one model.
    done: HashMap<PathBuf, Arc<Model>>,
    /// Canonical paths being loaded, to reject include cycles.
    stack: Vec<PathBuf>,
    /// The partial model of the top-level spec after its resolution
    /// errors (see [`Loaded`]).
    partial: Option<Arc<Model>>,
}

impl<'p> Loader<'p> {
    fn new(provider: &'p dyn Provider) -> Loader<'p> {
        Loader {
            provider,
            sources: Sources::default(),
            done: HashMap::new(),
            stack: Vec::new(),
            partial: None,
        }
    }

    fn load(
        &mut self,
        path: &Path,
        label: &str,
        included_from: Option<Pos>,
    ) -> Result<Arc<Model>, Vec<Diagnostic>> {
        let file: Arc<str> = Arc::from(label);
        // A missing top-level file is the caller's I/O problem; a missing
        // include is a mistake in the including spec.
        let io_error = |what: String| match &included_from {
            Some(pos) => vec![
                Diagnostic::error(&rules::BAD_INCLUDE, pos.clone(), what)
                    .with_hint("include paths are relative to the including spec"),
            ],
            None => vec![Diagnostic::error(&rules::IO, Pos::file_start(&file), what)],
        };
        let canonical = self
            .provider
            .canonical(path)
            .map_err(|e| io_error(format!("cannot open {label}: {e}")))?;
        if let Some(m) = self.done.get(&canonical) {
            return Ok(m.clone());
        }
        if self.stack.contains(&canonical) {
            let pos = included_from.unwrap_or_else(|| Pos::file_start(&file));
            return Err(vec![
                Diagnostic::error(
                    &rules::INCLUDE_CYCLE,
                    pos,
                    format!("{label} includes itself (directly or through other specs)"),
                )
                .with_hint("a common spec must not include the specs built on it"),
            ]);
        }
        let text = self
            .provider
            .read(path)
            .map_err(|e| io_error(format!("cannot read {label}: {e}")))?;
        self.sources.insert(file.clone(), text.clone());
        let mut spec = parse(&file, &text)?;
        resolve::inline::hoist(&mut spec);

        self.stack.push(canonical.clone());
        let includes = self.includes(&spec.include, path, label, &file);
        self.stack.pop();
        let includes = includes?;
        let model = match resolve::resolve_partial(&file, label, &text, &spec, includes) {
            (Some(model), diags) if !diags.has_errors() => Arc::new(model),
            (partial, diags) => {
                if included_from.is_none() {
                    self.partial = partial.map(Arc::new);
                }
                return Err(diags.sorted());
            }
        };
        self.done.insert(canonical, model.clone());
        Ok(model)
    }

    /// Loads the includes of the spec at `path`, labelled `label`.
    fn includes(
        &mut self,
        list: &[crate::spec::S<String>],
        path: &Path,
        label: &str,
        file: &Arc<str>,
    ) -> Result<Vec<Arc<Model>>, Vec<Diagnostic>> {
        let mut includes: Vec<Arc<Model>> = Vec::new();
        let mut errors = Vec::new();
        let dir = path.parent().unwrap_or(Path::new(""));
        let label_dir = Path::new(label).parent().unwrap_or(Path::new(""));
        for inc in list {
            let pos = Pos::new(file, inc.line, inc.col);
            let rel = Path::new(&inc.value);
            if rel.is_absolute() {
                errors.push(
                    Diagnostic::error(
                        &rules::BAD_INCLUDE,
                        pos,
                        "include paths are relative to the including spec",
                    )
                    .with_hint("write e.g. `accel-core.yaml`"),
                );
                continue;
            }
            let inc_label = normalize(&label_dir.join(rel));
            match self.load(&dir.join(rel), &inc_label, Some(pos.clone())) {
                Ok(m) if includes.iter().any(|x| x.name == m.name) => {
                    errors.push(Diagnostic::error(
                        &rules::DUPLICATE_NAME,
                        pos,
                        format!("spec `{}` is included twice", m.name),
                    ));
                }
                Ok(m) => includes.push(m),
                Err(e) => errors.extend(e),
            }
        }
        if errors.is_empty() {
            Ok(includes)
        } else {
            Err(errors)
        }
    }
}

/// The spec's path relative to the project root, computed from canonical
/// paths so that `specs/x.yaml`, `./specs/x.yaml` and `/abs/specs/x.yaml`
/// give one label (banners and `uabi check` depend on it). The project
/// root is the nearest ancestor holding `.git`; outside a repository it is
/// the current directory when the spec lies under it, else the spec's own
/// folder.
/// How diagnostics and banners name the file at `path` (see [`load`]).
pub fn default_label(path: &Path) -> String {
    let Ok(abs) = path.canonicalize() else {
        return normalize(path);
    };
    // The nearest repository or uabi project above the file: the same
    // label from whatever folder the command runs in.
    let repo = abs
        .ancestors()
        .skip(1)
        .find(|d| d.join(".git").exists() || d.join(crate::project::FILE_NAME).is_file());
    let cwd = std::env::current_dir().and_then(|d| d.canonicalize()).ok();
    let root = repo
        .map(Path::to_path_buf)
        .or_else(|| cwd.filter(|d| abs.starts_with(d)))
        .or_else(|| abs.parent().map(Path::to_path_buf));
    match root.as_deref().and_then(|r| abs.strip_prefix(r).ok()) {
        Some(rel) => normalize(rel),
        None => normalize(path),
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use std::path::Path;

    #[test]
    fn labels_are_normalized_lexically() {
        assert_eq!(normalize(Path::new("spec/../spec/./x.yaml")), "spec/x.yaml");
        assert_eq!(normalize(Path::new("/tmp/x.yaml")), "/tmp/x.yaml");
        assert_eq!(normalize(Path::new("../a/b.yaml")), "../a/b.yaml");
    }
}
