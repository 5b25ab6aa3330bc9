{#- The ring section of a uapi header (backend/ring.rs prepares the view):
    the region layout every ring shares, one header struct per ring, and,
    for userspace C11 only, static inline producer and consumer helpers
    built on <stdatomic.h>. -#}
{%- if !rings.is_empty() %}

/*
 * Ring regions. Each ring is one region, mapped at the offset and size the
 * ioctl that creates it returns: the producer index alone on cache line 0,
 * the consumer index alone on line 1, flags and the entry count on line 2,
 * the entries from byte {{ header_size }}. Indices run freely and wrap at
 * their width; an entry's slot is index & (entries - 1). The producer
 * writes entries, then stores its index with release ordering; the
 * consumer loads it with acquire ordering, copies each entry once, and
 * stores its own index with release ordering. A producer index more than
 * `entries` ahead of the consumer index is a protocol error.
 */
#define {{ p }}_RING_PRODUCER_OFFSET 0
#define {{ p }}_RING_CONSUMER_OFFSET 64
#define {{ p }}_RING_FLAGS_OFFSET 128
#define {{ p }}_RING_ENTRIES_OFFSET 132
#define {{ p }}_RING_HEADER_SIZE {{ header_size }}
/* Flags: the consumer sleeps; ring the doorbell after publishing. */
#define {{ p }}_RING_NEED_WAKEUP (1U << 0)
/* Flags: the consumer found a protocol error and stopped. */
#define {{ p }}_RING_ERROR (1U << 1)
{%- for r in rings %}
{{ "" }}
{%- for l in r.doc %}
{{ l }}
{%- endfor %}
#define {{ r.upper }}_MIN_ENTRIES {{ r.min }}
#define {{ r.upper }}_MAX_ENTRIES {{ r.max }}
#define {{ r.upper }}_ENTRY_SIZE {{ r.entry_size }}
struct {{ r.header }} {
	{{ r.index }} producer;
	__u8 pad0[{{ 64 - r.index_size }}];
	{{ r.index }} consumer;
	__u8 pad1[{{ 64 - r.index_size }}];
	__u32 flags;
	__u32 entries;
	__u8 pad2[56];
};
{%- endfor %}

/* The ring header layout, checked by the compiler. */
#if defined(__cplusplus) && __cplusplus >= 201103L
#define {{ p }}_RING_CHECK(cond, msg) static_assert(cond, msg)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define {{ p }}_RING_CHECK(cond, msg) _Static_assert(cond, msg)
#else
#define {{ p }}_RING_CHECK__(cond, line) \
	typedef char {{ p }}_ring_check_##line[(cond) ? 1 : -1]
#define {{ p }}_RING_CHECK_(cond, line) {{ p }}_RING_CHECK__(cond, line)
#define {{ p }}_RING_CHECK(cond, msg) {{ p }}_RING_CHECK_(cond, __LINE__)
#endif
{%- for r in rings %}
{{ p }}_RING_CHECK(sizeof(struct {{ r.header }}) == {{ header_size }}, "{{ r.header }} size");
{{ p }}_RING_CHECK(__builtin_offsetof(struct {{ r.header }}, consumer) == 64, "{{ r.header }} consumer");
{{ p }}_RING_CHECK(__builtin_offsetof(struct {{ r.header }}, flags) == 128, "{{ r.header }} flags");
{{ p }}_RING_CHECK(__builtin_offsetof(struct {{ r.header }}, entries) == 132, "{{ r.header }} entries");
{{ p }}_RING_CHECK(sizeof({{ r.entry }}) == {{ r.upper }}_ENTRY_SIZE, "{{ r.name }} entry size");
{%- endfor %}
#undef {{ p }}_RING_CHECK
#undef {{ p }}_RING_CHECK_
#undef {{ p }}_RING_CHECK__

#if !defined(__KERNEL__) && !defined(__cplusplus) && defined(__STDC_VERSION__) && \
	__STDC_VERSION__ >= 201112L && !defined(__STDC_NO_ATOMICS__)
#include <stdatomic.h>
#include <string.h>
{%- for r in rings %}

/*
 * Userspace side of the {{ r.name }} ring ({{ r.role }}). Init over the
 * mapped region with the entry count given at creation; returns -1 when the
 * count is not a power of two.
 */
struct {{ r.snake }} {
	struct {{ r.header }} *hdr;
	{{ r.entry }} *slots;
	{{ r.index }} mask;
	/* Our own index: the next entry to write (producer) or read (consumer). */
	{{ r.index }} index;
	/* The peer's index as last loaded. */
	{{ r.index }} peer;
};

static inline int {{ r.snake }}_init(struct {{ r.snake }} *r, void *region, {{ r.index }} entries)
{
	if (entries == 0 || (entries & (entries - 1)) != 0)
		return -1;
	r->hdr = (struct {{ r.header }} *)region;
	r->slots = ({{ r.entry }} *)((unsigned char *)region + {{ p }}_RING_HEADER_SIZE);
	r->mask = entries - 1;
	r->index = atomic_load_explicit((_Atomic {{ r.index }} *)&r->hdr->{{ r.own }}, memory_order_relaxed);
{%- if r.user_produces %}
	r->peer = atomic_load_explicit((_Atomic {{ r.index }} *)&r->hdr->consumer, memory_order_acquire);
{%- else %}
	/* Nothing is taken until pop has loaded and checked the producer index. */
	r->peer = r->index;
{%- endif %}
	return 0;
}
{%- if r.user_produces %}

/*
 * The next free slot to fill, or NULL when the ring is full (reap, then
 * retry). Entries written are invisible to the device until published.
 */
static inline {{ r.entry }} *{{ r.snake }}_reserve(struct {{ r.snake }} *r)
{
	if (({{ r.index }})(r->index - r->peer) > r->mask) {
		r->peer = atomic_load_explicit((_Atomic {{ r.index }} *)&r->hdr->consumer, memory_order_acquire);
		if (({{ r.index }})(r->index - r->peer) > r->mask)
			return NULL;
	}
	return &r->slots[r->index++ & r->mask];
}

/*
 * Publishes every reserved entry with one release store. Returns non-zero
 * when the consumer asked to be woken: then ring the doorbell.
 */
static inline int {{ r.snake }}_publish(struct {{ r.snake }} *r)
{
	atomic_store_explicit((_Atomic {{ r.index }} *)&r->hdr->producer, r->index, memory_order_release);
	return (atomic_fetch_or_explicit((_Atomic __u32 *)&r->hdr->flags, 0, memory_order_acq_rel) &
		{{ p }}_RING_NEED_WAKEUP) != 0;
}
{%- else %}

/*
 * Copies the next entry into *out: 1 when there was one, 0 when the ring is
 * empty, -1 on a protocol error (a producer index more than the ring size
 * ahead). Publish what was taken with _release.
 */
static inline int {{ r.snake }}_pop(struct {{ r.snake }} *r, {{ r.entry }} *out)
{
	if (r->peer == r->index) {
		{{ r.index }} tail = atomic_load_explicit((_Atomic {{ r.index }} *)&r->hdr->producer,
							memory_order_acquire);
		if (({{ r.index }})(tail - r->index) > r->mask + 1)
			return -1;
		if (tail == r->index)
			return 0;
		r->peer = tail;
	}
	memcpy(out, &r->slots[r->index++ & r->mask], sizeof(*out));
	return 1;
}

/* Hands the slots taken so far back to the producer. */
static inline void {{ r.snake }}_release(struct {{ r.snake }} *r)
{
	atomic_store_explicit((_Atomic {{ r.index }} *)&r->hdr->consumer, r->index, memory_order_release);
}
{%- endif %}
{%- endfor %}
#endif /* userspace C11 */
{%- endif %}
