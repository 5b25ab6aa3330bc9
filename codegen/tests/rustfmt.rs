//! The Rust backends print text already formatted as rustfmt formats it
//! (edition 2024, default configuration), without running rustfmt: every
//! generated Rust file, of the repository specs and of the fixture specs,
//! passes `rustfmt --check`.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The generated Rust crates.
const KINDS: &[&str] = &["uapi", "kernel", "user", "linux"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn check(files: &[PathBuf]) {
    assert!(!files.is_empty());
    let out = Command::new("rustfmt")
        .args(["--edition", "2024", "--check"])
        .args(files)
        .output()
        .expect("rustfmt runs (it comes with the Rust toolchain)");
    assert!(
        out.status.success(),
        "generated Rust differs from rustfmt's layout:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn checked_in_crates_are_rustfmt_clean() {
    let generated = Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated");
    let mut files = Vec::new();
    for spec in std::fs::read_dir(&generated).unwrap() {
        for kind in KINDS {
            let dir = spec.as_ref().unwrap().path().join("rust").join(kind);
            if dir.is_dir() {
                rust_files(&dir, &mut files);
            }
        }
    }
    check(&files);
}

#[test]
fn fixture_crates_are_rustfmt_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rustfmt-fixtures");
    let _ = std::fs::remove_dir_all(&scratch);
    let mut specs = uabi::pipeline::specs_in(&root.join("tests/fixtures/layout")).unwrap();
    specs.extend(uabi::pipeline::specs_in(&root.join("tests/fixtures/ynl")).unwrap());
    let mut files = Vec::new();
    for spec in specs {
        let Ok(model) = uabi::load::load(&spec, None) else {
            continue;
        };
        for f in uabi::backend::render_all(&model).unwrap() {
            let is_kind = KINDS.iter().any(|k| {
                f.path
                    .starts_with(Path::new(&model.name).join("rust").join(k))
            });
            if is_kind && f.path.extension().is_some_and(|x| x == "rs") {
                let path = scratch.join(&f.path);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &f.contents).unwrap();
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 3, "{files:?}");
    check(&files);
}
