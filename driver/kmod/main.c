// SPDX-License-Identifier: GPL-2.0
/*
 * softaccel: the misc device, its file operations, the parameters and the
 * ops tables the generated dispatch calls.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "softaccel_drv.h"
#include "softaccel_bench.h"

/* Named apart from the generated softaccel_revision()/accel_revision(). */
static unsigned int param_revision = SOFTACCEL_REVISION;
module_param_named(revision, param_revision, uint, 0444);
MODULE_PARM_DESC(revision,
		 "softaccel spec revision the driver plays, 1.." __stringify(SOFTACCEL_REVISION));

static unsigned int param_accel_revision = ACCEL_REVISION;
module_param_named(accel_revision, param_accel_revision, uint, 0444);
MODULE_PARM_DESC(accel_revision,
		 "accel core spec revision the driver plays, 1.." __stringify(ACCEL_REVISION));

static bool bench_ioctl;
module_param(bench_ioctl, bool, 0444);
MODULE_PARM_DESC(bench_ioctl,
		 "answer SOFTACCEL_BENCH_IOCTL_GET_PARAM (softaccel_bench.h), for benchmarks");

struct sa_device sa_dev;

/*
 * The capabilities a driver of accel core revision @core_revision can
 * announce. Each capability added after revision 1 announces an ABI item,
 * and a revision without the item did not have the feature; the item is
 * asked for through the generated revision-aware checks, so no revision
 * number is restated here (as capabilities_at in driver/src/device.rs).
 */
u32 sa_capabilities_at(u32 core_revision)
{
	struct accel_bo_create ro = {
		.size = 1,
		.flags = ACCEL_BO_FLAGS_DEVICE_READ_ONLY,
	};
	u32 caps = ACCEL_CAPABILITIES_ALL;

	if (accel_bo_create_size_at(core_revision) <
	    offsetofend(struct accel_bo_create, alignment))
		caps &= ~ACCEL_CAPABILITIES_BO_ALIGNMENT;
	if (accel_validate_bo_create_at(&ro, core_revision))
		caps &= ~ACCEL_CAPABILITIES_READ_ONLY_BO;
	return caps;
}

/*
 * The softaccel capabilities a driver of softaccel revision @rev can
 * announce: the xor-u32 opcode through the generated check; the ioctls by
 * the revision that added them (QUEUE_INFO 2, CONTROL and
 * RING_QUEUE_CREATE 3), which the C side has no table of.
 */
u32 sa_device_capabilities_at(u32 rev)
{
	struct softaccel_cmd xor = { .opcode = SOFTACCEL_OPCODE_XOR_U32 };
	u32 caps = SOFTACCEL_DEVICE_CAPS_ALL;

	if (softaccel_validate_cmd_at(&xor, rev))
		caps &= ~SOFTACCEL_DEVICE_CAPS_XOR_U32;
	if (rev < 2)
		caps &= ~SOFTACCEL_DEVICE_CAPS_QUEUE_INFO;
	if (rev < 3)
		caps &= ~(SOFTACCEL_DEVICE_CAPS_CONTROL | SOFTACCEL_DEVICE_CAPS_RINGS);
	/* Built without the generated control part: no CONTROL (Kbuild). */
	if (!SA_HAS_CONTROL)
		caps &= ~SOFTACCEL_DEVICE_CAPS_CONTROL;
	return caps;
}

static u32 sa_accel_revision(struct file *file)
{
	return sa_dev.core_revision;
}

static u32 sa_revision(struct file *file)
{
	return sa_dev.revision;
}

static int sa_get_param(struct file *file, struct accel_get_param *arg)
{
	switch (arg->param) {
	case ACCEL_PARAM_DEVICE_ID:
		arg->value = 0;
		break;
	case ACCEL_PARAM_REVISION:
		arg->value = sa_dev.revision;
		break;
	case ACCEL_PARAM_CORE_REVISION:
		arg->value = sa_dev.core_revision;
		break;
	case ACCEL_PARAM_CAPABILITIES:
		arg->value = sa_dev.capabilities;
		break;
	case ACCEL_PARAM_MAX_BO_SIZE:
		arg->value = sa_dev.max_bo_size;
		break;
	case ACCEL_PARAM_NUM_QUEUES_MAX:
		arg->value = sa_dev.num_queues_max;
		break;
	case ACCEL_PARAM_PAGE_SIZE:
		arg->value = sa_dev.page_size;
		break;
	case ACCEL_PARAM_ENGINE_COUNT:
		arg->value = SA_ENGINES;
		break;
	case ACCEL_PARAM_CLOCK_FREQ_HZ:
		arg->value = 0;
		break;
	case ACCEL_PARAM_PERF_STATS_ENABLE:
		arg->value = READ_ONCE(sa_file(file)->shared->perf_enabled);
		break;
	/* Revision 2: the generated validation rejects both for revision 1. */
	case ACCEL_PARAM_MAX_BO_ALIGNMENT:
		arg->value = sa_dev.max_bo_alignment;
		break;
	case ACCEL_PARAM_DEVICE_CAPABILITIES:
		arg->value = sa_dev.device_capabilities;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static int sa_set_param(struct file *file, struct accel_set_param *arg)
{
	/* Every other parameter is read-only. */
	if (arg->param != ACCEL_PARAM_PERF_STATS_ENABLE)
		return -EINVAL;
	if (!sa_has(ACCEL_CAPABILITIES_PERF_STATS))
		return -EOPNOTSUPP;
	if (arg->value > 1)
		return -EINVAL;
	WRITE_ONCE(sa_file(file)->shared->perf_enabled, arg->value);
	return 0;
}

static int sa_submit_counted(struct file *file, struct softaccel_submit *arg,
			     const struct softaccel_cmd *cmds)
{
	int ret = sa_submit(file, arg, cmds);

	/* The errors counter of get-counters counts rejected submissions. */
	if (ret)
		atomic64_inc(&sa_dev.errors);
	return ret;
}

static const struct accel_ops sa_accel_ops = {
	.revision = sa_accel_revision,
	.get_param = sa_get_param,
	.set_param = sa_set_param,
	.bo_create = sa_bo_create,
	.bo_info = sa_bo_info,
	.bo_destroy = sa_bo_destroy,
	.queue_create = sa_queue_create,
	.queue_destroy = sa_queue_destroy,
};

static const struct softaccel_ops sa_ops = {
	.accel = &sa_accel_ops,
	.revision = sa_revision,
	.submit = sa_submit_counted,
	.wait = sa_wait,
	.perf_stats = sa_perf_stats,
	.queue_info = sa_queue_info,
	.ring_queue_create = sa_ring_queue_create,
	.doorbell = sa_doorbell,
#if SA_HAS_CONTROL
	.control = &sa_control_ops,
#endif
};

const struct softaccel_ops *softaccel_file_ops(struct file *file)
{
	return &sa_ops;
}

static int sa_open(struct inode *inode, struct file *file)
{
	struct sa_file *f;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->shared = kzalloc(sizeof(*f->shared), GFP_KERNEL);
	if (!f->shared) {
		kfree(f);
		return -ENOMEM;
	}
	kref_init(&f->shared->ref);
	spin_lock_init(&f->shared->lock);
	mutex_init(&f->lock);
	/* Cyclic allocation from 1: handle 0 is never valid. */
	xa_init_flags(&f->bos, XA_FLAGS_ALLOC1);
	xa_init_flags(&f->queues, XA_FLAGS_ALLOC1);
	f->next_bo = 1;
	f->next_queue = 1;
	/* Offset 0 is what BO_INFO reports for a BO that is not mappable. */
	f->next_offset = sa_dev.page_size;
	/* Realtime queues need CAP_SYS_NICE of the opener, as f_cred has it. */
	f->cap_sys_nice = file_ns_capable(file, &init_user_ns, CAP_SYS_NICE);
	file->private_data = f;
	atomic_inc(&sa_dev.live_files);
	return 0;
}

/*
 * Frees everything the file owns. Its queued submissions are cancelled, a
 * running one stops before its next command; they hold their own
 * references on the BOs and queues they use, which go when the engines let
 * go of them.
 */
static int sa_release(struct inode *inode, struct file *file)
{
	struct sa_file *f = sa_file(file);
	struct sa_queue *q;
	struct sa_bo *bo;
	unsigned long i;

	WRITE_ONCE(f->shared->closed, true);
	/* First the ring pollers, which would queue more work. */
	xa_for_each(&f->queues, i, q)
		sa_ring_stop(q);
	sa_engines_cancel_file(f->shared);
	xa_for_each(&f->queues, i, q)
		sa_queue_put(q);
	xa_destroy(&f->queues);
	xa_for_each(&f->bos, i, bo)
		sa_bo_put(bo);
	xa_destroy(&f->bos);
	sa_shared_put(f->shared);
	mutex_destroy(&f->lock);
	kfree(f);
	atomic_dec(&sa_dev.live_files);
	return 0;
}

/*
 * GET_PARAM written by hand, as a driver without generated code would:
 * the baseline of the dispatch benchmark. The same checks as the generated
 * validation, in the same order, and the same handler.
 */
static long sa_bench_get_param(struct file *file, void __user *uarg)
{
	struct accel_get_param p;
	int ret;

	if (copy_from_user(&p, uarg, sizeof(p)))
		return -EFAULT;
	p.value = 0;
	if (p.param > ACCEL_PARAM_DEVICE_CAPABILITIES ||
	    (sa_dev.core_revision < 2 && p.param >= ACCEL_PARAM_MAX_BO_ALIGNMENT) ||
	    memchr_inv(p.pad0, 0, sizeof(p.pad0)))
		return -EINVAL;
	ret = sa_get_param(file, &p);
	if (ret)
		return ret;
	return copy_to_user(uarg, &p, sizeof(p)) ? -EFAULT : 0;
}

static long sa_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	if (unlikely(cmd == SOFTACCEL_BENCH_IOCTL_GET_PARAM) && bench_ioctl)
		return sa_bench_get_param(file, (void __user *)arg);
	return softaccel_ioctl(file, cmd, arg);
}

static const struct file_operations sa_fops = {
	.owner = THIS_MODULE,
	.open = sa_open,
	.release = sa_release,
	.unlocked_ioctl = sa_ioctl,
	.compat_ioctl = softaccel_compat_ioctl,
	.mmap = sa_mmap,
	.llseek = noop_llseek,
};

static struct miscdevice sa_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "softaccel0",
	.fops = &sa_fops,
	/* Any user may open it: the guest's test suites run as any user. */
	.mode = 0666,
};

static int __init sa_init(void)
{
	int ret;

	if (param_revision < 1 || param_revision > SOFTACCEL_REVISION ||
	    param_accel_revision < 1 || param_accel_revision > ACCEL_REVISION) {
		pr_err("softaccel: revision %u or accel_revision %u out of range\n",
		       param_revision, param_accel_revision);
		return -EINVAL;
	}
	/*
	 * A revision with features of its own announces them through the
	 * core's device-capabilities parameter, so the core revision must
	 * have it.
	 */
	if (sa_device_capabilities_at(param_revision)) {
		struct accel_get_param p = {
			.param = ACCEL_PARAM_DEVICE_CAPABILITIES,
		};

		if (accel_validate_get_param_at(&p, param_accel_revision)) {
			pr_err("softaccel: revision %u needs accel_revision 2 or later\n",
			       param_revision);
			return -EINVAL;
		}
	}
	sa_dev.revision = param_revision;
	sa_dev.core_revision = param_accel_revision;
	sa_dev.capabilities = sa_capabilities_at(param_accel_revision);
	sa_dev.device_capabilities = sa_device_capabilities_at(param_revision);
	sa_dev.max_bo_alignment = sa_has(ACCEL_CAPABILITIES_BO_ALIGNMENT) ?
				  SA_MAX_BO_ALIGNMENT : 0;
	sa_dev.max_bo_size = ACCEL_MAX_BO_SIZE;
	sa_dev.num_queues_max = ACCEL_MAX_QUEUES;
	sa_dev.page_size = PAGE_SIZE;
	atomic_set(&sa_dev.power_state, SOFTACCEL_POWER_STATE_FULL);
	atomic64_set(&sa_dev.time_slice_ns, SA_DEFAULT_TIME_SLICE_NS);

	ret = sa_engines_start();
	if (ret)
		return ret;
	ret = misc_register(&sa_misc);
	if (ret) {
		sa_engines_stop();
		return ret;
	}
	pr_info("softaccel: /dev/%s, revision %u, accel core revision %u\n",
		sa_misc.name, param_revision, param_accel_revision);
	return 0;
}

static void __exit sa_exit(void)
{
	misc_deregister(&sa_misc);
	sa_engines_stop();
	/* Every object must be gone once every file is closed. */
	WARN(atomic_read(&sa_dev.live_files) || atomic_read(&sa_dev.live_bos) ||
	     atomic_read(&sa_dev.live_queues) || atomic_read(&sa_dev.pending),
	     "softaccel: leaked %d files, %d BOs, %d queues, %d submissions\n",
	     atomic_read(&sa_dev.live_files), atomic_read(&sa_dev.live_bos),
	     atomic_read(&sa_dev.live_queues), atomic_read(&sa_dev.pending));
}

module_init(sa_init);
module_exit(sa_exit);

MODULE_DESCRIPTION("softaccel: the uabi reference software accelerator");
MODULE_LICENSE("GPL");
