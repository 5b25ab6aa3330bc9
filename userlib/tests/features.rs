//! The features revision 2 added, end to end: the library discovers each
//! from the capability bits the device announces, uses it, and refuses it
//! cleanly (`Error::FeatureUnsupported`, without calling the driver) on a
//! device that does not announce it, while everything older keeps
//! working. The driver restricted to revision 1 is the compatibility
//! matrix's business (compat-tests/tests/matrix.rs); here the same
//! revision-2 driver is configured without each feature.

mod common;

use common::{Paused, Recording, bo, suite};
use softaccel::accel::{BoFlags, Capabilities, Param, QueueFlags, QueuePriority};
use softaccel::softaccel::{Batch, Device, DeviceCaps};
use softaccel::softaccel_user::{accel_user, uapi};
use softaccel::{CallError, Errno, Error, Mapping, Transport};
use softaccel_driver as drv;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const SEC: Duration = Duration::from_secs(10);

fn config_without(caps: u32, device_caps: u32) -> drv::DeviceConfig {
    drv::DeviceConfig {
        capabilities: accel_user::uapi::capabilities::ALL & !caps,
        device_capabilities: uapi::device_caps::ALL & !device_caps,
        ..Default::default()
    }
}

/// Every revision-2 feature, refused by the library and not sent.
fn assert_all_refused<T: softaccel::Transport>(dev: &Device<T>) {
    let e = dev
        .create_bo_aligned(4096, BoFlags::HOST_VISIBLE, 1 << 16)
        .unwrap_err();
    assert_eq!(
        e,
        Error::FeatureUnsupported {
            what: "BO alignment",
            capability: "bo-alignment"
        }
    );
    assert!(e.is_unsupported());
    assert_eq!(e.errno(), None, "the driver was not asked");
    assert_eq!(
        e.to_string(),
        "BO alignment is not supported: the device does not announce the bo-alignment capability"
    );
    assert!(
        dev.max_bo_alignment()
            .is_err_and(|e| matches!(e, Error::FeatureUnsupported { .. }))
    );
    assert_eq!(
        dev.create_bo(4096, BoFlags::HOST_VISIBLE | BoFlags::DEVICE_READ_ONLY)
            .unwrap_err(),
        Error::FeatureUnsupported {
            what: "device-read-only BO",
            capability: "read-only-bo"
        }
    );
    let mut a = bo(dev, 4096);
    let q = dev
        .create_queue(QueuePriority::Normal, QueueFlags::empty())
        .unwrap();
    {
        let mut batch = Batch::new();
        batch
            .fill_u32(&a, 4, 1)
            .xor_u32(a.at(0), a.at(4), a.at(0), 1);
        assert_eq!(
            dev.submit(&q, &batch).unwrap_err(),
            Error::FeatureUnsupported {
                what: "xor-u32 command",
                capability: "xor-u32"
            }
        );
    }
    assert_eq!(
        dev.queue_info(&q).unwrap_err(),
        Error::FeatureUnsupported {
            what: "queue-info",
            capability: "queue-info"
        }
    );
    // Nothing was queued by the refused batch; older calls still work.
    {
        let mut batch = Batch::new();
        batch
            .fill_u32(&a, 4, 7)
            .add_u32(a.at(0), a.at(4), a.at(8), 1);
        dev.submit(&q, &batch).unwrap().wait(SEC).unwrap();
    }
    assert_eq!(a.map().unwrap().read_u32s(0, 3), [7, 7, 14]);
}

/// Forwards to `inner`, counting the calls.
struct Counting<T> {
    inner: T,
    calls: AtomicUsize,
}

impl<T: Transport> Transport for Counting<T> {
    unsafe fn ioctl(&self, cmd: u32, arg: *mut u8) -> Result<(), Errno> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged from this function's own contract.
        unsafe { self.inner.ioctl(cmd, arg) }
    }

    fn mmap(&self, offset: u64, len: usize) -> Result<Mapping, Errno> {
        self.inner.mmap(offset, len)
    }
}

suite! {
    #[test]
    fn the_reference_device_announces_every_revision_2_feature() {
        let config = drv::DeviceConfig::default();
        let (_d, dev) = setup_with(config.clone());
        let caps = dev.capabilities().unwrap();
        assert!(caps.contains(Capabilities::BO_ALIGNMENT | Capabilities::READ_ONLY_BO));
        assert!(dev.device_caps().unwrap().contains(DeviceCaps::XOR_U32 | DeviceCaps::QUEUE_INFO));
        assert_eq!(
            dev.device_caps().unwrap(),
            DeviceCaps::from_bits_retain(uapi::device_caps::ALL),
            "revision 3's features too"
        );
        assert_eq!(dev.max_bo_alignment().unwrap(), config.max_bo_alignment);
        let info = dev.info().unwrap();
        assert_eq!(info.max_bo_alignment, config.max_bo_alignment);
        assert_eq!(info.device_capabilities, uapi::device_caps::ALL);
        assert_eq!(
            dev.param_if_known(Param::DeviceCapabilities).unwrap(),
            Some(u64::from(uapi::device_caps::ALL))
        );
    }

    #[test]
    fn capabilities_are_asked_once() {
        let driver = new_driver(drv::DeviceConfig::default());
        let counting = Arc::new(Counting {
            inner: Recording::new(transport(&driver)),
            calls: AtomicUsize::new(0),
        });
        let dev = Device::new(counting.clone()).unwrap();
        let count = || counting.calls.load(Ordering::Relaxed);
        let opened = count();
        dev.device_caps().unwrap();
        dev.capabilities().unwrap();
        assert_eq!(count(), opened + 2);
        for _ in 0..3 {
            dev.device_caps().unwrap();
            dev.capabilities().unwrap();
            dev.create_bo_aligned(4096, BoFlags::DEVICE_READ_ONLY, 1 << 16).unwrap();
        }
        // Each BO: BO_CREATE, BO_INFO, BO_DESTROY; no GET_PARAM.
        assert_eq!(count(), opened + 2 + 3 * 3);
        assert_eq!(
            counting.inner.seen(),
            [
                accel_user::uapi::IOCTL_GET_PARAM,
                accel_user::uapi::IOCTL_BO_CREATE,
                accel_user::uapi::IOCTL_BO_INFO,
                accel_user::uapi::IOCTL_BO_DESTROY
            ]
            .into()
        );
    }

    #[test]
    fn aligned_bos_are_placed_at_multiples_of_their_alignment() {
        let (_d, dev) = setup();
        let page = dev.param(Param::PageSize).unwrap();
        let max = dev.max_bo_alignment().unwrap();
        assert!(max.is_power_of_two() && max >= page);
        // An unaligned BO first, so the next offset is not aligned by luck.
        let _first = bo(&dev, 4096);
        for align in [page * 4, max, 0, 1, page] {
            let mut b = dev
                .create_bo_aligned(100, BoFlags::HOST_VISIBLE, align)
                .unwrap();
            assert_eq!(b.size(), page, "alignment does not change the size");
            assert_eq!(b.mmap_offset() % align.max(page), 0, "alignment {align}");
            let mut m = b.map().unwrap();
            m.write_u32s(0, &[0xa11]);
            assert_eq!(m.read_u32s(0, 1), [0xa11]);
        }
        for bad in [page * 3, max * 2, u64::MAX] {
            assert_eq!(
                dev.create_bo_aligned(4096, BoFlags::empty(), bad).unwrap_err(),
                Error::InvalidArgument { ioctl: "bo-create" },
                "alignment {bad}"
            );
        }
    }

    #[test]
    fn device_read_only_bos_are_read_but_never_written_by_commands() {
        let (d, dev) = setup();
        let mut ro = dev
            .create_bo(4096, BoFlags::HOST_VISIBLE | BoFlags::DEVICE_READ_ONLY)
            .unwrap();
        assert_eq!(ro.flags(), BoFlags::HOST_VISIBLE | BoFlags::DEVICE_READ_ONLY);
        assert_eq!(ro.query().unwrap().flags, ro.flags(), "BO_INFO reports it");
        ro.map().unwrap().write_u32s(0, &[5, 6, 7, 8]);
        let mut out = bo(&dev, 4096);
        let q = dev
            .create_queue(QueuePriority::Normal, QueueFlags::empty())
            .unwrap();
        let mut batch = Batch::new();
        batch.copy(&ro, &out, 16).add_u32(ro.at(0), ro.at(4), out.at(16), 1);
        dev.submit(&q, &batch).unwrap().wait(SEC).unwrap();
        drop(batch);
        assert_eq!(out.map().unwrap().read_u32s(0, 5), [5, 6, 7, 8, 11]);
        let submits = d.counters().submits;
        for write in [
            Batch::new().fill_u32(&ro, 1, 0).cmds().to_vec(),
            Batch::new().copy(&out, &ro, 4).cmds().to_vec(),
        ] {
            // The library leaves the rule to the driver: EACCES.
            let mut arg = uapi::Submit {
                queue: q.handle(),
                ..uapi::Submit::ZERO
            };
            // SAFETY: the transport is only used for a SUBMIT that the
            // driver rejects, so no work is left untracked.
            let t = unsafe { dev.transport() };
            let e = softaccel::softaccel_user::submit(t, dev.device_revision(), &mut arg, &write)
                .unwrap_err();
            assert_eq!(Error::from(e), Error::PermissionDenied { ioctl: "submit", errno: Errno::EACCES });
        }
        let mut batch = Batch::new();
        batch.copy(&out, &ro, 4);
        assert_eq!(
            dev.submit(&q, &batch).unwrap_err(),
            Error::PermissionDenied { ioctl: "submit", errno: Errno::EACCES }
        );
        assert_eq!(d.counters().submits, submits, "nothing was queued");
        drop(batch);
        assert_eq!(ro.map().unwrap().read_u32s(0, 4), [5, 6, 7, 8]);
    }

    #[test]
    fn xor_u32_computes_the_exclusive_or() {
        let (_d, dev) = setup();
        let mut a = bo(&dev, 4096);
        let mut b = bo(&dev, 4096);
        let xs: Vec<u32> = (0..1024u32).map(|i| i.wrapping_mul(0x9e37_79b9)).collect();
        let ys: Vec<u32> = (0..1024u32).map(|i| !i ^ 0x5a5a_0000).collect();
        a.map().unwrap().write_u32s(0, &xs);
        b.map().unwrap().write_u32s(0, &ys);
        let mut c = bo(&dev, 4096);
        let q = dev
            .create_queue(QueuePriority::Normal, QueueFlags::empty())
            .unwrap();
        let mut batch = Batch::new();
        batch
            .xor_u32(&a, &b, &c, 1024)
            // In place, onto a source: a ^ b ^ b == a.
            .xor_u32(&c, &b, &c, 1024);
        assert_eq!(batch.cmds()[0].opcode, uapi::opcode::XOR_U32);
        dev.submit(&q, &batch).unwrap().wait(SEC).unwrap();
        drop(batch);
        assert_eq!(c.map().unwrap().read_u32s(0, 1024), xs);
        let mut batch = Batch::new();
        batch.xor_u32(&a, &b, &c, 1024);
        dev.submit(&q, &batch).unwrap().wait(SEC).unwrap();
        drop(batch);
        let want: Vec<u32> = xs.iter().zip(&ys).map(|(x, y)| x ^ y).collect();
        assert_eq!(c.map().unwrap().read_u32s(0, 1024), want);
        // The add rules apply: misaligned offsets and partial overlap.
        for bad in [
            Batch::new().xor_u32(a.at(2), &b, &c, 1).cmds().to_vec(),
            Batch::new().xor_u32(a.at(0), &b, a.at(4), 4).cmds().to_vec(),
        ] {
            let mut arg = uapi::Submit {
                queue: q.handle(),
                ..uapi::Submit::ZERO
            };
            // SAFETY: a SUBMIT the driver rejects leaves no work untracked.
            let t = unsafe { dev.transport() };
            let e = softaccel::softaccel_user::submit(t, dev.device_revision(), &mut arg, &bad)
                .unwrap_err();
            assert_eq!(e, CallError::Errno { ioctl: "submit", errno: Errno::EINVAL });
        }
    }

    #[test]
    fn queue_info_reports_the_queue_and_its_progress() {
        let (d, dev) = setup();
        let q = dev.create_queue(QueuePriority::High, QueueFlags::TURBO).unwrap();
        let info = dev.queue_info(&q).unwrap();
        assert_eq!(info.priority, Some(QueuePriority::High));
        assert_eq!(info.flags, QueueFlags::TURBO);
        assert_eq!((info.inflight, info.last_seqno, info.completed_seqno), (0, 0, 0));
        let a = bo(&dev, 4096);
        let mut batch = Batch::new();
        batch.fill_u32(&a, 4, 1);
        let fence = {
            let _paused = Paused::new(&d);
            dev.submit(&q, &batch).unwrap();
            let fence = dev.submit(&q, &batch).unwrap();
            let info = dev.queue_info(&q).unwrap();
            assert_eq!((info.inflight, info.last_seqno, info.completed_seqno), (2, 2, 0));
            fence
        };
        fence.wait(SEC).unwrap();
        let info = dev.queue_info(&q).unwrap();
        assert_eq!((info.inflight, info.last_seqno, info.completed_seqno), (0, 2, 2));
        // Another file's queue handle means nothing here.
        let other = open(&d);
        let oq = other.create_queue(QueuePriority::Normal, QueueFlags::empty()).unwrap();
        assert_eq!(
            dev.queue_info(&oq).unwrap_err(),
            Error::ForeignObject { what: "queue" }
        );
    }

    #[test]
    fn each_feature_is_refused_where_the_device_lacks_it() {
        use accel_user::uapi::capabilities as c;
        let (d, dev) = setup_with(config_without(
            c::BO_ALIGNMENT | c::READ_ONLY_BO,
            uapi::device_caps::ALL,
        ));
        // The revision is 2 all the same: features are not versions.
        assert_eq!(dev.core_revision(), accel_user::REVISION);
        assert_eq!(dev.device_revision(), softaccel::softaccel_user::REVISION);
        assert_eq!(dev.device_caps().unwrap(), DeviceCaps::empty());
        assert_eq!(dev.info().unwrap().max_bo_alignment, 0);
        assert_eq!(dev.param(Param::MaxBoAlignment).unwrap(), 0);
        assert_all_refused(&dev);
        // Sent anyway, the driver refuses each itself.
        // SAFETY: only calls the driver rejects; no work is submitted.
        let t = unsafe { dev.transport() };
        let mut arg = accel_user::uapi::BoCreate {
            size: 4096,
            alignment: 1 << 16,
            ..accel_user::uapi::BoCreate::ZERO
        };
        assert_eq!(
            accel_user::bo_create(t, dev.core_revision(), &mut arg).unwrap_err(),
            CallError::Errno { ioctl: "bo-create", errno: Errno::EOPNOTSUPP }
        );
        let mut arg = accel_user::uapi::BoCreate {
            size: 4096,
            flags: accel_user::uapi::bo_flags::DEVICE_READ_ONLY,
            ..accel_user::uapi::BoCreate::ZERO
        };
        assert_eq!(
            accel_user::bo_create(t, dev.core_revision(), &mut arg).unwrap_err(),
            CallError::Errno { ioctl: "bo-create", errno: Errno::EOPNOTSUPP }
        );
        let q = dev.create_queue(QueuePriority::Normal, QueueFlags::empty()).unwrap();
        let mut arg = uapi::QueueInfo { queue: q.handle(), ..uapi::QueueInfo::ZERO };
        assert_eq!(
            softaccel::softaccel_user::queue_info(t, dev.device_revision(), &mut arg).unwrap_err(),
            CallError::Errno { ioctl: "queue-info", errno: Errno::ENOTTY }
        );
        let a = bo(&dev, 4096);
        let mut xor = Batch::new();
        xor.xor_u32(&a, &a, &a, 1);
        let mut arg = uapi::Submit { queue: q.handle(), ..uapi::Submit::ZERO };
        assert_eq!(
            softaccel::softaccel_user::submit(t, dev.device_revision(), &mut arg, xor.cmds())
                .unwrap_err(),
            CallError::Errno { ioctl: "submit", errno: Errno::EOPNOTSUPP }
        );
        assert_eq!(d.counters().submits, 1, "only assert_all_refused's batch ran");
    }
}
