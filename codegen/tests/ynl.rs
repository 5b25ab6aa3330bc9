//! Specs written for the kernel's YNL load unchanged, keep YNL's numbering,
//! and their C header defines every constant YNL's uapi header defines,
//! with the same name and value. The expected constants below are derived
//! by hand from YNL's naming rules (tools/net/ynl/pyynl/ynl_gen_c.py,
//! render_uapi, and lib/nlspec.py), not from this generator's output; the
//! header is compiled by the real gcc against `_Static_assert`s of them.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use uabi::diag::Severity;
use uabi::lint::lint;
use uabi::load::{load_str, load_with_sources};
use uabi::model::Model;
use uabi::rules::find as find_rule;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn load(rel: &str) -> Arc<Model> {
    let label = format!("tests/fixtures/{rel}");
    let (result, _) = load_with_sources(&fixture(rel), Some(&label));
    result.unwrap_or_else(|d| panic!("{rel} does not load: {d:#?}"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("ynl")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A constant of YNL's uapi header: an integer, or a string define.
enum Want {
    Int(&'static str, i64),
    Str(&'static str, &'static str),
}
use Want::{Int, Str};

/// Writes the model's C header, and a C program that checks every wanted
/// constant (integers at compile time, strings when run), that `tags`
/// name complete enum types and that `absent` names are not defined;
/// compiles it with gcc (C11, warnings as errors) and runs it.
fn check_header(name: &str, model: &Model, want: &[Want], tags: &[&str], absent: &[&str]) {
    let dir = scratch(name);
    let files = uabi::backend::c::render(model).unwrap();
    assert_eq!(files.len(), 1);
    let header = dir.join(&files[0].path);
    std::fs::create_dir_all(header.parent().unwrap()).unwrap();
    std::fs::write(&header, &files[0].contents).unwrap();
    let mut c = format!("#include <string.h>\n#include \"{}\"\n", header.display());
    for w in want {
        if let Int(n, v) = w {
            c += &format!("_Static_assert({n} == {v}LL, \"{n} == {v}\");\n");
        }
    }
    for t in tags {
        c += &format!("_Static_assert(sizeof({t}) > 0, \"{t} exists\");\n");
    }
    for a in absent {
        c += &format!("#ifdef {a}\n#error \"{a} must not be defined\"\n#endif\n");
    }
    c += "int main(void)\n{\n\tint bad = 0;\n";
    for w in want {
        if let Str(n, v) = w {
            c += &format!("#ifndef {n}\n#error \"{n} is not defined\"\n#endif\n");
            c += &format!("\tbad |= strcmp({n}, \"{v}\") != 0;\n");
        }
    }
    c += "\treturn bad;\n}\n";
    let src = dir.join("check.c");
    std::fs::write(&src, c).unwrap();
    let exe = dir.join("check");
    let out = Command::new("gcc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-o"])
        .arg(&exe)
        .arg(&src)
        .output()
        .expect("gcc runs");
    assert!(
        out.status.success(),
        "gcc rejects the checks of {name}:\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        files[0].contents
    );
    // The header alone, in the oldest dialects the project supports.
    for (cc, lang, std) in [("gcc", "c", "-std=c89"), ("g++", "c++", "-std=c++98")] {
        let out = Command::new(cc)
            .args(["-x", lang, std, "-Wall", "-Wextra", "-Werror", "-pedantic"])
            .arg("-fsyntax-only")
            .arg(&header)
            .output()
            .expect("the compiler runs");
        assert!(
            out.status.success(),
            "{cc} {std} rejects the header of {name}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let run = Command::new(&exe).status().expect("check runs");
    assert!(
        run.success(),
        "a string define of {name} has the wrong value"
    );
}

fn attr_values(model: &Model, set: &str) -> Vec<(String, u32)> {
    let s = model
        .attribute_sets
        .iter()
        .find(|s| s.name == set)
        .unwrap_or_else(|| panic!("no set {set}"));
    s.attributes
        .iter()
        .map(|a| (a.name.clone(), a.value))
        .collect()
}

fn pairs(p: &[(&str, u32)]) -> Vec<(String, u32)> {
    p.iter().map(|(n, v)| (n.to_string(), *v)).collect()
}

#[test]
fn genetlink_numbering_follows_ynl() {
    let m = load("ynl/genetlink.yaml");
    let mode = m.enums.iter().find(|e| e.name == "mode").unwrap();
    let vals: Vec<i128> = mode.entries.iter().map(|e| e.value).collect();
    assert_eq!(vals, [2, 3, 7, 8], "value-start 2, then an explicit 7");
    let caps = m.enums.iter().find(|e| e.name == "caps").unwrap();
    let vals: Vec<i128> = caps.entries.iter().map(|e| e.value).collect();
    assert_eq!(vals, [1, 2, 16], "flags are bit values; `value` is the bit");
    assert_eq!(
        attr_values(&m, "demo-fam"),
        pairs(&[
            ("unspec", 0),
            ("ifindex", 1),
            ("pad", 2),
            ("bytes", 3),
            ("mode", 4),
            ("name", 5),
            ("queue", 10),
            ("flags", 11),
        ])
    );
    assert_eq!(
        attr_values(&m, "queue-id"),
        pairs(&[("id", 1), ("type", 2)])
    );
    assert_eq!(attr_values(&m, "link"), pairs(&[("up", 1), ("mtu", 5)]));
    let ops = m.operations.as_ref().unwrap();
    let vals: Vec<(String, u32)> = ops.list.iter().map(|o| (o.name.clone(), o.value)).collect();
    assert_eq!(
        vals,
        pairs(&[
            ("dev-get", 1),
            ("dev-set", 2),
            ("dev-change-ntf", 3),
            ("link-get", 8),
            ("link-set", 9),
        ])
    );
    // The alias `*dev-all` is the anchored reply list.
    let get = &ops.list[0];
    let set = &ops.list[1];
    assert_eq!(
        get.do_.as_ref().unwrap().reply,
        set.do_.as_ref().unwrap().reply
    );
    assert!(set.admin_perm);
    let notify = ops.list[2].notify.as_ref().map(|id| &m.operation(id).name);
    assert_eq!(notify.map(String::as_str), Some("dev-get"));
    // Checks: a named limit, and a length `NAME - 1` of a const.
    let fam = &m.attribute_sets[0].attributes;
    assert_eq!(fam[1].min, Some(1));
    assert_eq!(fam[1].max, Some(i128::from(i32::MAX)));
    assert_eq!(fam[5].max_len, Some(15));
    // A subset's attribute is its base's: type and checks included.
    let sub = &m.attribute_sets[2].attributes[1];
    assert_eq!(
        (
            sub.ty.name(),
            sub.enum_
                .as_ref()
                .map(|e| m.enum_(&e.enum_id).name.as_str())
        ),
        ("u32", Some("mode"))
    );
    assert_eq!(m.netlink.version, 1);
    assert_eq!(m.netlink.protocol.as_deref(), Some("genetlink"));
}

#[test]
fn genetlink_header_has_ynl_names_and_values() {
    let m = load("ynl/genetlink.yaml");
    let want = [
        Str("DEMO_FAM_FAMILY_NAME", "demo-fam"),
        Int("DEMO_FAM_FAMILY_VERSION", 1),
        Int("DEMO_FAM_MAX_QUEUES", 16),
        Int("DEMO_FAM_MODE_IDLE", 2),
        Int("DEMO_FAM_MODE_SLOW", 3),
        Int("DEMO_FAM_MODE_FAST", 7),
        Int("DEMO_FAM_MODE_TURBO", 8),
        Int("__DEMO_FAM_MODE_MAX", 9),
        Int("DEMO_FAM_MODE_MAX", 8),
        Int("DEMO_CAP_RX", 1),
        Int("DEMO_CAP_TX", 2),
        Int("DEMO_CAP_CSUM", 16),
        Int("DEMO_CAP_MASK", 19),
        Int("DEMO_FAM_STATE_DOWN", 0),
        Int("DEMO_FAM_STATE_UP", 1),
        Int("DEMO_STATE_CNT", 2),
        Int("DEMO_FAM_STATE_MAX", 1),
        Int("DEMO_FAM_FEAT_FAST_PATH", 1),
        Int("DEMO_FAM_FEAT_OFFLOAD", 2),
        Int("DEMO_FAM_FEAT_MASK", 3),
        Int("DEMO_FAM_A_UNSPEC", 0),
        Int("DEMO_FAM_A_IFINDEX", 1),
        Int("DEMO_FAM_A_PAD", 2),
        Int("DEMO_FAM_A_BYTES", 3),
        Int("DEMO_FAM_A_MODE", 4),
        Int("DEMO_FAM_A_NAME", 5),
        Int("DEMO_FAM_A_QUEUE", 10),
        Int("DEMO_FAM_A_FLAGS", 11),
        Int("__DEMO_FAM_A_MAX", 12),
        Int("DEMO_FAM_A_MAX", 11),
        Int("DEMO_FAM_A_QUEUE_ID", 1),
        Int("DEMO_FAM_A_QUEUE_TYPE", 2),
        Int("DEMO_Q_X_NAPI", 3),
        Int("DEMO_FAM_A_QUEUE_STATS", 4),
        Int("__DEMO_FAM_A_QUEUE_MAX", 5),
        Int("DEMO_FAM_A_QUEUE_MAX", 4),
        Int("DEMO_LINK_UP", 1),
        Int("DEMO_LINK_MTU", 5),
        Int("__DEMO_LINK_MAX", 6),
        Int("DEMO_LINK_MAX", 5),
        Int("DEMO_FAM_CMD_DEV_GET", 1),
        Int("DEMO_FAM_CMD_DEV_SET", 2),
        Int("DEMO_FAM_CMD_DEV_CHANGE_NTF", 3),
        Int("DEMO_FAM_CMD_LINK_GET", 8),
        Int("DEMO_FAM_CMD_LINK_SET", 9),
        Int("__DEMO_FAM_CMD_MAX", 10),
        Int("DEMO_FAM_CMD_MAX", 9),
        Str("DEMO_FAM_MCGRP_MGMT", "mgmt"),
        Str("DEMO_STATS_GROUP", "stats"),
    ];
    // `header:` consts come from their own header; subsets are not
    // emitted (their constants are the base set's).
    let absent = ["DEMO_FAM_IFNAMSIZ", "DEMO_FAM_A_QUEUE_ID_ID"];
    check_header(
        "genetlink",
        &m,
        &want,
        // YNL declares flags as a tagged enum too.
        &[
            "enum demo_fam_mode",
            "enum demo_state_enum",
            "enum demo_fam_feat",
        ],
        &absent,
    );
}

#[test]
fn genetlink_legacy_numbering_and_header_follow_ynl() {
    let m = load("ynl/genetlink-legacy.yaml");
    assert_eq!(
        attr_values(&m, "main"),
        pairs(&[("hdr", 1), ("limit", 2), ("kind", 4), ("label", 5)])
    );
    assert_eq!(
        m.attribute_sets[0].attributes[1].max,
        Some(i128::from(u32::MAX))
    );
    let ops = m.operations.as_ref().unwrap();
    assert_eq!(ops.list[1].value, 2);
    assert!(ops.list[1].admin_perm, "uns-admin-perm is privileged");
    assert_eq!(m.netlink.version, 3);
    assert!(m.netlink.max_by_define);
    let want = [
        Str("LEGACY_GENL_NAME", "legacy_fam"),
        Int("LEGACY_GENL_VERSION", 3),
        Int("LEGACY_FAM_KINDS_A", 0),
        Int("LEGACY_FAM_KINDS_B", 1),
        Int("LEGACY_ATTR_HDR", 1),
        Int("LEGACY_ATTR_LIMIT", 2),
        Int("LEGACY_ATTR_KIND", 4),
        Int("LEGACY_ATTR_LABEL", 5),
        Int("__LEGACY_ATTR_COUNT", 6),
        Int("LEGACY_ATTR_LAST", 5),
        Int("__LEGACY_FAM_A_EMPTY_MAX", 0),
        Int("LEGACY_FAM_A_EMPTY_MAX", -1),
        Int("LEGACY_CMD_GET", 1),
        Int("LEGACY_CMD_SET", 2),
        Int("__LEGACY_CMD_COUNT", 3),
        Int("LEGACY_CMD_LAST", 2),
    ];
    check_header(
        "genetlink-legacy",
        &m,
        &want,
        &[
            "enum legacy_attrs",
            "enum legacy_cmds",
            "enum legacy_fam_kinds",
            "struct legacy_fam_hdr",
        ],
        // max-by-define: the maxima are macros, so #ifdef sees them; the
        // defaults replaced by the overrides do not exist.
        &[
            "LEGACY_FAM_FAMILY_NAME",
            "LEGACY_CMD_MAX",
            "LEGACY_ATTR_MAX",
        ],
    );
    let header = &uabi::backend::c::render(&m).unwrap()[0].contents;
    assert!(header.contains("#define LEGACY_ATTR_LAST (__LEGACY_ATTR_COUNT - 1)"));
    assert!(header.contains("#define LEGACY_CMD_LAST (__LEGACY_CMD_COUNT - 1)"));
}

#[test]
fn ynl_fixtures_lint_with_only_the_expected_warnings() {
    let (result, _) = load_with_sources(&fixture("ynl/genetlink-legacy.yaml"), None);
    let d = lint(&result.unwrap()).sorted();
    assert!(d.is_empty(), "{d:#?}");
    let (result, _) = load_with_sources(&fixture("ynl/genetlink.yaml"), None);
    let d = lint(&result.unwrap()).sorted();
    let rules: Vec<&str> = d.iter().map(|d| d.rule.id).collect();
    // display-hint, config-cond, pre/post and kernel-family are quiet.
    assert_eq!(rules, ["ynl-notification"], "{d:#?}");
}

/// Every YNL feature that is not generated has its own warning rule, and
/// its fixture reports it at the key that uses the feature.
#[test]
fn not_generated_features_warn_with_position_and_hint() {
    let cases: &[(&str, u32, u32)] = &[
        ("ynl-fixed-header", 14, 17),
        ("ynl-sub-message", 8, 29),
        ("ynl-attr-type", 7, 31),
        ("ynl-enum-model", 9, 15),
        ("ynl-dump", 13, 9),
        ("ynl-notification", 15, 15),
        ("ynl-kernel-policy", 4, 16),
        ("ynl-relaxed-validation", 12, 23),
    ];
    for (rule, line, col) in cases {
        let rel = format!("lint/{rule}.yaml");
        let (result, _) = load_with_sources(&fixture(&rel), Some(&rel));
        let d = lint(&result.unwrap_or_else(|e| panic!("{rule}: {e:#?}"))).sorted();
        assert_eq!(d.len(), 1, "{rule}: {d:#?}");
        let d = &d[0];
        assert_eq!(d.rule.id, *rule);
        assert_eq!(d.severity, Severity::Warning, "{rule}");
        assert_eq!(find_rule(rule).map(|r| r.severity), Some(Severity::Warning));
        assert_eq!((d.pos.line, d.pos.col), (*line, *col), "{rule}: {d:#?}");
        assert!(d.hint.as_ref().is_some_and(|h| !h.is_empty()), "{rule}");
    }
}

/// Rules 29-31 pass on their corrected fixtures.
#[test]
fn control_message_rules_pass_on_corrected_specs() {
    for ok in [
        "netlink-value-zero-ok",
        "unbounded-attr-len-ok",
        "unaligned-attr-struct-ok",
    ] {
        let rel = format!("lint/support/{ok}.yaml");
        let (result, _) = load_with_sources(&fixture(&rel), Some(&rel));
        let d = lint(&result.unwrap_or_else(|e| panic!("{ok}: {e:#?}"))).sorted();
        assert!(d.is_empty(), "{ok}: {d:#?}");
    }
}

#[test]
fn operation_value_zero_and_nested_unbounded_attrs_are_found() {
    let text = "name: t\nprotocol: genetlink\nattribute-sets:\n  - name: a\n    attributes:\n      - { name: n, type: nest, nested-attributes: b }\n  - name: b\n    attributes:\n      - { name: s, type: string }\noperations:\n  list:\n    - { name: z, value: 0, attribute-set: a, do: { request: { attributes: [n] } } }\n";
    let m = load_str(text, "t.yaml").unwrap_or_else(|d| panic!("{d:#?}"));
    let d = lint(&m).sorted();
    let rules: Vec<&str> = d.iter().map(|d| d.rule.id).collect();
    assert_eq!(
        rules,
        ["unbounded-attr-len", "netlink-value-zero"],
        "{d:#?}"
    );
    assert!(d[0].message.contains("`s` of `b`"), "{}", d[0].message);
}

/// YNL's `unspec` placeholder reserves command 0 and is not reported; a
/// real command 0 is an error in a new family and, in a genetlink-legacy
/// family (commands that already ship, as team's NOOP), a warning.
#[test]
fn operation_zero_placeholder_and_legacy_command_zero() {
    let ops = |proto: &str, op0: &str| {
        format!(
            "name: t\nprotocol: {proto}\nattribute-sets:\n  - name: a\n    attributes:\n      - {{ name: x, type: u32 }}\noperations:\n  list:\n    - {op0}\n    - {{ name: get, attribute-set: a, do: {{ reply: {{ attributes: [x] }} }} }}\n"
        )
    };
    let placeholder = "{ name: unspec, value: 0 }";
    let real = "{ name: noop, value: 0, attribute-set: a, do: { reply: { attributes: [x] } } }";
    for (proto, op0, want) in [
        ("genetlink", placeholder, None),
        ("genetlink-legacy", placeholder, None),
        ("genetlink", real, Some(Severity::Error)),
        ("genetlink-legacy", real, Some(Severity::Warning)),
    ] {
        let text = ops(proto, op0);
        let m = load_str(&text, "t.yaml").unwrap_or_else(|d| panic!("{text}: {d:#?}"));
        assert_eq!(
            m.operations
                .as_ref()
                .unwrap()
                .list
                .iter()
                .map(|o| o.value)
                .collect::<Vec<_>>(),
            [0, 1],
            "{text}"
        );
        let d = lint(&m).sorted();
        let zero: Vec<_> = d
            .iter()
            .filter(|d| d.rule.id == "netlink-value-zero")
            .collect();
        assert_eq!(zero.first().map(|d| d.severity), want, "{text}: {d:#?}");
        if let Some(z) = zero.first() {
            assert_eq!((z.pos.line, z.pos.col), (9, 15), "{z:#?}");
            assert!(z.hint.is_some());
        }
    }
}

/// YNL keeps attributes by name, so an identical repeat (ethtool's
/// `strings` lists its `unspec` twice) is one attribute and numbering goes
/// on from it; a repeat that differs stays an error, as outside YNL.
#[test]
fn identical_repeated_attribute_is_one_attribute_in_ynl() {
    let set = |second: &str| {
        format!(
            "name: t\nprotocol: genetlink-legacy\nattribute-sets:\n  - name: a\n    attributes:\n      - {{ name: unspec, type: unused, value: 0 }}\n      - {second}\n      - {{ name: x, type: u32 }}\n"
        )
    };
    let text = set("{ name: unspec, type: unused, value: 0 }");
    let m = load_str(&text, "t.yaml").unwrap_or_else(|d| panic!("{d:#?}"));
    assert_eq!(attr_values(&m, "a"), pairs(&[("unspec", 0), ("x", 1)]));
    let text = set("{ name: unspec, type: u32, value: 5 }");
    let d = load_str(&text, "t.yaml").expect_err(&text);
    assert!(
        d.iter()
            .any(|d| d.rule.id == "duplicate-name" && d.pos.line == 7),
        "{d:#?}"
    );
    // `type-value` on a scalar is YNL's, reported as not generated; a spec
    // that is not a YNL family may not use it.
    let text = "name: t\nprotocol: genetlink\nattribute-sets:\n  - name: a\n    attributes:\n      - { name: id, type: u32 }\n      - { name: stat, type: u64, type-value: [id] }\n";
    let m = load_str(text, "t.yaml").unwrap_or_else(|d| panic!("{d:#?}"));
    let w: Vec<_> = lint(&m)
        .sorted()
        .into_iter()
        .filter(|d| d.rule.id == "ynl-attr-type")
        .collect();
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!((w[0].pos.line, w[0].pos.col), (7, 46));
    let text = text.replace("protocol: genetlink\n", "ioctl: { magic: 0x64 }\n");
    let d = load_str(&text, "t.yaml").expect_err(&text);
    assert!(
        d.iter()
            .any(|d| d.message.contains("`type-value` does not apply")),
        "{d:#?}"
    );
}

#[test]
fn ynl_only_keys_are_checked() {
    for (text, needle) in [
        ("name: t\nprotocol: netlink-raw\n", "protocol `netlink-raw`"),
        (
            "name: t\nprotocol: genetlink\nattribute-sets: []\noperations:\n  list:\n    - { name: n, notify: nope }\n",
            "`notify` names `nope`",
        ),
        (
            "name: t\nprotocol: genetlink\nattribute-sets: []\noperations:\n  list:\n    - { name: n, mcgrp: nope }\n",
            "no multicast group named `nope`",
        ),
        (
            "name: t\nprotocol: genetlink\nattribute-sets:\n  - name: a\n    attributes:\n      - { name: x, type: u32, sub-message: m }\n",
            "`sub-message` does not apply",
        ),
        ("name: t_x\nattribute-sets: []\n", "not lower-kebab-case"),
    ] {
        let d = load_str(text, "t.yaml").expect_err(text);
        assert!(
            d.iter().any(|d| d.message.contains(needle)),
            "{text}: {d:#?}"
        );
    }
}

#[test]
fn unknown_attribute_type_is_named_with_a_suggestion() {
    for (ty, hint) in [
        ("u33", "did you mean `u32`?"),
        ("nest-typevalue", "did you mean `nest-type-value`?"),
    ] {
        let text = format!(
            "name: t\nprotocol: genetlink\nattribute-sets:\n  - name: a\n    attributes:\n      - {{ name: x, type: {ty} }}\n"
        );
        let d = load_str(&text, "t.yaml").expect_err(&text);
        let want = format!("unknown attribute type `{ty}`");
        assert!(
            d.iter()
                .any(|d| d.message == want && d.hint.as_deref() == Some(hint)),
            "{text}: {d:#?}"
        );
    }
}

/// A constant of a C header: an integer or a string.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum CValue {
    Int(i128),
    Str(String),
}

/// Runs a command and returns its stdout, panicking with stderr on failure.
fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The object-like macros with a body, and the enumerators, that the
/// preprocessor finds in `src`: names only; values come from the compiler.
fn c_names(
    src: &Path,
) -> (
    std::collections::BTreeSet<String>,
    std::collections::BTreeSet<String>,
) {
    let defs = run(
        Command::new("gcc").args(["-dM", "-E", "-x", "c"]).arg(src),
        "gcc -dM -E",
    );
    let macros = defs
        .lines()
        .filter_map(|l| l.strip_prefix("#define "))
        .filter_map(|l| l.split_once(' '))
        .filter(|(n, body)| !n.contains('(') && !body.trim().is_empty())
        .map(|(n, _)| n.to_string())
        .collect();
    let pre = run(
        Command::new("gcc").args(["-E", "-P", "-x", "c"]).arg(src),
        "gcc -E",
    );
    // Enumerators: the first identifier of each comma-separated item of
    // every `enum [tag] { ... }` body of the preprocessed text.
    let mut enums = std::collections::BTreeSet::new();
    let mut rest = pre.as_str();
    while let Some(i) = rest.find("enum") {
        rest = &rest[i + 4..];
        let Some(open) = rest.find(['{', ';']) else {
            break;
        };
        if !rest[open..].starts_with('{') {
            continue;
        }
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        for item in rest[open + 1..open + close].split(',') {
            let id: String = item
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !id.is_empty() {
                enums.insert(id);
            }
        }
        rest = &rest[open + close..];
    }
    (macros, enums)
}

/// Every constant `header` defines (object-like macros with a body and
/// enumerators), minus those of the headers it includes and the
/// compiler's own, with the value the compiler gives each: one program
/// including the header prints every name and value.
fn header_constants(
    dir: &Path,
    tag: &str,
    header: &Path,
) -> std::collections::BTreeMap<String, CValue> {
    let text = std::fs::read_to_string(header).unwrap();
    let incs: String = text
        .lines()
        .filter(|l| l.trim_start().starts_with("#include"))
        .map(|l| format!("{l}\n"))
        .collect();
    let base = dir.join(format!("{tag}-includes.c"));
    std::fs::write(&base, incs).unwrap();
    let (bm, be) = c_names(&base);
    let (m, e) = c_names(header);
    let names: Vec<&String> = m
        .difference(&bm)
        .chain(e.difference(&be))
        .filter(|n| !n.starts_with("_UAPI_") && !text.contains(&format!("#ifndef {n}")))
        .collect();
    let mut c = format!(
        "#include <stdio.h>\n#include \"{}\"\n\
         static void s(const char *n, const char *v) {{ printf(\"%s s %s\\n\", n, v); }}\n\
         static void i(const char *n, long long v) {{ printf(\"%s i %lld\\n\", n, v); }}\n\
         #define P(n) _Generic((n), char *: s, const char *: s, default: i)(#n, (n))\n\
         int main(void)\n{{\n",
        header.display()
    );
    for n in &names {
        c += &format!("\tP({n});\n");
    }
    c += "\treturn 0;\n}\n";
    let src = dir.join(format!("{tag}-constants.c"));
    std::fs::write(&src, c).unwrap();
    let exe = dir.join(format!("{tag}-constants"));
    run(
        Command::new("gcc")
            .args(["-std=c11", "-w", "-o"])
            .arg(&exe)
            .arg(&src),
        &format!("gcc {}", src.display()),
    );
    run(&mut Command::new(&exe), &exe.display().to_string())
        .lines()
        .map(|l| {
            let mut p = l.splitn(3, ' ');
            let (n, k, v) = (p.next().unwrap(), p.next().unwrap(), p.next().unwrap_or(""));
            let v = if k == "s" {
                CValue::Str(v.to_string())
            } else {
                CValue::Int(v.parse().unwrap())
            };
            (n.to_string(), v)
        })
        .collect()
}

/// The kernel's own YNL specs, copied verbatim with the uapi header YNL
/// generated from each (tests/fixtures/ynl/kernel, README.md there names
/// the Linux commits): each loads, lints without errors, renders every
/// backend, and its generated C header compiles warning-free and defines
/// every constant of the kernel's header with the same name and value.
#[test]
fn kernel_specs_match_the_kernel_headers() {
    let root = fixture("ynl/kernel");
    let mut specs: Vec<PathBuf> = std::fs::read_dir(root.join("specs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    specs.sort();
    assert!(specs.len() >= 7, "{specs:?}");
    let failures: Vec<String> = std::thread::scope(|sc| {
        let handles: Vec<_> = specs
            .iter()
            .map(|p| sc.spawn(move || check_kernel_spec(p)))
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().unwrap().err())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn check_kernel_spec(spec: &Path) -> Result<(), String> {
    let stem = spec.file_stem().unwrap().to_string_lossy().to_string();
    let label = format!("tests/fixtures/ynl/kernel/specs/{stem}.yaml");
    let (result, _) = load_with_sources(spec, Some(&label));
    let m = result.map_err(|d| {
        let d: Vec<String> = d
            .iter()
            .map(|d| {
                format!(
                    "  {}:{}:{} [{}] {}",
                    d.pos.file, d.pos.line, d.pos.col, d.rule.id, d.message
                )
            })
            .collect();
        format!("{stem} does not load:\n{}", d.join("\n"))
    })?;
    let d = lint(&m);
    if d.has_errors() {
        let errs: Vec<String> = d
            .sorted()
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| {
                format!(
                    "  {}:{}:{} [{}] {}",
                    d.pos.file, d.pos.line, d.pos.col, d.rule.id, d.message
                )
            })
            .collect();
        return Err(format!("{stem} has lint errors:\n{}", errs.join("\n")));
    }
    uabi::backend::render_all(&m).map_err(|e| format!("{stem}: {e}"))?;
    let dir = scratch(&format!("kernel-{stem}"));
    let files = uabi::backend::c::render(&m).unwrap();
    let ours = dir.join(&files[0].path);
    std::fs::create_dir_all(ours.parent().unwrap()).unwrap();
    std::fs::write(&ours, &files[0].contents).unwrap();
    let out = Command::new("gcc")
        .args([
            "-x",
            "c",
            "-std=c11",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-fsyntax-only",
        ])
        .arg(&ours)
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(format!(
            "{stem}: gcc rejects the generated header:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let theirs = fixture(&format!("ynl/kernel/headers/{stem}.h"));
    if !theirs.exists() {
        return Err(format!("{stem}: no kernel header {}", theirs.display()));
    }
    let want = header_constants(&dir, "kernel", &theirs);
    let got = header_constants(&dir, "generated", &ours);
    if want.is_empty() {
        return Err(format!(
            "{stem}: no constants found in {}",
            theirs.display()
        ));
    }
    let mut bad = Vec::new();
    for (n, v) in &want {
        match got.get(n) {
            None => bad.push(format!("  {n} = {v:?} is missing")),
            Some(g) if g != v => bad.push(format!("  {n} = {v:?} in the kernel, {g:?} generated")),
            Some(_) => {}
        }
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{stem}: {} of {} constants of the kernel's header differ:\n{}",
            bad.len(),
            want.len(),
            bad.join("\n")
        ))
    }
}

/// The Python module's control-message codec: exact request bytes (worked
/// out by hand from the wire format: 8-byte header, then NLA attributes
/// padded to 4, NLA_F_NESTED on nests), a decode round trip, and the
/// malformed replies the decoder must reject.
#[test]
fn python_codec_encodes_exact_bytes_and_round_trips() {
    if cfg!(target_endian = "big") {
        // The expected bytes below are little-endian (native order).
        return;
    }
    let m = load("ynl/genetlink.yaml");
    let dir = scratch("python-codec");
    // The package folder (python/<package>/__init__.py), importable
    // from `dir`.
    for f in uabi::backend::python::render(&m).unwrap() {
        let rel = f.path.strip_prefix("demo-fam/python").unwrap();
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, f.contents).unwrap();
    }
    let script = r#"
import demo_fam_uapi as m

req = m.encode_dev_set_request(
    ifindex=7, mode=3, name="eth0", queue=[{"id": 1, "type": 2}], flags=17
)
want = bytes.fromhex(
    "0200" "0000" "00000000"                 # op 2, flags 0, reserved 0
    "0800" "0100" "07000000"                 # ifindex (1) = 7
    "0800" "0400" "03000000"                 # mode (4) = 3
    "0900" "0500" "6574683000" "000000"      # name (5) = "eth0\0", 3 pad
    "1400" "0a80"                            # queue (10 | NLA_F_NESTED)
    "0800" "0100" "01000000"                 #   id (1) = 1
    "0800" "0200" "02000000"                 #   type (2) = 2
    "0800" "0b00" "11000000"                 # flags (11) = 17
)
assert req == want, req.hex()
assert m.encode_dev_get_request(ifindex=1) == bytes.fromhex("0100000000000000" "0800010001000000")
assert m.encode_link_get_request(up=True) == bytes.fromhex("0800000000000000" "04000100")

reply = {"ifindex": 7, "bytes": 1 << 40, "mode": 8, "name": "eth0",
         "queue": [{"id": 1, "type": 2}, {"id": 2, "napi": 9}]}
msg = m._nl_message(2, m._nl_encode("demo-fam", reply, None))
assert m.decode_dev_set_reply(msg) == reply, m.decode_dev_set_reply(msg)

def rejects(data, what):
    try:
        m.decode_dev_set_reply(data)
    except ValueError:
        return
    raise AssertionError("accepted " + what)

hdr = bytes.fromhex("0200000000000000")
rejects(hdr[:7], "a short header")
rejects(bytes.fromhex("0100000000000000"), "another operation's reply")
rejects(hdr + bytes.fromhex("08000b0011000000"), "an attribute the reply does not list")
rejects(hdr + bytes.fromhex("0800010007000000") * 2, "a duplicate attribute")
rejects(hdr + bytes.fromhex("0c00010007000000"), "a truncated attribute")
rejects(hdr + bytes.fromhex("0800018007000000"), "NLA_F_NESTED on a u32")
rejects(hdr + bytes.fromhex("0600010007000000"), "a u32 of 2 bytes")
# An unknown attribute marked optional is skipped.
assert m.decode_dev_set_reply(hdr + bytes.fromhex("08002a4007000000")) == {}
try:
    m.encode_dev_set_request(bytes=1)
except TypeError:
    pass
else:
    raise AssertionError("encoded an attribute the request does not list")
print("ok")
"#;
    let out = Command::new("python3")
        .arg("-B")
        .arg("-c")
        .arg(script)
        .current_dir(&dir)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "ok",
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// YNL's naming can give two attributes one C name (set `a`'s `b-c` and
/// set `a-b`'s `c`): lint rejects it before the header fails to compile.
#[test]
fn clashing_netlink_constants_are_an_error() {
    let text = "name: t\nprotocol: genetlink\nattribute-sets:\n  - name: a\n    attributes:\n      - { name: b-c, type: u32 }\n  - name: a-b\n    attributes:\n      - { name: c, type: u32 }\n";
    let m = load_str(text, "t.yaml").unwrap_or_else(|d| panic!("{d:#?}"));
    let d = lint(&m).sorted();
    let rules: Vec<&str> = d.iter().map(|d| d.rule.id).collect();
    assert_eq!(rules, ["generated-name-clash"], "{d:#?}");
    assert!(d[0].message.contains("`T_A_A_B_C`"), "{}", d[0].message);
    assert_eq!((d[0].pos.line, d[0].pos.col), (9, 17));
}

/// wireguard's spelling: a const with its own `name-prefix` is
/// `WG_KEY_LEN` in C and is referred to as `wg-key-len`; a struct taken
/// from another header (`--kernel-timespec`) is defined under the
/// family's name and warns, and `--` is not accepted outside YNL.
#[test]
fn const_name_prefix_and_foreign_struct_follow_ynl() {
    let text = "name: wg\nprotocol: genetlink-legacy\ndefinitions:\n  - { name: key-len, name-prefix: wg-, type: const, value: 32 }\n  - name: --kernel-ts\n    type: struct\n    header: linux/time_types.h\n    members:\n      - { name: hi, type: u32 }\nattribute-sets:\n  - name: dev\n    attributes:\n      - { name: key, type: binary, checks: { exact-len: wg-key-len } }\n      - { name: ts, type: binary, struct: --kernel-ts }\noperations:\n  list:\n    - name: set\n      attribute-set: dev\n      do:\n        request: { attributes: [key, ts] }\n";
    let m = load_str(text, "t.yaml").unwrap_or_else(|d| panic!("{d:#?}"));
    let key = &m.attribute_sets[0].attributes[0];
    assert_eq!(key.exact_len, Some(32));
    let d = lint(&m).sorted();
    let rules: Vec<&str> = d.iter().map(|d| d.rule.id).collect();
    assert_eq!(rules, ["ynl-struct-header"], "{d:#?}");
    assert_eq!((d[0].pos.line, d[0].pos.col), (7, 13));
    let h = &uabi::backend::c::render(&m).unwrap()[0].contents;
    assert!(h.contains("#define WG_KEY_LEN 32"), "{h}");
    assert!(h.contains("struct wg_kernel_ts {"), "{h}");
    assert!(!h.contains("WG_WG_KEY_LEN"), "{h}");
    let plain = "name: p\ndefinitions:\n  - name: --kernel-ts\n    type: struct\n    members:\n      - { name: hi, type: u32 }\n";
    let d = load_str(plain, "t.yaml").expect_err(plain);
    assert!(
        d.iter()
            .any(|d| d.message.contains("`--kernel-ts` is not lower-kebab-case")),
        "{d:#?}"
    );
}
