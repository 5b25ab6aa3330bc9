//! The rings part of the generated C kernel side
//! (`backend::c_kernel::rings`), generated for softaccel (a submit ring
//! userspace produces, a complete ring the device produces): built in
//! userspace over a shim of the kernel's barriers and atomics (gcc's
//! `__atomic` builtins), it gives the same trace as the Rust kernel
//! crate's rings (`softaccel_kernel::rings`, i.e. `uabi_runtime::ring`)
//! for scripted and random scenarios: entries valid and invalid, indices
//! wrapping at 2^32, a hostile producer index far ahead (EPIPE and the
//! ERROR flag), a bogus consumer index, a full ring, NEED_WAKEUP, and
//! regions too small or with a bad entry count (EINVAL). The kbuild,
//! sparse and checkpatch check of the same text is in
//! `c_kernel_control.rs` (it builds the whole generated kernel side).

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod c_kernel_parts;
use c_kernel_parts::{ASAN_UBSAN, TSAN, build_sanitized, have_gcc, part};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::Ordering;

use softaccel_kernel::rings;
use softaccel_kernel::uapi as su;
use uabi_runtime::ring::{HEADER_SIZE, HeapRingMem, RingMem};
use uabi_runtime::zerocopy::{FromBytes, IntoBytes};
use uabi_test_support::Rng;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

const CMD_SIZE: usize = 72;
const DONE_SIZE: usize = 24;

/// One step of a scenario, run on both sides.
#[derive(Clone, Debug)]
enum Op {
    /// A fresh zeroed region of `len` bytes, set up for `entries` entries.
    Setup {
        entries: u32,
        len: usize,
    },
    /// The consumer (submit ring) or producer (complete ring) over it.
    Init {
        entries: u32,
    },
    /// Hostile userspace: raw stores into the header.
    SetProducer(u32),
    SetConsumer(u32),
    SetFlags(u32),
    /// Userspace writes an entry into slot `index & (entries - 1)`.
    Write {
        index: u32,
        bytes: Vec<u8>,
    },
    Available,
    Pop,
    Release,
    PrepareSleep,
    ClearNeedWakeup,
    State,
    Push(Vec<u8>),
    Publish,
    Space,
    Unpublished,
    Flags,
    RegionSize(u32),
    Valid(u64),
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl Op {
    fn line(&self) -> String {
        match self {
            Op::Setup { entries, len } => format!("setup {entries} {len}"),
            Op::Init { entries } => format!("init {entries}"),
            Op::SetProducer(v) => format!("setprod {v}"),
            Op::SetConsumer(v) => format!("setcons {v}"),
            Op::SetFlags(v) => format!("setflags {v}"),
            Op::Write { index, bytes } => format!("write {index} {}", hex(bytes)),
            Op::Available => "avail".into(),
            Op::Pop => "pop".into(),
            Op::Release => "release".into(),
            Op::PrepareSleep => "sleep".into(),
            Op::ClearNeedWakeup => "wake".into(),
            Op::State => "state".into(),
            Op::Push(b) => format!("push {}", hex(b)),
            Op::Publish => "publish".into(),
            Op::Space => "space".into(),
            Op::Unpublished => "unpub".into(),
            Op::Flags => "flags".into(),
            Op::RegionSize(e) => format!("rsize {e}"),
            Op::Valid(n) => format!("valid {n}"),
        }
    }
}

/// A scenario: which ring, and its steps.
#[derive(Clone, Debug)]
struct Scenario {
    consumer: bool,
    ops: Vec<Op>,
}

const EPIPE: i32 = 32;
const EINVAL: i32 = 22;

/// The Rust side's trace of a scenario, in the C harness's words. Each
/// `Setup` starts a new region, and the ring side over it lives until
/// the next.
fn rust_trace(s: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    let mut segments: Vec<&[Op]> = Vec::new();
    let mut start = 0;
    for (i, op) in s.ops.iter().enumerate() {
        if matches!(op, Op::Setup { .. }) && i > start {
            segments.push(&s.ops[start..i]);
            start = i;
        }
    }
    segments.push(&s.ops[start..]);
    for seg in segments {
        let (entries, len) = match seg.first() {
            Some(Op::Setup { entries, len }) => (*entries, *len),
            _ => panic!("a scenario starts with setup"),
        };
        let mem = HeapRingMem::new(len);
        let r = if s.consumer {
            rings::submit::init(&mem, entries)
        } else {
            rings::complete::init(&mem, entries)
        };
        out.push(format!("setup {}", r.map_or(-EINVAL, |_| 0)));
        run_segment(s.consumer, &mem, &seg[1..], &mut out);
    }
    out
}

fn run_segment(is_consumer: bool, m: &HeapRingMem, ops: &[Op], out: &mut Vec<String>) {
    let mut consumer: Option<rings::submit::Consumer<&HeapRingMem>> = None;
    let mut producer: Option<rings::complete::Producer<&HeapRingMem>> = None;
    let size = if is_consumer { CMD_SIZE } else { DONE_SIZE };
    for op in ops {
        match op {
            Op::Setup { .. } => unreachable!("segments start at setup"),
            Op::Init { entries } => {
                if is_consumer {
                    let r = rings::submit::consumer(m, *entries, 3);
                    out.push(format!("init {}", if r.is_ok() { 0 } else { -EINVAL }));
                    consumer = r.ok();
                } else {
                    let r = rings::complete::producer(m, *entries);
                    out.push(format!("init {}", if r.is_ok() { 0 } else { -EINVAL }));
                    producer = r.ok();
                }
            }
            Op::SetProducer(v) => m.store_u32(0, *v, Ordering::Relaxed),
            Op::SetConsumer(v) => m.store_u32(64, *v, Ordering::Relaxed),
            Op::SetFlags(v) => m.store_u32(128, *v, Ordering::Relaxed),
            Op::Write { index, bytes } => {
                let entries = m.load_u32(132, Ordering::Relaxed).max(1);
                let slot = (*index & (entries - 1)) as usize;
                let off = HEADER_SIZE + slot * size;
                for (i, w) in bytes.chunks_exact(4).enumerate() {
                    let v = u32::from_ne_bytes([w[0], w[1], w[2], w[3]]);
                    if off + 4 * i + 4 <= m.len() {
                        m.store_u32(off + 4 * i, v, Ordering::Relaxed);
                    }
                }
            }
            Op::Available => out.push(match consumer.as_mut().map(|c| c.available()) {
                Some(Ok(n)) => format!("avail 0 {n}"),
                Some(Err(_)) => format!("avail -{EPIPE} 0"),
                None => "avail none".into(),
            }),
            Op::Pop => out.push(match consumer.as_mut().map(|c| c.pop()) {
                Some(Ok(Some(r))) => format!(
                    "pop 1 {} {} {}",
                    r.index,
                    r.check.map_or_else(|e| -e.0, |_| 0),
                    hex(r.entry.as_bytes())
                ),
                Some(Ok(None)) => "pop 0".into(),
                Some(Err(_)) => format!("pop -{EPIPE}"),
                None => "pop none".into(),
            }),
            Op::Release => {
                if let Some(c) = consumer.as_mut() {
                    c.release();
                }
            }
            Op::PrepareSleep => out.push(match consumer.as_mut().map(|c| c.prepare_sleep()) {
                Some(Ok(b)) => format!("sleep {}", u8::from(b)),
                Some(Err(_)) => format!("sleep -{EPIPE}"),
                None => "sleep none".into(),
            }),
            Op::ClearNeedWakeup => {
                if let Some(c) = consumer.as_ref() {
                    c.clear_need_wakeup();
                }
            }
            Op::State => out.push(format!(
                "state {} {} {}",
                m.load_u32(0, Ordering::Relaxed),
                m.load_u32(64, Ordering::Relaxed),
                m.load_u32(128, Ordering::Relaxed)
            )),
            Op::Push(b) => out.push(match producer.as_mut() {
                Some(p) => {
                    let e = su::RingCompletion::read_from_bytes(b).unwrap();
                    match p.push(&e) {
                        Ok(true) => "push 1".into(),
                        Ok(false) => "push 0".into(),
                        Err(_) => format!("push -{EPIPE}"),
                    }
                }
                None => "push none".into(),
            }),
            Op::Publish => out.push(match producer.as_mut() {
                Some(p) => format!("publish {}", u8::from(p.publish())),
                None => "publish none".into(),
            }),
            Op::Space => out.push(match producer.as_mut().map(|p| p.space()) {
                Some(Ok(n)) => format!("space 0 {n}"),
                Some(Err(_)) => format!("space -{EPIPE} 0"),
                None => "space none".into(),
            }),
            Op::Unpublished => out.push(match producer.as_ref() {
                Some(p) => format!("unpub {}", p.unpublished()),
                None => "unpub none".into(),
            }),
            Op::Flags => out.push(match producer.as_ref() {
                Some(p) => format!("flags {}", p.flags()),
                None => "flags none".into(),
            }),
            Op::RegionSize(e) => {
                let n = if is_consumer {
                    rings::submit::region_size(*e, 4096)
                } else {
                    rings::complete::region_size(*e, 4096)
                };
                out.push(format!("rsize {}", n.unwrap_or(0)));
            }
            Op::Valid(n) => {
                let v = if is_consumer {
                    rings::submit::valid_entries(*n)
                } else {
                    rings::complete::valid_entries(*n)
                };
                out.push(format!("valid {}", u8::from(v)));
            }
        }
    }
}

/// The kernel API the rings part uses, for a userspace build: barriers
/// and atomics as gcc's `__atomic` builtins.
const SHIM: &str = r#"
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;
typedef struct { int counter; } atomic_t;
#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define smp_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
static inline int k_atomic_fetch_or(int i, atomic_t *v) { return __atomic_fetch_or(&v->counter, i, __ATOMIC_SEQ_CST); }
static inline int k_atomic_fetch_and(int i, atomic_t *v) { return __atomic_fetch_and(&v->counter, i, __ATOMIC_SEQ_CST); }
#define BUILD_BUG_ON(c) _Static_assert(!(c), #c)
#define is_power_of_2(n) ((n) != 0 && (((n) & ((n) - 1)) == 0))
#define check_mul_overflow(a, b, d) __builtin_mul_overflow(a, b, d)
#define check_add_overflow(a, b, d) __builtin_add_overflow(a, b, d)
#define PAGE_SIZE 4096UL
#define PAGE_ALIGN(x) (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
"#;

/// The entry validation branch ck generates, as the Rust crate's
/// validate_ring_cmd_at has it (opcode, flags, pad, length).
const STAND_INS: &str = r#"
/* The uapi header's userspace helpers brought C11's stdatomic names. */
#undef atomic_fetch_or
#undef atomic_fetch_and
#define atomic_fetch_or k_atomic_fetch_or
#define atomic_fetch_and k_atomic_fetch_and
static int softaccel_validate_ring_cmd_at(const struct softaccel_ring_cmd *v, u32 rev)
{
	(void)rev;
	if (le32toh(v->opcode) > 6 || (le32toh(v->flags) & ~1U) ||
	    v->pad0[0] || v->pad0[1] || v->pad0[2] || v->pad0[3] ||
	    le64toh(v->length) > 4294967296ULL)
		return -EINVAL;
	return 0;
}
"#;

/// Reads scenarios (`consumer`/`producer` starts one) and prints the
/// trace the Rust side prints.
const HARNESS: &str = r#"
static u8 *region;
static size_t region_len;
static bool is_consumer;
static bool have_side;
static struct softaccel_submit_ring_consumer cons;
static struct softaccel_complete_ring_producer prod;

static u32 load(size_t off) { return off + 4 <= region_len ? __atomic_load_n((u32 *)(region + off), __ATOMIC_RELAXED) : 0; }
static void store(size_t off, u32 v) { if (off + 4 <= region_len) __atomic_store_n((u32 *)(region + off), v, __ATOMIC_RELAXED); }
static size_t unhex(const char *s, u8 *out)
{
	size_t n = 0;
	for (; s[0] && s[1] && s[0] != '\n'; s += 2)
		sscanf(s, "%2hhx", &out[n++]);
	return n;
}
static void hex(const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", ((const u8 *)p)[i]);
}

int main(void)
{
	char *line = NULL;
	size_t cap = 0;
	u8 bytes[256];

	while (getline(&line, &cap, stdin) > 0) {
		unsigned long long a, b;
		char word[16];
		int off = 0, ret;
		u32 n;

		if (sscanf(line, "%15s %n", word, &off) < 1)
			return 2;
		if (!strcmp(word, "consumer") || !strcmp(word, "producer")) {
			is_consumer = word[0] == 'c';
			puts("---");
		} else if (!strcmp(word, "setup")) {
			sscanf(line + off, "%llu %llu", &a, &b);
			free(region);
			region_len = (b + 3) & ~3ULL;
			region = calloc(1, region_len + 256);
			have_side = false;
			ret = is_consumer ? softaccel_submit_ring_setup(region, b, a) :
					    softaccel_complete_ring_setup(region, b, a);
			printf("setup %d\n", ret);
		} else if (!strcmp(word, "init")) {
			sscanf(line + off, "%llu", &a);
			ret = is_consumer ? softaccel_submit_ring_consumer_init(&cons, region, region_len, a, 3) :
					    softaccel_complete_ring_producer_init(&prod, region, region_len, a);
			have_side = !ret;
			printf("init %d\n", ret);
		} else if (!strcmp(word, "setprod")) {
			sscanf(line + off, "%llu", &a);
			store(0, a);
		} else if (!strcmp(word, "setcons")) {
			sscanf(line + off, "%llu", &a);
			store(64, a);
		} else if (!strcmp(word, "setflags")) {
			sscanf(line + off, "%llu", &a);
			store(128, a);
		} else if (!strcmp(word, "write")) {
			u32 entries = load(132), size = is_consumer ? 72 : 24;
			size_t nb, at;
			sscanf(line + off, "%llu", &a);
			nb = unhex(strchr(line + off, ' ') + 1, bytes);
			if (!entries)
				entries = 1;
			at = 192 + (size_t)((u32)a & (entries - 1)) * size;
			for (size_t i = 0; i + 4 <= nb; i += 4) {
				u32 w;
				memcpy(&w, bytes + i, 4);
				store(at + i, w);
			}
		} else if (!strcmp(word, "avail")) {
			if (!have_side) { puts("avail none"); continue; }
			n = 0;
			ret = softaccel_submit_ring_consumer_available(&cons, &n);
			printf("avail %d %u\n", ret, ret ? 0 : n);
		} else if (!strcmp(word, "pop")) {
			struct softaccel_ring_cmd e;
			u32 index;
			int check;
			if (!have_side) { puts("pop none"); continue; }
			ret = softaccel_submit_ring_consumer_pop(&cons, &e, &index, &check);
			if (ret == 1) {
				printf("pop 1 %u %d ", index, check);
				hex(&e, sizeof(e));
				printf("\n");
			} else {
				printf("pop %d\n", ret);
			}
		} else if (!strcmp(word, "release")) {
			if (have_side)
				softaccel_submit_ring_consumer_release(&cons);
		} else if (!strcmp(word, "sleep")) {
			if (!have_side) { puts("sleep none"); continue; }
			printf("sleep %d\n", softaccel_submit_ring_consumer_prepare_sleep(&cons));
		} else if (!strcmp(word, "wake")) {
			if (have_side)
				softaccel_submit_ring_consumer_clear_need_wakeup(&cons);
		} else if (!strcmp(word, "state")) {
			printf("state %u %u %u\n", load(0), load(64), load(128));
		} else if (!strcmp(word, "push")) {
			struct softaccel_ring_completion e;
			if (!have_side) { puts("push none"); continue; }
			unhex(line + off, bytes);
			memcpy(&e, bytes, sizeof(e));
			printf("push %d\n", softaccel_complete_ring_producer_push(&prod, &e));
		} else if (!strcmp(word, "publish")) {
			if (!have_side) { puts("publish none"); continue; }
			printf("publish %d\n", softaccel_complete_ring_producer_publish(&prod));
		} else if (!strcmp(word, "space")) {
			if (!have_side) { puts("space none"); continue; }
			n = 0;
			ret = softaccel_complete_ring_producer_space(&prod, &n);
			printf("space %d %u\n", ret, ret ? 0 : n);
		} else if (!strcmp(word, "unpub")) {
			if (!have_side) { puts("unpub none"); continue; }
			printf("unpub %llu\n", (unsigned long long)softaccel_complete_ring_producer_unpublished(&prod));
		} else if (!strcmp(word, "flags")) {
			if (!have_side) { puts("flags none"); continue; }
			printf("flags %u\n", softaccel_complete_ring_producer_flags(&prod));
		} else if (!strcmp(word, "rsize")) {
			sscanf(line + off, "%llu", &a);
			printf("rsize %zu\n", is_consumer ? softaccel_submit_ring_region_size(a) :
							 softaccel_complete_ring_region_size(a));
		} else if (!strcmp(word, "valid")) {
			sscanf(line + off, "%llu", &a);
			printf("valid %d\n", is_consumer ? softaccel_submit_ring_valid_entries(a) :
							 softaccel_complete_ring_valid_entries(a));
		} else {
			return 3;
		}
	}
	free(line);
	free(region);
	return 0;
}
"#;

/// The uapi headers and the kernel side of accel-core and softaccel,
/// written under `dir` as `generated/` lays them out.
fn write_tree(dir: &Path) {
    for rel in ["spec/accel-core.yaml", "spec/softaccel.yaml"] {
        let m = uabi::load::load(&repo_root().join(rel), Some(rel))
            .unwrap_or_else(|e| panic!("{rel} does not load: {e:#?}"));
        let mut files = uabi::backend::c::render(&m).unwrap();
        files.extend(uabi::backend::c_kernel::render(&m).unwrap());
        for f in files {
            let path = dir.join(&f.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &f.contents).unwrap();
        }
    }
}

fn build_harness(dir: &Path) -> Option<PathBuf> {
    if !have_gcc("the C rings part's behaviour") {
        return None;
    }
    write_tree(dir);
    let k = dir.join("softaccel/c/kernel");
    let h = std::fs::read_to_string(k.join("softaccel_kernel.h")).unwrap();
    let c = std::fs::read_to_string(k.join("softaccel_kernel.c")).unwrap();
    let src = format!(
        "{SHIM}\n#include \"softaccel/c/softaccel.h\"\n{STAND_INS}\n{}\n{}\n{HARNESS}",
        part(&h, "softaccel rings"),
        part(&c, "softaccel rings")
    );
    Some(build_sanitized(dir, "harness", &src, ASAN_UBSAN))
}

/// Every scenario through the C harness: one trace each.
fn c_traces(exe: &Path, scenarios: &[Scenario]) -> Vec<Vec<String>> {
    use std::io::Write as _;
    let mut input = String::new();
    for s in scenarios {
        input.push_str(if s.consumer {
            "consumer\n"
        } else {
            "producer\n"
        });
        for op in &s.ops {
            input.push_str(&op.line());
            input.push('\n');
        }
    }
    let mut child = Command::new(exe)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "the harness failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    text.split("---\n")
        .skip(1)
        .map(|t| t.lines().map(str::to_string).collect())
        .collect()
}

/// A command entry: valid, or with a bad opcode, flag, pad or length.
fn cmd(i: u32, bad: u32) -> Vec<u8> {
    let mut c = su::RingCmd::read_from_bytes(&[0u8; CMD_SIZE][..]).unwrap();
    c.opcode = (i % 7).to_le();
    c.length = u64::from(i).to_le();
    c.user_data = (0x1000 + u64::from(i)).to_le();
    match bad % 5 {
        1 => c.opcode = 9u32.to_le(),
        2 => c.flags = 2u32.to_le(),
        3 => c.pad0 = [0, 1, 0, 0],
        4 => c.length = (1u64 << 33).to_le(),
        _ => {}
    }
    c.as_bytes().to_vec()
}

fn done(i: u32) -> Vec<u8> {
    let mut c = su::RingCompletion::read_from_bytes(&[0u8; DONE_SIZE][..]).unwrap();
    c.user_data = u64::from(i).to_le();
    c.seqno = u64::from(i + 1).to_le();
    c.status = (-(i as i32 % 3)).to_le();
    c.as_bytes().to_vec()
}

const CONS_LEN: usize = 192 + 16 * CMD_SIZE;
const PROD_LEN: usize = 192 + 16 * DONE_SIZE;

fn scripted() -> Vec<Scenario> {
    use Op::*;
    let c = |ops: Vec<Op>| Scenario {
        consumer: true,
        ops,
    };
    let p = |ops: Vec<Op>| Scenario {
        consumer: false,
        ops,
    };
    let setup_c = Setup {
        entries: 16,
        len: CONS_LEN,
    };
    let setup_p = Setup {
        entries: 16,
        len: PROD_LEN,
    };
    let w = |index: u32, bad: u32| Write {
        index,
        bytes: cmd(index, bad),
    };
    vec![
        // Entries in order, an invalid one consumed and reported, sleep.
        c(vec![
            setup_c.clone(),
            Init { entries: 16 },
            Available,
            Pop,
            w(0, 0),
            SetProducer(1),
            Available,
            Pop,
            Pop,
            Release,
            State,
            PrepareSleep,
            State,
            w(1, 1),
            w(2, 2),
            w(3, 3),
            w(4, 4),
            SetProducer(5),
            PrepareSleep,
            State,
            Pop,
            Pop,
            Pop,
            Pop,
            Pop,
            Release,
            State,
            ClearNeedWakeup,
            State,
        ]),
        // Indices wrapping at 2^32.
        c(vec![
            setup_c.clone(),
            SetConsumer(0xffff_fffe),
            SetProducer(0xffff_fffe),
            Init { entries: 16 },
            w(0xffff_fffe, 0),
            w(0xffff_ffff, 0),
            w(0, 0),
            SetProducer(1),
            Available,
            Pop,
            Pop,
            Pop,
            Pop,
            Release,
            State,
        ]),
        // A full ring, then a producer index one past it: EPIPE and the
        // ERROR flag, and the side stays stopped.
        c(vec![
            setup_c.clone(),
            Init { entries: 16 },
            SetProducer(16),
            Available,
            SetProducer(17),
            Available,
            State,
            Pop,
            PrepareSleep,
            Available,
        ]),
        c(vec![
            setup_c.clone(),
            Init { entries: 16 },
            SetProducer(0x8000_0000),
            Pop,
            State,
        ]),
        c(vec![
            setup_c.clone(),
            SetConsumer(5),
            Init { entries: 16 },
            SetProducer(4),
            Available,
        ]),
        // Geometry.
        c(vec![
            Setup {
                entries: 16,
                len: CONS_LEN - 4,
            },
            Init { entries: 16 },
            Available,
        ]),
        c(vec![
            Setup {
                entries: 12,
                len: CONS_LEN,
            },
            Init { entries: 12 },
            Init { entries: 0 },
        ]),
        c(vec![
            Setup {
                entries: 16,
                len: 2000,
            },
            Init { entries: 32 },
            Init { entries: 16 },
        ]),
        c(vec![
            Setup {
                entries: 0,
                len: 4096,
            },
            Setup {
                entries: 1,
                len: 4096,
            },
            Init { entries: 1 },
        ]),
        c(vec![
            Setup {
                entries: 16,
                len: CONS_LEN,
            },
            RegionSize(16),
            RegionSize(4096),
            RegionSize(0),
            RegionSize(u32::MAX),
            Valid(0),
            Valid(1),
            Valid(8),
            Valid(16),
            Valid(24),
            Valid(4096),
            Valid(8192),
            Valid(1 << 40),
        ]),
        p(vec![
            setup_p.clone(),
            RegionSize(16),
            RegionSize(4096),
            RegionSize(u32::MAX),
            Valid(16),
            Valid(32),
            Valid(4096),
            Valid(1 << 33),
        ]),
        // Producer: fill, backpressure, publish, the consumer's index.
        p({
            let mut v = vec![
                setup_p.clone(),
                Init { entries: 16 },
                Space,
                Flags,
                Unpublished,
            ];
            v.extend((0..17).map(|i| Push(done(i))));
            v.extend([
                Unpublished,
                Publish,
                State,
                Unpublished,
                SetConsumer(5),
                Push(done(20)),
                Space,
                Push(done(21)),
                Publish,
                State,
                SetFlags(1),
                Publish,
                Flags,
                SetConsumer(100),
                Space,
                Push(done(22)),
                Publish,
                State,
            ]);
            v
        }),
        p(vec![
            setup_p.clone(),
            SetProducer(0xffff_fff0),
            SetConsumer(0xffff_fff0),
            Init { entries: 16 },
            Push(done(1)),
            Push(done(2)),
            Publish,
            State,
            SetConsumer(0xffff_fff1),
            Space,
            SetConsumer(0xffff_fff3),
            Space,
            State,
        ]),
        p(vec![
            Setup {
                entries: 16,
                len: PROD_LEN - 4,
            },
            Init { entries: 16 },
            Push(done(0)),
        ]),
    ]
}

/// Random scenarios: a mostly well-behaved peer around random starting
/// indices (near the wrap too), with hostile index stores mixed in.
fn random(n: usize) -> Vec<Scenario> {
    let mut rng = Rng::new(0x2545_f491_4f6c_dd1d);
    (0..n)
        .map(|k| {
            let consumer = k % 2 == 0;
            let start = match rng.below(3) {
                0 => 0,
                1 => u32::MAX - rng.below(40) as u32,
                _ => rng.u64() as u32,
            };
            let mut ops = vec![
                Op::Setup {
                    entries: 16,
                    len: if consumer { CONS_LEN } else { PROD_LEN },
                },
                Op::SetProducer(start),
                Op::SetConsumer(start),
                Op::Init { entries: 16 },
            ];
            let mut peer = start;
            for _ in 0..rng.below(80) + 10 {
                let op = if consumer {
                    match rng.below(12) {
                        0..=2 => {
                            let bad = if rng.below(4) == 0 {
                                rng.below(5) as u32
                            } else {
                                0
                            };
                            let op = Op::Write {
                                index: peer,
                                bytes: cmd(peer, bad),
                            };
                            peer = peer.wrapping_add(1);
                            op
                        }
                        3 => Op::SetProducer(peer),
                        4 => Op::SetProducer(if rng.below(8) == 0 {
                            rng.u64() as u32
                        } else {
                            peer
                        }),
                        5 | 6 => Op::Pop,
                        7 => Op::Release,
                        8 => Op::Available,
                        9 => Op::PrepareSleep,
                        10 => Op::ClearNeedWakeup,
                        _ => Op::State,
                    }
                } else {
                    match rng.below(11) {
                        0..=2 => Op::Push(done(rng.u64() as u32)),
                        3 => Op::Publish,
                        4 => Op::Space,
                        5 => {
                            peer = peer.wrapping_add(rng.below(6) as u32);
                            Op::SetConsumer(peer)
                        }
                        6 => Op::SetConsumer(if rng.below(6) == 0 {
                            rng.u64() as u32
                        } else {
                            peer
                        }),
                        7 => Op::SetFlags(rng.below(4) as u32),
                        8 => Op::Flags,
                        9 => Op::Unpublished,
                        _ => Op::State,
                    }
                };
                ops.push(op);
            }
            ops.push(Op::State);
            Scenario { consumer, ops }
        })
        .collect()
}

#[test]
fn the_c_rings_trace_as_the_rust_rings_do() {
    let dir = std::env::temp_dir().join(format!("uabi-ck-rings-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let Some(exe) = build_harness(&dir) else {
        return;
    };
    let mut scenarios = scripted();
    scenarios.extend(random(600));
    let c = c_traces(&exe, &scenarios);
    assert_eq!(c.len(), scenarios.len());
    let mut outcomes = std::collections::BTreeSet::new();
    for (s, c) in scenarios.iter().zip(&c) {
        let r = rust_trace(s);
        assert_eq!(&r, c, "Rust (left) and C (right) differ on {s:?}");
        for l in c {
            let mut w = l.split(' ');
            outcomes.insert(format!(
                "{} {}",
                w.next().unwrap_or(""),
                w.next().unwrap_or("")
            ));
        }
    }
    // The scenarios reach every outcome of every call.
    for want in [
        "setup 0",
        "setup -22",
        "init 0",
        "init -22",
        "avail 0",
        "avail -32",
        "pop 1",
        "pop 0",
        "pop -32",
        "sleep 1",
        "sleep 0",
        "sleep -32",
        "push 1",
        "push 0",
        "push -32",
        "publish 0",
        "publish 1",
        "space 0",
        "space -32",
    ] {
        assert!(outcomes.contains(want), "no `{want}` in {outcomes:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Two threads across each ring: the uapi header's userspace C11
/// producer feeding the kernel consumer (submit ring), and the kernel
/// producer feeding the userspace consumer (complete ring), through a
/// ring of 16 entries; every entry arrives once, in order, valid.
const THREADS: &str = r#"
#include <pthread.h>
#include <sched.h>

#define N 200000u
static u8 submit_region[192 + 16 * 72] __attribute__((aligned(64)));
static u8 complete_region[192 + 16 * 24] __attribute__((aligned(64)));
static int failures;

static void *user_producer(void *unused)
{
	struct softaccel_submit_ring r;
	(void)unused;
	if (softaccel_submit_ring_init(&r, submit_region, 16))
		return NULL;
	for (u32 i = 0; i < N; i++) {
		struct softaccel_ring_cmd *c;
		while (!(c = softaccel_submit_ring_reserve(&r)))
			sched_yield();
		memset(c, 0, sizeof(*c));
		c->opcode = htole32(i % 7);
		c->length = htole64(i);
		c->user_data = htole64(1000 + (u64)i);
		if (i % 5 == 4 || i == N - 1)
			softaccel_submit_ring_publish(&r);
	}
	return NULL;
}

static void *kernel_consumer(void *unused)
{
	struct softaccel_submit_ring_consumer c;
	(void)unused;
	if (softaccel_submit_ring_consumer_init(&c, submit_region, sizeof(submit_region), 16, 3)) {
		failures++;
		return NULL;
	}
	for (u32 i = 0; i < N;) {
		struct softaccel_ring_cmd e;
		u32 index;
		int check, ret = softaccel_submit_ring_consumer_pop(&c, &e, &index, &check);
		if (ret < 0) {
			failures++;
			return NULL;
		}
		if (!ret) {
			softaccel_submit_ring_consumer_release(&c);
			sched_yield();
			continue;
		}
		if (index != i || check || le64toh(e.user_data) != 1000 + (u64)i ||
		    le64toh(e.length) != i) {
			fprintf(stderr, "submit entry %u: index %u check %d data %llu\n", i, index,
				check, (unsigned long long)le64toh(e.user_data));
			failures++;
			return NULL;
		}
		i++;
		if (i % 3 == 0)
			softaccel_submit_ring_consumer_release(&c);
	}
	softaccel_submit_ring_consumer_release(&c);
	return NULL;
}

static void *kernel_producer(void *unused)
{
	struct softaccel_complete_ring_producer p;
	(void)unused;
	if (softaccel_complete_ring_producer_init(&p, complete_region, sizeof(complete_region), 16)) {
		failures++;
		return NULL;
	}
	for (u32 i = 0; i < N;) {
		struct softaccel_ring_completion e;
		int ret;
		memset(&e, 0, sizeof(e));
		e.user_data = htole64(i);
		e.seqno = htole64((u64)i + 1);
		ret = softaccel_complete_ring_producer_push(&p, &e);
		if (ret < 0) {
			failures++;
			return NULL;
		}
		if (!ret) {
			softaccel_complete_ring_producer_publish(&p);
			sched_yield();
			continue;
		}
		i++;
		if (i % 4 == 0)
			softaccel_complete_ring_producer_publish(&p);
	}
	softaccel_complete_ring_producer_publish(&p);
	return NULL;
}

static void *user_consumer(void *unused)
{
	struct softaccel_complete_ring r;
	(void)unused;
	if (softaccel_complete_ring_init(&r, complete_region, 16))
		return NULL;
	for (u32 i = 0; i < N;) {
		struct softaccel_ring_completion e;
		int ret = softaccel_complete_ring_pop(&r, &e);
		if (ret < 0) {
			failures++;
			return NULL;
		}
		if (!ret) {
			softaccel_complete_ring_release(&r);
			sched_yield();
			continue;
		}
		if (le64toh(e.user_data) != i || le64toh(e.seqno) != (u64)i + 1) {
			fprintf(stderr, "completion %u: %llu\n", i, (unsigned long long)le64toh(e.user_data));
			failures++;
			return NULL;
		}
		i++;
		softaccel_complete_ring_release(&r);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[4];

	if (softaccel_submit_ring_setup(submit_region, sizeof(submit_region), 16) ||
	    softaccel_complete_ring_setup(complete_region, sizeof(complete_region), 16))
		return 2;
	pthread_create(&t[0], NULL, user_producer, NULL);
	pthread_create(&t[1], NULL, kernel_consumer, NULL);
	pthread_create(&t[2], NULL, kernel_producer, NULL);
	pthread_create(&t[3], NULL, user_consumer, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("failures %d\n", failures);
	return failures != 0;
}
"#;

#[test]
fn kernel_and_userspace_sides_stream_across_threads() {
    if Command::new("gcc").arg("--version").output().is_err() {
        uabi_test_support::skipped("the C rings across threads", "no gcc");
        return;
    }
    let dir = std::env::temp_dir().join(format!("uabi-ck-threads-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    write_tree(&dir);
    let k = dir.join("softaccel/c/kernel");
    let h = std::fs::read_to_string(k.join("softaccel_kernel.h")).unwrap();
    let c = std::fs::read_to_string(k.join("softaccel_kernel.c")).unwrap();
    let src = format!(
        "{SHIM}\n#include \"softaccel/c/softaccel.h\"\n{STAND_INS}\n{}\n{}\n{THREADS}",
        part(&h, "softaccel rings"),
        part(&c, "softaccel rings")
    );
    // ThreadSanitizer sees every access: a missing or misplaced barrier
    // in either side is a reported race, which fails the run.
    let exe = build_sanitized(&dir, "threads", &src, TSAN);
    let out = Command::new(&exe)
        .env("TSAN_OPTIONS", "halt_on_error=1 exitcode=66")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "failures 0\n");
    let _ = std::fs::remove_dir_all(&dir);
}
