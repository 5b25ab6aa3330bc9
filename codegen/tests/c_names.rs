//! The kernel's own C names: a program written against the names of the
//! real ivpu and habanalabs headers (`DRM_IOCTL_IVPU_SUBMIT`, `struct
//! drm_ivpu_submit`, `DRM_IVPU_PARAM_DEVICE_ID`, `HL_IOCTL_INFO`, `enum
//! gaudi_queue_id`) compiles unchanged against the headers generated from
//! `tests/fixtures/layout/drm-style.yaml` and `drm-names-hl.yaml`, with
//! the kernel's drm.h, by gcc, g++ and every cross compiler; and the same
//! program is refused by the header the spec gives without its C-name
//! keys, so the test can fail. Command values per target are checked in
//! `c_layout.rs`.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use uabi::backend::c;
use uabi::model::{IoctlStyle, Model};

fn fixture(name: &str) -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/layout")
        .join(name);
    let m = uabi::load::load(&path, None).unwrap_or_else(|d| panic!("{d:#?}"));
    (*m).clone()
}

fn drm_headers() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/headers/drm")
}

/// Writes `model`'s header as `<dir>/drm/<uapi-header>`, where a program
/// finds the kernel's as `<drm/ivpu_accel.h>`.
fn install(model: &Model, dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("drm")).unwrap();
    let files = c::render(model).unwrap();
    std::fs::write(dir.join("drm").join(&model.uapi_header), &files[0].contents).unwrap();
}

/// A userspace program as it is written against the real headers.
const PROGRAM: &str = r#"#include <drm/ivpu_accel.h>
#include <drm/habanalabs_accel.h>

typedef int (*ioctl_fn)(int fd, unsigned long cmd, void *arg);

int ivpu_device_id(int fd, ioctl_fn do_ioctl, __u64 *id)
{
	struct drm_ivpu_param args = { 0, 0, 0 };

	args.param = DRM_IVPU_PARAM_DEVICE_ID;
	if (do_ioctl(fd, DRM_IOCTL_IVPU_GET_PARAM, &args))
		return -1;
	*id = args.value;
	return 0;
}

int ivpu_submit(int fd, ioctl_fn do_ioctl, __u64 buffers, __u32 count)
{
	struct drm_ivpu_submit args = { 0, 0, 0, 0, 0, 0 };

	args.buffers_ptr = buffers;
	args.buffer_count = count;
	args.engine = DRM_IVPU_ENGINE_COMPUTE;
	return do_ioctl(fd, DRM_IOCTL_IVPU_SUBMIT, &args);
}

int ivpu_bo_create(int fd, ioctl_fn do_ioctl, __u64 size, __u32 *handle)
{
	struct drm_ivpu_bo_create args = { 0, 0, 0, 0 };

	args.size = size;
	args.flags = DRM_IVPU_BO_MAPPABLE | DRM_IVPU_BO_WC;
	if (do_ioctl(fd, DRM_IOCTL_IVPU_BO_CREATE, &args))
		return -1;
	*handle = args.handle;
	return 0;
}

/* The commands are integer constant expressions, as in the kernel's
 * own dispatch tables. */
const char *ivpu_command_name(unsigned long cmd)
{
	switch (cmd) {
	case DRM_IOCTL_IVPU_GET_PARAM: return "get_param";
	case DRM_IOCTL_IVPU_SET_PARAM: return "set_param";
	case DRM_IOCTL_IVPU_BO_CREATE: return "bo_create";
	case DRM_IOCTL_IVPU_BO_INFO: return "bo_info";
	case DRM_IOCTL_IVPU_SUBMIT: return "submit";
	default: return 0;
	}
}

int ivpu_nr_is_driver_private(void)
{
	return DRM_COMMAND_BASE + DRM_IVPU_SUBMIT < DRM_COMMAND_END;
}

int hl_info(int fd, ioctl_fn do_ioctl, __u64 out, __u32 size)
{
	struct hl_info_args args = { 0, 0, 0, 0, 0 };
	enum gaudi_queue_id q = GAUDI_QUEUE_ID_DMA_0_1;

	args.return_pointer = out;
	args.return_size = size;
	args.op = HL_INFO_HW_IP_INFO;
	args.dcore_id = (__u32)q % HL_MAX_DCORES;
	return do_ioctl(fd, DRM_IOCTL_HL_INFO, &args) +
	       (HL_IOCTL_INFO == 0 ? 0 : 1);
}
"#;

fn compile(cc: &str, args: &[&str], dir: &Path) -> Result<(), String> {
    let src = dir.join("prog.c");
    std::fs::write(&src, PROGRAM).unwrap();
    let out = Command::new(cc)
        .args(args)
        .args(["-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-I"])
        .arg(dir)
        .arg("-isystem")
        .arg(drm_headers())
        .arg(&src)
        .output()
        .map_err(|e| format!("{cc}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cc} {}:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn scratch(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("c_names")
        .join(name)
}

#[test]
fn a_program_using_the_kernel_names_compiles_against_the_generated_headers() {
    let dir = scratch("real-names");
    install(&fixture("drm-style.yaml"), &dir);
    // install() clears the folder: the second header goes in by hand.
    let hl = fixture("drm-names-hl.yaml");
    let files = c::render(&hl).unwrap();
    std::fs::write(dir.join("drm").join(&hl.uapi_header), &files[0].contents).unwrap();

    let mut failures = Vec::new();
    for (cc, args) in [
        ("gcc", &["-x", "c", "-std=c89", "-pedantic"][..]),
        ("gcc", &["-x", "c", "-std=c11", "-pedantic"][..]),
        ("g++", &["-x", "c++", "-std=c++11"][..]),
    ] {
        if let Err(e) = compile(cc, args, &dir) {
            failures.push(e);
        }
    }
    for cc in [
        "i686-linux-gnu-gcc",
        "aarch64-linux-gnu-gcc",
        "arm-linux-gnueabihf-gcc",
        "riscv64-linux-gnu-gcc",
        "powerpc64le-linux-gnu-gcc",
        "mips-linux-gnu-gcc",
        "s390x-linux-gnu-gcc",
        "sparc64-linux-gnu-gcc",
        "alpha-linux-gnu-gcc",
    ] {
        match compile(cc, &["-std=c11"], &dir) {
            Ok(()) => {}
            Err(e) if e.contains("No such file or directory (os error 2)") => {
                uabi_test_support::skipped(
                    &format!("the kernel-names program with {cc}"),
                    "compiler missing",
                )
            }
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));

    let h = std::fs::read_to_string(dir.join("drm/ivpu_accel.h")).unwrap();
    for want in [
        "#include \"drm.h\"\n",
        "#define DRM_IVPU_GET_PARAM 0x00\n",
        "#define DRM_IOCTL_IVPU_GET_PARAM DRM_IOWR(DRM_COMMAND_BASE + DRM_IVPU_GET_PARAM, struct drm_ivpu_param)\n",
        "#define DRM_IOCTL_IVPU_SUBMIT DRM_IOW(DRM_COMMAND_BASE + DRM_IVPU_SUBMIT, struct drm_ivpu_submit)\n",
        "#define DRM_IVPU_PARAM_DEVICE_ID 0\n",
        "#define DRM_IVPU_BO_UNCACHED 0x00010000\n",
        "struct drm_ivpu_submit {\n",
    ] {
        assert!(h.contains(want), "missing {want:?} in\n{h}");
    }
    // No magic macro and no <linux/ioctl.h>: drm.h brings both.
    assert!(
        !h.contains("IOCTL_MAGIC") && !h.contains("<linux/ioctl.h>"),
        "{h}"
    );
}

/// Without `c-prefix` and `style: drm` the spec's own derived names come
/// back (`struct ivpu_param`, `IVPU_IOCTL_GET_PARAM`), and the program
/// written for the kernel's names no longer compiles.
#[test]
fn the_derived_names_do_not_satisfy_that_program() {
    let mut m = fixture("drm-style.yaml");
    m.c_prefix = m.name.clone();
    m.ioctl_style = IoctlStyle::Plain;
    let dir = scratch("derived-names");
    install(&m, &dir);
    let hl = fixture("drm-names-hl.yaml");
    std::fs::write(
        dir.join("drm").join(&hl.uapi_header),
        &c::render(&hl).unwrap()[0].contents,
    )
    .unwrap();
    let h = std::fs::read_to_string(dir.join("drm/ivpu_accel.h")).unwrap();
    assert!(h.contains("#define IVPU_IOCTL_GET_PARAM _IOWR(IVPU_IOCTL_MAGIC, IVPU_NR_GET_PARAM, struct ivpu_param)\n"), "{h}");
    match compile("gcc", &["-x", "c", "-std=c11"], &dir) {
        Ok(()) => panic!("the kernel-names program compiled against derived names"),
        Err(e) => assert!(e.contains("DRM_IOCTL_IVPU_GET_PARAM"), "{e}"),
    }
}

/// The preprocessed text (`-E -P`) or the macro list (`-dM -E`) of
/// `source` as gcc reads it with the kernel's drm.h on the path.
fn gcc_view(source: &str, flag: &str) -> String {
    let dir = scratch("drm-h");
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("view.c");
    std::fs::write(&src, source).unwrap();
    let out = Command::new("gcc")
        .args([flag, "-E", "-isystem"])
        .arg(drm_headers())
        .arg(&src)
        .output()
        .expect("gcc");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn macros(dm: &str) -> BTreeSet<String> {
    dm.lines()
        .filter_map(|l| l.strip_prefix("#define "))
        .map(|l| l.split([' ', '(']).next().unwrap().to_string())
        .collect()
}

/// C tokens, roughly: identifiers and single punctuation characters.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() || ch == '_' {
            cur.push(ch);
            continue;
        }
        if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        if !ch.is_whitespace() {
            out.push(ch.to_string());
        }
    }
    out
}

fn is_ident(t: &str) -> bool {
    t.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
}

/// Tags, and typedef names with enumerators, that a preprocessed text
/// declares.
fn declared(text: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let t = tokens(text);
    let mut tags = BTreeSet::new();
    let mut idents = BTreeSet::new();
    for i in 0..t.len() {
        let kw = t[i].as_str();
        if matches!(kw, "struct" | "union" | "enum")
            && t.get(i + 1).is_some_and(|n| is_ident(n))
            && t.get(i + 2).is_some_and(|b| b == "{")
        {
            tags.insert(t[i + 1].clone());
        }
        if kw == "enum" {
            // The enumerators: the first identifier of each item.
            let Some(open) = t[i..].iter().position(|x| x == "{").map(|p| p + i) else {
                continue;
            };
            if open > i + 2 {
                continue;
            }
            let mut expect = true;
            for x in &t[open + 1..] {
                match x.as_str() {
                    "}" => break,
                    "," => expect = true,
                    x if expect && is_ident(x) => {
                        idents.insert(x.to_string());
                        expect = false;
                    }
                    _ => expect = false,
                }
            }
        }
        if kw == "typedef" {
            // The typedef name: the last identifier before its `;` at
            // brace depth 0.
            let mut depth = 0;
            let mut last = None;
            for x in &t[i + 1..] {
                match x.as_str() {
                    "{" => depth += 1,
                    "}" => depth -= 1,
                    ";" if depth == 0 => break,
                    x if depth == 0 && is_ident(x) => last = Some(x.to_string()),
                    _ => {}
                }
            }
            idents.extend(last);
        }
    }
    (tags, idents)
}

/// Lint checks a DRM-style header's names against drm.h's: the lists it
/// uses are exactly what gcc reads from the kernel's drm.h (macros, tags,
/// typedef names and enumerators, less those of <linux/types.h> and
/// <asm/ioctl.h>).
#[test]
fn drm_h_names_are_what_gcc_sees() {
    let base = "#include <linux/types.h>\n#include <asm/ioctl.h>\n";
    let drm = "#include \"drm.h\"\n";
    let set = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    let want: BTreeSet<String> = macros(&gcc_view(drm, "-dM"))
        .difference(&macros(&gcc_view(base, "-dM")))
        .cloned()
        .collect();
    assert_eq!(set(c::DRM_H_MACROS), want);
    let (base_tags, base_idents) = declared(&gcc_view(base, "-P"));
    let (tags, idents) = declared(&gcc_view(drm, "-P"));
    let tags: BTreeSet<String> = tags.difference(&base_tags).cloned().collect();
    let idents: BTreeSet<String> = idents.difference(&base_idents).cloned().collect();
    assert_eq!(set(c::DRM_H_TAGS), tags);
    assert_eq!(set(c::DRM_H_IDENTIFIERS), idents);
    for must in [
        "DRM_IOCTL_BASE",
        "DRM_COMMAND_BASE",
        "DRM_COMMAND_END",
        "DRM_IO",
        "DRM_IOR",
        "DRM_IOW",
        "DRM_IOWR",
    ] {
        assert!(c::DRM_H_MACROS.contains(&must), "{must}");
    }
}
