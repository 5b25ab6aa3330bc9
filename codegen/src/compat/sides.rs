//! The two sides of a comparison, read from a spec, a dump or a git
//! revision through a [`Provider`]; the comparison itself reads nothing.

use crate::diag::{Diagnostic, Pos};
use crate::dump::{Dump, Locator};
use crate::import::Unexpressible;
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
    /// The model a C header was imported into (`uabi import`), which
    /// [`crate::compat::compare_headers`] reads the C names from; None
    /// for a spec or a dump.
    pub header_model: Option<Arc<Model>>,
    /// What of the header the spec language cannot express, so the
    /// comparison does not see it.
    pub unchecked: Vec<Unexpressible>,
}

impl Side {
    /// Read from a C header: its revision and `since` numbers mean
    /// nothing, and its C names are its identity.
    pub fn from_header(&self) -> bool {
        self.header_model.is_some()
    }
}

/// How header sides are read: the `-I` folders of their includes.
#[derive(Debug, Clone, Default)]
pub struct SideOptions {
    pub includes: Vec<PathBuf>,
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

/// The side of a resolved spec. Its dump has no digests: the comparison
/// ignores them (they are a function of the content it compares), and a
/// dump that is written gets them then ([`crate::dump::fill_digests`]).
pub fn spec_side(model: &Model, sources: Sources) -> Result<Side, SideError> {
    Ok(model_side(
        model,
        sources,
        crate::dump::build_without_digests(model),
    ))
}

/// The side of `model`, whose dump is `dump`.
fn model_side(model: &Model, sources: Sources, dump: Dump) -> Side {
    let locator = Locator::for_model(model, sources.get(&model.pos.file).map(String::as_str));
    Side {
        label: model.source.clone(),
        dump,
        locator,
        sources,
        header_model: None,
        unchecked: Vec::new(),
    }
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
        header_model: None,
        unchecked: Vec::new(),
    })
}

/// Reads a side named on the command line: `git:<rev>:<path>`, a dump
/// (`*.json`) or a spec.
pub fn load_side(arg: &str) -> Result<Side, SideError> {
    load_side_with(arg, &SideOptions::default())
}

/// As [`load_side`], and a C header (`*.h`, also at a git revision),
/// imported on the fly with `options`' include folders.
pub fn load_side_with(arg: &str, options: &SideOptions) -> Result<Side, SideError> {
    if let Some(rest) = arg.strip_prefix("git:") {
        let (rev, path) = rest
            .split_once(':')
            .ok_or_else(|| SideError::Io(format!("`{arg}`: write git:<rev>:<path>")))?;
        return git_side(rev, path, arg, options);
    }
    let path = Path::new(arg);
    if is_header(path) {
        return header_side(path, arg, &options.includes);
    }
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
fn git_side(rev: &str, path: &str, arg: &str, options: &SideOptions) -> Result<Side, SideError> {
    let git = GitRevision::new(rev, path);
    let text = git
        .read(Path::new(path))
        .map_err(|e| SideError::Io(e.to_string()))?;
    if path.ends_with(".json") {
        return dump_side(&text, arg);
    }
    if is_header(Path::new(path)) {
        return git_header_side(&text, path, arg, options);
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

fn is_header(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "h")
}

/// A C header imported on the fly (`uabi import`), named `arg`. Its
/// findings point into the header, at the line of the item or member
/// they are about (the imported spec's lines, which no file holds, are
/// moved there), and show that line.
pub fn header_side(path: &Path, arg: &str, includes: &[PathBuf]) -> Result<Side, SideError> {
    let imported =
        crate::import::import(path, includes).map_err(|e| SideError::Io(e.to_string()))?;
    // Named as the side is (a header from git was read from a copy in
    // a fresh folder, whose path means nothing to the user).
    let read_as = path.display().to_string();
    let unchecked = imported
        .unexpressible()
        .cloned()
        .map(|mut u| {
            if u.loc.file == read_as {
                u.loc.file = arg.to_string();
            }
            u
        })
        .collect();
    let label = format!("{arg} (imported)");
    let memory = load::InMemory::new().with(&label, &imported.yaml);
    let (result, mut sources) = load::load_from(&memory, Path::new(&label), &label);
    match result {
        Ok(model) => {
            let header: Arc<str> = Arc::from(arg);
            // Made when a finding first asks (an old side's, only for a
            // removed item).
            let (m, yaml, places, named) = (
                model.clone(),
                imported.yaml,
                imported.places,
                header.clone(),
            );
            let locator = Locator::deferred(header.clone(), move || {
                Locator::for_model(&m, Some(&yaml)).moved(named.clone(), |pos| {
                    // The item or member whose text starts last at or
                    // before the position; before any, the header's start.
                    let i = places.partition_point(|(line, _)| *line <= pos.line);
                    match i.checked_sub(1).map(|i| &places[i].1) {
                        Some(loc) => Pos::new(&named, loc.line, loc.col),
                        None => Pos::file_start(&named),
                    }
                })
            });
            sources.insert(header.clone(), imported.header_text);
            Ok(Side {
                label: arg.to_string(),
                // Without digests, as a spec's side.
                dump: crate::dump::build_without_digests(&model),
                locator,
                sources,
                header_model: Some(model.clone()),
                unchecked,
            })
        }
        // An imported spec that does not resolve is the importer's bug,
        // reported as the spec's errors so it can be seen and fixed.
        Err(d) => Err(SideError::Spec(d, sources)),
    }
}

/// A header at a git revision: written under its own name into a fresh
/// folder so that clang sees the same file name, with the working
/// tree's folder of the header after the `-I` folders, for the headers
/// it includes (`drm.h` beside an accel header).
fn git_header_side(
    text: &str,
    path: &str,
    arg: &str,
    options: &SideOptions,
) -> Result<Side, SideError> {
    let name = Path::new(path)
        .file_name()
        .ok_or_else(|| SideError::Io(format!("`{arg}` names no file")))?;
    let dir = tempfile::tempdir().map_err(|e| SideError::Io(format!("{arg}: {e}")))?;
    let file = dir.path().join(name);
    std::fs::write(&file, text).map_err(|e| SideError::Io(format!("{}: {e}", file.display())))?;
    let mut includes = options.includes.clone();
    if let Some(parent) = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        includes.push(parent.to_path_buf());
    }
    header_side(&file, arg, &includes)
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
