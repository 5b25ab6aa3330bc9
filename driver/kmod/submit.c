// SPDX-License-Identifier: GPL-2.0
/*
 * softaccel SUBMIT and PERF_STATS.
 *
 * The generated dispatch has copied the command array in once and
 * validated every element (opcode, flags, pad, length range); here each
 * command is checked against its opcode's rules and its handles resolved
 * to BO references before anything is queued, so a submission goes in
 * whole or not at all.
 */

#include <linux/overflow.h>
#include <linux/slab.h>

#include "softaccel_drv.h"

/* Which operand members an opcode uses; the others must be 0. */
struct sa_uses {
	bool src, src2, dst, length, value;
};

static bool sa_span_init(struct sa_span *s, struct sa_bo *bo, u64 off, u64 len)
{
	u64 end;

	if (check_add_overflow(off, len, &end) || end > bo->size)
		return false;
	s->off = off;
	s->len = len;
	return true;
}

static bool sa_spans_overlap(const struct sa_span *a, const struct sa_span *b)
{
	return a->bo == b->bo && a->len && b->len &&
	       a->off < b->off + b->len && b->off < a->off + a->len;
}

static bool sa_spans_same(const struct sa_span *a, const struct sa_span *b)
{
	return a->bo == b->bo && a->off == b->off && a->len == b->len;
}

/* Takes a reference on the BO @handle of the file into @span. */
static int sa_span_bo(struct sa_file *f, u32 handle, struct sa_span *span)
{
	struct sa_bo *bo = xa_load(&f->bos, handle);

	if (!bo)
		return -ENOENT;
	kref_get(&bo->ref);
	span->bo = bo;
	return 0;
}

/* Drops the BO references of a command; safe on a partly resolved one. */
void sa_op_release(struct sa_op *op)
{
	if (op->src.bo)
		sa_bo_put(op->src.bo);
	if (op->src2.bo)
		sa_bo_put(op->src2.bo);
	if (op->dst.bo)
		sa_bo_put(op->dst.bo);
	memset(op, 0, sizeof(*op));
}

/* The checks before any handle is looked up, in driver/src/submit.rs order. */
static int sa_check_cmd(const struct sa_file *f, const struct softaccel_cmd *c,
			struct sa_uses *u)
{
	bool unused_set, used_zero, aligned;

	switch (c->opcode) {
	case SOFTACCEL_OPCODE_COPY:
		*u = (struct sa_uses){ true, false, true, true, false };
		break;
	case SOFTACCEL_OPCODE_FILL:
		*u = (struct sa_uses){ false, false, true, true, true };
		break;
	case SOFTACCEL_OPCODE_CRC32C:
		*u = (struct sa_uses){ true, false, true, true, true };
		break;
	case SOFTACCEL_OPCODE_ADD_U32:
	case SOFTACCEL_OPCODE_ADD_F32:
		*u = (struct sa_uses){ true, true, true, true, false };
		break;
	case SOFTACCEL_OPCODE_XOR_U32:
		/* Revision 2; the generated validation rejects it before. */
		if (!sa_has_device(f, SOFTACCEL_DEVICE_CAPS_XOR_U32))
			return -EOPNOTSUPP;
		*u = (struct sa_uses){ true, true, true, true, false };
		break;
	case SOFTACCEL_OPCODE_TIMESTAMP:
		if (!sa_has(f, ACCEL_CAPABILITIES_TIMESTAMPS))
			return -EOPNOTSUPP;
		*u = (struct sa_uses){ false, false, true, false, false };
		break;
	default:
		return -EINVAL;
	}
	unused_set = (!u->src && (c->src_bo || c->src_offset)) ||
		     (!u->src2 && (c->src2_bo || c->src2_offset)) ||
		     (!u->dst && (c->dst_bo || c->dst_offset)) ||
		     (!u->length && c->length) || (!u->value && c->value);
	used_zero = (u->src && !c->src_bo) || (u->src2 && !c->src2_bo) ||
		    (u->dst && !c->dst_bo);
	if (unused_set || used_zero)
		return -EINVAL;
	switch (c->opcode) {
	case SOFTACCEL_OPCODE_CRC32C:
		aligned = c->value <= U32_MAX && !(c->dst_offset % 4);
		break;
	case SOFTACCEL_OPCODE_ADD_U32:
	case SOFTACCEL_OPCODE_ADD_F32:
	case SOFTACCEL_OPCODE_XOR_U32:
		aligned = !(c->src_offset % 4) && !(c->src2_offset % 4) &&
			  !(c->dst_offset % 4);
		break;
	case SOFTACCEL_OPCODE_TIMESTAMP:
		aligned = !(c->dst_offset % 8);
		break;
	default:
		aligned = true;
	}
	return aligned ? 0 : -EINVAL;
}

/* The ranges of a command whose BOs were resolved, and their overlap. */
static int sa_check_ranges(const struct softaccel_cmd *c, struct sa_op *op)
{
	u64 bytes;

	switch (c->opcode) {
	case SOFTACCEL_OPCODE_COPY:
		if (!sa_span_init(&op->src, op->src.bo, c->src_offset, c->length) ||
		    !sa_span_init(&op->dst, op->dst.bo, c->dst_offset, c->length))
			return -EINVAL;
		return 0;
	case SOFTACCEL_OPCODE_FILL:
		return sa_span_init(&op->dst, op->dst.bo, c->dst_offset,
				    c->length) ? 0 : -EINVAL;
	case SOFTACCEL_OPCODE_CRC32C:
		if (!sa_span_init(&op->src, op->src.bo, c->src_offset, c->length) ||
		    !sa_span_init(&op->dst, op->dst.bo, c->dst_offset, 4) ||
		    sa_spans_overlap(&op->dst, &op->src))
			return -EINVAL;
		return 0;
	case SOFTACCEL_OPCODE_ADD_U32:
	case SOFTACCEL_OPCODE_ADD_F32:
	case SOFTACCEL_OPCODE_XOR_U32:
		/* The generated validation bounds length far below overflow. */
		if (check_mul_overflow(c->length, 4ULL, &bytes))
			return -EINVAL;
		if (!sa_span_init(&op->src, op->src.bo, c->src_offset, bytes) ||
		    !sa_span_init(&op->src2, op->src2.bo, c->src2_offset, bytes) ||
		    !sa_span_init(&op->dst, op->dst.bo, c->dst_offset, bytes))
			return -EINVAL;
		/* dst may be identical to a source, never partly overlap one. */
		if ((sa_spans_overlap(&op->dst, &op->src) &&
		     !sa_spans_same(&op->dst, &op->src)) ||
		    (sa_spans_overlap(&op->dst, &op->src2) &&
		     !sa_spans_same(&op->dst, &op->src2)))
			return -EINVAL;
		return 0;
	default:
		return sa_span_init(&op->dst, op->dst.bo, c->dst_offset, 8) ?
		       0 : -EINVAL;
	}
}

/*
 * Checks one command against its opcode's rules (opcode and capability,
 * unused operands, zero handles, value and alignment, handle lookup,
 * read-only destination, ranges, overlap) and resolves its handles.
 * Called with the file's lock held.
 */
int sa_resolve(struct sa_file *f, const struct softaccel_cmd *c,
	       struct sa_op *op)
{
	struct sa_uses u;
	int ret;

	ret = sa_check_cmd(f, c, &u);
	if (ret)
		return ret;
	op->opcode = c->opcode;
	op->value = c->value;
	if (u.src) {
		ret = sa_span_bo(f, c->src_bo, &op->src);
		if (ret)
			goto fail;
	}
	if (u.src2) {
		ret = sa_span_bo(f, c->src2_bo, &op->src2);
		if (ret)
			goto fail;
	}
	if (u.dst) {
		ret = sa_span_bo(f, c->dst_bo, &op->dst);
		if (ret)
			goto fail;
	}
	/* Only a revision-2 BO_CREATE can have set the flag. */
	ret = -EACCES;
	if (op->dst.bo->flags & ACCEL_BO_FLAGS_DEVICE_READ_ONLY)
		goto fail;
	ret = sa_check_ranges(c, op);
	if (ret)
		goto fail;
	return 0;
fail:
	sa_op_release(op);
	return ret;
}

void sa_submission_free(struct sa_submission *sub)
{
	u32 i;

	for (i = 0; i < sub->nops; i++)
		sa_op_release(&sub->ops[i]);
	if (sub->queue)
		sa_queue_put(sub->queue);
	if (sub->shared)
		sa_shared_put(sub->shared);
	kvfree(sub);
	atomic_dec(&sa_dev.pending);
}

int sa_submit(struct file *file, struct softaccel_submit *arg,
	      const struct softaccel_cmd *cmds)
{
	struct sa_file *f = sa_file(file);
	struct sa_submission *sub;
	struct sa_queue *q;
	u32 i, n = arg->cmd_count;
	u64 seqno;
	int ret;

	if (!arg->queue || !n)
		return -EINVAL;
	/* No new work in the low power state. */
	if (atomic_read(&sa_dev.power_state) != SOFTACCEL_POWER_STATE_FULL)
		return -EAGAIN;
	sub = kvzalloc(struct_size(sub, ops, n), GFP_KERNEL);
	if (!sub)
		return -ENOMEM;
	atomic_inc(&sa_dev.pending);
	sub->nops = n;

	mutex_lock(&f->lock);
	q = xa_load(&f->queues, arg->queue);
	if (!q) {
		mutex_unlock(&f->lock);
		ret = -ENOENT;
		goto free;
	}
	kref_get(&q->ref);
	sub->queue = q;
	/* A ring-mode queue takes work from its submit ring only. */
	ret = -EINVAL;
	if (q->ring) {
		mutex_unlock(&f->lock);
		goto free;
	}
	for (i = 0; i < n; i++) {
		ret = sa_resolve(f, &cmds[i], &sub->ops[i]);
		if (ret) {
			mutex_unlock(&f->lock);
			goto free;
		}
	}
	mutex_unlock(&f->lock);
	kref_get(&f->shared->ref);
	sub->shared = f->shared;

	ret = sa_engine_enqueue(sub, &seqno);
	if (ret)
		goto free;
	arg->seqno = seqno;
	atomic64_inc(&sa_dev.submits);
	if (READ_ONCE(f->shared->perf_enabled)) {
		spin_lock(&f->shared->lock);
		sa_count(f->shared, SOFTACCEL_PERF_COUNTER_ID_SUBMITS, 1);
		spin_unlock(&f->shared->lock);
	}
	return 0;
free:
	sa_submission_free(sub);
	return ret;
}

static void sa_shared_free(struct kref *ref)
{
	kfree(container_of(ref, struct sa_shared, ref));
}

void sa_shared_put(struct sa_shared *s)
{
	kref_put(&s->ref, sa_shared_free);
}

/*
 * PERF_STATS: the counters are read and reset under their lock, so a reset
 * is atomic with respect to counting. The generated dispatch copies the
 * elements written here out after a 0 return.
 */
int sa_perf_stats(struct file *file, struct softaccel_perf_stats *arg,
		  struct softaccel_perf_counter *counters, u64 *counters_written)
{
	struct sa_shared *s = sa_file(file)->shared;
	u32 i, n = min_t(u32, arg->counter_count, SA_PERF_COUNTERS);

	if (!sa_has(sa_file(file), ACCEL_CAPABILITIES_PERF_STATS))
		return -EOPNOTSUPP;
	spin_lock(&s->lock);
	for (i = 0; i < n; i++) {
		counters[i].id = i;
		counters[i].value = s->perf[i];
	}
	if (arg->flags & SOFTACCEL_PERF_STATS_FLAGS_RESET)
		memset(s->perf, 0, sizeof(s->perf));
	spin_unlock(&s->lock);
	/* The caller's elements past n stay as they were (the spec). */
	*counters_written = n;
	arg->counter_count = SA_PERF_COUNTERS;
	return 0;
}
