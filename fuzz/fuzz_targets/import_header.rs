//! `uabi import` on mutated C headers, through the in-process libclang
//! front end (loaded at run time; the target refuses to start without it
//! rather than pass vacuously): the header is read, mapped and emitted as
//! YAML, and that YAML goes through the whole spec front end.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

struct Scratch {
    _dir: tempfile::TempDir,
    header: PathBuf,
    includes: Vec<PathBuf>,
}

fn scratch() -> &'static Scratch {
    static S: OnceLock<Scratch> = OnceLock::new();
    S.get_or_init(|| {
        if let Err(e) = uabi::import::front_end() {
            panic!("the import front end cannot run here: {e}");
        }
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("no scratch folder: {e}"),
        };
        let fixtures =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../codegen/tests/fixtures/headers");
        Scratch {
            header: dir.path().join("fuzz_accel.h"),
            includes: vec![
                fixtures.join("shim"),
                fixtures.clone(),
                fixtures.join("drm"),
            ],
            _dir: dir,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // An include of a device or pipe would block clang on a read, not
    // test the importer: the harness keeps headers to regular files.
    if [
        "/dev",
        "/proc",
        "/sys",
        "#include_next",
        "__FILE__",
        "__TIME__",
        "__DATE__",
        "__COUNTER__",
    ]
    .iter()
    .any(|s| text.contains(s))
    {
        return;
    }
    let s = scratch();
    if std::fs::write(&s.header, text.as_bytes()).is_err() {
        return;
    }
    let Ok(imported) = uabi::import::import(&s.header, &s.includes) else {
        return;
    };
    for f in &imported.findings {
        let _ = f.diagnostic().render(Some(&text));
    }
    uabi_fuzz::run_pipeline(&imported.yaml);
});
