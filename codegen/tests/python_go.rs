//! The Python and Go backends: snapshots of every file they generate for
//! the fixture specs, the checked-in output being current,
//! and the generated code run for real.
//!
//! The files of the example specs and of the layout fixtures are written
//! to a scratch folder in the `generated/` layout (so includes resolve),
//! then:
//! - Python: each module compiles, runs as a script and imports with
//!   `-W error` (its own layout checks pass); every constant and command
//!   number equals the model's, on the host and, with `platform.machine()`
//!   faked, on every other target; a hand-edited size or offset fails the
//!   import; calls reach `fcntl.ioctl` as the spec says (command, mutable
//!   buffer, user pointers, errno classes), against `/dev/null` and a
//!   recording stand-in.
//! - Go: `gofmt -l` is empty, `go vet` and `go test` pass (with a test of
//!   the model's numbers and of the calls added), `go vet` passes for
//!   every GOARCH the package has command numbers for, and `go.mod` is
//!   left as generated.
//!
//! A missing `python3` or `go` fails the test unless
//! `UABI_ALLOW_MISSING_TOOLS=1`, which turns it into a loud skip.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use uabi::backend::go::GoTarget;
use uabi::backend::python::PythonTarget;
use uabi::backend::{GeneratedFile, go, python};
use uabi::model::{EnumKind, Model};
use uabi::names::{pascal, upper};
use uabi::target::Target;

const SPECS: [&str; 2] = ["spec/accel-core.yaml", "spec/softaccel.yaml"];
/// Every member type and direction on every target (lint-clean).
const ALL_DIRS: &str = "codegen/tests/fixtures/layout/all-dirs.yaml";
/// Layouts that differ between x86_64 and i386 (lint rejects it).
const TRAP: &str = "codegen/tests/fixtures/layout/i386-trap.yaml";
const NEGATIVE_ENUM: &str = "codegen/tests/fixtures/layout/negative-enum.yaml";
const FLAG_FIELD: &str = "codegen/tests/fixtures/layout/flag-field.yaml";

/// Corner cases of the call helpers: a keyword and a builtin's name as
/// pointer members, two pointers sharing one `u8` count, a byte length,
/// single-element pointers both ways, a pointer inside a nested struct (no
/// helper), and an ioctl without argument.
const EDGE: &str = r#"
name: edge
doc: Corner cases of the Python and Go call helpers.
revision: 3
ioctl:
  magic: 0x65
definitions:
  - name: item
    type: struct
    members:
      - { name: a, type: u32 }
      - { name: b, type: u32 }
  - name: holder
    type: struct
    members:
      - { name: p, type: user-ptr, elem: u32 }
  - name: args
    type: struct
    doc: Every kind of user pointer.
    members:
      - { name: in, type: user-ptr, elem: item, count: nitems, max-count: 200 }
      - { name: len, type: user-ptr, elem: u32, count: nitems, max-count: 200, access: out }
      - { name: bytes, type: user-ptr, elem: u16, len: nbytes, max-count: 64, access: inout }
      - { name: one, type: user-ptr, elem: item }
      - { name: res, type: user-ptr, elem: u64, access: out }
      - { name: nitems, type: u8 }
      - { name: pad0, type: pad, len: 3 }
      - { name: nbytes, type: u32 }
  - name: nested
    type: struct
    members:
      - { name: h, type: struct, struct: holder }
  - name: job
    type: struct
    doc: Elements as far apart as the caller says (rocket's task_struct_size).
    members:
      - { name: tasks, type: user-ptr, elem: item, count: ntasks, max-count: 8, stride: task-size }
      - { name: ntasks, type: u32 }
      - { name: task-size, type: u16 }
      - { name: pad0, type: pad, len: 2 }
ioctls:
  - { name: ping, nr: 0x40, dir: none, extension: zero-extend, doc: No argument. }
  - { name: fill, nr: 0x41, dir: inout, arg: args, extension: strict, since: 2 }
  - { name: deep, nr: 0x42, dir: in, arg: nested, extension: strict }
  - { name: submit-job, nr: 0x43, dir: in, arg: job, extension: zero-extend, since: 3 }
"#;

fn edge() -> Arc<Model> {
    uabi::load::load_str(EDGE, "edge.yaml").unwrap_or_else(|e| panic!("edge spec: {e:#?}"))
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn load(rel: &str) -> Arc<Model> {
    uabi::load::load(&repo_root().join(rel), Some(rel))
        .unwrap_or_else(|e| panic!("{rel} does not load: {e:#?}"))
}

fn render(m: &Model) -> Vec<GeneratedFile> {
    let mut files = python::render(m).unwrap();
    files.extend(go::render(m).unwrap());
    files
}

/// The Python module (the package's `__init__.py`) among `files`.
fn module(files: &[GeneratedFile]) -> &str {
    &files
        .iter()
        .find(|f| f.path.ends_with("__init__.py"))
        .unwrap()
        .contents
}

// ---------------------------------------------------------------- text

/// Snapshots of the fixture specs' output; the repository specs' output
/// is `generated/`, which `uabi check` guards.
#[test]
fn snapshots() {
    for m in [edge(), load(TRAP)] {
        for f in render(&m) {
            let name = f.path.to_string_lossy().replace(['/', '.'], "_");
            insta::assert_snapshot!(name, f.contents);
        }
    }
}

#[test]
fn file_set() {
    let m = load("spec/softaccel.yaml");
    let paths: Vec<String> = render(&m)
        .iter()
        .map(|f| f.path.to_string_lossy().into_owned())
        .collect();
    let mut want = vec![
        "softaccel/python/pyproject.toml".to_string(),
        "softaccel/python/_uabi_build.py".to_string(),
        "softaccel/python/softaccel_uapi/__init__.py".to_string(),
        "softaccel/python/softaccel_uapi/py.typed".to_string(),
        "softaccel/go/go.mod".to_string(),
        "softaccel/go/uapi.go".to_string(),
        "softaccel/go/ioctl.go".to_string(),
        "softaccel/go/layout.go".to_string(),
    ];
    for t in &m.targets {
        want.push(format!("softaccel/go/cmds_{}.go", t.goarch().unwrap()));
    }
    assert_eq!(paths, want);
    // sparc64 and alpha have no GOARCH: no file, and Python still knows them.
    let all = load(ALL_DIRS);
    let files = render(&all);
    assert_eq!(
        files
            .iter()
            .filter(|f| f.path.to_string_lossy().contains("/cmds_"))
            .count(),
        8
    );
    let py = module(&files);
    assert!(py.contains("(\"sparc64\", 64): \"sparc64\""), "{py}");
    assert!(py.contains("(\"alpha\", 64): \"alpha\""), "{py}");
}

#[test]
fn banners_and_generated_markers() {
    for rel in SPECS {
        let m = load(rel);
        for f in render(&m) {
            let c = &f.contents;
            // PEP 561's marker is empty by convention.
            if f.path.ends_with("py.typed") {
                assert!(c.is_empty(), "{}", f.path.display());
                continue;
            }
            let marker = if f.path.extension().is_some_and(|e| e == "py" || e == "toml") {
                "# Generated by uabi "
            } else {
                "// Generated by uabi "
            };
            assert!(c.starts_with(marker), "{}: {c}", f.path.display());
            assert!(c.contains(&format!("from {rel}.")), "{}", f.path.display());
            assert!(
                c.ends_with('\n') && !c.ends_with("\n\n"),
                "{}",
                f.path.display()
            );
            assert!(!c.contains("/work/") && !c.contains("/tmp/"));
            if f.path.extension().is_some_and(|e| e == "go") {
                // The line Go tools recognise as marking generated code.
                assert!(
                    c.lines()
                        .any(|l| l == "// Code generated by uabi; DO NOT EDIT."),
                    "{}",
                    f.path.display()
                );
            }
        }
    }
}

#[test]
fn includes_are_referenced_not_copied() {
    let m = load("spec/softaccel.yaml");
    let files = render(&m);
    let py = module(&files);
    assert!(py.contains("import accel_uapi as accel_uapi  # noqa: E402\n"));
    assert!(py.contains("    UabiError as UabiError,\n"));
    assert!(!py.contains("class BoCreate"));
    assert!(!py.contains("class UabiError"));
    let file = |name: &str| {
        &files
            .iter()
            .find(|f| f.path == Path::new("softaccel/go").join(name))
            .unwrap()
            .contents
    };
    assert!(file("go.mod").contains("replace uabi.local/accel/go => ../../accel/go\n"));
    assert!(!file("uapi.go").contains("type BoCreate"));
}

#[test]
fn checked_in_output_is_current() {
    for rel in SPECS {
        let m = load(rel);
        for f in render(&m) {
            let path = repo_root().join("generated").join(&f.path);
            let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                on_disk == f.contents,
                "{} is stale: run `cargo run -p uabi -- generate`",
                path.display()
            );
        }
    }
}

// ---------------------------------------------------------------- tools

fn allow_missing() -> bool {
    std::env::var("UABI_ALLOW_MISSING_TOOLS").is_ok_and(|v| v == "1")
}

/// Whether `tool` runs; panics when it does not, unless missing tools are
/// allowed, in which case it says loudly what is skipped.
fn have(tool: &str, version_arg: &str, skipped: &str) -> bool {
    let ok = Command::new(tool)
        .arg(version_arg)
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return true;
    }
    if allow_missing() {
        uabi_test_support::skipped(
            skipped,
            &format!("`{tool}` not found (UABI_ALLOW_MISSING_TOOLS=1)"),
        );
        return false;
    }
    panic!(
        "`{tool}` not found: install it (scripts/setup.sh), or set \
         UABI_ALLOW_MISSING_TOOLS=1 to skip {skipped} loudly"
    );
}

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn text(out: &Output) -> String {
    format!(
        "status {}\n--- stdout\n{}--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[track_caller]
fn ok(cmd: &mut Command) -> String {
    let desc = format!("{cmd:?}");
    let out = run(cmd);
    assert!(out.status.success(), "{desc} failed:\n{}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[track_caller]
fn fails(cmd: &mut Command) -> String {
    let desc = format!("{cmd:?}");
    let out = run(cmd);
    assert!(!out.status.success(), "{desc} should fail:\n{}", text(&out));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A fresh scratch folder holding the Python and Go output of `specs` and
/// of everything they include, in the `generated/` layout.
fn scratch(name: &str, specs: &[&str]) -> PathBuf {
    let models: Vec<Arc<Model>> = specs.iter().map(|rel| load(rel)).collect();
    scratch_models(name, &models)
}

fn scratch_models(name: &str, models: &[Arc<Model>]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("python_go")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for m in models {
        for inc in m.all_includes().into_iter().chain([m.as_ref()]) {
            for f in render(inc) {
                let p = dir.join(&f.path);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(&p, &f.contents).unwrap();
            }
        }
    }
    dir
}

/// The target the tests run on.
fn host() -> Target {
    match std::env::consts::ARCH {
        "x86_64" => Target::X86_64,
        "x86" => Target::I386,
        "aarch64" => Target::Aarch64,
        "arm" => Target::Arm,
        "riscv64" => Target::Riscv64,
        "powerpc64" => Target::Powerpc64le,
        "mips" => Target::Mips,
        "s390x" => Target::S390x,
        "sparc64" => Target::Sparc64,
        other => panic!("no uabi target for host arch {other}"),
    }
}

fn host_is_64_bit() -> bool {
    cfg!(target_pointer_width = "64")
}

// ---------------------------------------------------------------- Python

fn python(dir: &Path, spec: &str) -> Command {
    let mut c = Command::new("python3");
    c.current_dir(dir)
        .env("PYTHONPATH", dir.join(spec).join("python"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .args(["-W", "error"]);
    c
}

/// `name -> value` of everything the model defines for the Python module
/// on `t`: revision, constants, enum entries, numbers, struct sizes.
fn python_expectations(m: &Model, t: Target) -> BTreeMap<String, String> {
    let mut want = BTreeMap::new();
    want.insert("REVISION".into(), m.revision.to_string());
    for c in &m.consts {
        want.insert(upper(&c.name), c.value_on(t).to_string());
    }
    for e in &m.enums {
        for x in &e.entries {
            want.insert(
                format!("{}.{}", pascal(&e.name), upper(&x.name)),
                x.value.to_string(),
            );
        }
        if e.kind == EnumKind::Flags {
            want.insert(format!("{}_ALL", upper(&e.name)), e.mask().to_string());
        }
    }
    if let Some(magic) = m.magic {
        want.insert("IOCTL_MAGIC".into(), magic.to_string());
    }
    for io in &m.ioctls {
        want.insert(format!("NR_{}", upper(&io.name)), io.nr.to_string());
        let cmd = io.cmds[&t].map_or("None".to_string(), |c| c.to_string());
        want.insert(format!("IOCTL_{}", upper(&io.name)), cmd);
    }
    for s in &m.structs {
        let l = s.layout(t);
        want.insert(format!("sizeof:{}", pascal(&s.name)), l.size.to_string());
    }
    want
}

/// A script printing `name=value` for every key of `want`.
fn python_probe(module: &str, keys: impl Iterator<Item = String>) -> String {
    let mut s = format!("import ctypes\nimport {module} as m\n");
    s.push_str(
        "def get(path):\n    if path.startswith('sizeof:'):\n        \
         return ctypes.sizeof(getattr(m, path[7:]))\n    obj = m\n    \
         for p in path.split('.'):\n        obj = getattr(obj, p)\n    \
         return obj if obj is None else int(obj)\n",
    );
    for k in keys {
        writeln!(s, "print({k:?} + '=' + str(get({k:?})))").unwrap();
    }
    s
}

fn parse_probe(out: &str) -> BTreeMap<String, String> {
    out.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn python_modules_run() {
    if !have("python3", "--version", "the generated Python modules") {
        return;
    }
    let mut specs = vec![SPECS[0], SPECS[1], ALL_DIRS, TRAP, FLEX_TAIL];
    specs.extend(LAYOUT_KINDS);
    let dir = scratch("python", &specs);
    for rel in specs {
        let m = load(rel);
        let module = python::module_name(&m.name);
        let path = python::module_path(&m);
        ok(Command::new("python3")
            .current_dir(&dir)
            .args(["-B", "-m", "py_compile"])
            .arg(&path));
        // Run as a script, from the folder above generated/'s specs.
        let out = ok(Command::new("python3")
            .current_dir(&dir)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .args(["-W", "error"])
            .arg(&path));
        assert!(
            out.starts_with(&format!("{module} revision {} on {}:", m.revision, host())),
            "{out}"
        );
        // Imported, every number is the model's for the host.
        let want = python_expectations(&m, host());
        let got = parse_probe(&ok(python(&dir, &m.name)
            .arg("-c")
            .arg(python_probe(&module, want.keys().cloned()))));
        assert_eq!(got, want, "{module} on {}", host());
    }
}

#[test]
fn python_picks_every_target_by_machine() {
    if !have("python3", "--version", "the generated Python modules") {
        return;
    }
    let dir = scratch("python_targets", &[SPECS[1], ALL_DIRS]);
    for rel in [SPECS[1], ALL_DIRS] {
        let m = load(rel);
        let module = python::module_name(&m.name);
        for &t in &m.targets {
            let machine = t.python_machines()[0];
            let want = python_expectations(&m, t);
            let keys: Vec<String> = want
                .keys()
                .filter(|k| k.starts_with("IOCTL_"))
                .cloned()
                .collect();
            let script = format!(
                "import platform\nplatform.machine = lambda: {machine:?}\n{}\
                 print('TARGET=' + m.TARGET)\n",
                python_probe(&module, keys.iter().cloned())
            );
            let bits_match =
                matches!(t, Target::I386 | Target::Arm | Target::Mips) != host_is_64_bit();
            if bits_match {
                let got = parse_probe(&ok(python(&dir, &m.name).arg("-c").arg(&script)));
                assert_eq!(got["TARGET"], t.name(), "{module} as {machine}");
                for k in &keys {
                    assert_eq!(got[k], want[k], "{module}.{k} as {machine}");
                }
            } else {
                // A 64-bit Python on a 32-bit target's machine name cannot
                // be that target: the import says so.
                let err = fails(python(&dir, &m.name).arg("-c").arg(&script));
                // (The included module may be the first to say so.)
                assert!(
                    err.contains(&format!(
                        "_uapi: unsupported machine '{machine}' with 64-bit pointers"
                    )),
                    "{err}"
                );
            }
        }
        let err = fails(python(&dir, &m.name).arg("-c").arg(format!(
            "import platform\nplatform.machine = lambda: 'vax'\nimport {module}\n"
        )));
        assert!(
            err.contains("unsupported machine 'vax'") && err.contains("targets are x86_64, i386"),
            "{err}"
        );
    }
}

#[test]
fn python_import_rejects_a_wrong_layout() {
    if !have("python3", "--version", "the generated Python modules") {
        return;
    }
    let m = load(SPECS[1]);
    let module = python::module_name(&m.name);
    let path = python::module_path(&m);
    for (from, to, says) in [
        (
            "_check_layout(Submit, 24, (",
            "_check_layout(Submit, 32, (",
            "ctypes lays Submit out in 24 bytes on",
        ),
        (
            "    (\"cmd_count\", 4),\n",
            "    (\"cmd_count\", 8),\n",
            "ctypes puts Submit.cmd_count at offset 4 on",
        ),
    ] {
        let dir = scratch("python_wrong", &[SPECS[1]]);
        let p = dir.join(&path);
        let good = std::fs::read_to_string(&p).unwrap();
        assert_eq!(good.matches(from).count(), 1, "{from}");
        std::fs::write(&p, good.replace(from, to)).unwrap();
        let err = fails(
            python(&dir, &m.name)
                .arg("-c")
                .arg(format!("import {module}")),
        );
        assert!(err.contains("ImportError: ") && err.contains(says), "{err}");
    }
}

/// Drives the softaccel module's calls against `/dev/null` (the kernel
/// answers ENOTTY) and against a recording stand-in for `fcntl`.
const PY_CALLS: &str = r#"
import ctypes, errno, os
import softaccel_uapi as s
a = s.accel_uapi

fd = os.open("/dev/null", os.O_RDONLY)
try:
    s.wait(fd, s.Wait(queue=1, seqno=1))
    raise SystemExit("ENOTTY expected")
except s.UabiError as e:
    # Not documented for WAIT: the base class, an OSError.
    assert type(e) is s.UabiError and isinstance(e, OSError), repr(e)
    assert e.errno == errno.ENOTTY and "wait" in str(e), e
try:
    s.wait(fd, s.Submit())
    raise SystemExit("TypeError expected")
except TypeError as e:
    assert "Wait" in str(e), e

class Fake:
    """Stands in for fcntl: records calls, then runs `act` on the argument."""
    def __init__(self):
        self.calls = []
        self.act = None
    def ioctl(self, fd, cmd, arg=0, mutate=False):
        self.calls.append((cmd, type(arg).__name__, mutate))
        if self.act:
            self.act(arg)
        return 0

fake = Fake()
s.fcntl = fake
a.fcntl = fake

def raiser(code):
    def act(arg):
        raise OSError(code, os.strerror(code))
    return act

# Documented errnos raise their class, shared with the included module.
fake.act = raiser(errno.EINVAL)
try:
    s.submit(fd, s.Submit(queue=1), cmds=[s.Cmd()])
    raise SystemExit("EINVAL expected")
except s.InvalidArgument as e:
    assert s.InvalidArgument is a.InvalidArgument
    assert isinstance(e, s.UabiError) and e.errno == errno.EINVAL
fake.act = raiser(errno.ETIMEDOUT)
try:
    s.wait(fd, s.Wait())
    raise SystemExit("ETIMEDOUT expected")
except s.TimedOut as e:
    assert e.errno == errno.ETIMEDOUT
fake.act = raiser(errno.ENOENT)
try:
    a.bo_info(fd, a.BoInfo(handle=9))
    raise SystemExit("ENOENT expected")
except s.NotFound:
    pass

# The argument goes as a mutable buffer, with the spec's command.
fake.calls.clear()
def create(arg):
    arg.handle = 7
fake.act = create
bo = a.bo_create(fd, a.BoCreate(size=4096))
assert bo.handle == 7
assert fake.calls == [(a.IOCTL_BO_CREATE, "BoCreate", True)], fake.calls

# User pointers: the kernel sees the address and count of the elements.
seen = []
def read_cmds(arg):
    cmds = (s.Cmd * arg.cmd_count).from_address(arg.cmds)
    seen.extend(c.opcode for c in cmds)
    arg.seqno = 5
fake.act = read_cmds
sub = s.submit(fd, s.Submit(queue=1), cmds=[s.Cmd(opcode=s.Opcode.FILL), s.Cmd(opcode=s.Opcode.CRC32C)])
assert seen == [1, 2] and sub.cmd_count == 2 and sub.seqno == 5, (seen, sub.cmd_count)
arr = (s.Cmd * 3)()
s.submit(fd, s.Submit(queue=1), cmds=arr)
assert fake.calls[-1][0] == s.IOCTL_SUBMIT

def write_counters(arg):
    out = (s.PerfCounter * arg.counter_count).from_address(arg.counters)
    for i, c in enumerate(out):
        c.id = i
        c.value = 100 + i
fake.act = write_counters
counters = (s.PerfCounter * 3)()
st = s.perf_stats(fd, s.PerfStats(), counters=counters)
assert st.counter_count == 3 and st.counters == ctypes.addressof(counters)
assert [c.value for c in counters] == [100, 101, 102]
buf = bytearray(2 * ctypes.sizeof(s.PerfCounter))
s.perf_stats(fd, s.PerfStats(), counters=buf)
assert s.PerfCounter.from_buffer(buf, 16).value == 101
st = s.perf_stats(fd, s.PerfStats(counters=1, counter_count=9), counters=[])
assert st.counters == 0 and st.counter_count == 0
try:
    s.perf_stats(fd, s.PerfStats(), counters=bytearray(5))
    raise SystemExit("ValueError expected")
except ValueError:
    pass
try:
    s.perf_stats(fd, s.PerfStats(), counters=(s.Cmd * 1)())
    raise SystemExit("TypeError expected")
except TypeError:
    pass
# None leaves pointer and count as the caller set them.
fake.act = None
raw = s.perf_stats(fd, s.PerfStats(counters=0x10, counter_count=4))
assert raw.counters == 0x10 and raw.counter_count == 4
print("calls ok")
"#;

#[test]
fn python_calls() {
    if !have("python3", "--version", "the generated Python modules") {
        return;
    }
    let dir = scratch("python_calls", &[SPECS[1]]);
    let out = ok(python(&dir, "softaccel").arg("-c").arg(PY_CALLS));
    assert_eq!(out, "calls ok\n");
}

// ---------------------------------------------------------------- Go

fn go(dir: &Path) -> Command {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("python_go");
    let mut c = Command::new("go");
    // Offline and hermetic: nothing may be downloaded, and the caches stay
    // in the target folder.
    c.current_dir(dir)
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .env("GOSUMDB", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOCACHE", tmp.join("go-cache"))
        .env("GOPATH", tmp.join("go-path"))
        .env_remove("GOARCH")
        .env_remove("GOOS")
        .env("CGO_ENABLED", "0");
    c
}

/// A test added to the softaccel package: the model's numbers on the
/// host, and the calls against `/dev/null`.
fn go_model_test(m: &Model, t: Target) -> String {
    let mut s = String::from(
        "package softacceluapi\n\nimport (\n\t\"os\"\n\t\"syscall\"\n\t\"testing\"\n\t\"unsafe\"\n)\n\n\
         func TestModel(t *testing.T) {\n\tcheck := func(what string, got, want uint64) {\n\t\t\
         t.Helper()\n\t\tif got != want {\n\t\t\tt.Errorf(\"%s = %#x, the model says %#x\", what, got, want)\n\t\t}\n\t}\n",
    );
    writeln!(s, "\tcheck(\"REVISION\", REVISION, {})", m.revision).unwrap();
    for c in &m.consts {
        let n = upper(&c.name);
        writeln!(s, "\tcheck({n:?}, {n}, {})", c.value).unwrap();
    }
    for e in &m.enums {
        for x in &e.entries {
            let n = format!("{}_{}", upper(&e.name), upper(&x.name));
            writeln!(s, "\tcheck({n:?}, uint64({n}), {})", x.value).unwrap();
        }
    }
    writeln!(
        s,
        "\tcheck(\"IOCTL_MAGIC\", IOCTL_MAGIC, {})",
        m.magic.unwrap()
    )
    .unwrap();
    for io in &m.ioctls {
        let n = format!("NR_{}", upper(&io.name));
        writeln!(s, "\tcheck({n:?}, {n}, {})", io.nr).unwrap();
        let n = format!("IOCTL_{}", upper(&io.name));
        writeln!(s, "\tcheck({n:?}, {n}, {})", io.cmds[&t].unwrap()).unwrap();
    }
    s.push_str(
        r#"}

func TestCalls(t *testing.T) {
	f, err := os.Open("/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd := int(f.Fd())
	if err := IoctlWait(fd, &Wait{Queue: 1, Seqno: 1}); err != syscall.ENOTTY {
		t.Fatalf("IoctlWait on /dev/null: %v, want ENOTTY", err)
	}
	cmds := make([]Cmd, 2)
	var sub Submit
	if err := IoctlSubmit(fd, &sub, cmds); err != syscall.ENOTTY {
		t.Fatalf("IoctlSubmit: %v", err)
	}
	if sub.CmdCount != 2 || sub.Cmds != uint64(uintptr(unsafe.Pointer(&cmds[0]))) {
		t.Fatalf("IoctlSubmit set %d elements at %#x", sub.CmdCount, sub.Cmds)
	}
	stats := PerfStats{Counters: 0x10, CounterCount: 4}
	if err := IoctlPerfStats(fd, &stats, nil); err != syscall.ENOTTY {
		t.Fatalf("IoctlPerfStats: %v", err)
	}
	if stats.Counters != 0 || stats.CounterCount != 0 {
		t.Fatalf("an empty slice left %#x, %d", stats.Counters, stats.CounterCount)
	}
	stats = PerfStats{Counters: 0x10, CounterCount: 4}
	if err := IoctlPerfStatsRaw(fd, &stats); err != syscall.ENOTTY || stats.Counters != 0x10 || stats.CounterCount != 4 {
		t.Fatalf("IoctlPerfStatsRaw: %v, %#x, %d", err, stats.Counters, stats.CounterCount)
	}
}
"#,
    );
    s
}

#[test]
fn go_packages_build_vet_and_test() {
    if !have("go", "version", "the generated Go packages") {
        return;
    }
    let mut specs = vec![SPECS[0], SPECS[1], ALL_DIRS];
    specs.extend(LAYOUT_KINDS);
    let dir = scratch("go", &specs);
    let softaccel = load(SPECS[1]);
    let pkg = dir.join(go::package_dir(&softaccel));
    std::fs::write(
        pkg.join("zz_model_test.go"),
        go_model_test(&softaccel, host()),
    )
    .unwrap();
    for rel in specs {
        let m = load(rel);
        let pkg = dir.join(go::package_dir(&m));
        let go_mod = std::fs::read_to_string(pkg.join("go.mod")).unwrap();
        let unformatted = ok(Command::new("gofmt").current_dir(&pkg).args(["-l", "."]));
        assert_eq!(unformatted, "", "gofmt would change these files of {rel}");
        ok(go(&pkg).args(["vet", "./..."]));
        let out = ok(go(&pkg).args(["test", "-count=1", "-v", "./..."]));
        if m.name == "softaccel" {
            assert!(out.contains("--- PASS: TestModel") && out.contains("--- PASS: TestCalls"));
        }
        // Every GOARCH the backend writes a cmds_<goarch>.go for is vetted
        // (and so type-checked) as that architecture.
        for t in &m.targets {
            if let Some(goarch) = t.goarch() {
                ok(go(&pkg).env("GOARCH", goarch).args(["vet", "./..."]));
            }
        }
        // Nothing rewrote go.mod or needed a go.sum.
        assert_eq!(
            std::fs::read_to_string(pkg.join("go.mod")).unwrap(),
            go_mod,
            "{rel}: go.mod changed"
        );
        assert!(!pkg.join("go.sum").exists(), "{rel}: go.sum appeared");
    }
}

#[test]
fn go_compile_time_layout_checks_catch_a_wrong_layout() {
    if !have("go", "version", "the generated Go packages") {
        return;
    }
    // The trap spec lays out differently on x86_64 and i386; Go agrees
    // with the model on both (`go vet` does not: go/types 1.19 omits a
    // struct's tail padding from its size, which only a spec with
    // implicit padding, rejected by lint, has).
    let dir = scratch("go_trap", &[TRAP]);
    let m = load(TRAP);
    let pkg = dir.join(go::package_dir(&m));
    assert_eq!(
        ok(Command::new("gofmt").current_dir(&pkg).args(["-l", "."])),
        ""
    );
    ok(go(&pkg).args(["build", "./..."]));
    ok(go(&pkg).args(["test", "-count=1", "-vet=off", "./..."]));
    ok(go(&pkg).env("GOARCH", "386").args(["build", "./..."]));
    // Go aligns a uint64 to 4 on 32-bit ARM where the EABI aligns it to 8:
    // the compiler refuses the package, naming the size that differs.
    let err = fails(go(&pkg).env("GOARCH", "arm").args(["build", "./..."]));
    assert!(
        err.contains("cmds_arm.go") && err.contains("unsafe.Sizeof(Odd{}) - 24"),
        "{err}"
    );
}

// ---------------------------------------------------------------- corner cases

/// The edge module's helpers: renamed keyword parameters, a shared count,
/// a byte length, single pointers, and the errors raised before a call.
const PY_EDGE: &str = r#"
import ctypes, errno, inspect, os
import edge_uapi as e

assert list(inspect.signature(e.fill).parameters) == [
    "fd", "arg", "in_", "len", "bytes", "one", "res"], inspect.signature(e.fill)
assert e.Args.in_.offset == 0 and not hasattr(e, "deep_raw")
fd = os.open("/dev/null", os.O_RDONLY)
try:
    e.ping(fd)
    raise SystemExit("ENOTTY expected")
except e.UabiError as x:
    assert x.errno == errno.ENOTTY

class Fake:
    def __init__(self):
        self.seen = None
    def ioctl(self, fd, cmd, arg=0, mutate=False):
        if isinstance(arg, e.Args):
            out = (ctypes.c_uint32 * arg.nitems).from_address(getattr(arg, "len"))
            for i in range(arg.nitems):
                out[i] = 10 * i
            ctypes.c_uint64.from_address(arg.res).value = 99
            self.seen = (arg.nitems, arg.nbytes, ctypes.c_uint32.from_address(arg.one).value)
        return 0

fake = Fake()
e.fcntl = fake
items = (e.Item * 2)(e.Item(1, 2), e.Item(3, 4))
lens = (ctypes.c_uint32 * 2)()
res = ctypes.c_uint64()
a = e.fill(fd, e.Args(), in_=items, len=lens, bytes=[1, 2, 3], one=e.Item(a=7), res=res)
assert fake.seen == (2, 6, 7), fake.seen
assert list(lens) == [0, 10] and res.value == 99
assert a.in_ == ctypes.addressof(items)
try:
    e.fill(fd, e.Args(), in_=items, len=(ctypes.c_uint32 * 3)())
    raise SystemExit("ValueError expected")
except ValueError as x:
    assert "nitems" in str(x), x
try:
    e.fill(fd, e.Args(), in_=[e.Item()] * 256)
    raise SystemExit("OverflowError expected")
except OverflowError as x:
    assert "nitems" in str(x), x
# The element size the caller declares is filled from the element type.
fake.seen = None
j = e.submit_job(fd, e.Job(), tasks=items)
assert (j.ntasks, j.task_size) == (2, ctypes.sizeof(e.Item)) == (2, 8), (j.ntasks, j.task_size)
print("edge ok")
"#;

#[test]
fn python_edge_cases() {
    if !have("python3", "--version", "the generated Python modules") {
        return;
    }
    let dir = scratch_models("python_edge", &[edge()]);
    ok(Command::new("python3").current_dir(&dir).args([
        "-B",
        "-m",
        "py_compile",
        "edge/python/edge_uapi/__init__.py",
    ]));
    let out = ok(python(&dir, "edge").arg("-c").arg(PY_EDGE));
    assert_eq!(out, "edge ok\n");

    // The kinds the repository's specs lack (no argument, single
    // pointers, keywords named like builtins, a declared stride) type
    // check strictly, the module and a caller of each.
    let Some(mypy) = uabi_test_support::mypy_python(
        Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap(),
        "mypy --strict on the edge module",
    ) else {
        return;
    };
    std::fs::write(dir.join("typed_edge.py"), PY_EDGE_TYPED).unwrap();
    let out = Command::new(&mypy)
        .args(["-m", "mypy", "--strict", "--no-incremental"])
        .args(["typed_edge.py", "edge/python/edge_uapi"])
        .current_dir(&dir)
        .env("MYPY_CACHE_DIR", dir.join("mypy-cache"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "mypy --strict on the edge module:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

const PY_EDGE_TYPED: &str = r#"from __future__ import annotations

import ctypes
import os

import edge_uapi as e


def main() -> None:
    fd = os.open("/dev/null", os.O_RDONLY)
    try:
        e.ping(fd)
    except e.UabiError as x:
        print(x.errno)
    items = (e.Item * 2)(e.Item(1, 2), e.Item(3, 4))
    lens = (ctypes.c_uint32 * 2)()
    a: e.Args = e.fill(
        fd, e.Args(), in_=items, len=lens, bytes=[1, 2, 3], one=e.Item(a=7), res=5
    )
    j: e.Job = e.submit_job(fd, e.Job(), tasks=[e.Item()])
    n: e.Nested = e.deep(fd, e.Nested())
    print(a.in_, j.ntasks, n)
"#;

/// Negative enum values (amdxdna's `AMDXDNA_DEV_TYPE_UNKNOWN = -1`) are
/// Python `IntEnum` members and Go constants of a signed type, and a
/// signed member holds them.
#[test]
fn negative_enum_values_in_python_and_go() {
    let m = load(NEGATIVE_ENUM);
    let dir = scratch_models("negative_enum", std::slice::from_ref(&m));
    if have("python3", "--version", "the generated Python modules") {
        let out = ok(python(&dir, "negenum").arg("-c").arg(
            "import negenum_uapi as n\n\
             assert [int(v) for v in n.DevType] == [-1, 0, 1], list(n.DevType)\n\
             assert n.Far.DEEP == -8589934592 and n.Far.HIGH == 8589934592\n\
             q = n.Query(kind=n.DevType.UNKNOWN, level=n.Far.DEEP)\n\
             assert (q.kind, q.level, q.reserved) == (-1, -8589934592, 0)\n\
             assert n.Query.reserved.size == 4 and n.Query.level.offset == 8\n\
             assert n.QUERY == 3\n\
             print('ok')",
        ));
        assert_eq!(out, "ok\n");
    }
    if have("go", "version", "the generated Go packages") {
        let pkg = dir.join(go::package_dir(&m));
        std::fs::write(
            pkg.join("zz_negative_test.go"),
            "package negenumuapi\n\nimport \"testing\"\n\n\
             func TestNegative(t *testing.T) {\n\
             \tvar q Query\n\
             \tq.Kind = int32(DEV_TYPE_UNKNOWN)\n\
             \tq.Level = int64(FAR_DEEP)\n\
             \tvar pad uint32 = q.Reserved\n\
             \t_ = pad\n\
             \tif q.Kind != -1 || q.Level != -8589934592 || DEV_TYPE_UMQ != 1 || QUERY != 3 {\n\
             \t\tt.Fatal(q)\n\
             \t}\n\
             }\n",
        )
        .unwrap();
        let out = ok(go(&pkg).args(["test", "-count=1", "-v", "./..."]));
        assert!(out.contains("--- PASS: TestNegative"), "{out}");
        ok(go(&pkg).env("GOARCH", "386").args(["vet", "./..."]));
    }
}

/// An existing ABI's enum alias (habanalabs' `HL_DEVICE_STATUS_LAST`) is
/// a Python `IntEnum` alias of the earlier member and a Go constant of
/// the same value, in an enum that fits `int` and in one beyond it.
#[test]
fn enum_aliases_in_python_and_go() {
    let m = load("codegen/tests/fixtures/layout/enum-alias.yaml");
    let dir = scratch_models("enum_alias", std::slice::from_ref(&m));
    if have("python3", "--version", "the generated Python modules") {
        let out = ok(python(&dir, "ealias").arg("-c").arg(
            "import ealias_uapi as n\n\
             assert n.DeviceStatus.LAST is n.DeviceStatus.IN_RESET_AFTER_DEVICE_RELEASE\n\
             assert [int(v) for v in n.DeviceStatus] == [0, 1, 2, 3, 4, 5], list(n.DeviceStatus)\n\
             assert n.Wide.FIRST == n.Wide.LOW == 8589934592\n\
             print('ok')",
        ));
        assert_eq!(out, "ok\n");
    }
    if have("go", "version", "the generated Go packages") {
        let pkg = dir.join(go::package_dir(&m));
        std::fs::write(
            pkg.join("zz_alias_test.go"),
            "package ealiasuapi\n\nimport \"testing\"\n\n\
             func TestAlias(t *testing.T) {\n\
             \tlast, final, first, low := DEVICE_STATUS_LAST, DEVICE_STATUS_IN_RESET_AFTER_DEVICE_RELEASE, WIDE_FIRST, WIDE_LOW\n\
             \tif last != final || final != 5 || first != low {\n\
             \t\tt.Fatal(last, final, first, low)\n\
             \t}\n\
             }\n",
        )
        .unwrap();
        let out = ok(go(&pkg).args(["test", "-count=1", "-v", "./..."]));
        assert!(out.contains("--- PASS: TestAlias"), "{out}");
    }
}

/// A multi-bit flags field: its mask and its values placed in the word
/// are constants of the flags type in both languages.
#[test]
fn flag_fields_in_python_and_go() {
    let m = load(FLAG_FIELD);
    let dir = scratch_models("flag_field", std::slice::from_ref(&m));
    if have("python3", "--version", "the generated Python modules") {
        let out = ok(python(&dir, "fieldy").arg("-c").arg(
            "import fieldy_uapi as u\n\
             f = u.BoFlags\n\
             assert int(f.CACHE_MODE) == 0x30000 and int(f.CACHE_MODE_WC) == 0x20000\n\
             assert int(f.CACHE_MODE_CACHED) == 0 and int(f.CACHE_MODE_UNCACHED) == 0x10000\n\
             v = f.MAPPABLE | f.CACHE_MODE_WC\n\
             assert (v & f.CACHE_MODE) == f.CACHE_MODE_WC and int(u.BO_FLAGS_ALL) == 0x30007, v\n\
             print('ok')",
        ));
        assert_eq!(out, "ok\n");
    }
    if have("go", "version", "the generated Go packages") {
        let pkg = dir.join(go::package_dir(&m));
        std::fs::write(
            pkg.join("zz_field_test.go"),
            "package fieldyuapi\n\nimport \"testing\"\n\n\
             func TestField(t *testing.T) {\n\
             \tv := BO_FLAGS_MAPPABLE | BO_FLAGS_CACHE_MODE_WC\n\
             \tif v&BO_FLAGS_CACHE_MODE != BO_FLAGS_CACHE_MODE_WC || BO_FLAGS_CACHE_MODE != 0x30000 || BO_FLAGS_CACHE_MODE_UNCACHED != 0x10000 {\n\
             \t\tt.Fatal(v)\n\
             \t}\n\
             }\n",
        )
        .unwrap();
        let out = ok(go(&pkg).args(["test", "-count=1", "-v", "./..."]));
        assert!(out.contains("--- PASS: TestField"), "{out}");
    }
}

const GO_EDGE_TEST: &str = r#"package edgeuapi

import (
	"os"
	"syscall"
	"testing"
	"unsafe"
)

func TestEdge(t *testing.T) {
	f, err := os.Open("/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd := int(f.Fd())
	if err := IoctlPing(fd); err != syscall.ENOTTY {
		t.Fatalf("IoctlPing: %v", err)
	}
	items := make([]Item, 2)
	lens := make([]uint32, 2)
	words := make([]uint16, 3)
	one := Item{A: 7}
	var res uint64
	var a Args
	if err := IoctlFill(fd, &a, items, lens, words, &one, &res); err != syscall.ENOTTY {
		t.Fatalf("IoctlFill: %v", err)
	}
	if a.Nitems != 2 || a.Nbytes != 6 || a.In != uint64(uintptr(unsafe.Pointer(&items[0]))) ||
		a.One != uint64(uintptr(unsafe.Pointer(&one))) || a.Res != uint64(uintptr(unsafe.Pointer(&res))) {
		t.Fatalf("IoctlFill set %+v", a)
	}
	if err := IoctlFill(fd, &a, items, make([]uint32, 3), nil, nil, nil); err != syscall.EINVAL {
		t.Fatalf("a count shared by slices of different lengths: %v", err)
	}
	if err := IoctlFill(fd, &a, make([]Item, 256), nil, nil, nil, nil); err != syscall.EOVERFLOW {
		t.Fatalf("256 elements for a u8 count: %v", err)
	}
	if err := IoctlFill(fd, &a, nil, nil, nil, nil, nil); err != syscall.ENOTTY || a.One != 0 || a.In != 0 {
		t.Fatalf("nil pointers: %v %+v", err, a)
	}
	if err := IoctlDeep(fd, &Nested{}); err != syscall.ENOTTY {
		t.Fatalf("IoctlDeep: %v", err)
	}
	// The element size the caller declares is filled from the element type.
	var j Job
	if err := IoctlSubmitJob(fd, &j, items); err != syscall.ENOTTY || j.Ntasks != 2 || j.TaskSize != 8 {
		t.Fatalf("IoctlSubmitJob: %v %+v", err, j)
	}
}
"#;

#[test]
fn go_edge_cases() {
    if !have("go", "version", "the generated Go packages") {
        return;
    }
    let m = edge();
    let dir = scratch_models("go_edge", std::slice::from_ref(&m));
    let pkg = dir.join(go::package_dir(&m));
    let ioctl_go = std::fs::read_to_string(pkg.join("ioctl.go")).unwrap();
    assert!(ioctl_go.contains(
        "func IoctlFill(fd int, arg *Args, in []Item, len_ []uint32, bytes []uint16, one *Item, res *uint64) error {"
    ), "{ioctl_go}");
    assert!(!ioctl_go.contains("IoctlDeepRaw"));
    std::fs::write(pkg.join("zz_edge_test.go"), GO_EDGE_TEST).unwrap();
    assert_eq!(
        ok(Command::new("gofmt").current_dir(&pkg).args(["-l", "."])),
        ""
    );
    ok(go(&pkg).args(["vet", "./..."]));
    let out = ok(go(&pkg).args(["test", "-count=1", "-v", "./..."]));
    assert!(out.contains("--- PASS: TestEdge"), "{out}");
    ok(go(&pkg).env("GOARCH", "386").args(["vet", "./..."]));
}

/// The C layouts of existing headers: arrays of structs by value,
/// multi-dimensional arrays, flexible array members, unions,
/// target-dependent constants.
/// A struct whose size only its flexible member's alignment makes:
/// Python only (go vet of Go 1.19 sizes structs without tail padding).
const FLEX_TAIL: &str = "codegen/tests/fixtures/layout/flexible-tail.yaml";

const LAYOUT_KINDS: [&str; 8] = [
    "codegen/tests/fixtures/layout/anonymous.yaml",
    "codegen/tests/fixtures/layout/anonymous-i386.yaml",
    "codegen/tests/fixtures/layout/enum-alias.yaml",
    "codegen/tests/fixtures/layout/target-consts.yaml",
    "codegen/tests/fixtures/layout/struct-arrays.yaml",
    "codegen/tests/fixtures/layout/multi-dim.yaml",
    "codegen/tests/fixtures/layout/flexible.yaml",
    "codegen/tests/fixtures/layout/unions.yaml",
];

/// Anonymous members: in Python their fields are the holder's
/// (`_anonymous_`), as in C; in Go they are a field under the spec name,
/// a union's bytes read and written through its accessors.
#[test]
fn anonymous_members_in_python_and_go() {
    let m = load("codegen/tests/fixtures/layout/anonymous.yaml");
    let dir = scratch_models("anonymous", std::slice::from_ref(&m));
    if have("python3", "--version", "the generated Python modules") {
        let out = ok(python(&dir, "anon").arg("-c").arg(
            "import ctypes, anon_uapi as a\n\
             o = a.CbOut()\n\
             o.usage_cnt = 5\n\
             assert o.cb_handle & 0xffffffff == 5 and o.device_va == o.cb_handle\n\
             assert ctypes.sizeof(a.CbOut) == 8 and a.CbOut.handle_or_info.offset == 0\n\
             c = a.CsChunk(cb_size=3, queue_index=2)\n\
             assert (c.num_signal_seq_arr, c.queue_index, a.CsChunk.size.offset) == (3, 2, 12)\n\
             x = a.Mixed(kind=1, id=2, value=3, tail=4)\n\
             assert (x.id, x.value, x.body.value) == (2, 3, 3)\n\
             print('ok')",
        ));
        assert_eq!(out, "ok\n");
    }
    if have("go", "version", "the generated Go packages") {
        let pkg = dir.join(go::package_dir(&m));
        std::fs::write(
            pkg.join("zz_anon_test.go"),
            "package anonuapi\n\nimport (\n\t\"testing\"\n\t\"unsafe\"\n)\n\n\
             func TestAnonymous(t *testing.T) {\n\
             \tvar c CsChunk\n\
             \tc.Size.SetCbSize(3)\n\
             \tif c.Size.NumSignalSeqArr() != 3 || unsafe.Offsetof(c.Size) != 12 {\n\
             \t\tt.Fatal(c)\n\
             \t}\n\
             \tvar o CbOut\n\
             \to.HandleOrInfo.SetCbHandle(9)\n\
             \tinfo := o.HandleOrInfo.Info()\n\
             \tif info.DeviceVa() != 9 || unsafe.Sizeof(o) != 8 {\n\
             \t\tt.Fatal(o)\n\
             \t}\n\
             }\n",
        )
        .unwrap();
        let out = ok(go(&pkg).args(["test", "-count=1", "-v", "./..."]));
        assert!(out.contains("--- PASS: TestAnonymous"), "{out}");
    }
}

/// Unions in Python (ctypes.Union: members overlap) and Go (bytes with
/// accessors: what one member's setter writes, another's getter reads),
/// and the ioctl helpers taking one.
#[test]
fn unions_in_python_and_go() {
    let m = load("codegen/tests/fixtures/layout/unions.yaml");
    let dir = scratch_models("unions", std::slice::from_ref(&m));
    if have("python3", "--version", "the generated Python modules") {
        let out = ok(python(&dir, "hlu").arg("-c").arg(
            "import ctypes, sys, hlu_uapi as h\n\
             a = h.CbArgs()\n\
             a.in_.cb_handle = 0x1122334455667788\n\
             a.in_.op = 2\n\
             assert a.out.cb_handle == 0x1122334455667788\n\
             assert ctypes.sizeof(h.CbArgs) == 24 and h.CbArgs.out.offset == 0\n\
             x = h.Holder()\n\
             x.m.value = 0x0102030405060708\n\
             assert bytes(x.m.bytes)[:8] == (0x0102030405060708).to_bytes(8, sys.byteorder)\n\
             assert h.Holder.m.offset == 8\n\
             print('ok')",
        ));
        assert_eq!(out, "ok\n");
    }
    if have("go", "version", "the generated Go packages") {
        let pkg = dir.join(go::package_dir(&m));
        std::fs::write(
            pkg.join("zz_union_test.go"),
            "package hluuapi\n\nimport (\n\t\"testing\"\n\t\"unsafe\"\n)\n\n\
             func TestUnion(t *testing.T) {\n\
             \tvar a CbArgs\n\
             \ta.SetIn(CbIn{CbHandle: 0x1122334455667788, Op: 2})\n\
             \tif a.Out().CbHandle != 0x1122334455667788 || a.In().Op != 2 {\n\
             \t\tt.Fatal(a)\n\
             \t}\n\
             \tif unsafe.Sizeof(a) != 24 || unsafe.Alignof(a) != unsafe.Alignof(uint64(0)) {\n\
             \t\tt.Fatal(unsafe.Sizeof(a))\n\
             \t}\n\
             \tvar x Holder\n\
             \tx.M.SetValue(7)\n\
             \tif b := x.M.Bytes(); *(*uint64)(unsafe.Pointer(&b[0])) != 7 || unsafe.Offsetof(x.M) != 8 {\n\
             \t\tt.Fatal(b)\n\
             \t}\n\
             }\n",
        )
        .unwrap();
        let out = ok(go(&pkg).args(["test", "-count=1", "-v", "./..."]));
        assert!(out.contains("--- PASS: TestUnion"), "{out}");
        for goarch in ["386", "arm", "mips"] {
            ok(go(&pkg).env("GOARCH", goarch).args(["vet", "./..."]));
        }
    }
}
