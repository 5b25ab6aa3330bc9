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
    /// The C front end is not installed (or not where `UABI_CLANG` says).
    #[error(
        "cannot run `{compiler}` ({source}); install clang (scripts/setup.sh) or set UABI_CLANG"
    )]
    NoCompiler {
        compiler: String,
        #[source]
        source: std::io::Error,
    },
    /// The header is not valid C for the front end: its own diagnostics,
    /// each with file:line:col, are the message.
    #[error("{header} does not compile:\n{diagnostics}")]
    Compile {
        header: PathBuf,
        diagnostics: String,
    },
    /// The front end's output was not what this module reads (a clang
    /// whose JSON AST changed shape).
    #[error("unexpected output from `{compiler}`: {what}")]
    FrontEnd { compiler: String, what: String },
}
