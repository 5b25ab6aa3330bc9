/* SPDX-License-Identifier: GPL-2.0 */
/*
 * softaccel: the reference software accelerator as a Linux kernel module.
 *
 * The device model of driver/src (the FUSE driver) behind the generated C
 * dispatch: the generated code copies, clears and validates every ioctl
 * argument before one of the callbacks in this module runs, so a callback
 * checks only what needs the device's state.
 */
#ifndef _SOFTACCEL_DRV_H
#define _SOFTACCEL_DRV_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "../../generated/softaccel/c/kernel/softaccel_kernel.h"

/* The most engines a configuration may ask for; each is one kernel thread. */
#define SA_MAX_ENGINES 64
/* The default max-bo-alignment: 2 MiB, a huge page on x86. */
#define SA_MAX_BO_ALIGNMENT (2ULL << 20)
/* Scheduling ranks: one per queue priority, higher runs first. */
#define SA_RANKS 4
/* Counters PERF_STATS reports: every perf-counter-id. */
#define SA_PERF_COUNTERS (SOFTACCEL_PERF_COUNTER_ID_BUSY_NS + 1)
/* The time-slice-ns tunable at load time. */
#define SA_DEFAULT_TIME_SLICE_NS 1000000ULL
/*
 * Engines work on BO memory in chunks of this size and may reschedule
 * between chunks: one command can cover 4 GiB.
 */
#define SA_CHUNK (64 * 1024)

/* A buffer object: vmalloc_user memory, freed with its last reference. */
struct sa_bo {
	struct kref ref;
	void *vaddr;
	/* Size in bytes, a multiple of the page size. */
	u64 size;
	u32 flags;
	/* The BO's fake offset in its file's mmap space. */
	u64 offset;
	/* A ring region (counted apart from BOs), not a BO. */
	bool region;
};

/* A validated range of a BO: off + len <= bo->size. */
struct sa_span {
	struct sa_bo *bo;
	u64 off;
	u64 len;
};

/* One validated command, holding a reference on every BO it names. */
struct sa_op {
	u32 opcode;
	struct sa_span src;
	struct sa_span src2;
	struct sa_span dst;
	u64 value;
};

/*
 * What an open file's submissions share with it and what outlives its
 * handles: whether the file is closed, and its perf counters.
 */
struct sa_shared {
	struct kref ref;
	bool closed;
	bool perf_enabled;
	spinlock_t lock;	/* protects perf */
	u64 perf[SA_PERF_COUNTERS];
};

/* A range of seqnos that reset-queue cancelled. */
struct sa_cancelled {
	struct list_head link;
	u64 first;
	u64 last;
};

/*
 * The rings of a ring-mode queue. The poller takes entries, the engines
 * post completions (under lock, with outstanding).
 */
struct sa_ring {
	struct sa_bo *sregion;
	struct sa_bo *cregion;
	u32 sentries;
	u32 centries;
	struct mutex cons_lock;	/* the consumer: the poller and DOORBELL */
	/* The generated consumer and producer (the ring part of the generated code). */
	struct softaccel_submit_ring_consumer cons;
	struct softaccel_complete_ring_producer prod;
	spinlock_t lock;	/* protects the producer and outstanding */
	/* Entries taken whose completion is not posted yet. */
	u32 outstanding;
	bool error;
	bool rung;
	wait_queue_head_t wake;
	struct task_struct *poller;
	/* The file's namespaces, valid while the poller runs. */
	struct sa_file *file;
	struct sa_shared *shared;
};

/* A queue: an ordered stream of submissions served by one engine. */
struct sa_queue {
	struct kref ref;
	u32 engine;
	u32 rank;
	u32 priority;
	u32 flags;
	spinlock_t lock;	/* protects the seqnos and cancelled */
	u64 issued;
	u64 completed;
	u32 inflight;
	struct list_head cancelled;
	wait_queue_head_t done;
	/* Set for a ring-mode queue, which takes work from its ring only. */
	struct sa_ring *ring;
};

/* One accepted submission. */
struct sa_submission {
	struct list_head link;
	u64 seqno;
	struct sa_queue *queue;
	struct sa_shared *shared;
	u32 nops;
	/* Commands run so far: a pre-empted submission resumes here. */
	u32 next_op;
	/* Made from a ring entry: its completion goes to the complete ring. */
	bool ring;
	/* The entry's errno when it was rejected (it then has no commands). */
	int status;
	u64 user_data;
	struct sa_op ops[] __counted_by(nops);
};

/* One execution engine: a kernel thread and its ready submissions. */
struct sa_engine {
	spinlock_t lock;	/* protects ready */
	struct list_head ready[SA_RANKS];
	wait_queue_head_t work;
	struct task_struct *thread;
	void *scratch;		/* SA_CHUNK bytes: the fill pattern */
	atomic64_t busy_ns;
	atomic64_t completed;
};

/*
 * What a file's device reports and accepts: DeviceConfig of the FUSE
 * driver, from the module parameters when the file was opened, with the
 * capabilities and max-bo-alignment already the effective ones (what the
 * revisions define and the parameters announce).
 */
struct sa_config {
	u64 device_id;
	u32 revision;
	u32 core_revision;
	u32 capabilities;
	u32 device_capabilities;
	u64 max_bo_alignment;
	u64 max_bo_size;
	u32 num_queues_max;
	u32 page_size;
	u32 engine_count;
	u64 clock_freq_hz;
};

/* The device: one per module. */
struct sa_device {
	atomic_t power_state;
	atomic_t next_engine;
	atomic64_t submits;
	atomic64_t completed;
	atomic64_t cancelled;
	atomic64_t cmds;
	atomic64_t bytes;
	atomic64_t errors;
	atomic64_t time_slice_ns;
	/* Live objects, checked to be zero at unload. */
	atomic_t live_files;
	atomic_t live_bos;
	atomic_t live_queues;
	atomic_t live_regions;
	atomic_t pending;
	/* Engines are started on demand, up to the largest engine_count opened. */
	struct mutex engines_lock;
	u32 nr_engines;
	bool paused;
	struct sa_engine engines[SA_MAX_ENGINES];
};

/* Everything one open file owns. */
struct sa_file {
	struct mutex lock;	/* protects the namespaces and next_offset */
	struct xarray bos;
	struct xarray queues;
	u32 next_bo;
	u32 next_queue;
	u32 nqueues;
	/* Where the next BO's fake offset starts; never reused. */
	u64 next_offset;
	bool cap_sys_nice;
	struct sa_shared *shared;
	struct sa_config cfg;
};

extern struct sa_device sa_dev;

/* Adds to a perf counter, saturating; called with the counters' lock held. */
static inline void sa_count(struct sa_shared *s, u32 id, u64 n)
{
	if (check_add_overflow(s->perf[id], n, &s->perf[id]))
		s->perf[id] = U64_MAX;
}

static inline struct sa_file *sa_file(struct file *file)
{
	return file->private_data;
}

/* Does the file's device announce (and so accept) core capability @capability? */
static inline bool sa_has(const struct sa_file *f, u32 capability)
{
	return f->cfg.capabilities & capability;
}

/* Does the file's device announce softaccel capability @capability? */
static inline bool sa_has_device(const struct sa_file *f, u32 capability)
{
	return f->cfg.device_capabilities & capability;
}

u32 sa_capabilities_at(u32 core_revision);
u32 sa_device_capabilities_at(u32 revision);

/* bo.c */
int sa_bo_create(struct file *file, struct accel_bo_create *arg);
int sa_bo_info(struct file *file, struct accel_bo_info *arg);
int sa_bo_destroy(struct file *file, struct accel_bo_destroy *arg);
void sa_bo_put(struct sa_bo *bo);
int sa_mmap(struct file *file, struct vm_area_struct *vma);

/* queue.c */
int sa_queue_create(struct file *file, struct accel_queue_create *arg);
int sa_queue_destroy(struct file *file, struct accel_queue_destroy *arg);
int sa_queue_info(struct file *file, struct softaccel_queue_info *arg);
int sa_wait(struct file *file, struct softaccel_wait *arg);
void sa_queue_put(struct sa_queue *q);
struct sa_queue *sa_queue_get(struct sa_file *f, u32 handle);
bool sa_queue_reached(struct sa_queue *q, u64 seqno);
int sa_queue_drain(struct sa_queue *q);
int sa_queue_cancel(struct sa_queue *q, u32 *cancelled);
struct sa_queue *sa_queue_alloc(struct sa_file *f, u32 priority, u32 flags,
				int *err);

/* ring.c */
int sa_ring_queue_create(struct file *file,
			 struct softaccel_ring_queue_create *arg);
int sa_doorbell(struct file *file, struct softaccel_doorbell *arg);
void sa_ring_post(struct sa_ring *r, u64 seqno, u64 user_data, s32 status);
void sa_ring_stop(struct sa_queue *q);
void sa_ring_free(struct sa_ring *r);

/* submit.c */
int sa_submit(struct file *file, struct softaccel_submit *arg,
	      const struct softaccel_cmd *cmds);
int sa_perf_stats(struct file *file, struct softaccel_perf_stats *arg,
		  struct softaccel_perf_counter *counters, u64 *counters_written);
void sa_shared_put(struct sa_shared *s);
void sa_op_release(struct sa_op *op);
int sa_resolve(struct sa_file *f, const struct softaccel_cmd *c,
	       struct sa_op *op);

/* engine.c */
int sa_engines_start(u32 count);
void sa_engines_wake(void);
void sa_engines_stop(void);
u32 sa_engine_assign(const struct sa_file *f);
int sa_engine_enqueue(struct sa_submission *sub, u64 *seqno);
void sa_engines_cancel_file(struct sa_shared *shared);
void sa_submission_free(struct sa_submission *sub);

/* control.c */
extern const struct softaccel_control_ops sa_control_ops;

/* fpu.c, compiled with the FPU flags: call between kernel_fpu_begin/end. */
void sa_add_f32(__le32 *dst, const __le32 *a, const __le32 *b, size_t n);

#endif /* _SOFTACCEL_DRV_H */
