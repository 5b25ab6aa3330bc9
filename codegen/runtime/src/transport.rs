//! The user side's way to the driver: a [`Transport`] makes one ioctl.
//! [`FdTransport`] is the real `ioctl(2)` on a file descriptor;
//! [`InProcess`] calls a driver's dispatch entry directly, with the
//! argument's address in this process, exactly as the kernel would see it.

use crate::Errno;
use std::boxed::Box;
use std::os::fd::{AsFd, OwnedFd};

/// One ioctl: `cmd` with a pointer to the argument (or null for `_IO`).
pub trait Transport: Send + Sync {
    /// # Safety
    ///
    /// `arg` must be null or point to memory valid for reads and writes
    /// of `_IOC_SIZE(cmd)` bytes, and every user pointer inside the
    /// argument must be valid for what the ioctl does with it.
    unsafe fn ioctl(&self, cmd: u32, arg: *mut u8) -> Result<(), Errno>;
}

/// `ioctl(2)` on a device file.
pub struct FdTransport {
    fd: OwnedFd,
}

impl FdTransport {
    pub fn new(fd: OwnedFd) -> Self {
        FdTransport { fd }
    }

    /// Opens a device node read-write, close-on-exec.
    pub fn open(path: &std::path::Path) -> Result<Self, Errno> {
        use rustix::fs::{Mode, OFlags, open};
        let fd = open(path, OFlags::RDWR | OFlags::CLOEXEC, Mode::empty())
            .map_err(|e| Errno(e.raw_os_error()))?;
        Ok(FdTransport { fd })
    }

    pub fn fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// A raw command with a runtime opcode, for rustix's ioctl.
struct Raw {
    cmd: u32,
    arg: *mut u8,
}

// SAFETY: the opcode is the caller's command word; the pointer is the
// caller's argument, whose validity `Transport::ioctl`'s contract makes
// the caller's duty; the kernel may write through it (IS_MUTATING).
unsafe impl rustix::ioctl::Ioctl for Raw {
    type Output = ();
    const IS_MUTATING: bool = true;

    fn opcode(&self) -> rustix::ioctl::Opcode {
        self.cmd as rustix::ioctl::Opcode
    }

    fn as_ptr(&mut self) -> *mut core::ffi::c_void {
        self.arg.cast()
    }

    unsafe fn output_from_ptr(
        _: rustix::ioctl::IoctlOutput,
        _: *mut core::ffi::c_void,
    ) -> rustix::io::Result<()> {
        Ok(())
    }
}

impl Transport for FdTransport {
    unsafe fn ioctl(&self, cmd: u32, arg: *mut u8) -> Result<(), Errno> {
        // SAFETY: forwarded from this function's own contract.
        unsafe { rustix::ioctl::ioctl(&self.fd, Raw { cmd, arg }) }
            .map_err(|e| Errno(e.raw_os_error()))
    }
}

/// The signature of a driver's in-process ioctl entry: command word and
/// argument address in this process.
pub type DispatchFn = dyn Fn(u32, u64) -> Result<(), Errno> + Send + Sync;

/// Calls a dispatch entry directly (tests, benchmarks, embedding).
pub struct InProcess {
    dispatch: Box<DispatchFn>,
}

impl InProcess {
    pub fn new(dispatch: impl Fn(u32, u64) -> Result<(), Errno> + Send + Sync + 'static) -> Self {
        InProcess {
            dispatch: Box::new(dispatch),
        }
    }
}

impl Transport for InProcess {
    unsafe fn ioctl(&self, cmd: u32, arg: *mut u8) -> Result<(), Errno> {
        (self.dispatch)(cmd, arg as u64)
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    unsafe fn ioctl(&self, cmd: u32, arg: *mut u8) -> Result<(), Errno> {
        // SAFETY: forwarded from this function's own contract.
        unsafe { (**self).ioctl(cmd, arg) }
    }
}

impl<T: Transport + ?Sized> Transport for std::sync::Arc<T> {
    unsafe fn ioctl(&self, cmd: u32, arg: *mut u8) -> Result<(), Errno> {
        // SAFETY: forwarded from this function's own contract.
        unsafe { (**self).ioctl(cmd, arg) }
    }
}
