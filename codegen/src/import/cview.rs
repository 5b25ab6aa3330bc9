//! The C view of a header: what the front end says it declares (records
//! with their fields, enums with their values, macros with their values,
//! anything else declared), each with its place in the header. No
//! mapping to the spec language happens here; [`super::map`] does that.

use super::clang::{self, Front};
use super::error::ImportError;
use serde_json::Value;
use std::fmt;
use std::path::{Path, PathBuf};

/// A place in the imported header (1-based line and column).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Loc {
    pub file: String,
    pub line: u32,
    pub col: u32,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

#[derive(Debug, Clone)]
pub struct CHeader {
    /// The header's file name (`ivpu_accel.h`).
    pub file_name: String,
    pub text: String,
    /// The SPDX expression of its `SPDX-License-Identifier:` line.
    pub license: Option<String>,
    pub records: Vec<CRecord>,
    pub enums: Vec<CEnum>,
    pub macros: Vec<CMacro>,
    /// Declarations of any other kind (typedefs, functions, variables).
    pub others: Vec<COther>,
}

#[derive(Debug, Clone)]
pub struct CRecord {
    pub tag: Option<String>,
    pub is_union: bool,
    pub loc: Loc,
    /// The raw `/** ... */` comment clang attached to it.
    pub doc: Option<String>,
    pub fields: Vec<CField>,
    /// Attributes written on it (`packed`, `aligned`).
    pub attrs: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct CField {
    pub name: String,
    /// The type as written (`__u32`, `__u32[4]`, `struct drm_x`).
    pub ty: String,
    pub loc: Loc,
    pub doc: Option<String>,
    pub bitfield: bool,
    /// The declaration's text in the header (`__u32 cus[X_MAX_CUS]`).
    pub text: String,
    /// Attributes written on the field (`aligned`, `packed`).
    pub attrs: Vec<String>,
    /// The field's type is a record defined inside this one.
    pub nested_record: bool,
    /// That record, for an anonymous member (`union { ... };`, no name):
    /// C names its fields as the holder's.
    pub inline: Option<Box<CRecord>>,
}

#[derive(Debug, Clone)]
pub struct CEnum {
    pub tag: Option<String>,
    pub loc: Loc,
    pub doc: Option<String>,
    pub entries: Vec<CEnumerator>,
}

#[derive(Debug, Clone)]
pub struct CEnumerator {
    pub name: String,
    pub value: i128,
    /// The type whose `sizeof` its value expression takes, as a command
    /// number built with `_IOWR`/`DRM_IOWR` does (`struct drm_x`).
    pub sizeof_arg: Option<String>,
    pub loc: Loc,
    pub doc: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CMacro {
    pub name: String,
    pub loc: Loc,
    pub function_like: bool,
    /// The replacement list, whitespace as the preprocessor prints it.
    pub body: String,
    /// Its value as an integer constant expression, when it is one.
    pub value: Option<i128>,
    /// That expression's type is `long` or `unsigned long`, whose width
    /// differs between targets.
    pub long: bool,
    /// The `/** ... */` comment on the lines right above it.
    pub doc: Option<String>,
}

#[derive(Debug, Clone)]
pub struct COther {
    pub kind: String,
    pub name: String,
    pub loc: Loc,
}

/// Reads `header` with the front end.
pub fn read(header: &Path, includes: &[PathBuf]) -> Result<CHeader, ImportError> {
    let io = |source| ImportError::Io {
        path: header.to_path_buf(),
        source,
    };
    let text = std::fs::read_to_string(header).map_err(io)?;
    let abs = std::fs::canonicalize(header).map_err(io)?;
    let display = header.display().to_string();
    let front = Front {
        compiler: clang::compiler(),
        includes,
    };
    let work = tempdir().map_err(|source| ImportError::Io {
        path: std::env::temp_dir(),
        source,
    })?;
    let result = read_in(&front, header, &abs, &display, &text, &work);
    let _ = std::fs::remove_dir_all(&work);
    result
}

fn read_in(
    front: &Front,
    header: &Path,
    abs: &Path,
    display: &str,
    text: &str,
    work: &Path,
) -> Result<CHeader, ImportError> {
    let abs_s = abs.display().to_string();
    let wio = |source| ImportError::Io {
        path: work.to_path_buf(),
        source,
    };
    // The header through a one-line file, so that clang names the header
    // by the absolute path we match its declarations and defines against.
    let main = work.join("main.c");
    std::fs::write(&main, format!("#include \"{abs_s}\"\n")).map_err(wio)?;
    let pre = front.defines(&main)?;
    let mut errs = clang::errors_in(&pre.stderr, &abs_s);
    errs.extend(clang::errors_in(&pre.stderr, &main.display().to_string()));
    if !pre.ok || !errs.is_empty() {
        return Err(compile_error(header, &pre.stderr, &abs_s, display));
    }
    let defines: Vec<clang::Define> = clang::parse_defines(&pre.stdout)
        .into_iter()
        .filter(|d| d.file == abs_s)
        .collect();
    // Every object-like macro as an enumerator: clang evaluates it (or
    // reports it in the probe file when it is no integer constant).
    let mut probe = format!("#include \"{abs_s}\"\n");
    for (i, d) in defines.iter().enumerate() {
        if d.params.is_none() && !d.body.is_empty() {
            probe += &format!(
                "enum __uabi_probe_{i} {{ __uabi_probe_{i}_v = ({}) }};\n",
                d.name
            );
        }
    }
    let probe_file = work.join("probe.c");
    std::fs::write(&probe_file, probe).map_err(wio)?;
    let ast = front.ast(&probe_file)?;
    if !clang::errors_in(&ast.stderr, &abs_s).is_empty() {
        return Err(compile_error(header, &ast.stderr, &abs_s, display));
    }
    let json: Value = serde_json::from_str(&ast.stdout).map_err(|e| ImportError::FrontEnd {
        compiler: front.compiler.clone(),
        what: format!("JSON AST: {e}"),
    })?;
    let mut tracker = Tracker::default();
    let root = tracker.node(&json);
    let lines: Vec<&str> = text.lines().collect();
    let ctx = Ctx {
        abs: &abs_s,
        display,
        text,
    };
    let mut h = CHeader {
        file_name: header
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        text: text.to_string(),
        license: license(text),
        records: Vec::new(),
        enums: Vec::new(),
        macros: Vec::new(),
        others: Vec::new(),
    };
    let mut probes = std::collections::HashMap::new();
    for n in &root.inner {
        if let Some(i) = n
            .name()
            .and_then(|s| s.strip_prefix("__uabi_probe_"))
            .and_then(|s| s.parse::<usize>().ok())
        {
            if let Some(v) = n.inner.first().and_then(Node::constant_expr) {
                let ty = v.json.pointer("/type/qualType").and_then(Value::as_str);
                let long = matches!(ty, Some("long" | "unsigned long"));
                if let Some(v) = v.constant() {
                    probes.insert(i, (v, long));
                }
            }
            continue;
        }
        if !n.begin_in(&abs_s) {
            continue;
        }
        match n.kind() {
            "RecordDecl" => {
                if n.json.get("completeDefinition").and_then(Value::as_bool) == Some(true) {
                    h.records.push(ctx.record(n));
                }
            }
            "EnumDecl" => h.enums.push(ctx.enumeration(n)),
            kind => h.others.push(COther {
                kind: kind.to_string(),
                name: n.name().unwrap_or_default().to_string(),
                loc: ctx.loc(n.loc.as_ref()),
            }),
        }
    }
    for (i, d) in defines.into_iter().enumerate() {
        let line = lines
            .get((d.line as usize).saturating_sub(1))
            .copied()
            .unwrap_or("");
        let col = line
            .find("define")
            .and_then(|p| line[p..].find(&d.name).map(|q| p + q))
            .map_or(1, |c| c + 1) as u32;
        h.macros.push(CMacro {
            doc: macro_doc(&lines, d.line as usize),
            loc: Loc {
                file: display.to_string(),
                line: d.line,
                col,
            },
            function_like: d.params.is_some(),
            value: probes.get(&i).map(|p| p.0),
            long: probes.get(&i).is_some_and(|p| p.1),
            name: d.name,
            body: d.body,
        });
    }
    Ok(h)
}

fn compile_error(header: &Path, stderr: &str, abs: &str, display: &str) -> ImportError {
    ImportError::Compile {
        header: header.to_path_buf(),
        diagnostics: stderr.replace(abs, display).trim_end().to_string(),
    }
}

fn tempdir() -> std::io::Result<PathBuf> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!(
        "uabi-import-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

/// The expression after `SPDX-License-Identifier:` (without a closing
/// `*/`).
fn license(text: &str) -> Option<String> {
    let line = text
        .lines()
        .take(5)
        .find(|l| l.contains("SPDX-License-Identifier:"))?;
    let rest = line.split("SPDX-License-Identifier:").nth(1)?;
    let rest = rest.split("*/").next()?.trim();
    (!rest.is_empty()).then(|| rest.to_string())
}

/// A `/** ... */` comment that ends on the line right above line `at`.
fn macro_doc(lines: &[&str], at: usize) -> Option<String> {
    let mut i = at.checked_sub(2)?;
    if !lines.get(i)?.trim_end().ends_with("*/") {
        return None;
    }
    // Only a comment of its own lines: every line from its `/**` to
    // its `*/` starts with `*` (a trailing `/* ... */` after code is not
    // the doc of the next line).
    loop {
        let l = lines[i].trim_start();
        if l.starts_with("/**") {
            return Some(lines[i..at - 1].join("\n"));
        }
        if !l.starts_with('*') || i == 0 {
            return None;
        }
        i -= 1;
    }
}

struct Ctx<'a> {
    abs: &'a str,
    display: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn loc(&self, l: Option<&L>) -> Loc {
        let l = l.cloned().unwrap_or_default();
        Loc {
            file: if l.file == self.abs {
                self.display.to_string()
            } else {
                l.file
            },
            line: l.line,
            col: l.col,
        }
    }

    /// The whole `/** ... */` comment around a FullComment's text.
    fn comment(&self, n: &Node) -> Option<String> {
        let c = n.inner.iter().find(|c| c.kind() == "FullComment")?;
        let (b, e) = (c.begin.as_ref()?.offset, c.end.as_ref()?.offset);
        let start = self
            .text
            .get(..=b.min(self.text.len().saturating_sub(1)))?
            .rfind("/*")?;
        let end = self.text.get(e..)?.find("*/").map(|p| e + p + 2)?;
        Some(self.text[start..end].to_string())
    }

    fn record(&self, n: &Node) -> CRecord {
        let mut fields = Vec::new();
        let mut nested: Vec<String> = Vec::new();
        // A record defined inside this one, until the field of its type
        // (clang writes the record, then an implicit unnamed field).
        let mut pending: Option<CRecord> = None;
        for c in &n.inner {
            match c.kind() {
                "RecordDecl" => {
                    nested.push(
                        c.json
                            .get("id")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                    );
                    pending = Some(self.record(c));
                }
                "FieldDecl" => {
                    let mut f = self.field(c, &nested);
                    if f.nested_record {
                        f.inline = pending.take().map(Box::new);
                    }
                    fields.push(f);
                }
                _ => {}
            }
        }
        CRecord {
            tag: n.name().map(str::to_string),
            is_union: n.json.get("tagUsed").and_then(Value::as_str) == Some("union"),
            loc: self.loc(n.loc.as_ref()),
            doc: self.comment(n),
            fields,
            attrs: attrs(n),
        }
    }

    fn field(&self, n: &Node, nested: &[String]) -> CField {
        let ty = n
            .json
            .pointer("/type/qualType")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let text = match (&n.begin, &n.end) {
            (Some(b), Some(e)) if b.file == self.abs && e.file == self.abs => {
                let end = (e.offset + e.tok_len).min(self.text.len());
                self.text.get(b.offset..end).unwrap_or("").to_string()
            }
            _ => String::new(),
        };
        let nested_record = n
            .json
            .pointer("/type/qualType")
            .and_then(Value::as_str)
            .is_some_and(|t| t.contains("(unnamed") || t.contains("(anonymous"))
            || n.json
                .pointer("/ownedTagDecl/id")
                .and_then(Value::as_str)
                .is_some_and(|id| nested.iter().any(|x| x == id));
        CField {
            name: n.name().unwrap_or_default().to_string(),
            ty,
            loc: self.loc(n.loc.as_ref()),
            doc: self.comment(n),
            bitfield: n.json.get("isBitfield").and_then(Value::as_bool) == Some(true)
                || n.inner.iter().any(|c| c.kind() == "ConstantExpr"),
            text,
            attrs: attrs(n),
            nested_record,
            inline: None,
        }
    }

    fn enumeration(&self, n: &Node) -> CEnum {
        let mut next = 0i128;
        let entries = n
            .inner
            .iter()
            .filter(|c| c.kind() == "EnumConstantDecl")
            .map(|c| {
                let value = c.inner.first().and_then(Node::constant).unwrap_or(next);
                next = value + 1;
                CEnumerator {
                    sizeof_arg: c.inner.first().and_then(Node::sizeof_arg),
                    name: c.name().unwrap_or_default().to_string(),
                    value,
                    loc: self.loc(c.loc.as_ref()),
                    doc: self.comment(c),
                }
            })
            .collect();
        CEnum {
            tag: n.name().map(str::to_string),
            loc: self.loc(n.loc.as_ref()),
            doc: self.comment(n),
            entries,
        }
    }
}

fn attrs(n: &Node) -> Vec<String> {
    n.inner
        .iter()
        .map(Node::kind)
        .filter(|k| k.ends_with("Attr"))
        .map(|k| k.trim_end_matches("Attr").to_ascii_lowercase())
        .collect()
}

/// One location as clang's JSON dumper writes it, with the file and line
/// it leaves out when they equal the previous location's filled in.
#[derive(Debug, Clone, Default)]
struct L {
    file: String,
    line: u32,
    col: u32,
    offset: usize,
    tok_len: usize,
}

/// A JSON AST node with its locations resolved.
struct Node<'a> {
    json: &'a Value,
    loc: Option<L>,
    begin: Option<L>,
    end: Option<L>,
    inner: Vec<Node<'a>>,
}

impl Node<'_> {
    fn kind(&self) -> &str {
        self.json.get("kind").and_then(Value::as_str).unwrap_or("")
    }

    fn name(&self) -> Option<&str> {
        self.json.get("name").and_then(Value::as_str)
    }

    fn begin_in(&self, file: &str) -> bool {
        self.loc.as_ref().is_some_and(|l| l.file == file)
    }

    /// The value clang computed for the first constant expression at or
    /// under this node.
    fn constant(&self) -> Option<i128> {
        self.constant_expr()?
            .json
            .get("value")
            .and_then(Value::as_str)?
            .parse()
            .ok()
    }

    /// The type of the first `sizeof(type)` at or under this node.
    fn sizeof_arg(&self) -> Option<String> {
        if self.kind() == "UnaryExprOrTypeTraitExpr"
            && self.name() == Some("sizeof")
            && let Some(t) = self
                .json
                .pointer("/argType/qualType")
                .and_then(Value::as_str)
        {
            return Some(t.to_string());
        }
        self.inner.iter().find_map(Node::sizeof_arg)
    }

    /// The first constant expression with a value at or under this node.
    fn constant_expr(&self) -> Option<&Node<'_>> {
        if self.kind() == "ConstantExpr" && self.json.get("value").is_some() {
            return Some(self);
        }
        self.inner.iter().find_map(Node::constant_expr)
    }
}

/// Clang's JSON dumper omits a location's file and line when they equal
/// those of the location it printed last, so the dump is read in the
/// order it was written: a node's `loc`, its `range` begin and end, then
/// its children.
#[derive(Default)]
struct Tracker {
    file: String,
    line: u32,
}

impl Tracker {
    fn node<'a>(&mut self, v: &'a Value) -> Node<'a> {
        let loc = v.get("loc").and_then(|l| self.location(l));
        let begin = v.pointer("/range/begin").and_then(|l| self.location(l));
        let end = v.pointer("/range/end").and_then(|l| self.location(l));
        let inner = v
            .get("inner")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|c| self.node(c)).collect())
            .unwrap_or_default();
        Node {
            json: v,
            loc,
            begin,
            end,
            inner,
        }
    }

    /// A macro-expanded location has a spelling and an expansion part,
    /// written in that order; the expansion is where the declaration is.
    fn location(&mut self, l: &Value) -> Option<L> {
        if let Some(s) = l.get("spellingLoc") {
            self.location(s);
            return l.get("expansionLoc").and_then(|e| self.location(e));
        }
        if let Some(f) = l.get("file").and_then(Value::as_str) {
            self.file = f.to_string();
        }
        if let Some(n) = l.get("line").and_then(Value::as_u64) {
            self.line = n as u32;
        }
        let offset = l.get("offset").and_then(Value::as_u64)? as usize;
        Some(L {
            file: self.file.clone(),
            line: self.line,
            col: l.get("col").and_then(Value::as_u64).unwrap_or(0) as u32,
            offset,
            tok_len: l.get("tokLen").and_then(Value::as_u64).unwrap_or(0) as usize,
        })
    }
}
