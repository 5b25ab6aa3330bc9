//! One fixture per lint rule under `tests/fixtures/lint/<rule-id>.yaml`,
//! each triggering exactly that rule, with the rendered diagnostic (source
//! line and caret included) as an insta snapshot. Files are loaded under
//! labels relative to the crate, so snapshots do not depend on where the
//! repository is checked out.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use uabi::diag::Diagnostic;
use uabi::lint::lint;
use uabi::load::load_with_sources;
use uabi::rules::{Stage, find as find_rule};

const FIXTURES: &str = "tests/fixtures/lint";

/// Loads `rel` (relative to the crate) and lints it: the resolver's
/// diagnostics if it has no model, else the lint's, each rendered.
fn diagnose(rel: &str) -> (Vec<Diagnostic>, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let (result, sources) = load_with_sources(&path, Some(rel));
    let diags = match result {
        Ok(model) => lint(&model).sorted(),
        Err(diags) => diags,
    };
    let rendered = diags
        .iter()
        .map(|d| d.render(sources.get(&d.pos.file).map(String::as_str)))
        .collect::<Vec<_>>()
        .join("\n");
    (diags, rendered)
}

fn check_fixture(id: &str) {
    let (diags, rendered) = diagnose(&format!("{FIXTURES}/{id}.yaml"));
    let ids: Vec<&str> = diags.iter().map(|d| d.rule.id).collect();
    assert_eq!(
        ids,
        [id],
        "fixture {id}.yaml should trigger exactly `{id}`:\n{rendered}"
    );
    let rule = find_rule(id).expect("fixture named after a rule");
    assert_eq!(diags[0].severity, rule.severity, "{rendered}");
    // Lint's own diagnostics cite the rule's rationale; the resolver's
    // word theirs themselves.
    if rule.stage == Stage::Lint {
        assert!(
            diags[0].message.ends_with(rule.rationale),
            "message should end with the rationale:\n{rendered}"
        );
        assert!(
            diags[0].hint.is_some(),
            "every lint diagnostic has a hint:\n{rendered}"
        );
    }
    insta::assert_snapshot!(id.to_string(), rendered);
}

/// Every fixture, found by a glob: `fixtures/lint/<rule-id>.yaml`.
fn fixture_ids() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURES);
    let mut ids: Vec<String> = uabi::pipeline::specs_in(&dir)
        .expect("fixture folder")
        .iter()
        .filter_map(|p| p.file_stem()?.to_str().map(str::to_string))
        .filter(|stem| stem != "clean")
        .collect();
    ids.sort();
    ids
}

#[test]
fn each_fixture_triggers_exactly_its_rule() {
    let ids = fixture_ids();
    assert!(ids.len() >= 30, "fixtures missing: {ids:?}");
    for id in ids {
        check_fixture(&id);
    }
}

#[test]
fn clean_fixture_has_no_diagnostics() {
    let (diags, rendered) = diagnose(&format!("{FIXTURES}/clean.yaml"));
    assert!(diags.is_empty(), "{rendered}");
}

#[test]
fn softaccel_lints_clean() {
    let (diags, rendered) = diagnose("../spec/softaccel.yaml");
    assert!(diags.is_empty(), "{rendered}");
}

#[test]
fn accel_core_lints_clean() {
    let (diags, rendered) = diagnose("../spec/accel-core.yaml");
    assert!(diags.is_empty(), "{rendered}");
}

// ---------------------------------------------------------------- edge cases

/// Lints a spec given as text; the resolver must accept it.
fn lint_str(text: &str) -> Vec<Diagnostic> {
    let model = uabi::load::load_str(text, "t.yaml").unwrap_or_else(|d| panic!("{d:#?}"));
    lint(&model).sorted()
}

fn rules(diags: &[Diagnostic]) -> Vec<&'static str> {
    diags.iter().map(|d| d.rule.id).collect()
}

/// A spec with one struct `s` of the given members, the argument of
/// ioctl `s` with direction `dir`.
fn one_struct(members: &str, dir: &str) -> String {
    format!(
        "name: t\nioctl: {{ magic: 0x64 }}\ndefinitions:\n  - name: s\n    type: struct\n    members:\n{members}\nioctls:\n  - {{ name: s, nr: 0x40, dir: {dir}, arg: s, extension: strict, errors: [{{ errno: EINVAL }}] }}\n"
    )
}

#[test]
fn dir_out_rejects_members_the_kernel_reads_including_pointers() {
    let d = lint_str(&one_struct(
        "      - { name: buf, type: user-ptr, elem: u8, len: buf-len, max-count: 64, access: out }\n      - { name: buf-len, type: u32 }\n      - { name: written, type: u32, access: out }",
        "out",
    ));
    assert_eq!(rules(&d), ["dir-mismatch"], "{d:#?}");
    assert!(
        d[0].message.contains("`buf` (a user-ptr"),
        "{}",
        d[0].message
    );
    assert!(
        d[0].message.contains("`buf-len` (access in)"),
        "{}",
        d[0].message
    );
    assert!(!d[0].message.contains("`written`"), "{}", d[0].message);
}

#[test]
fn dir_in_accepts_a_user_ptr_the_kernel_writes_through() {
    let d = lint_str(&one_struct(
        "      - { name: buf, type: user-ptr, elem: u8, len: buf-len, max-count: 64, access: out }\n      - { name: buf-len, type: u32 }\n      - { name: pad0, type: pad, len: 4 }",
        "in",
    ));
    assert!(d.is_empty(), "{d:#?}");
}

#[test]
fn dir_mismatch_looks_into_nested_structs() {
    let text = "name: t\nioctl: { magic: 0x64 }\ndefinitions:\n  - name: inner\n    type: struct\n    members:\n      - { name: handle, type: u32, access: out }\n      - { name: pad0, type: pad, len: 4 }\n  - name: s\n    type: struct\n    members:\n      - { name: info, type: struct, struct: inner }\nioctls:\n  - { name: s, nr: 0x40, dir: in, arg: s, extension: strict, errors: [{ errno: EINVAL }] }\n";
    let d = lint_str(text);
    assert_eq!(rules(&d), ["dir-mismatch"], "{d:#?}");
    assert!(d[0].message.contains("`info.handle`"), "{}", d[0].message);
    // A nested struct marked `out` as a whole is written, whatever its
    // members say.
    let d = lint_str(
        &text
            .replace("struct: inner }", "struct: inner, access: out }")
            .replace("dir: in,", "dir: out,"),
    );
    assert!(d.is_empty(), "{d:#?}");
}

#[test]
fn i386_only_spec_still_needs_natural_alignment() {
    let text = one_struct(
        "      - { name: a, type: u32 }\n      - { name: b, type: u64 }",
        "in",
    )
    .replace("ioctl: {", "targets: [i386]\nioctl: {");
    let d = lint_str(&text);
    // One fix (a pad before `b`) covers both the hole and the size.
    assert_eq!(rules(&d), ["implicit-padding"], "{d:#?}");
    assert_eq!(
        d[0].hint.as_deref(),
        Some("insert `{ name: pad0, type: pad, len: 4 }` before `b`")
    );
    let text = one_struct(
        "      - { name: a, type: u64 }\n      - { name: b, type: u32 }",
        "in",
    )
    .replace("ioctl: {", "targets: [i386]\nioctl: {");
    let d = lint_str(&text);
    assert_eq!(rules(&d), ["implicit-tail-padding"], "{d:#?}");
}

#[test]
fn each_hole_gets_its_own_pad_name() {
    let d = lint_str(&one_struct(
        "      - { name: pad0, type: pad, len: 1 }\n      - { name: a, type: u16 }\n      - { name: b, type: u8 }\n      - { name: c, type: u32 }",
        "in",
    ));
    assert_eq!(
        rules(&d),
        ["implicit-padding", "implicit-padding"],
        "{d:#?}"
    );
    assert!(
        d[0].hint
            .as_deref()
            .unwrap()
            .contains("`{ name: pad1, type: pad, len: 1 }` before `a`")
    );
    assert!(
        d[1].hint
            .as_deref()
            .unwrap()
            .contains("`{ name: pad2, type: pad, len: 3 }` before `c`")
    );
}

#[test]
fn embedded_own_struct_reports_once_where_it_is_broken() {
    let text = "name: t\nioctl: { magic: 0x64 }\ndefinitions:\n  - name: inner\n    type: struct\n    members:\n      - { name: a, type: u64 }\n      - { name: b, type: u32 }\n  - name: s\n    type: struct\n    members:\n      - { name: info, type: struct, struct: inner }\nioctls:\n  - { name: s, nr: 0x40, dir: in, arg: s, extension: strict, errors: [{ errno: EINVAL }] }\n";
    let d = lint_str(text);
    assert_eq!(rules(&d), ["implicit-tail-padding"], "{d:#?}");
    assert!(d[0].message.contains("struct `inner`"));
}

#[test]
fn sec_nsec_pairs_and_ns_names_are_times_done_right() {
    let ok = one_struct(
        "      - { name: tv-sec, type: s64 }\n      - { name: tv-nsec, type: s64 }\n      - { name: timeout-ns, type: s64 }\n      - { name: timeline, type: u64 }",
        "in",
    );
    assert!(lint_str(&ok).is_empty());
    let d = lint_str(&one_struct(
        "      - { name: tv-sec, type: s64 }\n      - { name: tv-nsec, type: u64 }",
        "in",
    ));
    assert_eq!(rules(&d), ["time-units"], "{d:#?}");
    assert!(
        d[0].message
            .starts_with("`tv-nsec` is a time but has type `u64`")
    );
    assert!(
        d[0].hint
            .as_deref()
            .unwrap()
            .contains("`{ name: tv-nsec, type: s64 }`")
    );
    let d = lint_str(&one_struct(
        "      - { name: deadline, type: s64 }\n      - { name: start-us, type: u64 }",
        "in",
    ));
    assert_eq!(rules(&d), ["time-units", "time-units"], "{d:#?}");
    assert!(d[0].hint.as_deref().unwrap().contains("name: deadline-ns"));
    assert!(d[1].hint.as_deref().unwrap().contains("name: start-ns"));
}

#[test]
fn lint_allow_silences_warnings_on_member_or_struct_only() {
    let member = one_struct(
        "      - { name: data-ptr, type: u64, lint-allow: [undeclared-user-ptr] }\n      - { name: delay-ms, type: u64 }",
        "in",
    );
    assert_eq!(rules(&lint_str(&member)), ["time-units"]);
    let whole = member.replace(
        "    type: struct\n",
        "    type: struct\n    lint-allow: [time-units]\n",
    );
    assert!(lint_str(&whole).is_empty());
}

#[test]
fn names_that_break_headers() {
    for (member, ok) in [
        ("self", false),
        ("errno", false),
        ("linux", false),
        ("new", false),
        ("news", true),
        ("type", true),
    ] {
        let d = lint_str(&one_struct(
            &format!("      - {{ name: {member}, type: u64 }}"),
            "in",
        ));
        assert_eq!(d.is_empty(), ok, "{member}: {d:#?}");
    }
    // YNL's name-prefix replaces the spec prefix of C constants.
    let text = "name: t\ndefinitions:\n  - name: page-params\n    type: enum\n    name-prefix: page-\n    entries: [count, size]\n";
    let d = lint_str(text);
    assert_eq!(rules(&d), ["header-reserved-name"], "{d:#?}");
    assert!(d[0].message.contains("`PAGE_SIZE`"), "{}", d[0].message);
}

/// A spec marked `existing-abi` describes an ABI that ships: its mistakes
/// are warnings that name what they cause, and the same spec without the
/// marking is refused with the same rules as errors.
#[test]
fn existing_abi_mistakes_are_warnings_naming_their_consequence() {
    use uabi::diag::Severity;
    let rel = "tests/fixtures/layout/ivpu-submit.yaml";
    let (diags, rendered) = diagnose(rel);
    let ids: Vec<(&str, Severity)> = diags.iter().map(|d| (d.rule.id, d.severity)).collect();
    assert_eq!(
        ids,
        [
            ("implicit-tail-padding", Severity::Warning),
            ("missing-errors", Severity::Warning),
            ("missing-extension", Severity::Warning),
            ("missing-errors", Severity::Warning),
            ("missing-extension", Severity::Warning),
        ],
        "{rendered}"
    );
    let tail = &diags[0];
    assert!(
        tail.message.contains("0x40206444 on x86_64")
            && tail.message.contains("0x401c6444 on i386")
            && tail
                .message
                .contains("(existing ABI: reproduced exactly as it ships)")
            && tail.message.ends_with(tail.rule.rationale),
        "{rendered}"
    );
    assert!(
        tail.hint
            .as_deref()
            .is_some_and(|h| h.starts_with("keep it")),
        "no fix that changes the layout is proposed: {rendered}"
    );
    // Documenting errors and the extension rule changes no byte: those
    // hints still say what to write.
    assert!(
        diags[1]
            .hint
            .as_deref()
            .is_some_and(|h| h.contains("errors:"))
    );

    // Without the marking, the same mistakes are errors.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let text = std::fs::read_to_string(path)
        .unwrap()
        .replace("existing-abi: true\n", "");
    let model = uabi::load::load_str(&text, "ivpu.yaml").unwrap();
    let severities: Vec<(&str, Severity)> = lint(&model)
        .sorted()
        .iter()
        .map(|d| (d.rule.id, d.severity))
        .collect();
    assert_eq!(
        severities,
        [
            ("implicit-tail-padding", Severity::Error),
            ("missing-errors", Severity::Error),
            ("missing-extension", Severity::Error),
            ("missing-errors", Severity::Error),
            ("missing-extension", Severity::Error),
        ]
    );

    // An item-level marking covers that item only, and lets `lint-allow`
    // name a rule that is an error elsewhere.
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel))
        .unwrap()
        .replace("existing-abi: true\n", "")
        .replace(
            "    doc: Submit commands to the NPU.\n",
            "    doc: Submit commands to the NPU.\n    existing-abi: true\n    lint-allow: [implicit-tail-padding]\n",
        );
    let model = uabi::load::load_str(&text, "ivpu.yaml").unwrap();
    let ids: Vec<(&str, Severity)> = lint(&model)
        .sorted()
        .iter()
        .map(|d| (d.rule.id, d.severity))
        .collect();
    assert_eq!(
        ids,
        [
            ("missing-errors", Severity::Error),
            ("missing-extension", Severity::Error),
            ("missing-errors", Severity::Error),
            ("missing-extension", Severity::Error),
        ]
    );
}

/// Every constant the C header defines is checked against every other:
/// an enum `ioctl` of spec `x` with an entry `ping` would be
/// `X_IOCTL_PING`, the command macro of the ioctl `ping`.
#[test]
fn an_enum_entry_named_like_an_ioctl_macro_clashes() {
    let text = "name: x\nioctl: { magic: 0x64 }\ndefinitions:\n  - { name: ioctl, type: enum, entries: [ping, pong] }\n  - { name: nr, type: flags, entries: [pong] }\n  - name: arg\n    type: struct\n    members:\n      - { name: a, type: u32 }\nioctls:\n  - { name: ping, nr: 0x40, dir: in, arg: arg, extension: strict, errors: [{ errno: EINVAL }] }\n  - { name: pong, nr: 0x41, dir: in, arg: arg, extension: strict, errors: [{ errno: EINVAL }] }\n";
    let model = uabi::load::load_str(text, "x.yaml").unwrap();
    let found: Vec<(String, u32)> = lint(&model)
        .sorted()
        .iter()
        .filter(|d| d.rule.id == "generated-name-clash")
        .map(|d| (d.message.split(';').next().unwrap().to_string(), d.pos.line))
        .collect();
    assert_eq!(
        found,
        [
            (
                "the command of ioctl `ping` becomes the C constant `X_IOCTL_PING`, which entry `ping` of `ioctl` (x.yaml:4:42) already defines".to_string(),
                11
            ),
            (
                "the command of ioctl `pong` becomes the C constant `X_IOCTL_PONG`, which entry `pong` of `ioctl` (x.yaml:4:48) already defines".to_string(),
                12
            ),
            (
                "the number of ioctl `pong` becomes the C constant `X_NR_PONG`, which entry `pong` of `nr` (x.yaml:5:40) already defines".to_string(),
                12
            ),
        ]
    );
}

/// ivpu's `drm_ivpu_param`: GET_PARAM (`_IOWR`) writes `value`,
/// SET_PARAM (`_IOW`) reads it. Without `arg-access` the `_IOW` one is a
/// dir-mismatch whose hint names the key; with it, both are clean.
#[test]
fn one_struct_two_directions_needs_arg_access() {
    let text = "name: t\nioctl: { magic: 0x64 }\ndefinitions:\n  - name: param\n    type: struct\n    members:\n      - { name: param, type: u32 }\n      - { name: index, type: u32 }\n      - { name: value, type: u64, access: out }\nioctls:\n  - { name: get-param, nr: 0x40, dir: inout, arg: param, extension: zero-extend, errors: [{ errno: EINVAL }] }\n  - { name: set-param, nr: 0x41, dir: in, arg: param, extension: zero-extend, errors: [{ errno: EINVAL }] }\n";
    let d = lint_str(text);
    assert_eq!(rules(&d), ["dir-mismatch"], "{d:#?}");
    assert!(
        d[0].message.contains("`value` (access out)"),
        "{}",
        d[0].message
    );
    let hint = d[0].hint.as_deref().unwrap_or_default();
    assert!(
        hint.contains("`get-param` uses the same struct")
            && hint.contains("arg-access: { <member>: in }"),
        "{hint}"
    );
    let fixed = text.replace(
        "dir: in, arg: param,",
        "dir: in, arg: param, arg-access: { value: in },",
    );
    let d = lint_str(&fixed);
    assert!(d.is_empty(), "{d:#?}");
    // The override is per ioctl: GET_PARAM still has `value` out, so
    // turning it into `_IOW` is still wrong.
    let d = lint_str(&fixed.replace("dir: inout, arg: param", "dir: in, arg: param"));
    assert_eq!(rules(&d), ["dir-mismatch"], "{d:#?}");
    assert!(
        d[0].message.contains("ioctl `get-param`"),
        "{}",
        d[0].message
    );
}

/// The clash messages of a spec given as text, each with its line.
fn clashes(text: &str) -> Vec<(String, u32)> {
    lint_str(text)
        .iter()
        .filter(|d| d.rule.id == "generated-name-clash")
        .map(|d| (d.message.split(';').next().unwrap().to_string(), d.pos.line))
        .collect()
}

/// Names given with `c-name`, `c-nr-name`, `enum-name` and DRM style
/// are checked like derived ones, in both of C's namespaces, and against
/// what drm.h defines; a clash is an error even in existing ABI.
#[test]
fn every_c_name_the_header_defines_is_checked() {
    let base =
        "name: x\nexisting-abi: true\nc-prefix: drm-x\nioctl: { style: drm }\ndefinitions:\n";
    let s = "  - name: s\n    type: struct\n    members:\n      - { name: a, type: u32 }\n";
    let io = |extra: &str| {
        format!(
            "ioctls:\n  - {{ name: go, nr: 0x40, dir: in, arg: s, extension: zero-extend, errors: [{{ errno: EINVAL }}]{extra} }}\n"
        )
    };
    // A const's c-name against drm.h.
    let t = format!(
        "{base}  - {{ name: base, type: const, value: 1, c-name: DRM_COMMAND_BASE }}\n{s}{}",
        io("")
    );
    assert_eq!(
        clashes(&t),
        [(
            "const `base` becomes the C constant `DRM_COMMAND_BASE`, which drm.h already defines"
                .to_string(),
            6
        )]
    );
    // An entry's c-name against the command macro of an ioctl.
    let t = format!(
        "{base}  - {{ name: e, type: enum, entries: [{{ name: a, c-name: DRM_IOCTL_X_GO }}] }}\n{s}{}",
        io("")
    );
    assert_eq!(clashes(&t), [("the command of ioctl `go` becomes the C constant `DRM_IOCTL_X_GO`, which entry `a` of `e` (t.yaml:6:38) already defines".to_string(), 12)]);
    // c-nr-name against a const.
    let t = format!(
        "{base}  - {{ name: k, type: const, value: 1 }}\n{s}{}",
        io(", c-nr-name: DRM_X_K")
    );
    assert_eq!(clashes(&t), [("the number of ioctl `go` becomes the C constant `DRM_X_K`, which const `k` (t.yaml:6:13) already defines".to_string(), 12)]);
    // Tags: a struct's c-name against an enum's enum-name; a const of
    // the same spelling is in the other namespace and no clash.
    let t = format!(
        "{base}  - {{ name: e, type: enum, enum-name: drm-x-s, entries: [a] }}\n  - {{ name: drm-x-s, type: const, value: 1, c-name: drm_x_s }}\n{s}{}",
        io("")
    );
    assert_eq!(
        clashes(&t),
        [(
            "struct `s` becomes the C tag `drm_x_s`, which enum `e` (t.yaml:6:13) already defines"
                .to_string(),
            8
        )]
    );
    // drm.h's tags and enumerators count too: `struct drm_version`, and
    // `_DRM_AGP` of its `enum drm_map_type`.
    let t = "name: x\nc-prefix: drm\nioctl: { style: drm, driver: x }\ndefinitions:\n  - { name: m, type: enum, entries: [{ name: a, c-name: _DRM_AGP }] }\n  - name: version\n    type: struct\n    members:\n      - { name: a, type: u32 }\n";
    assert_eq!(
        clashes(t),
        [
            (
                "entry `a` of `m` becomes the C constant `_DRM_AGP`, which drm.h already defines"
                    .to_string(),
                5
            ),
            (
                "struct `version` becomes the C tag `drm_version`, which drm.h already defines"
                    .to_string(),
                6
            ),
        ]
    );
    // Without DRM style, drm.h is not included: no clash.
    let t = "name: x\ndefinitions:\n  - { name: base, type: const, value: 1, c-name: DRM_COMMAND_BASE }\n";
    assert_eq!(clashes(t), []);
    // A clash stays an error in existing ABI.
    let t = format!(
        "{base}  - {{ name: base, type: const, value: 1, c-name: DRM_IOWR }}\n{s}{}",
        io("")
    );
    let d = lint_str(&t);
    assert!(
        d.iter()
            .any(|d| d.rule.id == "generated-name-clash"
                && d.severity == uabi::diag::Severity::Error),
        "{d:#?}"
    );
}

/// An included spec's header is part of the translation unit: its names
/// clash with the including spec's.
#[test]
fn names_of_included_headers_clash_too() {
    let dir = std::env::temp_dir().join(format!("uabi-c-names-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("core.yaml"),
        "name: core\nc-prefix: drm\ndefinitions:\n  - { name: max, type: const, value: 1 }\n",
    )
    .unwrap();
    std::fs::write(dir.join("drv.yaml"), "name: drv\ninclude: [core.yaml]\ndefinitions:\n  - { name: limit, type: const, value: 2, c-name: DRM_MAX }\n").unwrap();
    let model = uabi::load::load(&dir.join("drv.yaml"), Some("drv.yaml"))
        .unwrap_or_else(|d| panic!("{d:#?}"));
    let found: Vec<String> = lint(&model)
        .sorted()
        .iter()
        .filter(|d| d.rule.id == "generated-name-clash")
        .map(|d| d.message.split(';').next().unwrap().to_string())
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("const `limit` becomes the C constant `DRM_MAX`, which const `max` ("),
        "{found:?}"
    );
    // A DRM-style include brings drm.h into the including header too.
    std::fs::write(
        dir.join("core.yaml"),
        "name: core\nc-prefix: drm\nioctl: { style: drm, driver: core }\n",
    )
    .unwrap();
    std::fs::write(dir.join("drv.yaml"), "name: drv\ninclude: [core.yaml]\ndefinitions:\n  - { name: iowr, type: const, value: 2, c-name: DRM_IOWR }\n").unwrap();
    let model = uabi::load::load(&dir.join("drv.yaml"), Some("drv.yaml"))
        .unwrap_or_else(|d| panic!("{d:#?}"));
    let found: Vec<String> = lint(&model)
        .sorted()
        .iter()
        .filter(|d| d.rule.id == "generated-name-clash")
        .map(|d| d.message.split(';').next().unwrap().to_string())
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        found,
        ["const `iowr` becomes the C constant `DRM_IOWR`, which drm.h already defines"]
    );
}

/// The ring section and the control messages' counts and maximums are
/// part of the header too: a struct named like a ring's helper struct,
/// and an attribute named like its set's maximum, clash.
#[test]
fn ring_and_netlink_section_names_clash_too() {
    let rings = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lint/support/rings-ok.yaml"),
    )
    .unwrap();
    assert_eq!(clashes(&rings), []);
    let t = rings.replace(
        "  - name: ring-create\n    type: struct\n",
        "  - name: helper\n    type: struct\n    c-name: rq_sq_ring\n    members: [{ name: a, type: u32 }]\n  - name: ring-create\n    type: struct\n",
    );
    let found = clashes(&t);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .0
            .starts_with("ring `sq` becomes the C tag `rq_sq_ring`, which struct `helper` ("),
        "{found:?}"
    );
    let t = "name: x\nprotocol: genetlink\nattribute-sets:\n  - name: a\n    attributes:\n      - { name: b, type: u32 }\n      - { name: max, type: u32 }\n";
    let found = clashes(t);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].0.starts_with("attribute `max` of `a` becomes the C constant `X_A_A_MAX`, which a constant of the control messages ("),
        "{found:?}"
    );
    assert_eq!(found[0].1, 7);
}

/// A struct ending in a flexible array member behind a user pointer: to
/// one element (amdxdna's config parameter) it is fine, to an array of
/// them the stride skips no elements, so it is `flexible-array-held`.
#[test]
fn flexible_struct_behind_a_user_pointer() {
    let spec = |ptr: &str| {
        format!(
            "name: fp\nexisting-abi: true\ndefinitions:\n  - name: tail\n    type: struct\n    members:\n      - {{ name: n, type: u32 }}\n      - {{ name: v, type: u32, flexible: true, counted-by: n }}\n  - name: holder\n    type: struct\n    members:\n      - {ptr}\n      - {{ name: count, type: u32 }}\n      - {{ name: pad0, type: pad, len: 4 }}\n"
        )
    };
    let ids = |text: String| {
        let m = uabi::load::load_str(&text, "fp.yaml").unwrap_or_else(|d| panic!("{d:#?}"));
        lint(&m)
            .sorted()
            .iter()
            .map(|d| d.rule.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(spec("{ name: one, type: user-ptr, elem: tail }")),
        Vec::<&str>::new()
    );
    assert_eq!(
        ids(spec(
            "{ name: many, type: user-ptr, elem: tail, count: count, max-count: 8 }"
        )),
        ["flexible-array-held"]
    );
}

/// An existing ABI's `__u64 buffers_ptr`: `undeclared-user-ptr` there
/// proposes `address: user`, which keeps the `u64` (a user-ptr is
/// 8-aligned on i386, where the u64 is 4-aligned); with it, no warning,
/// and every backend documents what the member holds.
#[test]
fn an_existing_abi_address_keeps_its_u64() {
    let text = "name: t\nexisting-abi: true\ndefinitions:\n  - name: s\n    type: struct\n    members:\n      - { name: flags, type: u32 }\n      - { name: buffers-ptr, type: u64 }\n";
    // The hole before the u64 is the existing ABI's too (a warning).
    let d = lint_str(text);
    assert_eq!(
        rules(&d),
        ["implicit-padding", "undeclared-user-ptr"],
        "{d:#?}"
    );
    let hint = d[1].hint.as_deref().unwrap_or_default();
    assert!(hint.contains("`address: user`"), "{hint}");
    let fixed = text.replace("type: u64 }", "type: u64, address: user }");
    assert_eq!(rules(&lint_str(&fixed)), ["implicit-padding"]);
    let m = uabi::load::load_str(&fixed, "t.yaml").unwrap();
    let s = &m.structs[0];
    // Still a u64: 12 bytes on i386, 16 elsewhere.
    assert_eq!(s.layout(uabi::target::Target::I386).size, 12);
    assert_eq!(s.layout(uabi::target::Target::X86_64).size, 16);
    let h = &uabi::backend::c::render(&m).unwrap()[0].contents;
    assert!(
        h.contains("Holds a userspace address") && h.contains("__u64 buffers_ptr;"),
        "{h}"
    );
    // A new ABI still gets the user-ptr hint.
    let d = lint_str(&text.replace("existing-abi: true\n", ""));
    let hint = d
        .iter()
        .find(|d| d.rule.id == "undeclared-user-ptr")
        .and_then(|d| d.hint.clone())
        .unwrap_or_default();
    assert!(hint.contains("type: user-ptr"), "{hint}");
}
