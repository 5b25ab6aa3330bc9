//! The `uabi` binary as users run it: exit codes, drift detection,
//! refusal to generate from a spec with errors.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

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

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A scratch copy of the example specs, so tests can break things.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("spec")).unwrap();
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    for f in ["accel-core.yaml", "softaccel.yaml"] {
        std::fs::copy(root().join("spec").join(f), dir.join("spec").join(f)).unwrap();
    }
    dir
}

#[test]
fn checked_in_output_is_fresh() {
    let (code, out, err) = uabi(&["check"], &root());
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn generate_then_check_then_drift() {
    let dir = scratch("drift");
    let (code, out, err) = uabi(&["generate"], &dir);
    assert_eq!(code, 0, "{out}{err}");
    assert!(dir.join("generated/softaccel/c/softaccel.h").exists());
    assert!(dir.join("generated/accel/rust/uapi/src/lib.rs").exists());
    // Banners name the spec relative to the repository, not an absolute path.
    let header = std::fs::read_to_string(dir.join("generated/softaccel/c/softaccel.h")).unwrap();
    assert!(header.contains("spec/softaccel.yaml"), "{}", &header[..400]);
    assert!(!header.contains(dir.to_str().unwrap()));
    assert_eq!(uabi(&["check"], &dir).0, 0);

    // Regenerating identical output touches nothing.
    let (_, out, _) = uabi(&["generate"], &dir);
    assert!(out.contains("(0 updated)"), "{out}");

    // A hand edit, a deleted file and a stray file are each named.
    let edited = dir.join("generated/accel/c/accel.h");
    std::fs::write(&edited, "/* edited by hand */\n").unwrap();
    std::fs::remove_file(dir.join("generated/softaccel/rust/uapi/Cargo.toml")).unwrap();
    std::fs::write(dir.join("generated/softaccel/c/old.h"), "stale").unwrap();
    let (code, out, _) = uabi(&["check"], &dir);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("differs:") && out.contains("accel/c/accel.h"),
        "{out}"
    );
    assert!(
        out.contains("missing:") && out.contains("softaccel/rust/uapi/Cargo.toml"),
        "{out}"
    );
    assert!(out.contains("stale") && out.contains("old.h"), "{out}");

    // Bytecode that running the Python binding in place leaves behind is
    // not generated content: neither stale nor removed.
    let cache = dir.join("generated/softaccel/python/__pycache__");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(cache.join("softaccel_uapi.cpython-311.pyc"), "x").unwrap();
    let (_, out, _) = uabi(&["check"], &dir);
    assert!(!out.contains("__pycache__"), "{out}");

    // generate repairs all three.
    assert_eq!(uabi(&["generate"], &dir).0, 0);
    assert!(!dir.join("generated/softaccel/c/old.h").exists());
    assert!(cache.exists());
    assert_eq!(uabi(&["check"], &dir).0, 0);
}

#[test]
fn a_spec_with_errors_is_not_generated() {
    let dir = scratch("errors");
    let spec = dir.join("spec/softaccel.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    // Turn the wait ioctl's explicit pad into a hole: a lint error.
    let broken = text.replacen("nr: 0x41", "nr: 0x10", 1);
    assert_ne!(broken, text);
    std::fs::write(&spec, broken).unwrap();
    let (code, _, err) = uabi(&["generate"], &dir);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("error[nr-out-of-range]"), "{err}");
    assert!(!dir.join("generated").exists(), "nothing may be written");
    let (code, out, _) = uabi(&["lint", "spec/softaccel.yaml"], &dir);
    assert_eq!(code, 1);
    assert!(out.contains("spec/softaccel.yaml:"), "{out}");
}

#[test]
fn exit_codes() {
    let r = root();
    assert_eq!(
        uabi(&["lint", "spec/softaccel.yaml", "spec/accel-core.yaml"], &r).0,
        0
    );
    // Warnings alone exit 0.
    let (code, out, _) = uabi(&["lint", "codegen/tests/fixtures/lint/time-units.yaml"], &r);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("warning[time-units]"));
    assert_eq!(
        uabi(
            &["lint", "codegen/tests/fixtures/lint/implicit-padding.yaml"],
            &r
        )
        .0,
        1
    );
    assert_eq!(uabi(&["lint", "no/such/spec.yaml"], &r).0, 2);
    assert_eq!(uabi(&["frobnicate"], &r).0, 2);
    // Without spec arguments, lint takes the project's specs (here the
    // repository's spec/), as generate and check do.
    assert_eq!(uabi(&["lint"], &r).0, 0);
}

#[test]
fn lint_json_is_machine_readable() {
    let (code, out, _) = uabi(
        &[
            "lint",
            "--format",
            "json",
            "codegen/tests/fixtures/lint/implicit-padding.yaml",
        ],
        &root(),
    );
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v[0]["rule"], "implicit-padding");
    assert_eq!(v[0]["severity"], "error");
    assert!(v[0]["line"].as_u64().unwrap() > 0);
}

#[test]
fn output_does_not_depend_on_how_the_spec_path_is_spelled() {
    // A project without git (so outside this repository's tree): its
    // root is the directory the tool runs in.
    let dir = std::env::temp_dir().join(format!("uabi-cli-spelling-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("specs")).unwrap();
    std::fs::copy(
        root().join("spec/accel-core.yaml"),
        dir.join("specs/accel-core.yaml"),
    )
    .unwrap();
    let (code, out, err) = uabi(&["generate", "--out", "gen", "specs/accel-core.yaml"], &dir);
    assert_eq!(code, 0, "{out}{err}");
    let header = std::fs::read_to_string(dir.join("gen/accel/c/accel.h")).unwrap();
    assert!(
        header.contains("from specs/accel-core.yaml."),
        "{}",
        &header[..300]
    );
    let absolute = dir.join("specs/accel-core.yaml");
    for spelling in [
        "./specs/accel-core.yaml",
        "specs/../specs/accel-core.yaml",
        absolute.to_str().unwrap(),
    ] {
        let (code, out, err) = uabi(&["check", "--out", "gen", spelling], &dir);
        assert_eq!(code, 0, "{spelling}: {out}{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    // The reader exits before uabi writes: every write fails with EPIPE.
    // uabi says nothing and exits 141, as a tool killed by SIGPIPE does.
    for verb in ["rules", "compat --rules", "lint spec/softaccel.yaml"] {
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "(sleep 0.3; exec '{}' {verb}) | true; echo \"${{PIPESTATUS[0]}}\"",
                env!("CARGO_BIN_EXE_uabi")
            ))
            .current_dir(root())
            .output()
            .expect("run bash");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.is_empty(), "{verb}: {stderr}");
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "141", "{verb}");
    }
}

/// `uabi lint` reports a spec's resolution errors and the lint findings
/// of everything that did resolve in one run, not one after the other.
#[test]
fn lint_reports_resolution_and_lint_errors_in_one_run() {
    let dir = std::env::temp_dir().join(format!("uabi-cli-one-run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("t.yaml");
    std::fs::write(
        &spec,
        "name: t\nioctl: { magic: 0x64 }\ndefinitions:\n  - name: a\n    type: struct\n    members:\n      - { name: x, type: u32 }\n      - { name: y, type: u64 }\n  - name: b\n    type: struct\n    members:\n      - { name: x, type: u32q }\nioctls:\n  - { name: one, nr: 0x40, dir: in, arg: a }\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_uabi"))
        .arg("lint")
        .arg(&spec)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for rule in [
        "unknown-type",
        "implicit-padding",
        "missing-errors",
        "missing-extension",
    ] {
        assert!(
            text.contains(&format!("error[{rule}]")),
            "{rule} missing:\n{text}"
        );
    }
    assert!(text.contains("4 errors"), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--version` names the spec language the tool reads.
#[test]
fn version_names_the_spec_language() {
    let (code, out, err) = uabi(&["--version"], &root());
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!(
            "uabi {} (spec language {})\n",
            env!("CARGO_PKG_VERSION"),
            uabi::SPEC_LANGUAGE_VERSION
        )
    );
}

/// `--help` documents every exit code the tool uses, and the ones it
/// documents are the ones it gives.
#[test]
fn help_documents_the_exit_codes() {
    let (code, out, err) = uabi(&["--help"], &root());
    assert_eq!(code, 0, "{err}");
    let codes = out
        .split_once("Exit codes:\n")
        .unwrap_or_else(|| panic!("no exit codes in --help:\n{out}"))
        .1;
    for (n, what) in [
        ("0", "success"),
        ("1", "findings"),
        ("2", "usage"),
        ("141", "closed early"),
    ] {
        assert!(
            codes
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("{n} ")) && l.contains(what)),
            "exit code {n} ({what}) is not documented:\n{codes}"
        );
    }
    let r = root();
    assert_eq!(uabi(&["lint", "spec/softaccel.yaml"], &r).0, 0);
    assert_eq!(
        uabi(&["lint", "codegen/tests/fixtures/lint/drm-magic.yaml"], &r).0,
        1
    );
    assert_eq!(uabi(&["--no-such-option"], &r).0, 2);
}

/// `--quiet` (before or after the command) leaves out progress and
/// summaries, never diagnostics, findings or errors.
#[test]
fn quiet_prints_only_what_matters() {
    let dir = scratch("quiet");
    let (code, out, err) = uabi(&["--quiet", "generate"], &dir);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "", "generate --quiet printed progress");
    assert!(dir.join("generated/softaccel/c/softaccel.h").exists());
    let (_, loud, _) = uabi(&["generate"], &dir);
    assert!(loud.contains("generated "), "{loud}");
    for args in [["-q", "check"], ["check", "-q"]] {
        let (code, out, err) = uabi(&args, &dir);
        assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""), "{args:?}");
    }
    // A stale file is a finding: named even when quiet.
    let header = dir.join("generated/softaccel/c/softaccel.h");
    std::fs::write(&header, "stale").unwrap();
    let (code, out, _) = uabi(&["-q", "check"], &dir);
    assert_eq!(code, 1);
    assert!(out.contains("softaccel.h"), "{out}");
    // Diagnostics stay; the count line goes.
    let fixture = root().join("codegen/tests/fixtures/lint/time-units.yaml");
    let fixture = fixture.to_str().unwrap();
    let (code, out, _) = uabi(&["lint", "--quiet", fixture], &dir);
    assert_eq!(code, 0);
    assert!(out.contains("warning[time-units]"), "{out}");
    assert!(!out.contains(" errors, "), "{out}");
    let (_, out, _) = uabi(&["lint", fixture], &dir);
    assert!(out.contains("0 errors, "), "{out}");
}

/// Runs `uabi ARGS` on a pseudo-terminal (util-linux `script`), with
/// `env` set; returns what the terminal showed (stdout and stderr).
fn on_terminal(args: &str, env: &[(&str, &str)]) -> Option<String> {
    let mut cmd = Command::new("script");
    cmd.args(["-qec"])
        .arg(format!("{} {args}", env!("CARGO_BIN_EXE_uabi")))
        .arg("/dev/null")
        .current_dir(root())
        .env_remove("NO_COLOR")
        .env("TERM", "xterm");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Diagnostics are coloured on a terminal (stdout for `lint`, stderr for
/// `generate`), and plain when NO_COLOR is set, with TERM=dumb, and when
/// the output is not a terminal.
#[test]
fn colour_only_on_a_terminal() {
    let bad = "codegen/tests/fixtures/lint/drm-magic.yaml";
    let red = "\x1b[1;31merror[drm-magic]\x1b[0m";
    let Some(lint) = on_terminal(&format!("lint {bad}"), &[]) else {
        uabi_test_support::skipped(
            "coloured diagnostics on a terminal",
            "util-linux `script` (a pseudo-terminal) does not run",
        );
        return;
    };
    assert!(lint.contains(red), "lint on a terminal:\n{lint}");
    assert!(lint.contains("\x1b[1;36m= hint:\x1b[0m"), "{lint}");
    let generate = on_terminal(&format!("generate --out /nonexistent/x {bad}"), &[]).unwrap();
    assert!(
        generate.contains(red),
        "generate on a terminal:\n{generate}"
    );
    for env in [("NO_COLOR", "1"), ("TERM", "dumb")] {
        let plain = on_terminal(&format!("lint {bad}"), &[env]).unwrap();
        assert!(plain.contains("error[drm-magic]"), "{plain}");
        assert!(!plain.contains('\x1b'), "{env:?}:\n{plain}");
    }
    // An empty NO_COLOR is unset (no-color.org).
    let empty = on_terminal(&format!("lint {bad}"), &[("NO_COLOR", "")]).unwrap();
    assert!(empty.contains(red), "{empty}");
    let (_, out, err) = uabi(&["lint", bad], &root());
    assert!(out.contains("error[drm-magic]"), "{out}");
    assert!(!out.contains('\x1b') && !err.contains('\x1b'), "{out}{err}");
}

/// `uabi lint --fix` on a spec outside the repository: it inserts the
/// explicit pads and the extension rule the hints name, keeps every
/// comment and blank line, says what it did, and the spec then lints
/// clean with the same layout on x86_64 (the pads fill what the compiler
/// left) and one layout on every target.
#[test]
fn lint_fix_mends_what_is_mechanical_and_keeps_the_text() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-lint-fix");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fixtures = root().join("codegen/tests/fixtures/fix");
    let spec = dir.join("fixme.yaml");
    std::fs::copy(fixtures.join("before.yaml"), &spec).unwrap();
    let (code, _, _) = uabi(&["lint", "fixme.yaml"], &dir);
    assert_eq!(code, 1, "the spec has errors before the fix");
    let size_before = uabi::load::load(&spec, None)
        .unwrap_or_else(|_| panic!("loads"))
        .structs[0]
        .layout(uabi::target::Target::X86_64)
        .size;

    let (code, stdout, stderr) = uabi(&["lint", "--fix", "fixme.yaml"], &dir);
    assert_eq!(code, 0, "clean after the fix:\n{stdout}{stderr}");
    assert_eq!(
        std::fs::read_to_string(&spec).unwrap(),
        std::fs::read_to_string(fixtures.join("after.yaml")).unwrap()
    );
    for line in [
        "fixme.yaml:15: fixed: added `- { name: pad0, type: pad, len: 4 }`",
        "fixme.yaml:22: fixed: added `- { name: pad1, type: pad, len: 4 }`",
        "fixme.yaml:26: fixed: added `extension: strict`",
    ] {
        assert!(stdout.contains(line), "{line} missing from:\n{stdout}");
    }
    let model = uabi::load::load(&spec, None).unwrap_or_else(|_| panic!("loads"));
    let s = &model.structs[0];
    assert_eq!(s.layout(uabi::target::Target::X86_64).size, size_before);
    let sizes: std::collections::BTreeSet<u32> = s.layouts.values().map(|l| l.size).collect();
    assert_eq!(sizes.len(), 1, "one size on every target: {sizes:?}");

    // Nothing left to fix: a second run changes nothing.
    let (code, stdout, _) = uabi(&["lint", "--fix", "fixme.yaml"], &dir);
    assert_eq!(code, 0);
    assert!(!stdout.contains("fixed:"), "{stdout}");
}

/// Existing ABI is reproduced, never fixed: `--fix` leaves a shipped
/// driver's spec (ivpu's implicit tail padding) byte for byte alone.
#[test]
fn lint_fix_never_touches_existing_abi() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-lint-fix-existing");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("ivpu.yaml");
    std::fs::copy(root().join("spec/examples/ivpu.yaml"), &spec).unwrap();
    let before = std::fs::read_to_string(&spec).unwrap();
    let (_, stdout, _) = uabi(&["lint", "--fix", "ivpu.yaml"], &dir);
    assert!(stdout.contains("implicit-tail-padding"), "{stdout}");
    assert!(!stdout.contains("fixed:"), "{stdout}");
    assert_eq!(std::fs::read_to_string(&spec).unwrap(), before);
}

/// `since` is fixed from what `uabi compat` says against the latest
/// frozen revision: an entry whose `since` was changed gets its old one
/// back, in place, and `uabi compat` is clean again.
#[test]
fn lint_fix_restores_a_changed_since() {
    let dir = scratch("lint-fix-since");
    for f in ["accel-core.abi", "softaccel.abi"] {
        std::fs::create_dir_all(dir.join("spec").join(f)).unwrap();
        for e in std::fs::read_dir(root().join("spec").join(f)).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), dir.join("spec").join(f).join(e.file_name())).unwrap();
        }
    }
    let spec = dir.join("spec/softaccel.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    let broken = text.replacen(
        "      - name: xor-u32\n        since: 2\n",
        "      - name: xor-u32\n        since: 3\n",
        1,
    );
    assert_ne!(broken, text, "the spec has the entry this test edits");
    std::fs::write(&spec, &broken).unwrap();
    let (code, stdout, _) = uabi(
        &[
            "compat",
            "spec/softaccel.yaml",
            "spec/softaccel.abi/r3.json",
        ],
        &dir,
    );
    let _ = (code, stdout);
    let (_, stdout, stderr) = uabi(&["lint", "--fix", "spec/softaccel.yaml"], &dir);
    assert!(stdout.contains("fixed: set `since: 2`"), "{stdout}{stderr}");
    assert_eq!(std::fs::read_to_string(&spec).unwrap(), text);
}

/// A new driver project from `uabi init` to an installed header, in a
/// folder outside this repository, as the README's quick start shows it:
/// every command finds `uabi.toml` from a folder below it, the C header
/// goes where the project file says (and compiles there), a disabled
/// output is not written, hand-written files beside the header survive,
/// `check` sees drift, and `freeze` then `compat` work.
#[test]
fn a_project_from_init_to_an_installed_header() {
    let dir = std::env::temp_dir().join(format!("uabi-project-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (code, stdout, stderr) = uabi(&["init", "--name", "my-drv"], &dir);
    assert_eq!(code, 0, "{stdout}{stderr}");
    for f in ["uabi.toml", "spec/my-drv.yaml", "ci/uabi-check.sh"] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    let (code, _, stderr) = uabi(&["init", "--name", "my-drv"], &dir);
    assert_eq!(code, 2, "init never overwrites: {stderr}");

    let (code, stdout, _) = uabi(&["lint"], &dir.join("spec"));
    assert_eq!(code, 0, "the skeleton lints clean: {stdout}");
    let toml = std::fs::read_to_string(dir.join("uabi.toml")).unwrap();
    std::fs::write(
        dir.join("uabi.toml"),
        format!(
            "{toml}license = \"MIT\"\n\n\
             [output.c]\ndir = \"include/uapi/drm\"\ninclude-dir = \"drm\"\n\n\
             [output.go]\nenabled = false\n\n\
             [output.rust-uapi]\nruntime-version = \"0.1.0\"\ncrate = \"my-drv-abi\"\n\n\
             [output.python]\npackage = \"my_drv\"\n"
        ),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("include/uapi/drm")).unwrap();
    std::fs::write(dir.join("include/uapi/drm/other.h"), "/* hand-written */\n").unwrap();

    let (code, stdout, stderr) = uabi(&["generate"], &dir.join("spec"));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let header = dir.join("include/uapi/drm/my_drv.h");
    assert!(header.is_file(), "{stdout}");
    assert!(
        dir.join("include/uapi/drm/other.h").is_file(),
        "a hand-written file was removed"
    );
    assert!(
        !dir.join("generated/my-drv/go").exists(),
        "a disabled output was written"
    );
    assert!(
        dir.join("generated/my-drv/rust/kernel/Cargo.toml")
            .is_file()
    );
    let consumer = dir.join("consumer.c");
    std::fs::write(
        &consumer,
        "#include <my_drv.h>\nint main(void) { struct my_drv_get_version v = {0}; \
         return (int)v.version + (MY_DRV_IOCTL_GET_VERSION != 0 ? 0 : 1); }\n",
    )
    .unwrap();
    let cc = Command::new("gcc")
        .args(["-std=c11", "-Wall", "-Werror", "-fsyntax-only", "-I"])
        .arg(dir.join("include/uapi/drm"))
        .arg(&consumer)
        .output()
        .unwrap();
    assert!(
        cc.status.success(),
        "{}",
        String::from_utf8_lossy(&cc.stderr)
    );

    let manifest =
        std::fs::read_to_string(dir.join("generated/my-drv/rust/kernel/Cargo.toml")).unwrap();
    assert!(
        manifest.contains("uabi-runtime") && manifest.contains("version = \"0.1.0\""),
        "runtime-version names the runtime by version:\n{manifest}"
    );
    // The naming keys land: the renamed uapi crate and its dependents,
    // the project license where the spec sets none, the Python package.
    assert!(
        manifest.contains("my-drv-abi = { version = \"0.1.0\", path = \"../uapi\" }\n")
            && manifest.contains("license = \"MIT\"\n"),
        "{manifest}"
    );
    let uapi = std::fs::read_to_string(dir.join("generated/my-drv/rust/uapi/Cargo.toml")).unwrap();
    assert!(uapi.contains("name = \"my-drv-abi\"\n"), "{uapi}");
    assert!(
        std::fs::read_to_string(&header)
            .unwrap()
            .starts_with("/* SPDX-License-Identifier: MIT */\n")
    );
    let pyproject =
        std::fs::read_to_string(dir.join("generated/my-drv/python/pyproject.toml")).unwrap();
    assert!(
        pyproject.contains("name = \"my-drv\"\n")
            && pyproject.contains("license = { text = \"MIT\" }\n"),
        "{pyproject}"
    );
    // pip installs it into a fresh venv, offline, as the quick start does.
    let venv = dir.join("venv");
    let py = |c: &mut Command| {
        let out = c.env_remove("PYTHONPATH").output().unwrap();
        assert!(
            out.status.success(),
            "{c:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    py(Command::new("python3").arg("-m").arg("venv").arg(&venv));
    py(Command::new(venv.join("bin/python"))
        .args(["-m", "pip", "install", "--quiet", "--no-index"])
        .arg(dir.join("generated/my-drv/python")));
    let out = py(Command::new(venv.join("bin/python"))
        .args([
            "-I",
            "-c",
            "import my_drv; print(my_drv.REVISION, my_drv.__file__)",
        ])
        .current_dir(&dir));
    assert!(
        out.starts_with("1 ") && out.contains(&*venv.to_string_lossy()),
        "{out}"
    );

    // headers_install: a tree that compiles with -I on it alone, in the
    // project's include-dir.
    let (code, stdout, stderr) = uabi(&["headers-install", "--out", "usr"], &dir);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let installed = dir.join("usr/include/drm/my_drv.h");
    assert!(installed.is_file(), "{stdout}");
    std::fs::write(
        &consumer,
        "#include <drm/my_drv.h>\nint main(void) { struct my_drv_get_version v = {0}; \
         return (int)v.version; }\n",
    )
    .unwrap();
    let cc = Command::new("gcc")
        .args(["-std=c11", "-Wall", "-Werror", "-fsyntax-only", "-I"])
        .arg(dir.join("usr/include"))
        .arg(&consumer)
        .output()
        .unwrap();
    assert!(
        cc.status.success(),
        "{}",
        String::from_utf8_lossy(&cc.stderr)
    );

    let (code, _, _) = uabi(&["check"], &dir);
    assert_eq!(code, 0);
    std::fs::write(&header, "/* edited */\n").unwrap();
    let (code, stdout, _) = uabi(&["check"], &dir);
    assert_eq!(code, 1);
    assert!(stdout.contains("include/uapi/drm/my_drv.h"), "{stdout}");
    let (code, _, _) = uabi(&["generate"], &dir);
    assert_eq!(code, 0);

    let (code, stdout, stderr) = uabi(&["freeze", "spec/my-drv.yaml"], &dir);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (code, stdout, stderr) = uabi(&["compat"], &dir.join("include"));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("my-drv"), "{stdout}");

    // A broken project file says where.
    std::fs::write(
        dir.join("uabi.toml"),
        "[project]\nname = \"x\"\nspecs = [\"../x.yaml\"]\n",
    )
    .unwrap();
    let (code, _, stderr) = uabi(&["check"], &dir);
    assert_eq!(code, 2);
    assert!(stderr.contains("uabi.toml:3:10"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
