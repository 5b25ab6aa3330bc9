//! The syzkaller descriptions (`generated/<spec>/syz/`). syzkaller's own
//! description compiler cannot be built here (README, "syzkaller"), so
//! this checks what can be checked without it, and no hand-written parser
//! stands in for it:
//!
//! - every value in every architecture's const file is what that
//!   architecture's C compiler computes from the generated C header
//!   (`_Static_assert` of each name, compiled by Debian's cross gcc);
//! - the text names every ioctl of the spec, each with its command const,
//!   and every name it uses as a const or a flags value is in every const
//!   file of its spec or of a spec it includes;
//! - every resource is declared once in the family of descriptions, and
//!   every struct type a description names is defined in it.

// Tests report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn generated() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated")
}

const ARCH_GCC: &[(&str, &str)] = &[
    ("amd64", "x86_64-linux-gnu-gcc"),
    ("386", "i686-linux-gnu-gcc"),
    ("arm64", "aarch64-linux-gnu-gcc"),
    ("arm", "arm-linux-gnueabihf-gcc"),
    ("riscv64", "riscv64-linux-gnu-gcc"),
    ("ppc64le", "powerpc64le-linux-gnu-gcc"),
    ("s390x", "s390x-linux-gnu-gcc"),
];

/// `NAME = value` lines of a const file.
fn consts(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("arches"))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const SPECS: &[&str] = &["accel", "softaccel"];

#[test]
fn every_const_is_what_the_c_compiler_computes_on_its_architecture() {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("syz-consts");
    std::fs::create_dir_all(&scratch).unwrap();
    let mut checked = 0;
    for spec in SPECS {
        let dir = generated().join(spec).join("syz");
        for (arch, gcc) in ARCH_GCC {
            let file = dir.join(format!("{spec}_{arch}.const"));
            let values = consts(&file);
            assert!(!values.is_empty(), "{}", file.display());
            let mut prog = format!("#include \"{spec}.h\"\n");
            for (name, value) in &values {
                prog.push_str(&format!(
                    "_Static_assert((unsigned long long)({name}) == {value}ULL, \"{name}\");\n"
                ));
            }
            let src = scratch.join(format!("{spec}_{arch}.c"));
            std::fs::write(&src, prog).unwrap();
            let header_dir = generated().join(spec).join("c");
            let out = Command::new(gcc)
                .args(["-std=c11", "-fsyntax-only", "-Wall", "-Werror"])
                .arg("-I")
                .arg(&header_dir)
                .arg(&src)
                .output()
                .unwrap_or_else(|e| panic!("{gcc}: {e} (scripts/setup.sh installs it)"));
            assert!(
                out.status.success(),
                "{spec} on {arch}: the const file disagrees with {gcc}:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            checked += values.len();
        }
    }
    assert!(checked > 200, "{checked}");
}

/// The identifiers of a syzlang text: `const[X]` and `const[X, ...]`
/// names, `ioctl$X` variants, flags sets (`name = A, B`), resources and
/// the struct types the text uses and defines.
struct Text {
    const_names: BTreeSet<String>,
    ioctls: BTreeSet<String>,
    set_values: BTreeSet<String>,
    resources: BTreeSet<String>,
    defined: BTreeSet<String>,
    used_types: BTreeSet<String>,
}

fn read_text(path: &Path) -> Text {
    let text = std::fs::read_to_string(path).unwrap();
    let mut t = Text {
        const_names: BTreeSet::new(),
        ioctls: BTreeSet::new(),
        set_values: BTreeSet::new(),
        resources: BTreeSet::new(),
        defined: BTreeSet::new(),
        used_types: BTreeSet::new(),
    };
    let is_name =
        |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        for (i, _) in line.match_indices("const[") {
            let name: String = line[i + 6..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if name.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
                t.const_names.insert(name);
            }
        }
        if let Some(rest) = line.strip_prefix("ioctl$") {
            t.ioctls.insert(rest.split('(').next().unwrap().to_string());
        }
        if let Some(rest) = line.strip_prefix("resource ") {
            t.resources
                .insert(rest.split('[').next().unwrap().to_string());
        }
        if let Some((set, values)) = line.split_once(" = ")
            && is_name(set)
        {
            t.set_values.extend(values.split(", ").map(str::to_string));
        }
        if let Some(name) = line.strip_suffix(" {").or_else(|| line.strip_suffix(" [")) {
            t.defined.insert(name.to_string());
        }
        // Field types and pointees: `ptr[dir, T]`, `array[T, n]`, `\tname\tT`.
        if let Some(field) = line.strip_prefix('\t') {
            let ty = field.split('\t').nth(1).unwrap_or("");
            let base = ty.trim_end_matches(" (out)");
            let inner = base
                .trim_start_matches("ptr64[in, array[")
                .trim_start_matches("ptr64[out, array[")
                .trim_start_matches("ptr64[inout, array[")
                .trim_start_matches("array[");
            let name: String = inner
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            t.used_types.insert(name);
        }
        if let Some(i) = line.find("arg ptr[") {
            let rest = line[i + 8..].split(", ").nth(1).unwrap_or("");
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            t.used_types.insert(name);
        }
    }
    t
}

#[test]
fn the_descriptions_name_everything_they_use() {
    let mut family_defined = BTreeSet::new();
    let mut family_resources: Vec<String> = Vec::new();
    let mut texts = Vec::new();
    for spec in SPECS {
        let t = read_text(
            &generated()
                .join(spec)
                .join("syz")
                .join(format!("{spec}.txt")),
        );
        family_defined.extend(t.defined.iter().cloned());
        family_resources.extend(t.resources.iter().cloned());
        texts.push((spec, t));
    }
    let unique: BTreeSet<&String> = family_resources.iter().collect();
    assert_eq!(
        unique.len(),
        family_resources.len(),
        "a resource declared twice: {family_resources:?}"
    );
    let builtin = [
        "int8", "int16", "int32", "int64", "len", "bytesize", "flags", "const",
    ];
    for (i, (spec, t)) in texts.iter().enumerate() {
        let file = if **spec == "accel" {
            "accel-core"
        } else {
            spec
        };
        let spec_path = generated().join(format!("../spec/{file}.yaml"));
        let model = uabi::load::load(&spec_path, None).expect("the spec loads");
        assert_eq!(t.ioctls.len(), model.ioctls.len(), "{spec}: {:?}", t.ioctls);
        // This spec's const files, and those of the specs before it (its
        // includes), hold every name it uses.
        let mut known = BTreeSet::new();
        for s in &SPECS[..=i] {
            known.extend(
                consts(
                    &generated()
                        .join(s)
                        .join("syz")
                        .join(format!("{s}_amd64.const")),
                )
                .into_keys(),
            );
        }
        for name in t.const_names.iter().chain(&t.set_values) {
            assert!(
                known.contains(name),
                "{spec}: {name} has no value in the const files"
            );
        }
        for io in &t.ioctls {
            assert!(
                t.const_names.contains(io),
                "{spec}: ioctl${io} without const[{io}]"
            );
        }
        for ty in &t.used_types {
            let resource = family_resources.contains(ty);
            assert!(
                ty.is_empty()
                    || builtin.contains(&ty.as_str())
                    || resource
                    || family_defined.contains(ty),
                "{spec}: type {ty} is never defined"
            );
        }
    }
}
