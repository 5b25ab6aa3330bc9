//! Linux errno values, as returned by ioctl handlers and seen by userspace.

use core::fmt;

/// A Linux errno (positive), the error every ioctl path returns.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Errno(pub i32);

macro_rules! errnos {
    ($($name:ident = $v:expr),* $(,)?) => {
        impl Errno {
            $(pub const $name: Errno = Errno($v);)*

            /// The symbolic name, e.g. `"EINVAL"`, or None for a value
            /// this table does not know.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($v => Some(stringify!($name)),)*
                    _ => None,
                }
            }

            /// Looks an errno up by its symbolic name.
            pub fn from_name(name: &str) -> Option<Errno> {
                match name {
                    $(stringify!($name) => Some(Errno($v)),)*
                    _ => None,
                }
            }
        }
    };
}

// asm-generic numbering (x86, arm, arm64, riscv, powerpc, s390). MIPS,
// SPARC, Alpha and PA-RISC number several of these differently; see the
// compile_error in lib.rs.
errnos! {
    EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7,
    ENOEXEC = 8, EBADF = 9, ECHILD = 10, EAGAIN = 11, ENOMEM = 12, EACCES = 13,
    EFAULT = 14, EBUSY = 16, EEXIST = 17, EXDEV = 18, ENODEV = 19, ENOTDIR = 20,
    EISDIR = 21, EINVAL = 22, ENFILE = 23, EMFILE = 24, ENOTTY = 25, EFBIG = 27,
    ENOSPC = 28, ESPIPE = 29, EROFS = 30, EMLINK = 31, EPIPE = 32, EDOM = 33,
    ERANGE = 34, EDEADLK = 35, ENAMETOOLONG = 36, ENOLCK = 37, ENOSYS = 38,
    ENOTEMPTY = 39, ELOOP = 40, ENOMSG = 42, EIDRM = 43, ENODATA = 61, ETIME = 62,
    ENOLINK = 67, EPROTO = 71, EBADMSG = 74, EOVERFLOW = 75, EILSEQ = 84,
    ERESTART = 85, EMSGSIZE = 90, EOPNOTSUPP = 95, ENOBUFS = 105, ECONNRESET = 104,
    ENOTCONN = 107, ESHUTDOWN = 108, ETIMEDOUT = 110, EHOSTDOWN = 112, EALREADY = 114,
    EINPROGRESS = 115, ESTALE = 116, EDQUOT = 122, ECANCELED = 125, ENOKEY = 126,
    EKEYEXPIRED = 127, EOWNERDEAD = 130, ENOTRECOVERABLE = 131, ERFKILL = 132,
    EHWPOISON = 133, ENOTSUPP = 524, EBADE = 52, EBADR = 53, ECOMM = 70, ENOSR = 63,
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n}"),
            None => write!(f, "Errno({})", self.0),
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Errno {}
