//! Spec front end on raw bytes: load (YAML parser, serde layer, resolver),
//! lint, every backend and freeze. Any input gets a model or diagnostics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    uabi_fuzz::run_pipeline(&String::from_utf8_lossy(data));
});
