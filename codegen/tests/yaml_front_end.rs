//! The hand-written YAML deserializer (src/load/yaml.rs) answers every
//! input with a surface syntax or a positioned diagnostic: never a panic,
//! never a stack overflow, never an unbounded expansion.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use std::sync::Arc;
use uabi::diag::Diagnostic;
use uabi::spec::SpecFile;

fn parse(text: &str) -> Result<SpecFile, Vec<Diagnostic>> {
    uabi::load::parse(&Arc::from("x.yaml"), text)
}

/// The one diagnostic of a rejected text.
fn error(text: &str) -> Diagnostic {
    let mut d = parse(text).expect_err("rejected");
    assert_eq!(d.len(), 1, "{d:#?}");
    let d = d.remove(0);
    assert!(d.pos.line >= 1 && d.pos.col >= 1, "{d:#?}");
    assert!(d.hint.is_some(), "{d:#?}");
    d
}

/// Pieces of YAML, glued at random: every construct of the grammar, valid
/// or not, near spec keys.
fn yamlish() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "name",
        "ioctl",
        "magic",
        "definitions",
        "type",
        "members",
        "entries",
        "value",
        "enum-name",
        "sub-messages",
        "doc",
        "x",
        "0x40",
        "-0o17",
        "0b101",
        "1_000",
        "0127",
        "99999999999999999999999999999999999999999",
        "-170141183460469231731687303715884105728",
        "1.5",
        ".inf",
        "-.nan",
        "yes",
        "~",
        "null",
        "true",
        ": ",
        ":",
        "- ",
        "-",
        "? ",
        ",",
        "{",
        "}",
        "[",
        "]",
        "\n",
        "  ",
        "    ",
        "\t",
        "#c ",
        "'",
        "''",
        "\"",
        "\\x41",
        "\\u00e9",
        "|",
        "|-\n  ",
        ">+\n  ",
        "&a ",
        "&b ",
        "*a",
        "*b",
        "<<: ",
        "!!str ",
        "!!int ",
        "!x ",
        "%YAML 1.2\n",
        "---\n",
        "...\n",
        "é",
        "\u{2028}",
        "\r\n",
    ]);
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_yaml_never_panics(text in yamlish()) {
        if let Err(d) = parse(&text) {
            prop_assert!(!d.is_empty());
            for d in d {
                prop_assert!(d.pos.line >= 1 && d.pos.col >= 1, "{:#?}", d);
                prop_assert!(d.hint.is_some());
            }
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn deep_nesting_is_a_diagnostic_not_a_stack_overflow() {
    for (open, close) in [("[", "]"), ("{a: ", "}")] {
        for depth in [65, 10_000, 200_000] {
            let text = format!(
                "name: x\nsub-messages: {}{}\n",
                open.repeat(depth),
                close.repeat(depth)
            );
            // The deserializer's limit, or saphyr-parser's own.
            let d = error(&text);
            assert_eq!(d.rule.id, "syntax", "{d:#?}");
            assert!(
                d.message == "the spec nests deeper than 64 levels"
                    || d.message == "recursion limit exceeded",
                "{d:#?}"
            );
            assert_eq!(d.pos.line, 2);
        }
    }
    let mut block = String::from("name: x\nsub-messages:\n");
    for i in 0..100 {
        block.push_str(&format!("{}- \n", "  ".repeat(i)));
    }
    assert_eq!(
        error(&block).message,
        "the spec nests deeper than 64 levels"
    );
    // Within the limit, nesting is only a matter for the spec's types.
    let ok = format!(
        "name: x\nsub-messages: {}{}\n",
        "[".repeat(60),
        "]".repeat(60)
    );
    assert!(parse(&ok).is_ok());
}

#[test]
fn alias_expansion_is_bounded() {
    let mut text =
        String::from("name: x\nsub-messages:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        text.push_str(&format!(
            "  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let d = error(&text);
    assert!(
        d.message.starts_with("aliases expand to more than"),
        "{d:#?}"
    );
}

#[test]
fn anchors_and_aliases_replay_with_the_alias_position() {
    let text = "name: x\nioctl: { magic: 0x64 }\ndefinitions:\n  - name: s\n    type: struct\n    members: &m\n      - { name: a, type: u32 }\n  - name: t\n    type: struct\n    members: *m\n";
    let spec = parse(text).unwrap();
    let t = &spec.definitions[1];
    let members = t.members.as_ref().unwrap();
    assert_eq!((members.line, members.col), (10, 14));
    // Every node of the replay is placed at the alias, as serde-saphyr did.
    assert_eq!((members[0].line, members[0].col), (10, 14));
    assert_eq!((members[0].name.line, members[0].name.col), (10, 14));
    // The anchored node itself is placed at its content.
    let s = spec.definitions[0].members.as_ref().unwrap();
    assert_eq!((s.line, s.col), (7, 7));
}

#[test]
fn scalars_resolve_as_the_core_schema_says() {
    let text = "name: x\nioctl: { magic: d, retired: [0x40, 0o17, 0b11, -5, +7, 1_000, '12'] }\ndefinitions:\n  - { name: a, type: const, value: -0x10 }\n  - { name: b, type: const, value: 170141183460469231731687303715884105727 }\n  - { name: c, type: const, value: \"0x10\" }\n";
    let spec = parse(text).unwrap();
    let ioctl = spec.ioctl.as_ref().unwrap();
    let retired: Vec<i128> = ioctl.retired.iter().map(|r| r.value).collect();
    assert_eq!(retired, [0x40, 0o17, 3, -5, 7, 1000, 12]);
    let values: Vec<String> = spec
        .definitions
        .iter()
        .map(|d| format!("{:?}", d.value.value.as_ref().unwrap().value))
        .collect();
    assert_eq!(
        values,
        [
            "Int(-16)",
            "Int(170141183460469231731687303715884105727)",
            "Name(\"0x10\")"
        ]
    );
    // A boolean is no integer, and says so at its key.
    let d = error("name: x\ndefinitions:\n  - { name: a, type: const, value: true }\n");
    assert_eq!(d.rule.id, "bad-value");
    assert_eq!(
        d.message,
        "invalid type: boolean `true`, expected an integer or the name of a const"
    );
    assert_eq!((d.pos.line, d.pos.col), (3, 29));
    // The spec language is YAML 1.2: YAML 1.1's `yes`, `no`, `on`, `off`,
    // `y` and `n` are names, not booleans (`entries: [off, on]`).
    let spec = parse(
        "name: x\ndefinitions:\n  - { name: mode, type: enum, entries: [off, on, y, n, yes, No] }\n  - { name: a, type: const, value: off }\n",
    )
    .unwrap();
    let entries: Vec<String> = spec.definitions[0]
        .entries
        .as_ref()
        .unwrap()
        .iter()
        .map(|e| format!("{:?}", e.value.name))
        .collect();
    assert_eq!(
        entries,
        [
            "Some(\"off\")",
            "Some(\"on\")",
            "Some(\"y\")",
            "Some(\"n\")",
            "Some(\"yes\")",
            "Some(\"No\")"
        ]
    );
    assert_eq!(
        format!(
            "{:?}",
            spec.definitions[1].value.value.as_ref().unwrap().value
        ),
        "Name(\"off\")"
    );
    for word in ["True", "TRUE", "false", "False", "FALSE"] {
        let d = error(&format!(
            "name: x\ndefinitions:\n  - {{ name: a, type: const, value: {word} }}\n"
        ));
        assert!(
            d.message.starts_with("invalid type: boolean"),
            "{word}: {}",
            d.message
        );
    }
    // Beyond i128, an integer is out of range rather than a float.
    let d = error(
        "name: x\ndefinitions:\n  - { name: a, type: const, value: 0xffffffffffffffffffffffffffffffff }\n",
    );
    assert_eq!(d.message, "integer too large");
    assert_eq!((d.pos.line, d.pos.col), (3, 36));
}

#[test]
fn documents_merge_keys_and_tags_beyond_the_spec_language_are_rejected() {
    let d = error("name: x\n---\nname: y\n");
    assert_eq!(
        d.message,
        "multiple YAML documents detected; a spec is one document"
    );
    assert_eq!((d.pos.line, d.pos.col), (2, 1));
    let d = error("name: x\nioctl:\n  <<: { magic: 0x64 }\n");
    assert!(d.message.contains("merge keys"), "{d:#?}");
    assert_eq!((d.pos.line, d.pos.col), (3, 3));
    let d = error("name: !custom x\n");
    assert_eq!(
        d.message,
        "unsupported tag `!custom`: a spec uses no tags but !!str"
    );
    let spec = parse("name: !!str 0x40\n").unwrap();
    assert_eq!(spec.name.value, "0x40");
    assert_eq!((spec.name.line, spec.name.col), (1, 13));
}

#[test]
fn duplicate_keys_are_rejected_at_the_second() {
    let d = error("name: x\nioctl: { magic: 1, magic: 2 }\n");
    assert_eq!(d.rule.id, "duplicate-key");
    assert_eq!(d.message, "duplicate mapping key: magic");
    assert_eq!((d.pos.line, d.pos.col), (2, 20));
}
