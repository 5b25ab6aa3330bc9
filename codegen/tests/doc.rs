//! `uabi doc` as a user runs it, and its pages in a real browser: Debian's
//! headless Chromium loads every page (no console message, nothing
//! fetched from the network), every link lands (other pages and anchors
//! exist), and a screenshot of the index shows rendered content. The RST
//! pages pass docutils with warnings as errors.
//!
//! Chromium comes from scripts/setup.sh (Debian's `chromium`); without it
//! the test fails, unless UABI_ALLOW_NO_CHROMIUM=1, when it says it was
//! skipped.

// Tests report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn chromium() -> Option<PathBuf> {
    let p = PathBuf::from("/usr/bin/chromium");
    if p.exists() {
        return Some(p);
    }
    if std::env::var("UABI_ALLOW_NO_CHROMIUM").as_deref() == Ok("1") {
        uabi_test_support::skipped(
            "uabi doc in a browser",
            "no /usr/bin/chromium (UABI_ALLOW_NO_CHROMIUM=1)",
        );
        return None;
    }
    panic!(
        "/usr/bin/chromium is missing: scripts/setup.sh installs Debian's chromium \
         (UABI_ALLOW_NO_CHROMIUM=1 skips this test)"
    );
}

/// Chromium as the machine lets it run: headless, no sandbox (root), no
/// background connections (the network is closed), a fresh profile.
fn browser(chromium: &Path, profile: &Path) -> Command {
    let mut c = Command::new(chromium);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// The page's DOM as Chromium rendered it, and its log.
fn load(chromium: &Path, profile: &Path, page: &Path) -> (String, String) {
    let out = browser(chromium, profile)
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed on {}: {}",
        page.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The values of `attr="..."` in an HTML text.
fn attrs(html: &str, attr: &str) -> Vec<String> {
    let needle = format!(" {attr}=\"");
    html.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest.find('"').map(|end| rest[..end].replace("&amp;", "&"))
        })
        .collect()
}

/// What the browser logged that a clean page does not: console messages
/// and failed loads.
fn complaints(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("net::ERR_"))
        .collect()
}

#[test]
fn the_reference_loads_cleanly_in_chromium_and_every_link_lands() {
    let Some(chromium) = chromium() else {
        return;
    };
    let root = repo_root();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("uabi-doc-test");
    let _ = std::fs::remove_dir_all(&dir);
    let out = dir.join("site");
    // The repository's specs and the real drivers' (unions, legacy
    // layouts, DRM numbering).
    let mut specs: Vec<PathBuf> = uabi::pipeline::specs_in(&root.join("spec")).unwrap();
    specs.extend(uabi::pipeline::specs_in(&root.join("spec/examples")).unwrap());
    specs.sort();
    let run = Command::new(env!("CARGO_BIN_EXE_uabi"))
        .arg("doc")
        .args(&specs)
        .arg("--out")
        .arg(&out)
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "uabi doc failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let profile = dir.join("profile");

    // The detector works: a page that logs and fetches is caught.
    let bad = dir.join("bad.html");
    std::fs::write(
        &bad,
        "<!DOCTYPE html><html><body><script>console.error('x')</script></body></html>",
    )
    .unwrap();
    let (_, log) = load(&chromium, &profile, &bad);
    assert!(
        !complaints(&log).is_empty(),
        "a console error went unseen:\n{log}"
    );

    let pages: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .collect();
    assert!(pages.len() >= 9, "{pages:?}");
    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut links: Vec<(String, String)> = Vec::new();
    for page in &pages {
        let name = page.file_name().unwrap().to_string_lossy().into_owned();
        let (dom, log) = load(&chromium, &profile, page);
        let bad = complaints(&log);
        assert!(
            bad.is_empty(),
            "{name}: the browser complained:\n{}",
            bad.join("\n")
        );
        assert!(dom.contains("</table>"), "{name}: nothing rendered:\n{dom}");
        let loads = attrs(&dom, "src");
        assert!(
            loads.is_empty(),
            "{name}: loads {loads:?}: pages must be self-contained"
        );
        ids.insert(name.clone(), attrs(&dom, "id").into_iter().collect());
        links.extend(attrs(&dom, "href").into_iter().map(|h| (name.clone(), h)));
    }
    assert!(links.len() > 50, "{} links in all", links.len());
    for (from, href) in &links {
        assert!(
            !href.contains("://") && !href.starts_with("//"),
            "{from}: {href} leaves the folder"
        );
        let (file, anchor) = match href.split_once('#') {
            Some(("", a)) => (from.clone(), Some(a)),
            Some((f, a)) => (f.to_string(), Some(a)),
            None => (href.clone(), None),
        };
        let targets = ids
            .get(&file)
            .unwrap_or_else(|| panic!("{from}: {href}: no page {file}"));
        if let Some(a) = anchor {
            assert!(targets.contains(a), "{from}: {href}: no #{a} on {file}");
        }
    }

    // A screenshot of the first page shows rendered content: text and
    // table rules in several colours, not a blank canvas.
    let shot = dir.join("index.png");
    let status = browser(&chromium, &profile)
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1280,900")
        .arg(format!("file://{}", out.join("index.html").display()))
        .output()
        .unwrap();
    assert!(status.status.success(), "screenshot failed");
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let bytes = &buf[..info.buffer_size()];
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = bytes.chunks(channels).collect();
    let inked = pixels
        .iter()
        .filter(|p| p.iter().take(3).any(|&c| c < 200))
        .count();
    let colours: BTreeSet<Vec<u8>> = pixels.iter().map(|p| p.to_vec()).collect();
    assert!(
        inked > pixels.len() / 200 && colours.len() > 8,
        "the screenshot looks blank: {inked} of {} pixels inked, {} colours",
        pixels.len(),
        colours.len()
    );
}

#[test]
fn the_rst_pages_pass_docutils() {
    let root = repo_root();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("uabi-doc-rst");
    let _ = std::fs::remove_dir_all(&dir);
    let run = Command::new(env!("CARGO_BIN_EXE_uabi"))
        .args(["doc", "--out"])
        .arg(&dir)
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let check = "import sys, docutils.core\n\
                 for p in sys.argv[1:]:\n    \
                 docutils.core.publish_string(open(p).read(), source_path=p, writer_name='null',\n        \
                 settings_overrides={'halt_level': 2, 'report_level': 2})\n";
    let rsts: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "rst"))
        .collect();
    assert!(rsts.len() >= 2);
    let out = Command::new("python3")
        .args(["-c", check])
        .args(&rsts)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "docutils rejects the RST:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
