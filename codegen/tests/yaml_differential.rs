//! The YAML front end against the one it replaced (serde-saphyr, kept as a
//! dev-dependency and frozen in tests/old_front_end): every spec and
//! fixture in the repository must give the same surface syntax (node
//! positions included) or the same diagnostics.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod old_front_end;

use std::path::Path;
use std::sync::Arc;

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
            files.extend(uabi_test_support::files_under(&dir, &["yaml", "yml"]));
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

/// Mutated copies of the real specs: wherever the new front end accepts a
/// text, the old one accepted it as the same surface syntax; where only
/// the old one accepted it, the new one found it not YAML (saphyr-parser
/// holds flow collections to their indentation, which serde-saphyr's
/// parser let pass).
mod mutated {
    use proptest::prelude::*;
    use std::path::Path;

    fn seeds() -> Vec<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut out = Vec::new();
        for dir in [
            "spec",
            "codegen/tests/fixtures/lint",
            "codegen/tests/fixtures/ynl",
        ] {
            for s in uabi::pipeline::specs_in(&root.join(dir)).unwrap() {
                out.push(std::fs::read_to_string(s).unwrap());
            }
        }
        out
    }

    fn mutate(text: &str, at: usize, piece: &str) -> String {
        let mut at = at % (text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        format!("{}{}{}", &text[..at], piece, &text[at..])
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn the_front_ends_agree_on_what_they_accept(
            seed in any::<prop::sample::Index>(),
            edits in prop::collection::vec((any::<usize>(), prop::sample::select(vec![
                "\n", "  ", "- ", ": ", "{", "}", "[", "]", ",", "#", "'", "\"", "&a ", "*a",
                "0x", "-1", "~", "yes", "1.5", "0127", "\t", "name: x\n", "type: u32\n",
            ])), 1..4),
        ) {
            let seeds = seeds();
            let mut text = seeds[seed.index(seeds.len())].clone();
            for (at, piece) in edits {
                text = mutate(&text, at, piece);
            }
            let file: std::sync::Arc<str> = std::sync::Arc::from("x.yaml");
            let old = crate::old_front_end::parse::parse(&file, &text);
            let new = uabi::load::parse(&file, &text);
            // The one intended difference: serde-saphyr read YAML 1.1
            // booleans (`yes`, `off`, ...) where the spec language, YAML
            // 1.2, has a name; each side may refuse what the other reads
            // only over a boolean.
            let boolean = |d: &[uabi::diag::Diagnostic]| d[0].message.contains("boolean");
            match (&old, &new) {
                (Ok(_), Ok(_)) => prop_assert_eq!(format!("{old:#?}"), format!("{new:#?}")),
                (Err(o), Ok(_)) => prop_assert!(boolean(o), "{:#?}", o),
                (Ok(_), Err(d)) => prop_assert!(d[0].rule.id == "syntax" || boolean(d), "{:#?}", d),
                (Err(_), Err(_)) => {}
            }
        }
    }
}
