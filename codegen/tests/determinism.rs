//! Output depends on what a spec says, not on how it is written: the
//! repository specs rewritten with every mapping's keys in reverse order
//! (in JSON form, which is YAML too) generate byte-identical files from
//! every backend. A backend that iterated a hash map, or followed the
//! YAML's key order where it means nothing, fails here.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::path::Path;

/// `v` as JSON with every object's keys in reverse order of the sorted
/// keys (serde_json's map is sorted; reversing makes the order differ
/// from both the sorted and the original order of the repository specs).
fn reversed_json(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().rev().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{}: ", serde_json::Value::String(k.clone()));
                reversed_json(v, out);
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                reversed_json(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn generate(spec: &Path, label: &str) -> Vec<uabi::backend::GeneratedFile> {
    let model = uabi::load::load(spec, Some(label)).unwrap_or_else(|d| panic!("{label}: {d:#?}"));
    let mut files = Vec::new();
    for m in model.all_includes().into_iter().chain([model.as_ref()]) {
        files.extend(uabi::backend::render_all(m).unwrap());
    }
    files
}

#[test]
fn reordered_keys_give_identical_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("determinism");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    for name in ["accel-core.yaml", "softaccel.yaml"] {
        let text = std::fs::read_to_string(root.join("spec").join(name)).unwrap();
        let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        let mut rewritten = String::new();
        reversed_json(&value, &mut rewritten);
        assert_ne!(rewritten, text);
        std::fs::write(scratch.join(name), rewritten).unwrap();
    }
    let label = "spec/softaccel.yaml";
    let original = generate(&root.join(label), label);
    let reordered = generate(&scratch.join("softaccel.yaml"), label);
    assert!(original.len() >= 40, "{} files", original.len());
    assert_eq!(original.len(), reordered.len());
    for (a, b) in original.iter().zip(&reordered) {
        assert_eq!(a.path, b.path);
        assert!(
            a.contents == b.contents,
            "{} differs when the spec's keys are reordered",
            a.path.display()
        );
    }
}
