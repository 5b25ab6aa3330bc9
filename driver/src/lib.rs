//! The softaccel reference driver: the device model behind the ABI that
//! `spec/accel-core.yaml` and `spec/softaccel.yaml` define, written the way
//! a Linux accel driver is written. It sits on the kernel side of the
//! boundary and is built only on the generated kernel crate
//! `softaccel-kernel` (which decodes and validates every ioctl before a
//! handler here runs, and re-exports the `uapi` structs and numbers): this
//! crate implements the generated `Ops` traits and holds no copy of any ABI
//! struct or number.
//!
//! The model: a [`Device`] with its parameters, capabilities and execution
//! engines (one worker thread each); per open file a [`FileCtx`] with its own
//! handle namespaces for buffer objects and queues, and a memfd that holds
//! this file's BO memory (each BO a page-aligned range whose offset is its
//! mmap offset, like DRM's fake offsets). SUBMIT validates every command
//! fully and queues it on the queue's engine, which runs copy, fill,
//! CRC-32C, element-wise add and xor, and timestamp commands on BO memory and
//! advances the queue's seqno; WAIT sleeps on a condition variable until
//! then or until the deadline.
//!
//! [`inproc`] is the in-process frontend: it opens a file and returns a
//! `uabi_runtime::transport::InProcess` whose ioctls go through the
//! generated `dispatch` with the caller's memory read and written by
//! `process_vm_readv`/`process_vm_writev`, exactly as the kernel would see
//! it through a device node.
//!
//! [`node`] is the real device node: a FUSE file system holding the device
//! file `softaccel0`, whose `ioctl(2)`, `mmap` and `close` reach this
//! driver as a kernel driver's would (served by the `softaccel-driverd`
//! binary, or in-process with [`node::spawn`]).
//!
//! [`kmod`] reaches the same driver written as a kernel module
//! (`driver/kmod`), so the same suites run against `/dev/softaccel0` in a
//! QEMU guest.

mod bo;
mod control;
mod device;
mod engine;
mod exec;
mod firmware;
pub mod inproc;
pub mod kmod;
pub mod node;
mod ops;
mod perf;
mod procmem;
mod queue;
mod ring;
mod submit;
mod util;

pub use device::{
    Counters, Creds, DEFAULT_MAX_BO_ALIGNMENT, Device, DeviceConfig, FileCtx, MAX_ENGINES,
    capabilities_at, device_capabilities_at,
};
pub use inproc::SelfMem;
pub use util::monotonic_ns;

/// The ABI this driver implements, from the generated crate only.
pub use softaccel_kernel::uapi;
pub use uapi::accel_uapi;
