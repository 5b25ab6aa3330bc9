//! `_IOC` command words of the architecture this code runs on.

/// The fields of a command word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ioc {
    /// `_IOC_WRITE`: userspace passes data in; the kernel copies it in.
    pub copy_in: bool,
    /// `_IOC_READ`: the kernel copies data back out.
    pub copy_out: bool,
    /// `_IOC_TYPE`: the spec's ioctl magic.
    pub magic: u8,
    /// `_IOC_NR`: the ioctl's number.
    pub nr: u8,
    /// `_IOC_SIZE`: the argument's size as the caller's build saw it.
    pub size: u32,
}

#[cfg(any(
    target_arch = "powerpc",
    target_arch = "powerpc64",
    target_arch = "mips",
    target_arch = "mips64",
    target_arch = "sparc",
    target_arch = "sparc64"
))]
mod enc {
    // 13-bit size, 3-bit dir: none=1, read=2, write=4.
    pub(super) const SIZE_BITS: u32 = 13;
    pub(super) const NONE: u32 = 1;
    pub(super) const READ: u32 = 2;
    pub(super) const WRITE: u32 = 4;
}

#[cfg(not(any(
    target_arch = "powerpc",
    target_arch = "powerpc64",
    target_arch = "mips",
    target_arch = "mips64",
    target_arch = "sparc",
    target_arch = "sparc64"
)))]
mod enc {
    // asm-generic: 14-bit size, 2-bit dir: none=0, write=1, read=2.
    pub(super) const SIZE_BITS: u32 = 14;
    pub(super) const NONE: u32 = 0;
    pub(super) const READ: u32 = 2;
    pub(super) const WRITE: u32 = 1;
}

const DIR_SHIFT: u32 = 16 + enc::SIZE_BITS;

/// Splits a command word as the kernel's `_IOC_DIR`, `_IOC_TYPE`,
/// `_IOC_NR` and `_IOC_SIZE` do.
pub const fn decode(cmd: u32) -> Ioc {
    let dir = cmd >> DIR_SHIFT;
    Ioc {
        copy_in: dir & enc::WRITE != 0,
        copy_out: dir & enc::READ != 0,
        magic: (cmd >> 8) as u8,
        nr: cmd as u8,
        size: (cmd >> 16) & ((1 << enc::SIZE_BITS) - 1),
    }
}

/// Builds a command word (`_IOC`).
pub const fn encode(copy_in: bool, copy_out: bool, magic: u8, nr: u8, size: u32) -> u32 {
    let mut dir = 0;
    if copy_in {
        dir |= enc::WRITE;
    }
    if copy_out {
        dir |= enc::READ;
    }
    if dir == 0 {
        dir = enc::NONE;
    }
    (dir << DIR_SHIFT) | (size << 16) | ((magic as u32) << 8) | nr as u32
}

// uabi: the kernel part ends here. Everything above is copied into the
// kernel flavour's `uabi_ioc.rs` (codegen/src/backend/rust/linux), which
// cuts at this line.

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for (i, o) in [(false, false), (true, false), (false, true), (true, true)] {
            let c = encode(i, o, 0x64, 0x42, 24);
            assert_eq!(
                decode(c),
                Ioc {
                    copy_in: i,
                    copy_out: o,
                    magic: 0x64,
                    nr: 0x42,
                    size: 24
                }
            );
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn matches_linux_on_x86_64() {
        // DRM_IOCTL_VERSION.
        assert_eq!(encode(true, true, b'd', 0, 64), 0xc040_6400);
    }
}
