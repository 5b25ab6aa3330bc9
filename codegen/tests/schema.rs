//! `uabi schema`: the JSON Schema of the spec language, derived from the
//! parser's types (src/spec.rs). Every spec of the repository that the
//! parser reads (spec/, spec/examples/, every fixture) validates against
//! it with a real validator from PyPI (jsonschema, in the venv
//! scripts/setup.sh makes), and every fixture the parser refuses for its
//! shape (an unknown key, a missing key, a value of the wrong kind) fails
//! it; the copy in spec/ (which specs name for editors) is current; and
//! `uabi import` writes the YAML language server's modeline naming it.

// Tests report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn uabi(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_uabi"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The parser's rules for a document of the wrong shape.
const SHAPE_RULES: &[&str] = &["unknown-key", "missing-key", "bad-value"];

#[test]
fn schema_is_printed_and_the_copy_in_spec_is_current() {
    let (code, out, err) = uabi(&["schema"], &root());
    assert_eq!(code, 0, "{err}");
    let printed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(printed, uabi::spec::json_schema());
    assert_eq!(
        printed["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert!(
        printed["title"]
            .as_str()
            .unwrap()
            .contains(&format!("spec language {}", uabi::SPEC_LANGUAGE_VERSION))
    );
    // Every key of the top level, as the parser spells it.
    let props = printed["properties"].as_object().unwrap();
    for key in [
        "name",
        "revision",
        "ioctl",
        "definitions",
        "ioctls",
        "rings",
        "c-prefix",
    ] {
        assert!(props.contains_key(key), "no `{key}` in the schema");
    }
    assert_eq!(printed["additionalProperties"], false);
    let copy = std::fs::read_to_string(root().join("spec/uabi-spec.schema.json")).unwrap();
    assert_eq!(
        copy, out,
        "spec/uabi-spec.schema.json is stale: run `uabi schema > spec/uabi-spec.schema.json`"
    );
}

/// The venv's Python with jsonschema and PyYAML (scripts/setup.sh), or
/// `UABI_SCHEMA_PYTHON`.
fn validator_python() -> Option<PathBuf> {
    let python = match std::env::var_os("UABI_SCHEMA_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .unwrap()
            .join("schema-venv/bin/python"),
    };
    Command::new(&python)
        .args(["-c", "import jsonschema, yaml"])
        .output()
        .is_ok_and(|o| o.status.success())
        .then_some(python)
}

#[test]
fn every_spec_validates_and_shape_errors_do_not() {
    let Some(python) = validator_python() else {
        uabi_test_support::skipped(
            "the repository's specs against `uabi schema` (jsonschema)",
            "no venv with jsonschema and PyYAML; scripts/setup.sh makes it",
        );
        return;
    };
    let r = root();
    let mut files = Vec::new();
    for dir in ["spec", "codegen/tests/fixtures"] {
        files.extend(uabi_test_support::files_under(&r.join(dir), &["yaml"]));
    }
    // What the parser says of each: valid, refused for its shape, or
    // refused for something no schema describes (YAML syntax, I/O).
    let mut must_pass = Vec::new();
    let mut must_fail = Vec::new();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        match uabi::load::parse(&Arc::from(f.to_string_lossy().as_ref()), &text) {
            Ok(_) => must_pass.push(f.clone()),
            Err(d) if d.iter().all(|d| SHAPE_RULES.contains(&d.id())) => must_fail.push(f.clone()),
            Err(_) => {}
        }
    }
    assert!(must_pass.len() > 60, "only {} specs parse", must_pass.len());
    assert!(
        must_fail.len() >= SHAPE_RULES.len(),
        "shape fixtures: {must_fail:?}"
    );
    let schema = Path::new(env!("CARGO_TARGET_TMPDIR")).join("uabi-spec.schema.json");
    std::fs::write(
        &schema,
        serde_json::to_string(&uabi::spec::json_schema()).unwrap(),
    )
    .unwrap();
    let out = Command::new(&python)
        .arg(r.join("codegen/tests/schema/validate.py"))
        .arg(&schema)
        .args(must_pass.iter().chain(&must_fail))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "validate.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdicts = String::from_utf8(out.stdout).unwrap();
    let verdicts: Vec<&str> = verdicts.lines().collect();
    assert_eq!(verdicts.len(), must_pass.len() + must_fail.len());
    let mut wrong = Vec::new();
    for (i, v) in verdicts.iter().enumerate() {
        let want = if i < must_pass.len() {
            "valid "
        } else {
            "invalid "
        };
        if !v.starts_with(want) {
            wrong.push(format!("want {want}: {v}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// `uabi import` names the schema on the spec's first line, relative to
/// where the spec goes: the nearest copy above it (or in a `spec/`
/// folder above), else beside it, with a note saying how to write it.
#[test]
fn import_writes_the_schema_modeline() {
    // Outside this repository, whose spec/ holds a copy.
    let dir = std::env::temp_dir().join(format!("uabi-schema-modeline-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("proj/spec/drivers")).unwrap();
    let header = root().join("codegen/tests/fixtures/headers/drm/rocket_accel.h");
    let header = header.to_str().unwrap();
    let import = |out: &str| {
        let (code, _, err) = uabi(&["import", header, "--out", out], &dir);
        if err.contains("libclang") && code == 2 {
            return None;
        }
        assert_eq!(code, 0, "{err}");
        let text = std::fs::read_to_string(dir.join(out)).unwrap();
        Some((text.lines().next().unwrap().to_string(), err))
    };
    let Some((line, err)) = import("proj/spec/drivers/rocket.yaml") else {
        uabi_test_support::skipped("`uabi import` modeline", "no libclang");
        return;
    };
    assert_eq!(
        line,
        "# yaml-language-server: $schema=uabi-spec.schema.json"
    );
    assert!(err.contains("uabi schema > uabi-spec.schema.json"), "{err}");
    let (_, schema, _) = uabi(&["schema"], &dir);
    std::fs::write(dir.join("proj/spec/uabi-spec.schema.json"), schema).unwrap();
    let (line, err) = import("proj/spec/drivers/rocket.yaml").unwrap();
    assert_eq!(
        line,
        "# yaml-language-server: $schema=../uabi-spec.schema.json"
    );
    assert!(!err.contains("note:"), "{err}");
    let (line, _) = import("proj/rocket.yaml").unwrap();
    assert_eq!(
        line,
        "# yaml-language-server: $schema=spec/uabi-spec.schema.json"
    );
    // The spec written still loads.
    let spec = dir.join("proj/rocket.yaml");
    uabi::load::load(&spec, None).unwrap_or_else(|d| panic!("{d:#?}"));
    let _ = std::fs::remove_dir_all(&dir);
}
