//! A new member kind or attribute type must fail to compile wherever it
//! is not decided. The compiler sees to that for every `match` that names
//! each variant; this test finds the matches it cannot see to: those over
//! `MemberKind` or `AttrType` with a `_` or binding catch-all arm, which
//! would hand a new variant some other variant's behaviour in silence.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

const ENUMS: [&str; 2] = ["MemberKind::", "AttrType::"];

/// The source with comments, strings and char literals blanked (newlines
/// kept), so braces and `=>` inside them do not count.
fn code_only(src: &str) -> Vec<u8> {
    let s = src.as_bytes();
    let mut out = s.to_vec();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for b in &mut out[from..to.min(s.len())] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    };
    let mut i = 0;
    while i < s.len() {
        let ident_before = i > 0 && (s[i - 1].is_ascii_alphanumeric() || s[i - 1] == b'_');
        if s[i..].starts_with(b"//") {
            let end = s[i..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(s.len(), |n| i + n);
            blank(&mut out, i, end);
            i = end;
        } else if s[i..].starts_with(b"/*") {
            let end = src[i + 2..].find("*/").map_or(s.len(), |n| i + 2 + n + 2);
            blank(&mut out, i, end);
            i = end;
        } else if s[i] == b'r' && !ident_before && matches!(s.get(i + 1), Some(b'"' | b'#')) {
            let hashes = s[i + 1..].iter().take_while(|&&b| b == b'#').count();
            if s.get(i + 1 + hashes) != Some(&b'"') {
                i += 1;
                continue;
            }
            let close = format!("\"{}", "#".repeat(hashes));
            let body = i + 2 + hashes;
            let end = src[body..]
                .find(&close)
                .map_or(s.len(), |n| body + n + close.len());
            blank(&mut out, i + 1, end);
            i = end;
        } else if s[i] == b'"' {
            let mut j = i + 1;
            while j < s.len() && s[j] != b'"' {
                j += if s[j] == b'\\' { 2 } else { 1 };
            }
            blank(&mut out, i + 1, j);
            i = j + 1;
        } else if s[i] == b'\'' {
            // A char literal ('x', '\n', '\''); a lifetime has no closing quote.
            let len = if s.get(i + 1) == Some(&b'\\') {
                s[i + 2..].iter().position(|&b| b == b'\'').map(|n| n + 3)
            } else {
                let c = src[i + 1..].chars().next().map_or(1, char::len_utf8);
                (s.get(i + 1 + c) == Some(&b'\'')).then_some(c + 2)
            };
            match len {
                Some(n) => {
                    blank(&mut out, i + 1, i + n - 1);
                    i += n;
                }
                None => i += 1,
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The index just past the bracket that closes the one at `open`.
fn close_of(s: &[u8], open: usize) -> usize {
    let mut depth = 0i32;
    for (k, &b) in s.iter().enumerate().skip(open) {
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return k + 1;
                }
            }
            _ => {}
        }
    }
    s.len()
}

/// The patterns (guards included) of a match body's arms.
fn arm_patterns(body: &[u8]) -> Vec<String> {
    let mut pats = Vec::new();
    let (mut i, mut start, mut depth) = (0, 0, 0i32);
    while i < body.len() {
        match body[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            _ => {}
        }
        if depth == 0 && body[i..].starts_with(b"=>") {
            pats.push(String::from_utf8_lossy(&body[start..i]).trim().to_string());
            let mut j = i + 2;
            while j < body.len() && body[j].is_ascii_whitespace() {
                j += 1;
            }
            let mut end = if body.get(j) == Some(&b'{') {
                close_of(body, j)
            } else {
                let mut d = 0i32;
                let mut k = j;
                while k < body.len() && !(d == 0 && body[k] == b',') {
                    match body[k] {
                        b'(' | b'[' | b'{' => d += 1,
                        b')' | b']' | b'}' => d -= 1,
                        _ => {}
                    }
                    k += 1;
                }
                k
            };
            while end < body.len() && (body[end].is_ascii_whitespace() || body[end] == b',') {
                end += 1;
            }
            i = end;
            start = end;
            continue;
        }
        i += 1;
    }
    pats
}

/// Does the pattern take whatever is left: `_`, a binding, either with a
/// guard, or a tuple with a `_` or `..` element?
fn catch_all(pat: &str) -> bool {
    let head = pat.split(" if ").next().unwrap_or(pat).trim();
    let binding = head
        .chars()
        .all(|c| c == '_' || c.is_ascii_lowercase() || c.is_ascii_digit())
        && !head.is_empty();
    let tuple_hole = head.starts_with('(')
        && head[1..head.len().saturating_sub(1)]
            .split(',')
            .any(|e| matches!(e.trim(), "_" | ".."));
    binding || tuple_hole
}

#[test]
fn matches_over_kinds_name_every_variant() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = uabi_test_support::files_under(&src, &["rs"]);
    let mut found = Vec::new();
    let mut checked = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let code = code_only(&text);
        let mut i = 0;
        while let Some(n) = code[i..].windows(5).position(|w| w == b"match") {
            let at = i + n;
            i = at + 5;
            let word = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
            if word(at.checked_sub(1).and_then(|k| code.get(k))) || word(code.get(at + 5)) {
                continue;
            }
            // The body is the first `{` outside brackets after the scrutinee.
            let mut depth = 0i32;
            let mut k = at + 5;
            while k < code.len() && !(depth == 0 && code[k] == b'{') {
                match code[k] {
                    b'(' | b'[' => depth += 1,
                    b')' | b']' => depth -= 1,
                    _ => {}
                }
                k += 1;
            }
            if k >= code.len() {
                break;
            }
            let end = close_of(&code, k);
            let pats = arm_patterns(&code[k + 1..end - 1]);
            if !pats.iter().any(|p| ENUMS.iter().any(|e| p.contains(e))) {
                continue;
            }
            checked += 1;
            let line = code[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            for p in pats.iter().filter(|p| catch_all(p)) {
                let rel = f.strip_prefix(&src).unwrap_or(f);
                found.push(format!("src/{}:{line}: `{p} =>`", rel.display()));
            }
        }
    }
    // A floor that catches a scanner finding nothing, not a quota.
    assert!(checked >= 25, "only {checked} matches over the kinds found");
    assert!(
        found.is_empty(),
        "catch-all arms over MemberKind or AttrType (name the variants instead):\n{}",
        found.join("\n")
    );
}
