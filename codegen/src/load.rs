//! Loading: the one stage that reads files. Parses a spec and its
//! includes (each once, cycles rejected) and resolves them into models.

use crate::diag::{Diagnostic, Pos};
use crate::model::Model;
use crate::resolve;
use crate::rules;
use crate::spec::SpecFile;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// The text of every file read, by the label diagnostics name it with,
/// so a caller can render source lines under diagnostics.
pub type Sources = HashMap<Arc<str>, String>;

/// Loads and resolves a spec. `label` is how the file is named in
/// diagnostics and banners; by default its path relative to the project
/// root (see [`default_label`]), so output does not depend on how the
/// path was spelled.
pub fn load(path: &Path, label: Option<&str>) -> Result<Arc<Model>, Vec<Diagnostic>> {
    load_with_sources(path, label).0
}

/// As [`load`], also returning the text of every file read.
pub fn load_with_sources(
    path: &Path,
    label: Option<&str>,
) -> (Result<Arc<Model>, Vec<Diagnostic>>, Sources) {
    let mut l = Loader::default();
    let label = label.map_or_else(|| default_label(path), str::to_string);
    let result = l.load(path, &label, None);
    (result, l.sources)
}

/// Parses a spec from text (no includes allowed), for tests and fuzzing.
pub fn load_str(text: &str, label: &str) -> Result<Arc<Model>, Vec<Diagnostic>> {
    let file: Arc<str> = Arc::from(label);
    let spec = parse(&file, text)?;
    if let Some(inc) = spec.include.first() {
        return Err(vec![Diagnostic::error(
            &rules::BAD_INCLUDE,
            Pos::new(&file, inc.line, inc.col),
            "includes need a file on disk",
        )]);
    }
    resolve::resolve(&file, label, &spec, Vec::new())
        .map(Arc::new)
        .map_err(|d| d.sorted())
}

#[derive(Default)]
struct Loader {
    sources: Sources,
    /// Resolved specs by canonical path, so a spec included twice (a
    /// diamond) is one model.
    done: HashMap<PathBuf, Arc<Model>>,
    /// Canonical paths being loaded, to reject include cycles.
    stack: Vec<PathBuf>,
}

impl Loader {
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
        let canonical = path
            .canonicalize()
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
        let text = std::fs::read_to_string(path)
            .map_err(|e| io_error(format!("cannot read {label}: {e}")))?;
        self.sources.insert(file.clone(), text.clone());
        let spec = parse(&file, &text)?;

        self.stack.push(canonical.clone());
        let mut includes = Vec::new();
        let mut errors = Vec::new();
        let dir = path.parent().unwrap_or(Path::new(""));
        let label_dir = Path::new(label).parent().unwrap_or(Path::new(""));
        for inc in &spec.include {
            let pos = Pos::new(&file, inc.line, inc.col);
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
                Ok(m) => {
                    if includes.iter().any(|x: &Arc<Model>| x.name == m.name) {
                        errors.push(Diagnostic::error(
                            &rules::DUPLICATE_NAME,
                            pos,
                            format!("spec `{}` is included twice", m.name),
                        ));
                    } else {
                        includes.push(m);
                    }
                }
                Err(e) => errors.extend(e),
            }
        }
        self.stack.pop();
        if !errors.is_empty() {
            return Err(errors);
        }
        let model = resolve::resolve(&file, label, &spec, includes)
            .map(Arc::new)
            .map_err(|d| d.sorted())?;
        self.done.insert(canonical, model.clone());
        Ok(model)
    }
}

/// Parses YAML text into the surface syntax, turning a serde error into
/// a positioned diagnostic with a rule id.
pub fn parse(file: &Arc<str>, text: &str) -> Result<SpecFile, Vec<Diagnostic>> {
    let blank = text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
    if blank {
        return Err(vec![
            Diagnostic::error(
                &rules::MISSING_KEY,
                Pos::file_start(file),
                "the spec is empty",
            )
            .with_hint("a spec starts with `name: <prefix>`"),
        ]);
    }
    let mut options = serde_saphyr::options::Options::default();
    options.with_snippet = false;
    serde_saphyr::from_str_with_options::<SpecFile>(text, options).map_err(|e| {
        let pos = e.location().filter(|l| l.line() > 0).map_or_else(
            || Pos::file_start(file),
            |l| Pos::new(file, l.line() as u32, l.column() as u32),
        );
        let full = e.to_string();
        // The message may carry its own "line N column M: " prefix; the
        // position is ours to print.
        let msg = strip_location(&full);
        vec![classify(msg, pos)]
    })
}

fn strip_location(msg: &str) -> &str {
    let msg = msg.strip_prefix("error: ").unwrap_or(msg);
    if let Some(rest) = msg.strip_prefix("line ")
        && let Some(i) = rest.find(": ")
        && rest[..i]
            .split(" column ")
            .all(|p| p.trim().parse::<u32>().is_ok())
    {
        return &rest[i + 2..];
    }
    msg.lines().next().unwrap_or(msg)
}

fn classify(msg: &str, pos: Pos) -> Diagnostic {
    let msg = msg.trim();
    let msg = msg
        .rsplit_once(" at line ")
        .filter(|(_, tail)| {
            tail.split(", column ")
                .all(|p| p.trim().parse::<u32>().is_ok())
        })
        .map_or(msg, |(head, _)| head);
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let (field, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let field = field.trim_matches('`');
        let candidates: Vec<&str> = expected
            .trim_start_matches("one of ")
            .split(", ")
            .map(|s| s.trim_matches('`'))
            .filter(|s| !s.is_empty())
            .collect();
        let hint = match resolve::suggest(field, candidates.iter().copied()) {
            Some(s) => format!(
                "did you mean `{s}`? keys allowed here: {}",
                candidates.join(", ")
            ),
            None => format!("keys allowed here: {}", candidates.join(", ")),
        };
        return Diagnostic::error(&rules::UNKNOWN_KEY, pos, format!("unknown key `{field}`"))
            .with_hint(hint);
    }
    if let Some(rest) = msg.strip_prefix("missing field ") {
        let field = rest.trim_matches('`');
        return Diagnostic::error(&rules::MISSING_KEY, pos, format!("missing key `{field}`"))
            .with_hint(format!("add `{field}:` to this mapping"));
    }
    if msg.starts_with("duplicate field")
        || msg.contains("duplicate mapping key")
        || msg.contains("duplicate key")
    {
        let msg = msg.split(", set DuplicateKeyPolicy").next().unwrap_or(msg);
        return Diagnostic::error(&rules::DUPLICATE_KEY, pos, msg.to_string())
            .with_hint("each key may appear once in a mapping");
    }
    if msg.starts_with("invalid type")
        || msg.starts_with("invalid value")
        || msg.contains("expected")
    {
        return Diagnostic::error(&rules::BAD_VALUE, pos, msg.to_string())
            .with_hint("see spec-language.md for the shape of this key");
    }
    Diagnostic::error(&rules::SYNTAX, pos, msg.to_string())
        .with_hint("the file is not valid YAML here")
}

/// `spec/../spec/x.yaml` -> `spec/x.yaml`, lexically (labels are not
/// filesystem paths and must not depend on symlinks).
fn normalize(p: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut absolute = false;
    for c in p.components() {
        match c {
            Component::RootDir => absolute = true,
            Component::ParentDir if parts.last().is_some_and(|l| l != "..") => {
                parts.pop();
            }
            Component::CurDir => {}
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

/// The spec's path relative to the project root, computed from canonical
/// paths so that `specs/x.yaml`, `./specs/x.yaml` and `/abs/specs/x.yaml`
/// give one label (banners and `uabi check` depend on it). The project
/// root is the nearest ancestor holding `.git`; outside a repository it is
/// the current directory when the spec lies under it, else the spec's own
/// folder.
fn default_label(path: &Path) -> String {
    let Ok(abs) = path.canonicalize() else {
        return normalize(path);
    };
    let repo = abs.ancestors().skip(1).find(|d| d.join(".git").exists());
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
