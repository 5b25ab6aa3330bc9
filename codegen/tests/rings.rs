//! Rings across the toolchain: the model's ring checks (with positions),
//! the generated C helpers compiled by the real gcc as C11 and run, and
//! the generated Python helper run over an mmap.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;
use uabi::diag::Diagnostic;
use uabi::lint::lint;
use uabi::load::{load_str, load_with_sources};

/// A spec with one ring over `entry` (whose members are given) and the
/// ioctl that publishes it.
fn ring_spec(members: &str, ring: &str) -> String {
    format!(
        "name: t
ioctl: {{ magic: 0x64 }}
definitions:
  - name: entry
    type: struct
    members:
{members}
  - name: make
    type: struct
    members:
      - {{ name: sq-offset, type: u64, access: out }}
      - {{ name: sq-size, type: u64, access: out }}
ioctls:
  - {{ name: make, nr: 0x40, dir: out, arg: make, extension: strict, errors: [{{ errno: EINVAL }}] }}
rings:
  - name: sq
    entry: entry
    producer: user
{ring}
"
    )
}

const GOOD_MEMBERS: &str = "      - { name: op, type: u32, byte-order: little-endian }\n      - { name: pad0, type: pad, len: 4 }";

fn errors(text: &str) -> Vec<Diagnostic> {
    match load_str(text, "t.yaml") {
        Ok(m) => panic!("accepted: {:?}", lint(&m).sorted()),
        Err(d) => d,
    }
}

#[test]
fn a_good_ring_is_accepted_and_lints_clean() {
    let m = load_str(
        &ring_spec(GOOD_MEMBERS, "    entries: { min: 16, max: 4096 }"),
        "t.yaml",
    )
    .unwrap_or_else(|d| panic!("{d:#?}"));
    assert_eq!(m.rings.len(), 1);
    assert!(lint(&m).sorted().is_empty());
    let rel = "tests/fixtures/lint/support/rings-ok.yaml";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let (m, _) = load_with_sources(&path, Some(rel));
    let d = lint(&m.unwrap_or_else(|d| panic!("{d:#?}"))).sorted();
    assert!(d.is_empty(), "{d:#?}");
}

#[test]
fn entry_counts_must_be_powers_of_two_with_min_at_most_max() {
    let d = errors(&ring_spec(
        GOOD_MEMBERS,
        "    entries: { min: 12, max: 4096 }",
    ));
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].rule.id, "bad-value");
    assert!(
        d[0].message.contains("min 12 is not a power of two"),
        "{}",
        d[0].message
    );
    assert_eq!((d[0].pos.line, d[0].pos.col), (20, 21), "{:?}", d[0].pos);

    let d = errors(&ring_spec(
        GOOD_MEMBERS,
        "    entries: { min: 16, max: 1000 }",
    ));
    assert_eq!(d.len(), 1, "{d:#?}");
    assert!(d[0].message.contains("max 1000"), "{}", d[0].message);
    assert_eq!((d[0].pos.line, d[0].pos.col), (20, 30), "{:?}", d[0].pos);

    let d = errors(&ring_spec(
        GOOD_MEMBERS,
        "    entries: { min: 64, max: 16 }",
    ));
    assert_eq!(d[0].rule.id, "value-out-of-range", "{d:#?}");
}

#[test]
fn an_entry_must_be_a_multiple_of_its_alignment_and_of_four_bytes() {
    let d = errors(&ring_spec(
        "      - { name: a, type: u16, byte-order: little-endian }",
        "    entries: { min: 16, max: 16 }",
    ));
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].rule.id, "bad-value");
    assert!(
        d[0].message.contains("not a multiple of 4"),
        "{}",
        d[0].message
    );
    // At the ring's `entry:` value.
    assert_eq!((d[0].pos.line, d[0].pos.col), (17, 12), "{:?}", d[0].pos);
}

#[test]
fn an_entry_whose_size_differs_between_targets_is_refused() {
    // 12 bytes on i386 (u64 4-aligned), 16 elsewhere.
    let d = errors(&ring_spec(
        "      - { name: a, type: u32, byte-order: little-endian }\n      - { name: b, type: u64, byte-order: little-endian }",
        "    entries: { min: 16, max: 16 }",
    ));
    assert!(
        d.iter()
            .any(|d| d.rule.id == "bad-value" && d.message.contains("different size per target")),
        "{d:#?}"
    );
}

fn generated() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated/softaccel")
}

/// The C helpers of the checked-in header, compiled as C11 by the real
/// gcc with warnings as errors, then run: the submit ring fills up and
/// publishes, the complete ring is consumed and a wild producer index is
/// reported.
#[test]
fn c11_ring_helpers_compile_and_run() {
    let dir = std::env::temp_dir().join(format!("uabi-rings-c-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("rings.c");
    std::fs::write(
        &src,
        r#"
#include <stdio.h>
#include <stdlib.h>
#include "softaccel.h"

#define CHECK(c) do { if (!(c)) { printf("FAIL line %d: %s\n", __LINE__, #c); return 1; } } while (0)

int main(void)
{
	size_t ssize = SOFTACCEL_RING_HEADER_SIZE + 16 * SOFTACCEL_RING_SUBMIT_ENTRY_SIZE;
	size_t csize = SOFTACCEL_RING_HEADER_SIZE + 16 * SOFTACCEL_RING_COMPLETE_ENTRY_SIZE;
	unsigned char *s = aligned_alloc(4096, 4096), *c = aligned_alloc(4096, 4096);
	struct softaccel_submit_ring sq;
	struct softaccel_complete_ring cq;
	struct softaccel_ring_completion out;
	struct softaccel_complete_ring_header *ch = (void *)c;
	struct softaccel_ring_completion *cslots = (void *)(c + SOFTACCEL_RING_HEADER_SIZE);
	unsigned i;

	CHECK(s && c && ssize <= 4096 && csize <= 4096);
	memset(s, 0, 4096);
	memset(c, 0, 4096);
	CHECK(softaccel_submit_ring_init(&sq, s, 12) == -1);
	CHECK(softaccel_submit_ring_init(&sq, s, 16) == 0);
	for (i = 0; i < 16; i++) {
		struct softaccel_ring_cmd *e = softaccel_submit_ring_reserve(&sq);
		CHECK(e != NULL);
		e->opcode = SOFTACCEL_OPCODE_FILL;
		e->user_data = i;
	}
	CHECK(softaccel_submit_ring_reserve(&sq) == NULL);
	CHECK(softaccel_submit_ring_publish(&sq) == 0);
	CHECK(*(unsigned *)(s + SOFTACCEL_RING_PRODUCER_OFFSET) == 16);
	CHECK(((struct softaccel_ring_cmd *)(s + SOFTACCEL_RING_HEADER_SIZE))[15].user_data == 15);
	/* The device takes 4 and asks for the doorbell. */
	*(unsigned *)(s + SOFTACCEL_RING_CONSUMER_OFFSET) = 4;
	*(unsigned *)(s + SOFTACCEL_RING_FLAGS_OFFSET) = SOFTACCEL_RING_NEED_WAKEUP;
	CHECK(softaccel_submit_ring_reserve(&sq) != NULL);
	CHECK(softaccel_submit_ring_publish(&sq) == 1);

	CHECK(softaccel_complete_ring_init(&cq, c, 16) == 0);
	CHECK(softaccel_complete_ring_pop(&cq, &out) == 0);
	for (i = 0; i < 3; i++)
		cslots[i].seqno = 100 + i;
	ch->producer = 3;
	for (i = 0; i < 3; i++) {
		CHECK(softaccel_complete_ring_pop(&cq, &out) == 1);
		CHECK(out.seqno == 100 + i);
	}
	CHECK(softaccel_complete_ring_pop(&cq, &out) == 0);
	softaccel_complete_ring_release(&cq);
	CHECK(ch->consumer == 3);
	ch->producer = 3 + 17;
	CHECK(softaccel_complete_ring_pop(&cq, &out) == -1);
	CHECK(softaccel_complete_ring_pop(&cq, &out) == -1);
	printf("ok\n");
	free(s);
	free(c);
	return 0;
}
"#,
    )
    .unwrap();
    let exe = dir.join("rings");
    let out = Command::new("gcc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-O2", "-I"])
        .arg(generated().join("c"))
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .output()
        .expect("gcc runs");
    assert!(
        out.status.success(),
        "gcc: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new(&exe).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "ok\n",
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// The Python helper over an mmap: fills and publishes the submit ring,
/// consumes the complete ring, and raises EPIPE on a wild producer index.
#[test]
fn python_ring_helper_runs_over_an_mmap() {
    let script = r#"
import errno, mmap, sys
import softaccel_uapi as s
assert s.RING_HEADER_SIZE == 192 and s.SUBMIT_RING.entry_size == 72
assert s.COMPLETE_RING.entry_size == 24 and s.SUBMIT_RING.max_entries == 4096
m = mmap.mmap(-1, s.SUBMIT_RING.region_size(16))
sq = s.Ring(s.SUBMIT_RING, m, 16)
for i in range(16):
    assert sq.push(s.RingCmd(opcode=s.Opcode.FILL, user_data=i))
assert not sq.push(s.RingCmd())
assert sq.publish() is False
assert int.from_bytes(m[0:4], sys.byteorder) == 16
c = mmap.mmap(-1, s.COMPLETE_RING.region_size(16))
cq = s.Ring(s.COMPLETE_RING, c, 16)
assert cq.pop() is None
for i in range(3):
    off = s.RING_HEADER_SIZE + i * 24
    c[off + 8 : off + 16] = (200 + i).to_bytes(8, "little")
c[0:4] = (3).to_bytes(4, sys.byteorder)
assert [cq.pop().seqno for _ in range(3)] == [200, 201, 202]
assert cq.pop() is None
cq.release()
assert int.from_bytes(c[64:68], sys.byteorder) == 3
c[0:4] = (3 + 17).to_bytes(4, sys.byteorder)
try:
    cq.pop()
    raise SystemExit("overrun not reported")
except s.UabiError as e:
    assert e.errno == errno.EPIPE
print("ok")
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .current_dir(generated().join("python"))
        .env("PYTHONPATH", generated().join("../accel/python"))
        // No __pycache__ in the checked-in generated tree.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("python3 runs");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "ok\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
