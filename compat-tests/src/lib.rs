//! Cross-language fixtures for the generated bindings, in the manner of
//! uniffi's `fixtures/`: one scenario, written once per language (C on the
//! generated header, Python on the generated ctypes module, Go on the
//! generated package, Rust on the userlib over the generated user crates),
//! run against the same live device node, each printing one normalized line
//! per step. The harness (`tests/cross_lang.rs`) requires the four
//! transcripts to be identical and equal to [`scenario::expected`], which
//! derives every value from the spec's definitions of the commands, not
//! from the driver.
//!
//! This crate holds the scenario's inputs and the expected transcript; the
//! programs live in `cross-lang/` (C, Python, Go) and
//! `src/bin/compat-scenario.rs` (Rust). Each program repeats the inputs
//! below in its own language: a change here must be made in all of them,
//! and the harness fails until it is.
//!
//! The compatibility matrix across frozen revisions (`tests/matrix.rs`,
//! with `old-userspace/` and `revisions/`) uses this crate's scenario too:
//! the Rust program must give the same transcript on a driver restricted
//! to revision 1.

#![forbid(unsafe_code)]

/// The scenario: its inputs and the transcript every program must print.
pub mod scenario {
    /// u32 elements of the add and bytes of the checksum: one 4 KiB page,
    /// which fits in a BO of any valid page size.
    pub const ELEMS: usize = 1024;
    /// The fill command overwrites this byte range of BO b...
    pub const FILL_OFFSET: u64 = 2048;
    pub const FILL_LEN: u64 = 2048;
    /// ...with this 8-byte little-endian pattern: u32 3, then u32 5.
    pub const FILL_PATTERN: u64 = 0x0000_0005_0000_0003;
    /// The CRC-32C of BO c lands in BO a at this byte offset (a's last
    /// element, read by the add before it is overwritten).
    pub const CRC_OFFSET: u64 = 4092;
    /// Elements of c (and of a, b) the programs print.
    pub const PROBES: [usize; 6] = [0, 1, 511, 512, 513, 1023];
    /// A handle no file holds.
    pub const BAD_HANDLE: u32 = 12345;
    /// A bo-flags bit the spec does not define.
    pub const BAD_BO_FLAG: u32 = 0x8000_0000;
    /// A user pointer in page zero, which is never mapped.
    pub const BAD_POINTER: u64 = 0x10;

    /// Element `i` of BO a, written through the mapping.
    pub fn a(i: usize) -> u32 {
        (i as u32).wrapping_mul(2_654_435_761)
    }

    /// Element `i` of BO b, written through the mapping (the add wraps).
    pub fn b(i: usize) -> u32 {
        0xffff_fff0_u32.wrapping_add(i as u32)
    }

    /// The parameters the driver under test was configured with.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Params {
        pub revision: u32,
        pub core_revision: u32,
        pub page_size: u32,
        pub capabilities: u32,
    }

    /// CRC-32C (Castagnoli, reflected polynomial 0x82f63b78) from the
    /// spec's definition of the crc32c opcode with value 0, bit by bit.
    pub fn crc32c(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0x82f6_3b78
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    /// BO b after the fill command: the pattern over bytes
    /// FILL_OFFSET..FILL_OFFSET + FILL_LEN.
    fn b_after_fill() -> Vec<u32> {
        let mut bytes: Vec<u8> = (0..ELEMS).flat_map(|i| b(i).to_le_bytes()).collect();
        let pattern = FILL_PATTERN.to_le_bytes();
        for k in 0..FILL_LEN as usize {
            bytes[FILL_OFFSET as usize + k] = pattern[k % 8];
        }
        bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }

    /// The transcript every program prints, line by line.
    pub fn expected(p: Params) -> Vec<String> {
        let b = b_after_fill();
        let c: Vec<u32> = (0..ELEMS).map(|i| a(i).wrapping_add(b[i])).collect();
        let c_bytes: Vec<u8> = c.iter().flat_map(|v| v.to_le_bytes()).collect();
        let crc = crc32c(&c_bytes);
        let page = p.page_size;
        let mut out = vec![
            "open ok".to_string(),
            format!("param revision {}", p.revision),
            format!("param core-revision {}", p.core_revision),
            format!("param page-size {page}"),
            format!("param capabilities {:#x}", p.capabilities),
            "set-param perf-stats-enable ok".to_string(),
        ];
        for name in ["a", "b", "c"] {
            out.push(format!("bo-create {name} ok"));
        }
        for name in ["a", "b", "c"] {
            // mmap-offset: only "page-aligned and non-zero" is the ABI's.
            out.push(format!(
                "bo-info {name} size {page} flags 0x1 mmap-offset ok"
            ));
        }
        out.push(format!("mmap-write a {ELEMS}"));
        out.push(format!("mmap-write b {ELEMS}"));
        out.push("queue-create ok".to_string());
        out.push("submit cmds 3 seqno 1".to_string());
        out.push("wait ok".to_string());
        for &i in &PROBES {
            out.push(format!("c[{i}] {:#010x}", c[i]));
        }
        out.push(format!("b[{}] {:#010x}", ELEMS - 1, b[ELEMS - 1]));
        out.push(format!("a[1] {:#010x}", a(1)));
        out.push(format!("crc32c {crc:#010x}"));
        // fill writes FILL_LEN; add reads 2 and writes 1 element range;
        // crc32c reads c and writes 4 bytes.
        let range = 4 * ELEMS as u64;
        out.extend([
            "perf counters 5".to_string(),
            "perf submits 1".to_string(),
            "perf cmds-completed 3".to_string(),
            format!("perf bytes-read {}", 2 * range + range),
            format!("perf bytes-written {}", FILL_LEN + range + 4),
            "wait past-deadline ok".to_string(),
            "wait future-seqno EINVAL".to_string(),
            "bo-info bad-handle ENOENT".to_string(),
            "bo-create bad-flag EINVAL".to_string(),
            "bo-destroy nonzero-pad EINVAL".to_string(),
            "submit bad-pointer EFAULT".to_string(),
            "queue-destroy ok".to_string(),
            "bo-destroy a ok".to_string(),
            "bo-destroy b ok".to_string(),
            "bo-destroy c ok".to_string(),
            "bo-info destroyed ENOENT".to_string(),
            "close ok".to_string(),
        ]);
        out
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn crc32c_matches_the_spec_check_value() {
            assert_eq!(crc32c(b"123456789"), 0xe306_9283);
        }

        #[test]
        fn the_fill_writes_3_and_5_over_the_upper_half_of_b() {
            let b = b_after_fill();
            assert_eq!(b[511], super::b(511));
            assert_eq!((b[512], b[513], b[1023]), (3, 5, 5));
        }
    }
}
