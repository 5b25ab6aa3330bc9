//! The kernel flavour (`rust/linux`) of every fixture spec compiles, in
//! edition 2021 as the kernel builds it, without a warning, against the
//! stand-in `kernel` crate (test-support/kernel-shim, whose signatures are
//! 6.12's): unions, legacy layouts, strided and byte-length arrays, specs
//! that include others. The repository's own specs are compiled (and
//! checked call by call) by compat-tests/linux-flavour, and against the
//! real kernel crate by driver/kmod-rs.

// Tests report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn every_fixture_compiles_as_kernel_module_source() {
    let root = repo_root();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rust-linux-fixtures");
    let _ = std::fs::remove_dir_all(&dir);
    let mut specs = uabi::pipeline::specs_in(&root.join("codegen/tests/fixtures/layout")).unwrap();
    specs.extend(uabi::pipeline::specs_in(&root.join("codegen/tests/fixtures/ynl")).unwrap());
    let mut crates = Vec::new();
    for spec in specs {
        let Ok(model) = uabi::load::load(&spec, None) else {
            continue;
        };
        // One crate per spec: its module, those of everything it
        // includes, and the runtime, at the crate root as a driver
        // declares them.
        let name = format!("fx_{}", model.name.replace('-', "_"));
        let krate = dir.join(&name);
        std::fs::create_dir_all(krate.join("src")).unwrap();
        // The kernel builds with -Wmissing_docs: everything public is
        // documented.
        let mut lib = String::from(
            "//! One fixture spec's kernel flavour.\n\
             #![deny(warnings, missing_docs)]\n#![allow(dead_code)]\n",
        );
        let mut models = vec![model.clone()];
        models.extend(
            model
                .all_includes()
                .into_iter()
                .map(|m| std::sync::Arc::new(m.clone())),
        );
        let mut runtime = false;
        for m in &models {
            for f in uabi::backend::rust::linux::render(m).unwrap() {
                let p = krate.join("src").join(f.path.file_name().unwrap());
                std::fs::write(&p, &f.contents).unwrap();
            }
            let snake = m.name.replace('-', "_");
            lib.push_str(&format!("#[path = \"{}.rs\"]\npub mod {snake};\n", m.name));
            runtime = true;
        }
        assert!(runtime);
        lib.push_str("pub mod uabi_rt;\n");
        std::fs::write(krate.join("src/lib.rs"), lib).unwrap();
        std::fs::write(
            krate.join("Cargo.toml"),
            format!(
                "[package]\nname = \"{}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
                 [dependencies]\nkernel = {{ package = \"uabi-kernel-shim\", path = \"{}\" }}\n",
                name.replace('_', "-"),
                root.join("test-support/kernel-shim").display()
            ),
        )
        .unwrap();
        crates.push(name);
    }
    assert!(crates.len() >= 10, "{crates:?}");
    let members: Vec<String> = crates.iter().map(|c| format!("\"{c}\"")).collect();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"2\"\nmembers = [{}]\n\n\
             [workspace.package]\nedition = \"2021\"\nlicense = \"MIT\"\n\
             rust-version = \"1.89\"\nversion = \"0.1.0\"\n",
            members.join(", ")
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO"))
        .args(["build", "--offline", "--quiet", "--workspace"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "the kernel flavour of a fixture does not compile:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
