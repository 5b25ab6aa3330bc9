//! The ioctl table: the generated `Ops` traits implemented by the device.
//! `dispatch` has already copied the argument in, zeroed its out members
//! and run the generated validation (pad, flags, enums, ranges, array
//! bounds), so each handler starts from a well-formed argument and checks
//! only what needs the device's state.

use crate::device::{Device, FileCtx};
use crate::uapi::accel_uapi::{
    BoCreate, BoDestroy, BoInfo, GetParam, QueueCreate, QueueDestroy, SetParam, capabilities, param,
};
use crate::uapi::{Cmd, PerfCounter, PerfStats, QueueInfo, Submit, Wait};
use crate::{bo, perf, queue, submit};
use softaccel_kernel::{Errno, UserArray, accel_kernel};

impl accel_kernel::Ops for Device {
    type File = FileCtx;

    fn accel_revision(&self) -> u32 {
        self.config.core_revision
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
        submit::submit(self, file, arg, cmds)
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
}
