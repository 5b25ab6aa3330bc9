//! Every library call's success path, end to end: each test runs through
//! the in-process driver and through the device node (see `common`).

mod common;

use common::{Paused, bo, suite};
use softaccel::accel::{
    BoFlags, Capabilities, Param, QueueFlags, QueuePriority, deadline_after, monotonic_now_ns,
};
use softaccel::softaccel::{Batch, Device, PerfCounterId};
use softaccel::softaccel_user::{accel_user, uapi};
use softaccel::{Error, Transport};
use softaccel_driver as drv;
use std::time::Duration;

const SEC: Duration = Duration::from_secs(10);

/// Bitwise CRC-32C, independent of the driver's implementation.
fn crc32c(seed: u32, data: &[u8]) -> u32 {
    let mut crc = !seed;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x82f6_3b78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn reference_crc_matches_spec_check_value() {
    assert_eq!(crc32c(0, b"123456789"), 0xe306_9283);
}

suite! {
    #[test]
    fn open_reads_both_revisions() {
        let (_d, dev) = setup();
        assert_eq!(dev.core_revision(), accel_user::REVISION);
        assert_eq!(dev.device_revision(), softaccel::softaccel_user::REVISION);
        assert_eq!(dev.accel().core_revision(), dev.core_revision());
        assert!(format!("{dev:?}").contains("core_revision"));
        for d in accel_user::IOCTLS {
            assert!(
                dev.accel().supports(d.name) && dev.supports(d.name),
                "{}",
                d.name
            );
        }
        for d in uapi::IOCTLS {
            assert!(
                !dev.accel().supports(d.name) && dev.supports(d.name),
                "{}",
                d.name
            );
        }
        assert!(!dev.supports("no-such-ioctl"));
    }

    #[test]
    fn params_info_and_capabilities() {
        let config = drv::DeviceConfig {
            device_id: 0x1234,
            clock_freq_hz: 1_000_000,
            ..Default::default()
        };
        let (d, dev) = setup_with(config.clone());
        let info = dev.info().unwrap();
        assert_eq!(info.device_id, 0x1234);
        assert_eq!(info.revision, config.revision);
        assert_eq!(info.core_revision, config.core_revision);
        assert_eq!(info.capabilities.bits(), config.capabilities);
        assert!(
            info.capabilities
                .contains(Capabilities::HOST_VISIBLE_BO | Capabilities::TIMESTAMPS)
        );
        assert_eq!(info.max_bo_size, config.max_bo_size);
        assert_eq!(info.num_queues_max, u64::from(config.num_queues_max));
        assert_eq!(info.page_size, u64::from(config.page_size));
        assert_eq!(info.engine_count, u64::from(config.engine_count));
        assert_eq!(info.clock_freq_hz, 1_000_000);
        assert_eq!(dev.capabilities().unwrap(), info.capabilities);
        for p in Param::ALL {
            assert_eq!(
                dev.param(p).unwrap(),
                dev.raw_param(p.id()).unwrap(),
                "{p:?}"
            );
        }
        assert_eq!(
            dev.param(Param::Revision).unwrap(),
            u64::from(dev.device_revision())
        );
        assert_eq!(
            dev.param(Param::CoreRevision).unwrap(),
            u64::from(dev.core_revision())
        );
        drop(dev);
        assert_eq!(d.counters().files, 0);
    }

    #[test]
    fn set_param_toggles_perf_stats() {
        let (_d, dev) = setup();
        assert!(!dev.perf_stats_enabled().unwrap());
        dev.set_perf_stats_enabled(true).unwrap();
        assert!(dev.perf_stats_enabled().unwrap());
        dev.set_param(Param::PerfStatsEnable, 0).unwrap();
        assert!(!dev.perf_stats_enabled().unwrap());
    }

    #[test]
    fn bo_create_query_map_and_destroy() {
        let (_d, dev) = setup();
        let page = dev.param(Param::PageSize).unwrap();
        let mut a = bo(&dev, 100);
        assert_ne!(a.handle(), 0);
        assert_eq!(a.size(), page, "rounded up to the page size");
        assert_eq!(a.flags(), BoFlags::HOST_VISIBLE);
        assert_ne!(a.mmap_offset(), 0);
        let info = a.query().unwrap();
        assert_eq!(
            (info.handle, info.size, info.flags, info.mmap_offset),
            (a.handle(), a.size(), a.flags(), a.mmap_offset())
        );
        assert!(std::ptr::eq(a.device(), dev.accel()));
        {
            let mut m = a.map().unwrap();
            assert_eq!(m.len() as u64, page);
            assert!(m.iter().all(|&b| b == 0), "a new BO is zeroed");
            m.write_u32s(0, &[1, 2, 0xdead_beef]);
            m.write_f32s(16, &[1.5, -2.25]);
            m.write::<u64>(32, &[u64::MAX - 1]);
            m[40] = 7;
            assert_eq!(m.read_u32s(0, 3), [1, 2, 0xdead_beef]);
            assert_eq!(&m[0..4], &1u32.to_le_bytes(), "little-endian");
            assert!(format!("{m:?}").contains("len"));
        }
        {
            let m = a.map().unwrap();
            assert_eq!(
                m.read_u32s(0, 3),
                [1, 2, 0xdead_beef],
                "same memory when mapped again"
            );
            assert_eq!(m.read_f32s(16, 2), [1.5, -2.25]);
            assert_eq!(m.read::<u64>(32, 1), [u64::MAX - 1]);
            assert_eq!(m[40], 7);
        }
        let b = dev.create_bo(2 * page + 1, BoFlags::empty()).unwrap();
        assert_eq!(b.size(), 3 * page);
        assert_eq!(b.mmap_offset(), 0);
        assert_ne!(b.handle(), a.handle());
        b.destroy().unwrap();
        a.destroy().unwrap();
    }

    #[test]
    fn write_combined_bo_maps() {
        let (_d, dev) = setup();
        let mut a = dev
            .create_bo(4096, BoFlags::HOST_VISIBLE | BoFlags::WRITE_COMBINE)
            .unwrap();
        assert_eq!(
            a.query().unwrap().flags,
            BoFlags::HOST_VISIBLE | BoFlags::WRITE_COMBINE
        );
        a.map().unwrap().write_u32s(0, &[9]);
        assert_eq!(a.map().unwrap().read_u32s(0, 1), [9]);
    }

    #[test]
    fn queues_with_every_priority_and_flag() {
        let (_d, dev) = setup();
        let mut handles = Vec::new();
        for p in [
            QueuePriority::Low,
            QueuePriority::Normal,
            QueuePriority::High,
            QueuePriority::Realtime,
        ] {
            let q = dev.create_queue(p, QueueFlags::TURBO).unwrap();
            assert_eq!((q.priority(), q.flags()), (p, QueueFlags::TURBO));
            assert_ne!(q.handle(), 0);
            assert!(q.last_fence().is_none());
            q.wait_idle().unwrap();
            handles.push(q.handle());
            q.destroy().unwrap();
        }
        let q = dev
            .create_queue(QueuePriority::default(), QueueFlags::empty())
            .unwrap();
        assert_eq!(q.priority(), QueuePriority::Normal);
        assert!(format!("{q:?}").contains("Normal"));
    }

    #[test]
    fn every_command_runs() {
        let (_d, dev) = setup();
        let n = 1000usize;
        let bytes = (n * 4) as u64;
        let mut a = bo(&dev, bytes);
        let mut b = bo(&dev, bytes);
        let mut fa = bo(&dev, bytes);
        let fb = bo(&dev, bytes);
        let mut out = bo(&dev, 8 * bytes);
        let av: Vec<u32> = (0..n as u32).map(|i| i.wrapping_mul(0x9e37_79b9)).collect();
        let fav: Vec<f32> = (0..n).map(|i| i as f32 * 0.25 - 3.0).collect();
        a.map().unwrap().write_u32s(0, &av);
        fa.map().unwrap().write_f32s(0, &fav);
        let q = dev
            .create_queue(QueuePriority::Normal, QueueFlags::empty())
            .unwrap();

        let mut batch = Batch::new();
        assert!(batch.is_empty());
        batch
            .fill_u32(&b, n as u64, 0x0101_0101)
            .fill_f32(&fb, n as u64, 0.5)
            .add_u32(&a, &b, out.at(0), n as u64)
            .add_f32(&fa, &fb, out.at(bytes), n as u64)
            .copy(&a, out.at(2 * bytes), bytes)
            .unordered()
            .fill(out.at(3 * bytes), 13, 0x0807_0605_0403_0201)
            .crc32c(out.at(0), out.at(4 * bytes), bytes, 0)
            .crc32c(out.at(0), out.at(4 * bytes + 4), bytes, 0x1234_5678)
            .timestamp(out.at(5 * bytes));
        assert_eq!(batch.len(), 9);
        assert_eq!(batch.cmds()[4].flags, uapi::cmd_flags::UNORDERED);
        assert_eq!(batch.cmds()[0].opcode, uapi::opcode::FILL);
        let before = monotonic_now_ns();
        let fence = dev.submit(&q, &batch).unwrap();
        assert_eq!(fence.seqno(), 1);
        assert_eq!(fence.queue_handle(), q.handle());
        fence.wait(SEC).unwrap();
        assert!(fence.is_complete().unwrap());
        let after = monotonic_now_ns();
        drop(batch);

        let m = out.map().unwrap();
        let sum: Vec<u32> = av.iter().map(|x| x.wrapping_add(0x0101_0101)).collect();
        assert_eq!(m.read_u32s(0, n), sum);
        let fsum: Vec<u32> = fav.iter().map(|x| (x + 0.5).to_bits()).collect();
        let got: Vec<u32> = m
            .read_f32s(bytes as usize, n)
            .iter()
            .map(|x| x.to_bits())
            .collect();
        assert_eq!(got, fsum);
        assert_eq!(m.read_u32s(2 * bytes as usize, n), av);
        assert_eq!(
            &m[3 * bytes as usize..][..14],
            &[1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 0]
        );
        let sum_bytes = &m[..bytes as usize];
        let crcs = m.read_u32s(4 * bytes as usize, 2);
        assert_eq!(crcs, [crc32c(0, sum_bytes), crc32c(0x1234_5678, sum_bytes)]);
        let ts = m.read::<i64>(5 * bytes as usize, 1)[0];
        assert!(before <= ts && ts <= after, "{before} <= {ts} <= {after}");
        drop(m);

        // Seqnos count up per queue; the batch borrows the BOs only until it
        // is dropped.
        let mut batch = Batch::new();
        batch.copy(&a, &b, 4);
        let f2 = dev.submit(&q, &batch).unwrap();
        assert_eq!(f2.seqno(), 2);
        assert_eq!(q.last_fence().unwrap().seqno(), 2);
        q.wait_idle().unwrap();
        assert!(a.is_idle() && b.is_idle());
        drop(batch);
        assert_eq!(b.map().unwrap().read_u32s(0, 1), [av[0]]);
    }

    #[test]
    fn wait_times_out_then_completes() {
        let (d, dev) = setup();
        let x = bo(&dev, 4096);
        let q = dev
            .create_queue(QueuePriority::Normal, QueueFlags::empty())
            .unwrap();
        let mut batch = Batch::new();
        batch.fill(&x, 4096, 1);
        let paused = Paused::new(&d);
        let fence = dev.submit(&q, &batch).unwrap();
        let start = std::time::Instant::now();
        let e = fence.wait(Duration::from_millis(30)).unwrap_err();
        assert!(
            start.elapsed() >= Duration::from_millis(25),
            "blocked until the deadline"
        );
        assert_eq!(e, Error::Timeout { ioctl: "wait" });
        assert!(!fence.is_complete().unwrap());
        assert!(!x.is_idle());
        assert_eq!(
            fence.wait_until(deadline_after(Duration::ZERO)),
            Err(Error::Timeout { ioctl: "wait" })
        );
        drop(paused);
        x.wait_idle().unwrap();
        assert!(x.is_idle());
        assert!(std::ptr::eq(fence.device(), dev.accel()));
        fence.wait(SEC).unwrap();
        let clone = fence.clone();
        clone.wait_until(softaccel::accel::NEVER).unwrap();
        assert!(format!("{clone:?}").contains("seqno"));
    }

    #[test]
    fn map_waits_for_the_work_that_writes_the_bo() {
        let (d, dev) = setup();
        let mut x = bo(&dev, 1 << 20);
        let q = dev
            .create_queue(QueuePriority::Normal, QueueFlags::empty())
            .unwrap();
        let paused = Paused::new(&d);
        {
            let mut batch = Batch::new();
            batch.fill_u32(&x, 1 << 18, 0xabcd_ef01);
            dev.submit(&q, &batch).unwrap();
        }
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(50));
                drop(paused);
            });
            // No explicit wait: map() itself waits for the tracked submission.
            let m = x.map().unwrap();
            assert!(m.read_u32s(0, 1 << 18).iter().all(|&v| v == 0xabcd_ef01));
        });
    }

    #[test]
    fn perf_stats_count_and_reset() {
        let (_d, dev) = setup();
        assert_eq!(
            dev.perf_counter_count().unwrap() as usize,
            uapi::perf_counter_id::ALL.len()
        );
        dev.set_perf_stats_enabled(true).unwrap();
        let x = bo(&dev, 4096);
        let y = bo(&dev, 4096);
        let q = dev
            .create_queue(QueuePriority::Normal, QueueFlags::empty())
            .unwrap();
        let mut batch = Batch::new();
        batch.fill(&x, 4096, 3).copy(&x, &y, 1024);
        dev.submit(&q, &batch).unwrap().wait(SEC).unwrap();
        let s = dev.perf_stats(false).unwrap();
        let ids: Vec<u32> = s.counters.iter().map(|c| c.id.raw()).collect();
        assert_eq!(ids, uapi::perf_counter_id::ALL);
        assert_eq!(s.get(PerfCounterId::Submits), Some(1));
        assert_eq!(s.get(PerfCounterId::CmdsCompleted), Some(2));
        assert_eq!(s.get(PerfCounterId::BytesRead), Some(1024));
        assert_eq!(s.get(PerfCounterId::BytesWritten), Some(4096 + 1024));
        assert!(s.get(PerfCounterId::BusyNs).is_some());
        assert_eq!(dev.perf_stats(true).unwrap(), s, "reset reads first");
        let zero = dev.perf_stats(false).unwrap();
        assert!(zero.counters.iter().all(|c| c.value == 0), "{zero:?}");
        assert_eq!(PerfCounterId::from_raw(77), PerfCounterId::Other(77));
    }

    #[test]
    fn threads_share_one_device() {
        let (_d, dev) = setup();
        std::thread::scope(|s| {
            for t in 0..4u32 {
                let dev = &dev;
                s.spawn(move || {
                    let q = dev
                        .create_queue(QueuePriority::Normal, QueueFlags::empty())
                        .unwrap();
                    let mut x = bo(dev, 4096);
                    for i in 0..20u32 {
                        let mut batch = Batch::new();
                        batch.fill_u32(&x, 1024, t * 1000 + i);
                        let f = dev.submit(&q, &batch).unwrap();
                        assert_eq!(f.seqno(), u64::from(i) + 1);
                    }
                    assert_eq!(x.map().unwrap().read_u32s(4092, 1), [t * 1000 + 19]);
                });
            }
        });
    }

    #[test]
    fn open_accepts_any_transport_and_accel_device() {
        let driver = new_driver(drv::DeviceConfig::default());
        let boxed: Box<dyn Transport> = Box::new(transport(&driver));
        let core = softaccel::accel::Device::new(boxed).unwrap();
        let dev = Device::from_accel(core);
        let x = bo(&dev, 1);
        drop(x);
        let core = dev.into_accel();
        assert!(core.info().is_ok());
    }
}

#[test]
fn open_of_a_missing_node_is_not_found() {
    let e = Device::open("/nonexistent/accel0").unwrap_err();
    assert_eq!(e.ioctl(), Some("open"));
    assert!(matches!(e, Error::NotFound { .. }), "{e}");
}

/// The library's own `Device::open(path)`, the plain file-descriptor
/// transport, on the node: open, ioctls, mmap, close.
#[test]
fn device_open_by_path_reaches_the_node() {
    if !common::node::available("device_open_by_path_reaches_the_node") {
        return;
    }
    let d = common::node::new_driver(drv::DeviceConfig::default());
    let dev = Device::open(d.path()).unwrap();
    assert_eq!(dev.device_revision(), softaccel::softaccel_user::REVISION);
    let mut a = bo(&dev, 4096);
    let sum = bo(&dev, 4096);
    a.map().unwrap().write_u32s(0, &[1, 2, 3, 4]);
    let q = dev
        .create_queue(QueuePriority::Normal, QueueFlags::empty())
        .unwrap();
    let mut batch = Batch::new();
    batch.add_u32(&a, &a, &sum, 4);
    dev.submit(&q, &batch).unwrap().wait(SEC).unwrap();
    drop(batch);
    let mut sum = sum;
    assert_eq!(sum.map().unwrap().read_u32s(0, 4), [2, 4, 6, 8]);
    assert_eq!(d.counters().files, 1);
    drop((a, sum, q));
    drop(dev);
    // FUSE delivers the release right after close() returned.
    let deadline = std::time::Instant::now() + SEC;
    while d.counters().files != 0 {
        assert!(std::time::Instant::now() < deadline, "never released");
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!((d.counters().bos, d.counters().queues), (0, 0));
}
