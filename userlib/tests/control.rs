//! The control path through the library, over both transports: status,
//! counters, power state, queue reset, tunables and firmware messages, and
//! the feature check against the control device capability.

mod common;

use common::{Paused, bo, suite};
use softaccel::accel::{BoFlags, QueueFlags, QueuePriority};
use softaccel::control::{FwMessage, PowerState, ResetMode};
use softaccel::softaccel::{Batch, DeviceCaps};
use softaccel::softaccel_user::uapi;
use softaccel::{Errno, Error};
use softaccel_driver as drv;
use std::time::Duration;

const SEC: Duration = Duration::from_secs(10);

suite! {
    #[test]
    fn status_counters_and_firmware() {
        let (driver, dev) = setup();
        assert!(dev.device_caps().unwrap().contains(DeviceCaps::CONTROL));
        let s = dev.status().unwrap();
        assert_eq!(s.firmware_version, "softaccel-fw 3.1.4");
        assert_eq!(s.power_state, Some(PowerState::Full));
        assert_eq!(s.engines.len(), driver.config().engine_count as usize);
        assert_eq!(
            s.engines.iter().map(|e| e.index).collect::<Vec<_>>(),
            (0..driver.config().engine_count).collect::<Vec<_>>()
        );

        let before = dev.device_counters().unwrap();
        let b = bo(&dev, 8192);
        let q = dev.create_queue(QueuePriority::Normal, QueueFlags::empty()).unwrap();
        let mut batch = Batch::new();
        batch.fill(&b, 8192, 7);
        dev.submit(&q, &batch).unwrap().wait(SEC).unwrap();
        let after = dev.device_counters().unwrap();
        assert_eq!(after.submissions, before.submissions + 1);
        assert_eq!(after.completions, before.completions + 1);
        assert_eq!(after.bytes_moved, before.bytes_moved + 8192);
        let s = dev.status().unwrap();
        assert_eq!(s.engines.iter().map(|e| e.completed).sum::<u64>(), 1);

        let a = dev.fw_command(FwMessage::Ping { arg0: 3, arg1: 4 }, 11).unwrap();
        assert_eq!((a.status, a.tag, a.value0, a.value1), (0, 11, 3, 4));
        let a = dev.fw_command(FwMessage::ReadSensor { sensor: 1 }, 0).unwrap();
        assert_eq!(a.value0, u64::from(driver.config().engine_count));
        let a = dev.fw_command(FwMessage::GetBuild, 0).unwrap();
        assert_eq!(u32::from(a.msg_type), uapi::fw_msg_type::GET_BUILD);
    }

    #[test]
    fn power_state_and_tunables() {
        let (_driver, dev) = setup();
        let b = bo(&dev, 4096);
        let q = dev.create_queue(QueuePriority::Normal, QueueFlags::empty()).unwrap();
        let mut batch = Batch::new();
        batch.fill(&b, 64, 1);
        assert_eq!(dev.set_power_state(PowerState::Low), Ok(PowerState::Low));
        assert_eq!(dev.status().unwrap().power_state, Some(PowerState::Low));
        let Err(e) = dev.submit(&q, &batch) else {
            panic!("no work in the low power state");
        };
        assert_eq!(e.errno(), Some(Errno::EAGAIN));
        assert_eq!(dev.set_power_state(PowerState::Full), Ok(PowerState::Full));
        dev.submit(&q, &batch).unwrap().wait(SEC).unwrap();

        assert_eq!(dev.tunables().unwrap().time_slice, Duration::from_millis(1));
        let t = dev.set_time_slice(Duration::from_micros(250)).unwrap();
        assert_eq!(t.time_slice, Duration::from_micros(250));
        assert_eq!(dev.tunables().unwrap().time_slice, Duration::from_micros(250));
        let e = dev.set_time_slice(Duration::from_secs(2)).unwrap_err();
        assert_eq!(e.errno(), Some(Errno::ERANGE));
    }

    #[test]
    fn reset_queue_cancels_what_has_not_started() {
        let (driver, dev) = setup();
        let b = bo(&dev, 4096);
        let q = dev.create_queue(QueuePriority::Normal, QueueFlags::empty()).unwrap();
        let mut batch = Batch::new();
        batch.fill(&b, 64, 1);
        let fences = {
            let _paused = Paused::new(&driver);
            let f1 = dev.submit(&q, &batch).unwrap();
            let f2 = dev.submit(&q, &batch).unwrap();
            assert_eq!(dev.reset_queue(&q, ResetMode::Cancel), Ok(2));
            [f1, f2]
        };
        for f in fences {
            assert_eq!(f.wait(SEC).unwrap_err().errno(), Some(Errno::ECANCELED));
        }
        dev.submit(&q, &batch).unwrap();
        assert_eq!(dev.reset_queue(&q, ResetMode::Drain), Ok(0));
        assert_eq!(
            dev.queue_info(&q).unwrap().inflight,
            0,
            "a drain returns with nothing left"
        );
    }

    #[test]
    fn without_the_capability_nothing_is_sent() {
        let (_driver, dev) = setup_with(drv::DeviceConfig {
            device_capabilities: uapi::device_caps::ALL & !uapi::device_caps::CONTROL,
            ..Default::default()
        });
        let e = dev.status().unwrap_err();
        assert_eq!(
            e,
            Error::FeatureUnsupported {
                what: "get-status",
                capability: "control"
            }
        );
        assert_eq!(e.errno(), None, "the driver was not asked");
        assert!(matches!(
            dev.set_power_state(PowerState::Low),
            Err(Error::FeatureUnsupported { .. })
        ));
        let _ = BoFlags::HOST_VISIBLE;
    }
}

/// Admin operations from an unprivileged opener (in process: the opener's
/// CAP_SYS_ADMIN decides; through the node the caller's uid does, which
/// the driver's own tests cover with a child process of another user).
#[test]
fn unprivileged_callers_get_permission_denied() {
    use common::inproc::*;
    let driver = new_driver(drv::DeviceConfig::default());
    let dev = open_with(
        &driver,
        drv::Creds {
            cap_sys_nice: false,
            privileged: false,
        },
    );
    let e = dev.set_power_state(PowerState::Low).unwrap_err();
    assert!(
        matches!(
            e,
            Error::PermissionDenied {
                errno: Errno::EPERM,
                ..
            }
        ),
        "{e}"
    );
    let q = dev
        .create_queue(QueuePriority::Normal, QueueFlags::empty())
        .unwrap();
    let e = dev.reset_queue(&q, ResetMode::Drain).unwrap_err();
    assert_eq!(e.errno(), Some(Errno::EPERM));
    assert!(dev.status().is_ok(), "get-status is for everyone");
}
