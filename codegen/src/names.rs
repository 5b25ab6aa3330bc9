//! Name casing: specs use lower-kebab-case (YNL specs also `_`); each
//! backend converts with these.
//!
//! Joining words into one (`BoCreate`) is heck's job. `snake` and `upper`
//! stay character mappings: they are also applied to YNL affixes such as
//! `name-prefix: page-`, whose trailing separator must survive
//! (`PAGE_` + `SIZE`), and heck drops it as a word boundary.

use heck::{ToKebabCase, ToUpperCamelCase};

/// `My_Driver` -> `my-driver`: a folder name as a spec name.
pub fn kebab(name: &str) -> String {
    name.to_kebab_case()
}

/// `bo-create` -> `BoCreate`.
pub fn pascal(name: &str) -> String {
    let mut out = String::new();
    push_pascal(&mut out, name);
    out
}

/// [`pascal`] of `name` appended to `out`, without a `String` of its own.
pub fn push_pascal(out: &mut String, name: &str) {
    // Spec names are lower-case ASCII words joined by `-` or `_`, for
    // which heck's answer is each word capitalised: written directly, as
    // generation asks for these names very often. Anything else is heck's.
    if !name
        .bytes()
        .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_'))
    {
        return out.push_str(&name.to_upper_camel_case());
    }
    out.reserve(name.len());
    // Word by word: its first letter upper-cased, the rest copied whole
    // (splitting at a set of separator characters cost hundreds of
    // instructions per name).
    let mut rest = name;
    loop {
        let end = rest
            .bytes()
            .position(|b| b == b'-' || b == b'_')
            .unwrap_or(rest.len());
        let word = &rest[..end];
        if let Some(&first) = word.as_bytes().first() {
            out.push(char::from(first.to_ascii_uppercase()));
            // The first byte is ASCII, so a character starts after it.
            out.push_str(&word[1..]);
        }
        match rest.get(end + 1..) {
            Some(next) => rest = next,
            None => break,
        }
    }
}

/// `bo-create` -> `bo_create`; `page-` -> `page_`. YNL's leading `--`
/// (`--kernel-timespec`, C's reserved `__`) is dropped: the identifiers
/// built from it (`validate_kernel_timespec_at`) are this project's own.
pub fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    push_snake(&mut out, name);
    out
}

/// `bo-create` -> `BO_CREATE`; `page-` -> `PAGE_`.
pub fn upper(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    push_upper(&mut out, name);
    out
}

/// [`snake`] of `name` appended to `out`, without a `String` of its own.
pub fn push_snake(out: &mut String, name: &str) {
    push_cased(out, name.trim_start_matches('-'), false);
}

/// [`upper`] of `name` appended to `out`, without a `String` of its own.
pub fn push_upper(out: &mut String, name: &str) {
    push_cased(out, name, true);
}

/// `name` with each `-` as `_` and its ASCII letters cased, other
/// characters kept, appended to `out` (only ASCII bytes change, so any
/// name is cased).
fn push_cased(out: &mut String, name: &str, upper: bool) {
    // Names are cased at nearly every mention, and nearly every one is
    // short: it is cased in a buffer of fixed length, whole (a loop the
    // compiler turns into a few vector operations rather than one step
    // per byte), and copied once. A byte loop over the name, or
    // `split('-')`, cost about twice as much per name.
    let mut buf = [0u8; SHORT_NAME];
    if let Some(dst) = buf.get_mut(..name.len()) {
        dst.copy_from_slice(name.as_bytes());
        case_bytes(&mut buf, upper);
        // Only ASCII bytes were changed, so this holds for any name.
        if let Some(Ok(cased)) = buf.get(..name.len()).map(|b| std::str::from_utf8(b)) {
            out.push_str(cased);
            return;
        }
    }
    // A long name: each piece between dashes copied, then the copy cased.
    out.reserve(name.len());
    let begin = out.len();
    for (i, piece) in name.split('-').enumerate() {
        if i > 0 {
            out.push('_');
        }
        out.push_str(piece);
    }
    if let Some(added) = out.get_mut(begin..) {
        if upper {
            added.make_ascii_uppercase();
        } else {
            added.make_ascii_lowercase();
        }
    }
}

/// The longest name [`push_cased`] cases in its buffer.
const SHORT_NAME: usize = 32;

/// Each `-` of `buf` as `_` and its ASCII letters cased.
fn case_bytes(buf: &mut [u8; SHORT_NAME], upper: bool) {
    let dash = |b: u8| if b == b'-' { b'_' } else { b };
    if upper {
        for b in buf.iter_mut() {
            *b = dash(b.to_ascii_uppercase());
        }
    } else {
        for b in buf.iter_mut() {
            *b = dash(b.to_ascii_lowercase());
        }
    }
}

/// Is `name` lower-kebab-case: `[a-z][a-z0-9]*(-[a-z0-9]+)*`?
pub fn is_kebab(name: &str) -> bool {
    // One pass over the bytes: every name of a spec is checked. A
    // non-ASCII character's bytes are none of those allowed.
    let bytes = name.as_bytes();
    let mut prev = b'-';
    matches!(bytes.first(), Some(b'a'..=b'z'))
        && bytes.iter().all(|&b| {
            let ok = matches!(b, b'a'..=b'z' | b'0'..=b'9') || (b == b'-' && prev != b'-');
            prev = b;
            ok
        })
        && prev != b'-'
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-wise casing is what heck (Pascal) and a `char` at a time
    /// (upper) give, for spec names and for anything else.
    /// `name` a `char` at a time: `-` as `_`, the rest through `case`.
    fn mapped_by_char(name: &str, case: fn(&char) -> char) -> String {
        name.chars()
            .map(|c| if c == '-' { '_' } else { case(&c) })
            .collect()
    }

    #[test]
    fn casing_as_the_general_rules_give_it() {
        for name in [
            "a",
            "bo-create",
            "page-",
            "x__y",
            "-lead",
            "v2-ab_c",
            "Caf\u{e9}-x",
            "a b",
            "",
            "Mixed-Case-9",
            "\u{e9}-\u{fc}",
            // Past the fixed buffer of `push_cased`.
            "a-very-long-name-that-passes-the-short-buffer-of-push-cased",
        ] {
            if name
                .bytes()
                .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_'))
            {
                assert_eq!(pascal(name), name.to_upper_camel_case(), "{name}");
            }
            let by_char = mapped_by_char(name, char::to_ascii_uppercase);
            assert_eq!(upper(name), by_char, "{name}");
            let lower = mapped_by_char(name.trim_start_matches('-'), char::to_ascii_lowercase);
            assert_eq!(snake(name), lower, "{name}");
            let mut appended = String::from(">");
            push_upper(&mut appended, name);
            assert_eq!(appended, [">", &by_char].concat(), "{name}");
        }
    }

    #[test]
    fn casing() {
        assert_eq!(pascal("bo-create"), "BoCreate");
        assert_eq!(pascal("add-u32"), "AddU32");
        assert_eq!(snake("bo-create"), "bo_create");
        assert_eq!(upper("bo-create"), "BO_CREATE");
        for name in [
            "bo-create",
            "--kernel-timespec",
            "page-",
            "\u{e9}t\u{e9}-x",
            "A-b",
            "a_b-c",
            "Mixed-Case",
        ] {
            let mut p = String::from("x");
            push_pascal(&mut p, name);
            assert_eq!(p, format!("x{}", name.to_upper_camel_case()));
            let mut s = String::from("x");
            push_snake(&mut s, name);
            assert_eq!(s, format!("x{}", snake(name)));
            let mut u = String::from("x");
            push_upper(&mut u, name);
            assert_eq!(u, format!("x{}", upper(name)));
        }
        // Digits stay with their word, as the generated names expect.
        assert_eq!(pascal("crc32c"), "Crc32c");
        assert_eq!(snake("xor-u32"), "xor_u32");
        assert_eq!(upper("u64-be"), "U64_BE");
        assert_eq!(pascal("ovs_datapath"), "OvsDatapath");
        assert_eq!(upper("page-"), "PAGE_");
        assert_eq!(snake("--kernel-timespec"), "kernel_timespec");
        assert_eq!(pascal("--kernel-timespec"), "KernelTimespec");
        assert!(is_kebab("crc32c"));
        assert!(is_kebab("max-engines"));
        assert!(!is_kebab("MaxEngines"));
        assert!(!is_kebab("max_engines"));
        assert!(!is_kebab("-x"));
        assert!(!is_kebab("x-"));
        assert!(!is_kebab("1x"));
    }

    #[test]
    fn pascal_of_spec_names_is_heck_s() {
        for name in [
            "bo-create",
            "add-u32",
            "crc32c",
            "ovs_datapath",
            "--kernel-timespec",
            "a--b",
            "x_",
            "3d-engine",
            "a1b2-c3",
            "-",
            "",
            "v4l2_buffer",
            "i386-nolfs",
            "q",
        ] {
            assert_eq!(pascal(name), name.to_upper_camel_case(), "{name:?}");
        }
    }
}
