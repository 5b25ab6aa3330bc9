//! The ioctl table: the generated `Ops` traits implemented by the device.
//! `dispatch` has already copied the argument in, zeroed its out members
//! and run the generated validation (pad, flags, enums, ranges, array
//! bounds), so each handler starts from a well-formed argument and checks
//! only what needs the device's state.

use crate::device::{Device, FileCtx};
use crate::uapi::accel_uapi::{
    BoCreate, BoDestroy, BoInfo, GetParam, QueueCreate, QueueDestroy, SetParam, capabilities, param,
};
use crate::uapi::{
    Cmd, Doorbell, PerfCounter, PerfStats, QueueInfo, RingQueueCreate, Submit, Wait,
};
use crate::{bo, control, perf, queue, submit};
use softaccel_kernel::operations as o;
use softaccel_kernel::{Errno, UserArray, accel_kernel};
use std::sync::atomic::Ordering;
use uabi_runtime::nla;

impl accel_kernel::Ops for Device {
    type File = FileCtx;

    fn accel_revision(&self) -> u32 {
        self.config.core_revision
    }

    /// What the spec marks admin-perm needs CAP_SYS_ADMIN: the caller's
    /// when the device node says who is calling, else the opener's.
    fn privileged(&self, file: &FileCtx) -> bool {
        crate::device::caller_privileged().unwrap_or(file.creds.privileged)
    }

    fn get_param(&self, file: &FileCtx, arg: &mut GetParam) -> Result<(), Errno> {
        let cfg = &self.config;
        arg.value = match arg.param {
            param::DEVICE_ID => cfg.device_id,
            param::REVISION => cfg.revision.into(),
            param::CORE_REVISION => cfg.core_revision.into(),
            param::CAPABILITIES => cfg.effective_capabilities().into(),
            param::MAX_BO_SIZE => cfg.max_bo_size,
            param::NUM_QUEUES_MAX => cfg.num_queues_max.into(),
            param::PAGE_SIZE => cfg.page_size.into(),
            param::ENGINE_COUNT => cfg.engine_count.into(),
            param::CLOCK_FREQ_HZ => cfg.clock_freq_hz,
            param::PERF_STATS_ENABLE => file.shared.enabled().into(),
            // Revision 2. The generated dispatch already rejects both for
            // an older core revision.
            param::MAX_BO_ALIGNMENT => cfg.effective_max_bo_alignment(),
            param::DEVICE_CAPABILITIES => cfg.effective_device_capabilities().into(),
            _ => return Err(Errno::EINVAL),
        };
        Ok(())
    }

    fn set_param(&self, file: &FileCtx, arg: &mut SetParam) -> Result<(), Errno> {
        match arg.param {
            param::PERF_STATS_ENABLE => {
                if !self.config.has(capabilities::PERF_STATS) {
                    return Err(Errno::EOPNOTSUPP);
                }
                let on = match arg.value {
                    0 => false,
                    1 => true,
                    _ => return Err(Errno::EINVAL),
                };
                drop(file.state()?);
                file.shared.set_enabled(on);
                Ok(())
            }
            // Every other parameter is read-only (or unknown).
            _ => Err(Errno::EINVAL),
        }
    }

    fn bo_create(&self, file: &FileCtx, arg: &mut BoCreate) -> Result<(), Errno> {
        bo::create(self, file, arg)
    }

    fn bo_info(&self, file: &FileCtx, arg: &mut BoInfo) -> Result<(), Errno> {
        bo::info(file, arg)
    }

    fn bo_destroy(&self, file: &FileCtx, arg: &mut BoDestroy) -> Result<(), Errno> {
        bo::destroy(file, arg)
    }

    fn queue_create(&self, file: &FileCtx, arg: &mut QueueCreate) -> Result<(), Errno> {
        queue::create(self, file, arg)
    }

    fn queue_destroy(&self, file: &FileCtx, arg: &mut QueueDestroy) -> Result<(), Errno> {
        queue::destroy(file, arg)
    }
}

impl softaccel_kernel::Ops for Device {
    fn softaccel_revision(&self) -> u32 {
        self.config.revision
    }

    fn submit(
        &self,
        file: &FileCtx,
        arg: &mut Submit,
        cmds: UserArray<'_, Cmd>,
    ) -> Result<(), Errno> {
        submit::submit(self, file, arg, cmds).inspect_err(|_| {
            self.stats.errors.fetch_add(1, Ordering::Relaxed);
        })
    }

    fn wait(&self, file: &FileCtx, arg: &mut Wait) -> Result<(), Errno> {
        queue::wait(file, arg)
    }

    fn perf_stats(
        &self,
        file: &FileCtx,
        arg: &mut PerfStats,
        counters: UserArray<'_, PerfCounter>,
    ) -> Result<(), Errno> {
        perf::perf_stats(self, file, arg, counters)
    }

    fn queue_info(&self, file: &FileCtx, arg: &mut QueueInfo) -> Result<(), Errno> {
        queue::info(self, file, arg)
    }

    // The control path: the generated dispatch of CONTROL has checked
    // the header, the operation, the permission and the attributes.
    fn operation_failed(&self, _file: &FileCtx, _op: u16, _error: nla::Error) {
        self.stats.errors.fetch_add(1, Ordering::Relaxed);
    }

    fn op_get_status(
        &self,
        file: &FileCtx,
        req: o::GetStatusRequest<'_>,
        reply: &mut o::GetStatusReply<'_, '_>,
    ) -> Result<(), Errno> {
        control::get_status(self, file, req, reply)
    }

    fn op_get_counters(
        &self,
        file: &FileCtx,
        req: o::GetCountersRequest<'_>,
        reply: &mut o::GetCountersReply<'_, '_>,
    ) -> Result<(), Errno> {
        control::get_counters(self, file, req, reply)
    }

    fn op_set_power_state(
        &self,
        file: &FileCtx,
        req: o::SetPowerStateRequest<'_>,
        reply: &mut o::SetPowerStateReply<'_, '_>,
    ) -> Result<(), Errno> {
        control::set_power_state(self, file, req, reply)
    }

    fn op_reset_queue(
        &self,
        file: &FileCtx,
        req: o::ResetQueueRequest<'_>,
        reply: &mut o::ResetQueueReply<'_, '_>,
    ) -> Result<(), Errno> {
        control::reset_queue(self, file, req, reply)
    }

    fn op_get_tunables(
        &self,
        file: &FileCtx,
        req: o::GetTunablesRequest<'_>,
        reply: &mut o::GetTunablesReply<'_, '_>,
    ) -> Result<(), Errno> {
        control::get_tunables(self, file, req, reply)
    }

    fn op_set_tunables(
        &self,
        file: &FileCtx,
        req: o::SetTunablesRequest<'_>,
        reply: &mut o::SetTunablesReply<'_, '_>,
    ) -> Result<(), Errno> {
        control::set_tunables(self, file, req, reply)
    }

    fn op_fw_command(
        &self,
        file: &FileCtx,
        req: o::FwCommandRequest<'_>,
        reply: &mut o::FwCommandReply<'_, '_>,
    ) -> Result<(), Errno> {
        control::fw_command(self, file, req, reply)
    }

    fn ring_queue_create(&self, file: &FileCtx, arg: &mut RingQueueCreate) -> Result<(), Errno> {
        crate::ring::create(self, file, arg)
    }

    fn doorbell(&self, file: &FileCtx, arg: &mut Doorbell) -> Result<(), Errno> {
        crate::ring::doorbell(self, file, arg)
    }
}
