//! The C view of a header: what the front end says it declares (records
//! with their fields, enums with their values, macros with their values,
//! anything else declared), each with its place in the header. No
//! mapping to the spec language happens here; [`super::map`] does that.

// libclang's constants (`CXCursor_StructDecl`) keep their C names in patterns.
#![allow(non_upper_case_globals)]

use super::error::ImportError;
use super::libclang::{self, Cursor, Place, Unit};
use clang_sys::*;
use std::collections::HashMap;
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

/// Reads `header` with the front end: one parse, in this process, of a
/// probe file that includes the header and then wraps each name the
/// header may `#define` in an enumerator, so that clang evaluates every
/// macro that is an integer constant expression (and reports, in the
/// probe, the ones that are not).
pub fn read(header: &Path, includes: &[PathBuf]) -> Result<CHeader, ImportError> {
    let io = |source| ImportError::Io {
        path: header.to_path_buf(),
        source,
    };
    let text = std::fs::read_to_string(header).map_err(io)?;
    let abs = std::fs::canonicalize(header).map_err(io)?;
    let abs_s = abs.display().to_string();
    let display = header.display().to_string();
    let names = defined_names(&text);
    let mut probe = format!("#include \"{abs_s}\"\n");
    for (i, name) in names.iter().enumerate() {
        probe += &format!("enum {PROBE}{i} {{ {PROBE}{i}_v = ({name}) }};\n");
    }
    // The probe is held in memory; its name only has to be one no
    // diagnostic of the header can carry.
    let main = std::env::temp_dir().join(format!("uabi-probe-{}.c", std::process::id()));
    let main = main.display().to_string();
    let mut args: Vec<String> = [
        "-x",
        "c",
        "-std=gnu11",
        "-ferror-limit=0",
        "-Wno-everything",
    ]
    .map(String::from)
    .to_vec();
    for i in includes {
        args.push(format!("-I{}", i.display()));
    }
    let unit = libclang::parse(&main, &probe, &args)?;
    let file = unit.file(&abs_s);
    let probe_file = unit.file(&main);
    // An error anywhere but in a probe enumerator (one per line after
    // the `#include`) means the header is not C: nothing in it can be
    // trusted.
    let errors: Vec<String> = unit
        .diagnostics()
        .into_iter()
        .filter(|d| d.severity >= CXDiagnostic_Error)
        .filter(|d| {
            !(probe_file.is_some_and(|p| libclang::same_file(d.place.file, p)) && d.place.line > 1)
        })
        .map(|d| d.text)
        .collect();
    let Some(file) = file.filter(|_| errors.is_empty()) else {
        return Err(ImportError::Compile {
            header: header.to_path_buf(),
            diagnostics: errors.join("\n").replace(&abs_s, &display),
        });
    };
    let lines: Vec<&str> = text.lines().collect();
    let ctx = Ctx {
        unit: &unit,
        file,
        display: &display,
        text: &text,
    };
    let mut h = CHeader {
        file_name: header
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        text: text.clone(),
        license: license(&text),
        records: Vec::new(),
        enums: Vec::new(),
        macros: Vec::new(),
        others: Vec::new(),
    };
    let mut probes: HashMap<&str, (i128, bool)> = HashMap::new();
    let mut defines: Vec<Cursor<'_>> = Vec::new();
    for c in unit.cursor().children() {
        match c.kind() {
            CXCursor_MacroDefinition => {
                if ctx.in_header(c.place()) {
                    defines.push(c);
                }
                continue;
            }
            CXCursor_MacroExpansion | CXCursor_InclusionDirective => continue,
            CXCursor_EnumDecl => {
                if let Some(i) = c
                    .spelling()
                    .strip_prefix(PROBE)
                    .and_then(|s| s.parse::<usize>().ok())
                {
                    if let (Some(name), Some(v)) = (names.get(i), probe_value(c)) {
                        probes.insert(name, v);
                    }
                    continue;
                }
            }
            _ => {}
        }
        if !ctx.in_header(c.place()) {
            continue;
        }
        match c.kind() {
            CXCursor_StructDecl | CXCursor_UnionDecl => {
                if c.is_definition() {
                    h.records.push(ctx.record(c));
                }
            }
            CXCursor_EnumDecl => h.enums.push(ctx.enumeration(c)),
            kind => h.others.push(COther {
                kind: decl_kind(kind, &c),
                name: c.spelling(),
                loc: ctx.loc(c.place()),
            }),
        }
    }
    for c in defines {
        let p = c.place();
        let name = c.spelling();
        let probe = probes.get(name.as_str());
        let tokens = unit.tokens(c);
        // A `(` right after the name, as C reads it (libclang's own
        // answer looks the name up at the end of the header, where an
        // `#undef` may have removed it).
        let function_like = matches!(tokens.get(..2), Some([n, open]) if open.spelling == "(" && open.start == n.end);
        h.macros.push(CMacro {
            doc: macro_doc(&lines, p.line as usize),
            loc: ctx.loc(p),
            function_like,
            body: macro_body(&tokens, function_like, &text),
            value: probe.map(|p| p.0),
            long: probe.is_some_and(|p| p.1),
            name,
        });
    }
    Ok(h)
}

/// The prefix of the probe enums and their enumerators.
const PROBE: &str = "__uabi_probe_";

/// Every name a `#define` line of `text` may define, once each, in
/// order. A superset is harmless: a name that is no macro of the header
/// (one in a comment or in a skipped `#if` branch) only gets a probe
/// that fails in the probe file, and the values are kept for the macros
/// clang's preprocessing record places in the header.
fn defined_names(text: &str) -> Vec<&str> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.trim_start().strip_prefix('#') else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix("define") else {
            continue;
        };
        if !rest.starts_with([' ', '\t']) {
            continue;
        }
        let rest = rest.trim_start();
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..end];
        if !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()) && seen.insert(name)
        {
            out.push(name);
        }
    }
    out
}

/// A probe's value and whether its expression is a `long` (whose width
/// differs between targets); None when clang found no integer constant
/// expression (the enumerator then has no initializer, or one in error).
fn probe_value(e: Cursor<'_>) -> Option<(i128, bool)> {
    let x = e
        .children()
        .into_iter()
        .find(|c| c.kind() == CXCursor_EnumConstantDecl)?;
    let init = x.children().into_iter().find(Cursor::is_expression)?;
    // C converts the value to the enumerator's type (an implicit cast
    // around it); the type of the macro's expression is that of the
    // probe's parentheses under it.
    let written = paren(init).unwrap_or(init);
    if !init.ty().is_integer() {
        return None;
    }
    Some((
        x.enum_value(e.enum_type().is_unsigned()),
        written.ty().is_long(),
    ))
}

/// The first parenthesized expression at or under `c`.
fn paren(c: Cursor<'_>) -> Option<Cursor<'_>> {
    if c.kind() == CXCursor_ParenExpr {
        return Some(c);
    }
    c.children().into_iter().find_map(paren)
}

/// The replacement list as the preprocessor prints it with `-dD`: the
/// tokens after the name (and after the parameters of a function-like
/// macro), one space where the source has whitespace or a comment
/// between two tokens (an escaped newline alone is none).
fn macro_body(tokens: &[libclang::Token], function_like: bool, text: &str) -> String {
    let mut rest = tokens.get(1..).unwrap_or_default();
    if function_like {
        let close = rest.iter().position(|t| t.spelling == ")");
        rest = close.and_then(|c| rest.get(c + 1..)).unwrap_or_default();
    }
    let mut body = String::new();
    let mut prev_end: Option<usize> = None;
    for t in rest {
        if let Some(e) = prev_end {
            let gap = text.get(e..t.start).unwrap_or(" ");
            if !gap.replace("\\\r\n", "").replace("\\\n", "").is_empty() {
                body.push(' ');
            }
        }
        body += &t.spelling;
        prev_end = Some(t.end);
    }
    body
}

/// What a `_Static_assert` is called among the constructs the spec does
/// not hold (`Unexpressible::what`), as clang's AST dump calls it.
pub const STATIC_ASSERT: &str = "StaticAssertDecl";

/// The name clang's AST dump gives a declaration of this kind
/// (`TypedefDecl`), which findings print.
fn decl_kind(kind: CXCursorKind, c: &Cursor<'_>) -> String {
    match kind {
        CXCursor_TypedefDecl => "TypedefDecl".into(),
        CXCursor_FunctionDecl => "FunctionDecl".into(),
        CXCursor_VarDecl => "VarDecl".into(),
        CXCursor_StaticAssert => STATIC_ASSERT.into(),
        _ => c.kind_spelling().replace(' ', ""),
    }
}

struct Ctx<'a> {
    unit: &'a Unit,
    file: CXFile,
    display: &'a str,
    text: &'a str,
}

impl<'a> Ctx<'a> {
    fn in_header(&self, p: Place) -> bool {
        libclang::same_file(p.file, self.file)
    }

    fn loc(&self, p: Place) -> Loc {
        Loc {
            file: if self.in_header(p) {
                self.display.to_string()
            } else {
                libclang::file_name(p.file)
            },
            line: p.line,
            col: p.col,
        }
    }

    fn record(&self, n: Cursor<'_>) -> CRecord {
        let mut fields = Vec::new();
        // A record defined inside this one, until the field of its type.
        let mut pending: Option<CRecord> = None;
        for c in n.children() {
            match c.kind() {
                CXCursor_StructDecl | CXCursor_UnionDecl => {
                    let r = self.record(c);
                    if c.is_anonymous_record() {
                        // `union { ... };`: C declares an unnamed member
                        // of its type, which libclang does not visit; its
                        // text is the keyword, as clang ranges it.
                        let (b, _) = c.extent();
                        let text = self.text.get(b.offset..).unwrap_or("");
                        let end = text
                            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                            .unwrap_or(text.len());
                        fields.push(CField {
                            name: String::new(),
                            ty: c.ty().spelling(),
                            loc: self.loc(c.place()),
                            doc: None,
                            bitfield: false,
                            text: if self.in_header(b) {
                                text[..end].to_string()
                            } else {
                                String::new()
                            },
                            attrs: Vec::new(),
                            nested_record: true,
                            inline: Some(Box::new(r)),
                        });
                    } else {
                        pending = Some(r);
                    }
                }
                CXCursor_FieldDecl => {
                    let mut f = self.field(c);
                    if f.nested_record {
                        f.inline = pending.take().map(Box::new);
                    }
                    fields.push(f);
                }
                _ => {}
            }
        }
        let tag = n.spelling();
        CRecord {
            tag: (!tag.is_empty() && !tag.contains('(')).then_some(tag),
            is_union: n.kind() == CXCursor_UnionDecl,
            loc: self.loc(n.place()),
            doc: n.raw_comment(),
            fields,
            attrs: self.attrs(n),
        }
    }

    fn field(&self, n: Cursor<'_>) -> CField {
        let ty = n.ty().spelling();
        let (b, e) = n.extent();
        let text = if self.in_header(b) && self.in_header(e) {
            self.text.get(b.offset..e.offset).unwrap_or("").to_string()
        } else {
            String::new()
        };
        CField {
            name: n.spelling(),
            nested_record: ty.contains("(unnamed") || ty.contains("(anonymous"),
            ty,
            loc: self.loc(n.place()),
            doc: n.raw_comment(),
            bitfield: n.is_bit_field(),
            text,
            attrs: self.attrs(n),
            inline: None,
        }
    }

    fn enumeration(&self, n: Cursor<'_>) -> CEnum {
        let unsigned = n.enum_type().is_unsigned();
        let entries = n
            .children()
            .into_iter()
            .filter(|c| c.kind() == CXCursor_EnumConstantDecl)
            .map(|c| CEnumerator {
                sizeof_arg: sizeof_arg(c),
                name: c.spelling(),
                value: c.enum_value(unsigned),
                loc: self.loc(c.place()),
                doc: c.raw_comment(),
            })
            .collect();
        let tag = n.spelling();
        CEnum {
            tag: (!tag.is_empty() && !tag.contains('(')).then_some(tag),
            loc: self.loc(n.place()),
            doc: n.raw_comment(),
            entries,
        }
    }

    /// The attributes written on a declaration (`packed`, `aligned`), and
    /// the implicit ones that change a layout (`#pragma pack`'s).
    fn attrs(&self, n: Cursor<'_>) -> Vec<String> {
        n.children()
            .into_iter()
            .filter(Cursor::is_attribute)
            .map(|a| {
                let k = a.kind_spelling();
                if let Some(name) = k
                    .strip_prefix("attribute(")
                    .and_then(|k| k.strip_suffix(')'))
                {
                    return name.to_string();
                }
                // An attribute libclang does not name: its first word as
                // written (`__deprecated__` is `deprecated`).
                self.unit
                    .tokens(a)
                    .into_iter()
                    .map(|t| t.spelling.trim_matches('_').to_string())
                    .find(|t| !t.is_empty() && t != "attribute")
                    .unwrap_or_else(|| "pragma pack".to_string())
            })
            .collect()
    }
}

/// The type of the first `sizeof(type)` in an enumerator's value.
fn sizeof_arg(c: Cursor<'_>) -> Option<String> {
    for k in c.children() {
        if k.kind() == CXCursor_UnaryExpr
            && let Some(t) = k
                .children()
                .into_iter()
                .find(|t| t.kind() == CXCursor_TypeRef)
        {
            return Some(t.ty().spelling());
        }
        if let Some(t) = sizeof_arg(k) {
            return Some(t);
        }
    }
    None
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
