//! `uabi compat` of a spec against a mutated frozen dump: the dump reader
//! (format, digest and shape checks) on the raw text, and, so that mutants
//! get past the digests, on whatever the text deserializes to with its
//! digests recomputed (as anyone editing a dump by hand can); every dump
//! the reader accepts is compared both ways with every real spec.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;
use uabi::compat::{self, Side};
use uabi::dump::Dump;

fn specs() -> &'static Vec<Side> {
    static SIDES: OnceLock<Vec<Side>> = OnceLock::new();
    SIDES.get_or_init(|| {
        uabi_fuzz::SPECS
            .iter()
            .filter_map(|(path, text)| {
                let tree = uabi_fuzz::tree_with(path, text);
                let (result, sources) = uabi::load::load_from(&tree, Path::new(path), path);
                compat::spec_side(&*result.ok()?, sources).ok()
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let label = "spec/softaccel.abi/r9.json";
    let frozen = compat::dump_side(&text, label).ok();
    let redigested = serde_json::from_str::<Dump>(&text)
        .ok()
        .and_then(|mut d| {
            uabi::dump::fill_digests(&mut d).ok()?;
            uabi::dump::to_json(&d).ok()
        })
        .and_then(|json| compat::dump_side(&json, label).ok());
    for f in frozen.iter().chain(redigested.iter()) {
        for spec in specs() {
            let r = compat::compare(&f.dump, &spec.dump, &spec.locator);
            for d in &r.findings {
                let _ = d.render(spec.sources.get(&d.pos.file).map(String::as_str));
            }
            let r = compat::compare(&spec.dump, &f.dump, &f.locator);
            for d in &r.findings {
                let _ = d.render(f.sources.get(&d.pos.file).map(String::as_str));
            }
        }
    }
});
