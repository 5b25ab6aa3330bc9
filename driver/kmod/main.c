// SPDX-License-Identifier: GPL-2.0
/*
 * softaccel: the misc device, its file operations, the parameters and the
 * ops tables the generated dispatch calls.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/log2.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "softaccel_drv.h"
#include "softaccel_bench.h"

/*
 * The device configuration, DeviceConfig of the FUSE driver: writable, and
 * read at each open, so a test suite configures the device for the files
 * it opens next (driver/src/kmod.rs). The p_ prefix keeps the variables
 * apart from the generated softaccel_revision()/accel_revision().
 */
static ulong p_device_id;
module_param_named(device_id, p_device_id, ulong, 0644);
MODULE_PARM_DESC(device_id, "the device-id parameter (0: not on a PCI bus)");

static uint p_revision = SOFTACCEL_REVISION;
module_param_named(revision, p_revision, uint, 0644);
MODULE_PARM_DESC(revision,
		 "softaccel spec revision the driver plays, 1.." __stringify(SOFTACCEL_REVISION));

static uint p_core_revision = ACCEL_REVISION;
module_param_named(core_revision, p_core_revision, uint, 0644);
MODULE_PARM_DESC(core_revision,
		 "accel core spec revision the driver plays, 1.." __stringify(ACCEL_REVISION));
/* The same knob under the name of the spec. */
module_param_named(accel_revision, p_core_revision, uint, 0644);
MODULE_PARM_DESC(accel_revision, "another name of core_revision");

static uint p_capabilities = ACCEL_CAPABILITIES_ALL;
module_param_named(capabilities, p_capabilities, uint, 0644);
MODULE_PARM_DESC(capabilities,
		 "accel capabilities the device has (those core_revision defines are announced)");

static uint p_device_capabilities = SOFTACCEL_DEVICE_CAPS_ALL;
module_param_named(device_capabilities, p_device_capabilities, uint, 0644);
MODULE_PARM_DESC(device_capabilities,
		 "softaccel capabilities the device has (those revision defines are announced)");

static ulong p_max_bo_alignment = SA_MAX_BO_ALIGNMENT;
module_param_named(max_bo_alignment, p_max_bo_alignment, ulong, 0644);
MODULE_PARM_DESC(max_bo_alignment, "max-bo-alignment with the bo-alignment capability");

static ulong p_max_bo_size = ACCEL_MAX_BO_SIZE;
module_param_named(max_bo_size, p_max_bo_size, ulong, 0644);
MODULE_PARM_DESC(max_bo_size, "the max-bo-size parameter");

static uint p_num_queues_max = ACCEL_MAX_QUEUES;
module_param_named(num_queues_max, p_num_queues_max, uint, 0644);
MODULE_PARM_DESC(num_queues_max, "the num-queues-max parameter");

static uint p_page_size = PAGE_SIZE;
module_param_named(page_size, p_page_size, uint, 0644);
MODULE_PARM_DESC(page_size, "the page-size parameter: a power of two, a multiple of PAGE_SIZE");

static uint p_engine_count = 2;
module_param_named(engine_count, p_engine_count, uint, 0644);
MODULE_PARM_DESC(engine_count, "engines, 1.." __stringify(SA_MAX_ENGINES));

static ulong p_clock_freq_hz;
module_param_named(clock_freq_hz, p_clock_freq_hz, ulong, 0644);
MODULE_PARM_DESC(clock_freq_hz, "the clock-freq-hz parameter");

/* Holding the engines is a switch that acts at once: it wakes them. */
static int sa_set_paused(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_bool(val, kp);

	if (!ret)
		sa_engines_wake();
	return ret;
}

static const struct kernel_param_ops sa_paused_ops = {
	.set = sa_set_paused,
	.get = param_get_bool,
};

module_param_cb(paused, &sa_paused_ops, &sa_dev.paused, 0644);
MODULE_PARM_DESC(paused, "1: engines start no submission (work stays in flight)");

static bool bench_ioctl;
module_param(bench_ioctl, bool, 0444);
MODULE_PARM_DESC(bench_ioctl,
		 "answer SOFTACCEL_BENCH_IOCTL_GET_PARAM (softaccel_bench.h), for benchmarks");

struct sa_device sa_dev;
static struct dentry *sa_debugfs;

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
	return caps;
}

static u32 sa_accel_revision(struct file *file)
{
	return sa_file(file)->cfg.core_revision;
}

static u32 sa_revision(struct file *file)
{
	return sa_file(file)->cfg.revision;
}

static int sa_get_param(struct file *file, struct accel_get_param *arg)
{
	const struct sa_config *cfg = &sa_file(file)->cfg;

	switch (arg->param) {
	case ACCEL_PARAM_DEVICE_ID:
		arg->value = cfg->device_id;
		break;
	case ACCEL_PARAM_REVISION:
		arg->value = cfg->revision;
		break;
	case ACCEL_PARAM_CORE_REVISION:
		arg->value = cfg->core_revision;
		break;
	case ACCEL_PARAM_CAPABILITIES:
		arg->value = cfg->capabilities;
		break;
	case ACCEL_PARAM_MAX_BO_SIZE:
		arg->value = cfg->max_bo_size;
		break;
	case ACCEL_PARAM_NUM_QUEUES_MAX:
		arg->value = cfg->num_queues_max;
		break;
	case ACCEL_PARAM_PAGE_SIZE:
		arg->value = cfg->page_size;
		break;
	case ACCEL_PARAM_ENGINE_COUNT:
		arg->value = cfg->engine_count;
		break;
	case ACCEL_PARAM_CLOCK_FREQ_HZ:
		arg->value = cfg->clock_freq_hz;
		break;
	case ACCEL_PARAM_PERF_STATS_ENABLE:
		arg->value = READ_ONCE(sa_file(file)->shared->perf_enabled);
		break;
	/* Revision 2: the generated validation rejects both for revision 1. */
	case ACCEL_PARAM_MAX_BO_ALIGNMENT:
		arg->value = cfg->max_bo_alignment;
		break;
	case ACCEL_PARAM_DEVICE_CAPABILITIES:
		arg->value = cfg->device_capabilities;
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
	if (!sa_has(sa_file(file), ACCEL_CAPABILITIES_PERF_STATS))
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
	.control = &sa_control_ops,
};

const struct softaccel_ops *softaccel_file_ops(struct file *file)
{
	return &sa_ops;
}

/*
 * The configuration of a file opened now, from the module parameters read
 * together; -EINVAL for one the ABI does not allow (DeviceConfig::check).
 */
static int sa_config_read(struct sa_config *c)
{
	struct accel_get_param dc = { .param = ACCEL_PARAM_DEVICE_CAPABILITIES };
	u32 caps, dcaps;

	kernel_param_lock(THIS_MODULE);
	c->device_id = p_device_id;
	c->revision = p_revision;
	c->core_revision = p_core_revision;
	caps = p_capabilities;
	dcaps = p_device_capabilities;
	c->max_bo_alignment = p_max_bo_alignment;
	c->max_bo_size = p_max_bo_size;
	c->num_queues_max = p_num_queues_max;
	c->page_size = p_page_size;
	c->engine_count = p_engine_count;
	c->clock_freq_hz = p_clock_freq_hz;
	kernel_param_unlock(THIS_MODULE);

	if (c->revision < 1 || c->revision > SOFTACCEL_REVISION ||
	    c->core_revision < 1 || c->core_revision > ACCEL_REVISION ||
	    (caps & ~ACCEL_CAPABILITIES_ALL) ||
	    (dcaps & ~SOFTACCEL_DEVICE_CAPS_ALL) ||
	    /* Later softaccel features are announced by a core-2 parameter. */
	    (sa_device_capabilities_at(c->revision) &&
	     accel_validate_get_param_at(&dc, c->core_revision)) ||
	    !is_power_of_2(c->page_size) || c->page_size < ACCEL_MIN_PAGE_SIZE ||
	    c->page_size % PAGE_SIZE ||
	    !is_power_of_2(c->max_bo_alignment) ||
	    c->max_bo_alignment < c->page_size ||
	    c->max_bo_alignment > ACCEL_MAX_BO_SIZE ||
	    c->max_bo_size < c->page_size || c->max_bo_size > ACCEL_MAX_BO_SIZE ||
	    c->num_queues_max < 1 || c->num_queues_max > ACCEL_MAX_QUEUES ||
	    c->engine_count < 1 || c->engine_count > SA_MAX_ENGINES)
		return -EINVAL;
	c->capabilities = caps & sa_capabilities_at(c->core_revision);
	c->device_capabilities = dcaps & sa_device_capabilities_at(c->revision);
	if (!(c->capabilities & ACCEL_CAPABILITIES_BO_ALIGNMENT))
		c->max_bo_alignment = 0;
	return 0;
}

static int sa_open(struct inode *inode, struct file *file)
{
	struct sa_config cfg;
	struct sa_file *f;
	int ret;

	ret = sa_config_read(&cfg);
	if (ret)
		return ret;
	ret = sa_engines_start(cfg.engine_count);
	if (ret)
		return ret;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->cfg = cfg;
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
	f->next_offset = cfg.page_size;
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
	    (sa_file(file)->cfg.core_revision < 2 &&
	     p.param >= ACCEL_PARAM_MAX_BO_ALIGNMENT) ||
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

/* The counters of driver::Counters, one `name value` line each. */
static int sa_counters_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "files %d\n", atomic_read(&sa_dev.live_files));
	seq_printf(m, "bos %d\n", atomic_read(&sa_dev.live_bos));
	seq_printf(m, "queues %d\n", atomic_read(&sa_dev.live_queues));
	seq_printf(m, "pending_submissions %d\n", atomic_read(&sa_dev.pending));
	seq_printf(m, "submits %lld\n", atomic64_read(&sa_dev.submits));
	seq_printf(m, "submissions_completed %lld\n", atomic64_read(&sa_dev.completed));
	seq_printf(m, "submissions_cancelled %lld\n", atomic64_read(&sa_dev.cancelled));
	seq_printf(m, "cmds_completed %lld\n", atomic64_read(&sa_dev.cmds));
	return 0;
}

static int sa_counters_open(struct inode *inode, struct file *file)
{
	return single_open(file, sa_counters_show, inode->i_private);
}

/*
 * Writing the file resets every total (these lines, get-counters' and the
 * engines' in get-status): a test suite starts each test from a fresh
 * device's counters, as the FUSE driver's tests do with a new Device. The
 * live counts stay.
 */
static ssize_t sa_counters_write(struct file *file, const char __user *buf,
				 size_t len, loff_t *pos)
{
	u32 i;

	for (i = 0; i < READ_ONCE(sa_dev.nr_engines); i++) {
		atomic64_set(&sa_dev.engines[i].busy_ns, 0);
		atomic64_set(&sa_dev.engines[i].completed, 0);
	}
	atomic64_set(&sa_dev.bytes, 0);
	atomic64_set(&sa_dev.errors, 0);
	atomic64_set(&sa_dev.submits, 0);
	atomic64_set(&sa_dev.completed, 0);
	atomic64_set(&sa_dev.cancelled, 0);
	atomic64_set(&sa_dev.cmds, 0);
	return len;
}

static const struct file_operations sa_counters_fops = {
	.owner = THIS_MODULE,
	.open = sa_counters_open,
	.read = seq_read,
	.write = sa_counters_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int __init sa_init(void)
{
	struct sa_config cfg;
	int ret;

	mutex_init(&sa_dev.engines_lock);
	atomic_set(&sa_dev.power_state, SOFTACCEL_POWER_STATE_FULL);
	atomic64_set(&sa_dev.time_slice_ns, SA_DEFAULT_TIME_SLICE_NS);
	/* Parameters given to insmod that no open could use fail the load. */
	ret = sa_config_read(&cfg);
	if (ret) {
		pr_err("softaccel: the module parameters are not a valid device configuration\n");
		return ret;
	}
	ret = sa_engines_start(cfg.engine_count);
	if (ret)
		goto stop;
	ret = misc_register(&sa_misc);
	if (ret)
		goto stop;
	/* Absent when debugfs is: the counters are for tests only. */
	sa_debugfs = debugfs_create_dir("softaccel", NULL);
	debugfs_create_file("counters", 0644, sa_debugfs, NULL, &sa_counters_fops);
	pr_info("softaccel: /dev/%s, revision %u, accel core revision %u\n",
		sa_misc.name, cfg.revision, cfg.core_revision);
	return 0;
stop:
	sa_engines_stop();
	return ret;
}

static void __exit sa_exit(void)
{
	debugfs_remove_recursive(sa_debugfs);
	misc_deregister(&sa_misc);
	sa_engines_stop();
	/* Every object must be gone once every file is closed. */
	WARN(atomic_read(&sa_dev.live_files) || atomic_read(&sa_dev.live_bos) ||
	     atomic_read(&sa_dev.live_queues) || atomic_read(&sa_dev.live_regions) ||
	     atomic_read(&sa_dev.pending),
	     "softaccel: leaked %d files, %d BOs, %d queues, %d ring regions, %d submissions\n",
	     atomic_read(&sa_dev.live_files), atomic_read(&sa_dev.live_bos),
	     atomic_read(&sa_dev.live_queues), atomic_read(&sa_dev.live_regions),
	     atomic_read(&sa_dev.pending));
}

module_init(sa_init);
module_exit(sa_exit);

MODULE_DESCRIPTION("softaccel: the uabi reference software accelerator");
MODULE_LICENSE("GPL");
