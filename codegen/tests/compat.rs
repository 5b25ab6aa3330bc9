//! `uabi compat` and `uabi freeze`: one old/new fixture pair per compat
//! rule under `tests/fixtures/compat/<rule-id>/`, each triggering exactly
//! that rule (rendered finding as an insta snapshot), compatible pairs
//! under `tests/fixtures/compat/ok-*/` that must stay silent (their notes
//! snapshotted), the canonical dump's properties, and the CLI verbs on a
//! scratch copy of the repository's specs.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use uabi::compat::{self, Report, Side, compare};
use uabi::dump::{self, Locator};
use uabi::load::{load_str, load_with_sources};
use uabi::rules::{Stage, find as find_rule, of_stage};

const FIXTURES: &str = "tests/fixtures/compat";

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Loads a spec under a label relative to the crate, so positions and
/// snapshots do not depend on where the repository is.
fn spec(rel: &str) -> Side {
    let (result, sources) = load_with_sources(&crate_dir().join(rel), Some(rel));
    let model = result.unwrap_or_else(|d| panic!("{rel} does not resolve: {d:#?}"));
    compat::spec_side(&model, sources).unwrap()
}

fn render(report: &Report, new: &Side) -> String {
    let findings: Vec<String> = report
        .findings
        .iter()
        .map(|d| d.render(new.sources.get(&d.pos.file).map(String::as_str)))
        .collect();
    let notes: String = report
        .compatible
        .iter()
        .map(|n| format!("+ {n}\n"))
        .collect();
    findings.join("\n") + &notes
}

fn pair(name: &str) -> (Side, Side, Report) {
    let old = spec(&format!("{FIXTURES}/{name}/old.yaml"));
    let new = spec(&format!("{FIXTURES}/{name}/new.yaml"));
    let report = compare(&old.dump, &new.dump, &new.locator);
    (old, new, report)
}

fn check_rule(id: &str) {
    let (_, new, report) = pair(id);
    let rendered = render(&report, &new);
    let ids: Vec<&str> = report.findings.iter().map(|d| d.rule.id).collect();
    assert_eq!(
        ids,
        [id],
        "fixture {id}/ should trigger exactly `{id}`:\n{rendered}"
    );
    assert!(find_rule(id).is_some());
    let d = &report.findings[0];
    assert!(d.hint.is_some(), "every finding has a hint:\n{rendered}");
    assert!(
        d.pos.file.ends_with(&format!("{id}/new.yaml")),
        "findings point into the new spec:\n{rendered}"
    );
    insta::assert_snapshot!(id.to_string(), rendered);
}

fn check_ok(name: &str) {
    let (_, new, report) = pair(name);
    let rendered = render(&report, &new);
    assert!(
        report.findings.is_empty(),
        "{name}/ is a compatible change:\n{rendered}"
    );
    insta::assert_snapshot!(name.to_string(), rendered);
}

/// Every fixture pair, found by a glob: `fixtures/compat/<rule-id>/`
/// triggers that rule, `fixtures/compat/ok-*/` is a compatible change.
fn fixture_dirs() -> Vec<String> {
    let mut dirs: Vec<String> = std::fs::read_dir(crate_dir().join(FIXTURES))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|d| d != "cli")
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn each_rule_fixture_triggers_exactly_its_rule() {
    let dirs = fixture_dirs();
    assert!(dirs.len() >= 30, "fixtures missing: {dirs:?}");
    for dir in dirs.iter().filter(|d| !d.starts_with("ok-")) {
        check_rule(dir);
    }
}

#[test]
fn each_ok_fixture_is_compatible() {
    let ok: Vec<String> = fixture_dirs()
        .into_iter()
        .filter(|d| d.starts_with("ok-"))
        .collect();
    assert!(ok.len() >= 9, "fixtures missing: {ok:?}");
    for dir in ok {
        check_ok(&dir);
    }
}

/// Fixtures are real specs: both sides lint clean, so each finding is
/// about evolution and nothing else.
#[test]
fn fixtures_lint_clean() {
    for name in fixture_dirs() {
        for side in ["old", "new"] {
            let rel = format!("{FIXTURES}/{name}/{side}.yaml");
            let model = uabi::load::load(&crate_dir().join(&rel), Some(&rel)).unwrap();
            let diags = uabi::lint::lint(&model).sorted();
            assert!(diags.is_empty(), "{rel}: {diags:#?}");
        }
    }
}

#[test]
fn every_side_is_compatible_with_itself_and_its_dump() {
    for name in fixture_dirs() {
        for side in ["old", "new"] {
            let s = spec(&format!("{FIXTURES}/{name}/{side}.yaml"));
            let r = compare(&s.dump, &s.dump, &s.locator);
            assert!(r.findings.is_empty() && r.compatible.is_empty(), "{name}");
            let text = dump::to_json(&s.dump).unwrap();
            let back = compat::dump_side(&text, "x.json").unwrap();
            // Written with digests; a side's dump is built without.
            let mut read = back.dump.clone();
            assert!(read.structs.values().all(|x| x.digest.len() == 64));
            dump::clear_digests(&mut read);
            assert_eq!(read, s.dump, "{name}/{side}: the dump parses back");
            // The frozen dump's digests are no difference from its spec.
            let r = compare(&back.dump, &s.dump, &s.locator);
            assert!(
                r.findings.is_empty() && r.compatible.is_empty(),
                "{name}/{side}: {:?}",
                r.findings
            );
        }
    }
}

fn repo_spec(name: &str) -> Side {
    let path = crate_dir().join("../spec").join(name);
    let (result, sources) = load_with_sources(&path, Some(&format!("spec/{name}")));
    compat::spec_side(&result.unwrap(), sources).unwrap()
}

#[test]
fn dump_is_canonical_and_stable() {
    let s = repo_spec("softaccel.yaml");
    let text = dump::to_json(&s.dump).unwrap();
    assert!(text.ends_with("}\n") && !text.ends_with("\n\n"));
    // Built twice, and parsed and written again: the same bytes.
    assert_eq!(
        text,
        dump::to_json(&repo_spec("softaccel.yaml").dump).unwrap()
    );
    assert_eq!(text, dump::to_json(&dump::parse(&text).unwrap()).unwrap());
    // Keys are sorted at every level.
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    fn sorted(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::Object(m) => {
                let keys: Vec<&String> = m.keys().collect();
                keys.windows(2).all(|w| w[0] < w[1]) && m.values().all(sorted)
            }
            serde_json::Value::Array(a) => a.iter().all(sorted),
            _ => true,
        }
    }
    assert!(sorted(&v));
    // Only the spec's own items (accel's are frozen by accel), and nothing
    // about the generator.
    let top: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(
        top,
        [
            "attribute-sets",
            "consts",
            "enums",
            "flags",
            "format",
            "ioctl-magic",
            "ioctls",
            "operations",
            "operations-transport",
            "retired-nrs",
            "revision",
            "rings",
            "spec",
            "structs",
            "targets"
        ]
    );
    assert!(v["ioctls"].get("bo-create").is_none());
    assert!(v["ioctls"].get("submit").is_some());
    assert_eq!(v["spec"], "softaccel");
    // Every item carries the sha256 of its content.
    let d = &v["structs"]["submit"]["digest"];
    assert_eq!(d.as_str().unwrap().len(), 64);
    assert_eq!(
        v["ioctls"]["submit"]["commands"]["x86_64"]["cmd"],
        "0xc0186440"
    );
    assert_eq!(v["ioctls"]["submit"]["commands"]["mips"]["size"], 24);
    assert_eq!(
        v["structs"]["cmd"]["layouts"]["i386"]["offsets"][6], 24,
        "src-offset follows the explicit pad"
    );
}

#[test]
fn the_dump_format_is_pinned() {
    let s = spec(&format!("{FIXTURES}/ok-pad-to-member/new.yaml"));
    insta::assert_snapshot!("dump", dump::to_json(&s.dump).unwrap());
}

#[test]
fn a_hand_edited_dump_is_refused() {
    let s = repo_spec("softaccel.yaml");
    let text = dump::to_json(&s.dump).unwrap();
    let edited = text.replacen("\"value\": 256", "\"value\": 512", 1);
    assert_ne!(edited, text);
    let err = dump::parse(&edited).unwrap_err();
    assert!(
        err.contains("digest of `consts/max-cmds-per-submit`"),
        "{err}"
    );
    let err = dump::parse(&text.replacen("\"format\": 1", "\"format\": 9", 1)).unwrap_err();
    assert!(err.contains("format 9"), "{err}");
    assert!(dump::parse("{}").is_err());
    assert!(dump::parse("not json").is_err());
}

/// With a dump as the new side, findings point into the dump file.
#[test]
fn findings_against_a_dump_point_into_it() {
    let (old, new, _) = pair("member-retyped");
    let text = dump::to_json(&new.dump).unwrap();
    let new = compat::dump_side(&text, "new.json").unwrap();
    let report = compare(&old.dump, &new.dump, &new.locator);
    assert_eq!(report.findings.len(), 1);
    let d = &report.findings[0];
    assert_eq!(&*d.pos.file, "new.json");
    let line = text.lines().nth(d.pos.line as usize - 1).unwrap();
    assert_eq!(
        line.trim(),
        "\"type\": \"s32\"",
        "{}",
        render(&report, &new)
    );
}

#[test]
fn json_locator_finds_keys_and_elements() {
    let text = "{\n  \"a\": {\n    \"b\": [\n      1,\n      {\"c\": \"x\\\"y\"}\n    ]\n  }\n}\n";
    let loc = Locator::for_json(text, &Arc::from("t.json"));
    let at = |p: &str| {
        let pos = loc.pos(p);
        (pos.line, pos.col)
    };
    assert_eq!(at("a"), (2, 3));
    assert_eq!(at("a/b"), (3, 5));
    assert_eq!(at("a/b/0"), (4, 7));
    assert_eq!(at("a/b/1/c"), (5, 8));
    // Unknown paths fall back to their nearest ancestor.
    assert_eq!(at("a/b/7/z"), (3, 5));
    assert_eq!(at("nope"), (1, 1));
}

fn text_side(text: &str, label: &str) -> Side {
    let model = load_str(text, label).unwrap_or_else(|d| panic!("{d:#?}"));
    let mut sources = uabi::load::Sources::new();
    sources.insert(Arc::from(label), text.to_string());
    compat::spec_side(&model, sources).unwrap()
}

const R1: &str = "name: fx\nrevision: 1\ndefinitions:\n  - name: mode\n    type: enum\n    entries: [idle, busy]\n";

/// Against an older frozen revision, an item added in a revision between
/// is fine; its since is checked against the revision that added it.
#[test]
fn since_is_judged_against_each_frozen_revision() {
    let r2 = R1
        .replace("revision: 1", "revision: 2")
        .replace("[idle, busy]", "[idle, busy, { name: turbo, since: 2 }]");
    let r3 = r2
        .replace("revision: 2", "revision: 3")
        .replace("since: 2 }]", "since: 2 }, { name: eco, since: 3 }]");
    let (s1, s2, s3) = (
        text_side(R1, "r1.yaml"),
        text_side(&r2, "r2.yaml"),
        text_side(&r3, "r3.yaml"),
    );
    assert!(!compare(&s1.dump, &s3.dump, &s3.locator).is_breaking());
    assert!(!compare(&s2.dump, &s3.dump, &s3.locator).is_breaking());
    // `eco` claiming revision 2 is wrong against r2, which lacks it.
    let bad = r3.replace("eco, since: 3", "eco, since: 2");
    let s3 = text_side(&bad, "r3.yaml");
    let ids = |r: Report| r.findings.iter().map(|d| d.rule.id).collect::<Vec<_>>();
    assert_eq!(
        ids(compare(&s2.dump, &s3.dump, &s3.locator)),
        ["wrong-since"]
    );
    assert!(ids(compare(&s1.dump, &s3.dump, &s3.locator)).is_empty());
}

/// A removed ioctl whose number is taken by an ioctl with another command
/// is a removal plus a reused number, not a rename.
#[test]
fn a_removed_number_taken_by_another_command_is_reuse() {
    let (old, _, _) = pair("removed-item");
    let text = std::fs::read_to_string(crate_dir().join(FIXTURES).join("removed-item/new.yaml"))
        .unwrap()
        + "  - name: poke\n    nr: 0x41\n    dir: inout\n    arg: ping-arg\n    extension: zero-extend\n    since: 2\n    errors: [{ errno: EINVAL }]\n";
    let new = text_side(&text, "new.yaml");
    let report = compare(&old.dump, &new.dump, &new.locator);
    let ids: Vec<&str> = report.findings.iter().map(|d| d.rule.id).collect();
    assert_eq!(
        ids,
        ["removed-item", "reused-number"],
        "{}",
        render(&report, &new)
    );
}

/// A member whose range excludes 0 is fine where zero cannot come from
/// an old binary (an `out` member), and an enum without a 0 entry makes a
/// new `in` member required.
#[test]
fn required_means_read_by_the_kernel_and_zero_rejected() {
    let (old, _, _) = pair("new-member-required");
    let base = std::fs::read_to_string(
        crate_dir()
            .join(FIXTURES)
            .join("new-member-required/new.yaml"),
    )
    .unwrap();
    let out = base.replace("since: 2, range", "since: 2, access: out, range");
    let new = text_side(&out, "new.yaml");
    assert!(!compare(&old.dump, &new.dump, &new.locator).is_breaking());
    let with_enum = base
        .replace(
            "range: { min: 1, max: 10 }",
            "enum: level",
        )
        .replace(
            "definitions:\n",
            "definitions:\n  - name: level\n    type: enum\n    since: 2\n    entries: [{ name: low, value: 1 }, high]\n",
        );
    let new = text_side(&with_enum, "new.yaml");
    let r = compare(&old.dump, &new.dump, &new.locator);
    assert_eq!(
        r.findings.iter().map(|d| d.rule.id).collect::<Vec<_>>(),
        ["new-member-required"],
        "{}",
        render(&r, &new)
    );
    assert!(r.findings[0].message.contains("no entry with value 0"));
}

/// The repository's specs compare clean with themselves through every
/// kind of side.
#[test]
fn repository_specs_round_trip() {
    for name in ["accel-core.yaml", "softaccel.yaml"] {
        let s = repo_spec(name);
        let r = compare(&s.dump, &s.dump, &s.locator);
        assert!(r.findings.is_empty() && r.compatible.is_empty());
    }
}

// ---------------------------------------------------------------- CLI

fn uabi(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_uabi"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run uabi");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A scratch repository holding `spec/core.yaml` and `spec/dev.yaml`
/// (which includes core), copied from `fixtures/compat/cli/` so the
/// tests do not depend on the repository's own specs as they evolve.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("compat-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("spec")).unwrap();
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    for f in ["core.yaml", "dev.yaml"] {
        std::fs::copy(
            crate_dir().join(FIXTURES).join("cli").join(f),
            dir.join("spec").join(f),
        )
        .unwrap();
    }
    dir
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from:?} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn freeze_then_compat_then_evolve() {
    let dir = scratch("evolve");
    let dev = dir.join("spec/dev.yaml");

    // Nothing frozen yet: compat says so and passes.
    let (code, out, err) = uabi(&["compat"], &dir);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("no frozen revision yet"), "{out}");

    let (code, out, err) = uabi(&["freeze", "spec/core.yaml", "spec/dev.yaml"], &dir);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("spec/dev.abi/r1.json: froze revision 1"),
        "{out}"
    );
    let frozen = dir.join("spec/dev.abi/r1.json");
    let r1 = std::fs::read_to_string(&frozen).unwrap();
    assert!(dir.join("spec/core.abi/r1.json").exists());
    // Each spec is frozen alone: dev's dump holds no core item, only the
    // layouts that embed one.
    let d = dump::parse(&r1).unwrap();
    assert!(!d.ioctls.contains_key("bo-create") && !d.structs.contains_key("bo-create"));
    assert_eq!(d.structs["create-two"].layouts["i386"].offsets, [0, 16]);

    // Freezing the same ABI again is a no-op.
    let (code, out, _) = uabi(&["freeze", "spec/dev.yaml"], &dir);
    assert_eq!(code, 0);
    assert!(out.contains("(unchanged)"), "{out}");
    let (code, out, err) = uabi(&["compat"], &dir);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.matches("-> unchanged").count(), 2, "{out}");

    // A compatible change without a revision bump: compat fails, and
    // freeze refuses to change frozen revision 1.
    edit(
        &dev,
        "entries: [poll]",
        "entries: [poll, { name: verbose }]",
    );
    let (code, out, _) = uabi(&["compat"], &dir);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("spec/dev.yaml:3:1: error[revision-not-bumped]"),
        "{out}"
    );
    let (code, _, err) = uabi(&["freeze", "spec/dev.yaml"], &dir);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("not freezing spec/dev.yaml: revision 1 is frozen"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&frozen).unwrap(), r1);

    // Bumped, with `since`: compatible, and revision 2 freezes beside 1.
    edit(&dev, "\nrevision: 1\n", "\nrevision: 2\n");
    edit(&dev, "{ name: verbose }", "{ name: verbose, since: 2 }");
    let (code, out, err) = uabi(&["compat"], &dir);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("+ flags `wait-flags` gained `verbose` = 0x2"),
        "{out}"
    );
    let (code, out, err) = uabi(&["freeze", "spec/dev.yaml"], &dir);
    assert_eq!(code, 0, "{out}{err}");
    assert!(dir.join("spec/dev.abi/r2.json").exists());

    // A breaking change is reported against both frozen revisions, in
    // text and JSON; freeze refuses it.
    edit(&dev, "\nrevision: 2\n", "\nrevision: 3\n");
    edit(
        &dev,
        "{ name: timeout-ns, type: s64 }",
        "{ name: timeout-ns, type: u64, lint-allow: [time-units] }",
    );
    let (code, out, _) = uabi(&["compat"], &dir);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out.matches("error[member-retyped]").count(), 2, "{out}");
    assert!(out.contains("changed type from s64 to u64"), "{out}");
    assert!(out.contains("= hint: keep `timeout-ns` as it was"), "{out}");
    let (code, out, _) = uabi(&["compat", "--format", "json"], &dir);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let runs = v.as_array().unwrap();
    assert_eq!(runs.len(), 3, "core r1, dev r1 and r2: {out}");
    let broken: Vec<&serde_json::Value> = runs.iter().filter(|r| r["breaking"] == true).collect();
    assert_eq!(broken.len(), 2);
    let f = &broken[0]["findings"][0];
    assert_eq!(f["rule"], "member-retyped");
    assert_eq!(f["file"], "spec/dev.yaml");
    assert_eq!(f["line"], 17);
    let (code, _, err) = uabi(&["freeze", "spec/dev.yaml"], &dir);
    assert_eq!(code, 1);
    assert!(err.contains("it breaks frozen spec/dev.abi/r"), "{err}");
    assert!(!dir.join("spec/dev.abi/r3.json").exists());

    // Two sides named explicitly: a frozen dump against the spec.
    let (code, out, _) = uabi(&["compat", "spec/dev.abi/r2.json", "spec/dev.yaml"], &dir);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("spec/dev.yaml:17:"), "{out}");
    // A hand-edited frozen dump is trouble, not a finding.
    let r2 = dir.join("spec/dev.abi/r2.json");
    edit(&r2, "\"nr\": 64", "\"nr\": 66");
    let (code, _, err) = uabi(&["compat"], &dir);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("digest"), "{err}");
}

#[test]
fn freeze_refuses_a_spec_with_lint_errors() {
    let dir = scratch("lint-errors");
    edit(
        &dir.join("spec/dev.yaml"),
        "      - { name: flags, type: u32, enum: wait-flags, enum-as-flags: true }\n",
        "",
    );
    let (code, _, err) = uabi(&["freeze", "spec/dev.yaml"], &dir);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not freezing"), "{err}");
    assert!(!dir.join("spec/dev.abi").exists());
}

#[test]
fn usage_and_io_errors_exit_2() {
    let dir = scratch("usage");
    assert_eq!(uabi(&["compat", "spec/dev.yaml"], &dir).0, 2);
    assert_eq!(uabi(&["compat", "a", "b", "c"], &dir).0, 2);
    assert_eq!(uabi(&["compat", "nope.yaml", "spec/dev.yaml"], &dir).0, 2);
    assert_eq!(uabi(&["compat", "nope.json", "spec/dev.yaml"], &dir).0, 2);
    assert_eq!(uabi(&["compat", "git:HEAD", "spec/dev.yaml"], &dir).0, 2);
    assert_eq!(uabi(&["freeze", "spec/nope.yaml"], &dir).0, 2);
    let (code, out, _) = uabi(&["compat", "--rules"], &dir);
    assert_eq!(code, 0);
    for r in of_stage(Stage::Compat) {
        assert!(out.contains(r.id), "{out}");
    }
}

fn git(dir: &Path, args: &[&str]) -> bool {
    Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `git:<rev>:<path>` reads the spec and its includes at that revision.
#[test]
fn compat_against_a_git_revision() {
    let dir = scratch("git");
    std::fs::remove_dir_all(dir.join(".git")).unwrap();
    if !git(&dir, &["init", "-q"]) {
        uabi_test_support::skipped("compat_against_a_git_revision", "git is not available");
        return;
    }
    assert!(git(&dir, &["add", "spec"]));
    assert!(git(&dir, &["commit", "-q", "-m", "r1"]));
    // Grow core's struct in the working tree only: dev embeds it, so dev
    // changes against the committed revision, which must read the
    // committed core.
    let core = dir.join("spec/core.yaml");
    edit(&core, "\nrevision: 1\n", "\nrevision: 2\n");
    edit(
        &core,
        "      - { name: pad0, type: pad, len: 4 }\n",
        "      - { name: pad0, type: pad, len: 4 }\n      - { name: align, type: u64, since: 2 }\n",
    );
    let dev = dir.join("spec/dev.yaml");
    edit(&dev, "\nrevision: 1\n", "\nrevision: 2\n");
    // The revision is read with `git show` alone: nothing is written to
    // a scratch folder.
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_uabi"))
        .args(["compat", "git:HEAD:spec/dev.yaml", "spec/dev.yaml"])
        .current_dir(&dir)
        .env("TMPDIR", &tmp)
        .output()
        .expect("run uabi");
    assert_eq!(out.status.code(), Some(1));
    let written: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
    assert!(written.is_empty(), "{written:?}");
    let (code, out, err) = uabi(&["compat", "git:HEAD:spec/dev.yaml", "spec/dev.yaml"], &dir);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("against git:HEAD:spec/dev.yaml (revision 1)"),
        "{out}"
    );
    assert!(
        out.contains("error[member-resized]: member `first` of struct `create-two` changed size from 16 to 24 bytes"),
        "{out}"
    );
    // Core itself grew compatibly.
    let (code, out, err) = uabi(
        &["compat", "git:HEAD:spec/core.yaml", "spec/core.yaml"],
        &dir,
    );
    assert_eq!(code, 0, "{out}{err}");
    // The other way round, positions are in the git side.
    let (code, out, _) = uabi(&["compat", "spec/dev.yaml", "git:HEAD:spec/dev.yaml"], &dir);
    assert_eq!(code, 1);
    assert!(
        out.contains("git:HEAD:spec/dev.yaml:3:1: error[revision-not-bumped]"),
        "{out}"
    );
    // Paths relative to the working directory work too.
    let (code, out, err) = uabi(
        &["compat", "git:HEAD:./dev.yaml", "dev.yaml"],
        &dir.join("spec"),
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("error[member-resized]"), "{out}");
    let (code, _, err) = uabi(
        &["compat", "git:HEAD:spec/nope.yaml", "spec/dev.yaml"],
        &dir,
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("git show HEAD:spec/nope.yaml: "), "{err}");
}

/// The git provider on its own: a spec and its include read from a
/// revision, and a folder listed at that revision.
#[test]
fn git_revision_provider_reads_and_lists() {
    use uabi::load::{GitRevision, Provider, load_from};
    let dir = scratch("git-provider");
    std::fs::remove_dir_all(dir.join(".git")).unwrap();
    if !git(&dir, &["init", "-q"]) {
        eprintln!("SKIPPED: git is not available");
        return;
    }
    assert!(git(&dir, &["add", "spec"]));
    assert!(git(&dir, &["commit", "-q", "-m", "r1"]));
    // Nothing of the revision is left in the working tree.
    std::fs::remove_dir_all(dir.join("spec")).unwrap();
    let g = GitRevision::new("HEAD", "spec/dev.yaml").in_dir(&dir);
    let (result, sources) = load_from(&g, Path::new("spec/dev.yaml"), "git:HEAD:spec/dev.yaml");
    let m = result.unwrap_or_else(|d| panic!("{d:#?}"));
    assert_eq!(m.includes[0].source, "git:HEAD:spec/core.yaml");
    assert_eq!(sources.len(), 2);
    let mut listed = g.list(Path::new("spec")).unwrap();
    listed.sort();
    assert_eq!(
        listed,
        [Path::new("spec/core.yaml"), Path::new("spec/dev.yaml")]
    );
    assert!(g.list(Path::new("nope")).unwrap().is_empty());
    assert!(g.read(Path::new("spec/nope.yaml")).is_err());
    assert!(g.canonical(Path::new("spec/nope.yaml")).is_err());
}

/// Each finding is its own: two removals of one kind are two findings.
#[test]
fn several_findings_of_one_rule_are_all_reported() {
    let old = text_side(
        "name: fx\nrevision: 1\nioctl:\n  magic: 0x64\ndefinitions:\n  - name: s\n    type: struct\n    members:\n      - { name: a, type: u32 }\n      - { name: b, type: u32 }\n      - { name: c, type: u32 }\n      - { name: d, type: u32 }\n",
        "old.yaml",
    );
    let new = text_side(
        "name: fx\nrevision: 2\nioctl:\n  magic: 0x64\ndefinitions:\n  - name: s\n    type: struct\n    members:\n      - { name: a, type: u32 }\n      - { name: b, type: u32 }\n",
        "new.yaml",
    );
    let r = compare(&old.dump, &new.dump, &new.locator);
    let msgs: Vec<&str> = r.findings.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "member `c` (offset 8) was removed from struct `s`",
            "member `d` (offset 12) was removed from struct `s`"
        ]
    );
}

/// The spec of the layout kinds' compat tests: a struct held by value in
/// an array, and another of the same size it could be swapped for.
const KINDS: &str = "name: kinds\nrevision: 1\ndefinitions:
  - name: a
    type: struct
    members: [{ name: x, type: u32 }]
  - name: b
    type: struct
    members: [{ name: y, type: u32 }]
  - name: holder
    type: struct
    members:
      - { name: items, type: struct, struct: a, count: 2 }
";

/// The ids of what `new` (as revision 2) breaks of `KINDS`, rendered
/// for the message.
fn kinds_break(new: &str) -> (Vec<&'static str>, String) {
    let old = text_side(KINDS, "old.yaml");
    let new = text_side(&new.replace("revision: 1", "revision: 2"), "new.yaml");
    let report = compare(&old.dump, &new.dump, &new.locator);
    let ids = report.findings.iter().map(|d| d.rule.id).collect();
    (ids, render(&report, &new))
}

/// An array of structs is compared element type and count: a same-size
/// element of another struct is a retype, another count a resize, and
/// the array's element may not grow (it is nested).
#[test]
fn struct_array_changes_are_breaks() {
    let (ids, text) = kinds_break(KINDS);
    assert!(ids.is_empty(), "{text}");
    let (ids, text) = kinds_break(&KINDS.replace("struct: a, count: 2", "struct: b, count: 2"));
    assert_eq!(ids, ["member-retyped"], "{text}");
    assert!(text.contains("struct a[2] to struct b[2]"), "{text}");
    let (ids, text) = kinds_break(&KINDS.replace("count: 2", "count: 3"));
    assert_eq!(ids, ["member-resized"], "{text}");
    let (ids, text) = kinds_break(&KINDS.replace(", count: 2", ""));
    assert_eq!(ids, ["member-resized"], "{text}");
    let grown = KINDS.replace(
        "members: [{ name: x, type: u32 }]",
        "members: [{ name: x, type: u32 }, { name: z, type: u32 }]",
    );
    let (ids, text) = kinds_break(&grown);
    assert!(ids.contains(&"member-resized"), "{text}");
}

/// A multi-dimensional array is compared by its dimensions: the same
/// elements in another shape are a retype, not a silent change.
#[test]
fn multi_dim_shape_changes_are_breaks() {
    let two_d = KINDS.replace("count: 2", "count: [2, 3]");
    let old = text_side(&two_d, "old.yaml");
    let check = |new: &str| {
        let new = text_side(&new.replace("revision: 1", "revision: 2"), "new.yaml");
        let report = compare(&old.dump, &new.dump, &new.locator);
        let ids: Vec<&str> = report.findings.iter().map(|d| d.rule.id).collect();
        (ids, render(&report, &new))
    };
    let (ids, text) = check(&two_d);
    assert!(ids.is_empty(), "{text}");
    let (ids, text) = check(&KINDS.replace("count: 2", "count: [3, 2]"));
    assert_eq!(ids, ["member-retyped"], "{text}");
    assert!(text.contains("struct a[2][3] to struct a[3][2]"), "{text}");
    let (ids, text) = check(&KINDS.replace("count: 2", "count: 6"));
    assert_eq!(ids, ["member-retyped"], "{text}");
    let (ids, text) = check(&KINDS.replace("count: 2", "count: [2, 4]"));
    assert_eq!(ids, ["member-resized"], "{text}");
}

/// A flexible array member is compared by element and count member: its
/// element struct or its `counted-by` changing is a retype.
#[test]
fn flexible_array_member_changes_are_breaks() {
    let flex = "name: kinds\nrevision: 1\ndefinitions:
  - name: a
    type: struct
    members: [{ name: x, type: u32 }]
  - name: b
    type: struct
    members: [{ name: y, type: u32 }]
  - name: holder
    type: struct
    existing-abi: true
    members:
      - { name: n, type: u32 }
      - { name: m, type: u32 }
      - { name: items, type: struct, struct: a, flexible: true, counted-by: n }
";
    let old = text_side(flex, "old.yaml");
    let check = |new: &str| {
        let new = text_side(&new.replace("revision: 1", "revision: 2"), "new.yaml");
        let report = compare(&old.dump, &new.dump, &new.locator);
        let ids: Vec<&str> = report.findings.iter().map(|d| d.rule.id).collect();
        (ids, render(&report, &new))
    };
    let (ids, text) = check(flex);
    assert!(ids.is_empty(), "{text}");
    let (ids, text) = check(&flex.replace("struct: a, flexible", "struct: b, flexible"));
    assert_eq!(ids, ["member-retyped"], "{text}");
    assert!(
        text.contains("struct a[] (counted by `n`) to struct b[]"),
        "{text}"
    );
    let (ids, text) = check(&flex.replace("counted-by: n", "counted-by: m"));
    assert_eq!(ids, ["member-retyped"], "{text}");
}

/// A const's C type is part of its value: the same -1 as `unsigned long`
/// is another number on 32-bit targets.
#[test]
fn const_c_type_change_is_a_renumbering() {
    let old = "name: k\nrevision: 1\ndefinitions:\n  - { name: inv, type: const, c-type: ulong, value: -1 }\n";
    let o = text_side(old, "old.yaml");
    let n = text_side(
        &old.replace("revision: 1", "revision: 2")
            .replace("c-type: ulong, ", ""),
        "new.yaml",
    );
    let report = compare(&o.dump, &n.dump, &n.locator);
    let ids: Vec<&str> = report.findings.iter().map(|d| d.rule.id).collect();
    let text = render(&report, &n);
    assert_eq!(ids, ["renumbered"], "{text}");
    assert!(text.contains("from -1 (ulong) to -1"), "{text}");
}

/// An ioctl's `arg-access` is part of its ABI: SET_PARAM that read
/// `value` and now does not is a break, found at the ioctl; the same
/// access written the other way round (the override moved into the
/// struct) is the struct's finding, not reported twice.
#[test]
fn arg_access_change_is_a_break() {
    let dir = std::env::temp_dir().join(format!("uabi-compat-arg-access-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = |rev: u32, set: &str| {
        format!(
            "name: fx\nrevision: {rev}\nioctl:\n  magic: 0x64\ndefinitions:\n  - name: param\n    type: struct\n    members:\n      - {{ name: param, type: u32 }}\n      - {{ name: index, type: u32 }}\n      - {{ name: value, type: u64, access: out }}\nioctls:\n  - {{ name: get-param, nr: 0x40, dir: inout, arg: param, extension: zero-extend, errors: [{{ errno: EINVAL }}] }}\n  - {{ name: set-param, nr: 0x41, dir: inout, arg: param, extension: zero-extend, errors: [{{ errno: EINVAL }}]{set} }}\n"
        )
    };
    std::fs::write(
        dir.join("old.yaml"),
        text(1, ", arg-access: { value: inout }"),
    )
    .unwrap();
    std::fs::write(dir.join("new.yaml"), text(2, "")).unwrap();
    std::fs::write(
        dir.join("same.yaml"),
        text(2, ", arg-access: { value: inout }"),
    )
    .unwrap();
    let old = spec(dir.join("old.yaml").to_str().unwrap());
    let new = spec(dir.join("new.yaml").to_str().unwrap());
    let report = compare(&old.dump, &new.dump, &new.locator);
    let ids: Vec<&str> = report.findings.iter().map(|d| d.rule.id).collect();
    assert_eq!(ids, ["member-access-changed"], "{}", render(&report, &new));
    let d = &report.findings[0];
    assert!(
        d.message.contains("ioctl `set-param`") && d.message.contains("from `inout` to `out`"),
        "{}",
        d.message
    );
    let same = spec(dir.join("same.yaml").to_str().unwrap());
    let report = compare(&old.dump, &same.dump, &same.locator);
    assert!(report.findings.is_empty(), "{}", render(&report, &same));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A multi-bit flags field's values are ABI: one removed or renumbered
/// is a break, one added is compatible.
#[test]
fn flags_field_values_are_compared() {
    let dir = std::env::temp_dir().join(format!("uabi-compat-field-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = |rev: u32, values: &str| {
        format!(
            "name: fx\nrevision: {rev}\ndefinitions:\n  - name: f\n    type: flags\n    entries:\n      - a\n      - {{ name: mode, bits: [4, 6], values: {values} }}\n"
        )
    };
    let cases = [
        ("[low, mid, high]", vec![], "gained `high` = 0x20"),
        ("[low]", vec!["removed-entry"], ""),
        ("[low, { name: mid, value: 3 }]", vec!["renumbered"], ""),
    ];
    std::fs::write(dir.join("old.yaml"), text(1, "[low, mid]")).unwrap();
    let old = spec(dir.join("old.yaml").to_str().unwrap());
    for (values, want, note) in cases {
        std::fs::write(dir.join("new.yaml"), text(2, values)).unwrap();
        let new = spec(dir.join("new.yaml").to_str().unwrap());
        let report = compare(&old.dump, &new.dump, &new.locator);
        let ids: Vec<&str> = report.findings.iter().map(|d| d.rule.id).collect();
        assert_eq!(ids, want, "{values}: {}", render(&report, &new));
        assert!(
            note.is_empty() || report.compatible.iter().any(|n| n.contains(note)),
            "{values}: {:?}",
            report.compatible
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A stride added to (or removed from) a user-ptr changes how the kernel
/// walks the array: a retype of the member.
#[test]
fn a_stride_change_is_a_retype() {
    let text = |rev: u32, stride: &str| {
        format!(
            "name: fx\nrevision: {rev}\nioctl:\n  magic: 0x64\ndefinitions:\n  - name: t\n    type: struct\n    members:\n      - {{ name: a, type: u32 }}\n  - name: j\n    type: struct\n    members:\n      - {{ name: p, type: user-ptr, elem: t, count: n, max-count: 4{stride} }}\n      - {{ name: n, type: u32 }}\n      - {{ name: size, type: u32 }}\nioctls:\n  - {{ name: j, nr: 0x40, dir: in, arg: j, extension: zero-extend, errors: [{{ errno: EINVAL }}] }}\n"
        )
    };
    let old = text_side(&text(1, ""), "old.yaml");
    let new = text_side(&text(2, ", stride: size"), "new.yaml");
    let report = compare(&old.dump, &new.dump, &new.locator);
    let ids: Vec<&str> = report.findings.iter().map(|d| d.rule.id).collect();
    assert_eq!(ids, ["member-retyped"], "{}", render(&report, &new));
    assert!(
        report.findings[0]
            .message
            .contains("elements `size` bytes apart"),
        "{}",
        report.findings[0].message
    );
}

/// A union's members all sit at offset 0: a new one that fits the old
/// size moves nothing and is compatible (habanalabs' `hl_cs_in` union
/// gained a struct in 6.4); one that makes a nested union grow is not.
#[test]
fn a_union_may_gain_a_member_that_fits() {
    let text = |rev: u32, extra: &str| {
        format!(
            "name: fx\nrevision: {rev}\nexisting-abi: true\ndefinitions:\n  - name: u\n    type: union\n    members:\n      - {{ name: a, type: u64 }}\n      - {{ name: b, type: u32 }}\n{extra}  - name: h\n    type: struct\n    members:\n      - {{ name: x, type: union, union: u }}\n      - {{ name: y, type: u64 }}\n"
        )
    };
    let old = text_side(&text(1, ""), "old.yaml");
    let fits = text_side(
        &text(2, "      - { name: c, type: u32, since: 2 }\n"),
        "new.yaml",
    );
    let report = compare(&old.dump, &fits.dump, &fits.locator);
    assert!(report.findings.is_empty(), "{}", render(&report, &fits));
    assert!(
        report
            .compatible
            .iter()
            .any(|n| n == "union `u` gained member `c`"),
        "{:?}",
        report.compatible
    );
    let grows = text_side(
        &text(2, "      - { name: d, type: u64, count: 2, since: 2 }\n"),
        "new.yaml",
    );
    let report = compare(&old.dump, &grows.dump, &grows.locator);
    assert!(report.is_breaking(), "{}", render(&report, &grows));
}

/// Found by fuzz/fuzz_targets/compat_dump: a frozen dump whose digests
/// match (recomputed, as anyone editing a dump can) but whose struct
/// layout lists fewer offsets or sizes than the struct has members made
/// `compare` index past the end. Such a dump is refused when read.
#[test]
fn a_dump_with_a_layout_shorter_than_its_members_is_refused() {
    let s = repo_spec("softaccel.yaml");
    for field in ["offsets", "sizes"] {
        let mut d = s.dump.clone();
        let item = d
            .structs
            .values_mut()
            .find(|x| x.members.len() >= 2)
            .unwrap();
        let layout = item.layouts.values_mut().next().unwrap();
        match field {
            "offsets" => layout.offsets.pop(),
            _ => layout.sizes.pop(),
        };
        item.digest = dump::digest_of(&*item).unwrap();
        let text = dump::to_json(&d).unwrap();
        match compat::dump_side(&text, "r9.json") {
            Ok(frozen) => {
                // Whatever a read dump holds, comparing it must not panic;
                // this one should not have been read at all.
                let _ = compare(&frozen.dump, &s.dump, &s.locator);
                let _ = compare(&s.dump, &frozen.dump, &frozen.locator);
                panic!("a layout with a missing {field} entry was accepted");
            }
            Err(e) => assert!(e.to_string().contains(field), "{e}"),
        }
    }
}
