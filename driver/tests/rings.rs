//! Ring mode at the ABI level: RING_QUEUE_CREATE, DOORBELL and the two
//! rings driven with the generated user-side ring code
//! (`softaccel_user::rings`) over the in-process transport, plus the
//! things a well-behaved library never does (a wild producer index,
//! SUBMIT on a ring queue, doorbells without need).

mod common;

use common::*;
use softaccel_driver::uapi::{self, Cmd, Doorbell, RingCmd, RingQueueCreate, opcode};
use softaccel_user::rings::{self, ERROR, FLAGS_OFFSET, NEED_WAKEUP, PRODUCER_OFFSET, RingMem};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use uabi_runtime::transport::{InProcess, Mapping};

const REV: u32 = uapi::REVISION;

fn try_create(t: &InProcess, s: u32, c: u32) -> Result<RingQueueCreate, Errno> {
    let mut a = RingQueueCreate {
        priority: softaccel_driver::accel_uapi::queue_priority::NORMAL,
        submit_entries: s,
        complete_entries: c,
        ..RingQueueCreate::ZERO
    };
    softaccel_user::ring_queue_create(t, REV, &mut a).map_err(errno)?;
    Ok(a)
}

fn doorbell(t: &InProcess, queue: u32) -> Result<(), Errno> {
    let mut a = Doorbell {
        queue,
        ..Doorbell::ZERO
    };
    softaccel_user::doorbell(t, REV, &mut a).map_err(errno)
}

struct Rq {
    handle: u32,
    submit: rings::submit::Producer<Mapping>,
    complete: rings::complete::Consumer<Mapping>,
}

fn ring_queue(t: &InProcess, s: u32, c: u32) -> Rq {
    let a = try_create(t, s, c).expect("ring-queue-create");
    let sm = t.mmap(a.submit_offset, a.submit_size as usize).unwrap();
    let cm = t.mmap(a.complete_offset, a.complete_size as usize).unwrap();
    Rq {
        handle: a.handle,
        submit: rings::submit::producer(sm, s).unwrap(),
        complete: rings::complete::consumer(cm, c, REV).unwrap(),
    }
}

fn fill(bo: u32, off: u64, v: u64) -> RingCmd {
    RingCmd {
        opcode: opcode::FILL,
        dst_bo: bo,
        dst_offset: off,
        length: 8,
        value: v,
        user_data: 0x1000 + off,
        ..RingCmd::ZERO
    }
}

/// Reaps completions until `n` arrived (or 10 s pass): (seqno, status, user-data).
fn reap(rq: &mut Rq, n: usize) -> Vec<(u64, i32, u64)> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut out = Vec::new();
    while out.len() < n {
        assert!(
            Instant::now() < deadline,
            "only {} of {n} completions",
            out.len()
        );
        while let Some(rx) = rx_pop(rq) {
            out.push(rx);
        }
        rq.complete.release();
        std::thread::sleep(Duration::from_micros(100));
    }
    out
}

fn rx_pop(rq: &mut Rq) -> Option<(u64, i32, u64)> {
    rq.complete.pop().unwrap().map(|rx| {
        rx.check.unwrap();
        (rx.entry.seqno, rx.entry.status, rx.entry.user_data)
    })
}

/// Publishes, and rings the doorbell when the device asked for it.
fn publish(t: &InProcess, rq: &mut Rq) {
    if rq.submit.publish() {
        doorbell(t, rq.handle).unwrap();
    }
}

#[test]
fn create_places_both_rings_in_device_memory_and_checks_sizes() {
    let dev = device();
    let t = open(&dev);
    let page = get_param(&t, softaccel_driver::accel_uapi::param::PAGE_SIZE).unwrap();
    let a = try_create(&t, 16, 64).unwrap();
    assert_ne!(a.handle, 0);
    for (off, size, entries, esize) in [
        (a.submit_offset, a.submit_size, 16u64, 72u64),
        (a.complete_offset, a.complete_size, 64, 24),
    ] {
        assert_ne!(off, 0);
        assert_eq!(off % page, 0);
        assert_eq!(size % page, 0);
        assert!(size >= 192 + entries * esize);
        let m = t.mmap(off, size as usize).unwrap();
        assert_eq!(
            m.load_u32(rings::ENTRIES_OFFSET, Ordering::Relaxed),
            entries as u32
        );
        assert_eq!(m.load_u32(FLAGS_OFFSET, Ordering::Relaxed) & ERROR, 0);
    }
    assert!(
        a.complete_offset >= a.submit_offset + a.submit_size
            || a.submit_offset >= a.complete_offset + a.complete_size
    );
    for (s, c) in [(8, 16), (16, 8), (17, 32), (16, 8192), (0, 0), (4096, 2048)] {
        assert_eq!(try_create(&t, s, c).err(), Some(Errno::EINVAL), "{s} {c}");
    }
    let mut bad = RingQueueCreate {
        priority: 77,
        submit_entries: 16,
        complete_entries: 16,
        ..RingQueueCreate::ZERO
    };
    assert_eq!(
        softaccel_user::ring_queue_create(&t, REV, &mut bad).map_err(errno),
        Err(Errno::EINVAL)
    );
    let no_rings = device_with(softaccel_driver::DeviceConfig {
        device_capabilities: uapi::device_caps::ALL & !uapi::device_caps::RINGS,
        ..Default::default()
    });
    assert_eq!(
        try_create(&open(&no_rings), 16, 16).err(),
        Some(Errno::EOPNOTSUPP)
    );
}

#[test]
fn entries_complete_in_order_and_wait_and_queue_info_see_them() {
    let dev = device();
    let t = open(&dev);
    let b = bo(&t, 4096);
    let mut rq = ring_queue(&t, 16, 16);
    for i in 0..10 {
        assert!(rq.submit.push(&fill(b, 8 * i, i + 1)).unwrap());
    }
    publish(&t, &mut rq);
    let got = reap(&mut rq, 10);
    let want: Vec<_> = (0..10).map(|i| (i + 1, 0, 0x1000 + 8 * i)).collect();
    assert_eq!(got, want);
    // WAIT and QUEUE_INFO on the ring queue.
    wait_until(
        &t,
        rq.handle,
        10,
        softaccel_driver::monotonic_ns() + 1_000_000_000,
    )
    .unwrap();
    assert_eq!(
        wait_until(&t, rq.handle, 11, 0).err(),
        Some(Errno::EINVAL),
        "a seqno not issued yet"
    );
    let mut qi = uapi::QueueInfo {
        queue: rq.handle,
        ..uapi::QueueInfo::ZERO
    };
    softaccel_user::queue_info(&t, REV, &mut qi).unwrap();
    assert_eq!(
        (qi.last_seqno, qi.completed_seqno, qi.inflight),
        (10, 10, 0)
    );
    let m = map(&t, b);
    let words: Vec<u64> = bytes(&m)[..80]
        .chunks(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(words, (1..=10).collect::<Vec<_>>());
    // SUBMIT on a ring-mode queue is refused; DOORBELL on a SUBMIT queue too.
    assert_eq!(
        submit(
            &t,
            rq.handle,
            &[Cmd {
                opcode: opcode::FILL,
                dst_bo: b,
                length: 8,
                ..Cmd::ZERO
            }]
        )
        .err(),
        Some(Errno::EINVAL)
    );
    let q = queue(&t);
    assert_eq!(doorbell(&t, q).err(), Some(Errno::EINVAL));
    assert_eq!(doorbell(&t, 0).err(), Some(Errno::EINVAL));
    assert_eq!(doorbell(&t, 999).err(), Some(Errno::ENOENT));
}

#[test]
fn an_idle_device_asks_for_the_doorbell_and_waits_for_it() {
    let dev = device();
    let t = open(&dev);
    let b = bo(&t, 4096);
    let mut rq = ring_queue(&t, 16, 16);
    // The poller gives up polling an empty ring after a short while.
    let deadline = Instant::now() + Duration::from_secs(5);
    while rq.submit.flags() & NEED_WAKEUP == 0 {
        assert!(Instant::now() < deadline, "NEED_WAKEUP never set");
        std::thread::sleep(Duration::from_millis(1));
    }
    // Published without the doorbell: the sleeping device does not see it.
    assert!(rq.submit.push(&fill(b, 0, 5)).unwrap());
    assert!(rq.submit.publish(), "the device asked for a doorbell");
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(rx_pop(&mut rq), None);
    doorbell(&t, rq.handle).unwrap();
    assert_eq!(reap(&mut rq, 1), [(1, 0, 0x1000)]);
    // While it polls, publishing needs no doorbell.
    assert!(rq.submit.push(&fill(b, 8, 6)).unwrap());
    let rang = rq.submit.publish();
    if rang {
        doorbell(&t, rq.handle).unwrap();
    }
    assert_eq!(reap(&mut rq, 1), [(2, 0, 0x1008)]);
}

#[test]
fn a_wild_producer_index_is_a_protocol_error_reported_by_doorbell() {
    let dev = device();
    let t = open(&dev);
    let b = bo(&t, 4096);
    let mut rq = ring_queue(&t, 16, 16);
    assert!(rq.submit.push(&fill(b, 0, 1)).unwrap());
    publish(&t, &mut rq);
    assert_eq!(reap(&mut rq, 1), [(1, 0, 0x1000)]);
    // A producer index 17 entries ahead of the device's consumer index.
    rq.submit
        .mem()
        .store_u32(PRODUCER_OFFSET, 1 + 17, Ordering::Release);
    assert_eq!(doorbell(&t, rq.handle).err(), Some(Errno::EPIPE));
    assert_ne!(rq.submit.flags() & ERROR, 0);
    // The queue accepts no more work; WAIT and QUEUE_INFO still answer.
    assert_eq!(doorbell(&t, rq.handle).err(), Some(Errno::EPIPE));
    wait_until(&t, rq.handle, 1, 0).unwrap();
    // Nothing was read past the error: no completion for the garbage.
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(rx_pop(&mut rq), None);
}

#[test]
fn destroy_and_release_clean_up_rings_and_pollers() {
    let dev = device();
    {
        let t = open(&dev);
        let b = bo(&t, 4096);
        let mut rq = ring_queue(&t, 16, 16);
        for i in 0..16 {
            assert!(rq.submit.push(&fill(b, 8 * i, i)).unwrap());
        }
        publish(&t, &mut rq);
        reap(&mut rq, 16);
        queue_destroy(&t, rq.handle).unwrap();
        assert_eq!(doorbell(&t, rq.handle).err(), Some(Errno::ENOENT));
        // A second ring queue left for release to clean up.
        let mut rq2 = ring_queue(&t, 32, 32);
        assert!(rq2.submit.push(&fill(b, 0, 1)).unwrap());
        publish(&t, &mut rq2);
    }
    assert!(dev.wait_idle(Duration::from_secs(10)));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let c = dev.counters();
        if c.queues == 0 && c.files == 0 && c.bos == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "leaked: {c:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn in_the_low_power_state_doorbell_is_eagain_and_entries_wait() {
    use softaccel_user::operations as ops;
    let dev = device();
    let t = dev
        .open_inproc_with(softaccel_driver::Creds {
            cap_sys_nice: false,
            privileged: true,
        })
        .unwrap();
    let set = |state| {
        ops::set_power_state(&t, REV, &ops::SetPowerStateRequest { state: Some(state) })
            .expect("set-power-state")
    };
    let b = bo(&t, 4096);
    let mut rq = ring_queue(&t, 16, 16);
    set(uapi::power_state::LOW);
    assert!(rq.submit.push(&fill(b, 0, 9)).unwrap());
    rq.submit.publish();
    assert_eq!(doorbell(&t, rq.handle).err(), Some(Errno::EAGAIN));
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(rx_pop(&mut rq), None, "taken in the low power state");
    set(uapi::power_state::FULL);
    doorbell(&t, rq.handle).unwrap();
    assert_eq!(reap(&mut rq, 1), [(1, 0, 0x1000)]);
}

#[test]
fn a_bogus_complete_ring_consumer_index_stops_the_queue() {
    let dev = device();
    let t = open(&dev);
    let b = bo(&t, 4096);
    let mut rq = ring_queue(&t, 16, 16);
    // The consumer index of the complete ring runs ahead of anything the
    // device published.
    rq.complete
        .mem()
        .store_u32(rings::CONSUMER_OFFSET, 5, Ordering::Release);
    assert!(rq.submit.push(&fill(b, 0, 1)).unwrap());
    rq.submit.publish();
    let deadline = Instant::now() + Duration::from_secs(10);
    while doorbell(&t, rq.handle) != Err(Errno::EPIPE) {
        assert!(Instant::now() < deadline, "no EPIPE");
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_ne!(rq.submit.flags() & ERROR, 0);
    let mut qi = uapi::QueueInfo {
        queue: rq.handle,
        ..uapi::QueueInfo::ZERO
    };
    softaccel_user::queue_info(&t, REV, &mut qi).unwrap();
    assert_eq!(
        qi.last_seqno, 0,
        "an entry was taken without room for its completion"
    );
}

#[test]
fn rejected_entries_count_as_errors_not_submissions() {
    use softaccel_user::operations as ops;
    let dev = device();
    let t = open(&dev);
    let b = bo(&t, 4096);
    let mut rq = ring_queue(&t, 16, 16);
    assert!(rq.submit.push(&fill(b, 0, 1)).unwrap());
    assert!(
        rq.submit
            .push(&RingCmd {
                opcode: 99,
                ..fill(b, 8, 2)
            })
            .unwrap()
    );
    assert!(rq.submit.push(&fill(b, 16, 3)).unwrap());
    publish(&t, &mut rq);
    let got = reap(&mut rq, 3);
    assert_eq!(got[1], (2, -Errno::EINVAL.0, 0x1008));
    assert!(dev.wait_idle(Duration::from_secs(10)));
    let c = ops::get_counters(&t, REV, &Default::default()).unwrap();
    assert_eq!(
        (c.submissions, c.completions, c.errors),
        (Some(2), Some(2), Some(1))
    );
}
