//! How C spells the model's facts: scalar types and the preprocessor
//! condition of each target. The model and the target
//! layer stay free of any one language's spelling.

use crate::model::Scalar;
use crate::target::Target;

/// The C spelling of a target: a condition true exactly when compiling
/// for it.
pub trait CTarget {
    /// A C preprocessor condition true exactly when compiling for this ABI.
    fn c_condition(self) -> &'static str;
}

impl CTarget for Target {
    fn c_condition(self) -> &'static str {
        match self {
            Target::X86_64 => "defined(__x86_64__) && !defined(__ILP32__)",
            Target::I386 => "defined(__i386__)",
            Target::Aarch64 => "defined(__aarch64__) && !defined(__ILP32__)",
            Target::Arm => "defined(__arm__) && defined(__ARM_EABI__)",
            Target::Riscv64 => "defined(__riscv) && __riscv_xlen == 64",
            Target::Powerpc64le => "defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)",
            Target::Mips => "defined(__mips__) && defined(_ABIO32) && _MIPS_SIM == _ABIO32",
            Target::S390x => "defined(__s390x__)",
            Target::Sparc64 => "defined(__sparc__) && defined(__arch64__)",
            Target::Alpha => "defined(__alpha__)",
        }
    }
}

/// The C spelling of a scalar type.
pub trait CScalar {
    /// Kernel uapi C type name (`__u32`, `__s64`, ...).
    fn c(self) -> &'static str;
}

impl CScalar for Scalar {
    fn c(self) -> &'static str {
        match self {
            Scalar::U8 => "__u8",
            Scalar::U16 => "__u16",
            Scalar::U32 => "__u32",
            Scalar::U64 => "__u64",
            Scalar::S8 => "__s8",
            Scalar::S16 => "__s16",
            Scalar::S32 => "__s32",
            Scalar::S64 => "__s64",
        }
    }
}
