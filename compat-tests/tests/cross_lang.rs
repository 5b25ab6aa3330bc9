//! Cross-language fixture: the same scenario from C (generated header),
//! Python (generated ctypes module), Go (generated package) and Rust (the
//! userlib over the generated user crates), run at the same time against
//! one device node served by this process on a fresh temporary mountpoint.
//! Every program's transcript must equal [`scenario::expected`], so the
//! four are identical, and the driver must be left with nothing open.
//!
//! The same programs run against the kernel module's `/dev/softaccel0` in
//! the QEMU guest (an ignored test here; scripts/guest-tests.sh runs it).
//!
//! Without FUSE (no /dev/fuse, or not root) the test fails unless
//! `UABI_ALLOW_NO_FUSE=1`; without gcc, python3 or go it fails unless
//! `UABI_ALLOW_MISSING_TOOLS=1`, and then runs the languages it can. Either
//! way it says loudly what it skipped.

use compat_tests::scenario::{self, Params};
use softaccel_driver::kmod::KernelModule;
use softaccel_driver::node::{self, Node, Shutdown};
use softaccel_driver::{Device, DeviceConfig};
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the four programs together may take once built.
const RUN_TIMEOUT: Duration = Duration::from_secs(30);

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("compat-tests sits in the repository")
        .to_path_buf()
}

/// Reports a skipped part of the scenario (the message says why).
fn shout(msg: &str) {
    uabi_test_support::skipped(msg, "");
}

fn allowed(var: &str) -> bool {
    std::env::var(var).as_deref() == Ok("1")
}

/// Scratch space for binaries and the Go caches: kept between runs so the
/// Go build cache stays warm.
fn work_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cross-lang");
    std::fs::create_dir_all(&dir).expect("create the work directory");
    dir
}

/// Runs a build step; panics with its output if it fails.
fn build(what: &str, cmd: &mut Command) {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{cmd:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether `tool` can be run at all (`args` is a harmless query).
fn have(tool: &str, args: &[&str]) -> bool {
    Command::new(tool)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// One language's scenario program, built and ready to run on a node.
struct Program {
    lang: &'static str,
    argv: Vec<OsString>,
    env: Vec<(&'static str, OsString)>,
}

impl Program {
    fn command(&self, device: &Path) -> Command {
        let mut cmd = Command::new(&self.argv[0]);
        cmd.args(&self.argv[1..]).arg(device);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }
}

fn c_program(work: &Path) -> Program {
    c_program_with(work, "c", "gcc", &[])
}

/// The C scenario built static for i386 (`i686-linux-gnu-gcc`): against
/// the kernel module it calls through compat_ioctl on the 64-bit kernel
/// and must print the same transcript as the 64-bit callers. SSE
/// arithmetic, so that its add-f32 reference rounds as the device does
/// (x87 would round twice).
fn c_i386_program(work: &Path) -> Program {
    c_program_with(
        work,
        "c-i386",
        "i686-linux-gnu-gcc",
        &["-static", "-msse2", "-mfpmath=sse"],
    )
}

fn c_program_with(work: &Path, lang: &'static str, cc: &str, flags: &[&str]) -> Program {
    let repo = repo();
    let exe = work.join(format!("scenario-{lang}"));
    build(
        &format!("{cc} scenario.c"),
        Command::new(cc)
            .args(["-std=c11", "-Wall", "-Wextra", "-Werror"])
            .args(flags)
            .arg("-I")
            .arg(repo.join("generated/softaccel/c"))
            .arg("-o")
            .arg(&exe)
            .arg(repo.join("compat-tests/cross-lang/scenario.c")),
    );
    Program {
        lang,
        argv: vec![exe.into()],
        env: vec![],
    }
}

fn python_program() -> Program {
    let script = repo().join("compat-tests/cross-lang/scenario.py");
    Program {
        lang: "python",
        // -B and the variable: no __pycache__ lands in generated/.
        argv: vec!["python3".into(), "-B".into(), script.into()],
        env: vec![("PYTHONDONTWRITEBYTECODE", "1".into())],
    }
}

fn go_program(work: &Path) -> Program {
    let exe = work.join("scenario-go");
    // No downloads: the generated packages come in by `replace`, the rest
    // is the standard library.
    let env = [
        ("GOFLAGS", OsString::from("-mod=mod")),
        ("GOPROXY", "off".into()),
        ("GOSUMDB", "off".into()),
        ("GOTOOLCHAIN", "local".into()),
        ("GOCACHE", work.join("go-cache").into()),
        ("GOPATH", work.join("go-path").into()),
    ];
    let dir = repo().join("compat-tests/cross-lang/scenario_go");
    let go = |args: &[&str]| {
        let mut cmd = Command::new("go");
        cmd.args(args).current_dir(&dir).envs(env.iter().cloned());
        cmd
    };
    build("go vet", &mut go(&["vet", "."]));
    build("go build", go(&["build", "-o"]).arg(&exe).arg("."));
    Program {
        lang: "go",
        argv: vec![exe.into()],
        env: vec![],
    }
}

fn rust_program() -> Program {
    Program {
        lang: "rust",
        argv: vec![env!("CARGO_BIN_EXE_compat-scenario").into()],
        env: vec![],
    }
}

/// The node, unmounted and its directory removed however the test ends.
struct Mounted {
    node: Option<Node>,
    dir: PathBuf,
}

impl Mounted {
    fn new(device: Arc<Device>) -> Mounted {
        let dir = std::env::temp_dir().join(format!("uabi-cross-lang-{}", std::process::id()));
        let node = node::spawn(&dir, device).expect("mount the device node");
        Mounted {
            node: Some(node),
            dir,
        }
    }

    fn node(&self) -> &Node {
        self.node.as_ref().expect("mounted")
    }

    fn shutdown(mut self) -> Shutdown {
        let how = self
            .node
            .take()
            .expect("mounted")
            .shutdown()
            .expect("unmount the node");
        let _ = std::fs::remove_dir(&self.dir);
        how
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        // Node's own Drop unmounts (and says so if it cannot).
        drop(self.node.take());
        let _ = std::fs::remove_dir(&self.dir);
    }
}

struct Run {
    lang: &'static str,
    status: std::process::ExitStatus,
    stdout: String,
    stderr: String,
}

/// Starts every program on `device` at once and collects what each
/// printed; kills them all if they take longer than [`RUN_TIMEOUT`].
fn run_all(programs: &[Program], device: &Path) -> Vec<Run> {
    let mut running: Vec<(&'static str, Child, _, _)> = programs
        .iter()
        .map(|p| {
            let mut child = p
                .command(device)
                .spawn()
                .unwrap_or_else(|e| panic!("start the {} scenario: {e}", p.lang));
            let drain = |mut r: Box<dyn Read + Send>| {
                std::thread::spawn(move || {
                    let mut s = String::new();
                    let _ = r.read_to_string(&mut s);
                    s
                })
            };
            let out = drain(Box::new(child.stdout.take().expect("piped")));
            let err = drain(Box::new(child.stderr.take().expect("piped")));
            (p.lang, child, out, err)
        })
        .collect();
    let deadline = Instant::now() + RUN_TIMEOUT;
    let mut statuses = vec![None; running.len()];
    while statuses.iter().any(Option::is_none) {
        for (i, (_, child, _, _)) in running.iter_mut().enumerate() {
            if statuses[i].is_none() {
                statuses[i] = child.try_wait().expect("wait for a scenario");
            }
        }
        if Instant::now() >= deadline {
            let late: Vec<_> = running
                .iter_mut()
                .zip(&statuses)
                .filter(|(_, s)| s.is_none())
                .map(|((lang, child, _, _), _)| {
                    let _ = child.kill();
                    let _ = child.wait();
                    *lang
                })
                .collect();
            panic!("scenarios still running after {RUN_TIMEOUT:?}, killed: {late:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    running
        .into_iter()
        .zip(statuses)
        .map(|((lang, _, out, err), status)| Run {
            lang,
            status: status.expect("exited"),
            stdout: out.join().expect("stdout reader"),
            stderr: err.join().expect("stderr reader"),
        })
        .collect()
}

/// Where `got` first departs from `want`, for the failure message.
fn first_difference(want: &[String], got: &[&str]) -> String {
    for (i, w) in want.iter().enumerate() {
        match got.get(i) {
            Some(g) if g == w => {}
            Some(g) => return format!("line {}: expected `{w}`, got `{g}`", i + 1),
            None => return format!("line {}: expected `{w}`, got end of output", i + 1),
        }
    }
    match got.get(want.len()) {
        Some(extra) => format!("line {}: unexpected `{extra}`", want.len() + 1),
        None => "identical".into(),
    }
}

/// Every scenario program this machine can build and run: the four
/// languages, less those whose tool is missing when
/// `UABI_ALLOW_MISSING_TOOLS=1` allows it (said loudly).
fn programs() -> Vec<Program> {
    let work = work_dir();
    let mut programs = Vec::new();
    let mut skipped = Vec::new();
    for (lang, tool, probe) in [
        ("c", "gcc", &["--version"][..]),
        ("python", "python3", &["--version"][..]),
        ("go", "go", &["version"][..]),
    ] {
        if !have(tool, probe) {
            assert!(
                allowed("UABI_ALLOW_MISSING_TOOLS"),
                "the {lang} scenario needs `{tool}`, which cannot be run here; install it \
                 (scripts/setup.sh) or set UABI_ALLOW_MISSING_TOOLS=1 to skip that language"
            );
            skipped.push(format!("{lang} (no {tool})"));
            continue;
        }
        programs.push(match lang {
            "c" => c_program(&work),
            "python" => python_program(),
            _ => go_program(&work),
        });
    }
    programs.push(rust_program());
    if !skipped.is_empty() {
        shout(&format!(
            "scenario languages {} (UABI_ALLOW_MISSING_TOOLS=1); the cross-language \
             check covers only {:?}",
            skipped.join(", "),
            programs.iter().map(|p| p.lang).collect::<Vec<_>>()
        ));
    }
    programs
}

/// The transcript every program must print on a device built with `config`.
fn expected_for(config: &DeviceConfig) -> Vec<String> {
    scenario::expected(Params {
        revision: config.revision,
        core_revision: config.core_revision,
        page_size: config.page_size,
        capabilities: config.capabilities,
    })
}

/// Fails unless every program succeeded and printed `expected`.
fn assert_identical(expected: &[String], runs: &[Run]) {
    let mut failures = Vec::new();
    for run in runs {
        let lines: Vec<&str> = run.stdout.lines().collect();
        let diff = first_difference(expected, &lines);
        if !run.status.success() || diff != "identical" {
            failures.push(format!(
                "--- {} ({}): {diff}\n{}\n--- {} stderr\n{}",
                run.lang, run.status, run.stdout, run.lang, run.stderr
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "scenario transcripts differ from the expected one:\n{}\n--- expected\n{}",
        failures.join("\n"),
        expected.join("\n")
    );
    println!(
        "identical transcripts from {:?}:\n{}",
        runs.iter().map(|r| r.lang).collect::<Vec<_>>(),
        expected.join("\n")
    );
}

#[test]
fn one_scenario_from_c_python_go_and_rust_prints_the_same_transcript() {
    if let Err(why) = node::check_available() {
        if allowed("UABI_ALLOW_NO_FUSE") {
            shout(&format!(
                "the cross-language scenario (C, Python, Go, Rust): {why} (UABI_ALLOW_NO_FUSE=1)"
            ));
            return;
        }
        panic!(
            "the cross-language scenario needs the device node: {why}; \
             run as root with /dev/fuse, or set UABI_ALLOW_NO_FUSE=1 to skip it"
        );
    }

    let programs = programs();
    let config = DeviceConfig::default();
    let expected = expected_for(&config);
    let device = Device::new(config).expect("create the device");
    let mounted = Mounted::new(device.clone());
    let runs = run_all(&programs, &mounted.node().device_path());
    assert_identical(&expected, &runs);

    // Every program closed its file and destroyed what it made: once the
    // kernel has sent the releases, the driver holds nothing.
    let deadline = Instant::now() + Duration::from_secs(5);
    while mounted.node().open_files() != 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(
        mounted.node().open_files(),
        0,
        "files left open on the node"
    );
    assert!(
        device.wait_idle(Duration::from_secs(5)),
        "work left pending"
    );
    let c = device.counters();
    assert_eq!(
        (c.files, c.bos, c.queues, c.pending_submissions),
        (0, 0, 0, 0),
        "the driver still holds objects: {c:?}"
    );
    assert_eq!(c.submits, runs.len() as u64, "one SUBMIT per program");
    assert_eq!(mounted.shutdown(), Shutdown::Clean);
}

/// The same programs and the same expected transcript, through the kernel
/// module's `/dev/softaccel0`: the FUSE node and the module must answer
/// alike. The C scenario runs twice there, as an x86_64 and as a static
/// i386 program (compat_ioctl), and both transcripts must be the expected
/// one.
#[test]
#[ignore = "needs the softaccel kernel module: runs in the QEMU guest (scripts/guest-tests.sh)"]
fn the_same_scenario_through_the_kernel_module() {
    let module = KernelModule::find().expect("the softaccel module");
    let config = DeviceConfig::default();
    module.configure(&config).expect("configure the module");
    let mut programs = programs();
    // A 32-bit caller too, through compat_ioctl: the module's answers must
    // not depend on the caller's word size.
    if have("i686-linux-gnu-gcc", &["--version"]) {
        programs.push(c_i386_program(&work_dir()));
    } else {
        assert!(
            allowed("UABI_ALLOW_MISSING_TOOLS"),
            "the i386 C scenario needs `i686-linux-gnu-gcc`, which cannot be run here; \
             install it (scripts/setup.sh) or set UABI_ALLOW_MISSING_TOOLS=1 to skip it"
        );
        shout("the i386 C scenario (no i686-linux-gnu-gcc; UABI_ALLOW_MISSING_TOOLS=1)");
    }
    let before = module.counters().expect("the module's counters");
    let runs = run_all(&programs, module.device_path());
    assert_identical(&expected_for(&config), &runs);

    // A kernel driver's release has run when each program's last close
    // returned; the engines may still be letting go of the last BOs.
    assert!(
        module.wait_idle(Duration::from_secs(5)),
        "work left pending"
    );
    let c = module.counters().expect("the module's counters");
    assert_eq!(
        (c.files, c.bos, c.queues, c.pending_submissions),
        (0, 0, 0, 0),
        "the module still holds objects: {c:?}"
    );
    assert_eq!(
        c.submits - before.submits,
        runs.len() as u64,
        "one SUBMIT per program"
    );
}
