//! Control messages in the generated Rust crates.
//!
//! - Every request parser of the checked-in softaccel kernel crate, and
//!   every reply decoder of its user crate, is fed random and mutated
//!   byte buffers: no panic, no read past the buffer (each buffer is a
//!   `Vec` of exactly its length, so any overread is an out-of-bounds
//!   panic), and whatever a parser accepts reads back without failing.
//! - A fixture spec (`nlfix`: a recursive nest, multi-attr, a struct in a
//!   binary attribute, an admin-perm ioctl and operation, an operation
//!   newer than revision 1) is generated into a workspace of its own and
//!   built with clippy and rustdoc; a consumer crate drives its dispatch:
//!   EPERM for admin-perm ioctls and operations, EOPNOTSUPP for an
//!   operation newer than the driver, nesting depth, NLA_F_NESTED,
//!   error offsets inside nests, EMSGSIZE, and a request and reply round
//!   trip between the user crate's values and the kernel crate's views and
//!   builders.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::prelude::*;
use softaccel_kernel::operations as ko;
use softaccel_user::operations as uo;
use uabi::backend::rust::{kernel as rust_kernel, uapi as rust_uapi, user as rust_user};
use uabi_runtime::nla::{self, Order};

// ---------------------------------------------------------------- fuzz

/// Parses `attrs` (the part after the header) with every request parser
/// at every revision and reads every accessor of what is accepted.
fn parse_all(attrs: &[u8]) {
    for rev in [1, 2, 3, 4] {
        if let Ok(r) = ko::GetStatusRequest::parse(attrs, rev) {
            assert_eq!(r.as_bytes(), attrs);
        }
        let _ = ko::GetCountersRequest::parse(attrs, rev);
        if let Ok(r) = ko::SetPowerStateRequest::parse(attrs, rev)
            && let Some(s) = r.state()
        {
            assert!(softaccel_kernel::uapi::power_state::is_valid(s));
        }
        if let Ok(r) = ko::ResetQueueRequest::parse(attrs, rev) {
            assert!(r.queue().is_none_or(|q| q >= 1), "checks: min 1");
            let _ = r.mode();
        }
        let _ = ko::GetTunablesRequest::parse(attrs, rev);
        if let Ok(r) = ko::SetTunablesRequest::parse(attrs, rev)
            && let Some(ns) = r.time_slice_ns()
        {
            assert!((10_000..=1_000_000_000).contains(&ns));
        }
        if let Ok(r) = ko::FwCommandRequest::parse(attrs, rev)
            && let Some(m) = r.request()
        {
            assert!(
                softaccel_kernel::validate_fw_request_at(&m, softaccel_kernel::uapi::REVISION)
                    .is_ok()
            );
        }
        // The kernel's views of the sets, on unvalidated bytes: reading
        // never fails or panics either.
        for p in [
            &ko::STATUS_ATTRS,
            &ko::ENGINE_ATTRS,
            &ko::COUNTERS_ATTRS,
            &ko::FW_ATTRS,
        ] {
            let _ = nla::validate(attrs, 8, p, rev, nla::Unknown::Reject);
            let _ = nla::validate(attrs, 8, p, rev, nla::Unknown::Skip);
        }
    }
    // The user side decodes replies after validating them leniently.
    if nla::validate(attrs, 8, &uo::GET_STATUS_REPLY, 3, nla::Unknown::Skip).is_ok() {
        let s = uo::GetStatusReply::decode(attrs);
        assert!(s.fw_version.is_none_or(|v| v.len() <= 32));
    }
    let _ = uo::GetCountersReply::decode(attrs);
    let _ = uo::FwCommandReply::decode(attrs);
    let _ = uo::StatusAttrs::decode(attrs);
}

/// Valid requests of every operation (attributes only), to mutate.
fn seeds() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut add = |f: &dyn Fn(&mut nla::Writer<'_>)| {
        let mut buf = vec![0u8; 256];
        let mut w = nla::Writer::new(&mut buf);
        f(&mut w);
        let n = w.finish().unwrap();
        buf.truncate(n);
        out.push(buf);
    };
    add(&|_| {});
    add(&|w| w.put_u32(ko::attr::power::STATE, 1, Order::Native));
    add(&|w| {
        w.put_u32(ko::attr::queue_reset::QUEUE, 3, Order::Native);
        w.put_u32(ko::attr::queue_reset::MODE, 1, Order::Native);
    });
    add(&|w| w.put_u64(ko::attr::tunables::TIME_SLICE_NS, 20_000, Order::Native));
    add(&|w| {
        let mut m = [0u8; 16];
        m[1] = 1;
        w.put(ko::attr::fw::REQUEST, &m);
    });
    add(&|w| {
        let r = uo::GetStatusReply {
            fw_version: Some("fw".into()),
            temperature_mc: Some(-3),
            power_state: Some(0),
            engine: vec![uo::EngineAttrs {
                index: Some(0),
                kind: Some(0),
                busy_ns: Some(1),
                completed: Some(2),
            }],
        };
        r.encode(w);
    });
    out
}

#[test]
fn seeds_are_valid() {
    let s = seeds();
    assert!(ko::SetPowerStateRequest::parse(&s[1], 3).is_ok());
    assert_eq!(
        ko::ResetQueueRequest::parse(&s[2], 3).unwrap().queue(),
        Some(3)
    );
    assert!(ko::SetTunablesRequest::parse(&s[3], 3).is_ok());
    assert!(ko::FwCommandRequest::parse(&s[4], 3).is_ok());
    assert!(nla::validate(&s[5], 8, &uo::GET_STATUS_REPLY, 3, nla::Unknown::Reject).is_ok());
    assert_eq!(uo::GetStatusReply::decode(&s[5]).engine.len(), 1);
}

/// Found by the fuzzing below: an attribute newer than the driver's
/// revision, marked optional, is skipped by validation and must then not
/// be read either (it was never checked).
#[test]
fn an_optional_attribute_newer_than_the_driver_is_not_read() {
    let mut buf = vec![0u8; 8];
    let mut w = nla::Writer::new(&mut buf);
    w.put_u32(
        ko::attr::power::STATE | nla::NLA_F_OPTIONAL,
        7,
        Order::Native,
    );
    let n = w.finish().unwrap();
    let attrs = &buf[..n];
    let old = ko::SetPowerStateRequest::parse(attrs, 2).expect("skipped as unknown");
    assert_eq!(old.state(), None);
    assert_eq!(old.revision(), 2);
    assert_eq!(
        ko::SetPowerStateRequest::parse(attrs, 3).unwrap_err(),
        nla::Error {
            errno: softaccel_kernel::Errno::EINVAL,
            offset: 8,
            attr: ko::attr::power::STATE
        },
        "known, and 7 is no power state"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        parse_all(&bytes);
    }

    #[test]
    fn mutated_requests_never_panic(
        seed in 0usize..6,
        edits in proptest::collection::vec((any::<u16>(), any::<u8>()), 1..6),
        cut in any::<u16>(),
        extra in proptest::collection::vec(any::<u8>(), 0..12),
    ) {
        let mut m = seeds()[seed].clone();
        for (at, v) in edits {
            if !m.is_empty() {
                let i = usize::from(at) % m.len();
                m[i] = v;
            }
        }
        if !m.is_empty() && cut % 3 == 0 {
            m.truncate(usize::from(cut) % m.len());
        }
        m.extend(extra);
        // An exact-size copy: reading one byte past it panics.
        let exact = m.clone().into_boxed_slice();
        parse_all(&exact);
    }
}

// ---------------------------------------------------------------- fixture

const NLFIX: &str = r#"
name: nlfix
doc: Control-message corner cases.
revision: 2
ioctl:
  magic: 0x66
definitions:
  - name: color
    type: enum
    entries: [red, green]
  - name: ctl
    type: struct
    doc: The transport.
    members:
      - { name: request, type: user-ptr, elem: u8, len: request-len, max-count: 65536 }
      - { name: reply, type: user-ptr, elem: u8, access: out, len: reply-cap, max-count: 65536 }
      - { name: request-len, type: u32 }
      - { name: reply-cap, type: u32 }
      - { name: reply-len, type: u32, access: out }
      - { name: error-offset, type: u32, access: out }
      - { name: error-attr, type: u32, access: out }
      - { name: pad0, type: pad, len: 4 }
  - name: knob
    type: struct
    doc: Carried in a binary attribute.
    members:
      - { name: value, type: u32, enum: color }
      - { name: pad0, type: pad, len: 4 }
ioctls:
  - { name: ctl, nr: 0x00, dir: inout, arg: ctl, extension: strict }
  - { name: poke, nr: 0x01, dir: in, arg: knob, extension: strict, flags: [admin-perm] }
  - { name: peek, nr: 0x02, dir: none, extension: zero-extend, flags: [admin-perm] }
  - { name: look, nr: 0x03, dir: none, extension: zero-extend }
attribute-sets:
  - name: node
    attributes:
      - { name: value, type: u32, checks: { min: 1, max: 100 } }
      - { name: child, type: nest, nested-attributes: node }
      - { name: color, type: u32, enum: color }
      - { name: label, type: string, max-len: 8 }
      - { name: tag, type: u16, multi-attr: true }
      - { name: knob, type: binary, struct: knob }
      - { name: on, type: flag }
operations:
  transport: ctl
  list:
    - name: echo
      value: 1
      attribute-set: node
      do:
        request: { attributes: [value, child, color, label, tag, knob, on] }
        reply: { attributes: [value, child, label, tag, on] }
    - name: zap
      attribute-set: node
      flags: [admin-perm]
      do:
        request: { attributes: [value] }
        reply: { attributes: [] }
    - name: later
      since: 2
      attribute-set: node
      do:
        request: { attributes: [] }
        reply: { attributes: [value] }
"#;

const CONSUMER: &str = r#"
#![cfg(test)]

use nlfix_kernel::operations as o;
use nlfix_kernel::uapi as u;
use nlfix_kernel::{Errno, UserMem};
use nlfix_user::operations as uo;
use std::cell::{Cell, RefCell};
use uabi_runtime::BufferMem;
use uabi_runtime::ioc::encode;
use uabi_runtime::nla::{self, Order};
use uabi_runtime::zerocopy::IntoBytes;

const BASE: u64 = 0x1000;
const REQ: u64 = BASE + 0x100;
const REPLY: u64 = BASE + 0x2000;
const MEM: usize = 0x4000;

#[derive(Default)]
struct Dev {
    rev: Cell<u32>,
    admin: Cell<bool>,
    calls: RefCell<Vec<String>>,
}

fn dev() -> Dev {
    let d = Dev::default();
    d.rev.set(2);
    d
}

/// Echoes a node and everything below it.
fn echo_node(v: o::NodeAttrs<'_>, b: &mut o::NodeBuilder<'_, '_>) {
    if let Some(x) = v.value() {
        b.value(x);
    }
    if let Some(l) = v.label() {
        b.label(std::str::from_utf8(l).unwrap());
    }
    for t in v.tag() {
        b.tag(t);
    }
    if let Some(c) = v.child() {
        b.child(|cb| echo_node(c, cb));
    }
}

impl nlfix_kernel::Ops for Dev {
    type File = ();
    fn nlfix_revision(&self) -> u32 {
        self.rev.get()
    }
    fn privileged(&self, _: &()) -> bool {
        self.admin.get()
    }
    fn poke(&self, _: &(), arg: &mut u::Knob) -> Result<(), Errno> {
        self.calls.borrow_mut().push(format!("poke {}", arg.value));
        Ok(())
    }
    fn peek(&self, _: &()) -> Result<(), Errno> {
        self.calls.borrow_mut().push("peek".into());
        Ok(())
    }
    fn look(&self, _: &()) -> Result<(), Errno> {
        self.calls.borrow_mut().push("look".into());
        Ok(())
    }
    fn op_echo(&self, _: &(), req: o::EchoRequest<'_>, reply: &mut o::EchoReply<'_, '_>) -> Result<(), Errno> {
        self.calls.borrow_mut().push("echo".into());
        if let Some(x) = req.value() {
            reply.value(x);
        }
        if let Some(l) = req.label() {
            reply.label(std::str::from_utf8(l).unwrap());
        }
        for t in req.tag() {
            reply.tag(t);
        }
        if let Some(c) = req.child() {
            reply.child(|b| echo_node(c, b));
        }
        if req.on() {
            reply.on();
        }
        if let Some(k) = req.knob() {
            assert_eq!(k.value, u::color::GREEN);
        }
        Ok(())
    }
    fn op_zap(&self, _: &(), _: o::ZapRequest<'_>, _: &mut o::ZapReply<'_, '_>) -> Result<(), Errno> {
        self.calls.borrow_mut().push("zap".into());
        Ok(())
    }
    fn op_later(&self, _: &(), _: o::LaterRequest<'_>, reply: &mut o::LaterReply<'_, '_>) -> Result<(), Errno> {
        reply.value(7);
        Ok(())
    }
}

/// Sends `msg` through CTL with `cap` bytes of reply room: the result,
/// the argument after, and the reply bytes.
fn ctl(d: &Dev, msg: &[u8], cap: u32) -> (Result<(), Errno>, u::Ctl, Vec<u8>) {
    let mut buf = vec![0u8; MEM];
    let arg = u::Ctl {
        request: REQ,
        reply: REPLY,
        request_len: msg.len() as u32,
        reply_cap: cap,
        ..u::Ctl::ZERO
    };
    buf[..u::Ctl::SIZE].copy_from_slice(arg.as_bytes());
    buf[0x100..0x100 + msg.len()].copy_from_slice(msg);
    let mem = BufferMem::new(BASE, &mut buf);
    let r = nlfix_kernel::dispatch(d, &(), &mem, u::IOCTL_CTL, BASE);
    let mut out = u::Ctl::ZERO;
    mem.read(BASE, out.as_mut_bytes()).unwrap();
    let mut reply = vec![0u8; out.reply_len.min(cap) as usize];
    if r.is_ok() {
        mem.read(REPLY, &mut reply).unwrap();
    }
    (r, out, reply)
}

fn msg(op: u16, f: impl FnOnce(&mut nla::Writer<'_>)) -> Vec<u8> {
    let mut buf = vec![0u8; 0x1000];
    let mut w = nla::Writer::new(&mut buf);
    w.header(&nla::Header { op, ..Default::default() });
    f(&mut w);
    let n = w.finish().unwrap();
    buf.truncate(n);
    buf
}

fn fails(d: &Dev, m: &[u8]) -> (Errno, u32, u32) {
    let (r, arg, _) = ctl(d, m, 0x1000);
    (r.unwrap_err(), arg.error_offset, arg.error_attr)
}

#[test]
fn admin_perm_ioctls_need_privilege() {
    let d = dev();
    let knob = u::Knob { value: 1, ..u::Knob::ZERO };
    let mut buf = knob.as_bytes().to_vec();
    let call = |d: &Dev, nr: u8, buf: &mut Vec<u8>, size: u32, w: bool| {
        let mem = BufferMem::new(BASE, buf);
        nlfix_kernel::dispatch(d, &(), &mem, encode(w, false, 0x66, nr, size), BASE)
    };
    assert_eq!(call(&d, 1, &mut buf, 8, true), Err(Errno::EPERM));
    assert_eq!(call(&d, 2, &mut buf, 0, false), Err(Errno::EPERM));
    assert_eq!(call(&d, 3, &mut buf, 0, false), Ok(()), "not admin-perm");
    assert_eq!(*d.calls.borrow(), ["look"]);
    d.admin.set(true);
    assert_eq!(call(&d, 1, &mut buf, 8, true), Ok(()));
    assert_eq!(call(&d, 2, &mut buf, 0, false), Ok(()));
    assert_eq!(*d.calls.borrow(), ["look", "poke 1", "peek"]);
}

#[test]
fn admin_perm_operations_need_privilege() {
    let d = dev();
    // Before the attributes are looked at.
    let m = msg(o::OP_ZAP, |w| w.put_u32(99, 0, Order::Native));
    assert_eq!(fails(&d, &m), (Errno::EPERM, 0, 0));
    d.admin.set(true);
    assert_eq!(fails(&d, &m), (Errno::EINVAL, 8, 99));
    let m = msg(o::OP_ZAP, |w| w.put_u32(o::attr::node::VALUE, 5, Order::Native));
    assert_eq!(ctl(&d, &m, 64).0, Ok(()));
    assert_eq!(*d.calls.borrow(), ["zap"]);
}

#[test]
fn newer_operations_are_unknown_to_an_older_driver() {
    let d = dev();
    let m = msg(o::OP_LATER, |_| {});
    let (r, arg, reply) = ctl(&d, &m, 64);
    assert_eq!(r, Ok(()));
    assert_eq!(arg.reply_len, 16);
    assert_eq!(uo::LaterReply::decode(&reply[8..]).value, Some(7));
    d.rev.set(1);
    assert_eq!(fails(&d, &m), (Errno::EOPNOTSUPP, 0, 0));
    assert_eq!(o::op_since(o::OP_LATER), Some(2));
    assert_eq!(fails(&d, &msg(77, |_| {})), (Errno::EOPNOTSUPP, 0, 0));
}

fn chain(w: &mut nla::Writer<'_>, n: usize) {
    if n == 0 {
        w.put_u32(o::attr::node::VALUE, 1, Order::Native);
    } else {
        w.nest(o::attr::node::CHILD, |w| chain(w, n - 1));
    }
}

#[test]
fn nesting_is_bounded_and_flagged() {
    let d = dev();
    // Nests at levels 1..=7 hold their children; one at level 8 may not.
    assert_eq!(ctl(&d, &msg(o::OP_ECHO, |w| chain(w, 7)), 0x1000).0, Ok(()));
    let deep = msg(o::OP_ECHO, |w| chain(w, 8));
    assert_eq!(fails(&d, &deep), (Errno::EINVAL, 8 + 7 * 4, u32::from(o::attr::node::CHILD)));
    // A nest without NLA_F_NESTED, and a flag with it.
    let flat = msg(o::OP_ECHO, |w| w.put(o::attr::node::CHILD, &[]));
    assert_eq!(fails(&d, &flat), (Errno::EINVAL, 8, 2));
    let nested_flag = msg(o::OP_ECHO, |w| w.put(o::attr::node::ON | nla::NLA_F_NESTED, &[]));
    assert_eq!(fails(&d, &nested_flag), (Errno::EINVAL, 8, 7));
    // Errors inside a nest point at the inner attribute.
    let inner = msg(o::OP_ECHO, |w| {
        w.put_flag(o::attr::node::ON);
        w.nest(o::attr::node::CHILD, |w| {
            w.put_u32(o::attr::node::VALUE, 5, Order::Native);
            w.put_u32(o::attr::node::VALUE, 0, Order::Native);
        });
    });
    assert_eq!(fails(&d, &inner), (Errno::EINVAL, 24, 1), "duplicate inside");
    let range = msg(o::OP_ECHO, |w| {
        w.nest(o::attr::node::CHILD, |w| w.put_u32(o::attr::node::VALUE, 101, Order::Native));
    });
    assert_eq!(fails(&d, &range), (Errno::ERANGE, 12, 1));
}

#[test]
fn attribute_checks() {
    let d = dev();
    let cases: Vec<(Vec<u8>, (Errno, u32, u32))> = vec![
        (msg(o::OP_ECHO, |w| w.put_u32(o::attr::node::COLOR, 2, Order::Native)), (Errno::EINVAL, 8, 3)),
        (msg(o::OP_ECHO, |w| w.put_str(o::attr::node::LABEL, b"123456789", None)), (Errno::EINVAL, 8, 4)),
        (msg(o::OP_ECHO, |w| w.put_u32(o::attr::node::TAG, 1, Order::Native)), (Errno::EINVAL, 8, 5)),
        (msg(o::OP_ECHO, |w| w.put(o::attr::node::KNOB, &[2, 0, 0, 0, 0, 0, 0, 0])), (Errno::EINVAL, 8, 6)),
        (msg(o::OP_ECHO, |w| w.put(o::attr::node::KNOB, &[1, 0, 0, 0, 0, 0, 0, 1])), (Errno::EINVAL, 8, 6)),
        (msg(o::OP_ECHO, |w| w.put(o::attr::node::KNOB, &[1, 0, 0, 0])), (Errno::EINVAL, 8, 6)),
        (msg(o::OP_ECHO, |w| w.put(o::attr::node::ON, &[0])), (Errno::EINVAL, 8, 7)),
    ];
    for (m, want) in cases {
        assert_eq!(fails(&d, &m), want, "{m:?}");
    }
    let ok = msg(o::OP_ECHO, |w| {
        w.put(o::attr::node::KNOB, &[1, 0, 0, 0, 0, 0, 0, 0]);
        w.put_u16(o::attr::node::TAG, 1, Order::Native);
        w.put_u16(o::attr::node::TAG, 2, Order::Native);
        w.put_u32(40 | nla::NLA_F_OPTIONAL, 0, Order::Native);
    });
    assert_eq!(ctl(&d, &ok, 0x100).0, Ok(()));
}

#[test]
fn round_trip_between_user_values_and_kernel_views() {
    let d = dev();
    let req = uo::EchoRequest {
        value: Some(9),
        label: Some("hi".into()),
        tag: vec![3, 4, 5],
        on: true,
        knob: Some(u::Knob { value: u::color::GREEN, ..u::Knob::ZERO }),
        child: Some(Box::new(uo::NodeAttrs {
            value: Some(10),
            tag: vec![6],
            child: Some(Box::new(uo::NodeAttrs {
                label: Some("deep".into()),
                ..Default::default()
            })),
            ..Default::default()
        })),
        ..Default::default()
    };
    let m = msg(o::OP_ECHO, |w| req.encode(w));
    let (r, arg, reply) = ctl(&d, &m, 0x1000);
    assert_eq!(r, Ok(()));
    assert_eq!((arg.error_offset, arg.error_attr), (0, 0));
    assert_eq!(nla::Header::parse_strict(&reply).unwrap().op, o::OP_ECHO);
    let attrs = &reply[8..];
    nla::validate(attrs, 8, &uo::ECHO_REPLY, 2, nla::Unknown::Reject).unwrap();
    let back = uo::EchoReply::decode(attrs);
    assert_eq!(back.value, Some(9));
    assert_eq!(back.label.as_deref(), Some("hi"));
    assert_eq!(back.tag, [3, 4, 5]);
    assert!(back.on);
    assert_eq!(back.child, req.child);

    // The same reply does not fit in fewer bytes: EMSGSIZE with the size,
    // nothing written, the argument copied back.
    for cap in [0, 8, arg.reply_len - 1] {
        let (r, small, _) = ctl(&d, &m, cap);
        assert_eq!(r, Err(Errno::EMSGSIZE));
        assert_eq!(small.reply_len, arg.reply_len);
    }
    // A header that is short, flagged or reserved.
    assert_eq!(fails(&d, &m[..5]), (Errno::EINVAL, 0, 0));
    let mut flagged = m.clone();
    flagged[3] = 0x80;
    assert_eq!(fails(&d, &flagged), (Errno::EINVAL, 0, 0));
    let mut reserved = m.clone();
    reserved[4] = 1;
    assert_eq!(fails(&d, &reserved), (Errno::EINVAL, 0, 0));
}

/// This process's memory as the caller's (the test's buffers are live for
/// each call).
struct OwnMem;

impl UserMem for OwnMem {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        // SAFETY: every address the driver follows here is one the user
        // crate took from a live buffer of the calling test.
        unsafe { std::ptr::copy_nonoverlapping(addr as *const u8, buf.as_mut_ptr(), buf.len()) };
        Ok(())
    }
    fn write(&self, addr: u64, buf: &[u8]) -> Result<(), Errno> {
        // SAFETY: as for `read`; the buffers written are exclusively
        // borrowed by the call in progress.
        unsafe { std::ptr::copy_nonoverlapping(buf.as_ptr(), addr as *mut u8, buf.len()) };
        Ok(())
    }
}

/// The driver in this process: the user crate's calls reach its dispatch.
struct Loop {
    dev: std::sync::Mutex<Dev>,
    calls: std::sync::atomic::AtomicU32,
}

impl nlfix_user::Transport for Loop {
    unsafe fn ioctl(&self, cmd: u32, arg: *mut u8) -> Result<(), Errno> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let d = self.dev.lock().unwrap();
        nlfix_kernel::dispatch(&*d, &(), &OwnMem, cmd, arg as u64)
    }
    fn mmap(&self, _: u64, _: usize) -> Result<nlfix_user::Mapping, Errno> {
        Err(Errno::ENODEV)
    }
}

#[test]
fn user_calls_retry_once_and_report_where() {
    let t = Loop { dev: std::sync::Mutex::new(dev()), calls: Default::default() };
    let req = uo::EchoRequest { tag: (0..600).collect(), ..Default::default() };
    let r = uo::echo(&t, 2, &req).unwrap();
    assert_eq!(r.tag, req.tag);
    assert_eq!(t.calls.load(std::sync::atomic::Ordering::Relaxed), 2, "EMSGSIZE, then the size it needs");
    let bad = uo::EchoRequest { value: Some(0), ..Default::default() };
    assert_eq!(
        uo::echo(&t, 2, &bad).unwrap_err(),
        uo::OpError::Rejected { op: "echo", errno: Errno::ERANGE, offset: 8, attr: 1 }
    );
    assert!(matches!(
        uo::later(&t, 1, &Default::default()),
        Err(uo::OpError::Unsupported { op: "later", since: 2, driver_revision: 1 })
    ));
    t.dev.lock().unwrap().rev.set(1);
    assert_eq!(
        uo::later(&t, 2, &Default::default()).unwrap_err().errno(),
        Some(Errno::EOPNOTSUPP),
        "a driver older than it says"
    );
}
"#;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

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

#[test]
fn fixture_crates_build_and_behave() {
    let dir = std::env::temp_dir().join(format!("uabi-netlink-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("spec")).unwrap();
    std::fs::write(dir.join("spec/nlfix.yaml"), NLFIX).unwrap();
    let model = uabi::load::load(&dir.join("spec/nlfix.yaml"), Some("nlfix.yaml"))
        .unwrap_or_else(|e| panic!("nlfix: {e:#?}"));
    let gen_dir = dir.join("generated");
    for f in rust_uapi::render(&model)
        .unwrap()
        .into_iter()
        .chain(rust_kernel::render(&model).unwrap())
        .chain(rust_user::render(&model).unwrap())
    {
        let p = gen_dir.join(&f.path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, &f.contents).unwrap();
    }
    let kernel = std::fs::read_to_string(gen_dir.join("nlfix/rust/kernel/src/lib.rs")).unwrap();
    assert!(kernel.contains("fn privileged(&self, file: &Self::File) -> bool"));
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
        "[workspace]\nresolver = \"3\"\nmembers = [\"generated/*/rust/uapi\", \"generated/*/rust/kernel\", \"generated/*/rust/user\", \"codegen/runtime\", \"consumer\"]\n\n\
         [workspace.package]\nedition = \"2024\"\nlicense = \"MIT\"\nrust-version = \"1.89\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    // The repository's lock file: the same dependency versions, offline.
    let _ = std::fs::copy(repo_root().join("Cargo.lock"), dir.join("Cargo.lock"));
    let consumer = dir.join("consumer");
    std::fs::create_dir_all(consumer.join("src")).unwrap();
    std::fs::write(
        consumer.join("Cargo.toml"),
        "[package]\nname = \"consumer\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\n\
         nlfix-kernel = { path = \"../generated/nlfix/rust/kernel\" }\n\
         nlfix-user = { path = \"../generated/nlfix/rust/user\" }\n\
         uabi-runtime = { path = \"../codegen/runtime\" }\n",
    )
    .unwrap();
    std::fs::write(consumer.join("src/lib.rs"), CONSUMER).unwrap();

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
    let crates = ["-p", "nlfix-kernel", "-p", "nlfix-user"];
    let has_clippy = Command::new(&cargo)
        .args(["clippy", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if has_clippy {
        let mut args = vec!["clippy"];
        args.extend(crates);
        args.extend(["--all-targets", "--", "-D", "warnings"]);
        run(&mut cargo_in(&args), "cargo clippy on the generated crates");
    } else {
        uabi_test_support::skipped(
            "cargo clippy on the generated crates",
            "cargo clippy is not installed; building without it",
        );
    }
    let mut args = vec!["doc", "--no-deps"];
    args.extend(crates);
    run(
        cargo_in(&args).env("RUSTDOCFLAGS", "-D warnings"),
        "cargo doc (intra-doc links) of the generated crates",
    );
    let tested = run(
        &mut cargo_in(&["test", "-p", "consumer"]),
        "the consumer's tests of the generated control path",
    );
    for t in [
        "admin_perm_ioctls_need_privilege",
        "admin_perm_operations_need_privilege",
        "newer_operations_are_unknown_to_an_older_driver",
        "nesting_is_bounded_and_flagged",
        "attribute_checks",
        "round_trip_between_user_values_and_kernel_views",
        "user_calls_retry_once_and_report_where",
    ] {
        assert!(
            tested.contains(&format!("test {t} ... ok")),
            "consumer test {t} did not run:\n{tested}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
