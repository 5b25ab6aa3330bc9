//! Header benchmarks (issue 13): `uabi import` of the largest accel
//! header (habanalabs), and `uabi compat` of two header revisions against
//! the kernel's check-uapi route, each ratio measured in one run.
//!
//! Two pairs: the C headers uabi generates for the two revisions of the
//! synthetic spec (1,004 structs and 500 ioctls over two headers, r2
//! appending items), and the same spec as one part (1,006 structs and
//! 250 ioctls in one header): issue 13's "1,000-struct pair", and the
//! shape on which the check-uapi route costs most, abidiff's time
//! growing faster than the header's size. The check-uapi route does what
//! `scripts/check-uapi.sh` (Linux 6.12) does for each header: `do_compile`
//! builds a shared object of `int f(void) { return 0; }` with the header
//! forced in (`gcc -shared -nostdlib -fPIC -x c -O0 -std=c90
//! -fno-eliminate-unused-debug-types -g -I<tree> -include <header>`), once
//! per revision, and `compare_abi` runs `abidiff --non-reachable-types
//! --suppressions <the script's suppressions>` on the two; the script
//! checks its headers in parallel, one per core (`-j`, default `nproc`):
//! the route is measured that way and with `-j 1`. It checks the
//! compiler's one target. `uabi
//! compat` imports both sides of a pair with libclang, in process, on
//! the two cores, and compares them on every target.
//!
//! Run: `cargo bench -p uabi --bench headers` (or `scripts/bench.sh
//! headers`, which installs abigail-tools for abidiff).

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod synth;

use criterion::Criterion;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use synth::{LARGE, ONE_PART, Scale, Scratch};
use uabi::compat::{self, SideOptions};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/headers")
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The synthetic spec's C headers at revision `rev` and `scale`, written
/// under `dir` as `uabi generate` lays them out (so their `#include`s
/// resolve).
fn synthetic_headers(dir: &Path, scale: &Scale, rev: u32) -> Vec<PathBuf> {
    let specs = synth::write(&dir.join("spec"), scale, rev).expect("writing the spec");
    let mut headers = Vec::new();
    let models: Vec<_> = specs
        .iter()
        .map(|s| uabi::load::load(s, None).expect("the synthetic spec resolves"))
        .collect();
    let counts = synth::Counts::of(models.iter().map(|m| m.as_ref()));
    eprintln!(
        "synthetic r{rev}: {} structs, {} items",
        counts.structs,
        counts.items()
    );
    for model in &models {
        for m in model.all_includes().into_iter().chain([model.as_ref()]) {
            for f in uabi::backend::c::render(m).expect("renders") {
                let path = dir.join("out").join(&f.path);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &f.contents).unwrap();
                if !headers.contains(&path) {
                    headers.push(path);
                }
            }
        }
    }
    headers
}

/// `check-uapi.sh`'s `do_compile`: a shared object of an empty function
/// with the header forced in, with full debug info of every type.
fn compile_like_check_uapi(header: &Path, out: &Path) {
    let tree = header.parent().unwrap();
    let status = Command::new("gcc")
        .args(["-shared", "-nostdlib", "-fPIC", "-o"])
        .arg(out)
        .args([
            "-x",
            "c",
            "-O0",
            "-std=c90",
            "-fno-eliminate-unused-debug-types",
            "-g",
        ])
        .arg(format!("-I{}", tree.display()))
        .arg("-include")
        .arg(header)
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin
                .take()
                .unwrap()
                .write_all(b"int f(void) { return 0; }\n")?;
            c.wait()
        })
        .expect("running gcc");
    assert!(status.success(), "gcc on {}", header.display());
}

/// `check-uapi.sh`'s `gen_suppressions` (without `-i`): enumerators that
/// may move and members inserted at a padding field.
fn check_uapi_suppressions() -> String {
    const ENUMS: &[&str] = &[
        ".*_AFTER_LAST$",
        ".*_CNT$",
        ".*_COUNT$",
        ".*_END$",
        ".*_LAST$",
        ".*_MASK$",
        ".*_MAX$",
        ".*_MAX_BIT$",
        ".*_MAX_BPF_ATTACH_TYPE$",
        ".*_MAX_ID$",
        ".*_MAX_SHIFT$",
        ".*_NBITS$",
        ".*_NETDEV_NUMHOOKS$",
        ".*_NFT_META_IIFTYPE$",
        ".*_NL80211_ATTR$",
        ".*_NLDEV_NUM_OPS$",
        ".*_NUM$",
        ".*_NUM_ELEMS$",
        ".*_NUM_IRQS$",
        ".*_SIZE$",
        ".*_TLSMAX$",
        "^MAX_.*",
        "^NUM_.*",
    ];
    const PADDING: &[&str] = &[
        ".*end$",
        ".*pad$",
        ".*pad[0-9]?$",
        ".*pad_[0-9]?$",
        ".*padding$",
        ".*padding[0-9]?$",
        ".*padding_[0-9]?$",
        ".*res$",
        ".*resv$",
        ".*resv[0-9]?$",
        ".*resv_[0-9]?$",
        ".*reserved$",
        ".*reserved[0-9]?$",
        ".*reserved_[0-9]?$",
        ".*rsvd[0-9]?$",
        ".*unused$",
    ];
    let mut s = format!(
        "[suppress_type]\n  type_kind = enum\n  changed_enumerators_regexp = {}\n",
        ENUMS.join(",")
    );
    for p in PADDING {
        s.push_str(&format!(
            "[suppress_type]\n  type_kind = struct\n  has_data_member_inserted_at = offset_of_first_data_member_regexp({p})\n"
        ));
    }
    s
}

fn abidiff(old: &Path, new: &Path, suppressions: &Path) {
    let out = Command::new("abidiff")
        .arg("--non-reachable-types")
        .arg("--suppressions")
        .arg(suppressions)
        .arg(old)
        .arg(new)
        .output()
        .expect("running abidiff");
    // Bit 0 is abidiff's own error, bit 1 a usage error (the script stops
    // on it); bits 2 and 3 report ABI changes.
    assert!(
        out.status.code().is_some_and(|c| c & 3 == 0),
        "abidiff failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn main() {
    if let Err(e) = uabi::import::front_end() {
        eprintln!("SKIPPED headers benchmarks: {e}");
        return;
    }
    if !have("clang") {
        eprintln!(
            "SKIPPED headers benchmarks: clang missing for the baseline (scripts/setup.sh installs it)"
        );
        return;
    }
    let mut c = Criterion::default().configure_from_args();

    // Import of the largest accel header, with clang's bare parse of the
    // same header as the baseline.
    let hl = fixtures().join("drm/habanalabs_accel.h");
    let includes = vec![fixtures().join("drm"), fixtures(), fixtures().join("shim")];
    let mut g = c.benchmark_group("headers/import habanalabs");
    let routine = || black_box(uabi::import::import(&hl, &includes).expect("imports"));
    synth::fit(&mut g, routine);
    g.bench_function("uabi import", |b| b.iter(routine));
    // The command as a user runs it: a process that loads libclang,
    // against the clang process below.
    let out_spec = std::env::temp_dir().join(format!("uabi-bench-hl-{}.yaml", std::process::id()));
    let routine = || {
        let out = Command::new(env!("CARGO_BIN_EXE_uabi"))
            .arg("import")
            .arg(&hl)
            .args(
                includes
                    .iter()
                    .flat_map(|i| [std::ffi::OsStr::new("-I"), i.as_os_str()]),
            )
            .arg("--out")
            .arg(&out_spec)
            .output()
            .expect("running uabi import");
        // 1: something was not expressible (habanalabs has such items).
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    synth::fit(&mut g, routine);
    g.bench_function("uabi import (process)", |b| b.iter(routine));
    let routine = || {
        let out = Command::new("clang")
            .args(["-fsyntax-only", "-x", "c"])
            .args(includes.iter().map(|i| format!("-I{}", i.display())))
            .arg(&hl)
            .output()
            .expect("running clang");
        assert!(out.status.success());
    };
    synth::fit(&mut g, routine);
    g.bench_function("clang -fsyntax-only (baseline)", |b| b.iter(routine));
    g.finish();
    let _ = std::fs::remove_file(&out_spec);

    // Header-to-header compat against the check-uapi route.
    let scratch = Scratch::new("headers");
    compat_pairs(&mut c, &scratch.0.join("pair"), "synthetic pair", &LARGE);
    compat_pairs(&mut c, &scratch.0.join("one"), "one-header pair", &ONE_PART);
    c.final_summary();
}

/// `uabi compat` of the synthetic spec's headers at `scale`, r1 against
/// r2, and the check-uapi route on the same pairs, as group
/// `headers/compat <name>`.
fn compat_pairs(c: &mut Criterion, dir: &Path, name: &str, scale: &Scale) {
    let old = synthetic_headers(&dir.join("r1"), scale, 1);
    let new = synthetic_headers(&dir.join("r2"), scale, 2);
    assert_eq!(old.len(), new.len());
    let pairs: Vec<(PathBuf, PathBuf)> = old.into_iter().zip(new).collect();
    let options = SideOptions::default();
    let mut g = c.benchmark_group(format!("headers/compat {name}"));
    // As the CLI runs it: the two sides of a pair are read at once (the
    // new side is read before joining the old side's thread; a tuple
    // that joins first reads them one after the other).
    let routine = || {
        for (o, n) in &pairs {
            let (o, n) = std::thread::scope(|s| {
                let o = s.spawn(|| compat::load_side_with(o.to_str().unwrap(), &options));
                let n = compat::load_side_with(n.to_str().unwrap(), &options);
                (o.join().unwrap(), n)
            });
            let (o, n) = (o.expect("old imports"), n.expect("new imports"));
            // r2 changes a few `_ALL` mask macros, which a header
            // comparison reports as changed values; the time is the point.
            black_box(compat::compare_headers(&o, &n));
        }
    };
    synth::fit(&mut g, routine);
    g.bench_function("uabi compat (every target)", |b| b.iter(routine));
    if !have("abidiff") {
        eprintln!("SKIPPED check-uapi baseline: abidiff missing (apt-get install abigail-tools)");
        g.finish();
        return;
    }
    let objs = dir.join("objs");
    std::fs::create_dir_all(&objs).unwrap();
    let suppressions = objs.join("suppressions.txt");
    std::fs::write(&suppressions, check_uapi_suppressions()).unwrap();
    let check = |i: usize, (o, n): &(PathBuf, PathBuf)| {
        let (oo, no) = (
            objs.join(format!("{i}-old.so")),
            objs.join(format!("{i}-new.so")),
        );
        compile_like_check_uapi(n, &no);
        compile_like_check_uapi(o, &oo);
        abidiff(&oo, &no, &suppressions);
    };
    let route = |jobs: usize| {
        let indexed: Vec<_> = pairs.iter().enumerate().collect();
        for batch in indexed.chunks(jobs) {
            std::thread::scope(|s| {
                for &(i, pair) in batch {
                    s.spawn(move || check(i, pair));
                }
            });
        }
    };
    if pairs.len() == 1 {
        // One header: the script's `-j` has nothing to run beside it.
        let routine = || route(1);
        synth::fit(&mut g, routine);
        g.bench_function("check-uapi route: gcc + abidiff (one target)", |b| {
            b.iter(routine)
        });
    } else {
        // The script's `-j`: as many headers at once as there are cores.
        let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
        let routine = || route(jobs);
        synth::fit(&mut g, routine);
        g.bench_function(
            "check-uapi route: gcc + abidiff (one target, -j nproc)",
            |b| b.iter(routine),
        );
        let routine = || route(1);
        synth::fit(&mut g, routine);
        g.bench_function("check-uapi route: gcc + abidiff (one target, -j 1)", |b| {
            b.iter(routine)
        });
    }
    g.finish();
}
