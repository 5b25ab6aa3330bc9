//! The guest conformance programs (`compat-tests/guest/conformance.c`) run
//! against the FUSE node, the reference driver, before they judge the
//! kernel module in the QEMU guest (`scripts/guest-tests.sh`).
//!
//! The three builds of `compat-tests/guest/Makefile` (x86_64; i386 with
//! large-file support; i386 without it) each run against one node served by
//! this process and must pass every check, printing the same check lines as
//! the x86_64 build: a 32-bit caller gets exactly the 64-bit caller's
//! answers. The build without large-file support is the node's 32-bit gap:
//! its `open` has no O_LARGEFILE, which the node's reported size must allow.
//!
//! Without FUSE (no /dev/fuse, or not root) the test fails unless
//! `UABI_ALLOW_NO_FUSE=1`; without gcc, i686-linux-gnu-gcc or make it fails
//! unless `UABI_ALLOW_MISSING_TOOLS=1`. Either way it says what it skipped.

use softaccel_driver::node::{self, Node};
use softaccel_driver::{Device, DeviceConfig};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("compat-tests sits in the repository")
        .to_path_buf()
}

fn allowed(var: &str) -> bool {
    std::env::var(var).as_deref() == Ok("1")
}

/// Whether `tool` runs at all (`args` is a harmless query).
fn have(tool: &str, args: &[&str]) -> bool {
    Command::new(tool)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The node, unmounted and its directory removed however the test ends.
struct Mounted {
    node: Option<Node>,
    dir: PathBuf,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        drop(self.node.take());
        let _ = std::fs::remove_dir(&self.dir);
    }
}

struct Run {
    build: &'static str,
    ok: bool,
    stdout: String,
    stderr: String,
}

/// The check lines of a transcript: every line but the first, which names
/// the build (caller and off_t widths).
fn checks(stdout: &str) -> Vec<&str> {
    stdout.lines().skip(1).collect()
}

#[test]
fn conformance_passes_on_the_fuse_node_from_64_and_32_bit_callers_alike() {
    if let Err(why) = node::check_available() {
        if allowed("UABI_ALLOW_NO_FUSE") {
            uabi_test_support::skipped(
                "the guest conformance programs against the FUSE node",
                &format!("{why} (UABI_ALLOW_NO_FUSE=1)"),
            );
            return;
        }
        panic!(
            "the conformance programs need the device node: {why}; run as root with \
             /dev/fuse, or set UABI_ALLOW_NO_FUSE=1 to skip them"
        );
    }
    for (tool, probe) in [
        ("make", &["--version"][..]),
        ("gcc", &["--version"][..]),
        ("i686-linux-gnu-gcc", &["--version"][..]),
    ] {
        if !have(tool, probe) {
            if allowed("UABI_ALLOW_MISSING_TOOLS") {
                uabi_test_support::skipped(
                    "the guest conformance programs against the FUSE node",
                    &format!("`{tool}` cannot be run here (UABI_ALLOW_MISSING_TOOLS=1)"),
                );
                return;
            }
            panic!(
                "the conformance programs need `{tool}`; install it (scripts/setup.sh) or \
                 set UABI_ALLOW_MISSING_TOOLS=1 to skip them"
            );
        }
    }

    // Built where the guest suite builds them too: the Makefile is the one
    // place their flags are written.
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("guest-conformance");
    let make = Command::new("make")
        .arg("-s")
        .arg("-C")
        .arg(repo().join("compat-tests/guest"))
        .arg(format!("OUT={}", out.display()))
        .stdin(Stdio::null())
        .output()
        .expect("run make");
    assert!(
        make.status.success(),
        "building the conformance programs failed:\n{}{}",
        String::from_utf8_lossy(&make.stdout),
        String::from_utf8_lossy(&make.stderr)
    );

    let device = Device::new(DeviceConfig::default()).expect("create the device");
    let dir = std::env::temp_dir().join(format!("uabi-guest-conformance-{}", std::process::id()));
    let mounted = Mounted {
        node: Some(node::spawn(&dir, device.clone()).expect("mount the device node")),
        dir,
    };
    let path = mounted.node.as_ref().expect("mounted").device_path();

    let runs: Vec<Run> = ["x86_64", "i386", "i386-nolfs"]
        .into_iter()
        .map(|build| {
            let exe = out.join(format!("conformance-{build}"));
            let started = Instant::now();
            let o = Command::new(&exe)
                .arg(&path)
                .stdin(Stdio::null())
                .output()
                .unwrap_or_else(|e| panic!("run {}: {e}", exe.display()));
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{build} took {:?}",
                started.elapsed()
            );
            Run {
                build,
                ok: o.status.success(),
                stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            }
        })
        .collect();

    for run in &runs {
        assert!(
            run.ok,
            "conformance ({}) failed on the FUSE node:\n{}\n--- stderr\n{}",
            run.build, run.stdout, run.stderr
        );
        assert!(
            !run.stdout.contains("\nFAIL ") && run.stdout.contains("\nPASS "),
            "conformance ({}) passed without passing checks:\n{}",
            run.build,
            run.stdout
        );
    }
    let reference = checks(&runs[0].stdout);
    for run in &runs[1..] {
        assert_eq!(
            checks(&run.stdout),
            reference,
            "the {} build's checks differ from the x86_64 build's",
            run.build
        );
    }
    assert!(
        runs[2].stdout.starts_with("conformance of ")
            && runs[2]
                .stdout
                .lines()
                .next()
                .unwrap_or("")
                .contains("32-bit off_t"),
        "the no-LFS build is not a 32-bit off_t program:\n{}",
        runs[2].stdout
    );
    println!(
        "{} checks, identical from x86_64, i386 and i386 without large files:\n{}",
        reference.len(),
        runs[0].stdout
    );

    // Every program closed its file: the driver holds nothing.
    let node = mounted.node.as_ref().expect("mounted");
    let deadline = Instant::now() + Duration::from_secs(5);
    while node.open_files() != 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(node.open_files(), 0, "files left open on the node");
    assert!(
        device.wait_idle(Duration::from_secs(5)),
        "work left pending"
    );
    let c = device.counters();
    assert_eq!(
        (c.files, c.bos, c.queues, c.pending_submissions),
        (0, 0, 0, 0),
        "the driver still holds objects: {c:?}"
    );
}
