//! One fixture per front-end rule (parse and resolve errors), each
//! asserting exactly that diagnostic, with its rendering snapshotted.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/resolve");
    uabi::pipeline::specs_in(&dir).expect("fixture folder")
}

#[test]
fn each_fixture_triggers_exactly_its_rule() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 20, "fixtures missing: {fixtures:?}");
    for path in fixtures {
        let rule = path.file_stem().unwrap().to_str().unwrap().to_string();
        let label = format!("fixtures/resolve/{rule}.yaml");
        let (result, sources) = uabi::load::load_with_sources(&path, Some(&label));
        let diags = match result {
            Ok(_) => panic!("{label} loaded without errors"),
            Err(d) => d,
        };
        let rules: Vec<&str> = diags.iter().map(|d| d.rule.id).collect();
        assert_eq!(rules, vec![rule.as_str()], "{label}: {diags:#?}");
        let d = &diags[0];
        assert!(
            d.hint.is_some(),
            "{label}: every front-end error carries a hint"
        );
        assert!(d.pos.line >= 1 && d.pos.col >= 1, "{label}: no position");
        let rendered = d.render(sources.get(&d.pos.file).map(String::as_str));
        insta::assert_snapshot!(rule, rendered);
    }
}

#[test]
fn a_reference_points_at_the_reference_not_the_file() {
    let text = "name: x\nioctl: { magic: 0x64 }\ndefinitions:\n  - name: s\n    type: struct\n    members:\n      - { name: a, type: struct, struct: nope }\n";
    let err = uabi::load::load_str(text, "x.yaml").unwrap_err();
    assert_eq!(err.len(), 1);
    assert_eq!(
        (err[0].rule.id, err[0].pos.line, err[0].pos.col),
        ("dangling-reference", 7, 42)
    );
}

#[test]
fn errors_are_collected_not_stopped_at_the_first() {
    let text = "name: x\nioctl: { magic: 0x64 }\ndefinitions:\n  - { name: a, type: struct, members: [{ name: m, type: int }] }\n  - { name: b, type: struct, members: [{ name: m, type: u32, enum: nope }] }\n  - { name: c, type: constant }\n";
    let err = uabi::load::load_str(text, "x.yaml").unwrap_err();
    let rules: Vec<&str> = err.iter().map(|d| d.rule.id).collect();
    assert_eq!(
        rules,
        ["non-fixed-width-type", "dangling-reference", "unknown-type"]
    );
}

#[test]
fn includes_share_items_and_keep_their_own_names() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let m = uabi::load::load(&root.join("spec/softaccel.yaml"), None).expect("softaccel loads");
    assert_eq!(m.source, "spec/softaccel.yaml");
    assert_eq!(m.includes.len(), 1);
    assert_eq!(m.includes[0].name, "accel");
    assert_eq!(m.includes[0].source, "spec/accel-core.yaml");
    // An id made while resolving the include is followed from the root.
    let arg = m.includes[0]
        .ioctls
        .iter()
        .find_map(|io| io.arg.as_ref().filter(|a| m.struct_(a).name == "bo-create"))
        .expect("an accel ioctl takes a bo-create");
    assert_eq!(arg.spec(), "accel");
    assert_eq!(m.owner(arg).name, "accel");
    assert!(
        m.structs.iter().all(|s| s.name != "bo-create"),
        "included items are not copied"
    );
}

#[test]
fn enum_and_flags_values_follow_ynl() {
    let text = "name: x\ndefinitions:\n  - { name: k, type: enum, entries: [a, b, { name: c, value: 10 }, d] }\n  - { name: f, type: flags, value-start: 2, entries: [a, b] }\n";
    let m = uabi::load::load_str(text, "x.yaml").unwrap();
    let k: Vec<i128> = m.enums[0].entries.iter().map(|e| e.value).collect();
    assert_eq!(k, [0, 1, 10, 11]);
    let f: Vec<i128> = m.enums[1].entries.iter().map(|e| e.value).collect();
    assert_eq!(f, [4, 8]);
}

/// The spec language is YAML 1.2: YAML 1.1's boolean words are names, so
/// an enum of `off` and `on` is two entries, and the C header and Rust
/// crate spell them as written.
#[test]
fn yaml_1_1_boolean_words_are_names() {
    let text =
        "name: x\ndefinitions:\n  - { name: mode, type: enum, entries: [off, on, yes, no] }\n";
    let m = uabi::load::load_str(text, "x.yaml").unwrap();
    let entries: Vec<(&str, i128)> = m.enums[0]
        .entries
        .iter()
        .map(|e| (e.name.as_str(), e.value))
        .collect();
    assert_eq!(entries, [("off", 0), ("on", 1), ("yes", 2), ("no", 3)]);
    let c = uabi::backend::c::render(&m).unwrap();
    assert!(
        c[0].contents.contains("X_MODE_OFF = 0,"),
        "{}",
        c[0].contents
    );
    assert!(c[0].contents.contains("X_MODE_ON = 1,"));
}

/// The header's SPDX line is the spec's `license` (an existing header's
/// own), checked so that it cannot close the comment it sits in.
#[test]
fn license_is_the_headers_spdx_expression() {
    let m = uabi::load::load_str("name: x\nlicense: MIT\n", "x.yaml").unwrap();
    let h = &uabi::backend::c::render(&m).unwrap()[0].contents;
    assert!(h.starts_with("/* SPDX-License-Identifier: MIT */\n"), "{h}");
    let m = uabi::load::load_str("name: x\n", "x.yaml").unwrap();
    let h = &uabi::backend::c::render(&m).unwrap()[0].contents;
    assert!(h.starts_with(
        "/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */\n"
    ));
    let d = uabi::load::load_str("name: x\nlicense: MIT */ int x; /*\n", "x.yaml").unwrap_err();
    assert_eq!(d[0].rule.id, "bad-value");
    assert_eq!((d[0].pos.line, d[0].pos.col), (2, 10));
    assert!(
        d[0].message.contains("not an SPDX license expression"),
        "{}",
        d[0].message
    );
}

/// `pad: true` spells a pad as an integer (`__u32 pad`): aligned as that
/// integer, and never a value, so value keys are refused.
#[test]
fn a_pad_may_be_spelled_as_an_integer() {
    let m = uabi::load::load_str(
        "name: x\ndefinitions:\n  - name: s\n    type: struct\n    members:\n      - { name: a, type: u8 }\n      - { name: pad, type: u32, pad: true }\n      - { name: rsvd, type: u16, count: 2, pad: true }\n",
        "x.yaml",
    )
    .unwrap();
    let s = &m.structs[0];
    let l = s.layout(uabi::target::Target::X86_64);
    assert_eq!((l.size, l.align, l.offsets.clone()), (12, 4, vec![0, 4, 8]));
    let h = &uabi::backend::c::render(&m).unwrap()[0].contents;
    assert!(
        h.contains("\t__u32 pad;\n") && h.contains("\t__u16 rsvd[2];\n"),
        "{h}"
    );
    let d = uabi::load::load_str(
        "name: x\ndefinitions:\n  - name: s\n    type: struct\n    members:\n      - { name: pad, type: u32, pad: true, range: { min: 0, max: 1 } }\n",
        "x.yaml",
    )
    .unwrap_err();
    assert_eq!(d[0].rule.id, "bad-value");
    assert!(
        d[0].message.contains("padding is always zero"),
        "{}",
        d[0].message
    );
    let d = uabi::load::load_str(
        "name: x\ndefinitions:\n  - name: s\n    type: struct\n    members:\n      - { name: b, type: binary, len: 4, pad: true }\n",
        "x.yaml",
    )
    .unwrap_err();
    assert!(d[0].message.contains("`pad`"), "{}", d[0].message);
}

/// A const written in hex stays hex in the C header, as an existing
/// header spells it; other spellings are C's decimal.
#[test]
fn hex_consts_keep_their_spelling_in_c() {
    let text = "name: x\ndefinitions:\n  - { name: a, type: const, value: 0x00010000 }\n  - name: b\n    type: const\n    value: 0xfF\n  - { name: c, type: const, value: 0o17 }\n  - { name: d, type: const, value: 0x1_0 }\n  - { name: e, type: const, value: 0x100000000 }\n";
    let m = uabi::load::load_str(text, "x.yaml").unwrap();
    let hex: Vec<Option<&str>> = m.consts.iter().map(|c| c.hex.as_deref()).collect();
    assert_eq!(
        hex,
        [
            Some("0x00010000"),
            Some("0xfF"),
            None,
            None,
            Some("0x100000000")
        ]
    );
    let h = &uabi::backend::c::render(&m).unwrap()[0].contents;
    for want in [
        "#define X_A 0x00010000\n",
        "#define X_B 0xfF\n",
        "#define X_C 15\n",
        "#define X_D 16\n",
        "#define X_E 4294967296ULL\n",
    ] {
        assert!(h.contains(want), "{want:?} in\n{h}");
    }
}

/// A member sized by a const keeps the const's name as its C bound (the
/// header defines every const before the structs, wherever the spec
/// writes it); a number stays a number.
#[test]
fn array_bounds_keep_the_consts_name_in_c() {
    let text = "name: x\ndefinitions:\n  - { name: max-cus, type: const, value: 4 }\n  - name: s\n    type: struct\n    members:\n      - { name: cus, type: u32, count: max-cus }\n      - { name: label, type: string, len: later }\n      - { name: raw, type: binary, len: 8 }\n  - { name: later, type: const, value: 8 }\n";
    let m = uabi::load::load_str(text, "x.yaml").unwrap();
    let h = &uabi::backend::c::render(&m).unwrap()[0].contents;
    for want in [
        "\t__u32 cus[X_MAX_CUS];\n",
        "\tchar label[X_LATER];\n",
        "\t__u8 raw[8];\n",
    ] {
        assert!(h.contains(want), "{want:?} in\n{h}");
    }
}

/// Definition names are C's two namespaces: a const may share a struct's
/// name; a struct and an enum may not (both are C tags).
#[test]
fn consts_and_tags_are_separate_namespaces() {
    let ok = "name: x\ndefinitions:\n  - { name: param, type: const, value: 1 }\n  - name: param\n    type: struct\n    members:\n      - { name: a, type: u32 }\n";
    let m = uabi::load::load_str(ok, "x.yaml").unwrap();
    let h = &uabi::backend::c::render(&m).unwrap()[0].contents;
    assert!(
        h.contains("#define X_PARAM 1\n") && h.contains("struct x_param {\n"),
        "{h}"
    );
    for clash in [
        "name: x\ndefinitions:\n  - { name: param, type: enum, entries: [a] }\n  - name: param\n    type: struct\n    members:\n      - { name: a, type: u32 }\n",
        "name: x\ndefinitions:\n  - { name: param, type: const, value: 1 }\n  - { name: param, type: const, value: 2 }\n",
    ] {
        let d = uabi::load::load_str(clash, "x.yaml").unwrap_err();
        assert_eq!(d[0].rule.id, "duplicate-name", "{clash}");
        assert_eq!(
            (d[0].pos.line, d[0].pos.col),
            (4, 11 + u32::from(clash.contains("value: 2")) * 2),
            "{clash}"
        );
    }
}

/// Two specs that exist only in memory: `dev` includes `core` from a
/// sibling folder, as specs on disk do; the loader reads both through
/// the in-memory provider, labels them relative to each other and keeps
/// their text for rendering.
#[test]
fn includes_resolve_from_memory() {
    use uabi::load::{InMemory, load_from};
    const CORE: &str = "name: core\nioctl: { magic: 0x64, nr-range: { min: 0, max: 0x3f } }\ndefinitions:\n  - name: bo\n    type: struct\n    members:\n      - { name: size, type: u64 }\n";
    const DEV: &str = "name: dev\ninclude: [../common/core.yaml]\nioctl: { magic: 0x64 }\ndefinitions:\n  - name: two\n    type: struct\n    members:\n      - { name: first, type: struct, struct: bo }\n      - { name: second, type: struct, struct: bo }\n";
    let memory = InMemory::new()
        .with("specs/common/core.yaml", CORE)
        .with("specs/dev/dev.yaml", DEV);
    let (result, sources) = load_from(&memory, Path::new("specs/dev/dev.yaml"), "dev/dev.yaml");
    let m = result.unwrap_or_else(|d| panic!("{d:#?}"));
    assert_eq!(m.includes.len(), 1);
    assert_eq!(m.includes[0].name, "core");
    assert_eq!(m.includes[0].source, "common/core.yaml");
    let two = m.structs.iter().find(|s| s.name == "two").unwrap();
    assert!(two.layouts.values().all(|l| l.size == 16), "{two:#?}");
    let mut labels: Vec<&str> = sources.keys().map(|k| &**k).collect();
    labels.sort();
    assert_eq!(labels, ["common/core.yaml", "dev/dev.yaml"]);
    assert_eq!(sources["common/core.yaml"], CORE);

    // A missing include is reported at the include, as on disk.
    let lonely = InMemory::new().with("specs/dev/dev.yaml", DEV);
    let (result, _) = load_from(&lonely, Path::new("specs/dev/dev.yaml"), "dev/dev.yaml");
    let d = result.unwrap_err();
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].rule.id, "bad-include");
    assert_eq!((&*d[0].pos.file, d[0].pos.line), ("dev/dev.yaml", 2));
    assert!(
        d[0].message.starts_with("cannot open common/core.yaml: "),
        "{}",
        d[0].message
    );

    // A cycle is seen through the provider's canonical names.
    let cycle = InMemory::new()
        .with("a.yaml", "name: a\ninclude: [./sub/../b.yaml]\n")
        .with("b.yaml", "name: b\ninclude: [a.yaml]\n");
    let (result, _) = load_from(&cycle, Path::new("a.yaml"), "a.yaml");
    let rules: Vec<&str> = result.unwrap_err().iter().map(|d| d.rule.id).collect();
    assert_eq!(rules, ["include-cycle"]);
}

/// `load_str` is the in-memory provider with one file: an include has
/// nothing to find.
#[test]
fn load_str_has_no_includes_to_find() {
    let d = uabi::load::load_str("name: x\ninclude: [y.yaml]\n", "x.yaml").unwrap_err();
    let rules: Vec<&str> = d.iter().map(|d| d.rule.id).collect();
    assert_eq!(rules, ["bad-include"]);
}

/// Ids name the spec that owns an item, so a tree of specs holds one spec
/// per name: a diamond (one file included along two paths) is one spec,
/// two files of one name are rejected at the include that brings the
/// second in, as is an include named as the including spec.
#[test]
fn one_spec_per_name_in_a_tree() {
    use uabi::load::{InMemory, load_from};
    const BASE: &str = "name: base\ndefinitions:\n  - name: bo\n    type: struct\n    members:\n      - { name: size, type: u64 }\n";
    const OTHER_BASE: &str = "name: base\ndefinitions:\n  - { name: k, type: const, value: 1 }\n";
    const LEFT: &str = "name: left\ninclude: [base.yaml]\n";
    const RIGHT: &str = "name: right\ninclude: [base.yaml]\n";
    const TOP: &str = "name: top\ninclude: [left.yaml, right.yaml]\ndefinitions:\n  - name: t\n    type: struct\n    members:\n      - { name: b, type: struct, struct: bo }\n";
    let diamond = InMemory::new()
        .with("base.yaml", BASE)
        .with("left.yaml", LEFT)
        .with("right.yaml", RIGHT)
        .with("top.yaml", TOP);
    let (result, _) = load_from(&diamond, Path::new("top.yaml"), "top.yaml");
    let m = result.unwrap_or_else(|d| panic!("{d:#?}"));
    let uabi::model::MemberKind::Struct { id, .. } = &m.structs[0].members[0].kind else {
        panic!("{:#?}", m.structs[0]);
    };
    assert_eq!((id.spec(), m.struct_(id).name.as_str()), ("base", "bo"));

    let two_bases = InMemory::new()
        .with("base.yaml", BASE)
        .with("other/base.yaml", OTHER_BASE)
        .with("left.yaml", LEFT)
        .with("right.yaml", "name: right\ninclude: [other/base.yaml]\n")
        .with("top.yaml", "name: top\ninclude: [left.yaml, right.yaml]\n");
    let (result, _) = load_from(&two_bases, Path::new("top.yaml"), "top.yaml");
    let d = result.unwrap_err();
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].rule.id, "duplicate-name");
    assert_eq!((&*d[0].pos.file, d[0].pos.line), ("top.yaml", 2));
    assert_eq!(
        d[0].message,
        "the included spec `base` (other/base.yaml) has the name of the spec at base.yaml"
    );

    let self_named = InMemory::new()
        .with("top.yaml", "name: top\ninclude: [other.yaml]\n")
        .with("other.yaml", "name: top\n");
    let (result, _) = load_from(&self_named, Path::new("top.yaml"), "top.yaml");
    let rules: Vec<&str> = result.unwrap_err().iter().map(|d| d.rule.id).collect();
    assert_eq!(rules, ["duplicate-name"]);
}

/// `arg-access` names top-level members of the ioctl's own argument
/// struct; anything else is an error at the value, with a hint.
#[test]
fn arg_access_is_checked_against_the_argument() {
    let spec = |access: &str, arg: &str| {
        format!(
            "name: x\nioctl: {{ magic: 0x64 }}\ndefinitions:\n  - name: p\n    type: struct\n    members:\n      - {{ name: value, type: u64 }}\n      - {{ name: pad0, type: pad, len: 8 }}\nioctls:\n  - {{ name: set, nr: 0x40, dir: in{arg}, arg-access: {access} }}\n"
        )
    };
    let m = uabi::load::load_str(&spec("{ value: out }", ", arg: p"), "x.yaml").unwrap();
    let io = &m.ioctls[0];
    assert_eq!(io.arg_access.len(), 1);
    assert_eq!(io.arg_access[0].member, 0);
    assert_eq!(io.arg_access[0].access, uabi::model::Access::Out);
    let view = m.ioctl_arg(io).unwrap();
    assert_eq!(view.members[0].access, uabi::model::Access::Out);
    assert_eq!(m.structs[0].members[0].access, uabi::model::Access::In);

    let cases = [
        (
            "{ vlue: in }",
            ", arg: p",
            "dangling-reference",
            "did you mean `value`?",
        ),
        (
            "{ pad0: in }",
            ", arg: p",
            "bad-value",
            "a pad of struct `p`",
        ),
        (
            "{ value: sideways }",
            ", arg: p",
            "bad-value",
            "unknown access `sideways`",
        ),
        ("{ value: in }", "", "key-not-allowed", "no `arg`"),
    ];
    for (access, arg, rule, text) in cases {
        let d = uabi::load::load_str(&spec(access, arg), "x.yaml").unwrap_err();
        assert_eq!(d[0].rule.id, rule, "{access}: {d:#?}");
        let all = format!(
            "{} {}",
            d[0].message,
            d[0].hint.as_deref().unwrap_or_default()
        );
        assert!(all.contains(text), "{access}: {all}");
        assert_eq!(d[0].pos.line, 10, "{access}: {}", d[0].pos);
    }
}

/// After resolution errors the partial model keeps what resolved and
/// leaves out what refers to a failed item (by value or through a
/// user-ptr), so lint can report on it in the same run; a struct that
/// embeds a failed one is not reported as recursive.
#[test]
fn partial_model_after_errors_holds_together() {
    let text = "name: t\nioctl: { magic: 0x64 }\ndefinitions:\n  - name: a\n    type: struct\n    members:\n      - { name: x, type: u32 }\n      - { name: y, type: u64 }\n  - name: b\n    type: struct\n    members:\n      - { name: x, type: u32q }\n  - name: c\n    type: struct\n    members:\n      - { name: inner, type: struct, struct: b }\n  - name: d\n    type: struct\n    members:\n      - { name: p, type: user-ptr, elem: b, count: n, max-count: 4 }\n      - { name: n, type: u32 }\n      - { name: pad0, type: pad, len: 4 }\nioctls:\n  - { name: one, nr: 0x40, dir: in, arg: a }\n  - { name: two, nr: 0x41, dir: in, arg: d }\n";
    let loaded = uabi::load::load_str_partial(text, "t.yaml");
    let errors = loaded.result.unwrap_err();
    let ids: Vec<&str> = errors.iter().map(|d| d.rule.id).collect();
    assert_eq!(ids, ["unknown-type"], "{errors:#?}");
    let partial = loaded.partial.expect("a partial model");
    let structs: Vec<&str> = partial.structs.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(structs, ["a"]);
    let ioctls: Vec<&str> = partial.ioctls.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(ioctls, ["one"]);
    let lint: Vec<&str> = uabi::lint::lint(&partial)
        .sorted()
        .iter()
        .map(|d| d.rule.id)
        .collect();
    assert_eq!(
        lint,
        ["implicit-padding", "missing-errors", "missing-extension"]
    );
}

/// A multi-bit field of a flags word: `bits: [low, high]`, optional
/// `values` numbered from 0; its mask is the entry's value and the next
/// plain flag follows it. Mistakes are errors at the key.
#[test]
fn flags_fields_take_bits_and_values() {
    let flags = |entries: &str| {
        format!("name: x\ndefinitions:\n  - name: f\n    type: flags\n    entries:\n{entries}\n")
    };
    let m = uabi::load::load_str(
        &flags("      - a\n      - { name: mode, bits: [4, 6], values: [low, { name: high, value: 5 }, top] }\n      - b"),
        "x.yaml",
    )
    .unwrap();
    let e = &m.enums[0];
    let values: Vec<(&str, i128)> = e
        .entries
        .iter()
        .map(|x| (x.name.as_str(), x.value))
        .collect();
    assert_eq!(values, [("a", 1), ("mode", 0x70), ("b", 0x80)]);
    let f = e.entries[1].field.as_ref().unwrap();
    let placed: Vec<(&str, u64)> = f
        .values
        .iter()
        .map(|v| (v.name.as_str(), f.shifted(v)))
        .collect();
    assert_eq!(placed, [("low", 0), ("high", 0x50), ("top", 0x60)]);
    assert_eq!(e.mask(), 0xf1);

    let cases = [
        (
            "      - { name: m, bits: [4] }",
            "bad-value",
            "has 1 numbers",
        ),
        (
            "      - { name: m, bits: [6, 4] }",
            "bad-value",
            "not a field of several bits",
        ),
        (
            "      - { name: m, bits: [4, 5], value: 3 }",
            "key-not-allowed",
            "both `value` and `bits`",
        ),
        (
            "      - { name: m, values: [a] }",
            "key-not-allowed",
            "`values` but no `bits`",
        ),
        (
            "      - { name: m, bits: [4, 5], values: [a, b, c, d, e] }",
            "value-out-of-range",
            "holds 2 bits",
        ),
        (
            "      - { name: m, bits: [4, 5], values: [a, a] }",
            "duplicate-number",
            "repeats `a`",
        ),
        (
            "      - { name: m, bits: [60, 64] }",
            "value-out-of-range",
            "",
        ),
        (
            "      - { name: a, value: 5 }\n      - { name: m, bits: [4, 6] }",
            "duplicate-number",
            "shares bits with `a`",
        ),
    ];
    for (entries, rule, text) in cases {
        let d = uabi::load::load_str(&flags(entries), "x.yaml").unwrap_err();
        assert_eq!(d[0].rule.id, rule, "{entries}: {d:#?}");
        assert!(d[0].message.contains(text), "{entries}: {}", d[0].message);
    }
    let d = uabi::load::load_str(
        "name: x\ndefinitions:\n  - name: e\n    type: enum\n    entries:\n      - { name: m, bits: [4, 6] }\n",
        "x.yaml",
    )
    .unwrap_err();
    assert_eq!(d[0].rule.id, "key-not-allowed", "{d:#?}");
}

/// The keys of the kernel's own C names, misused: each a diagnostic at
/// the key, with its rule.
#[test]
fn c_name_keys_are_checked_where_written() {
    let err = |text: &str| -> (&'static str, u32, u32, String) {
        let d = uabi::load::load_str(text, "x.yaml").unwrap_err();
        assert_eq!(d.len(), 1, "{d:#?}");
        (
            d[0].rule.id,
            d[0].pos.line,
            d[0].pos.col,
            d[0].message.clone(),
        )
    };
    // `c-name` on an enum: its tag is `enum-name`.
    let e = err("name: x\ndefinitions:\n  - { name: e, type: enum, c-name: e_t, entries: [a] }\n");
    assert_eq!((e.0, e.1, e.2), ("key-not-allowed", 3, 36), "{}", e.3);
    // A keyword is no name.
    let e = err(
        "name: x\ndefinitions:\n  - { name: s, type: struct, c-name: class, members: [{ name: a, type: u32 }] }\n",
    );
    assert_eq!((e.0, e.1, e.2), ("invalid-c-name", 3, 38), "{}", e.3);
    let e = err(
        "name: x\nioctl: { magic: 0x64 }\nioctls:\n  - { name: go, nr: 0x40, c-nr-name: 1GO }\n",
    );
    assert_eq!((e.0, e.1, e.2), ("invalid-c-name", 4, 38), "{}", e.3);
    // `driver` needs DRM style; a style is `drm` or absent.
    let e = err("name: x\nioctl: { magic: 0x64, driver: x }\n");
    assert_eq!((e.0, e.1), ("key-not-allowed", 2), "{}", e.3);
    let e = err("name: x\nioctl: { magic: 0x64, style: dri }\n");
    assert_eq!((e.0, e.1, e.2), ("bad-value", 2, 30), "{}", e.3);
    // Only DRM style has a default magic.
    let e = err("name: x\nioctl: { nr-range: { min: 0x40, max: 0x9f } }\n");
    assert_eq!((e.0, e.1), ("missing-key", 2), "{}", e.3);
    let e = err("name: x\nc-prefix: Drm_X\n");
    assert_eq!((e.0, e.1, e.2), ("invalid-name", 2, 11), "{}", e.3);
    // The driver defaults to the c-prefix without `drm-`, and the magic
    // to 0x64; `driver` overrides.
    let m = uabi::load::load_str(
        "name: x\nc-prefix: drm-ivpu\nioctl: { style: drm }\n",
        "x.yaml",
    )
    .unwrap();
    assert_eq!(
        m.ioctl_style,
        uabi::model::IoctlStyle::Drm {
            driver: "IVPU".into()
        }
    );
    assert_eq!(m.magic, Some(0x64));
    let m = uabi::load::load_str(
        "name: habanalabs\nc-prefix: hl\nioctl: { style: drm, driver: hl, magic: 0x64 }\n",
        "x.yaml",
    )
    .unwrap();
    assert_eq!(
        m.ioctl_style,
        uabi::model::IoctlStyle::Drm {
            driver: "HL".into()
        }
    );
}

/// `count: [A, B]` is a multi-dimensional array: its count is the
/// product, its C bounds keep the consts' names; a list anywhere else,
/// of one dimension, with a zero or on a pad is refused with a position.
#[test]
fn multi_dimensional_counts() {
    let text = "name: x\ndefinitions:\n  - { name: rows, type: const, value: 4 }\n  - name: s\n    type: struct\n    members:\n      - { name: m, type: u32, count: [rows, 3] }\n";
    let m = uabi::load::load_str(text, "x.yaml").unwrap();
    let mem = &m.structs[0].members[0];
    assert_eq!(
        mem.kind,
        uabi::model::MemberKind::Scalar {
            ty: uabi::model::Scalar::U32,
            count: Some(12)
        }
    );
    assert_eq!(mem.dim_lens(), [4, 3]);
    let h = &uabi::backend::c::render(&m).unwrap()[0].contents;
    assert!(h.contains("\t__u32 m[X_ROWS][3];\n"), "{h}");
    for (member, rule, says) in [
        (
            "{ name: m, type: u32, count: [4] }",
            "bad-value",
            "1 dimensions",
        ),
        (
            "{ name: m, type: u32, count: [2, 0] }",
            "value-out-of-range",
            "array dimension 0",
        ),
        (
            "{ name: m, type: u32, count: [2, nope] }",
            "dangling-reference",
            "`nope`",
        ),
        (
            "{ name: m, type: u32, count: [1024, 2048] }",
            "value-out-of-range",
            "elements",
        ),
        (
            "{ name: m, type: u32, count: [2, 2], pad: true }",
            "bad-value",
            "dimensions",
        ),
        (
            "{ name: m, type: binary, len: [2, 2] }",
            "bad-value",
            "list of numbers",
        ),
    ] {
        let text = format!(
            "name: x\ndefinitions:\n  - name: s\n    type: struct\n    members:\n      - {member}\n"
        );
        let d = uabi::load::load_str(&text, "x.yaml").unwrap_err();
        assert_eq!(d[0].rule.id, rule, "{member}: {d:#?}");
        assert!(d[0].message.contains(says), "{member}: {}", d[0].message);
        assert_eq!(d[0].pos.line, 6, "{member}");
    }
    let d = uabi::load::load_str(
        "name: x\ndefinitions:\n  - { name: c, type: const, value: [1, 2] }\n",
        "x.yaml",
    )
    .unwrap_err();
    assert_eq!(d[0].rule.id, "bad-value", "{d:#?}");
}

/// `flexible: true` makes the last integer or struct member a flexible
/// array member (count 0, no bytes, the element's alignment) and
/// `counted-by` names its count's sibling; anywhere else they are refused
/// with a position.
#[test]
fn flexible_array_members() {
    let text = "name: x\ndefinitions:\n  - name: s\n    type: struct\n    members:\n      - { name: n, type: u16 }\n      - { name: v, type: u64, flexible: true, counted-by: n }\n";
    let m = uabi::load::load_str(text, "x.yaml").unwrap();
    let s = &m.structs[0];
    assert!(s.members[1].is_flexible());
    assert_eq!(s.members[1].counted_by, Some(0));
    for (t, size, off) in [
        (uabi::target::Target::X86_64, 8, 8),
        (uabi::target::Target::I386, 4, 4),
    ] {
        let l = s.layout(t);
        assert_eq!(
            (l.size, l.offsets[1], l.members[1].size),
            (size, off, 0),
            "{t}"
        );
    }
    let h = &uabi::backend::c::render(&m).unwrap()[0].contents;
    assert!(
        h.contains("\t__extension__ __u64 v[] __counted_by(n);\n")
            && h.contains("#include <linux/stddef.h>\n")
            && h.contains("#ifndef __counted_by\n#define __counted_by(m)\n#endif\n"),
        "{h}"
    );
    for (members, rule, says) in [
        (
            "      - { name: v, type: u64, flexible: true }\n      - { name: n, type: u16 }\n",
            "bad-value",
            "not the struct's last member",
        ),
        (
            "      - { name: n, type: u16 }\n      - { name: v, type: u64, flexible: true, counted-by: m }\n",
            "dangling-reference",
            "counted-by: m",
        ),
        (
            "      - { name: n, type: u16, count: 2 }\n      - { name: v, type: u64, flexible: true, counted-by: n }\n",
            "bad-value",
            "no single integer sibling",
        ),
        (
            "      - { name: n, type: u16 }\n      - { name: v, type: u64, count: 2, flexible: true }\n",
            "key-not-allowed",
            "`count`",
        ),
        (
            "      - { name: n, type: u16 }\n      - { name: v, type: u64, counted-by: n }\n",
            "key-not-allowed",
            "`counted-by`",
        ),
        (
            "      - { name: n, type: u16 }\n      - { name: v, type: binary, len: 4, flexible: true }\n",
            "key-not-allowed",
            "`flexible`",
        ),
    ] {
        let text = format!(
            "name: x\ndefinitions:\n  - name: s\n    type: struct\n    members:\n{members}"
        );
        let d = uabi::load::load_str(&text, "x.yaml").unwrap_err();
        assert_eq!(d[0].rule.id, rule, "{members}: {d:#?}");
        assert!(d[0].message.contains(says), "{members}: {}", d[0].message);
    }
}

/// `type: union` lays every member at offset 0 and sizes the union as
/// its largest member rounded to its alignment; a member holds one with
/// `type: union, union: NAME`, and each kind must name its own.
#[test]
fn unions() {
    let text = "name: x\ndefinitions:\n  - name: u\n    type: union\n    members:\n      - { name: a, type: u64 }\n      - { name: b, type: u8, count: 12 }\n  - name: s\n    type: struct\n    members:\n      - { name: k, type: u32 }\n      - { name: p, type: pad, len: 4 }\n      - { name: m, type: union, union: u }\n";
    let m = uabi::load::load_str(text, "x.yaml").unwrap();
    let u = &m.structs.iter().find(|s| s.name == "u").unwrap();
    assert!(u.is_union);
    for (t, size, align) in [
        (uabi::target::Target::X86_64, 16, 8),
        (uabi::target::Target::I386, 12, 4),
    ] {
        let l = u.layout(t);
        assert_eq!(
            (l.size, l.align, l.offsets.clone()),
            (size, align, vec![0, 0]),
            "{t}"
        );
    }
    let h = &uabi::backend::c::render(&m).unwrap()[0].contents;
    assert!(
        h.contains("union x_u {\n") && h.contains("\tunion x_u m;\n"),
        "{h}"
    );
    for (member, rule, says) in [
        (
            "{ name: m, type: union, union: s2 }",
            "bad-value",
            "is a struct, not a union",
        ),
        (
            "{ name: m, type: struct, struct: u }",
            "bad-value",
            "is a union, not a struct",
        ),
        ("{ name: m, type: union }", "missing-key", "union: NAME"),
        (
            "{ name: m, type: union, union: u, count: 2 }",
            "key-not-allowed",
            "`count`",
        ),
        (
            "{ name: m, type: union, union: nope }",
            "dangling-reference",
            "`nope`",
        ),
    ] {
        let text = format!(
            "name: x\ndefinitions:\n  - name: u\n    type: union\n    members:\n      - {{ name: a, type: u64 }}\n  - name: s2\n    type: struct\n    members:\n      - {{ name: a, type: u64 }}\n  - name: s\n    type: struct\n    members:\n      - {member}\n"
        );
        let d = uabi::load::load_str(&text, "x.yaml").unwrap_err();
        assert_eq!(d[0].rule.id, rule, "{member}: {d:#?}");
        assert!(d[0].message.contains(says), "{member}: {}", d[0].message);
    }
}

/// `c-type: ulong` gives a const C's `unsigned long`: its value is the
/// target's (-1 is all ones, `(~0UL)` in C); a value a 32-bit `long`
/// cannot hold, another C type, or the key on a struct are refused.
#[test]
fn target_dependent_consts() {
    use uabi::target::Target;
    let text = "name: x\ndefinitions:\n  - { name: inv, type: const, c-type: ulong, value: -1 }\n  - { name: four, type: const, c-type: ulong, value: 4 }\n";
    let m = uabi::load::load_str(text, "x.yaml").unwrap();
    let inv = &m.consts[0];
    assert_eq!(inv.value_on(Target::I386), 0xffff_ffff);
    assert_eq!(inv.value_on(Target::Arm), 0xffff_ffff);
    assert_eq!(inv.value_on(Target::X86_64), 0xffff_ffff_ffff_ffff);
    assert_eq!(m.consts[1].value_on(Target::Mips), 4);
    let h = &uabi::backend::c::render(&m).unwrap()[0].contents;
    assert!(
        h.contains("#define X_INV (~0UL)\n") && h.contains("#define X_FOUR 4UL\n"),
        "{h}"
    );
    for (def, rule, says) in [
        (
            "{ name: c, type: const, c-type: ulong, value: 0x100000000 }",
            "value-out-of-range",
            "32-bit",
        ),
        (
            "{ name: c, type: const, c-type: long, value: 1 }",
            "bad-value",
            "unknown `c-type`",
        ),
        (
            "{ name: c, type: struct, c-type: ulong, members: [{ name: a, type: u32 }] }",
            "key-not-allowed",
            "`c-type`",
        ),
    ] {
        let text = format!("name: x\ndefinitions:\n  - {def}\n");
        let d = uabi::load::load_str(&text, "x.yaml").unwrap_err();
        assert_eq!(d[0].rule.id, rule, "{def}: {d:#?}");
        assert!(d[0].message.contains(says), "{def}: {}", d[0].message);
    }
}

/// A ring's entry is a struct: a union's bytes do not say what they are.
#[test]
fn a_ring_of_unions_is_refused() {
    let text = "name: x\ndefinitions:\n  - name: u\n    type: union\n    members:\n      - { name: a, type: u64 }\n      - { name: b, type: u32 }\nrings:\n  - name: sq\n    entry: u\n    producer: user\n    index: u32\n    entries: { min: 16, max: 256 }\n";
    let d = uabi::load::load_str(text, "x.yaml").unwrap_err();
    assert_eq!(d[0].rule.id, "bad-value", "{d:#?}");
    assert!(d[0].message.contains("is a union"), "{}", d[0].message);
    assert_eq!(d[0].pos.line, 10);
}

/// `stride:` names a sibling integer holding each element's size, on a
/// user-ptr to structs counted by `count`; anything else is an error at
/// the key.
#[test]
fn stride_names_an_integer_sibling_of_a_struct_array() {
    let spec = |ptr: &str| {
        format!(
            "name: x\ndefinitions:\n  - name: t\n    type: struct\n    members:\n      - {{ name: a, type: u32 }}\n  - name: j\n    type: struct\n    members:\n      - {{ name: p, type: user-ptr, {ptr} }}\n      - {{ name: n, type: u32 }}\n      - {{ name: size, type: u32 }}\n      - {{ name: blob, type: binary, len: 4 }}\n"
        )
    };
    let m = uabi::load::load_str(
        &spec("elem: t, count: n, max-count: 4, stride: size"),
        "x.yaml",
    )
    .unwrap();
    let uabi::model::MemberKind::UserPtr { stride, .. } =
        &m.structs.iter().find(|s| s.name == "j").unwrap().members[0].kind
    else {
        panic!("a user-ptr");
    };
    assert_eq!(*stride, Some(2));
    let cases = [
        (
            "elem: u32, count: n, max-count: 4, stride: size",
            "key-not-allowed",
        ),
        ("elem: t, stride: size", "key-not-allowed"),
        (
            "elem: t, count: n, max-count: 4, stride: sise",
            "dangling-reference",
        ),
        ("elem: t, count: n, max-count: 4, stride: blob", "bad-value"),
        ("elem: t, count: n, max-count: 4, stride: p", "bad-value"),
    ];
    for (ptr, rule) in cases {
        let d = uabi::load::load_str(&spec(ptr), "x.yaml").unwrap_err();
        assert_eq!(d[0].rule.id, rule, "{ptr}: {d:#?}");
        assert_eq!(d[0].pos.line, 10, "{ptr}: {}", d[0].pos);
    }
}

/// `address:` describes a single `u64`; anything else is an error at the
/// key.
#[test]
fn address_applies_to_a_u64() {
    let spec = |m: &str| {
        format!(
            "name: x\ndefinitions:\n  - name: s\n    type: struct\n    members:\n      - {{ name: a, {m} }}\n"
        )
    };
    let m = uabi::load::load_str(&spec("type: u64, address: user-or-value"), "x.yaml").unwrap();
    assert_eq!(
        m.structs[0].members[0].address,
        Some(uabi::model::UserAddress::UserOrValue)
    );
    for (member, rule) in [
        ("type: u32, address: user", "key-not-allowed"),
        ("type: u64, count: 2, address: user", "key-not-allowed"),
        ("type: u64, address: kernel", "bad-value"),
    ] {
        let d = uabi::load::load_str(&spec(member), "x.yaml").unwrap_err();
        assert_eq!(d[0].rule.id, rule, "{member}: {d:#?}");
        assert_eq!(d[0].pos.line, 6, "{member}");
    }
}

/// A struct or union written in place (`members:` on a member): the
/// keys that must go with it, and the names C sees through an anonymous
/// member, which must all differ.
#[test]
fn members_written_in_place() {
    let spec = |member: &str| {
        format!(
            "name: t\ndefinitions:\n  - name: s\n    type: struct\n    members:\n      - {{ name: a, type: u64 }}\n{member}\n"
        )
    };
    let ok = uabi::load::load_str(
        &spec("      - name: u\n        type: union\n        anonymous: true\n        members: [{ name: b, type: u64 }, { name: c, type: u32 }]\n      - name: tagless\n        type: struct\n        members: [{ name: a, type: u32 }]"),
        "x.yaml",
    )
    .unwrap_or_else(|d| panic!("{d:#?}"));
    let s = ok.structs.iter().find(|s| s.name == "s").unwrap();
    assert!(s.members[1].anonymous && !s.members[2].anonymous);
    let inner = ok.structs.iter().find(|s| s.name == "s-u").unwrap();
    assert!(inner.inline && inner.is_union);
    assert_eq!(s.layout(uabi::target::Target::X86_64).size, 24);
    let cases = [
        (
            "      - { name: u, type: union, anonymous: true, members: [{ name: a, type: u32 }] }",
            "duplicate-name",
            "member `a` is also a member of `s` in C",
        ),
        (
            "      - { name: u, type: union, anonymous: true, union: v }",
            "missing-key",
            "anonymous member `u` has no `members`",
        ),
        (
            "      - { name: u, type: u32, members: [{ name: b, type: u32 }] }",
            "key-not-allowed",
            "defines its struct or union in place",
        ),
        (
            "      - { name: u, type: struct, count: 2, members: [{ name: b, type: u32 }] }",
            "key-not-allowed",
            "an array of a struct written in place",
        ),
    ];
    for (member, rule, text) in cases {
        let d = uabi::load::load_str(&spec(member), "x.yaml").unwrap_err();
        assert_eq!(d[0].rule.id, rule, "{member}: {d:#?}");
        assert!(d[0].message.contains(text), "{member}: {}", d[0].message);
    }
    // What is written in place has no C tag: nothing else may hold it.
    let base = spec(
        "      - name: u\n        type: union\n        anonymous: true\n        members: [{ name: b, type: u64 }]",
    );
    for other in [
        "  - name: t\n    type: struct\n    members: [{ name: x, type: union, union: s-u }]\n",
        "  - name: t\n    type: struct\n    members: [{ name: p, type: user-ptr, elem: s-u }]\n",
    ] {
        let d = uabi::load::load_str(&format!("{base}{other}"), "x.yaml").unwrap_err();
        assert_eq!(d[0].rule.id, "bad-value", "{other}: {d:#?}");
        assert!(d[0].message.contains("has no C tag"), "{}", d[0].message);
    }
    let with_ioctl = format!(
        "{}\nioctl: {{ magic: 0x64 }}\nioctls:\n  - {{ name: x, nr: 0x40, dir: in, arg: s-u }}\n",
        base.trim_end()
    );
    let d = uabi::load::load_str(&with_ioctl, "x.yaml").unwrap_err();
    assert!(d[0].message.contains("has no C tag"), "{d:#?}");
}
