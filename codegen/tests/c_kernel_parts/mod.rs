//! Shared by the userspace tests of the C kernel side's control and ring
//! parts (tests/c_kernel_control.rs, tests/c_kernel_rings.rs): cutting a
//! part out of a generated file, and building it with the test's shim and
//! harness under the sanitizers. Each test crate uses only some of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The text between a part's begin and end markers, without its kernel
/// `#include`s (the shim stands for them).
pub fn part(text: &str, what: &str) -> String {
    let begin = format!("/* {what}: begin */");
    let end = format!("/* {what}: end */");
    let b = text.find(&begin).unwrap_or_else(|| panic!("no `{begin}`"));
    let e = text.find(&end).unwrap_or_else(|| panic!("no `{end}`"));
    text[b..e + end.len()]
        .lines()
        .filter(|l| !l.starts_with("#include <"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Whether gcc runs; if not, reports `what` as skipped.
pub fn have_gcc(what: &str) -> bool {
    let ok = Command::new("gcc").arg("--version").output().is_ok();
    if !ok {
        uabi_test_support::skipped(what, "no gcc");
    }
    ok
}

/// ASan and UBSan, every report fatal: for single-threaded harnesses.
pub const ASAN_UBSAN: &[&str] = &["-fsanitize=address,undefined", "-fno-sanitize-recover=all"];

/// ThreadSanitizer: for harnesses that race two sides of a ring.
pub const TSAN: &[&str] = &["-fsanitize=thread", "-pthread"];

/// Writes `src` as `dir/<name>.c` and builds `dir/<name>` with
/// `sanitizers`; panics with gcc's output when it does not build.
pub fn build_sanitized(dir: &Path, name: &str, src: &str, sanitizers: &[&str]) -> PathBuf {
    let source = dir.join(format!("{name}.c"));
    std::fs::write(&source, src).unwrap();
    let exe = dir.join(name);
    let out = Command::new("gcc")
        .args([
            "-std=gnu11",
            "-O1",
            "-g",
            "-Wall",
            "-Werror",
            "-Wno-unused-function",
        ])
        .args(sanitizers)
        .arg("-I")
        .arg(dir)
        .arg(&source)
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name}.c does not build:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}
