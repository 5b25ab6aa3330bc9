//! The `uabi` command line: generate, check, lint, freeze, compat, import.

use clap::{Parser, Subcommand};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use uabi::compat::{self, Report, Side, SideError, SideOptions};
use uabi::load::{FileSystem, Provider};
use uabi::pipeline::{self, Checked};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `println!` that returns the write error instead of panicking, so a
/// closed pipe (`uabi rules | head -1`) ends the command quietly.
macro_rules! outln {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout(), $($arg)*)?
    };
}

/// [`outln!`] for what `--quiet` leaves out: progress and summaries,
/// never diagnostics, findings or errors.
macro_rules! info {
    ($($arg:tt)*) => {
        if !QUIET.load(std::sync::atomic::Ordering::Relaxed) {
            writeln!(std::io::stdout(), $($arg)*)?
        }
    };
}

/// Set once from `--quiet`, before any command runs.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `print!` as [`outln!`] does it.
macro_rules! out {
    ($($arg:tt)*) => {
        write!(std::io::stdout(), $($arg)*)?
    };
}

/// One spec for the user/kernel ABI of accelerator drivers; generates
/// both sides of the boundary.
#[derive(Parser)]
#[command(name = "uabi", version = VERSION, about, after_help = EXIT_CODES)]
struct Cli {
    /// Print only diagnostics, findings and errors: no progress or
    /// summary lines.
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

/// The tool's version and the version of the spec language it reads
/// (the one `uabi schema` describes).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (spec language ",
    uabi::spec_language_version!(),
    ")"
);

/// What `--help` says of the exit codes (the constants below).
const EXIT_CODES: &str = "\
Exit codes:
  0    success (warnings alone included)
  1    findings: lint errors, stale generated files, a breaking ABI change,
       a refused freeze, something `import` could not express
  2    usage, I/O or internal errors (a header that does not compile)
  141  the output was closed early (`uabi rules | head -1`)

Diagnostics are coloured on a terminal; NO_COLOR (set and not empty) or
TERM=dumb turns colour off, and output that is not a terminal is plain.";

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
        /// Spec files; default: the project file's, else every spec under
        /// the repository's spec/.
        specs: Vec<PathBuf>,
        /// Apply the fixes that are mechanical (an explicit pad for a hole
        /// or tail padding, `extension: strict` for an ioctl without one,
        /// the `since` that `uabi compat` says a new or changed item must
        /// have against the latest frozen revision) to the given spec
        /// files, keeping their comments and layout; print each change,
        /// then lint again. Never touches existing ABI.
        #[arg(long)]
        fix: bool,
        /// `text` for people, `json` for tools (one array of diagnostics).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// List every rule any command reports: id, severity, stage (parse,
    /// resolve, lint, compat), lint-rules.md number, rationale.
    Rules,
    /// Write the canonical ABI dump of each spec's current revision to
    /// `<spec dir>/<stem>.abi/r<revision>.json` (its includes are frozen
    /// by their own `freeze`). Refuses a spec with lint errors, one that
    /// breaks a frozen revision, and a frozen revision whose content would
    /// change.
    Freeze {
        #[arg(required = true)]
        specs: Vec<PathBuf>,
    },
    /// Check ABI compatibility. Without arguments: every spec in spec/
    /// against each of its frozen revisions. With OLD NEW: each a spec, a
    /// dump (`*.json`), a C uapi header (`*.h`, imported on the fly as
    /// `uabi import` does) or `git:<rev>:<path>` of one. Exit 1 on a
    /// breaking change.
    Compat {
        /// Nothing, or OLD NEW.
        sides: Vec<String>,
        /// Folders to search for a header side's includes.
        #[arg(short = 'I', value_name = "DIR")]
        include: Vec<PathBuf>,
        /// `text` for people, `json` for tools (one array of comparisons).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// List the compat rules, as `uabi rules` does.
        #[arg(long)]
        rules: bool,
    },
    /// Write the reference documentation of specs (and the specs they
    /// include) into OUT: `index.html`, `<spec>.html` (self-contained,
    /// nothing fetched) and `<spec>.rst` (kernel-doc, for a kernel tree's
    /// Documentation/).
    Doc {
        /// Spec files; default: every spec under the repository's spec/.
        specs: Vec<PathBuf>,
        /// Output folder; default: the repository's target/uabi-doc.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// `make headers_install` for the specs' uapi headers (and those they
    /// include): OUT/include/DIR/<header>, each including the others as
    /// <DIR/header>, so a consumer compiles with `-I OUT/include` alone.
    /// Other files under OUT are left alone.
    HeadersInstall {
        /// Spec files; default: the project file's, else every spec under
        /// the repository's spec/.
        specs: Vec<PathBuf>,
        /// The tree to write (its include/ folder).
        #[arg(long)]
        out: PathBuf,
        /// The folder under include/ (`drm` for <drm/name.h>); default:
        /// the project's [output.c] include-dir, else `uabi`.
        #[arg(long)]
        dir: Option<String>,
    },
    /// Start a driver project in DIR (default: here): `uabi.toml`, a spec
    /// skeleton with comments in `spec/<name>.yaml`, and `ci/uabi-check.sh`
    /// (the CI step: `uabi check` and `uabi compat`). Refuses to overwrite.
    Init {
        /// The project's folder.
        dir: Option<PathBuf>,
        /// The spec's name (kebab-case); default: the folder's name.
        #[arg(long)]
        name: Option<String>,
    },
    /// Print the JSON Schema of the spec language (for editors: the YAML
    /// language server reads it from a spec's
    /// `# yaml-language-server: $schema=...` line).
    Schema,
    /// Write a spec from a C uapi header, with clang as the C front end.
    /// Exit 0 when everything was expressed, 1 when something was not
    /// (each item on stderr as `file:line:col: <what> is not
    /// expressible: <why>`; the spec holds everything else), 2 on usage
    /// or I/O errors and when the header does not compile.
    Import {
        /// The header (`ivpu_accel.h`).
        header: PathBuf,
        /// Folders to search for the header's includes (its own folder
        /// comes first, as for any `#include "..."`).
        #[arg(short = 'I', value_name = "DIR")]
        include: Vec<PathBuf>,
        /// Where to write the spec.
        #[arg(long, value_name = "SPEC.yaml")]
        out: PathBuf,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Exit codes: 0 ok, 1 findings, 2 usage or I/O error, 141 output closed
/// early (a reader that went away, as SIGPIPE would end a C tool).
const FINDINGS: u8 = 1;
const TROUBLE: u8 = 2;
const CLOSED_PIPE: u8 = 141;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Only where a C header is read (`uabi compat` of specs needs no
    // libclang).
    let reads_headers = match &cli.command {
        Command::Import { .. } => true,
        Command::Compat { sides, .. } => sides.iter().any(|s| s.ends_with(".h")),
        _ => false,
    };
    if reads_headers {
        name_libclang();
    }
    QUIET.store(cli.quiet, std::sync::atomic::Ordering::Relaxed);
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        // The reader went away (`uabi rules | head -1`): end quietly, with
        // the status a C tool killed by SIGPIPE has (128 + 13), so a
        // `pipefail` script sees an unfinished run, not a clean one.
        Err(e) if is_broken_pipe(&e) => ExitCode::from(CLOSED_PIPE),
        Err(e) => {
            eprintln!("uabi: {e:#}");
            ExitCode::from(TROUBLE)
        }
    }
}

/// Names libclang in `LIBCLANG_PATH` for clang-sys, unless the user
/// did: found in a few folder reads ([`uabi::import::locate`]) instead
/// of clang-sys's walk of every library folder. Runs first in `main`.
fn name_libclang() {
    if std::env::var_os("LIBCLANG_PATH").is_some() {
        return;
    }
    if let Some(path) = uabi::import::locate::find() {
        // SAFETY: called at the start of `main`, before this process
        // starts any thread, so nothing reads the environment meanwhile.
        unsafe { std::env::set_var("LIBCLANG_PATH", path) };
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Whether to colour what goes to a stream: only a terminal, and
/// neither NO_COLOR (https://no-color.org: set and not empty) nor
/// TERM=dumb.
fn colour(is_terminal: bool) -> bool {
    is_terminal
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

fn colour_stdout() -> bool {
    use std::io::IsTerminal as _;
    colour(std::io::stdout().is_terminal())
}

fn colour_stderr() -> bool {
    use std::io::IsTerminal as _;
    colour(std::io::stderr().is_terminal())
}

/// Rendered diagnostics with ANSI colours when `on`: the place in bold,
/// the severity and rule red (error) or yellow (warning), the hint's
/// label cyan, as compilers colour theirs.
fn paint(text: &str, on: bool) -> String {
    if !on {
        return text.to_string();
    }
    text.split_inclusive('\n')
        .map(|l| {
            for (severity, sgr) in [("error", "1;31"), ("warning", "1;33")] {
                let tag = format!(": {severity}[");
                if let Some(i) = l.find(&tag)
                    && let Some(j) = l[i..].find("]: ")
                {
                    let end = i + j + 1;
                    return format!(
                        "\x1b[1m{}\x1b[0m: \x1b[{sgr}m{}\x1b[0m{}",
                        &l[..i],
                        &l[i + 2..end],
                        &l[end..]
                    );
                }
            }
            match l.strip_prefix("  = hint:") {
                Some(rest) => format!("  \x1b[1;36m= hint:\x1b[0m{rest}"),
                None => l.to_string(),
            }
        })
        .collect()
}

fn repo_root() -> anyhow::Result<PathBuf> {
    let cwd = std::env::current_dir()?;
    cwd.ancestors()
        .find(|d| d.join(".git").exists() && d.join("spec").is_dir())
        .or_else(|| cwd.ancestors().find(|d| d.join("spec").is_dir()))
        .map(Path::to_path_buf)
        .ok_or_else(|| anyhow::anyhow!("no spec/ folder here or above; name the spec files"))
}

/// The project file at or above the current folder, parsed; an unusable
/// one is an error naming its line and column.
fn project() -> anyhow::Result<Option<uabi::project::Project>> {
    let cwd = std::env::current_dir()?;
    let Some(file) = uabi::project::find(&cwd) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&file)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", file.display()))?;
    let root = file.parent().unwrap_or(Path::new("."));
    uabi::project::Project::parse(&text, &file.display().to_string(), root)
        .map(Some)
        .map_err(|e| anyhow::anyhow!("{e}"))
}

fn default_specs(specs: Vec<PathBuf>) -> anyhow::Result<Vec<PathBuf>> {
    if !specs.is_empty() {
        return Ok(specs);
    }
    if let Some(p) = project()? {
        return Ok(p.specs);
    }
    let dir = repo_root()?.join("spec");
    let found =
        pipeline::specs_in(&dir).map_err(|e| anyhow::anyhow!("reading {}: {e}", dir.display()))?;
    anyhow::ensure!(!found.is_empty(), "no *.yaml specs in {}", dir.display());
    Ok(found)
}

/// `uabi init`: writes a new project's files, never over existing ones.
fn init(dir: Option<&Path>, name: Option<&str>) -> anyhow::Result<u8> {
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => std::env::current_dir()?,
    };
    let folder = dir
        .canonicalize()
        .unwrap_or_else(|_| dir.clone())
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = uabi::names::kebab(name.unwrap_or(&folder));
    if !uabi::names::is_kebab(&name) {
        eprintln!(
            "uabi: `{name}` cannot name a spec: use lower-case letters, digits and dashes,              starting with a letter (`uabi init --name mydrv`)"
        );
        return Ok(TROUBLE);
    }
    let files = uabi::project::scaffold(&name);
    for (path, _) in &files {
        let p = dir.join(path);
        if p.exists() {
            eprintln!("uabi: {} exists; not overwriting anything", p.display());
            return Ok(TROUBLE);
        }
    }
    for (path, text) in &files {
        let p = dir.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| anyhow::anyhow!("creating {}: {e}", parent.display()))?;
        }
        std::fs::write(&p, text).map_err(|e| anyhow::anyhow!("writing {}: {e}", p.display()))?;
        info!("wrote {}", p.display());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ci = dir.join("ci/uabi-check.sh");
        std::fs::set_permissions(&ci, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| anyhow::anyhow!("{}: {e}", ci.display()))?;
    }
    info!(
        "next: edit spec/{name}.yaml, then `uabi lint`, `uabi generate`, and `uabi freeze spec/{name}.yaml` once revision 1 ships"
    );
    Ok(0)
}

/// `uabi lint --fix`: applies every mechanical fix of the given spec
/// files and says what it changed (or could not); fixes that fall in an
/// included spec are named, not applied.
fn apply_fixes(specs: &[PathBuf]) -> anyhow::Result<()> {
    let c = pipeline::load_and_lint(specs);
    let mut by_file: std::collections::BTreeMap<String, Vec<uabi::diag::Fix>> =
        std::collections::BTreeMap::new();
    let mut found: Vec<uabi::diag::Diagnostic> = c.diagnostics.clone();
    // `since` is judged against the spec's latest frozen revision: what
    // `uabi compat` says a new or changed item's `since` must be.
    for spec in specs {
        let Ok(new) = side(&spec.to_string_lossy()) else {
            continue;
        };
        if let Some(latest) = frozen_sides(spec, &new)
            .ok()
            .and_then(|o| o.into_iter().last())
        {
            found.extend(compat::compare(&latest.dump, &new.dump, &new.locator).findings);
        }
    }
    for d in &found {
        if let Some(f) = &d.fix {
            by_file
                .entry(d.pos.file.to_string())
                .or_default()
                .push(f.clone());
        }
    }
    for path in specs {
        let label = uabi::load::default_label(path);
        let Some(fixes) = by_file.remove(&label) else {
            continue;
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
        let (fixed, applied, refused) = uabi::fix::apply(&text, &fixes);
        if !applied.is_empty() {
            std::fs::write(path, &fixed)
                .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
        }
        for a in &applied {
            outln!("{label}:{}: fixed: {}", a.line, a.what);
        }
        for r in &refused {
            eprintln!("uabi: {r}; make it by hand");
        }
    }
    for (label, fixes) in by_file {
        eprintln!(
            "uabi: {label}: {} fixes not applied: the file is included, not named; run `uabi lint --fix` on it",
            fixes.len()
        );
    }
    Ok(())
}

/// The frozen revisions of every spec in `models` and of those they
/// include (the dumps beside each spec's file), by spec name.
fn frozen_of(models: &[&uabi::model::Model]) -> anyhow::Result<uabi::backend::doc::Frozen> {
    let mut out = uabi::backend::doc::Frozen::new();
    let mut all: Vec<&uabi::model::Model> = models.to_vec();
    for m in models {
        all.extend(m.all_includes());
    }
    for m in all {
        let mut path = PathBuf::from(&m.source);
        if !path.exists() {
            path = repo_root()?.join(&path);
        }
        let revs = compat::frozen_revisions(&FileSystem, &path)
            .map_err(|e| anyhow::anyhow!("reading the frozen dumps of {}: {e}", m.source))?;
        out.insert(m.name.clone(), revs.into_iter().map(|(r, _)| r).collect());
    }
    Ok(out)
}

fn default_out(out: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match out {
        Some(o) => Ok(o),
        None => match project()? {
            Some(p) => Ok(p.out),
            None => Ok(repo_root()?.join("generated")),
        },
    }
}

/// Every output of the checked specs, named and placed as the project
/// file says (today's names without one), the default outputs under `out`.
fn render(c: &Checked, out: &Path) -> anyhow::Result<Vec<uabi::backend::GeneratedFile>> {
    let project = project()?;
    let models: Vec<&uabi::model::Model> = c.models.values().map(|m| &**m).collect();
    let mut names: Vec<&str> = models.iter().map(|m| m.name.as_str()).collect();
    for m in &models {
        names.extend(m.all_includes().iter().map(|i| i.name.as_str()));
    }
    names.sort_unstable();
    names.dedup();
    if let Some(p) = &project {
        p.check_generated(&names)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let out = std::env::current_dir()?.join(out);
    let opts = match project {
        Some(p) => {
            let mut opts = p.options;
            opts.layout.out = out;
            opts
        }
        // The runtime crate is this repository's; outside one, where it
        // was always assumed: beside the output folder.
        None => {
            let runtime = match repo_root() {
                Ok(r) => r.join("codegen").join("runtime"),
                Err(_) => out.join("..").join("codegen").join("runtime"),
            };
            uabi::backend::OutputOptions {
                layout: uabi::backend::OutputLayout {
                    out,
                    dirs: Default::default(),
                    runtime,
                },
                ..Default::default()
            }
        }
    };
    Ok(uabi::backend::render_models_with(&models, &opts)?)
}

/// The generated files as the project places them: under `out` (where
/// stale files are removed) and in the folders it names (where nothing
/// else is touched). Without a project file, all under `out`.
fn placed(files: Vec<uabi::backend::GeneratedFile>) -> anyhow::Result<uabi::project::Placed> {
    Ok(match project()? {
        Some(p) => p.place(files).map_err(|e| anyhow::anyhow!("{e}"))?,
        None => uabi::project::Placed {
            owned: files,
            named: Vec::new(),
        },
    })
}

/// Loads and lints; prints diagnostics. Returns None when the specs
/// cannot be generated (errors), with the exit code to use.
fn checked(specs: &[PathBuf]) -> Result<Checked, u8> {
    let c = pipeline::load_and_lint(specs);
    if !c.diagnostics.is_empty() {
        eprint!("{}", paint(&c.render_diagnostics(), colour_stderr()));
    }
    if c.diagnostics.iter().any(|d| d.rule == &uabi::rules::IO) {
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
            let files = render(&c, &out)?;
            let placed = placed(files)?;
            let mut touched = pipeline::write(&out, &placed.owned)
                .map_err(|e| anyhow::anyhow!("writing {}: {e}", out.display()))?;
            touched.extend(
                pipeline::write_only(&placed.named)
                    .map_err(|e| anyhow::anyhow!("writing the project's output folders: {e}"))?,
            );
            for t in &touched {
                match t {
                    pipeline::Drift::Missing(p) | pipeline::Drift::Changed(p) => {
                        info!("wrote {}", p.display())
                    }
                    pipeline::Drift::Stale(p) => info!("removed {}", p.display()),
                }
            }
            info!(
                "generated {} files for {} specs ({} updated)",
                placed.owned.len() + placed.named.len(),
                c.models.len(),
                touched.len()
            );
            Ok(0)
        }
        Command::Doc { specs, out } => {
            let specs = default_specs(specs)?;
            let out = match out {
                Some(o) => o,
                None => repo_root()?.join("target").join("uabi-doc"),
            };
            let c = match checked(&specs) {
                Ok(c) => c,
                Err(code) => {
                    eprintln!("uabi: no documentation: the specs have errors");
                    return Ok(code);
                }
            };
            let models: Vec<&uabi::model::Model> = c.models.values().map(|m| &**m).collect();
            let frozen = frozen_of(&models)?;
            let files = uabi::backend::doc::render(&models, &frozen)?;
            std::fs::create_dir_all(&out)
                .map_err(|e| anyhow::anyhow!("creating {}: {e}", out.display()))?;
            for f in &files {
                let p = out.join(&f.path);
                std::fs::write(&p, &f.contents)
                    .map_err(|e| anyhow::anyhow!("writing {}: {e}", p.display()))?;
            }
            info!(
                "wrote {} pages for {} specs into {}",
                files.len(),
                c.models.len(),
                out.display()
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
            let files = render(&c, &out)?;
            let placed = placed(files)?;
            let mut drift = pipeline::compare(&out, &placed.owned)
                .map_err(|e| anyhow::anyhow!("reading {}: {e}", out.display()))?;
            drift.extend(
                pipeline::compare_only(&placed.named)
                    .map_err(|e| anyhow::anyhow!("reading the project's output folders: {e}"))?,
            );
            if drift.is_empty() {
                info!(
                    "{} generated files are up to date",
                    placed.owned.len() + placed.named.len()
                );
                Ok(0)
            } else {
                for d in &drift {
                    outln!("{d}");
                }
                outln!("generated files are stale: run `uabi generate`");
                Ok(FINDINGS)
            }
        }
        Command::Lint { specs, format, fix } => {
            let specs = default_specs(specs)?;
            if fix {
                apply_fixes(&specs)?;
            }
            let c = pipeline::load_and_lint(&specs);
            let errors = c
                .diagnostics
                .iter()
                .filter(|d| d.severity == uabi::diag::Severity::Error)
                .count();
            let warnings = c.diagnostics.len() - errors;
            match format {
                Format::Text => {
                    out!("{}", paint(&c.render_diagnostics(), colour_stdout()));
                    info!("{errors} errors, {warnings} warnings");
                }
                Format::Json => {
                    let list: Vec<serde_json::Value> = c
                        .diagnostics
                        .iter()
                        .map(|d| {
                            serde_json::json!({
                                "severity": d.severity.to_string(),
                                "rule": d.rule.id,
                                "message": d.message,
                                "file": &*d.pos.file,
                                "line": d.pos.line,
                                "column": d.pos.col,
                                "hint": d.hint,
                            })
                        })
                        .collect();
                    outln!("{}", serde_json::to_string_pretty(&list)?);
                }
            }
            if c.diagnostics.iter().any(|d| d.rule == &uabi::rules::IO) {
                Ok(TROUBLE)
            } else {
                Ok(if errors > 0 { FINDINGS } else { 0 })
            }
        }
        Command::Freeze { specs } => freeze(&specs),
        Command::Compat {
            sides,
            include,
            format,
            rules,
        } => {
            if rules {
                print_rules(uabi::rules::of_stage(uabi::rules::Stage::Compat))?;
                return Ok(0);
            }
            compat(&sides, &SideOptions { includes: include }, format)
        }
        Command::Init { dir, name } => init(dir.as_deref(), name.as_deref()),
        Command::HeadersInstall { specs, out, dir } => {
            let specs = default_specs(specs)?;
            let opts = project()?.map(|p| p.options).unwrap_or_default();
            let dir = match dir {
                Some(d) => d,
                None => opts
                    .c_include_dir
                    .clone()
                    .unwrap_or_else(|| "uabi".to_string()),
            };
            let c = match checked(&specs) {
                Ok(c) => c,
                Err(code) => return Ok(code),
            };
            let mut models: Vec<&uabi::model::Model> = c.models.values().map(|m| &**m).collect();
            for m in c.models.values() {
                for inc in m.all_includes() {
                    if !models.iter().any(|x| x.name == inc.name) {
                        models.push(inc);
                    }
                }
            }
            match pipeline::install_headers(&out, &models, &dir, &opts) {
                Ok(written) => {
                    for p in &written {
                        info!("wrote {}", p.display());
                    }
                    Ok(0)
                }
                Err(e) => {
                    eprintln!("uabi: {e}");
                    Ok(TROUBLE)
                }
            }
        }
        Command::Schema => {
            outln!(
                "{}",
                serde_json::to_string_pretty(&uabi::spec::json_schema())?
            );
            Ok(0)
        }
        Command::Rules => {
            print_rules(uabi::rules::ALL.iter().copied())?;
            Ok(0)
        }
        Command::Import {
            header,
            include,
            out,
        } => import(&header, &include, &out),
    }
}

fn import(header: &Path, include: &[PathBuf], out: &Path) -> anyhow::Result<u8> {
    let imported = match uabi::import::import(header, include) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("uabi: {e}");
            return Ok(TROUBLE);
        }
    };
    let (schema, found) = schema_for(out);
    if !found {
        eprintln!(
            "uabi: note: {} names the spec language's JSON Schema as {schema} for editors; \
             write it there with `uabi schema > {schema}`",
            out.display()
        );
    }
    // The YAML language server (editors' YAML support) reads the schema
    // named on this line: completion and checks while the spec is edited.
    let text = format!(
        "# yaml-language-server: $schema={schema}\n{}",
        imported.yaml
    );
    if let Err(e) = std::fs::write(out, text) {
        eprintln!("uabi: {}: {e}", out.display());
        return Ok(TROUBLE);
    }
    // The header's lines show under each finding, as a spec's do under
    // its diagnostics.
    let source = std::fs::read_to_string(header).ok();
    // One write (stderr is unbuffered), each line found once.
    let mut lines = uabi::diag::SourceLines::default();
    let mut text = String::new();
    for f in &imported.findings {
        text += &paint(
            &lines.render(&f.diagnostic(), source.as_deref()),
            colour_stderr(),
        );
    }
    eprint!("{text}");
    Ok(if imported.unexpressible().next().is_some() {
        FINDINGS
    } else {
        0
    })
}

/// The file name of the spec language's JSON Schema (`uabi schema`)
/// beside a project's specs; this repository keeps one in spec/.
const SCHEMA_FILE: &str = "uabi-spec.schema.json";

/// Where a spec written to `out` finds the JSON Schema, relative to its
/// folder: the nearest [`SCHEMA_FILE`] in that folder or above, or in a
/// `spec/` folder above (true), else beside it (false: not there yet).
fn schema_for(out: &Path) -> (String, bool) {
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    for (up, ancestor) in dir.ancestors().enumerate() {
        let back = "../".repeat(up);
        if ancestor.join(SCHEMA_FILE).is_file() {
            return (format!("{back}{SCHEMA_FILE}"), true);
        }
        if ancestor.join("spec").join(SCHEMA_FILE).is_file() {
            return (format!("{back}spec/{SCHEMA_FILE}"), true);
        }
    }
    (SCHEMA_FILE.to_string(), false)
}

/// One rule a line: id, severity, stage, lint-rules.md number (`-` for
/// the spec language's own rules) and rationale.
fn print_rules(rules: impl Iterator<Item = &'static uabi::rules::Rule>) -> anyhow::Result<()> {
    for r in rules {
        let number = match r.number {
            0 => "-".to_string(),
            n => n.to_string(),
        };
        outln!(
            "{:<24} {:<7} {:<7} {:>2}  {}",
            r.id,
            r.severity.to_string(),
            r.stage.name(),
            number,
            r.rationale
        );
    }
    Ok(())
}

/// One comparison, rendered for people or tools.
struct Compared {
    old: Side,
    new_label: String,
    new_revision: u32,
    report: Report,
}

impl Compared {
    fn text(&self, new: &Side) -> String {
        // A header has no revision number to show.
        let mut out = if new.from_header() || self.old.from_header() {
            format!("== {} against {}\n", self.new_label, self.old.label)
        } else {
            format!(
                "== {} (revision {}) against {} (revision {})\n",
                self.new_label, self.new_revision, self.old.label, self.old.dump.revision
            )
        };
        let mut lines = uabi::diag::SourceLines::default();
        for d in &self.report.findings {
            // A removed item of a header is shown in the old header.
            let source = new
                .sources
                .get(&d.pos.file)
                .or_else(|| self.old.sources.get(&d.pos.file));
            out.push_str(&lines.render(d, source.map(String::as_str)));
        }
        for n in &self.report.compatible {
            out.push_str(&format!("  + {n}\n"));
        }
        let n = self.report.findings.len();
        out.push_str(&if n > 0 {
            format!("-> {n} breaking change{}\n", if n == 1 { "" } else { "s" })
        } else if self.report.compatible.is_empty() {
            "-> unchanged\n".to_string()
        } else {
            format!("-> compatible ({} changes)\n", self.report.compatible.len())
        });
        out
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "old": self.old.label,
            "old-revision": self.old.dump.revision,
            "new": self.new_label,
            "new-revision": self.new_revision,
            "breaking": self.report.is_breaking(),
            "findings": self.report.findings.iter().map(|d| serde_json::json!({
                "severity": d.severity.to_string(),
                "rule": d.rule.id,
                "message": d.message,
                "file": &*d.pos.file,
                "line": d.pos.line,
                "column": d.pos.col,
                "hint": d.hint,
            })).collect::<Vec<_>>(),
            "compatible": self.report.compatible,
        })
    }
}

/// Reads a side, printing a spec's errors; Err carries the exit code.
fn side(arg: &str) -> Result<Side, u8> {
    side_with(arg, &SideOptions::default())
}

/// [`side`] with header sides' include folders. What a header holds that
/// the spec language cannot express is listed on stderr: the comparison
/// does not see it.
fn side_with(arg: &str, options: &SideOptions) -> Result<Side, u8> {
    report_side(arg, compat::load_side_with(arg, options))
}

/// A side read, or its errors printed and the exit code they mean.
fn report_side(arg: &str, side: Result<Side, SideError>) -> Result<Side, u8> {
    match side {
        Ok(s) => {
            // One write: stderr is unbuffered.
            eprint!("{}", unchecked_text(&s.unchecked));
            Ok(s)
        }
        Err(e @ (SideError::Io(_) | SideError::Dump(_))) => {
            eprintln!("uabi: {e}");
            Err(TROUBLE)
        }
        Err(SideError::Spec(diags, sources)) => {
            let mut lines = uabi::diag::SourceLines::default();
            for d in &diags {
                let text = lines.render(d, sources.get(&d.pos.file).map(String::as_str));
                eprint!("{}", paint(&text, colour_stderr()));
            }
            eprintln!("uabi: {arg} does not resolve");
            Err(FINDINGS)
        }
    }
}

/// What a header side holds that the comparison does not see, a line
/// each; its `_Static_assert`s are one line per file (a generated header
/// has thousands of layout checks): each held, since a false one stops
/// the import, and a spec holds layouts, not checks of them.
fn unchecked_text(unchecked: &[uabi::import::Unexpressible]) -> String {
    let mut text = String::new();
    let mut asserts: Vec<(&str, Vec<&uabi::import::Loc>)> = Vec::new();
    for u in unchecked {
        if u.what == uabi::import::STATIC_ASSERT {
            match asserts.iter_mut().find(|(f, _)| *f == u.loc.file) {
                Some((_, locs)) => locs.push(&u.loc),
                None => asserts.push((&u.loc.file, vec![&u.loc])),
            }
            continue;
        }
        text += &format!("uabi: not compared, {}: {u}\n", u.loc);
    }
    for (_, locs) in asserts {
        let first = locs[0];
        text += &match locs.len() {
            1 => format!(
                "uabi: not compared, {first}: a _Static_assert (the front end found it true; \
                 a spec holds layouts, not checks of them)\n"
            ),
            n => format!(
                "uabi: not compared, {first}: {n} _Static_asserts, this one and {} more up to \
                 line {} (the front end found each true; a spec holds layouts, not checks of \
                 them)\n",
                n - 1,
                locs[n - 1].line
            ),
        };
    }
    text
}

/// The frozen dumps of the spec behind `new`, as sides labelled beside
/// the spec's own label.
fn frozen_sides(spec: &Path, new: &Side) -> Result<Vec<Side>, u8> {
    let revisions = compat::frozen_revisions(&FileSystem, spec).map_err(|e| {
        eprintln!("uabi: reading {}: {e}", compat::frozen_dir(spec).display());
        TROUBLE
    })?;
    let label_dir = Path::new(&new.label)
        .parent()
        .unwrap_or(Path::new(""))
        .join(
            compat::frozen_dir(Path::new(&new.label))
                .file_name()
                .unwrap_or_default(),
        );
    let mut out = Vec::new();
    for (rev, file) in revisions {
        let label = label_dir
            .join(file.file_name().unwrap_or_default())
            .to_string_lossy()
            .into_owned();
        let text = FileSystem.read(&file).map_err(|e| {
            eprintln!("uabi: cannot read {label}: {e}");
            TROUBLE
        })?;
        let s = compat::dump_side(&text, &label).map_err(|e| {
            eprintln!("uabi: {e}");
            TROUBLE
        })?;
        if s.dump.revision != rev || s.dump.spec != new.dump.spec {
            eprintln!(
                "uabi: {label} holds revision {} of spec `{}`; expected revision {rev} of `{}`",
                s.dump.revision, s.dump.spec, new.dump.spec
            );
            return Err(TROUBLE);
        }
        out.push(s);
    }
    Ok(out)
}

fn compat(sides: &[String], options: &SideOptions, format: Format) -> anyhow::Result<u8> {
    let mut runs: Vec<(Side, Vec<Compared>)> = Vec::new();
    let mut code = 0u8;
    match sides {
        [] => {
            for spec in default_specs(Vec::new())? {
                let new = match side(&spec.to_string_lossy()) {
                    Ok(s) => s,
                    Err(c) => {
                        code = code.max(c);
                        continue;
                    }
                };
                let olds = match frozen_sides(&spec, &new) {
                    Ok(o) => o,
                    Err(c) => {
                        code = code.max(c);
                        continue;
                    }
                };
                if olds.is_empty() && format == Format::Text {
                    info!(
                        "== {} (revision {}): no frozen revision yet (`uabi freeze {}` writes one)",
                        new.label,
                        new.dump.revision,
                        spec.display()
                    );
                }
                let compared = olds
                    .into_iter()
                    .map(|old| Compared {
                        report: compat::compare(&old.dump, &new.dump, &new.locator),
                        new_label: new.label.clone(),
                        new_revision: new.dump.revision,
                        old,
                    })
                    .collect();
                runs.push((new, compared));
            }
        }
        [old_arg, new_arg] => {
            // Each side may be a header that clang parses: read both at
            // once (their unchecked lists print in order, old first).
            let (old, new) = std::thread::scope(|s| {
                let o = s.spawn(|| compat::load_side_with(old_arg, options));
                let n = compat::load_side_with(new_arg, options);
                (o.join(), n)
            });
            let old = old.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            let (old, new) = match (report_side(old_arg, old), report_side(new_arg, new)) {
                (Ok(o), Ok(n)) => (o, n),
                (o, n) => return Ok(o.err().unwrap_or(0).max(n.err().unwrap_or(0))),
            };
            // A header has no revision numbers to judge.
            let report = if old.from_header() || new.from_header() {
                compat::compare_headers(&old, &new)
            } else {
                compat::compare(&old.dump, &new.dump, &new.locator)
            };
            let c = Compared {
                report,
                new_label: new.label.clone(),
                new_revision: new.dump.revision,
                old,
            };
            runs.push((new, vec![c]));
        }
        _ => anyhow::bail!(
            "compat takes no argument, or OLD NEW (a spec, a *.json dump, a *.h header, or git:<rev>:<path> of one)"
        ),
    }
    let breaking = runs
        .iter()
        .flat_map(|(_, c)| c)
        .filter(|c| c.report.is_breaking())
        .count();
    match format {
        Format::Text => {
            for (new, compared) in &runs {
                for c in compared {
                    out!("{}", c.text(new));
                }
            }
        }
        Format::Json => {
            let all: Vec<serde_json::Value> = runs
                .iter()
                .flat_map(|(_, c)| c)
                .map(Compared::json)
                .collect();
            outln!("{}", serde_json::to_string_pretty(&all)?);
        }
    }
    if breaking > 0 {
        code = code.max(FINDINGS);
    }
    Ok(code)
}

fn freeze(specs: &[PathBuf]) -> anyhow::Result<u8> {
    let mut code = 0u8;
    for spec in specs {
        if let Err(c) = checked(std::slice::from_ref(spec)) {
            eprintln!("uabi: not freezing {}: the spec has errors", spec.display());
            code = code.max(c);
            continue;
        }
        let new = match side(&spec.to_string_lossy()) {
            Ok(s) => s,
            Err(c) => {
                code = code.max(c);
                continue;
            }
        };
        let olds = match frozen_sides(spec, &new) {
            Ok(o) => o,
            Err(c) => {
                code = code.max(c);
                continue;
            }
        };
        let rev = new.dump.revision;
        // A side's dump has no digests; the frozen one is written with.
        let mut frozen = new.dump.clone();
        uabi::dump::fill_digests(&mut frozen)?;
        let text = uabi::dump::to_json(&frozen)?;
        let dest = compat::frozen_dir(spec).join(format!("r{rev}.json"));
        let dest_label = Path::new(&new.label)
            .with_file_name(
                compat::frozen_dir(Path::new(&new.label))
                    .file_name()
                    .unwrap_or_default(),
            )
            .join(format!("r{rev}.json"))
            .to_string_lossy()
            .into_owned();
        // Breaking an older frozen revision, or changing this one, is
        // what freezing exists to prevent.
        let mut refused = None;
        for old in olds {
            let same = old.dump.revision == rev;
            if same && old.dump == frozen {
                continue;
            }
            let report = compat::compare(&old.dump, &new.dump, &new.locator);
            if report.is_breaking() || same {
                let label = old.label.clone();
                let c = Compared {
                    report,
                    new_label: new.label.clone(),
                    new_revision: rev,
                    old,
                };
                eprint!("{}", c.text(&new));
                refused = Some(if same {
                    format!(
                        "revision {rev} is frozen in {label} with other content; \
                         a frozen revision never changes: bump `revision`"
                    )
                } else {
                    format!("it breaks frozen {label} (findings above)")
                });
            }
        }
        if let Some(why) = refused {
            eprintln!("uabi: not freezing {}: {why}", new.label);
            code = code.max(FINDINGS);
            continue;
        }
        match std::fs::read_to_string(&dest) {
            Ok(existing) if existing == text => {
                info!(
                    "{dest_label}: revision {rev} of `{}` is frozen (unchanged)",
                    new.dump.spec
                );
                continue;
            }
            _ => {}
        }
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("creating {}: {e}", dir.display()))?;
        }
        std::fs::write(&dest, &text)
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", dest.display()))?;
        info!("{dest_label}: froze revision {rev} of `{}`", new.dump.spec);
    }
    Ok(code)
}
