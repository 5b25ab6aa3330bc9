//! Benchmark 5: `uabi compat` between two revisions of the synthetic
//! spec (r2 adds items at the end with `since: 2`), in process, against
//! freezing one revision (building and serializing its ABI dump) in the
//! same run. Also softaccel's current spec against its frozen r2 dump, as
//! `uabi compat` runs it in this repository.
//!
//! Run: `cargo bench -p uabi --bench compat` (or `scripts/bench.sh
//! compat`).

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// The allocator the `uabi` binary uses, so in-process figures are the
// CLI's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod synth;

use criterion::{Criterion, Throughput};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use synth::{Counts, LARGE, Scratch};
use uabi::compat::{self, Side};
use uabi::model::Model;
use uabi::{dump, load, pipeline};

/// One comparison: the frozen dump text of the old revision, the new
/// revision's spec file, and the sides read from them; plus the spec that
/// the freeze baseline freezes.
struct Pair {
    /// The spec frozen by the freeze baseline (the old revision, when
    /// its dump is not given).
    freeze_model: Arc<Model>,
    freeze_path: PathBuf,
    new_model: Arc<Model>,
    old_json: String,
    old_label: String,
    new_path: PathBuf,
    old: Side,
    new: Side,
}

impl Pair {
    fn new(freeze_path: PathBuf, old_json: Option<String>, new_path: PathBuf) -> Pair {
        for p in [&freeze_path, &new_path] {
            let c = pipeline::load_and_lint(std::slice::from_ref(p));
            assert!(
                !c.has_errors(),
                "{}: errors:\n{}",
                p.display(),
                c.render_diagnostics()
            );
        }
        let freeze_model = load::load(&freeze_path, None).expect("the spec resolves");
        let new_model = load::load(&new_path, None).expect("the new revision resolves");
        let old_json = old_json
            .unwrap_or_else(|| dump::to_json(&dump::build(&freeze_model).unwrap()).unwrap());
        let parsed = dump::parse(&old_json).expect("the frozen dump parses");
        let old_label = format!("{}.abi/r{}.json", parsed.spec, parsed.revision);
        let old = compat::dump_side(&old_json, &old_label).expect("the frozen dump parses");
        let new = compat::load_side(&new_path.to_string_lossy()).expect("the new revision loads");
        let report = compat::compare(&old.dump, &new.dump, &new.locator);
        assert!(
            !report.is_breaking(),
            "{}: breaking: {:?}",
            new_path.display(),
            report.findings
        );
        assert!(
            !report.compatible.is_empty(),
            "{}: the new revision should add items",
            new_path.display()
        );
        eprintln!(
            "{}: revision {} against {}: {} compatible changes",
            new.label,
            new.dump.revision,
            old_label,
            report.compatible.len()
        );
        Pair {
            freeze_model,
            freeze_path,
            new_model,
            old_json,
            old_label,
            new_path,
            old,
            new,
        }
    }
}

fn bench(c: &mut Criterion, name: &str, pairs: &[Pair], items: u64) {
    let mut g = c.benchmark_group(format!("compat/{name}"));
    g.throughput(Throughput::Elements(items));
    let routine = || {
        for p in pairs {
            black_box(dump::to_json(&dump::build(&p.freeze_model).unwrap()).unwrap());
        }
    };
    synth::fit(&mut g, routine);
    g.bench_function("freeze (dump build + serialize)", |b| b.iter(routine));

    let routine = || {
        for p in pairs {
            black_box(compat::compare(&p.old.dump, &p.new.dump, &p.new.locator));
        }
    };
    synth::fit(&mut g, routine);
    g.bench_function("compare (dumps in memory)", |b| b.iter(routine));

    // What `uabi freeze` does before writing: load, lint, dump.
    let routine = || {
        for p in pairs {
            let c = pipeline::load_and_lint(std::slice::from_ref(&p.freeze_path));
            let m = &c.models[&p.freeze_model.name];
            black_box(dump::to_json(&dump::build(m).unwrap()).unwrap());
        }
    };
    synth::fit(&mut g, routine);
    g.bench_function("freeze end to end", |b| b.iter(routine));

    // What `uabi compat OLD.json NEW.yaml` does before printing.
    let routine = || {
        for p in pairs {
            let old = compat::dump_side(&p.old_json, &p.old_label).expect("parses");
            let new = compat::load_side(&p.new_path.to_string_lossy()).expect("loads");
            black_box(compat::compare(&old.dump, &new.dump, &new.locator));
        }
    };
    synth::fit(&mut g, routine);
    g.bench_function("compat end to end", |b| b.iter(routine));
    g.finish();
}

fn main() {
    let scratch = Scratch::new("compat");
    let r1 = synth::write(&scratch.0.join("r1"), &LARGE, 1).expect("writing r1");
    let r2 = synth::write(&scratch.0.join("r2"), &LARGE, 2).expect("writing r2");
    let synthetic: Vec<Pair> = r1
        .into_iter()
        .zip(r2)
        .map(|(old, new)| Pair::new(old, None, new))
        .collect();
    let items = Counts::of(synthetic.iter().map(|p| p.new_model.as_ref())).items();
    eprintln!("synthetic r2: {items} items");

    let spec = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .join("spec");
    let frozen = spec.join("softaccel.abi/r2.json");
    // The current spec against its frozen r2, as `uabi compat` runs in
    // this repository; the freeze baseline freezes the current spec.
    let softaccel: Vec<Pair> = std::fs::read_to_string(&frozen)
        .ok()
        .map(|json| {
            let current = spec.join("softaccel.yaml");
            Pair::new(current.clone(), Some(json), current)
        })
        .into_iter()
        .collect();

    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, "synthetic", &synthetic, items);
    if !softaccel.is_empty() {
        let items = Counts::of(softaccel.iter().map(|p| p.new_model.as_ref())).items();
        bench(&mut c, "softaccel", &softaccel, items);
    }
    c.final_summary();
}
