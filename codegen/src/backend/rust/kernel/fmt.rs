//! Layout helpers of the kernel backend: where rustfmt breaks the few
//! constructs whose width depends on the spec's names (function
//! signatures, method chains, calls, binary expressions, `use` order).
//! Each returns lines relative to the writer's indentation, so that the
//! printed text is what `rustfmt --edition 2024` leaves unchanged.

use crate::backend::rust::writer::{MAX_WIDTH, RustWriter, call_lines};

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
/// in.
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
    if indent + one.len() + tries <= MAX_WIDTH && (children.len() <= 1 || body.len() <= CHAIN_WIDTH)
    {
        return vec![one];
    }
    let mut head = root.to_string();
    let mut rest = children;
    while head.len() <= INDENT.len()
        && let Some((first, more)) = rest.split_first()
    {
        head.push_str(first);
        rest = more;
    }
    let mut lines = vec![format!("{prefix}{head}")];
    for (i, c) in rest.iter().enumerate() {
        let t = if i + 1 == rest.len() { tail } else { "" };
        lines.push(format!("{INDENT}{c}{t}"));
    }
    if rest.is_empty()
        && let Some(last) = lines.last_mut()
    {
        last.push_str(tail);
    }
    lines
}

/// A call `head(args)tail` after nothing, at column `indent` (see
/// `call_lines`).
pub(super) fn call(indent: usize, head: &str, args: &[String], tail: &str) -> Vec<String> {
    call_lines(indent, head, args, tail)
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
    if indent + one.len() <= MAX_WIDTH {
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

/// `lead` + the expression `e` + `tail` at column `indent`: on one line
/// when it fits, else, when `e` is a call, with its arguments broken.
pub(super) fn expr(indent: usize, lead: &str, e: &str, tail: &str) -> Vec<String> {
    match split_call(e) {
        Some((head, args)) => {
            let mut lines = call_lines(indent, &format!("{lead}{head}"), &args, tail);
            // rustfmt adds no trailing comma to a macro's broken arguments.
            if head.ends_with('!') && lines.len() > 1 {
                let last = lines.len() - 2;
                if let Some(l) = lines[last].strip_suffix(',') {
                    lines[last] = l.to_string();
                }
            }
            lines
        }
        None => vec![format!("{lead}{e}{tail}")],
    }
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
/// on a line of its own then). Leaves the writer one level in.
pub(super) fn open_if(w: &mut RustWriter, cond: &[String]) {
    let one = format!("if {} {{", cond.join(" && "));
    if w.fits(&one) {
        w.line(one);
    } else if let [c] = cond {
        let lines = expr(w.indent(), "if ", c, " {");
        put(w, lines);
    } else {
        let lines = binary(w.indent(), "if ", cond, "&&", "");
        put(w, lines);
        w.line("{");
    }
    w.indent_in();
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
