//! Stress and client death (issue 17): client processes, two threads
//! each, hammer one device node with every kind of call (BOs created,
//! mapped, written, destroyed; queues; submissions of fills and large
//! copies; WAITs; PERF_STATS; files closed and reopened), while the test
//! kills a random client with SIGKILL every few hundred milliseconds (so
//! clients die mid-submit, mid-WAIT, mid-mmap) and starts another.
//!
//! Afterwards: no client ever saw the device fail (a client that exits on
//! its own, rather than being killed, failed: it stops at the first
//! `ENOTCONN`, `EIO` or unexpected error); the device's live counts are
//! zero once every killed client's file is released; the serving process
//! holds exactly the file descriptors (memfds included) it held before;
//! and its memory stayed bounded. The figures are printed.
//!
//! `UABI_SOAK_SECS` sets the length (default 10 s: the CI run);
//! `scripts/soak.sh` runs it for 10 minutes. The FUSE node is served by
//! this process; `soak_kernel_module` (run in the guest by
//! scripts/guest-tests.sh) does the same against the C kernel module,
//! whose counters come from its debugfs file.

// Tests report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{copy, fill};
use softaccel_driver::accel_uapi::{
    self as core, BoCreate, BoDestroy, BoInfo, QueueCreate, QueueDestroy, SetParam, param,
    queue_priority,
};
use softaccel_driver::kmod::KernelModule;
use softaccel_driver::node;
use softaccel_driver::uapi::{self, Cmd, PerfCounter, PerfStats, Submit, Wait};
use softaccel_driver::{Counters, Device, DeviceConfig, monotonic_ns};
use softaccel_user::accel_user;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use uabi_runtime::Errno;
use uabi_runtime::transport::{CallError, FdTransport, Transport};
use uabi_test_support::Rng;

const CLIENTS: usize = 4;
const CORE_REV: u32 = core::REVISION;
const REV: u32 = uapi::REVISION;

// ------------------------------------------------------------ the client

/// An errno a hammering client may get by design (it destroys what its
/// other thread still uses, submits while the queue is full, waits with a
/// short deadline). Anything else means the device misbehaved.
fn expected(e: Errno) -> bool {
    [
        Errno::ENOENT,
        Errno::EBUSY,
        Errno::ETIMEDOUT,
        Errno::ECANCELED,
        Errno::EINVAL,
        Errno::ENOMEM,
        Errno::ENOSPC,
    ]
    .contains(&e)
}

fn check<T>(what: &str, r: Result<T, CallError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(CallError::Errno { errno, .. }) if expected(errno) => None,
        Err(e) => {
            eprintln!("soak client: {what}: {e}");
            std::process::exit(3);
        }
    }
}

/// One thread's loop on a shared open file; never returns.
fn hammer(path: &Path, seed: u64, ops: &AtomicU64) -> ! {
    let mut rng = Rng::new(seed);
    let mut t = FdTransport::open(path).unwrap_or_else(|e| {
        eprintln!("soak client: open: {e}");
        std::process::exit(3)
    });
    let mut bos: Vec<(u32, u64)> = Vec::new();
    let mut queues: Vec<(u32, u64)> = Vec::new();
    let mut on = SetParam {
        param: param::PERF_STATS_ENABLE,
        value: 1,
        ..SetParam::ZERO
    };
    check("set-param", accel_user::set_param(&t, CORE_REV, &mut on));
    loop {
        match rng.below(100) {
            0..=14 if bos.len() < 8 => {
                let size = 4096 << rng.below(9);
                let mut b = BoCreate {
                    size,
                    ..BoCreate::ZERO
                };
                if check("bo-create", accel_user::bo_create(&t, CORE_REV, &mut b)).is_some() {
                    bos.push((b.handle, size));
                }
            }
            15..=24 if !bos.is_empty() => {
                let (handle, size) = bos[rng.below(bos.len() as u64) as usize];
                let mut info = BoInfo {
                    handle,
                    ..BoInfo::ZERO
                };
                if check("bo-info", accel_user::bo_info(&t, CORE_REV, &mut info)).is_some() {
                    match t.mmap(info.mmap_offset, size as usize) {
                        Ok(m) => {
                            // SAFETY: the mapping is `size` bytes long and
                            // ours until dropped; the device may write it
                            // concurrently, which volatile stores tolerate.
                            unsafe { m.as_ptr().write_volatile(rng.u64() as u8) };
                        }
                        Err(e) if expected(e) => {}
                        Err(e) => {
                            eprintln!("soak client: mmap: {e}");
                            std::process::exit(3);
                        }
                    }
                }
            }
            25..=32 if queues.len() < 3 => {
                let mut q = QueueCreate {
                    priority: queue_priority::NORMAL,
                    ..QueueCreate::ZERO
                };
                if check(
                    "queue-create",
                    accel_user::queue_create(&t, CORE_REV, &mut q),
                )
                .is_some()
                {
                    queues.push((q.handle, 0));
                }
            }
            33..=59 if !bos.is_empty() && !queues.is_empty() => {
                let qi = rng.below(queues.len() as u64) as usize;
                let n = 1 + rng.below(6) as usize;
                let cmds: Vec<Cmd> = (0..n)
                    .map(|_| {
                        let (a, asize) = bos[rng.below(bos.len() as u64) as usize];
                        let (b, bsize) = bos[rng.below(bos.len() as u64) as usize];
                        if a != b && rng.below(2) == 0 {
                            copy(a, 0, b, 0, asize.min(bsize))
                        } else {
                            fill(a, 0, asize, rng.u64() & 0xff)
                        }
                    })
                    .collect();
                let mut s = Submit {
                    queue: queues[qi].0,
                    ..Submit::ZERO
                };
                if check("submit", softaccel_user::submit(&t, REV, &mut s, &cmds)).is_some() {
                    queues[qi].1 = s.seqno;
                }
            }
            60..=74 if !queues.is_empty() => {
                let (queue, seqno) = queues[rng.below(queues.len() as u64) as usize];
                if seqno > 0 {
                    let mut w = Wait {
                        queue,
                        seqno,
                        timeout_ns: monotonic_ns() + rng.below(200_000_000) as i64,
                        ..Wait::ZERO
                    };
                    check("wait", softaccel_user::wait(&t, REV, &mut w));
                }
            }
            75..=79 => {
                let mut counters = [PerfCounter::ZERO; 5];
                let mut p = PerfStats::ZERO;
                check(
                    "perf-stats",
                    softaccel_user::perf_stats(&t, REV, &mut p, &mut counters),
                );
            }
            80..=87 if !bos.is_empty() => {
                let (handle, _) = bos.swap_remove(rng.below(bos.len() as u64) as usize);
                let mut d = BoDestroy {
                    handle,
                    ..BoDestroy::ZERO
                };
                check("bo-destroy", accel_user::bo_destroy(&t, CORE_REV, &mut d));
            }
            88..=92 if !queues.is_empty() => {
                let (handle, _) = queues.swap_remove(rng.below(queues.len() as u64) as usize);
                let mut d = QueueDestroy {
                    handle,
                    ..QueueDestroy::ZERO
                };
                check(
                    "queue-destroy",
                    accel_user::queue_destroy(&t, CORE_REV, &mut d),
                );
            }
            93 => {
                // Close with everything still owned, and start over.
                t = FdTransport::open(path).unwrap_or_else(|e| {
                    eprintln!("soak client: reopen: {e}");
                    std::process::exit(3)
                });
                bos.clear();
                queues.clear();
            }
            _ => continue,
        }
        ops.fetch_add(1, Ordering::Relaxed);
    }
}

/// Run only as a child of the soak tests: two threads hammer the device
/// at `SOFTACCEL_SOAK_DEVICE` (each with its own open file, and a third
/// file shared between them) until the test kills the process. Prints its
/// operation count every 100 ms.
#[test]
#[ignore = "helper process of the soak tests"]
fn soak_client() {
    let Ok(path) = std::env::var("SOFTACCEL_SOAK_DEVICE") else {
        return;
    };
    let seed: u64 = std::env::var("SOFTACCEL_SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let ops: &'static AtomicU64 = Box::leak(Box::new(AtomicU64::new(0)));
    for i in 0..2 {
        let path = PathBuf::from(&path);
        std::thread::spawn(move || hammer(&path, seed.wrapping_mul(31).wrapping_add(i), ops));
    }
    let mut last = 0;
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let now = ops.load(Ordering::Relaxed);
        println!("ops {}", now - last);
        let _ = std::io::stdout().flush();
        last = now;
    }
}

// ------------------------------------------------------------ the soak

/// What a soak reports.
#[derive(Debug, Default)]
struct Figures {
    ops: u64,
    kills: u64,
    peak_rss_kib: u64,
    start_rss_kib: u64,
}

fn spawn_client(device: &Path, seed: u64, ops: &Arc<AtomicU64>) -> Child {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["soak_client", "--exact", "--ignored", "--nocapture"])
        .env("SOFTACCEL_SOAK_DEVICE", device)
        .env("SOFTACCEL_SOAK_SEED", seed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn a client");
    let out = child.stdout.take().unwrap();
    let ops = ops.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Some(n) = line
                .strip_prefix("ops ")
                .and_then(|n| n.parse::<u64>().ok())
            {
                ops.fetch_add(n, Ordering::Relaxed);
            }
        }
    });
    child
}

/// Kills `child` with SIGKILL and checks it had not ended on its own.
fn kill(mut child: Child) {
    if let Ok(Some(status)) = child.try_wait() {
        panic!("a client ended on its own ({status}): the device failed it (its stderr says how)");
    }
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("reap");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        status.signal(),
        Some(9),
        "a client ended with {status}, not SIGKILL"
    );
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// This process's open file descriptors, by what they point at.
fn fds() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read_link(e.path()).ok())
        .map(|p| p.display().to_string())
        // The directory listing itself.
        .filter(|p| !p.starts_with("/proc/"))
        .collect();
    out.sort();
    out
}

fn soak_secs() -> u64 {
    std::env::var("UABI_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
}

/// Runs the clients against `device` for the soak's length.
fn run_clients(device: &Path) -> Figures {
    let ops = Arc::new(AtomicU64::new(0));
    let mut rng = Rng::new(monotonic_ns() as u64);
    let mut figures = Figures {
        start_rss_kib: rss_kib(),
        ..Figures::default()
    };
    let mut clients: Vec<Child> = (0..CLIENTS)
        .map(|_| spawn_client(device, rng.u64(), &ops))
        .collect();
    let end = Instant::now() + Duration::from_secs(soak_secs());
    while Instant::now() < end {
        std::thread::sleep(Duration::from_millis(20 + rng.below(400)));
        let victim = clients.swap_remove(rng.below(clients.len() as u64) as usize);
        kill(victim);
        figures.kills += 1;
        clients.push(spawn_client(device, rng.u64(), &ops));
        figures.peak_rss_kib = figures.peak_rss_kib.max(rss_kib());
    }
    for c in clients {
        kill(c);
        figures.kills += 1;
    }
    // The reader threads add the last lines as the pipes close.
    std::thread::sleep(Duration::from_millis(200));
    figures.ops = ops.load(Ordering::Relaxed);
    figures
}

/// Prints the figures; `serving` says whether this process served the
/// device (the FUSE node), so that its memory is the server's.
fn report(which: &str, f: &Figures, leaked: &Counters, serving: bool) {
    let memory = if serving {
        format!(
            "serving process RSS {} MiB at start, peak {} MiB",
            f.start_rss_kib / 1024,
            f.peak_rss_kib / 1024
        )
    } else {
        "the kernel serves (no process memory to watch)".to_string()
    };
    println!(
        "soak ({which}): {} s, {} operations, {} clients killed, {memory}; leaked: files {}, \
         BOs {}, queues {}, submissions {}",
        soak_secs(),
        f.ops,
        f.kills,
        leaked.files,
        leaked.bos,
        leaked.queues,
        leaked.pending_submissions
    );
}

fn assert_nothing_live(which: &str, c: &Counters) {
    assert_eq!(
        (c.files, c.bos, c.queues, c.pending_submissions),
        (0, 0, 0, 0),
        "{which}: objects outlived every client: {c:?}"
    );
}

#[test]
fn killed_clients_leak_nothing_from_the_fuse_node() {
    if let Err(why) = node::check_available() {
        if std::env::var("UABI_ALLOW_NO_FUSE").as_deref() == Ok("1") {
            uabi_test_support::skipped(
                "soak of the FUSE node",
                &format!("{why} (UABI_ALLOW_NO_FUSE=1)"),
            );
            return;
        }
        panic!("the FUSE node cannot be soaked: {why} (UABI_ALLOW_NO_FUSE=1 skips it)");
    }
    let dir = std::env::temp_dir().join(format!("softaccel-soak-{}", std::process::id()));
    let _ = node::clear_stale_mount(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fds_before = fds();
    let device = Device::new(DeviceConfig::default()).expect("device");
    let served = node::spawn(&dir, device.clone()).expect("serve the node");
    let fds_serving = fds();
    let figures = run_clients(&served.device_path());
    let deadline = Instant::now() + Duration::from_secs(60);
    while served.open_files() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        device.wait_idle(Duration::from_secs(60)),
        "the engines never went idle"
    );
    let c = device.counters();
    report("FUSE node", &figures, &c, true);
    assert_nothing_live("FUSE node", &c);
    // Each FUSE worker thread holds a clone of /dev/fuse, opened as it
    // starts: at most one per thread, never one per client.
    let fuse = |v: &[String]| v.iter().filter(|p| *p == "/dev/fuse").count();
    let now = fds();
    assert!(
        fuse(&now) <= 1 + node::NodeConfig::default().threads,
        "{now:?}"
    );
    let others =
        |v: Vec<String>| -> Vec<String> { v.into_iter().filter(|p| p != "/dev/fuse").collect() };
    assert_eq!(
        others(now),
        others(fds_serving),
        "the node's file descriptors (memfds included) leaked"
    );
    served.shutdown().expect("the node shuts down");
    assert_eq!(
        fds(),
        fds_before,
        "file descriptors leaked once the node was gone"
    );
    let _ = std::fs::remove_dir(&dir);
    assert!(figures.ops > 100 && figures.kills >= 2, "{figures:?}");
    // Bounded: what a 10-minute soak may grow by is what the engines'
    // and the FUSE threads' buffers take, not a leak per call.
    assert!(
        figures.peak_rss_kib < figures.start_rss_kib + 256 * 1024,
        "the serving process grew from {} to {} KiB",
        figures.start_rss_kib,
        figures.peak_rss_kib
    );
}

/// The same against the C kernel module, in the guest
/// (`scripts/guest-tests.sh` runs it with `--ignored` there).
#[test]
#[ignore = "needs the softaccel kernel module: run in the guest by scripts/guest-tests.sh"]
fn soak_kernel_module() {
    let module = KernelModule::find().expect("the softaccel module is loaded");
    module
        .reset_counters()
        .expect("reset the module's counters");
    let figures = run_clients(module.device_path());
    assert!(
        module.wait_idle(Duration::from_secs(60)),
        "the module never went idle"
    );
    let c = module.counters().expect("the module's counters");
    report("kernel module", &figures, &c, false);
    assert_nothing_live("kernel module", &c);
    assert!(figures.ops > 100 && figures.kills >= 2, "{figures:?}");
}
