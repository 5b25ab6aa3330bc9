//! Outputs that install the way their ecosystems expect (issue 16 item
//! 2), each used from a scratch folder outside the repository:
//! - C: `headers_install` writes `include/<dir>/<header>` for softaccel
//!   and the accel core; gcc compiles a consumer with `-I` on that tree
//!   alone, and its dependency list shows both headers came from it.
//! - Rust: with the runtime referenced by version, the generated crates of
//!   softaccel and the accel core, beside a copy of uabi-runtime, form a
//!   workspace outside the repository that builds (`cargo check`, the
//!   runtime reached through `[patch.crates-io]`) and that `cargo package`
//!   packs, all seven crates, with registry dependencies in place of paths.
//! - Python: the packages of softaccel and the accel core install with
//!   pip into a fresh venv outside the repository, offline (their build
//!   backend is generated beside them, standard library only); a consumer
//!   using every kind of call runs from the venv (the backend's sdist
//!   installs too) and passes `mypy --strict` (mypy from PyPI, cached in
//!   `target/mypy-venv`), while one with wrong types fails it where
//!   expected. Configured names and the project license land in the
//!   installed metadata.
//! - Rust crate names: renamed crates build and package, and their
//!   dependents follow.
//! - Go: with a module path prefix of our own, a consumer module outside
//!   the repository builds against the generated modules with `replace`
//!   lines, offline, standard library only.
//!
//! A missing tool fails the test unless `UABI_ALLOW_MISSING_TOOLS=1`,
//! which turns it into a loud skip.

// Tests report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use uabi::backend::{GeneratedFile, OutputOptions, RustRuntime, render_models_with};
use uabi::model::Model;
use uabi::pipeline::{InstallError, install_headers};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn load(rel: &str) -> Arc<Model> {
    uabi::load::load(&repo_root().join(rel), Some(rel))
        .unwrap_or_else(|e| panic!("{rel} does not load: {e:#?}"))
}

/// softaccel and every spec it includes.
fn softaccel_and_includes() -> Vec<Arc<Model>> {
    let m = load("spec/softaccel.yaml");
    let mut all = vec![m.clone()];
    all.extend(m.includes.iter().cloned());
    all
}

fn allow_missing() -> bool {
    std::env::var("UABI_ALLOW_MISSING_TOOLS").is_ok_and(|v| v == "1")
}

/// Whether `tool` runs; panics when it does not, unless missing tools are
/// allowed, in which case it says loudly what is skipped.
fn have(tool: &str, version_arg: &str, skipped: &str) -> bool {
    let ok = Command::new(tool)
        .arg(version_arg)
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return true;
    }
    if allow_missing() {
        uabi_test_support::skipped(
            skipped,
            &format!("`{tool}` not found (UABI_ALLOW_MISSING_TOOLS=1)"),
        );
        return false;
    }
    panic!(
        "`{tool}` not found: install it (scripts/setup.sh), or set \
         UABI_ALLOW_MISSING_TOOLS=1 to skip {skipped} loudly"
    );
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?} does not start: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

// ---------------------------------------------------------------- C

const C_CONSUMER: &str = r#"
#include <stdio.h>
#include <drm/softaccel.h>

int main(void)
{
	struct softaccel_submit submit = { 0 };
	struct accel_bo_create create = { 0 };

	printf("%lu %lu %lu\n", (unsigned long)SOFTACCEL_IOCTL_SUBMIT,
	       (unsigned long)sizeof(submit), (unsigned long)sizeof(create));
	return 0;
}
"#;

#[test]
fn c_headers_install_tree_compiles_with_its_include_folder_alone() {
    if !have("gcc", "--version", "the installed C header tree") {
        return;
    }
    let models = softaccel_and_includes();
    let refs: Vec<&Model> = models.iter().map(|m| &**m).collect();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("usr");
    let written = install_headers(&out, &refs, "drm", &OutputOptions::default()).unwrap();
    let inc = out.join("include");
    let mut names: Vec<PathBuf> = written
        .iter()
        .map(|p| p.strip_prefix(&inc).unwrap().to_path_buf())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            PathBuf::from("drm/accel.h"),
            PathBuf::from("drm/softaccel.h")
        ]
    );
    let softaccel = std::fs::read_to_string(inc.join("drm/softaccel.h")).unwrap();
    assert!(
        softaccel.contains("\n#include <drm/accel.h>\n"),
        "{softaccel}"
    );
    assert!(!softaccel.contains("../"), "a relative include is left");

    let src = tmp.path().join("consumer.c");
    std::fs::write(&src, C_CONSUMER).unwrap();
    let exe = tmp.path().join("consumer");
    let deps = tmp.path().join("consumer.d");
    run(Command::new("gcc")
        .args([
            "-std=c11",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-MD",
            "-MF",
        ])
        .arg(&deps)
        .arg("-I")
        .arg(&inc)
        .arg(&src)
        .arg("-o")
        .arg(&exe));
    // Both headers come from the tree, not from the repository or the
    // system's include folders.
    let deps = std::fs::read_to_string(&deps).unwrap();
    for h in ["drm/softaccel.h", "drm/accel.h"] {
        let p = inc.join(h);
        assert!(
            deps.contains(&*p.to_string_lossy()),
            "{h} not from the tree: {deps}"
        );
    }
    let installed = run(&mut Command::new(&exe)).stdout;
    // The same consumer against the checked-in header (relative includes)
    // prints the same command number and sizes.
    let in_repo = tmp.path().join("in_repo.c");
    let header = repo_root().join("generated/softaccel/c/softaccel.h");
    std::fs::write(
        &in_repo,
        C_CONSUMER.replace(
            "#include <drm/softaccel.h>",
            &format!("#include \"{}\"", header.display()),
        ),
    )
    .unwrap();
    let exe2 = tmp.path().join("in_repo");
    run(Command::new("gcc").arg(&in_repo).arg("-o").arg(&exe2));
    let expected = run(&mut Command::new(&exe2)).stdout;
    assert!(!installed.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&installed),
        String::from_utf8_lossy(&expected)
    );
}

#[test]
fn c_headers_install_refuses_an_incomplete_set_and_an_escaping_folder() {
    let models = softaccel_and_includes();
    let tmp = tempfile::tempdir().unwrap();
    match install_headers(tmp.path(), &[&*models[0]], "drm", &OutputOptions::default()) {
        Err(InstallError::MissingInclude { spec, include }) => {
            assert_eq!((spec.as_str(), include.as_str()), ("softaccel", "accel"));
        }
        other => panic!("{other:?}"),
    }
    let refs: Vec<&Model> = models.iter().map(|m| &**m).collect();
    for dir in ["", "../up", "/abs", "a/../b"] {
        assert!(
            matches!(
                install_headers(tmp.path(), &refs, dir, &OutputOptions::default()),
                Err(InstallError::BadDir(_))
            ),
            "{dir:?}"
        );
    }
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}

// ---------------------------------------------------------------- shared

/// Writes every file `opts` gives softaccel and its includes under `dir`
/// (the `generated/` layout) and returns them.
fn generate(dir: &Path, opts: &OutputOptions) -> Vec<GeneratedFile> {
    let models = softaccel_and_includes();
    let refs: Vec<&Model> = models.iter().map(|m| &**m).collect();
    let files = render_models_with(&refs, opts).unwrap();
    for f in &files {
        let p = dir.join(&f.path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, &f.contents).unwrap();
    }
    files
}

/// Copies the regular files of `from` into `to`, recursively.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let ty = e.file_type().unwrap();
        if ty.is_dir() {
            if e.file_name() != "target" {
                copy_tree(&e.path(), &to.join(e.file_name()));
            }
        } else if ty.is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

// ---------------------------------------------------------------- Rust

#[test]
fn rust_default_manifests_are_the_repository_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let files = generate(tmp.path(), &OutputOptions::default());
    let user = files
        .iter()
        .find(|f| f.path == Path::new("softaccel/rust/user/Cargo.toml"))
        .unwrap();
    assert!(user.contents.contains(
        "uabi-runtime = { path = \"../../../../codegen/runtime\", features = [\"std\"] }\n"
    ));
    assert!(user.contents.contains("publish = false\n"));
}

#[test]
fn rust_crates_by_runtime_version_build_and_package_outside_the_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path();
    let opts = OutputOptions {
        rust_runtime: RustRuntime::Version("0.1.0".to_string()),
        ..OutputOptions::default()
    };
    let files = generate(&ws.join("generated"), &opts);
    let manifests: Vec<&GeneratedFile> = files
        .iter()
        .filter(|f| f.path.ends_with("Cargo.toml"))
        .collect();
    assert_eq!(manifests.len(), 6, "uapi, kernel and user of two specs");
    for m in &manifests {
        assert!(!m.contents.contains("codegen/runtime"), "{}", m.contents);
        assert!(!m.contents.contains("publish = false"), "{}", m.contents);
        assert!(m.contents.contains("\nlicense = "), "{}", m.contents);
    }
    let user = manifests
        .iter()
        .find(|f| f.path == Path::new("softaccel/rust/user/Cargo.toml"))
        .unwrap();
    assert!(
        user.contents
            .contains("uabi-runtime = { version = \"0.1.0\", features = [\"std\"] }\n")
            && user.contents.contains(
                "accel-user = { version = \"0.1.0\", path = \"../../../accel/rust/user\" }\n"
            ),
        "{}",
        user.contents
    );

    // The runtime as a crate of its own, its workspace-inherited fields
    // given by this workspace as by the repository's.
    copy_tree(&repo_root().join("codegen/runtime"), &ws.join("runtime"));
    std::fs::write(
        ws.join("Cargo.toml"),
        r#"[workspace]
resolver = "3"
members = [
    "runtime",
    "generated/*/rust/uapi",
    "generated/*/rust/kernel",
    "generated/*/rust/user",
]

[workspace.package]
edition = "2024"
license = "MIT OR Apache-2.0"
rust-version = "1.89"
version = "0.1.0"

# What a driver's workspace does to build against its own copy of the
# runtime rather than the published one.
[patch.crates-io]
uabi-runtime = { path = "runtime" }
"#,
    )
    .unwrap();

    let pkg = check_and_package(ws);
    for name in [
        "uabi-runtime",
        "accel-uapi",
        "accel-kernel",
        "accel-user",
        "softaccel-uapi",
        "softaccel-kernel",
        "softaccel-user",
    ] {
        let krate = pkg.join(format!("{name}-0.1.0.crate"));
        let listing = run(Command::new("tar").arg("tzf").arg(&krate)).stdout;
        let listing = String::from_utf8(listing).unwrap();
        assert!(
            listing.contains(&format!("{name}-0.1.0/src/lib.rs")),
            "{name}: {listing}"
        );
    }
    // What crates.io would get: dependencies by version, no paths.
    let normalized = run(Command::new("tar")
        .arg("xzf")
        .arg(pkg.join("softaccel-user-0.1.0.crate"))
        .arg("-O")
        .arg("softaccel-user-0.1.0/Cargo.toml"))
    .stdout;
    let normalized = String::from_utf8(normalized).unwrap();
    assert!(!normalized.contains("path = \"../"), "{normalized}");
    for dep in ["uabi-runtime", "accel-user", "softaccel-uapi"] {
        assert!(
            normalized.contains(&format!("[dependencies.{dep}]\nversion = \"0.1.0\"")),
            "{dep}: {normalized}"
        );
    }
}

#[test]
fn rust_crates_take_the_configured_names_and_their_dependents_follow() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path();
    let opts = OutputOptions {
        rust_runtime: RustRuntime::Version("0.1.0".to_string()),
        rust_crates: [
            Some("acme-{spec}-abi".to_string()),
            None,
            Some("acme-{spec}".to_string()),
        ],
        license: Some("MIT".to_string()),
        ..OutputOptions::default()
    };
    let files = generate(&ws.join("generated"), &opts);
    let manifest = |path: &str| {
        &files
            .iter()
            .find(|f| f.path == Path::new(path))
            .unwrap()
            .contents
    };
    let kernel = manifest("softaccel/rust/kernel/Cargo.toml");
    for want in [
        "name = \"softaccel-kernel\"\n",
        "acme-softaccel-abi = { version = \"0.1.0\", path = \"../uapi\" }\n",
        "accel-kernel = { version = \"0.1.0\", path = \"../../../accel/rust/kernel\" }\n",
        "license = \"MIT\"\n",
        // The library keeps its name: the code `use`s it as before.
        "name = \"softaccel_kernel\"\n",
    ] {
        assert!(kernel.contains(want), "{want}: {kernel}");
    }
    let user = manifest("softaccel/rust/user/Cargo.toml");
    for want in [
        "name = \"acme-softaccel\"\n",
        "acme-softaccel-abi = { version = \"0.1.0\", path = \"../uapi\" }\n",
        "acme-accel = { version = \"0.1.0\", path = \"../../../accel/rust/user\" }\n",
    ] {
        assert!(user.contains(want), "{want}: {user}");
    }
    assert!(manifest("accel/rust/uapi/Cargo.toml").contains("name = \"acme-accel-abi\"\n"));

    copy_tree(&repo_root().join("codegen/runtime"), &ws.join("runtime"));
    std::fs::write(
        ws.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"runtime\", \"generated/*/rust/uapi\", \
         \"generated/*/rust/kernel\", \"generated/*/rust/user\"]\n\n\
         [workspace.package]\nedition = \"2024\"\nlicense = \"MIT OR Apache-2.0\"\n\
         rust-version = \"1.89\"\nversion = \"0.1.0\"\n\n\
         [patch.crates-io]\nuabi-runtime = { path = \"runtime\" }\n",
    )
    .unwrap();
    // The renamed crates build: the kernel and user crates reach the uapi
    // crate by its library name whatever its package is called.
    let pkg = check_and_package(ws);
    for name in [
        "acme-softaccel-abi",
        "acme-accel-abi",
        "acme-softaccel",
        "acme-accel",
    ] {
        assert!(
            pkg.join(format!("{name}-0.1.0.crate")).is_file(),
            "{name} was not packaged"
        );
    }
    let normalized = run(Command::new("tar")
        .arg("xzf")
        .arg(pkg.join("acme-softaccel-0.1.0.crate"))
        .arg("-O")
        .arg("acme-softaccel-0.1.0/Cargo.toml"))
    .stdout;
    let normalized = String::from_utf8(normalized).unwrap();
    assert!(
        normalized.contains("[dependencies.acme-softaccel-abi]\nversion = \"0.1.0\"")
            && normalized.contains("license = \"MIT\""),
        "{normalized}"
    );
}

// ---------------------------------------------------------------- Go

const GO_CONSUMER: &str = r#"package main

import (
	"fmt"
	"os"
	"unsafe"

	softaccel "example.org/drivers/softaccel/go"
)

func main() {
	var submit softaccel.Submit
	fmt.Println(unsafe.Sizeof(submit))
	f, err := os.Open("/dev/null")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	// /dev/null knows no ioctl: the call reaches the kernel and fails.
	if err := softaccel.IoctlSubmit(int(f.Fd()), &submit, nil); err == nil {
		panic("SUBMIT on /dev/null succeeded")
	}
}
"#;

#[test]
fn go_module_with_its_own_path_builds_from_a_consumer_outside_the_repository() {
    if !have("go", "version", "the Go consumer module") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let opts = OutputOptions {
        go_module_prefix: "example.org/drivers".to_string(),
        ..OutputOptions::default()
    };
    let files = generate(&tmp.path().join("gen"), &opts);
    let go_mod = files
        .iter()
        .find(|f| f.path == Path::new("softaccel/go/go.mod"))
        .unwrap();
    assert!(
        go_mod
            .contents
            .contains("\nmodule example.org/drivers/softaccel/go\n")
            && go_mod
                .contents
                .contains("replace example.org/drivers/accel/go => ../../accel/go\n"),
        "{}",
        go_mod.contents
    );
    assert!(!files.iter().any(|f| f.contents.contains("uabi.local")));

    let consumer = tmp.path().join("consumer");
    std::fs::create_dir_all(&consumer).unwrap();
    let out_dir = tmp.path().join("gen");
    std::fs::write(
        consumer.join("go.mod"),
        format!(
            "module example.org/consumer\n\ngo 1.19\n\n\
             require example.org/drivers/softaccel/go v0.0.0\n\n\
             require example.org/drivers/accel/go v0.0.0 // indirect\n\n\
             replace (\n\
             \texample.org/drivers/accel/go => {}\n\
             \texample.org/drivers/softaccel/go => {}\n\
             )\n",
            out_dir.join("accel/go").display(),
            out_dir.join("softaccel/go").display()
        ),
    )
    .unwrap();
    std::fs::write(consumer.join("main.go"), GO_CONSUMER).unwrap();
    let go = |args: &[&str]| {
        let mut c = Command::new("go");
        c.args(args)
            .current_dir(&consumer)
            .env("GOPROXY", "off")
            .env("GOFLAGS", "-mod=mod")
            .env("GOCACHE", tmp.path().join("gocache"))
            .env("GOPATH", tmp.path().join("gopath"));
        c
    };
    run(&mut go(&["build", "-o", "consumer", "."]));
    let out = run(&mut Command::new(consumer.join("consumer"))).stdout;
    let size: usize = String::from_utf8(out).unwrap().trim().parse().unwrap();
    let model = &softaccel_and_includes()[0];
    let submit = model.structs.iter().find(|s| s.name == "submit").unwrap();
    assert_eq!(
        size as u64,
        u64::from(submit.layout(uabi::target::Target::X86_64).size)
    );
}

// ---------------------------------------------------------------- placed

/// A project that places every output of softaccel and the accel core
/// with `dir` (`{spec}` where each spec's folder goes), generated by the
/// CLI: the outputs still find each other. gcc compiles a consumer of
/// the placed headers, the C kernel side's includes name files that are
/// there, the placed crates build (the runtime by path, beside them as in
/// this repository), Python imports the included spec's package from its
/// placed folder, and Go builds the module against the placed included
/// module.
#[test]
fn outputs_placed_with_dir_find_each_other() {
    for tool in [
        ("gcc", "--version"),
        ("python3", "--version"),
        ("go", "version"),
    ] {
        if !have(tool.0, tool.1, "the placed outputs") {
            return;
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("spec")).unwrap();
    for spec in ["softaccel.yaml", "accel-core.yaml"] {
        std::fs::copy(
            repo_root().join("spec").join(spec),
            root.join("spec").join(spec),
        )
        .unwrap();
    }
    let project = "[project]\nname = \"placed\"\nspecs = [\"spec/softaccel.yaml\"]\n\n\
                   [output.c]\ndir = \"include/uapi/drm\"\n\
                   [output.c-kernel]\ndir = \"kernel/{spec}\"\n\
                   [output.rust-uapi]\ndir = \"crates/{spec}-uapi\"\n\
                   [output.rust-kernel]\ndir = \"crates/{spec}-kernel\"\n\
                   [output.rust-user]\ndir = \"crates/{spec}-user\"\n\
                   [output.rust-linux]\nenabled = false\n\
                   [output.python]\ndir = \"python/{spec}\"\n\
                   [output.go]\ndir = \"go/{spec}\"\n";
    std::fs::write(root.join("uabi.toml"), project).unwrap();
    let uabi = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_uabi"));
        c.args(args).current_dir(root);
        c
    };
    run(&mut uabi(&["generate", "-q"]));
    run(&mut uabi(&["check", "-q"]));

    // C: the two headers side by side include each other by name.
    let uapi = std::fs::read_to_string(root.join("include/uapi/drm/softaccel.h")).unwrap();
    assert!(uapi.contains("\n#include \"accel.h\"\n"), "{uapi}");
    let src = root.join("consumer.c");
    std::fs::write(&src, C_CONSUMER).unwrap();
    run(Command::new("gcc")
        .args(["-std=c11", "-Wall", "-Werror", "-fsyntax-only", "-I"])
        .arg(root.join("include/uapi"))
        .arg(&src));
    for kernel in [
        "kernel/softaccel/softaccel_kernel.h",
        "kernel/accel/accel_kernel.h",
    ] {
        let header = root.join(kernel);
        let text = std::fs::read_to_string(&header).unwrap();
        let quoted: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("#include \"")?.strip_suffix('"'))
            .collect();
        assert!(!quoted.is_empty(), "{kernel}: {text}");
        for inc in quoted {
            assert!(
                header.parent().unwrap().join(inc).is_file(),
                "{kernel} includes {inc}, which is not there"
            );
        }
    }

    // Rust: the placed crates and the runtime by path, one workspace.
    copy_tree(
        &repo_root().join("codegen/runtime"),
        &root.join("codegen/runtime"),
    );
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"codegen/runtime\", \"crates/*\"]\n\n\
         [workspace.package]\nedition = \"2024\"\nlicense = \"MIT OR Apache-2.0\"\n\
         rust-version = \"1.89\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    let kernel = std::fs::read_to_string(root.join("crates/softaccel-kernel/Cargo.toml")).unwrap();
    for dep in [
        "softaccel-uapi = { path = \"../softaccel-uapi\" }\n",
        "uabi-runtime = { path = \"../../codegen/runtime\" }\n",
        "accel-kernel = { path = \"../accel-kernel\" }\n",
    ] {
        assert!(kernel.contains(dep), "{dep}: {kernel}");
    }
    run(&mut cargo_offline(
        root,
        &["check", "--workspace", "--quiet"],
    ));

    // Python: only softaccel's folder is on the path; the accel core's
    // package comes from its own placed folder.
    let out = run(Command::new("python3")
        .args([
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); import softaccel_uapi as sa; \
             import accel_uapi as core; print(core.__file__); print(sa.IOCTL_SUBMIT)",
        ])
        .arg(root.join("python/softaccel"))
        .env_remove("PYTHONPATH"))
    .stdout;
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.starts_with(&format!(
            "{}\n",
            root.join("python/accel/accel_uapi/__init__.py").display()
        )),
        "{out}"
    );

    // Go: the module builds against the placed accel module.
    let go_mod = std::fs::read_to_string(root.join("go/softaccel/go.mod")).unwrap();
    assert!(go_mod.contains(" => ../accel\n"), "{go_mod}");
    run(Command::new("go")
        .args(["vet", "./..."])
        .current_dir(root.join("go/softaccel"))
        .env("GOPROXY", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("GOCACHE", root.join("gocache"))
        .env("GOPATH", root.join("gopath")));

    // A folder that both specs' packages would share is refused where it
    // is written, and nothing is overwritten.
    std::fs::write(
        root.join("uabi.toml"),
        project.replace("dir = \"python/{spec}\"", "dir = \"python\""),
    )
    .unwrap();
    let refused = uabi(&["generate", "-q"]).output().unwrap();
    let err = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{err}");
    assert!(
        err.contains("uabi.toml:18:7: `dir` puts output `python` of specs `accel` and `softaccel` in one folder"),
        "{err}"
    );
    assert!(!root.join("python/pyproject.toml").exists());
}

// ---------------------------------------------------------------- Python

/// The Python of the venv with mypy (uabi-test-support), beside this
/// target folder's test scratch.
fn mypy_python() -> Option<PathBuf> {
    uabi_test_support::mypy_python(
        Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap(),
        "mypy --strict on the Python consumer",
    )
}

/// A fresh venv outside the repository with the generated packages of
/// `dirs` installed by pip, offline: their build backend is in the
/// package folder, standard library only.
fn venv_with(tmp: &Path, dirs: &[PathBuf]) -> PathBuf {
    let venv = tmp.join("venv");
    run(Command::new("python3").arg("-m").arg("venv").arg(&venv));
    let python = venv.join("bin/python");
    run(Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", "--no-index"])
        .args(dirs)
        .env_remove("PYTHONPATH"));
    python
}

#[test]
fn python_packages_install_offline_into_a_fresh_venv_and_pass_mypy_strict() {
    if !have("python3", "--version", "the installed Python packages") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("gen");
    let files = generate(&out_dir, &OutputOptions::default());
    let pyproject = files
        .iter()
        .find(|f| f.path == Path::new("softaccel/python/pyproject.toml"))
        .unwrap();
    let model = &softaccel_and_includes()[0];
    for want in [
        "name = \"softaccel-uapi\"\n".to_string(),
        format!("version = \"{}\"\n", model.revision),
        format!(
            "dependencies = [\"accel-uapi=={}\"]\n",
            model.includes[0].revision
        ),
        "requires = []\n".to_string(),
    ] {
        assert!(
            pyproject.contents.contains(&want),
            "{want}: {}",
            pyproject.contents
        );
    }
    let python = venv_with(
        tmp.path(),
        &[
            out_dir.join("accel/python"),
            out_dir.join("softaccel/python"),
        ],
    );
    // Building left nothing in the package folders but bytecode.
    for f in walk_files(&out_dir.join("softaccel/python")) {
        assert!(
            files.iter().any(|g| out_dir.join(&g.path) == f)
                || f.to_string_lossy().contains("__pycache__"),
            "pip left {} in the package folder",
            f.display()
        );
    }
    // The backend's sdist holds what rebuilds the package, and pip
    // installs from it too.
    let sdists = tmp.path().join("sdist");
    std::fs::create_dir_all(&sdists).unwrap();
    let name = run(Command::new(&python)
        .args([
            "-I",
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); import _uabi_build as b; \
             print(b.build_sdist(sys.argv[2]))",
        ])
        .arg(out_dir.join("accel/python"))
        .arg(&sdists))
    .stdout;
    let sdist = sdists.join(String::from_utf8(name).unwrap().trim());
    let listing =
        String::from_utf8(run(Command::new("tar").arg("tzf").arg(&sdist)).stdout).unwrap();
    let stem = format!("accel_uapi-{}", model.includes[0].revision);
    for f in [
        "PKG-INFO",
        "pyproject.toml",
        "_uabi_build.py",
        "accel_uapi/__init__.py",
        "accel_uapi/py.typed",
    ] {
        assert!(listing.contains(&format!("{stem}/{f}\n")), "{f}: {listing}");
    }
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--force-reinstall",
        ])
        .arg(&sdist));
    let consumer = tmp.path().join("consumer");
    std::fs::create_dir_all(&consumer).unwrap();
    let fixtures = repo_root().join("codegen/tests/fixtures");
    for f in ["python_consumer.py", "python_consumer_bad.py"] {
        std::fs::copy(fixtures.join(f), consumer.join(f)).unwrap();
    }
    // -I: no PYTHONPATH, no user site; the packages come from the venv.
    let out = run(Command::new(&python)
        .args(["-I", "python_consumer.py"])
        .current_dir(&consumer))
    .stdout;
    let out = String::from_utf8(out).unwrap();
    let site = tmp.path().join("venv/lib");
    assert!(
        out.contains(&format!("consumer ok {}", site.display()))
            && out.contains("control: InappropriateIoctl\n"),
        "{out}"
    );

    let Some(mypy) = mypy_python() else {
        return;
    };
    let mypy_on = |script: &str| {
        Command::new(&mypy)
            .args([
                "-m",
                "mypy",
                "--strict",
                "--no-incremental",
                "--python-executable",
            ])
            .arg(&python)
            .arg(script)
            .current_dir(&consumer)
            .env_remove("PYTHONPATH")
            .env("MYPY_CACHE_DIR", tmp.path().join("mypy-cache"))
            .output()
            .unwrap()
    };
    // The packages themselves: mypy reports nothing inside an installed
    // package when it checks a consumer.
    let own = Command::new(&mypy)
        .args(["-m", "mypy", "--strict", "--no-incremental"])
        .arg(out_dir.join("accel/python/accel_uapi"))
        .arg(out_dir.join("softaccel/python/softaccel_uapi"))
        .current_dir(tmp.path())
        .env("MYPY_CACHE_DIR", tmp.path().join("mypy-cache"))
        .output()
        .unwrap();
    assert!(
        own.status.success(),
        "mypy --strict on the packages:\n{}",
        String::from_utf8_lossy(&own.stdout)
    );
    let good = mypy_on("python_consumer.py");
    assert!(
        good.status.success(),
        "mypy --strict on the consumer:\n{}",
        String::from_utf8_lossy(&good.stdout)
    );
    // The hints are real: a wrong argument, ring entry, element or
    // constant type is an error, each where it is.
    let bad = mypy_on("python_consumer_bad.py");
    let report = String::from_utf8_lossy(&bad.stdout);
    assert!(!bad.status.success(), "{report}");
    for line in [
        "python_consumer_bad.py:4: error: Argument 2 to \"submit\" has incompatible type \"BoCreate\"",
        "python_consumer_bad.py:5: error: Argument 1 to \"push\" of \"Ring\" has incompatible type \"RingCompletion\"",
        "python_consumer_bad.py:6: error: List item 0 has incompatible type \"Cmd\"",
        "python_consumer_bad.py:7: error: Incompatible types in assignment",
    ] {
        assert!(report.contains(line), "{line}\n{report}");
    }
}

/// The oldest CPython the generated packages declare (`requires-python`).
const OLDEST_PYTHON_MINOR: u32 = 9;

/// An interpreter of CPython 3.`minor`: `python3.<minor>` on PATH, or
/// pyenv's build of it (`$PYENV_ROOT/versions/3.<minor>.*`, the newest).
fn cpython(minor: u32) -> Option<PathBuf> {
    let exe = format!("python3.{minor}");
    let works = |p: &Path| {
        Command::new(p)
            .args(["-c", "import sys; print(sys.version_info[1])"])
            .output()
            .is_ok_and(|o| o.status.success() && o.stdout == format!("{minor}\n").as_bytes())
    };
    if works(Path::new(&exe)) {
        return Some(PathBuf::from(exe));
    }
    let root = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")))?;
    let prefix = format!("3.{minor}.");
    let mut builds: Vec<(u32, PathBuf)> = std::fs::read_dir(root.join("versions"))
        .ok()?
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            let patch = name.strip_prefix(&prefix)?.parse().ok()?;
            Some((
                patch,
                root.join("versions").join(&name).join("bin").join(&exe),
            ))
        })
        .filter(|(_, p)| works(p))
        .collect();
    builds.sort();
    builds.pop().map(|(_, p)| p)
}

/// The packages claim `requires-python >= 3.9` while the machine's python3
/// is 3.11: every CPython from 3.9 on that is here builds them with pip
/// (their build backend runs on it), installs them into its own venv and
/// runs the consumer; mypy checks packages and consumer as 3.9 code too.
#[test]
fn python_packages_work_on_every_cpython_they_claim() {
    if !have(
        "python3",
        "--version",
        "the Python packages on older CPythons",
    ) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("gen");
    let files = generate(&out_dir, &OutputOptions::default());
    let claim = format!("requires-python = \">=3.{OLDEST_PYTHON_MINOR}\"\n");
    for f in files.iter().filter(|f| f.path.ends_with("pyproject.toml")) {
        assert!(
            f.contents.contains(&claim),
            "{}: {}",
            f.path.display(),
            f.contents
        );
    }
    let packages = [
        out_dir.join("accel/python"),
        out_dir.join("softaccel/python"),
    ];
    let consumer = repo_root().join("codegen/tests/fixtures/python_consumer.py");
    let mut ran = Vec::new();
    for minor in OLDEST_PYTHON_MINOR..=13 {
        let Some(interpreter) = cpython(minor) else {
            uabi_test_support::skipped(
                &format!("the Python packages on CPython 3.{minor}"),
                "no python3.{minor} on PATH or under pyenv",
            );
            continue;
        };
        let venv = tmp.path().join(format!("venv3.{minor}"));
        run(Command::new(&interpreter).arg("-m").arg("venv").arg(&venv));
        let python = venv.join("bin/python");
        run(Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--no-index"])
            .args(&packages)
            .env_remove("PYTHONPATH"));
        let out =
            String::from_utf8(run(Command::new(&python).arg("-I").arg(&consumer)).stdout).unwrap();
        assert!(
            out.contains(&format!("consumer ok {}", venv.join("lib").display()))
                && out.contains("control: InappropriateIoctl\n"),
            "CPython 3.{minor}:\n{out}"
        );
        ran.push(minor);
    }
    assert!(!ran.is_empty(), "no CPython ran the packages");

    let Some(mypy) = mypy_python() else {
        return;
    };
    let report = Command::new(&mypy)
        .args(["-m", "mypy", "--strict", "--no-incremental"])
        .arg(format!("--python-version=3.{OLDEST_PYTHON_MINOR}"))
        .arg(packages[0].join("accel_uapi"))
        .arg(packages[1].join("softaccel_uapi"))
        .arg(&consumer)
        .env("MYPYPATH", std::env::join_paths(&packages).unwrap())
        .env("MYPY_CACHE_DIR", tmp.path().join("mypy-cache"))
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(
        report.status.success(),
        "mypy --strict --python-version 3.{OLDEST_PYTHON_MINOR}:\n{}",
        String::from_utf8_lossy(&report.stdout)
    );
    // The build backend is untyped, but its calls are checked against
    // 3.9's standard library all the same.
    let backend = Command::new(&mypy)
        .args(["-m", "mypy", "--check-untyped-defs", "--no-incremental"])
        .arg(format!("--python-version=3.{OLDEST_PYTHON_MINOR}"))
        .arg(packages[0].join("_uabi_build.py"))
        .env("MYPY_CACHE_DIR", tmp.path().join("mypy-cache"))
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(
        backend.status.success(),
        "mypy on the build backend as 3.{OLDEST_PYTHON_MINOR} code:\n{}",
        String::from_utf8_lossy(&backend.stdout)
    );
}

#[test]
fn python_packages_take_the_configured_names() {
    if !have("python3", "--version", "the installed Python packages") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("gen");
    let opts = OutputOptions {
        python_package: Some("acme_{spec}".to_string()),
        license: Some("MIT".to_string()),
        ..OutputOptions::default()
    };
    let files = generate(&out_dir, &opts);
    assert!(
        files
            .iter()
            .any(|f| f.path == Path::new("softaccel/python/acme_softaccel/__init__.py"))
    );
    let python = venv_with(
        tmp.path(),
        &[
            out_dir.join("accel/python"),
            out_dir.join("softaccel/python"),
        ],
    );
    let out = run(Command::new(&python).args([
        "-I",
        "-c",
        "import importlib.metadata as m, acme_softaccel as s\n\
         print(s.acme_accel.__name__, m.metadata('acme-softaccel')['License'],\n\
         m.requires('acme-softaccel'))",
    ]))
    .stdout;
    let model = &softaccel_and_includes()[0];
    assert_eq!(
        String::from_utf8(out).unwrap(),
        format!(
            "acme_accel MIT ['acme-accel=={}']\n",
            model.includes[0].revision
        )
    );
}

/// Every regular file under `dir`.
fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// One target folder for every nested workspace of the test suites, kept
/// between runs: dependencies build once, not once per test.
fn nested_target() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("nested-target")
}

/// `cargo check` and `cargo package` of every crate of the nested
/// workspace `ws`; the folder the packages are in.
fn check_and_package(ws: &Path) -> PathBuf {
    run(&mut cargo_offline(ws, &["check", "--workspace", "--quiet"]));
    // Packaging writes a lock file from the registry unless told not to;
    // offline, and with uabi-runtime not published, the registry has no
    // uabi-runtime to lock, so the lock file is left out (a library's
    // lock file is not used by its dependents anyway).
    run(&mut cargo_offline(
        ws,
        &[
            "package",
            "--workspace",
            "--no-verify",
            "--allow-dirty",
            "--exclude-lockfile",
        ],
    ));
    nested_target().join("package")
}

/// `cargo ARGS --offline` in the nested workspace `ws`, into
/// [`nested_target`], without the outer build's flags.
fn cargo_offline(ws: &Path, args: &[&str]) -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut c = Command::new(cargo);
    c.args(args)
        .arg("--offline")
        .current_dir(ws)
        .env("CARGO_TARGET_DIR", nested_target())
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    c
}
