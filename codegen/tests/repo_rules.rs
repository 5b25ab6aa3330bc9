//! Rules about the repository itself: the driver and the userspace
//! library are built only on generated code, so neither may hold a
//! hand-written copy of an ABI struct or command number.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

#[test]
fn driver_and_userlib_hold_no_hand_written_abi() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in ["driver", "userlib"] {
        files.extend(uabi_test_support::files_under(&root.join(dir), &["rs"]));
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
