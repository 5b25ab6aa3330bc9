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
        "\t\t\t  struct softaccel_perf_counter *counters);",
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
