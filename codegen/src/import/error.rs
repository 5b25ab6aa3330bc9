//! What can stop an import before any spec is written (exit 2 in the CLI).
//! Constructs the spec language cannot express are not errors: they are
//! [`super::Unexpressible`] items, reported beside a spec that holds
//! everything else.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// libclang, the C front end, cannot be loaded (or is too old).
    #[error("cannot load libclang, the C front end: {why}; {install}")]
    NoLibclang { why: String, install: &'static str },
    /// The header is not valid C for the front end: its own diagnostics,
    /// each with file:line:col, are the message.
    #[error("{header} does not compile:\n{diagnostics}")]
    Compile {
        header: PathBuf,
        diagnostics: String,
    },
    /// libclang could not parse at all (it gave no translation unit:
    /// an argument it refused, or a crash inside it).
    #[error("libclang: {what}")]
    FrontEnd { what: String },
}
