//! Where spec text comes from: the file system, a git revision or memory.
//! The loader reads a spec and its includes only through a [`Provider`],
//! so includes resolve the same way from each of them, and this module
//! is the only place that touches files or runs git for the front end.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// A read-only tree of files.
pub trait Provider {
    /// The text of the file at `path`.
    fn read(&self, path: &Path) -> io::Result<String>;

    /// One name for the file at `path` however the path is spelled, so
    /// that a spec included twice is loaded once and an include cycle is
    /// seen. Fails when the file does not exist.
    fn canonical(&self, path: &Path) -> io::Result<PathBuf>;

    /// The files directly in folder `dir` (as `dir` joined with each
    /// name), in no particular order; none when there is no such folder.
    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>>;
}

/// The file system, paths relative to the working directory.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileSystem;

impl Provider for FileSystem {
    fn read(&self, path: &Path) -> io::Result<String> {
        std::fs::read_to_string(path)
    }

    fn canonical(&self, path: &Path) -> io::Result<PathBuf> {
        path.canonicalize()
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        std::fs::read_dir(dir)?
            .map(|e| e.map(|e| e.path()))
            .collect()
    }
}

/// Why git could not provide a file.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("cannot run git: {0}")]
    Spawn(#[source] io::Error),
    /// `git <command> <object>` failed; `stderr` is git's own explanation.
    #[error("git {command} {object}: {stderr}")]
    Failed {
        command: &'static str,
        object: String,
        stderr: String,
    },
    #[error("git show {object}: not UTF-8")]
    NotUtf8 { object: String },
}

/// The files of one git revision, read with `git show <rev>:<path>`:
/// nothing is checked out or written. Paths are spelled as git reads
/// them: relative to the working directory when the first path read
/// starts with `./` or `../` (and then every path is), else relative to
/// the repository root.
#[derive(Debug)]
pub struct GitRevision {
    rev: String,
    cwd_relative: bool,
    /// Where git runs: the working directory by default.
    dir: Option<PathBuf>,
    /// Texts already read: the caller often reads the top file itself
    /// (to tell a dump from a spec) before the loader reads it again.
    cache: RefCell<HashMap<PathBuf, String>>,
}

impl GitRevision {
    /// The revision `rev`, with paths spelled like `path` (see above).
    pub fn new(rev: &str, path: &str) -> Self {
        GitRevision {
            rev: rev.to_string(),
            cwd_relative: path.starts_with("./") || path.starts_with("../"),
            dir: None,
            cache: RefCell::default(),
        }
    }

    /// Runs git in `dir` (so the revision is of the repository holding
    /// `dir`, and `./` paths are relative to it) instead of the working
    /// directory.
    pub fn in_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// `<rev>:<path>`, the way the first path was spelled.
    fn object(&self, path: &Path) -> String {
        let p = normalize(path);
        if self.cwd_relative && !p.starts_with("../") {
            format!("{}:./{p}", self.rev)
        } else {
            format!("{}:{p}", self.rev)
        }
    }

    /// The output of `git <command> <flags> <object>`.
    fn git(
        &self,
        command: &'static str,
        flags: &[&str],
        object: &str,
    ) -> Result<Vec<u8>, GitError> {
        let mut cmd = Command::new("git");
        if let Some(d) = &self.dir {
            cmd.current_dir(d);
        }
        let out = cmd
            .arg(command)
            .args(flags)
            .arg(object)
            .output()
            .map_err(GitError::Spawn)?;
        if out.status.success() {
            Ok(out.stdout)
        } else {
            Err(GitError::Failed {
                command,
                object: object.to_string(),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            })
        }
    }
}

impl Provider for GitRevision {
    fn read(&self, path: &Path) -> io::Result<String> {
        let key = PathBuf::from(normalize(path));
        if let Some(t) = self.cache.borrow().get(&key) {
            return Ok(t.clone());
        }
        let object = self.object(path);
        let bytes = self.git("show", &[], &object).map_err(io::Error::other)?;
        let text =
            String::from_utf8(bytes).map_err(|_| io::Error::other(GitError::NotUtf8 { object }))?;
        self.cache.borrow_mut().insert(key, text.clone());
        Ok(text)
    }

    /// Lexical (a revision's tree has no `.` or `..` entries and no
    /// working directory to resolve against); the file is read, and kept,
    /// to know that it exists.
    fn canonical(&self, path: &Path) -> io::Result<PathBuf> {
        self.read(path)?;
        Ok(PathBuf::from(normalize(path)))
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        let object = self.object(dir);
        let out = match self.git("ls-tree", &["--name-only"], &object) {
            Ok(out) => out,
            // No such folder at this revision.
            Err(GitError::Failed { .. }) => return Ok(Vec::new()),
            Err(e) => return Err(io::Error::other(e)),
        };
        Ok(String::from_utf8_lossy(&out)
            .lines()
            .map(|name| dir.join(name))
            .collect())
    }
}

/// Why memory could not provide a file.
#[derive(Debug, thiserror::Error)]
#[error("no file `{0}` in memory")]
pub struct NotInMemory(pub String);

/// Files held in memory, by path: for tests, fuzzing and tools that
/// have the text already. Paths are compared after lexical
/// normalization (`a/./b/../c.yaml` is `a/c.yaml`).
#[derive(Debug, Clone, Default)]
pub struct InMemory {
    files: BTreeMap<String, String>,
}

impl InMemory {
    pub fn new() -> Self {
        InMemory::default()
    }

    /// Adds (or replaces) the file at `path`.
    pub fn insert(&mut self, path: impl AsRef<Path>, text: impl Into<String>) {
        self.files.insert(normalize(path.as_ref()), text.into());
    }

    /// With the file at `path` added.
    pub fn with(mut self, path: impl AsRef<Path>, text: impl Into<String>) -> Self {
        self.insert(path, text);
        self
    }

    fn get(&self, path: &Path) -> io::Result<(&String, &String)> {
        let key = normalize(path);
        self.files
            .get_key_value(&key)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, NotInMemory(key)))
    }
}

impl Provider for InMemory {
    fn read(&self, path: &Path) -> io::Result<String> {
        self.get(path).map(|(_, t)| t.clone())
    }

    fn canonical(&self, path: &Path) -> io::Result<PathBuf> {
        self.get(path).map(|(k, _)| PathBuf::from(k))
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        let dir = PathBuf::from(normalize(dir));
        Ok(self
            .files
            .keys()
            .map(PathBuf::from)
            .filter(|p| p.parent() == Some(dir.as_path()))
            .collect())
    }
}

/// `spec/../spec/./x.yaml` -> `spec/x.yaml`, lexically, keeping leading
/// `..` and a leading `/` (labels and keys are not file system paths and
/// must not depend on symlinks).
pub(crate) fn normalize(p: &Path) -> String {
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
