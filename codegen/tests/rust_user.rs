//! The Rust user backend: snapshots, determinism, the checked-in crates
//! being current, and behaviour. The generated crates of the example specs
//! are dev-dependencies, driven here through an in-process transport
//! whose "driver" records what it was sent; a spec of corner cases is
//! built (with clippy and rustdoc) and exercised in a workspace of its own.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use uabi::backend::GeneratedFile;
use uabi::backend::rust::user::render as backend_render;
use uabi::model::{MemberKind, Model, StructId};
use uabi::names;

use uabi_runtime::Errno;
use uabi_runtime::ioc;
use uabi_runtime::transport::{CallError, InProcess};
use uabi_runtime::zerocopy::IntoBytes;

use accel_user::uapi as acu;
use softaccel_user::uapi as sau;

/// Corner cases of the user side: an ioctl without argument, a keyword
/// and a fixed parameter name as pointer members, two pointers sharing
/// one `u8` count, a byte length, single-element pointers both ways, a
/// pointer inside a nested struct (no safe function), an ioctl whose name
/// is taken by a crate item, and `since` above 1.
const EDGE: &str = r#"
name: edge
doc: Corner cases of the Rust user backend.
revision: 3
ioctl:
  magic: 0x65
definitions:
  - name: item
    type: struct
    members:
      - { name: a, type: u32 }
      - { name: b, type: u32 }
  - name: holder
    type: struct
    members:
      - { name: p, type: user-ptr, elem: u32 }
  - name: args
    type: struct
    doc: Every kind of user pointer.
    members:
      - { name: in, type: user-ptr, elem: item, count: nitems, max-count: 200 }
      - { name: t, type: user-ptr, elem: u32, count: nitems, max-count: 200, access: out }
      - { name: bytes, type: user-ptr, elem: u16, len: nbytes, max-count: 64, access: inout }
      - { name: one, type: user-ptr, elem: item }
      - { name: res, type: user-ptr, elem: u64, access: out }
      - { name: nitems, type: u8 }
      - { name: pad0, type: pad, len: 3 }
      - { name: nbytes, type: u32 }
  - name: nested
    type: struct
    members:
      - { name: h, type: struct, struct: holder }
  - name: plain
    type: struct
    members:
      - { name: v, type: u32, access: out }
  - name: job
    type: struct
    doc: Elements as far apart as the caller says (rocket's task_struct_size).
    members:
      - { name: tasks, type: user-ptr, elem: item, count: ntasks, max-count: 8, stride: task-size }
      - { name: ntasks, type: u32 }
      - { name: task-size, type: u32 }
ioctls:
  - { name: ping, nr: 0x40, dir: none, extension: zero-extend, doc: No argument. }
  - { name: fill, nr: 0x41, dir: inout, arg: args, extension: strict, since: 2 }
  - { name: deep, nr: 0x42, dir: in, arg: nested, extension: strict }
  - { name: supported, nr: 0x43, dir: out, arg: plain, extension: zero-extend, since: 3 }
  - { name: job, nr: 0x44, dir: in, arg: job, extension: zero-extend, since: 3 }
"#;

/// The backend's output (it cannot fail on these specs).
fn render(m: &Model) -> Vec<GeneratedFile> {
    backend_render(m).expect("the backend renders")
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn load(rel: &str) -> Arc<Model> {
    uabi::load::load(&repo_root().join(rel), Some(rel))
        .unwrap_or_else(|e| panic!("{rel} does not load: {e:#?}"))
}

fn edge() -> Arc<Model> {
    uabi::load::load_str(EDGE, "edge.yaml").unwrap_or_else(|e| panic!("edge spec: {e:#?}"))
}

/// The layout fixtures whose user crates `generated_crates_build` builds.
const LAYOUT_FIXTURES: [&str; 9] = [
    "anonymous",
    "anonymous-i386",
    "enum-alias",
    "struct-arrays",
    "multi-dim",
    "flexible",
    "flexible-tail",
    "unions",
    "target-consts",
];

fn models() -> Vec<Arc<Model>> {
    vec![
        load("spec/accel-core.yaml"),
        load("spec/softaccel.yaml"),
        edge(),
    ]
}

fn file<'a>(files: &'a [GeneratedFile], path: &str) -> &'a str {
    &files
        .iter()
        .find(|f| f.path == Path::new(path))
        .unwrap_or_else(|| panic!("no {path}"))
        .contents
}

// ---------------------------------------------------------------- text

/// Snapshots of the corner-case spec's crate; the repository specs'
/// crates are `generated/`, which `uabi check` guards.
#[test]
fn snapshots() {
    for m in [edge()] {
        let files = render(&m);
        assert_eq!(files.len(), 2, "{}: Cargo.toml and src/lib.rs", m.name);
        let name = names::snake(&m.name);
        let dir = format!("{}/rust/user", m.name);
        insta::assert_snapshot!(
            format!("{name}_cargo_toml"),
            file(&files, &format!("{dir}/Cargo.toml"))
        );
        insta::assert_snapshot!(
            format!("{name}_lib_rs"),
            file(&files, &format!("{dir}/src/lib.rs"))
        );
    }
}

/// Whether struct `id` holds a user pointer, in itself or in a struct
/// it embeds.
fn holds_user_ptr(m: &Model, id: &StructId) -> bool {
    m.struct_(id).members.iter().any(|mem| match &mem.kind {
        MemberKind::UserPtr { .. } => true,
        MemberKind::Struct { id, .. } => holds_user_ptr(m, id),
        _ => false,
    })
}

#[test]
fn output_shape() {
    for m in models() {
        let files = render(&m);
        let lib = file(&files, &format!("{}/rust/user/src/lib.rs", m.name));
        assert!(lib.starts_with("// Generated by uabi "));
        assert!(!lib.contains("/work/"), "no absolute paths");
        assert!(!lib.contains("__uabi_comment"), "a comment marker survived");
        // Every unsafe block is justified on the line above.
        let lines: Vec<&str> = lib.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            if l.contains("unsafe {") {
                assert!(
                    lines[..i]
                        .iter()
                        .rev()
                        .take_while(|p| p.trim_start().starts_with("//"))
                        .any(|p| p.trim_start().starts_with("// SAFETY: ")),
                    "{}: no SAFETY comment above line {}: {l}",
                    m.name,
                    i + 1
                );
            }
        }
        for io in &m.ioctls {
            let mut f = names::snake(&io.name);
            if f == "supported" {
                f.push_str("_ioctl");
            }
            // A raw function only where the argument holds user pointers
            // (without, it would send the same bytes as the safe one).
            let raw = io.arg.as_ref().is_some_and(|a| holds_user_ptr(&m, a));
            assert_eq!(
                lib.contains(&format!("pub unsafe fn {f}_raw<")),
                raw,
                "{}: {f}_raw",
                m.name
            );
        }
        let toml = file(&files, &format!("{}/rust/user/Cargo.toml", m.name));
        assert!(toml.contains(&format!("{}-uapi = {{ path = \"../uapi\" }}", m.name)));
        assert!(toml.contains(
            r#"uabi-runtime = { path = "../../../../codegen/runtime", features = ["std"] }"#
        ));
    }
    let soft = render(&load("spec/softaccel.yaml"));
    let toml = file(&soft, "softaccel/rust/user/Cargo.toml");
    assert!(toml.contains(r#"accel-user = { path = "../../../accel/rust/user" }"#));
    let lib = file(&soft, "softaccel/rust/user/src/lib.rs");
    assert!(lib.contains("pub use softaccel_uapi as uapi;"));
    assert!(lib.contains("pub use accel_user;"));

    let edge = render(&edge());
    let lib = file(&edge, "edge/rust/user/src/lib.rs");
    // A pointer in a nested struct: raw only.
    assert!(lib.contains("pub unsafe fn deep_raw<"));
    assert!(!lib.contains("pub fn deep<"));
    // An ioctl named like a crate item gets a suffix.
    assert!(lib.contains("pub fn supported_ioctl<"));
    assert!(lib.contains("pub fn ping<"));
    assert!(!lib.contains("ping_raw"));
}

/// The crates the behavioural tests below use are the checked-in ones;
/// they must be what the backend renders now.
#[test]
fn checked_in_crates_are_current() {
    for rel in ["spec/accel-core.yaml", "spec/softaccel.yaml"] {
        for f in render(&load(rel)) {
            let path = repo_root().join("generated").join(&f.path);
            let disk = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                disk == f.contents,
                "{} is stale: run `cargo run -p uabi -- generate`",
                path.display()
            );
        }
    }
}

// ---------------------------------------------------------------- behaviour

/// What the in-process "driver" saw of one call.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    cmd: u32,
    addr: u64,
    /// The argument, `_IOC_SIZE(cmd)` bytes read at `addr`.
    arg: Vec<u8>,
}

type Log = Arc<Mutex<Vec<Seen>>>;

/// An in-process transport that records each call, then lets `respond`
/// act on the caller's memory as a driver would (its answer is the
/// call's).
fn recorder(
    respond: impl Fn(u32, u64) -> Result<(), Errno> + Send + Sync + 'static,
) -> (InProcess, Log) {
    let log: Log = Arc::default();
    let seen = log.clone();
    let t = InProcess::new(move |cmd, addr| {
        let size = ioc::decode(cmd).size as usize;
        let arg = if addr == 0 {
            Vec::new()
        } else {
            // SAFETY: the generated wrappers pass the address of a live
            // struct of exactly `_IOC_SIZE(cmd)` bytes for the whole call.
            unsafe { std::slice::from_raw_parts(addr as *const u8, size) }.to_vec()
        };
        seen.lock().unwrap().push(Seen { cmd, addr, arg });
        respond(cmd, addr)
    });
    (t, log)
}

fn quiet() -> (InProcess, Log) {
    recorder(|_, _| Ok(()))
}

fn calls(log: &Log) -> Vec<Seen> {
    log.lock().unwrap().clone()
}

fn cmd(i: u32) -> sau::Cmd {
    sau::Cmd {
        opcode: sau::opcode::FILL,
        dst_bo: i + 1,
        dst_offset: u64::from(i) * 64,
        length: 64,
        value: 0x0101_0101_0101_0101 * u64::from(i),
        ..sau::Cmd::ZERO
    }
}

#[test]
fn submit_fills_the_pointer_and_count() {
    let cmds: Vec<sau::Cmd> = (0..3).map(cmd).collect();
    let expected = cmds.clone();
    let (t, log) = recorder(move |c, addr| {
        assert_eq!(c, sau::IOCTL_SUBMIT);
        // SAFETY: `addr` is the caller's `Submit`, exclusively ours
        // during the call.
        let arg = unsafe { &mut *(addr as *mut sau::Submit) };
        // SAFETY: the wrapper set `cmds`/`cmd_count` from a live slice.
        let sent = unsafe {
            std::slice::from_raw_parts(arg.cmds as *const sau::Cmd, arg.cmd_count as usize)
        };
        assert_eq!(sent, &expected[..]);
        arg.seqno = 42;
        Ok(())
    });
    let mut arg = sau::Submit {
        queue: 7,
        // Stale values the wrapper must replace.
        cmd_count: 99,
        cmds: 0xdead_beef,
        ..sau::Submit::ZERO
    };
    softaccel_user::submit(&t, 1, &mut arg, &cmds).unwrap();
    assert_eq!(arg.cmds, cmds.as_ptr() as u64);
    assert_eq!(arg.cmd_count, 3);
    assert_eq!(arg.queue, 7);
    assert_eq!(arg.seqno, 42, "the driver wrote to the caller's struct");

    let seen = calls(&log);
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].cmd, sau::IOCTL_SUBMIT);
    assert_eq!(seen[0].addr, &raw const arg as u64);
    let sent = sau::Submit { seqno: 0, ..arg };
    assert_eq!(seen[0].arg, sent.as_bytes());
}

#[test]
fn an_empty_slice_is_a_zero_count() {
    let (t, log) = quiet();
    let mut arg = sau::Submit {
        queue: 1,
        cmd_count: 5,
        ..sau::Submit::ZERO
    };
    softaccel_user::submit(&t, 1, &mut arg, &[]).unwrap();
    assert_eq!(arg.cmd_count, 0);
    assert_eq!(calls(&log).len(), 1);
}

#[test]
fn perf_stats_writes_through_a_mutable_slice() {
    let (t, log) = recorder(|c, addr| {
        assert_eq!(c, sau::IOCTL_PERF_STATS);
        // SAFETY: as in `submit_fills_the_pointer_and_count`.
        let arg = unsafe { &mut *(addr as *mut sau::PerfStats) };
        for i in 0..arg.counter_count.min(2) {
            let c = sau::PerfCounter {
                id: i,
                value: 100 + u64::from(i),
                ..sau::PerfCounter::ZERO
            };
            let at = arg.counters + u64::from(i) * sau::PerfCounter::SIZE as u64;
            // SAFETY: within the `counter_count` elements the wrapper
            // passed.
            unsafe { (at as *mut sau::PerfCounter).write(c) };
        }
        arg.counter_count = 5;
        Ok(())
    });
    let mut counters = [sau::PerfCounter::ZERO; 4];
    let mut arg = sau::PerfStats {
        flags: sau::perf_stats_flags::RESET,
        ..sau::PerfStats::ZERO
    };
    softaccel_user::perf_stats(&t, 1, &mut arg, &mut counters).unwrap();
    assert_eq!(arg.counter_count, 5, "the driver's N");
    assert_eq!(arg.counters, counters.as_ptr() as u64);
    assert_eq!((counters[0].id, counters[0].value), (0, 100));
    assert_eq!((counters[1].id, counters[1].value), (1, 101));
    assert_eq!(counters[2], sau::PerfCounter::ZERO);
    let seen = calls(&log);
    let sent = sau::PerfStats {
        counters: counters.as_ptr() as u64,
        counter_count: 4,
        flags: sau::perf_stats_flags::RESET,
    };
    assert_eq!(seen[0].arg, sent.as_bytes());
}

#[test]
fn accel_get_param_round_trip() {
    let (t, log) = recorder(|c, addr| {
        assert_eq!(c, acu::IOCTL_GET_PARAM);
        // SAFETY: as in `submit_fills_the_pointer_and_count`.
        let arg = unsafe { &mut *(addr as *mut acu::GetParam) };
        assert_eq!(arg.param, acu::param::PAGE_SIZE);
        arg.value = 4096;
        Ok(())
    });
    let mut arg = acu::GetParam {
        param: acu::param::PAGE_SIZE,
        ..acu::GetParam::ZERO
    };
    accel_user::get_param(&t, 1, &mut arg).unwrap();
    assert_eq!(arg.value, 4096);
    let seen = calls(&log);
    assert_eq!(seen[0].arg, acu::GetParam { value: 0, ..arg }.as_bytes());
}

#[test]
fn too_new_for_the_driver_is_not_called() {
    let (t, log) = quiet();
    let mut arg = sau::Submit::ZERO;
    let err = softaccel_user::submit(&t, 0, &mut arg, &[cmd(0)]).unwrap_err();
    assert_eq!(
        err,
        CallError::Unsupported {
            ioctl: "submit",
            since: 1,
            driver_revision: 0
        }
    );
    assert_eq!(arg, sau::Submit::ZERO, "nothing filled in");
    // SAFETY: no user pointer is followed: the call is not made.
    let raw = unsafe { softaccel_user::submit_raw(&t, 0, &mut sau::Submit::default()) };
    assert!(matches!(
        raw,
        Err(CallError::Unsupported {
            ioctl: "submit",
            ..
        })
    ));
    let err = accel_user::bo_create(&t, 0, &mut acu::BoCreate::default()).unwrap_err();
    assert!(matches!(
        err,
        CallError::Unsupported {
            ioctl: "bo-create",
            ..
        }
    ));
    assert!(calls(&log).is_empty());
}

#[test]
fn errno_names_the_ioctl() {
    let (t, _) = recorder(|_, _| Err(Errno::ETIMEDOUT));
    let mut arg = sau::Wait {
        queue: 1,
        seqno: 1,
        ..sau::Wait::ZERO
    };
    assert_eq!(
        softaccel_user::wait(&t, 1, &mut arg),
        Err(CallError::Errno {
            ioctl: "wait",
            errno: Errno::ETIMEDOUT
        })
    );
    let (t, _) = recorder(|_, _| Err(Errno::ENOENT));
    assert_eq!(
        accel_user::bo_info(&t, 1, &mut acu::BoInfo::default()),
        Err(CallError::Errno {
            ioctl: "bo-info",
            errno: Errno::ENOENT
        })
    );
}

#[test]
fn raw_sends_pointers_as_set() {
    let (t, log) = quiet();
    let mut arg = sau::Submit {
        queue: 3,
        cmd_count: 5,
        cmds: 0x10,
        ..sau::Submit::ZERO
    };
    let before = arg;
    // SAFETY: the recording driver never follows `cmds`.
    unsafe { softaccel_user::submit_raw(&t, 1, &mut arg) }.unwrap();
    assert_eq!(arg, before);
    let seen = calls(&log);
    assert_eq!(seen[0].cmd, sau::IOCTL_SUBMIT);
    assert_eq!(seen[0].arg, before.as_bytes());
}

/// Each function of both crates sends its own command with its own
/// argument, and the crates cover every ioctl of both specs.
#[test]
fn every_ioctl_sends_its_command() {
    let (t, log) = quiet();
    let a = &t;
    accel_user::get_param(a, 1, &mut acu::GetParam::default()).unwrap();
    accel_user::set_param(a, 1, &mut acu::SetParam::default()).unwrap();
    accel_user::bo_create(a, 1, &mut acu::BoCreate::default()).unwrap();
    accel_user::bo_info(a, 1, &mut acu::BoInfo::default()).unwrap();
    accel_user::bo_destroy(a, 1, &mut acu::BoDestroy::default()).unwrap();
    accel_user::queue_create(a, 1, &mut acu::QueueCreate::default()).unwrap();
    accel_user::queue_destroy(a, 1, &mut acu::QueueDestroy::default()).unwrap();
    softaccel_user::submit(a, 1, &mut sau::Submit::default(), &[]).unwrap();
    softaccel_user::wait(a, 1, &mut sau::Wait::default()).unwrap();
    softaccel_user::perf_stats(a, 1, &mut sau::PerfStats::default(), &mut []).unwrap();
    softaccel_user::queue_info(a, 2, &mut sau::QueueInfo::default()).unwrap();
    softaccel_user::control(a, 3, &mut sau::Control::default(), &[], &mut []).unwrap();
    softaccel_user::ring_queue_create(a, 3, &mut sau::RingQueueCreate::default()).unwrap();
    softaccel_user::doorbell(a, 3, &mut sau::Doorbell::default()).unwrap();
    let seen = calls(&log);
    // (name, command, argument size) of every ioctl, in spec order.
    let table: Vec<(&str, u32, u32)> = accel_user::IOCTLS
        .iter()
        .map(|d| (d.name, d.cmd, d.size))
        .chain(
            softaccel_user::IOCTLS
                .iter()
                .map(|d| (d.name, d.cmd, d.size)),
        )
        .collect();
    assert_eq!(seen.len(), table.len(), "one call per ioctl of both specs");
    for (s, (name, cmd, size)) in seen.iter().zip(&table) {
        assert_eq!(s.cmd, *cmd, "{name}");
        assert_eq!(s.arg.len(), *size as usize, "{name}");
    }
    // The raw functions (those of the ioctls whose argument holds user
    // pointers) send the same commands.
    log.lock().unwrap().clear();
    // SAFETY: none of these arguments holds a pointer the recorder follows.
    unsafe {
        softaccel_user::submit_raw(a, 1, &mut sau::Submit::default()).unwrap();
        softaccel_user::perf_stats_raw(a, 1, &mut sau::PerfStats::default()).unwrap();
        softaccel_user::control_raw(a, 3, &mut sau::Control::default()).unwrap();
    }
    let raw: Vec<u32> = calls(&log).iter().map(|s| s.cmd).collect();
    assert_eq!(
        raw,
        [sau::IOCTL_SUBMIT, sau::IOCTL_PERF_STATS, sau::IOCTL_CONTROL]
    );
}

#[test]
fn supported_and_revision() {
    assert_eq!(softaccel_user::REVISION, sau::REVISION);
    assert!(std::ptr::eq(softaccel_user::IOCTLS, sau::IOCTLS));
    assert!(softaccel_user::supported("submit", 1));
    assert!(!softaccel_user::supported("submit", 0));
    assert!(!softaccel_user::supported("no-such-ioctl", u32::MAX));
    // An included spec's ioctl is its crate's business.
    assert!(!softaccel_user::supported("get-param", 1));
    assert!(accel_user::supported("get-param", 1));
    assert!(softaccel_user::accel_user::supported("bo-create", 1));
}

/// A slice longer than `u32::MAX` elements cannot be expressed in
/// `cmd_count`: TooLong, nothing filled in, no call. The slice is a view
/// of a sparse file mapping, so no memory is spent.
#[cfg(target_pointer_width = "64")]
#[test]
fn a_slice_too_long_for_its_count_is_refused() {
    use std::os::fd::AsFd;
    let n = u32::MAX as usize + 1;
    let bytes = n * size_of::<sau::Cmd>();
    let path = std::env::temp_dir().join(format!("uabi-too-long-{}", std::process::id()));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .unwrap();
    let _ = std::fs::remove_file(&path);
    if let Err(e) = file.set_len(bytes as u64) {
        uabi_test_support::skipped(
            "the largest array through a real mapping",
            &format!("cannot make a sparse file of {bytes} bytes: {e}"),
        );
        return;
    }
    let map = match uabi_runtime::transport::Mapping::map_fd(file.as_fd(), 0, bytes) {
        Ok(m) => m,
        Err(e) => {
            uabi_test_support::skipped(
                "the largest array through a real mapping",
                &format!("cannot map {bytes} bytes: {e}"),
            );
            return;
        }
    };
    // SAFETY: the mapping is `bytes` long, page aligned, readable, lives
    // until the end of the test, and any bytes are a valid `Cmd`
    // (zerocopy's FromBytes).
    let cmds = unsafe { std::slice::from_raw_parts(map.as_ptr() as *const sau::Cmd, n) };
    let (t, log) = quiet();
    let mut arg = sau::Submit::ZERO;
    assert_eq!(
        softaccel_user::submit(&t, 1, &mut arg, cmds),
        Err(CallError::TooLong {
            ioctl: "submit",
            len: n
        })
    );
    assert_eq!(arg, sau::Submit::ZERO, "nothing filled in");
    assert!(calls(&log).is_empty());
}

// ---------------------------------------------------------------- edge crate

/// Tests of the edge spec's crate, run in the scratch workspace.
const EDGE_TESTS: &str = r#"
#![cfg(test)]
use std::sync::{Arc, Mutex};
use edge_user::uapi;
use edge_user::{CallError, InProcess};

type Log = Arc<Mutex<Vec<(u32, u64)>>>;

fn recorder() -> (InProcess, Log) {
    let log: Log = Arc::default();
    let seen = log.clone();
    let t = InProcess::new(move |cmd, addr| {
        seen.lock().unwrap().push((cmd, addr));
        Ok(())
    });
    (t, log)
}

#[test]
fn ping_passes_null() {
    let (t, log) = recorder();
    edge_user::ping(&t, 1).unwrap();
    assert_eq!(log.lock().unwrap()[..], [(uapi::IOCTL_PING, 0)]);
}

#[test]
fn every_pointer_kind() {
    let (t, log) = recorder();
    let items = [uapi::Item { a: 1, b: 2 }; 3];
    let mut outs = [0u32; 5];
    let mut bytes = [1u16, 2, 3];
    let one = uapi::Item { a: 9, b: 9 };
    let mut res = 0u64;
    let mut arg = uapi::Args::default();
    edge_user::fill(&t, 2, &mut arg, &items, &mut outs, &mut bytes, &one, &mut res).unwrap();
    assert_eq!(arg.nitems, 3, "a shared count is the shorter slice");
    assert_eq!(arg.nbytes, 6, "a byte length");
    assert_eq!(arg.r#in, items.as_ptr() as u64);
    assert_eq!(arg.t, outs.as_ptr() as u64);
    assert_eq!(arg.bytes, bytes.as_ptr() as u64);
    assert_eq!(arg.one, &raw const one as u64);
    assert_eq!(arg.res, &raw const res as u64);
    assert_eq!(log.lock().unwrap()[0], (uapi::IOCTL_FILL, &raw const arg as u64));

    let many = vec![uapi::Item::default(); 256];
    let mut outs = vec![0u32; 300];
    let mut arg = uapi::Args::default();
    assert_eq!(
        edge_user::fill(&t, 3, &mut arg, &many, &mut outs, &mut [], &one, &mut res),
        Err(CallError::TooLong { ioctl: "fill", len: 256 })
    );
    assert_eq!(
        edge_user::fill(&t, 1, &mut arg, &items, &mut outs, &mut [], &one, &mut res),
        Err(CallError::Unsupported { ioctl: "fill", since: 2, driver_revision: 1 })
    );
    assert_eq!(arg, uapi::Args::default());
    assert_eq!(log.lock().unwrap().len(), 1);
}

#[test]
fn nested_pointers_are_raw_only() {
    let (t, log) = recorder();
    // SAFETY: the recorder follows no pointer.
    unsafe { edge_user::deep_raw(&t, 1, &mut uapi::Nested::default()) }.unwrap();
    assert_eq!(log.lock().unwrap()[0].0, uapi::IOCTL_DEEP);
}

#[test]
fn a_reserved_name_gets_a_suffix() {
    let (t, _) = recorder();
    edge_user::supported_ioctl(&t, 3, &mut uapi::Plain::default()).unwrap();
    assert!(edge_user::supported("supported", 3));
    assert!(!edge_user::supported("supported", 2));
    assert!(edge_user::supported("fill", 2));
}
"#;

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run cargo: {e}"));
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{what} failed:\n{text}");
    text
}

fn has_clippy(cargo: &str) -> bool {
    Command::new(cargo)
        .args(["clippy", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Lays the three specs' uapi and user crates out as `generate` does, with
/// a copy of the runtime where their manifests expect it, and has cargo
/// prove them: clippy clean, rustdoc links resolve, and the edge crate
/// behaves.
#[test]
fn generated_crates_build() {
    let root = std::env::temp_dir().join(format!("uabi-rust-user-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let gen_dir = root.join("generated");
    // The C layouts of existing headers too (arrays of structs,
    // multi-dimensional arrays, flexible array members, unions, target-
    // dependent consts): their crates must build clippy-clean.
    let layouts: Vec<Arc<Model>> = LAYOUT_FIXTURES
        .iter()
        .map(|f| load(&format!("codegen/tests/fixtures/layout/{f}.yaml")))
        .collect();
    for m in models().into_iter().chain(layouts.iter().cloned()) {
        for f in uabi::backend::rust::uapi::render(&m)
            .unwrap()
            .into_iter()
            .chain(render(&m))
        {
            let p = gen_dir.join(&f.path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, &f.contents).unwrap();
        }
    }
    let runtime = root.join("codegen/runtime");
    std::fs::create_dir_all(runtime.join("src")).unwrap();
    let src = repo_root().join("codegen/runtime");
    std::fs::copy(src.join("Cargo.toml"), runtime.join("Cargo.toml")).unwrap();
    for e in std::fs::read_dir(src.join("src")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), runtime.join("src").join(e.file_name())).unwrap();
    }
    // The runtime inherits these from the repository's workspace.
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\n\
         members = [\"codegen/runtime\", \"generated/*/rust/uapi\", \"generated/*/rust/user\", \"consumer\"]\n\n\
         [workspace.package]\nedition = \"2024\"\nlicense = \"MIT OR Apache-2.0\"\n\
         rust-version = \"1.89\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    // The repository's lock pins the same dependency versions offline.
    let _ = std::fs::copy(repo_root().join("Cargo.lock"), root.join("Cargo.lock"));
    let consumer = root.join("consumer");
    std::fs::create_dir_all(consumer.join("src")).unwrap();
    let mut manifest = String::from(
        "[package]\nname = \"consumer\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
         publish = false\n\n[dependencies]\n",
    );
    writeln!(
        manifest,
        "edge-user = {{ path = \"../generated/edge/rust/user\" }}"
    )
    .unwrap();
    std::fs::write(consumer.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(consumer.join("src/lib.rs"), EDGE_TESTS).unwrap();

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    // Kept between runs (under cargo's scratch folder for tests) so that
    // only the generated crates rebuild.
    // One target folder for every nested workspace of the test suites,
    // kept between runs: dependencies build once, not once per test.
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("nested-target");
    let cargo_in = |args: &[&str]| {
        let mut c = Command::new(&cargo);
        c.arg(args[0])
            .arg("--offline")
            .args(&args[1..])
            .current_dir(&root)
            .env("CARGO_TARGET_DIR", &target_dir)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS");
        c
    };
    let layout_crates: Vec<String> = layouts
        .iter()
        .flat_map(|m| ["-p".to_string(), format!("{}-user", m.name)])
        .collect();
    let mut crates = vec![
        "-p",
        "accel-user",
        "-p",
        "softaccel-user",
        "-p",
        "edge-user",
    ];
    crates.extend(layout_crates.iter().map(String::as_str));
    if has_clippy(&cargo) {
        let mut args = vec!["clippy"];
        args.extend(crates.iter().copied());
        args.extend(["-p", "consumer", "--all-targets", "--", "-D", "warnings"]);
        run(
            &mut cargo_in(&args),
            "cargo clippy on the generated user crates",
        );
    } else {
        uabi_test_support::skipped(
            "cargo clippy on the generated crates",
            "cargo clippy is not installed; building without it",
        );
    }
    let tested = run(
        &mut cargo_in(&["test", "-p", "consumer"]),
        "cargo test of the edge user crate",
    );
    for t in [
        "ping_passes_null",
        "every_pointer_kind",
        "nested_pointers_are_raw_only",
        "a_reserved_name_gets_a_suffix",
    ] {
        assert!(
            tested.contains(&format!("test {t} ... ok")),
            "{t} did not run:\n{tested}"
        );
    }
    let mut args = vec!["doc", "--no-deps"];
    args.extend(crates.iter().copied());
    run(
        cargo_in(&args).env("RUSTDOCFLAGS", "-D warnings"),
        "cargo doc (intra-doc links) of the generated user crates",
    );
    std::fs::remove_dir_all(&root).unwrap();
}
