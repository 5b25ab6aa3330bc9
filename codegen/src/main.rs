//! The `uabi` command line: generate, check, lint.

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use uabi::pipeline::{self, Checked};

/// One spec for the user/kernel ABI of accelerator drivers; generates
/// both sides of the boundary.
#[derive(Parser)]
#[command(name = "uabi", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate code for specs (and the specs they include) into OUT/<name>/.
    Generate {
        /// Spec files; default: every spec under the repository's spec/.
        specs: Vec<PathBuf>,
        /// Output folder; default: the repository's generated/.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Regenerate in memory and fail naming every file that differs.
    Check {
        /// Spec files; default: every spec under the repository's spec/.
        specs: Vec<PathBuf>,
        /// Folder holding the checked-in output; default: generated/.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print every diagnostic; exit 1 on errors (warnings alone exit 0).
    Lint {
        #[arg(required = true)]
        specs: Vec<PathBuf>,
        /// `text` for people, `json` for tools (one array of diagnostics).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// List the lint rules: id, severity, lint-rules.md number, rationale.
    Rules,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Exit codes: 0 ok, 1 findings, 2 usage or I/O error.
const FINDINGS: u8 = 1;
const TROUBLE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("uabi: {e:#}");
            ExitCode::from(TROUBLE)
        }
    }
}

fn repo_root() -> anyhow::Result<PathBuf> {
    let cwd = std::env::current_dir()?;
    cwd.ancestors()
        .find(|d| d.join(".git").exists() && d.join("spec").is_dir())
        .or_else(|| cwd.ancestors().find(|d| d.join("spec").is_dir()))
        .map(Path::to_path_buf)
        .ok_or_else(|| anyhow::anyhow!("no spec/ folder here or above; name the spec files"))
}

fn default_specs(specs: Vec<PathBuf>) -> anyhow::Result<Vec<PathBuf>> {
    if !specs.is_empty() {
        return Ok(specs);
    }
    let dir = repo_root()?.join("spec");
    let found =
        pipeline::specs_in(&dir).map_err(|e| anyhow::anyhow!("reading {}: {e}", dir.display()))?;
    anyhow::ensure!(!found.is_empty(), "no *.yaml specs in {}", dir.display());
    Ok(found)
}

fn default_out(out: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match out {
        Some(o) => Ok(o),
        None => Ok(repo_root()?.join("generated")),
    }
}

/// Loads and lints; prints diagnostics. Returns None when the specs
/// cannot be generated (errors), with the exit code to use.
fn checked(specs: &[PathBuf]) -> Result<Checked, u8> {
    let c = pipeline::load_and_lint(specs);
    if !c.diagnostics.is_empty() {
        eprint!("{}", c.render_diagnostics());
    }
    if c.diagnostics.iter().any(|d| d.rule == "io") {
        return Err(TROUBLE);
    }
    if c.has_errors() {
        return Err(FINDINGS);
    }
    Ok(c)
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Generate { specs, out } => {
            let specs = default_specs(specs)?;
            let out = default_out(out)?;
            let c = match checked(&specs) {
                Ok(c) => c,
                Err(code) => {
                    eprintln!("uabi: not generating: the specs have errors");
                    return Ok(code);
                }
            };
            let files = pipeline::render(&c.models);
            let touched = pipeline::write(&out, &files)
                .map_err(|e| anyhow::anyhow!("writing {}: {e}", out.display()))?;
            for t in &touched {
                match t {
                    pipeline::Drift::Missing(p) | pipeline::Drift::Changed(p) => {
                        println!("wrote {}", p.display())
                    }
                    pipeline::Drift::Stale(p) => println!("removed {}", p.display()),
                }
            }
            println!(
                "generated {} files for {} specs ({} updated)",
                files.len(),
                c.models.len(),
                touched.len()
            );
            Ok(0)
        }
        Command::Check { specs, out } => {
            let specs = default_specs(specs)?;
            let out = default_out(out)?;
            let c = match checked(&specs) {
                Ok(c) => c,
                Err(code) => return Ok(code),
            };
            let files = pipeline::render(&c.models);
            let drift = pipeline::compare(&out, &files)
                .map_err(|e| anyhow::anyhow!("reading {}: {e}", out.display()))?;
            if drift.is_empty() {
                println!("{} generated files are up to date", files.len());
                Ok(0)
            } else {
                for d in &drift {
                    println!("{d}");
                }
                println!("generated files are stale: run `uabi generate`");
                Ok(FINDINGS)
            }
        }
        Command::Lint { specs, format } => {
            let c = pipeline::load_and_lint(&specs);
            let errors = c
                .diagnostics
                .iter()
                .filter(|d| d.severity == uabi::diag::Severity::Error)
                .count();
            let warnings = c.diagnostics.len() - errors;
            match format {
                Format::Text => {
                    print!("{}", c.render_diagnostics());
                    println!("{errors} errors, {warnings} warnings");
                }
                Format::Json => {
                    let list: Vec<serde_json::Value> = c
                        .diagnostics
                        .iter()
                        .map(|d| {
                            serde_json::json!({
                                "severity": d.severity.to_string(),
                                "rule": d.rule,
                                "message": d.message,
                                "file": &*d.pos.file,
                                "line": d.pos.line,
                                "column": d.pos.col,
                                "hint": d.hint,
                            })
                        })
                        .collect();
                    println!("{}", serde_json::to_string_pretty(&list)?);
                }
            }
            if c.diagnostics.iter().any(|d| d.rule == "io") {
                Ok(TROUBLE)
            } else {
                Ok(if errors > 0 { FINDINGS } else { 0 })
            }
        }
        Command::Rules => {
            for r in uabi::lint::RESOLVER_RULES.iter().chain(uabi::lint::RULES) {
                println!(
                    "{:<22} {:<7} rule {:>2}  {}",
                    r.id,
                    r.severity.to_string(),
                    r.number,
                    r.rationale
                );
            }
            Ok(0)
        }
    }
}
