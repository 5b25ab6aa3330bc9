//! The device firmware, modelled: its version, its build number, its
//! sensors, and its answers to fw-command messages. The firmware protocol
//! is big-endian, as the spec's fw-request and fw-reply declare; the
//! generated dispatch has already checked the envelope (known type,
//! reserved zero) before a message gets here.

use crate::uapi::{FwReply, FwRequest, fw_msg_type};

/// The version string get-status reports.
pub(crate) const VERSION: &str = "softaccel-fw 3.1.4";

/// The build number get-build answers.
pub(crate) const BUILD: u64 = 20_261_128;

/// Firmware status: the request named a sensor that does not exist.
pub(crate) const STATUS_NO_SENSOR: u16 = 1;

/// Sensor numbers of read-sensor.
const SENSOR_TEMPERATURE: u32 = 0;
const SENSOR_ENGINES: u32 = 1;

/// What the firmware can read from the device.
pub(crate) struct Sensors {
    pub(crate) temperature_mc: i32,
    pub(crate) engines: u32,
}

/// Answers one message. `req` is in host order here; the reply is
/// returned big-endian, as it travels.
pub(crate) fn handle(req: &FwRequest, sensors: &Sensors) -> FwReply {
    let ty = u16::from_be(req.r#type);
    let tag = u32::from_be(req.tag);
    let (arg0, arg1) = (u32::from_be(req.arg0), u32::from_be(req.arg1));
    let (status, value0, value1) = match u32::from(ty) {
        fw_msg_type::PING => (0, u64::from(arg0), u64::from(arg1)),
        fw_msg_type::READ_SENSOR => match arg0 {
            // Two's complement in 64 bits, as the firmware reports it.
            SENSOR_TEMPERATURE => (0, i64::from(sensors.temperature_mc) as u64, 0),
            SENSOR_ENGINES => (0, u64::from(sensors.engines), 0),
            _ => (STATUS_NO_SENSOR, 0, 0),
        },
        fw_msg_type::GET_BUILD => (0, BUILD, 0),
        // The envelope check lets only known types through.
        _ => (STATUS_NO_SENSOR, 0, 0),
    };
    FwReply {
        r#type: ty.to_be(),
        status: status.to_be(),
        tag: tag.to_be(),
        value0: value0.to_be(),
        value1: value1.to_be(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(ty: u32, tag: u32, arg0: u32, arg1: u32) -> FwRequest {
        FwRequest {
            r#type: (ty as u16).to_be(),
            tag: tag.to_be(),
            arg0: arg0.to_be(),
            arg1: arg1.to_be(),
            ..FwRequest::ZERO
        }
    }

    #[test]
    fn answers_in_big_endian() {
        let s = Sensors {
            temperature_mc: -5,
            engines: 2,
        };
        let r = handle(&req(fw_msg_type::PING, 7, 1, 2), &s);
        assert_eq!(u32::from_be(r.tag), 7);
        assert_eq!((u64::from_be(r.value0), u64::from_be(r.value1)), (1, 2));
        let r = handle(&req(fw_msg_type::READ_SENSOR, 0, 0, 0), &s);
        assert_eq!(u64::from_be(r.value0) as i64, -5);
        let r = handle(&req(fw_msg_type::READ_SENSOR, 0, 9, 0), &s);
        assert_eq!(u16::from_be(r.status), STATUS_NO_SENSOR);
        let r = handle(&req(fw_msg_type::GET_BUILD, 0, 0, 0), &s);
        assert_eq!(u64::from_be(r.value0), BUILD);
        assert_eq!(u32::from(u16::from_be(r.r#type)), fw_msg_type::GET_BUILD);
    }
}
