//! The two sides of a comparison, read from a spec, a dump or a git
//! revision through a [`Provider`]; the comparison itself reads nothing.

use crate::diag::Diagnostic;
use crate::dump::{Dump, Locator};
use crate::load::{self, FileSystem, GitRevision, Provider, Sources};
use crate::model::Model;
use crate::rules;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One side of a comparison, read from a spec, a dump or git.
#[derive(Debug, Clone)]
pub struct Side {
    /// How the side is named in messages.
    pub label: String,
    pub dump: Dump,
    pub locator: Locator,
    /// Text of every file read, by label, to render source lines.
    pub sources: Sources,
}

/// Why a side could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SideError {
    /// Unreadable, not a dump, a failing `git show`: the caller's problem.
    #[error("{0}")]
    Io(String),
    /// A spec that does not resolve: findings in the spec.
    #[error("the spec has {} errors", .0.len())]
    Spec(Vec<Diagnostic>, Sources),
    #[error(transparent)]
    Dump(#[from] crate::dump::DumpError),
}

/// The side of a resolved spec.
pub fn spec_side(model: &Model, sources: Sources) -> Result<Side, SideError> {
    let locator = Locator::for_model(model, sources.get(&model.pos.file).map(String::as_str));
    Ok(Side {
        label: model.source.clone(),
        dump: crate::dump::build(model)?,
        locator,
        sources,
    })
}

/// The side of a dump's text, named `label`.
pub fn dump_side(text: &str, label: &str) -> Result<Side, SideError> {
    let dump = crate::dump::parse(text).map_err(|e| SideError::Io(format!("{label}: {e}")))?;
    let file: Arc<str> = Arc::from(label);
    let mut sources = Sources::new();
    sources.insert(file.clone(), text.to_string());
    Ok(Side {
        label: label.to_string(),
        dump,
        locator: Locator::for_json(text, &file),
        sources,
    })
}

/// Reads a side named on the command line: `git:<rev>:<path>`, a dump
/// (`*.json`) or a spec.
pub fn load_side(arg: &str) -> Result<Side, SideError> {
    if let Some(rest) = arg.strip_prefix("git:") {
        let (rev, path) = rest
            .split_once(':')
            .ok_or_else(|| SideError::Io(format!("`{arg}`: write git:<rev>:<path>")))?;
        return git_side(rev, path, arg);
    }
    let path = Path::new(arg);
    if path.extension().is_some_and(|e| e == "json") {
        let text = FileSystem
            .read(path)
            .map_err(|e| SideError::Io(format!("cannot read {arg}: {e}")))?;
        return dump_side(&text, arg);
    }
    let (result, sources) = load::load_with_sources(path, None);
    match result {
        Ok(model) => spec_side(&model, sources),
        Err(d) if d.iter().any(|d| d.rule == &rules::IO) => Err(SideError::Io(
            d.iter()
                .map(|d| d.message.clone())
                .collect::<Vec<_>>()
                .join("; "),
        )),
        Err(d) => Err(SideError::Spec(d, sources)),
    }
}

/// A spec (and the specs it includes, at the same revision and relative
/// to it) or a dump at a git revision, labelled `git:<rev>:<path>`.
fn git_side(rev: &str, path: &str, arg: &str) -> Result<Side, SideError> {
    let git = GitRevision::new(rev, path);
    let text = git
        .read(Path::new(path))
        .map_err(|e| SideError::Io(e.to_string()))?;
    if path.ends_with(".json") {
        return dump_side(&text, arg);
    }
    let label = format!("git:{rev}:{}", load::normalize(Path::new(path)));
    let (result, sources) = load::load_from(&git, Path::new(path), &label);
    match result {
        Ok(model) => Ok(Side {
            label: arg.to_string(),
            ..spec_side(&model, sources)?
        }),
        Err(d) => Err(SideError::Spec(d, sources)),
    }
}

/// Where a spec's frozen dumps live: `<dir>/<stem>.abi/`.
pub fn frozen_dir(spec: &Path) -> PathBuf {
    let stem = spec.file_stem().unwrap_or_default().to_string_lossy();
    spec.with_file_name(format!("{stem}.abi"))
}

/// The frozen revisions of a spec in `provider`, oldest first:
/// (revision, file).
pub fn frozen_revisions(
    provider: &dyn Provider,
    spec: &Path,
) -> std::io::Result<Vec<(u32, PathBuf)>> {
    let mut out: Vec<(u32, PathBuf)> = provider
        .list(&frozen_dir(spec))?
        .into_iter()
        .filter_map(|p| {
            let rev = p
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_prefix('r'))
                .and_then(|n| n.strip_suffix(".json"))
                .and_then(|n| n.parse::<u32>().ok())?;
            Some((rev, p))
        })
        .collect();
    out.sort();
    Ok(out)
}
