//! CONTROL, the netlink-style control path: the message header, every
//! operation's request policy (lengths, nesting, ranges, enums, unknown
//! and repeated attributes), the permission check and the handlers, run
//! through the generated dispatch with the in-process driver, plus each
//! operation's request parser on its own at every revision. A reply the
//! driver writes must always pass the spec's reply policy, fit the
//! caller's buffer, and echo the operation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use softaccel_driver::{Creds, Device, DeviceConfig, accel_uapi, uapi};
use softaccel_kernel::operations as o;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use uabi_fuzz::Tape;
use uabi_fuzz::usermem::FakeMem;
use uabi_runtime::zerocopy::{FromBytes, IntoBytes};
use uabi_runtime::{Errno, nla};

fn device() -> &'static Arc<Device> {
    static DEV: OnceLock<Arc<Device>> = OnceLock::new();
    DEV.get_or_init(|| match Device::new(DeviceConfig::default()) {
        Ok(d) => d,
        Err(e) => panic!("no device: {e}"),
    })
}

/// Errnos the spec documents for CONTROL and its operations.
const DOCUMENTED: &[Errno] = &[
    Errno::EINVAL,
    Errno::ERANGE,
    Errno::EPERM,
    Errno::EOPNOTSUPP,
    Errno::EMSGSIZE,
    Errno::EFAULT,
    Errno::ENOENT,
    Errno::ENOMEM,
    Errno::E2BIG,
    Errno::ENOTTY,
];

type Parse = fn(&[u8], u32) -> Result<(), nla::Error>;

/// Every operation: its value, request parser and reply policy.
const OPS: &[(u16, Parse, &nla::Policy)] = &[
    (
        o::OP_GET_STATUS,
        |a, r| o::GetStatusRequest::parse(a, r).map(|_| ()),
        &o::GET_STATUS_REPLY,
    ),
    (
        o::OP_GET_COUNTERS,
        |a, r| o::GetCountersRequest::parse(a, r).map(|_| ()),
        &o::GET_COUNTERS_REPLY,
    ),
    (
        o::OP_SET_POWER_STATE,
        |a, r| o::SetPowerStateRequest::parse(a, r).map(|_| ()),
        &o::SET_POWER_STATE_REPLY,
    ),
    (
        o::OP_RESET_QUEUE,
        |a, r| o::ResetQueueRequest::parse(a, r).map(|_| ()),
        &o::RESET_QUEUE_REPLY,
    ),
    (
        o::OP_GET_TUNABLES,
        |a, r| o::GetTunablesRequest::parse(a, r).map(|_| ()),
        &o::GET_TUNABLES_REPLY,
    ),
    (
        o::OP_SET_TUNABLES,
        |a, r| o::SetTunablesRequest::parse(a, r).map(|_| ()),
        &o::SET_TUNABLES_REPLY,
    ),
    (
        o::OP_FW_COMMAND,
        |a, r| o::FwCommandRequest::parse(a, r).map(|_| ()),
        &o::FW_COMMAND_REPLY,
    ),
];

fuzz_target!(|data: &[u8]| {
    let dev = device();
    let mut t = Tape::new(data);
    let privileged = t.u8() & 1 == 1;
    let op_pick = t.u8();
    let op = match OPS.get(usize::from(op_pick % 9)) {
        Some((op, _, _)) => *op,
        None => t.u16(),
    };
    let (flags, reserved) = if t.u8() == 0xff {
        (t.u16(), t.u32())
    } else {
        (0, 0)
    };
    let reply_cap = match t.u8() % 10 {
        0 => 0,
        1 => 8,
        2 => 16,
        3 => 64,
        4 => t.u32(),
        5 => nla::MAX_MSG as u32 + 1,
        _ => 4096,
    };
    // The reply buffer: as large as claimed (up to a limit), or shorter.
    let reply_room = if t.u8() == 0 {
        t.below(64)
    } else {
        reply_cap.min(1 << 17) as usize
    };
    let len_skew = t.u8();
    let attrs = t.rest();

    for (_, parse, _) in OPS {
        for rev in 0..=uapi::REVISION + 1 {
            if let Err(e) = parse(attrs, rev) {
                assert!(DOCUMENTED.contains(&e.errno), "parse: {}", e.errno);
            }
        }
    }

    let Ok(file) = dev.open_with(Creds {
        cap_sys_nice: false,
        privileged,
    }) else {
        return;
    };
    let mut msg = nla::Header {
        op,
        flags,
        reserved,
    }
    .to_bytes()
    .to_vec();
    msg.extend_from_slice(attrs);
    let request_len = match len_skew {
        0 => 0,
        1 => msg.len().saturating_sub(1),
        2 => msg.len() + 1,
        _ => msg.len(),
    } as u32;
    let arg = uapi::Control {
        request: FakeMem::base(1),
        reply: FakeMem::base(2),
        request_len,
        reply_cap,
        ..uapi::Control::ZERO
    };
    // Region 3 holds a QUEUE_CREATE argument: queue 1 exists for
    // reset-queue to find.
    let mem = FakeMem::new(
        vec![
            arg.as_bytes().to_vec(),
            msg.clone(),
            vec![0u8; reply_room],
            accel_uapi::QueueCreate::ZERO.as_bytes().to_vec(),
        ],
        None,
    );
    let queue = softaccel_kernel::dispatch(
        &**dev,
        &file,
        &mem,
        accel_uapi::IOCTL_QUEUE_CREATE,
        FakeMem::base(3),
    );
    assert!(queue.is_ok(), "queue-create: {queue:?}");

    let r = softaccel_kernel::dispatch(&**dev, &file, &mem, uapi::IOCTL_CONTROL, FakeMem::base(0));
    let back = mem.region(0);
    let out = match uapi::Control::read_from_bytes(&back) {
        Ok(c) => c,
        Err(_) => panic!("the argument region changed size"),
    };
    match r {
        Ok(()) => {
            let reply = mem.region(2);
            let n = out.reply_len as usize;
            assert!(
                out.reply_len <= reply_cap && n <= reply.len(),
                "reply of {n} in a buffer of {reply_cap}"
            );
            let body = &reply[..n];
            let h = match nla::Header::parse_strict(body) {
                Ok(h) => h,
                Err(e) => panic!("a reply without a valid header: {}", e.errno),
            };
            assert_eq!(h.op, op, "the reply names another operation");
            let policy = OPS.iter().find(|(v, _, _)| *v == op).map(|(_, _, p)| *p);
            let Some(policy) = policy else {
                panic!("operation {op} succeeded without being one")
            };
            if let Err(e) = nla::validate(
                &body[nla::MSG_HDRLEN..],
                nla::MSG_HDRLEN,
                policy,
                uapi::REVISION,
                nla::Unknown::Reject,
            ) {
                panic!(
                    "the reply of operation {op} breaks its policy: {} at {} (attr {})",
                    e.errno, e.offset, e.attr
                );
            }
        }
        Err(e) => {
            assert!(DOCUMENTED.contains(&e), "control: {e}");
            if e == Errno::EMSGSIZE {
                assert!(out.reply_len > reply_cap, "EMSGSIZE with a reply that fits");
            }
            assert!(
                out.error_offset <= request_len.max(msg.len() as u32),
                "error offset past the message"
            );
        }
    }
    dev.release(&file);
    drop(file);
    assert!(
        dev.wait_idle(Duration::from_secs(10)),
        "work left pending after close"
    );
});
