//! Every ioctl's success path, end to end through the in-process
//! transport.

mod common;

use common::*;
use softaccel_driver::accel_uapi::{self as core, bo_flags, capabilities, param, queue_priority};
use softaccel_driver::uapi::{self, PerfCounter, PerfStats, perf_counter_id, perf_stats_flags};
use softaccel_driver::{DeviceConfig, monotonic_ns};
use std::time::Duration;

#[test]
fn get_param_reports_the_configuration() {
    let cfg = DeviceConfig {
        device_id: 0x1234,
        clock_freq_hz: 1_000_000,
        engine_count: 3,
        num_queues_max: 7,
        max_bo_size: 1 << 24,
        ..DeviceConfig::default()
    };
    let dev = device_with(cfg.clone());
    let t = open(&dev);
    let expect = [
        (param::DEVICE_ID, 0x1234),
        (param::REVISION, u64::from(uapi::REVISION)),
        (param::CORE_REVISION, u64::from(core::REVISION)),
        (param::CAPABILITIES, u64::from(capabilities::ALL)),
        (param::MAX_BO_SIZE, 1 << 24),
        (param::NUM_QUEUES_MAX, 7),
        (param::PAGE_SIZE, u64::from(cfg.page_size)),
        (param::ENGINE_COUNT, 3),
        (param::CLOCK_FREQ_HZ, 1_000_000),
        (param::PERF_STATS_ENABLE, 0),
        (param::MAX_BO_ALIGNMENT, cfg.max_bo_alignment),
        (
            param::DEVICE_CAPABILITIES,
            u64::from(uapi::device_caps::ALL),
        ),
    ];
    assert_eq!(expect.len(), param::ALL.len(), "every parameter is checked");
    for (p, v) in expect {
        assert_eq!(get_param(&t, p), Ok(v), "param {p}");
    }
    let page = get_param(&t, param::PAGE_SIZE).unwrap();
    assert!(page.is_power_of_two() && page >= u64::from(core::MIN_PAGE_SIZE));
}

#[test]
fn set_param_toggles_perf_stats_per_file() {
    let dev = device();
    let (a, b) = (open(&dev), open(&dev));
    set_param(&a, param::PERF_STATS_ENABLE, 1).unwrap();
    assert_eq!(get_param(&a, param::PERF_STATS_ENABLE), Ok(1));
    assert_eq!(get_param(&b, param::PERF_STATS_ENABLE), Ok(0));
    set_param(&a, param::PERF_STATS_ENABLE, 0).unwrap();
    assert_eq!(get_param(&a, param::PERF_STATS_ENABLE), Ok(0));
}

#[test]
fn bo_create_info_mmap_destroy() {
    let dev = device();
    let t = open(&dev);
    let page = get_param(&t, param::PAGE_SIZE).unwrap();
    let h = bo(&t, 100);
    let i = bo_info(&t, h).unwrap();
    assert_eq!(i.handle, h);
    assert_eq!(i.size, page, "rounded up to the page size");
    assert_eq!(i.flags, bo_flags::HOST_VISIBLE);
    assert!(i.mmap_offset != 0 && i.mmap_offset.is_multiple_of(page));
    // Contents start zero and are shared with the driver.
    let mut m = map(&t, h);
    assert!(bytes(&m).iter().all(|b| *b == 0));
    bytes_mut(&mut m)[..4].copy_from_slice(b"abcd");
    let h2 = bo(&t, 3 * page);
    let i2 = bo_info(&t, h2).unwrap();
    assert_eq!(i2.size, 3 * page);
    assert_ne!(i2.mmap_offset, i.mmap_offset);
    let q = queue(&t);
    run(&t, q, &[copy(h, 0, h2, 8, 4)]);
    let m2 = map(&t, h2);
    assert_eq!(&bytes(&m2)[8..12], b"abcd");

    // Write-combine BOs and BOs without host access.
    let wc = try_bo(&t, 1, bo_flags::HOST_VISIBLE | bo_flags::WRITE_COMBINE).unwrap();
    assert_eq!(
        bo_info(&t, wc).unwrap().flags,
        bo_flags::HOST_VISIBLE | bo_flags::WRITE_COMBINE
    );
    let hidden = try_bo(&t, 1, 0).unwrap();
    let hi = bo_info(&t, hidden).unwrap();
    assert_eq!((hi.flags, hi.mmap_offset), (0, 0));

    assert_eq!(dev.counters().bos, 4);
    for h in [h, h2, wc, hidden] {
        bo_destroy(&t, h).unwrap();
    }
    assert_eq!(dev.counters().bos, 0);
    // A mapping outliving its BO stays valid (it reads zeros now).
    assert!(bytes(&m2).iter().all(|b| *b == 0));
}

#[test]
fn largest_bo() {
    let dev = device();
    let t = open(&dev);
    let h = try_bo(&t, core::MAX_BO_SIZE, bo_flags::HOST_VISIBLE).unwrap();
    assert_eq!(bo_info(&t, h).unwrap().size, core::MAX_BO_SIZE);
    // Touch the last page only: the memory is allocated lazily.
    let q = queue(&t);
    run(
        &t,
        q,
        &[fill(h, core::MAX_BO_SIZE - 8, 8, 0x0102_0304_0506_0708)],
    );
    let i = bo_info(&t, h).unwrap();
    let m = t.mmap(i.mmap_offset + i.size - 4096, 4096).unwrap();
    assert_eq!(&bytes(&m)[4088..], &0x0102_0304_0506_0708u64.to_le_bytes());
}

#[test]
fn queue_create_destroy_with_every_priority() {
    let dev = device();
    let t = open(&dev);
    let mut handles = Vec::new();
    for &p in queue_priority::ALL {
        handles.push(try_queue(&t, p, 0).unwrap());
    }
    handles.push(try_queue(&t, queue_priority::NORMAL, core::queue_flags::TURBO).unwrap());
    let b = bo(&t, 4096);
    for &q in &handles {
        run(&t, q, &[fill(b, 0, 8, u64::from(q))]);
    }
    // Completed submissions let go of their queue right after WAIT sees
    // them complete.
    assert!(dev.wait_idle(Duration::from_secs(5)));
    assert_eq!(dev.counters().queues, handles.len() as u64);
    for q in handles {
        queue_destroy(&t, q).unwrap();
    }
    assert_eq!(dev.counters().queues, 0);
}

#[test]
fn submit_returns_consecutive_seqnos_and_wait_sees_them_complete() {
    let dev = device();
    let t = open(&dev);
    let b = bo(&t, 4096);
    let (q1, q2) = (queue(&t), queue(&t));
    for expect in 1..=5 {
        assert_eq!(submit(&t, q1, &[fill(b, 0, 8, 1)]), Ok(expect));
    }
    assert_eq!(submit(&t, q2, &[fill(b, 8, 8, 2)]), Ok(1));
    wait(&t, q1, 5);
    // Every earlier submission is complete too, and waiting again (with a
    // deadline in the past) returns at once.
    for s in 1..=5 {
        wait_until(&t, q1, s, 0).unwrap();
    }
    wait(&t, q2, 1);
    assert!(dev.wait_idle(Duration::from_secs(5)));
    let c = dev.counters();
    assert_eq!(
        (c.submits, c.submissions_completed, c.cmds_completed),
        (6, 6, 6)
    );
}

#[test]
fn destroying_a_queue_lets_its_work_finish() {
    let dev = device();
    let t = open(&dev);
    let b = bo(&t, 1 << 20);
    let q = queue(&t);
    submit(&t, q, &[fill(b, 0, 1 << 20, 0x55)]).unwrap();
    queue_destroy(&t, q).unwrap();
    bo_destroy(&t, b).unwrap();
    assert!(dev.wait_idle(Duration::from_secs(10)));
    let c = dev.counters();
    assert_eq!((c.submissions_completed, c.bos, c.queues), (1, 0, 0));
}

#[test]
fn perf_stats_count_this_files_work() {
    let dev = device();
    let t = open(&dev);
    let other = open(&dev);
    set_param(&t, param::PERF_STATS_ENABLE, 1).unwrap();
    set_param(&other, param::PERF_STATS_ENABLE, 1).unwrap();
    let b = bo(&t, 8192);
    let q = queue(&t);
    run(
        &t,
        q,
        &[
            fill(b, 0, 100, 7),
            copy(b, 0, b, 4096, 100),
            crc32c(b, 0, 100, b, 200, 0),
        ],
    );
    let mut counters = [PerfCounter {
        id: 0xdead,
        value: 0xdead,
        ..PerfCounter::ZERO
    }; 8];
    let n = perf_counter_id::ALL.len();
    assert_eq!(
        perf_stats(&t, &mut counters, perf_stats_flags::RESET),
        Ok(n as u32)
    );
    let value = |id| counters[id as usize].value;
    for (i, &id) in perf_counter_id::ALL.iter().enumerate() {
        assert_eq!(counters[i].id, id);
    }
    assert_eq!(value(perf_counter_id::SUBMITS), 1);
    assert_eq!(value(perf_counter_id::CMDS_COMPLETED), 3);
    assert_eq!(value(perf_counter_id::BYTES_READ), 200);
    assert_eq!(value(perf_counter_id::BYTES_WRITTEN), 204);
    assert!(value(perf_counter_id::BUSY_NS) > 0);
    // Elements beyond N are left untouched.
    assert!(
        counters[n..]
            .iter()
            .all(|c| c.id == 0xdead && c.value == 0xdead)
    );

    // Reset happened; a query with count 0 and no array reports N.
    let mut q0 = PerfStats::ZERO;
    call(&t, uapi::IOCTL_PERF_STATS, &mut q0).unwrap();
    assert_eq!(q0.counter_count as usize, n);
    assert_eq!(perf_stats(&t, &mut [], 0), Ok(n as u32));
    let mut one = [PerfCounter::ZERO; 1];
    perf_stats(&t, &mut one, 0).unwrap();
    assert_eq!((one[0].id, one[0].value), (perf_counter_id::SUBMITS, 0));

    // The other file counted nothing; with counting off nothing is counted.
    let mut o = [PerfCounter::ZERO; 5];
    perf_stats(&other, &mut o, 0).unwrap();
    assert!(o.iter().all(|c| c.value == 0));
    set_param(&t, param::PERF_STATS_ENABLE, 0).unwrap();
    run(&t, q, &[fill(b, 0, 8, 1)]);
    perf_stats(&t, &mut one, 0).unwrap();
    assert_eq!(one[0].value, 0);
}

#[test]
fn wait_times_out_at_the_absolute_deadline() {
    let dev = device();
    let t = open(&dev);
    let b = bo(&t, 4096);
    let q = queue(&t);
    dev.set_paused(true);
    let s = submit(&t, q, &[fill(b, 0, 8, 1)]).unwrap();
    let start = monotonic_ns();
    let deadline = start + 30_000_000;
    assert_eq!(wait_until(&t, q, s, deadline), Err(Errno::ETIMEDOUT));
    assert!(monotonic_ns() >= deadline);
    // A deadline in the past only checks.
    assert_eq!(wait_until(&t, q, s, 0), Err(Errno::ETIMEDOUT));
    assert_eq!(wait_until(&t, q, s, i64::MIN), Err(Errno::ETIMEDOUT));
    // A waiter blocked when the work completes wakes up.
    let waiter = std::thread::scope(|sc| {
        let h = sc.spawn(|| wait_until(&t, q, s, after(Duration::from_secs(20))));
        std::thread::sleep(Duration::from_millis(20));
        dev.set_paused(false);
        h.join().unwrap()
    });
    assert_eq!(waiter, Ok(()));
}

#[test]
fn release_frees_everything() {
    let dev = device();
    let t = open(&dev);
    for _ in 0..3 {
        bo(&t, 8192);
        queue(&t);
    }
    let c = dev.counters();
    assert_eq!((c.files, c.bos, c.queues), (1, 3, 3));
    drop(t);
    let c = dev.counters();
    assert_eq!((c.files, c.bos, c.queues), (0, 0, 0));
}

/// Every ioctl of both specs goes through its generated user-side wrapper
/// and succeeds; a new ioctl in a spec fails this test until it is added.
#[test]
fn every_ioctl_succeeds_through_its_wrapper() {
    let dev = device();
    let t = open(&dev);
    let names = core::IOCTLS
        .iter()
        .map(|d| d.name)
        .chain(uapi::IOCTLS.iter().map(|d| d.name));
    let (mut b, mut q, mut s, mut rq) = (0, 0, 0, 0);
    for name in names {
        match name {
            "get-param" => assert!(get_param(&t, param::CAPABILITIES).is_ok()),
            "set-param" => set_param(&t, param::PERF_STATS_ENABLE, 1).unwrap(),
            "bo-create" => b = bo(&t, 4096),
            "bo-info" => assert!(bo_info(&t, b).is_ok()),
            "queue-create" => q = queue(&t),
            "submit" => s = submit(&t, q, &[fill(b, 0, 8, 1)]).unwrap(),
            "wait" => wait(&t, q, s),
            "perf-stats" => assert_eq!(
                perf_stats(&t, &mut [], 0),
                Ok(perf_counter_id::ALL.len() as u32)
            ),
            "queue-info" => {
                let mut arg = uapi::QueueInfo {
                    queue: q,
                    ..uapi::QueueInfo::ZERO
                };
                softaccel_user::queue_info(&t, uapi::REVISION, &mut arg).unwrap();
                assert_eq!(arg.last_seqno, s);
            }
            "control" => {
                let r =
                    softaccel_user::operations::get_status(&t, uapi::REVISION, &Default::default())
                        .unwrap();
                assert!(r.fw_version.is_some());
            }
            "ring-queue-create" => {
                let mut arg = uapi::RingQueueCreate {
                    priority: core::queue_priority::NORMAL,
                    submit_entries: 16,
                    complete_entries: 16,
                    ..uapi::RingQueueCreate::ZERO
                };
                softaccel_user::ring_queue_create(&t, uapi::REVISION, &mut arg).unwrap();
                rq = arg.handle;
            }
            "doorbell" => {
                let mut arg = uapi::Doorbell {
                    queue: rq,
                    ..uapi::Doorbell::ZERO
                };
                softaccel_user::doorbell(&t, uapi::REVISION, &mut arg).unwrap();
            }
            "bo-destroy" | "queue-destroy" => {}
            other => panic!("no success path for {other}"),
        }
    }
    // Destroyed last: the others need the objects.
    wait(&t, q, s);
    bo_destroy(&t, b).unwrap();
    queue_destroy(&t, q).unwrap();
}
