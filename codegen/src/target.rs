//! The Linux target ABIs a spec is laid out for, with the facts each
//! backend needs: alignment rules, `_IOC` encoding, and how each language
//! recognises the target at compile or run time.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    X86_64,
    I386,
    Aarch64,
    Arm,
    Riscv64,
    Powerpc64le,
    Mips,
    S390x,
    Sparc64,
    Alpha,
}

/// How `_IOC(dir, type, nr, size)` packs its fields on a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IocEncoding {
    /// include/uapi/asm-generic/ioctl.h: 14-bit size, 2-bit dir,
    /// none=0, write=1, read=2.
    Generic,
    /// powerpc, mips, sparc, alpha: 13-bit size, 3-bit dir,
    /// none=1, read=2, write=4.
    ThreeBitDir,
}

impl Target {
    pub const ALL: [Target; 10] = [
        Target::X86_64,
        Target::I386,
        Target::Aarch64,
        Target::Arm,
        Target::Riscv64,
        Target::Powerpc64le,
        Target::Mips,
        Target::S390x,
        Target::Sparc64,
        Target::Alpha,
    ];

    /// The default `targets:` of a spec.
    pub const DEFAULT: [Target; 8] = [
        Target::X86_64,
        Target::I386,
        Target::Aarch64,
        Target::Arm,
        Target::Riscv64,
        Target::Powerpc64le,
        Target::Mips,
        Target::S390x,
    ];

    /// The name used in specs and in diagnostics.
    pub fn name(self) -> &'static str {
        match self {
            Target::X86_64 => "x86_64",
            Target::I386 => "i386",
            Target::Aarch64 => "aarch64",
            Target::Arm => "arm",
            Target::Riscv64 => "riscv64",
            Target::Powerpc64le => "powerpc64le",
            Target::Mips => "mips",
            Target::S390x => "s390x",
            Target::Sparc64 => "sparc64",
            Target::Alpha => "alpha",
        }
    }

    pub fn from_name(s: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == s)
    }

    /// Alignment of a 64-bit integer inside a struct. The i386 System V
    /// ABI aligns `long long` to 4 in aggregates; every other target here
    /// (including ARM EABI and MIPS o32) aligns it to 8.
    pub fn align_of_u64(self) -> u32 {
        match self {
            Target::I386 => 4,
            _ => 8,
        }
    }

    /// The width of C's `long` (and of a pointer): 32 bits on the
    /// ILP32 ABIs, 64 on the LP64 ones.
    pub fn long_bits(self) -> u32 {
        match self {
            Target::I386 | Target::Arm | Target::Mips => 32,
            _ => 64,
        }
    }

    pub fn ioc_encoding(self) -> IocEncoding {
        match self {
            Target::Powerpc64le | Target::Mips | Target::Sparc64 | Target::Alpha => {
                IocEncoding::ThreeBitDir
            }
            _ => IocEncoding::Generic,
        }
    }

    pub fn big_endian(self) -> bool {
        matches!(self, Target::Mips | Target::S390x | Target::Sparc64)
    }
}

/// Targets grouped by a value, each group in the order its targets come
/// and the groups in the order of their first target (so messages and
/// output follow the spec's target list).
pub fn group<T: PartialEq>(pairs: impl IntoIterator<Item = (Target, T)>) -> Vec<(T, Vec<Target>)> {
    let mut groups: Vec<(T, Vec<Target>)> = Vec::new();
    for (t, v) in pairs {
        match groups.iter_mut().find(|(g, _)| *g == v) {
            Some((_, ts)) => ts.push(t),
            None => groups.push((v, vec![t])),
        }
    }
    groups
}

/// [`group`] of `targets` by `f`'s value.
pub fn group_by<T: PartialEq>(
    targets: &[Target],
    f: impl Fn(Target) -> T,
) -> Vec<(T, Vec<Target>)> {
    group(targets.iter().map(|&t| (t, f(t))))
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_group_in_first_seen_order() {
        let ts = [Target::X86_64, Target::I386, Target::Aarch64];
        let g = group_by(&ts, |t| t == Target::I386);
        assert_eq!(
            g,
            [
                (false, vec![Target::X86_64, Target::Aarch64]),
                (true, vec![Target::I386])
            ]
        );
    }
}
