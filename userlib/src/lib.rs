//! The canonical userspace library of the accel subsystem and of its
//! reference device, softaccel: what applications write against instead of
//! raw ioctls. [`accel`] is the common part, usable with any device built
//! on `spec/accel-core.yaml` (device handle, parameters and capabilities,
//! buffer objects with their memory as slices, queues); [`softaccel`] adds
//! the device's own calls beside it (command batches, waits, performance
//! counters). Errors are one typed enum mapped from errno.
//!
//! It sits on top of the generated user-side crates (`accel-user`,
//! `softaccel-user`): every struct, constant and ioctl number comes from
//! the specs through them, none is written here. It talks to the driver
//! through their `Transport`: a device node (`FdTransport`) or a driver in
//! this process (`InProcess`). At open it reads the ABI revisions the
//! driver implements, refuses revision 0, and passes them to every call,
//! so an ioctl newer than the driver fails with [`Error::Unsupported`]
//! instead of an EINVAL or ENOTTY from the kernel. Optional features, and
//! every feature added after revision 1, are discovered from the capability
//! bits the device announces ([`accel::Device::capabilities`],
//! [`softaccel::Device::device_caps`]); a call that needs one the device
//! lacks fails with [`Error::FeatureUnsupported`], also without a call.
//!
//! ```no_run
//! use softaccel::accel::{BoFlags, QueueFlags, QueuePriority};
//! use softaccel::softaccel::{Batch, Device};
//! use std::time::Duration;
//!
//! let dev = Device::open("/dev/accel/accel0")?;
//! let mut a = dev.create_bo(4096, BoFlags::HOST_VISIBLE)?;
//! a.map()?.write_u32s(0, &[1, 2, 3, 4]);
//! let sum = dev.create_bo(4096, BoFlags::HOST_VISIBLE)?;
//! let queue = dev.create_queue(QueuePriority::Normal, QueueFlags::empty())?;
//! let mut batch = Batch::new();
//! batch.add_u32(&a, &a, &sum, 4);
//! dev.submit(&queue, &batch)?.wait(Duration::from_secs(1))?;
//! # Ok::<(), softaccel::Error>(())
//! ```

pub mod accel;
pub mod control;
mod error;
pub mod ring;
pub mod softaccel;

pub use accel_user::{CallError, Errno, FdTransport, InProcess, Mapping, Transport};
pub use error::{Error, Result};
/// The generated crates this library is built on, for raw structs and
/// constants (e.g. what [`softaccel::Batch::cmds`] returns).
pub use {accel_user, softaccel_user};
