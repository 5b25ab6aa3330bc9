//! The control path (CONTROL and its operations) end to end through the
//! in-process transport: every operation's round trip through the
//! generated user-side call functions, the effects the operations have on
//! the device, and every way a request is rejected, with the errno and the
//! error-offset/error-attr the kernel reports. The permission checks also
//! run through the device node, from a process of another user.

mod common;

use common::*;
use softaccel_driver::uapi::{self, Cmd, FwReply, FwRequest, fw_msg_type, opcode, power_state};
use softaccel_driver::{Creds, Device, DeviceConfig, node};
use softaccel_user::operations::{self as ops, OpError, attr, nla};
use std::sync::Arc;
use std::time::Duration;
use uabi_runtime::transport::InProcess;

const REV: u32 = uapi::REVISION;

fn admin() -> Creds {
    Creds {
        cap_sys_nice: false,
        privileged: true,
    }
}

fn user() -> Creds {
    Creds {
        cap_sys_nice: false,
        privileged: false,
    }
}

fn open_as(dev: &Arc<Device>, creds: Creds) -> InProcess {
    dev.open_inproc_with(creds).expect("open")
}

/// A message: header then whatever `f` writes.
fn msg(op: u16, f: impl FnOnce(&mut nla::Writer<'_>)) -> Vec<u8> {
    let mut buf = vec![0u8; 4096];
    let mut w = nla::Writer::new(&mut buf);
    w.header(&nla::Header {
        op,
        ..Default::default()
    });
    f(&mut w);
    let n = w.finish().expect("fits");
    buf.truncate(n);
    buf
}

/// Sends raw bytes; the outcome as (errno, error-offset, error-attr).
fn reject(t: &InProcess, request: &[u8]) -> (Errno, u32, u32) {
    let mut reply = vec![0u8; 4096];
    match ops::send(t, REV, request, &mut reply) {
        Err(OpError::Rejected {
            errno,
            offset,
            attr,
            ..
        }) => (errno, offset, attr),
        other => panic!("expected a rejection, got {other:?}"),
    }
}

fn status(t: &InProcess) -> ops::GetStatusReply {
    ops::get_status(t, REV, &Default::default()).expect("get-status")
}

fn counters(t: &InProcess) -> ops::GetCountersReply {
    ops::get_counters(t, REV, &Default::default()).expect("get-counters")
}

fn set_power(t: &InProcess, state: u32) -> Result<ops::SetPowerStateReply, OpError> {
    ops::set_power_state(t, REV, &ops::SetPowerStateRequest { state: Some(state) })
}

fn reset<T: Transport + ?Sized>(t: &T, queue: u32, mode: u32) -> Result<u32, OpError> {
    let r = ops::reset_queue(
        t,
        REV,
        &ops::ResetQueueRequest {
            queue: Some(queue),
            mode: Some(mode),
        },
    )?;
    Ok(r.cancelled.expect("cancelled is always in the reply"))
}

fn fw(t: &InProcess, ty: u32, tag: u32, arg0: u32, arg1: u32) -> Result<FwReply, OpError> {
    let request = FwRequest {
        r#type: (ty as u16).to_be(),
        tag: tag.to_be(),
        arg0: arg0.to_be(),
        arg1: arg1.to_be(),
        ..FwRequest::ZERO
    };
    let r = ops::fw_command(
        t,
        REV,
        &ops::FwCommandRequest {
            request: Some(request),
        },
    )?;
    Ok(r.reply.expect("the firmware replies"))
}

/// A fill of `len` bytes into a fresh BO: a submission that moves bytes.
fn fill_cmd(t: &InProcess, len: u64) -> Cmd {
    Cmd {
        opcode: opcode::FILL,
        dst_bo: bo(t, len.max(4096)),
        length: len,
        value: 0x5a,
        ..Cmd::ZERO
    }
}

// ------------------------------------------------------------ round trips

#[test]
fn get_status_reports_firmware_power_and_engines() {
    let dev = device();
    let t = open(&dev);
    let s = status(&t);
    assert_eq!(s.fw_version.as_deref(), Some("softaccel-fw 3.1.4"));
    assert_eq!(s.power_state, Some(power_state::FULL));
    let idle = s.temperature_mc.expect("temperature");
    assert_eq!(s.engine.len(), dev.config().engine_count as usize);
    for (i, e) in s.engine.iter().enumerate() {
        assert_eq!(e.index, Some(i as u32));
        assert_eq!(e.kind, Some(uapi::engine_kind::GENERAL));
        assert_eq!((e.busy_ns, e.completed), (Some(0), Some(0)));
    }

    // Work shows in the engines' accounting.
    let q = queue(&t);
    let cmd = fill_cmd(&t, 1 << 20);
    let seq = submit(&t, q, &[cmd, cmd]).unwrap();
    wait(&t, q, seq);
    let s = status(&t);
    let done: u64 = s.engine.iter().map(|e| e.completed.unwrap()).sum();
    assert_eq!(done, 2);
    assert!(s.engine.iter().any(|e| e.busy_ns.unwrap() > 0));

    // Load heats the device; the low power state cools it.
    dev.set_paused(true);
    let cmd = fill_cmd(&t, 64);
    for _ in 0..4 {
        submit(&t, q, &[cmd]).unwrap();
    }
    let hot = status(&t).temperature_mc.unwrap();
    assert!(
        hot > idle,
        "{hot} with 4 submissions pending vs {idle} idle"
    );
    dev.set_paused(false);
    assert!(dev.wait_idle(Duration::from_secs(10)));
    assert_eq!(status(&t).temperature_mc, Some(idle));
}

#[test]
fn get_counters_counts_where_things_happen() {
    let dev = device();
    let t = open(&dev);
    let before = counters(&t);
    assert_eq!(before.submissions, Some(0));
    assert_eq!(before.errors, Some(0));
    let q = queue(&t);
    let cmd = fill_cmd(&t, 1000);
    let seq = submit(&t, q, &[cmd, cmd]).unwrap();
    wait(&t, q, seq);
    let c = counters(&t);
    assert_eq!(c.submissions, Some(1));
    assert_eq!(c.completions, Some(1));
    assert_eq!(
        c.bytes_moved,
        Some(2000),
        "two fills of 1000 bytes write 2000"
    );
    assert_eq!(c.errors, Some(0));

    // A rejected SUBMIT and a rejected control request are errors.
    let bad = Cmd {
        opcode: 0xffff,
        ..cmd
    };
    assert_eq!(submit(&t, q, &[bad]), Err(Errno::EINVAL));
    reject(&t, &[1, 0]);
    let c = counters(&t);
    assert_eq!(c.errors, Some(2));
    assert_eq!(c.submissions, Some(1));
}

#[test]
fn power_state_gates_new_work() {
    let dev = device();
    let t = open_as(&dev, admin());
    let q = queue(&t);
    let cmd = fill_cmd(&t, 64);
    let r = set_power(&t, power_state::LOW).unwrap();
    assert_eq!(r.state, Some(power_state::LOW));
    assert_eq!(status(&t).power_state, Some(power_state::LOW));
    assert_eq!(submit(&t, q, &[cmd]), Err(Errno::EAGAIN));
    set_power(&t, power_state::FULL).unwrap();
    let seq = submit(&t, q, &[cmd]).unwrap();
    wait(&t, q, seq);
}

#[test]
fn reset_queue_drains_or_cancels() {
    let dev = device();
    let t = open_as(&dev, admin());
    let q = queue(&t);
    let cmd = fill_cmd(&t, 4096);

    // Drain: returns once everything queued has completed.
    dev.set_paused(true);
    let seqs: Vec<u64> = (0..3).map(|_| submit(&t, q, &[cmd]).unwrap()).collect();
    let d = dev.clone();
    let unpause = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        d.set_paused(false);
    });
    assert_eq!(reset(&t, q, uapi::reset_mode::DRAIN), Ok(0));
    for s in &seqs {
        // Already complete: a deadline in the past still succeeds.
        assert_eq!(wait_until(&t, q, *s, after(Duration::ZERO)), Ok(()));
    }
    unpause.join().unwrap();

    // Cancel: what has not started completes with ECANCELED.
    dev.set_paused(true);
    let seqs: Vec<u64> = (0..3).map(|_| submit(&t, q, &[cmd]).unwrap()).collect();
    let before = dev.counters().submissions_cancelled;
    assert_eq!(reset(&t, q, uapi::reset_mode::CANCEL), Ok(3));
    for s in &seqs {
        assert_eq!(
            wait_until(&t, q, *s, after(Duration::from_secs(1))),
            Err(Errno::ECANCELED)
        );
    }
    assert_eq!(dev.counters().submissions_cancelled, before + 3);
    assert_eq!(
        reset(&t, q, uapi::reset_mode::CANCEL),
        Ok(0),
        "nothing left"
    );
    dev.set_paused(false);
    // The queue goes on working.
    let s = submit(&t, q, &[cmd]).unwrap();
    assert_eq!(wait_until(&t, q, s, after(Duration::from_secs(10))), Ok(()));

    // A queue of another file is not found.
    let other = open_as(&dev, admin());
    assert_eq!(
        reset(&other, q, uapi::reset_mode::DRAIN)
            .unwrap_err()
            .errno(),
        Some(Errno::ENOENT)
    );
}

#[test]
fn tunables_are_range_checked_and_kept() {
    let dev = device();
    let t = open(&dev);
    let get = || ops::get_tunables(&t, REV, &Default::default()).unwrap();
    assert_eq!(get().time_slice_ns, Some(1_000_000));
    let set = |ns| {
        ops::set_tunables(
            &t,
            REV,
            &ops::SetTunablesRequest {
                time_slice_ns: Some(ns),
            },
        )
    };
    assert_eq!(set(50_000).unwrap().time_slice_ns, Some(50_000));
    assert_eq!(get().time_slice_ns, Some(50_000));
    for bad in [9_999, 1_000_000_001] {
        match set(bad) {
            Err(OpError::Rejected {
                errno,
                offset,
                attr,
                ..
            }) => assert_eq!((errno, offset, attr), (Errno::ERANGE, 8, 1), "{bad}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
    assert_eq!(
        get().time_slice_ns,
        Some(50_000),
        "a rejected set changes nothing"
    );
    // Setting nothing reports the current values.
    let r = ops::set_tunables(&t, REV, &Default::default()).unwrap();
    assert_eq!(r.time_slice_ns, Some(50_000));
}

/// The time slice has an effect: with one engine, a long submission on
/// one queue lets a queue that has work waiting go first once its slice
/// is used up (at a command boundary), and runs to the end first when
/// the slice is longer than the whole submission.
#[test]
fn the_time_slice_lets_a_waiting_queue_go_first() {
    let dev = device_with(DeviceConfig {
        engine_count: 1,
        ..DeviceConfig::default()
    });
    let t = open(&dev);
    let set = |ns| {
        ops::set_tunables(
            &t,
            REV,
            &ops::SetTunablesRequest {
                time_slice_ns: Some(ns),
            },
        )
        .expect("set-tunables")
    };
    let (long_q, short_q) = (queue(&t), queue(&t));
    // 64 fills of 4 MiB: far longer than the shortest slice and far
    // shorter than the longest one.
    let big = fill_cmd(&t, 4 << 20);
    let small = fill_cmd(&t, 64);
    let long_cmds = vec![big; 64];
    // Both queues' work is ready before the engine starts (paused), the
    // long submission first: FIFO would run it to the end first.
    let race = |slice_ns: u64| -> bool {
        set(slice_ns);
        dev.set_paused(true);
        let long = submit(&t, long_q, &long_cmds).unwrap();
        let short = submit(&t, short_q, &[small]).unwrap();
        dev.set_paused(false);
        assert_eq!(
            wait_until(&t, short_q, short, after(Duration::from_secs(30))),
            Ok(())
        );
        // Whether the long submission had finished when the short one did.
        let long_done = wait_until(&t, long_q, long, after(Duration::ZERO)).is_ok();
        assert_eq!(
            wait_until(&t, long_q, long, after(Duration::from_secs(30))),
            Ok(())
        );
        long_done
    };
    assert!(
        !race(10_000),
        "a 10 us slice: the short submission overtakes the long one"
    );
    assert!(
        race(1_000_000_000),
        "a 1 s slice: the long submission runs to its end first"
    );
}

#[test]
fn firmware_commands_answer_big_endian() {
    let dev = device();
    let t = open(&dev);
    let r = fw(&t, fw_msg_type::PING, 77, 5, 6).unwrap();
    assert_eq!(u32::from(u16::from_be(r.r#type)), fw_msg_type::PING);
    assert_eq!(u16::from_be(r.status), 0);
    assert_eq!(u32::from_be(r.tag), 77);
    assert_eq!((u64::from_be(r.value0), u64::from_be(r.value1)), (5, 6));
    let r = fw(&t, fw_msg_type::READ_SENSOR, 1, 1, 0).unwrap();
    assert_eq!(u64::from_be(r.value0), u64::from(dev.config().engine_count));
    let r = fw(&t, fw_msg_type::READ_SENSOR, 1, 0, 0).unwrap();
    let temp = status(&t).temperature_mc.unwrap();
    assert_eq!(u64::from_be(r.value0) as i64, i64::from(temp));
    let r = fw(&t, fw_msg_type::READ_SENSOR, 1, 42, 0).unwrap();
    assert_ne!(u16::from_be(r.status), 0, "no sensor 42");
    let r = fw(&t, fw_msg_type::GET_BUILD, 2, 0, 0).unwrap();
    assert!(u64::from_be(r.value0) > 0);

    // The envelope is checked before the firmware sees it.
    let e = fw(&t, 0, 1, 0, 0).unwrap_err();
    assert_eq!(
        e,
        OpError::Rejected {
            op: "fw-command",
            errno: Errno::EINVAL,
            offset: 8,
            attr: u32::from(attr::fw::REQUEST)
        }
    );
    let bad = FwRequest {
        r#type: (fw_msg_type::PING as u16).to_be(),
        reserved: [0, 1],
        ..FwRequest::ZERO
    };
    let m = msg(ops::OP_FW_COMMAND, |w| {
        w.put(
            attr::fw::REQUEST,
            uabi_runtime::zerocopy::IntoBytes::as_bytes(&bad),
        )
    });
    assert_eq!(reject(&t, &m), (Errno::EINVAL, 8, 1));
    // A struct of the wrong size.
    let m = msg(ops::OP_FW_COMMAND, |w| w.put(attr::fw::REQUEST, &[0; 12]));
    assert_eq!(reject(&t, &m), (Errno::EINVAL, 8, 1));
}

// ------------------------------------------------------------ rejections

#[test]
fn every_rejection_says_where() {
    let dev = device();
    let t = open_as(&dev, admin());
    let q = queue(&t);
    let power = ops::OP_SET_POWER_STATE;
    let state = attr::power::STATE;
    let ok = msg(power, |w| w.put_u32(state, 0, nla::Order::Native));
    assert!(ops::send(&t, REV, &ok, &mut [0; 64]).is_ok());

    // Header.
    assert_eq!(reject(&t, &[]), (Errno::EINVAL, 0, 0), "empty");
    assert_eq!(reject(&t, &ok[..7]), (Errno::EINVAL, 0, 0), "short header");
    let mut flags = ok.clone();
    flags[2] = 1;
    assert_eq!(reject(&t, &flags), (Errno::EINVAL, 0, 0), "flags");
    let mut reserved = ok.clone();
    reserved[7] = 1;
    assert_eq!(reject(&t, &reserved), (Errno::EINVAL, 0, 0), "reserved");
    assert_eq!(
        reject(&t, &msg(0, |_| {})),
        (Errno::EOPNOTSUPP, 0, 0),
        "op 0"
    );
    assert_eq!(
        reject(&t, &msg(99, |_| {})),
        (Errno::EOPNOTSUPP, 0, 0),
        "unknown op"
    );

    // Attributes: offsets count from the message start.
    let trunc = [&ok[..8], &[8, 0, 1, 0, 0, 0]].concat();
    assert_eq!(reject(&t, &trunc), (Errno::EINVAL, 8, 1), "past the end");
    let tiny = [&ok[..8], &[3, 0, 1, 0]].concat();
    assert_eq!(reject(&t, &tiny), (Errno::EINVAL, 8, 1), "nla_len below 4");
    let stub = [&ok[..8], &[8, 0]].concat();
    assert_eq!(reject(&t, &stub), (Errno::EINVAL, 8, 0), "half a header");
    let wide = msg(power, |w| w.put_u64(state, 0, nla::Order::Native));
    assert_eq!(reject(&t, &wide), (Errno::EINVAL, 8, 1), "wrong length");
    let unknown = msg(power, |w| {
        w.put_u32(state, 0, nla::Order::Native);
        w.put_u32(9, 0, nla::Order::Native);
    });
    assert_eq!(reject(&t, &unknown), (Errno::EINVAL, 16, 9), "unknown");
    let optional = msg(power, |w| {
        w.put_u32(9 | nla::NLA_F_OPTIONAL, 0, nla::Order::Native);
        w.put_u32(state, 0, nla::Order::Native);
    });
    let n = ops::send(&t, REV, &optional, &mut [0; 64]).expect("optional is skipped");
    assert_eq!(n, 16, "the reply holds the state");
    let dup = msg(power, |w| {
        w.put_u32(state, 0, nla::Order::Native);
        w.put_u32(state, 1, nla::Order::Native);
    });
    assert_eq!(reject(&t, &dup), (Errno::EINVAL, 16, 1), "duplicate");
    let bad_enum = msg(power, |w| w.put_u32(state, 7, nla::Order::Native));
    assert_eq!(
        reject(&t, &bad_enum),
        (Errno::EINVAL, 8, 1),
        "unknown enum value"
    );
    let nested = msg(power, |w| {
        w.put_u32(state | nla::NLA_F_NESTED, 0, nla::Order::Native)
    });
    assert_eq!(
        reject(&t, &nested),
        (Errno::EINVAL, 8, 1),
        "NLA_F_NESTED on a u32"
    );
    // An attribute of the set that this operation's request does not list
    // is unknown here.
    let cancelled = msg(ops::OP_RESET_QUEUE, |w| {
        w.put_u32(attr::queue_reset::QUEUE, q, nla::Order::Native);
        w.put_u32(attr::queue_reset::MODE, 0, nla::Order::Native);
        w.put_u32(attr::queue_reset::CANCELLED, 0, nla::Order::Native);
    });
    assert_eq!(
        reject(&t, &cancelled),
        (Errno::EINVAL, 24, 3),
        "not in the request"
    );
    let zero_queue = msg(ops::OP_RESET_QUEUE, |w| {
        w.put_u32(attr::queue_reset::QUEUE, 0, nla::Order::Native);
    });
    assert_eq!(
        reject(&t, &zero_queue),
        (Errno::ERANGE, 8, 1),
        "checks min 1"
    );
    let missing = msg(ops::OP_RESET_QUEUE, |w| {
        w.put_u32(attr::queue_reset::QUEUE, q, nla::Order::Native);
    });
    assert_eq!(reject(&t, &missing), (Errno::EINVAL, 0, 0), "mode missing");
    let range = msg(ops::OP_SET_TUNABLES, |w| {
        w.put_u64(attr::tunables::TIME_SLICE_NS, 1, nla::Order::Native)
    });
    assert_eq!(reject(&t, &range), (Errno::ERANGE, 8, 1), "out of range");

    // Nothing was changed by any of them.
    assert_eq!(status(&t).power_state, Some(power_state::FULL));
}

#[test]
fn admin_operations_need_privilege() {
    let dev = device();
    let t = open_as(&dev, user());
    let q = queue(&t);
    for e in [
        set_power(&t, power_state::LOW).unwrap_err(),
        ops::reset_queue(
            &t,
            REV,
            &ops::ResetQueueRequest {
                queue: Some(q),
                mode: Some(0),
            },
        )
        .unwrap_err(),
    ] {
        assert_eq!(e.errno(), Some(Errno::EPERM), "{e}");
    }
    // Checked before the attributes: a malformed request is EPERM too.
    let m = msg(ops::OP_SET_POWER_STATE, |w| {
        w.put_u32(99, 0, nla::Order::Native)
    });
    assert_eq!(reject(&t, &m), (Errno::EPERM, 0, 0));
    // The rest is open to everyone.
    status(&t);
    assert_eq!(status(&t).power_state, Some(power_state::FULL));
    let admin = open_as(&dev, admin());
    set_power(&admin, power_state::LOW).unwrap();
    assert_eq!(status(&t).power_state, Some(power_state::LOW));
}

#[test]
fn a_reply_that_does_not_fit_says_how_much_it_needs() {
    let dev = device();
    let t = open(&dev);
    let req = msg(ops::OP_GET_STATUS, |_| {});
    let mut big = vec![0u8; 4096];
    let full = ops::send(&t, REV, &req, &mut big).unwrap();
    for cap in [0, 8, full - 1] {
        let mut small = vec![0xeeu8; cap];
        let (res, arg) = ops::send_raw(&t, REV, &req, &mut small);
        assert_eq!(res.unwrap_err().errno(), Some(Errno::EMSGSIZE), "cap {cap}");
        assert_eq!(arg.reply_len as usize, full, "cap {cap}");
        assert_eq!((arg.error_offset, arg.error_attr), (0, 0));
        assert!(small.iter().all(|b| *b == 0xee), "nothing written");
    }
    let mut exact = vec![0u8; full];
    assert_eq!(ops::send(&t, REV, &req, &mut exact), Ok(full));
    assert_eq!(exact, big[..full]);
}

#[test]
fn a_device_without_the_capability_has_no_control() {
    let dev = device_with(DeviceConfig {
        device_capabilities: uapi::device_caps::ALL & !uapi::device_caps::CONTROL,
        ..DeviceConfig::default()
    });
    let t = open(&dev);
    assert_eq!(
        ops::get_status(&t, REV, &Default::default())
            .unwrap_err()
            .errno(),
        Some(Errno::ENOTTY)
    );
    // A driver of revision 2 has no CONTROL at all.
    let old = device_with(DeviceConfig {
        revision: 2,
        ..DeviceConfig::default()
    });
    let t = open(&old);
    assert_eq!(
        ops::get_status(&t, 2, &Default::default()).unwrap_err(),
        OpError::Unsupported {
            op: "get-status",
            since: 3,
            driver_revision: 2
        }
    );
    let mut reply = [0u8; 64];
    assert_eq!(
        ops::send(&t, REV, &msg(1, |_| {}), &mut reply)
            .unwrap_err()
            .errno(),
        Some(Errno::ENOTTY)
    );
}

// ------------------------------------------------------------ device node

/// Set by the parent for the re-executed test binary: the device node to
/// use, as user 65534.
const CHILD_ENV: &str = "SOFTACCEL_CONTROL_CHILD_NODE";

/// Not a test of its own: the body the unprivileged child runs (it
/// returns at once in a normal test run).
#[test]
fn unprivileged_child() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let t = uabi_runtime::transport::FdTransport::open(std::path::Path::new(&path))
        .expect("open the node as an unprivileged user");
    let q = node_queue(&t);
    let e = ops::set_power_state(
        &t,
        REV,
        &ops::SetPowerStateRequest {
            state: Some(power_state::LOW),
        },
    )
    .unwrap_err();
    assert_eq!(e.errno(), Some(Errno::EPERM), "{e}");
    let e = ops::reset_queue(
        &t,
        REV,
        &ops::ResetQueueRequest {
            queue: Some(q),
            mode: Some(0),
        },
    )
    .unwrap_err();
    assert_eq!(e.errno(), Some(Errno::EPERM), "{e}");
    // Everything else works for anyone.
    let s = ops::get_status(&t, REV, &Default::default()).unwrap();
    assert_eq!(s.power_state, Some(power_state::FULL));
    println!("CHILD-OK");
}

#[test]
fn through_the_node_permissions_follow_the_caller() {
    use std::os::unix::process::CommandExt;
    if node::check_available().is_err() && std::env::var("UABI_ALLOW_NO_FUSE").as_deref() == Ok("1")
    {
        uabi_test_support::skipped(
            "through_the_node_permissions_follow_the_caller",
            "no FUSE (UABI_ALLOW_NO_FUSE=1)",
        );
        return;
    }
    if !rustix::process::geteuid().is_root() {
        uabi_test_support::skipped(
            "through_the_node_permissions_follow_the_caller",
            "needs root to run a child as another user",
        );
        return;
    }
    // A mountpoint other users can reach.
    let dir = std::env::temp_dir().join(format!("softaccel-control-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let n = node::spawn(&dir, Device::new(DeviceConfig::default()).unwrap()).expect("spawn");
    let path = n.device_path();

    // As root: the node reads uid 0 from the request.
    let t = uabi_runtime::transport::FdTransport::open(&path).unwrap();
    let r = ops::set_power_state(
        &t,
        REV,
        &ops::SetPowerStateRequest {
            state: Some(power_state::LOW),
        },
    )
    .unwrap();
    assert_eq!(r.state, Some(power_state::LOW));
    ops::set_power_state(
        &t,
        REV,
        &ops::SetPowerStateRequest {
            state: Some(power_state::FULL),
        },
    )
    .unwrap();
    let q = node_queue(&t);
    assert_eq!(reset(&t, q, 0), Ok(0));
    // Extended ack and EMSGSIZE come back through FUSE too.
    let m = msg(ops::OP_SET_POWER_STATE, |w| {
        w.put_u32(1, 9, nla::Order::Native)
    });
    let mut reply = [0u8; 64];
    match ops::send(&t, REV, &m, &mut reply) {
        Err(OpError::Rejected {
            errno,
            offset,
            attr,
            ..
        }) => assert_eq!((errno, offset, attr), (Errno::EINVAL, 8, 1)),
        other => panic!("{other:?}"),
    }
    let (res, arg) = ops::send_raw(&t, REV, &msg(ops::OP_GET_STATUS, |_| {}), &mut [0; 8]);
    assert_eq!(res.unwrap_err().errno(), Some(Errno::EMSGSIZE));
    assert!(arg.reply_len > 8);
    let s = ops::get_status(&t, REV, &Default::default()).unwrap();
    assert_eq!(s.fw_version.as_deref(), Some("softaccel-fw 3.1.4"));

    // As nobody: EPERM for the admin operations.
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "--exact",
            "unprivileged_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &path)
        .uid(65534)
        .gid(65534)
        .output()
        .expect("run the child");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && text.contains("CHILD-OK"),
        "child failed:\n{text}"
    );
    drop(t);
    drop(n);
    let _ = std::fs::remove_dir(&dir);
}

/// A normal queue on a transport of any kind.
fn node_queue<T: Transport + ?Sized>(t: &T) -> u32 {
    let mut arg = softaccel_driver::accel_uapi::QueueCreate {
        priority: softaccel_driver::accel_uapi::queue_priority::NORMAL,
        ..Default::default()
    };
    softaccel_user::accel_user::queue_create(t, softaccel_driver::accel_uapi::REVISION, &mut arg)
        .expect("queue");
    arg.handle
}

// ------------------------------------------------------------ fuzz

/// Random and mutated messages through the real driver: every answer is
/// a success or an errno CONTROL documents, error offsets lie inside the
/// request, and the device still works afterwards.
#[test]
fn random_messages_get_documented_answers() {
    const DOCUMENTED: [Errno; 8] = [
        Errno::EINVAL,
        Errno::ERANGE,
        Errno::EOPNOTSUPP,
        Errno::EPERM,
        Errno::EMSGSIZE,
        Errno::ENOENT,
        Errno::EFAULT,
        Errno::E2BIG,
    ];
    let dev = device();
    let t = open_as(&dev, admin());
    let q = queue(&t);
    let mut rng = uabi_test_support::Rng::new(0x9e37_79b9_7f4a_7c15);
    let mut next = move || rng.u64();
    let valid = [
        msg(ops::OP_GET_STATUS, |_| {}),
        msg(ops::OP_SET_POWER_STATE, |w| {
            w.put_u32(attr::power::STATE, 0, nla::Order::Native)
        }),
        msg(ops::OP_RESET_QUEUE, |w| {
            w.put_u32(attr::queue_reset::QUEUE, q, nla::Order::Native);
            w.put_u32(attr::queue_reset::MODE, 1, nla::Order::Native);
        }),
        msg(ops::OP_SET_TUNABLES, |w| {
            w.put_u64(attr::tunables::TIME_SLICE_NS, 20_000, nla::Order::Native)
        }),
        msg(ops::OP_FW_COMMAND, |w| {
            let mut m = [0u8; 16];
            m[1] = 1;
            w.put(attr::fw::REQUEST, &m);
        }),
    ];
    for i in 0..20_000u32 {
        let mut m = valid[(next() % valid.len() as u64) as usize].clone();
        for _ in 0..=next() % 4 {
            let at = (next() % m.len() as u64) as usize;
            m[at] = next() as u8;
        }
        if next() % 4 == 0 {
            let cut = (next() % (m.len() as u64 + 1)) as usize;
            m.truncate(cut);
        }
        if i % 7 == 0 {
            m = (0..next() % 40).map(|_| next() as u8).collect();
        }
        let mut reply = vec![0u8; (next() % 256) as usize];
        let (res, arg) = ops::send_raw(&t, REV, &m, &mut reply);
        match res {
            Ok(()) => assert!(arg.reply_len as usize <= reply.len()),
            Err(OpError::Rejected {
                errno,
                offset,
                attr,
                ..
            }) => {
                assert!(DOCUMENTED.contains(&errno), "{errno} for {m:?}");
                // A header (of the message or an attribute) inside it.
                assert!(
                    offset == 0 || (offset as usize) < m.len(),
                    "{offset} in {m:?}"
                );
                assert!(offset == 0 || offset >= 8);
                assert!(attr <= u32::from(nla::NLA_TYPE_MASK));
                if errno == Errno::EMSGSIZE {
                    assert!(arg.reply_len as usize > reply.len());
                }
            }
            Err(other) => panic!("{other:?}"),
        }
    }
    // Still a working device.
    set_power(&t, power_state::FULL).unwrap();
    let cmd = fill_cmd(&t, 64);
    let s = submit(&t, q, &[cmd]).unwrap();
    wait(&t, q, s);
    assert_eq!(status(&t).fw_version.as_deref(), Some("softaccel-fw 3.1.4"));
}
