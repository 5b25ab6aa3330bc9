//! Behaviour of the checked-in kernel crates of the example specs
//! (generated/accel/rust/kernel, generated/softaccel/rust/kernel): a fake
//! driver that records what its handlers see, called through
//! `softaccel_kernel::dispatch` over a `BufferMem`, with every way a caller
//! can get an argument wrong, and callers of every revision against a
//! driver playing every revision. rust_kernel.rs proves these crates are
//! what the backend renders now, and drives the edge spec `kver` (members,
//! values and an ioctl added in revision 2) through a driver playing
//! revision 1.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::{Cell, RefCell};

use accel_kernel::uapi as au;
use proptest::prelude::*;
use softaccel_kernel::operations as ops;
use softaccel_kernel::uapi as su;
use softaccel_kernel::{Errno, UserArray};
use uabi_runtime::BufferMem;
use uabi_runtime::ioc::encode;
use uabi_runtime::zerocopy::{FromBytes, IntoBytes};

/// Where the caller's memory starts, the argument in it, and the arrays.
const BASE: u64 = 0x10000;
const ARG: u64 = BASE;
const CMDS: u64 = BASE + 0x100;
const COUNTERS: u64 = BASE + 0x800;
const MEM: usize = 0x1000;
const MAGIC: u8 = 0x64;
/// The open file the fake is called for.
const FILE: u32 = 5;

/// A driver that records each call and the argument its handler saw,
/// sets every out member to a recognisable value, and answers `fail` if
/// set.
struct Fake {
    accel_rev: Cell<u32>,
    soft_rev: Cell<u32>,
    calls: RefCell<Vec<String>>,
    /// The bytes of the last argument a handler saw.
    seen: RefCell<Vec<u8>>,
    /// Elements the submit handler read.
    cmds: RefCell<Vec<su::Cmd>>,
    fail: Cell<Option<Errno>>,
}

impl Fake {
    fn new() -> Fake {
        Fake {
            accel_rev: Cell::new(au::REVISION),
            soft_rev: Cell::new(su::REVISION),
            calls: RefCell::new(Vec::new()),
            seen: RefCell::new(Vec::new()),
            cmds: RefCell::new(Vec::new()),
            fail: Cell::new(None),
        }
    }

    fn record(&self, name: &str, file: &u32, arg: &[u8]) -> Result<(), Errno> {
        assert_eq!(*file, FILE, "{name} got another file");
        self.calls.borrow_mut().push(name.to_string());
        *self.seen.borrow_mut() = arg.to_vec();
        match self.fail.get() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn calls(&self) -> Vec<String> {
        self.calls.borrow().clone()
    }

    fn seen<T: FromBytes>(&self) -> T {
        T::read_from_bytes(&self.seen.borrow()).expect("the handler saw a whole struct")
    }
}

impl accel_kernel::Ops for Fake {
    type File = u32;

    fn accel_revision(&self) -> u32 {
        self.accel_rev.get()
    }

    fn get_param(&self, file: &u32, arg: &mut au::GetParam) -> Result<(), Errno> {
        self.record("get_param", file, arg.as_bytes())?;
        arg.value = 0x1122_3344_5566_7788;
        Ok(())
    }

    fn set_param(&self, file: &u32, arg: &mut au::SetParam) -> Result<(), Errno> {
        self.record("set_param", file, arg.as_bytes())
    }

    fn bo_create(&self, file: &u32, arg: &mut au::BoCreate) -> Result<(), Errno> {
        let r = self.record("bo_create", file, arg.as_bytes());
        // Set even when failing: an error must still copy nothing out.
        arg.handle = 7;
        // An in member of revision 2, written back: a driver playing
        // revision 1 must not return it.
        arg.alignment = 0x1_0000;
        r
    }

    fn bo_info(&self, file: &u32, arg: &mut au::BoInfo) -> Result<(), Errno> {
        self.record("bo_info", file, arg.as_bytes())?;
        // Leaves flags and mmap_offset alone: they go back as zeros.
        arg.size = 4096;
        Ok(())
    }

    fn bo_destroy(&self, file: &u32, arg: &mut au::BoDestroy) -> Result<(), Errno> {
        self.record("bo_destroy", file, arg.as_bytes())
    }

    fn queue_create(&self, file: &u32, arg: &mut au::QueueCreate) -> Result<(), Errno> {
        self.record("queue_create", file, arg.as_bytes())?;
        arg.handle = 3;
        Ok(())
    }

    fn queue_destroy(&self, file: &u32, arg: &mut au::QueueDestroy) -> Result<(), Errno> {
        self.record("queue_destroy", file, arg.as_bytes())
    }
}

impl softaccel_kernel::Ops for Fake {
    fn softaccel_revision(&self) -> u32 {
        self.soft_rev.get()
    }

    fn submit(
        &self,
        file: &u32,
        arg: &mut su::Submit,
        cmds: UserArray<'_, su::Cmd>,
    ) -> Result<(), Errno> {
        self.record("submit", file, arg.as_bytes())?;
        let mut read = Vec::new();
        for i in 0..cmds.len() {
            read.push(cmds.read(i)?);
        }
        *self.cmds.borrow_mut() = read;
        arg.seqno = 99;
        Ok(())
    }

    fn wait(&self, file: &u32, arg: &mut su::Wait) -> Result<(), Errno> {
        self.record("wait", file, arg.as_bytes())
    }

    fn perf_stats(
        &self,
        file: &u32,
        arg: &mut su::PerfStats,
        counters: UserArray<'_, su::PerfCounter>,
    ) -> Result<(), Errno> {
        self.record("perf_stats", file, arg.as_bytes())?;
        for i in 0..counters.len().min(2) {
            let c = su::PerfCounter {
                id: i as u32,
                value: 100 + i as u64,
                ..su::PerfCounter::ZERO
            };
            counters.write(i, &c)?;
        }
        arg.counter_count = 2;
        Ok(())
    }

    fn queue_info(&self, file: &u32, arg: &mut su::QueueInfo) -> Result<(), Errno> {
        self.record("queue_info", file, arg.as_bytes())?;
        arg.inflight = 2;
        arg.last_seqno = 9;
        Ok(())
    }

    // CONTROL's handlers are the operations (tests/netlink.rs drives
    // them); each records its name and the request's attributes.
    fn op_get_status(
        &self,
        file: &u32,
        req: ops::GetStatusRequest<'_>,
        _: &mut ops::GetStatusReply<'_, '_>,
    ) -> Result<(), Errno> {
        self.record("get_status", file, req.as_bytes())
    }

    fn op_get_counters(
        &self,
        file: &u32,
        req: ops::GetCountersRequest<'_>,
        _: &mut ops::GetCountersReply<'_, '_>,
    ) -> Result<(), Errno> {
        self.record("get_counters", file, req.as_bytes())
    }

    fn op_set_power_state(
        &self,
        file: &u32,
        req: ops::SetPowerStateRequest<'_>,
        _: &mut ops::SetPowerStateReply<'_, '_>,
    ) -> Result<(), Errno> {
        self.record("set_power_state", file, req.as_bytes())
    }

    fn op_reset_queue(
        &self,
        file: &u32,
        req: ops::ResetQueueRequest<'_>,
        _: &mut ops::ResetQueueReply<'_, '_>,
    ) -> Result<(), Errno> {
        self.record("reset_queue", file, req.as_bytes())
    }

    fn op_get_tunables(
        &self,
        file: &u32,
        req: ops::GetTunablesRequest<'_>,
        _: &mut ops::GetTunablesReply<'_, '_>,
    ) -> Result<(), Errno> {
        self.record("get_tunables", file, req.as_bytes())
    }

    fn op_set_tunables(
        &self,
        file: &u32,
        req: ops::SetTunablesRequest<'_>,
        _: &mut ops::SetTunablesReply<'_, '_>,
    ) -> Result<(), Errno> {
        self.record("set_tunables", file, req.as_bytes())
    }

    fn op_fw_command(
        &self,
        file: &u32,
        req: ops::FwCommandRequest<'_>,
        _: &mut ops::FwCommandReply<'_, '_>,
    ) -> Result<(), Errno> {
        self.record("fw_command", file, req.as_bytes())
    }

    fn ring_queue_create(&self, file: &u32, arg: &mut su::RingQueueCreate) -> Result<(), Errno> {
        self.record("ring_queue_create", file, arg.as_bytes())
    }

    fn doorbell(&self, file: &u32, arg: &mut su::Doorbell) -> Result<(), Errno> {
        self.record("doorbell", file, arg.as_bytes())
    }
}

/// A caller's address space: the argument at `ARG`, then whatever
/// `extra` places (byte offset from `BASE`, bytes).
struct Caller {
    buf: Vec<u8>,
}

impl Caller {
    fn new(arg: &[u8]) -> Caller {
        let mut buf = vec![0u8; MEM];
        buf[..arg.len()].copy_from_slice(arg);
        Caller { buf }
    }

    fn put(mut self, addr: u64, bytes: &[u8]) -> Caller {
        let at = (addr - BASE) as usize;
        self.buf[at..at + bytes.len()].copy_from_slice(bytes);
        self
    }

    fn call(&mut self, f: &Fake, cmd: u32) -> Result<(), Errno> {
        let mem = BufferMem::new(BASE, &mut self.buf);
        softaccel_kernel::dispatch(f, &FILE, &mem, cmd, ARG)
    }

    fn arg<T: FromBytes>(&self) -> T {
        T::read_from_prefix(&self.buf).unwrap().0
    }
}

/// A command word with the given direction bits (write = the kernel
/// reads, read = the kernel writes), as a caller may build it.
fn cmd(write: bool, read: bool, nr: u8, size: usize) -> u32 {
    encode(write, read, MAGIC, nr, size as u32)
}

/// The declared command, as the uapi crate numbers it for this host.
fn iowr<T>(nr: u8) -> u32 {
    cmd(true, true, nr, size_of::<T>())
}

fn get_param(param: u32) -> au::GetParam {
    au::GetParam {
        param,
        ..au::GetParam::ZERO
    }
}

fn one_cmd() -> su::Cmd {
    su::Cmd {
        opcode: su::opcode::FILL,
        dst_bo: 1,
        length: 16,
        ..su::Cmd::ZERO
    }
}

fn submit(count: u32, cmds: u64) -> su::Submit {
    su::Submit {
        queue: 1,
        cmd_count: count,
        cmds,
        ..su::Submit::ZERO
    }
}

fn cmd_bytes(cmds: &[su::Cmd]) -> Vec<u8> {
    cmds.iter().flat_map(|c| c.as_bytes().to_vec()).collect()
}

/// Runs SUBMIT with these commands in memory; the result and the fake.
fn run_submit(cmds: &[su::Cmd]) -> (Result<(), Errno>, Fake) {
    let f = Fake::new();
    let s = submit(cmds.len() as u32, CMDS);
    let mut c = Caller::new(s.as_bytes()).put(CMDS, &cmd_bytes(cmds));
    let r = c.call(&f, su::IOCTL_SUBMIT);
    (r, f)
}

// ---------------------------------------------------------------- numbers

#[test]
fn the_crates_number_as_the_uapi_does() {
    // The declared commands are what `encode` builds from the spec.
    assert_eq!(au::IOCTL_GET_PARAM, iowr::<au::GetParam>(au::NR_GET_PARAM));
    assert_eq!(su::IOCTL_SUBMIT, iowr::<su::Submit>(su::NR_SUBMIT));
    assert_eq!(
        su::IOCTL_WAIT,
        cmd(true, false, su::NR_WAIT, size_of::<su::Wait>())
    );
    // The including crate's uapi reaches the included one's types.
    assert_eq!(su::accel_uapi::GetParam::ZERO, au::GetParam::ZERO);
}

#[test]
fn every_ioctl_reaches_its_handler_through_the_including_dispatch() {
    let f = Fake::new();
    let mut expected = Vec::new();
    let a = |i: usize| (au::IOCTLS[i].name, au::IOCTLS[i].cmd);
    let s = |i: usize| (su::IOCTLS[i].name, su::IOCTLS[i].cmd);
    for ((name, cmd), arg) in [
        (a(0), get_param(au::param::PAGE_SIZE).as_bytes().to_vec()),
        (a(1), au::SetParam::ZERO.as_bytes().to_vec()),
        (
            a(2),
            au::BoCreate {
                size: 4096,
                ..au::BoCreate::ZERO
            }
            .as_bytes()
            .to_vec(),
        ),
        (
            a(3),
            au::BoInfo {
                handle: 1,
                ..au::BoInfo::ZERO
            }
            .as_bytes()
            .to_vec(),
        ),
        (
            a(4),
            au::BoDestroy {
                handle: 1,
                ..au::BoDestroy::ZERO
            }
            .as_bytes()
            .to_vec(),
        ),
        (
            a(5),
            au::QueueCreate {
                priority: au::queue_priority::NORMAL,
                ..au::QueueCreate::ZERO
            }
            .as_bytes()
            .to_vec(),
        ),
        (
            a(6),
            au::QueueDestroy {
                handle: 1,
                ..au::QueueDestroy::ZERO
            }
            .as_bytes()
            .to_vec(),
        ),
        (s(0), submit(1, CMDS).as_bytes().to_vec()),
        (
            s(1),
            su::Wait {
                queue: 1,
                seqno: 1,
                ..su::Wait::ZERO
            }
            .as_bytes()
            .to_vec(),
        ),
        (s(2), su::PerfStats::ZERO.as_bytes().to_vec()),
        (
            s(3),
            su::QueueInfo {
                queue: 1,
                ..su::QueueInfo::ZERO
            }
            .as_bytes()
            .to_vec(),
        ),
    ] {
        let mut c = Caller::new(&arg).put(CMDS, one_cmd().as_bytes());
        assert_eq!(c.call(&f, cmd), Ok(()), "{name}");
        expected.push(name.replace('-', "_"));
    }
    assert_eq!(f.calls(), expected);
    // Revision 3's CONTROL, RING_QUEUE_CREATE and DOORBELL have their own
    // suites (tests/netlink.rs for CONTROL).
    assert_eq!(au::IOCTLS.len() + su::IOCTLS.len(), 14);

    // The accel crate's own dispatch knows only its own ioctls.
    let mut c = Caller::new(submit(1, CMDS).as_bytes());
    let mem = BufferMem::new(BASE, &mut c.buf);
    assert_eq!(
        accel_kernel::dispatch(&f, &FILE, &mem, su::IOCTL_SUBMIT, ARG),
        Err(Errno::ENOTTY)
    );
}

// ---------------------------------------------------------------- ENOTTY

#[test]
fn unknown_nr_is_enotty() {
    let f = Fake::new();
    for nr in [0x07, 0x3f, 0x47, 0x9f, 0xa0, 0xff] {
        let mut c = Caller::new(&[0; 64]);
        assert_eq!(
            c.call(&f, cmd(true, true, nr, 16)),
            Err(Errno::ENOTTY),
            "nr {nr:#x}"
        );
    }
    assert!(f.calls().is_empty());
}

#[test]
fn wrong_magic_is_enotty() {
    let f = Fake::new();
    for magic in [0x00, 0x63, 0x65, b'd' ^ 0x80] {
        let mut c = Caller::new(get_param(0).as_bytes());
        let cmd = encode(true, true, magic, au::NR_GET_PARAM, 16);
        assert_eq!(c.call(&f, cmd), Err(Errno::ENOTTY), "magic {magic:#x}");
        let mem = BufferMem::new(BASE, &mut c.buf);
        assert_eq!(
            accel_kernel::dispatch(&f, &FILE, &mem, cmd, ARG),
            Err(Errno::ENOTTY),
            "accel, magic {magic:#x}"
        );
    }
    assert!(f.calls().is_empty());
}

#[test]
fn since_above_the_driver_revision_is_enotty() {
    // Every ioctl is since 1: a driver at revision 0 of a spec knows none
    // of that spec's ioctls, and still every one of the other's.
    let f = Fake::new();
    f.soft_rev.set(0);
    let mut c = Caller::new(submit(1, CMDS).as_bytes()).put(CMDS, one_cmd().as_bytes());
    assert_eq!(c.call(&f, su::IOCTL_SUBMIT), Err(Errno::ENOTTY));
    let mut c = Caller::new(get_param(0).as_bytes());
    assert_eq!(c.call(&f, au::IOCTL_GET_PARAM), Ok(()));
    f.soft_rev.set(1);
    f.accel_rev.set(0);
    let mut c = Caller::new(get_param(0).as_bytes());
    assert_eq!(c.call(&f, au::IOCTL_GET_PARAM), Err(Errno::ENOTTY));
    let mut c = Caller::new(su::PerfStats::ZERO.as_bytes());
    assert_eq!(c.call(&f, su::IOCTL_PERF_STATS), Ok(()));
    assert_eq!(f.calls(), ["get_param", "perf_stats"]);
}

/// The size at every revision of each struct that grew after its own
/// revision (the others have no `size_*_at`: their size is `SIZE` at every
/// revision), as the dispatchers copy them when the driver plays that
/// revision.
fn sizes_at(r: u32) -> Vec<(&'static str, usize, usize)> {
    vec![(
        "bo-create",
        accel_kernel::size_bo_create_at(r),
        au::BoCreate::SIZE,
    )]
}

#[test]
fn a_struct_only_grows_with_the_revision() {
    let newest = au::REVISION.max(su::REVISION);
    for (name, at, size) in sizes_at(newest) {
        assert_eq!(at, size, "{name} at the crates' revision");
    }
    for r in 0..newest {
        for ((name, older, _), (_, newer, _)) in sizes_at(r).into_iter().zip(sizes_at(r + 1)) {
            assert!(
                older <= newer,
                "{name} shrinks from revision {r} to {}",
                r + 1
            );
            assert!(older > 0, "{name} is empty at revision {r}");
        }
    }
}

#[test]
fn every_revisions_caller_works_on_a_driver_of_every_later_revision() {
    // The caller of revision `caller` sends that revision's struct size
    // (its command number says so); the driver plays revision `driver`.
    for driver in 1..=su::REVISION {
        for caller in 1..=driver {
            let f = Fake::new();
            f.soft_rev.set(driver);
            // Submit has one size at every revision.
            let size = su::Submit::SIZE;
            let mut c =
                Caller::new(&submit(1, CMDS).as_bytes()[..size]).put(CMDS, one_cmd().as_bytes());
            let what = format!("revision {caller} caller, revision {driver} driver");
            assert_eq!(
                c.call(&f, cmd(true, true, su::NR_SUBMIT, size)),
                Ok(()),
                "{what}"
            );
            assert_eq!(*f.cmds.borrow(), [one_cmd()], "{what}");
            assert_eq!(c.arg::<su::Submit>().seqno, 99, "{what}");
        }
    }
}

/// BO_CREATE as a revision-2 caller fills it: `alignment` is new.
fn bo_create_r2(flags: u32, alignment: u64) -> au::BoCreate {
    au::BoCreate {
        size: 4096,
        flags,
        alignment,
        ..au::BoCreate::ZERO
    }
}

/// The size of BO_CREATE's argument at accel revision 1.
const BO_CREATE_R1: usize = 16;

#[test]
fn a_newer_ioctl_is_enotty_on_an_older_driver() {
    let f = Fake::new();
    f.soft_rev.set(1);
    let q = su::QueueInfo {
        queue: 1,
        ..su::QueueInfo::ZERO
    };
    let mut c = Caller::new(q.as_bytes());
    assert_eq!(c.call(&f, su::IOCTL_QUEUE_INFO), Err(Errno::ENOTTY));
    assert!(f.calls().is_empty());
    f.soft_rev.set(2);
    assert_eq!(c.call(&f, su::IOCTL_QUEUE_INFO), Ok(()));
    assert_eq!(c.arg::<su::QueueInfo>().last_seqno, 9);
}

#[test]
fn a_newer_caller_is_truncated_by_an_older_zero_extend_driver() {
    // accel revision 2 appended `alignment` to BO_CREATE (zero-extend).
    assert_eq!(accel_kernel::size_bo_create_at(1), BO_CREATE_R1);
    assert_eq!(accel_kernel::size_bo_create_at(2), au::BoCreate::SIZE);
    let f = Fake::new();
    f.accel_rev.set(1);
    let b = bo_create_r2(0, 0x2000);
    let mut c = Caller::new(b.as_bytes());
    assert_eq!(c.call(&f, au::IOCTL_BO_CREATE), Ok(()));
    // The handler saw the revision-1 struct; the caller's alignment was
    // neither read nor written.
    assert_eq!(f.seen::<au::BoCreate>(), bo_create_r2(0, 0));
    let back: au::BoCreate = c.arg();
    assert_eq!((back.handle, back.alignment), (7, 0x2000));
    // Revision 2 reads and returns it.
    f.accel_rev.set(2);
    let mut c = Caller::new(b.as_bytes());
    assert_eq!(c.call(&f, au::IOCTL_BO_CREATE), Ok(()));
    assert_eq!(f.seen::<au::BoCreate>().alignment, 0x2000);
    assert_eq!(c.arg::<au::BoCreate>().alignment, 0x1_0000);
}

#[test]
fn an_older_caller_works_on_a_newer_driver() {
    let f = Fake::new();
    let b = bo_create_r2(au::bo_flags::HOST_VISIBLE, 0);
    // The revision-1 command says 16 bytes; the 0xee after them in the
    // caller's memory are not its argument.
    let mut c =
        Caller::new(&b.as_bytes()[..BO_CREATE_R1]).put(ARG + BO_CREATE_R1 as u64, &[0xee; 8]);
    let old = cmd(true, true, au::NR_BO_CREATE, BO_CREATE_R1);
    assert_eq!(c.call(&f, old), Ok(()));
    assert_eq!(f.seen::<au::BoCreate>(), b);
    assert_eq!(c.arg::<au::BoCreate>().handle, 7);
    assert_eq!(&c.buf[BO_CREATE_R1..au::BoCreate::SIZE], &[0xee; 8]);
}

#[test]
fn newer_values_are_einval_on_an_older_driver() {
    // A flag bit of accel revision 2.
    let ro = bo_create_r2(au::bo_flags::DEVICE_READ_ONLY, 0);
    let f = Fake::new();
    f.accel_rev.set(1);
    assert_eq!(
        Caller::new(ro.as_bytes()).call(&f, au::IOCTL_BO_CREATE),
        Err(Errno::EINVAL)
    );
    f.accel_rev.set(2);
    assert_eq!(
        Caller::new(ro.as_bytes()).call(&f, au::IOCTL_BO_CREATE),
        Ok(())
    );
    assert_eq!(
        accel_kernel::validate_bo_create_at(&ro, 1),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        accel_kernel::validate_bo_create_at(&ro, au::REVISION),
        Ok(())
    );
    // An opcode of softaccel revision 2, in an element of SUBMIT's array.
    let mut xor = one_cmd();
    xor.opcode = su::opcode::XOR_U32;
    xor.src_bo = 1;
    xor.src2_bo = 1;
    xor.length = 4;
    xor.value = 0;
    assert_eq!(softaccel_kernel::validate_cmd_at(&xor, 2), Ok(()));
    assert_eq!(
        softaccel_kernel::validate_cmd_at(&xor, 1),
        Err(Errno::EINVAL)
    );
    for (rev, want) in [(1, Err(Errno::EINVAL)), (2, Ok(()))] {
        let f = Fake::new();
        f.soft_rev.set(rev);
        let s = submit(1, CMDS);
        let mut c = Caller::new(s.as_bytes()).put(CMDS, xor.as_bytes());
        assert_eq!(
            c.call(&f, su::IOCTL_SUBMIT),
            want,
            "xor-u32 at revision {rev}"
        );
    }
}

// ---------------------------------------------------------------- sizes

#[test]
fn a_shorter_struct_is_zero_extended() {
    let f = Fake::new();
    // The caller's struct ends after `param`; the bytes after it in its
    // memory (non-zero pad, a value) are not part of it.
    let mut garbage = get_param(au::param::ENGINE_COUNT);
    garbage.pad0 = [1; 4];
    garbage.value = 0xdead;
    let mut c = Caller::new(garbage.as_bytes());
    assert_eq!(c.call(&f, cmd(true, true, au::NR_GET_PARAM, 4)), Ok(()));
    assert_eq!(f.seen::<au::GetParam>(), get_param(au::param::ENGINE_COUNT));
    // Only the caller's 4 bytes are written back.
    let back: au::GetParam = c.arg();
    assert_eq!(back.value, 0xdead);
    assert_eq!(back.pad0, [1; 4]);

    // A strict ioctl zero-extends too.
    let f = Fake::new();
    let mut c = Caller::new(
        su::Wait {
            queue: 2,
            ..su::Wait::ZERO
        }
        .as_bytes(),
    );
    assert_eq!(c.call(&f, cmd(true, false, su::NR_WAIT, 4)), Ok(()));
    assert_eq!(f.seen::<su::Wait>().queue, 2);
}

#[test]
fn a_longer_struct_is_truncated_under_zero_extend() {
    let f = Fake::new();
    let mut bytes = get_param(au::param::PAGE_SIZE).as_bytes().to_vec();
    bytes.extend([0xee; 8]);
    let mut c = Caller::new(&bytes);
    assert_eq!(c.call(&f, cmd(true, true, au::NR_GET_PARAM, 24)), Ok(()));
    assert_eq!(f.seen::<au::GetParam>(), get_param(au::param::PAGE_SIZE));
    // Written back: the kernel's 16 bytes; the caller's tail untouched.
    assert_eq!(c.arg::<au::GetParam>().value, 0x1122_3344_5566_7788);
    assert_eq!(&c.buf[16..24], &[0xee; 8]);
}

#[test]
fn a_longer_struct_under_strict_needs_a_zero_tail() {
    let wait = su::Wait {
        queue: 1,
        seqno: 4,
        ..su::Wait::ZERO
    };
    let long = cmd(true, false, su::NR_WAIT, su::Wait::SIZE + 8);
    let f = Fake::new();
    let mut c = Caller::new(wait.as_bytes()).put(ARG + su::Wait::SIZE as u64 + 7, &[1]);
    assert_eq!(c.call(&f, long), Err(Errno::E2BIG));
    assert!(f.calls().is_empty());

    let mut c = Caller::new(wait.as_bytes());
    assert_eq!(c.call(&f, long), Ok(()));
    assert_eq!(f.seen::<su::Wait>(), wait);

    // Submit too, and its output goes back only as far as the kernel's struct.
    let s = submit(1, CMDS);
    let long = cmd(true, true, su::NR_SUBMIT, su::Submit::SIZE + 16);
    let mut c = Caller::new(s.as_bytes())
        .put(CMDS, one_cmd().as_bytes())
        .put(ARG + su::Submit::SIZE as u64 + 15, &[9]);
    assert_eq!(c.call(&f, long), Err(Errno::E2BIG));
    let mut c = Caller::new(s.as_bytes()).put(CMDS, one_cmd().as_bytes());
    assert_eq!(c.call(&f, long), Ok(()));
    assert_eq!(c.arg::<su::Submit>().seqno, 99);
    assert_eq!(f.calls(), ["wait", "submit"]);
}

#[test]
fn an_unreadable_argument_is_efault() {
    let f = Fake::new();
    let mem = BufferMem::new(BASE, &mut []);
    assert_eq!(
        softaccel_kernel::dispatch(&f, &FILE, &mem, au::IOCTL_GET_PARAM, ARG),
        Err(Errno::EFAULT)
    );
    assert!(f.calls().is_empty());
}

// ---------------------------------------------------------------- validation

/// Calls `cmd` with `arg` and expects `errno` before any handler ran.
fn rejected(arg: &[u8], cmd: u32, errno: Errno, what: &str) {
    let f = Fake::new();
    let mut c = Caller::new(arg).put(CMDS, one_cmd().as_bytes());
    assert_eq!(c.call(&f, cmd), Err(errno), "{what}");
    assert!(f.calls().is_empty(), "{what}: a handler ran");
    // Nothing was written back either.
    assert_eq!(&c.buf[..arg.len()], arg, "{what}: the argument changed");
}

#[test]
fn non_zero_pad_is_einval() {
    let mut g = get_param(0);
    g.pad0 = [0, 0, 0, 1];
    rejected(
        g.as_bytes(),
        au::IOCTL_GET_PARAM,
        Errno::EINVAL,
        "get-param pad",
    );
    let w = su::Wait {
        queue: 1,
        pad0: [1, 0, 0, 0],
        ..su::Wait::ZERO
    };
    rejected(w.as_bytes(), su::IOCTL_WAIT, Errno::EINVAL, "wait pad");
    let q = au::QueueDestroy {
        handle: 1,
        pad0: [0, 2, 0, 0],
    };
    rejected(
        q.as_bytes(),
        au::IOCTL_QUEUE_DESTROY,
        Errno::EINVAL,
        "queue-destroy pad",
    );
    // In an array element: found as the handler reads it.
    let mut bad = one_cmd();
    bad.pad0 = [0, 0, 1, 0];
    let (r, f) = run_submit(&[one_cmd(), bad]);
    assert_eq!(r, Err(Errno::EINVAL));
    assert!(f.cmds.borrow().is_empty());
}

#[test]
fn an_unknown_flag_bit_is_einval() {
    let b = au::BoCreate {
        size: 4096,
        flags: au::bo_flags::ALL + 1,
        ..au::BoCreate::ZERO
    };
    rejected(b.as_bytes(), au::IOCTL_BO_CREATE, Errno::EINVAL, "bo flags");
    let q = au::QueueCreate {
        flags: 1 << 31,
        ..au::QueueCreate::ZERO
    };
    rejected(
        q.as_bytes(),
        au::IOCTL_QUEUE_CREATE,
        Errno::EINVAL,
        "queue flags",
    );
    let p = su::PerfStats {
        flags: 2,
        ..su::PerfStats::ZERO
    };
    rejected(
        p.as_bytes(),
        su::IOCTL_PERF_STATS,
        Errno::EINVAL,
        "perf flags",
    );
    let mut c = one_cmd();
    c.flags = 0x10;
    assert_eq!(run_submit(&[c]).0, Err(Errno::EINVAL));
    // Every declared bit is accepted.
    let f = Fake::new();
    let b = au::BoCreate {
        size: 4096,
        flags: au::bo_flags::ALL,
        ..au::BoCreate::ZERO
    };
    assert_eq!(
        Caller::new(b.as_bytes()).call(&f, au::IOCTL_BO_CREATE),
        Ok(())
    );
    let mut c = one_cmd();
    c.flags = su::cmd_flags::UNORDERED;
    assert_eq!(run_submit(&[c]).0, Ok(()));
}

#[test]
fn an_undeclared_enum_value_is_einval() {
    let last = *au::param::ALL.iter().max().unwrap();
    rejected(
        get_param(last + 1).as_bytes(),
        au::IOCTL_GET_PARAM,
        Errno::EINVAL,
        "param",
    );
    let s = au::SetParam {
        param: u32::MAX,
        ..au::SetParam::ZERO
    };
    rejected(
        s.as_bytes(),
        au::IOCTL_SET_PARAM,
        Errno::EINVAL,
        "set param",
    );
    let q = au::QueueCreate {
        priority: 4,
        ..au::QueueCreate::ZERO
    };
    rejected(
        q.as_bytes(),
        au::IOCTL_QUEUE_CREATE,
        Errno::EINVAL,
        "priority",
    );
    let mut c = one_cmd();
    c.opcode = su::opcode::XOR_U32 + 1;
    let (r, f) = run_submit(&[one_cmd(), one_cmd(), c]);
    assert_eq!(r, Err(Errno::EINVAL));
    assert_eq!(f.calls(), ["submit"]);
    let f = Fake::new();
    assert_eq!(
        Caller::new(get_param(last).as_bytes()).call(&f, au::IOCTL_GET_PARAM),
        Ok(())
    );
}

#[test]
fn a_range_violation_is_einval() {
    for (size, ok) in [
        (0, false),
        (1, true),
        (1 << 32, true),
        ((1 << 32) + 1, false),
    ] {
        let b = au::BoCreate {
            size,
            ..au::BoCreate::ZERO
        };
        if ok {
            let f = Fake::new();
            assert_eq!(
                Caller::new(b.as_bytes()).call(&f, au::IOCTL_BO_CREATE),
                Ok(()),
                "size {size}"
            );
        } else {
            rejected(b.as_bytes(), au::IOCTL_BO_CREATE, Errno::EINVAL, "bo size");
        }
    }
    // Handle 0 is never valid.
    rejected(
        au::BoInfo::ZERO.as_bytes(),
        au::IOCTL_BO_INFO,
        Errno::EINVAL,
        "bo-info handle 0",
    );
    rejected(
        au::BoDestroy::ZERO.as_bytes(),
        au::IOCTL_BO_DESTROY,
        Errno::EINVAL,
        "bo-destroy handle 0",
    );
    rejected(
        su::Wait::ZERO.as_bytes(),
        su::IOCTL_WAIT,
        Errno::EINVAL,
        "wait queue 0",
    );
    rejected(
        submit(0, CMDS).as_bytes(),
        su::IOCTL_SUBMIT,
        Errno::EINVAL,
        "submit count 0",
    );
    let mut s = submit(1, CMDS);
    s.queue = 0;
    rejected(
        s.as_bytes(),
        su::IOCTL_SUBMIT,
        Errno::EINVAL,
        "submit queue 0",
    );
    let mut c = one_cmd();
    c.length = (1 << 32) + 1;
    assert_eq!(run_submit(&[c]).0, Err(Errno::EINVAL));
}

#[test]
fn out_members_are_zeroed_before_the_handler() {
    let f = Fake::new();
    let b = au::BoCreate {
        size: 4096,
        handle: 0xffff_ffff,
        ..au::BoCreate::ZERO
    };
    let mut c = Caller::new(b.as_bytes());
    f.fail.set(Some(Errno::ENOMEM));
    assert_eq!(c.call(&f, au::IOCTL_BO_CREATE), Err(Errno::ENOMEM));
    // The handler saw 0 and, failing, had nothing copied out.
    assert_eq!(f.seen::<au::BoCreate>().handle, 0);
    assert_eq!(c.arg::<au::BoCreate>(), b);

    let f = Fake::new();
    let info = au::BoInfo {
        handle: 1,
        flags: 0xff,
        size: 1,
        mmap_offset: 0xabc,
    };
    let mut c = Caller::new(info.as_bytes());
    assert_eq!(c.call(&f, au::IOCTL_BO_INFO), Ok(()));
    assert_eq!(
        f.seen::<au::BoInfo>(),
        au::BoInfo {
            handle: 1,
            ..au::BoInfo::ZERO
        }
    );
    // Copy-out is zero-filled: what the handler did not set is 0.
    assert_eq!(
        c.arg::<au::BoInfo>(),
        au::BoInfo {
            handle: 1,
            size: 4096,
            ..au::BoInfo::ZERO
        }
    );

    let mut s = submit(1, CMDS);
    s.seqno = 0x5555;
    let f = Fake::new();
    let mut c = Caller::new(s.as_bytes()).put(CMDS, one_cmd().as_bytes());
    assert_eq!(c.call(&f, su::IOCTL_SUBMIT), Ok(()));
    assert_eq!(f.seen::<su::Submit>().seqno, 0);
    assert_eq!(c.arg::<su::Submit>().seqno, 99);
    assert_eq!(*f.cmds.borrow(), [one_cmd()]);
}

// ---------------------------------------------------------------- user-ptr

#[test]
fn a_count_over_max_is_einval() {
    let p = su::PerfStats {
        counters: COUNTERS,
        counter_count: su::MAX_PERF_COUNTERS + 1,
        ..su::PerfStats::ZERO
    };
    rejected(
        p.as_bytes(),
        su::IOCTL_PERF_STATS,
        Errno::EINVAL,
        "counters",
    );
    rejected(
        submit(su::MAX_CMDS_PER_SUBMIT + 1, CMDS).as_bytes(),
        su::IOCTL_SUBMIT,
        Errno::EINVAL,
        "cmds",
    );
    // At the maximum, every element is read.
    let cmds = vec![one_cmd(); su::MAX_CMDS_PER_SUBMIT as usize];
    let f = Fake::new();
    let mut big = Caller::new(&[]);
    big.buf.resize(0x100 + cmds.len() * size_of::<su::Cmd>(), 0);
    let mut c = big
        .put(ARG, submit(cmds.len() as u32, CMDS).as_bytes())
        .put(CMDS, &cmd_bytes(&cmds));
    assert_eq!(c.call(&f, su::IOCTL_SUBMIT), Ok(()));
    assert_eq!(f.cmds.borrow().len(), cmds.len());
}

#[test]
fn a_null_pointer_with_a_count_is_efault() {
    rejected(
        submit(1, 0).as_bytes(),
        su::IOCTL_SUBMIT,
        Errno::EFAULT,
        "cmds null",
    );
    let p = su::PerfStats {
        counter_count: 1,
        ..su::PerfStats::ZERO
    };
    rejected(
        p.as_bytes(),
        su::IOCTL_PERF_STATS,
        Errno::EFAULT,
        "counters null",
    );
    // Null with count 0 is an empty array: N is queried.
    let f = Fake::new();
    let mut c = Caller::new(su::PerfStats::ZERO.as_bytes());
    assert_eq!(c.call(&f, su::IOCTL_PERF_STATS), Ok(()));
    assert_eq!(c.arg::<su::PerfStats>().counter_count, 2);
}

#[test]
fn an_array_that_wraps_or_overflows_is_rejected() {
    // The end of the array past the top of the address space.
    rejected(
        submit(2, u64::MAX - 64).as_bytes(),
        su::IOCTL_SUBMIT,
        Errno::EFAULT,
        "wrapping cmds",
    );
    // count * size cannot overflow through these specs (max-count is at
    // most u32::MAX), so the bound the dispatch relies on is shown on the
    // runtime type the generated crate re-exports.
    let mut buf = [0u8; 8];
    let mem = BufferMem::new(BASE, &mut buf);
    assert_eq!(
        UserArray::<su::Cmd>::new(&mem, BASE, u64::MAX / 32, u64::MAX, |_| Ok(())).err(),
        Some(Errno::EINVAL)
    );
    // An array outside the caller's memory: EFAULT when read.
    let (r, _) = {
        let f = Fake::new();
        let s = submit(1, BASE + MEM as u64);
        let mut c = Caller::new(s.as_bytes());
        (c.call(&f, su::IOCTL_SUBMIT), f)
    };
    assert_eq!(r, Err(Errno::EFAULT));
}

#[test]
fn an_out_array_is_written() {
    let f = Fake::new();
    let p = su::PerfStats {
        counters: COUNTERS,
        counter_count: 3,
        ..su::PerfStats::ZERO
    };
    let third = su::PerfCounter {
        id: 77,
        ..su::PerfCounter::ZERO
    };
    let mut c = Caller::new(p.as_bytes()).put(COUNTERS + 32, third.as_bytes());
    assert_eq!(c.call(&f, su::IOCTL_PERF_STATS), Ok(()));
    let at = (COUNTERS - BASE) as usize;
    let got = <[su::PerfCounter; 3]>::read_from_bytes(&c.buf[at..at + 48]).unwrap();
    assert_eq!((got[0].id, got[0].value), (0, 100));
    assert_eq!((got[1].id, got[1].value), (1, 101));
    assert_eq!(got[2], third, "untouched");
    assert_eq!(c.arg::<su::PerfStats>().counter_count, 2);
}

// ---------------------------------------------------------------- direction

#[test]
fn direction_bits_are_intersected() {
    // _IOR on an inout ioctl: nothing is read (so an invalid param is not
    // seen either), the result is written.
    let f = Fake::new();
    let mut c = Caller::new(get_param(999).as_bytes());
    assert_eq!(c.call(&f, cmd(false, true, au::NR_GET_PARAM, 16)), Ok(()));
    assert_eq!(f.seen::<au::GetParam>(), au::GetParam::ZERO);
    assert_eq!(
        c.arg::<au::GetParam>(),
        au::GetParam {
            param: 0,
            value: 0x1122_3344_5566_7788,
            ..au::GetParam::ZERO
        }
    );

    // _IOW on an inout ioctl: read, never written back.
    let f = Fake::new();
    let g = get_param(au::param::PAGE_SIZE);
    let mut c = Caller::new(g.as_bytes());
    assert_eq!(c.call(&f, cmd(true, false, au::NR_GET_PARAM, 16)), Ok(()));
    assert_eq!(f.seen::<au::GetParam>(), g);
    assert_eq!(c.arg::<au::GetParam>(), g);

    // _IO: neither.
    let f = Fake::new();
    let mut c = Caller::new(g.as_bytes());
    assert_eq!(c.call(&f, cmd(false, false, au::NR_GET_PARAM, 16)), Ok(()));
    assert_eq!(f.seen::<au::GetParam>(), au::GetParam::ZERO);
    assert_eq!(c.arg::<au::GetParam>(), g);

    // _IOWR on an in ioctl: read, nothing written back.
    let f = Fake::new();
    let w = su::Wait {
        queue: 1,
        seqno: 3,
        timeout_ns: -1,
        ..su::Wait::ZERO
    };
    let mut c = Caller::new(w.as_bytes());
    assert_eq!(c.call(&f, iowr::<su::Wait>(su::NR_WAIT)), Ok(()));
    assert_eq!(f.seen::<su::Wait>(), w);
    assert_eq!(c.arg::<su::Wait>(), w);

    // _IOR on an in ioctl: the handler sees zeros, which wait rejects
    // (queue 0).
    let f = Fake::new();
    let mut c = Caller::new(w.as_bytes());
    assert_eq!(
        c.call(&f, cmd(false, true, su::NR_WAIT, su::Wait::SIZE)),
        Err(Errno::EINVAL)
    );
    assert!(f.calls().is_empty());
}

// ---------------------------------------------------------------- panics

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Whatever the command and the caller's memory hold, dispatch
    /// returns (the test would abort on a panic), and a handler runs only
    /// for a known ioctl.
    #[test]
    fn dispatch_never_panics(
        nr in prop_oneof![0u8..8, 0x40u8..0x44, any::<u8>()],
        magic in prop_oneof![Just(MAGIC), any::<u8>()],
        write in any::<bool>(),
        read in any::<bool>(),
        size in prop_oneof![0u32..80, any::<u32>().prop_map(|s| s & 0x3fff)],
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
        addr_off in prop_oneof![Just(0u64), 0u64..0x1100, any::<u64>()],
        small in any::<bool>(),
        revs in prop_oneof![Just((au::REVISION, su::REVISION)), (0u32..4, 0u32..4), any::<(u32, u32)>()],
    ) {
        let f = Fake::new();
        // Whatever revision the driver plays.
        f.accel_rev.set(revs.0);
        f.soft_rev.set(revs.1);
        let mut buf = vec![0u8; MEM];
        buf[..bytes.len()].copy_from_slice(&bytes);
        // Pointers and counts that point into the buffer, sometimes.
        if small && bytes.len() >= 16 {
            buf[8..16].copy_from_slice(&CMDS.to_ne_bytes());
            buf[4..8].copy_from_slice(&u32::from(bytes[0] & 3).to_ne_bytes());
        }
        let mem = BufferMem::new(BASE, &mut buf);
        let cmd = encode(write, read, magic, nr, size);
        let r = softaccel_kernel::dispatch(&f, &FILE, &mem, cmd, BASE.wrapping_add(addr_off));
        if r.is_ok() {
            prop_assert_eq!(magic, MAGIC);
            prop_assert!(nr <= 6 || (0x40..=0x46).contains(&nr));
        }
        if magic != MAGIC {
            prop_assert_eq!(r, Err(Errno::ENOTTY));
            prop_assert!(f.calls().is_empty());
        }
    }
}
