//! Every opcode's result, checked against a CPU computation through the
//! BOs' host mappings.

mod common;

use common::*;
use softaccel_driver::monotonic_ns;
use softaccel_driver::uapi::opcode;

const SIZE: u64 = 3 << 20;

struct Fx {
    _dev: std::sync::Arc<softaccel_driver::Device>,
    t: uabi_runtime::transport::InProcess,
    q: u32,
    a: u32,
    b: u32,
    ma: uabi_runtime::transport::Mapping,
    mb: uabi_runtime::transport::Mapping,
}

fn fx() -> Fx {
    let dev = device();
    let t = open(&dev);
    let q = queue(&t);
    let (a, b) = (bo(&t, SIZE), bo(&t, SIZE));
    let (ma, mb) = (map(&t, a), map(&t, b));
    Fx {
        _dev: dev,
        t,
        q,
        a,
        b,
        ma,
        mb,
    }
}

impl Fx {
    fn run(&self, cmds: &[softaccel_driver::uapi::Cmd]) {
        run(&self.t, self.q, cmds);
    }
    fn a(&self) -> &[u8] {
        bytes(&self.ma)
    }
    fn b(&self) -> &[u8] {
        bytes(&self.mb)
    }
    fn a_mut(&mut self) -> &mut [u8] {
        bytes_mut(&mut self.ma)
    }
    fn b_mut(&mut self) -> &mut [u8] {
        bytes_mut(&mut self.mb)
    }
}

#[test]
fn copy_matches_memmove() {
    let mut f = fx();
    let data = pattern(SIZE as usize, 1);
    f.a_mut().copy_from_slice(&data);
    // Across BOs, odd offsets and lengths, more than one engine chunk.
    let cases = [
        (0, 0, 1),
        (3, 5, 7),
        (1, 4093, 8191),
        (17, 100, (1 << 20) + 3),
        (0, 0, SIZE),
    ];
    for (so, d, len) in cases {
        f.b_mut().fill(0);
        f.run(&[copy(f.a, so, f.b, d, len)]);
        let (so, d, len) = (so as usize, d as usize, len as usize);
        assert_eq!(&f.b()[d..d + len], &data[so..so + len]);
        assert!(f.b()[..d].iter().all(|x| *x == 0));
        assert!(f.b()[d + len..].iter().all(|x| *x == 0));
    }
    // Overlapping, both directions: as if the source were read first.
    for (so, d, len) in [
        (0u64, 1u64, 100_000u64),
        (1, 0, 100_000),
        (10, 4106, 1 << 20),
        (4106, 10, 1 << 20),
    ] {
        f.a_mut().copy_from_slice(&data);
        let mut expect = data.clone();
        expect.copy_within(so as usize..(so + len) as usize, d as usize);
        f.run(&[copy(f.a, so, f.a, d, len)]);
        assert!(f.a() == &expect[..], "overlap {so} -> {d}");
    }
    // Length 0 writes nothing.
    f.b_mut().fill(9);
    f.run(&[copy(f.a, 0, f.b, 0, 0)]);
    assert!(f.b().iter().all(|x| *x == 9));
}

#[test]
fn fill_repeats_the_little_endian_pattern() {
    let mut f = fx();
    let value = 0x0807_0605_0403_0201u64;
    for (off, len) in [(0u64, 8u64), (1, 1), (3, 13), (4095, 70_001), (0, SIZE)] {
        f.a_mut().fill(0xee);
        f.run(&[fill(f.a, off, len, value)]);
        let (off, len) = (off as usize, len as usize);
        for (i, x) in f.a()[off..off + len].iter().enumerate() {
            assert_eq!(*x, value.to_le_bytes()[i % 8], "byte {i}");
        }
        assert!(f.a()[..off].iter().all(|x| *x == 0xee));
        assert!(f.a()[off + len..].iter().all(|x| *x == 0xee));
    }
}

fn crc_at(f: &Fx, off: usize) -> u32 {
    u32::from_le_bytes(f.b()[off..off + 4].try_into().unwrap())
}

#[test]
fn crc32c_is_castagnoli() {
    let mut f = fx();
    f.a_mut()[..9].copy_from_slice(b"123456789");
    f.run(&[crc32c(f.a, 0, 9, f.b, 0, 0)]);
    assert_eq!(crc_at(&f, 0), 0xe306_9283);
    assert_eq!(
        crc32c_ref(0, b"123456789"),
        0xe306_9283,
        "the reference agrees"
    );

    let data = pattern(SIZE as usize, 2);
    f.a_mut().copy_from_slice(&data);
    for (i, (off, len)) in [(0usize, 1usize), (3, 1000), (1, 65_537), (7, 2 << 20)]
        .into_iter()
        .enumerate()
    {
        let at = i * 4;
        f.run(&[crc32c(f.a, off as u64, len as u64, f.b, at as u64, 0)]);
        assert_eq!(crc_at(&f, at), crc32c_ref(0, &data[off..off + len]));
    }
    // Continuing over a concatenation: value is the preceding CRC.
    let (x, y) = (100_000usize, 33_333usize);
    f.run(&[crc32c(f.a, 0, x as u64, f.b, 64, 0)]);
    let first = crc_at(&f, 64);
    f.run(&[crc32c(f.a, x as u64, y as u64, f.b, 68, u64::from(first))]);
    assert_eq!(crc_at(&f, 68), crc32c_ref(0, &data[..x + y]));
    // Length 0 writes the low 32 bits of value.
    f.run(&[crc32c(f.a, 0, 0, f.b, 72, 0xdead_beef)]);
    assert_eq!(crc_at(&f, 72), 0xdead_beef);
    // In one submission, in order: fill, then checksum what was filled.
    f.run(&[
        fill(f.a, 0, 4096, 0x5a5a_5a5a_5a5a_5a5a),
        crc32c(f.a, 0, 4096, f.b, 76, 0),
    ]);
    assert_eq!(crc_at(&f, 76), crc32c_ref(0, &[0x5a; 4096]));
}

fn words(b: &[u8]) -> Vec<u32> {
    b.chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn put_words(b: &mut [u8], w: &[u32]) {
    for (c, v) in b.chunks_exact_mut(4).zip(w) {
        c.copy_from_slice(&v.to_le_bytes());
    }
}

#[test]
fn add_u32_wraps() {
    let mut f = fx();
    let n = 300_000usize;
    let xs: Vec<u32> = words(&pattern(4 * n, 3));
    let ys: Vec<u32> = words(&pattern(4 * n, 4));
    put_words(&mut f.a_mut()[..4 * n], &xs);
    put_words(&mut f.b_mut()[..4 * n], &ys);
    put_words(&mut f.a_mut()[4 * n..4 * n + 8], &[u32::MAX, 7]);
    put_words(&mut f.b_mut()[4 * n..4 * n + 8], &[2, u32::MAX]);
    let out = (4 * n + 64) as u64;
    f.run(&[add(
        opcode::ADD_U32,
        (f.a, 0),
        (f.b, 0),
        (f.b, out),
        n as u64 + 2,
    )]);
    let got = words(&f.b()[out as usize..out as usize + 4 * (n + 2)]);
    for i in 0..n {
        assert_eq!(got[i], xs[i].wrapping_add(ys[i]), "element {i}");
    }
    assert_eq!(&got[n..], &[1, 6]);
    // In place, into either source.
    f.run(&[add(opcode::ADD_U32, (f.a, 0), (f.b, 0), (f.a, 0), n as u64)]);
    let sum = words(&f.a()[..4 * n]);
    f.run(&[add(opcode::ADD_U32, (f.a, 0), (f.b, 0), (f.b, 0), n as u64)]);
    let sum2 = words(&f.b()[..4 * n]);
    for i in 0..n {
        assert_eq!(sum[i], xs[i].wrapping_add(ys[i]));
        assert_eq!(sum2[i], sum[i].wrapping_add(ys[i]));
    }
    // A source added to itself.
    put_words(&mut f.a_mut()[..8], &[5, 0x8000_0000]);
    f.run(&[add(opcode::ADD_U32, (f.a, 0), (f.a, 0), (f.a, 0), 2)]);
    assert_eq!(words(&f.a()[..8]), [10, 0]);
}

fn f32_sum(x: u32, y: u32) -> u32 {
    let r = f32::from_bits(x) + f32::from_bits(y);
    if r.is_nan() { 0x7fc0_0000 } else { r.to_bits() }
}

#[test]
fn add_f32_is_ieee_round_to_nearest_even() {
    let mut f = fx();
    let one = 1.0f32.to_bits();
    let special: Vec<(u32, u32, u32)> = vec![
        (1.5f32.to_bits(), 2.25f32.to_bits(), 3.75f32.to_bits()),
        // Ties to even: 1 + 2^-24 rounds down to 1; (1 + 2^-23) + 2^-24 up.
        (one, (2.0f32).powi(-24).to_bits(), one),
        (one + 1, (2.0f32).powi(-24).to_bits(), one + 2),
        // Subnormals are kept, in and out.
        (1, 1, 2),
        (0x0040_0000, 0x0040_0000, 0x0080_0000),
        (0x8000_0001, 0, 0x8000_0001),
        // Signed zeros.
        (0x8000_0000, 0x8000_0000, 0x8000_0000),
        (0, 0x8000_0000, 0),
        // Overflow to infinity; NaN results are the canonical quiet NaN.
        (
            f32::MAX.to_bits(),
            f32::MAX.to_bits(),
            f32::INFINITY.to_bits(),
        ),
        (
            f32::INFINITY.to_bits(),
            f32::NEG_INFINITY.to_bits(),
            0x7fc0_0000,
        ),
        (0x7f80_0001, one, 0x7fc0_0000),
        (0xffc1_2345, one, 0x7fc0_0000),
    ];
    let n = 100_000usize;
    let mut xs: Vec<u32> = special.iter().map(|s| s.0).collect();
    let mut ys: Vec<u32> = special.iter().map(|s| s.1).collect();
    // Plus many arbitrary bit patterns (NaNs and infinities among them).
    xs.extend(words(&pattern(4 * n, 5)));
    ys.extend(words(&pattern(4 * n, 6)));
    let len = xs.len();
    put_words(&mut f.a_mut()[..4 * len], &xs);
    put_words(&mut f.b_mut()[..4 * len], &ys);
    let out = 4 * len as u64;
    f.run(&[add(
        opcode::ADD_F32,
        (f.a, 0),
        (f.b, 0),
        (f.a, out),
        len as u64,
    )]);
    let got = words(&f.a()[out as usize..out as usize + 4 * len]);
    for (i, (x, y, want)) in special.iter().enumerate() {
        assert_eq!(got[i], *want, "{x:#x} + {y:#x}");
    }
    for i in 0..len {
        assert_eq!(got[i], f32_sum(xs[i], ys[i]), "element {i}");
    }
}

#[test]
fn timestamps_are_monotonic_ns_when_executed() {
    let f = fx();
    let before = monotonic_ns();
    f.run(&[
        timestamp(f.b, 0),
        fill(f.a, 0, 1 << 20, 1),
        timestamp(f.b, 8),
    ]);
    let after = monotonic_ns();
    let t0 = i64::from_le_bytes(f.b()[..8].try_into().unwrap());
    let t1 = i64::from_le_bytes(f.b()[8..16].try_into().unwrap());
    assert!(
        before <= t0 && t0 <= t1 && t1 <= after,
        "{before} {t0} {t1} {after}"
    );
}

#[test]
fn commands_of_one_queue_run_in_order() {
    let f = fx();
    // Each submission depends on the previous one's result.
    let q = f.q;
    let mut last = 0;
    for i in 0..20u64 {
        last = submit(
            &f.t,
            q,
            &[
                fill(f.b, 0, 8, i),
                copy(f.b, 0, f.a, 8 * i, 8),
                add(
                    opcode::ADD_U32,
                    (f.a, 8 * i),
                    (f.a, 8 * 20),
                    (f.a, 8 * i),
                    2,
                ),
            ],
        )
        .unwrap();
    }
    wait(&f.t, q, last);
    for i in 0..20u64 {
        let at = 8 * i as usize;
        assert_eq!(u64::from_le_bytes(f.a()[at..at + 8].try_into().unwrap()), i);
    }
}
