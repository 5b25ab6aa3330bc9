//! The front end must answer every input with a model or diagnostics,
//! never a panic: mutated copies of real specs go through load, lint and
//! every backend.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use std::path::Path;

fn seeds() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = Vec::new();
    for dir in [root.join("spec"), root.join("codegen/tests/fixtures/lint")] {
        if let Ok(specs) = uabi::pipeline::specs_in(&dir) {
            for s in specs {
                // Includes need files on disk; without them the rest of the
                // spec still exercises the resolver (with dangling names).
                let text = std::fs::read_to_string(s).unwrap();
                out.push(
                    text.lines()
                        .filter(|l| !l.starts_with("include:"))
                        .collect::<Vec<_>>()
                        .join("\n"),
                );
            }
        }
    }
    assert!(out.len() >= 2, "the seed specs are missing");
    out
}

/// One edit of the kinds that real typos and bad merges make.
#[derive(Debug, Clone)]
enum Edit {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    ReplaceByte(usize, u8),
    InsertText(usize, String),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let tokens = prop::sample::select(vec![
        "- ",
        ": ",
        "{",
        "}",
        "[",
        "]",
        "\n",
        "  ",
        "0x",
        "-1",
        "99999999999999999999999",
        "type: u64",
        "type: struct",
        "nr: 0x40",
        "name: x",
        "&a ",
        "*a",
        "<<: *a",
        "'",
        "\"",
        "#",
        "count: 0",
        "len: 0",
        "max-count: 4294967296",
        "since: 99",
        "include: [x.yaml]",
        "\t",
        "members: []",
        "entries: [a, a]",
        "value-start: 63",
        "!!binary x",
        "~",
        "null",
    ]);
    prop_oneof![
        any::<usize>().prop_map(Edit::DeleteLine),
        any::<usize>().prop_map(Edit::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Edit::ReplaceByte(a, b)),
        (any::<usize>(), tokens).prop_map(|(a, t)| Edit::InsertText(a, t.to_string())),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(text: &str, e: &Edit) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    let n = lines.len().max(1);
    match e {
        Edit::DeleteLine(i) => {
            if !lines.is_empty() {
                lines.remove(i % n);
            }
            lines.join("\n")
        }
        Edit::DuplicateLine(i) => {
            if !lines.is_empty() {
                let l = lines[i % n];
                lines.insert(i % n, l);
            }
            lines.join("\n")
        }
        Edit::SwapLines(a, b) => {
            if !lines.is_empty() {
                lines.swap(a % n, b % n);
            }
            lines.join("\n")
        }
        Edit::ReplaceByte(i, b) => {
            let mut bytes = text.as_bytes().to_vec();
            if !bytes.is_empty() {
                let at = i % bytes.len();
                bytes[at] = *b;
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Edit::InsertText(i, t) => {
            let at = floor_char_boundary(text, i % (text.len() + 1));
            format!("{}{}{}", &text[..at], t, &text[at..])
        }
        Edit::Truncate(i) => text[..floor_char_boundary(text, i % (text.len() + 1))].to_string(),
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn run_pipeline(text: &str) {
    let loaded = uabi::load::load_str_partial(text, "fuzz.yaml");
    match (loaded.result, loaded.partial) {
        (Ok(model), _) => {
            let _ = uabi::lint::lint(&model);
            let _ = uabi::backend::render_all(&model);
        }
        // After resolution errors lint still reports on what resolved
        // (everything in one run), so that model must hold together too.
        (Err(_), Some(partial)) => {
            let _ = uabi::lint::lint(&partial);
        }
        (Err(_), None) => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn mutated_specs_never_panic(seed in any::<prop::sample::Index>(), edits in prop::collection::vec(edit(), 1..6)) {
        let seeds = seeds();
        let mut text = seed.get(&seeds).clone();
        for e in &edits {
            text = apply(&text, e);
        }
        run_pipeline(&text);
    }
}

#[test]
fn pathological_inputs_get_diagnostics() {
    let deep = format!(
        "name: x\ndefinitions: {}{}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let cases = [
        "",
        "~",
        "name: x\n---\nname: y\n",
        &deep,
        "name: x\ndefinitions:\n  - &a { name: s, type: struct, members: [*a] }\n",
        "name: x\nioctl: { magic: 0x1ff }\n",
        "name: x\ndefinitions:\n  - { name: big, type: struct, members: [{ name: a, type: u64, count: 1048576 }, { name: b, type: struct, struct: big }] }\n",
        "name: x\ndefinitions:\n  - { name: a, type: struct, members: [{ name: m, type: struct, struct: b }] }\n  - { name: b, type: struct, members: [{ name: m, type: struct, struct: a }] }\n",
    ];
    for c in cases {
        match uabi::load::load_str(c, "case.yaml") {
            Ok(m) => {
                let _ = uabi::lint::lint(&m);
                let _ = uabi::backend::render_all(&m);
            }
            Err(d) => assert!(!d.is_empty(), "an error without a diagnostic for {c:?}"),
        }
    }
}
