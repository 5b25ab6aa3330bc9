// SPDX-License-Identifier: GPL-2.0
/*
 * softaccel_rs: the C part. Linux 6.12 has no Rust miscdevice, no Rust
 * mmap of vmalloc memory and no Rust module parameters, so this file holds
 * them: the misc device /dev/softaccel0 whose file operations call the
 * Rust crate (sa_rs.rs) with the file's private data, the BO memory
 * (vmalloc_user, mapped with remap_vmalloc_range, reference-counted so that
 * a mapping outlives a destroyed BO), the parameters of the C module
 * (driver/kmod) under the same names, and the debugfs counters file the
 * test suites read. The module's init and exit are Rust's (module!).
 */

#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/crc32.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>
#include <asm/fpu/api.h>

#include "../../generated/softaccel/c/kernel/softaccel_kernel.h"
#include "shim.h"

/* driver/kmod's engine limit and largest BO alignment (softaccel_drv.h). */
#define SA_MAX_BO_ALIGNMENT (2ULL << 20)

/*
 * The C module's parameters and defaults (driver/kmod/main.c), read at
 * each open (sa_shim_config); Rust checks them as the C module does.
 */
static ulong p_device_id;
module_param_named(device_id, p_device_id, ulong, 0644);
MODULE_PARM_DESC(device_id, "the device-id parameter (0: not on a PCI bus)");

static uint p_revision = SOFTACCEL_REVISION;
module_param_named(revision, p_revision, uint, 0644);
MODULE_PARM_DESC(revision, "softaccel spec revision the driver plays");

static uint p_core_revision = ACCEL_REVISION;
module_param_named(core_revision, p_core_revision, uint, 0644);
MODULE_PARM_DESC(core_revision, "accel core spec revision the driver plays");
module_param_named(accel_revision, p_core_revision, uint, 0644);
MODULE_PARM_DESC(accel_revision, "another name of core_revision");

static uint p_capabilities = ACCEL_CAPABILITIES_ALL;
module_param_named(capabilities, p_capabilities, uint, 0644);
MODULE_PARM_DESC(capabilities, "accel capabilities the device has");

static uint p_device_capabilities = SOFTACCEL_DEVICE_CAPS_ALL;
module_param_named(device_capabilities, p_device_capabilities, uint, 0644);
MODULE_PARM_DESC(device_capabilities, "softaccel capabilities the device has");

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
MODULE_PARM_DESC(engine_count, "the engine-count parameter");

static ulong p_clock_freq_hz;
module_param_named(clock_freq_hz, p_clock_freq_hz, ulong, 0644);
MODULE_PARM_DESC(clock_freq_hz, "the clock-freq-hz parameter");

/*
 * The C module's switch that holds its engines. SUBMIT runs its work here
 * before it returns, so there is nothing to hold: the switch exists (the
 * suites clear it before each test) and refuses to be set.
 */
static bool p_paused;

static int sa_shim_set_paused(const char *val, const struct kernel_param *kp)
{
	bool paused;
	int ret = kstrtobool(val, &paused);

	if (ret)
		return ret;
	return paused ? -EINVAL : 0;
}

static const struct kernel_param_ops sa_shim_paused_ops = {
	.set = sa_shim_set_paused,
	.get = param_get_bool,
};

module_param_cb(paused, &sa_shim_paused_ops, &p_paused, 0644);
MODULE_PARM_DESC(paused, "always 0: SUBMIT runs its work at once (1 is refused)");

static bool bench_ioctl;
module_param(bench_ioctl, bool, 0444);
MODULE_PARM_DESC(bench_ioctl,
		 "answer SOFTACCEL_BENCH_IOCTL_GET_PARAM (driver/kmod/softaccel_bench.h), for benchmarks");

bool sa_shim_bench_ioctl(void)
{
	return bench_ioctl;
}

void sa_shim_config(struct sa_shim_config *cfg)
{
	kernel_param_lock(THIS_MODULE);
	cfg->device_id = p_device_id;
	cfg->revision = p_revision;
	cfg->core_revision = p_core_revision;
	cfg->capabilities = p_capabilities;
	cfg->device_capabilities = p_device_capabilities;
	cfg->max_bo_alignment = p_max_bo_alignment;
	cfg->max_bo_size = p_max_bo_size;
	cfg->num_queues_max = p_num_queues_max;
	cfg->page_size = p_page_size;
	cfg->engine_count = p_engine_count;
	cfg->clock_freq_hz = p_clock_freq_hz;
	kernel_param_unlock(THIS_MODULE);
}

/* BO memory: zeroed, mappable; the last reference frees it. */
struct sa_shim_buf {
	struct kref ref;
	void *vaddr;
	u64 size;
};

struct sa_shim_buf *sa_shim_buf_alloc(u64 size)
{
	struct sa_shim_buf *buf;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return NULL;
	buf->vaddr = vmalloc_user(size);
	if (!buf->vaddr) {
		kfree(buf);
		return NULL;
	}
	kref_init(&buf->ref);
	buf->size = size;
	return buf;
}

void *sa_shim_buf_vaddr(struct sa_shim_buf *buf)
{
	return buf->vaddr;
}

void sa_shim_buf_get(struct sa_shim_buf *buf)
{
	kref_get(&buf->ref);
}

static void sa_shim_buf_free(struct kref *ref)
{
	struct sa_shim_buf *buf = container_of(ref, struct sa_shim_buf, ref);

	vfree(buf->vaddr);
	kfree(buf);
}

void sa_shim_buf_put(struct sa_shim_buf *buf)
{
	kref_put(&buf->ref, sa_shim_buf_free);
}

/*
 * Whether the caller may use the admin-perm control operations: what the
 * generated C dispatch asks when the driver has no privileged callback.
 */
bool sa_shim_capable_admin(void)
{
	return capable(CAP_SYS_ADMIN);
}

u64 sa_shim_totalram_pages(void)
{
	return totalram_pages();
}

u32 sa_shim_crc32c(u32 crc, const void *data, size_t len)
{
	return __crc32c_le(crc, data, len);
}

/* Elements one kernel_fpu_begin/end section adds: preemption is off inside. */
#define SA_FPU_BATCH 1024

/* add-f32 in SSE, a batch per FPU section so preemption stays short. */
void sa_shim_add_f32(__le32 *dst, const __le32 *a, const __le32 *b, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i += k) {
		k = min_t(size_t, SA_FPU_BATCH, n - i);
		/* MXCSR at its default: round to nearest even, no FTZ or DAZ. */
		kernel_fpu_begin();
		sa_fpu_add_f32(dst + i, a + i, b + i, k);
		kernel_fpu_end();
		cond_resched();
	}
}

u64 sa_shim_ktime_ns(void)
{
	return ktime_get_ns();
}

void sa_shim_cond_resched(void)
{
	cond_resched();
}

static int sa_shim_open(struct inode *inode, struct file *file)
{
	/* Realtime queues need CAP_SYS_NICE of the opener, as f_cred has it. */
	return sa_rs_open(&file->private_data,
			  file_ns_capable(file, &init_user_ns, CAP_SYS_NICE));
}

static int sa_shim_release(struct inode *inode, struct file *file)
{
	sa_rs_release(file->private_data);
	return 0;
}

static long sa_shim_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return sa_rs_ioctl(file->private_data, cmd, arg, false);
}

#ifdef CONFIG_COMPAT
static long sa_shim_compat_ioctl(struct file *file, unsigned int cmd,
				 unsigned long arg)
{
	return sa_rs_ioctl(file->private_data, cmd,
			   (unsigned long)compat_ptr(arg), true);
}
#endif

/* A mapping holds its buffer: the pages stay valid until it is unmapped. */
static void sa_shim_vm_open(struct vm_area_struct *vma)
{
	sa_shim_buf_get(vma->vm_private_data);
}

static void sa_shim_vm_close(struct vm_area_struct *vma)
{
	sa_shim_buf_put(vma->vm_private_data);
}

static const struct vm_operations_struct sa_shim_vm_ops = {
	.open = sa_shim_vm_open,
	.close = sa_shim_vm_close,
};

/*
 * Rust finds the buffer at the fake offset and checks the range against it
 * (sa_rs_mmap_find answers with a reference and the page within the
 * buffer); the mapping itself is C's.
 */
static int sa_shim_mmap(struct file *file, struct vm_area_struct *vma)
{
	u64 start = (u64)vma->vm_pgoff << PAGE_SHIFT;
	u64 len = vma->vm_end - vma->vm_start;
	struct sa_shim_buf *buf;
	u64 pgoff;
	int ret;

	ret = sa_rs_mmap_find(file->private_data, start, len, &buf);
	if (ret < 0)
		return ret;
	/* What is left of the answer: the page of the buffer to map from. */
	pgoff = ret;
	ret = remap_vmalloc_range(vma, buf->vaddr, pgoff);
	if (ret) {
		sa_shim_buf_put(buf);
		return ret;
	}
	vma->vm_private_data = buf;
	vma->vm_ops = &sa_shim_vm_ops;
	return 0;
}

static const struct file_operations sa_shim_fops = {
	.owner = THIS_MODULE,
	.open = sa_shim_open,
	.release = sa_shim_release,
	.unlocked_ioctl = sa_shim_ioctl,
#ifdef CONFIG_COMPAT
	.compat_ioctl = sa_shim_compat_ioctl,
#endif
	.mmap = sa_shim_mmap,
	.llseek = noop_llseek,
};

static struct miscdevice sa_shim_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "softaccel0",
	.fops = &sa_shim_fops,
	/* Any user may open it: the guest's test suites run as any user. */
	.mode = 0666,
};

/* The counters of driver::Counters, one `name value` line each. */
static int sa_shim_counters_show(struct seq_file *m, void *unused)
{
	const char *name;
	unsigned int i;
	s64 value;

	for (i = 0;; i++) {
		value = sa_rs_counter(i, &name);
		if (!name)
			break;
		seq_printf(m, "%s %lld\n", name, value);
	}
	return 0;
}

static int sa_shim_counters_open(struct inode *inode, struct file *file)
{
	return single_open(file, sa_shim_counters_show, inode->i_private);
}

/* Writing the file resets the totals; the live counts stay. */
static ssize_t sa_shim_counters_write(struct file *file, const char __user *buf,
				      size_t len, loff_t *pos)
{
	sa_rs_counters_reset();
	return len;
}

static const struct file_operations sa_shim_counters_fops = {
	.owner = THIS_MODULE,
	.open = sa_shim_counters_open,
	.read = seq_read,
	.write = sa_shim_counters_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static struct dentry *sa_shim_debugfs;

int sa_shim_register(void)
{
	int ret = misc_register(&sa_shim_misc);

	if (ret)
		return ret;
	/* Absent when debugfs is: the counters are for tests only. */
	sa_shim_debugfs = debugfs_create_dir("softaccel", NULL);
	debugfs_create_file("counters", 0644, sa_shim_debugfs, NULL,
			    &sa_shim_counters_fops);
	return 0;
}

void sa_shim_unregister(void)
{
	debugfs_remove_recursive(sa_shim_debugfs);
	misc_deregister(&sa_shim_misc);
}
