//! A ring queue's poller thread ends once its queue is gone, destroyed or
//! released with its file: no thread outlives its queue for longer than
//! a recheck.
//!
//! The regression test of the `ioctl_dispatch` fuzz target's one
//! finding: LeakSanitizer, at the fuzzer's exit, reported the thread
//! handles of the last inputs' pollers, still winding down (detached
//! threads; scripts/fuzz.sh now leaves LeakSanitizer to libFuzzer's
//! per-input checks). A leak would be a poller that never ends, which
//! this test catches. Alone in its test binary: it counts the process's
//! threads.

mod common;

use common::*;
use softaccel_driver::uapi::{self, RingQueueCreate};
use std::time::{Duration, Instant};

/// The process's threads named after a ring poller (`softaccel-ring<N>`).
fn pollers() -> usize {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        panic!("no /proc/self/task");
    };
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|comm| comm.starts_with("softaccel-ring"))
        .count()
}

fn ring_queue(t: &impl Transport) -> u32 {
    let mut a = RingQueueCreate {
        priority: softaccel_driver::accel_uapi::queue_priority::NORMAL,
        submit_entries: 16,
        complete_entries: 16,
        ..RingQueueCreate::ZERO
    };
    softaccel_user::ring_queue_create(t, uapi::REVISION, &mut a).expect("ring-queue-create");
    a.handle
}

/// Waits up to 10 s for exactly `n` pollers.
fn wait_for(n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while pollers() != n {
        assert!(
            Instant::now() < deadline,
            "{} ring pollers running after 10 s, not {n}",
            pollers()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn pollers_end_once_their_queues_are_gone() {
    let dev = device();
    assert_eq!(pollers(), 0);
    {
        let t = open(&dev);
        let destroyed = ring_queue(&t);
        ring_queue(&t);
        ring_queue(&t);
        // A thread names itself once it runs.
        wait_for(3);
        queue_destroy(&t, destroyed).unwrap();
        // The other two go with the file.
    }
    wait_for(0);
    assert_eq!(dev.counters().queues, 0);
}
