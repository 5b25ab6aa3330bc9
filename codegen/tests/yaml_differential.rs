//! The YAML front end against the one it replaced (serde-saphyr, kept as a
//! dev-dependency and frozen in tests/old_front_end): every spec and
//! fixture in the repository must give the same surface syntax (node
//! positions included) or the same diagnostics.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod old_front_end;

use std::path::{Path, PathBuf};
use std::sync::Arc;

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name == "target" || name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            yaml_files(&p, out);
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            out.push(p);
        }
    }
}

/// Both front ends on one text: the surface syntax or the diagnostics,
/// in Debug form (positions included).
fn both(label: &str, text: &str) -> (String, String) {
    let file: Arc<str> = Arc::from(label);
    let old = format!("{:#?}", old_front_end::parse::parse(&file, text));
    let new = format!("{:#?}", uabi::load::parse(&file, text));
    (old, new)
}

#[test]
fn every_spec_in_the_repository_parses_as_before() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in [
        "spec",
        "compat-tests",
        "codegen/tests/fixtures",
        "codegen/benches",
    ] {
        let dir = root.join(dir);
        if dir.is_dir() {
            yaml_files(&dir, &mut files);
        }
    }
    assert!(files.len() >= 100, "the specs are missing: {}", files.len());
    let mut rejected = 0;
    for f in &files {
        let label = f.strip_prefix(&root).unwrap().display().to_string();
        // fixtures/resolve/io.yaml is a dangling link on purpose.
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let (old, new) = both(&label, &text);
        if old.starts_with("Err") {
            rejected += 1;
        }
        assert!(
            old == new,
            "{label}: the front ends differ\nold: {old}\nnew: {new}"
        );
    }
    assert!(rejected >= 3, "the syntax fixtures are missing");
}
