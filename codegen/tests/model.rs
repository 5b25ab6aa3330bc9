//! Snapshot of the resolved model, separate from the output snapshots: a
//! change in layout or numbering logic shows up here, a change in printing
//! in the backends' snapshots. The model is snapshotted as its canonical
//! ABI dump (what `uabi freeze` writes: every layout per target, every
//! command number, values and checks). The repository specs' dumps are
//! their frozen revisions under `spec/*.abi/`, which `uabi compat` guards.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

#[test]
fn model_snapshots() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/layout");
    let specs = uabi::pipeline::specs_in(&dir).expect("fixture folder");
    assert!(specs.len() >= 2, "fixtures missing: {specs:?}");
    for path in specs {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let label = format!("fixtures/layout/{name}.yaml");
        let m = uabi::load::load(&path, Some(&label)).unwrap_or_else(|d| panic!("{name}: {d:#?}"));
        insta::assert_snapshot!(
            name,
            uabi::dump::to_json(&uabi::dump::build(&m).unwrap()).unwrap()
        );
    }
}
