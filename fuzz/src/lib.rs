//! What the fuzz targets share: the real specs as seeds, the front-end
//! pipeline every spec target runs, the structure-aware spec mutator, a
//! byte tape that turns fuzz input into decisions, and the fake user
//! memory the ioctl targets hand the generated dispatch.
//!
//! Everything here runs inside libFuzzer: a panic anywhere is a finding,
//! so the helpers themselves never panic on any input.

pub mod mutator;
pub mod usermem;

use std::path::Path;
use std::sync::Arc;
use uabi::load::InMemory;
use uabi::model::Model;

/// The specs of the repository, by the path the loader sees them at, so
/// that `include: [accel-core.yaml]` resolves in memory as on disk.
pub const SPECS: &[(&str, &str)] = &[
    (
        "spec/accel-core.yaml",
        include_str!("../../spec/accel-core.yaml"),
    ),
    (
        "spec/softaccel.yaml",
        include_str!("../../spec/softaccel.yaml"),
    ),
];

/// Where a fuzzed spec sits: next to the real ones, so its includes of
/// them resolve.
pub const FUZZ_SPEC: &str = "spec/fuzz.yaml";

/// An in-memory tree with the real specs and `text` at `path`.
pub fn tree_with(path: &str, text: &str) -> InMemory {
    let mut m = InMemory::new();
    for (p, t) in SPECS {
        m.insert(p, *t);
    }
    m.insert(path, text);
    m
}

/// Loads `text` as a spec named [`FUZZ_SPEC`] (includes of the real
/// specs resolve); the model, or the partial model lint still reports on.
pub fn load(text: &str) -> (Option<Arc<Model>>, Option<Arc<Model>>) {
    let tree = tree_with(FUZZ_SPEC, text);
    let loaded = uabi::load::load_partial_from(&tree, Path::new(FUZZ_SPEC), FUZZ_SPEC);
    match loaded.result {
        Ok(m) => (Some(m), None),
        Err(diags) => {
            // An error must say what is wrong: an empty list would leave
            // the user with a failing run and nothing to fix.
            assert!(!diags.is_empty(), "a failed load without a diagnostic");
            for d in &diags {
                let _ = d.render(Some(text));
            }
            (None, loaded.partial)
        }
    }
}

/// The whole front end on one spec text: load, lint, every backend and
/// freeze (the canonical dump and its round trip). Nothing may panic.
pub fn run_pipeline(text: &str) {
    let (model, partial) = load(text);
    if let Some(m) = partial {
        // After resolution errors lint still runs on what resolved.
        let _ = uabi::lint::lint(&m);
    }
    let Some(model) = model else { return };
    let lints = uabi::lint::lint(&model);
    for d in &lints.items {
        let _ = d.render(Some(text));
    }
    let _ = uabi::backend::render_all(&model);
    freeze(&model);
}

/// `uabi freeze` in memory: the dump, its canonical JSON, and that JSON
/// read back as the frozen file it would be, which must be accepted and
/// compare equal to the spec it came from.
pub fn freeze(model: &Model) {
    let Ok(dump) = uabi::dump::build(model) else {
        return;
    };
    let Ok(json) = uabi::dump::to_json(&dump) else {
        return;
    };
    let back = match uabi::dump::parse(&json) {
        Ok(d) => d,
        Err(e) => panic!("a dump `freeze` wrote is refused on reading: {e}"),
    };
    let report = uabi::compat::compare(&back, &dump, &uabi::dump::Locator::default());
    assert!(
        !report.is_breaking(),
        "a spec is incompatible with its own frozen dump: {:?}",
        report.findings
    );
}

/// Fuzz bytes as a stream of decisions; zeros once they run out, so every
/// input is a complete run.
pub struct Tape<'a> {
    data: &'a [u8],
}

impl<'a> Tape<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Tape { data }
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.data.len());
        let (head, tail) = self.data.split_at(n);
        self.data = tail;
        head
    }

    pub fn u8(&mut self) -> u8 {
        self.bytes(1).first().copied().unwrap_or(0)
    }

    pub fn u16(&mut self) -> u16 {
        u16::from(self.u8()) | (u16::from(self.u8()) << 8)
    }

    pub fn u32(&mut self) -> u32 {
        u32::from(self.u16()) | (u32::from(self.u16()) << 16)
    }

    pub fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | (u64::from(self.u32()) << 32)
    }

    /// A value below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.u32() as usize) % n }
    }

    pub fn rest(&mut self) -> &'a [u8] {
        self.bytes(self.data.len())
    }
}
