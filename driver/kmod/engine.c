// SPDX-License-Identifier: GPL-2.0
/*
 * softaccel execution engines: one kernel thread each, fed by the
 * submissions of the queues assigned to it (round-robin at QUEUE_CREATE).
 * One queue's submissions run on one engine one after another, in seqno
 * order; engines run concurrently. On an engine, the ready submission of
 * the highest-priority queue runs first, and a submission that has run for
 * the time-slice tunable lets other ready queues of the same or a higher
 * priority go first at the next command boundary (driver/src/engine.rs).
 */

#include <linux/crc32.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/unaligned.h>
#include <asm/fpu/api.h>

#include "softaccel_drv.h"

/* Elements one kernel_fpu_begin/end section adds: preemption is off inside. */
#define SA_FPU_BATCH 1024

/* What one engine run adds to a file's counters. */
struct sa_tally {
	u64 cmds;
	u64 bytes_read;
	u64 bytes_written;
};

static u8 *sa_at(const struct sa_span *s, u64 k)
{
	return (u8 *)s->bo->vaddr + s->off + k;
}

/*
 * memmove over a range that may be large: in chunks, rescheduling
 * between them, in the direction that keeps an overlapping copy correct
 * (the spec: as if the whole source were read before any byte is written).
 */
static void sa_exec_copy(const struct sa_op *op)
{
	u64 len = op->src.len, k, n;

	if (sa_at(&op->dst, 0) <= sa_at(&op->src, 0)) {
		for (k = 0; k < len; k += n) {
			n = min_t(u64, SA_CHUNK, len - k);
			memmove(sa_at(&op->dst, k), sa_at(&op->src, k), n);
			cond_resched();
		}
	} else {
		for (k = len; k > 0; k -= n) {
			n = min_t(u64, SA_CHUNK, k);
			memmove(sa_at(&op->dst, k - n), sa_at(&op->src, k - n), n);
			cond_resched();
		}
	}
}

/* Byte i of the range gets byte (i mod 8) of the little-endian pattern. */
static void sa_exec_fill(struct sa_engine *e, const struct sa_op *op)
{
	u64 len = op->dst.len, k, n;
	u8 *pat = e->scratch;
	u32 i;

	/* SA_CHUNK is a multiple of 8: every chunk starts at pattern byte 0. */
	for (i = 0; i < min_t(u64, SA_CHUNK, len); i++)
		pat[i] = op->value >> (8 * (i % 8));
	for (k = 0; k < len; k += n) {
		n = min_t(u64, SA_CHUNK, len - k);
		memcpy(sa_at(&op->dst, k), pat, n);
		cond_resched();
	}
}

/*
 * CRC-32C with the register initialised to ~value and the result inverted,
 * through lib/crc32.c's CRC-32C (built into the kernel, so the module needs
 * no crypto module in the guest).
 */
static void sa_exec_crc32c(const struct sa_op *op)
{
	u32 crc = ~(u32)op->value;
	u64 len = op->src.len, k, n;

	for (k = 0; k < len; k += n) {
		n = min_t(u64, SA_CHUNK, len - k);
		crc = __crc32c_le(crc, sa_at(&op->src, k), n);
		cond_resched();
	}
	put_unaligned_le32(~crc, sa_at(&op->dst, 0));
}

/*
 * Element-wise add-u32 and xor-u32 on little-endian words. dst may be
 * identical to a source (each element is read before it is written);
 * partial overlap was rejected at SUBMIT. Offsets are multiples of 4 and
 * BO memory is page-aligned, so the words are aligned.
 */
static void sa_exec_u32(const struct sa_op *op)
{
	__le32 *d = (__le32 *)sa_at(&op->dst, 0);
	const __le32 *a = (const __le32 *)sa_at(&op->src, 0);
	const __le32 *b = (const __le32 *)sa_at(&op->src2, 0);
	u64 count = op->dst.len / 4, i;
	u32 x, y;

	for (i = 0; i < count; i++) {
		x = le32_to_cpu(a[i]);
		y = le32_to_cpu(b[i]);
		d[i] = cpu_to_le32(op->opcode == SOFTACCEL_OPCODE_XOR_U32 ?
				   x ^ y : x + y);
		if (!((i + 1) % (SA_CHUNK / 4)))
			cond_resched();
	}
}

/* add-f32 in SSE, a batch per FPU section so preemption stays short. */
static void sa_exec_f32(const struct sa_op *op)
{
	__le32 *d = (__le32 *)sa_at(&op->dst, 0);
	const __le32 *a = (const __le32 *)sa_at(&op->src, 0);
	const __le32 *b = (const __le32 *)sa_at(&op->src2, 0);
	u64 count = op->dst.len / 4, i, n;

	for (i = 0; i < count; i += n) {
		n = min_t(u64, SA_FPU_BATCH, count - i);
		/* MXCSR at its default: round to nearest even, no FTZ or DAZ. */
		kernel_fpu_begin();
		sa_add_f32(d + i, a + i, b + i, n);
		kernel_fpu_end();
		cond_resched();
	}
}

/* Runs one command and adds what it read and wrote to @t. */
static void sa_exec(struct sa_engine *e, const struct sa_op *op,
		    struct sa_tally *t)
{
	t->cmds++;
	switch (op->opcode) {
	case SOFTACCEL_OPCODE_COPY:
		sa_exec_copy(op);
		t->bytes_read += op->src.len;
		break;
	case SOFTACCEL_OPCODE_FILL:
		sa_exec_fill(e, op);
		break;
	case SOFTACCEL_OPCODE_CRC32C:
		sa_exec_crc32c(op);
		t->bytes_read += op->src.len;
		break;
	case SOFTACCEL_OPCODE_ADD_U32:
	case SOFTACCEL_OPCODE_XOR_U32:
		sa_exec_u32(op);
		t->bytes_read += op->src.len + op->src2.len;
		break;
	case SOFTACCEL_OPCODE_ADD_F32:
		sa_exec_f32(op);
		t->bytes_read += op->src.len + op->src2.len;
		break;
	case SOFTACCEL_OPCODE_TIMESTAMP:
		put_unaligned_le64(ktime_get_ns(), sa_at(&op->dst, 0));
		break;
	}
	t->bytes_written += op->dst.len;
}

/* The engine for a new queue of @f: round-robin over its engine_count. */
u32 sa_engine_assign(const struct sa_file *f)
{
	return (u32)atomic_inc_return(&sa_dev.next_engine) % f->cfg.engine_count;
}

/*
 * Gives @sub its queue's next seqno and queues it on the queue's engine:
 * -EBUSY when the queue already holds max-inflight-submits. The queue's
 * lock is held across both steps so that seqno order is engine order.
 */
int sa_engine_enqueue(struct sa_submission *sub, u64 *seqno)
{
	struct sa_queue *q = sub->queue;
	struct sa_engine *e = &sa_dev.engines[q->engine];

	spin_lock(&q->lock);
	if (q->inflight >= SOFTACCEL_MAX_INFLIGHT_SUBMITS || q->issued == U64_MAX) {
		spin_unlock(&q->lock);
		return -EBUSY;
	}
	sub->seqno = ++q->issued;
	q->inflight++;
	spin_lock(&e->lock);
	list_add_tail(&sub->link, &e->ready[q->rank]);
	spin_unlock(&e->lock);
	spin_unlock(&q->lock);
	*seqno = sub->seqno;
	wake_up(&e->work);
	return 0;
}

/*
 * Marks @sub complete on its queue and wakes the queue's waiters. The BO
 * references go first, so a waiter that sees the submission complete also
 * sees the memory of BOs it destroyed meanwhile freed.
 */
static void sa_complete(struct sa_submission *sub, bool ran_all)
{
	struct sa_queue *q = sub->queue;
	u32 i;

	for (i = 0; i < sub->nops; i++)
		sa_op_release(&sub->ops[i]);
	if (sub->ring && q->ring)
		sa_ring_post(q->ring, sub->seqno, sub->user_data,
			     !sub->status && !ran_all ? -ECANCELED : sub->status);
	/* A rejected ring entry was never an accepted submission. */
	if (!sub->status)
		atomic64_inc(ran_all ? &sa_dev.completed : &sa_dev.cancelled);
	spin_lock(&q->lock);
	q->completed = max(q->completed, sub->seqno);
	q->inflight--;
	spin_unlock(&q->lock);
	wake_up_all(&q->done);
	sa_submission_free(sub);
}

/* The highest-ranked ready submission of @e, taken off its list. */
static struct sa_submission *sa_engine_pop(struct sa_engine *e)
{
	struct sa_submission *sub = NULL;
	int r;

	spin_lock(&e->lock);
	for (r = SA_RANKS - 1; r >= 0 && !sub; r--) {
		sub = list_first_entry_or_null(&e->ready[r],
					       struct sa_submission, link);
		if (sub)
			list_del_init(&sub->link);
	}
	spin_unlock(&e->lock);
	return sub;
}

/* Whether @e should start a submission: it has one and is not paused. */
static bool sa_engine_has_work(struct sa_engine *e)
{
	bool work = false;
	int r;

	if (READ_ONCE(sa_dev.paused))
		return false;
	spin_lock(&e->lock);
	for (r = 0; r < SA_RANKS; r++)
		work |= !list_empty(&e->ready[r]);
	spin_unlock(&e->lock);
	return work;
}

/* Whether another queue's submission of @rank or higher waits on @e. */
static bool sa_others_waiting(struct sa_engine *e, u32 rank,
			      struct sa_queue *q)
{
	struct sa_submission *s;
	bool found = false;
	u32 r;

	spin_lock(&e->lock);
	for (r = rank; r < SA_RANKS && !found; r++) {
		list_for_each_entry(s, &e->ready[r], link) {
			if (s->queue != q) {
				found = true;
				break;
			}
		}
	}
	spin_unlock(&e->lock);
	return found;
}

/*
 * Puts a pre-empted submission back behind the other queues' ready work of
 * its rank, with its own queue's later submissions behind it, so that the
 * queue's commands still start in order.
 */
static void sa_requeue(struct sa_engine *e, struct sa_submission *sub)
{
	struct list_head *ready = &e->ready[sub->queue->rank];
	struct sa_submission *s, *tmp;
	LIST_HEAD(same);

	spin_lock(&e->lock);
	list_for_each_entry_safe(s, tmp, ready, link) {
		if (s->queue == sub->queue)
			list_move_tail(&s->link, &same);
	}
	list_add_tail(&sub->link, ready);
	list_splice_tail(&same, ready);
	spin_unlock(&e->lock);
}

/*
 * Runs @sub from its next command until it is done, its file is closed
 * (the rest is dropped) or its time slice ran out while other work waits.
 */
static void sa_run(struct sa_engine *e, struct sa_submission *sub)
{
	u64 start = ktime_get_ns(), slice, busy;
	struct sa_shared *s = sub->shared;
	struct sa_tally t = {};
	bool ran_all = true, preempted = false;

	slice = atomic64_read(&sa_dev.time_slice_ns);
	while (sub->next_op < sub->nops) {
		if (READ_ONCE(s->closed)) {
			ran_all = false;
			break;
		}
		sa_exec(e, &sub->ops[sub->next_op], &t);
		sub->next_op++;
		if (sub->next_op < sub->nops &&
		    ktime_get_ns() - start >= slice &&
		    sa_others_waiting(e, sub->queue->rank, sub->queue)) {
			preempted = true;
			break;
		}
	}
	busy = ktime_get_ns() - start;
	if (READ_ONCE(s->perf_enabled)) {
		spin_lock(&s->lock);
		sa_count(s, SOFTACCEL_PERF_COUNTER_ID_CMDS_COMPLETED, t.cmds);
		sa_count(s, SOFTACCEL_PERF_COUNTER_ID_BYTES_READ, t.bytes_read);
		sa_count(s, SOFTACCEL_PERF_COUNTER_ID_BYTES_WRITTEN, t.bytes_written);
		sa_count(s, SOFTACCEL_PERF_COUNTER_ID_BUSY_NS, busy);
		spin_unlock(&s->lock);
	}
	atomic64_add(t.cmds, &sa_dev.cmds);
	atomic64_add(t.bytes_read + t.bytes_written, &sa_dev.bytes);
	atomic64_add(busy, &e->busy_ns);
	atomic64_add(t.cmds, &e->completed);
	if (preempted)
		sa_requeue(e, sub);
	else
		sa_complete(sub, ran_all);
}

static int sa_engine_thread(void *data)
{
	struct sa_engine *e = data;
	struct sa_submission *sub;

	while (!kthread_should_stop()) {
		wait_event_interruptible(e->work, sa_engine_has_work(e) ||
					 kthread_should_stop());
		sub = READ_ONCE(sa_dev.paused) ? NULL : sa_engine_pop(e);
		if (sub)
			sa_run(e, sub);
	}
	/* The device goes away: what is left is cancelled. */
	while ((sub = sa_engine_pop(e)))
		sa_complete(sub, false);
	return 0;
}

/* Engines started so far: they are only ever added until unload. */
static u32 sa_engines_started(void)
{
	/* Pairs with sa_engines_start(): the engines counted are initialised. */
	return smp_load_acquire(&sa_dev.nr_engines);
}

/*
 * Takes every queued submission of a closing file off the engines and
 * completes it as cancelled. One already running stops before its next
 * command (the engine checks the file's closed flag).
 */
void sa_engines_cancel_file(struct sa_shared *shared)
{
	struct sa_submission *sub, *tmp;
	LIST_HEAD(cancelled);
	u32 i;
	int r;

	for (i = 0; i < sa_engines_started(); i++) {
		struct sa_engine *e = &sa_dev.engines[i];

		spin_lock(&e->lock);
		for (r = 0; r < SA_RANKS; r++) {
			list_for_each_entry_safe(sub, tmp, &e->ready[r], link) {
				if (sub->shared == shared)
					list_move_tail(&sub->link, &cancelled);
			}
		}
		spin_unlock(&e->lock);
	}
	list_for_each_entry_safe(sub, tmp, &cancelled, link) {
		list_del(&sub->link);
		sa_complete(sub, false);
	}
}

/*
 * reset-queue cancel: drops the submissions of @q that have not started.
 * They complete as cancelled (WAIT answers ECANCELED, a ring entry's
 * completion carries -ECANCELED) once the work already running on the
 * queue has finished, so seqnos still complete in order.
 */
int sa_queue_cancel(struct sa_queue *q, u32 *cancelled)
{
	struct sa_engine *e = &sa_dev.engines[q->engine];
	struct sa_submission *sub, *tmp;
	struct sa_cancelled *range;
	LIST_HEAD(taken);
	u32 n = 0;

	/* Allocated first: nothing may fail once submissions are taken. */
	range = kzalloc(sizeof(*range), GFP_KERNEL);
	if (!range)
		return -ENOMEM;
	spin_lock(&e->lock);
	list_for_each_entry_safe(sub, tmp, &e->ready[q->rank], link) {
		if (sub->queue == q) {
			list_move_tail(&sub->link, &taken);
			n++;
		}
	}
	spin_unlock(&e->lock);
	*cancelled = n;
	if (!n) {
		kfree(range);
		return 0;
	}
	range->first = list_first_entry(&taken, struct sa_submission, link)->seqno;
	range->last = list_last_entry(&taken, struct sa_submission, link)->seqno;
	spin_lock(&q->lock);
	list_add(&range->link, &q->cancelled);
	spin_unlock(&q->lock);
	/* The submission running now, if any, finishes first. */
	wait_event(q->done, sa_queue_reached(q, range->first - 1));
	list_for_each_entry_safe(sub, tmp, &taken, link) {
		list_del(&sub->link);
		sa_complete(sub, false);
	}
	return 0;
}

/* Starts engines until @count run; -ENOMEM when one cannot be started. */
int sa_engines_start(u32 count)
{
	int r, ret = 0;
	u32 i;

	mutex_lock(&sa_dev.engines_lock);
	for (i = sa_dev.nr_engines; i < count && i < SA_MAX_ENGINES; i++) {
		struct sa_engine *e = &sa_dev.engines[i];

		spin_lock_init(&e->lock);
		for (r = 0; r < SA_RANKS; r++)
			INIT_LIST_HEAD(&e->ready[r]);
		init_waitqueue_head(&e->work);
		e->scratch = kmalloc(SA_CHUNK, GFP_KERNEL);
		if (!e->scratch) {
			ret = -ENOMEM;
			break;
		}
		e->thread = kthread_run(sa_engine_thread, e, "softaccel-engine%u", i);
		if (IS_ERR(e->thread)) {
			kfree(e->scratch);
			e->scratch = NULL;
			e->thread = NULL;
			ret = -ENOMEM;
			break;
		}
		/* Initialised before cancel_file or the counters can see it. */
		smp_store_release(&sa_dev.nr_engines, i + 1);
	}
	mutex_unlock(&sa_dev.engines_lock);
	return ret;
}

/* Wakes every engine: the paused parameter changed. */
void sa_engines_wake(void)
{
	u32 i;

	for (i = 0; i < sa_engines_started(); i++)
		wake_up(&sa_dev.engines[i].work);
}

void sa_engines_stop(void)
{
	u32 i;

	mutex_lock(&sa_dev.engines_lock);
	for (i = 0; i < sa_dev.nr_engines; i++) {
		struct sa_engine *e = &sa_dev.engines[i];

		kthread_stop(e->thread);
		e->thread = NULL;
		kfree(e->scratch);
		e->scratch = NULL;
	}
	sa_dev.nr_engines = 0;
	mutex_unlock(&sa_dev.engines_lock);
}
