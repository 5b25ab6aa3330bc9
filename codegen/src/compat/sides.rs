//! The two sides of a comparison, read from a spec, a dump or a git
//! revision; the comparison itself reads nothing.

use super::*;

/// One side of a comparison, read from a spec, a dump or git.
#[derive(Debug, Clone)]
pub struct Side {
    /// How the side is named in messages.
    pub label: String,
    pub dump: Dump,
    pub locator: Locator,
    /// Text of every file read, by label, to render source lines.
    pub sources: crate::load::Sources,
}

/// Why a side could not be read.
#[derive(Debug)]
pub enum SideError {
    /// Unreadable, not a dump, a failing `git show`: the caller's problem.
    Io(String),
    /// A spec that does not resolve: findings in the spec.
    Spec(Vec<Diagnostic>, crate::load::Sources),
}

impl std::fmt::Display for SideError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SideError::Io(s) => f.write_str(s),
            SideError::Spec(d, _) => write!(f, "the spec has {} errors", d.len()),
        }
    }
}

/// The side of a resolved spec.
pub fn spec_side(model: &crate::model::Model, sources: crate::load::Sources) -> Side {
    let locator = Locator::for_model(model, sources.get(&model.pos.file).map(String::as_str));
    Side {
        label: model.source.clone(),
        dump: crate::dump::build(model),
        locator,
        sources,
    }
}

/// The side of a dump's text, named `label`.
pub fn dump_side(text: &str, label: &str) -> Result<Side, SideError> {
    let dump = crate::dump::parse(text).map_err(|e| SideError::Io(format!("{label}: {e}")))?;
    let file: Arc<str> = Arc::from(label);
    let mut sources = crate::load::Sources::new();
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
        let text = std::fs::read_to_string(path)
            .map_err(|e| SideError::Io(format!("cannot read {arg}: {e}")))?;
        return dump_side(&text, arg);
    }
    let (result, sources) = crate::load::load_with_sources(path, None);
    match result {
        Ok(model) => Ok(spec_side(&model, sources)),
        Err(d) if d.iter().any(|d| d.rule == &rules::IO) => Err(SideError::Io(
            d.iter()
                .map(|d| d.message.clone())
                .collect::<Vec<_>>()
                .join("; "),
        )),
        Err(d) => Err(SideError::Spec(d, sources)),
    }
}

fn git_show(rev: &str, path: &str) -> Result<String, SideError> {
    let out = std::process::Command::new("git")
        .arg("show")
        .arg(format!("{rev}:{path}"))
        .output()
        .map_err(|e| SideError::Io(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(SideError::Io(format!(
            "git show {rev}:{path}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    String::from_utf8(out.stdout)
        .map_err(|_| SideError::Io(format!("git show {rev}:{path}: not UTF-8")))
}

/// `a/b/../c` -> `a/c`, lexically, keeping leading `..`.
fn normalize(p: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            Component::ParentDir if parts.last().is_some_and(|l| l != "..") => {
                parts.pop();
            }
            Component::CurDir => {}
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    parts.join("/")
}

/// A spec at a git revision: the spec and the specs it includes (at the
/// same revision, relative to it) are written into a scratch folder with
/// their relative places kept, and loaded from there under
/// `git:<rev>:<path>` labels.
fn git_side(rev: &str, path: &str, arg: &str) -> Result<Side, SideError> {
    let text = git_show(rev, path)?;
    if path.ends_with(".json") {
        return dump_side(&text, arg);
    }
    // git reads `./x` and `../x` relative to the working directory and
    // anything else relative to the repository root; includes are
    // fetched the way the spec was.
    let cwd_relative = path.starts_with("./") || path.starts_with("../");
    let git_path = |p: &str| {
        if cwd_relative && !p.starts_with("../") {
            format!("./{p}")
        } else {
            p.to_string()
        }
    };
    let root = normalize(Path::new(path));
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    let mut todo = vec![(root.clone(), text)];
    while let Some((p, text)) = todo.pop() {
        let label: Arc<str> = Arc::from(format!("git:{rev}:{p}"));
        if let Ok(spec) = crate::load::parse(&label, &text) {
            let dir = Path::new(&p).parent().unwrap_or(Path::new(""));
            for inc in &spec.include {
                let q = normalize(&dir.join(&inc.value));
                if !files.contains_key(&q) && !todo.iter().any(|(t, _)| t == &q) && q != p {
                    // A missing include is reported by the loader, at
                    // the include, like any other.
                    if let Ok(t) = git_show(rev, &git_path(&q)) {
                        todo.push((q, t));
                    }
                }
            }
        }
        files.insert(p, text);
    }
    let ups = files
        .keys()
        .map(|p| p.split('/').take_while(|c| *c == "..").count())
        .max()
        .unwrap_or(0);
    static SEQ: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let scratch = std::env::temp_dir().join(format!(
        "uabi-compat-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let mut base = scratch.clone();
    for _ in 0..ups {
        base.push("d");
    }
    let write = || -> std::io::Result<PathBuf> {
        for (p, t) in &files {
            let f = base.join(p);
            if let Some(d) = f.parent() {
                std::fs::create_dir_all(d)?;
            }
            std::fs::write(&f, t)?;
        }
        Ok(base.join(&root))
    };
    let result = write()
        .map_err(|e| SideError::Io(format!("writing {}: {e}", scratch.display())))
        .and_then(|spec| {
            let (result, sources) =
                crate::load::load_with_sources(&spec, Some(&format!("git:{rev}:{root}")));
            match result {
                Ok(model) => Ok(spec_side(&model, sources)),
                Err(d) => Err(SideError::Spec(d, sources)),
            }
        });
    let _ = std::fs::remove_dir_all(&scratch);
    result.map(|mut s| {
        s.label = arg.to_string();
        s
    })
}

/// Where a spec's frozen dumps live: `<dir>/<stem>.abi/`.
pub fn frozen_dir(spec: &Path) -> PathBuf {
    let stem = spec.file_stem().unwrap_or_default().to_string_lossy();
    spec.with_file_name(format!("{stem}.abi"))
}

/// The frozen revisions of a spec, oldest first: (revision, file).
pub fn frozen_revisions(spec: &Path) -> std::io::Result<Vec<(u32, PathBuf)>> {
    let dir = frozen_dir(spec);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir)? {
        let p = e?.path();
        let rev = p
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix('r'))
            .and_then(|n| n.strip_suffix(".json"))
            .and_then(|n| n.parse::<u32>().ok());
        if let Some(r) = rev {
            out.push((r, p));
        }
    }
    out.sort();
    Ok(out)
}
