//! Shared by the end-to-end tests. Each test body is written once inside
//! [`suite!`] and runs twice, against each way userspace reaches a driver:
//!
//! - `inproc`: the in-process transport (the driver's dispatch called in
//!   this process);
//! - `node`: the real device node, `<tmp dir>/softaccel0` served by this
//!   process through FUSE, reached with `open`, `ioctl(2)`, `mmap` and
//!   `close` by the library's file-descriptor transport.
//!
//! - `kmod`: the softaccel kernel module's `/dev/softaccel0`, in the QEMU
//!   guest only (`#[ignore]`d elsewhere; scripts/guest-tests.sh runs them
//!   with `--ignored`), configured through the module's parameters.
//!
//! Every backend gives the same names: `Driver` (derefs to the driver's
//! `Device`, for its counters and `Paused`), `Dev` (the library's device),
//! `Tr` (the raw transport), `setup`, `setup_with`, `open`, `open_with`,
//! `new_driver`, `transport`. Node tests fail when FUSE is unavailable
//! (not root, no /dev/fuse) unless `UABI_ALLOW_NO_FUSE=1`, which skips
//! them loudly.

#![allow(dead_code)]

use softaccel::accel::{Bo, BoFlags};
use softaccel::softaccel::Device;
use softaccel::{Errno, Mapping, Transport};
use softaccel_driver as drv;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// Writes each test once, runs it through both backends: `mod inproc`
/// and `mod node` with the same test names. Test bodies use only the
/// backend's names (`setup`, `open`, `transport`, ...) and what the
/// test file imports.
macro_rules! suite {
    ($($(#[$meta:meta])* fn $name:ident() $body:block)*) => {
        /// Through the in-process transport.
        mod inproc {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use crate::common::inproc::*;
            $($(#[$meta])* fn $name() $body)*
        }
        /// Through the device node: real syscalls on a FUSE-served file.
        mod node {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use crate::common::node::*;
            $($(#[$meta])* fn $name() {
                if !crate::common::node::available(stringify!($name)) {
                    return;
                }
                $body
            })*
        }
        /// Through the kernel module's `/dev/softaccel0`: only in the QEMU
        /// guest, where scripts/guest-tests.sh runs them with `--ignored`.
        mod kmod {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use crate::common::kmod::*;
            $($(#[$meta])*
            #[ignore = "needs the softaccel kernel module: runs in the QEMU guest (scripts/guest-tests.sh)"]
            fn $name() {
                let _one_at_a_time = crate::common::kmod::exclusive();
                $body
            })*
        }
    };
}
pub(crate) use suite;

/// The credentials the tests open with: CAP_SYS_NICE, for realtime
/// queues, and CAP_SYS_ADMIN, for admin-perm operations (the node takes
/// them from the opening thread: root has both).
pub const NICE: drv::Creds = drv::Creds {
    cap_sys_nice: true,
    privileged: true,
};

pub mod inproc {
    use super::*;
    use softaccel::InProcess;

    pub type Tr = InProcess;
    pub type Dev = Device<Tr>;
    pub type Driver = Arc<drv::Device>;

    pub fn new_driver(config: drv::DeviceConfig) -> Driver {
        drv::Device::new(config).expect("driver")
    }

    /// The reference device (every capability), and a file opened on it
    /// with CAP_SYS_NICE (realtime queues), through the library.
    pub fn setup() -> (Driver, Dev) {
        setup_with(drv::DeviceConfig::default())
    }

    pub fn setup_with(config: drv::DeviceConfig) -> (Driver, Dev) {
        let driver = new_driver(config);
        let dev = open(&driver);
        (driver, dev)
    }

    /// A raw transport: a new open file.
    pub fn transport(driver: &Driver) -> Tr {
        transport_with(driver, NICE)
    }

    pub fn transport_with(driver: &Driver, creds: drv::Creds) -> Tr {
        driver.open_inproc_with(creds).expect("open_inproc")
    }

    pub fn open(driver: &Driver) -> Dev {
        open_with(driver, NICE)
    }

    pub fn open_with(driver: &Driver, creds: drv::Creds) -> Dev {
        Device::new(transport_with(driver, creds)).expect("library open")
    }
}

pub mod node {
    use super::*;
    use drv::node::Node;
    use softaccel::FdTransport;
    use std::os::fd::OwnedFd;
    use std::os::unix::fs::MetadataExt;
    use std::path::{Path, PathBuf};
    use std::sync::Weak;
    use std::time::Duration;

    /// Whether FUSE can be used; if not, fails unless UABI_ALLOW_NO_FUSE=1,
    /// which prints what is skipped instead.
    pub fn available(test: &str) -> bool {
        match drv::node::check_available() {
            Ok(()) => true,
            Err(why) if std::env::var("UABI_ALLOW_NO_FUSE").as_deref() == Ok("1") => {
                uabi_test_support::skipped(
                    &format!("node test {test}"),
                    &format!("{why} (UABI_ALLOW_NO_FUSE=1)"),
                );
                false
            }
            Err(why) => panic!(
                "the device node cannot be tested: {why}. Run as root with /dev/fuse, \
                 or set UABI_ALLOW_NO_FUSE=1 to skip the node tests"
            ),
        }
    }

    /// The library's file-descriptor transport on a file of the node,
    /// plus one thing: dropping it (close) waits until the driver has
    /// released the file. A kernel driver's release has run when the last
    /// close() returns; FUSE sends RELEASE only after close() returned, so
    /// without the wait a test could look at the driver's counters before
    /// the release it just caused.
    pub struct Tr {
        fd: Option<FdTransport>,
        ino: u64,
        node: Weak<Node>,
    }

    impl Tr {
        fn new(fd: OwnedFd, node: &Arc<Node>) -> Tr {
            let file = std::fs::File::from(fd);
            // Every open of the node has its own inode: it names the file.
            let ino = file.metadata().expect("fstat").ino();
            Tr {
                fd: Some(FdTransport::new(OwnedFd::from(file))),
                ino,
                node: Arc::downgrade(node),
            }
        }

        fn fd(&self) -> &FdTransport {
            self.fd.as_ref().expect("open")
        }
    }

    impl Transport for Tr {
        unsafe fn ioctl(&self, cmd: u32, arg: *mut u8) -> Result<(), Errno> {
            // SAFETY: forwarded unchanged from this function's own contract.
            unsafe { self.fd().ioctl(cmd, arg) }
        }

        fn mmap(&self, offset: u64, len: usize) -> Result<Mapping, Errno> {
            self.fd().mmap(offset, len)
        }
    }

    impl Drop for Tr {
        fn drop(&mut self) {
            drop(self.fd.take());
            if let Some(node) = self.node.upgrade()
                && !node.wait_released(self.ino, Duration::from_secs(10))
                && !std::thread::panicking()
            {
                panic!("the driver never released a closed file");
            }
        }
    }

    pub type Dev = Device<Tr>;

    /// A driver served as a node in a fresh directory. Derefs to the
    /// driver. Dropped in field order: the node is unmounted (it is the
    /// last reference) before its directory is removed.
    pub struct Driver {
        device: Arc<drv::Device>,
        node: Arc<Node>,
        _dir: Dir,
    }

    impl std::ops::Deref for Driver {
        type Target = drv::Device;

        fn deref(&self) -> &drv::Device {
            &self.device
        }
    }

    impl PauseSwitch for Driver {
        fn set_paused(&self, paused: bool) {
            self.device.set_paused(paused)
        }
    }

    impl Driver {
        /// The device file.
        pub fn path(&self) -> PathBuf {
            self.node.device_path()
        }
    }

    pub fn new_driver(config: drv::DeviceConfig) -> Driver {
        let dir = Dir::new();
        let device = drv::Device::new(config).expect("driver");
        let node = drv::node::spawn(&dir.0, device.clone()).expect("spawn the node");
        Driver {
            device,
            node: Arc::new(node),
            _dir: dir,
        }
    }

    pub fn setup() -> (Driver, Dev) {
        setup_with(drv::DeviceConfig::default())
    }

    pub fn setup_with(config: drv::DeviceConfig) -> (Driver, Dev) {
        let driver = new_driver(config);
        let dev = open(&driver);
        (driver, dev)
    }

    /// A raw transport: a new open of the device file.
    pub fn transport(driver: &Driver) -> Tr {
        transport_with(driver, NICE)
    }

    /// Opened by a thread with `creds` as its effective capabilities.
    pub fn transport_with(driver: &Driver, creds: drv::Creds) -> Tr {
        let fd = drv::node::open_with_creds(&driver.path(), creds).expect("open the node");
        Tr::new(fd, &driver.node)
    }

    pub fn open(driver: &Driver) -> Dev {
        open_with(driver, NICE)
    }

    pub fn open_with(driver: &Driver, creds: drv::Creds) -> Dev {
        Device::new(transport_with(driver, creds)).expect("library open")
    }

    /// An empty directory for one mount, removed on drop (after the node
    /// is unmounted); mounts left by killed earlier runs are cleared.
    struct Dir(PathBuf);

    impl Dir {
        fn new() -> Dir {
            use std::sync::atomic::{AtomicU32, Ordering};
            static N: AtomicU32 = AtomicU32::new(0);
            let root = std::env::temp_dir().join("softaccel-userlib-tests");
            std::fs::create_dir_all(&root).expect("test root");
            sweep_dead_runs(&root);
            let me = std::process::id();
            Dir(root.join(format!("{me}-{}", N.fetch_add(1, Ordering::Relaxed))))
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = drv::node::clear_stale_mount(&self.0);
            let _ = std::fs::remove_dir(&self.0);
        }
    }

    fn sweep_dead_runs(root: &Path) {
        let Ok(entries) = std::fs::read_dir(root) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(pid) = name.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
                continue;
            };
            if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = drv::node::clear_stale_mount(&e.path());
                let _ = std::fs::remove_dir(e.path());
            }
        }
    }
}

pub mod kmod {
    use super::*;
    use drv::kmod::KernelModule;
    use softaccel::FdTransport;
    use std::path::PathBuf;
    use std::sync::MutexGuard;
    use std::time::Duration;

    /// The module's parameters are device-wide: its tests run one at a time.
    pub fn exclusive() -> MutexGuard<'static, ()> {
        static ONE: Mutex<()> = Mutex::new(());
        ONE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub type Tr = FdTransport;
    pub type Dev = Device<Tr>;

    /// The loaded module, configured as `config` asks; derefs to that
    /// configuration and answers `counters()` and `wait_idle()` as the
    /// driver crate's `Device` does.
    pub struct Driver {
        module: KernelModule,
        config: drv::DeviceConfig,
    }

    impl Driver {
        pub fn path(&self) -> PathBuf {
            self.module.device_path().to_path_buf()
        }

        pub fn config(&self) -> &drv::DeviceConfig {
            &self.config
        }

        pub fn counters(&self) -> drv::Counters {
            self.module.counters().expect("the module's counters")
        }

        pub fn wait_idle(&self, timeout: Duration) -> bool {
            self.module.wait_idle(timeout)
        }
    }

    impl PauseSwitch for Driver {
        fn set_paused(&self, paused: bool) {
            self.module
                .set_paused(paused)
                .expect("the module's paused parameter")
        }
    }

    impl Drop for Driver {
        fn drop(&mut self) {
            // The next test starts from the default device, not this one.
            let _ = self.module.set_paused(false);
            let _ = self.module.configure(&drv::DeviceConfig::default());
        }
    }

    pub fn new_driver(config: drv::DeviceConfig) -> Driver {
        let module = KernelModule::find().expect("the softaccel module");
        module.configure(&config).expect("configure the module");
        module.set_paused(false).expect("unpause the module");
        Driver { module, config }
    }

    pub fn setup() -> (Driver, Dev) {
        setup_with(drv::DeviceConfig::default())
    }

    pub fn setup_with(config: drv::DeviceConfig) -> (Driver, Dev) {
        let driver = new_driver(config);
        let dev = open(&driver);
        (driver, dev)
    }

    /// A raw transport: a new open of the device file. A kernel driver's
    /// release has run when the last close returns, so no wait is needed.
    pub fn transport(driver: &Driver) -> Tr {
        transport_with(driver, NICE)
    }

    pub fn transport_with(driver: &Driver, creds: drv::Creds) -> Tr {
        let fd = drv::node::open_with_creds(&driver.path(), creds).expect("open the device");
        FdTransport::new(fd)
    }

    pub fn open(driver: &Driver) -> Dev {
        open_with(driver, NICE)
    }

    pub fn open_with(driver: &Driver, creds: drv::Creds) -> Dev {
        Device::new(transport_with(driver, creds)).expect("library open")
    }
}

/// A host-visible BO of `size` bytes.
pub fn bo<T: Transport>(dev: &Device<T>, size: u64) -> Bo<'_, T> {
    dev.create_bo(size, BoFlags::HOST_VISIBLE)
        .expect("create_bo")
}

/// A driver whose engines can be held, whichever backend serves it.
pub trait PauseSwitch: Sync {
    fn set_paused(&self, paused: bool);
}

impl PauseSwitch for drv::Device {
    fn set_paused(&self, paused: bool) {
        drv::Device::set_paused(self, paused)
    }
}

impl PauseSwitch for Arc<drv::Device> {
    fn set_paused(&self, paused: bool) {
        drv::Device::set_paused(self, paused)
    }
}

/// Pauses the driver's engines until dropped, to hold work in flight.
pub struct Paused<'a>(pub &'a dyn PauseSwitch);

impl<'a> Paused<'a> {
    pub fn new(d: &'a dyn PauseSwitch) -> Self {
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
