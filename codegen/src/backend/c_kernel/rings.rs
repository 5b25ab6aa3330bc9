//! The shared-memory rings of the generated C kernel side: what
//! `uabi_runtime::ring` and the Rust kernel crate's `rings` module do, in
//! kernel C. For a ring userspace produces, the kernel's consumer: it
//! loads the producer index with smp_load_acquire(), copies each entry
//! once, word by word with READ_ONCE(), into a kernel copy that alone is
//! validated (`<p>_validate_<entry>_at`) and used, and publishes its index
//! with smp_store_release(); a producer index more than the ring size
//! ahead is a protocol error (-EPIPE, the ring's ERROR flag), never an
//! out-of-bounds read. For a ring the device produces, the kernel's
//! producer: entries written with WRITE_ONCE(), the index published with
//! smp_store_release(), a consumer index that claims more entries in
//! flight than the ring holds a protocol error (-EPIPE).
//!
//! `codegen/tests/c_kernel_rings.rs` runs the same scenarios, hostile
//! indices included, through this C (built in userspace over a shim) and
//! through the Rust crate's rings.

use crate::backend::c::struct_ident;
use crate::backend::shared::PushFmt;
use crate::model::{Model, Producer, Ring, Scalar};
use crate::names::{snake, upper};

/// The kernel headers the header part needs (before it).
pub(super) const HEADER_INCLUDES: &[&str] = &["linux/types.h"];

/// The kernel headers the source part needs (before it).
pub(super) const SOURCE_INCLUDES: &[&str] = &[
    "linux/atomic.h",
    "linux/build_bug.h",
    "linux/compiler.h",
    "linux/errno.h",
    "linux/limits.h",
    "linux/log2.h",
    "linux/mm.h",
    "linux/overflow.h",
    "linux/string.h",
    "asm/barrier.h",
];

/// What the C of one ring is written with.
struct R {
    /// `softaccel`
    p: String,
    /// `SOFTACCEL`
    up: String,
    /// `softaccel_submit_ring`
    ring: String,
    /// `SOFTACCEL_RING_SUBMIT`
    macro_: String,
    /// `struct softaccel_ring_cmd`
    entry: String,
    /// `softaccel_validate_ring_cmd_at`
    validate: String,
    /// `u32` or `u64`
    index: &'static str,
    min: u64,
    max: u64,
    since: u32,
}

fn ring(model: &Model, r: &Ring) -> R {
    let p = snake(&model.c_prefix);
    let up = upper(&model.c_prefix);
    let owner = model.owner(&r.entry);
    let entry = model.struct_(&r.entry);
    R {
        ring: format!("{p}_{}_ring", snake(&r.name)),
        macro_: format!("{up}_RING_{}", upper(&r.name)),
        entry: format!("struct {}", struct_ident(owner, entry)),
        validate: format!(
            "{}_validate_{}_at",
            snake(&owner.c_prefix),
            snake(&entry.name)
        ),
        index: match r.index {
            Scalar::U64 => "u64",
            _ => "u32",
        },
        min: r.min_entries,
        max: r.max_entries,
        since: r.since,
        p,
        up,
    }
}

impl R {
    fn t(&self, text: &str) -> String {
        text.replace("@ring@", &self.ring)
            .replace("@RING@", &self.macro_)
            .replace("@entry@", &self.entry)
            .replace("@validate@", &self.validate)
            .replace("@idx@", self.index)
            .replace("@min@", &self.min.to_string())
            .replace("@max@", &self.max.to_string())
            .replace("@since@", &self.since.to_string())
            .replace("@p@", &self.p)
            .replace("@P@", &self.up)
    }
}

const COMMON_HEADER: &str = r#"/* Is @n an entry count the ring allows: a power of two in @min@..@max@? */
bool @ring@_valid_entries(u64 n);
/*
 * Bytes of a region of @entries entries, rounded up to PAGE_SIZE; 0 when
 * that overflows.
 */
size_t @ring@_region_size(u32 entries);
/*
 * Sets up a fresh region of @len bytes for @entries entries (indices and
 * flags zero, the entry count recorded) before userspace can map it:
 * 0, or -EINVAL when @entries is not a power of two or @len is too small.
 */
int @ring@_setup(void *region, size_t len, u32 entries);
"#;

const CONSUMER_HEADER: &str = r#"
/*
 * The kernel's consumer of this ring, which userspace produces and the
 * kernel does not trust. Its own index lives here and is never read back
 * from the region after init.
 */
struct @ring@_consumer {
	struct @ring@_header *hdr;
	u32 entries;
	u32 mask;
	u32 rev;
	/* 0, or -EPIPE once the producer broke the protocol. */
	int error;
	/* The next entry to take. */
	@idx@ head;
	/* The producer index last loaded, already checked. */
	@idx@ tail;
	/* How far ahead the producer index was when it broke the protocol. */
	u64 error_ahead;
};

/*
 * A consumer of @region (@len bytes, @entries entries), starting at the
 * consumer index the region holds; each entry it takes is validated at
 * revision @rev. 0, or -EINVAL when @entries is not a power of two or the
 * region is too small.
 */
int @ring@_consumer_init(struct @ring@_consumer *c, void *region,
			 size_t len, u32 entries, u32 rev);
/*
 * Loads the producer index (acquire) and sets *@ready to the entries ready:
 * 0, or -EPIPE (and the ring's ERROR flag) when it is more than the ring
 * size ahead.
 */
int @ring@_consumer_available(struct @ring@_consumer *c, u32 *ready);
/*
 * Takes the next entry: copied once out of the ring into *@entry, then
 * validated (*@check: 0 or the validation's negative errno; an entry that
 * fails is still consumed and must be answered, never used), *@index its
 * producer index. 1 when an entry was taken, 0 when the ring is empty,
 * -EPIPE after a protocol error.
 */
int @ring@_consumer_pop(struct @ring@_consumer *c, @entry@ *entry,
			@idx@ *index, int *check);
/* Publishes the consumer index (release): the slots taken may be reused. */
void @ring@_consumer_release(struct @ring@_consumer *c);
/*
 * Before sleeping: sets NEED_WAKEUP and checks the producer index again.
 * 1: still empty, sleep until the doorbell; 0: entries arrived meanwhile
 * (the flag is cleared again); -EPIPE after a protocol error.
 */
int @ring@_consumer_prepare_sleep(struct @ring@_consumer *c);
/* After waking up: clears NEED_WAKEUP. */
void @ring@_consumer_clear_need_wakeup(struct @ring@_consumer *c);
"#;

const PRODUCER_HEADER: &str = r#"
/*
 * The kernel's producer of this ring, which userspace consumes and the
 * kernel does not trust. Its indices live here and are never read back
 * from the region after init.
 */
struct @ring@_producer {
	struct @ring@_header *hdr;
	u32 entries;
	u32 mask;
	/* 0, or -EPIPE once the consumer broke the protocol. */
	int error;
	/* The next index to write. */
	@idx@ tail;
	@idx@ published;
	/* The consumer index last loaded, already checked. */
	@idx@ head;
	/* The entries in flight the consumer index claimed when it broke it. */
	u64 error_used;
};

/*
 * A producer of @region (@len bytes, @entries entries), starting at the
 * producer index the region holds. 0, or -EINVAL when @entries is not a
 * power of two or the region is too small.
 */
int @ring@_producer_init(struct @ring@_producer *p, void *region,
			 size_t len, u32 entries);
/*
 * Loads the consumer index (acquire) and sets *@space to the entries that
 * still fit: 0, or -EPIPE when the consumer index claims more entries in
 * flight than the ring holds (or runs ahead of what was published).
 */
int @ring@_producer_space(struct @ring@_producer *p, u32 *space);
/*
 * Writes *@entry into the next free slot, unpublished: 1, 0 when the ring
 * is full (publish, wait for the consumer, retry), -EPIPE after a protocol
 * error.
 */
int @ring@_producer_push(struct @ring@_producer *p, const @entry@ *entry);
/* Entries pushed and not yet published. */
u64 @ring@_producer_unpublished(const struct @ring@_producer *p);
/*
 * Publishes every entry pushed so far with one release store. True when the
 * consumer asked to be woken (NEED_WAKEUP).
 */
bool @ring@_producer_publish(struct @ring@_producer *p);
/* The consumer's flags word (NEED_WAKEUP, ERROR), acquire. */
u32 @ring@_producer_flags(const struct @ring@_producer *p);
"#;

const WORDS_SOURCE: &str = r#"
/*
 * The flags word of a ring header, for the read-modify-write operations
 * that pair the consumer's NEED_WAKEUP with the producer's publish. The
 * header is __u32 in the uapi; atomic_t is an int of the same size.
 */
static atomic_t *@p@_ring_flags(__u32 *flags)
{
	return (atomic_t *)flags;
}
"#;

const READ_WORDS: &str = r#"
/*
 * Copies an entry out of shared memory once, word by word: a producer
 * rewriting it meanwhile gives a torn but well-defined copy, and only the
 * copy is validated and used.
 */
static void @p@_ring_read_words(void *dst, const void *src, size_t words)
{
	const u32 *s = src;
	u32 *d = dst;
	size_t i;

	for (i = 0; i < words; i++)
		d[i] = READ_ONCE(s[i]);
}
"#;

const WRITE_WORDS: &str = r#"
static void @p@_ring_write_words(void *dst, const void *src, size_t words)
{
	const u32 *s = src;
	u32 *d = dst;
	size_t i;

	for (i = 0; i < words; i++)
		WRITE_ONCE(d[i], s[i]);
}
"#;

const COMMON_SOURCE: &str = r#"
bool @ring@_valid_entries(u64 n)
{
	return is_power_of_2(n) && n >= @min@ && n <= @max@;
}

/* Bytes of the header and @entries entries; false on overflow. */
static bool @ring@_bytes(u32 entries, size_t *bytes)
{
	size_t size = sizeof(@entry@);
	size_t body;

	if (check_mul_overflow((size_t)entries, size, &body))
		return false;
	return !check_add_overflow((size_t)@P@_RING_HEADER_SIZE, body, bytes);
}

size_t @ring@_region_size(u32 entries)
{
	size_t bytes;

	if (!@ring@_bytes(entries, &bytes) ||
	    bytes > SIZE_MAX - (PAGE_SIZE - 1))
		return 0;
	return PAGE_ALIGN(bytes);
}

/* Does a region of @len bytes hold @entries entries, a power of two? */
static bool @ring@_fits(size_t len, u32 entries)
{
	size_t bytes;

	return is_power_of_2(entries) && @ring@_bytes(entries, &bytes) &&
	       bytes <= len;
}

int @ring@_setup(void *region, size_t len, u32 entries)
{
	struct @ring@_header *hdr = region;

	if (!@ring@_fits(len, entries))
		return -EINVAL;
	memset(hdr, 0, sizeof(*hdr));
	hdr->entries = entries;
	return 0;
}

/* The slot of @index in the region. */
static void *@ring@_slot(struct @ring@_header *hdr, u32 mask, @idx@ index)
{
	return (u8 *)hdr + @P@_RING_HEADER_SIZE +
	       (size_t)(index & mask) * sizeof(@entry@);
}
"#;

const CONSUMER_SOURCE: &str = r#"
int @ring@_consumer_init(struct @ring@_consumer *c, void *region,
			 size_t len, u32 entries, u32 rev)
{
	if (!@ring@_fits(len, entries))
		return -EINVAL;
	c->hdr = region;
	c->entries = entries;
	c->mask = entries - 1;
	c->rev = rev;
	c->error = 0;
	c->error_ahead = 0;
	c->head = READ_ONCE(c->hdr->consumer);
	c->tail = c->head;
	return 0;
}

int @ring@_consumer_available(struct @ring@_consumer *c, u32 *ready)
{
	@idx@ tail, ahead;

	if (c->error)
		return c->error;
	/* Pairs with the producer's release: its entries are visible. */
	tail = smp_load_acquire(&c->hdr->producer);
	ahead = tail - c->head;
	if (ahead > c->entries) {
		c->error = -EPIPE;
		c->error_ahead = ahead;
		atomic_fetch_or(@P@_RING_ERROR, @p@_ring_flags(&c->hdr->flags));
		return c->error;
	}
	c->tail = tail;
	*ready = ahead;
	return 0;
}

int @ring@_consumer_pop(struct @ring@_consumer *c, @entry@ *entry,
			@idx@ *index, int *check)
{
	u32 ready;
	int ret;

	BUILD_BUG_ON(sizeof(*entry) % sizeof(u32));
	if (c->error)
		return c->error;
	if (c->tail == c->head) {
		ret = @ring@_consumer_available(c, &ready);
		if (ret)
			return ret;
		if (!ready)
			return 0;
	}
	@p@_ring_read_words(entry, @ring@_slot(c->hdr, c->mask, c->head),
			    sizeof(*entry) / sizeof(u32));
	*index = c->head;
	c->head++;
	*check = @validate@(entry, c->rev);
	return 1;
}

void @ring@_consumer_release(struct @ring@_consumer *c)
{
	/* Our copies are done before the producer may reuse the slots. */
	smp_store_release(&c->hdr->consumer, c->head);
}

int @ring@_consumer_prepare_sleep(struct @ring@_consumer *c)
{
	u32 ready;
	int ret;

	/*
	 * A fully ordered RMW on the flags word: either the producer's later
	 * RMW of the word sees the flag, or the load below sees its index.
	 */
	atomic_fetch_or(@P@_RING_NEED_WAKEUP, @p@_ring_flags(&c->hdr->flags));
	ret = @ring@_consumer_available(c, &ready);
	if (ret)
		return ret;
	if (!ready)
		return 1;
	@ring@_consumer_clear_need_wakeup(c);
	return 0;
}

void @ring@_consumer_clear_need_wakeup(struct @ring@_consumer *c)
{
	atomic_fetch_and(~@P@_RING_NEED_WAKEUP, @p@_ring_flags(&c->hdr->flags));
}
"#;

const PRODUCER_SOURCE: &str = r#"
int @ring@_producer_init(struct @ring@_producer *p, void *region,
			 size_t len, u32 entries)
{
	if (!@ring@_fits(len, entries))
		return -EINVAL;
	p->hdr = region;
	p->entries = entries;
	p->mask = entries - 1;
	p->error = 0;
	p->error_used = 0;
	p->tail = READ_ONCE(p->hdr->producer);
	p->published = p->tail;
	p->head = p->tail;
	return 0;
}

int @ring@_producer_space(struct @ring@_producer *p, u32 *space)
{
	@idx@ head, used, pending;

	if (p->error)
		return p->error;
	/* Pairs with the consumer's release: it is done with the slots. */
	head = smp_load_acquire(&p->hdr->consumer);
	used = p->published - head;
	if (used > p->entries) {
		p->error = -EPIPE;
		p->error_used = used;
		return p->error;
	}
	p->head = head;
	pending = p->tail - head;
	*space = pending >= p->entries ? 0 : p->entries - pending;
	return 0;
}

int @ring@_producer_push(struct @ring@_producer *p, const @entry@ *entry)
{
	u32 space;
	int ret;

	BUILD_BUG_ON(sizeof(*entry) % sizeof(u32));
	if (p->error)
		return p->error;
	if ((@idx@)(p->tail - p->head) >= p->entries) {
		ret = @ring@_producer_space(p, &space);
		if (ret)
			return ret;
		if (!space)
			return 0;
	}
	@p@_ring_write_words(@ring@_slot(p->hdr, p->mask, p->tail), entry,
			     sizeof(*entry) / sizeof(u32));
	p->tail++;
	return 1;
}

u64 @ring@_producer_unpublished(const struct @ring@_producer *p)
{
	return (@idx@)(p->tail - p->published);
}

bool @ring@_producer_publish(struct @ring@_producer *p)
{
	if (p->tail != p->published) {
		/* The entries are written before the index shows them. */
		smp_store_release(&p->hdr->producer, p->tail);
		p->published = p->tail;
	}
	/* Pairs with the consumer's RMW in prepare_sleep. */
	return atomic_fetch_or(0, @p@_ring_flags(&p->hdr->flags)) &
	       @P@_RING_NEED_WAKEUP;
}

u32 @ring@_producer_flags(const struct @ring@_producer *p)
{
	/* Pairs with the consumer's flag updates. */
	return smp_load_acquire(&p->hdr->flags);
}
"#;

fn what(model: &Model, r: &Ring) -> String {
    let owner = model.owner(&r.entry);
    let e = struct_ident(owner, model.struct_(&r.entry));
    match r.producer {
        Producer::User => {
            format!("entries of struct {e}, produced by userspace, consumed by the kernel.")
        }
        Producer::Device => {
            format!("entries of struct {e}, produced by the kernel, consumed by userspace.")
        }
    }
}

/// The header part: per ring the region helpers and the kernel's side
/// (a consumer of a ring userspace produces, a producer of one the device
/// produces). Empty without rings.
pub(super) fn render_header(model: &Model) -> String {
    if model.rings.is_empty() {
        return String::new();
    }
    let p = snake(&model.c_prefix);
    let mut out = format!("/* {p} rings: begin */\n\n");
    out.push_str(&super::control::includes(HEADER_INCLUDES));
    for r in &model.rings {
        let x = ring(model, r);
        out.push_str(&super::control::comment(
            0,
            &format!(
                "The {} ring ({}_*): {} Since revision {}.",
                r.name,
                x.ring,
                what(model, r),
                r.since
            ),
        ));
        out.push_str(&x.t(COMMON_HEADER));
        out.push_str(&x.t(match r.producer {
            Producer::User => CONSUMER_HEADER,
            Producer::Device => PRODUCER_HEADER,
        }));
    }
    out.push_fmt(format_args!("\n/* {p} rings: end */\n"));
    super::control::kernel_layout(&out)
}

/// The source part. Empty without rings.
pub(super) fn render_source(model: &Model) -> String {
    if model.rings.is_empty() {
        return String::new();
    }
    let p = snake(&model.c_prefix);
    let up = upper(&model.c_prefix);
    let sub = |t: &str| t.replace("@p@", &p).replace("@P@", &up);
    let mut out = format!("/* {p} rings: begin */\n\n");
    out.push_str(&super::control::includes(SOURCE_INCLUDES));
    out.push_str(sub(WORDS_SOURCE).trim_start_matches('\n'));
    if model.rings.iter().any(|r| r.producer == Producer::User) {
        out.push_str(&sub(READ_WORDS));
    }
    if model.rings.iter().any(|r| r.producer == Producer::Device) {
        out.push_str(&sub(WRITE_WORDS));
    }
    for r in &model.rings {
        let x = ring(model, r);
        out.push_str(&x.t(COMMON_SOURCE));
        out.push_str(&x.t(match r.producer {
            Producer::User => CONSUMER_SOURCE,
            Producer::Device => PRODUCER_SOURCE,
        }));
    }
    out.push_fmt(format_args!("\n/* {p} rings: end */\n"));
    super::control::kernel_layout(&out)
}
