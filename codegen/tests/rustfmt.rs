//! The Rust backends print text already formatted as rustfmt formats it
//! (edition 2024, default configuration), without running rustfmt: every
//! generated Rust file, of the repository specs and of the fixture specs,
//! passes `rustfmt --check`. The kernel flavour (`rust/linux`) is formatted
//! as the kernel formats it: its `.rustfmt.toml` says `edition = "2021"`,
//! which selects rustfmt's style edition 2021.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The generated Rust crates, and the edition each is formatted in.
const KINDS: &[(&str, &str)] = &[
    ("uapi", "2024"),
    ("kernel", "2024"),
    ("user", "2024"),
    ("linux", "2021"),
];

fn check(edition: &str, files: &[PathBuf]) {
    assert!(!files.is_empty());
    let out = Command::new("rustfmt")
        .args(["--edition", edition, "--check"])
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
    for (kind, edition) in KINDS {
        let mut files = Vec::new();
        for spec in std::fs::read_dir(&generated).unwrap() {
            let dir = spec.as_ref().unwrap().path().join("rust").join(kind);
            if dir.is_dir() {
                files.extend(uabi_test_support::files_under(&dir, &["rs"]));
            }
        }
        check(edition, &files);
    }
}

#[test]
fn fixture_crates_are_rustfmt_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rustfmt-fixtures");
    let _ = std::fs::remove_dir_all(&scratch);
    let mut specs = uabi::pipeline::specs_in(&root.join("tests/fixtures/layout")).unwrap();
    specs.extend(uabi::pipeline::specs_in(&root.join("tests/fixtures/ynl")).unwrap());
    let mut files: Vec<Vec<PathBuf>> = KINDS.iter().map(|_| Vec::new()).collect();
    for spec in specs {
        let Ok(model) = uabi::load::load(&spec, None) else {
            continue;
        };
        for f in uabi::backend::render_all(&model).unwrap() {
            let kind = KINDS.iter().position(|(k, _)| {
                f.path
                    .starts_with(Path::new(&model.name).join("rust").join(k))
            });
            if let Some(kind) = kind
                && f.path.extension().is_some_and(|x| x == "rs")
            {
                let path = scratch.join(&f.path);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &f.contents).unwrap();
                files[kind].push(path);
            }
        }
    }
    for ((kind, edition), files) in KINDS.iter().zip(&files) {
        assert!(files.len() >= 3, "{kind}: {files:?}");
        check(edition, files);
    }
}
