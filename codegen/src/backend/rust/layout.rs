//! rustfmt's layout of expressions and statements, shared by every Rust
//! backend: calls, method chains, binary expressions, the right-hand
//! side of a `let` or an assignment, and the macro calls the crates
//! hold. Most helpers return lines relative to the column they are given
//! (written with [`put`]) so that a caller can place a value after a lead
//! or weigh two placements, as rustfmt's `choose_rhs` does; each threshold
//! is one of rustfmt's default widths (edition 2024, `max_width` 100),
//! checked against rustfmt on the boundary lengths.

use crate::backend::rust::writer::{INDENT, MAX_WIDTH, RustWriter, joined_len};
use crate::backend::shared::push_joined;

/// rustfmt's `fn_call_width`: the arguments of a call (or of a macro
/// called with parentheses) stay on one line only within it, unless
/// there is a single one.
pub(crate) const CALL_WIDTH: usize = 60;

/// rustfmt's `chain_width`: a chain of more than one element stays on one
/// line only within it.
const CHAIN_WIDTH: usize = 60;

/// Writes `lines` (relative to the current indentation).
pub(crate) fn put(w: &mut RustWriter, lines: Vec<String>) {
    for l in lines {
        w.line(l);
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
pub(crate) fn chain(
    indent: usize,
    prefix: &str,
    root: &str,
    children: &[String],
    tail: &str,
) -> Vec<String> {
    // The one-line form is measured first and built only when kept.
    let body_len = root.len() + children.iter().map(String::len).sum::<usize>();
    let one_len = prefix.len() + body_len + tail.len();
    // rustfmt reserves the width of a trailing `?` twice.
    let tries = usize::from(
        children
            .iter()
            .rev()
            .map(String::as_str)
            .chain([root])
            .find(|s| !s.is_empty())
            .is_some_and(|s| s.ends_with('?')),
    );
    if indent + one_len + tries <= MAX_WIDTH
        && (children.len() <= 1 || body_len <= CHAIN_WIDTH)
        && args_fit(root)
        && children.iter().all(|c| args_fit(c))
    {
        let mut one = String::with_capacity(one_len);
        one.push_str(prefix);
        one.push_str(root);
        for c in children {
            one.push_str(c);
        }
        one.push_str(tail);
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
/// a single argument, else within `fn_call_width`.
fn args_fit(e: &str) -> bool {
    call_args_size(e.trim_end_matches('?')).is_none_or(|(n, len)| n <= 1 || len <= CALL_WIDTH)
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
pub(crate) fn call(indent: usize, head: &str, args: &[String], tail: &str) -> Vec<String> {
    let joined = joined_len(args, ", ");
    let one = head.len() + 1 + joined + 1 + tail.len();
    // A single argument is not held to `fn_call_width`: only the line
    // must fit. A closure last is held to it: rustfmt never keeps such a
    // call on one line past it, but moves the closure's body into a block
    // (a form no generated call needs) or, for a `move` closure, breaks
    // the arguments one a line.
    if indent + one <= MAX_WIDTH && (joined <= CALL_WIDTH || args.len() == 1) {
        // Measured first, built once: most calls fit.
        let mut line = String::with_capacity(one);
        line.push_str(head);
        line.push('(');
        push_joined(&mut line, args, ", ");
        line.push(')');
        line.push_str(tail);
        return vec![line];
    }
    let mut lines = Vec::with_capacity(args.len() + 2);
    lines.push([head, "("].concat());
    if args.len() > 1 && args.iter().all(|a| short_simple(a)) {
        let width = MAX_WIDTH - indent - INDENT.len();
        // Each row is built in place, led by its indent: `row_len` is
        // what `width` limits.
        let mut row = String::new();
        let mut row_len = 0;
        for a in args {
            let item_len = a.len() + 1;
            if row_len > 0 && row_len + 1 + item_len <= width {
                row.push(' ');
                row_len += 1;
            } else {
                if row_len > 0 {
                    lines.push(std::mem::take(&mut row));
                }
                row.push_str(INDENT);
                row_len = 0;
            }
            row.push_str(a);
            row.push(',');
            row_len += item_len;
        }
        lines.push(row);
    } else {
        let at = indent + INDENT.len();
        for (i, a) in args.iter().enumerate() {
            let comma = if head.ends_with('!') && i + 1 == args.len() {
                ""
            } else {
                ","
            };
            // Most arguments are a line of their own as they stand:
            // written without `expr`'s candidates.
            if stays_whole(a, at + comma.len()) {
                lines.push([INDENT, a, comma].concat());
                continue;
            }
            for l in expr(at, "", a, comma) {
                lines.push([INDENT, &l].concat());
            }
        }
    }
    lines.push([")", tail].concat());
    lines
}

/// Whether [`expr`] at column `indent` keeps the argument `a` as it
/// stands on one line: it fits, and it has no bracket, or no space and no
/// comma (so no operator splits it and any call in it has at most one
/// argument, which `fn_call_width` does not hold and which is printed
/// back as it was).
fn stays_whole(a: &str, indent: usize) -> bool {
    indent + a.len() <= MAX_WIDTH
        && (!a.bytes().any(|b| matches!(b, b'(' | b'[' | b'{'))
            || !a.bytes().any(|b| matches!(b, b' ' | b',')))
}

/// Is `a` what rustfmt packs several to a line in a broken argument
/// list: a path, literal, field or reference to one, at most 10 wide?
fn short_simple(a: &str) -> bool {
    let a = a.strip_prefix("&mut ").unwrap_or(a);
    a.len() <= 10
        && !a.is_empty()
        && a.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'_' | b':' | b'.' | b'&' | b'*' | b'-' | b'!' | b'?' | b'"'
                )
        })
}

/// `prefix` + operands joined by `op` + `tail`: on one line when it fits
/// at `indent`, otherwise the first operand on the prefix's line and each
/// further one on its own line, one level in, led by the operator.
pub(crate) fn binary(
    indent: usize,
    prefix: &str,
    operands: &[String],
    op: &str,
    tail: &str,
) -> Vec<String> {
    let sep_len = op.len() + 2;
    let one_len = prefix.len()
        + operands.iter().map(String::len).sum::<usize>()
        + sep_len * operands.len().saturating_sub(1)
        + tail.len();
    if indent + one_len <= MAX_WIDTH && operands.iter().all(|o| split_call_fits(o)) {
        let mut one = String::with_capacity(one_len);
        one.push_str(prefix);
        for (i, o) in operands.iter().enumerate() {
            if i > 0 {
                one.push(' ');
                one.push_str(op);
                one.push(' ');
            }
            one.push_str(o);
        }
        one.push_str(tail);
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
    call_args_size(o).is_none_or(|(n, len)| n == 1 || len <= CALL_WIDTH)
}

/// `lead` + the expression `e` + `tail` at column `indent`: on one line
/// when it fits, else broken at its top-level binary operator or, when
/// it is a call, in its arguments.
pub(crate) fn expr(indent: usize, lead: &str, e: &str, tail: &str) -> Vec<String> {
    let one = lead.len() + e.len() + tail.len();
    if indent + one <= MAX_WIDTH && !e.bytes().any(|b| matches!(b, b'(' | b'[' | b'{')) {
        // Without brackets nothing holds it to `fn_call_width`: a line
        // that fits is the answer whether or not it has an operator (the
        // operands joined again are `e`), and most arguments are such.
        let mut line = String::with_capacity(one);
        line.push_str(lead);
        line.push_str(e);
        line.push_str(tail);
        return vec![line];
    }
    // A short expression that fits is its own layout, whatever its
    // operators: no argument list in it can pass `fn_call_width`, as the
    // arguments `call` would join with `", "` are at most `e` and one
    // more byte per comma. Only a last call whose arguments `call` would
    // respace is laid out further.
    if indent + one <= MAX_WIDTH
        && e.len() + e.bytes().filter(|&b| b == b',').count() <= CALL_WIDTH
        && call_parts(e).is_none_or(|(_, inner)| joined_arg_count(inner).is_some())
    {
        return vec![[lead, e, tail].concat()];
    }
    if let Some((op, operands)) = split_binary(e) {
        return binary(indent, lead, &operands, op, tail);
    }
    let Some((_, inner)) = call_parts(e) else {
        return vec![[lead, e, tail].concat()];
    };
    // A call that fits and whose arguments `call` would write back as they
    // are is its own one-line layout: kept without splitting it.
    // (Written back, they are `inner` itself.)
    if indent + one <= MAX_WIDTH
        && joined_arg_count(inner).is_some_and(|n| n == 1 || inner.len() <= CALL_WIDTH)
    {
        return vec![[lead, e, tail].concat()];
    }
    match split_call(e) {
        Some((head, args)) => call(indent, &[lead, &head].concat(), &args, tail),
        None => vec![[lead, e, tail].concat()],
    }
}

/// The operands of `e` at its lowest-precedence top-level operator among
/// `||`, `&&`, comparisons, `|` and `+` (outside brackets and string
/// literals).
fn split_binary(e: &str) -> Option<(&'static str, Vec<String>)> {
    // An operator is only ever found at a top-level space, so the text is
    // scanned once for those and each operator looks at them alone.
    let bytes = e.as_bytes();
    let mut spaces = Vec::new();
    let mut depth = 0usize;
    let mut in_str = false;
    for (i, &c) in bytes.iter().enumerate() {
        match c {
            b'"' => in_str = !in_str,
            b'(' | b'[' | b'{' if !in_str => depth += 1,
            b')' | b']' | b'}' if !in_str => depth = depth.saturating_sub(1),
            b' ' if !in_str && depth == 0 => spaces.push(i),
            _ => {}
        }
    }
    if spaces.is_empty() {
        return None;
    }
    for op in ["||", "&&", "==", "!=", "<=", ">=", "<", ">", "|", "+"] {
        // ` op ` at the space `i`; a match's own characters are not
        // looked at again.
        let sep_len = op.len() + 2;
        let mut parts = Vec::new();
        let mut start = 0;
        for &i in &spaces {
            if i < start {
                continue;
            }
            let rest = &bytes[i + 1..];
            if rest.starts_with(op.as_bytes()) && rest.get(op.len()) == Some(&b' ') {
                parts.push(e[start..i].to_string());
                start = i + sep_len;
            }
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
pub(crate) fn split_call(e: &str) -> Option<(String, Vec<String>)> {
    let (head, inner) = call_parts(e)?;
    let mut args = Vec::new();
    for_each_arg(inner, |a| args.push(a.to_string()));
    Some((head.to_string(), args))
}

/// The number of [`split_call`]'s arguments and their `joined_len` with
/// `", "`, without building them: what the width rules ask.
fn call_args_size(e: &str) -> Option<(usize, usize)> {
    let (_, inner) = call_parts(e)?;
    let (mut n, mut len) = (0, 0);
    for_each_arg(inner, |a| {
        n += 1;
        len += a.len();
    });
    Some((n, len + 2 * n.saturating_sub(1)))
}

/// The head of the call that ends `e` and the text between its brackets.
fn call_parts(e: &str) -> Option<(&str, &str)> {
    let body = e.strip_suffix(')')?;
    // The `(` that opens the last `)`.
    let mut depth = 0usize;
    let mut open = None;
    for (i, b) in body.bytes().enumerate().rev() {
        match b {
            b')' | b']' | b'}' => depth += 1,
            b'(' | b'[' | b'{' if depth == 0 => {
                open = Some(i);
                break;
            }
            b'(' | b'[' | b'{' => depth -= 1,
            _ => {}
        }
    }
    let open = open?;
    let head = &body[..open];
    if head.is_empty() || head.ends_with(' ') {
        return None;
    }
    Some((head, &body[open + 1..]))
}

/// Calls `f` with each argument of a call's `inner` text: split at its
/// top-level commas, trimmed, an empty last one dropped. Each is sliced
/// out at its comma (the brackets are ASCII, so a byte index is a char
/// boundary).
fn for_each_arg(inner: &str, mut f: impl FnMut(&str)) {
    let mut start = 0;
    let mut depth = 0usize;
    for (i, b) in inner.bytes().enumerate() {
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                f(inner[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = inner[start..].trim();
    if !last.is_empty() {
        f(last);
    }
}

/// The number of arguments of a call whose arguments `inner` are as
/// [`call`] writes them back on one line: separated by `", "` exactly,
/// nothing trimmed off and none empty (each top-level comma between two
/// ASCII characters that are not space, but for the one space after it).
/// None when they are not.
fn joined_arg_count(inner: &str) -> Option<usize> {
    let b = inner.as_bytes();
    let solid = |i: Option<usize>| {
        i.and_then(|i| b.get(i))
            .is_some_and(|c| c.is_ascii() && !c.is_ascii_whitespace())
    };
    if b.is_empty() {
        return Some(0);
    }
    if !solid(Some(0)) || !solid(Some(b.len() - 1)) {
        return None;
    }
    let mut depth = 0usize;
    let mut count = 1;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                if !(solid(i.checked_sub(1)) && b.get(i + 1) == Some(&b' ') && solid(Some(i + 2))) {
                    return None;
                }
                count += 1;
            }
            _ => {}
        }
    }
    Some(count)
}

/// `if cond {` at column `indent`: the condition on the line when it
/// fits, otherwise broken at its top-level `&&` (rustfmt puts the brace
/// on a line of its own then) or in its call's arguments. Leaves the
/// writer one level in.
pub(crate) fn open_if(w: &mut RustWriter, cond: &[String]) {
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
pub(crate) fn choose_rhs(
    indent: usize,
    lhs: &str,
    value: impl Fn(usize, &str) -> Vec<String>,
) -> Vec<String> {
    let same = value(indent, &[lhs, " "].concat());
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
    below(lhs, next)
}

/// `lhs` and, one level in, the lines of its value.
fn below(lhs: &str, value: Vec<String>) -> Vec<String> {
    let mut lines = Vec::with_capacity(value.len() + 1);
    lines.push(lhs.to_string());
    for l in value {
        lines.push([INDENT, &l].concat());
    }
    lines
}

/// [`choose_rhs`] of a value that is the call `head(args)tail`, without
/// laying the call out at both places where one placement is sure to
/// win: the call on `lhs`'s line is kept when it is one line, or when it
/// breaks the same way on the next line (its arguments each a line as
/// they stand, there too) and its first line fits; it moves down when it
/// is one line there.
pub(crate) fn choose_rhs_call(
    indent: usize,
    lhs: &str,
    head: &str,
    args: &[String],
    tail: &str,
) -> Vec<String> {
    let same = call(indent, &[lhs, " ", head].concat(), args, tail);
    let next_indent = indent + INDENT.len();
    if let [one] = same.as_slice()
        && indent + one.len() <= MAX_WIDTH
    {
        return same;
    }
    let joined = joined_len(args, ", ");
    let next_one = next_indent + head.len() + 1 + joined + 1 + tail.len() <= MAX_WIDTH
        && (joined <= CALL_WIDTH || args.len() == 1);
    let first_fits = same.first().is_some_and(|l| indent + l.len() < MAX_WIDTH);
    if next_one {
        // One line there: `choose_rhs` prefers it.
        return below(lhs, call(next_indent, head, args, tail));
    }
    // Both break after `(`; with every argument a line of its own as it
    // stands even one level further in, the next line's form has at
    // least as many lines (fewer fit on each row there), so it is never
    // preferred.
    if first_fits
        && same.len() > 1
        && args
            .iter()
            .all(|a| stays_whole(a, next_indent + INDENT.len() + 1))
    {
        return same;
    }
    choose_rhs(indent, lhs, |at, lead| {
        call(at, &[lead, head].concat(), args, tail)
    })
}

/// One arm of a `match`: on one line when it fits, else its body in a
/// block.
pub(crate) fn arm(w: &mut RustWriter, pat: &str, body: &str) {
    // Measured, not built: most arms fit and are written straight in.
    if w.fits_len(pat.len() + " => ".len() + body.len() + 1) {
        w.line_of(&[pat, " => ", body, ","]);
    } else {
        w.open_fmt(format_args!("{pat} =>"));
        let lines = expr(w.indent(), "", body, "");
        put(w, lines);
        w.close("");
    }
}

/// [`arm`] in rustfmt's style edition 2021 (the kernel flavour's): a
/// call that does not fit breaks in its arguments after `pat =>`, with no
/// block around it.
pub(crate) fn arm_2021(w: &mut RustWriter, pat: &str, body: &str) {
    if w.fits_len(pat.len() + " => ".len() + body.len() + 1) || split_call(body).is_none() {
        return arm(w, pat, body);
    }
    let lines = expr(w.indent(), &format!("{pat} => "), body, ",");
    put(w, lines);
}

/// `lhs rhs` where `rhs` is a chain: on one line when it fits, else the
/// chain alone on the next line when it fits there, else broken where
/// it stands.
pub(crate) fn let_chain(
    indent: usize,
    lhs: &str,
    root: &str,
    children: &[String],
    tail: &str,
) -> Vec<String> {
    let same = chain(indent, &format!("{lhs} "), root, children, tail);
    // rustfmt keeps a `let` with a `?` chain on one line only one column
    // short of what `chain` allows (as observed: 98 columns fit, 99 not).
    if same.len() == 1 && same[0].len() + indent < MAX_WIDTH - 1 {
        return same;
    }
    let next = chain(indent + INDENT.len(), "", root, children, tail);
    if let [one] = next.as_slice() {
        return vec![lhs.to_string(), format!("{INDENT}{one}")];
    }
    same
}

/// `lhs = rhs;` for a single-line `rhs`, placed by [`choose_rhs`].
pub(crate) fn assign(w: &mut RustWriter, lhs: &str, rhs: &str) {
    // What `choose_rhs` keeps when the statement fits on its line,
    // written without building the candidates.
    if w.indent() + lhs.len() + " = ".len() + rhs.len() + ";".len() <= MAX_WIDTH {
        w.line_of(&[lhs, " = ", rhs, ";"]);
        return;
    }
    let lines = choose_rhs(w.indent(), &format!("{lhs} ="), |_, lead| {
        vec![format!("{lead}{rhs};")]
    });
    put(w, lines);
}

/// `lhs = name!(arg);` for a macro of one argument, placed by
/// [`choose_rhs`].
pub(crate) fn assign_macro(w: &mut RustWriter, lhs: &str, name: &str, arg: &str) {
    // What `choose_rhs` keeps when the statement fits on its line (a
    // single argument is not held to `fn_call_width`), written without
    // building the candidates: most generated asserts are one line.
    if w.indent() + lhs.len() + " = ".len() + name.len() + arg.len() + "();".len() <= MAX_WIDTH {
        w.line_of(&[lhs, " = ", name, "(", arg, ");"]);
        return;
    }
    let args = [arg.to_string()];
    let lines = choose_rhs(w.indent(), &format!("{lhs} ="), |at, lead| {
        call(at, &format!("{lead}{name}"), &args, ";")
    });
    put(w, lines);
}

/// A call statement or expression laid out by [`call`] at the writer's
/// indentation.
pub(crate) fn call_stmt(w: &mut RustWriter, head: &str, args: &[String], tail: &str) {
    // What `call` keeps when the call fits on its line, written without
    // building it first: most generated calls do.
    let joined = joined_len(args, ", ");
    if w.fits_len(head.len() + 1 + joined + 1 + tail.len())
        && (joined <= CALL_WIDTH || args.len() == 1)
    {
        w.line_joined_of(&[head, "("], args, ", ", &[")", tail]);
        return;
    }
    let lines = call(w.indent(), head, args, tail);
    put(w, lines);
}

/// [`choose_rhs_call`] written at the writer's indentation, the usual
/// cases (one line there, or one argument a line as it stands) without
/// building the lines first.
pub(crate) fn let_call(w: &mut RustWriter, lhs: &str, head: &str, args: &[String], tail: &str) {
    let indent = w.indent();
    let joined = joined_len(args, ", ");
    let fits_args = joined <= CALL_WIDTH || args.len() == 1;
    if fits_args && w.fits_len(lhs.len() + 1 + head.len() + 1 + joined + 1 + tail.len()) {
        w.line_joined_of(&[lhs, " ", head, "("], args, ", ", &[")", tail]);
        return;
    }
    let next_indent = indent + INDENT.len();
    let one_below =
        fits_args && next_indent + head.len() + 1 + joined + 1 + tail.len() <= MAX_WIDTH;
    if one_below {
        // What `choose_rhs_call` keeps then (the call does not fit on
        // `lhs`'s line, it does whole on the next), written without
        // laying out the broken form it is weighed against.
        w.line(lhs);
        w.indent_in();
        w.line_joined_of(&[head, "("], args, ", ", &[")", tail]);
        w.indent_out();
        return;
    }
    // `call`'s broken form with one argument a line (not packed), each as
    // it stands even one level further in: as `choose_rhs_call` keeps it
    // when its first line fits.
    let whole = indent + lhs.len() + 1 + head.len() + 1 < MAX_WIDTH
        && !(args.len() > 1 && args.iter().all(|a| short_simple(a)))
        && args
            .iter()
            .all(|a| stays_whole(a, next_indent + INDENT.len() + 1));
    if whole {
        w.line_of(&[lhs, " ", head, "("]);
        w.indent_in();
        for (i, a) in args.iter().enumerate() {
            let comma = if head.ends_with('!') && i + 1 == args.len() {
                ""
            } else {
                ","
            };
            w.line_of(&[a, comma]);
        }
        w.indent_out();
        w.line_of(&[")", tail]);
        return;
    }
    let lines = choose_rhs_call(indent, lhs, head, args, tail);
    put(w, lines);
}

/// `matches!(v, A | B | C)`: one line while the arguments are within
/// `fn_call_width`; otherwise one argument a line, and a pattern too wide
/// for its line broken before each `|`, one level further in.
pub(crate) fn matches_call(w: &mut RustWriter, value: &str, alts: &[String]) {
    let pattern = alts.join(" | ");
    let one = format!("matches!({value}, {pattern})");
    if value.len() + 2 + pattern.len() <= CALL_WIDTH && w.fits(&one) {
        w.line(one);
        return;
    }
    w.line("matches!(");
    w.indent_in();
    w.line_fmt(format_args!("{value},"));
    // The argument's shape leaves a column for a separator.
    if w.indent() + 1 + pattern.len() <= MAX_WIDTH {
        w.line(pattern);
    } else if let Some((first, rest)) = alts.split_first() {
        w.line(first);
        w.indent_in();
        for a in rest {
            w.line_fmt(format_args!("| {a}"));
        }
        w.indent_out();
    }
    w.indent_out();
    w.line(")");
}

/// The last call of a chain when it takes a closure, `.and_then(|p| body)`:
/// when it fits on no line of its own, [`chain`] moves its body into a
/// block.
pub(crate) struct ClosureCall {
    /// `.and_then(|p|`.
    pub open: String,
    /// The body: a root and the calls chained on it.
    pub body_root: String,
    pub body_children: Vec<String>,
}

impl ClosureCall {
    fn text(&self) -> String {
        format!(
            "{} {}{})",
            self.open,
            self.body_root,
            self.body_children.concat()
        )
    }
}

/// `prefix head(args).a().b()suffix` (and a last closure call), a chain
/// on a call, as [`chain`] lays it out at the writer's indentation.
pub(crate) fn call_chain(
    w: &mut RustWriter,
    prefix: &str,
    root: (&str, &[String]),
    children: &[String],
    last: Option<&ClosureCall>,
    suffix: &str,
) {
    let (head, args) = root;
    let root_text = format!("{head}({})", args.join(", "));
    let mut all: Vec<String> = children.to_vec();
    all.extend(last.map(ClosureCall::text));
    let lines = chain(w.indent(), prefix, &root_text, &all, suffix);
    put(w, lines);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: impl FnOnce(&mut RustWriter)) -> String {
        let mut w = RustWriter::new();
        f(&mut w);
        w.finish()
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn calls_obey_the_call_width_unless_single() {
        // 60 columns of arguments stay on the line, 61 break.
        let a = "a".repeat(57);
        assert_eq!(call(0, "f", &strings(&[&a, "b"]), ";").len(), 1);
        let a = "a".repeat(58);
        assert_eq!(
            call(0, "f", &strings(&[&a, "b"]), ";"),
            ["f(", &format!("    {a},"), "    b,", ");"]
        );
        // One argument is bounded by the line only (as rustfmt keeps it).
        let a = "a".repeat(94);
        assert_eq!(call(0, "f", &strings(&[&a]), ";").len(), 1);
        assert_eq!(call(3, "f", &strings(&[&a]), ";").len(), 3);
        // A macro's last argument has no comma; short simple arguments
        // fill their lines.
        let long = "x".repeat(60);
        assert_eq!(
            call(0, "m!", &strings(&[&long, "y"]), ";"),
            ["m!(", &format!("    {long},"), "    y", ");"]
        );
        // rustfmt breaks this one (82 columns of arguments) a line each.
        let closure = strings(&[
            &"a".repeat(23),
            &"b".repeat(27),
            "move |x| cccccccccccccccc(x)",
        ]);
        assert_eq!(call(4, "call", &closure, ";").len(), 5);
        // rustfmt's output for these arguments inside a function.
        let many: Vec<String> = (0..30).map(|i| format!("arg{i}")).collect();
        assert_eq!(
            call(4, "f", &many, ";"),
            [
                "f(",
                "    arg0, arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9, arg10, arg11, arg12, arg13,",
                "    arg14, arg15, arg16, arg17, arg18, arg19, arg20, arg21, arg22, arg23, arg24, arg25, arg26,",
                "    arg27, arg28, arg29,",
                ");",
            ]
        );
    }

    #[test]
    fn chains_of_two_calls_obey_the_chain_width() {
        assert_eq!(
            chain(0, "x: ", "f(a)", &strings(&[".map(g)"]), ","),
            ["x: f(a).map(g),"]
        );
        let long = "f(aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa)";
        assert_eq!(
            chain(0, "", long, &strings(&[".map(g)", ".collect()"]), ","),
            [long, "    .map(g)", "    .collect(),"]
        );
        // A root no wider than an indent takes its first call along.
        assert_eq!(
            chain(
                0,
                "",
                "self",
                &strings(&[".w", &format!(".put({long})")]),
                ";"
            ),
            [format!("self.w.put({long});")]
        );
    }

    #[test]
    fn a_chain_on_a_long_call_or_with_a_long_closure() {
        let long = "x".repeat(60);
        let args = ["attrs".to_string(), long.clone()];
        let mut w = RustWriter::at_depth(4);
        call_chain(
            &mut w,
            "f: ",
            ("find", &args),
            &[".is_some()".into()],
            None,
            ",",
        );
        let expected = format!(
            "                f: find(\n                    attrs,\n                    \
             {long},\n                )\n                .is_some(),\n"
        );
        assert_eq!(w.finish(), expected);

        let body = ClosureCall {
            open: ".and_then(|p|".into(),
            body_root: format!("read_{long}(p)"),
            body_children: vec![".ok()".into()],
        };
        let args = ["attrs".to_string()];
        let mut w = RustWriter::at_depth(4);
        call_chain(&mut w, "f: ", ("find", &args), &[], Some(&body), ",");
        let out = w.finish();
        assert!(
            out.starts_with("                f: find(attrs).and_then(|p| {\n"),
            "{out}"
        );
        assert!(out.ends_with("                }),\n"), "{out}");
    }

    #[test]
    fn let_values_move_to_the_next_line_when_they_fit_there() {
        let value = |at: usize, lead: &str| {
            let args = strings(&["mem", "addr", "ioc.size as usize", "size", "true", "ext"]);
            call(
                at,
                &format!("{lead}uabi_runtime::copy_in_sized"),
                &args,
                "?;",
            )
        };
        let lines = choose_rhs(8, "let mut arg: uapi::SomeArgument =", value);
        assert_eq!(lines[0], "let mut arg: uapi::SomeArgument =");
        assert_eq!(lines.len(), 2);
        // Broken on the next line too: broken where it stands.
        let lines = choose_rhs(28, "let mut arg: uapi::SomeArgument =", value);
        assert!(lines[0].ends_with("copy_in_sized("), "{lines:?}");
    }

    #[test]
    fn match_arms_take_a_block_past_the_width() {
        assert_eq!(run(|w| arm(w, "1", "f(a)")), "1 => f(a),\n");
        let body = format!("f({})", "a".repeat(92));
        assert_eq!(
            run(|w| arm(w, "1", &body)),
            format!("1 => {{\n    {body}\n}}\n")
        );
    }

    #[test]
    fn matches_breaks_as_rustfmt_does() {
        let alts: Vec<String> = [
            "AAAAAAAAAA",
            "BBBBBBBBBB",
            "CCCCCCCCCC",
            "DDDDDDDDDD",
            "EEEEEEEEE",
        ]
        .map(String::from)
        .to_vec();
        let mut w = RustWriter::at_depth(2);
        matches_call(&mut w, "v", &alts);
        assert_eq!(
            w.finish(),
            "        matches!(\n            v,\n            \
             AAAAAAAAAA | BBBBBBBBBB | CCCCCCCCCC | DDDDDDDDDD | EEEEEEEEE\n        )\n"
        );
        let mut w = RustWriter::at_depth(2);
        matches_call(&mut w, "v", &alts[..4]);
        assert_eq!(
            w.finish(),
            "        matches!(v, AAAAAAAAAA | BBBBBBBBBB | CCCCCCCCCC | DDDDDDDDDD)\n"
        );
    }

    #[test]
    fn long_asserts_move_to_the_next_line() {
        // 100 columns stay on one line, 101 move the macro call down.
        for (n, lines) in [(42, 1), (43, 2)] {
            let arg = format!("::core::mem::offset_of!(A, {}) == 64", "b".repeat(n));
            let out = run(|w| assign_macro(w, "const _: ()", "assert!", &arg));
            assert_eq!(out.lines().count(), lines, "{out}");
            assert!(out.lines().all(|l| l.len() <= MAX_WIDTH));
        }
    }

    #[test]
    fn assignments_move_the_value_down_only_when_it_then_fits() {
        let lhs = format!("arg.{}", "f".repeat(65));
        let rhs = "::core::ptr::from_ref(params) as u64";
        let out = run(|w| assign(w, &lhs, rhs));
        assert_eq!(out, format!("{lhs} =\n    {rhs};\n"));
        let out = run(|w| assign(w, "arg.f", rhs));
        assert_eq!(out, format!("arg.f = {rhs};\n"));
    }
}
