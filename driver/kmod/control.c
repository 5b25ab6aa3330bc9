// SPDX-License-Identifier: GPL-2.0
/*
 * softaccel control path: the callbacks of the spec's operations
 * (driver/src/control.rs), called by the generated CONTROL handler once the
 * message header, the operation, the caller's permission and the request's
 * attributes have been checked; each reads its typed request and writes
 * its reply through the generated builders. Also the modelled firmware
 * (driver/src/firmware.rs).
 */

#include <linux/slab.h>

#include "softaccel_drv.h"

/* The version string get-status reports. */
#define SA_FW_VERSION "softaccel-fw 3.1.4"
/* The build number get-build answers. */
#define SA_FW_BUILD 20261128ULL
/* Firmware status: the request named a sensor that does not exist. */
#define SA_FW_STATUS_NO_SENSOR 1
#define SA_SENSOR_TEMPERATURE 0
#define SA_SENSOR_ENGINES 1

/* The modelled die, in millidegrees Celsius. */
#define SA_AMBIENT_MC 35000
#define SA_PER_PENDING_MC 1500
#define SA_MAX_LOAD_MC 40000
#define SA_LOW_POWER_MC (-5000)

/*
 * A device without the control capability has no CONTROL ioctl, as a
 * driver of revision 2 (whose ENOTTY the generated dispatch gives) has none.
 */
static int sa_control_available(struct file *file)
{
	return sa_has_device(sa_file(file), SOFTACCEL_DEVICE_CAPS_CONTROL) ? 0 : -ENOTTY;
}

/* Ambient plus a share per submission in flight, cooler in low power. */
static s32 sa_temperature_mc(void)
{
	s32 load = min_t(s64, (s64)atomic_read(&sa_dev.pending) * SA_PER_PENDING_MC,
			 SA_MAX_LOAD_MC);
	bool low = atomic_read(&sa_dev.power_state) == SOFTACCEL_POWER_STATE_LOW;

	return SA_AMBIENT_MC + load + (low ? SA_LOW_POWER_MC : 0);
}

static int sa_op_get_status(struct file *file,
			    const struct softaccel_get_status_req *req,
			    struct softaccel_reply *reply)
{
	size_t nest;
	u32 i;
	int ret;

	ret = sa_control_available(file);
	if (ret)
		return ret;
	softaccel_reply_put_status_fw_version(reply, SA_FW_VERSION);
	softaccel_reply_put_status_temperature_mc(reply, sa_temperature_mc());
	softaccel_reply_put_status_power_state(reply,
					       atomic_read(&sa_dev.power_state));
	for (i = 0; i < sa_file(file)->cfg.engine_count; i++) {
		nest = softaccel_reply_start_status_engine(reply);
		softaccel_reply_put_engine_index(reply, i);
		softaccel_reply_put_engine_kind(reply, SOFTACCEL_ENGINE_KIND_GENERAL);
		softaccel_reply_put_engine_busy_ns(reply,
						   atomic64_read(&sa_dev.engines[i].busy_ns));
		softaccel_reply_put_engine_completed(reply,
						     atomic64_read(&sa_dev.engines[i].completed));
		softaccel_reply_nest_end(reply, nest);
	}
	return 0;
}

static int sa_op_get_counters(struct file *file,
			      const struct softaccel_get_counters_req *req,
			      struct softaccel_reply *reply)
{
	int ret = sa_control_available(file);

	if (ret)
		return ret;
	softaccel_reply_put_counters_submissions(reply, atomic64_read(&sa_dev.submits));
	softaccel_reply_put_counters_completions(reply, atomic64_read(&sa_dev.completed));
	softaccel_reply_put_counters_bytes_moved(reply, atomic64_read(&sa_dev.bytes));
	softaccel_reply_put_counters_errors(reply, atomic64_read(&sa_dev.errors));
	return 0;
}

static int sa_op_set_power_state(struct file *file,
				 const struct softaccel_set_power_state_req *req,
				 struct softaccel_reply *reply)
{
	int ret = sa_control_available(file);

	if (ret)
		return ret;
	/* The policy has checked the value; no state says nothing to do. */
	if (!req->has_state)
		return -EINVAL;
	atomic_set(&sa_dev.power_state, req->state);
	softaccel_reply_put_power_state(reply, req->state);
	return 0;
}

static int sa_op_reset_queue(struct file *file,
			     const struct softaccel_reset_queue_req *req,
			     struct softaccel_reply *reply)
{
	struct sa_queue *q;
	u32 cancelled = 0;
	int ret;

	ret = sa_control_available(file);
	if (ret)
		return ret;
	if (!req->has_queue || !req->has_mode || !req->queue)
		return -EINVAL;
	q = sa_queue_get(sa_file(file), req->queue);
	if (!q)
		return -ENOENT;
	switch (req->mode) {
	case SOFTACCEL_RESET_MODE_DRAIN:
		ret = sa_queue_drain(q);
		break;
	case SOFTACCEL_RESET_MODE_CANCEL:
		ret = sa_queue_cancel(q, &cancelled);
		break;
	default:
		ret = -EINVAL;
	}
	sa_queue_put(q);
	if (!ret)
		softaccel_reply_put_queue_reset_cancelled(reply, cancelled);
	return ret;
}

static int sa_op_get_tunables(struct file *file,
			      const struct softaccel_get_tunables_req *req,
			      struct softaccel_reply *reply)
{
	int ret = sa_control_available(file);

	if (ret)
		return ret;
	softaccel_reply_put_tunables_time_slice_ns(reply,
						   atomic64_read(&sa_dev.time_slice_ns));
	return 0;
}

static int sa_op_set_tunables(struct file *file,
			      const struct softaccel_set_tunables_req *req,
			      struct softaccel_reply *reply)
{
	int ret = sa_control_available(file);

	if (ret)
		return ret;
	/* The range was checked by the policy (ERANGE). */
	if (req->has_time_slice_ns)
		atomic64_set(&sa_dev.time_slice_ns, req->time_slice_ns);
	softaccel_reply_put_tunables_time_slice_ns(reply,
						   atomic64_read(&sa_dev.time_slice_ns));
	return 0;
}

/*
 * The firmware's answer to one message: big-endian both ways, as the spec's
 * fw-request and fw-reply declare. The envelope (known type, reserved
 * zero) was checked before.
 */
static void sa_firmware(const struct sa_file *f,
			const struct softaccel_fw_request *req,
			struct softaccel_fw_reply *out)
{
	u16 type = be16_to_cpu(req->type), status = 0;
	u32 arg0 = be32_to_cpu(req->arg0), arg1 = be32_to_cpu(req->arg1);
	u64 value0 = 0, value1 = 0;

	switch (type) {
	case SOFTACCEL_FW_MSG_TYPE_PING:
		value0 = arg0;
		value1 = arg1;
		break;
	case SOFTACCEL_FW_MSG_TYPE_READ_SENSOR:
		if (arg0 == SA_SENSOR_TEMPERATURE)
			/* Two's complement in 64 bits, as the firmware reports it. */
			value0 = (u64)(s64)sa_temperature_mc();
		else if (arg0 == SA_SENSOR_ENGINES)
			value0 = f->cfg.engine_count;
		else
			status = SA_FW_STATUS_NO_SENSOR;
		break;
	case SOFTACCEL_FW_MSG_TYPE_GET_BUILD:
		value0 = SA_FW_BUILD;
		break;
	default:
		status = SA_FW_STATUS_NO_SENSOR;
	}
	out->type = cpu_to_be16(type);
	out->status = cpu_to_be16(status);
	out->tag = req->tag;
	out->value0 = cpu_to_be64(value0);
	out->value1 = cpu_to_be64(value1);
}

static int sa_op_fw_command(struct file *file,
			    const struct softaccel_fw_command_req *req,
			    struct softaccel_reply *reply)
{
	struct softaccel_fw_reply out;
	int ret = sa_control_available(file);

	if (ret)
		return ret;
	if (!req->has_request)
		return -EINVAL;
	sa_firmware(sa_file(file), &req->request, &out);
	softaccel_reply_put_fw_reply(reply, &out);
	return 0;
}

/* The errors counter of get-counters counts rejected control requests. */
static void sa_operation_failed(struct file *file, u16 op, int err,
				u32 offset, u16 attr)
{
	atomic64_inc(&sa_dev.errors);
}

const struct softaccel_control_ops sa_control_ops = {
	.operation_failed = sa_operation_failed,
	.op_get_status = sa_op_get_status,
	.op_get_counters = sa_op_get_counters,
	.op_set_power_state = sa_op_set_power_state,
	.op_reset_queue = sa_op_reset_queue,
	.op_get_tunables = sa_op_get_tunables,
	.op_set_tunables = sa_op_set_tunables,
	.op_fw_command = sa_op_fw_command,
};
