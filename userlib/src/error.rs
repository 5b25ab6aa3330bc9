//! The library's one error type: what the driver said (an errno, mapped to
//! a kind, with the ioctl that said it), or why the library did not call.

use accel_user::{CallError, Errno};

/// Why a call failed.
///
/// Driver errors carry `ioctl`, the spec name of the ioctl (or `"open"` /
/// `"mmap"` for those system calls) that failed; the spec documents what
/// each errno means for each ioctl.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `EINVAL`: the driver rejected an argument.
    #[error("{ioctl}: invalid argument (EINVAL)")]
    InvalidArgument { ioctl: &'static str },
    /// `ENOENT` (or `ENODEV`/`ENXIO` at open): no such handle or device.
    #[error("{ioctl}: not found ({errno})")]
    NotFound { ioctl: &'static str, errno: Errno },
    /// `ENOMEM`.
    #[error("{ioctl}: out of memory (ENOMEM)")]
    OutOfMemory { ioctl: &'static str },
    /// `EBUSY`: e.g. a queue already holds the most incomplete submissions.
    #[error("{ioctl}: busy (EBUSY)")]
    Busy { ioctl: &'static str },
    /// `ETIMEDOUT`: a wait's deadline passed first.
    #[error("{ioctl}: timed out (ETIMEDOUT)")]
    Timeout { ioctl: &'static str },
    /// `EFAULT`: the driver could not read or write caller memory.
    #[error("{ioctl}: bad address (EFAULT)")]
    Fault { ioctl: &'static str },
    /// `E2BIG`: the argument is larger than the driver's and not zero-padded.
    #[error("{ioctl}: argument too big (E2BIG)")]
    ArgumentTooBig { ioctl: &'static str },
    /// `ENOTTY` (the driver does not know the ioctl) or `EOPNOTSUPP` (the
    /// device lacks a capability the call needs).
    #[error("{ioctl}: not supported ({errno})")]
    NotSupported { ioctl: &'static str, errno: Errno },
    /// `EPERM`/`EACCES`: e.g. realtime priority without CAP_SYS_NICE.
    #[error("{ioctl}: permission denied ({errno})")]
    PermissionDenied { ioctl: &'static str, errno: Errno },
    /// `ENOSPC`: e.g. the file already holds the most queues it may.
    #[error("{ioctl}: no space left (ENOSPC)")]
    NoSpace { ioctl: &'static str },
    /// `EINTR`: a signal arrived; retrying a wait keeps its deadline.
    #[error("{ioctl}: interrupted (EINTR)")]
    Interrupted { ioctl: &'static str },
    /// Any other errno.
    #[error("{ioctl}: {errno}")]
    Other { ioctl: &'static str, errno: Errno },
    /// The driver implements an older ABI revision than the call needs;
    /// the call was not made.
    #[error("{what} needs ABI revision {since}; the driver implements revision {driver_revision}")]
    Unsupported {
        what: &'static str,
        since: u32,
        driver_revision: u32,
    },
    /// The device does not announce the optional feature the call needs
    /// (its capability bit is clear: a driver older than the feature, or a
    /// device without it); the call was not made. Features added after
    /// revision 1 are discovered this way, never from a revision number.
    #[error("{what} is not supported: the device does not announce the {capability} capability")]
    FeatureUnsupported {
        what: &'static str,
        /// The spec name of the capability flag that announces the feature.
        capability: &'static str,
    },
    /// A slice is longer than the ABI can express; the call was not made.
    #[error("{what}: {len} elements are more than the ABI can express")]
    TooLong { what: &'static str, len: usize },
    /// The driver reported a revision no released ABI has (0), so nothing
    /// it answers can be trusted.
    #[error("the driver reports {param} 0, which no ABI revision has")]
    BadRevision { param: &'static str },
    /// The BO was not created host-visible, so it has no mapping.
    #[error("BO {handle} is not host-visible and cannot be mapped")]
    NotHostVisible { handle: u32 },
    /// An object of another device (another open file) was passed: its
    /// handle means nothing, or something else, here.
    #[error("{what} belongs to another device")]
    ForeignObject { what: &'static str },
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Maps an errno that `ioctl` (or a system call) returned to its kind.
    pub fn from_errno(ioctl: &'static str, errno: Errno) -> Error {
        match errno {
            Errno::EINVAL => Error::InvalidArgument { ioctl },
            Errno::ENOENT | Errno::ENODEV | Errno::ENXIO => Error::NotFound { ioctl, errno },
            Errno::ENOMEM => Error::OutOfMemory { ioctl },
            Errno::EBUSY => Error::Busy { ioctl },
            Errno::ETIMEDOUT => Error::Timeout { ioctl },
            Errno::EFAULT => Error::Fault { ioctl },
            Errno::E2BIG => Error::ArgumentTooBig { ioctl },
            Errno::ENOTTY | Errno::EOPNOTSUPP | Errno::ENOTSUPP => {
                Error::NotSupported { ioctl, errno }
            }
            Errno::EPERM | Errno::EACCES => Error::PermissionDenied { ioctl, errno },
            Errno::ENOSPC => Error::NoSpace { ioctl },
            Errno::EINTR => Error::Interrupted { ioctl },
            errno => Error::Other { ioctl, errno },
        }
    }

    /// The errno the driver returned, if the error came from the driver.
    pub fn errno(&self) -> Option<Errno> {
        Some(match self {
            Error::InvalidArgument { .. } => Errno::EINVAL,
            Error::NotFound { errno, .. }
            | Error::NotSupported { errno, .. }
            | Error::PermissionDenied { errno, .. }
            | Error::Other { errno, .. } => *errno,
            Error::OutOfMemory { .. } => Errno::ENOMEM,
            Error::Busy { .. } => Errno::EBUSY,
            Error::Timeout { .. } => Errno::ETIMEDOUT,
            Error::Fault { .. } => Errno::EFAULT,
            Error::ArgumentTooBig { .. } => Errno::E2BIG,
            Error::NoSpace { .. } => Errno::ENOSPC,
            Error::Interrupted { .. } => Errno::EINTR,
            Error::Unsupported { .. }
            | Error::FeatureUnsupported { .. }
            | Error::TooLong { .. }
            | Error::BadRevision { .. }
            | Error::NotHostVisible { .. }
            | Error::ForeignObject { .. } => return None,
        })
    }

    /// Does the error say that the driver or device lacks what the call
    /// needs: an ioctl newer than the driver ([`Error::Unsupported`]), a
    /// feature the device does not announce ([`Error::FeatureUnsupported`]),
    /// or the driver's own ENOTTY/EOPNOTSUPP ([`Error::NotSupported`])?
    pub fn is_unsupported(&self) -> bool {
        matches!(
            self,
            Error::Unsupported { .. }
                | Error::FeatureUnsupported { .. }
                | Error::NotSupported { .. }
        )
    }

    /// The ioctl (or system call) the driver failed, if it did.
    pub fn ioctl(&self) -> Option<&'static str> {
        match self {
            Error::InvalidArgument { ioctl }
            | Error::NotFound { ioctl, .. }
            | Error::OutOfMemory { ioctl }
            | Error::Busy { ioctl }
            | Error::Timeout { ioctl }
            | Error::Fault { ioctl }
            | Error::ArgumentTooBig { ioctl }
            | Error::NotSupported { ioctl, .. }
            | Error::PermissionDenied { ioctl, .. }
            | Error::NoSpace { ioctl }
            | Error::Interrupted { ioctl }
            | Error::Other { ioctl, .. } => Some(ioctl),
            _ => None,
        }
    }
}

impl From<CallError> for Error {
    fn from(e: CallError) -> Error {
        match e {
            CallError::Errno { ioctl, errno } => Error::from_errno(ioctl, errno),
            CallError::Unsupported {
                ioctl,
                since,
                driver_revision,
            } => Error::Unsupported {
                what: ioctl,
                since,
                driver_revision,
            },
            CallError::TooLong { ioctl, len } => Error::TooLong { what: ioctl, len },
        }
    }
}
