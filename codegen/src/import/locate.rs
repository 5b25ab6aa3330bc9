//! Where libclang is, found quickly, for a process to name in
//! `LIBCLANG_PATH` before it starts any thread.
//!
//! Written here because clang-sys's own search, when `LIBCLANG_PATH` is
//! not set, globs every folder up to two levels below `/usr/lib` and
//! `/usr/local/lib` (thousands of folders: about 35 ms of a 70 ms
//! `uabi import` of habanalabs), and clang-sys has no public way to hand
//! it a library found otherwise: only the variable. This looks where
//! Linux distributions install libclang, in a few folder reads; when it
//! finds nothing, the variable stays unset and clang-sys searches as it
//! always does.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The folders a distribution installs libclang in, below a root
/// (`/`): Debian's and Ubuntu's `usr/lib/llvm-<N>/lib` and their
/// multiarch folder (`usr/lib/x86_64-linux-gnu`), Fedora's `usr/lib64`
/// and `usr/lib64/llvm<N>/lib64`, Arch's `usr/lib`, and the same under
/// `usr/local`. In order of preference among libraries of one version.
pub fn candidate_folders(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for base in ["usr/lib", "usr/lib64", "usr/local/lib", "usr/local/lib64"] {
        let base = root.join(base);
        let Ok(entries) = fs::read_dir(&base) else {
            continue;
        };
        let mut llvm = Vec::new();
        let mut multiarch = Vec::new();
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !e.file_type().is_ok_and(|t| t.is_dir() || t.is_symlink()) {
                continue;
            }
            if name.starts_with("llvm") {
                llvm.push(e.path().join("lib"));
                llvm.push(e.path().join("lib64"));
            } else if name.contains("-linux-") {
                multiarch.push(e.path());
            }
        }
        // read_dir's order is the file system's: sorted, the choice
        // does not depend on it.
        llvm.sort();
        multiarch.sort();
        out.extend(llvm);
        out.extend(multiarch);
        out.push(base);
    }
    out
}

/// The libclang of the highest LLVM version in `folders` that this
/// process can load (an ELF object of its word size), the earlier
/// folder first among equals.
pub fn best_in(folders: &[PathBuf]) -> Option<PathBuf> {
    let mut best: Option<(u32, PathBuf)> = None;
    for folder in folders {
        let Ok(entries) = fs::read_dir(folder) else {
            continue;
        };
        let mut here: Vec<(u32, PathBuf)> = entries
            .flatten()
            .filter_map(|e| {
                let version = version_of(&e.file_name().to_string_lossy())?;
                Some((version, e.path()))
            })
            .filter(|(_, path)| loadable(path))
            .collect();
        here.sort();
        for (version, path) in here {
            if best.as_ref().is_none_or(|(v, _)| version > *v) {
                best = Some((version, path));
            }
        }
    }
    best.map(|(_, path)| path)
}

/// The LLVM major version a libclang file name carries, as clang-sys's
/// names go (`libclang.so`, `libclang-19.so`, `libclang.so.19`,
/// `libclang-19.so.1`, `libclang-19.1.7.so`); 0 when it carries none.
/// None for any other file (`libclang-cpp.so.19`, a static library).
fn version_of(name: &str) -> Option<u32> {
    let digits = |s: &str| -> u32 {
        let n: String = s.chars().take_while(char::is_ascii_digit).collect();
        n.parse().unwrap_or(0)
    };
    if name == "libclang.so" {
        return Some(0);
    }
    if let Some(v) = name.strip_prefix("libclang.so.") {
        return Some(digits(v));
    }
    let rest = name.strip_prefix("libclang-")?;
    (rest.starts_with(|c: char| c.is_ascii_digit()) && rest.contains(".so")).then(|| digits(rest))
}

/// Whether `path` is an ELF object of this process's word size (a
/// dangling link, a linker script or a 32-bit library is not).
fn loadable(path: &Path) -> bool {
    let mut head = [0u8; 5];
    let read = fs::File::open(path).and_then(|mut f| f.read_exact(&mut head));
    let class = if cfg!(target_pointer_width = "64") {
        2
    } else {
        1
    };
    read.is_ok() && head[..4] == *b"\x7fELF" && head[4] == class
}

/// Where libclang is on this machine, if a distribution's folder has it.
pub fn find() -> Option<PathBuf> {
    best_in(&candidate_folders(Path::new("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elf(path: &Path, class: u8) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, [0x7f, b'E', b'L', b'F', class, 0, 0, 0]).unwrap();
    }

    #[test]
    fn names_carry_the_major_version() {
        assert_eq!(version_of("libclang.so"), Some(0));
        assert_eq!(version_of("libclang.so.19"), Some(19));
        assert_eq!(version_of("libclang-19.so"), Some(19));
        assert_eq!(version_of("libclang-14.so.1"), Some(14));
        assert_eq!(version_of("libclang-19.1.7.so"), Some(19));
        assert_eq!(version_of("libclang-cpp.so.19"), None);
        assert_eq!(version_of("libclang.a"), None);
        assert_eq!(version_of("libclangBasic.a"), None);
    }

    #[test]
    fn the_highest_loadable_version_wins_and_the_earlier_folder_breaks_ties() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        let class = if cfg!(target_pointer_width = "64") {
            2
        } else {
            1
        };
        elf(&r.join("usr/lib/llvm-14/lib/libclang-14.so.1"), class);
        elf(&r.join("usr/lib/llvm-19/lib/libclang-19.so.1"), class);
        elf(&r.join("usr/lib/x86_64-linux-gnu/libclang-19.so.1"), class);
        // Newer, but not loadable here: the other word size, not ELF.
        elf(&r.join("usr/lib/llvm-21/lib/libclang-21.so.1"), 3 - class);
        fs::write(r.join("usr/lib/libclang-22.so"), "INPUT(-lclang)").unwrap();
        // Not libclang.
        elf(&r.join("usr/lib/llvm-20/lib/libclang-cpp.so.20"), class);
        let folders = candidate_folders(r);
        assert_eq!(
            best_in(&folders),
            Some(r.join("usr/lib/llvm-19/lib/libclang-19.so.1"))
        );
    }

    #[test]
    fn nothing_found_is_none() {
        let root = tempfile::tempdir().unwrap();
        assert_eq!(best_in(&candidate_folders(root.path())), None);
    }
}
