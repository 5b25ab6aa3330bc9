//! Python's names for the model's targets.

use crate::target::Target;

/// Python's names of a target.
pub trait PythonTarget {
    /// Values of Python's `platform.machine()` on this ABI.
    fn python_machines(self) -> &'static [&'static str];
}

impl PythonTarget for Target {
    fn python_machines(self) -> &'static [&'static str] {
        match self {
            Target::X86_64 => &["x86_64", "amd64"],
            Target::I386 => &["i386", "i486", "i586", "i686"],
            Target::Aarch64 => &["aarch64", "arm64"],
            Target::Arm => &["armv6l", "armv7l", "armv8l", "arm"],
            Target::Riscv64 => &["riscv64"],
            Target::Powerpc64le => &["ppc64le"],
            Target::Mips => &["mips"],
            Target::S390x => &["s390x"],
            Target::Sparc64 => &["sparc64"],
            Target::Alpha => &["alpha"],
        }
    }
}
