// SPDX-License-Identifier: GPL-2.0
/*
 * softaccel ring mode: RING_QUEUE_CREATE, DOORBELL and the device side of
 * the submit and complete rings (driver/src/ring.rs).
 *
 * A ring-mode queue is an ordinary queue (same engine, seqnos, WAIT and
 * QUEUE_INFO) fed from its submit ring instead of SUBMIT. Both ring
 * regions are vmalloc_user memory at fake offsets of the file's mmap
 * space, like BOs. Each ring-mode queue has a poller thread (io_uring's
 * SQPOLL): it copies each entry once, checks it with the rules of SUBMIT
 * and queues it as one submission; the engine posts one completion per
 * entry in seqno order. An entry that breaks the rules still gets a seqno
 * and a completion carrying its -errno. An entry is only taken while its
 * completion is sure to fit in the complete ring and the queue is below
 * its in-flight limit. When the submit ring stays empty the poller sets
 * NEED_WAKEUP, looks once more and sleeps until DOORBELL.
 *
 * Nothing userspace writes into the regions is trusted: the kernel keeps
 * its own indices and entry counts, and a producer index more than the
 * ring size ahead (or a complete-ring consumer index that cannot be right)
 * is a protocol error: the poller stops, the ring's ERROR flag is set and
 * DOORBELL fails with EPIPE from then on.
 */

#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>

#include "softaccel_drv.h"

/* After finding work, look again at once for this long. */
#define SA_RING_SPIN_NS (200 * NSEC_PER_USEC)
/* Then poll an empty ring this many times, this far apart, before sleeping. */
#define SA_RING_POLL_ROUNDS 20
#define SA_RING_POLL_US 100
/* How often a blocked poller looks again (completions reaped, power back). */
#define SA_RING_RECHECK (HZ / 1000 ? HZ / 1000 : 1)
#define SA_RING_SLEEP (HZ)

enum sa_round { SA_TOOK, SA_EMPTY, SA_BLOCKED, SA_STOPPED };

static u32 *sa_ring_u32(struct sa_bo *region, u32 offset)
{
	return (u32 *)((u8 *)region->vaddr + offset);
}

/*
 * Sets or clears a flag of a ring header, atomically: userspace reads the
 * word concurrently, and the two flags are set by different threads.
 */
static void sa_ring_flag(struct sa_bo *region, u32 bit, bool on)
{
	atomic_t *flags = (atomic_t *)sa_ring_u32(region, SOFTACCEL_RING_FLAGS_OFFSET);

	if (on)
		atomic_or(bit, flags);
	else
		atomic_andnot(bit, flags);
}

static struct sa_bo *sa_region_new(const struct sa_file *f, u32 entries,
				   u32 entry_size)
{
	u64 size = round_up(SOFTACCEL_RING_HEADER_SIZE + (u64)entries * entry_size,
			    (u64)f->cfg.page_size);
	struct sa_bo *bo = kzalloc(sizeof(*bo), GFP_KERNEL);

	if (!bo)
		return NULL;
	bo->vaddr = vmalloc_user(size);
	if (!bo->vaddr) {
		kfree(bo);
		return NULL;
	}
	kref_init(&bo->ref);
	bo->size = size;
	bo->flags = ACCEL_BO_FLAGS_HOST_VISIBLE;
	bo->region = true;
	atomic_inc(&sa_dev.live_regions);
	return bo;
}

/*
 * The ring protocol through the generated consumer and producer (the ring
 * part of the generated code): each entry copied once and validated, the
 * indices kept in the kernel, acquire/release on the shared indices.
 */
static int sa_ring_init(struct sa_ring *r)
{
	int ret;

	ret = softaccel_submit_ring_setup(r->sregion->vaddr, r->sregion->size,
					  r->sentries);
	if (!ret)
		ret = softaccel_complete_ring_setup(r->cregion->vaddr,
						    r->cregion->size, r->centries);
	if (!ret)
		ret = softaccel_submit_ring_consumer_init(&r->cons, r->sregion->vaddr,
							  r->sregion->size, r->sentries,
							  r->file->cfg.revision);
	if (!ret)
		ret = softaccel_complete_ring_producer_init(&r->prod, r->cregion->vaddr,
							    r->cregion->size,
							    r->centries);
	return ret;
}

/* Free slots of the complete ring, or -EPIPE; called with r->lock held. */
static int sa_ring_space(struct sa_ring *r)
{
	u32 space;
	int ret = softaccel_complete_ring_producer_space(&r->prod, &space);

	return ret ? ret : space;
}

/* Writes and publishes one completion; called with r->lock held. */
static int sa_ring_write(struct sa_ring *r, const struct softaccel_ring_completion *e)
{
	int ret = softaccel_complete_ring_producer_push(&r->prod, e);

	if (ret < 0)
		return ret;
	softaccel_complete_ring_producer_publish(&r->prod);
	return ret ? 0 : -EPIPE;
}

/* Entries published and not yet taken, or -EPIPE beyond the ring size. */
static int sa_ring_available(struct sa_ring *r)
{
	u32 ready;
	int ret;

	mutex_lock(&r->cons_lock);
	ret = softaccel_submit_ring_consumer_available(&r->cons, &ready);
	mutex_unlock(&r->cons_lock);
	return ret ? ret : ready;
}

/* Takes the next entry, validated (*check): 1, 0 when empty, or -EPIPE. */
static int sa_ring_pop(struct sa_ring *r, struct softaccel_ring_cmd *e, int *check)
{
	u32 index;
	int ret;

	mutex_lock(&r->cons_lock);
	ret = softaccel_submit_ring_consumer_pop(&r->cons, e, &index, check);
	mutex_unlock(&r->cons_lock);
	return ret;
}

/* Hands the slots taken back to userspace. */
static void sa_ring_release(struct sa_ring *r)
{
	mutex_lock(&r->cons_lock);
	softaccel_submit_ring_consumer_release(&r->cons);
	mutex_unlock(&r->cons_lock);
}

/* NEED_WAKEUP, then a last look: 1 to sleep, 0 when entries came, -EPIPE. */
static int sa_ring_prepare_sleep(struct sa_ring *r)
{
	int ret;

	mutex_lock(&r->cons_lock);
	ret = softaccel_submit_ring_consumer_prepare_sleep(&r->cons);
	mutex_unlock(&r->cons_lock);
	return ret;
}

static void sa_ring_clear_need_wakeup(struct sa_ring *r)
{
	mutex_lock(&r->cons_lock);
	softaccel_submit_ring_consumer_clear_need_wakeup(&r->cons);
	mutex_unlock(&r->cons_lock);
}

void sa_ring_free(struct sa_ring *r)
{
	if (r->sregion)
		sa_bo_put(r->sregion);
	if (r->cregion)
		sa_bo_put(r->cregion);
	kfree(r);
}

/* Marks the rings broken by userspace: no more work, DOORBELL is EPIPE. */
static void sa_ring_error(struct sa_ring *r)
{
	WRITE_ONCE(r->error, true);
	sa_ring_flag(r->sregion, SOFTACCEL_RING_ERROR, true);
	sa_ring_flag(r->cregion, SOFTACCEL_RING_ERROR, true);
}

/*
 * Posts the completion of the entry that got @seqno; called by the engine
 * in seqno order, before the queue's completed seqno moves, so that a
 * WAIT that returns finds the completion in the ring.
 */
void sa_ring_post(struct sa_ring *r, u64 seqno, u64 user_data, s32 status)
{
	struct softaccel_ring_completion e = {
		.user_data = cpu_to_le64(user_data),
		.seqno = cpu_to_le64(seqno),
		.status = cpu_to_le32((u32)status),
	};
	int ret;

	spin_lock(&r->lock);
	ret = sa_ring_write(r, &e);
	r->outstanding--;
	spin_unlock(&r->lock);
	/*
	 * Credits were reserved for every entry taken, so only a consumer
	 * index moved backwards leaves no room: a protocol error.
	 */
	if (ret)
		sa_ring_error(r);
	WRITE_ONCE(r->rung, true);
	wake_up(&r->wake);
}

/* How many entries may be taken now: room for their completions, in-flight limit. */
static int sa_ring_credits(struct sa_ring *r, struct sa_queue *q)
{
	int space, by_ring, by_queue;

	spin_lock(&r->lock);
	space = sa_ring_space(r);
	by_ring = space - (int)r->outstanding;
	spin_unlock(&r->lock);
	if (space < 0)
		return space;
	spin_lock(&q->lock);
	by_queue = SOFTACCEL_MAX_INFLIGHT_SUBMITS - (int)q->inflight;
	spin_unlock(&q->lock);
	return max(0, min(by_ring, by_queue));
}

/* A ring entry as the cmd SUBMIT would have got. */
static void sa_ring_cmd(const struct softaccel_ring_cmd *e, struct softaccel_cmd *c)
{
	c->opcode = le32_to_cpu(e->opcode);
	c->flags = le32_to_cpu(e->flags);
	c->src_bo = le32_to_cpu(e->src_bo);
	c->src2_bo = le32_to_cpu(e->src2_bo);
	c->dst_bo = le32_to_cpu(e->dst_bo);
	memcpy(c->pad0, e->pad0, sizeof(c->pad0));
	c->src_offset = le64_to_cpu(e->src_offset);
	c->src2_offset = le64_to_cpu(e->src2_offset);
	c->dst_offset = le64_to_cpu(e->dst_offset);
	c->length = le64_to_cpu(e->length);
	c->value = le64_to_cpu(e->value);
}

/* Turns one entry (validated: @check) into a submission and queues it. */
static void sa_ring_take(struct sa_ring *r, struct sa_queue *q,
			 const struct softaccel_ring_cmd *e, int check)
{
	struct sa_file *f = r->file;
	struct sa_submission *sub;
	struct softaccel_cmd c;
	int status = check;
	u64 seqno;

	sub = kvzalloc(struct_size(sub, ops, 1), GFP_KERNEL);
	if (!sub) {
		/* The entry is lost; only memory pressure gets here. */
		atomic64_inc(&sa_dev.errors);
		return;
	}
	atomic_inc(&sa_dev.pending);
	sub->nops = 1;
	if (!status) {
		sa_ring_cmd(e, &c);
		mutex_lock(&f->lock);
		status = sa_resolve(f, &c, &sub->ops[0]);
		mutex_unlock(&f->lock);
	}
	/* A rejected entry runs nothing but still completes, with its errno. */
	if (status)
		sub->nops = 0;
	sub->ring = true;
	sub->user_data = le64_to_cpu(e->user_data);
	sub->status = status;
	kref_get(&q->ref);
	sub->queue = q;
	kref_get(&r->shared->ref);
	sub->shared = r->shared;
	spin_lock(&r->lock);
	r->outstanding++;
	spin_unlock(&r->lock);
	if (sa_engine_enqueue(sub, &seqno)) {
		/* Credits said it fits: only a seqno overflow gets here. */
		spin_lock(&r->lock);
		r->outstanding--;
		spin_unlock(&r->lock);
		sa_submission_free(sub);
		sa_ring_error(r);
		return;
	}
	if (status) {
		atomic64_inc(&sa_dev.errors);
		return;
	}
	atomic64_inc(&sa_dev.submits);
	if (READ_ONCE(r->shared->perf_enabled)) {
		spin_lock(&r->shared->lock);
		sa_count(r->shared, SOFTACCEL_PERF_COUNTER_ID_SUBMITS, 1);
		spin_unlock(&r->shared->lock);
	}
}

static enum sa_round sa_ring_round(struct sa_ring *r, struct sa_queue *q)
{
	struct softaccel_ring_cmd e;
	enum sa_round round;
	int credits, ret, check;
	u32 took = 0;

	if (READ_ONCE(r->error) || READ_ONCE(r->shared->closed))
		return SA_STOPPED;
	if (atomic_read(&sa_dev.power_state) != SOFTACCEL_POWER_STATE_FULL)
		return SA_BLOCKED;
	for (;;) {
		credits = sa_ring_credits(r, q);
		if (credits < 0) {
			sa_ring_error(r);
			round = SA_STOPPED;
			break;
		}
		if (!credits) {
			round = SA_BLOCKED;
			break;
		}
		ret = sa_ring_pop(r, &e, &check);
		if (ret < 0) {
			sa_ring_error(r);
			round = SA_STOPPED;
			break;
		}
		if (!ret) {
			round = SA_EMPTY;
			break;
		}
		sa_ring_take(r, q, &e, check);
		if (++took >= r->sentries || kthread_should_stop()) {
			round = SA_TOOK;
			break;
		}
	}
	sa_ring_release(r);
	return took && round != SA_STOPPED ? SA_TOOK : round;
}

/* Sleeps until the doorbell, a posted completion, @timeout or the end. */
static void sa_ring_nap(struct sa_ring *r, long timeout)
{
	wait_event_interruptible_timeout(r->wake, READ_ONCE(r->rung) ||
					 kthread_should_stop(), timeout);
	WRITE_ONCE(r->rung, false);
}

/*
 * Asks for the doorbell and sleeps, unless an entry came in meanwhile: the
 * flag is set before the producer index is looked at again, so an entry
 * published after that look sees the flag and rings.
 */
static void sa_ring_sleep(struct sa_ring *r)
{
	int ret = sa_ring_prepare_sleep(r);

	if (ret < 0) {
		sa_ring_error(r);
		return;
	}
	if (ret)
		sa_ring_nap(r, SA_RING_SLEEP);
	sa_ring_clear_need_wakeup(r);
}

static int sa_ring_poller(void *data)
{
	struct sa_queue *q = data;
	struct sa_ring *r = q->ring;
	u64 last_work = ktime_get_ns();
	u32 idle = 0;

	while (!kthread_should_stop()) {
		switch (sa_ring_round(r, q)) {
		case SA_TOOK:
			idle = 0;
			last_work = ktime_get_ns();
			cond_resched();
			break;
		case SA_BLOCKED:
			sa_ring_nap(r, SA_RING_RECHECK);
			break;
		case SA_STOPPED:
			sa_ring_nap(r, SA_RING_SLEEP);
			break;
		case SA_EMPTY:
			if (ktime_get_ns() - last_work < SA_RING_SPIN_NS) {
				cond_resched();
			} else if (idle < SA_RING_POLL_ROUNDS) {
				idle++;
				usleep_range(SA_RING_POLL_US, 2 * SA_RING_POLL_US);
			} else {
				idle = 0;
				sa_ring_sleep(r);
			}
			break;
		}
	}
	return 0;
}

static bool sa_entries_ok(u32 n, u32 min, u32 max)
{
	return n >= min && n <= max && is_power_of_2(n);
}

/* Places a region at the file's next fake offset; called with f->lock. */
static int sa_region_place(struct sa_file *f, struct sa_bo *region)
{
	u64 offset = round_up(f->next_offset, (u64)f->cfg.page_size);

	if (offset < f->next_offset || offset + region->size < offset)
		return -ENOMEM;
	region->offset = offset;
	f->next_offset = offset + region->size;
	return 0;
}

int sa_ring_queue_create(struct file *file, struct softaccel_ring_queue_create *arg)
{
	struct sa_file *f = sa_file(file);
	u32 se = arg->submit_entries, ce = arg->complete_entries;
	struct task_struct *poller;
	struct sa_queue *q;
	struct sa_ring *r;
	u32 handle;
	int ret;

	if (!sa_has_device(f, SOFTACCEL_DEVICE_CAPS_RINGS))
		return -EOPNOTSUPP;
	if (!sa_entries_ok(se, SOFTACCEL_RING_SUBMIT_MIN_ENTRIES,
			   SOFTACCEL_RING_SUBMIT_MAX_ENTRIES) ||
	    !sa_entries_ok(ce, SOFTACCEL_RING_COMPLETE_MIN_ENTRIES,
			   SOFTACCEL_RING_COMPLETE_MAX_ENTRIES) || ce < se)
		return -EINVAL;
	q = sa_queue_alloc(f, arg->priority, 0, &ret);
	if (!q)
		return ret;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r) {
		sa_queue_put(q);
		return -ENOMEM;
	}
	q->ring = r;
	spin_lock_init(&r->lock);
	init_waitqueue_head(&r->wake);
	mutex_init(&r->cons_lock);
	r->sentries = se;
	r->centries = ce;
	r->file = f;
	r->shared = f->shared;
	r->sregion = sa_region_new(f, se, SOFTACCEL_RING_SUBMIT_ENTRY_SIZE);
	r->cregion = sa_region_new(f, ce, SOFTACCEL_RING_COMPLETE_ENTRY_SIZE);
	if (!r->sregion || !r->cregion) {
		sa_queue_put(q);
		return -ENOMEM;
	}
	ret = sa_ring_init(r);
	if (ret) {
		sa_queue_put(q);
		return ret;
	}

	mutex_lock(&f->lock);
	ret = -ENOSPC;
	if (f->nqueues >= f->cfg.num_queues_max)
		goto unlock;
	ret = sa_region_place(f, r->sregion);
	if (!ret)
		ret = sa_region_place(f, r->cregion);
	if (ret)
		goto unlock;
	ret = xa_alloc_cyclic(&f->queues, &handle, q, xa_limit_32b,
			      &f->next_queue, GFP_KERNEL);
	if (ret < 0)
		goto unlock;
	/*
	 * Started under the lock, so QUEUE_DESTROY or release, which take the
	 * queue out of the namespace under it, always find the poller there.
	 */
	poller = kthread_run(sa_ring_poller, q, "softaccel-ring%u", handle);
	if (IS_ERR(poller)) {
		xa_erase(&f->queues, handle);
		ret = PTR_ERR(poller);
		goto unlock;
	}
	r->poller = poller;
	f->nqueues++;
	mutex_unlock(&f->lock);
	arg->handle = handle;
	arg->submit_offset = r->sregion->offset;
	arg->submit_size = r->sregion->size;
	arg->complete_offset = r->cregion->offset;
	arg->complete_size = r->cregion->size;
	return 0;

unlock:
	mutex_unlock(&f->lock);
	sa_queue_put(q);
	return ret == -EBUSY ? -ENOMEM : ret;
}

int sa_doorbell(struct file *file, struct softaccel_doorbell *arg)
{
	struct sa_queue *q;
	struct sa_ring *r;
	int ret = 0;

	if (!arg->queue)
		return -EINVAL;
	q = sa_queue_get(sa_file(file), arg->queue);
	if (!q)
		return -ENOENT;
	r = q->ring;
	if (!r)
		ret = -EINVAL;
	else if (READ_ONCE(r->error))
		ret = -EPIPE;
	else if (atomic_read(&sa_dev.power_state) != SOFTACCEL_POWER_STATE_FULL)
		ret = -EAGAIN;
	else if (sa_ring_available(r) < 0)
		ret = -EPIPE;
	if (!ret) {
		WRITE_ONCE(r->rung, true);
		wake_up(&r->wake);
	}
	sa_queue_put(q);
	return ret;
}

/* Stops a ring queue's poller; the queue has left its file's namespace. */
void sa_ring_stop(struct sa_queue *q)
{
	if (q->ring && q->ring->poller) {
		kthread_stop(q->ring->poller);
		q->ring->poller = NULL;
	}
}
