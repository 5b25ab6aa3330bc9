//! `uabi import` on the kernel's own accel headers
//! (tests/fixtures/headers/drm, verbatim copies; README.md there names
//! each one's commit).
//!
//! For each header: the import reports exactly the expected list of
//! constructs it cannot express (so the test fails when that list
//! changes); the spec it writes loads and lints without errors; its
//! generated C header, compiled by gcc for x86_64 and by every installed
//! cross compiler (ten targets), gives every struct's size and alignment, every
//! member's offset and size, every command macro and every integer
//! constant (macros and enumerators) the value the real header gives
//! them on that target (the real values are computed by the same
//! compiler from the real header: an array of them compiled with `-S`);
//! and a program written against the real header, using every struct
//! member by name with its type and every macro, compiles unchanged
//! against the generated one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use uabi::import::Imported;
use uabi::import::cview::{self, CHeader};
use uabi::target::Target;

fn headers() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/headers/drm")
}

/// Declares `__counted_by`, which Debian 12's installed uapi headers
/// predate (README.md of the fixtures).
fn shim() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/headers/shim")
}

/// The include folders of an import: the shim, and the fixtures' root
/// for habanalabs' `#include <drm/drm.h>`.
fn includes() -> Vec<PathBuf> {
    vec![shim(), headers().parent().unwrap().to_path_buf()]
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/examples")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("import")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Why the import's C front end (libclang, in process) cannot run here.
fn front_end_missing() -> Option<String> {
    uabi::import::front_end().err().map(|e| e.to_string())
}

/// Skips (loudly) when libclang, the import's C front end, is missing.
macro_rules! need_clang {
    ($what:expr) => {
        if let Some(why) = front_end_missing() {
            uabi_test_support::skipped($what, &why);
            return;
        }
    };
}

/// The targets whose compilers check the generated header: gcc for
/// x86_64 and Debian's cross compilers, every target the import writes.
const TARGETS: &[(Target, &str)] = &[
    (Target::X86_64, "gcc"),
    (Target::I386, "i686-linux-gnu-gcc"),
    (Target::Aarch64, "aarch64-linux-gnu-gcc"),
    (Target::Arm, "arm-linux-gnueabihf-gcc"),
    (Target::Riscv64, "riscv64-linux-gnu-gcc"),
    (Target::Powerpc64le, "powerpc64le-linux-gnu-gcc"),
    (Target::Mips, "mips-linux-gnu-gcc"),
    (Target::S390x, "s390x-linux-gnu-gcc"),
    (Target::Sparc64, "sparc64-linux-gnu-gcc"),
    (Target::Alpha, "alpha-linux-gnu-gcc"),
];

fn run(cmd: &mut Command) -> Result<String, String> {
    let what = format!("{cmd:?}");
    match cmd.output() {
        Err(e) => Err(format!("{what}: {e}")),
        Ok(o) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout).into_owned()),
        Ok(o) => Err(format!(
            "{what}:\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )),
    }
}

fn present(cc: &str) -> bool {
    Command::new(cc).arg("--version").output().is_ok()
}

/// One fact about the real header: a C expression and its name.
struct Fact {
    expr: String,
}

/// What the test compares: every struct (size, alignment, each member's
/// offset and size), every integer macro and every enumerator, by the
/// name the generated header gives it, minus what the import reported
/// as not expressed.
fn facts(c: &CHeader, imported: &Imported) -> Vec<(Fact, String)> {
    let skipped: BTreeSet<String> = imported.unexpressible().map(|u| u.what.clone()).collect();
    let mut out = Vec::new();
    for r in &c.records {
        let Some(tag) = &r.tag else { continue };
        let kind = if r.is_union { "union" } else { "struct" };
        if skipped.contains(&format!("{kind} {tag}")) {
            continue;
        }
        let t = format!("{kind} {tag}");
        out.push((
            Fact {
                expr: format!("sizeof({t})"),
            },
            format!("sizeof({t})"),
        ));
        out.push((
            Fact {
                expr: format!("_Alignof({t})"),
            },
            format!("_Alignof({t})"),
        ));
        for (name, ty) in visible_fields(r) {
            let off = format!("__builtin_offsetof({t}, {name})");
            out.push((Fact { expr: off.clone() }, off));
            // A flexible array member has no size of its own.
            if !ty.as_deref().is_some_and(|t| t.ends_with("[]")) {
                let size = format!("sizeof((({t} *)0)->{name})");
                out.push((Fact { expr: size.clone() }, size));
            }
        }
    }
    for m in &c.macros {
        if m.value.is_none() || m.function_like || skipped.contains(&format!("macro {}", m.name)) {
            continue;
        }
        if skipped.contains(&format!("ioctl {}", m.name)) {
            continue;
        }
        push_value(&mut out, &m.name, &m.name);
    }
    for e in c.enums.iter().filter(|e| !enum_reported(imported, e)) {
        for x in &e.entries {
            push_value(&mut out, &x.name, &x.name);
        }
    }
    out
}

/// Whether the import reported enum `e` as not expressible (an anonymous
/// one by its place: a header has many).
fn enum_reported(imported: &Imported, e: &cview::CEnum) -> bool {
    imported.unexpressible().any(|u| match &e.tag {
        Some(t) => u.what == format!("enum {t}"),
        None => u.what == "anonymous enum" && (u.loc.line, u.loc.col) == (e.loc.line, e.loc.col),
    })
}

/// The fields C names in a record, with their types: an anonymous
/// member's own in its place, a tagless type's through its member's name
/// (`alloc.mem_size`; the member itself has no type C can spell, so
/// None).
fn visible_fields(r: &cview::CRecord) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for f in &r.fields {
        match &f.inline {
            Some(inner) if f.name.is_empty() => out.extend(visible_fields(inner)),
            Some(inner) => {
                out.push((f.name.clone(), None));
                out.extend(
                    visible_fields(inner)
                        .into_iter()
                        .map(|(n, t)| (format!("{}.{n}", f.name), t)),
                );
            }
            None => out.push((f.name.clone(), Some(f.ty.clone()))),
        }
    }
    out
}

/// A value as two 32-bit halves, so that every target's assembler
/// prints it as `.long`/`.word` entries.
fn push_value(out: &mut Vec<(Fact, String)>, real: &str, generated: &str) {
    out.push((
        Fact {
            expr: format!("(unsigned int)(unsigned long long)({real})"),
        },
        format!("(unsigned int)(unsigned long long)({generated})"),
    ));
    out.push((
        Fact {
            expr: format!("(unsigned int)((unsigned long long)({real}) >> 32)"),
        },
        format!("(unsigned int)((unsigned long long)({generated}) >> 32)"),
    ));
}

/// The real header's values on one target: the facts as an array of
/// `unsigned int`, compiled to assembly by that target's compiler.
fn real_values(cc: &str, header: &Path, facts: &[(Fact, String)], dir: &Path) -> Vec<u32> {
    let mut c = format!(
        "#include \"{}\"\nconst unsigned int __uabi_facts[] = {{\n",
        header.display()
    );
    for (f, _) in facts {
        let _ = writeln!(c, "\t{},", f.expr);
    }
    c += "};\n";
    let src = dir.join(format!("real-{cc}.c"));
    std::fs::write(&src, c).unwrap();
    let asm = run(Command::new(cc)
        .args(["-std=gnu11", "-w", "-S", "-o", "-", "-I"])
        .arg(shim())
        .arg("-I")
        .arg(headers().parent().unwrap())
        .arg(&src))
    .unwrap_or_else(|e| panic!("the real header does not compile: {e}"));
    let mut v = Vec::new();
    for l in asm.lines() {
        let mut w = l.split_whitespace();
        match (w.next(), w.next()) {
            (Some(".long" | ".word" | ".4byte" | ".int"), Some(n)) => {
                v.push(n.parse::<i64>().unwrap() as u32)
            }
            (Some(".zero" | ".space" | ".skip"), Some(n)) => {
                v.extend(std::iter::repeat_n(0, n.parse::<usize>().unwrap() / 4))
            }
            _ => {}
        }
    }
    assert_eq!(
        v.len(),
        facts.len(),
        "{cc}: facts in the assembly of {}",
        src.display()
    );
    v
}

/// A C program written against the real header: every struct member set
/// by name and checked to have the real type, every macro used.
fn user_program(c: &CHeader, imported: &Imported) -> String {
    let skipped: BTreeSet<String> = imported.unexpressible().map(|u| u.what.clone()).collect();
    let mut p = format!(
        "#include \"{}\"\nvoid uabi_user(void);\nvoid uabi_user(void)\n{{\n",
        c.file_name
    );
    for (i, r) in c.records.iter().enumerate() {
        let Some(tag) = &r.tag else { continue };
        let kind = if r.is_union { "union" } else { "struct" };
        if skipped.contains(&format!("{kind} {tag}")) {
            continue;
        }
        let _ = writeln!(
            p,
            "\t{kind} {tag} v{i};\n\t__builtin_memset(&v{i}, 0, sizeof(v{i}));"
        );
        for (name, ty) in visible_fields(r) {
            let Some(fty) = ty else {
                let _ = writeln!(p, "\t(void)&v{i}.{name};");
                continue;
            };
            let ty = match fty.split_once('[') {
                Some((base, dims)) => format!("{}[{dims}", base.trim()),
                None => fty.clone(),
            };
            let _ = writeln!(
                p,
                "\t_Static_assert(__builtin_types_compatible_p(__typeof__(v{i}.{name}), {ty}), \"{tag}.{name}\");",
            );
            // A scalar or an array of scalars is assigned; an aggregate
            // or an array of arrays has its address taken.
            let aggregate = fty.starts_with("struct ") || fty.starts_with("union ");
            if fty.matches('[').count() == 1 && !aggregate {
                let _ = writeln!(p, "\tv{i}.{name}[0] = 0;");
            } else if fty.contains('[') {
                let _ = writeln!(p, "\t(void)&v{i}.{name}[0];");
            } else if aggregate {
                let _ = writeln!(p, "\t(void)&v{i}.{name};");
            } else {
                let _ = writeln!(p, "\tv{i}.{name} = 0;");
            }
        }
    }
    for m in &c.macros {
        let reported = skipped.contains(&format!("macro {}", m.name))
            || skipped.contains(&format!("ioctl {}", m.name));
        if m.value.is_some() && !m.function_like && !reported {
            let _ = writeln!(p, "\t(void)({});", m.name);
        }
    }
    for e in c.enums.iter().filter(|e| !enum_reported(imported, e)) {
        for x in &e.entries {
            let _ = writeln!(p, "\t(void)({});", x.name);
        }
    }
    p + "}\n"
}

/// Imports one header and checks it; returns the failures (empty when
/// everything matched) and the compilers that were not there.
fn check_header(header: &Path, expected: &[&str]) -> (Vec<String>, Vec<String>) {
    let file = &*header.file_name().unwrap().to_string_lossy().into_owned();
    let header = header.to_path_buf();
    let stem = file.trim_end_matches(".h");
    let dir = scratch(stem);
    let imported = uabi::import::import(&header, &includes()).unwrap();
    let mut failures = Vec::new();
    let got: Vec<String> = imported
        .unexpressible()
        .map(|u| format!("{}:{} {}", u.loc.line, u.loc.col, u.what))
        .collect();
    if got != expected {
        failures.push(format!(
            "{file}: reported as not expressible:\n  {}\nexpected:\n  {}",
            got.join("\n  "),
            expected.join("\n  ")
        ));
    }
    let spec = dir.join(format!("{stem}.yaml"));
    std::fs::write(&spec, &imported.yaml).unwrap();
    let checked = uabi::pipeline::load_and_lint(std::slice::from_ref(&spec));
    if checked.has_errors() {
        failures.push(format!(
            "{file}: lint errors:\n{}",
            checked.render_diagnostics()
        ));
        return (failures, Vec::new());
    }
    let model = checked.models.values().next().unwrap();
    let gen_dir = dir.join("generated");
    std::fs::create_dir_all(&gen_dir).unwrap();
    let generated = uabi::backend::c::render(model)
        .unwrap()
        .into_iter()
        .find(|f| f.path.ends_with(file))
        .unwrap_or_else(|| panic!("{file}: the spec does not generate a header of that name"));
    std::fs::write(gen_dir.join(file), &generated.contents).unwrap();

    let c = cview::read(&header, &includes()).unwrap();
    let facts = facts(&c, &imported);
    let mut missing = Vec::new();
    for (target, cc) in TARGETS {
        if !present(cc) {
            missing.push(format!("{cc} ({target}) for {file}"));
            continue;
        }
        let real = real_values(cc, &header, &facts, &dir);
        let mut check = format!("#include \"{file}\"\n");
        for ((_, gen_expr), v) in facts.iter().zip(&real) {
            let _ = writeln!(
                check,
                "_Static_assert({gen_expr} == {v}u, \"{target}: {}\");",
                gen_expr.replace('"', "'")
            );
        }
        let src = dir.join(format!("check-{target}.c"));
        std::fs::write(&src, check).unwrap();
        if let Err(e) = run(Command::new(cc)
            .args(["-std=gnu11", "-fsyntax-only", "-I"])
            .arg(&gen_dir)
            .arg("-I")
            .arg(shim())
            .arg("-isystem")
            .arg(headers())
            .arg(&src))
        {
            failures.push(format!(
                "{file} on {target}: the generated header differs: {e}"
            ));
        }
    }
    let user = dir.join("user.c");
    std::fs::write(&user, user_program(&c, &imported)).unwrap();
    for (inc, what) in [
        (header.parent().unwrap().to_path_buf(), "real"),
        (gen_dir, "generated"),
    ] {
        if let Err(e) = run(Command::new("gcc")
            .args(["-std=gnu11", "-Wall", "-Werror", "-fsyntax-only", "-I"])
            .arg(&inc)
            .arg("-I")
            .arg(shim())
            .arg("-I")
            .arg(headers().parent().unwrap())
            .arg("-isystem")
            .arg(headers())
            .arg(&user))
        {
            failures.push(format!(
                "{file}: the user program does not compile against the {what} header: {e}"
            ));
        }
    }
    (failures, missing)
}

fn check(file: &str, expected: &[&str]) {
    let (failures, missing) = check_header(&headers().join(file), expected);
    for m in &missing {
        uabi_test_support::skipped(&format!("import check with {m}"), "compiler missing");
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn ivpu() {
    need_clang!("import of ivpu_accel.h");
    check("ivpu_accel.h", &[]);
    // drm_ivpu_param serves GET_PARAM (_IOWR) and SET_PARAM (_IOW).
    let yaml = uabi::import::import(&headers().join("ivpu_accel.h"), &includes())
        .unwrap()
        .yaml;
    assert!(
        yaml.contains("    dir: inout\n    arg: param\n    arg-access: { param: inout, index: inout, value: inout }\n"),
        "{yaml}"
    );
}

#[test]
fn rocket() {
    need_clang!("import of rocket_accel.h");
    check("rocket_accel.h", &[]);
}

/// The specs checked in under spec/examples are what the import writes
/// today, and they lint without errors.
#[test]
fn examples_are_current_and_lint_clean() {
    need_clang!("spec/examples freshness");
    let mut failures = Vec::new();
    let mut n = 0;
    for e in std::fs::read_dir(examples()).unwrap() {
        let spec = e.unwrap().path();
        if spec.extension().is_none_or(|x| x != "yaml") {
            continue;
        }
        n += 1;
        let checked = uabi::pipeline::load_and_lint(std::slice::from_ref(&spec));
        if checked.has_errors() {
            failures.push(format!(
                "{}:\n{}",
                spec.display(),
                checked.render_diagnostics()
            ));
        }
        let text = std::fs::read_to_string(&spec).unwrap();
        let header = text
            .lines()
            .find_map(|l| l.strip_prefix("uapi-header: "))
            .unwrap()
            .to_string();
        let fresh = uabi::import::import(&headers().join(&header), &includes())
            .unwrap()
            .yaml;
        if fresh != text {
            failures.push(format!(
                "{} is not what `uabi import` writes now; re-run it:\n  uabi import codegen/tests/fixtures/headers/drm/{header} --out spec/examples/{}",
                spec.display(),
                spec.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(n >= 2, "no examples found");
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}
#[test]
fn ethosu() {
    need_clang!("import of ethosu_accel.h");
    check(
        "ethosu_accel.h",
        &[
            "70:9 macro DRM_ETHOSU_ARCH_MAJOR",
            "71:9 macro DRM_ETHOSU_ARCH_MINOR",
            "72:9 macro DRM_ETHOSU_ARCH_PATCH",
            "73:9 macro DRM_ETHOSU_PRODUCT_MAJOR",
            "74:9 macro DRM_ETHOSU_VERSION_MAJOR",
            "75:9 macro DRM_ETHOSU_VERSION_MINOR",
            "76:9 macro DRM_ETHOSU_VERSION_STATUS",
            "238:9 macro DRM_IOCTL_ETHOSU",
        ],
    );
}

#[test]
fn qaic() {
    need_clang!("import of qaic_accel.h");
    check("qaic_accel.h", &["17:9 macro QAIC_MANAGE_MAX_MSG_LENGTH"]);
}

#[test]
fn amdxdna() {
    need_clang!("import of amdxdna_accel.h");
    check("amdxdna_accel.h", &[]);
}

/// Runs the `uabi` binary; returns its exit code and stderr.
fn uabi(args: &[&str], dir: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_uabi"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_missing_header_is_an_io_error() {
    let dir = scratch("missing");
    let (code, err) = uabi(&["import", "nope.h", "--out", "x.yaml"], &dir);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nope.h"), "{err}");
    assert!(!dir.join("x.yaml").exists());
}

#[test]
fn an_unwritable_output_is_an_io_error() {
    need_clang!("import to an unwritable path");
    let dir = scratch("unwritable");
    std::fs::write(dir.join("a.h"), "#define A_X 1\n").unwrap();
    let (code, err) = uabi(&["import", "a.h", "--out", "no/such/dir/x.yaml"], &dir);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no/such/dir/x.yaml"), "{err}");
}

/// A header clang cannot compile exits 2 (no spec is written: the header
/// is not C, so nothing in it can be trusted), with clang's own
/// diagnostic at the header's file:line:col.
#[test]
fn a_syntax_error_is_the_compilers_diagnostic() {
    need_clang!("import of a header with a syntax error");
    let dir = scratch("syntax");
    std::fs::write(
        dir.join("bad.h"),
        "#include <linux/types.h>\nstruct bad_x {\n\t__u32 a\n\t__u32 b;\n};\n",
    )
    .unwrap();
    let (code, err) = uabi(&["import", "bad.h", "--out", "x.yaml"], &dir);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad.h:3:9: error: expected ';'"), "{err}");
    assert!(!dir.join("x.yaml").exists());
    // A missing include is the same: the compiler says where.
    std::fs::write(dir.join("inc.h"), "#include \"drm.h\"\n").unwrap();
    let (code, err) = uabi(&["import", "inc.h", "--out", "x.yaml"], &dir);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("inc.h:1:10: fatal error: 'drm.h' file not found"),
        "{err}"
    );
}

/// Every C construct the language lacks, each reported at its place and
/// never dropped, with what depends on it; the rest is in the spec,
/// which lints clean and generates a header gcc checks like the real one.
#[test]
fn every_construct_maps_or_is_reported() {
    need_clang!("import mapping of each C construct");
    let dir = scratch("constructs");
    let h = "\
/* SPDX-License-Identifier: MIT */
#ifndef _DEMO_H
#define _DEMO_H
#include <linux/types.h>
#include <linux/ioctl.h>

#define DEMO_MAX_ITEMS 4
#define DEMO_FLAG_A 0x0100
#define DEMO_NEG (-2)
#define DEMO_FN(x) ((x) + 1)
#define DEMO_STR \"text\"
#define OTHER_NAME 3

/**
 * struct demo_item - One item.
 * @id: Its id.
 * @pad: Padding, must be zero.
 */
struct demo_item {
\t__u32 id;
\t__u32 pad;
\t__u64 values[DEMO_MAX_ITEMS];
\t__be16 wire;
\tchar name[6];
};

struct demo_outer {
\tstruct demo_item item;
\t__u64 flags;
};

union demo_u { __u32 a; __u64 b; };
struct demo_bits { __u32 a : 3; __u32 b : 29; };
struct demo_ptr { void *p; };
struct demo_grid { __u32 g[2][3]; };
struct demo_arr { struct demo_item items[2]; };
struct demo_int { int x; };
struct demo_uses_union { union demo_u u; };

/** enum demo_kind - Kinds. */
enum demo_kind {
\t/** @DEMO_KIND_A: The first. */
\tDEMO_KIND_A = -1,
\tDEMO_KIND_B,
};

#define DEMO_IOCTL_GET _IOWR('Q', 3, struct demo_item)
#define DEMO_IOCTL_SET _IOW('Q', 4, struct demo_outer)
#define DEMO_IOCTL_BITS _IOR('Q', 5, struct demo_bits)
#define DEMO_IOCTL_KICK _IO('Q', 6)
#define DEMO_IOCTL_INT _IOW('Q', 7, __u32)
#define MAX_ITEMS 9
#include <linux/stddef.h>
#define DEMO_ALL_ONES (~0UL)
struct demo_flex { __u32 n; __u32 pad; struct demo_item items[] __counted_by(n); };
#define DEMO_IOCTL_UNION _IOWR('Q', 8, union demo_u)
enum { DEMO_ANON_X = 1, OTHER_ANON_Y = 2 };
_Static_assert(sizeof(struct demo_item) == 48, \"demo_item's size\");
struct demo_cmd { __u32 op; __u32 pad; };
enum { DEMO_CMD_GO = 1, DEMO_CMD_STOP, __DEMO_CMD_MAX, DEMO_CMD_MAX = (__DEMO_CMD_MAX - 1) };
#endif
";
    std::fs::write(dir.join("demo.h"), h).unwrap();
    let shim = shim().display().to_string();
    let (code, err) = uabi(
        &["import", "demo.h", "-I", &shim, "--out", "demo.yaml"],
        &dir,
    );
    assert_eq!(code, 1, "{err}");
    // Each finding as every diagnostic of the tool: file:line:col, the
    // rule id, the header's line with a caret, and a hint.
    let got: Vec<&str> = err.lines().filter(|l| l.starts_with("demo.h:")).collect();
    let hints = err.lines().filter(|l| l.starts_with("  = hint: ")).count();
    assert_eq!(hints, got.len(), "{err}");
    let expected = [
        "demo.h:10:9: macro DEMO_FN is not expressible: a function-like macro has no value",
        "demo.h:11:9: macro DEMO_STR is not expressible: its replacement list `\"text\"` is not an integer constant expression",
        "demo.h:33:8: struct demo_bits is not expressible: member a, b is not expressible",
        "demo.h:33:26: member demo_bits.a is not expressible: bitfields are not in the language",
        "demo.h:33:39: member demo_bits.b is not expressible: bitfields are not in the language",
        "demo.h:34:8: struct demo_ptr is not expressible: member p is not expressible",
        "demo.h:34:25: member demo_ptr.p is not expressible: pointer type `void *`: a uapi struct carries addresses as __u64",
        "demo.h:37:8: struct demo_int is not expressible: member x is not expressible",
        "demo.h:37:23: member demo_int.x is not expressible: type `int` is not a fixed-width __uN, __sN, __beN or __leN type",
        "demo.h:49:9: ioctl DEMO_IOCTL_BITS is not expressible: its argument struct demo_bits is not expressible",
        "demo.h:51:9: ioctl DEMO_IOCTL_INT is not expressible: its argument `__u32` is not a struct or union, and every ioctl argument is",
        "demo.h:52:9: macro MAX_ITEMS is not expressible: its spec name `max-items` is another const's",
        "demo.h:57:1: anonymous enum is not expressible: it has no tag, and its enumerators share no prefix to name it by",
        "demo.h:58:1: StaticAssertDecl is not expressible: a uapi spec describes structs, enums, constants and ioctls only",
    ];
    let expected: Vec<String> = expected
        .iter()
        .map(|l| {
            let (at, rest) = l.split_at(l.find(": ").unwrap());
            format!("{at}: warning[import-unexpressible]: {}", &rest[2..])
        })
        .collect();
    assert_eq!(got, expected, "\n{err}");
    assert!(
        err.contains("  = hint: describe the word as an integer member with a `flags` set"),
        "{err}"
    );
    let yaml = std::fs::read_to_string(dir.join("demo.yaml")).unwrap();
    for want in [
        "name: demo\n",
        "  - name: other-name\n    type: const\n    c-name: OTHER_NAME\n    value: 3\n",
        "uapi-header: demo.h\n",
        "license: MIT\n",
        "existing-abi: true\n",
        "magic: 0x51\n",
        "nr-range: { min: 0x03, max: 0x08 }",
        "  - name: flag-a\n    type: const\n    value: 0x0100\n",
        "  - name: neg\n    type: const\n    value: -2\n",
        "      - name: pad\n        type: u32\n        pad: true\n",
        "      - { name: values, type: u64, count: max-items, access: inout }",
        "      - { name: wire, type: u16, byte-order: big-endian, access: inout }",
        "      - { name: name, type: string, len: 6, access: inout }",
        "      - { name: item, type: struct, struct: item }",
        "      - name: a\n        value: -1\n        doc: |-\n          The first.\n",
        "  - name: kick\n    nr: 0x06\n    dir: none\n",
        // The layouts the language gained: a union (as an ioctl's
        // argument and held by a struct), a multi-dimensional array, an
        // array of structs, a flexible array member with its
        // `__counted_by`, and a const of the target's `unsigned long`.
        "  - name: u\n    type: union\n    members:\n      - { name: a, type: u32, access: inout }\n",
        "  - name: union\n    nr: 0x08\n    dir: inout\n    arg: u\n",
        "      - { name: u, type: union, union: u }\n",
        "      - { name: g, type: u32, count: [2, 3] }\n",
        "      - { name: items, type: struct, struct: item, count: 2 }\n",
        "      - { name: items, type: struct, struct: item, flexible: true, counted-by: n }\n",
        "  - name: all-ones\n    type: const\n    c-type: ulong\n    value: -1\n",
        // YNL's `__X_MAX`, `X_MAX` ending; the list's name gives way to
        // the struct's.
        "  - name: cmd\n    type: struct\n",
        "  - name: cmd-values\n    type: enum\n    enum-name:\n    name-prefix: demo-cmd-\n    render-max: true\n    entries:\n      - name: go\n        value: 1\n      - name: stop\n        value: 2\n  -",
    ] {
        assert!(yaml.contains(want), "{want:?} not in:\n{yaml}");
    }
    let spec = dir.join("demo.yaml");
    let checked = uabi::pipeline::load_and_lint(std::slice::from_ref(&spec));
    assert!(!checked.has_errors(), "{}", checked.render_diagnostics());
    // What was expressed matches the header on every target (the
    // non-DRM `_IO*` commands with their own magic, `c-name`, hex).
    let short: Vec<String> = expected
        .iter()
        .map(|l| {
            let l = l.replace(" warning[import-unexpressible]:", "");
            let (at, rest) = l.strip_prefix("demo.h:").unwrap().split_once(": ").unwrap();
            let (line, col) = at.split_once(':').unwrap();
            let what = rest.split(" is not expressible").next().unwrap();
            format!("{line}:{col} {what}")
        })
        .collect();
    let short: Vec<&str> = short.iter().map(String::as_str).collect();
    let (failures, missing) = check_header(&dir.join("demo.h"), &short);
    for m in &missing {
        uabi_test_support::skipped(&format!("import check with {m}"), "compiler missing");
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn habanalabs() {
    need_clang!("import of habanalabs_accel.h");
    check(
        "habanalabs_accel.h",
        &[
            "854:9 macro HL_ENGINES_DATA_MAX_SIZE",
            "1130:9 macro HL_RAZWI_NA_ENG_ID",
            "1132:9 macro HL_RAZWI_READ",
            "1133:9 macro HL_RAZWI_WRITE",
            "1134:9 macro HL_RAZWI_LBW",
            "1135:9 macro HL_RAZWI_HBW",
            "1136:9 macro HL_RAZWI_RR",
            "1137:9 macro HL_RAZWI_ADDR_DEC",
        ],
    );
    // hl_cb_out's anonymous unions and struct, nested as the header
    // nests them, each under its first member's name.
    let yaml = uabi::import::import(&headers().join("habanalabs_accel.h"), &includes())
        .unwrap()
        .yaml;
    let cb_out = "\
  - name: cb-out
    type: struct
    members:
      - name: cb-handle-union
        type: union
        anonymous: true
        members:
          - { name: cb-handle, type: u64 }
          - name: usage-cnt-union
            type: union
            anonymous: true
            members:
              - name: usage-cnt-struct
                type: struct
                anonymous: true
                members:
                  - { name: usage-cnt, type: u32 }
                  - { name: pad, type: u32, pad: true }
              - { name: device-va, type: u64 }
";
    assert!(yaml.contains(cb_out), "{yaml}");
    // hl_mem_in's union holds members of tagless struct types.
    assert!(
        yaml.contains("          - name: alloc\n            type: struct\n"),
        "{yaml}"
    );
}

#[test]
fn a_missing_front_end_is_an_io_error() {
    let dir = scratch("no-clang");
    std::fs::write(dir.join("a.h"), "#define A_X 1\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_uabi"))
        .args(["import", "a.h", "--out", "x.yaml"])
        // clang-sys looks only where LIBCLANG_PATH says when it is set.
        .env("LIBCLANG_PATH", "/nonexistent/libclang.so")
        .current_dir(&dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cannot load libclang, the C front end: "),
        "{err}"
    );
    assert!(err.contains("libclang1-14"), "{err}");
    assert!(!dir.join("x.yaml").exists());
}

/// Without `LIBCLANG_PATH`, the command line names the library it finds
/// in a distribution's folders (`import::locate`) before clang-sys
/// would search: what it names must load and import.
#[test]
fn the_front_end_is_found_without_libclang_path() {
    need_clang!("finding libclang without LIBCLANG_PATH");
    let dir = scratch("found-clang");
    std::fs::write(dir.join("a.h"), "#define A_X 1\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_uabi"))
        .args(["import", "a.h", "--out", "x.yaml"])
        .env_remove("LIBCLANG_PATH")
        .current_dir(&dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let yaml = std::fs::read_to_string(dir.join("x.yaml")).unwrap();
    assert!(
        yaml.contains("\nname: a\n") && yaml.contains("- name: x\n    type: const\n    value: 1"),
        "{yaml}"
    );
}

/// Each fixture under tests/fixtures/import, named after an import rule,
/// reports that rule and no other, every finding with the header's
/// file:line:col and a hint; the rules are `uabi rules`' (tests/rules.rs).
#[test]
fn each_import_rule_fixture_reports_exactly_its_rule() {
    need_clang!("import rule fixtures");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "h") {
            continue;
        }
        n += 1;
        let id = path.file_stem().unwrap().to_string_lossy().into_owned();
        let rule = uabi::rules::find(&id).expect("fixture named after a rule");
        assert_eq!(rule.stage, uabi::rules::Stage::Import, "{id}");
        let imported = uabi::import::import(&path, &includes()).unwrap();
        assert!(!imported.findings.is_empty(), "{id}: nothing reported");
        for f in &imported.findings {
            let d = f.diagnostic();
            assert_eq!(d.rule.id, id, "{id}: {d}");
            assert!(d.hint.as_deref().is_some_and(|h| !h.is_empty()), "{d}");
            let head = d.render(None);
            assert!(
                head.starts_with(&format!("{}:", path.display()))
                    && head.contains(&format!(": warning[{id}]: ")),
                "{head}"
            );
        }
    }
    assert!(n >= 3, "import rule fixtures missing");
}

/// The front end's macros are what the preprocessor defines in the
/// header (not names in comments or skipped branches), each body as
/// `clang -E -dD` prints it (a comment is one space, an escaped newline
/// none), function-like by C's rule even when `#undef` removes it later,
/// with the value and `long`-ness clang computes; an anonymous member is
/// in its holder's fields.
#[test]
fn the_front_end_reads_macros_as_the_preprocessor_does() {
    need_clang!("libclang front end on macros");
    let dir = scratch("macros");
    let h = "\
#include <linux/types.h>
/* #define IN_COMMENT 1 */
#if 0
#define SKIPPED 2
#endif
#define A_SUM 1/*c*/+2
#define A_JOINED (1+\\
2)
#define A_SPACED (1 + \\
   2)
#  define A_INDENTED 7
#define A_FN(a,  b)   a+b
#define A_GONE(x) (x)
#undef A_GONE
#define A_LONG (1UL << 3)
#define A_ALL (~0UL)
#define A_WIDE 0xffffffffffffffffULL
#define A_STR \"s\"
#define A_EMPTY
struct a_x { __u32 n; union { __u32 b; __u64 c; }; };
";
    std::fs::write(dir.join("a.h"), h).unwrap();
    let c = cview::read(&dir.join("a.h"), &[]).unwrap();
    // name, function-like, body, value, long, line
    type Seen<'a> = (&'a str, bool, &'a str, Option<i128>, bool, u32);
    let got: Vec<Seen<'_>> = c
        .macros
        .iter()
        .map(|m| {
            (
                m.name.as_str(),
                m.function_like,
                m.body.as_str(),
                m.value,
                m.long,
                m.loc.line,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("A_SUM", false, "1 +2", Some(3), false, 6),
            ("A_JOINED", false, "(1+2)", Some(3), false, 7),
            ("A_SPACED", false, "(1 + 2)", Some(3), false, 9),
            ("A_INDENTED", false, "7", Some(7), false, 11),
            ("A_FN", true, "a+b", None, false, 12),
            ("A_GONE", true, "(x)", None, false, 13),
            ("A_LONG", false, "(1UL << 3)", Some(8), true, 15),
            ("A_ALL", false, "(~0UL)", Some(u64::MAX as i128), true, 16),
            (
                "A_WIDE",
                false,
                "0xffffffffffffffffULL",
                Some(u64::MAX as i128),
                false,
                17
            ),
            ("A_STR", false, "\"s\"", None, false, 18),
            ("A_EMPTY", false, "", None, false, 19),
        ]
    );
    assert_eq!(c.macros[0].loc.col, 9);
    assert_eq!(c.macros[3].loc.col, 11);
    let r = &c.records[0];
    assert_eq!(r.tag.as_deref(), Some("a_x"));
    assert_eq!(r.fields.len(), 2);
    assert!(r.fields[1].name.is_empty() && r.fields[1].nested_record);
    let inner = r.fields[1].inline.as_ref().unwrap();
    assert!(inner.is_union && inner.tag.is_none());
    assert_eq!(inner.fields.len(), 2);
}

/// The kernel's netlink headers that YNL generates (the copies under
/// tests/fixtures/ynl/kernel/headers, README.md there names each
/// commit): an attribute, command or enum list that ends the way YNL's
/// `render-max` ends one (`__X_MAX` or YNL's `enum-cnt-name`, then
/// `X_MAX`) is one enum with `render-max`, and every constant of the
/// generated header has the real header's value on every target. What
/// stays reported: the family's and multicast groups' names (strings),
/// the older `#define X_MAX` form (fou, mptcp_pm, wireguard: YNL's
/// `max-by-define` belongs to a netlink family, not a plain enum), and
/// lists whose entries do not all carry the prefix of their `X_MAX`.
#[test]
fn ynl_generated_netlink_headers() {
    need_clang!("import of the kernel's YNL-generated headers");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ynl/kernel/headers");
    let cases: &[(&str, &[&str])] = &[
        (
            "binder.h",
            &[
                "9:9 macro BINDER_FAMILY_NAME",
                "35:9 macro BINDER_MCGRP_REPORT",
            ],
        ),
        (
            "dev-energymodel.h",
            &[
                "10:9 macro DEV_ENERGYMODEL_FAMILY_NAME",
                "80:9 macro DEV_ENERGYMODEL_MCGRP_EVENT",
            ],
        ),
        (
            "dpll.h",
            &[
                "10:9 macro DPLL_FAMILY_NAME",
                "310:9 macro DPLL_MCGRP_MONITOR",
            ],
        ),
        ("drm_ras.h", &["10:9 macro DRM_RAS_FAMILY_NAME"]),
        (
            "ethtool.h",
            &[
                "9:9 macro ETHTOOL_FAMILY_NAME",
                "607:1 anonymous enum",
                "616:1 anonymous enum",
                "707:1 anonymous enum",
                "761:1 anonymous enum",
            ],
        ),
        (
            "fou.h",
            &[
                "10:9 macro FOU_GENL_NAME",
                "19:1 anonymous enum",
                "37:1 anonymous enum",
            ],
        ),
        (
            "handshake.h",
            &[
                "9:9 macro HANDSHAKE_FAMILY_NAME",
                "69:9 macro HANDSHAKE_MCGRP_NONE",
            ],
        ),
        ("lockd.h", &["9:9 macro LOCKD_FAMILY_NAME"]),
        (
            "mptcp_pm.h",
            &[
                "10:9 macro MPTCP_PM_NAME",
                "58:1 anonymous enum",
                "72:1 anonymous enum",
                "90:1 anonymous enum",
                "97:1 anonymous enum",
                "110:6 enum mptcp_event_attr",
                "135:1 anonymous enum",
            ],
        ),
        ("net_shaper.h", &["10:9 macro NET_SHAPER_FAMILY_NAME"]),
        (
            "netdev.h",
            &[
                "9:9 macro NETDEV_FAMILY_NAME",
                "209:9 macro NETDEV_MCGRP_MGMT",
                "210:9 macro NETDEV_MCGRP_PAGE_POOL",
            ],
        ),
        (
            "nfsd.h",
            &[
                "10:9 macro NFSD_FAMILY_NAME",
                "308:9 macro NFSD_MCGRP_NONE",
                "309:9 macro NFSD_MCGRP_EXPORTD",
            ],
        ),
        (
            "ovpn.h",
            &["9:9 macro OVPN_FAMILY_NAME", "107:9 macro OVPN_MCGRP_PEERS"],
        ),
        (
            "psp.h",
            &[
                "9:9 macro PSP_FAMILY_NAME",
                "63:9 macro PSP_MCGRP_MGMT",
                "64:9 macro PSP_MCGRP_USE",
            ],
        ),
        (
            "sunrpc_cache.h",
            &[
                "10:9 macro SUNRPC_FAMILY_NAME",
                "81:9 macro SUNRPC_MCGRP_NONE",
                "82:9 macro SUNRPC_MCGRP_EXPORTD",
            ],
        ),
        (
            "team.h",
            &[
                "58:1 anonymous enum",
                "80:1 anonymous enum",
                "104:9 macro TEAM_GENL_NAME",
                "106:9 macro TEAM_GENL_CHANGE_EVENT_MC_GRP_NAME",
            ],
        ),
        (
            "wireguard.h",
            &[
                "10:9 macro WG_GENL_NAME",
                "29:6 enum wgdevice_attribute",
                "45:6 enum wgpeer_attribute",
                "62:6 enum wgallowedip_attribute",
                "73:6 enum wg_cmd",
            ],
        ),
    ];
    let mut failures = Vec::new();
    let mut missing = BTreeSet::new();
    let mut render_max = 0;
    for (file, expected) in cases {
        let header = dir.join(file);
        let (f, m) = check_header(&header, expected);
        failures.extend(f);
        missing.extend(m);
        render_max += uabi::import::import(&header, &includes())
            .unwrap()
            .yaml
            .matches("\n    render-max: true\n")
            .count();
    }
    for m in &missing {
        uabi_test_support::skipped(&format!("import check with {m}"), "compiler missing");
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
    // Every header in the list but team and wireguard has such lists.
    assert!(render_max > 100, "{render_max} enums with render-max");
}
