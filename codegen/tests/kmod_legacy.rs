//! The legacy test spec of the softaccel module's second device
//! (driver/kmod/legacy/legacy.yaml) keeps its generated C checked in under
//! driver/kmod/legacy/generated/legacy/c, which the module and its test
//! program compile. Only the C is kept (the module and its C test use
//! nothing else), so `uabi check`, which compares every backend, does not
//! apply: this test regenerates the spec and fails naming every C file that
//! is stale, missing or left over.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn files(dir: &Path, base: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, base, out);
        } else {
            let rel = p.strip_prefix(base).unwrap().to_path_buf();
            out.insert(rel, std::fs::read(&p).unwrap());
        }
    }
}

#[test]
fn the_legacy_specs_checked_in_c_is_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kmod-legacy");
    let _ = std::fs::remove_dir_all(&out);
    // From the repository's root with the spec's relative path: the
    // generated files name the spec as they were generated.
    let run = Command::new(env!("CARGO_BIN_EXE_uabi"))
        .current_dir(&root)
        .args(["generate", "--out"])
        .arg(&out)
        .arg("driver/kmod/legacy/legacy.yaml")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "uabi generate failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let (mut fresh, mut kept) = (BTreeMap::new(), BTreeMap::new());
    let fresh_c = out.join("legacy/c");
    files(&fresh_c, &fresh_c, &mut fresh);
    let kept_c = root.join("driver/kmod/legacy/generated/legacy/c");
    files(&kept_c, &kept_c, &mut kept);
    assert!(fresh.len() >= 3, "the C backend wrote {fresh:?}");
    let mut stale = Vec::new();
    for (rel, text) in &fresh {
        match kept.get(rel) {
            None => stale.push(format!("{} (missing)", rel.display())),
            Some(k) if k != text => stale.push(format!("{} (differs)", rel.display())),
            Some(_) => {}
        }
    }
    for rel in kept.keys().filter(|r| !fresh.contains_key(*r)) {
        stale.push(format!("{} (no longer generated)", rel.display()));
    }
    assert!(
        stale.is_empty(),
        "driver/kmod/legacy/generated/legacy/c is stale: {stale:?}; run \
         `cargo run -p uabi -- generate --out {out} driver/kmod/legacy/legacy.yaml` and copy \
         {out}/legacy/c there (the module uses only the C)",
        out = out.display()
    );
    std::fs::remove_dir_all(&out).unwrap();
}
