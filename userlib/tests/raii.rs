//! Dropping library objects frees the driver's: its live-object counters
//! prove it, through the in-process driver and through the device node.

mod common;

use common::{Paused, bo, suite};
use softaccel::accel::{QueueFlags, QueuePriority};
use softaccel::softaccel::Batch;
use std::time::Duration;

const SEC: Duration = Duration::from_secs(10);

suite! {
    #[test]
    fn dropping_bos_and_queues_destroys_them() {
        let (d, dev) = setup();
        assert_eq!(d.counters().files, 1);
        let base = d.counters();
        {
            let _a = bo(&dev, 4096);
            let _b = bo(&dev, 3 * 4096);
            let _q = dev
                .create_queue(QueuePriority::Normal, QueueFlags::empty())
                .unwrap();
            let c = d.counters();
            assert_eq!((c.bos, c.queues), (base.bos + 2, base.queues + 1));
        }
        let c = d.counters();
        assert_eq!((c.bos, c.queues), (base.bos, base.queues));
        drop(dev);
        assert_eq!(d.counters().files, 0, "dropping the device closes the file");
    }

    #[test]
    fn dropping_a_queue_waits_for_its_work() {
        let (d, dev) = setup();
        let x = bo(&dev, 1 << 20);
        let q = dev
            .create_queue(QueuePriority::Normal, QueueFlags::empty())
            .unwrap();
        let paused = Paused::new(&d);
        let mut b = Batch::new();
        b.fill(&x, 1 << 20, 0x5a);
        let fence = dev.submit(&q, &b).unwrap();
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(30));
                drop(paused);
            });
            drop(q);
        });
        assert!(
            fence.is_complete().unwrap(),
            "the queue's work completed before destroy"
        );
        assert_eq!(d.counters().submissions_completed, 1);
        fence.wait(SEC).unwrap();
    }

    #[test]
    fn a_bo_dropped_with_work_in_flight_is_freed_after_it() {
        let (d, dev) = setup();
        let base = d.counters().bos;
        let q = dev
            .create_queue(QueuePriority::Normal, QueueFlags::empty())
            .unwrap();
        let paused = Paused::new(&d);
        let fence = {
            let x = bo(&dev, 4096);
            let mut b = Batch::new();
            b.fill(&x, 4096, 1);
            dev.submit(&q, &b).unwrap()
        };
        assert_eq!(d.counters().bos, base + 1, "held by the submission");
        drop(paused);
        fence.wait(SEC).unwrap();
        assert!(d.wait_idle(SEC));
        assert_eq!(d.counters().bos, base);
    }

    #[test]
    fn closing_with_work_in_flight_leaks_nothing() {
        let (d, dev) = setup();
        let other = open(&d);
        let paused = Paused::new(&d);
        let x = bo(&dev, 1 << 16);
        let q = dev
            .create_queue(QueuePriority::Normal, QueueFlags::empty())
            .unwrap();
        let mut b = Batch::new();
        b.fill(&x, 1 << 16, 2);
        for _ in 0..8 {
            dev.submit(&q, &b).unwrap();
        }
        drop(b);
        // Leaked handles (and a queue whose drop would wait) are the file's to
        // free when it closes, with the work still queued.
        std::mem::forget(x);
        std::mem::forget(q);
        drop(dev);
        let y = bo(&other, 4096);
        drop(y);
        drop(other);
        drop(paused);
        assert!(d.wait_idle(SEC));
        let c = d.counters();
        assert_eq!(
            (c.files, c.bos, c.queues, c.pending_submissions),
            (0, 0, 0, 0),
            "{c:?}"
        );
    }
}
