//! How Rust spells the model's facts: scalar types and the `cfg`
//! predicate of each target. The model and the target layer stay free of
//! any one language's spelling.

use crate::model::Scalar;
use crate::target::Target;

/// The Rust spelling of a scalar type.
pub trait RustScalar {
    /// Rust type name (`u32`, `i64`, ...).
    fn rust(self) -> &'static str;
}

impl RustScalar for Scalar {
    fn rust(self) -> &'static str {
        match self {
            Scalar::U8 => "u8",
            Scalar::U16 => "u16",
            Scalar::U32 => "u32",
            Scalar::U64 => "u64",
            Scalar::S8 => "i8",
            Scalar::S16 => "i16",
            Scalar::S32 => "i32",
            Scalar::S64 => "i64",
        }
    }
}

/// The Rust spelling of a target.
pub trait RustTarget {
    /// A `cfg` predicate for this ABI, or None where Rust has no Linux
    /// target for it.
    fn rust_cfg(self) -> Option<&'static str>;
}

impl RustTarget for Target {
    fn rust_cfg(self) -> Option<&'static str> {
        Some(match self {
            Target::X86_64 => r#"all(target_arch = "x86_64", target_pointer_width = "64")"#,
            Target::I386 => r#"target_arch = "x86""#,
            Target::Aarch64 => r#"target_arch = "aarch64""#,
            Target::Arm => r#"target_arch = "arm""#,
            Target::Riscv64 => r#"target_arch = "riscv64""#,
            Target::Powerpc64le => r#"all(target_arch = "powerpc64", target_endian = "little")"#,
            Target::Mips => r#"target_arch = "mips""#,
            Target::S390x => r#"target_arch = "s390x""#,
            Target::Sparc64 => r#"target_arch = "sparc64""#,
            Target::Alpha => return None,
        })
    }
}
