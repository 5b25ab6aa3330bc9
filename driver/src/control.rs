//! The control path: the handlers of the spec's operations, called by the
//! generated dispatch of CONTROL once the message header, the operation,
//! the caller's permission and the request's attributes have been checked.
//! Each handler reads typed attributes from its request view and writes
//! its reply through the generated builder.

use crate::device::{Device, FileCtx};
use crate::firmware;
use crate::queue;
use crate::uapi::{device_caps, engine_kind, power_state, reset_mode};
use softaccel_kernel::operations as o;
use std::sync::atomic::Ordering;
use uabi_runtime::Errno;

/// The time-slice tunable at device creation, in nanoseconds.
pub(crate) const DEFAULT_TIME_SLICE_NS: u64 = 1_000_000;

/// Ambient temperature of the modelled die, in millidegrees Celsius.
const AMBIENT_MC: i32 = 35_000;
/// Heat per submission waiting or running (the load), capped.
const PER_PENDING_MC: i32 = 1_500;
const MAX_LOAD_MC: i32 = 40_000;
/// The low power state runs cooler.
const LOW_POWER_MC: i32 = -5_000;

/// A device without the control capability has no CONTROL ioctl, as a
/// driver of revision 2 (whose ENOTTY the generated dispatch gives) has
/// none.
fn available(dev: &Device) -> Result<(), Errno> {
    if dev.config.has_device(device_caps::CONTROL) {
        Ok(())
    } else {
        Err(Errno::ENOTTY)
    }
}

impl Device {
    /// The modelled die temperature: ambient plus a share per submission
    /// in flight on the device, cooler in the low power state.
    pub(crate) fn temperature_mc(&self) -> i32 {
        let pending = i32::try_from(self.counters().pending_submissions).unwrap_or(i32::MAX);
        let load = pending.saturating_mul(PER_PENDING_MC).min(MAX_LOAD_MC);
        let low = self.power_state.load(Ordering::Acquire) == power_state::LOW;
        AMBIENT_MC + load + if low { LOW_POWER_MC } else { 0 }
    }

    fn sensors(&self) -> firmware::Sensors {
        firmware::Sensors {
            temperature_mc: self.temperature_mc(),
            engines: self.config.engine_count,
        }
    }
}

pub(crate) fn get_status(
    dev: &Device,
    _file: &FileCtx,
    _req: o::GetStatusRequest<'_>,
    reply: &mut o::GetStatusReply<'_, '_>,
) -> Result<(), Errno> {
    available(dev)?;
    reply
        .fw_version(firmware::VERSION)
        .temperature_mc(dev.temperature_mc())
        .power_state(dev.power_state.load(Ordering::Acquire));
    for (i, e) in dev.engines.accounting().into_iter().enumerate() {
        reply.engine(|n| {
            n.index(u32::try_from(i).unwrap_or(u32::MAX))
                .kind(engine_kind::GENERAL)
                .busy_ns(e.busy_ns)
                .completed(e.completed);
        });
    }
    Ok(())
}

pub(crate) fn get_counters(
    dev: &Device,
    _file: &FileCtx,
    _req: o::GetCountersRequest<'_>,
    reply: &mut o::GetCountersReply<'_, '_>,
) -> Result<(), Errno> {
    available(dev)?;
    let s = &dev.stats;
    reply
        .submissions(s.submits.load(Ordering::Relaxed))
        .completions(s.completed.load(Ordering::Relaxed))
        .bytes_moved(s.bytes.load(Ordering::Relaxed))
        .errors(s.errors.load(Ordering::Relaxed));
    Ok(())
}

pub(crate) fn set_power_state(
    dev: &Device,
    _file: &FileCtx,
    req: o::SetPowerStateRequest<'_>,
    reply: &mut o::SetPowerStateReply<'_, '_>,
) -> Result<(), Errno> {
    available(dev)?;
    // The policy has checked the value; an absent state is a request
    // that says nothing to do.
    let state = req.state().ok_or(Errno::EINVAL)?;
    dev.power_state.store(state, Ordering::Release);
    reply.state(state);
    Ok(())
}

pub(crate) fn reset_queue(
    dev: &Device,
    file: &FileCtx,
    req: o::ResetQueueRequest<'_>,
    reply: &mut o::ResetQueueReply<'_, '_>,
) -> Result<(), Errno> {
    available(dev)?;
    let (Some(handle), Some(mode)) = (req.queue(), req.mode()) else {
        return Err(Errno::EINVAL);
    };
    let q = queue::lookup(file, handle)?;
    let cancelled = match mode {
        reset_mode::DRAIN => {
            queue::drain(&q);
            0
        }
        reset_mode::CANCEL => queue::cancel(dev, &q),
        _ => return Err(Errno::EINVAL),
    };
    reply.cancelled(cancelled);
    Ok(())
}

pub(crate) fn get_tunables(
    dev: &Device,
    _file: &FileCtx,
    _req: o::GetTunablesRequest<'_>,
    reply: &mut o::GetTunablesReply<'_, '_>,
) -> Result<(), Errno> {
    available(dev)?;
    reply.time_slice_ns(dev.stats.time_slice_ns.load(Ordering::Relaxed));
    Ok(())
}

pub(crate) fn set_tunables(
    dev: &Device,
    _file: &FileCtx,
    req: o::SetTunablesRequest<'_>,
    reply: &mut o::SetTunablesReply<'_, '_>,
) -> Result<(), Errno> {
    available(dev)?;
    // The range was checked by the policy (ERANGE).
    if let Some(ns) = req.time_slice_ns() {
        dev.stats.time_slice_ns.store(ns, Ordering::Relaxed);
    }
    reply.time_slice_ns(dev.stats.time_slice_ns.load(Ordering::Relaxed));
    Ok(())
}

pub(crate) fn fw_command(
    dev: &Device,
    _file: &FileCtx,
    req: o::FwCommandRequest<'_>,
    reply: &mut o::FwCommandReply<'_, '_>,
) -> Result<(), Errno> {
    available(dev)?;
    let msg = req.request().ok_or(Errno::EINVAL)?;
    reply.reply(&firmware::handle(&msg, &dev.sensors()));
    Ok(())
}
