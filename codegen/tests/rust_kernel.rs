//! The Rust kernel backend: snapshots of every generated file,
//! determinism, the checked-in crates being current, and a spec family of
//! corner cases built (with clippy and rustdoc) in a workspace of its own,
//! whose dispatch a consumer crate exercises, including a driver of the
//! revision-2 spec `kver` playing revision 1 (new userspace on an old
//! driver, old userspace on a new one). The example specs' dispatch
//! is exercised in tests/generated_dispatch.rs.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use uabi::backend::GeneratedFile;
use uabi::backend::rust::kernel::render as backend_render;
use uabi::backend::rust::uapi as rust_uapi;
use uabi::model::Model;
use uabi::names;

/// The root of a family with two roots: a no-argument ioctl, an ioctl
/// newer than revision 1, and a struct (with an out member, an enum on a
/// u16 with a value newer than revision 1, and pad) that the including
/// spec nests and points at.
const KBASE: &str = r#"
name: kbase
doc: Included spec with its own File root.
revision: 2
ioctl:
  magic: 0x65
  nr-range: { min: 0x00, max: 0x1f }
definitions:
  - name: color
    type: enum
    entries: [red, green, { name: blue, value: 7 }, { name: cyan, value: 9, since: 2 }]
  - name: inner
    type: struct
    members:
      - { name: color, type: u16, enum: color }
      - { name: pad0, type: pad, len: 2 }
      - { name: result, type: u32, access: out }
  - { name: query, type: const, value: 2, doc: Named as the struct below. }
  - name: dev-type
    type: enum
    doc: A negative value, as amdxdna's AMDXDNA_DEV_TYPE_UNKNOWN.
    entries: [{ name: unknown, value: -1 }, kmq, umq]
  - name: query
    type: struct
    doc: A pad spelled as an integer, as existing headers write `__u32 pad`.
    members:
      - { name: kind, type: s32, enum: dev-type }
      - { name: reserved, type: u32, pad: true }
  - name: task
    type: struct
    members:
      - { name: regcmd, type: u32 }
      - { name: regcmd-count, type: u32, range: { min: 0, max: 100 } }
  - name: job
    type: struct
    doc: Elements as far apart as the caller says, as rocket's tasks.
    members:
      - { name: tasks, type: user-ptr, elem: task, count: task-count, max-count: 8, stride: task-size }
      - { name: task-count, type: u32 }
      - { name: task-size, type: u32 }
  - name: param
    type: struct
    doc: One struct, two directions, as ivpu's drm_ivpu_param.
    members:
      - { name: param, type: u32 }
      - { name: index, type: u32 }
      - { name: value, type: u64, access: out, range: { min: 0, max: 100 } }
ioctls:
  - { name: ping, nr: 0x00, dir: none, extension: zero-extend }
  - { name: poke, nr: 0x01, dir: inout, arg: inner, extension: zero-extend, since: 2 }
  - { name: get-param, nr: 0x02, dir: inout, arg: param, extension: zero-extend }
  - { name: submit-job, nr: 0x04, dir: in, arg: job, extension: zero-extend }
  - name: set-param
    nr: 0x03
    dir: in
    arg: param
    arg-access: { value: in }
    extension: zero-extend
"#;

/// A second root (another `Ops::File`), reached through the includer's
/// fallback arm.
const KOTHER: &str = r#"
name: kother
revision: 1
ioctl:
  magic: 0x65
  nr-range: { min: 0x20, max: 0x3f }
ioctls:
  - { name: hello, nr: 0x20, dir: none, extension: zero-extend }
"#;

/// Every check the validator derives: a keyword and a signed range, flags
/// in big-endian, an enum used as flags on a signed member, a wide enum, an
/// included enum on a narrower member, nested structs read and written,
/// arrays (one- and two-dimensional) of nested structs read and written, user pointers by byte
/// length (with a signed length and a member called `file`) and to one
/// element, out arrays and strings, a flexible array member, a union
/// as the argument and anonymous members.
const KTOP: &str = r#"
name: ktop
doc: Corner cases of the Rust kernel backend.
revision: 1
include: [kbase.yaml, kother.yaml]
ioctl:
  magic: 0x65
definitions:
  - name: mode
    type: flags
    entries:
      - a
      - b
      - c
      - { name: level, bits: [4, 6], values: [low, mid, { name: high, value: 5 }] }
  - name: bits
    type: enum
    entries: [{ name: x, value: 0 }, { name: y, value: 3 }]
  - name: kinds
    type: enum
    entries: [small, { name: huge, value: 8589934592 }]
  - name: outer
    type: struct
    members:
      - { name: type, type: s32, range: { min: -5, max: 100 } }
      - { name: be-flags, type: u32, enum: mode, byte-order: big-endian }
      - { name: sflags, type: s16, enum: bits, enum-as-flags: true }
      - { name: small-kind, type: u8, enum: color }
      - { name: pad0, type: pad, len: 5 }
      - { name: kind, type: u64, enum: kinds }
      - { name: in, type: struct, struct: inner }
      - { name: res, type: struct, struct: inner, access: out }
      - { name: ins, type: struct, struct: inner, count: 2 }
      - { name: outs, type: struct, struct: inner, count: 2, access: out }
      - { name: grid, type: struct, struct: inner, count: [2, 2] }
      - { name: file, type: user-ptr, elem: u8, len: nbytes, max-count: 64 }
      - { name: one, type: user-ptr, elem: inner }
      - { name: nbytes, type: s32 }
      - { name: label, type: string, len: 4, access: out }
      - { name: words, type: u32, count: 2, access: out }
      - { name: matrix, type: u16, count: [2, 4], access: out }
  - name: empty
    type: struct
    members:
      - { name: anything, type: u64 }
  - name: either
    type: union
    members:
      - { name: in, type: struct, struct: inner }
      - { name: raw, type: u64, access: out }
  - name: hybrid
    type: struct
    members:
      - name: head
        type: struct
        anonymous: true
        members:
          - { name: level, type: u32, range: { min: 0, max: 9 } }
          - { name: pad0, type: pad, len: 4 }
      - name: body
        type: union
        anonymous: true
        members:
          - { name: addr, type: u64 }
          - { name: halves, type: u32, count: 2 }
  - name: tailed
    type: struct
    members:
      - { name: n, type: u32 }
      - { name: vals, type: u32, flexible: true, counted-by: n }
ioctls:
  - { name: big, nr: 0x40, dir: inout, arg: outer, extension: strict }
  - { name: quiet, nr: 0x41, dir: out, arg: empty, extension: zero-extend }
  - { name: peek, nr: 0x43, dir: inout, arg: inner, extension: zero-extend }
  - { name: tail, nr: 0x44, dir: inout, arg: tailed, extension: zero-extend }
  - { name: pick, nr: 0x45, dir: inout, arg: either, extension: zero-extend }
  - { name: mix, nr: 0x46, dir: inout, arg: hybrid, extension: zero-extend }
"#;

/// A spec at revision 2 whose driver can play revision 1: an ioctl, a
/// flag, an enum value and members added in revision 2 (appended to a
/// struct both extension rules carry, and one placed before an older
/// member, which the compat checker rejects but dispatch still handles),
/// seen on u64, u8 and s16 members, as enum-as-flags bits, in a nested
/// struct and in the elements behind a user pointer.
const KVER: &str = r#"
name: kver
doc: Revision 2 of a spec, whose driver can answer as revision 1 did.
revision: 2
ioctl:
  magic: 0x66
definitions:
  - name: opts
    type: flags
    entries: [a, b, { name: c, since: 2 }]
  - name: shape
    type: enum
    entries: [round, square, { name: star, since: 2 }]
  - name: item
    type: struct
    members:
      - { name: shape, type: s16, enum: shape }
      - { name: opts, type: u8, enum: opts }
      - { name: pad0, type: pad, len: 1 }
      - { name: mask, type: u32, enum: shape, enum-as-flags: true }
  - name: grow
    type: struct
    members:
      - { name: opts, type: u64, enum: opts }
      - { name: shape, type: u32, enum: shape }
      - { name: nitems, type: u32 }
      - { name: in, type: struct, struct: item }
      - { name: items, type: user-ptr, elem: item, count: nitems, max-count: 4 }
      - { name: out, type: u32, access: out }
      - { name: pad0, type: pad, len: 4 }
      - { name: extra, type: u32, since: 2 }
      - { name: pad1, type: pad, len: 4, since: 2 }
      - { name: extra-out, type: u64, access: out, since: 2 }
  - name: mixed
    type: struct
    members:
      - { name: a, type: u32 }
      - { name: early, type: u32, since: 2 }
      - { name: b, type: u32 }
      - { name: late, type: u32, since: 2 }
ioctls:
  - { name: grow-ze, nr: 0x00, dir: inout, arg: grow, extension: zero-extend }
  - { name: grow-strict, nr: 0x01, dir: inout, arg: grow, extension: strict }
  - { name: mixed, nr: 0x02, dir: inout, arg: mixed, extension: zero-extend }
  - { name: newer, nr: 0x03, dir: none, extension: zero-extend, since: 2 }
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

/// The edge specs, written to `dir`, loaded; dependencies first.
fn edge(dir: &Path) -> Vec<Arc<Model>> {
    std::fs::create_dir_all(dir).unwrap();
    for (name, text) in [
        ("kbase", KBASE),
        ("kother", KOTHER),
        ("ktop", KTOP),
        ("kver", KVER),
    ] {
        std::fs::write(dir.join(format!("{name}.yaml")), text).unwrap();
    }
    let top = uabi::load::load(&dir.join("ktop.yaml"), Some("ktop.yaml"))
        .unwrap_or_else(|e| panic!("edge spec: {e:#?}"));
    let mut all: Vec<Arc<Model>> = top
        .all_includes()
        .into_iter()
        .map(|m| Arc::new(m.clone()))
        .collect();
    all.push(top);
    all.push(
        uabi::load::load(&dir.join("kver.yaml"), Some("kver.yaml"))
            .unwrap_or_else(|e| panic!("kver spec: {e:#?}")),
    );
    all
}

fn temp(what: &str) -> PathBuf {
    std::env::temp_dir().join(format!("uabi-rust-kernel-{what}-{}", std::process::id()))
}

fn file<'a>(files: &'a [GeneratedFile], path: &str) -> &'a str {
    &files
        .iter()
        .find(|f| f.path == Path::new(path))
        .unwrap_or_else(|| panic!("no {path}"))
        .contents
}

#[test]
fn snapshots() {
    let dir = temp("snap");
    // Only the fixture family: the repository specs' crates are
    // `generated/`, which `uabi check` guards.
    let models = edge(&dir);
    // The models are in memory; nothing is left behind if a snapshot fails.
    std::fs::remove_dir_all(&dir).unwrap();
    for m in models {
        let files = render(&m);
        assert_eq!(files.len(), 2, "{}: Cargo.toml and src/lib.rs", m.name);
        let name = names::snake(&m.name);
        let d = format!("{}/rust/kernel", m.name);
        insta::assert_snapshot!(
            format!("{name}_cargo_toml"),
            file(&files, &format!("{d}/Cargo.toml"))
        );
        insta::assert_snapshot!(
            format!("{name}_lib_rs"),
            file(&files, &format!("{d}/src/lib.rs"))
        );
    }
}

/// The crates the dispatch tests use are the checked-in ones; they must
/// be what the backend renders now.
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

#[test]
fn output_shape() {
    let soft = render(&load("spec/softaccel.yaml"));
    let toml = file(&soft, "softaccel/rust/kernel/Cargo.toml");
    assert!(toml.contains(r#"softaccel-uapi = { path = "../uapi" }"#));
    assert!(toml.contains(r#"uabi-runtime = { path = "../../../../codegen/runtime" }"#));
    assert!(toml.contains(r#"accel-kernel = { path = "../../../accel/rust/kernel" }"#));
    assert!(!toml.contains("std"), "the runtime without features");
    let lib = file(&soft, "softaccel/rust/kernel/src/lib.rs");
    assert!(lib.starts_with("// Generated by uabi "));
    for want in [
        "#![no_std]",
        "#![forbid(unsafe_code)]",
        "pub use softaccel_uapi as uapi;",
        "pub use accel_kernel;",
        "pub use uabi_runtime::{Errno, Extension, UserArray, UserMem};",
        "pub trait Ops: accel_kernel::Ops {",
        "fn softaccel_revision(&self) -> u32 {",
        "_ => accel_kernel::dispatch(ops, file, mem, cmd, arg),",
        "pub fn validate_cmd_at(v: &uapi::Cmd, rev: u32) -> Result<(), Errno> {",
        "pub fn clear_out_submit(v: &mut uapi::Submit) {",
        "let size = core::mem::size_of::<uapi::Submit>();",
        "uabi_runtime::copy_out_sized(mem, addr, ioc.size as usize, size, &arg)?;",
    ] {
        assert!(lib.contains(want), "missing {want:?}");
    }
    // Nothing on the dispatch path can panic; the only allocations are
    // the control message's two buffers, fallibly (netlink.rs).
    for bad in [
        "unwrap",
        "expect(",
        "panic!",
        "unsafe {",
        "unsafe fn",
        "Vec<",
        "[i]",
        "unreachable",
        "vec!",
        ".push(",
    ] {
        assert!(!lib.contains(bad), "generated code holds {bad:?}");
    }
    assert_eq!(lib.matches("Vec::new()").count(), 2);
    assert_eq!(lib.matches(".try_reserve_exact(").count(), 2);
    assert!(!lib.contains("/work/"), "no absolute paths");

    let accel = render(&load("spec/accel-core.yaml"));
    let lib = file(&accel, "accel/rust/kernel/src/lib.rs");
    assert!(lib.contains("pub trait Ops {"));
    assert!(lib.contains("type File: ?Sized;"));
    assert!(lib.contains("fn accel_revision(&self) -> u32 {"));
    assert!(lib.contains("fn privileged(&self, file: &Self::File) -> bool {"));
    assert!(
        !lib.contains("extern crate alloc"),
        "no control messages, no allocation"
    );
    // Out members are cleared, never validated: bo-info's flags are written.
    assert!(lib.contains(
        "pub fn validate_bo_info_at(v: &uapi::BoInfo, rev: u32) -> Result<(), Errno> {\n    let _ = rev;\n    if v.handle < 1 {\n        return Err(Errno::EINVAL);\n    }\n    Ok(())\n}"
    ));
    // Submit never grew: no revision functions that would do nothing,
    // and validation is only ever at a revision.
    let soft_lib = file(&soft, "softaccel/rust/kernel/src/lib.rs");
    for gone in [
        "pub fn validate_cmd(",
        "pub fn clear_newer_submit(",
        "pub const fn size_submit_at(",
    ] {
        assert!(!soft_lib.contains(gone), "{gone}");
    }
    // bo-create grew in revision 2: the dispatcher copies its size then.
    assert!(lib.contains("pub fn clear_newer_bo_create(v: &mut uapi::BoCreate, rev: u32) {"));
    assert!(lib.contains("pub const fn size_bo_create_at(rev: u32) -> usize {"));
    assert!(lib.contains("let size = size_bo_create_at(rev);"));
    assert!(lib.contains("    v.flags = 0;\n    v.size = 0;\n    v.mmap_offset = 0;\n"));
}

// ---------------------------------------------------------------- rustc

/// Runs a command to success, returning its stdout and stderr.
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

/// Behaviour of the edge family's dispatch, as a consumer crate's tests.
const CONSUMER: &str = r#"
#![cfg(test)]

use kbase_kernel::uapi as bu;
use ktop_kernel::uapi as tu;
use ktop_kernel::{Errno, UserArray};
use std::cell::{Cell, RefCell};
use uabi_runtime::BufferMem;
use uabi_runtime::ioc::encode;
use uabi_runtime::zerocopy::IntoBytes;

const BASE: u64 = 0x1000;
/// Where the argument sits in the caller's memory; arrays follow it.
const ARG: u64 = BASE;
const BYTES: u64 = BASE + 0x100;
const ONE: u64 = BASE + 0x200;

#[derive(Default)]
struct Dev {
    base_rev: Cell<u32>,
    calls: RefCell<Vec<String>>,
    seen: RefCell<Option<tu::Outer>>,
    bytes: RefCell<Vec<u8>>,
    one: RefCell<Option<bu::Inner>>,
}

impl kbase_kernel::Ops for Dev {
    type File = u32;
    fn kbase_revision(&self) -> u32 {
        self.base_rev.get()
    }
    fn ping(&self, file: &u32) -> Result<(), Errno> {
        self.calls.borrow_mut().push(format!("ping {file}"));
        Ok(())
    }
    fn poke(&self, _: &u32, arg: &mut bu::Inner) -> Result<(), Errno> {
        self.calls.borrow_mut().push(format!("poke {}", arg.color));
        arg.result = 42;
        Ok(())
    }
    fn get_param(&self, _: &u32, arg: &mut bu::Param) -> Result<(), Errno> {
        self.calls.borrow_mut().push(format!("get {} {}", arg.param, arg.value));
        arg.value = 77;
        Ok(())
    }
    fn set_param(&self, _: &u32, arg: &mut bu::Param) -> Result<(), Errno> {
        self.calls.borrow_mut().push(format!("set {} {}", arg.param, arg.value));
        Ok(())
    }
    fn submit_job(&self, _: &u32, _: &mut bu::Job, tasks: UserArray<'_, bu::Task>) -> Result<(), Errno> {
        let mut seen = Vec::new();
        for i in 0..tasks.len() {
            let t = tasks.read(i)?;
            seen.push(format!("{}:{}", t.regcmd, t.regcmd_count));
        }
        self.calls.borrow_mut().push(format!("job {}", seen.join(",")));
        Ok(())
    }
}

impl kother_kernel::Ops for Dev {
    type File = u32;
    fn hello(&self, _: &u32) -> Result<(), Errno> {
        self.calls.borrow_mut().push("hello".into());
        Ok(())
    }
}

impl ktop_kernel::Ops for Dev {
    fn big(
        &self,
        _: &u32,
        arg: &mut tu::Outer,
        file_: UserArray<'_, u8>,
        one: UserArray<'_, bu::Inner>,
    ) -> Result<(), Errno> {
        self.calls.borrow_mut().push("big".into());
        *self.seen.borrow_mut() = Some(*arg);
        let mut bytes = Vec::new();
        for i in 0..file_.len() {
            bytes.push(file_.read(i)?);
        }
        *self.bytes.borrow_mut() = bytes;
        *self.one.borrow_mut() = Some(one.read(0)?);
        arg.words = [7, 8];
        Ok(())
    }
    fn quiet(&self, _: &u32, arg: &mut tu::Empty) -> Result<(), Errno> {
        arg.anything = 9;
        Ok(())
    }
    fn tail(&self, _: &u32, arg: &mut tu::Tailed) -> Result<(), Errno> {
        self.calls.borrow_mut().push(format!("tail {}", arg.n));
        arg.n += 1;
        Ok(())
    }
    fn pick(&self, _: &u32, arg: &mut tu::Either) -> Result<(), Errno> {
        let color = arg.r#in().color;
        self.calls.borrow_mut().push(format!("pick {color}"));
        arg.set_raw(&0x1122_3344_5566_7788);
        Ok(())
    }
    fn mix(&self, _: &u32, arg: &mut tu::Hybrid) -> Result<(), Errno> {
        let addr = arg.body.addr();
        self.calls
            .borrow_mut()
            .push(format!("mix {} {addr:#x}", arg.head.level));
        arg.body.set_halves(&[1, 2]);
        Ok(())
    }
    fn peek(&self, _: &u32, arg: &mut bu::Inner) -> Result<(), Errno> {
        self.calls.borrow_mut().push(format!("peek {}", arg.color));
        arg.result = 1;
        Ok(())
    }
}

fn dev() -> Dev {
    let d = Dev::default();
    d.base_rev.set(2);
    d
}

fn good() -> tu::Outer {
    let mut o = tu::Outer::ZERO;
    o.r#type = -5;
    o.be_flags = 0x7u32.to_be();
    o.sflags = 0x9;
    o.small_kind = 7;
    o.kind = 8589934592;
    o.r#in.color = 1;
    o.file = BYTES;
    o.nbytes = 3;
    o.one = ONE;
    o
}

/// Lays `arg` out in a caller's memory with a byte array and one inner,
/// runs `f` on it, and returns the result with the memory after.
fn call(d: &Dev, nr: u8, size: u32, (w, r): (bool, bool), arg: &[u8]) -> (Result<(), Errno>, Vec<u8>) {
    let mut buf = vec![0u8; 0x300];
    buf[..arg.len()].copy_from_slice(arg);
    buf[0x100..0x103].copy_from_slice(&[1, 2, 3]);
    let mut one = bu::Inner::ZERO;
    one.color = 7;
    buf[0x200..0x208].copy_from_slice(one.as_bytes());
    let res = {
        let mem = BufferMem::new(BASE, &mut buf);
        ktop_kernel::dispatch(d, &5, &mem, encode(w, r, 0x65, nr, size), ARG)
    };
    (res, buf)
}

fn big(d: &Dev, o: &tu::Outer) -> Result<(), Errno> {
    call(d, 0x40, tu::Outer::SIZE as u32, (true, true), o.as_bytes()).0
}

#[test]
fn valid_and_cleared() {
    let d = dev();
    let mut o = good();
    // Out members hold garbage the handler must never see.
    o.res.color = 3;
    o.res.result = 9;
    o.r#in.result = 9;
    o.ins[1].result = 9;
    o.outs[0].color = 3;
    o.outs[1].pad0[0] = 1;
    o.grid[1][0].result = 9;
    o.matrix[1][3] = 5;
    o.label = *b"junk";
    o.words = [1, 2];
    let (res, buf) = call(&d, 0x40, tu::Outer::SIZE as u32, (true, true), o.as_bytes());
    assert_eq!(res, Ok(()));
    let seen = d.seen.borrow().unwrap();
    assert_eq!(seen.res, bu::Inner::ZERO);
    assert_eq!(seen.r#in.result, 0);
    assert_eq!(seen.ins[1].result, 0);
    assert_eq!(seen.outs, [bu::Inner::ZERO; 2]);
    assert_eq!(seen.grid[1][0].result, 0);
    assert_eq!(seen.matrix, [[0; 4]; 2]);
    assert_eq!(seen.label, [0; 4]);
    assert_eq!(seen.words, [0, 0]);
    assert_eq!(seen.r#type, -5);
    assert_eq!(*d.bytes.borrow(), [1, 2, 3]);
    assert_eq!(d.one.borrow().unwrap().color, 7);
    let out = tu::Outer::read_from_bytes(&buf[..tu::Outer::SIZE]).unwrap();
    assert_eq!(out.words, [7, 8]);
    assert_eq!(out.label, [0; 4]);
}

use uabi_runtime::zerocopy::FromBytes;

#[test]
fn every_check() {
    let d = dev();
    let bad: Vec<(&str, fn(&mut tu::Outer), Errno)> = vec![
        ("type below", |o| o.r#type = -6, Errno::EINVAL),
        ("type above", |o| o.r#type = 101, Errno::EINVAL),
        ("flag bit", |o| o.be_flags = 0x8u32.to_be(), Errno::EINVAL),
        ("undeclared field value", |o| o.be_flags = 0x37u32.to_be(), Errno::EINVAL),
        ("bit above the field", |o| o.be_flags = 0x87u32.to_be(), Errno::EINVAL),
        ("host-order flags", |o| o.be_flags = 0x7u32.to_le(), Errno::EINVAL),
        ("bit not a value", |o| o.sflags = 0x2, Errno::EINVAL),
        ("sign bit", |o| o.sflags = -1, Errno::EINVAL),
        ("wide enum", |o| o.kind = 5, Errno::EINVAL),
        ("narrow enum", |o| o.small_kind = 3, Errno::EINVAL),
        ("pad", |o| o.pad0[4] = 1, Errno::EINVAL),
        ("nested enum", |o| o.r#in.color = 3, Errno::EINVAL),
        ("nested pad", |o| o.r#in.pad0[1] = 1, Errno::EINVAL),
        ("array element enum", |o| o.ins[1].color = 3, Errno::EINVAL),
        ("array element pad", |o| o.ins[0].pad0[1] = 1, Errno::EINVAL),
        ("2-D element enum", |o| o.grid[1][1].color = 3, Errno::EINVAL),
        ("2-D element pad", |o| o.grid[0][1].pad0[0] = 1, Errno::EINVAL),
        ("negative length", |o| o.nbytes = -1, Errno::EINVAL),
        ("length over max", |o| o.nbytes = 65, Errno::EINVAL),
        ("null with length", |o| o.file = 0, Errno::EFAULT),
        ("null single", |o| o.one = 0, Errno::EFAULT),
        ("unreadable", |o| o.file = 0x10_0000, Errno::EFAULT),
    ];
    for (what, f, errno) in bad {
        let mut o = good();
        f(&mut o);
        assert_eq!(big(&d, &o), Err(errno), "{what}");
    }
    for (what, f) in [
        ("type low end", (|o| o.r#type = -5) as fn(&mut tu::Outer)),
        ("type high end", |o| o.r#type = 100),
        ("no flags", |o| o.be_flags = 0),
        ("field value high", |o| o.be_flags = 0x57u32.to_be()),
        ("field value mid", |o| o.be_flags = 0x10u32.to_be()),
        ("zero length, null", |o| {
            o.nbytes = 0;
            o.file = 0
        }),
    ] {
        let mut o = good();
        f(&mut o);
        assert_eq!(big(&d, &o), Ok(()), "{what}");
    }
    // Every check failed before the handler ran.
    assert_eq!(d.calls.borrow().len(), 7);
    // A struct the kernel only writes is zeroed before validation, so its
    // pad cannot fail the call; called on its own, the validator checks it.
    let mut o = good();
    o.res.pad0[0] = 1;
    assert_eq!(
        ktop_kernel::validate_outer_at(&o, ktop_kernel::uapi::REVISION),
        Err(Errno::EINVAL)
    );
    assert_eq!(big(&d, &o), Ok(()));
    assert_eq!(d.seen.borrow().unwrap().res, bu::Inner::ZERO);
}

#[test]
fn routing_and_revisions() {
    let d = dev();
    assert_eq!(call(&d, 0x00, 0, (false, false), &[]).0, Ok(()));
    assert_eq!(call(&d, 0x20, 0, (false, false), &[]).0, Ok(()));
    let mut inner = bu::Inner::ZERO;
    inner.color = 7;
    inner.result = 5;
    let (res, buf) = call(&d, 0x01, 8, (true, true), inner.as_bytes());
    assert_eq!(res, Ok(()));
    assert_eq!(&buf[4..8], &42u32.to_ne_bytes());
    assert_eq!(*d.calls.borrow(), ["ping 5", "hello", "poke 7"]);
    // poke is since 2: a driver at revision 1 does not know it.
    d.base_rev.set(1);
    assert_eq!(call(&d, 0x01, 8, (true, true), inner.as_bytes()).0, Err(Errno::ENOTTY));
    assert_eq!(call(&d, 0x00, 0, (false, false), &[]).0, Ok(()));
    for nr in [0x05, 0x1f, 0x21, 0x42, 0xff] {
        assert_eq!(call(&d, nr, 0, (false, false), &[]).0, Err(Errno::ENOTTY), "nr {nr:#x}");
    }
    let mem = BufferMem::new(0, &mut []);
    assert_eq!(
        ktop_kernel::dispatch(&d, &0, &mem, encode(false, false, 0x64, 0x00, 0), 0),
        Err(Errno::ENOTTY)
    );
}

#[test]
fn included_elements_at_their_spec_revision() {
    // `one` points at kbase's inner: validated at kbase's revision, where
    // cyan (9) is new in revision 2. The nested `in` and the u8 enum of
    // kbase's colors are checked at kbase's own REVISION (2).
    let d = dev();
    let mut o = good();
    o.r#in.color = 9;
    o.small_kind = 9;
    let run = |o: &tu::Outer, cyan_one: bool| {
        let mut buf = vec![0u8; 0x300];
        buf[..tu::Outer::SIZE].copy_from_slice(o.as_bytes());
        let mut one = bu::Inner::ZERO;
        one.color = if cyan_one { 9 } else { 7 };
        buf[0x200..0x208].copy_from_slice(one.as_bytes());
        let mem = BufferMem::new(BASE, &mut buf);
        let cmd = encode(true, true, 0x65, 0x40, tu::Outer::SIZE as u32);
        ktop_kernel::dispatch(&d, &5, &mem, cmd, ARG)
    };
    assert_eq!(run(&o, true), Ok(()));
    d.base_rev.set(1);
    assert_eq!(run(&o, false), Ok(()));
    assert_eq!(run(&o, true), Err(Errno::EINVAL));
    assert_eq!(kbase_kernel::validate_inner_at(&d.one.borrow().unwrap(), 1), Ok(()));
    // An argument of kbase's struct to a ktop ioctl: ktop's revision
    // admits the ioctl, kbase's validates the struct.
    let mut inner = bu::Inner::ZERO;
    inner.color = 9;
    assert_eq!(call(&d, 0x43, 8, (true, true), inner.as_bytes()).0, Err(Errno::EINVAL));
    d.base_rev.set(2);
    let (res, buf) = call(&d, 0x43, 8, (true, true), inner.as_bytes());
    assert_eq!(res, Ok(()));
    assert_eq!(&buf[4..8], &1u32.to_ne_bytes());
    assert_eq!(d.calls.borrow().last().unwrap(), "peek 9");
}

#[test]
fn negative_enum_values_are_valid_values() {
    assert_eq!(bu::QUERY, 2, "a const named as a struct");
    assert_eq!(bu::dev_type::UNKNOWN, -1i32);
    assert_eq!(bu::dev_type::KMQ, 0);
    assert_eq!(bu::dev_type::UMQ, 1);
    for (kind, want) in [(-1, Ok(())), (0, Ok(())), (1, Ok(())), (2, Err(Errno::EINVAL)), (-2, Err(Errno::EINVAL))] {
        let q = bu::Query { kind, reserved: 0 };
        assert_eq!(kbase_kernel::validate_query_at(&q, 1), want, "{kind}");
    }
    // The typed pad is checked as every pad is.
    let q = bu::Query { kind: 0, reserved: 1 };
    assert_eq!(kbase_kernel::validate_query_at(&q, 1), Err(Errno::EINVAL));
}

/// The argument of an ioctl whose struct ends in a flexible array member
/// is the fixed part: the command's size, what the handler gets and what
/// is written back; the elements after it are the caller's alone.
#[test]
fn flexible_array_member_is_not_copied() {
    let d = dev();
    assert_eq!(tu::Tailed::SIZE, 4);
    let mut arg = 2u32.to_ne_bytes().to_vec();
    arg.extend([0xaa; 8]);
    let (res, buf) = call(&d, 0x44, 4, (true, true), &arg);
    assert_eq!(res, Ok(()));
    assert_eq!(*d.calls.borrow(), ["tail 2"]);
    assert_eq!(&buf[..4], &3u32.to_ne_bytes());
    assert_eq!(&buf[4..12], &[0xaa; 8]);
}

/// A union argument reaches the handler as the caller wrote it, none of
/// its bytes checked or cleared (a color no enum has, a nonzero pad of
/// `in`): which member is active is the handler's to know. What the
/// handler writes through a member's accessor is copied back.
#[test]
fn union_argument_is_passed_through() {
    let d = dev();
    assert_eq!(tu::Either::SIZE, 8);
    let mut u = tu::Either::ZERO;
    let mut inner = bu::Inner::ZERO;
    inner.color = 3;
    inner.pad0 = [1, 1];
    inner.result = 9;
    u.set_in(&inner);
    assert_eq!(u.r#in(), inner);
    assert_eq!(ktop_kernel::validate_either_at(&u, 1), Ok(()));
    let (res, buf) = call(&d, 0x45, 8, (true, true), u.as_bytes());
    assert_eq!(res, Ok(()));
    assert_eq!(*d.calls.borrow(), ["pick 3"]);
    assert_eq!(&buf[..8], &0x1122_3344_5566_7788u64.to_ne_bytes());
}

/// Anonymous members are held under their spec names in Rust: an
/// anonymous struct's members are checked as a nested struct's (its range,
/// its pad zero), an anonymous union's bytes reach the handler unchecked,
/// and what the handler writes through its accessor is copied back.
#[test]
fn anonymous_members_are_checked_as_their_kind() {
    let d = dev();
    assert_eq!(tu::Hybrid::SIZE, 16);
    let mut h = tu::Hybrid::ZERO;
    h.head.level = 9;
    h.body.set_addr(&0xdead_beef_0000_0001);
    let (res, buf) = call(&d, 0x46, 16, (true, true), h.as_bytes());
    assert_eq!(res, Ok(()));
    assert_eq!(*d.calls.borrow(), ["mix 9 0xdeadbeef00000001"]);
    assert_eq!(&buf[8..12], &1u32.to_ne_bytes());
    assert_eq!(&buf[12..16], &2u32.to_ne_bytes());
    h.head.level = 10;
    assert_eq!(call(&d, 0x46, 16, (true, true), h.as_bytes()).0, Err(Errno::EINVAL));
    h.head.level = 1;
    h.head.pad0 = [0, 0, 1, 0];
    assert_eq!(call(&d, 0x46, 16, (true, true), h.as_bytes()).0, Err(Errno::EINVAL));
}

#[test]
fn one_struct_two_directions() {
    let d = dev();
    let p = bu::Param { param: 3, index: 0, value: 1000 };
    // GET_PARAM: `value` is out, so zeroed before the handler and never
    // range-checked; the handler's value is copied back.
    let (res, buf) = call(&d, 0x02, 16, (true, true), p.as_bytes());
    assert_eq!(res, Ok(()));
    assert_eq!(d.calls.borrow().last().unwrap(), "get 3 0");
    assert_eq!(&buf[8..16], &77u64.to_ne_bytes());
    // SET_PARAM (`arg-access: { value: in }`): `value` is read, so it is
    // range-checked and the handler sees it.
    let (res, _) = call(&d, 0x03, 16, (true, false), p.as_bytes());
    assert_eq!(res, Err(Errno::EINVAL));
    let p = bu::Param { value: 50, ..p };
    let (res, buf) = call(&d, 0x03, 16, (true, false), p.as_bytes());
    assert_eq!(res, Ok(()));
    assert_eq!(d.calls.borrow().last().unwrap(), "set 3 50");
    assert_eq!(&buf[8..16], &50u64.to_ne_bytes(), "_IOW copies nothing back");
    // The struct's own functions keep the struct's access.
    let mut q = bu::Param { value: 50, ..p };
    kbase_kernel::clear_out_param(&mut q);
    assert_eq!(q.value, 0);
    let mut q = bu::Param { value: 50, ..p };
    kbase_kernel::clear_out_set_param_arg(&mut q);
    assert_eq!(q.value, 50);
    assert_eq!(kbase_kernel::validate_set_param_arg_at(&p, 1), Ok(()));
}

#[test]
fn strided_elements() {
    let d = dev();
    // Two tasks as a newer caller lays them out: 12 bytes apart, the
    // third word of each its own (zero) extension.
    let job = |size: u32, tail: u32| {
        let mut buf = vec![0u8; 0x300];
        let j = bu::Job { tasks: BASE + 0x100, task_count: 2, task_size: size };
        buf[..16].copy_from_slice(j.as_bytes());
        let s = size as usize;
        for (i, (a, b)) in [(7u32, 1u32), (8, 2)].into_iter().enumerate() {
            let at = 0x100 + i * s;
            buf[at..at + 4].copy_from_slice(&a.to_ne_bytes());
            if s >= 8 {
                buf[at + 4..at + 8].copy_from_slice(&b.to_ne_bytes());
            }
            if s >= 12 {
                buf[at + 8..at + 12].copy_from_slice(&tail.to_ne_bytes());
            }
        }
        let mem = BufferMem::new(BASE, &mut buf);
        ktop_kernel::dispatch(&d, &5, &mem, encode(true, false, 0x65, 0x04, 16), ARG)
    };
    assert_eq!(job(8, 0), Ok(()));
    assert_eq!(d.calls.borrow().last().unwrap(), "job 7:1,8:2");
    assert_eq!(job(12, 0), Ok(()));
    assert_eq!(d.calls.borrow().last().unwrap(), "job 7:1,8:2");
    // A newer element's extra bytes must be zero; an older, shorter one
    // is zero-extended; a zero size is refused.
    assert_eq!(job(12, 5), Err(Errno::E2BIG));
    assert_eq!(job(4, 0), Ok(()));
    assert_eq!(d.calls.borrow().last().unwrap(), "job 7:0,8:0");
    assert_eq!(job(0, 0), Err(Errno::EINVAL));
}

#[test]
fn out_only_ioctl() {
    let d = dev();
    // The caller's _IOWR on an _IOR ioctl: nothing is read, the value
    // written back.
    let (res, buf) = call(&d, 0x41, 8, (true, true), &[0xff; 8]);
    assert_eq!(res, Ok(()));
    assert_eq!(&buf[..8], &9u64.to_ne_bytes());
    // _IOW: nothing is written back.
    let (res, buf) = call(&d, 0x41, 8, (true, false), &[0xff; 8]);
    assert_eq!(res, Ok(()));
    assert_eq!(&buf[..8], &[0xff; 8]);
}
"#;

/// Behaviour of a driver of the revision-2 spec `kver` that reports an
/// older revision: what it copies, validates and answers is what a driver
/// built from revision 1 would.
const KVER_CONSUMER: &str = r#"
use kver_kernel::uapi as vu;
use kver_kernel::{Errno, UserArray};
use std::cell::{Cell, RefCell};
use uabi_runtime::BufferMem;
use uabi_runtime::ioc::encode;
use uabi_runtime::zerocopy::{FromBytes, IntoBytes};

const BASE: u64 = 0x4000;
const ITEMS: u64 = BASE + 0x100;
/// The struct's size at revision 1, before `extra`, `pad1`, `extra_out`.
const R1: usize = 40;
const R2: usize = vu::Grow::SIZE;

#[derive(Default)]
struct Ver {
    rev: Cell<u32>,
    seen: RefCell<Option<vu::Grow>>,
    items: RefCell<Vec<vu::Item>>,
    mixed: RefCell<Option<vu::Mixed>>,
    newer: Cell<u32>,
}

impl Ver {
    fn at(rev: u32) -> Ver {
        let v = Ver::default();
        v.rev.set(rev);
        v
    }

    /// Records what it sees and sets every member, the newer ones too:
    /// the driver is the current one, only playing an older revision.
    fn grow(&self, arg: &mut vu::Grow, items: UserArray<'_, vu::Item>) -> Result<(), Errno> {
        *self.seen.borrow_mut() = Some(*arg);
        let mut read = Vec::new();
        for i in 0..items.len() {
            read.push(items.read(i)?);
        }
        *self.items.borrow_mut() = read;
        arg.out = 3;
        arg.extra = 78;
        arg.extra_out = 77;
        Ok(())
    }
}

impl kver_kernel::Ops for Ver {
    type File = ();
    fn kver_revision(&self) -> u32 {
        self.rev.get()
    }
    fn grow_ze(&self, _: &(), arg: &mut vu::Grow, items: UserArray<'_, vu::Item>) -> Result<(), Errno> {
        self.grow(arg, items)
    }
    fn grow_strict(&self, _: &(), arg: &mut vu::Grow, items: UserArray<'_, vu::Item>) -> Result<(), Errno> {
        self.grow(arg, items)
    }
    fn mixed(&self, _: &(), arg: &mut vu::Mixed) -> Result<(), Errno> {
        *self.mixed.borrow_mut() = Some(*arg);
        *arg = vu::Mixed { a: 10, early: 11, b: 12, late: 13 };
        Ok(())
    }
    fn newer(&self, _: &()) -> Result<(), Errno> {
        self.newer.set(self.newer.get() + 1);
        Ok(())
    }
}

fn item() -> vu::Item {
    let mut i = vu::Item::ZERO;
    i.shape = vu::shape::SQUARE as i16;
    i.opts = vu::opts::A as u8;
    i.mask = 0x3;
    i
}

fn good() -> vu::Grow {
    let mut g = vu::Grow::ZERO;
    g.opts = u64::from(vu::opts::A | vu::opts::B);
    g.shape = vu::shape::SQUARE;
    g.r#in = item();
    g.items = ITEMS;
    g.nitems = 1;
    g
}

/// Calls `nr` with `arg` at BASE (the caller's command says `size`
/// bytes) and `elem` at ITEMS; returns the result and the caller's
/// memory after.
fn call(d: &Ver, nr: u8, size: usize, arg: &[u8], elem: &vu::Item) -> (Result<(), Errno>, Vec<u8>) {
    let mut buf = vec![0u8; 0x200];
    buf[..arg.len()].copy_from_slice(arg);
    buf[0x100..0x108].copy_from_slice(elem.as_bytes());
    let res = {
        let mem = BufferMem::new(BASE, &mut buf);
        kver_kernel::dispatch(d, &(), &mem, encode(true, true, 0x66, nr, size as u32), BASE)
    };
    (res, buf)
}

fn grow(d: &Ver, nr: u8, g: &vu::Grow) -> (Result<(), Errno>, vu::Grow) {
    let (res, buf) = call(d, nr, R2, g.as_bytes(), &item());
    (res, vu::Grow::read_from_bytes(&buf[..R2]).unwrap())
}

#[test]
fn sizes_at_each_revision() {
    assert_eq!(kver_kernel::size_grow_at(1), R1);
    assert_eq!(kver_kernel::size_grow_at(0), R1, "below the struct's revision");
    assert_eq!(kver_kernel::size_grow_at(2), R2);
    assert_eq!(kver_kernel::size_grow_at(7), R2);
    assert_eq!(kver_kernel::size_mixed_at(1), 12);
    assert_eq!(kver_kernel::size_mixed_at(2), 16);
    // Item never grew: its size is `Item::SIZE` at every revision, and it
    // has no `size_item_at` (checked on the text in output_shape).
    const AT_COMPILE_TIME: usize = kver_kernel::size_grow_at(1);
    assert_eq!(AT_COMPILE_TIME, R1);
}

#[test]
fn a_newer_ioctl_is_enotty_on_an_older_driver() {
    let d = Ver::at(1);
    assert_eq!(call(&d, 0x03, 0, &[], &item()).0, Err(Errno::ENOTTY));
    assert_eq!(d.newer.get(), 0);
    d.rev.set(2);
    assert_eq!(call(&d, 0x03, 0, &[], &item()).0, Ok(()));
    assert_eq!(d.newer.get(), 1);
}

#[test]
fn a_newer_caller_is_truncated_by_an_older_zero_extend_driver() {
    let d = Ver::at(1);
    let mut g = good();
    g.extra = 5;
    g.pad1 = [1; 4];
    g.extra_out = 0xaaaa;
    let (res, out) = grow(&d, 0x00, &g);
    assert_eq!(res, Ok(()));
    let seen = d.seen.borrow().unwrap();
    assert_eq!((seen.extra, seen.pad1, seen.extra_out), (0, [0; 4], 0), "beyond revision 1");
    assert_eq!(out.out, 3);
    // Not copied out: the caller's bytes beyond revision 1 are its own.
    assert_eq!((out.extra, out.pad1, out.extra_out), (5, [1; 4], 0xaaaa));
    // A driver of revision 2 takes and returns all of it (pad1 must then be zero).
    d.rev.set(2);
    assert_eq!(grow(&d, 0x00, &g).0, Err(Errno::EINVAL));
    g.pad1 = [0; 4];
    let (res, out) = grow(&d, 0x00, &g);
    assert_eq!(res, Ok(()));
    assert_eq!(d.seen.borrow().unwrap().extra, 5);
    assert_eq!((out.extra, out.extra_out), (78, 77));
}

#[test]
fn a_newer_caller_needs_a_zero_tail_on_an_older_strict_driver() {
    let d = Ver::at(1);
    let mut g = good();
    g.extra = 5;
    assert_eq!(grow(&d, 0x01, &g).0, Err(Errno::E2BIG));
    g.extra = 0;
    g.extra_out = 1;
    assert_eq!(grow(&d, 0x01, &g).0, Err(Errno::E2BIG), "an out member is tail too");
    g.extra_out = 0;
    let (res, out) = grow(&d, 0x01, &g);
    assert_eq!(res, Ok(()));
    assert_eq!((out.out, out.extra, out.extra_out), (3, 0, 0));
    d.rev.set(2);
    g.extra = 5;
    let (res, out) = grow(&d, 0x01, &g);
    assert_eq!(res, Ok(()));
    assert_eq!(d.seen.borrow().unwrap().extra, 5);
    assert_eq!(out.extra_out, 77);
}

#[test]
fn newer_values_are_einval_on_an_older_driver() {
    let cases: Vec<(&str, fn(&mut vu::Grow, &mut vu::Item))> = vec![
        ("u64 flags member", |g, _| g.opts |= u64::from(vu::opts::C)),
        ("enum member", |g, _| g.shape = vu::shape::STAR),
        ("nested s16 enum", |g, _| g.r#in.shape = vu::shape::STAR as i16),
        ("nested u8 flags", |g, _| g.r#in.opts = vu::opts::C as u8),
        ("nested enum as flags", |g, _| g.r#in.mask = 1 << vu::shape::STAR),
        ("element enum", |_, i| i.shape = vu::shape::STAR as i16),
        ("element flags", |_, i| i.opts |= vu::opts::C as u8),
        ("element enum as flags", |_, i| i.mask |= 1 << vu::shape::STAR),
    ];
    for (what, f) in cases {
        let (mut g, mut i) = (good(), item());
        f(&mut g, &mut i);
        for nr in [0x00, 0x01] {
            let d = Ver::at(1);
            assert_eq!(call(&d, nr, R2, g.as_bytes(), &i).0, Err(Errno::EINVAL), "{what} at 1");
            d.rev.set(2);
            assert_eq!(call(&d, nr, R2, g.as_bytes(), &i).0, Ok(()), "{what} at 2");
        }
    }
    // Values no revision declared stay invalid at every revision.
    let mut g = good();
    g.opts = 0x8;
    assert_eq!(kver_kernel::validate_grow_at(&g, 2), Err(Errno::EINVAL));
    g.opts = u64::from(vu::opts::C);
    assert_eq!(kver_kernel::validate_grow_at(&g, 1), Err(Errno::EINVAL));
    assert_eq!(
        kver_kernel::validate_grow_at(&g, kver_kernel::uapi::REVISION),
        Ok(()),
        "at this crate's revision"
    );
    assert_eq!(kver_kernel::validate_item_at(&item(), 1), Ok(()));
}

#[test]
fn an_older_caller_works_on_a_newer_driver() {
    let d = Ver::at(2);
    let g = good();
    // The caller's struct ends at R1; what follows in its memory is not
    // the kernel's to read or write.
    let mut bytes = g.as_bytes()[..R1].to_vec();
    bytes.extend([0xee; 16]);
    let (res, buf) = call(&d, 0x01, R1, &bytes, &item());
    assert_eq!(res, Ok(()));
    let seen = d.seen.borrow().unwrap();
    assert_eq!((seen.extra, seen.extra_out), (0, 0));
    assert_eq!(seen.opts, g.opts);
    assert_eq!(*d.items.borrow(), [item()]);
    assert_eq!(&buf[R1..R2], &[0xee; 16]);
    let out = vu::Grow::read_from_bytes(&buf[..R2]).unwrap();
    assert_eq!(out.out, 3);
}

#[test]
fn a_newer_member_before_an_older_one_is_zero() {
    let d = Ver::at(1);
    let m = vu::Mixed { a: 1, early: 9, b: 2, late: 9 };
    let (res, buf) = call(&d, 0x02, 16, m.as_bytes(), &item());
    assert_eq!(res, Ok(()));
    assert_eq!(d.mixed.borrow().unwrap(), vu::Mixed { a: 1, early: 0, b: 2, late: 0 });
    let out = vu::Mixed::read_from_bytes(&buf[..16]).unwrap();
    assert_eq!(out, vu::Mixed { a: 10, early: 0, b: 12, late: 9 });
    d.rev.set(2);
    let (res, buf) = call(&d, 0x02, 16, m.as_bytes(), &item());
    assert_eq!(res, Ok(()));
    assert_eq!(d.mixed.borrow().unwrap(), m);
    let out = vu::Mixed::read_from_bytes(&buf[..16]).unwrap();
    assert_eq!(out, vu::Mixed { a: 10, early: 11, b: 12, late: 13 });
}
"#;

/// Writes the edge family's uapi and kernel crates as `generate` lays
/// them out (with a copy of the runtime where their manifests look for
/// it), plus a consumer, and has cargo prove them: clippy clean, docs
/// without broken links, and the consumer's behaviour tests.
#[test]
fn edge_crates_build_and_behave() {
    let dir = temp("build");
    let _ = std::fs::remove_dir_all(&dir);
    let models = edge(&dir.join("spec"));
    let gen_dir = dir.join("generated");
    for m in &models {
        for f in rust_uapi::render(m).unwrap().into_iter().chain(render(m)) {
            let p = gen_dir.join(&f.path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, &f.contents).unwrap();
        }
    }
    let runtime = dir.join("codegen/runtime");
    std::fs::create_dir_all(runtime.join("src")).unwrap();
    let src = repo_root().join("codegen/runtime");
    std::fs::copy(src.join("Cargo.toml"), runtime.join("Cargo.toml")).unwrap();
    for e in std::fs::read_dir(src.join("src")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), runtime.join("src").join(e.file_name())).unwrap();
    }
    std::fs::write(
        dir.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"generated/*/rust/uapi\", \"generated/*/rust/kernel\", \"codegen/runtime\", \"consumer\"]\n\n\
         [workspace.package]\nedition = \"2024\"\nlicense = \"MIT\"\nrust-version = \"1.89\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    let consumer = dir.join("consumer");
    std::fs::create_dir_all(consumer.join("src")).unwrap();
    std::fs::write(
        consumer.join("Cargo.toml"),
        "[package]\nname = \"consumer\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\n\
         kbase-kernel = { path = \"../generated/kbase/rust/kernel\" }\n\
         kother-kernel = { path = \"../generated/kother/rust/kernel\" }\n\
         ktop-kernel = { path = \"../generated/ktop/rust/kernel\" }\n\
         kver-kernel = { path = \"../generated/kver/rust/kernel\" }\n\
         uabi-runtime = { path = \"../codegen/runtime\" }\n",
    )
    .unwrap();
    std::fs::write(
        consumer.join("src/lib.rs"),
        format!("{CONSUMER}\n#[cfg(test)]\nmod kver;\n"),
    )
    .unwrap();
    std::fs::write(consumer.join("src/kver.rs"), KVER_CONSUMER).unwrap();

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    // One target folder for every nested workspace of the test suites,
    // kept between runs: dependencies build once, not once per test.
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("nested-target");
    let cargo_in = |args: &[&str]| {
        let mut c = Command::new(&cargo);
        c.arg(args[0])
            .arg("--offline")
            .args(&args[1..])
            .current_dir(&dir)
            .env("CARGO_TARGET_DIR", &target_dir)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS");
        c
    };
    let kernels = [
        "-p",
        "kbase-kernel",
        "-p",
        "kother-kernel",
        "-p",
        "ktop-kernel",
        "-p",
        "kver-kernel",
    ];
    if has_clippy(&cargo) {
        let mut args = vec!["clippy"];
        args.extend(kernels);
        args.extend(["--all-targets", "--", "-D", "warnings"]);
        run(&mut cargo_in(&args), "cargo clippy on the generated crates");
    } else {
        uabi_test_support::skipped(
            "cargo clippy on the generated crates",
            "cargo clippy is not installed; building without it",
        );
    }
    let mut args = vec!["doc", "--no-deps"];
    args.extend(kernels);
    run(
        cargo_in(&args).env("RUSTDOCFLAGS", "-D warnings"),
        "cargo doc (intra-doc links) of the generated crates",
    );
    let tested = run(
        &mut cargo_in(&["test", "-p", "consumer"]),
        "the consumer's tests of the generated dispatch",
    );
    for t in [
        "valid_and_cleared",
        "every_check",
        "routing_and_revisions",
        "included_elements_at_their_spec_revision",
        "out_only_ioctl",
        "negative_enum_values_are_valid_values",
        "anonymous_members_are_checked_as_their_kind",
        "kver::sizes_at_each_revision",
        "kver::a_newer_ioctl_is_enotty_on_an_older_driver",
        "kver::a_newer_caller_is_truncated_by_an_older_zero_extend_driver",
        "kver::a_newer_caller_needs_a_zero_tail_on_an_older_strict_driver",
        "kver::newer_values_are_einval_on_an_older_driver",
        "kver::an_older_caller_works_on_a_newer_driver",
        "kver::a_newer_member_before_an_older_one_is_zero",
    ] {
        assert!(
            tested.contains(&format!("test {t} ... ok")),
            "consumer test {t} did not run:\n{tested}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
