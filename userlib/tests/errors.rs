//! Errors: what the driver answers, mapped to the library's kinds, and
//! what the library refuses itself.

mod common;

use common::{Paused, bo, suite};
use softaccel::accel::{BoFlags, Capabilities, Param, QueueFlags, QueuePriority};
use softaccel::softaccel::{Batch, Device};
use softaccel::softaccel_user::{accel_user, uapi};
use softaccel::{CallError, Errno, Error, Mapping, Transport};
use softaccel_driver as drv;

fn config_without(caps: u32) -> drv::DeviceConfig {
    drv::DeviceConfig {
        capabilities: accel_user::uapi::capabilities::ALL & !caps,
        ..Default::default()
    }
}

/// Answers GET_PARAM of one parameter with 0, like a broken driver.
struct ZeroParam<T> {
    inner: T,
    param: u32,
}

impl<T: Transport> Transport for ZeroParam<T> {
    unsafe fn ioctl(&self, cmd: u32, arg: *mut u8) -> Result<(), Errno> {
        // SAFETY: forwarded unchanged from this function's own contract.
        unsafe { self.inner.ioctl(cmd, arg) }?;
        if cmd == accel_user::uapi::IOCTL_GET_PARAM {
            // SAFETY: for GET_PARAM the contract makes `arg` a valid,
            // exclusively borrowed `GetParam` (the library passes one).
            let p = unsafe { &mut *arg.cast::<accel_user::uapi::GetParam>() };
            if p.param == self.param {
                p.value = 0;
            }
        }
        Ok(())
    }

    fn mmap(&self, offset: u64, len: usize) -> Result<Mapping, Errno> {
        self.inner.mmap(offset, len)
    }
}

suite! {
    #[test]
    fn bo_create_errors() {
        let (_d, dev) = setup();
        let e = dev.create_bo(0, BoFlags::HOST_VISIBLE).unwrap_err();
        assert_eq!(e, Error::InvalidArgument { ioctl: "bo-create" });
        assert_eq!(e.errno(), Some(Errno::EINVAL));
        assert_eq!(e.ioctl(), Some("bo-create"));
        assert_eq!(e.to_string(), "bo-create: invalid argument (EINVAL)");
        let max = dev.param(Param::MaxBoSize).unwrap();
        assert_eq!(
            dev.create_bo(max + 1, BoFlags::empty()).unwrap_err(),
            Error::InvalidArgument { ioctl: "bo-create" }
        );
        assert_eq!(
            dev.create_bo(4096, BoFlags::WRITE_COMBINE).unwrap_err(),
            Error::InvalidArgument { ioctl: "bo-create" }
        );
        assert_eq!(
            dev.create_bo(4096, BoFlags::from_bits_retain(0x100))
                .unwrap_err(),
            Error::InvalidArgument { ioctl: "bo-create" }
        );
    }

    #[test]
    fn host_visible_needs_the_capability() {
        let (_d, dev) = setup_with(config_without(
            accel_user::uapi::capabilities::HOST_VISIBLE_BO,
        ));
        assert!(
            !dev.capabilities()
                .unwrap()
                .contains(Capabilities::HOST_VISIBLE_BO)
        );
        let e = dev.create_bo(4096, BoFlags::HOST_VISIBLE).unwrap_err();
        assert_eq!(
            e,
            Error::NotSupported {
                ioctl: "bo-create",
                errno: Errno::EOPNOTSUPP
            }
        );
        let mut x = dev.create_bo(4096, BoFlags::empty()).unwrap();
        let h = x.handle();
        assert_eq!(x.map().unwrap_err(), Error::NotHostVisible { handle: h });
    }

    #[test]
    fn param_errors() {
        let (_d, dev) = setup();
        assert_eq!(
            dev.raw_param(0xffff).unwrap_err(),
            Error::InvalidArgument { ioctl: "get-param" }
        );
        assert_eq!(
            dev.set_param(Param::PageSize, 8192).unwrap_err(),
            Error::InvalidArgument { ioctl: "set-param" }
        );
        assert_eq!(
            dev.set_param(Param::PerfStatsEnable, 2).unwrap_err(),
            Error::InvalidArgument { ioctl: "set-param" }
        );
        let (_d, dev) = setup_with(config_without(accel_user::uapi::capabilities::PERF_STATS));
        assert_eq!(
            dev.set_perf_stats_enabled(true).unwrap_err(),
            Error::NotSupported {
                ioctl: "set-param",
                errno: Errno::EOPNOTSUPP
            }
        );
        assert_eq!(
            dev.perf_stats(false).unwrap_err(),
            Error::NotSupported {
                ioctl: "perf-stats",
                errno: Errno::EOPNOTSUPP
            }
        );
    }

    #[test]
    fn queue_errors() {
        use accel_user::uapi::capabilities as c;
        let (_d, dev) = setup_with(config_without(c::QUEUE_PRIORITY | c::TURBO_QUEUE));
        let unsupported = Error::NotSupported {
            ioctl: "queue-create",
            errno: Errno::EOPNOTSUPP,
        };
        assert_eq!(
            dev.create_queue(QueuePriority::High, QueueFlags::empty())
                .unwrap_err(),
            unsupported
        );
        assert_eq!(
            dev.create_queue(QueuePriority::Normal, QueueFlags::TURBO)
                .unwrap_err(),
            unsupported
        );
        assert_eq!(
            dev.create_queue(QueuePriority::Normal, QueueFlags::from_bits_retain(0x80))
                .unwrap_err(),
            Error::InvalidArgument {
                ioctl: "queue-create"
            }
        );

        let driver = new_driver(drv::DeviceConfig {
            num_queues_max: 2,
            ..Default::default()
        });
        let dev = open_with(
            &driver,
            drv::Creds {
                cap_sys_nice: false,
                privileged: false,
            },
        );
        let e = dev
            .create_queue(QueuePriority::Realtime, QueueFlags::empty())
            .unwrap_err();
        assert_eq!(
            e,
            Error::PermissionDenied {
                ioctl: "queue-create",
                errno: Errno::EPERM
            }
        );
        let _q1 = dev
            .create_queue(QueuePriority::Normal, QueueFlags::empty())
            .unwrap();
        let _q2 = dev
            .create_queue(QueuePriority::Normal, QueueFlags::empty())
            .unwrap();
        let e = dev
            .create_queue(QueuePriority::Normal, QueueFlags::empty())
            .unwrap_err();
        assert_eq!(
            e,
            Error::NoSpace {
                ioctl: "queue-create"
            }
        );
    }

    #[test]
    fn submit_errors() {
        let (_d, dev) = setup();
        let x = bo(&dev, 4096);
        let q = dev
            .create_queue(QueuePriority::Normal, QueueFlags::empty())
            .unwrap();
        let einval = Error::InvalidArgument { ioctl: "submit" };

        let empty = Batch::new();
        assert_eq!(dev.submit(&q, &empty).unwrap_err(), einval, "cmd-count 0");
        let mut b = Batch::new();
        b.fill(&x, 4097, 0);
        assert_eq!(
            dev.submit(&q, &b).unwrap_err(),
            einval,
            "range outside the BO"
        );
        let mut b = Batch::new();
        b.add_u32(x.at(1), &x, x.at(2048), 4);
        assert_eq!(dev.submit(&q, &b).unwrap_err(), einval, "misaligned");
        let mut b = Batch::new();
        b.crc32c(&x, &x, 16, 0);
        assert_eq!(dev.submit(&q, &b).unwrap_err(), einval, "overlap");
        let mut b = Batch::new();
        for _ in 0..=uapi::MAX_CMDS_PER_SUBMIT {
            b.fill(&x, 8, 0);
        }
        assert_eq!(dev.submit(&q, &b).unwrap_err(), einval, "too many commands");
        // Nothing was queued: the next seqno is still 1.
        let mut b = Batch::new();
        b.fill(&x, 8, 0);
        assert_eq!(dev.submit(&q, &b).unwrap().seqno(), 1);
    }

    #[test]
    fn timestamps_need_the_capability() {
        let (_d, dev) = setup_with(config_without(accel_user::uapi::capabilities::TIMESTAMPS));
        let x = bo(&dev, 4096);
        let q = dev
            .create_queue(QueuePriority::Normal, QueueFlags::empty())
            .unwrap();
        let mut b = Batch::new();
        b.timestamp(&x);
        assert_eq!(
            dev.submit(&q, &b).unwrap_err(),
            Error::NotSupported {
                ioctl: "submit",
                errno: Errno::EOPNOTSUPP
            }
        );
    }

    #[test]
    fn a_full_queue_is_busy() {
        let (d, dev) = setup();
        let x = bo(&dev, 4096);
        let q = dev
            .create_queue(QueuePriority::Normal, QueueFlags::empty())
            .unwrap();
        let mut b = Batch::new();
        b.fill(&x, 8, 0);
        let paused = Paused::new(&d);
        for _ in 0..uapi::MAX_INFLIGHT_SUBMITS {
            dev.submit(&q, &b).unwrap();
        }
        assert_eq!(
            dev.submit(&q, &b).unwrap_err(),
            Error::Busy { ioctl: "submit" }
        );
        drop(paused);
        q.wait_idle().unwrap();
        dev.submit(&q, &b).unwrap();
    }

    #[test]
    fn objects_of_another_device_are_refused() {
        let (d, dev) = setup();
        let other = open(&d);
        let mine = bo(&dev, 4096);
        let theirs = bo(&other, 4096);
        let q = dev
            .create_queue(QueuePriority::Normal, QueueFlags::empty())
            .unwrap();
        let their_q = other
            .create_queue(QueuePriority::Normal, QueueFlags::empty())
            .unwrap();
        let mut b = Batch::new();
        b.copy(&mine, &theirs, 8);
        assert_eq!(
            dev.submit(&q, &b).unwrap_err(),
            Error::ForeignObject { what: "BO" }
        );
        let mut b = Batch::new();
        b.fill(&mine, 8, 0);
        assert_eq!(
            dev.submit(&their_q, &b).unwrap_err(),
            Error::ForeignObject { what: "queue" }
        );
        let f = dev.submit(&q, &b).unwrap();
        assert_eq!(
            theirs.track(&f).unwrap_err(),
            Error::ForeignObject { what: "fence" }
        );
    }

    #[test]
    fn revision_zero_is_refused_at_open() {
        let d = new_driver(drv::DeviceConfig::default());
        for (param, name) in [
            (accel_user::uapi::param::CORE_REVISION, "core-revision"),
            (accel_user::uapi::param::REVISION, "revision"),
        ] {
            let t = ZeroParam {
                inner: transport(&d),
                param,
            };
            let e = Device::new(t).unwrap_err();
            assert_eq!(e, Error::BadRevision { param: name });
            assert_eq!(e.errno(), None);
        }
        assert_eq!(d.counters().files, 0, "the refused transports were closed");
    }

    #[test]
    fn stale_handles_are_not_found() {
        // The library never sends a stale handle itself; a second library
        // object for the same handle can, and the driver's answer is mapped.
        let (_d, dev) = setup();
        let x = bo(&dev, 4096);
        let h = x.handle();
        x.destroy().unwrap();
        let mut arg = accel_user::uapi::BoInfo {
            handle: h,
            ..Default::default()
        };
        // SAFETY: the test sends a BO_INFO no BO tracks; nothing is mapped.
        let t = unsafe { dev.transport() };
        let e: Error = accel_user::bo_info(t, dev.core_revision(), &mut arg)
            .unwrap_err()
            .into();
        assert_eq!(
            e,
            Error::NotFound {
                ioctl: "bo-info",
                errno: Errno::ENOENT
            }
        );
    }
}

#[test]
fn call_errors_map() {
    let e: Error = CallError::Unsupported {
        ioctl: "submit",
        since: 2,
        driver_revision: 1,
    }
    .into();
    assert_eq!(
        e,
        Error::Unsupported {
            what: "submit",
            since: 2,
            driver_revision: 1
        }
    );
    assert_eq!(
        e.to_string(),
        "submit needs ABI revision 2; the driver implements revision 1"
    );
    assert_eq!((e.errno(), e.ioctl()), (None, None));
    let e: Error = CallError::TooLong {
        ioctl: "submit",
        len: 9,
    }
    .into();
    assert_eq!(
        e,
        Error::TooLong {
            what: "submit",
            len: 9
        }
    );
    let cases = [
        (Errno::EINVAL, Error::InvalidArgument { ioctl: "x" }),
        (
            Errno::ENOENT,
            Error::NotFound {
                ioctl: "x",
                errno: Errno::ENOENT,
            },
        ),
        (Errno::ENOMEM, Error::OutOfMemory { ioctl: "x" }),
        (Errno::EBUSY, Error::Busy { ioctl: "x" }),
        (Errno::ETIMEDOUT, Error::Timeout { ioctl: "x" }),
        (Errno::EFAULT, Error::Fault { ioctl: "x" }),
        (Errno::E2BIG, Error::ArgumentTooBig { ioctl: "x" }),
        (
            Errno::ENOTTY,
            Error::NotSupported {
                ioctl: "x",
                errno: Errno::ENOTTY,
            },
        ),
        (
            Errno::EOPNOTSUPP,
            Error::NotSupported {
                ioctl: "x",
                errno: Errno::EOPNOTSUPP,
            },
        ),
        (
            Errno::EPERM,
            Error::PermissionDenied {
                ioctl: "x",
                errno: Errno::EPERM,
            },
        ),
        (Errno::ENOSPC, Error::NoSpace { ioctl: "x" }),
        (Errno::EINTR, Error::Interrupted { ioctl: "x" }),
        (
            Errno::EIO,
            Error::Other {
                ioctl: "x",
                errno: Errno::EIO,
            },
        ),
    ];
    for (errno, want) in cases {
        let got: Error = CallError::Errno { ioctl: "x", errno }.into();
        assert_eq!(got, want);
        assert_eq!(got.errno(), Some(errno));
        assert_eq!(got.ioctl(), Some("x"));
        assert!(got.to_string().starts_with("x: "), "{got}");
    }
}
