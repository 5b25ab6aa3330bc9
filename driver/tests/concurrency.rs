//! Several threads submitting to several queues; closing files with work
//! in flight.

mod common;

use common::*;
use softaccel_driver::accel_uapi::{param, queue_priority};
use softaccel_driver::uapi::{self, opcode};
use softaccel_driver::{Counters, DeviceConfig};
use std::time::Duration;

const THREADS: usize = 4;
const QUEUES_PER_THREAD: usize = 2;
const SUBMITS_PER_QUEUE: u64 = 150;

/// Every submission adds 1 to a counter word of its queue (in place), so
/// the final word says how many times the queue's submissions ran; the
/// seqnos must be 1, 2, 3... without gaps or repeats.
#[test]
fn every_submission_completes_exactly_once() {
    let dev = device_with(DeviceConfig {
        engine_count: 3,
        ..DeviceConfig::default()
    });
    let t = open(&dev);
    set_param(&t, param::PERF_STATS_ENABLE, 1).unwrap();
    let nq = THREADS * QUEUES_PER_THREAD;
    let counters = bo(&t, 4096);
    let ones = bo(&t, 4096);
    let scratch = bo(&t, 1 << 16);
    let mut mo = map(&t, ones);
    bytes_mut(&mut mo)[..4 * nq].copy_from_slice(&1u32.to_le_bytes().repeat(nq));
    let queues: Vec<u32> = (0..nq)
        .map(|i| {
            let p = queue_priority::ALL[i % queue_priority::ALL.len()];
            try_queue(&t, p, 0).unwrap()
        })
        .collect();
    std::thread::scope(|s| {
        for th in 0..THREADS {
            let (t, queues) = (&t, &queues);
            s.spawn(move || {
                let mine = &queues[th * QUEUES_PER_THREAD..(th + 1) * QUEUES_PER_THREAD];
                let mut next = vec![1u64; mine.len()];
                for k in 0..SUBMITS_PER_QUEUE {
                    for (j, &q) in mine.iter().enumerate() {
                        let slot = (th * QUEUES_PER_THREAD + j) as u64 * 4;
                        let cmds = [
                            fill(scratch, slot * 64, 256, k),
                            crc32c(scratch, slot * 64, 256, scratch, 60_000 + slot, 0),
                            add(
                                opcode::ADD_U32,
                                (counters, slot),
                                (ones, slot),
                                (counters, slot),
                                1,
                            ),
                        ];
                        // A full queue is EBUSY: wait for the oldest and retry.
                        let seqno = loop {
                            match submit(t, q, &cmds) {
                                Ok(s) => break s,
                                Err(Errno::EBUSY) => {
                                    let oldest = next[j] - u64::from(uapi::MAX_INFLIGHT_SUBMITS);
                                    wait(t, q, oldest);
                                }
                                Err(e) => panic!("submit: {e}"),
                            }
                        };
                        assert_eq!(seqno, next[j], "seqnos of a queue are consecutive");
                        next[j] += 1;
                        if k % 37 == 0 {
                            wait(t, q, seqno);
                        }
                    }
                }
                for &q in mine {
                    wait(t, q, SUBMITS_PER_QUEUE);
                }
            });
        }
    });
    let mc = map(&t, counters);
    for i in 0..nq {
        let v = u32::from_le_bytes(bytes(&mc)[4 * i..4 * i + 4].try_into().unwrap());
        assert_eq!(u64::from(v), SUBMITS_PER_QUEUE, "queue {i}");
    }
    assert!(dev.wait_idle(Duration::from_secs(10)));
    let total = nq as u64 * SUBMITS_PER_QUEUE;
    let c = dev.counters();
    assert_eq!(c.submits, total);
    assert_eq!(c.submissions_completed, total);
    assert_eq!(c.submissions_cancelled, 0);
    assert_eq!(c.cmds_completed, 3 * total);
    assert_eq!(c.pending_submissions, 0);
    // The file's own perf counters agree.
    let mut out = [uapi::PerfCounter::ZERO; uapi::MAX_PERF_COUNTERS as usize];
    perf_stats(&t, &mut out, 0).unwrap();
    assert_eq!(out[uapi::perf_counter_id::SUBMITS as usize].value, total);
    assert_eq!(
        out[uapi::perf_counter_id::CMDS_COMPLETED as usize].value,
        3 * total
    );
}

#[test]
fn files_used_from_many_threads_at_once() {
    let dev = device();
    std::thread::scope(|s| {
        for i in 0..4u64 {
            let dev = &dev;
            s.spawn(move || {
                for _ in 0..10 {
                    let t = open(dev);
                    let b = bo(&t, 8192);
                    let q = queue(&t);
                    run(
                        &t,
                        q,
                        &[fill(b, 0, 8192, i), crc32c(b, 0, 4096, b, 4096, 0)],
                    );
                    let m = map(&t, b);
                    let crc = u32::from_le_bytes(bytes(&m)[4096..4100].try_into().unwrap());
                    let mut page = i.to_le_bytes().repeat(512);
                    assert_eq!(crc, crc32c_ref(0, &page));
                    page.clear();
                }
            });
        }
    });
    assert!(dev.wait_idle(Duration::from_secs(10)));
    assert_eq!(live(&dev.counters()), (0, 0, 0, 0));
}

fn live(c: &Counters) -> (u64, u64, u64, u64) {
    (c.files, c.bos, c.queues, c.pending_submissions)
}

#[test]
fn close_with_queued_work_cancels_it_and_leaks_nothing() {
    let dev = device();
    let t = open(&dev);
    let keep = open(&dev);
    let kb = bo(&keep, 4096);
    let kq = queue(&keep);
    let bos: Vec<u32> = (0..4).map(|_| bo(&t, 1 << 20)).collect();
    let queues: Vec<u32> = (0..3).map(|_| queue(&t)).collect();
    dev.set_paused(true);
    let mut n = 0;
    for &q in &queues {
        for i in 0..20 {
            let b = bos[i % bos.len()];
            submit(
                &t,
                q,
                &[fill(b, 0, 1 << 20, 3), copy(b, 0, bos[0], 0, 4096)],
            )
            .unwrap();
            n += 1;
        }
    }
    // Destroyed handles: the submissions still hold the BOs.
    for &b in &bos {
        bo_destroy(&t, b).unwrap();
    }
    let ks = submit(&keep, kq, &[fill(kb, 0, 8, 1)]).unwrap();
    assert_eq!(dev.counters().pending_submissions, n + 1);
    assert_eq!(dev.counters().bos, 5);
    drop(t);
    // Queued work of the closed file is cancelled at once; the other
    // file's is untouched.
    let c = dev.counters();
    assert_eq!(c.submissions_cancelled, n);
    assert_eq!(live(&c), (1, 1, 1, 1));
    dev.set_paused(false);
    wait(&keep, kq, ks);
    assert!(dev.wait_idle(Duration::from_secs(10)));
    drop(keep);
    assert_eq!(live(&dev.counters()), (0, 0, 0, 0));
}

#[test]
fn close_with_running_work_leaks_nothing() {
    let dev = device_with(DeviceConfig {
        engine_count: 2,
        ..DeviceConfig::default()
    });
    for round in 0..5 {
        let t = open(&dev);
        let b = bo(&t, 16 << 20);
        let q1 = queue(&t);
        let q2 = queue(&t);
        let big = [fill(b, 0, 16 << 20, round), copy(b, 0, b, 8 << 20, 8 << 20)];
        for _ in 0..8 {
            submit(&t, q1, &big).unwrap();
            submit(&t, q2, &[crc32c(b, 0, 8 << 20, b, (16 << 20) - 4, 0)]).unwrap();
        }
        drop(t);
        assert!(dev.wait_idle(Duration::from_secs(20)), "round {round}");
        let c = dev.counters();
        assert_eq!(live(&c), (0, 0, 0, 0), "round {round}");
    }
    let c = dev.counters();
    assert_eq!(c.submits, 5 * 16);
    assert_eq!(c.submissions_completed + c.submissions_cancelled, 5 * 16);
}

#[test]
fn dropping_the_device_after_its_files_stops_the_engines() {
    let dev = device();
    let t = open(&dev);
    let b = bo(&t, 1 << 20);
    let q = queue(&t);
    for _ in 0..10 {
        submit(&t, q, &[fill(b, 0, 1 << 20, 1)]).unwrap();
    }
    drop(t);
    // The transport held the last other reference; joining the engines
    // must not hang.
    assert_eq!(std::sync::Arc::strong_count(&dev), 1);
    drop(dev);
}
