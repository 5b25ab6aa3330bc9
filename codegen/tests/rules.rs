//! The rule catalogue against the fixtures and the CLI: every rule any
//! command can report has a fixture that triggers it (found by a glob, so
//! a new rule without one fails here), and `uabi rules` lists them all.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;
use uabi::rules::{ALL, Stage};

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))
}

/// Where a rule's fixture is: a spec for front-end and lint rules (the
/// resolver's rules of lint-rules.md sit with the lint fixtures), an
/// old/new pair for compat rules.
fn fixture_of(id: &str, stage: Stage) -> Vec<std::path::PathBuf> {
    let f = fixtures();
    match stage {
        Stage::Parse | Stage::Resolve => vec![
            f.join("resolve").join(format!("{id}.yaml")),
            f.join("lint").join(format!("{id}.yaml")),
        ],
        Stage::Lint => vec![f.join("lint").join(format!("{id}.yaml"))],
        Stage::Compat => vec![f.join("compat").join(id).join("new.yaml")],
        // A C header whose import reports exactly that rule (tests/import.rs).
        Stage::Import => vec![f.join("import").join(format!("{id}.h"))],
    }
}

#[test]
fn every_rule_has_a_fixture() {
    let missing: Vec<&str> = ALL
        .iter()
        .filter(|r| {
            !fixture_of(r.id, r.stage)
                .iter()
                .any(|p| p.symlink_metadata().is_ok())
        })
        .map(|r| r.id)
        .collect();
    assert!(missing.is_empty(), "rules without a fixture: {missing:?}");
}

#[test]
fn every_fixture_is_named_after_a_rule() {
    for (dir, ext) in [("lint", "yaml"), ("resolve", "yaml"), ("import", "h")] {
        for entry in std::fs::read_dir(fixtures().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if path.extension().is_some_and(|e| e == ext) && stem != "clean" {
                assert!(uabi::rules::find(stem).is_some(), "{}", path.display());
            }
        }
    }
}

#[test]
fn uabi_rules_lists_every_rule() {
    let out = Command::new(env!("CARGO_BIN_EXE_uabi"))
        .arg("rules")
        .output()
        .expect("run uabi");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let ids: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let all: Vec<&str> = ALL.iter().map(|r| r.id).collect();
    assert_eq!(ids, all);
}
