//! The generated C kernel side (`<spec>/c/kernel/<spec>_kernel.{h,c}`) is
//! real kernel code: for `spec/accel-core.yaml`, `spec/softaccel.yaml`, the
//! imported real drivers' specs of `spec/examples/` and the layout fixtures
//! (unions, flag fields, i386 layouts, arrays of structs, ...), the files of
//! each spec and of everything it includes are built as one out-of-tree
//! kbuild module per spec (with a small wrapper that defines what a driver
//! defines: `<p>_file_ops`, or `<p>_drm_ops` for a DRM spec) against the
//! Debian 6.12 kernel tree with `W=1` (warnings are errors) and `C=1`
//! (sparse: no output allowed), and `checkpatch.pl --strict --no-tree -f`
//! must report nothing on each generated file.
//!
//! The kernel tree comes from `UABI_KDIR` and `UABI_CHECKPATCH` (what
//! `scripts/kernel-env.sh` exports), else from where that script puts
//! them; without them the checks are SKIPPED, with why.
//!
//! Behaviour: the generated `.c` files of accel and softaccel are also
//! built for userspace (gcc, with a shim of the kernel API and of user
//! memory), and driven from one table of generated inputs side by side
//! with the Rust kernel crates: every struct's `validate_*_at` and
//! `clear_out_*` (same errno, same cleared bytes) and the whole
//! `softaccel_dispatch` (same errno, same caller memory afterwards); and
//! the i386 conversion of `compat_ioctl` on the layout fixture whose
//! layouts differ, against the model's offsets; and, for every DRM-style
//! spec, the `drm_ioctl_desc` table and each of its handlers against the
//! spec's Rust kernel crate, generated and built here.

// Tests report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use uabi::backend::{c, c_kernel};
use uabi::model::{IoctlStyle, Model};

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

/// Every spec the build covers.
fn all_specs() -> Vec<PathBuf> {
    let root = repo_root();
    let mut v = yaml_files(&root.join("spec"));
    v.extend(yaml_files(&root.join("spec/examples")));
    v.extend(yaml_files(&root.join("codegen/tests/fixtures/layout")));
    v
}

/// Writes the uapi headers and the kernel side of `model` and of every
/// spec it includes under `dir`, as `generated/` lays them out; returns
/// the kernel files written (relative to `dir`).
fn write_tree(model: &Model, dir: &Path) -> Vec<PathBuf> {
    let mut kernel = Vec::new();
    for m in model.all_includes().into_iter().chain([model]) {
        let files = c::render(m)
            .unwrap()
            .into_iter()
            .chain(c_kernel::render(m).unwrap());
        for f in files {
            let p = dir.join(&f.path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, &f.contents).unwrap();
            if f.path.starts_with(c_kernel::kernel_dir(m)) {
                kernel.push(f.path.clone());
            }
        }
    }
    kernel
}

/// [`write_tree`] for a userspace build over the shim: the control and
/// ring parts of each kernel source (kernel code the shim does not model,
/// tested on their own by tests/c_kernel_control.rs and c_kernel_rings.rs)
/// are cut at their markers, and the control handler answers EOPNOTSUPP
/// (the comparisons leave CONTROL out).
fn write_userspace_tree(model: &Model, dir: &Path) {
    for rel in write_tree(model, dir) {
        if rel.extension().is_none_or(|e| e != "c") {
            continue;
        }
        let path = dir.join(&rel);
        let mut text = std::fs::read_to_string(&path).unwrap();
        for (part, stub) in [("control messages", true), ("rings", false)] {
            let m = model
                .all_includes()
                .into_iter()
                .chain([model])
                .find(|m| rel.starts_with(c_kernel::kernel_dir(m)))
                .unwrap();
            let p = c_kernel::c_prefix(m);
            let begin = format!("/* {p} {part}: begin */");
            let end = format!("/* {p} {part}: end */");
            let (Some(b), Some(e)) = (text.find(&begin), text.find(&end)) else {
                continue;
            };
            let replacement = if stub {
                format!(
                    "int {p}_control(const struct {p}_ops *ops, struct file *file,\n\
                     \t\tstruct {p}_control *arg)\n{{\n\t(void)ops;\n\t(void)file;\n\
                     \t(void)arg;\n\treturn -EOPNOTSUPP;\n}}\n"
                )
            } else {
                String::new()
            };
            text.replace_range(b..e + end.len(), &replacement);
        }
        std::fs::write(&path, text).unwrap();
    }
}

/// What a driver defines, for the module of `model`: the ops lookups the
/// generated code calls, and a misc device using the entry points.
fn wrapper(model: &Model) -> String {
    let p = c_kernel::c_prefix(model);
    let stem = c_kernel::file_stem(model);
    let header = c_kernel::kernel_dir(model).join(format!("{stem}.h"));
    let mut s = String::new();
    writeln!(s, "// SPDX-License-Identifier: GPL-2.0").unwrap();
    writeln!(
        s,
        "#include <linux/miscdevice.h>\n#include <linux/module.h>"
    )
    .unwrap();
    writeln!(s, "#include \"{}\"\n", header.display()).unwrap();
    // Every DRM-style spec of the tree calls its own lookup.
    for m in model.all_includes().into_iter().chain([model]) {
        if matches!(m.ioctl_style, IoctlStyle::Drm { .. }) {
            let q = c_kernel::c_prefix(m);
            writeln!(
                s,
                "static const struct {q}_ops ck_{q}_ops;\n\n\
                 const struct {q}_ops *{q}_drm_ops(struct drm_device *dev)\n{{\n\
                 \treturn &ck_{q}_ops;\n}}\n"
            )
            .unwrap();
        }
    }
    if !matches!(model.ioctl_style, IoctlStyle::Drm { .. }) {
        writeln!(
            s,
            "const struct {p}_ops *{p}_file_ops(struct file *file)\n{{\n\
             \treturn file->private_data;\n}}\n\n\
             static const struct file_operations ck_fops = {{\n\
             \t.owner = THIS_MODULE,\n\
             \t.unlocked_ioctl = {p}_ioctl,\n\
             \t.compat_ioctl = {p}_compat_ioctl,\n}};\n\n\
             static struct miscdevice ck_dev = {{\n\
             \t.minor = MISC_DYNAMIC_MINOR,\n\
             \t.name = \"uabi_ck\",\n\
             \t.fops = &ck_fops,\n}};\n\
             module_misc_device(ck_dev);\n"
        )
        .unwrap();
    }
    writeln!(s, "MODULE_LICENSE(\"GPL\");").unwrap();
    writeln!(
        s,
        "MODULE_DESCRIPTION(\"uabi: build check of the generated C kernel side\");"
    )
    .unwrap();
    s
}

/// The kernel tree and checkpatch, or why they are missing.
fn kernel_env() -> Result<(PathBuf, PathBuf), String> {
    let kdir = match std::env::var_os("UABI_KDIR") {
        Some(d) => PathBuf::from(d),
        None => {
            let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/src")
                .map_err(|e| format!("no /usr/src ({e}); run scripts/kernel-env.sh"))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("linux-headers-6.12"))
                        && p.join("Makefile").exists()
                        && p.join("Module.symvers").exists()
                })
                .collect();
            found.sort();
            found
                .pop()
                .ok_or("no linux-headers-6.12 kbuild tree (scripts/kernel-env.sh installs it)")?
        }
    };
    let checkpatch = match std::env::var_os("UABI_CHECKPATCH") {
        Some(p) => PathBuf::from(p),
        None => {
            let cache = std::env::var_os("UABI_KCACHE")
                .map_or_else(|| PathBuf::from("/var/cache/uabi-kernel"), PathBuf::from);
            let mut found: Vec<PathBuf> = std::fs::read_dir(&cache)
                .map_err(|e| format!("no {} ({e}); run scripts/kernel-env.sh", cache.display()))?
                .filter_map(|e| e.ok().map(|e| e.path().join("scripts/checkpatch.pl")))
                .filter(|p| p.exists())
                .collect();
            found.sort();
            found
                .pop()
                .ok_or("no checkpatch.pl (scripts/kernel-env.sh unpacks linux-source-6.12)")?
        }
    };
    if !kdir.join("Makefile").exists() {
        return Err(format!("{} is no kbuild tree", kdir.display()));
    }
    Ok((kdir, checkpatch))
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The lines of kbuild's output that report a problem (kbuild prints
/// notes such as "Skipping BTF generation" that are none).
fn problems(out: &str) -> Vec<String> {
    out.lines()
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            l.contains("warning") || l.contains("error") || l.contains(": note:")
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn kbuild_w1_sparse_and_checkpatch_clean() {
    let (kdir, checkpatch) = match kernel_env() {
        Ok(e) => e,
        Err(why) => {
            uabi_test_support::skipped("C kernel side kbuild/sparse/checkpatch checks", &why);
            return;
        }
    };
    let sparse = have("sparse");
    if !sparse {
        uabi_test_support::skipped(
            "sparse on the generated C kernel side",
            "no sparse (scripts/kernel-env.sh installs it); W=1 and checkpatch still run",
        );
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c_kernel_kbuild");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut kbuild = String::from("ccflags-y := -Werror -I$(srctree)/include/uapi/drm\n");
    // Each generated file once (an included spec's are in several trees).
    let mut to_check: Vec<(String, PathBuf)> = Vec::new(); // (spec, file)
    let mut seen = BTreeSet::new();
    for (i, spec) in all_specs().iter().enumerate() {
        let model = load(spec);
        let mdir = format!("m{i}");
        let files = write_tree(&model, &dir.join(&mdir));
        let module = format!("ck{i}");
        let mut objs = vec![format!("{mdir}/wrap.o")];
        for f in &files {
            let rel = Path::new(&mdir).join(f);
            if f.extension().is_some_and(|e| e == "c") {
                objs.push(rel.with_extension("o").display().to_string());
            }
            if seen.insert(f.clone()) {
                to_check.push((spec.display().to_string(), dir.join(&rel)));
            }
        }
        std::fs::write(dir.join(&mdir).join("wrap.c"), wrapper(&model)).unwrap();
        writeln!(
            kbuild,
            "obj-m += {module}.o\n{module}-y := {}",
            objs.join(" ")
        )
        .unwrap();
    }
    std::fs::write(dir.join("Kbuild"), kbuild).unwrap();

    // checkpatch's start-up dominates: one run per half of the files, in
    // parallel with the build.
    let half = to_check.len().div_ceil(2).max(1);
    let runs: Vec<_> = to_check
        .chunks(half)
        .map(|chunk| {
            let mut cmd = Command::new("perl");
            cmd.arg(&checkpatch)
                .args(["--strict", "--no-tree", "--quiet", "--show-types", "-f"])
                .args(chunk.iter().map(|(_, f)| f));
            cmd.stdout(std::process::Stdio::piped())
                .spawn()
                .expect("running checkpatch")
        })
        .collect();

    let jobs = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut make = Command::new("make");
    make.arg("-s")
        .arg("-k")
        .arg(format!("-j{jobs}"))
        .arg("-C")
        .arg(&kdir)
        .arg(format!("M={}", dir.display()))
        .arg("W=1");
    if sparse {
        make.arg("C=1");
    }
    let out = make.output().expect("running make");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && problems(&text).is_empty(),
        "kbuild W=1{} of the generated C kernel side failed or warned:\n{text}",
        if sparse { " C=1" } else { "" }
    );

    let mut failures = Vec::new();
    for run in runs {
        let out = run.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if !out.status.success() || !text.trim().is_empty() {
            failures.push(text);
        }
    }
    assert!(
        failures.is_empty(),
        "checkpatch --strict reports on generated files:\n{}",
        failures.join("\n")
    );
    // The modules take tens of megabytes; kept only when something failed.
    let _ = std::fs::remove_dir_all(&dir);
}

/// The names the module engineer builds against, for softaccel and accel.
#[test]
fn api_names() {
    let root = repo_root();
    let soft = load(&root.join("spec/softaccel.yaml"));
    let files = c_kernel::render(&soft).unwrap();
    let h = &files
        .iter()
        .find(|f| f.path.ends_with("softaccel_kernel.h"))
        .unwrap()
        .contents;
    let src = &files
        .iter()
        .find(|f| f.path.ends_with("softaccel_kernel.c"))
        .unwrap()
        .contents;
    for needle in [
        "#include \"../softaccel.h\"",
        "#include \"../../../accel/c/kernel/accel_kernel.h\"",
        "#define SOFTACCEL_REVISION 3",
        "int softaccel_validate_cmd_at(const struct softaccel_cmd *v, u32 rev);",
        "void softaccel_clear_out_submit(struct softaccel_submit *v);",
        "struct softaccel_ops {",
        "\tconst struct accel_ops *accel;",
        "\tu32 (*revision)(struct file *file);",
        "\tint (*submit)(struct file *file, struct softaccel_submit *arg,\n\t\t      const struct softaccel_cmd *cmds);",
        "\t\t\t  struct softaccel_perf_counter *counters,\n\t\t\t  u64 *counters_written);",
        "\tint (*wait)(struct file *file, struct softaccel_wait *arg);",
        "\tconst struct softaccel_control_ops *control;",
        "long softaccel_dispatch(const struct softaccel_ops *ops, struct file *file,\n\t\t\tunsigned int cmd, unsigned long arg, bool compat);",
        "const struct softaccel_ops *softaccel_file_ops(struct file *file);",
        "static inline long softaccel_ioctl(struct file *file, unsigned int cmd,",
        "static inline long softaccel_compat_ioctl(struct file *file, unsigned int cmd,",
        "int softaccel_control(const struct softaccel_ops *ops, struct file *file,",
    ] {
        assert!(
            h.contains(needle),
            "softaccel_kernel.h lacks {needle:?}:\n{h}"
        );
    }
    // The included spec's ioctls go to its dispatcher with its table.
    assert!(src.contains("\t\treturn accel_dispatch(ops->accel, file, cmd, arg, compat);"));
    // Arrays: bounded, copied once, every element validated.
    assert!(src.contains("cmds = softaccel_array_in(karg->cmds, cmds_n, 256ULL"));
    assert!(src.contains("\t\tret = softaccel_validate_cmd_at(&cmds[i], rev);"));

    let accel = load(&root.join("spec/accel-core.yaml"));
    let files = c_kernel::render(&accel).unwrap();
    let h = &files[0].contents;
    for needle in [
        "#define ACCEL_REVISION 2",
        "\tbool (*privileged)(struct file *file);",
        "\tint (*get_param)(struct file *file, struct accel_get_param *arg);",
        "size_t accel_bo_create_size_at(u32 rev);",
        "void accel_clear_newer_bo_create(struct accel_bo_create *v, u32 rev);",
        "bool accel_privileged(const struct accel_ops *ops, struct file *file);",
        "u32 accel_revision(const struct accel_ops *ops, struct file *file);",
    ] {
        assert!(h.contains(needle), "accel_kernel.h lacks {needle:?}:\n{h}");
    }
}

/// A DRM-style spec gets the drm_ioctl_desc table, with the ioctl's own
/// arg-access pair (ivpu's GET_PARAM writes what SET_PARAM reads).
#[test]
fn drm_table() {
    let ivpu = load(&repo_root().join("spec/examples/ivpu.yaml"));
    let files = c_kernel::render(&ivpu).unwrap();
    let h = &files[0].contents;
    let src = &files[1].contents;
    assert!(h.contains("extern const struct drm_ioctl_desc drm_ivpu_ioctls[DRM_IVPU_NUM_IOCTLS];"));
    assert!(h.contains("const struct drm_ivpu_ops *drm_ivpu_drm_ops(struct drm_device *dev);"));
    assert!(src.contains("\tDRM_IOCTL_DEF_DRV(IVPU_GET_PARAM, drm_ivpu_drm_get_param, 0),"));
    assert!(src.contains("int drm_ivpu_validate_get_param_arg_at("));
    assert!(src.contains("\tret = drm_ivpu_validate_get_param_arg_at(karg, rev);"));
    assert!(!src.contains("_dispatch("));
}

// ------------------------------------------------------------ behaviour

/// What the generated `.c` files need from the kernel, for a userspace
/// build of them: types, errnos, helpers with the kernel's semantics, and
/// user memory as the Rust tests model it (`BufferMem`: `ulen` bytes at
/// `ubase`, anything else faults).
const SHIM: &str = r#"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <errno.h>
#include <endian.h>
#include <linux/types.h>
#include <linux/ioctl.h>
typedef uint8_t u8; typedef uint16_t u16; typedef uint32_t u32; typedef uint64_t u64;
typedef int8_t s8; typedef int16_t s16; typedef int32_t s32; typedef int64_t s64;
#define __user
#define U32_MAX UINT32_MAX
#define U64_MAX UINT64_MAX
#define S64_MAX INT64_MAX
#define GFP_KERNEL 0
#define __GFP_ZERO 0
#define CAP_SYS_ADMIN 21
#define IS_ENABLED(x) 0
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define offsetofend(T, m) (offsetof(T, m) + sizeof(((T *)0)->m))
#define min(a, b) ((a) < (b) ? (a) : (b))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define check_mul_overflow(a, b, d) __builtin_mul_overflow(a, b, d)
#define check_add_overflow(a, b, d) __builtin_add_overflow(a, b, d)
#define be16_to_cpu(x) be16toh(x)
#define be32_to_cpu(x) be32toh(x)
#define be64_to_cpu(x) be64toh(x)
#define le16_to_cpu(x) le16toh(x)
#define le32_to_cpu(x) le32toh(x)
#define le64_to_cpu(x) le64toh(x)
struct file { void *private_data; };
static inline bool capable(int cap) { (void)cap; return false; }
static inline void *ERR_PTR(long e) { return (void *)e; }
static inline long PTR_ERR(const void *p) { return (long)p; }
static inline bool IS_ERR(const void *p) { return (unsigned long)p >= (unsigned long)-4095; }
static inline void *u64_to_user_ptr(u64 v) { return (void *)(uintptr_t)v; }
static inline void *compat_ptr(unsigned long v) { return (void *)v; }
static inline void *memchr_inv(const void *p, int c, size_t n)
{
	const u8 *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != (u8)c)
			return (void *)(b + i);
	return NULL;
}
/* User memory: ulen bytes at address ubase, as the Rust tests' BufferMem. */
extern u8 *umem;
extern u64 ubase, ulen;
static inline u8 *uaddr(const void *p, size_t n)
{
	u64 a = (u64)(uintptr_t)p;
	if (a < ubase || a - ubase > ulen || n > ulen - (a - ubase))
		return NULL;
	return umem + (a - ubase);
}
static inline unsigned long copy_from_user(void *d, const void *s, size_t n)
{
	u8 *u = uaddr(s, n);
	if (!u)
		return n ? n : 1;
	memcpy(d, u, n);
	return 0;
}
static inline unsigned long copy_to_user(void *d, const void *s, size_t n)
{
	u8 *u = uaddr(d, n);
	if (!u)
		return n ? n : 1;
	memcpy(u, s, n);
	return 0;
}
static inline int check_zeroed_user(const void *p, size_t n)
{
	u8 *u = uaddr(p, n);
	if (!u)
		return -EFAULT;
	return memchr_inv(u, 0, n) == NULL;
}
static inline int copy_struct_from_user(void *dst, size_t ksize, const void *src, size_t usize)
{
	size_t size = min(ksize, usize);
	if (usize < ksize)
		memset((u8 *)dst + size, 0, ksize - size);
	else if (usize > ksize) {
		int ret = check_zeroed_user((const u8 *)src + ksize, usize - ksize);
		if (ret <= 0)
			return ret ? ret : -E2BIG;
	}
	if (copy_from_user(dst, src, size))
		return -EFAULT;
	return 0;
}
static inline void *kvmalloc_array(size_t n, size_t s, int f) { (void)f; return calloc(n, s); }
static inline void kvfree(const void *p) { free((void *)p); }
static inline void *kzalloc(size_t n, int f) { (void)f; return calloc(1, n); }
static inline void kfree(const void *p) { free((void *)p); }
"#;

/// Kernel headers the generated files include that userspace lacks (or
/// whose uapi twin would only add clutter): empty, the shim defines what
/// they would.
const SHADOWED: &[&str] = &[
    // Included for the control and ring parts, which the userspace builds
    // cut (write_userspace_tree).
    "asm/barrier.h",
    "linux/atomic.h",
    "linux/bitops.h",
    "linux/build_bug.h",
    "linux/compiler.h",
    "linux/log2.h",
    "linux/mm.h",
    "linux/unaligned.h",
    "linux/capability.h",
    "linux/compat.h",
    "linux/err.h",
    "linux/fs.h",
    "linux/minmax.h",
    "linux/overflow.h",
    "linux/slab.h",
    "linux/string.h",
    "linux/uaccess.h",
];

/// A fresh folder for a userspace build over the shim, with the kernel
/// headers it stands for shadowed by empty files (`-Ishadow`).
fn userspace_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    for h in SHADOWED {
        let p = dir.join("shadow").join(h);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "").unwrap();
    }
    dir
}

/// Mostly zero bytes, with a few small values, all-ones bytes and
/// random ones: where pad, enum, flag and range checks decide.
fn random_bytes(rng: &mut Rng, n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    for _ in 0..rng.below(4) {
        if n == 0 {
            break;
        }
        let i = rng.below(n as u64) as usize;
        v[i] = match rng.below(4) {
            0 => rng.below(8) as u8,
            1 => 0xff,
            2 => 1 << rng.below(8),
            _ => rng.u64() as u8,
        };
    }
    // Often a plausible value in the first word (an enum or a handle).
    if n >= 4 && rng.below(2) == 0 {
        v[0] = rng.below(12) as u8;
    }
    v
}

type RustCheck = fn(&[u8], u32) -> (i32, Vec<u8>);

/// The Rust kernel crate's `validate_<s>_at` and `clear_out_<s>` of a
/// struct, on its bytes: the errno (0 for Ok) and the bytes after
/// clear_out.
fn rust_check<T, V, C>(bytes: &[u8], rev: u32, validate: V, clear: C) -> (i32, Vec<u8>)
where
    T: uabi_runtime::zerocopy::FromBytes
        + uabi_runtime::zerocopy::IntoBytes
        + uabi_runtime::zerocopy::Immutable
        + uabi_runtime::zerocopy::KnownLayout,
    V: Fn(&T, u32) -> Result<(), uabi_runtime::Errno>,
    C: Fn(&mut T),
{
    let mut v = T::read_from_bytes(bytes).unwrap();
    let errno = match validate(&v, rev) {
        Ok(()) => 0,
        Err(e) => e.0,
    };
    clear(&mut v);
    (errno, v.as_bytes().to_vec())
}

macro_rules! checks {
    ($($spec:literal $name:literal $k:ident :: $ty:ident, $v:ident, $c:ident;)*) => {
        vec![$(($spec, $name, (|b: &[u8], r: u32| {
            rust_check::<$k::uapi::$ty, _, _>(b, r, $k::$v, $k::$c)
        }) as RustCheck)),*]
    };
}

/// The same inputs give the same errno and the same cleared bytes in the
/// generated C (built for userspace with [`SHIM`]) as in the Rust kernel
/// crates, for every struct of accel and softaccel at every revision.
#[test]
fn validate_and_clear_match_the_rust_kernel_crates() {
    if !have("gcc") {
        uabi_test_support::skipped("C kernel side behaviour (validate/clear)", "no gcc");
        return;
    }
    let table: Vec<(&str, &str, RustCheck)> = checks! {
        "accel" "get-param" accel_kernel::GetParam, validate_get_param_at, clear_out_get_param;
        "accel" "set-param" accel_kernel::SetParam, validate_set_param_at, clear_out_set_param;
        "accel" "bo-create" accel_kernel::BoCreate, validate_bo_create_at, clear_out_bo_create;
        "accel" "bo-info" accel_kernel::BoInfo, validate_bo_info_at, clear_out_bo_info;
        "accel" "bo-destroy" accel_kernel::BoDestroy, validate_bo_destroy_at, clear_out_bo_destroy;
        "accel" "queue-create" accel_kernel::QueueCreate, validate_queue_create_at, clear_out_queue_create;
        "accel" "queue-destroy" accel_kernel::QueueDestroy, validate_queue_destroy_at, clear_out_queue_destroy;
        "softaccel" "cmd" softaccel_kernel::Cmd, validate_cmd_at, clear_out_cmd;
        "softaccel" "submit" softaccel_kernel::Submit, validate_submit_at, clear_out_submit;
        "softaccel" "wait" softaccel_kernel::Wait, validate_wait_at, clear_out_wait;
        "softaccel" "queue-info" softaccel_kernel::QueueInfo, validate_queue_info_at, clear_out_queue_info;
        "softaccel" "perf-counter" softaccel_kernel::PerfCounter, validate_perf_counter_at, clear_out_perf_counter;
        "softaccel" "perf-stats" softaccel_kernel::PerfStats, validate_perf_stats_at, clear_out_perf_stats;
        "softaccel" "fw-request" softaccel_kernel::FwRequest, validate_fw_request_at, clear_out_fw_request;
        "softaccel" "fw-reply" softaccel_kernel::FwReply, validate_fw_reply_at, clear_out_fw_reply;
        "softaccel" "control" softaccel_kernel::Control, validate_control_at, clear_out_control;
        "softaccel" "ring-cmd" softaccel_kernel::RingCmd, validate_ring_cmd_at, clear_out_ring_cmd;
        "softaccel" "ring-completion" softaccel_kernel::RingCompletion, validate_ring_completion_at, clear_out_ring_completion;
        "softaccel" "ring-queue-create" softaccel_kernel::RingQueueCreate, validate_ring_queue_create_at, clear_out_ring_queue_create;
        "softaccel" "doorbell" softaccel_kernel::Doorbell, validate_doorbell_at, clear_out_doorbell;
    };
    let root = repo_root();
    let soft = load(&root.join("spec/softaccel.yaml"));
    // Every struct of both specs is in the table (a new one must be added).
    let mut names: Vec<(String, String)> = Vec::new();
    for m in soft.all_includes().into_iter().chain([soft.as_ref()]) {
        for s in m.structs.iter().filter(|s| !s.inline) {
            names.push((m.name.clone(), s.name.clone()));
        }
    }
    for (spec, name) in &names {
        assert!(
            table.iter().any(|(s, n, _)| s == spec && n == name),
            "struct {spec}.{name} has no row in the behaviour table"
        );
    }

    let dir = userspace_dir("c_kernel_behaviour");
    write_userspace_tree(&soft, &dir);
    std::fs::write(dir.join("shim.h"), SHIM).unwrap();

    // The driver: one line per case, `<row> <rev> <hex>`, answered with
    // `<errno> <hex after clear_out>`.
    let mut main = String::from(
        "#include <stdio.h>\n#include \"softaccel/c/kernel/softaccel_kernel.h\"\n\
         u8 *umem;\nu64 ubase, ulen;\n\
         static void hex_in(u8 *b, size_t n, const char *s)\n{\n\
         \tfor (size_t i = 0; i < n; i++) {\n\t\tunsigned x;\n\
         \t\tsscanf(s + 2 * i, \"%2x\", &x);\n\t\tb[i] = (u8)x;\n\t}\n}\n\
         int main(void)\n{\n\tchar line[65536];\n\
         \twhile (fgets(line, sizeof(line), stdin)) {\n\
         \t\tunsigned row, rev;\n\t\tint off;\n\t\tint ret = 0;\n\
         \t\tu8 buf[4096] = {0};\n\t\tsize_t n = 0;\n\
         \t\tsscanf(line, \"%u %u %n\", &row, &rev, &off);\n\t\tswitch (row) {\n",
    );
    for (i, (spec, name, _)) in table.iter().enumerate() {
        let m = if *spec == "accel" {
            soft.includes[0].as_ref()
        } else {
            soft.as_ref()
        };
        let s = m.structs.iter().find(|s| s.name == *name).unwrap();
        let tag = c::aggregate_tag(m, s);
        let p = c_kernel::c_prefix(m);
        let st = uabi::names::snake(name);
        writeln!(
            main,
            "\t\tcase {i}: {{\n\t\t\t{tag} v;\n\t\t\tn = sizeof(v);\n\
             \t\t\thex_in((u8 *)&v, n, line + off);\n\
             \t\t\tret = {p}_validate_{st}_at(&v, rev);\n\
             \t\t\t{p}_clear_out_{st}(&v);\n\t\t\tmemcpy(buf, &v, n);\n\t\t\tbreak;\n\t\t}}"
        )
        .unwrap();
    }
    main += "\t\t}\n\t\tprintf(\"%d \", -ret);\n\t\tfor (size_t i = 0; i < n; i++)\n\
             \t\t\tprintf(\"%02x\", buf[i]);\n\t\tprintf(\"\\n\");\n\t}\n\treturn 0;\n}\n";
    std::fs::write(dir.join("main.c"), main).unwrap();
    let exe = dir.join("behaviour");
    let out = Command::new("gcc")
        .current_dir(&dir)
        .args([
            "-std=gnu11",
            "-O1",
            "-Wall",
            "-Werror",
            "-Wno-unused-function",
        ])
        .args(["-Ishadow", "-I.", "-include", "shim.h", "-o"])
        .arg(&exe)
        .args([
            "main.c",
            "accel/c/kernel/accel_kernel.c",
            "softaccel/c/kernel/softaccel_kernel.c",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the userspace build of the C kernel side failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
    let mut input = String::new();
    let mut expected = Vec::new();
    for (i, (spec, name, check)) in table.iter().enumerate() {
        let m = if *spec == "accel" {
            soft.includes[0].as_ref()
        } else {
            soft.as_ref()
        };
        let s = m.structs.iter().find(|s| s.name == *name).unwrap();
        let size = s.layout(uabi::target::Target::X86_64).size as usize;
        for case in 0..300 {
            let bytes = random_bytes(&mut rng, size);
            let rev = case % (m.revision + 2);
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            writeln!(input, "{i} {rev} {hex}").unwrap();
            let (errno, after) = check(&bytes, rev);
            let after: String = after.iter().map(|b| format!("{b:02x}")).collect();
            expected.push((
                format!("{spec}.{name} rev {rev} bytes {hex}"),
                format!("{errno} {after}"),
            ));
        }
    }
    // Through a file: a pipe both ways would deadlock once the answers
    // fill the pipe before the questions are all written.
    let cases = dir.join("cases.txt");
    std::fs::write(&cases, &input).unwrap();
    let out = Command::new(&exe)
        .stdin(std::fs::File::open(&cases).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the C driver failed: {:?}",
        out.status
    );
    let got = String::from_utf8_lossy(&out.stdout);
    let got: Vec<&str> = got.lines().collect();
    assert_eq!(
        got.len(),
        expected.len(),
        "the C driver answered {} of {} cases",
        got.len(),
        expected.len()
    );
    // The inputs reach both outcomes (else the comparison proves little).
    let rejected = expected
        .iter()
        .filter(|(_, w)| !w.starts_with("0 "))
        .count();
    assert!(
        rejected * 10 > expected.len() && rejected * 10 < expected.len() * 9,
        "{rejected} of {} cases rejected: the inputs do not exercise the checks",
        expected.len()
    );
    let mut diffs = Vec::new();
    for ((what, want), have) in expected.iter().zip(&got) {
        if want != have {
            diffs.push(format!("{what}: Rust {want}, C {have}"));
        }
    }
    assert!(
        diffs.is_empty(),
        "{} of {} cases differ between C and Rust, e.g.:\n{}",
        diffs.len(),
        expected.len(),
        diffs
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The Rust side of the dispatch comparison: every handler succeeds;
/// submit reads every command (so that a bad one fails the call, as the
/// C dispatcher's up-front validation does), perf_stats writes every
/// counter (the C callback says it filled every element).
struct Quiet {
    accel_rev: u32,
    soft_rev: u32,
}

impl accel_kernel::Ops for Quiet {
    type File = ();
    fn accel_revision(&self) -> u32 {
        self.accel_rev
    }
    fn get_param(&self, _: &(), _: &mut accel_kernel::uapi::GetParam) -> Result<(), Errno> {
        Ok(())
    }
    fn set_param(&self, _: &(), _: &mut accel_kernel::uapi::SetParam) -> Result<(), Errno> {
        Ok(())
    }
    fn bo_create(&self, _: &(), _: &mut accel_kernel::uapi::BoCreate) -> Result<(), Errno> {
        Ok(())
    }
    fn bo_info(&self, _: &(), _: &mut accel_kernel::uapi::BoInfo) -> Result<(), Errno> {
        Ok(())
    }
    fn bo_destroy(&self, _: &(), _: &mut accel_kernel::uapi::BoDestroy) -> Result<(), Errno> {
        Ok(())
    }
    fn queue_create(&self, _: &(), _: &mut accel_kernel::uapi::QueueCreate) -> Result<(), Errno> {
        Ok(())
    }
    fn queue_destroy(&self, _: &(), _: &mut accel_kernel::uapi::QueueDestroy) -> Result<(), Errno> {
        Ok(())
    }
}

use softaccel_kernel::operations as sops;
use softaccel_kernel::uapi as su;
use uabi_runtime::Errno;
use uabi_test_support::Rng;

impl softaccel_kernel::Ops for Quiet {
    fn softaccel_revision(&self) -> u32 {
        self.soft_rev
    }
    fn submit(
        &self,
        _: &(),
        _: &mut su::Submit,
        cmds: softaccel_kernel::UserArray<'_, su::Cmd>,
    ) -> Result<(), Errno> {
        for i in 0..cmds.len() {
            cmds.read(i)?;
        }
        Ok(())
    }
    fn wait(&self, _: &(), _: &mut su::Wait) -> Result<(), Errno> {
        Ok(())
    }
    fn perf_stats(
        &self,
        _: &(),
        _: &mut su::PerfStats,
        counters: softaccel_kernel::UserArray<'_, su::PerfCounter>,
    ) -> Result<(), Errno> {
        for i in 0..counters.len() {
            counters.write(i, &su::PerfCounter::ZERO)?;
        }
        Ok(())
    }
    fn queue_info(&self, _: &(), _: &mut su::QueueInfo) -> Result<(), Errno> {
        Ok(())
    }
    fn op_get_status(
        &self,
        _: &(),
        _: sops::GetStatusRequest<'_>,
        _: &mut sops::GetStatusReply<'_, '_>,
    ) -> Result<(), Errno> {
        Ok(())
    }
    fn op_get_counters(
        &self,
        _: &(),
        _: sops::GetCountersRequest<'_>,
        _: &mut sops::GetCountersReply<'_, '_>,
    ) -> Result<(), Errno> {
        Ok(())
    }
    fn op_set_power_state(
        &self,
        _: &(),
        _: sops::SetPowerStateRequest<'_>,
        _: &mut sops::SetPowerStateReply<'_, '_>,
    ) -> Result<(), Errno> {
        Ok(())
    }
    fn op_reset_queue(
        &self,
        _: &(),
        _: sops::ResetQueueRequest<'_>,
        _: &mut sops::ResetQueueReply<'_, '_>,
    ) -> Result<(), Errno> {
        Ok(())
    }
    fn op_get_tunables(
        &self,
        _: &(),
        _: sops::GetTunablesRequest<'_>,
        _: &mut sops::GetTunablesReply<'_, '_>,
    ) -> Result<(), Errno> {
        Ok(())
    }
    fn op_set_tunables(
        &self,
        _: &(),
        _: sops::SetTunablesRequest<'_>,
        _: &mut sops::SetTunablesReply<'_, '_>,
    ) -> Result<(), Errno> {
        Ok(())
    }
    fn op_fw_command(
        &self,
        _: &(),
        _: sops::FwCommandRequest<'_>,
        _: &mut sops::FwCommandReply<'_, '_>,
    ) -> Result<(), Errno> {
        Ok(())
    }
    fn ring_queue_create(&self, _: &(), _: &mut su::RingQueueCreate) -> Result<(), Errno> {
        Ok(())
    }
    fn doorbell(&self, _: &(), _: &mut su::Doorbell) -> Result<(), Errno> {
        Ok(())
    }
}

const UBASE: u64 = 0x10000;
const ULEN: usize = 4096;

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// The C `softaccel_dispatch` (built for userspace) and the Rust
/// `softaccel_kernel::dispatch` answer the same commands on the same
/// caller memory with the same errno and leave the same memory behind:
/// magic and nr, revisions, direction bits, caller sizes (shorter,
/// longer, zero tails and not, under zero-extend and strict), faults,
/// validation, user-ptr arrays (bounds, NULL, element validation,
/// copy-out) and copy-back. CONTROL is left out: its handler is the
/// control part's, not generated here yet.
#[test]
fn dispatch_matches_the_rust_kernel_crates() {
    if !have("gcc") {
        uabi_test_support::skipped("C kernel side behaviour (dispatch)", "no gcc");
        return;
    }
    let root = repo_root();
    let soft = load(&root.join("spec/softaccel.yaml"));
    let dir = userspace_dir("c_kernel_dispatch");
    write_userspace_tree(&soft, &dir);
    std::fs::write(dir.join("shim.h"), SHIM).unwrap();

    // C ops: every callback succeeds; revisions from the case.
    let mut main = String::from(
        "#include <stdio.h>\n#include \"softaccel/c/kernel/softaccel_kernel.h\"\n\
         u8 *umem;\nu64 ubase, ulen;\nstatic u32 soft_rev, accel_rev;\n\
         static u32 srev(struct file *f) { (void)f; return soft_rev; }\n\
         static u32 arev(struct file *f) { (void)f; return accel_rev; }\n",
    );
    let accel = soft.includes[0].as_ref();
    for (m, p) in [(accel, "accel"), (soft.as_ref(), "softaccel")] {
        for io in &m.ioctls {
            if io.name == "control" {
                continue;
            }
            let arg = io.arg.as_ref().map(|a| {
                let s = m.struct_(a);
                format!(", {} *a", c::aggregate_tag(m, s))
            });
            // perf_stats says it filled every element, as the Rust
            // handler writes every one.
            let (extra, body) = match io.name.as_str() {
                "submit" => (", const struct softaccel_cmd *c", ""),
                "perf-stats" => (
                    ", struct softaccel_perf_counter *c, u64 *w",
                    " (void)c; *w = a->counter_count;",
                ),
                _ => ("", ""),
            };
            writeln!(
                main,
                "static int {p}_cb_{n}(struct file *f{}{extra}) {{ (void)f;{body} return 0; }}",
                arg.unwrap_or_default(),
                n = uabi::names::snake(&io.name)
            )
            .unwrap();
        }
    }
    main += "static const struct accel_ops aops = {\n\t.revision = arev,\n";
    for io in &accel.ioctls {
        let n = uabi::names::snake(&io.name);
        writeln!(main, "\t.{n} = accel_cb_{n},").unwrap();
    }
    main +=
        "};\nstatic const struct softaccel_ops sops = {\n\t.accel = &aops,\n\t.revision = srev,\n";
    for io in soft.ioctls.iter().filter(|io| io.name != "control") {
        let n = uabi::names::snake(&io.name);
        writeln!(main, "\t.{n} = softaccel_cb_{n},").unwrap();
    }
    main += "};\n\
        static void hex_in(u8 *b, size_t n, const char *s)\n{\n\
        \tfor (size_t i = 0; i < n; i++) {\n\t\tunsigned x;\n\
        \t\tsscanf(s + 2 * i, \"%2x\", &x);\n\t\tb[i] = (u8)x;\n\t}\n}\n\
        int main(void)\n{\n\tstatic char line[65536];\n\tstatic u8 mem[4096];\n\
        \tstruct file file = { 0 };\n\tumem = mem;\n\tubase = 0x10000;\n\tulen = sizeof(mem);\n\
        \twhile (fgets(line, sizeof(line), stdin)) {\n\
        \t\tunsigned cmd;\n\t\tunsigned long long arg;\n\t\tint off;\n\
        \t\tsscanf(line, \"%u %u %x %llx %n\", &soft_rev, &accel_rev, &cmd, &arg, &off);\n\
        \t\thex_in(mem, sizeof(mem), line + off);\n\
        \t\tlong ret = softaccel_dispatch(&sops, &file, cmd, arg, false);\n\
        \t\tu64 h = 0xcbf29ce484222325ULL;\n\
        \t\tfor (size_t i = 0; i < sizeof(mem); i++)\n\
        \t\t\th = (h ^ mem[i]) * 0x100000001b3ULL;\n\
        \t\tprintf(\"%ld %016llx\\n\", -ret, (unsigned long long)h);\n\t}\n\treturn 0;\n}\n";
    std::fs::write(dir.join("main.c"), main).unwrap();
    let exe = dir.join("dispatch");
    let out = Command::new("gcc")
        .current_dir(&dir)
        .args([
            "-std=gnu11",
            "-O1",
            "-Wall",
            "-Werror",
            "-Wno-unused-function",
        ])
        .args(["-Ishadow", "-I.", "-include", "shim.h", "-o"])
        .arg(&exe)
        .args([
            "main.c",
            "accel/c/kernel/accel_kernel.c",
            "softaccel/c/kernel/softaccel_kernel.c",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the userspace build of the C dispatcher failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // (nr, declared size, declared direction) of every ioctl but CONTROL.
    let mut ioctls: Vec<(u8, u32, uabi::ioc::Dir)> = Vec::new();
    for m in [accel, soft.as_ref()] {
        for io in m.ioctls.iter().filter(|io| io.name != "control") {
            let size = m.arg_size(io, uabi::target::Target::X86_64);
            ioctls.push((io.nr, size, io.dir));
        }
    }
    let mut rng = Rng::new(0x2545_f491_4f6c_dd1d);
    let mut input = String::new();
    let mut expected = Vec::new();
    for case in 0..4000u32 {
        let (nr, size, dir) = ioctls[(rng.u64() % ioctls.len() as u64) as usize];
        let nr = if rng.u64().is_multiple_of(16) {
            (rng.u64() % 256) as u8
        } else {
            nr
        };
        let magic = if rng.u64().is_multiple_of(32) {
            (rng.u64() % 256) as u8
        } else {
            0x64
        };
        let size = match rng.u64() % 8 {
            0 => size.saturating_sub((rng.u64() % 16) as u32),
            1 => size + (rng.u64() % 24) as u32,
            2 => (rng.u64() % 300) as u32,
            _ => size,
        };
        let (cin, cout) = match rng.u64() % 6 {
            0 => (false, false),
            1 => (true, false),
            2 => (false, true),
            3 => (true, true),
            _ => (dir.copies_in(), dir.copies_out()),
        };
        let cmd = uabi_runtime::ioc::encode(cin, cout, magic, nr, size);
        let arg = match rng.u64() % 10 {
            0 => 0,
            1 => UBASE + ULEN as u64 - 16,
            2 => UBASE + 8 * (rng.u64() % 8),
            _ => UBASE,
        };
        // The argument region, then commands and counters at +1024.
        let mut mem = vec![0u8; ULEN];
        let head = random_bytes(&mut rng, 320);
        mem[..320].copy_from_slice(&head);
        for _ in 0..(rng.u64() % 3) {
            // A pointer to the array region, and small counts, where a
            // struct may hold them.
            let at = (rng.u64() % 4 * 8) as usize;
            let ptr = UBASE + 1024 + 64 * (rng.u64() % 4);
            mem[at..at + 8].copy_from_slice(&ptr.to_le_bytes());
            let cat = (8 + rng.u64() % 6 * 4) as usize;
            let n = (rng.u64() % 5) as u32;
            mem[cat..cat + 4].copy_from_slice(&n.to_le_bytes());
        }
        let tail = random_bytes(&mut rng, ULEN - 1024);
        for (i, b) in tail.iter().enumerate() {
            // Mostly valid commands (opcode and flags small, pad zero).
            if i % 64 >= 8 {
                mem[1024 + i] = *b & if rng.u64().is_multiple_of(8) { 0xff } else { 0 };
            }
        }
        let soft_rev = 1 + case % 3;
        let accel_rev = 1 + (case / 3) % 2;
        let hex: String = mem.iter().map(|b| format!("{b:02x}")).collect();
        writeln!(input, "{soft_rev} {accel_rev} {cmd:x} {arg:x} {hex}").unwrap();
        let ops = Quiet {
            accel_rev,
            soft_rev,
        };
        let mut buf = mem.clone();
        let errno = {
            let umem = uabi_runtime::BufferMem::new(UBASE, &mut buf);
            match softaccel_kernel::dispatch(&ops, &(), &umem, cmd, arg) {
                Ok(()) => 0,
                Err(e) => e.0,
            }
        };
        expected.push((
            format!("case {case}: cmd {cmd:#x} arg {arg:#x} revs {soft_rev}/{accel_rev}"),
            format!("{errno} {:016x}", fnv(&buf)),
        ));
    }
    let cases = dir.join("cases.txt");
    std::fs::write(&cases, &input).unwrap();
    let out = Command::new(&exe)
        .stdin(std::fs::File::open(&cases).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the C dispatcher's driver failed: {:?}",
        out.status
    );
    let got = String::from_utf8_lossy(&out.stdout);
    let got: Vec<&str> = got.lines().collect();
    assert_eq!(got.len(), expected.len());
    let ok = expected.iter().filter(|(_, w)| w.starts_with("0 ")).count();
    assert!(
        ok * 20 > expected.len() && ok * 20 < expected.len() * 19,
        "{ok} of {} calls succeeded: the inputs do not exercise dispatch",
        expected.len()
    );
    let diffs: Vec<String> = expected
        .iter()
        .zip(&got)
        .filter(|((_, want), have)| want != *have)
        .map(|((what, want), have)| format!("{what}: Rust {want}, C {have}"))
        .collect();
    assert!(
        diffs.is_empty(),
        "{} of {} calls differ between the C and the Rust dispatch, e.g.:\n{}",
        diffs.len(),
        expected.len(),
        diffs
            .iter()
            .take(12)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The (offset, size) of every leaf member of `s` on `t`, nested structs
/// walked: where the i386 conversion must move each value.
fn leaves(
    m: &Model,
    s: &uabi::model::Struct,
    t: uabi::target::Target,
    base: u32,
) -> Vec<(u32, u32)> {
    use uabi::model::MemberKind;
    let l = s.layout(t);
    let mut out = Vec::new();
    for (mem, ml) in s.members.iter().zip(&l.members) {
        let off = base + ml.offset;
        match &mem.kind {
            MemberKind::Struct { id, count } => {
                let inner = m.struct_(id);
                let stride = inner.layout(t).size;
                for i in 0..count.unwrap_or(1) {
                    out.extend(leaves(m, inner, t, off + i * stride));
                }
            }
            MemberKind::Union { .. }
            | MemberKind::Scalar { .. }
            | MemberKind::Pad { .. }
            | MemberKind::Binary { .. }
            | MemberKind::String { .. }
            | MemberKind::UserPtr { .. } => out.push((off, ml.size)),
        }
    }
    out
}

/// A 32-bit caller of an existing ABI whose i386 layout differs (the
/// layout fixture `i386-trap.yaml`: a u64 after a u32, tail padding, both
/// nested): through `compat_ioctl` with the i386 command, the callback
/// sees every value at its x86_64 offset, and what it writes goes back at
/// the i386 offsets, nothing past the i386 size. The same inputs go to the
/// Rust kernel flavour (`rust/linux`, over the 6.12 `kernel` stand-in),
/// whose `dispatch(.., compat: true)` must answer byte for byte alike.
#[test]
fn i386_compat_conversion() {
    if !have("gcc") {
        uabi_test_support::skipped("C kernel side behaviour (i386 compat)", "no gcc");
        return;
    }
    use uabi::target::Target;
    let m = load(&repo_root().join("codegen/tests/fixtures/layout/i386-trap.yaml"));
    let dir = userspace_dir("c_kernel_i386");
    write_tree(&m, &dir);
    // An x86_64 kernel: the conversion is compiled in.
    std::fs::write(
        dir.join("shim.h"),
        SHIM.replace("#define IS_ENABLED(x) 0", "#define IS_ENABLED(x) 1"),
    )
    .unwrap();
    let p = c_kernel::c_prefix(&m);
    let mut main = String::from(
        "#include <stdio.h>\n#include \"trap/c/kernel/trap_kernel.h\"\n\
         u8 *umem;\nu64 ubase, ulen;\nstatic u8 seen[256];\n",
    );
    for io in &m.ioctls {
        let s = m.struct_(io.arg.as_ref().unwrap());
        let n = uabi::names::snake(&io.name);
        writeln!(
            main,
            "static int cb_{n}(struct file *f, {} *a)\n{{\n\t(void)f;\n\
             \tmemcpy(seen, a, sizeof(*a));\n\tfor (size_t j = 0; j < sizeof(*a); j++)\n\
             \t\t((u8 *)a)[j] = (u8)(j * 7 + 1);\n\treturn 0;\n}}",
            c::aggregate_tag(&m, s)
        )
        .unwrap();
    }
    main += &format!("static const struct {p}_ops ops = {{\n");
    for io in &m.ioctls {
        let n = uabi::names::snake(&io.name);
        writeln!(main, "\t.{n} = cb_{n},").unwrap();
    }
    main += "};\nint main(int argc, char **argv)\n{\n\tstatic u8 mem[256];\n\
             \tstruct file file = { 0 };\n\tunsigned cmd = strtoul(argv[1], NULL, 16);\n\
             \tsize_t n = strtoul(argv[2], NULL, 10);\n\
             \tumem = mem;\n\tubase = 0x10000;\n\tulen = sizeof(mem);\n\
             \tfor (int i = 0; i < 256; i++) {\n\t\tunsigned x;\n\
             \t\tsscanf(argv[3] + 2 * i, \"%2x\", &x);\n\t\tmem[i] = (u8)x;\n\t}\n";
    main += &format!("\tlong ret = {p}_dispatch(&ops, &file, cmd, 0x10000, true);\n");
    main += "\tprintf(\"%ld \", ret);\n\tfor (size_t i = 0; i < n; i++)\n\
             \t\tprintf(\"%02x\", seen[i]);\n\tprintf(\" \");\n\
             \tfor (size_t i = 0; i < sizeof(mem); i++)\n\t\tprintf(\"%02x\", mem[i]);\n\
             \tprintf(\"\\n\");\n\t(void)argc;\n\treturn 0;\n}\n";
    std::fs::write(dir.join("main.c"), main).unwrap();
    let exe = dir.join("i386");
    let out = Command::new("gcc")
        .current_dir(&dir)
        .args([
            "-std=gnu11",
            "-O1",
            "-Wall",
            "-Werror",
            "-Wno-unused-function",
        ])
        .args(["-Ishadow", "-I.", "-include", "shim.h", "-o"])
        .arg(&exe)
        .args(["main.c", "trap/c/kernel/trap_kernel.c"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the userspace build of the i386 conversion failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rust_exe = build_i386_rust_driver(&m, &dir.join("rust"));
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let mut rng = Rng::new(0x1234_5678_9abc_def1);
    for io in &m.ioctls {
        let s = m.struct_(io.arg.as_ref().unwrap());
        let (nat, c32) = (s.layout(Target::X86_64).size, s.layout(Target::I386).size);
        let native = leaves(&m, s, Target::X86_64, 0);
        let compat = leaves(&m, s, Target::I386, 0);
        assert!(
            native != compat || nat != c32,
            "{}: the fixture's layouts no longer differ",
            io.name
        );
        // The caller's bytes: each value at its i386 offset, then 0xaa.
        let mut mem = vec![0xaau8; 256];
        let mut seen = vec![0u8; nat as usize];
        mem[..c32 as usize].fill(0);
        for ((no, size), (co, _)) in native.iter().zip(&compat) {
            for k in 0..*size {
                let b = (rng.u64() % 255 + 1) as u8;
                mem[(co + k) as usize] = b;
                if io.dir.copies_in() {
                    seen[(no + k) as usize] = b;
                }
            }
        }
        let input = hex(&mem);
        // What goes back: the callback's pattern, moved to i386 offsets.
        if io.dir.copies_out() {
            mem[..c32 as usize].fill(0);
            for ((no, size), (co, _)) in native.iter().zip(&compat) {
                for k in 0..*size {
                    mem[(co + k) as usize] = ((no + k) * 7 + 1) as u8;
                }
            }
        }
        let cmd = io.cmds[&Target::I386].unwrap();
        let want = format!("0 {} {}", hex(&seen), hex(&mem));
        for (side, exe) in [("C", &exe), ("Rust kernel flavour", &rust_exe)] {
            let out = Command::new(exe)
                .args([format!("{cmd:x}"), nat.to_string(), input.clone()])
                .output()
                .unwrap();
            let got = String::from_utf8_lossy(&out.stdout).trim().to_string();
            assert_eq!(
                got,
                want,
                "{side}: ioctl {} (i386 command {cmd:#x}): {}",
                io.name,
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// The i386 fixture's Rust kernel flavour driven as `i386_compat_conversion`
/// drives the C one: argv is the command (hex), how many bytes of the
/// handler's view to print, and 256 bytes of user memory (hex) at 0x10000;
/// it prints the errno, the bytes the handler saw and the memory after.
fn build_i386_rust_driver(m: &Arc<Model>, dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    for f in uabi::backend::rust::linux::render(m).unwrap() {
        std::fs::write(
            dir.join("src").join(f.path.file_name().unwrap()),
            &f.contents,
        )
        .unwrap();
    }
    let root = repo_root();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"i386-rs\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
             publish = false\n\n[dependencies]\n\
             kernel = {{ package = \"uabi-kernel-shim\", path = \"{}\" }}\n\n[workspace]\n",
            root.join("test-support/kernel-shim").display()
        ),
    )
    .unwrap();
    let mut ops = String::new();
    for io in &m.ioctls {
        let s = m.struct_(io.arg.as_ref().unwrap());
        writeln!(
            ops,
            "    fn {n}(&self, _: &(), a: &mut uapi::{t}) -> Result<(), Error> {{\n\
             \x20       *SEEN.lock().unwrap() = a.to_bytes().to_vec();\n\
             \x20       *a = pattern();\n        Ok(())\n    }}",
            n = uabi::names::snake(&io.name),
            t = uabi::names::pascal(&s.name),
        )
        .unwrap();
    }
    std::fs::write(
        dir.join("src/main.rs"),
        format!(
            "#[allow(dead_code)]\n#[path = \"trap.rs\"]\nmod trap;\n\
             #[allow(dead_code)]\nmod uabi_rt;\n\
             use kernel::error::Error;\nuse std::sync::Mutex;\nuse trap::uapi;\n\n\
             static SEEN: Mutex<Vec<u8>> = Mutex::new(Vec::new());\n\n\
             /// What every C callback writes: byte j is j * 7 + 1.\n\
             fn pattern<T: kernel::types::FromBytes + Default>() -> T {{\n    \
             let b: Vec<u8> = (0..core::mem::size_of::<T>()).map(|j| (j * 7 + 1) as u8).collect();\n    \
             uabi_rt::read_exact(&b).unwrap()\n}}\n\n\
             struct Drv;\n\nimpl trap::Ops for Drv {{\n    type File = ();\n{ops}}}\n\n\
             fn main() {{\n    let a: Vec<String> = std::env::args().collect();\n    \
             let cmd = u32::from_str_radix(&a[1], 16).unwrap();\n    \
             let n: usize = a[2].parse().unwrap();\n    \
             let mem: Vec<u8> = (0..256)\n        \
             .map(|i| u8::from_str_radix(&a[3][2 * i..2 * i + 2], 16).unwrap())\n        \
             .collect();\n    kernel::user::map(0x10000, mem);\n    \
             let errno = match trap::dispatch(&Drv, &(), cmd, 0x10000, true) {{\n        \
             Ok(()) => 0,\n        Err(e) => e.to_errno(),\n    }};\n    \
             let mut seen = SEEN.lock().unwrap().clone();\n    seen.resize(n, 0);\n    \
             let hex = |b: &[u8]| b.iter().map(|x| format!(\"{{x:02x}}\")).collect::<String>();\n    \
             let after = kernel::user::region(0x10000).unwrap();\n    \
             println!(\"{{errno}} {{}} {{}}\", hex(&seen), hex(&after));\n}}\n"
        ),
    )
    .unwrap();
    build_nested(
        dir,
        None,
        "the Rust kernel flavour of the i386 fixture",
        "i386-rs",
    )
}

/// `cargo build` of the nested crate or workspace in `dir` (its package
/// `package`, if given) into the nested target folder the other tests'
/// workspaces share (dependencies build once); the path of binary `bin`.
fn build_nested(dir: &Path, package: Option<&str>, what: &str, bin: &str) -> PathBuf {
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("nested-target");
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["build", "--offline", "-q"]);
    if let Some(p) = package {
        cmd.args(["-p", p]);
    }
    let out = cmd
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", &target_dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{what} does not build:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    target_dir.join("debug").join(bin)
}

// ------------------------------------------------------------ DRM handlers

mod c_kernel_parts;

/// The DRM core's side of a driver's `drm_ioctl_desc` table, as Linux
/// 6.12's include/drm/drm_ioctl.h, drm_device.h and drm_file.h declare
/// what the generated handlers use (the files themselves are shadowed).
const DRM_SHIM: &str = r#"
struct drm_device { int unused; };
struct drm_file { int unused; };
typedef int drm_ioctl_t(struct drm_device *dev, void *data,
			struct drm_file *file_priv);
enum drm_ioctl_flags {
	DRM_AUTH = 1 << 0,
	DRM_MASTER = 1 << 1,
	DRM_ROOT_ONLY = 1 << 2,
	DRM_RENDER_ALLOW = 1 << 5,
};
struct drm_ioctl_desc {
	unsigned int cmd;
	enum drm_ioctl_flags flags;
	drm_ioctl_t *func;
	const char *name;
};
#define DRM_IOCTL_NR(n) _IOC_NR(n)
#define DRM_IOCTL_DEF_DRV(ioctl, _func, _flags)				\
	[DRM_IOCTL_NR(DRM_IOCTL_##ioctl) - DRM_COMMAND_BASE] = {	\
		.cmd = DRM_IOCTL_##ioctl,				\
		.func = _func,						\
		.flags = _flags,					\
		.name = #ioctl						\
	}
"#;

/// A DRM-style spec with every check a handler makes, which the imported
/// drivers' specs (all at revision 1, without arrays or admin-perm) lack:
/// a struct that grew in revision 2 (size at a revision), enum values and
/// flag bits added in revision 2, a range, pads, an out member, a
/// user-ptr array of validated elements, one struct with two directions,
/// an admin-perm ioctl, an ioctl without argument and one added in
/// revision 2, and a hole in the table (nr 0x44).
const DRM_EDGE: &str = r#"
name: drmedge
doc: Every check of a DRM handler.
revision: 2
license: MIT
ioctl:
  style: drm
definitions:
  - name: mode
    type: enum
    doc: A mode.
    entries: [off, on, { name: turbo, since: 2 }]
  - name: job-flags
    type: flags
    doc: Job flags.
    entries: [fast, { name: slow, since: 2 }]
  - name: task
    type: struct
    doc: One task.
    members:
      - { name: mode, type: u32, enum: mode }
      - { name: pad0, type: pad, len: 4 }
  - name: job
    type: struct
    doc: A job.
    members:
      - { name: tasks, type: user-ptr, elem: task, count: task-count, max-count: 8 }
      - { name: task-count, type: u32 }
      - { name: flags, type: u32, enum: job-flags, enum-as-flags: true }
      - { name: level, type: u32, range: { min: 0, max: 9 } }
      - { name: pad0, type: pad, len: 4 }
      - { name: fence, type: u64, access: out }
      - { name: budget, type: u64, since: 2, range: { min: 0, max: 1000 } }
  - name: param
    type: struct
    doc: One struct, two directions.
    members:
      - { name: param, type: u32, enum: mode }
      - { name: pad0, type: pad, len: 4 }
      - { name: value, type: u64 }
ioctls:
  - { name: ping, nr: 0x40, dir: none, extension: zero-extend }
  - { name: submit, nr: 0x41, dir: inout, arg: job, extension: zero-extend }
  - name: get-param
    nr: 0x42
    dir: inout
    arg: param
    extension: zero-extend
    arg-access: { value: out }
  - { name: set-param, nr: 0x43, dir: in, arg: param, extension: zero-extend, flags: [admin-perm] }
  - { name: reset, nr: 0x45, dir: in, arg: param, extension: zero-extend, since: 2 }
"#;

/// The DRM-style specs of the tree (imported drivers and layout
/// fixtures), and [`DRM_EDGE`] written to `dir`.
fn drm_specs(dir: &Path) -> Vec<(String, Arc<Model>)> {
    std::fs::create_dir_all(dir).unwrap();
    let edge = dir.join("drmedge.yaml");
    std::fs::write(&edge, DRM_EDGE).unwrap();
    let mut v: Vec<(String, Arc<Model>)> = all_specs()
        .into_iter()
        .chain([edge])
        .map(|p| {
            let name = p
                .strip_prefix(repo_root())
                .unwrap_or(&p)
                .display()
                .to_string();
            (name, load(&p))
        })
        .filter(|(_, m)| matches!(m.ioctl_style, IoctlStyle::Drm { .. }))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// Splits `s` at the top-level occurrences of `sep` (outside (), <>, []).
fn split_top(s: &str, sep: char) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut depth = 0i32;
    for c in s.chars() {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' | '>' | ']' => depth -= 1,
            _ => {}
        }
        if c == sep && depth == 0 {
            out.push(String::new());
        } else {
            out.last_mut().unwrap().push(c);
        }
    }
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The members of the generated `struct <p>_ops` (comments dropped): one
/// declaration each, such as `int (*get_param)(struct drm_device *dev, ...)`.
fn c_ops_members(header: &str, p: &str) -> Vec<(String, String, String)> {
    let open = format!("struct {p}_ops {{\n");
    let b = header.find(&open).unwrap_or_else(|| panic!("no `{open}`")) + open.len();
    let e = b + header[b..].find("\n};").unwrap();
    let mut body = String::new();
    let mut rest = &header[b..e];
    while let Some(i) = rest.find("/*") {
        body += &rest[..i];
        rest = &rest[i + rest[i..].find("*/").unwrap() + 2..];
    }
    body += rest;
    body.split(';')
        .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|d| !d.is_empty())
        .map(|d| {
            let (ret, tail) = d.split_once("(*").unwrap_or_else(|| panic!("member `{d}`"));
            let (name, params) = tail.split_once(')').unwrap();
            (
                ret.trim().to_string(),
                name.to_string(),
                params.trim().to_string(),
            )
        })
        .collect()
}

/// The C program that drives a DRM spec's table: `<p>_drm_ops` hands
/// out ops whose callbacks all succeed (or none, `noops`), the revision
/// and privilege are the case's; it prints each slot of the table
/// (`slot <i> <cmd> <flags> <name>` or `slot <i> empty`), then answers
/// each line `<slot> <rev> <priv> <noops> <hex>` with `<errno> <hex of
/// the data buffer after the handler>`. The data buffer is allocated at
/// the argument's exact size, as drm_ioctl allocates it, so that the
/// sanitizer catches a handler reaching past it; user memory (where the
/// arrays live) holds the same bytes at the same address as the Rust
/// side's.
fn drm_driver(model: &Model, header: &str) -> String {
    let p = c_kernel::c_prefix(model);
    let pu = p.to_uppercase();
    let src = c_kernel::kernel_dir(model).join(format!("{}.c", c_kernel::file_stem(model)));
    let mut s = format!(
        "#include \"shim.h\"\n#include \"drm_shim.h\"\n#include \"{}\"\n#include <stdio.h>\n\n\
         u8 *umem;\nu64 ubase, ulen;\nstatic u32 case_rev;\nstatic bool case_priv;\n\
         static int case_noops;\n\n",
        src.display()
    );
    let mut init = String::new();
    for (ret, name, params) in c_ops_members(header, &p) {
        let body = match name.as_str() {
            "revision" => "case_rev",
            "privileged" => "case_priv",
            _ => "0",
        };
        writeln!(
            s,
            "static {ret} ck_{name}{params}\n{{\n\treturn {body};\n}}\n"
        )
        .unwrap();
        writeln!(init, "\t.{name} = ck_{name},").unwrap();
    }
    write!(
        s,
        "static const struct {p}_ops ck_ops = {{\n{init}}};\n\n\
         const struct {p}_ops *{p}_drm_ops(struct drm_device *dev)\n{{\n\
         \t(void)dev;\n\treturn case_noops ? NULL : &ck_ops;\n}}\n\n\
         static size_t arg_size(unsigned int cmd)\n{{\n\treturn _IOC_SIZE(cmd);\n}}\n\n\
         int main(void)\n{{\n\
         \tstatic char line[65536];\n\
         \tstruct drm_device dev = {{ 0 }};\n\tstruct drm_file file = {{ 0 }};\n\
         \tfor (size_t i = 0; i < {pu}_NUM_IOCTLS; i++) {{\n\
         \t\tconst struct drm_ioctl_desc *d = &{p}_ioctls[i];\n\
         \t\tif (!d->func) {{\n\t\t\tprintf(\"slot %zu empty\\n\", i);\n\t\t\tcontinue;\n\t\t}}\n\
         \t\tprintf(\"slot %zu %#x %d %s\\n\", i, d->cmd, (int)d->flags, d->name);\n\t}}\n\
         \tumem = calloc(1, {ULEN});\n\tubase = {UBASE:#x};\n\tulen = {ULEN};\n\
         \twhile (fgets(line, sizeof(line), stdin)) {{\n\
         \t\tunsigned int slot, rev, priv, noops;\n\t\tint off;\n\
         \t\tsscanf(line, \"%u %u %u %u %n\", &slot, &rev, &priv, &noops, &off);\n\
         \t\tconst struct drm_ioctl_desc *d = &{p}_ioctls[slot];\n\
         \t\tsize_t n = arg_size(d->cmd);\n\
         \t\tu8 *data = n ? malloc(n) : NULL;\n\
         \t\tmemset(umem, 0, {ULEN});\n\
         \t\tfor (size_t i = 0; i < n; i++) {{\n\t\t\tunsigned int x;\n\
         \t\t\tsscanf(line + off + 1 + 2 * i, \"%2x\", &x);\n\
         \t\t\tdata[i] = (u8)x;\n\t\t\tumem[i] = (u8)x;\n\t\t}}\n\
         \t\tfor (size_t i = 0; line[off + 2 * n + 3 + 2 * i] > ' '; i++) {{\n\
         \t\t\tunsigned int x;\n\
         \t\t\tsscanf(line + off + 2 * n + 3 + 2 * i, \"%2x\", &x);\n\
         \t\t\tumem[{EXTRA} + i] = (u8)x;\n\t\t}}\n\
         \t\tcase_rev = rev;\n\t\tcase_priv = priv;\n\t\tcase_noops = noops;\n\
         \t\tint ret = d->func(&dev, data, &file);\n\
         \t\tprintf(\"%d \", -ret);\n\
         \t\tfor (size_t i = 0; i < n; i++)\n\t\t\tprintf(\"%02x\", data[i]);\n\
         \t\tprintf(\"\\n\");\n\t\tfree(data);\n\t}}\n\tfree(umem);\n\treturn 0;\n}}\n"
    )
    .unwrap();
    s
}

/// The items of the generated `pub trait Ops` (doc comments dropped):
/// `(signature, required)`, where a required one has no default body.
fn rust_ops_items(lib: &str) -> Vec<(String, bool)> {
    let b = lib.find("pub trait Ops").expect("no `pub trait Ops`");
    let b = b + lib[b..].find('{').unwrap() + 1;
    let e = b + lib[b..].find("\n}\n").unwrap();
    let body: String = lib[b..e]
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .map(|l| format!("{}\n", l.trim()))
        .collect();
    let mut items = Vec::new();
    let mut cur = String::new();
    let mut depth = 0;
    for c in body.chars() {
        match c {
            '{' => {
                if depth == 0 {
                    items.push((cur.split_whitespace().collect::<Vec<_>>().join(" "), false));
                    cur.clear();
                }
                depth += 1;
            }
            '}' => depth -= 1,
            ';' if depth == 0 => {
                items.push((cur.split_whitespace().collect::<Vec<_>>().join(" "), true));
                cur.clear();
            }
            _ if depth == 0 => cur.push(c),
            _ => {}
        }
    }
    items
}

/// The Rust side of one DRM spec, as module `s<i>` of the driver program
/// over its generated kernel crate `d<i>_kernel`: an `Ops` whose handlers
/// all succeed (reading every element of their arrays, so that a bad one
/// fails the call as the C handler's up-front validation does), and
/// `run(ioctl, rev, privileged, bytes)`: the errno of `dispatch` for the
/// ioctl's own command with the argument at the caller's address, and
/// the data buffer a DRM handler leaves: what `dispatch` copied back on
/// success; on a failure before the argument was touched (ENOTTY for the
/// revision, EPERM) the bytes as they came; else the bytes after the
/// crate's `clear_newer_*` and `clear_out_*` (which `dispatch` applies
/// before validating, and drm_ioctl copies back even on failure).
fn rust_module(i: usize, model: &Model, lib: &str) -> String {
    let mut imp = String::new();
    let mut arg_types = std::collections::BTreeMap::new();
    for (sig, required) in rust_ops_items(lib) {
        if sig.starts_with("type File") {
            imp += "        type File = ();\n";
            continue;
        }
        let Some(rest) = sig.strip_prefix("fn ") else {
            panic!("unexpected trait item `{sig}`")
        };
        let name = &rest[..rest.find('(').unwrap()];
        let params = &rest[rest.find('(').unwrap() + 1..rest.rfind(") ->").unwrap()];
        let body = if !required {
            if name.ends_with("_revision") {
                "self.rev".to_string()
            } else if name == "privileged" {
                "let _ = file;\n            self.privileged".to_string()
            } else {
                continue;
            }
        } else {
            let mut body = String::new();
            for p in split_top(params, ',').iter().skip(1) {
                let (pname, ty) = p.split_once(':').unwrap();
                let (pname, ty) = (pname.trim(), ty.trim());
                if ty.starts_with("UserArray") {
                    writeln!(
                        body,
                        "for i in 0..{pname}.len() {{\n                {pname}.read(i)?;\n            }}"
                    )
                    .unwrap();
                } else {
                    if pname == "arg" {
                        arg_types
                            .insert(name.to_string(), ty.trim_start_matches("&mut ").to_string());
                    }
                    writeln!(body, "let _ = {pname};").unwrap();
                }
            }
            body + "            Ok(())"
        };
        writeln!(imp, "        {sig} {{\n            {body}\n        }}").unwrap();
    }
    let mut runs = String::new();
    for (k, io) in model.ioctls.iter().enumerate() {
        let cmd = io.cmds[&uabi::target::Target::X86_64].unwrap();
        let method = uabi::names::snake(&io.name);
        let (newer, clear) = match (&io.arg, arg_types.get(&method)) {
            (Some(arg), Some(ty)) => {
                let st = uabi::names::snake(&model.struct_(arg).name);
                let out = if io.arg_access.is_empty() {
                    format!("clear_out_{st}")
                } else {
                    format!("clear_out_{method}_arg")
                };
                let newer = if lib.contains(&format!("pub fn clear_newer_{st}(")) {
                    format!("clear_newer_{st}(&mut v, rev);")
                } else {
                    "let _ = rev;".to_string()
                };
                // A struct with implicit padding (existing ABI) has no byte
                // view, only its generated `to_bytes`.
                let s = model.struct_(arg);
                let l = s.layout(uabi::target::Target::X86_64);
                let covered: u32 = l.members.iter().map(|m| m.size).sum();
                // Its padding bytes are the caller's in the C handler (it
                // works on drm_ioctl's copy in place); `to_bytes` gives
                // zeros there, so the comparison takes the caller's.
                let bytes = if !s.is_union && covered != l.size {
                    let mut padding: Vec<usize> = (0..l.size as usize).collect();
                    padding.retain(|&b| {
                        !l.members
                            .iter()
                            .any(|m| (m.offset as usize..(m.offset + m.size) as usize).contains(&b))
                    });
                    format!(
                        "{{ let mut out = v.to_bytes().to_vec(); \
                         for i in {padding:?} {{ out[i] = bytes[i]; }} out }}"
                    )
                } else {
                    "v.as_bytes().to_vec()".to_string()
                };
                let f = |out: &str| {
                    format!(
                        "|bytes: &[u8], rev: u32| -> Vec<u8> {{\n            \
                         let mut v = {ty}::read_from_bytes(bytes).unwrap();\n            \
                         {newer}\n            {out}\n            {bytes}\n        }}"
                    )
                };
                (f(""), f(&format!("{out}(&mut v);")))
            }
            (None, _) => {
                let f = "|bytes: &[u8], _: u32| -> Vec<u8> { bytes.to_vec() }".to_string();
                (f.clone(), f)
            }
            (Some(_), None) => panic!("no handler with an `arg` for {}", io.name),
        };
        writeln!(
            runs,
            "        {k} => (\n            {cmd:#x},\n            {},\n            {newer},\n            {clear},\n        ),",
            io.dir.copies_out()
        )
        .unwrap();
    }
    format!(
        "mod s{i} {{\n    #![allow(unused_imports, clippy::all)]\n    \
         use d{i}_kernel::*;\n    use uabi_runtime::BufferMem;\n    \
         use uabi_runtime::zerocopy::{{FromBytes, IntoBytes}};\n\n    \
         pub struct D {{\n        pub rev: u32,\n        pub privileged: bool,\n    }}\n\n    \
         impl Ops for D {{\n{imp}    }}\n\n    \
         type Clear = fn(&[u8], u32) -> Vec<u8>;\n\n    \
         pub fn run(ioctl: usize, rev: u32, privileged: bool, bytes: &[u8], extra: &[u8]) -> (i32, Vec<u8>) {{\n        \
         let (cmd, copies_out, newer, clear): (u32, bool, Clear, Clear) = match ioctl {{\n{runs}        \
         _ => panic!(\"no ioctl {{ioctl}}\"),\n        }};\n        \
         let mut mem = vec![0u8; crate::ULEN];\n        mem[..bytes.len()].copy_from_slice(bytes);\n        mem[crate::EXTRA..crate::EXTRA + extra.len()].copy_from_slice(extra);\n        \
         let d = D {{ rev, privileged }};\n        \
         let r = dispatch(&d, &(), &BufferMem::new(crate::UBASE, &mut mem), cmd, crate::UBASE);\n        \
         match r {{\n            \
         Ok(()) if copies_out => (0, newer(&mem[..bytes.len()], rev)),\n            \
         Ok(()) => (0, clear(bytes, rev)),\n            \
         Err(e) if e == Errno::ENOTTY || e == Errno::EPERM => (e.0, bytes.to_vec()),\n            \
         Err(e) => (e.0, clear(bytes, rev)),\n        }}\n    }}\n}}\n"
    )
}

/// Specs whose generated Rust kernel crate does not build, and why: their
/// handlers are compared with nothing (the table, the no-ops answers and
/// the sanitizers still check them). None today: a padded argument
/// (ivpu's `metric-streamer-start`, the drm-style fixture's `submit`) is
/// copied through its bytes (`copy_in_sized_via`, `to_bytes`).
const RUST_KERNEL_DOES_NOT_BUILD: &[(&str, &str)] = &[];

fn rust_kernel_broken(path: &str) -> Option<&'static str> {
    RUST_KERNEL_DOES_NOT_BUILD
        .iter()
        .find(|(p, _)| path.ends_with(p))
        .map(|(_, why)| *why)
}

/// Builds the Rust side: every spec's generated uapi and kernel crates
/// (renamed `d<i>-uapi`, `d<i>-kernel`: two fixtures share a spec name
/// with an example) and a driver program answering
/// `<spec> <ioctl> <rev> <priv> <hex>` with `<errno> <hex>`.
fn build_rust_drm_driver(dir: &Path, specs: &[(String, Arc<Model>)]) -> PathBuf {
    let ws = dir.join("rust");
    let runtime = ws.join("runtime");
    std::fs::create_dir_all(runtime.join("src")).unwrap();
    let src = repo_root().join("codegen/runtime");
    std::fs::copy(src.join("Cargo.toml"), runtime.join("Cargo.toml")).unwrap();
    for e in std::fs::read_dir(src.join("src")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), runtime.join("src").join(e.file_name())).unwrap();
    }
    let mut deps = String::new();
    let mut mods = String::new();
    let mut arms = String::new();
    for (i, (path, m)) in specs.iter().enumerate() {
        if rust_kernel_broken(path).is_some() {
            continue;
        }
        assert!(
            m.includes.is_empty(),
            "{path} includes a spec: the DRM driver test does not build includes"
        );
        let files: Vec<_> = uabi::backend::rust::uapi::render(m)
            .unwrap()
            .into_iter()
            .chain(uabi::backend::rust::kernel::render(m).unwrap())
            .collect();
        let uapi_toml = files
            .iter()
            .find(|f| f.path.ends_with("rust/uapi/Cargo.toml"))
            .unwrap();
        let stem = uapi_toml
            .contents
            .lines()
            .find_map(|l| l.strip_prefix("name = \"")?.strip_suffix("-uapi\""))
            .unwrap()
            .to_string();
        let snake = stem.replace('-', "_");
        let mut lib = String::new();
        for f in &files {
            let text = f
                .contents
                .replace(&format!("{stem}-uapi"), &format!("d{i}-uapi"))
                .replace(&format!("{snake}_uapi"), &format!("d{i}_uapi"))
                .replace(&format!("{stem}-kernel"), &format!("d{i}-kernel"))
                .replace(&format!("{snake}_kernel"), &format!("d{i}_kernel"))
                .replace(
                    "\"../../../../codegen/runtime\"",
                    &format!("{:?}", runtime.display().to_string()),
                );
            let rel: PathBuf = f.path.components().skip(1).collect();
            let p = ws.join(format!("d{i}")).join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, &text).unwrap();
            if f.path.ends_with("rust/kernel/src/lib.rs") {
                lib = text;
            }
        }
        writeln!(deps, "d{i}-kernel = {{ path = \"../d{i}/rust/kernel\" }}").unwrap();
        mods += &rust_module(i, m, &lib);
        writeln!(
            arms,
            "            {i} => s{i}::run(io, rev, privileged, &bytes, &extra),"
        )
        .unwrap();
    }
    std::fs::write(
        ws.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"d*/rust/*\", \"runtime\", \"drive\"]\n\n\
         [workspace.package]\nedition = \"2024\"\nlicense = \"MIT\"\nrust-version = \"1.89\"\n\
         version = \"0.1.0\"\n",
    )
    .unwrap();
    let drive = ws.join("drive");
    std::fs::create_dir_all(drive.join("src")).unwrap();
    std::fs::write(
        drive.join("Cargo.toml"),
        format!(
            "[package]\nname = \"drive\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\n{deps}uabi-runtime = {{ path = \"../runtime\" }}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        drive.join("src/main.rs"),
        format!(
            "use std::io::BufRead;\n\nconst UBASE: u64 = {UBASE:#x};\nconst ULEN: usize = {ULEN};\nconst EXTRA: usize = {EXTRA};\n\n\
             {mods}\n\
             fn main() {{\n    for line in std::io::stdin().lock().lines() {{\n        \
             let line = line.unwrap();\n        let f: Vec<&str> = line.split(' ').collect();\n        \
             let n = |i: usize| -> u32 {{ f[i].parse().unwrap() }};\n        \
             let (spec, io, rev, privileged) = (n(0), n(1) as usize, n(2), n(3) != 0);\n        \
             let unhex = |i: usize| -> Vec<u8> {{\n            let hex = f[i].trim_start_matches(':');\n        \
             (0..hex.len() / 2)\n            \
             .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())\n            \
             .collect()\n        }};\n        let (bytes, extra) = (unhex(4), unhex(5));\n        \
             let (errno, after) = match spec {{\n{arms}            _ => panic!(\"no spec {{spec}}\"),\n        }};\n        \
             let after: String = after.iter().map(|b| format!(\"{{b:02x}}\")).collect();\n        \
             println!(\"{{errno}} {{after}}\");\n    }}\n}}\n"
        ),
    )
    .unwrap();
    build_nested(&ws, Some("drive"), "the Rust DRM driver", "drive")
}

/// One case of the DRM comparison: what it is, and the answer wanted
/// when it is fixed by the spec (None: the Rust driver's; empty: none).
type Expected = (String, Option<String>);

/// Where the cases put the elements of a user-ptr array, past the
/// argument in the caller's memory.
const EXTRA: usize = 0x100;

/// The kernel headers the DRM handlers include, shadowed (DRM_SHIM
/// stands for them).
const DRM_SHADOWED: &[&str] = &["drm/drm_device.h", "drm/drm_file.h", "drm/drm_ioctl.h"];

/// For every DRM-style spec (the imported drivers of spec/examples, the
/// layout fixtures and [`DRM_EDGE`]), the generated `drm_ioctl_desc`
/// table, built for userspace under ASan and UBSan, has one entry per
/// ioctl at `nr - DRM_COMMAND_BASE` with the ioctl's command, its name
/// and flags 0 (the spec has no DRM flags: an accel node has no render
/// clients, and admin-perm is the handler's own EPERM, as in the Rust
/// crate, where DRM_ROOT_ONLY would make drm_ioctl answer EACCES), and
/// holes elsewhere; and every entry's handler, called as drm_ioctl calls
/// it (the argument already copied into a buffer of the command's size),
/// gives the same errno and leaves the same buffer as the spec's Rust
/// kernel crate (generated and built here) for the same bytes, at every
/// revision up to one past the spec's, privileged or not: valid
/// arguments, non-zero pads, unknown flag bits and enum values (and ones
/// newer than the revision), ranges, members newer than the revision,
/// arrays (NULL, too long, a bad element). Without ops the handlers
/// answer ENOTTY and leave the buffer alone (no Rust counterpart: the
/// spec's rule for an unknown command).
#[test]
fn drm_handlers_match_the_rust_kernel_crates() {
    if !c_kernel_parts::have_gcc("C kernel side behaviour (DRM handlers)") {
        return;
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c_kernel_drm");
    let _ = std::fs::remove_dir_all(&dir);
    let specs = drm_specs(&dir.join("spec"));
    let names: Vec<&str> = specs.iter().map(|(p, _)| p.as_str()).collect();
    // Six imported drivers, two layout fixtures, the edge spec.
    assert!(specs.len() >= 9, "DRM-style specs: {names:?}");
    let rust = build_rust_drm_driver(&dir, &specs);

    let mut rng = Rng::new(0x5eed_d4a1_c0de_0001);
    let mut rust_input = String::new();
    // Per spec: the C program's input, and (what, expected) per line.
    let mut c_cases: Vec<(String, Vec<Expected>)> = Vec::new();
    for (i, (path, m)) in specs.iter().enumerate() {
        let mut input = String::new();
        let mut want = Vec::new();
        let broken = rust_kernel_broken(path);
        if let Some(why) = broken {
            uabi_test_support::skipped(
                &format!("DRM handlers of {path} against the Rust kernel crate"),
                why,
            );
        }
        for (k, io) in m.ioctls.iter().enumerate() {
            let slot = io.nr - uabi::model::DRM_COMMAND_BASE;
            let size = m.arg_size(io, uabi::target::Target::X86_64) as usize;
            for case in 0..200u32 {
                let mut bytes = random_bytes(&mut rng, size);
                let mut extra = Vec::new();
                // Now and then a pointer to elements in the caller's
                // memory and a short count in the first words, where a
                // user-ptr array and its count sit in the edge spec.
                if size >= 16 && rng.u64().is_multiple_of(4) {
                    // Mostly the elements; else NULL, or elements that
                    // run past the end of the caller's memory.
                    let ptr = match rng.u64() % 5 {
                        0 => 0,
                        1 => UBASE + ULEN as u64 - 8,
                        _ => UBASE + EXTRA as u64,
                    };
                    bytes[..8].copy_from_slice(&ptr.to_le_bytes());
                    bytes[8..12].copy_from_slice(&((rng.u64() % 10) as u32).to_le_bytes());
                    extra = random_bytes(&mut rng, 80);
                }
                let rev = case % (m.revision + 2);
                let privileged = rng.u64() % 2;
                let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                let xhex: String = extra.iter().map(|b| format!("{b:02x}")).collect();
                let what = format!(
                    "{path} {} rev {rev} privileged {privileged} bytes {hex} extra {xhex}",
                    io.name
                );
                let noops = case % 50 == 49;
                writeln!(
                    input,
                    "{slot} {rev} {privileged} {} :{hex} :{xhex}",
                    u8::from(noops)
                )
                .unwrap();
                if noops {
                    want.push((format!("{what} (no ops)"), Some(format!("25 {hex}"))));
                } else if broken.is_some() {
                    want.push((what, Some(String::new())));
                } else {
                    writeln!(rust_input, "{i} {k} {rev} {privileged} :{hex} :{xhex}").unwrap();
                    want.push((what, None));
                }
            }
        }
        c_cases.push((input, want));
    }
    let cases = dir.join("rust-cases.txt");
    std::fs::write(&cases, &rust_input).unwrap();
    let out = Command::new(&rust)
        .stdin(std::fs::File::open(&cases).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the Rust driver failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rust_out = String::from_utf8(out.stdout).unwrap();
    let mut rust_lines = rust_out.lines();

    let mut diffs = Vec::new();
    let mut errnos = BTreeSet::new();
    let (mut total, mut rejected) = (0usize, 0usize);
    for (i, ((path, m), (input, want))) in specs.iter().zip(&c_cases).enumerate() {
        let cdir = dir.join(format!("c{i}"));
        write_userspace_tree(m, &cdir);
        for h in SHADOWED.iter().chain(DRM_SHADOWED) {
            let p = cdir.join(h);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        for h in ["drm.h", "drm_mode.h"] {
            std::fs::copy(
                repo_root()
                    .join("codegen/tests/fixtures/headers/drm")
                    .join(h),
                cdir.join(h),
            )
            .unwrap();
        }
        std::fs::write(cdir.join("shim.h"), SHIM).unwrap();
        std::fs::write(cdir.join("drm_shim.h"), DRM_SHIM).unwrap();
        let header = std::fs::read_to_string(
            cdir.join(c_kernel::kernel_dir(m))
                .join(format!("{}.h", c_kernel::file_stem(m))),
        )
        .unwrap();
        let exe = c_kernel_parts::build_sanitized(
            &cdir,
            "handlers",
            &drm_driver(m, &header),
            c_kernel_parts::ASAN_UBSAN,
        );
        let cases = cdir.join("cases.txt");
        std::fs::write(&cases, input).unwrap();
        let out = Command::new(&exe)
            .stdin(std::fs::File::open(&cases).unwrap())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{path}: the C handlers failed: {:?}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let c_out = String::from_utf8(out.stdout).unwrap();
        let mut lines = c_out.lines();

        // The table.
        let base = uabi::model::DRM_COMMAND_BASE;
        let slots = m
            .ioctls
            .iter()
            .map(|io| io.nr - base + 1)
            .max()
            .unwrap_or(0);
        for s in 0..slots {
            let want = match m.ioctls.iter().find(|io| io.nr - base == s) {
                Some(io) => {
                    let mac = c::ioctl_macro(m, io);
                    let name = mac.strip_prefix("DRM_IOCTL_").unwrap_or(&mac);
                    let cmd = io.cmds[&uabi::target::Target::X86_64].unwrap();
                    format!("slot {s} {cmd:#x} 0 {name}")
                }
                None => format!("slot {s} empty"),
            };
            assert_eq!(lines.next(), Some(want.as_str()), "{path}: the table");
        }

        for (what, fixed) in want {
            let have = lines
                .next()
                .unwrap_or_else(|| panic!("{path}: the C handlers stopped before {what}"));
            let expected = match fixed {
                // Nothing to compare with (RUST_KERNEL_DOES_NOT_BUILD).
                Some(w) if w.is_empty() => continue,
                Some(w) => w.clone(),
                None => rust_lines
                    .next()
                    .unwrap_or_else(|| panic!("the Rust driver stopped before {what}"))
                    .to_string(),
            };
            let errno = expected.split(' ').next().unwrap().to_string();
            total += 1;
            if errno != "0" {
                rejected += 1;
            }
            errnos.insert(errno);
            if have != expected {
                diffs.push(format!("{what}:\n  Rust {expected}\n  C    {have}"));
            }
        }
        assert_eq!(lines.next(), None, "{path}: the C handlers said more");
    }
    assert_eq!(rust_lines.next(), None, "the Rust driver said more");
    assert!(
        diffs.is_empty(),
        "{} of {total} cases differ between the C handlers and the Rust kernel crates, e.g.:\n{}",
        diffs.len(),
        diffs
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The inputs reach both outcomes and every kind of refusal.
    assert!(
        rejected * 10 > total && rejected * 10 < total * 9,
        "{rejected} of {total} cases rejected: the inputs do not exercise the checks"
    );
    for e in ["0", "1", "14", "22", "25"] {
        assert!(errnos.contains(e), "no case answered errno {e}: {errnos:?}");
    }
}
