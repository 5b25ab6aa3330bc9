//! The in-process frontend: a "device node" inside this process. Opening
//! it creates a [`FileCtx`](crate::FileCtx) and returns an `InProcess` transport whose
//! ioctls run the generated `dispatch` against that file, reading and
//! writing the caller's memory through [`SelfMem`], and whose `mmap`
//! maps the file's BO memory. Dropping the transport is `close()`: it
//! releases the file.

use crate::device::Device;
use crate::procmem::ProcessMem;
use std::sync::Arc;
use uabi_runtime::transport::InProcess;
use uabi_runtime::{Errno, UserMem};

/// The memory of this process, read and written with
/// `process_vm_readv`/`process_vm_writev` on the own pid: the kernel's
/// `copy_from_user`/`copy_to_user` for a caller in the same process. A bad
/// address is EFAULT, never a crash.
#[derive(Debug, Clone, Copy, Default)]
pub struct SelfMem;

impl UserMem for SelfMem {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        ProcessMem::current().read(addr, buf)
    }

    fn write(&self, addr: u64, buf: &[u8]) -> Result<(), Errno> {
        ProcessMem::current().write(addr, buf)
    }
}

impl Device {
    /// Opens the device in-process: a new [`FileCtx`](crate::FileCtx) behind an
    /// `InProcess` transport. Its ioctls go through
    /// `softaccel_kernel::dispatch`, its `mmap` maps the file's BO memory
    /// (a duplicate of the file's memfd), and dropping it releases the
    /// file. Fails like `open()` would (the host's errno when no memfd can
    /// be created).
    pub fn open_inproc(self: &Arc<Self>) -> Result<InProcess, Errno> {
        self.open_inproc_with(crate::Creds::current())
    }

    /// [`Device::open_inproc`] with explicit credentials.
    pub fn open_inproc_with(self: &Arc<Self>, creds: crate::Creds) -> Result<InProcess, Errno> {
        let file = Arc::new(self.open_with(creds)?);
        let memory = file
            .memory()
            .try_clone_to_owned()
            .map_err(|e| Errno(e.raw_os_error().unwrap_or(Errno::EMFILE.0)))?;
        let (dev, f) = (self.clone(), file.clone());
        let (rdev, rfile) = (self.clone(), file);
        Ok(InProcess::new(move |cmd, arg| {
            softaccel_kernel::dispatch(&*dev, &*f, &SelfMem, cmd, arg)
        })
        .with_memory(memory)
        .on_release(move || rdev.release(&rfile)))
    }
}
