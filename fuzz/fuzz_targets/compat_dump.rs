//! `uabi compat` of a spec against a mutated frozen dump: the dump reader
//! (format and digest checks) on the raw text, and, so that mutants get
//! past the digests, the comparison on whatever the text deserializes to,
//! both ways against every real spec.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;
use uabi::compat::{self, Side};

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
    let lax: Option<uabi::dump::Dump> = serde_json::from_str(&text).ok();
    let locator = uabi::dump::Locator::for_json(&text, &std::sync::Arc::from(label));
    for spec in specs() {
        if let Some(f) = &frozen {
            let r = compat::compare(&f.dump, &spec.dump, &spec.locator);
            for d in &r.findings {
                let _ = d.render(spec.sources.get(&d.pos.file).map(String::as_str));
            }
        }
        if let Some(d) = &lax {
            let _ = compat::compare(d, &spec.dump, &spec.locator);
            let _ = compat::compare(&spec.dump, d, &locator);
            let _ = uabi::dump::to_json(d);
        }
    }
});
