//! The FUSE file system of the node: a root directory holding the device
//! file, whose open, ioctl and release are the driver's.

use super::DEVICE_NAME;
use super::mem::{CallMem, arg_base};
use crate::device::{Creds, Device, FileCtx};
use crate::procmem::ProcessMem;
use crate::util::lock;
use fuser::{
    BackingId, Errno, FileAttr, FileHandle, FileType, Filesystem, FopenFlags, Generation, INodeNo,
    IoctlFlags, KernelConfig, LockOwner, OpenFlags, ReplyAttr, ReplyDirectory, ReplyEmpty,
    ReplyEntry, ReplyIoctl, ReplyOpen, Request,
};
use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// Entries and attributes are never cached: every path walk looks the
/// name up again and gets a fresh inode (see `lookup`).
const TTL: Duration = Duration::ZERO;

/// The inode number the root directory lists the device file under;
/// lookups hand out fresh numbers above it.
const LISTED_INO: u64 = 2;

/// One open of the device file.
struct Open {
    file: Arc<FileCtx>,
    /// The passthrough registration of the file's memfd. Dropping it
    /// closes it in the kernel, which would fail the client's mmaps, so
    /// it lives until release.
    _backing: BackingId,
    ino: u64,
    opener: Opener,
}

/// The open files of a node, by FUSE file handle.
#[derive(Default)]
pub(crate) struct Files {
    map: Mutex<HashMap<u64, Open>>,
}

impl Files {
    pub(crate) fn len(&self) -> usize {
        lock(&self.map).len()
    }

    pub(crate) fn has_ino(&self, ino: u64) -> bool {
        lock(&self.map).values().any(|o| o.ino == ino)
    }

    fn get(&self, fh: u64) -> Option<Arc<FileCtx>> {
        lock(&self.map).get(&fh).map(|o| o.file.clone())
    }

    /// The file open on inode `ino`, if any (each open has an inode of its
    /// own: see `lookup`).
    fn on_ino(&self, ino: u64) -> Option<Arc<FileCtx>> {
        lock(&self.map)
            .values()
            .find(|o| o.ino == ino)
            .map(|o| o.file.clone())
    }
}

/// The size the device file reports: the extent of the open file's BO
/// memory (its memfd's length), 0 before it is opened.
///
/// mmap never looks at it: a mapping goes through FUSE passthrough to the
/// memfd, which bounds it. Userspace libraries do look: Python's `mmap`
/// refuses a mapping past `st_size` of a regular file (a kernel driver's
/// node is a character device, which it does not size-check), and every
/// BO lies within the memfd, so this size admits exactly the mappings
/// that can succeed. And the kernel looks at open: a caller without
/// O_LARGEFILE (a 32-bit program built without _FILE_OFFSET_BITS=64) gets
/// EOVERFLOW from `generic_file_open` when the inode's size does not fit a
/// 32-bit `off_t`, as it did when this was a constant 2^46. An inode has
/// size 0 when it is opened (it is fresh from a lookup), so every open
/// succeeds; such a program's `fstat` fails with EOVERFLOW only once its
/// file holds more than 2 GiB of BO memory, past which its 32-bit `off_t`
/// could not name an mmap offset anyway.
fn file_size(file: &FileCtx) -> u64 {
    rustix::fs::fstat(file.memory()).map_or(0, |st| u64::try_from(st.st_size).unwrap_or(0))
}

/// Who opened a file, from `/proc/<tid>/status` of the opening thread.
#[derive(Debug, Clone, Default)]
struct Opener {
    pid: u32,
    name: String,
    creds: Option<Creds>,
}

impl Opener {
    /// FUSE's request pid is the calling thread's id; its status file
    /// has the process id (Tgid), the command name and the thread's
    /// effective capabilities, which a kernel driver would check through
    /// the opener's credentials.
    fn of(tid: u32) -> Opener {
        let mut o = Opener {
            pid: tid,
            ..Opener::default()
        };
        let Ok(status) = std::fs::read_to_string(format!("/proc/{tid}/status")) else {
            return o;
        };
        for line in status.lines() {
            if let Some(v) = line.strip_prefix("Name:") {
                o.name = v.trim().to_string();
            } else if let Some(v) = line.strip_prefix("Tgid:") {
                o.pid = v.trim().parse().unwrap_or(tid);
            } else if let Some(v) = line.strip_prefix("CapEff:")
                && let Ok(caps) = u64::from_str_radix(v.trim(), 16)
            {
                const CAP_SYS_NICE: u32 = 23;
                const CAP_SYS_ADMIN: u32 = 21;
                o.creds = Some(Creds {
                    cap_sys_nice: caps & (1 << CAP_SYS_NICE) != 0,
                    privileged: caps & (1 << CAP_SYS_ADMIN) != 0,
                });
            }
        }
        o
    }
}

impl std::fmt::Display for Opener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pid {} ({})", self.pid, self.name)
    }
}

pub(crate) struct NodeFs {
    device: Arc<Device>,
    files: Arc<Files>,
    next_ino: AtomicU64,
    next_fh: AtomicU64,
    arg_base: u64,
    log: Option<String>,
    uid: u32,
    gid: u32,
    mounted_at: SystemTime,
}

fn errno(e: uabi_runtime::Errno) -> Errno {
    Errno::from_i32(e.0)
}

impl NodeFs {
    pub(crate) fn new(
        device: Arc<Device>,
        files: Arc<Files>,
        mountpoint: &Path,
        log: bool,
    ) -> NodeFs {
        NodeFs {
            device,
            files,
            next_ino: AtomicU64::new(LISTED_INO + 1),
            next_fh: AtomicU64::new(1),
            arg_base: arg_base(),
            log: log.then(|| mountpoint.display().to_string()),
            uid: rustix::process::geteuid().as_raw(),
            gid: rustix::process::getegid().as_raw(),
            mounted_at: SystemTime::now(),
        }
    }

    fn log(&self, msg: std::fmt::Arguments<'_>) {
        if let Some(name) = &self.log {
            eprintln!("{name}: {msg}");
        }
    }

    /// The attributes of inode `ino`, with `size` as the device file's
    /// size (see [`file_size`]).
    fn attr(&self, ino: u64, size: u64) -> FileAttr {
        let dir = ino == INodeNo::ROOT.0;
        FileAttr {
            ino: INodeNo(ino),
            size: if dir { 0 } else { size },
            blocks: 0,
            atime: self.mounted_at,
            mtime: self.mounted_at,
            ctime: self.mounted_at,
            crtime: self.mounted_at,
            kind: if dir {
                FileType::Directory
            } else {
                FileType::RegularFile
            },
            // Any user may open the device (the mount allows other users);
            // the driver checks each opener's own capabilities.
            perm: if dir { 0o755 } else { 0o666 },
            nlink: if dir { 2 } else { 1 },
            uid: self.uid,
            gid: self.gid,
            rdev: 0,
            blksize: 4096,
            flags: 0,
        }
    }

    /// The driver's release of file `fh`. The entry leaves the table only
    /// once the driver's state is freed (and the `FileCtx` dropped, unless
    /// an ioctl still running holds it), so whoever sees the file gone
    /// from [`Files`] sees the driver done with it.
    fn release_fh(&self, fh: u64, why: &str) {
        let Some(file) = self.files.get(fh) else {
            return;
        };
        let (bos, queues) = {
            let st = lock(&file.state);
            (st.bos.len(), st.queues.len())
        };
        self.device.release(&file);
        drop(file);
        let mut map = lock(&self.files.map);
        let Some(open) = map.remove(&fh) else {
            return;
        };
        let opener = open.opener.clone();
        drop(open);
        let left = map.len();
        drop(map);
        self.log(format_args!(
            "{why} #{fh} (opened by {opener}): freed {bos} BO(s), {queues} queue(s); {left} open"
        ));
    }
}

impl Filesystem for NodeFs {
    fn init(&mut self, _req: &Request, config: &mut KernelConfig) -> std::io::Result<()> {
        config
            .add_capabilities(fuser::InitFlags::FUSE_PASSTHROUGH)
            .map_err(|_| {
                std::io::Error::new(
                    std::io::ErrorKind::Unsupported,
                    "this kernel has no FUSE passthrough (needs Linux 6.9+ with \
                     CONFIG_FUSE_PASSTHROUGH): BO memory could not be shared",
                )
            })?;
        // 0 (the default) disables passthrough; the backing memfds are not
        // on a stacked file system, so 1 is enough.
        config
            .set_max_stack_depth(1)
            .map_err(|_| std::io::Error::other("max_stack_depth 1 refused"))?;
        Ok(())
    }

    fn destroy(&mut self) {
        // The connection is gone (unmounted or aborted): no RELEASE will
        // come for the files still open.
        let left: Vec<u64> = lock(&self.files.map).keys().copied().collect();
        for fh in left {
            self.release_fh(fh, "connection closed: release");
        }
    }

    fn lookup(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEntry) {
        if parent != INodeNo::ROOT || name != DEVICE_NAME {
            reply.error(Errno::ENOENT);
            return;
        }
        // A fresh inode per lookup: the kernel allows one passthrough
        // backing file per inode at a time, and each open needs its own
        // (its own BO memory). With TTL 0 every open walks the path again.
        let ino = self.next_ino.fetch_add(1, Ordering::Relaxed);
        // Nothing is open on a fresh inode: size 0 (what `open` checks).
        reply.entry(&TTL, &self.attr(ino, 0), Generation(0));
    }

    fn getattr(&self, _req: &Request, ino: INodeNo, fh: Option<FileHandle>, reply: ReplyAttr) {
        // fstat names the open file; stat by path finds it by inode.
        let file = fh
            .and_then(|fh| self.files.get(fh.0))
            .or_else(|| self.files.on_ino(ino.0));
        let size = file.as_deref().map_or(0, file_size);
        reply.attr(&TTL, &self.attr(ino.0, size));
    }

    fn readdir(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        mut reply: ReplyDirectory,
    ) {
        if ino != INodeNo::ROOT {
            reply.error(Errno::ENOTDIR);
            return;
        }
        let entries = [
            (INodeNo::ROOT, FileType::Directory, "."),
            (INodeNo::ROOT, FileType::Directory, ".."),
            (INodeNo(LISTED_INO), FileType::RegularFile, DEVICE_NAME),
        ];
        for (i, (ino, kind, name)) in entries.iter().enumerate().skip(offset as usize) {
            if reply.add(*ino, i as u64 + 1, *kind, name) {
                break;
            }
        }
        reply.ok();
    }

    fn open(&self, req: &Request, ino: INodeNo, _flags: OpenFlags, reply: ReplyOpen) {
        if ino == INodeNo::ROOT {
            reply.error(Errno::EISDIR);
            return;
        }
        let opener = Opener::of(req.pid());
        let creds = opener.creds.unwrap_or(Creds {
            cap_sys_nice: false,
            privileged: false,
        });
        let file = match self.device.open_with(creds) {
            Ok(f) => Arc::new(f),
            Err(e) => {
                self.log(format_args!("open by {opener} failed: {e}"));
                reply.error(errno(e));
                return;
            }
        };
        let backing = match reply.open_backing(file.memory()) {
            Ok(b) => b,
            Err(e) => {
                self.log(format_args!(
                    "open by {opener}: passthrough of the BO memory refused: {e}"
                ));
                self.device.release(&file);
                reply.error(Errno::from(e));
                return;
            }
        };
        let fh = self.next_fh.fetch_add(1, Ordering::Relaxed);
        let mut map = lock(&self.files.map);
        let count = map.len() + 1;
        let open = map.entry(fh).insert_entry(Open {
            file,
            _backing: backing,
            ino: ino.0,
            opener,
        });
        let open = open.into_mut();
        self.log(format_args!("open #{fh} by {}; {count} open", open.opener));
        // Replied under the lock so the entry exists before the client can
        // use the file, and no release can race the reply.
        reply.opened_passthrough(FileHandle(fh), FopenFlags::empty(), &open._backing);
    }

    fn release(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        _flush: bool,
        reply: ReplyEmpty,
    ) {
        self.release_fh(fh.0, "release");
        reply.ok();
    }

    fn ioctl(
        &self,
        req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        flags: IoctlFlags,
        cmd: u32,
        in_data: &[u8],
        out_size: u32,
        reply: ReplyIoctl,
    ) {
        if flags.contains(IoctlFlags::FUSE_IOCTL_DIR) {
            reply.error(Errno::ENOTTY);
            return;
        }
        let Some(file) = self.files.get(fh.0) else {
            reply.error(Errno::EBADF);
            return;
        };
        let caller = ProcessMem {
            pid: req.pid() as libc::pid_t,
        };
        let mem = CallMem::new(self.arg_base, in_data, out_size as usize, caller);
        // admin-perm answers from the caller of this very call, as
        // capable() does in a kernel driver.
        let result = crate::device::as_caller(req.uid() == 0, || {
            softaccel_kernel::dispatch(&*self.device, &*file, &mem, cmd, self.arg_base)
        });
        // Let go of the file before the caller can go on: once it has its
        // answer it may close the file, and the release must find this
        // reference gone.
        drop(file);
        match result {
            Ok(()) => reply.ioctl(0, &mem.into_reply()),
            Err(e) => {
                // An ioctl that copies its argument back even when it fails
                // (CONTROL's error-offset, error-attr and reply-len): the
                // kernel copies the data and returns the negative result.
                let out = mem.into_reply();
                if out.is_empty() {
                    reply.error(errno(e));
                } else {
                    reply.ioctl(-e.0, &out);
                }
            }
        }
    }
}
