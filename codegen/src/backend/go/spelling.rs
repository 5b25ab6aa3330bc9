//! Go's names for the model's targets.

use crate::target::Target;

/// Go's name of a target.
pub trait GoTarget {
    /// Go's GOARCH for this ABI, where Go supports it.
    fn goarch(self) -> Option<&'static str>;
}

impl GoTarget for Target {
    fn goarch(self) -> Option<&'static str> {
        Some(match self {
            Target::X86_64 => "amd64",
            Target::I386 => "386",
            Target::Aarch64 => "arm64",
            Target::Arm => "arm",
            Target::Riscv64 => "riscv64",
            Target::Powerpc64le => "ppc64le",
            Target::Mips => "mips",
            Target::S390x => "s390x",
            Target::Sparc64 | Target::Alpha => return None,
        })
    }
}
