//! `uabi import`: from a C uapi header to a spec whose generated header
//! is ABI-identical and source-compatible with it.
//!
//! The C front end is libclang, in this process ([`libclang`]): one
//! parse of the header gives its declarations with their places and doc
//! comments, its macro definitions (the detailed preprocessing record)
//! and, through one probe enumerator per macro, every macro's value.
//! [`cview`] turns that into a C view of the header, [`map`] maps each C
//! construct to a spec item (or says why it cannot), and [`emit`] writes
//! the YAML.
//! What the language cannot express is returned as [`Unexpressible`]
//! items, never dropped.

pub mod cview;
mod emit;
mod error;
mod hints;
pub mod kerneldoc;
mod libclang;
pub mod locate;
pub mod map;

pub use cview::{CHeader, Loc, STATIC_ASSERT};
pub use error::ImportError;

use crate::diag::{Diagnostic, Pos};
use crate::rules::{self, Rule};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A construct of the header the spec does not hold (or holds under
/// another name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unexpressible {
    pub loc: Loc,
    /// `struct drm_x`, `member drm_x.y`, `macro X`, `ioctl X`.
    pub what: String,
    pub why: String,
}

impl fmt::Display for Unexpressible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is not expressible: {}", self.what, self.why)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    Unexpressible(Unexpressible),
    /// Expressed, with a caveat the user should know.
    Warning {
        loc: Loc,
        rule: &'static Rule,
        message: String,
    },
}

impl Finding {
    pub fn rule(&self) -> &'static Rule {
        match self {
            Finding::Unexpressible(_) => &rules::IMPORT_UNEXPRESSIBLE,
            Finding::Warning { rule, .. } => rule,
        }
    }

    /// As every other diagnostic of the tool: the header's file:line:col,
    /// the rule id and a hint (one fit to why it could not be expressed).
    pub fn diagnostic(&self) -> Diagnostic {
        let loc = loc_of(self);
        let pos = Pos::new(&Arc::from(loc.file.as_str()), loc.line, loc.col);
        match self {
            Finding::Unexpressible(u) => {
                Diagnostic::new(self.rule(), pos, u.to_string()).with_hint(hints::hint(&u.why))
            }
            Finding::Warning { message, .. } => Diagnostic::new(self.rule(), pos, message.clone()),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.diagnostic().render(None).trim_end())
    }
}

pub struct Imported {
    /// The spec, as YAML text.
    pub yaml: String,
    /// Where the header has each item and member the spec describes:
    /// (line of `yaml` where it starts, place in the header), lines
    /// rising.
    pub places: Vec<(u32, Loc)>,
    pub findings: Vec<Finding>,
    /// The header's text, as read.
    pub header_text: String,
}

impl Imported {
    pub fn unexpressible(&self) -> impl Iterator<Item = &Unexpressible> {
        self.findings.iter().filter_map(|f| match f {
            Finding::Unexpressible(u) => Some(u),
            Finding::Warning { .. } => None,
        })
    }
}

/// Whether the C front end can run here: libclang loads (and has every
/// function the import calls), or why not.
pub fn front_end() -> Result<(), ImportError> {
    libclang::ensure_loaded()
}

/// Imports `header`, with `includes` as its `-I` folders (the header's
/// own folder is searched for its `#include "..."` files first, as C
/// does).
pub fn import(header: &Path, includes: &[PathBuf]) -> Result<Imported, ImportError> {
    let c = cview::read(header, includes)?;
    Ok(from_c(&c))
}

/// The spec of a header already read by the front end.
pub fn from_c(c: &CHeader) -> Imported {
    let (spec, mut findings) = map::map(c);
    findings.sort_by(|a, b| loc_of(a).cmp(loc_of(b)));
    let (yaml, places) = emit::yaml(&spec);
    Imported {
        yaml,
        places,
        findings,
        header_text: c.text.clone(),
    }
}

fn loc_of(f: &Finding) -> &Loc {
    match f {
        Finding::Unexpressible(u) => &u.loc,
        Finding::Warning { loc, .. } => loc,
    }
}
