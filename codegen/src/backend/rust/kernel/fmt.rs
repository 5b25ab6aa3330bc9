//! Layout helpers of the kernel backend: where rustfmt breaks the few
//! constructs whose width depends on the spec's names (function
//! signatures, method chains, calls, binary expressions, `use` order).
//! Each returns lines relative to the writer's indentation, so that the
//! printed text is what `rustfmt --edition 2024` leaves unchanged.

use crate::backend::rust::writer::{MAX_WIDTH, RustWriter};

/// rustfmt's `chain_width`: a chain of more than one element stays on one
/// line only within it.
const CHAIN_WIDTH: usize = 60;

/// One indentation level.
const INDENT: &str = "    ";

/// Writes `lines` (relative to the current indentation).
pub(super) fn put(w: &mut RustWriter, lines: Vec<String>) {
    for l in lines {
        w.line(l);
    }
}

/// A function signature `head(params) -> ret` followed by `tail` (` {`
/// for a body, `;` for a trait method without one): on one line when it
/// fits, otherwise one parameter a line with a trailing comma.
pub(super) fn fn_sig(
    w: &mut RustWriter,
    head: &str,
    params: &[String],
    ret: Option<&str>,
    tail: &str,
) {
    let ret = ret.map(|r| format!(" -> {r}")).unwrap_or_default();
    let one = format!("{head}({}){ret}{tail}", params.join(", "));
    if w.fits(&one) {
        w.line(one);
    } else {
        w.line(format!("{head}("));
        w.indent_in();
        for p in params {
            w.line(format!("{p},"));
        }
        w.indent_out();
        w.line(format!("){ret}{tail}"));
    }
    if tail.ends_with('{') {
        w.indent_in();
    }
}

/// A method chain `root` + `children` (each starting with `.`, a `?`
/// attached to its call) after `prefix` and before `tail`, as rustfmt
/// lays it out at column `indent`: on one line when it fits (and, with
/// more than one child, is within `chain_width`), otherwise the root
/// (with the children it absorbs while it is no wider than an indent)
/// on the first line and each further child on its own line, one level
/// in (a root that must break itself keeps its children at its own
/// indentation).
pub(super) fn chain(
    indent: usize,
    prefix: &str,
    root: &str,
    children: &[String],
    tail: &str,
) -> Vec<String> {
    let body = format!("{root}{}", children.concat());
    let one = format!("{prefix}{body}{tail}");
    // rustfmt reserves the width of a trailing `?` twice.
    let tries = usize::from(body.ends_with('?'));
    if indent + one.len() + tries <= MAX_WIDTH
        && (children.len() <= 1 || body.len() <= CHAIN_WIDTH)
        && args_fit(root)
        && children.iter().all(|c| args_fit(c))
    {
        return vec![one];
    }
    let mut head = root.to_string();
    let mut rest = children;
    // The root takes children while it is narrower than an indent, less
    // what precedes it on its line.
    let absorb = INDENT.len().saturating_sub(prefix.len());
    while head.len() <= absorb
        && let Some((first, more)) = rest.split_first()
    {
        head.push_str(first);
        rest = more;
    }
    if rest.is_empty() {
        return expr(indent, prefix, &head, tail);
    }
    // A single call after the root that must break its arguments even on
    // a line of its own stays on the root's line (`self.w.put(`).
    if let [last] = rest
        && expr(indent + INDENT.len(), "", last, tail).len() > 1
        && let Some((h, args)) = split_call(last)
    {
        let lead = format!("{prefix}{head}{h}");
        // A closure argument opens a block on that line instead.
        if let [closure] = args.as_slice()
            && let Some((params, body)) = split_closure(closure)
        {
            let open = format!("{lead}({params} {{");
            if indent + open.len() <= MAX_WIDTH {
                return vec![open, format!("{INDENT}{body}"), format!("}}){tail}")];
            }
        }
        if indent + lead.len() < MAX_WIDTH {
            return call(indent, &lead, &args, tail);
        }
    }
    let mut lines = expr(indent, prefix, &head, "");
    let pad = if lines.len() > 1 { "" } else { INDENT };
    let at = indent + pad.len();
    for (i, c) in rest.iter().enumerate() {
        let t = if i + 1 == rest.len() { tail } else { "" };
        let line = format!("{c}{t}");
        if at + line.len() <= MAX_WIDTH && args_fit(c) {
            lines.push(format!("{pad}{line}"));
            continue;
        }
        for l in expr(at, "", c, t) {
            lines.push(format!("{pad}{l}"));
        }
    }
    lines
}

/// Whether a chain element's call (if it is one) may stay on one line:
/// a single argument or a closure last, else within `fn_call_width`.
fn args_fit(e: &str) -> bool {
    split_call(e.trim_end_matches('?')).is_none_or(|(_, args)| {
        args.len() <= 1 || closure_last(&args) || args.join(", ").len() <= 60
    })
}

/// Whether the last argument is a closure (which may overflow).
fn closure_last(args: &[String]) -> bool {
    args.last()
        .is_some_and(|a| a.starts_with('|') || a.starts_with("move |"))
}

/// `|p| body` -> (`|p|`, `body`), `move |a| body` likewise.
fn split_closure(c: &str) -> Option<(&str, &str)> {
    let start = if c.starts_with("move |") { 5 } else { 0 };
    let rest = c.get(start..)?.strip_prefix('|')?;
    let end = start + 1 + rest.find('|')? + 1;
    Some((&c[..end], c.get(end..)?.trim_start()))
}

/// A call `head(args)tail` at column `indent`, as rustfmt lays it out:
/// on one line when it fits and the arguments are within
/// `fn_call_width` (60) unless there is only one; otherwise one
/// argument a line with a trailing comma (none after a macro's last),
/// or, when every argument is a short simple expression, as many a line
/// as fit.
pub(super) fn call(indent: usize, head: &str, args: &[String], tail: &str) -> Vec<String> {
    let joined = args.join(", ");
    let one = format!("{head}({joined}){tail}");
    // A single argument, or a closure last, is not held to
    // `fn_call_width`: only the line must fit.
    if indent + one.len() <= MAX_WIDTH
        && (joined.len() <= 60 || args.len() == 1 || closure_last(args))
    {
        return vec![one];
    }
    let mut lines = vec![format!("{head}(")];
    if args.len() > 1 && args.iter().all(|a| short_simple(a)) {
        let width = MAX_WIDTH - indent - INDENT.len();
        let mut row = String::new();
        for a in args {
            let item = format!("{a},");
            if row.is_empty() {
                row = item;
            } else if row.len() + 1 + item.len() <= width {
                row.push(' ');
                row.push_str(&item);
            } else {
                lines.push(format!("{INDENT}{row}"));
                row = item;
            }
        }
        lines.push(format!("{INDENT}{row}"));
    } else {
        for (i, a) in args.iter().enumerate() {
            let comma = if head.ends_with('!') && i + 1 == args.len() {
                ""
            } else {
                ","
            };
            for l in expr(indent + INDENT.len(), "", a, comma) {
                lines.push(format!("{INDENT}{l}"));
            }
        }
    }
    lines.push(format!("){tail}"));
    lines
}

/// Is `a` what rustfmt packs several to a line in a broken argument
/// list: a path, literal, field or reference to one, at most 10 wide?
fn short_simple(a: &str) -> bool {
    let a = a.strip_prefix("&mut ").unwrap_or(a);
    a.len() <= 10
        && !a.is_empty()
        && a.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_:.&*-!?\"".contains(c))
}

/// `prefix` + operands joined by `op` + `tail`: on one line when it fits
/// at `indent`, otherwise the first operand on the prefix's line and each
/// further one on its own line, one level in, led by the operator.
pub(super) fn binary(
    indent: usize,
    prefix: &str,
    operands: &[String],
    op: &str,
    tail: &str,
) -> Vec<String> {
    let one = format!("{prefix}{}{tail}", operands.join(&format!(" {op} ")));
    if indent + one.len() <= MAX_WIDTH && operands.iter().all(|o| split_call_fits(o)) {
        return vec![one];
    }
    let mut lines = Vec::new();
    for (i, o) in operands.iter().enumerate() {
        let t = if i + 1 == operands.len() { tail } else { "" };
        let (lead, at) = if i == 0 {
            (prefix.to_string(), indent)
        } else {
            (format!("{op} "), indent + INDENT.len())
        };
        let pad = if i == 0 { "" } else { INDENT };
        for l in expr(at, &lead, o, t) {
            lines.push(format!("{pad}{l}"));
        }
    }
    lines
}

/// Whether a call operand's arguments are within `fn_call_width` (it
/// stays on one line when the line fits).
fn split_call_fits(o: &str) -> bool {
    split_call(o).is_none_or(|(_, args)| args.len() == 1 || args.join(", ").len() <= 60)
}

/// `lead` + the expression `e` + `tail` at column `indent`: on one line
/// when it fits, else broken at its top-level binary operator or, when
/// it is a call, in its arguments.
pub(super) fn expr(indent: usize, lead: &str, e: &str, tail: &str) -> Vec<String> {
    if let Some((op, operands)) = split_binary(e) {
        return binary(indent, lead, &operands, op, tail);
    }
    match split_call(e) {
        Some((head, args)) => call(indent, &format!("{lead}{head}"), &args, tail),
        None => vec![format!("{lead}{e}{tail}")],
    }
}

/// The operands of `e` at its lowest-precedence top-level operator among
/// `||`, `&&`, comparisons, `|` and `+` (outside brackets and string
/// literals).
fn split_binary(e: &str) -> Option<(&'static str, Vec<String>)> {
    for op in ["||", "&&", "==", "!=", "<=", ">=", "<", ">", "|", "+"] {
        let sep = format!(" {op} ");
        let mut parts = Vec::new();
        let mut depth = 0usize;
        let mut in_str = false;
        let mut start = 0;
        let bytes = e.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let c = bytes[i];
            match c {
                b'"' => in_str = !in_str,
                b'(' | b'[' | b'{' if !in_str => depth += 1,
                b')' | b']' | b'}' if !in_str => depth = depth.saturating_sub(1),
                b' ' if !in_str && depth == 0 && e[i..].starts_with(&sep) => {
                    parts.push(e[start..i].to_string());
                    i += sep.len();
                    start = i;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        if !parts.is_empty() {
            parts.push(e[start..].to_string());
            return Some((op, parts));
        }
    }
    None
}

/// `head(a, b)` -> (`head`, [`a`, `b`]): the call that ends `e`, split
/// at the top-level commas of its arguments; None when `e` does not end
/// with a call.
pub(super) fn split_call(e: &str) -> Option<(String, Vec<String>)> {
    let body = e.strip_suffix(')')?;
    // The `(` that opens the last `)`.
    let mut depth = 0usize;
    let mut open = None;
    for (i, c) in body.char_indices().rev() {
        match c {
            ')' | ']' | '}' => depth += 1,
            '(' | '[' | '{' if depth == 0 => {
                open = Some(i);
                break;
            }
            '(' | '[' | '{' => depth -= 1,
            _ => {}
        }
    }
    let open = open?;
    let head = &body[..open];
    if head.is_empty() || head.ends_with(' ') {
        return None;
    }
    let inner = &body[open + 1..];
    let mut args = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    for c in inner.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                args.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        args.push(cur.trim().to_string());
    }
    Some((head.to_string(), args))
}

/// `if cond {` at column `indent`: the condition on the line when it
/// fits, otherwise broken at its top-level `&&` (rustfmt puts the brace
/// on a line of its own then) or in its call's arguments. Leaves the
/// writer one level in.
pub(super) fn open_if(w: &mut RustWriter, cond: &[String]) {
    let lines = binary(w.indent(), "if ", cond, "&&", " {");
    if lines.len() == 1 || cond.len() < 2 {
        put(w, lines);
    } else {
        let lines = binary(w.indent(), "if ", cond, "&&", "");
        put(w, lines);
        w.line("{");
    }
    w.indent_in();
}

/// `lhs rhs` (a `let` or `static` with its value), placed as rustfmt's
/// `choose_rhs` places it: on the line of `lhs` when it fits there whole;
/// otherwise alone from the next line, one level in, when that reads
/// better (it fits on one line there, or it needs fewer lines, or it does
/// not open its bracket at the end of the first line where the other
/// does); else broken on the line of `lhs`. `value` lays the value out
/// at a column after a lead.
pub(super) fn assign(
    indent: usize,
    lhs: &str,
    value: impl Fn(usize, &str) -> Vec<String>,
) -> Vec<String> {
    let same = value(indent, &format!("{lhs} "));
    // A value that breaks needs its first line a column short of the
    // width (rustfmt's shape keeps room after an opening bracket).
    let room = if same.len() > 1 { 1 } else { 0 };
    let same_fits = same
        .first()
        .is_some_and(|l| indent + l.len() + room <= MAX_WIDTH);
    if same_fits && same.len() == 1 {
        return same;
    }
    let next_indent = indent + INDENT.len();
    let next = value(next_indent, "");
    let next_fits = next.iter().all(|l| next_indent + l.len() <= MAX_WIDTH);
    let ends = |lines: &[String], c: char| lines.first().is_some_and(|l| l.ends_with(c));
    let prefer_next = next.len() == 1
        || same.len() > next.len() + 1
        || ['(', '{', '[']
            .iter()
            .any(|&c| ends(&same, c) && !ends(&next, c));
    if same_fits && !(next_fits && prefer_next) {
        return same;
    }
    let mut lines = vec![lhs.to_string()];
    for l in next {
        lines.push(format!("{INDENT}{l}"));
    }
    lines
}

/// Items that rustfmt sorts among themselves: `use` declarations (with
/// their doc lines), ordered by path as rustfmt orders them.
pub(super) struct Uses {
    items: Vec<(String, Vec<String>)>,
}

impl Uses {
    pub(super) fn new() -> Uses {
        Uses { items: Vec::new() }
    }

    /// `path` is what follows `use ` (`uabi_runtime::nla`,
    /// `softaccel_uapi as uapi`); `text` the item's lines, docs first.
    pub(super) fn add(&mut self, path: &str, text: Vec<String>) {
        self.items.push((path.to_string(), text));
    }

    pub(super) fn write(mut self, w: &mut RustWriter) {
        // rustfmt compares paths segment by segment.
        self.items.sort_by(|a, b| {
            let sa: Vec<&str> = a.0.split("::").collect();
            let sb: Vec<&str> = b.0.split("::").collect();
            sa.cmp(&sb)
        });
        for (_, text) in self.items {
            put(w, text);
        }
    }
}
