//! The user side's way to the driver: a [`Transport`] makes one ioctl.
//! [`FdTransport`] is the real `ioctl(2)` on a file descriptor;
//! [`InProcess`] calls a driver's dispatch entry directly, with the
//! argument's address in this process, exactly as the kernel would see it.

use crate::Errno;
use std::boxed::Box;
use std::os::fd::{AsFd, OwnedFd};

/// One ioctl: `cmd` with a pointer to the argument (or null for `_IO`);
/// and `mmap` of the device's memory at an offset an ioctl published.
pub trait Transport: Send + Sync {
    /// # Safety
    ///
    /// `arg` must be null or point to memory valid for reads and writes
    /// of `_IOC_SIZE(cmd)` bytes, and every user pointer inside the
    /// argument must be valid for what the ioctl does with it.
    unsafe fn ioctl(&self, cmd: u32, arg: *mut u8) -> Result<(), Errno>;

    /// Maps `len` bytes of device memory at `offset` (a fake offset
    /// published by the driver, as DRM's mmap offsets are), shared and
    /// read-write.
    fn mmap(&self, offset: u64, len: usize) -> Result<Mapping, Errno>;
}

/// A shared read-write mapping, unmapped on drop.
pub struct Mapping {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the mapping is plain shared memory; who may touch which bytes
// when is the device protocol's business, and moving the handle between
// threads changes nothing about that.
unsafe impl Send for Mapping {}
// SAFETY: as above; `Mapping` hands out only raw pointers.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps `len` bytes of `fd` at `offset`, `MAP_SHARED`, read-write.
    pub fn map_fd(
        fd: std::os::fd::BorrowedFd<'_>,
        offset: u64,
        len: usize,
    ) -> Result<Mapping, Errno> {
        use rustix::mm::{MapFlags, ProtFlags, mmap};
        if len == 0 {
            return Err(Errno::EINVAL);
        }
        // SAFETY: a fresh mapping chosen by the kernel (null hint) aliases
        // nothing Rust owns; it stays valid until `Drop` unmaps it.
        let ptr = unsafe {
            mmap(
                core::ptr::null_mut(),
                len,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::SHARED,
                fd,
                offset,
            )
        }
        .map_err(|e| Errno(e.raw_os_error()))?;
        Ok(Mapping {
            ptr: ptr.cast(),
            len,
        })
    }

    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` are exactly what mmap returned, unmapped once.
        let _ = unsafe { rustix::mm::munmap(self.ptr.cast(), self.len) };
    }
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

    fn mmap(&self, offset: u64, len: usize) -> Result<Mapping, Errno> {
        Mapping::map_fd(self.fd.as_fd(), offset, len)
    }
}

/// The signature of a driver's in-process ioctl entry: command word and
/// argument address in this process.
pub type DispatchFn = dyn Fn(u32, u64) -> Result<(), Errno> + Send + Sync;

/// Calls a dispatch entry directly (tests, benchmarks, embedding).
/// Device memory is mapped from `memory`, the file the driver keeps its
/// buffer objects in for this open file (a memfd), at the published
/// offsets, so userspace and driver share the same pages as they would
/// through a device node.
pub struct InProcess {
    dispatch: Box<DispatchFn>,
    memory: Option<OwnedFd>,
    /// Runs when the transport is dropped: the driver's `release`.
    release: Option<Box<dyn FnOnce() + Send + Sync>>,
}

impl InProcess {
    pub fn new(dispatch: impl Fn(u32, u64) -> Result<(), Errno> + Send + Sync + 'static) -> Self {
        InProcess {
            dispatch: Box::new(dispatch),
            memory: None,
            release: None,
        }
    }

    /// The file that backs device memory for `mmap`.
    pub fn with_memory(mut self, memory: OwnedFd) -> Self {
        self.memory = Some(memory);
        self
    }

    /// What closing the "file" does (the driver's release).
    pub fn on_release(mut self, release: impl FnOnce() + Send + Sync + 'static) -> Self {
        self.release = Some(Box::new(release));
        self
    }
}

impl Transport for InProcess {
    unsafe fn ioctl(&self, cmd: u32, arg: *mut u8) -> Result<(), Errno> {
        (self.dispatch)(cmd, arg as u64)
    }

    fn mmap(&self, offset: u64, len: usize) -> Result<Mapping, Errno> {
        match &self.memory {
            Some(fd) => Mapping::map_fd(fd.as_fd(), offset, len),
            None => Err(Errno::ENODEV),
        }
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            release();
        }
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    unsafe fn ioctl(&self, cmd: u32, arg: *mut u8) -> Result<(), Errno> {
        // SAFETY: forwarded from this function's own contract.
        unsafe { (**self).ioctl(cmd, arg) }
    }

    fn mmap(&self, offset: u64, len: usize) -> Result<Mapping, Errno> {
        (**self).mmap(offset, len)
    }
}

impl<T: Transport + ?Sized> Transport for std::sync::Arc<T> {
    unsafe fn ioctl(&self, cmd: u32, arg: *mut u8) -> Result<(), Errno> {
        // SAFETY: forwarded from this function's own contract.
        unsafe { (**self).ioctl(cmd, arg) }
    }

    fn mmap(&self, offset: u64, len: usize) -> Result<Mapping, Errno> {
        (**self).mmap(offset, len)
    }
}

/// Why a generated user-side call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// The driver returned an errno.
    Errno { ioctl: &'static str, errno: Errno },
    /// The driver implements an older revision than the call needs; the
    /// call was not made.
    Unsupported {
        ioctl: &'static str,
        since: u32,
        driver_revision: u32,
    },
    /// The arguments cannot be expressed (e.g. a slice longer than the
    /// count member can hold); the call was not made.
    TooLong { ioctl: &'static str, len: usize },
}

impl core::fmt::Display for CallError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CallError::Errno { ioctl, errno } => write!(f, "{ioctl}: {errno}"),
            CallError::Unsupported {
                ioctl,
                since,
                driver_revision,
            } => write!(
                f,
                "{ioctl} needs ABI revision {since}; the driver implements revision {driver_revision}"
            ),
            CallError::TooLong { ioctl, len } => {
                write!(f, "{ioctl}: {len} elements do not fit the count member")
            }
        }
    }
}

impl std::error::Error for CallError {}
