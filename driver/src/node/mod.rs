//! The device node: the driver served as a file, `softaccel0`, in a FUSE
//! file system, so userspace reaches it with `open`, `ioctl(2)` and `mmap`
//! exactly as it would reach a kernel driver's node.
//!
//! - `ioctl`: FUSE "restricted" ioctls. The kernel copies the argument in
//!   and out by the command word's `_IOC` direction and size and passes the
//!   real command word to [`softaccel_kernel::dispatch`]; embedded user
//!   pointers are followed in the calling process with
//!   `process_vm_readv`/`process_vm_writev` (see `mem`).
//! - `open`/`release`: each open is its own [`FileCtx`](crate::FileCtx)
//!   (own handle namespaces); release, which the kernel sends when the last
//!   descriptor is closed, also when the client was killed, frees
//!   everything the file owned ([`Device::release`]). FUSE sends RELEASE
//!   after that `close()` has returned (a kernel driver's release has run
//!   by then): [`Node::wait_released`] gives back that ordering.
//! - `mmap`: FUSE passthrough. Each open file's backing file is its
//!   `FileCtx`'s memfd, so a mapping at a BO's mmap offset maps the very
//!   pages the engines execute on, coherent both ways without msync.
//!   Two opens of one inode cannot have different backing files, so each
//!   LOOKUP of the name answers a fresh inode with a zero entry TTL. The
//!   mapping holds the memfd, not the node's file (unlike a DRM mapping,
//!   which holds the file): closing the last descriptor releases the file
//!   even while mapped, and what stays mapped is then memory the driver
//!   has given back, seen by nobody else.
//!
//! The node needs root (mount, and CAP_SYS_ADMIN for passthrough backing
//! files) and a kernel with FUSE passthrough (6.9 or later).

mod fs;
mod mem;

use crate::device::Device;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The device file's name in the mounted directory.
pub const DEVICE_NAME: &str = "softaccel0";

/// The file system type the node mounts as (`fuse.<subtype>`), which is
/// how [`prepare_mountpoint`] tells its own mounts from others.
pub const FS_TYPE: &str = "fuse.softaccel";

/// How a node serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeConfig {
    /// Requests served at once: each thread reads `/dev/fuse` and runs
    /// the ioctl it gets to the end. A blocking ioctl (WAIT, QUEUE_DESTROY
    /// waiting for work) holds its thread, so this bounds how many callers
    /// may block at once before others queue behind them.
    pub threads: usize,
    /// Log each open and release to stderr.
    pub log: bool,
}

impl Default for NodeConfig {
    fn default() -> Self {
        NodeConfig {
            threads: 8,
            log: false,
        }
    }
}

/// Whether this process can serve a node: `/dev/fuse` exists and the
/// process has CAP_SYS_ADMIN (mount, passthrough backing files). The
/// error says what is missing.
pub fn check_available() -> Result<(), String> {
    if !Path::new("/dev/fuse").exists() {
        return Err("/dev/fuse does not exist (no FUSE in this kernel or container)".into());
    }
    let admin = rustix::thread::capabilities(None)
        .map(|c| {
            c.effective
                .contains(rustix::thread::CapabilitySet::SYS_ADMIN)
        })
        .unwrap_or(false);
    if !admin {
        return Err(
            "CAP_SYS_ADMIN is needed to mount the node and for FUSE passthrough \
                    (run as root)"
                .into(),
        );
    }
    Ok(())
}

/// What [`prepare_mountpoint`] found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Prepared {
    /// The directory did not exist and was created.
    pub created: bool,
    /// Mounts left by a crashed server (their connection is gone:
    /// `stat` answers ENOTCONN) that were lazily unmounted.
    pub cleared_stale: usize,
}

/// Makes `mountpoint` ready to mount on: clears stale mounts of a crashed
/// server (ENOTCONN), creates the directory if missing, and refuses (with
/// `AddrInUse`) a mountpoint a live node already serves.
pub fn prepare_mountpoint(mountpoint: &Path) -> io::Result<Prepared> {
    let mut done = Prepared::default();
    // A crash may leave several mounts stacked; each lazy unmount uncovers
    // the next. Bounded, in case something keeps remounting.
    for _ in 0..16 {
        match rustix::fs::stat(mountpoint) {
            Err(rustix::io::Errno::NOTCONN) => {
                rustix::mount::unmount(mountpoint, rustix::mount::UnmountFlags::DETACH)?;
                done.cleared_stale += 1;
            }
            Err(rustix::io::Errno::NOENT) => {
                std::fs::create_dir_all(mountpoint)?;
                done.created = true;
                return Ok(done);
            }
            Err(e) => return Err(e.into()),
            Ok(_) => {
                if mounted_here(mountpoint)?.is_some_and(|t| t == FS_TYPE) {
                    return Err(io::Error::new(
                        io::ErrorKind::AddrInUse,
                        format!("{} is already served by a live node", mountpoint.display()),
                    ));
                }
                return Ok(done);
            }
        }
    }
    Err(io::Error::other(format!(
        "{}: stale mounts keep appearing",
        mountpoint.display()
    )))
}

/// Lazily unmounts `mountpoint` if it is a node whose server is gone
/// (`stat` answers ENOTCONN). Returns whether it did.
pub fn clear_stale_mount(mountpoint: &Path) -> io::Result<bool> {
    match rustix::fs::stat(mountpoint) {
        Err(rustix::io::Errno::NOTCONN) => {
            rustix::mount::unmount(mountpoint, rustix::mount::UnmountFlags::DETACH)?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// The file system type of the topmost mount whose mount point is
/// `path` (an existing directory), from `/proc/self/mountinfo`.
pub fn mounted_here(path: &Path) -> io::Result<Option<String>> {
    let path = std::fs::canonicalize(path)?;
    let info = std::fs::read_to_string("/proc/self/mountinfo")?;
    let mut found = None;
    for line in info.lines() {
        // id parent major:minor root mount-point options [optional...] - fstype source super-options
        let mut fields = line.split(' ');
        let Some(point) = fields.nth(4) else { continue };
        if Path::new(&unescape_mountinfo(point)) != path {
            continue;
        }
        let mut rest = fields.skip_while(|f| *f != "-");
        if let (Some(_), Some(fstype)) = (rest.next(), rest.next()) {
            // Later lines are mounted on top of earlier ones.
            found = Some(fstype.to_string());
        }
    }
    Ok(found)
}

/// mountinfo writes space, tab, newline and backslash as `\ooo`.
fn unescape_mountinfo(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1..i + 4].iter().all(u8::is_ascii_digit) {
            let v = b[i + 1..i + 4]
                .iter()
                .fold(0u32, |acc, d| acc * 8 + u32::from(d - b'0'));
            out.push(v as u8);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Opens a device file (read-write, close-on-exec) from a thread whose
/// effective capabilities match `creds`, for tests of permission paths: a
/// node reads the opener's credentials at open, as a kernel driver reads
/// the file's `f_cred`. Capabilities are per thread, so only the short-
/// lived opening thread drops any; a capability the process lacks cannot
/// be granted (EPERM).
pub fn open_with_creds(path: &Path, creds: crate::Creds) -> io::Result<OwnedFd> {
    use rustix::thread::{CapabilitySet, capabilities, set_capabilities};
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut caps = capabilities(None)?;
            if caps.effective.contains(CapabilitySet::SYS_NICE) != creds.cap_sys_nice {
                if creds.cap_sys_nice {
                    return Err(io::Error::from_raw_os_error(libc::EPERM));
                }
                caps.effective.remove(CapabilitySet::SYS_NICE);
                set_capabilities(None, caps)?;
            }
            let fd = rustix::fs::open(
                path,
                rustix::fs::OFlags::RDWR | rustix::fs::OFlags::CLOEXEC,
                rustix::fs::Mode::empty(),
            )?;
            Ok(fd)
        })
        .join()
        .unwrap_or_else(|_| Err(io::Error::other("opening thread panicked")))
    })
}

/// How [`Node::shutdown`] ended the mount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    /// Unmounted with no file open.
    Clean,
    /// Files were still open: the connection was aborted (their calls now
    /// fail with ENOTCONN), the mount detached and the files released.
    Forced {
        /// Open files at the time.
        open_files: usize,
    },
    /// Someone else unmounted it first.
    AlreadyGone,
}

/// A mounted node serving `device`. Dropping it unmounts (as
/// [`Node::shutdown`]) and waits for the serving threads to end.
pub struct Node {
    mountpoint: PathBuf,
    device: Arc<Device>,
    files: Arc<fs::Files>,
    session: Option<fuser::BackgroundSession>,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("mountpoint", &self.mountpoint)
            .field("open_files", &self.open_files())
            .finish()
    }
}

/// [`spawn_with`] with the default [`NodeConfig`].
pub fn spawn(mountpoint: impl AsRef<Path>, device: Arc<Device>) -> io::Result<Node> {
    spawn_with(mountpoint, device, NodeConfig::default())
}

/// Mounts a node serving `device` at `mountpoint` (prepared with
/// [`prepare_mountpoint`]: created if missing, stale mounts cleared) and
/// serves it from background threads. When this returns, the kernel has
/// completed the FUSE handshake and `<mountpoint>/softaccel0` can be
/// opened.
pub fn spawn_with(
    mountpoint: impl AsRef<Path>,
    device: Arc<Device>,
    config: NodeConfig,
) -> io::Result<Node> {
    check_available().map_err(|e| io::Error::new(io::ErrorKind::PermissionDenied, e))?;
    let given = mountpoint.as_ref();
    let prepared = prepare_mountpoint(given)?;
    let mountpoint = std::fs::canonicalize(given)?;
    if config.log && prepared.cleared_stale > 0 {
        eprintln!(
            "{}: cleared {} stale mount(s) of a crashed server",
            mountpoint.display(),
            prepared.cleared_stale
        );
    }
    let files = Arc::new(fs::Files::default());
    let fuse_fd = mount_fuse(&mountpoint)?;
    let filesystem = fs::NodeFs::new(device.clone(), files.clone(), &mountpoint, config.log);
    let mut fuser_config = fuser::Config::default();
    fuser_config.acl = fuser::SessionACL::All;
    fuser_config.n_threads = Some(config.threads.max(1));
    fuser_config.clone_fd = true;
    let session =
        fuser::Session::from_fd(filesystem, fuse_fd, fuser::SessionACL::All, fuser_config)
            .and_then(fuser::Session::spawn);
    let session = match session {
        Ok(s) => s,
        Err(e) => {
            // The mount exists but nobody will serve it.
            let _ = unmount(&mountpoint, 0);
            return Err(e);
        }
    };
    Ok(Node {
        mountpoint,
        device,
        files,
        session: Some(session),
    })
}

/// Opens `/dev/fuse` and mounts it at `mountpoint` (mount(2) directly: we
/// are root, so no fusermount helper is involved).
fn mount_fuse(mountpoint: &Path) -> io::Result<OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    use rustix::mount::MountFlags;
    let fd = rustix::fs::open("/dev/fuse", OFlags::RDWR | OFlags::CLOEXEC, Mode::empty())?;
    let data = format!(
        "fd={},rootmode=40755,user_id={},group_id={},allow_other,default_permissions",
        fd.as_raw_fd(),
        rustix::process::geteuid().as_raw(),
        rustix::process::getegid().as_raw(),
    );
    let data = std::ffi::CString::new(data).map_err(io::Error::other)?;
    rustix::mount::mount(
        "softaccel",
        mountpoint,
        FS_TYPE,
        MountFlags::NOSUID | MountFlags::NODEV | MountFlags::NOEXEC,
        data.as_c_str(),
    )?;
    Ok(fd)
}

/// Unmounts a node: plainly if nothing is open, else by aborting the
/// connection (`MNT_FORCE` runs FUSE's umount_begin, which aborts it) and
/// detaching the mount.
fn unmount(mountpoint: &Path, open_files: usize) -> io::Result<Shutdown> {
    use rustix::mount::UnmountFlags;
    match rustix::mount::unmount(mountpoint, UnmountFlags::empty()) {
        Ok(()) => return Ok(Shutdown::Clean),
        Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOENT) => {
            return Ok(Shutdown::AlreadyGone);
        }
        Err(rustix::io::Errno::BUSY) => {}
        Err(e) => return Err(e.into()),
    }
    match rustix::mount::unmount(mountpoint, UnmountFlags::FORCE) {
        Ok(()) => {}
        Err(rustix::io::Errno::BUSY) => {
            rustix::mount::unmount(mountpoint, UnmountFlags::DETACH)?;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Shutdown::Forced { open_files })
}

impl Node {
    /// Where the node is mounted (canonical).
    pub fn mountpoint(&self) -> &Path {
        &self.mountpoint
    }

    /// The device file: `<mountpoint>/softaccel0`.
    pub fn device_path(&self) -> PathBuf {
        self.mountpoint.join(DEVICE_NAME)
    }

    /// The device this node serves.
    pub fn device(&self) -> &Arc<Device> {
        &self.device
    }

    /// Files opened on the node and not yet released.
    pub fn open_files(&self) -> usize {
        self.files.len()
    }

    /// Whether the file opened on inode `ino` (what `fstat` on the
    /// client's descriptor reports: every open has its own inode) has not
    /// been released yet. The kernel sends RELEASE after `close()` has
    /// returned, so a client that needs a kernel driver's ordering (the
    /// driver's release done when the last `close` returns) waits on this.
    pub fn is_open(&self, ino: u64) -> bool {
        self.files.has_ino(ino)
    }

    /// Waits until the file on inode `ino` is released; false on timeout.
    pub fn wait_released(&self, ino: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.is_open(ino) {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        true
    }

    /// Whether the serving threads have ended (the file system was
    /// unmounted from outside, or the connection aborted).
    pub fn is_finished(&self) -> bool {
        self.session.as_ref().is_none_or(|s| s.guard.is_finished())
    }

    /// Unmounts the node and waits for its threads; files still open are
    /// released (their owners' later calls fail with ENOTCONN).
    pub fn shutdown(mut self) -> io::Result<Shutdown> {
        self.stop()
    }

    fn stop(&mut self) -> io::Result<Shutdown> {
        let Some(session) = self.session.take() else {
            return Ok(Shutdown::AlreadyGone);
        };
        let how = if session.guard.is_finished() {
            Shutdown::AlreadyGone
        } else {
            match unmount(&self.mountpoint, self.open_files()) {
                Ok(how) => how,
                Err(e) => {
                    // Still mounted and served: joining would wait forever.
                    std::mem::forget(session);
                    return Err(e);
                }
            }
        };
        // The unmount (or abort) ends the connection: every thread's read
        // fails with ENODEV and the session ends, releasing what is left.
        session.join()?;
        Ok(how)
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            eprintln!("{}: unmount failed: {e}", self.mountpoint.display());
        }
    }
}
