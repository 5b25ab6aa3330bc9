//! The compatibility matrix: every frozen revision's userspace against the
//! current driver, and the current userspace against a driver restricted
//! to an old revision. Both directions go through the generated dispatch
//! the real driver uses (`softaccel_kernel::dispatch`, which plays the
//! revision the driver reports); the node tests through real `ioctl(2)`
//! calls on the FUSE device node.
//!
//! - Old userspace on the new driver: the user-side crates of revision 1
//!   are generated here, with the `uabi` library, from the spec files kept
//!   in `revisions/r1/`; `old-userspace/main.rs` is built against them in
//!   a cargo workspace of its own (offline; its target directory under
//!   `target/tmp/compat-matrix` is kept between runs as the build cache)
//!   and run against the current driver through the node. It makes every
//!   revision-1 call with revision-1 struct sizes and checks the results;
//!   the harness checks its transcript, including the command word of every
//!   ioctl it sent, against the revision-1 model. The same binary runs
//!   against a driver restricted to revision 1, which must answer the same.
//! - New userspace on an old driver: the current userlib against a driver
//!   configured with revision 1 of both specs, in process and through the
//!   node. Every revision-2 feature must fail cleanly with the library's
//!   typed `FeatureUnsupported` (the driver announces none of them), every
//!   old call must work, and the driver itself must answer revision-2
//!   requests as a revision-1 driver does. Through the node, the Rust
//!   program of the cross-language scenario must also print the transcript
//!   a revision-1 driver gives.
//!
//! Each direction runs against the kernel module's `/dev/softaccel0` too,
//! in the QEMU guest (ignored tests here; scripts/guest-tests.sh runs them).
//!
//! The node tests need root and /dev/fuse: they fail without them unless
//! `UABI_ALLOW_NO_FUSE=1`, which skips them loudly.

use compat_tests::scenario::{self, Params};
use softaccel::accel::{BoFlags, Capabilities, Param, QueueFlags, QueuePriority};
use softaccel::softaccel::{Batch, Device, DeviceCaps};
use softaccel::softaccel_user::{self, accel_user, uapi};
use softaccel::{CallError, Errno, Error, Transport};
use softaccel_driver::kmod::KernelModule;
use softaccel_driver::node::{self, Node, Shutdown};
use softaccel_driver::{self as drv, DeviceConfig};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use uabi::model::Model;
use uabi::target::Target;

const SEC: Duration = Duration::from_secs(10);

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("compat-tests sits in the repository")
        .to_path_buf()
}

/// The softaccel spec of a frozen revision, with the accel core it
/// includes, as `compat-tests/revisions/<rev>/` keeps them.
fn frozen(rev: &str) -> Arc<Model> {
    let rel = format!("compat-tests/revisions/{rev}/softaccel.yaml");
    uabi::load::load(&repo().join(&rel), Some(&rel)).unwrap_or_else(|d| {
        panic!("the frozen spec {rel} does not load: {d:?}");
    })
}

fn core_of(m: &Model) -> &Model {
    m.includes
        .iter()
        .find(|i| i.name == "accel")
        .expect("softaccel includes the accel core")
}

/// The mask of flags `name` of a model.
fn flags_mask(m: &Model, name: &str) -> u32 {
    let e = m.enums.iter().find(|e| e.name == name).expect(name);
    u32::try_from(e.mask()).expect("a u32 mask")
}

fn entries(m: &Model, name: &str) -> usize {
    m.enums
        .iter()
        .find(|e| e.name == name)
        .expect(name)
        .entries
        .len()
}

/// The target this test runs on, whose command words the programs send.
fn host() -> Target {
    let name = match std::env::consts::ARCH {
        "x86" => "i386",
        "powerpc64" => "powerpc64le",
        a => a,
    };
    Target::from_name(name).unwrap_or_else(|| panic!("no uabi target for {name}"))
}

/// Whether the node can be used; if not, fails unless
/// `UABI_ALLOW_NO_FUSE=1`, and then says loudly what is skipped.
fn node_available(what: &str) -> bool {
    match node::check_available() {
        Ok(()) => true,
        Err(why) if std::env::var("UABI_ALLOW_NO_FUSE").as_deref() == Ok("1") => {
            uabi_test_support::skipped(what, &format!("{why} (UABI_ALLOW_NO_FUSE=1)"));
            false
        }
        Err(why) => panic!(
            "{what} needs the device node: {why}; run as root with /dev/fuse, or set \
             UABI_ALLOW_NO_FUSE=1 to skip it"
        ),
    }
}

/// A device served as a node in a fresh directory, unmounted and the
/// directory removed however the test ends.
struct Mounted {
    node: Option<Node>,
    dir: PathBuf,
}

impl Mounted {
    fn new(device: Arc<drv::Device>) -> Mounted {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "uabi-matrix-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let node = node::spawn(&dir, device).expect("mount the device node");
        Mounted {
            node: Some(node),
            dir,
        }
    }

    fn node(&self) -> &Node {
        self.node.as_ref().expect("mounted")
    }

    fn path(&self) -> PathBuf {
        self.node().device_path()
    }

    /// Waits for the kernel's releases of every closed file, then checks
    /// the driver holds nothing, and unmounts.
    fn finish(mut self) {
        let deadline = Instant::now() + SEC;
        while self.node().open_files() != 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        assert_eq!(self.node().open_files(), 0, "files left open");
        let device = self.node().device().clone();
        assert!(device.wait_idle(SEC), "work left pending");
        let c = device.counters();
        assert_eq!(
            (c.files, c.bos, c.queues, c.pending_submissions),
            (0, 0, 0, 0),
            "the driver still holds objects: {c:?}"
        );
        let how = self.node.take().expect("mounted").shutdown();
        assert_eq!(how.expect("unmount"), Shutdown::Clean);
        let _ = std::fs::remove_dir(&self.dir);
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        drop(self.node.take());
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// A driver that implements revision 1 of both specs and nothing later.
fn revision_1() -> DeviceConfig {
    DeviceConfig {
        revision: 1,
        core_revision: 1,
        ..DeviceConfig::default()
    }
}

/// Runs `cmd`, panicking with its output unless it succeeds.
fn run_ok(what: &str, cmd: &mut Command) -> String {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {cmd:?}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{cmd:?}\n--- stdout\n{stdout}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

// ------------------------------------------------------------------------
// Old userspace on the new driver

/// Builds `old-userspace/main.rs` against the revision-1 user crates,
/// generated now from `revisions/r1/`, and returns the binary. Built once
/// per test run; the scratch workspace is kept, so later runs only
/// recompile what changed.
fn old_userspace() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| build_old_userspace(&frozen("r1")))
}

fn build_old_userspace(r1: &Model) -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("compat-matrix/r1");
    // Laid out like the repository, so the generated manifests' relative
    // paths hold: generated/<spec>/rust/<crate>, and codegen/runtime (the
    // runtime every generated crate depends on), linked to the real one.
    let mut files = uabi::backend::render_all(r1).unwrap();
    files.extend(uabi::backend::render_all(core_of(r1)).unwrap());
    // Written only where they changed, so cargo's fingerprints hold.
    uabi::pipeline::write(&root.join("generated"), &files)
        .expect("write the revision-1 generated crates");
    let runtime = root.join("codegen/runtime");
    if std::fs::symlink_metadata(&runtime).is_err() {
        std::fs::create_dir_all(root.join("codegen")).expect("create codegen/");
        std::os::unix::fs::symlink(repo().join("codegen/runtime"), &runtime)
            .expect("link the runtime");
    }
    let prog = root.join("old-userspace");
    std::fs::create_dir_all(prog.join("src")).expect("create the program's directory");
    let manifest = "[package]\n\
        name = \"old-userspace\"\n\
        version = \"0.1.0\"\n\
        edition = \"2024\"\n\
        publish = false\n\
        \n\
        # Not part of the repository's workspace.\n\
        [workspace]\n\
        \n\
        [dependencies]\n\
        softaccel-user = { path = \"../generated/softaccel/rust/user\" }\n";
    let main = include_str!("../old-userspace/main.rs");
    for (path, text) in [
        (prog.join("Cargo.toml"), manifest),
        (prog.join("src/main.rs"), main),
    ] {
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
            std::fs::write(&path, text).expect("write the program");
        }
    }
    // The repository's lock file pins the same dependency versions, all in
    // the local registry cache already (the build is offline).
    let lock = prog.join("Cargo.lock");
    if !lock.exists() {
        std::fs::copy(repo().join("Cargo.lock"), &lock).expect("copy Cargo.lock");
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // One target folder for every nested workspace of the test suites,
    // kept between runs: dependencies build once, not once per test.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("nested-target");
    run_ok(
        "building old-userspace against the revision-1 crates",
        Command::new(cargo)
            .args(["build", "--offline", "--quiet", "--manifest-path"])
            .arg(prog.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS"),
    );
    target.join("debug/old-userspace")
}

/// What `old-userspace` prints against a driver reporting these
/// revisions and capabilities, from the revision-1 model alone.
fn old_userspace_transcript(r1: &Model, rev: u32, core_rev: u32, caps: u32) -> Vec<String> {
    let core = core_of(r1);
    let known = flags_mask(core, "capabilities");
    let mut lines = vec![
        format!("revision {rev} core-revision {core_rev}"),
        format!(
            "capabilities known {:#x} newer {:#x}",
            caps & known,
            caps & !known
        ),
        format!("params {} readable", entries(core, "param")),
        "bos 4 host-visible one-page".into(),
        "submit seqnos 1 2".into(),
        "results fill add-u32 crc32c copy add-f32 timestamp ok".into(),
        // Two SUBMITs: all six opcodes, then one add-u32.
        format!(
            "perf-stats counters {} submits Some(2) cmds-completed Some({})",
            entries(r1, "perf-counter-id"),
            entries(r1, "opcode") + 1
        ),
        "errors EINVAL ENOENT EINVAL EINVAL EINVAL EINVAL EINVAL".into(),
        "destroyed; bo-info ENOENT".into(),
    ];
    for io in core.ioctls.iter().chain(&r1.ioctls) {
        let cmd = io.cmds[&host()].expect("the command fits the host's encoding");
        lines.push(format!("sent {} {cmd:#010x}", io.name));
    }
    lines
}

fn run_old_userspace(device: &Path) -> Vec<String> {
    let out = run_ok("old-userspace", Command::new(old_userspace()).arg(device));
    out.lines().map(str::to_owned).collect()
}

#[test]
fn revision_1_userspace_works_unchanged_on_the_current_driver() {
    let r1 = frozen("r1");
    let exe = old_userspace();
    assert!(exe.is_file(), "{} was built", exe.display());

    // The old sizes are what goes over the wire: BO_CREATE grew in
    // revision 2, so its command word differs from today's.
    let old = core_of(&r1)
        .ioctls
        .iter()
        .find(|io| io.name == "bo-create")
        .expect("bo-create");
    assert_eq!(old.arg_sizes[&host()], 16);
    assert_eq!(accel_user::uapi::BoCreate::SIZE, 24);
    assert_ne!(old.cmds[&host()], Some(accel_user::uapi::IOCTL_BO_CREATE));

    if !node_available("old userspace on the current driver (the device node)") {
        return;
    }
    for (config, what) in [
        (DeviceConfig::default(), "the current driver"),
        (revision_1(), "a driver restricted to revision 1"),
    ] {
        let want = old_userspace_transcript(
            &r1,
            config.revision,
            config.core_revision,
            config.effective_capabilities(),
        );
        let device = drv::Device::new(config).expect("create the device");
        let mounted = Mounted::new(device);
        let got = run_old_userspace(&mounted.path());
        assert_eq!(got, want, "old-userspace on {what}");
        println!("old-userspace on {what}:\n{}", got.join("\n"));
        mounted.finish();
    }
}

// ------------------------------------------------------------------------
// New userspace on an old driver

/// The library on a driver of revision 1: discovery finds no revision-2
/// feature, each one is refused without a call, the driver answers what
/// is sent anyway as revision 1 did, and every old call works.
/// `config` is the driver's configuration, `counters` reads its counters
/// (whichever backend serves it).
fn current_userspace_on_revision_1<T: Transport>(
    dev: &Device<T>,
    config: &DeviceConfig,
    counters: &dyn Fn() -> drv::Counters,
) {
    let r1 = frozen("r1");
    let core = core_of(&r1);
    assert_eq!((dev.core_revision(), dev.device_revision()), (1, 1));

    // Discovery: only revision-1 capability bits, no device capabilities,
    // no revision-2 parameters.
    let caps = dev.capabilities().unwrap();
    assert_eq!(
        caps.bits() & !flags_mask(core, "capabilities"),
        0,
        "{caps:?}"
    );
    assert_eq!(caps.bits(), config.effective_capabilities());
    assert!(!caps.intersects(Capabilities::BO_ALIGNMENT | Capabilities::READ_ONLY_BO));
    assert_eq!(dev.device_caps().unwrap(), DeviceCaps::empty());
    assert_eq!(dev.param_if_known(Param::MaxBoAlignment).unwrap(), None);
    assert_eq!(dev.param_if_known(Param::DeviceCapabilities).unwrap(), None);
    let info = dev.info().unwrap();
    assert_eq!((info.revision, info.core_revision), (1, 1));
    assert_eq!((info.max_bo_alignment, info.device_capabilities), (0, 0));
    for io in core.ioctls.iter().chain(&r1.ioctls) {
        assert!(dev.supports(&io.name), "{}", io.name);
    }
    assert!(!dev.supports("queue-info"));

    // Every revision-2 feature: the typed error, and nothing reaches the
    // driver.
    let before = counters();
    let q = dev
        .create_queue(QueuePriority::Normal, QueueFlags::empty())
        .unwrap();
    let unsupported = |e: Error, what: &str, capability: &str| {
        assert!(e.is_unsupported(), "{e}");
        assert_eq!(e.errno(), None, "{what}: the driver was not asked");
        match e {
            Error::FeatureUnsupported {
                what: w,
                capability: c,
            } => assert_eq!((w, c), (what, capability)),
            other => panic!("{what}: {other:?}"),
        }
    };
    unsupported(
        dev.create_bo_aligned(4096, BoFlags::HOST_VISIBLE, 1 << 16)
            .unwrap_err(),
        "BO alignment",
        "bo-alignment",
    );
    unsupported(
        dev.max_bo_alignment().unwrap_err(),
        "max-bo-alignment",
        "bo-alignment",
    );
    unsupported(
        dev.create_bo(4096, BoFlags::DEVICE_READ_ONLY).unwrap_err(),
        "device-read-only BO",
        "read-only-bo",
    );
    unsupported(dev.queue_info(&q).unwrap_err(), "queue-info", "queue-info");
    {
        let a = dev.create_bo(4096, BoFlags::empty()).unwrap();
        let mut xor = Batch::new();
        xor.xor_u32(&a, &a, &a, 1);
        unsupported(
            dev.submit(&q, &xor).unwrap_err(),
            "xor-u32 command",
            "xor-u32",
        );
    }
    let after = counters();
    assert_eq!(after.submits, before.submits, "no SUBMIT was made");

    // Sent anyway (past the library's checks), the driver answers as
    // revision 1 did: through the generated dispatch at revision 1.
    // SAFETY: only calls that create no work; the one BO made is destroyed.
    let t = unsafe { dev.transport() };
    let mut qi = uapi::QueueInfo {
        queue: q.handle(),
        ..uapi::QueueInfo::ZERO
    };
    assert_eq!(
        softaccel_user::queue_info(t, dev.device_revision(), &mut qi),
        Err(CallError::Unsupported {
            ioctl: "queue-info",
            since: 2,
            driver_revision: 1
        }),
        "the generated wrapper does not call an ioctl newer than the driver"
    );
    assert_eq!(
        softaccel_user::queue_info(t, 2, &mut qi),
        Err(CallError::Errno {
            ioctl: "queue-info",
            errno: Errno::ENOTTY
        })
    );
    for param in [
        accel_user::uapi::param::MAX_BO_ALIGNMENT,
        accel_user::uapi::param::DEVICE_CAPABILITIES,
    ] {
        assert_eq!(
            dev.raw_param(param).unwrap_err(),
            Error::InvalidArgument { ioctl: "get-param" }
        );
    }
    let mut ro = accel_user::uapi::BoCreate {
        size: 4096,
        flags: accel_user::uapi::bo_flags::DEVICE_READ_ONLY,
        ..accel_user::uapi::BoCreate::ZERO
    };
    assert_eq!(
        accel_user::bo_create(t, 1, &mut ro),
        Err(CallError::Errno {
            ioctl: "bo-create",
            errno: Errno::EINVAL
        })
    );
    // A revision-2 BO_CREATE (24 bytes) is zero-extended's opposite:
    // truncated to the 16 bytes revision 1 had. The alignment is ignored
    // and not written back, which is why the library checks the
    // capability first.
    let mut aligned = accel_user::uapi::BoCreate {
        size: 4096,
        flags: accel_user::uapi::bo_flags::HOST_VISIBLE,
        alignment: 1 << 20,
        ..accel_user::uapi::BoCreate::ZERO
    };
    accel_user::bo_create(t, 1, &mut aligned).unwrap();
    assert_ne!(aligned.handle, 0);
    assert_eq!(aligned.alignment, 1 << 20, "bytes 16..24 were not written");
    let mut destroy = accel_user::uapi::BoDestroy {
        handle: aligned.handle,
        ..accel_user::uapi::BoDestroy::ZERO
    };
    accel_user::bo_destroy(t, 1, &mut destroy).unwrap();
    {
        let a = dev.create_bo(4096, BoFlags::empty()).unwrap();
        let mut xor = Batch::new();
        xor.xor_u32(&a, &a, &a, 1);
        let mut s = uapi::Submit {
            queue: q.handle(),
            ..uapi::Submit::ZERO
        };
        assert_eq!(
            softaccel_user::submit(t, 1, &mut s, xor.cmds()),
            Err(CallError::Errno {
                ioctl: "submit",
                errno: Errno::EINVAL
            }),
            "an opcode revision 1 did not have"
        );
    }

    // Every old call works.
    let page = dev.param(Param::PageSize).unwrap();
    let mut a = dev.create_bo(page, BoFlags::HOST_VISIBLE).unwrap();
    let mut b = dev.create_bo(page, BoFlags::HOST_VISIBLE).unwrap();
    let mut c = dev.create_bo(page, BoFlags::HOST_VISIBLE).unwrap();
    assert_eq!(a.query().unwrap().flags, BoFlags::HOST_VISIBLE);
    let n = (page / 4) as usize;
    let xs: Vec<u32> = (0..n as u32).map(|i| i.wrapping_mul(7)).collect();
    a.map().unwrap().write_u32s(0, &xs);
    b.map().unwrap().write_u32s(0, &xs);
    dev.set_perf_stats_enabled(true).unwrap();
    let hi = dev
        .create_queue(QueuePriority::High, QueueFlags::TURBO)
        .unwrap();
    {
        let mut batch = Batch::new();
        batch
            // Nothing is pending before it on the fresh queue.
            .fill_u32(c.at(0), n as u64, 0x11)
            .unordered()
            .add_u32(&a, &b, &c, n as u64)
            .fill_u32(b.at(0), 1, 0xfeed)
            .copy(c.at(0), a.at(0), 16)
            .crc32c(c.at(0), b.at(8), 16, 0)
            .timestamp(b.at(16));
        dev.submit(&hi, &batch).unwrap().wait(SEC).unwrap();
    }
    let sums: Vec<u32> = xs.iter().map(|x| x.wrapping_mul(2)).collect();
    assert_eq!(c.map().unwrap().read_u32s(0, n), sums);
    assert_eq!(a.map().unwrap().read_u32s(0, 4), sums[..4]);
    let bm = b.map().unwrap();
    assert_eq!(bm.read_u32s(0, 1), [0xfeed]);
    let sum_bytes: Vec<u8> = sums[..4].iter().flat_map(|x| x.to_le_bytes()).collect();
    assert_eq!(bm.read_u32s(8, 1), [scenario::crc32c(&sum_bytes)]);
    assert_ne!(bm.read::<i64>(16, 1), [0]);
    drop(bm);
    let stats = dev.perf_stats(true).unwrap();
    assert_eq!(stats.counters.len(), entries(&r1, "perf-counter-id"));
    assert_eq!(
        stats.get(softaccel::softaccel::PerfCounterId::CmdsCompleted),
        Some(6)
    );
    drop(q);
    hi.destroy().unwrap();
    a.destroy().unwrap();
}

#[test]
fn a_driver_restricted_to_revision_1_announces_nothing_newer() {
    let (r1, newest) = (frozen("r1"), frozen("r3"));
    let old = revision_1();
    assert_eq!(
        old.effective_capabilities(),
        flags_mask(core_of(&r1), "capabilities")
    );
    assert_eq!(old.effective_device_capabilities(), 0);
    assert_eq!(old.effective_max_bo_alignment(), 0);
    assert!(!r1.enums.iter().any(|e| e.name == "device-caps"));
    // The current driver announces exactly what the newest frozen
    // revision defines.
    let new = DeviceConfig::default();
    assert_eq!(
        (new.revision, new.core_revision),
        (newest.revision, core_of(&newest).revision)
    );
    assert_eq!(
        new.effective_capabilities(),
        flags_mask(core_of(&newest), "capabilities")
    );
    assert_eq!(
        new.effective_device_capabilities(),
        flags_mask(&newest, "device-caps")
    );
    assert_eq!(
        drv::capabilities_at(1),
        flags_mask(core_of(&r1), "capabilities")
    );
    assert_eq!(drv::device_capabilities_at(1), 0);
}

#[test]
fn current_userspace_on_a_revision_1_driver_in_process() {
    let driver = drv::Device::new(revision_1()).expect("driver");
    {
        let dev = Device::new(driver.open_inproc().expect("open")).expect("library open");
        current_userspace_on_revision_1(&dev, driver.config(), &|| driver.counters());
    }
    assert!(driver.wait_idle(SEC));
    let c = driver.counters();
    assert_eq!((c.files, c.bos, c.queues), (0, 0, 0), "{c:?}");
}

#[test]
fn current_userspace_on_a_revision_1_driver_through_the_node() {
    if !node_available("current userspace on a revision-1 driver (the device node)") {
        return;
    }
    let config = revision_1();
    let driver = drv::Device::new(config.clone()).expect("driver");
    let mounted = Mounted::new(driver.clone());
    {
        let dev = Device::open(mounted.path()).expect("library open");
        current_userspace_on_revision_1(&dev, &config, &|| driver.counters());
    }
    // The cross-language scenario's Rust program (the userlib) gives the
    // transcript a revision-1 driver gives.
    let want = scenario::expected(Params {
        revision: 1,
        core_revision: 1,
        page_size: config.page_size,
        capabilities: config.effective_capabilities(),
    });
    let got = run_ok(
        "compat-scenario",
        Command::new(env!("CARGO_BIN_EXE_compat-scenario")).arg(mounted.path()),
    );
    assert_eq!(got.lines().collect::<Vec<_>>(), want);
    mounted.finish();
}

// ------------------------------------------------------------------------
// The same directions through the kernel module's /dev/softaccel0 (in the
// QEMU guest: scripts/guest-tests.sh runs these ignored tests).

fn kernel_module() -> KernelModule {
    KernelModule::find().expect("the softaccel module")
}

/// The module's device-wide parameters back to the default driver, however
/// the test ends.
struct Restore<'a>(&'a KernelModule);

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        let _ = self.0.configure(&DeviceConfig::default());
    }
}

#[test]
#[ignore = "needs the softaccel kernel module: runs in the QEMU guest (scripts/guest-tests.sh)"]
fn revision_1_userspace_works_unchanged_on_the_kernel_module() {
    let r1 = frozen("r1");
    let module = kernel_module();
    let _restore = Restore(&module);
    for (config, what) in [
        (DeviceConfig::default(), "the current module"),
        (revision_1(), "the module restricted to revision 1"),
    ] {
        module.configure(&config).expect("configure the module");
        let want = old_userspace_transcript(
            &r1,
            config.revision,
            config.core_revision,
            config.effective_capabilities(),
        );
        let got = run_old_userspace(module.device_path());
        assert_eq!(got, want, "old-userspace on {what}");
        println!("old-userspace on {what}:\n{}", got.join("\n"));
    }
}

#[test]
#[ignore = "needs the softaccel kernel module: runs in the QEMU guest (scripts/guest-tests.sh)"]
fn current_userspace_on_the_kernel_module_restricted_to_revision_1() {
    let module = kernel_module();
    let _restore = Restore(&module);
    let config = revision_1();
    module.configure(&config).expect("configure the module");
    {
        let dev = Device::open(module.device_path()).expect("library open");
        current_userspace_on_revision_1(&dev, &config, &|| {
            module.counters().expect("the module's counters")
        });
    }
    let want = scenario::expected(Params {
        revision: 1,
        core_revision: 1,
        page_size: config.page_size,
        capabilities: config.effective_capabilities(),
    });
    let got = run_ok(
        "compat-scenario",
        Command::new(env!("CARGO_BIN_EXE_compat-scenario")).arg(module.device_path()),
    );
    assert_eq!(got.lines().collect::<Vec<_>>(), want);
    assert!(module.wait_idle(SEC));
    let c = module.counters().expect("the module's counters");
    assert_eq!((c.files, c.bos, c.queues), (0, 0, 0), "{c:?}");
}
