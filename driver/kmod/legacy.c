// SPDX-License-Identifier: GPL-2.0
/*
 * softaccel_legacy: a second misc device, /dev/softaccel-legacy, on the
 * generated C kernel side of the legacy test spec (driver/kmod/legacy/
 * legacy.yaml). Its one ioctl takes an existing-ABI struct with ivpu's
 * tail padding, 24 bytes on x86_64 and 20 on i386, so the two targets'
 * command numbers differ: what it proves is the generated compat path (a
 * 32-bit caller's i386 command and layout converted both ways), which the
 * softaccel spec, explicitly padded, never exercises.
 */

#include <linux/miscdevice.h>
#include <linux/module.h>

#include "legacy/generated/legacy/c/kernel/legacy_kernel.h"

/*
 * The transformation tests check member by member: every member written
 * back differs from what the caller wrote, so a value at a wrong offset
 * or not copied back shows.
 */
static int sl_echo(struct file *file, struct legacy_echo *arg)
{
	arg->cookie = ~arg->cookie;
	arg->doubled = arg->value * 2;
	arg->sum = lower_32_bits(arg->cookie) + upper_32_bits(arg->cookie) +
		   arg->value;
	return 0;
}

static const struct legacy_ops sl_ops = {
	.echo = sl_echo,
};

const struct legacy_ops *legacy_file_ops(struct file *file)
{
	return &sl_ops;
}

static const struct file_operations sl_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = legacy_ioctl,
	.compat_ioctl = legacy_compat_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice sl_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "softaccel-legacy",
	.fops = &sl_fops,
	/* Any user may open it, as /dev/softaccel0. */
	.mode = 0666,
};

module_misc_device(sl_misc);

MODULE_DESCRIPTION("softaccel_legacy: the generated compat path of a legacy struct");
MODULE_LICENSE("GPL");
