//! What the engines execute: validated commands on BO memory.
//!
//! BO memory is device memory shared with the file's host mappings and
//! with other engines, so the engines treat it the way a DMA engine
//! does: they copy through raw pointers and never form Rust references
//! into it. Conflicting concurrent access gives unspecified bytes (the
//! spec says so), never undefined behaviour in the driver's own state.

use crate::bo::Bo;
use crate::perf::Tally;
use crate::util::monotonic_ns;
use std::ptr;
use std::sync::Arc;

/// A validated range of a BO: `off + len <= bo.size`, checked at SUBMIT.
pub(crate) struct Span {
    pub(crate) bo: Arc<Bo>,
    pub(crate) off: u64,
    pub(crate) len: u64,
}

impl Span {
    /// Builds a span if the range lies within the BO (EINVAL otherwise).
    pub(crate) fn new(bo: Arc<Bo>, off: u64, len: u64) -> Option<Span> {
        let end = off.checked_add(len)?;
        (end <= bo.size).then_some(Span { bo, off, len })
    }

    /// Do the two ranges share a byte?
    pub(crate) fn overlaps(&self, other: &Span) -> bool {
        Arc::ptr_eq(&self.bo, &other.bo)
            && self.len > 0
            && other.len > 0
            && self.off < other.off + other.len
            && other.off < self.off + self.len
    }

    /// Are the two the very same range?
    pub(crate) fn same(&self, other: &Span) -> bool {
        Arc::ptr_eq(&self.bo, &other.bo) && self.off == other.off && self.len == other.len
    }

    /// # Safety
    ///
    /// `k <= self.len()`.
    unsafe fn at(&self, k: usize) -> *mut u8 {
        // SAFETY: `off + len <= size` (checked in `new`) and the mapping
        // covers `size` bytes, which fit in `usize` because they were
        // mapped; with `k <= len` (the caller's promise) the result stays
        // within, or one past the end of, the mapping.
        unsafe { self.bo.base().add(self.off as usize + k) }
    }

    fn fits(&self, k: usize, n: usize) -> bool {
        k.checked_add(n).is_some_and(|end| end <= self.len())
    }

    fn len(&self) -> usize {
        // The whole BO was mapped, so every span of it fits in usize.
        self.len as usize
    }

    /// Copies `out.len()` bytes at `k` into `out`.
    fn read(&self, k: usize, out: &mut [u8]) {
        if !self.fits(k, out.len()) {
            debug_assert!(false, "read outside a validated span");
            return;
        }
        // SAFETY: the source range lies within the span (just checked),
        // of a mapping that this `Span`'s `Arc<Bo>` keeps alive; `out` is
        // private memory, so the ranges cannot overlap.
        unsafe { ptr::copy_nonoverlapping(self.at(k), out.as_mut_ptr(), out.len()) }
    }

    /// Copies `data` to `k`.
    fn write(&self, k: usize, data: &[u8]) {
        if !self.fits(k, data.len()) {
            debug_assert!(false, "write outside a validated span");
            return;
        }
        // SAFETY: as in `read`, with the roles swapped.
        unsafe { ptr::copy_nonoverlapping(data.as_ptr(), self.at(k), data.len()) }
    }
}

/// One validated command.
pub(crate) enum Op {
    Copy { src: Span, dst: Span },
    Fill { dst: Span, pattern: u64 },
    Crc32c { src: Span, dst: Span, init: u32 },
    AddU32 { a: Span, b: Span, dst: Span },
    AddF32 { a: Span, b: Span, dst: Span },
    XorU32 { a: Span, b: Span, dst: Span },
    Timestamp { dst: Span },
}

/// Size of an engine's bounce buffers.
pub(crate) const CHUNK: usize = 64 * 1024;
const _: () = assert!(CHUNK.is_multiple_of(8));

/// An engine's private buffers for commands that compute on the data.
pub(crate) struct Scratch {
    a: Vec<u8>,
    b: Vec<u8>,
}

impl Scratch {
    pub(crate) fn new() -> Scratch {
        Scratch {
            a: vec![0; CHUNK],
            b: vec![0; CHUNK],
        }
    }
}

/// The canonical quiet NaN that add-f32 writes for every NaN result.
const QNAN: u32 = 0x7fc0_0000;

impl Op {
    /// Runs the command and adds what it read and wrote to `t`.
    pub(crate) fn run(&self, s: &mut Scratch, t: &mut Tally) {
        t.cmds += 1;
        match self {
            Op::Copy { src, dst } => {
                let n = src.len().min(dst.len());
                // SAFETY: `at(0)` is always in bounds, and `n` bytes from
                // there lie within both spans, of mappings their `Arc<Bo>`s
                // keep alive. `ptr::copy` is memmove, which gives the
                // overlapping case the read-all-then-write result the spec
                // asks for.
                unsafe { ptr::copy(src.at(0), dst.at(0), n) };
                t.bytes_read += src.len;
                t.bytes_written += dst.len;
            }
            Op::Fill { dst, pattern } => {
                // CHUNK is a multiple of 8, so every chunk starts at
                // pattern byte 0.
                let bytes = pattern.to_le_bytes();
                let n = CHUNK.min(dst.len());
                for (i, b) in s.a[..n].iter_mut().enumerate() {
                    *b = bytes[i % 8];
                }
                let mut k = 0;
                while k < dst.len() {
                    let n = CHUNK.min(dst.len() - k);
                    dst.write(k, &s.a[..n]);
                    k += n;
                }
                t.bytes_written += dst.len;
            }
            Op::Crc32c { src, dst, init } => {
                let mut crc = *init;
                let mut k = 0;
                while k < src.len() {
                    let n = CHUNK.min(src.len() - k);
                    src.read(k, &mut s.a[..n]);
                    crc = crc32c::crc32c_append(crc, &s.a[..n]);
                    k += n;
                }
                dst.write(0, &crc.to_le_bytes());
                t.bytes_read += src.len;
                t.bytes_written += dst.len;
            }
            Op::AddU32 { a, b, dst } => {
                add(a, b, dst, s, |x, y| x.wrapping_add(y));
                t.bytes_read += a.len + b.len;
                t.bytes_written += dst.len;
            }
            Op::AddF32 { a, b, dst } => {
                add(a, b, dst, s, |x, y| {
                    let r = f32::from_bits(x) + f32::from_bits(y);
                    if r.is_nan() { QNAN } else { r.to_bits() }
                });
                t.bytes_read += a.len + b.len;
                t.bytes_written += dst.len;
            }
            Op::XorU32 { a, b, dst } => {
                add(a, b, dst, s, |x, y| x ^ y);
                t.bytes_read += a.len + b.len;
                t.bytes_written += dst.len;
            }
            Op::Timestamp { dst } => {
                dst.write(0, &monotonic_ns().to_le_bytes());
                t.bytes_written += dst.len;
            }
        }
    }
}

/// Element-wise `dst = f(a, b)` (a sum, or an exclusive or) on little-endian u32 words, a chunk at a
/// time: each chunk of both sources is read before the same chunk of the
/// destination is written, which makes the in-place case (dst identical
/// to a source) correct; partial overlap was rejected at SUBMIT.
fn add(a: &Span, b: &Span, dst: &Span, s: &mut Scratch, f: impl Fn(u32, u32) -> u32) {
    let len = dst.len();
    let mut k = 0;
    while k < len {
        let n = CHUNK.min(len - k);
        a.read(k, &mut s.a[..n]);
        b.read(k, &mut s.b[..n]);
        let (xs, _) = s.a[..n].as_chunks_mut::<4>();
        let (ys, _) = s.b[..n].as_chunks::<4>();
        for (x, y) in xs.iter_mut().zip(ys) {
            *x = f(u32::from_le_bytes(*x), u32::from_le_bytes(*y)).to_le_bytes();
        }
        dst.write(k, &s.a[..n]);
        k += n;
    }
}
