//! `uabi compat` on two mutated specs: both load (or fail with
//! diagnostics), both freeze, and the comparison runs both ways; a spec
//! compared with itself is always compatible.
#![no_main]

use libfuzzer_sys::{fuzz_mutator, fuzz_target};
use std::path::Path;
use uabi::compat;

fn side(label: &str, text: &str) -> Option<compat::Side> {
    let tree = uabi_fuzz::tree_with(label, text);
    let (result, sources) = uabi::load::load_from(&tree, Path::new(label), label);
    compat::spec_side(&*result.ok()?, sources).ok()
}

fuzz_target!(|data: &[u8]| {
    let (old, new) = uabi_fuzz::mutator::split_pair(data);
    let (Some(old), Some(new)) = (side("spec/old.yaml", &old), side("spec/new.yaml", &new)) else {
        return;
    };
    for (a, b) in [(&old, &new), (&new, &old)] {
        let report = compat::compare(&a.dump, &b.dump, &b.locator);
        for d in &report.findings {
            let _ = d.render(b.sources.get(&d.pos.file).map(String::as_str));
        }
    }
    let same = compat::compare(&new.dump, &new.dump, &new.locator);
    assert!(
        !same.is_breaking(),
        "a spec breaks compatibility with itself: {:?}",
        same.findings
    );
});

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    let donors: Vec<&str> = uabi_fuzz::SPECS.iter().map(|(_, t)| *t).collect();
    if seed % 5 == 0 {
        return libfuzzer_sys::fuzzer_mutate(data, size, max_size);
    }
    uabi_fuzz::mutator::mutate_pair(data, size, max_size, seed, &donors)
});
