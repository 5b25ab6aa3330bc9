//! What every test crate of the workspace shares.
//!
//! A test that cannot run here (no FUSE, no cross compiler, no git) must
//! say so where the run shows it, not count silently as a pass. libtest
//! captures what the print macros write and shows it only for failing
//! tests, so [`skipped`] writes to the process's stderr directly, and
//! appends the line to the file named by `UABI_SKIP_LOG`, which
//! `scripts/test.sh` prints as the run's summary of skips. Also: the
//! venv with mypy that the Python type checks share ([`mypy_python`]),
//! the seeded random numbers of the randomized tests ([`Rng`]), and the
//! files of a folder tree that tests walk ([`files_under`]).

#![forbid(unsafe_code)]

use std::io::Write as _;

/// Reports that `what` was not checked, and why (`why` may be empty when
/// `what` says it).
pub fn skipped(what: &str, why: &str) {
    let line = if why.is_empty() {
        format!("SKIPPED {what}\n")
    } else {
        format!("SKIPPED {what}: {why}\n")
    };
    let _ = std::io::stderr().write_all(format!("\n*** {line}").as_bytes());
    if let Some(path) = std::env::var_os("UABI_SKIP_LOG") {
        // One write of one line with O_APPEND: lines of parallel tests and
        // test processes do not interleave.
        if let Ok(mut log) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = log.write_all(line.as_bytes());
        }
    }
}

/// The random numbers of a randomized test: seeded, so that the same
/// seed gives the same cases and a failure reproduces from the seed the
/// test names (fastrand's generator: one source for every test crate).
pub struct Rng(fastrand::Rng);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(fastrand::Rng::with_seed(seed))
    }

    /// Any `u64`.
    pub fn u64(&mut self) -> u64 {
        self.0.u64(..)
    }

    /// Uniform in `0..n`; 0 when `n` is 0 (an empty range to pick from is
    /// the case a test handles, not a reason to stop).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.0.u64(..n) }
    }
}

/// The mypy every Python type check of the test suites uses, from PyPI.
pub const MYPY: &str = "mypy==1.15.0";

/// The Python of a venv holding [`MYPY`], cached as `<cache>/mypy-venv`
/// (the target folder: PyPI is asked once, not once per run). When it
/// cannot be made (no python3, PyPI unreachable) it reports `what` as
/// skipped and returns None.
pub fn mypy_python(cache: &std::path::Path, what: &str) -> Option<std::path::PathBuf> {
    use std::process::Command;
    let cached = cache.join("mypy-venv");
    let python = cached.join("bin/python");
    let works = |p: &std::path::Path| {
        Command::new(p)
            .args(["-m", "mypy", "--version"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if works(&python) {
        return Some(python);
    }
    // Built aside and renamed into place: a venv run as `bin/python -m`
    // does not mind its folder's name, and a half-made one is never used.
    let building = cache.join(format!("mypy-venv.tmp{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&building);
    let made = Command::new("python3")
        .arg("-m")
        .arg("venv")
        .arg(&building)
        .status()
        .is_ok_and(|s| s.success())
        && Command::new(building.join("bin/python"))
            .args(["-m", "pip", "install", "--quiet", MYPY])
            .status()
            .is_ok_and(|s| s.success());
    if !made {
        let _ = std::fs::remove_dir_all(&building);
        skipped(
            what,
            &format!("{MYPY} could not be installed from PyPI into a venv (offline?)"),
        );
        return None;
    }
    if std::fs::rename(&building, &cached).is_err() {
        // Another test process made it first.
        let _ = std::fs::remove_dir_all(&building);
    }
    if works(&python) {
        Some(python)
    } else {
        skipped(
            what,
            &format!("the venv at {} does not run mypy", cached.display()),
        );
        None
    }
}

/// Every file under `dir` (sub-folders included) whose extension is one
/// of `extensions`, sorted by path; build output (`target`) and hidden
/// entries are passed over. Panics if a folder cannot be read: a test
/// that walks a tree must not pass on part of it.
pub fn files_under(dir: &std::path::Path, extensions: &[&str]) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, extensions: &[&str], out: &mut Vec<std::path::PathBuf>) {
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
        let mut paths: Vec<std::path::PathBuf> = entries
            .map(|e| {
                e.unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
                    .path()
            })
            .collect();
        paths.sort();
        for p in paths {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name == "target" || name.starts_with('.') {
                continue;
            }
            if p.is_dir() {
                walk(&p, extensions, out);
            } else if p
                .extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| extensions.contains(&x))
            {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, extensions, &mut out);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_skip_is_logged_once_per_call() {
        let path = std::env::temp_dir().join(format!("uabi-skip-log-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        // A child process, so this one's environment is not changed
        // under the other tests' threads.
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "tests::child_reports_a_skip", "--nocapture"])
            .env("UABI_SKIP_LOG", &path)
            .env("UABI_TEST_SUPPORT_CHILD", "1")
            .status()
            .unwrap();
        assert!(status.success());
        let log = std::fs::read_to_string(&path).unwrap();
        assert_eq!(log, "SKIPPED the probe: no reason\n");
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn child_reports_a_skip() {
        if std::env::var_os("UABI_TEST_SUPPORT_CHILD").is_some() {
            super::skipped("the probe", "no reason");
        }
    }
}
