//! Spec front end on raw bytes: load (YAML parser, serde layer, resolver),
//! lint, every backend and freeze. Any input gets a model or diagnostics.
//! Wherever the spec subset's own YAML scanner takes the text, it must give
//! saphyr-parser's events at saphyr-parser's positions.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(e) = uabi::load::fast_yaml::agrees_with_saphyr(&text) {
        panic!("the fast YAML scanner and saphyr-parser differ: {e}");
    }
    uabi_fuzz::run_pipeline(&text);
});
