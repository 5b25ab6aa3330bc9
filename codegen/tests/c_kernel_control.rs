//! The control part of the generated C kernel side
//! (`backend::c_kernel::control`), generated for the example specs:
//!
//! - the generated `<spec>_kernel.h`/`.c` of accel-core and softaccel build
//!   as an out-of-tree kbuild module against the 6.12 kernel tree with
//!   `W=1` and `-Werror`, sparse-clean (`C=1`), and pass
//!   `checkpatch.pl --strict` (SKIPPED without the kernel tree);
//! - the control part, compiled in userspace over a shim of the kernel
//!   API, gives every message of one table (valid requests of every
//!   operation, every way to get one wrong, and thousands of mutations)
//!   the same errno, reply-len, error-offset, error-attr, reply bytes and
//!   callback as the Rust kernel crate's CONTROL handler
//!   (`softaccel_kernel::dispatch`).

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use uabi::model::Model;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn load(rel: &str) -> Arc<Model> {
    uabi::load::load(&repo_root().join(rel), Some(rel))
        .unwrap_or_else(|e| panic!("{rel} does not load: {e:#?}"))
}

/// The uapi headers and the kernel side of accel-core and softaccel,
/// written under `dir` as `generated/` lays them out.
fn write_tree(dir: &Path) -> Vec<PathBuf> {
    let mut kernel = Vec::new();
    for rel in ["spec/accel-core.yaml", "spec/softaccel.yaml"] {
        let m = load(rel);
        let mut files = uabi::backend::c::render(&m).unwrap();
        files.extend(uabi::backend::c_kernel::render(&m).unwrap());
        for f in files {
            let path = dir.join(&f.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &f.contents).unwrap();
            if f.path.components().any(|c| c.as_os_str() == "kernel") {
                kernel.push(f.path.clone());
            }
        }
    }
    kernel
}

/// The kbuild tree and checkpatch, from the environment
/// (`scripts/kernel-env.sh`) or where that script puts them.
fn kernel_env() -> Result<(PathBuf, PathBuf), String> {
    let kdir = std::env::var_os("UABI_KDIR")
        .map(PathBuf::from)
        .or_else(|| {
            let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/src")
                .ok()?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                        n.starts_with("linux-headers-6.12") && n.ends_with("-amd64")
                    })
                })
                .collect();
            found.sort();
            found.pop()
        });
    let Some(kdir) = kdir.filter(|k| k.join("Makefile").exists()) else {
        return Err(
            "no 6.12 kbuild tree (run `source scripts/kernel-env.sh && uabi_kernel_env`)".into(),
        );
    };
    let checkpatch = std::env::var_os("UABI_CHECKPATCH")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from("/var/cache/uabi-kernel/source-6.12/scripts/checkpatch.pl")
        });
    if !checkpatch.exists() {
        return Err(format!("no checkpatch.pl at {}", checkpatch.display()));
    }
    if Command::new("sparse").arg("--version").output().is_err() {
        return Err("no sparse".into());
    }
    Ok((kdir, checkpatch))
}

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("uabi-ck-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn kernel_side_builds_with_w1_sparse_and_checkpatch_clean() {
    let (kdir, checkpatch) = match kernel_env() {
        Ok(v) => v,
        Err(why) => {
            uabi_test_support::skipped(
                "the C kernel side's kbuild, sparse and checkpatch check",
                &why,
            );
            return;
        }
    };
    let dir = tmpdir("kbuild");
    let kernel = write_tree(&dir);
    let objs: Vec<String> = kernel
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        .map(|p| p.with_extension("o").display().to_string())
        .collect();
    std::fs::write(
        dir.join("stub.c"),
        "// SPDX-License-Identifier: GPL-2.0\n#include <linux/module.h>\n\
         #include \"softaccel/c/kernel/softaccel_kernel.h\"\n\n\
         MODULE_LICENSE(\"GPL\");\nMODULE_DESCRIPTION(\"uabi C kernel side, build check\");\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("Kbuild"),
        format!(
            "obj-m := uabi_ck.o\nuabi_ck-y := stub.o {}\n",
            objs.join(" ")
        ),
    )
    .unwrap();
    let out = Command::new("make")
        .arg("-C")
        .arg(&kdir)
        .arg(format!("M={}", dir.display()))
        .args([
            "W=1",
            "C=1",
            "KCFLAGS=-Werror",
            "KBUILD_MODPOST_WARN=1",
            "modules",
        ])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "kbuild failed:\n{text}");
    // Sparse reports on stderr without failing the build; modpost's
    // undefined symbols are the stand-in's (the real mod.rs defines them).
    let bad: Vec<&str> = text
        .lines()
        .filter(|l| (l.contains("warning:") || l.contains("error:")) && !l.contains("modpost"))
        .collect();
    assert!(bad.is_empty(), "compiler or sparse warnings:\n{text}");
    let mut reports = String::new();
    for f in &kernel {
        let out = Command::new("perl")
            .arg(&checkpatch)
            .args(["--strict", "--no-tree", "--show-types", "-f"])
            .arg(dir.join(f))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        if !text.contains("total: 0 errors, 0 warnings, 0 checks") {
            reports.push_str(&format!("checkpatch on {}:\n{text}\n", f.display()));
        }
    }
    assert!(reports.is_empty(), "{reports}");
    if std::env::var_os("UABI_CK_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
