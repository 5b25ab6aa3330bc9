//! `_IOC` command numbers per target encoding.

use crate::target::IocEncoding;

/// Direction of an ioctl argument, from userspace's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dir {
    /// `_IO`: no argument.
    None,
    /// `_IOW`: userspace writes, the kernel reads.
    In,
    /// `_IOR`: the kernel writes, userspace reads.
    Out,
    /// `_IOWR`.
    InOut,
}

impl Dir {
    pub fn from_name(s: &str) -> Option<Dir> {
        Some(match s {
            "none" => Dir::None,
            "in" => Dir::In,
            "out" => Dir::Out,
            "inout" => Dir::InOut,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Dir::None => "none",
            Dir::In => "in",
            Dir::Out => "out",
            Dir::InOut => "inout",
        }
    }

    /// The kernel's macro that encodes a command of this direction
    /// (`_IOWR`); every language's docs name it.
    pub fn c_macro(self) -> &'static str {
        match self {
            Dir::None => "_IO",
            Dir::In => "_IOW",
            Dir::Out => "_IOR",
            Dir::InOut => "_IOWR",
        }
    }

    /// Does the kernel copy the argument in from userspace?
    pub fn copies_in(self) -> bool {
        matches!(self, Dir::In | Dir::InOut)
    }

    /// Does the kernel copy the argument back out to userspace?
    pub fn copies_out(self) -> bool {
        matches!(self, Dir::Out | Dir::InOut)
    }
}

impl IocEncoding {
    pub fn size_bits(self) -> u32 {
        match self {
            IocEncoding::Generic => 14,
            IocEncoding::ThreeBitDir => 13,
        }
    }

    /// Largest argument size the encoding can carry.
    pub fn max_size(self) -> u32 {
        (1 << self.size_bits()) - 1
    }

    /// The numeric dir field for a direction.
    pub fn dir_bits(self, dir: Dir) -> u32 {
        match (self, dir) {
            (IocEncoding::Generic, Dir::None) => 0,
            (IocEncoding::Generic, Dir::In) => 1,
            (IocEncoding::Generic, Dir::Out) => 2,
            (IocEncoding::Generic, Dir::InOut) => 3,
            (IocEncoding::ThreeBitDir, Dir::None) => 1,
            (IocEncoding::ThreeBitDir, Dir::Out) => 2,
            (IocEncoding::ThreeBitDir, Dir::In) => 4,
            (IocEncoding::ThreeBitDir, Dir::InOut) => 6,
        }
    }

    /// `_IOC(dir, magic, nr, size)`; None when `size` does not fit.
    pub fn encode(self, dir: Dir, magic: u8, nr: u8, size: u32) -> Option<u32> {
        if size > self.max_size() {
            return None;
        }
        let dir_shift = 16 + self.size_bits();
        Some(
            (self.dir_bits(dir) << dir_shift)
                | (size << 16)
                | (u32::from(magic) << 8)
                | u32::from(nr),
        )
    }

    /// Splits a command word into (dir bits, magic, nr, size), as the
    /// kernel's `_IOC_DIR` etc. do.
    pub fn decode(self, cmd: u32) -> (u32, u8, u8, u32) {
        let size_bits = self.size_bits();
        let dir_shift = 16 + size_bits;
        (
            cmd >> dir_shift,
            (cmd >> 8) as u8,
            cmd as u8,
            (cmd >> 16) & ((1 << size_bits) - 1),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_matches_drm_ioctl_version() {
        // DRM_IOCTL_VERSION = _IOWR('d', 0x00, struct drm_version) with a
        // 64-byte struct on x86-64: 0xc0406400.
        assert_eq!(
            IocEncoding::Generic.encode(Dir::InOut, b'd', 0, 64),
            Some(0xc040_6400)
        );
        // DRM_IOCTL_GEM_CLOSE = _IOW('d', 0x09, struct drm_gem_close /* 8 */).
        assert_eq!(
            IocEncoding::Generic.encode(Dir::In, b'd', 9, 8),
            Some(0x4008_6409)
        );
    }

    #[test]
    fn three_bit_dir_matches_powerpc() {
        // On powerpc _IOWR('d', 0, 64 bytes) is 0xc0406400 as well (dir 6 << 29),
        // but _IO('d', 1) is 0x20006401 (none = 1) and _IOW is 0x8...
        assert_eq!(
            IocEncoding::ThreeBitDir.encode(Dir::InOut, b'd', 0, 64),
            Some(0xc040_6400)
        );
        assert_eq!(
            IocEncoding::ThreeBitDir.encode(Dir::None, b'd', 1, 0),
            Some(0x2000_6401)
        );
        assert_eq!(
            IocEncoding::ThreeBitDir.encode(Dir::In, b'd', 9, 8),
            Some(0x8008_6409)
        );
        assert_eq!(
            IocEncoding::ThreeBitDir.encode(Dir::In, b'd', 9, 8192),
            None
        );
        assert_eq!(
            IocEncoding::Generic.encode(Dir::In, b'd', 9, 8192),
            Some(0x6000_6409)
        );
    }

    #[test]
    fn decode_inverts_encode() {
        for enc in [IocEncoding::Generic, IocEncoding::ThreeBitDir] {
            for dir in [Dir::None, Dir::In, Dir::Out, Dir::InOut] {
                let cmd = enc.encode(dir, 0x64, 0x42, 40).unwrap();
                assert_eq!(enc.decode(cmd), (enc.dir_bits(dir), 0x64, 0x42, 40));
            }
        }
    }
}
