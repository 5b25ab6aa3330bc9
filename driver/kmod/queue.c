// SPDX-License-Identifier: GPL-2.0
/*
 * softaccel queues: QUEUE_CREATE, QUEUE_DESTROY, QUEUE_INFO and WAIT.
 *
 * A queue's submissions all run on one engine, in seqno order. Handles
 * and submissions hold references: work submitted before QUEUE_DESTROY
 * still runs to completion.
 */

#include <linux/hrtimer.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "softaccel_drv.h"

static void sa_queue_free(struct kref *ref)
{
	struct sa_queue *q = container_of(ref, struct sa_queue, ref);
	struct sa_cancelled *c, *tmp;

	list_for_each_entry_safe(c, tmp, &q->cancelled, link)
		kfree(c);
	if (q->ring)
		sa_ring_free(q->ring);
	kfree(q);
	atomic_dec(&sa_dev.live_queues);
}

void sa_queue_put(struct sa_queue *q)
{
	kref_put(&q->ref, sa_queue_free);
}

/* The scheduling rank of a priority (the enum's order), checked as FUSE does. */
static int sa_checked_rank(struct sa_file *f, u32 priority, u32 flags)
{
	if (priority > ACCEL_QUEUE_PRIORITY_REALTIME)
		return -EINVAL;
	if (flags & ~ACCEL_QUEUE_FLAGS_ALL)
		return -EINVAL;
	if (priority != ACCEL_QUEUE_PRIORITY_NORMAL &&
	    !sa_has(f, ACCEL_CAPABILITIES_QUEUE_PRIORITY))
		return -EOPNOTSUPP;
	if ((flags & ACCEL_QUEUE_FLAGS_TURBO) &&
	    !sa_has(f, ACCEL_CAPABILITIES_TURBO_QUEUE))
		return -EOPNOTSUPP;
	if (priority == ACCEL_QUEUE_PRIORITY_REALTIME && !f->cap_sys_nice)
		return -EPERM;
	/* LOW..REALTIME are 0..3: the enum's values are the ranks. */
	return priority;
}

/*
 * A new queue, not yet in the file's namespace, after the checks of
 * QUEUE_CREATE (also for RING_QUEUE_CREATE); NULL with *err set otherwise.
 */
struct sa_queue *sa_queue_alloc(struct sa_file *f, u32 priority, u32 flags,
				int *err)
{
	struct sa_queue *q;
	int rank;

	rank = sa_checked_rank(f, priority, flags);
	if (rank < 0) {
		*err = rank;
		return NULL;
	}
	q = kzalloc(sizeof(*q), GFP_KERNEL);
	if (!q) {
		*err = -ENOMEM;
		return NULL;
	}
	kref_init(&q->ref);
	spin_lock_init(&q->lock);
	INIT_LIST_HEAD(&q->cancelled);
	init_waitqueue_head(&q->done);
	q->rank = rank;
	q->priority = priority;
	/* The turbo hint is accepted and ignored: a software engine has one speed. */
	q->flags = flags;
	q->engine = sa_engine_assign(f);
	atomic_inc(&sa_dev.live_queues);
	return q;
}

int sa_queue_create(struct file *file, struct accel_queue_create *arg)
{
	struct sa_file *f = sa_file(file);
	struct sa_queue *q;
	u32 handle;
	int ret;

	q = sa_queue_alloc(f, arg->priority, arg->flags, &ret);
	if (!q)
		return ret;

	mutex_lock(&f->lock);
	if (f->nqueues >= f->cfg.num_queues_max) {
		ret = -ENOSPC;
		goto unlock;
	}
	ret = xa_alloc_cyclic(&f->queues, &handle, q, xa_limit_32b,
			      &f->next_queue, GFP_KERNEL);
	if (ret < 0)
		goto unlock;
	f->nqueues++;
	mutex_unlock(&f->lock);
	arg->handle = handle;
	return 0;

unlock:
	mutex_unlock(&f->lock);
	sa_queue_put(q);
	return ret == -EBUSY ? -ENOMEM : ret;
}

int sa_queue_destroy(struct file *file, struct accel_queue_destroy *arg)
{
	struct sa_file *f = sa_file(file);
	struct sa_queue *q;

	if (!arg->handle)
		return -EINVAL;
	mutex_lock(&f->lock);
	q = xa_erase(&f->queues, arg->handle);
	if (q)
		f->nqueues--;
	mutex_unlock(&f->lock);
	if (!q)
		return -ENOENT;
	/* Outside the lock: the poller may be waiting for it. */
	sa_ring_stop(q);
	sa_queue_put(q);
	return 0;
}

/* A queue of the calling file, with a reference the caller puts. */
struct sa_queue *sa_queue_get(struct sa_file *f, u32 handle)
{
	struct sa_queue *q;

	mutex_lock(&f->lock);
	q = xa_load(&f->queues, handle);
	if (q)
		kref_get(&q->ref);
	mutex_unlock(&f->lock);
	return q;
}

int sa_queue_info(struct file *file, struct softaccel_queue_info *arg)
{
	struct sa_queue *q;

	/* A device without the capability has no such ioctl. */
	if (!sa_has_device(sa_file(file), SOFTACCEL_DEVICE_CAPS_QUEUE_INFO))
		return -ENOTTY;
	if (!arg->queue)
		return -EINVAL;
	q = sa_queue_get(sa_file(file), arg->queue);
	if (!q)
		return -ENOENT;
	arg->priority = q->priority;
	arg->flags = q->flags;
	spin_lock(&q->lock);
	arg->inflight = q->inflight;
	arg->last_seqno = q->issued;
	arg->completed_seqno = q->completed;
	spin_unlock(&q->lock);
	sa_queue_put(q);
	return 0;
}

bool sa_queue_reached(struct sa_queue *q, u64 seqno)
{
	bool done;

	spin_lock(&q->lock);
	done = q->completed >= seqno;
	spin_unlock(&q->lock);
	return done;
}

static bool sa_seqno_cancelled(struct sa_queue *q, u64 seqno)
{
	struct sa_cancelled *c;
	bool found = false;

	spin_lock(&q->lock);
	list_for_each_entry(c, &q->cancelled, link) {
		if (seqno >= c->first && seqno <= c->last) {
			found = true;
			break;
		}
	}
	spin_unlock(&q->lock);
	return found;
}

/*
 * Sleeps until @seqno completes, the absolute CLOCK_MONOTONIC @deadline
 * passes (-ETIMEDOUT) or a signal arrives (-EINTR). The clock is read
 * again after every wakeup, so early wakeups never extend the deadline,
 * and a restarted call sleeps until the same instant.
 */
static int sa_queue_wait_until(struct sa_queue *q, u64 seqno, s64 deadline)
{
	DEFINE_WAIT(w);
	ktime_t expires;
	int ret = 0;

	for (;;) {
		prepare_to_wait(&q->done, &w, TASK_INTERRUPTIBLE);
		if (sa_queue_reached(q, seqno))
			break;
		if (deadline <= (s64)ktime_get_ns()) {
			ret = -ETIMEDOUT;
			break;
		}
		if (signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		expires = ns_to_ktime(deadline);
		schedule_hrtimeout(&expires, HRTIMER_MODE_ABS);
	}
	finish_wait(&q->done, &w);
	return ret;
}

/*
 * reset-queue drain: waits until every submission the queue had when
 * called has completed. Only a fatal signal interrupts it.
 */
int sa_queue_drain(struct sa_queue *q)
{
	u64 target;

	spin_lock(&q->lock);
	target = q->issued;
	spin_unlock(&q->lock);
	if (wait_event_killable(q->done, sa_queue_reached(q, target)))
		return -EINTR;
	return 0;
}

int sa_wait(struct file *file, struct softaccel_wait *arg)
{
	struct sa_queue *q;
	u64 issued;
	int ret;

	if (!arg->queue)
		return -EINVAL;
	q = sa_queue_get(sa_file(file), arg->queue);
	if (!q)
		return -ENOENT;
	spin_lock(&q->lock);
	issued = q->issued;
	spin_unlock(&q->lock);
	ret = -EINVAL;
	if (!arg->seqno || arg->seqno > issued)
		goto put;
	ret = sa_queue_wait_until(q, arg->seqno, arg->timeout_ns);
	if (!ret && sa_seqno_cancelled(q, arg->seqno))
		ret = -ECANCELED;
put:
	sa_queue_put(q);
	return ret;
}
