//! Running the C front end: clang's preprocessor for the macros a header
//! defines (`-E -dD`: every `#define` with the file and line it came
//! from) and clang's JSON AST for its declarations and for the values of
//! its macros (each wrapped in an enumerator, whose constant value clang
//! computes). Nothing here parses C; the only text read is what clang
//! prints.

use super::error::ImportError;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The compiler to run: `UABI_CLANG`, else `clang`.
pub fn compiler() -> String {
    std::env::var("UABI_CLANG").unwrap_or_else(|_| "clang".to_string())
}

/// How to compile: the include folders given with `-I`.
pub struct Front<'a> {
    pub compiler: String,
    pub includes: &'a [PathBuf],
}

pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub ok: bool,
}

impl Front<'_> {
    fn run(&self, args: &[&str], file: &Path) -> Result<Output, ImportError> {
        let mut cmd = Command::new(&self.compiler);
        // Plain C11 as userspace compiles a uapi header; no colours or
        // carets, so diagnostics are one line each.
        cmd.args(["-x", "c", "-std=gnu11", "-fno-color-diagnostics"])
            .args(["-fno-caret-diagnostics", "-ferror-limit=0"]);
        for i in self.includes {
            cmd.arg("-I").arg(i);
        }
        cmd.args(args).arg(file);
        let out = cmd.output().map_err(|source| ImportError::NoCompiler {
            compiler: self.compiler.clone(),
            source,
        })?;
        Ok(Output {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            ok: out.status.success(),
        })
    }

    /// The preprocessed file with every `#define` kept, and line markers.
    pub fn defines(&self, file: &Path) -> Result<Output, ImportError> {
        self.run(&["-E", "-dD"], file)
    }

    /// The JSON AST of `file` (printed even when some declarations are
    /// invalid, which is how a macro that is no integer is found).
    pub fn ast(&self, file: &Path) -> Result<Output, ImportError> {
        self.run(
            &[
                "-fsyntax-only",
                "-Wno-everything",
                "-Xclang",
                "-ast-dump=json",
            ],
            file,
        )
    }
}

/// One `#define` as the preprocessor printed it (continuation lines
/// joined), with the file and line it was written at.
#[derive(Debug, Clone)]
pub struct Define {
    pub file: String,
    pub line: u32,
    pub name: String,
    pub params: Option<String>,
    pub body: String,
}

/// Reads `-E -dD` output: `# <line> "<file>" ...` markers set the place
/// of the next line; each printed line advances it by one.
pub fn parse_defines(out: &str) -> Vec<Define> {
    let mut file = String::new();
    let mut line = 0u32;
    let mut defs = Vec::new();
    for l in out.lines() {
        if let Some(rest) = l.strip_prefix("# ") {
            let mut parts = rest.splitn(2, ' ');
            if let (Some(n), Some(f)) = (parts.next(), parts.next())
                && let Ok(n) = n.parse::<u32>()
                && let Some(f) = f.strip_prefix('"')
                && let Some(end) = f.find('"')
            {
                file = f[..end].to_string();
                line = n;
                continue;
            }
        }
        if let Some(rest) = l.strip_prefix("#define ") {
            let name_end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let name = rest[..name_end].to_string();
            let after = &rest[name_end..];
            let (params, body) = match after.strip_prefix('(') {
                Some(p) => match p.find(')') {
                    Some(e) => (Some(p[..e].to_string()), p[e + 1..].trim().to_string()),
                    None => (Some(p.to_string()), String::new()),
                },
                None => (None, after.trim().to_string()),
            };
            defs.push(Define {
                file: file.clone(),
                line,
                name,
                params,
                body,
            });
        }
        line += 1;
    }
    defs
}

/// The error diagnostics clang printed about `file` (`file:line:col:
/// error: ...` lines), in order.
pub fn errors_in(stderr: &str, file: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| {
            l.strip_prefix(file).is_some_and(|r| {
                r.starts_with(':') && (r.contains(" error: ") || r.contains(" fatal error: "))
            })
        })
        .map(str::to_string)
        .collect()
}
