//! Ring mode end to end: the library's RingQueue over the driver's ring
//! mode, through the in-process driver and through the device node (see
//! `common`).

mod common;

use common::{bo, suite};
use softaccel::Error;
use softaccel::accel::{QueuePriority, monotonic_now_ns};
use softaccel::ring::Completion;
use softaccel::softaccel::Batch;
use softaccel::softaccel_user::uapi;
use softaccel_driver as drv;
use std::time::Duration;

const SEC: Duration = Duration::from_secs(10);

fn statuses(c: &[Completion]) -> Vec<(u64, Result<(), i32>)> {
    c.iter()
        .map(|c| (c.seqno, c.status.map_err(|e| e.0)))
        .collect()
}

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

suite! {
    #[test]
    fn every_opcode_through_the_ring() {
        let (_d, dev) = setup();
        let n = 64usize;
        let bytes = (n * 4) as u64;
        let mut a = bo(&dev, bytes);
        let mut b = bo(&dev, bytes);
        let mut out = bo(&dev, 8 * bytes);
        let av: Vec<u32> = (0..n as u32).map(|i| i.wrapping_mul(0x9e37_79b9)).collect();
        let bv: Vec<u32> = (0..n as u32).map(|i| i ^ 0x5555).collect();
        a.map().unwrap().write_u32s(0, &av);
        b.map().unwrap().write_u32s(0, &bv);
        let mut rq = dev.create_ring_queue(QueuePriority::Normal, 16, 32).unwrap();
        let mut batch = Batch::new();
        batch
            .add_u32(&a, &b, out.at(0), n as u64)
            .xor_u32(&a, &b, out.at(bytes), n as u64)
            .copy(&a, out.at(2 * bytes), bytes)
            .fill(out.at(3 * bytes), 13, 0x0807_0605_0403_0201)
            .crc32c(&a, out.at(4 * bytes), bytes, 0)
            .timestamp(out.at(5 * bytes))
            .add_f32(&a, &b, out.at(6 * bytes), n as u64);
        let before = monotonic_now_ns();
        let seqnos = rq.submit_batch(&batch, SEC).unwrap();
        assert_eq!(seqnos, (1..=7).collect::<Vec<u64>>());
        let done = rq.wait_all(SEC).unwrap();
        let after = monotonic_now_ns();
        assert_eq!(statuses(&done), (1..=7).map(|s| (s, Ok(()))).collect::<Vec<_>>());
        for c in &done {
            assert_eq!(c.user_data, c.seqno);
        }
        drop(batch);
        let m = out.map().unwrap();
        let sum: Vec<u32> = av.iter().zip(&bv).map(|(x, y)| x.wrapping_add(*y)).collect();
        assert_eq!(m.read_u32s(0, n), sum);
        let xor: Vec<u32> = av.iter().zip(&bv).map(|(x, y)| x ^ y).collect();
        assert_eq!(m.read_u32s(bytes as usize, n), xor);
        assert_eq!(m.read_u32s(2 * bytes as usize, n), av);
        assert_eq!(
            &m[3 * bytes as usize..][..14],
            &[1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 0]
        );
        let a_bytes: Vec<u8> = av.iter().flat_map(|x| x.to_le_bytes()).collect();
        assert_eq!(m.read_u32s(4 * bytes as usize, 1), [crc32c(0, &a_bytes)]);
        let ts = i64::from_le_bytes(m[5 * bytes as usize..][..8].try_into().unwrap());
        assert!(before <= ts && ts <= after, "{before} <= {ts} <= {after}");
        let fsum: Vec<u32> = av
            .iter()
            .zip(&bv)
            .map(|(x, y)| (f32::from_bits(*x) + f32::from_bits(*y)).to_bits())
            .map(|x| if f32::from_bits(x).is_nan() { 0x7fc0_0000 } else { x })
            .collect();
        assert_eq!(m.read_u32s(6 * bytes as usize, n), fsum);
    }

    #[test]
    fn wrap_around_many_times_with_backpressure() {
        let (_d, dev) = setup();
        let mut out = bo(&dev, 4096);
        let mut rq = dev.create_ring_queue(QueuePriority::Normal, 16, 16).unwrap();
        let mut seen = Vec::new();
        // 10 laps of the ring in small batches, reaping as we go.
        for round in 0..32u64 {
            let mut batch = Batch::new();
            for i in 0..5u64 {
                batch.fill_u32(out.at(4 * ((round * 5 + i) % 1024)), 1, (round * 5 + i) as u32);
            }
            let s = rq.submit_batch(&batch, SEC).unwrap();
            assert_eq!(s, (round * 5 + 1..=round * 5 + 5).collect::<Vec<_>>());
            seen.extend(rq.completions().unwrap());
        }
        // One batch of many times the ring size: the library must reap
        // completions to make room, and the device must hold entries back
        // while the complete ring is full.
        let mut batch = Batch::new();
        for i in 0..100u64 {
            batch.fill_u32(out.at(4 * (160 + i)), 1, 1000 + i as u32);
        }
        let s = rq.submit_batch(&batch, SEC).unwrap();
        assert_eq!(s, (161..=260).collect::<Vec<_>>());
        seen.extend(rq.wait_all(SEC).unwrap());
        assert_eq!(statuses(&seen), (1..=260).map(|s| (s, Ok(()))).collect::<Vec<_>>());
        drop(batch);
        let m = out.map().unwrap();
        assert_eq!(m.read_u32s(0, 160), (0..160).collect::<Vec<u32>>());
        assert_eq!(m.read_u32s(640, 100), (1000..1100).collect::<Vec<u32>>());
    }

    #[test]
    fn a_polling_device_needs_the_doorbell_only_when_it_sleeps() {
        // The device's poller keeps looking at the submit ring for a while
        // after each entry it takes, with NEED_WAKEUP clear: entries
        // published one at a time, back to back, cannot each find it
        // asleep. (softaccel_rs has no poller, on purpose: its DOORBELL
        // runs the entries, so every publish rings; guest-tests.sh lists
        // this test as its difference.)
        let (_d, dev) = setup();
        let mut out = bo(&dev, 4096);
        let mut rq = dev.create_ring_queue(QueuePriority::Normal, 16, 16).unwrap();
        let n = 64u64;
        for i in 0..n {
            let mut batch = Batch::new();
            batch.fill_u32(out.at(4 * i), 1, i as u32);
            assert_eq!(rq.submit_batch(&batch, SEC).unwrap(), [i + 1]);
        }
        let done = rq.wait_all(SEC).unwrap();
        assert_eq!(done.last().map(|c| c.seqno), Some(n));
        assert!(
            rq.doorbells() < n,
            "{} doorbells for {n} publishes: the device never polled",
            rq.doorbells()
        );
        drop(rq);
        let m = out.map().unwrap();
        assert_eq!(m.read_u32s(0, n as usize), (0..n as u32).collect::<Vec<u32>>());
    }

    #[test]
    fn a_bad_entry_completes_with_its_errno_and_the_queue_keeps_working() {
        let (_d, dev) = setup();
        let mut out = bo(&dev, 4096);
        let h = out.handle();
        let mut rq = dev.create_ring_queue(QueuePriority::Normal, 16, 16).unwrap();
        let fill = |off: u64, v: u64| uapi::RingCmd {
            opcode: uapi::opcode::FILL,
            dst_bo: h,
            dst_offset: off,
            length: 8,
            value: v,
            ..uapi::RingCmd::ZERO
        };
        let entries = [
            fill(0, 1),
            uapi::RingCmd { opcode: 99, ..fill(8, 2) },
            uapi::RingCmd { pad0: [1, 0, 0, 0], ..fill(8, 2) },
            uapi::RingCmd { dst_bo: h + 100, ..fill(8, 2) },
            uapi::RingCmd { dst_offset: 4096, ..fill(8, 2) },
            fill(16, 3),
        ];
        let s = rq.submit_raw(&entries, SEC).unwrap();
        assert_eq!(s, (1..=6).collect::<Vec<_>>());
        let done = rq.wait_all(SEC).unwrap();
        let einval = Err(uabi_errno::EINVAL);
        assert_eq!(
            statuses(&done),
            [
                (1, Ok(())),
                (2, einval),
                (3, einval),
                (4, Err(uabi_errno::ENOENT)),
                (5, einval),
                (6, Ok(())),
            ]
        );
        let s = rq.submit_raw(&[fill(24, 4)], SEC).unwrap();
        assert_eq!(s, [7]);
        assert_eq!(statuses(&rq.wait_all(SEC).unwrap()), [(7, Ok(()))]);
        let m = out.map().unwrap();
        let words: Vec<u64> = (0..4)
            .map(|i| u64::from_le_bytes(m[i * 8..][..8].try_into().unwrap()))
            .collect();
        assert_eq!(words, [1, 0, 3, 4]);
    }

    #[test]
    fn ring_sizes_are_checked() {
        let (_d, dev) = setup();
        for (s, c) in [(8, 16), (16, 8), (24, 32), (16, 8192), (8192, 8192), (0, 16)] {
            let e = dev.create_ring_queue(QueuePriority::Normal, s, c).err();
            assert!(
                matches!(e, Some(Error::InvalidArgument { .. })),
                "{s} {c}: {e:?}"
            );
        }
        for (s, c) in [(16, 16), (16, 4096), (4096, 4096)] {
            let rq = dev.create_ring_queue(QueuePriority::High, s, c).unwrap();
            assert_eq!(rq.submit_entries(), s);
        }
    }

    #[test]
    fn a_device_without_rings_is_refused_before_any_call() {
        let config = drv::DeviceConfig {
            device_capabilities: drv::uapi::device_caps::ALL & !drv::uapi::device_caps::RINGS,
            ..Default::default()
        };
        let (_d, dev) = setup_with(config);
        let e = dev.create_ring_queue(QueuePriority::Normal, 16, 16).err();
        assert!(
            matches!(e, Some(Error::FeatureUnsupported { capability: "rings", .. })),
            "{e:?}"
        );
    }
}

/// The errno values the statuses carry, as plain numbers.
mod uabi_errno {
    use softaccel::Errno;
    pub const EINVAL: i32 = Errno::EINVAL.0;
    pub const ENOENT: i32 = Errno::ENOENT.0;
}
