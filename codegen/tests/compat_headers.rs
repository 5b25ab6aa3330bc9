//! `uabi compat` on C headers: each side imported on the fly, compared
//! with the same rules as specs on every target. Tested on real history
//! (each accel header at several Linux releases, fixtures/headers/history)
//! and on seeded breakages of the current ivpu header that must fail.

// Tests report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;
use uabi::compat::{self, Report, Side, SideOptions};

fn headers() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/headers")
}

/// The include folders every header needs: the DRM core headers beside
/// the accel ones (`"drm.h"` and, from 6.8 on, `<drm/drm.h>`) and the
/// shim for `__counted_by` on Debian 12's uapi headers.
fn options() -> SideOptions {
    let h = headers();
    SideOptions {
        includes: vec![h.join("drm"), h.clone(), h.join("shim")],
    }
}

/// Why the import's C front end (libclang, in process) cannot run here.
fn front_end_missing() -> Option<String> {
    uabi::import::front_end().err().map(|e| e.to_string())
}

macro_rules! need_clang {
    ($what:expr) => {
        if let Some(why) = front_end_missing() {
            uabi_test_support::skipped($what, &why);
            return;
        }
    };
}

fn side(path: &Path) -> Side {
    compat::load_side_with(path.to_str().unwrap(), &options())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn compare(old: &Path, new: &Path) -> (Report, Side) {
    let (o, n) = (side(old), side(new));
    (compat::compare_headers(&o, &n), n)
}

fn ids(r: &Report) -> Vec<&'static str> {
    r.findings.iter().map(|d| d.rule.id).collect()
}

fn render(r: &Report, new: &Side) -> String {
    let mut out: Vec<String> = r
        .findings
        .iter()
        .map(|d| d.render(new.sources.get(&d.pos.file).map(String::as_str)))
        .collect();
    out.extend(r.compatible.iter().map(|n| format!("+ {n}")));
    out.join("\n")
}

/// Every consecutive pair of releases of each header, with what the
/// comparison finds. The breaks are real, each checked against the
/// headers' diff (fixtures/headers/history/README.md):
/// - ivpu 6.3 -> 6.6 and 6.18 -> 6.19: `DRM_IVPU_BO_FLAGS`, the mask of
///   valid BO flags, changed value (0x30003 -> 0x30007 -> 0x3000f), which
///   a program built with the old header keeps;
/// - ivpu 6.11 -> 6.13: `DRM_IVPU_DRIVER_MAJOR`/`_MINOR` were removed;
/// - habanalabs 6.5 -> 6.8: the ioctls moved from their own 'H' numbers
///   to DRM's (magic 0x48 -> 0x64, each of the six ioctls' nr and
///   `HL_COMMAND_START`/`_END` renumbered).
///
/// Growth at the end of a DRM argument (zero-extended by drm_ioctl) is
/// compatible: ivpu's submit (6.8) and cmdq_submit (6.19), habanalabs'
/// hw_ip_info (6.4).
#[test]
fn real_history_of_the_accel_headers() {
    need_clang!("compat on the accel headers' history");
    let h = headers().join("history");
    let expected: &[Pair] = &[
        ("ivpu_accel", "6.3.8", "6.6.9", &["renumbered"], &[]),
        (
            "ivpu_accel",
            "6.6.9",
            "6.8.0",
            &[],
            &["struct `submit` grew from 24 to 32 bytes at the end (`priority`)"],
        ),
        (
            "ivpu_accel",
            "6.8.0",
            "6.11.11",
            &[],
            &["added ioctl `metric-streamer-start`"],
        ),
        (
            "ivpu_accel",
            "6.11.11",
            "6.13.7",
            &["removed-item", "removed-item"],
            &[],
        ),
        (
            "ivpu_accel",
            "6.13.7",
            "6.18.2",
            &[],
            &["added ioctl `cmdq-create` (nr 0x4b)"],
        ),
        (
            "ivpu_accel",
            "6.18.2",
            "6.19.0",
            &["renumbered"],
            &["struct `cmdq-submit` grew from 24 to 32 bytes"],
        ),
        ("amdxdna_accel", "6.14.0", "6.18.2", &[], &[]),
        ("amdxdna_accel", "6.18.2", "6.19.0", &[], &[]),
        ("amdxdna_accel", "6.19.0", "7.0.0", &[], &[]),
        (
            "amdxdna_accel",
            "7.0.0",
            "7.1.3",
            &[],
            &["enum `bo-type` gained `share` = 1"],
        ),
        (
            "habanalabs_accel",
            "6.3.8",
            "6.4.6",
            &[],
            &[
                "`HL_ENGINE_CORE_HALT`: a macro became an enumerator of the same value",
                "union `cs-in-chunks-restore-union` gained member `engines-struct`",
            ],
        ),
        ("habanalabs_accel", "6.4.6", "6.5.0", &[], &[]),
        (
            "habanalabs_accel",
            "6.5.0",
            "6.8.0",
            // The magic, HL_COMMAND_START/_END and the six ioctls' numbers.
            &[
                "ioctl-command-changed",
                "renumbered",
                "renumbered",
                "renumbered",
                "renumbered",
                "renumbered",
                "renumbered",
                "renumbered",
                "renumbered",
            ],
            &[],
        ),
        (
            "qaic_accel",
            "6.4.6",
            "6.8.0",
            &[],
            &["added ioctl `detach-slice-bo`"],
        ),
        ("qaic_accel", "6.8.0", "6.11.11", &[], &[]),
        ("qaic_accel", "6.11.11", "6.14.0", &[], &[]),
        ("rocket_accel", "6.18.2", "7.0.0", &[], &[]),
    ];
    let mut failures = Vec::new();
    for (header, old, new, want, notes) in expected {
        let dir = h.join(header);
        let (r, n) = compare(&dir.join(format!("{old}.h")), &dir.join(format!("{new}.h")));
        let text = render(&r, &n);
        if ids(&r) != *want
            || !notes
                .iter()
                .all(|x| r.compatible.iter().any(|c| c.contains(x)))
        {
            failures.push(format!("{header} {old} -> {new}: {:?}\n{text}", ids(&r)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A header, its old and new release, the rules the comparison must
/// report, and notes it must print.
type Pair = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);

/// One edit of the current ivpu header, and what compat must say.
struct Seed {
    what: &'static str,
    from: &'static str,
    to: &'static str,
    breaks: &'static [&'static str],
}

/// Seeded breakages of the current ivpu header must each be found (on
/// every target, with the rule that names them); compatible edits must
/// pass.
#[test]
fn seeded_changes_of_the_ivpu_header() {
    need_clang!("compat on seeded ivpu changes");
    let real = headers().join("drm/ivpu_accel.h");
    let text = std::fs::read_to_string(&real).unwrap();
    let seeds = [
        Seed {
            what: "a member widened in the middle of submit",
            from: "\t__u32 buffer_count;\n",
            to: "\t__u64 buffer_count;\n",
            breaks: &["member-resized"],
        },
        Seed {
            what: "GET_PARAM's direction",
            from: "DRM_IOWR(DRM_COMMAND_BASE + DRM_IVPU_GET_PARAM",
            to: "DRM_IOW(DRM_COMMAND_BASE + DRM_IVPU_GET_PARAM",
            breaks: &["ioctl-command-changed"],
        },
        Seed {
            what: "a parameter's number",
            from: "#define DRM_IVPU_PARAM_DEVICE_ID\t    0\n",
            to: "#define DRM_IVPU_PARAM_DEVICE_ID\t    99\n",
            breaks: &["renumbered"],
        },
        Seed {
            what: "an ioctl's number",
            from: "#define DRM_IVPU_BO_INFO\t\t  0x03\n",
            to: "#define DRM_IVPU_BO_INFO\t\t  0x0f\n",
            breaks: &["renumbered"],
        },
        Seed {
            what: "a pad given a meaning",
            from: "\t__u32 pad;\n",
            to: "\t__u32 new_field;\n",
            breaks: &[],
        },
        Seed {
            what: "a new parameter",
            from: "#define DRM_IVPU_PARAM_DEVICE_ID\t    0\n",
            to: "#define DRM_IVPU_PARAM_DEVICE_ID\t    0\n#define DRM_IVPU_PARAM_SEEDED 77\n",
            breaks: &[],
        },
    ];
    let dir = std::env::temp_dir().join(format!("uabi-compat-headers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    for s in &seeds {
        assert!(
            text.contains(s.from),
            "{}: `{}` is not in the header",
            s.what,
            s.from
        );
        let file = dir.join("ivpu_accel.h");
        std::fs::write(&file, text.replacen(s.from, s.to, 1)).unwrap();
        let (r, n) = compare(&real, &file);
        let mut got = ids(&r);
        got.sort_unstable();
        got.dedup();
        if got != s.breaks {
            failures.push(format!("{}: {got:?}\n{}", s.what, render(&r, &n)));
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The first finding of rule `id`, or a failure showing them all.
fn finding<'a>(r: &'a Report, new: &Side, id: &str) -> &'a uabi::diag::Diagnostic {
    r.findings
        .iter()
        .find(|d| d.rule.id == id)
        .unwrap_or_else(|| panic!("no {id}:\n{}", render(r, new)))
}

/// The 1-based number of the first line of `text` that starts with `start`.
fn line_of(text: &str, start: &str) -> u32 {
    text.lines().position(|l| l.starts_with(start)).unwrap() as u32 + 1
}

/// A finding about a header's member points into that header, at the
/// member's line and column, under the name the side was given, and
/// shows the header's own line (not the imported spec's, which no file
/// holds); one about a removed item, where the old header had it.
#[test]
fn findings_point_into_the_header() {
    need_clang!("positions of header findings");
    let real = headers().join("drm/ivpu_accel.h");
    let text = std::fs::read_to_string(&real).unwrap();
    let dir = std::env::temp_dir().join(format!("uabi-compat-places-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ivpu_accel.h");
    let edited = text.replacen("\t__u32 buffer_count;\n", "\t__u64 buffer_count;\n", 1);
    std::fs::write(&file, &edited).unwrap();
    let (r, n) = compare(&real, &file);
    let d = finding(&r, &n, "member-resized");
    let line = line_of(&edited, "\t__u64 buffer_count;");
    assert_eq!(&*d.pos.file, file.to_str().unwrap());
    // Column 8: past the tab and `__u64 `, where the name starts.
    assert_eq!((d.pos.line, d.pos.col), (line, 8), "{}", render(&r, &n));
    let shown = d.render(n.sources.get(&d.pos.file).map(String::as_str));
    assert!(shown.contains("| \t__u64 buffer_count;"), "{shown}");

    // Removing a macro: the finding is where the old header defines it,
    // and shows that line.
    std::fs::write(
        &file,
        text.replacen(
            "#define DRM_IVPU_PARAM_CAPABILITIES",
            "#define DRM_IVPU_PARAM_CAPS_",
            1,
        ),
    )
    .unwrap();
    let (o, n) = (side(&real), side(&file));
    let r = compat::compare_headers(&o, &n);
    let d = finding(&r, &n, "removed-item");
    let line = line_of(&text, "#define DRM_IVPU_PARAM_CAPABILITIES");
    assert_eq!(
        (&*d.pos.file, d.pos.line, d.pos.col),
        (real.to_str().unwrap(), line, 9)
    );
    let shown = d.render(o.sources.get(&d.pos.file).map(String::as_str));
    assert!(
        shown.contains("| #define DRM_IVPU_PARAM_CAPABILITIES"),
        "{shown}"
    );

    // Removing a member: the finding is at the member in the old header.
    std::fs::write(&file, text.replacen("\t__u32 buffer_count;\n", "", 1)).unwrap();
    let (o, n) = (side(&real), side(&file));
    let r = compat::compare_headers(&o, &n);
    let d = finding(&r, &n, "removed-member");
    assert_eq!(
        (&*d.pos.file, d.pos.line, d.pos.col),
        (
            real.to_str().unwrap(),
            line_of(&text, "\t__u32 buffer_count;"),
            8
        )
    );
    let shown = d.render(o.sources.get(&d.pos.file).map(String::as_str));
    assert!(shown.contains("| \t__u32 buffer_count;"), "{shown}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The command line: OLD NEW headers with -I, a breaking change exits 1
/// and names the rule; the same header exits 0; a side at a git revision
/// (`git:<rev>:<path>`) is read from git and imported with the working
/// tree's folder of the header for its includes.
#[test]
fn command_line_on_headers_and_git_revisions() {
    need_clang!("uabi compat on headers from the command line");
    let dir = std::env::temp_dir().join(format!("uabi-compat-headers-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let h = headers();
    let old = h.join("history/ivpu_accel/6.11.11.h");
    let new = h.join("history/ivpu_accel/6.13.7.h");
    let uabi = |args: &[&str], cwd: &Path| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_uabi"));
        c.current_dir(cwd).arg("compat").args(args);
        for inc in &options().includes {
            c.arg("-I").arg(inc);
        }
        let out = c.output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.code(), text)
    };
    let (code, text) = uabi(&[old.to_str().unwrap(), new.to_str().unwrap()], &dir);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("error[removed-item]: const `driver-major`"),
        "{text}"
    );
    let (code, text) = uabi(&[new.to_str().unwrap(), new.to_str().unwrap()], &dir);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("-> unchanged"), "{text}");
    // The same break between a committed revision and the working tree.
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .current_dir(&dir)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // Commits `file` as it is now in the working tree.
    let commit = |file: &str| {
        git(&["add", file]);
        git(&[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qm",
            file,
        ]);
    };
    git(&["init", "-q"]);
    std::fs::copy(&old, dir.join("ivpu_accel.h")).unwrap();
    commit("ivpu_accel.h");
    std::fs::copy(&new, dir.join("ivpu_accel.h")).unwrap();
    let (code, text) = uabi(&["git:HEAD:ivpu_accel.h", "ivpu_accel.h"], &dir);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("against git:HEAD:ivpu_accel.h"), "{text}");
    assert!(
        !text.contains("(revision"),
        "a header has no revision: {text}"
    );
    assert!(
        text.contains("error[removed-item]: const `driver-minor`"),
        "{text}"
    );
    // What a side from git holds that is not compared is named by the
    // side, not by the copy it was read from.
    std::fs::write(
        dir.join("y.h"),
        "#define Y_FN(x) ((x) + 1)\n#define Y_ONE 1\n",
    )
    .unwrap();
    commit("y.h");
    let (code, text) = uabi(&["git:HEAD:y.h", "y.h"], &dir);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("not compared, git:HEAD:y.h:1:9: macro Y_FN"),
        "{text}"
    );
    assert!(text.contains("not compared, y.h:1:9: macro Y_FN"), "{text}");
    // A header's `_Static_assert`s are one line, where the first is.
    std::fs::write(
        dir.join("z.h"),
        "#define Z_ONE 1\n_Static_assert(Z_ONE == 1, \"a\");\n\n\
         _Static_assert(sizeof(int) >= 2, \"b\");\n_Static_assert(1, \"c\");\n",
    )
    .unwrap();
    let (code, text) = uabi(&["z.h", "z.h"], &dir);
    assert_eq!(code, Some(0), "{text}");
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("Static")).collect();
    assert_eq!(
        lines,
        ["uabi: not compared, z.h:2:1: 3 _Static_asserts, this one and 2 more up to line 5 \
          (the front end found each true; a spec holds layouts, not checks of them)"; 2],
        "{text}"
    );
    // A header that does not compile is an I/O-class failure: exit 2.
    std::fs::write(dir.join("broken.h"), "struct {").unwrap();
    let (code, text) = uabi(&["broken.h", "ivpu_accel.h"], &dir);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("broken.h"), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}
