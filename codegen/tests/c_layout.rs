//! Layout truth: the generated C headers, compiled by real compilers for
//! every target a spec names, agree with the model on every struct size,
//! alignment and member offset and on every ioctl command number.
//!
//! For each spec in `spec/` and each fixture in `tests/fixtures/layout/`,
//! the headers of the spec and of everything it includes are written to a
//! scratch folder with the generated `<spec>/c/` layout (so relative
//! `#include`s resolve), then:
//! - for each target, a C11 file with `_Static_assert`s of the model's
//!   numbers (sizes, alignments, offsets, command numbers, enum and flags
//!   values) is compiled by that target's cross compiler;
//! - the header alone is compiled natively as C89/C99/C11/gnu11/C2x and
//!   as C++98/C++11/C++20/C++23 with `-Wall -Wextra -Werror -pedantic`.
//!
//! A missing cross compiler fails the test unless
//! `UABI_ALLOW_MISSING_CROSS=1`, which turns it into a loud skip.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use uabi::backend::c::{self, CTarget};
use uabi::model::{IoctlStyle, Model};
use uabi::target::Target;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    v.sort();
    v
}

fn load(path: &Path) -> Arc<Model> {
    match uabi::load::load(path, None) {
        Ok(m) => m,
        Err(diags) => panic!(
            "{} does not load:\n{}",
            path.display(),
            diags.iter().map(|d| d.to_string()).collect::<String>()
        ),
    }
}

/// Every spec and layout fixture this test covers.
fn all_specs() -> Vec<PathBuf> {
    let mut v = yaml_files(&repo_root().join("spec"));
    v.extend(yaml_files(&fixtures()));
    assert!(v.len() >= 4, "no specs found");
    v
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/layout")
}

/// A fresh scratch folder for one spec.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("c_layout")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes the headers of `model` and of every spec it includes under
/// `dir`, returning the path of the model's own header.
fn write_headers(model: &Model, dir: &Path) -> PathBuf {
    for m in model.all_includes().into_iter().chain([model]) {
        for f in c::render(m).unwrap() {
            let p = dir.join(&f.path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, f.contents).unwrap();
        }
    }
    dir.join(c::header_path(model))
}

/// The C11 test program for one target: the model's numbers, asserted.
fn layout_program(model: &Model, target: Target) -> String {
    let mut s = String::new();
    let header = c::header_path(model);
    writeln!(s, "#include \"{}\"", header.display()).unwrap();
    // The header's own per-target checks rely on these conditions, so the
    // compiler for each target must satisfy exactly its own.
    writeln!(
        s,
        "#if !({})\n#error \"not {target}\"\n#endif",
        target.c_condition()
    )
    .unwrap();
    for other in Target::ALL.into_iter().filter(|t| *t != target) {
        writeln!(
            s,
            "#if {}\n#error \"{target} compiler matches the condition of {other}\"\n#endif",
            other.c_condition()
        )
        .unwrap();
    }
    for m in model.all_includes().into_iter().chain([model]) {
        // An anonymous member's struct or union has no tag: its members
        // are checked as its holder's, where C names them.
        for st in m.structs.iter().filter(|s| !s.inline) {
            let tag = c::aggregate_tag(m, st);
            let l = st.layout(target);
            writeln!(
                s,
                "_Static_assert(sizeof({tag}) == {}, \"{target}: size of {tag}\");",
                l.size
            )
            .unwrap();
            writeln!(
                s,
                "_Static_assert(_Alignof({tag}) == {}, \"{target}: alignment of {tag}\");",
                l.align
            )
            .unwrap();
            for (ident, off) in c::c_visible_offsets(m, st, target) {
                writeln!(
                    s,
                    "_Static_assert(__builtin_offsetof({tag}, {ident}) == {off}, \
                     \"{target}: offset of {tag}.{ident}\");"
                )
                .unwrap();
            }
        }
        // Every const the header defines, as the compiler for the target
        // reads it (a `c-type` const has that target's value).
        for c in m.consts.iter().filter(|c| c.header.is_none()) {
            let name = c::const_macro(m, c);
            let v = c.value_on(target);
            let want = if v < 0 {
                format!("({v}LL)")
            } else {
                format!("{v}ULL")
            };
            writeln!(
                s,
                "_Static_assert(({name}) == {want}, \"{target}: {name}\");"
            )
            .unwrap();
        }
        // Every enum and flags value, negative ones included, as the
        // compiler reads the constant (an enumerator, or a `#define` when
        // it does not fit `int`).
        for e in m.enums.iter().filter(|e| e.header.is_none()) {
            for x in &e.entries {
                let name = c::entry_macro(m, e, x);
                let want = if x.value < 0 {
                    format!("({}LL)", x.value)
                } else {
                    format!("{}ULL", x.value)
                };
                writeln!(
                    s,
                    "_Static_assert(({name}) == {want}, \"{target}: {name}\");"
                )
                .unwrap();
                // A multi-bit field's values, placed in the word.
                for v in x
                    .field
                    .iter()
                    .flat_map(|f| f.values.iter().map(move |v| (f, v)))
                {
                    let vname = c::field_value_macro(&name, &v.1.name);
                    let want = v.0.shifted(v.1);
                    writeln!(
                        s,
                        "_Static_assert(({vname}) == {want}ULL, \"{target}: {vname}\");"
                    )
                    .unwrap();
                }
            }
        }
        for io in &m.ioctls {
            let name = c::ioctl_macro(m, io);
            match io.cmds[&target] {
                Some(cmd) => writeln!(
                    s,
                    "_Static_assert({name} == {cmd:#010x}u, \"{target}: {name}\");"
                )
                .unwrap(),
                // The model says the argument does not fit this target's
                // size field; the header's value is meaningless there.
                None => writeln!(s, "/* {name}: does not fit on {target} */").unwrap(),
            }
            // A DRM-style number macro counts from DRM_COMMAND_BASE.
            let nr = match m.ioctl_style {
                IoctlStyle::Drm { .. } => format!("DRM_COMMAND_BASE + {}", c::nr_macro(m, io)),
                IoctlStyle::Plain => c::nr_macro(m, io),
            };
            writeln!(
                s,
                "_Static_assert(({nr}) == {:#04x}, \"{target}: nr of {name}\");",
                io.nr
            )
            .unwrap();
        }
    }
    s
}

enum Outcome {
    Ok,
    Missing,
    Failed(String),
}

/// The kernel's drm.h, which DRM-style headers include as `"drm.h"`.
/// A system include folder, as /usr/include/drm is: its own warnings
/// (a C89 trailing comma) are not the generated header's.
fn drm_headers() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/headers/drm")
}

fn compile(compiler: &str, args: &[&str], input: &Path, include: &Path) -> Outcome {
    let out = Command::new(compiler)
        .args(args)
        .arg("-fsyntax-only")
        .arg("-I")
        .arg(include)
        .arg("-isystem")
        .arg(drm_headers())
        .arg(input)
        .output();
    match out {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Outcome::Missing,
        Err(e) => Outcome::Failed(format!("{compiler}: {e}")),
        Ok(o) if o.status.success() => Outcome::Ok,
        Ok(o) => Outcome::Failed(format!(
            "{compiler} {} {}:\n{}{}",
            args.join(" "),
            input.display(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )),
    }
}

/// Debian's cross compiler for a target ABI.
fn gcc(t: Target) -> &'static str {
    match t {
        Target::X86_64 => "x86_64-linux-gnu-gcc",
        Target::I386 => "i686-linux-gnu-gcc",
        Target::Aarch64 => "aarch64-linux-gnu-gcc",
        Target::Arm => "arm-linux-gnueabihf-gcc",
        Target::Riscv64 => "riscv64-linux-gnu-gcc",
        Target::Powerpc64le => "powerpc64le-linux-gnu-gcc",
        Target::Mips => "mips-linux-gnu-gcc",
        Target::S390x => "s390x-linux-gnu-gcc",
        Target::Sparc64 => "sparc64-linux-gnu-gcc",
        Target::Alpha => "alpha-linux-gnu-gcc",
    }
}

fn allow_missing_cross() -> bool {
    std::env::var("UABI_ALLOW_MISSING_CROSS").is_ok_and(|v| v == "1")
}

const STRICT: &[&str] = &["-Wall", "-Wextra", "-Werror", "-pedantic"];

/// Compiles everything for one spec; returns failures and skipped
/// compilers.
fn check_spec(path: &Path) -> (Vec<String>, Vec<String>) {
    let model = load(path);
    let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
    let dir = scratch(&stem);
    let header = write_headers(&model, &dir);
    let mut failures = Vec::new();
    let mut missing = Vec::new();

    for t in &model.targets {
        let prog = dir.join(format!("layout_{t}.c"));
        std::fs::write(&prog, layout_program(&model, *t)).unwrap();
        let args: Vec<&str> = ["-std=c11"].iter().chain(STRICT).copied().collect();
        match compile(gcc(*t), &args, &prog, &dir) {
            Outcome::Ok => {}
            Outcome::Missing => missing.push(format!("{} ({t}) for {stem}", gcc(*t))),
            Outcome::Failed(e) => failures.push(e),
        }
    }

    let dialects: &[(&str, &str, &str)] = &[
        ("gcc", "c", "-std=c89"),
        ("gcc", "c", "-std=c99"),
        ("gcc", "c", "-std=c11"),
        ("gcc", "c", "-std=gnu11"),
        ("gcc", "c", "-std=c2x"),
        ("g++", "c++", "-std=c++98"),
        ("g++", "c++", "-std=c++11"),
        ("g++", "c++", "-std=c++20"),
        ("g++", "c++", "-std=c++23"),
    ];
    // ISO C before C11 has no anonymous members: `__extension__` quiets
    // each one, but not the holder's "struct has no named members" when
    // it has nothing else (habanalabs' hl_cb_out is one anonymous
    // union), so there C89 and C99 are checked as GNU C, without
    // -pedantic.
    let only_anonymous = model
        .structs
        .iter()
        .any(|s| s.members.iter().all(|m| m.anonymous));
    for (cc, lang, std) in dialects {
        let pre_c11 = matches!(*std, "-std=c89" | "-std=c99");
        let args: Vec<&str> = ["-x", lang, std]
            .iter()
            .chain(STRICT)
            .copied()
            .filter(|a| !(only_anonymous && pre_c11 && *a == "-pedantic"))
            .collect();
        match compile(cc, &args, &header, &dir) {
            Outcome::Ok => {}
            // The native compilers are a hard requirement.
            Outcome::Missing => failures.push(format!("{cc} not found")),
            Outcome::Failed(e) => failures.push(e),
        }
    }
    (failures, missing)
}

#[test]
fn gcc_agrees_with_the_model_on_every_target() {
    let mut failures = Vec::new();
    let mut missing = Vec::new();
    for path in all_specs() {
        let (f, m) = check_spec(&path);
        failures.extend(f);
        missing.extend(m);
    }
    if !missing.is_empty() {
        if allow_missing_cross() {
            for m in &missing {
                uabi_test_support::skipped(
                    &format!("layout with {m}"),
                    "compiler missing (UABI_ALLOW_MISSING_CROSS=1)",
                );
            }
        } else {
            failures.push(format!(
                "cross compilers missing (install them, or set UABI_ALLOW_MISSING_CROSS=1 \
                 to skip loudly):\n  {}",
                missing.join("\n  ")
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

/// The i386 fixture is only worth something if the model really says the
/// two ABIs differ; gcc then confirms both sides (above).
#[test]
fn i386_trap_fixture_diverges_between_x86_64_and_i386() {
    let model = load(&fixtures().join("i386-trap.yaml"));
    for name in ["odd", "tail"] {
        let s = model.structs.iter().find(|s| s.name == name).unwrap();
        assert_ne!(
            s.layout(Target::X86_64),
            s.layout(Target::I386),
            "struct {name} lays out the same on x86_64 and i386"
        );
        assert!(s.uniform_layout(&model.targets).is_none());
    }
    let odd = model.structs.iter().find(|s| s.name == "odd").unwrap();
    assert_eq!(odd.layout(Target::X86_64).offsets[1], 8);
    assert_eq!(odd.layout(Target::I386).offsets[1], 4);
    let tail = model.structs.iter().find(|s| s.name == "tail").unwrap();
    assert_eq!(tail.layout(Target::X86_64).size, 16);
    assert_eq!(tail.layout(Target::I386).size, 12);
    for io in &model.ioctls {
        assert_ne!(
            io.cmds[&Target::X86_64],
            io.cmds[&Target::I386],
            "ioctl {} has the same number on x86_64 and i386",
            io.name
        );
    }
    // It is what it claims to be: a spec lint rejects for these layouts.
    let rules: Vec<&str> = uabi::lint::lint(&model)
        .sorted()
        .into_iter()
        .filter(|d| d.severity == uabi::diag::Severity::Error)
        .map(|d| d.rule.id)
        .collect();
    for rule in [
        "implicit-padding",
        "implicit-tail-padding",
        "header-reserved-name",
    ] {
        assert!(
            rules.contains(&rule),
            "lint does not report {rule}: {rules:?}"
        );
    }
    // The header carries per-target checks for them.
    let header = &c::render(&model).unwrap()[0].contents;
    assert!(header.contains("#if defined(__x86_64__)"), "{header}");
    assert!(header.contains("#elif defined(__i386__)"), "{header}");
}

/// The checks can fail: a model whose x86_64 layout is wrong (here: the
/// i386 one) gives a header that the native compilers refuse in every
/// dialect (each branch of the check macro), and a test program whose
/// i386 numbers are wrong is refused by gcc for i386.
#[test]
fn a_wrong_model_is_caught_by_gcc() {
    let good = load(&fixtures().join("i386-trap.yaml"));
    let mut bad: Model = (*good).clone();
    for s in &mut bad.structs {
        let i386 = s.layouts[&Target::I386].clone();
        s.layouts.insert(Target::X86_64, i386);
    }
    let dir = scratch("wrong-model");
    let header = write_headers(&bad, &dir);
    for (cc, lang, std) in [
        ("gcc", "c", "-std=c89"),
        ("gcc", "c", "-std=c11"),
        ("g++", "c++", "-std=c++98"),
        ("g++", "c++", "-std=c++11"),
    ] {
        let args: Vec<&str> = ["-x", lang, std].iter().chain(STRICT).copied().collect();
        match compile(cc, &args, &header, &dir) {
            Outcome::Failed(e) => assert!(e.contains("trap_odd_b_offset"), "{e}"),
            Outcome::Ok => panic!("{cc} {std} accepted a header with i386 layouts on x86_64"),
            Outcome::Missing => panic!("{cc} missing"),
        }
    }
    let gcc = gcc(Target::I386);
    // Same header as the good model, but a program expecting the x86_64
    // command numbers on i386.
    let dir = scratch("wrong-cmds");
    write_headers(&good, &dir);
    let mut bad = (*good).clone();
    for io in &mut bad.ioctls {
        let x86 = io.cmds[&Target::X86_64];
        io.cmds.insert(Target::I386, x86);
    }
    for s in &mut bad.structs {
        let x86 = s.layouts[&Target::X86_64].clone();
        s.layouts.insert(Target::I386, x86);
    }
    let prog = dir.join("layout_i386.c");
    std::fs::write(&prog, layout_program(&bad, Target::I386)).unwrap();
    let args: Vec<&str> = ["-std=c11"].iter().chain(STRICT).copied().collect();
    match compile(gcc, &args, &prog, &dir) {
        Outcome::Failed(e) => {
            assert!(e.contains("i386: TRAP_IOCTL_TAIL"), "{e}");
            assert!(e.contains("i386: size of struct trap_tail"), "{e}");
        }
        Outcome::Ok => panic!("{gcc} accepted x86_64 command numbers on i386"),
        Outcome::Missing if allow_missing_cross() => uabi_test_support::skipped(
            "the i386 trap through a real compiler",
            &format!("{gcc} missing"),
        ),
        Outcome::Missing => panic!("{gcc} missing"),
    }
}

/// Every dir on every 3-bit-dir target is in the fixture, so the
/// encodings are proven by the compilers above.
#[test]
fn all_dirs_fixture_covers_every_dir_and_target() {
    let model = load(&fixtures().join("all-dirs.yaml"));
    assert_eq!(model.targets, Target::ALL.to_vec());
    let diags = uabi::lint::lint(&model);
    assert!(
        !diags.has_errors(),
        "all-dirs.yaml should pass lint:\n{}",
        diags
            .sorted()
            .iter()
            .map(|d| d.to_string())
            .collect::<String>()
    );
    for d in ["none", "in", "out", "inout"] {
        assert!(
            model.ioctls.iter().any(|i| i.dir.name() == d),
            "no ioctl with dir {d}"
        );
    }
}

#[test]
fn headers_use_no_kernel_only_macros() {
    for path in all_specs() {
        let model = load(&path);
        for f in c::render(&model).unwrap() {
            assert_eq!(
                c::kernel_only_tokens(&f.contents),
                Vec::<String>::new(),
                "{}",
                f.path.display()
            );
        }
    }
}

/// Snapshots of the fixture specs' headers; the repository specs' headers
/// are in `generated/`, which `uabi check` guards.
#[test]
fn header_snapshots() {
    for path in yaml_files(&fixtures()) {
        let model = load(&path);
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let files = c::render(&model).unwrap();
        assert_eq!(files.len(), 1);
        insta::assert_snapshot!(format!("c_header_{stem}"), files[0].contents);
    }
}
