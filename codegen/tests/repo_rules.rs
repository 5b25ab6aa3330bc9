//! Rules about the repository itself: the driver and the userspace
//! library are built only on generated code, so neither may hold a
//! hand-written copy of an ABI struct or command number.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.file_name().is_some_and(|n| n == "target") {
            continue;
        }
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn driver_and_userlib_hold_no_hand_written_abi() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in ["driver", "userlib"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 10, "the crates are missing: {files:?}");
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            // The Rust module's structs shared with its own C shim
            // (driver/kmod-rs/shim.h) are an internal interface, marked so.
            let ffi = line.contains("// FFI:");
            assert!(
                ffi || (!code.contains("repr(C") && !code.contains("repr(packed")),
                "{}:{}: an ABI layout written by hand; use the generated uapi type",
                f.display(),
                n + 1
            );
            // Command words are 0xXXXX64NN with the 'd' magic.
            let lower = code.to_ascii_lowercase();
            assert!(
                !lower.contains("_ioc(") && !lower.contains("_iowr("),
                "{}:{}: a command number built by hand; use the generated IOCTL_* constants",
                f.display(),
                n + 1
            );
        }
    }
}
