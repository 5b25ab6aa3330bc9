//! The control path of a softaccel device (revision 3, the `control`
//! device capability): status, device-wide counters, the power state,
//! resetting a queue, tunables and direct firmware messages, each one
//! operation of the spec sent through the CONTROL ioctl by the generated
//! call functions (`softaccel_user::operations`). Every call first checks
//! that the device announces [`DeviceCaps::CONTROL`]; a device without it
//! fails with [`Error::FeatureUnsupported`] without a call.
//!
//! [`Device::set_power_state`] and [`Device::reset_queue`] need a
//! privileged caller (CAP_SYS_ADMIN); others get
//! [`Error::PermissionDenied`].

use crate::accel::Queue;
use crate::error::{Error, Result};
use crate::softaccel::{Device, DeviceCaps};
use softaccel_user::operations::{self as ops, OpError};
use softaccel_user::{Errno, Transport, uapi};
use std::time::Duration;

/// What [`Device::status`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Status {
    pub firmware_version: String,
    /// Die temperature in millidegrees Celsius; it rises with load.
    pub temperature_mc: i32,
    /// `None` for a state this library does not know.
    pub power_state: Option<PowerState>,
    pub engines: Vec<EngineStatus>,
}

/// One engine in [`Status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct EngineStatus {
    pub index: u32,
    /// The engine-kind value (`uapi::engine_kind`).
    pub kind: u32,
    /// Time spent executing since the device started.
    pub busy: Duration,
    /// Commands executed.
    pub completed: u64,
}

/// Device-wide counters since the device started ([`Device::device_counters`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct DeviceCounters {
    /// Submissions accepted.
    pub submissions: u64,
    /// Submissions completed.
    pub completions: u64,
    /// Bytes read plus bytes written by executed commands.
    pub bytes_moved: u64,
    /// Submissions and control requests rejected.
    pub errors: u64,
}

/// The device's power state; see the spec's power-state enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PowerState {
    /// Normal operation.
    Full,
    /// No new work is accepted (submissions fail with EAGAIN); queued work
    /// completes.
    Low,
}

impl PowerState {
    pub fn raw(self) -> u32 {
        match self {
            PowerState::Full => uapi::power_state::FULL,
            PowerState::Low => uapi::power_state::LOW,
        }
    }

    pub fn from_raw(v: u32) -> Option<PowerState> {
        match v {
            uapi::power_state::FULL => Some(PowerState::Full),
            uapi::power_state::LOW => Some(PowerState::Low),
            _ => None,
        }
    }
}

/// What [`Device::reset_queue`] does with pending work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResetMode {
    /// Wait until everything queued has completed.
    Drain,
    /// Drop what has not started: its fences fail with ECANCELED.
    Cancel,
}

impl ResetMode {
    fn raw(self) -> u32 {
        match self {
            ResetMode::Drain => uapi::reset_mode::DRAIN,
            ResetMode::Cancel => uapi::reset_mode::CANCEL,
        }
    }
}

/// The device's tunables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tunables {
    /// Longest time an engine runs one queue's commands before it looks at
    /// other queues.
    pub time_slice: Duration,
}

/// A message to the device firmware.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FwMessage {
    /// Echo `arg0` and `arg1` back in `value0` and `value1`.
    Ping { arg0: u32, arg1: u32 },
    /// Read a sensor (0 temperature in mC, 1 engine count) into `value0`.
    ReadSensor { sensor: u32 },
    /// The firmware build number in `value0`.
    GetBuild,
}

/// The firmware's answer, in host order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FwAnswer {
    /// The fw-msg-type of the request.
    pub msg_type: u16,
    /// 0 on success, else a firmware error code.
    pub status: u16,
    /// The request's tag.
    pub tag: u32,
    pub value0: u64,
    pub value1: u64,
}

/// Maps a failed operation to the library's error.
fn op_error(what: &'static str, e: OpError) -> Error {
    match e {
        OpError::Unsupported {
            since,
            driver_revision,
            ..
        } => Error::Unsupported {
            what,
            since,
            driver_revision,
        },
        OpError::Rejected { errno, .. } => Error::from_errno(what, errno),
        OpError::BadReply { .. } => Error::from_errno(what, Errno::EPROTO),
        OpError::TooLarge { needed, .. } => Error::TooLong { what, len: needed },
    }
}

/// A reply attribute the driver must send; EPROTO if it did not.
fn needed<V>(what: &'static str, v: Option<V>) -> Result<V> {
    v.ok_or(Error::from_errno(what, Errno::EPROTO))
}

impl<T: Transport> Device<T> {
    fn control_rev(&self, what: &'static str) -> Result<u32> {
        if self.device_caps()?.contains(DeviceCaps::CONTROL) {
            Ok(self.accel().device_revision())
        } else {
            Err(Error::FeatureUnsupported {
                what,
                capability: "control",
            })
        }
    }

    /// Firmware version, temperature, power state and engines (get-status).
    pub fn status(&self) -> Result<Status> {
        const W: &str = "get-status";
        let rev = self.control_rev(W)?;
        let r = ops::get_status(self.accel().t(), rev, &Default::default())
            .map_err(|e| op_error(W, e))?;
        let engines = r
            .engine
            .iter()
            .map(|e| {
                Ok(EngineStatus {
                    index: needed(W, e.index)?,
                    kind: needed(W, e.kind)?,
                    busy: Duration::from_nanos(needed(W, e.busy_ns)?),
                    completed: needed(W, e.completed)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Status {
            firmware_version: needed(W, r.fw_version)?,
            temperature_mc: needed(W, r.temperature_mc)?,
            power_state: PowerState::from_raw(needed(W, r.power_state)?),
            engines,
        })
    }

    /// The device-wide counters (get-counters).
    pub fn device_counters(&self) -> Result<DeviceCounters> {
        const W: &str = "get-counters";
        let rev = self.control_rev(W)?;
        let r = ops::get_counters(self.accel().t(), rev, &Default::default())
            .map_err(|e| op_error(W, e))?;
        Ok(DeviceCounters {
            submissions: needed(W, r.submissions)?,
            completions: needed(W, r.completions)?,
            bytes_moved: needed(W, r.bytes_moved)?,
            errors: needed(W, r.errors)?,
        })
    }

    /// Changes the power state (set-power-state); privileged callers only.
    pub fn set_power_state(&self, state: PowerState) -> Result<PowerState> {
        const W: &str = "set-power-state";
        let rev = self.control_rev(W)?;
        let r = ops::set_power_state(
            self.accel().t(),
            rev,
            &ops::SetPowerStateRequest {
                state: Some(state.raw()),
            },
        )
        .map_err(|e| op_error(W, e))?;
        PowerState::from_raw(needed(W, r.state)?).ok_or(Error::from_errno(W, Errno::EPROTO))
    }

    /// Drains or cancels the pending work of `queue` (reset-queue);
    /// privileged callers only. Returns the number of submissions
    /// cancelled (0 for a drain).
    pub fn reset_queue(&self, queue: &Queue<'_, T>, mode: ResetMode) -> Result<u32> {
        const W: &str = "reset-queue";
        if !std::ptr::eq(queue.device(), self.accel()) {
            return Err(Error::ForeignObject { what: "queue" });
        }
        let rev = self.control_rev(W)?;
        let r = ops::reset_queue(
            self.accel().t(),
            rev,
            &ops::ResetQueueRequest {
                queue: Some(queue.handle()),
                mode: Some(mode.raw()),
            },
        )
        .map_err(|e| op_error(W, e))?;
        needed(W, r.cancelled)
    }

    /// The tunables (get-tunables).
    pub fn tunables(&self) -> Result<Tunables> {
        const W: &str = "get-tunables";
        let rev = self.control_rev(W)?;
        let r = ops::get_tunables(self.accel().t(), rev, &Default::default())
            .map_err(|e| op_error(W, e))?;
        Ok(Tunables {
            time_slice: Duration::from_nanos(needed(W, r.time_slice_ns)?),
        })
    }

    /// Sets the time slice (set-tunables): 10 µs to 1 s, else
    /// [`Error::Other`] with ERANGE. Returns every tunable's new value.
    pub fn set_time_slice(&self, time_slice: Duration) -> Result<Tunables> {
        const W: &str = "set-tunables";
        let rev = self.control_rev(W)?;
        let ns = u64::try_from(time_slice.as_nanos()).unwrap_or(u64::MAX);
        let r = ops::set_tunables(
            self.accel().t(),
            rev,
            &ops::SetTunablesRequest {
                time_slice_ns: Some(ns),
            },
        )
        .map_err(|e| op_error(W, e))?;
        Ok(Tunables {
            time_slice: Duration::from_nanos(needed(W, r.time_slice_ns)?),
        })
    }

    /// Sends one message to the firmware (fw-command) and returns its
    /// answer; `tag` comes back in it.
    pub fn fw_command(&self, msg: FwMessage, tag: u32) -> Result<FwAnswer> {
        const W: &str = "fw-command";
        let rev = self.control_rev(W)?;
        let (ty, arg0, arg1) = match msg {
            FwMessage::Ping { arg0, arg1 } => (uapi::fw_msg_type::PING, arg0, arg1),
            FwMessage::ReadSensor { sensor } => (uapi::fw_msg_type::READ_SENSOR, sensor, 0),
            FwMessage::GetBuild => (uapi::fw_msg_type::GET_BUILD, 0, 0),
        };
        // The firmware protocol is big-endian.
        let request = uapi::FwRequest {
            r#type: u16::try_from(ty).unwrap_or(u16::MAX).to_be(),
            tag: tag.to_be(),
            arg0: arg0.to_be(),
            arg1: arg1.to_be(),
            ..uapi::FwRequest::ZERO
        };
        let r = ops::fw_command(
            self.accel().t(),
            rev,
            &ops::FwCommandRequest {
                request: Some(request),
            },
        )
        .map_err(|e| op_error(W, e))?;
        let a = needed(W, r.reply)?;
        Ok(FwAnswer {
            msg_type: u16::from_be(a.r#type),
            status: u16::from_be(a.status),
            tag: u32::from_be(a.tag),
            value0: u64::from_be(a.value0),
            value1: u64::from_be(a.value1),
        })
    }
}
