//! Shared by the end-to-end tests: an in-process softaccel driver opened
//! through the library, and a transport that records what it carries.

#![allow(dead_code)]

use softaccel::accel::{Bo, BoFlags};
use softaccel::softaccel::Device;
use softaccel::{Errno, InProcess, Mapping, Transport};
use softaccel_driver as drv;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

pub type Dev<T = InProcess> = Device<T>;

/// The reference device (every capability), and a file opened on it with
/// CAP_SYS_NICE (realtime queues), through the library.
pub fn setup() -> (Arc<drv::Device>, Dev) {
    setup_with(drv::DeviceConfig::default())
}

pub fn setup_with(config: drv::DeviceConfig) -> (Arc<drv::Device>, Dev) {
    let driver = drv::Device::new(config).expect("driver");
    let dev = open(&driver);
    (driver, dev)
}

pub fn open(driver: &Arc<drv::Device>) -> Dev {
    let t = driver
        .open_inproc_with(drv::Creds { cap_sys_nice: true })
        .expect("open_inproc");
    Device::new(t).expect("library open")
}

/// A host-visible BO of `size` bytes.
pub fn bo<T: Transport>(dev: &Device<T>, size: u64) -> Bo<'_, T> {
    dev.create_bo(size, BoFlags::HOST_VISIBLE)
        .expect("create_bo")
}

/// Pauses the driver's engines until dropped, to hold work in flight.
pub struct Paused<'a>(pub &'a drv::Device);

impl<'a> Paused<'a> {
    pub fn new(d: &'a drv::Device) -> Self {
        d.set_paused(true);
        Paused(d)
    }
}

impl Drop for Paused<'_> {
    fn drop(&mut self) {
        self.0.set_paused(false);
    }
}

/// Forwards to `inner`, remembering every command word it carried.
pub struct Recording<T> {
    pub inner: T,
    pub cmds: Mutex<BTreeSet<u32>>,
}

impl<T> Recording<T> {
    pub fn new(inner: T) -> Arc<Self> {
        Arc::new(Recording {
            inner,
            cmds: Mutex::new(BTreeSet::new()),
        })
    }

    pub fn seen(&self) -> BTreeSet<u32> {
        self.cmds.lock().unwrap().clone()
    }
}

impl<T: Transport> Transport for Recording<T> {
    unsafe fn ioctl(&self, cmd: u32, arg: *mut u8) -> Result<(), Errno> {
        self.cmds.lock().unwrap().insert(cmd);
        // SAFETY: forwarded unchanged from this function's own contract.
        unsafe { self.inner.ioctl(cmd, arg) }
    }

    fn mmap(&self, offset: u64, len: usize) -> Result<Mapping, Errno> {
        self.inner.mmap(offset, len)
    }
}
