/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The boundary between shim.c and the Rust crate (sa_rs.rs): what each side
 * calls of the other. Every function here is declared once more, as
 * `extern "C"`, in sa_rs.rs; the types must stay in step by hand.
 */
#ifndef SOFTACCEL_RS_SHIM_H
#define SOFTACCEL_RS_SHIM_H

#include <linux/types.h>

struct sa_shim_buf;

/* The module parameters as one open reads them (DeviceConfig). */
struct sa_shim_config {
	u64 device_id;
	u64 max_bo_alignment;
	u64 max_bo_size;
	u64 clock_freq_hz;
	u32 revision;
	u32 core_revision;
	u32 capabilities;
	u32 device_capabilities;
	u32 num_queues_max;
	u32 page_size;
	u32 engine_count;
};

/* Rust, called by shim.c. */
int sa_rs_open(void **priv, bool cap_sys_nice);
void sa_rs_release(void *priv);
long sa_rs_ioctl(void *priv, unsigned int cmd, unsigned long arg, bool compat);
int sa_rs_mmap_find(void *priv, u64 start, u64 len, struct sa_shim_buf **buf);
s64 sa_rs_counter(unsigned int index, const char **name);
void sa_rs_counters_reset(void);

/* shim.c, called by Rust. */
int sa_shim_register(void);
void sa_shim_unregister(void);
void sa_shim_config(struct sa_shim_config *cfg);
struct sa_shim_buf *sa_shim_buf_alloc(u64 size);
void *sa_shim_buf_vaddr(struct sa_shim_buf *buf);
void sa_shim_buf_get(struct sa_shim_buf *buf);
void sa_shim_buf_put(struct sa_shim_buf *buf);
u64 sa_shim_totalram_pages(void);
u32 sa_shim_crc32c(u32 crc, const void *data, size_t len);
void sa_shim_add_f32(__le32 *dst, const __le32 *a, const __le32 *b, size_t n);
u64 sa_shim_ktime_ns(void);
void sa_shim_cond_resched(void);
bool sa_shim_bench_ioctl(void);
bool sa_shim_capable_admin(void);

/* fpu.c: called between kernel_fpu_begin() and kernel_fpu_end() only. */
void sa_fpu_add_f32(__le32 *dst, const __le32 *a, const __le32 *b, size_t n);

#endif /* SOFTACCEL_RS_SHIM_H */
