//! The spec front end on structurally mutated real specs: swapped,
//! dropped and duplicated keys and items, extreme integers, deep nesting,
//! anchors and aliases, huge strings, blocks crossed over from other
//! specs (see `uabi_fuzz::mutator`). Mutants mostly stay valid YAML, so
//! they reach the resolver, lint, every backend and freeze.
#![no_main]

use libfuzzer_sys::{fuzz_mutator, fuzz_target};

fuzz_target!(|data: &[u8]| {
    uabi_fuzz::run_pipeline(&String::from_utf8_lossy(data));
});

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    let donors: Vec<&str> = uabi_fuzz::SPECS.iter().map(|(_, t)| *t).collect();
    uabi_fuzz::mutator::mutate_bytes(data, size, max_size, seed, &donors, |d, s, m| {
        libfuzzer_sys::fuzzer_mutate(d, s, m)
    })
});
