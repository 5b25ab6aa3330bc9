//! The structure-aware spec mutator: edits a YAML spec the way bad merges,
//! generators and hostile authors do, on its block structure (a line and
//! the lines indented below it), so that most mutants still parse and
//! reach the resolver, lint and backends instead of dying in the YAML
//! parser. libFuzzer's own byte mutations cover the rest.

use crate::Tape;

/// A seed-driven choice source for the mutator (libFuzzer hands it a
/// seed per call).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u32) -> Rng {
        Rng(u64::from(seed) ^ 0x9e37_79b9_7f4a_7c15)
    }

    pub fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Integers at the edges of every type the language has, and past them.
const EXTREME: &[&str] = &[
    "0",
    "-1",
    "1",
    "127",
    "128",
    "255",
    "256",
    "65535",
    "65536",
    "2147483647",
    "2147483648",
    "-2147483648",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "0xffffffffffffffff",
    "0x10000000000000000",
    "-0x8000000000000000",
    "99999999999999999999999999999999999",
    "0b11111111",
    "0o777",
    "1e400",
    ".inf",
    "-.nan",
];

/// One line's indent, counting a list item's dash as part of it.
fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn blank(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// The end (exclusive) of the block that starts at line `i`: it and every
/// following line indented deeper (or blank).
fn block_end(lines: &[String], i: usize) -> usize {
    let ind = indent(&lines[i]);
    // A list item's own keys sit at the dash's indent + 2.
    let mut j = i + 1;
    while j < lines.len() && (blank(&lines[j]) || indent(&lines[j]) > ind) {
        j += 1;
    }
    j
}

/// Lines that start a block (not blank).
fn starts(lines: &[String]) -> Vec<usize> {
    (0..lines.len()).filter(|&i| !blank(&lines[i])).collect()
}

/// The siblings of the block at `i`: the blocks at the same indent under
/// the same parent.
fn siblings(lines: &[String], i: usize) -> Vec<usize> {
    let ind = indent(&lines[i]);
    let mut first = i;
    while first > 0 {
        let p = first - 1;
        if !blank(&lines[p]) && indent(&lines[p]) < ind {
            break;
        }
        first = p;
    }
    let mut out = Vec::new();
    let mut j = first;
    while j < lines.len() {
        if blank(&lines[j]) {
            j += 1;
            continue;
        }
        let d = indent(&lines[j]);
        if d < ind {
            break;
        }
        if d == ind {
            out.push(j);
        }
        j += 1;
    }
    out
}

/// The byte range of the scalar value on `line` (after `key: ` or `- `),
/// if it has one on the same line.
fn value_range(line: &str) -> Option<(usize, usize)> {
    let body = indent(line);
    let rest = &line[body..];
    let start = if let Some(r) = rest.strip_prefix("- ") {
        match r.find(": ") {
            Some(k) => body + 2 + k + 2,
            None => body + 2,
        }
    } else {
        body + rest.find(": ")? + 2
    };
    let end = line.len();
    (start < end).then_some((start, end))
}

/// The byte ranges of the numbers (decimal or hex) in `line`.
fn numbers(line: &str) -> Vec<(usize, usize)> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts_word = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        if b[i].is_ascii_digit() && starts_word {
            let s = i;
            while i < b.len() && (b[i].is_ascii_hexdigit() || b[i] == b'x' || b[i] == b'_') {
                i += 1;
            }
            out.push((s, i));
        } else {
            i += 1;
        }
    }
    out
}

/// One structural edit of `text`, chosen by `rng`; `donors` are other
/// specs to cross over with. The result may be larger than the input; the
/// caller trims it to libFuzzer's limit.
pub fn mutate_spec(text: &str, donors: &[&str], rng: &mut Rng) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        lines.push("name: x".to_string());
    }
    let st = starts(&lines);
    if st.is_empty() {
        return format!("name: x\n{text}");
    }
    let pick = |rng: &mut Rng| st[rng.below(st.len())];
    match rng.below(10) {
        // Swap two sibling blocks (reordered keys, items, members).
        0 => {
            let a = pick(rng);
            let sib = siblings(&lines, a);
            let b = sib[rng.below(sib.len())];
            let (a, b) = (a.min(b), a.max(b));
            if a != b {
                let (ae, be) = (block_end(&lines, a), block_end(&lines, b));
                if ae <= b {
                    let mut out: Vec<String> = lines[..a].to_vec();
                    out.extend_from_slice(&lines[b..be]);
                    out.extend_from_slice(&lines[ae..b]);
                    out.extend_from_slice(&lines[a..ae]);
                    out.extend_from_slice(&lines[be..]);
                    lines = out;
                }
            }
        }
        // Drop a block (a missing key, item or member).
        1 => {
            let a = pick(rng);
            let e = block_end(&lines, a);
            lines.drain(a..e);
        }
        // Duplicate a block: a duplicate key, item, member or entry.
        2 => {
            let a = pick(rng);
            let e = block_end(&lines, a);
            let copy: Vec<String> = lines[a..e].to_vec();
            let at = if rng.below(2) == 0 { e } else { a };
            lines.splice(at..at, copy);
        }
        // An extreme integer in place of a number.
        3 => {
            let with: Vec<usize> = st
                .iter()
                .copied()
                .filter(|&i| !numbers(&lines[i]).is_empty())
                .collect();
            if let Some(&i) = with.get(rng.below(with.len())) {
                let ns = numbers(&lines[i]);
                let (s, e) = ns[rng.below(ns.len())];
                let v = EXTREME[rng.below(EXTREME.len())];
                lines[i].replace_range(s..e, v);
            }
        }
        // Deep nesting in place of a value.
        4 => {
            let i = pick(rng);
            if let Some((s, e)) = value_range(&lines[i]) {
                let depth = 1 + rng.below(3000);
                let v = if rng.below(2) == 0 {
                    format!("{}x{}", "[".repeat(depth), "]".repeat(depth))
                } else {
                    format!("{}x{}", "{a: ".repeat(depth), "}".repeat(depth))
                };
                lines[i].replace_range(s..e, &v);
            }
        }
        // An anchor on one value and aliases to it elsewhere, or a merge
        // key; sometimes the exponential "billion laughs" chain.
        5 => {
            let a = pick(rng);
            if let Some((s, _)) = value_range(&lines[a]) {
                lines[a].insert_str(s, "&fz ");
                for _ in 0..=rng.below(3) {
                    let b = pick(rng);
                    if let Some((s, e)) = value_range(&lines[b]) {
                        lines[b].replace_range(s..e, "*fz");
                    }
                }
            } else if rng.below(2) == 0 {
                let mut laughs =
                    vec!["x0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol]".to_string()];
                for k in 1..12 {
                    let prev = format!("*l{}", k - 1);
                    laughs.push(format!("x{k}: &l{k} [{}]", vec![prev; 8].join(", ")));
                }
                lines.splice(0..0, laughs);
            } else {
                let b = pick(rng);
                let ind = indent(&lines[b]);
                lines.insert(b, format!("{}<<: *fz", " ".repeat(ind)));
            }
        }
        // A huge string in place of a value (names, docs, literals).
        6 => {
            let i = pick(rng);
            if let Some((s, e)) = value_range(&lines[i]) {
                let n = [255usize, 256, 4096, 65_536, 200_000][rng.below(5)];
                let c = ["a", "\u{e9}", "_", " ", "9"][rng.below(5)];
                lines[i].replace_range(s..e, &c.repeat(n));
            }
        }
        // Cross over: a block of another spec at a random place.
        7 => {
            if let Some(d) = donors.get(rng.below(donors.len())) {
                let dl: Vec<String> = d.lines().map(str::to_string).collect();
                let ds = starts(&dl);
                if let Some(&a) = ds.get(rng.below(ds.len())) {
                    let e = block_end(&dl, a);
                    let at = pick(rng);
                    lines.splice(at..at, dl[a..e].iter().cloned());
                }
            }
        }
        // Re-indent a block: the same text at another depth.
        8 => {
            let a = pick(rng);
            let e = block_end(&lines, a);
            let deeper = rng.below(2) == 0;
            for l in &mut lines[a..e] {
                if deeper {
                    l.insert_str(0, "  ");
                } else if l.starts_with("  ") {
                    l.replace_range(0..2, "");
                }
            }
        }
        // A value of the wrong kind.
        _ => {
            let i = pick(rng);
            if let Some((s, e)) = value_range(&lines[i]) {
                let v = [
                    "~",
                    "[]",
                    "{}",
                    "''",
                    "true",
                    "-",
                    "|",
                    ">-",
                    "!!binary AA==",
                    "\"\\u0000\"",
                    "[a, [b, {c: d}]]",
                    "name",
                    "*undefined",
                ][rng.below(13)];
                lines[i].replace_range(s..e, v);
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// libFuzzer's custom mutator body for spec text: usually one or more
/// structural edits, sometimes its default byte mutation.
pub fn mutate_bytes(
    data: &mut [u8],
    size: usize,
    max_size: usize,
    seed: u32,
    donors: &[&str],
    default: impl FnOnce(&mut [u8], usize, usize) -> usize,
) -> usize {
    let mut rng = Rng::new(seed);
    if rng.below(5) == 0 {
        return default(data, size, max_size);
    }
    let text = String::from_utf8_lossy(&data[..size.min(data.len())]).into_owned();
    let mut out = text;
    for _ in 0..=rng.below(3) {
        out = mutate_spec(&out, donors, &mut rng);
    }
    let n = out.len().min(max_size).min(data.len());
    data[..n].copy_from_slice(&out.as_bytes()[..n]);
    n
}

/// Splits an input holding two specs (old, new) at [`SPLIT`].
pub fn split_pair(data: &[u8]) -> (String, String) {
    let text = String::from_utf8_lossy(data);
    match text.split_once(SPLIT) {
        Some((a, b)) => (a.to_string(), b.to_string()),
        None => (text.to_string(), text.to_string()),
    }
}

/// The line that separates the old and the new spec of a compat input.
pub const SPLIT: &str = "\n#%%% new %%%\n";

/// Mutates one half of a two-spec input.
pub fn mutate_pair(
    data: &mut [u8],
    size: usize,
    max_size: usize,
    seed: u32,
    donors: &[&str],
) -> usize {
    let (old, new) = split_pair(&data[..size.min(data.len())]);
    let mut rng = Rng::new(seed);
    let (old, new) = if rng.below(2) == 0 {
        (mutate_spec(&old, donors, &mut rng), new)
    } else {
        (old, mutate_spec(&new, donors, &mut rng))
    };
    let out = format!("{old}{SPLIT}{new}");
    let n = out.len().min(max_size).min(data.len());
    data[..n].copy_from_slice(&out.as_bytes()[..n]);
    n
}

/// Decisions for targets that take structured input from a [`Tape`].
pub fn pick<'a, T>(tape: &mut Tape<'_>, items: &'a [T]) -> Option<&'a T> {
    items.get(tape.below(items.len()))
}
