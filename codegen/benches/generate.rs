//! Benchmark 1: generation. The whole in-process pipeline (load +
//! resolve + lint + render of every backend, as `uabi generate` runs it
//! before writing) on a synthetic spec the size of a whole subsystem's
//! uAPI and on spec/softaccel.yaml, against the YAML front end alone and
//! saphyr-parser's bare event stream on the same text in the same run;
//! and the whole `uabi generate` process writing into a fresh directory,
//! against spawning `uabi --version`.
//!
//! Each group's throughput is the number of top-level items (structs,
//! ioctls, attributes, operations, consts, enums, flags sets, rings), so
//! criterion reports items per second; scripts/bench.sh turns that into
//! time per item against the 10 µs target.
//!
//! Run: `cargo bench -p uabi --bench generate` (or `scripts/bench.sh
//! generate`). `UABI_BENCH_WRITE_SPEC=DIR` writes both revisions of the
//! synthetic spec under DIR/r1 and DIR/r2 and exits, to lint or read it.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// The allocator the `uabi` binary uses, so in-process figures are the
// CLI's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod synth;

use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion, Throughput};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use synth::{Counts, LARGE, Scratch};
use uabi::backend;
use uabi::pipeline;

/// One spec set to generate from.
struct Input {
    name: &'static str,
    /// The specs named on the command line.
    specs: Vec<PathBuf>,
    /// The text of every file the pipeline reads (includes too), for the
    /// parsing baseline.
    texts: Vec<String>,
    counts: Counts,
}

impl Input {
    fn new(name: &'static str, specs: Vec<PathBuf>) -> Input {
        let c = pipeline::load_and_lint(&specs);
        assert!(
            !c.has_errors(),
            "{name}: the specs have errors:\n{}",
            c.render_diagnostics()
        );
        let counts = Counts::of(c.models.values().map(|m| m.as_ref()));
        let files = pipeline::render(&c.models).expect("rendering");
        eprintln!(
            "{name}: {counts}; {} warnings; {} files generated",
            c.diagnostics.len(),
            files.len()
        );
        let mut texts: Vec<String> = c.sources.values().cloned().collect();
        texts.sort();
        Input {
            name,
            specs,
            texts,
            counts,
        }
    }
}

/// Benchmarks `routine`, measured for its own duration (see
/// [`synth::fit`]).
fn bench<R>(g: &mut BenchmarkGroup<'_, WallTime>, id: &str, mut routine: impl FnMut() -> R) {
    synth::fit(g, &mut routine);
    g.bench_function(id, |b| b.iter(&mut routine));
}

fn in_process(c: &mut Criterion, input: &Input) {
    let mut g = c.benchmark_group(format!("generate/{}", input.name));
    g.throughput(Throughput::Elements(input.counts.items()));
    // The YAML front end (load::parse: the hand-written deserializer over
    // saphyr-parser's events into the surface syntax, positions kept).
    bench(&mut g, "yaml parse (baseline)", || {
        let file: std::sync::Arc<str> = std::sync::Arc::from("bench.yaml");
        for t in &input.texts {
            black_box(uabi::load::parse(&file, t).expect("valid spec"));
        }
    });
    // The bare YAML grammar: saphyr-parser's event stream, spans included.
    bench(&mut g, "saphyr-parser events (baseline)", || {
        for t in &input.texts {
            let mut events = 0usize;
            for e in saphyr_parser::Parser::new_from_str(t) {
                black_box(e.expect("valid YAML"));
                events += 1;
            }
            black_box(events);
        }
    });
    bench(&mut g, "load + resolve", || {
        for s in &input.specs {
            black_box(uabi::load::load(s, None).expect("resolves"));
        }
    });
    bench(&mut g, "load + resolve + lint", || {
        pipeline::load_and_lint(&input.specs)
    });
    bench(&mut g, "pipeline", || {
        let checked = pipeline::load_and_lint(&input.specs);
        pipeline::render(&checked.models)
    });
    g.finish();
}

/// Where the time of rendering goes, job by job: the jobs `uabi
/// generate` runs (`backend::JOBS`), so `rust-kernel` and `rust-uapi`
/// print both flavours of their text and `rust-linux` the rest of the
/// kernel flavour's folder.
fn per_backend(c: &mut Criterion, input: &Input) {
    let checked = pipeline::load_and_lint(&input.specs);
    let models: Vec<_> = checked.models.values().cloned().collect();
    let opts = backend::OutputOptions::default();
    let mut g = c.benchmark_group(format!("render/{}", input.name));
    g.throughput(Throughput::Elements(input.counts.items()));
    for (name, render) in backend::JOBS {
        bench(&mut g, name, || {
            for m in &models {
                let _ = black_box(render(m, &opts));
            }
        });
    }
    g.finish();
}

fn uabi() -> Command {
    Command::new(env!("CARGO_BIN_EXE_uabi"))
}

/// `uabi generate` of `input` into `out`.
fn generate_process(input: &Input, out: &Path) {
    let status = uabi()
        .arg("generate")
        .args(&input.specs)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .status()
        .expect("running uabi");
    assert!(status.success(), "uabi generate failed for {}", input.name);
}

fn process(c: &mut Criterion, inputs: &[Input]) {
    let scratch = Scratch::new("generate");
    let mut n = 0u32;
    let mut fresh = || {
        n += 1;
        // The previous iteration's output goes, so the disk does not fill.
        let _ = std::fs::remove_dir_all(scratch.0.join(format!("out-{}", n - 1)));
        scratch.0.join(format!("out-{n}"))
    };
    let mut g = c.benchmark_group("generate-process");
    for input in inputs {
        g.throughput(Throughput::Elements(input.counts.items()));
        synth::fit(&mut g, || generate_process(input, &fresh()));
        g.bench_function(input.name, |b| {
            b.iter_batched(
                &mut fresh,
                |out| generate_process(input, &out),
                BatchSize::PerIteration,
            )
        });
    }
    g.throughput(Throughput::Elements(1));
    bench(&mut g, "spawn only (uabi --version)", || {
        let status = uabi()
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .expect("running uabi");
        assert!(status.success());
    });
    g.finish();
}

fn main() {
    if let Some(dir) = std::env::var_os("UABI_BENCH_WRITE_SPEC") {
        let dir = PathBuf::from(dir);
        for rev in [1, 2] {
            for p in synth::write(&dir.join(format!("r{rev}")), &LARGE, rev).expect("writing") {
                println!("{}", p.display());
            }
        }
        return;
    }
    let scratch = Scratch::new("synth");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf();
    let inputs = [
        Input::new(
            "synthetic",
            synth::write(&scratch.0, &LARGE, 1).expect("writing the synthetic spec"),
        ),
        Input::new("softaccel", vec![root.join("spec/softaccel.yaml")]),
    ];
    let mut c = Criterion::default().configure_from_args();
    for input in &inputs {
        in_process(&mut c, input);
    }
    per_backend(&mut c, &inputs[0]);
    process(&mut c, &inputs);
    c.final_summary();
}
