//! No uABI without a canonical userspace that uses it: one scenario through
//! the library's public API sends every ioctl of both specs, with exactly
//! the command words the generated tables give.

mod common;

use common::{Recording, suite};
use softaccel::accel::{BoFlags, QueueFlags, QueuePriority};
use softaccel::softaccel::{Batch, Device};
use softaccel::softaccel_user::{accel_user, uapi};
use softaccel_driver as drv;
use std::collections::BTreeSet;
use std::time::Duration;

suite! {
    #[test]
    fn the_library_uses_every_ioctl_of_both_specs() {
        let driver = new_driver(drv::DeviceConfig::default());
        let rec = Recording::new(transport(&driver));
        {
            let dev = Device::new(rec.clone()).unwrap();
            dev.info().unwrap();
            dev.set_perf_stats_enabled(true).unwrap();
            let mut x = dev.create_bo(4096, BoFlags::HOST_VISIBLE).unwrap();
            x.map().unwrap().write_u32s(0, &[1, 2]);
            x.query().unwrap();
            let q = dev
                .create_queue(QueuePriority::Normal, QueueFlags::empty())
                .unwrap();
            let mut b = Batch::new();
            b.add_u32(x.at(0), x.at(4), x.at(8), 1);
            dev.submit(&q, &b)
                .unwrap()
                .wait(Duration::from_secs(10))
                .unwrap();
            assert_eq!(dev.queue_info(&q).unwrap().completed_seqno, 1);
            dev.perf_stats(false).unwrap();
            dev.status().unwrap();
            let mut rq = dev.create_ring_queue(QueuePriority::Normal, 16, 16).unwrap();
            let mut b = Batch::new();
            b.add_u32(x.at(0), x.at(4), x.at(8), 1);
            rq.submit_batch(&b, Duration::from_secs(10)).unwrap();
            // DOORBELL is sent only when the device sleeps; ask for it.
            rq.doorbell().unwrap();
            rq.wait_all(Duration::from_secs(10)).unwrap();
        }
        let seen = rec.seen();
        let every: BTreeSet<u32> = accel_user::IOCTLS
            .iter()
            .map(|d| d.cmd)
            .chain(uapi::IOCTLS.iter().map(|d| d.cmd))
            .collect();
        let name = |cmd: &u32| {
            accel_user::IOCTLS
                .iter()
                .map(|d| (d.cmd, d.name))
                .chain(uapi::IOCTLS.iter().map(|d| (d.cmd, d.name)))
                .find(|(c, _)| c == cmd)
                .map_or_else(|| format!("{cmd:#x}"), |(_, n)| n.to_string())
        };
        let missing: Vec<String> = every.difference(&seen).map(name).collect();
        let unknown: Vec<String> = seen.difference(&every).map(name).collect();
        assert!(
            missing.is_empty(),
            "ioctls the library never sends: {missing:?}"
        );
        assert!(
            unknown.is_empty(),
            "commands outside the specs: {unknown:?}"
        );
        // By nr too, so a changed direction or size could not hide a gap.
        let nrs: BTreeSet<u8> = seen
            .iter()
            .map(|&c| uabi_runtime::ioc::decode(c).nr)
            .collect();
        let want: BTreeSet<u8> = accel_user::IOCTLS
            .iter()
            .map(|d| d.nr)
            .chain(uapi::IOCTLS.iter().map(|d| d.nr))
            .collect();
        assert_eq!(nrs, want);
        assert_eq!(want.len(), accel_user::IOCTLS.len() + uapi::IOCTLS.len());
    }
}
