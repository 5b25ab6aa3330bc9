// SPDX-License-Identifier: GPL-2.0
/*
 * softaccel buffer objects: BO_CREATE, BO_INFO, BO_DESTROY and mmap.
 *
 * A BO is vmalloc_user memory (zeroed, mappable with remap_vmalloc_range)
 * at a fake offset in its file's mmap space. Offsets are handed out in
 * increasing order and never reused, so a stale offset never reaches
 * another BO. Handles, submissions and mappings each hold a reference; the
 * last one frees the memory.
 */

#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "softaccel_drv.h"

static void sa_bo_free(struct kref *ref)
{
	struct sa_bo *bo = container_of(ref, struct sa_bo, ref);

	vfree(bo->vaddr);
	atomic_dec(bo->region ? &sa_dev.live_regions : &sa_dev.live_bos);
	kfree(bo);
}

void sa_bo_put(struct sa_bo *bo)
{
	kref_put(&bo->ref, sa_bo_free);
}

int sa_bo_create(struct file *file, struct accel_bo_create *arg)
{
	struct sa_file *f = sa_file(file);
	bool visible = arg->flags & ACCEL_BO_FLAGS_HOST_VISIBLE;
	bool wc = arg->flags & ACCEL_BO_FLAGS_WRITE_COMBINE;
	bool read_only = arg->flags & ACCEL_BO_FLAGS_DEVICE_READ_ONLY;
	u64 align = arg->alignment;
	u64 size, offset, end;
	struct sa_bo *bo;
	u32 handle;
	int ret;

	if (wc && !visible)
		return -EINVAL;
	/* 0 (what a revision-1 caller's zero extension gives) is the page size. */
	if (align && !is_power_of_2(align))
		return -EINVAL;
	if ((visible && !sa_has(f, ACCEL_CAPABILITIES_HOST_VISIBLE_BO)) ||
	    (wc && !sa_has(f, ACCEL_CAPABILITIES_WRITE_COMBINE_BO)) ||
	    (read_only && !sa_has(f, ACCEL_CAPABILITIES_READ_ONLY_BO)) ||
	    (align && !sa_has(f, ACCEL_CAPABILITIES_BO_ALIGNMENT)))
		return -EOPNOTSUPP;
	if (align > f->cfg.max_bo_alignment)
		return -EINVAL;
	align = max_t(u64, align, f->cfg.page_size);
	/* The generated validation bounds size to 1..max-bo-size constant. */
	if (!arg->size)
		return -EINVAL;
	size = round_up(arg->size, (u64)f->cfg.page_size);
	if (size > f->cfg.max_bo_size)
		return -EINVAL;

	/*
	 * More than the machine's memory is ENOMEM here: vmalloc would say so
	 * with a warning and a stack dump in the log.
	 */
	if (size >> PAGE_SHIFT > totalram_pages())
		return -ENOMEM;
	bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	if (!bo)
		return -ENOMEM;
	bo->vaddr = vmalloc_user(size);
	if (!bo->vaddr) {
		kfree(bo);
		return -ENOMEM;
	}
	kref_init(&bo->ref);
	bo->size = size;
	bo->flags = arg->flags;
	atomic_inc(&sa_dev.live_bos);

	mutex_lock(&f->lock);
	offset = round_up(f->next_offset, align);
	end = offset + size;
	/* The mmap space is what a 64-bit vm_pgoff can address. */
	if (offset < f->next_offset || end < offset ||
	    end > ((u64)ULONG_MAX >> PAGE_SHIFT) << PAGE_SHIFT) {
		ret = -ENOMEM;
		goto unlock;
	}
	bo->offset = offset;
	ret = xa_alloc_cyclic(&f->bos, &handle, bo, xa_limit_32b, &f->next_bo,
			      GFP_KERNEL);
	if (ret < 0)
		goto unlock;
	f->next_offset = end;
	mutex_unlock(&f->lock);
	arg->handle = handle;
	return 0;

unlock:
	mutex_unlock(&f->lock);
	sa_bo_put(bo);
	return ret == -EBUSY ? -ENOMEM : ret;
}

int sa_bo_info(struct file *file, struct accel_bo_info *arg)
{
	struct sa_file *f = sa_file(file);
	struct sa_bo *bo;

	if (!arg->handle)
		return -EINVAL;
	mutex_lock(&f->lock);
	bo = xa_load(&f->bos, arg->handle);
	if (bo) {
		arg->flags = bo->flags;
		arg->size = bo->size;
		arg->mmap_offset = bo->flags & ACCEL_BO_FLAGS_HOST_VISIBLE ?
				   bo->offset : 0;
	}
	mutex_unlock(&f->lock);
	return bo ? 0 : -ENOENT;
}

int sa_bo_destroy(struct file *file, struct accel_bo_destroy *arg)
{
	struct sa_file *f = sa_file(file);
	struct sa_bo *bo;

	if (!arg->handle)
		return -EINVAL;
	mutex_lock(&f->lock);
	bo = xa_erase(&f->bos, arg->handle);
	mutex_unlock(&f->lock);
	if (!bo)
		return -ENOENT;
	/* Submissions and mappings keep their own references. */
	sa_bo_put(bo);
	return 0;
}

static bool sa_bo_covers(struct sa_bo *bo, u64 start)
{
	return bo && start >= bo->offset && start - bo->offset < bo->size;
}

/* The BO or ring region at fake offset @start; called with f->lock held. */
static struct sa_bo *sa_bo_at(struct sa_file *f, u64 start)
{
	struct sa_queue *q;
	struct sa_bo *bo;
	unsigned long i;

	xa_for_each(&f->bos, i, bo) {
		if (sa_bo_covers(bo, start))
			return bo;
	}
	xa_for_each(&f->queues, i, q) {
		if (!q->ring)
			continue;
		if (sa_bo_covers(q->ring->sregion, start))
			return q->ring->sregion;
		if (sa_bo_covers(q->ring->cregion, start))
			return q->ring->cregion;
	}
	return NULL;
}

/* A mapping holds its BO: its pages stay valid until it is unmapped. */
static void sa_vm_open(struct vm_area_struct *vma)
{
	struct sa_bo *bo = vma->vm_private_data;

	kref_get(&bo->ref);
}

static void sa_vm_close(struct vm_area_struct *vma)
{
	sa_bo_put(vma->vm_private_data);
}

static const struct vm_operations_struct sa_vm_ops = {
	.open = sa_vm_open,
	.close = sa_vm_close,
};

/*
 * Maps (part of) a host-visible BO: the range must start at a page of the
 * BO and end within it.
 */
int sa_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct sa_file *f = sa_file(file);
	u64 start = (u64)vma->vm_pgoff << PAGE_SHIFT;
	u64 len = vma->vm_end - vma->vm_start;
	struct sa_bo *found;
	int ret;

	mutex_lock(&f->lock);
	found = sa_bo_at(f, start);
	if (found)
		kref_get(&found->ref);
	mutex_unlock(&f->lock);
	if (!found)
		return -EINVAL;
	ret = -EACCES;
	if (!(found->flags & ACCEL_BO_FLAGS_HOST_VISIBLE))
		goto put;
	ret = -EINVAL;
	if (len > found->size - (start - found->offset))
		goto put;
	/*
	 * write-combine stays a hint, as in the FUSE driver: BO memory is
	 * ordinary cached RAM, and a write-combined user alias of pages the
	 * kernel maps cached would mix memory types on x86.
	 */
	ret = remap_vmalloc_range(vma, found->vaddr,
				  (start - found->offset) >> PAGE_SHIFT);
	if (ret)
		goto put;
	vma->vm_private_data = found;
	vma->vm_ops = &sa_vm_ops;
	return 0;
put:
	sa_bo_put(found);
	return ret;
}
