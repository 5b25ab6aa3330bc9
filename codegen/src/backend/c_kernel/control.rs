//! The control messages (`operations`) of the generated C kernel side:
//! what `uabi_runtime::nla` and the Rust kernel crate's `operations`
//! module and transport handler do, in kernel C.
//!
//! The header part declares the message constants, the reply builder
//! (`struct <p>_reply` and one `<p>_reply_put_<set>_<attr>` helper per
//! attribute), one typed request struct per operation
//! (`struct <p>_<op>_req`), the callbacks (`struct <p>_control_ops`) and
//! the transport ioctl's handler `<p>_control()`. The source part holds
//! the parser, the policy tables (only those a request can reach, so
//! that W=1's unused-const check stays quiet) and the handler.
//!
//! Every errno, error offset and error attribute is the Rust side's:
//! `codegen/tests/c_kernel_control.rs` runs one table of messages, and
//! mutated ones, through both.

use crate::backend::shared::PushFmt;
use std::borrow::Cow;
use std::collections::BTreeSet;

use crate::backend::c::{
    attr_macro, attr_macro_with, attr_set_prefix, member_ident, op_macro, struct_ident,
};
use crate::model::{
    Attr, AttrSet, AttrSetId, AttrType, ByteOrder, EnumKind, Ioctl, Model, Operation, Scalar,
    StructId,
};
use crate::names::{snake, upper};

/// The members of the transport's argument the handler uses.
const TRANSPORT_MEMBERS: &[&str] = &[
    "request",
    "reply",
    "request-len",
    "reply-cap",
    "reply-len",
    "error-offset",
    "error-attr",
];

/// The operations that have a `do` (the only mode generated), as the
/// Rust kernel crate has them.
fn ops(m: &Model) -> Vec<&Operation> {
    m.operations
        .as_ref()
        .map(|o| o.list.iter().filter(|op| op.do_.is_some()).collect())
        .unwrap_or_default()
}

/// The transport ioctl, when the spec names one whose argument has the
/// members the wire contract needs and there are operations to carry.
fn transport(m: &Model) -> Option<&Ioctl> {
    let name = m.operations.as_ref()?.transport.as_ref()?;
    let io = m.ioctls.iter().find(|io| &io.name == name)?;
    let s = m.struct_(io.arg.as_ref()?);
    let complete = TRANSPORT_MEMBERS.iter().all(|n| s.member(n).is_some());
    (complete && !ops(m).is_empty()).then_some(io)
}

/// Does the spec get a control part: `struct <p>_control_ops`, the
/// request structs, the reply builder and the definition of
/// `<p>_control()`? When it does, `struct <p>_ops` has a member
/// `const struct <p>_control_ops *control;` and the dispatcher's header
/// declares `int <p>_control(const struct <p>_ops *ops, struct file *file,
/// struct <transport arg> *arg);` (see [`CONTROL_DOC`]).
pub(super) fn has_control(m: &Model) -> bool {
    transport(m).is_some()
}

/// What an attribute's payload is (None: no codec, as in Rust).
#[derive(Clone)]
enum Kind {
    Int(Scalar),
    Flag,
    Str,
    Bin(Option<StructId>),
    Nest(AttrSetId),
}

fn kind(a: &Attr) -> Option<Kind> {
    Some(match a.ty {
        AttrType::Int(s) => Kind::Int(s),
        AttrType::Flag => Kind::Flag,
        AttrType::String => Kind::Str,
        AttrType::Binary => Kind::Bin(a.struct_.clone()),
        AttrType::Nest => Kind::Nest(a.nested_attributes.clone()?),
        AttrType::Unused
        | AttrType::Pad
        | AttrType::Uint
        | AttrType::Sint
        | AttrType::NestTypeValue
        | AttrType::IndexedArray
        | AttrType::ArrayNest
        | AttrType::Bitfield32
        | AttrType::SubMessage => return None,
    })
}

/// The set of an operation and the attributes of its request or reply
/// list that the set has and that have a codec.
fn op_attrs<'m>(m: &'m Model, op: &Operation, reply: bool) -> Option<(&'m AttrSet, Vec<&'m Attr>)> {
    let set = m.attr_set(op.attribute_set.as_ref()?);
    let mode = op.do_.as_ref()?;
    let list = if reply { &mode.reply } else { &mode.request };
    let names = list.as_deref().unwrap_or_default();
    let attrs = set
        .attributes
        .iter()
        .filter(|a| names.contains(&a.name) && kind(a).is_some())
        .collect();
    Some((set, attrs))
}

/// The operations the handler dispatches: those with a request list.
fn handled_ops(m: &Model) -> Vec<(&Operation, &AttrSet, Vec<&Attr>)> {
    ops(m)
        .into_iter()
        .filter_map(|op| {
            let (set, req) = op_attrs(m, op, false)?;
            op_attrs(m, op, true)?;
            Some((op, set, req))
        })
        .collect()
}

/// The kernel headers the header part needs (before it).
pub(super) const HEADER_INCLUDES: &[&str] = &["linux/types.h", "linux/limits.h", "asm/byteorder.h"];

/// The kernel headers the source part needs (before it).
pub(super) const SOURCE_INCLUDES: &[&str] = &[
    "linux/bitops.h",
    "linux/capability.h",
    "linux/errno.h",
    "linux/limits.h",
    "linux/minmax.h",
    "linux/mm.h",
    "linux/slab.h",
    "linux/string.h",
    "linux/uaccess.h",
    "linux/unaligned.h",
];

/// The `#include` lines of what a part uses, at its start, so that it
/// compiles whatever the file around it includes (kernel headers are
/// include-guarded; the dispatcher's may include them again).
pub(super) fn includes(list: &[&str]) -> String {
    let mut v: Vec<&str> = list.to_vec();
    v.sort_by_key(|i| (i.starts_with("asm/"), *i));
    v.dedup();
    let mut out: String = v.iter().map(|i| format!("#include <{i}>\n")).collect();
    out.push('\n');
    out
}

/// The names of one spec's C kernel side.
struct Names {
    /// `softaccel`
    p: String,
    /// `SOFTACCEL`
    up: String,
}

impl Names {
    fn new(m: &Model) -> Names {
        Names {
            p: snake(&m.c_prefix),
            up: upper(&m.c_prefix),
        }
    }

    /// The engine's text with `@p@` and `@P@` replaced.
    fn t(&self, text: &str) -> String {
        text.replace("@p@", &self.p).replace("@P@", &self.up)
    }
}

fn c_scalar(s: Scalar) -> &'static str {
    s.name()
}

/// `SOFTACCEL_CTL_U32`, ...
fn type_const(n: &Names, k: &Kind) -> String {
    let t = match k {
        Kind::Int(s) => upper(s.name()),
        Kind::Flag => "FLAG".to_string(),
        Kind::Str => "STRING".to_string(),
        Kind::Bin(_) => "BINARY".to_string(),
        Kind::Nest(_) => "NEST".to_string(),
    };
    format!("{}_CTL_{t}", n.up)
}

fn req_struct(n: &Names, op: &Operation) -> String {
    format!("struct {}_{}_req", n.p, snake(&op.name))
}

fn set_policy(n: &Names, set: &AttrSet) -> String {
    format!("{}_ctl_{}_attrs", n.p, snake(&set.name))
}

fn req_policy(n: &Names, op: &Operation) -> String {
    format!("{}_ctl_{}_request", n.p, snake(&op.name))
}

fn check_fn(n: &Names, m: &Model, s: &StructId) -> String {
    format!("{}_ctl_check_{}", n.p, snake(&m.struct_(s).name))
}

fn enum_values_name(n: &Names, m: &Model, a: &Attr) -> Option<String> {
    let c = a.enum_.as_ref()?;
    if c.as_flags {
        return None;
    }
    let e = m.enum_(&c.enum_id);
    Some(format!(
        "{}_ctl_{}_{}_values",
        n.p,
        snake(&m.owner(&c.enum_id).name),
        snake(&e.name)
    ))
}

/// `/* text */` or a block comment, wrapped to 80 columns at `indent`
/// tabs.
pub(super) fn comment(indent: usize, text: &str) -> String {
    let tabs = "\t".repeat(indent);
    let width = 80 - indent * 8 - 3;
    // A spec's doc text must not end the comment or open another; most
    // text holds neither, and is wrapped as it is.
    let text = if text.contains("*/") || text.contains("/*") {
        Cow::Owned(text.replace("*/", "* /").replace("/*", "/ *"))
    } else {
        Cow::Borrowed(text)
    };
    let lines = crate::backend::shared::wrap(&text, width);
    if let [line] = lines.as_slice()
        && line.len() + indent * 8 + 6 <= 80
    {
        return [tabs.as_str(), "/* ", line, " */\n"].concat();
    }
    let mut out = String::with_capacity(
        lines.iter().map(|l| l.len() + indent + 4).sum::<usize>() + 2 * indent + 8,
    );
    for piece in [tabs.as_str(), "/*\n"] {
        out.push_str(piece);
    }
    for l in lines {
        out.push_str(&tabs);
        if l.is_empty() {
            out.push_str(" *\n");
        } else {
            for piece in [" * ", l.as_str(), "\n"] {
                out.push_str(piece);
            }
        }
    }
    for piece in [tabs.as_str(), " */\n"] {
        out.push_str(piece);
    }
    out
}

/// The attribute sets a request can reach: those nested (transitively)
/// in the attributes of a handled operation's request.
fn reachable_sets(m: &Model) -> Vec<AttrSetId> {
    let mut out: Vec<AttrSetId> = Vec::new();
    let mut todo: Vec<AttrSetId> = Vec::new();
    for (_, _, req) in handled_ops(m) {
        for a in req {
            if let Some(Kind::Nest(id)) = kind(a) {
                todo.push(id);
            }
        }
    }
    while let Some(id) = todo.pop() {
        if out.contains(&id) {
            continue;
        }
        for a in &m.attr_set(&id).attributes {
            if let Some(Kind::Nest(inner)) = kind(a) {
                todo.push(inner);
            }
        }
        out.push(id);
    }
    // Definition order, for stable output.
    out.sort_by_key(|id| (id.spec().to_string(), id.index()));
    out
}

/// Every attribute that a policy of the source part lists.
fn policy_attrs(m: &Model) -> Vec<&Attr> {
    let mut out: Vec<&Attr> = Vec::new();
    for id in reachable_sets(m) {
        out.extend(
            m.attr_set(&id)
                .attributes
                .iter()
                .filter(|a| kind(a).is_some()),
        );
    }
    for (_, _, req) in handled_ops(m) {
        out.extend(req);
    }
    out
}

/// The structs that binary attributes of the policies carry.
fn carried_structs(m: &Model) -> Vec<StructId> {
    let mut out: Vec<StructId> = Vec::new();
    for a in policy_attrs(m) {
        if let Some(Kind::Bin(Some(s))) = kind(a)
            && !out.contains(&s)
        {
            out.push(s);
        }
    }
    out
}

fn needs_privileged(m: &Model) -> bool {
    handled_ops(m).iter().any(|(op, _, _)| op.admin_perm)
}

/// The path from `struct <p>_ops` to the table that has `privileged`:
/// the root spec's (the first spec without includes, following the
/// first include), as the Rust dispatch asks the root spec's `Ops`.
fn root_path(m: &Model) -> (String, String) {
    let mut path = String::from("ops");
    let mut cur = m;
    let mut tag = format!("struct {}_ops", snake(&m.c_prefix));
    while let Some(inc) = cur.includes.first() {
        path.push_fmt(format_args!("->{}", snake(&inc.c_prefix)));
        tag = format!("struct {}_ops", snake(&inc.c_prefix));
        cur = inc;
    }
    (path, tag)
}

// ---------------------------------------------------------------- header

/// What the dispatcher's header says of `<p>_control()` (`{}`: the
/// transport ioctl's name), for the header that declares it.
pub(super) const CONTROL_DOC: &str = "The handler of {}: reads the request (at most 64 KiB), \
     checks its header (EINVAL), looks the operation up (EOPNOTSUPP when unknown, newer \
     than the driver's revision or without a callback), checks admin-perm (EPERM), \
     validates the attributes against the operation's policy (EINVAL, ERANGE), calls the \
     callback with the typed request and a reply builder, and writes the reply (EMSGSIZE \
     with reply-len the size it needs when it does not fit reply-cap). On failure \
     error-offset and error-attr say where validation failed. The dispatcher calls it \
     after copying in, clearing and validating the argument, and copies the argument back \
     on success and on failure alike. Returns 0 or a negative errno.";

const HEADER_ENGINE: &str = r#"/*
 * Control messages of the @p@ spec, kernel side. A message is an 8-byte
 * header (u16 op, u16 flags, u32 reserved) and attributes, each a u16
 * length (header included, unpadded), a u16 type and the payload padded with
 * zeros to a multiple of 4, in the host's byte order unless the attribute
 * says otherwise. Type bit 15 marks a nest, bit 14 an attribute a receiver
 * that does not know it may skip.
 */
#define @P@_CTL_MSG_HDRLEN 8
#define @P@_CTL_NLA_HDRLEN 4
#define @P@_CTL_NLA_ALIGNTO 4
#define @P@_CTL_NLA_F_NESTED 0x8000
#define @P@_CTL_NLA_F_OPTIONAL 0x4000
#define @P@_CTL_NLA_TYPE_MASK 0x3fff
/* Deepest nesting accepted; the message's own attributes are level 1. */
#define @P@_CTL_MAX_DEPTH 8
/* Largest request or reply the transport carries. */
#define @P@_CTL_MAX_MSG 65536

struct file;
struct @p@_ops;

/*
 * The reply of an operation, built in a kernel buffer of the caller's
 * reply-cap bytes. Nothing is written past the buffer: once something does
 * not fit, the builder only counts, and the caller gets EMSGSIZE with the
 * size the reply needs.
 */
struct @p@_reply {
	u8 *buf;
	size_t cap;
	/* Bytes the reply needs so far (written ones while it fits). */
	size_t len;
	/* An attribute was too long for its u16 length. */
	bool too_long;
};

/* One attribute of type @type (flag bits included) with @len bytes. */
void @p@_reply_put(struct @p@_reply *r, u16 type, const void *payload,
		   size_t len);
/*
 * A string attribute: @s up to its NUL and at most @max_len bytes of it
 * (SIZE_MAX: no limit), then a NUL.
 */
void @p@_reply_put_str(struct @p@_reply *r, u16 type, const char *s,
		       size_t max_len);
/* Opens a nest of type @type; returns what @p@_reply_nest_end() takes. */
size_t @p@_reply_nest_start(struct @p@_reply *r, u16 type);
/* Closes a nest: its length covers everything written since its start. */
void @p@_reply_nest_end(struct @p@_reply *r, size_t nest);

/*
 * Walks attributes that passed validation (a request struct's attrs, or a
 * nest's payload): true with the next attribute's type (without flag bits)
 * and payload, advancing *pos (start at 0); false at the end.
 */
bool @p@_ctl_attr_next(const void *attrs, u32 len, u32 *pos, u16 *type,
		       const void **payload, u32 *payload_len);
"#;

/// The header part: constants, the reply builder and its per-attribute
/// helpers, the request structs and `struct <p>_control_ops` (the
/// dispatcher's header declares `<p>_control()`). Empty for a spec
/// without a control transport.
pub(super) fn render_header(model: &Model) -> String {
    if !has_control(model) {
        return String::new();
    }
    let n = Names::new(model);
    let mut out = format!("/* {} control messages: begin */\n\n", n.p);
    out.push_str(&includes(HEADER_INCLUDES));
    out.push_str(&n.t(HEADER_ENGINE));
    for set in &model.attribute_sets {
        out.push('\n');
        out.push_str(&comment(
            0,
            &format!("Reply helpers of the attribute set {}.", set.name),
        ));
        out.pop();
        let set_prefix = attr_set_prefix(model, set);
        for a in &set.attributes {
            if let Some(k) = kind(a) {
                out.push('\n');
                out.push_str(&put_helper(model, &n, (set, &set_prefix), a, &k));
            }
        }
    }
    for (op, set, req) in handled_ops(model) {
        out.push('\n');
        out.push_str(&request_struct(model, &n, op, set, &req));
    }
    out.push('\n');
    out.push_str(&control_ops(model, &n));
    out.push_fmt(format_args!("\n/* {} control messages: end */\n", n.p));
    kernel_layout(&out)
}

/// `head` + `args` joined by ", " + `tail`, wrapped at 80 columns with
/// continuation lines aligned to the open parenthesis (kernel style);
/// `indent` tabs before the first line.
pub(super) fn wrap_call(indent: usize, head: &str, args: &[String], tail: &str) -> String {
    let col = indent * 8 + head.len();
    let args_len: usize = args.iter().map(|a| a.len() + 2).sum();
    let mut out = String::with_capacity(col + args_len + tail.len() + 16);
    for _ in 0..indent {
        out.push('\t');
    }
    out.push_str(head);
    let mut width = col;
    for (i, a) in args.iter().enumerate() {
        // Each argument is written with what follows it: its comma, or
        // the tail after the last.
        let end = if i + 1 == args.len() { tail } else { "," };
        let piece = a.len() + end.len();
        if i > 0 {
            if width + 1 + piece > 80 {
                out.push('\n');
                for _ in 0..col / 8 {
                    out.push('\t');
                }
                for _ in 0..col % 8 {
                    out.push(' ');
                }
                width = col;
            } else {
                out.push(' ');
                width += 1;
            }
        }
        out.push_str(a);
        out.push_str(end);
        width += piece;
    }
    if args.is_empty() {
        out.push_str(tail);
    }
    out.push('\n');
    out
}

/// The C type of an integer attribute's value.
fn int_type(s: Scalar) -> &'static str {
    c_scalar(s)
}

/// `__be32`, `__le16`, ... for an integer of a byte order; None for the
/// host's order or a single byte.
fn order_type(s: Scalar, order: Option<ByteOrder>) -> Option<String> {
    let bits = s.size() * 8;
    if bits == 8 {
        return None;
    }
    match order? {
        ByteOrder::Big => Some(format!("__be{bits}")),
        ByteOrder::Little => Some(format!("__le{bits}")),
    }
}

/// One `static inline` reply helper of an attribute.
/// `set` comes with its [`attr_set_prefix`], made once for its attributes.
fn put_helper(
    model: &Model,
    n: &Names,
    (set, set_prefix): (&AttrSet, &str),
    a: &Attr,
    k: &Kind,
) -> String {
    let p = &n.p;
    let name = format!("{p}_reply_put_{}_{}", snake(&set.name), snake(&a.name));
    let ty = attr_macro_with(set_prefix, a);
    let r = format!("struct {p}_reply *r");
    let doc = a.doc.as_deref().map(|d| comment(0, d)).unwrap_or_default();
    match k {
        Kind::Int(s) => {
            let head = format!("static inline void {name}(");
            let sig = wrap_call(0, &head, &[r, format!("{} v", int_type(*s))], ")");
            let body = match order_type(*s, a.byte_order) {
                Some(t) => {
                    let bits = s.size() * 8;
                    let conv = match a.byte_order {
                        Some(ByteOrder::Big) => "be",
                        _ => "le",
                    };
                    let cast = if s.signed() {
                        format!("(u{bits})v")
                    } else {
                        "v".to_string()
                    };
                    format!(
                        "\t{t} b = cpu_to_{conv}{bits}({cast});\n\n\t{p}_reply_put(r, {ty}, &b, sizeof(b));\n"
                    )
                }
                None => format!("\t{p}_reply_put(r, {ty}, &v, sizeof(v));\n"),
            };
            format!("{doc}{sig}{{\n{body}}}\n")
        }
        Kind::Flag => {
            let sig = wrap_call(0, &format!("static inline void {name}("), &[r], ")");
            format!("{doc}{sig}{{\n\t{p}_reply_put(r, {ty}, NULL, 0);\n}}\n")
        }
        Kind::Str => {
            let max = a.max_len.map_or("SIZE_MAX".to_string(), |m| m.to_string());
            let sig = wrap_call(
                0,
                &format!("static inline void {name}("),
                &[r, "const char *v".to_string()],
                ")",
            );
            let call = wrap_call(
                1,
                &format!("{p}_reply_put_str("),
                &["r".to_string(), ty, "v".to_string(), max],
                ");",
            );
            format!("{doc}{sig}{{\n{call}}}\n")
        }
        Kind::Bin(Some(s)) => {
            let st = model.struct_(s);
            let tag = format!("struct {}", struct_ident(model.owner(s), st));
            let sig = wrap_call(
                0,
                &format!("static inline void {name}("),
                &[r, format!("const {tag} *v")],
                ")",
            );
            format!("{doc}{sig}{{\n\t{p}_reply_put(r, {ty}, v, sizeof(*v));\n}}\n")
        }
        Kind::Bin(None) => {
            let sig = wrap_call(
                0,
                &format!("static inline void {name}("),
                &[r, "const void *v".to_string(), "size_t len".to_string()],
                ")",
            );
            format!("{doc}{sig}{{\n\t{p}_reply_put(r, {ty}, v, len);\n}}\n")
        }
        Kind::Nest(_) => {
            let start = format!("{p}_reply_start_{}_{}", snake(&set.name), snake(&a.name));
            let sig = wrap_call(0, &format!("static inline size_t {start}("), &[r], ")");
            let doc = comment(
                0,
                format!(
                    "{} Opens the nest; close it with {p}_reply_nest_end().",
                    a.doc.as_deref().unwrap_or_default()
                )
                .trim(),
            );
            format!("{doc}{sig}{{\n\treturn {p}_reply_nest_start(r, {ty});\n}}\n")
        }
    }
}

/// The typed request of one operation: what the Rust request view's
/// accessors return, read once after validation.
fn request_struct(
    model: &Model,
    n: &Names,
    op: &Operation,
    set: &AttrSet,
    req: &[&Attr],
) -> String {
    let _ = set;
    let mut out = comment(
        0,
        &format!(
            "The request of {} ({}), validated: each member is set only when the \
             attribute came and the driver's revision knows it. attrs are the \
             request's attributes as they came (valid while the callback runs).",
            op.name,
            op_macro(model, &op.name)
        ),
    );
    out.push_fmt(format_args!("{} {{\n", req_struct(n, op)));
    out.push_str("\tu32 rev;\n\tconst void *attrs;\n\tu32 attrs_len;\n");
    for a in req {
        let Some(k) = kind(a) else { continue };
        let f = member_ident(&a.name);
        if a.multi_attr {
            out.push_fmt(format_args!(
                "\t/* How many {} attributes came. */\n\tu32 n_{f};\n",
                a.name
            ));
            continue;
        }
        match k {
            Kind::Int(s) => {
                out.push_fmt(format_args!("\tbool has_{f};\n\t{} {f};\n", int_type(s)));
            }
            Kind::Flag => out.push_fmt(format_args!("\tbool {f};\n")),
            Kind::Str => out.push_fmt(format_args!(
                "\t/* NUL-terminated; NULL when absent. */\n\tconst char *{f};\n\tu32 {f}_len;\n"
            )),
            Kind::Bin(Some(s)) => {
                let tag = struct_ident(model.owner(&s), model.struct_(&s));
                out.push_fmt(format_args!(
                    "\t/* A copy, validated. */\n\tbool has_{f};\n\tstruct {tag} {f};\n"
                ));
            }
            Kind::Bin(None) | Kind::Nest(_) => out.push_fmt(format_args!(
                "\t/* The payload; NULL when absent. */\n\tconst void *{f};\n\tu32 {f}_len;\n"
            )),
        }
    }
    out.push_str("};\n");
    out
}

/// `struct <p>_control_ops`: one callback per operation.
fn control_ops(model: &Model, n: &Names) -> String {
    let p = &n.p;
    let mut out = comment(
        0,
        &format!(
            "The callbacks of the control operations, the member control of struct \
             {p}_ops. Each gets the validated request and a reply builder whose header \
             is written; it returns 0 (the reply is sent) or a negative errno (no reply \
             is). A NULL callback is an operation the driver does not have (EOPNOTSUPP)."
        ),
    );
    out.push_fmt(format_args!("struct {p}_control_ops {{\n"));
    out.push_str(&comment(
        1,
        "Optional: called when a control message fails (validation, permission, the \
         callback, or a reply that does not fit), with the operation of its header (0 \
         when it had none), the negative errno and where validation failed; for \
         accounting.",
    ));
    out.push_str(&wrap_call(
        1,
        "void (*operation_failed)(",
        &[
            "struct file *file".to_string(),
            "u16 op".to_string(),
            "int err".to_string(),
            "u32 offset".to_string(),
            "u16 attr".to_string(),
        ],
        ");",
    ));
    for (op, _, _) in handled_ops(model) {
        let mut d = op
            .doc
            .clone()
            .unwrap_or_else(|| format!("Operation {}.", op.name));
        d.push_fmt(format_args!(
            " {}, since revision {}{}.",
            op_macro(model, &op.name),
            op.since,
            if op.admin_perm {
                "; admin-perm: called only for a privileged caller"
            } else {
                ""
            }
        ));
        out.push_str(&comment(1, &d));
        out.push_str(&wrap_call(
            1,
            &format!("int (*op_{})(", snake(&op.name)),
            &[
                "struct file *file".to_string(),
                format!("const {} *req", req_struct(n, op)),
                format!("struct {p}_reply *reply"),
            ],
            ");",
        ));
    }
    out.push_str("};\n");
    out
}

// ---------------------------------------------------------------- source

const SOURCE_ENGINE: &str = r#"/*
 * Control messages of the @p@ spec: the parser, the policies and the
 * handler of the transport, as the Rust kernel crate's operations module
 * and uabi_runtime::nla have them (same errnos, error offsets and error
 * attributes). Nothing here reads outside the kernel copy of the request
 * or writes outside the reply buffer, and recursion is bounded by
 * @P@_CTL_MAX_DEPTH.
 */

/*
 * Where validation failed: the errno, the byte offset of the failing
 * attribute's header from the message start (0 for the message) and its
 * type (0 for the message).
 */
struct @p@_ctl_error {
	int err;
	u32 offset;
	u16 attr;
};

/* One attribute as the parser found it. */
struct @p@_ctl_attr {
	const u8 *payload;
	u32 len;
	/* Of the attribute's header, from the start of the message. */
	size_t offset;
	/* Without the flag bits. */
	u16 type;
	bool nested;
	bool optional;
};

enum @p@_ctl_type {
	@P@_CTL_U8,
	@P@_CTL_U16,
	@P@_CTL_U32,
	@P@_CTL_U64,
	@P@_CTL_S8,
	@P@_CTL_S16,
	@P@_CTL_S32,
	@P@_CTL_S64,
	@P@_CTL_FLAG,
	@P@_CTL_STRING,
	@P@_CTL_BINARY,
	@P@_CTL_NEST,
};

enum @p@_ctl_order {
	@P@_CTL_NATIVE,
	@P@_CTL_BIG,
	@P@_CTL_LITTLE,
};

/* Which values of an integer attribute are known. */
enum @p@_ctl_values {
	@P@_CTL_ANY,
	@P@_CTL_ENUM,
	@P@_CTL_MASK,
};

struct @p@_ctl_policy;

/* How one attribute is checked. */
struct @p@_ctl_attr_policy {
	u16 value;
	u8 type;
	u8 order;
	/* The revision that added it: an older driver treats it as unknown. */
	u32 since;
	bool multi;
	bool has_range;
	bool has_min_len;
	bool has_max_len;
	bool has_exact_len;
	u8 values;
	/* Inclusive bounds (ERANGE outside), as s64 for a signed type. */
	u64 min;
	u64 max;
	const u64 *enum_values;
	u32 n_enum_values;
	u64 mask;
	/* Payload bounds (binary), or bytes before the NUL (string). */
	u32 min_len;
	u32 max_len;
	u32 exact_len;
	const struct @p@_ctl_policy *nested;
	/* Validates the struct a binary attribute carries. */
	int (*check)(const u8 *payload, u32 len, u32 rev);
};

/* The attributes a request or a nest may hold. */
struct @p@_ctl_policy {
	const struct @p@_ctl_attr_policy *attrs;
	u32 n_attrs;
};

static int @p@_ctl_fail(struct @p@_ctl_error *e, int err, size_t offset,
			u16 attr)
{
	e->err = err;
	e->offset = min_t(size_t, offset, U32_MAX);
	e->attr = attr;
	return err;
}

/*
 * The attribute of @buf (@len bytes, @base bytes into the message) at
 * *@pos: 1 with *@a filled and *@pos past it, 0 at the end, or -EINVAL
 * with *@e filled for a truncated attribute (and *@pos at the end).
 */
static int @p@_ctl_next(const u8 *buf, size_t len, size_t base, size_t *pos,
			struct @p@_ctl_attr *a, struct @p@_ctl_error *e)
{
	size_t rest, offset, nla_len;
	u16 raw;

	if (*pos >= len)
		return 0;
	rest = len - *pos;
	offset = base + *pos;
	if (rest < @P@_CTL_NLA_HDRLEN) {
		*pos = len;
		return @p@_ctl_fail(e, -EINVAL, offset, 0);
	}
	nla_len = get_unaligned((const u16 *)(buf + *pos));
	raw = get_unaligned((const u16 *)(buf + *pos + 2));
	if (nla_len < @P@_CTL_NLA_HDRLEN || nla_len > rest) {
		*pos = len;
		return @p@_ctl_fail(e, -EINVAL, offset,
				    raw & @P@_CTL_NLA_TYPE_MASK);
	}
	a->payload = buf + *pos + @P@_CTL_NLA_HDRLEN;
	a->len = nla_len - @P@_CTL_NLA_HDRLEN;
	a->offset = offset;
	a->type = raw & @P@_CTL_NLA_TYPE_MASK;
	a->nested = raw & @P@_CTL_NLA_F_NESTED;
	a->optional = raw & @P@_CTL_NLA_F_OPTIONAL;
	/* The last attribute may lack its padding, as netlink allows. */
	*pos = min(*pos + ALIGN(nla_len, @P@_CTL_NLA_ALIGNTO), len);
	return 1;
}

/*
 * The payload of the first attribute of type @type in @buf (stopping at
 * the first malformed one), or NULL.
 */
static const u8 *@p@_ctl_find(const u8 *buf, size_t len, u16 type,
			      u32 *payload_len)
{
	struct @p@_ctl_error e;
	struct @p@_ctl_attr a;
	size_t pos = 0;

	while (@p@_ctl_next(buf, len, 0, &pos, &a, &e) > 0) {
		if (a.type == type) {
			*payload_len = a.len;
			return a.payload;
		}
	}
	return NULL;
}

bool @p@_ctl_attr_next(const void *attrs, u32 len, u32 *pos, u16 *type,
		       const void **payload, u32 *payload_len)
{
	struct @p@_ctl_error e;
	struct @p@_ctl_attr a;
	size_t at = *pos;

	if (@p@_ctl_next(attrs, len, 0, &at, &a, &e) <= 0)
		return false;
	*pos = at;
	*type = a.type;
	*payload = a.payload;
	*payload_len = a.len;
	return true;
}

static unsigned int @p@_ctl_int_size(u8 type)
{
	switch (type) {
	case @P@_CTL_U8:
	case @P@_CTL_S8:
		return 1;
	case @P@_CTL_U16:
	case @P@_CTL_S16:
		return 2;
	case @P@_CTL_U32:
	case @P@_CTL_S32:
		return 4;
	default:
		return 8;
	}
}

/* The bits of an integer payload of @size bytes, in the host's order. */
static u64 @p@_ctl_bits(const u8 *p, unsigned int size, u8 order)
{
	switch (size) {
	case 1:
		return p[0];
	case 2:
		if (order == @P@_CTL_BIG)
			return get_unaligned_be16(p);
		if (order == @P@_CTL_LITTLE)
			return get_unaligned_le16(p);
		return get_unaligned((const u16 *)p);
	case 4:
		if (order == @P@_CTL_BIG)
			return get_unaligned_be32(p);
		if (order == @P@_CTL_LITTLE)
			return get_unaligned_le32(p);
		return get_unaligned((const u32 *)p);
	default:
		if (order == @P@_CTL_BIG)
			return get_unaligned_be64(p);
		if (order == @P@_CTL_LITTLE)
			return get_unaligned_le64(p);
		return get_unaligned((const u64 *)p);
	}
}

static int @p@_ctl_check_int(const struct @p@_ctl_attr *a,
			     const struct @p@_ctl_attr_policy *p)
{
	unsigned int size = @p@_ctl_int_size(p->type);
	bool is_signed = p->type >= @P@_CTL_S8;
	bool known = true;
	u64 bits;
	s64 v;
	u32 i;

	if (a->len != size)
		return -EINVAL;
	bits = @p@_ctl_bits(a->payload, size, p->order);
	v = is_signed ? sign_extend64(bits, size * 8 - 1) : 0;
	if (p->values == @P@_CTL_ENUM) {
		/* A negative value is no enum entry. */
		known = false;
		for (i = 0; i < p->n_enum_values && (!is_signed || v >= 0); i++)
			if (p->enum_values[i] == bits)
				known = true;
	} else if (p->values == @P@_CTL_MASK) {
		known = !(bits & ~p->mask);
	}
	if (!known)
		return -EINVAL;
	if (!p->has_range)
		return 0;
	if (is_signed && (v < (s64)p->min || v > (s64)p->max))
		return -ERANGE;
	if (!is_signed && (bits < p->min || bits > p->max))
		return -ERANGE;
	return 0;
}

static int @p@_ctl_validate(const u8 *attrs, size_t len, size_t base,
			    const struct @p@_ctl_policy *policy, u32 rev,
			    u32 depth, struct @p@_ctl_error *e);

/* The checks of an attribute's payload; fills *@e on failure. */
static int @p@_ctl_check(const struct @p@_ctl_attr *a,
			 const struct @p@_ctl_attr_policy *p, u32 rev,
			 u32 depth, struct @p@_ctl_error *e)
{
	const u8 *nul;
	int ret = 0;

	switch (p->type) {
	case @P@_CTL_FLAG:
		if (a->len)
			ret = -EINVAL;
		break;
	case @P@_CTL_STRING:
		/* NUL-terminated, NUL padding after it accepted. */
		nul = memchr(a->payload, 0, a->len);
		if (!nul ||
		    memchr_inv(nul, 0, a->len - (nul - a->payload)) ||
		    (p->has_max_len && nul - a->payload > p->max_len) ||
		    (p->has_min_len && nul - a->payload < p->min_len))
			ret = -EINVAL;
		break;
	case @P@_CTL_BINARY:
		if ((p->has_min_len && a->len < p->min_len) ||
		    (p->has_max_len && a->len > p->max_len) ||
		    (p->has_exact_len && a->len != p->exact_len))
			ret = -EINVAL;
		else if (p->check)
			ret = p->check(a->payload, a->len, rev);
		break;
	case @P@_CTL_NEST:
		if (!p->nested)
			break;
		if (depth >= @P@_CTL_MAX_DEPTH) {
			ret = -EINVAL;
			break;
		}
		/* A failure inside says where itself. */
		return @p@_ctl_validate(a->payload, a->len,
					a->offset + @P@_CTL_NLA_HDRLEN,
					p->nested, rev, depth + 1, e);
	default:
		ret = @p@_ctl_check_int(a, p);
		break;
	}
	if (ret)
		return @p@_ctl_fail(e, ret, a->offset, a->type);
	return 0;
}

/*
 * Checks the attributes @attrs (@base bytes into the message) against
 * @policy as a driver of revision @rev does: every attribute well formed,
 * known (or optional, then skipped), of the right length, nested
 * correctly, not repeated unless multi-attr, its value known (EINVAL) and
 * in range (ERANGE), its struct valid, nesting at most
 * @P@_CTL_MAX_DEPTH deep.
 */
static int @p@_ctl_validate(const u8 *attrs, size_t len, size_t base,
			    const struct @p@_ctl_policy *policy, u32 rev,
			    u32 depth, struct @p@_ctl_error *e)
{
	/* Seen attributes by policy index; larger tables fall back to a scan. */
	u64 seen[2] = { 0, 0 };
	const struct @p@_ctl_attr_policy *p;
	struct @p@_ctl_attr a;
	size_t pos = 0;
	u32 i, unused;
	bool nest;
	int ret;

	while ((ret = @p@_ctl_next(attrs, len, base, &pos, &a, e)) > 0) {
		p = NULL;
		for (i = 0; i < policy->n_attrs; i++) {
			if (policy->attrs[i].value == a.type &&
			    policy->attrs[i].since <= rev) {
				p = &policy->attrs[i];
				break;
			}
		}
		if (!p) {
			if (!a.optional)
				return @p@_ctl_fail(e, -EINVAL, a.offset,
						    a.type);
			continue;
		}
		if (!p->multi) {
			bool dup;

			if (i < 128) {
				dup = seen[i / 64] & BIT_ULL(i % 64);
				seen[i / 64] |= BIT_ULL(i % 64);
			} else {
				dup = @p@_ctl_find(attrs, a.offset - base,
						   a.type, &unused);
			}
			if (dup)
				return @p@_ctl_fail(e, -EINVAL, a.offset,
						    a.type);
		}
		nest = p->type == @P@_CTL_NEST;
		if (a.nested != nest)
			return @p@_ctl_fail(e, -EINVAL, a.offset, a.type);
		ret = @p@_ctl_check(&a, p, rev, depth, e);
		if (ret)
			return ret;
	}
	return ret;
}

/* What the reply needs, counted without overflow. */
static size_t @p@_ctl_add(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* The zeros that pad a payload of @n bytes. */
static size_t @p@_ctl_pad(size_t n)
{
	return (@P@_CTL_NLA_ALIGNTO - n % @P@_CTL_NLA_ALIGNTO) %
	       @P@_CTL_NLA_ALIGNTO;
}

static void @p@_reply_raw(struct @p@_reply *r, const void *bytes, size_t n)
{
	size_t end = @p@_ctl_add(r->len, n);

	if (n && end <= r->cap)
		memcpy(r->buf + r->len, bytes, n);
	r->len = end;
}

static void @p@_reply_zeros(struct @p@_reply *r, size_t n)
{
	size_t end = @p@_ctl_add(r->len, n);

	if (n && end <= r->cap)
		memset(r->buf + r->len, 0, n);
	r->len = end;
}

static void @p@_reply_header(struct @p@_reply *r, size_t len, u16 type)
{
	u16 h[2];

	if (len > U16_MAX) {
		r->too_long = true;
		@p@_reply_zeros(r, @P@_CTL_NLA_HDRLEN);
		return;
	}
	h[0] = len;
	h[1] = type;
	@p@_reply_raw(r, h, sizeof(h));
}

void @p@_reply_put(struct @p@_reply *r, u16 type, const void *payload,
		   size_t len)
{
	@p@_reply_header(r, @p@_ctl_add(len, @P@_CTL_NLA_HDRLEN), type);
	@p@_reply_raw(r, payload, len);
	@p@_reply_zeros(r, @p@_ctl_pad(len));
}

void @p@_reply_put_str(struct @p@_reply *r, u16 type, const char *s,
		       size_t max_len)
{
	size_t len = strnlen(s, max_len);
	size_t n = @p@_ctl_add(len, 1);

	@p@_reply_header(r, @p@_ctl_add(n, @P@_CTL_NLA_HDRLEN), type);
	@p@_reply_raw(r, s, len);
	/* The NUL, then the padding. */
	@p@_reply_zeros(r, 1 + @p@_ctl_pad(n));
}

size_t @p@_reply_nest_start(struct @p@_reply *r, u16 type)
{
	size_t at = r->len;

	@p@_reply_header(r, @P@_CTL_NLA_HDRLEN, type | @P@_CTL_NLA_F_NESTED);
	return at;
}

void @p@_reply_nest_end(struct @p@_reply *r, size_t nest)
{
	size_t len = r->len > nest ? r->len - nest : 0;
	u16 l;

	if (len > U16_MAX) {
		r->too_long = true;
		return;
	}
	l = len;
	if (nest <= r->cap && r->cap - nest >= sizeof(l))
		memcpy(r->buf + nest, &l, sizeof(l));
}

/*
 * The checks of a user-ptr byte array: at most @P@_CTL_MAX_MSG bytes
 * (EINVAL), an address when it is not empty and no wrap (EFAULT).
 */
static int @p@_ctl_user_range(u64 addr, u32 len)
{
	if (len > @P@_CTL_MAX_MSG)
		return -EINVAL;
	if (len && !addr)
		return -EFAULT;
	if (addr + len < addr)
		return -EFAULT;
	return 0;
}
"#;

/// The source part: the engine, the policies a request reaches, the
/// operations' handlers and `<p>_control()`. Empty without a transport.
pub(super) fn render_source(model: &Model) -> String {
    let Some(io) = transport(model) else {
        return String::new();
    };
    let Some(arg_id) = io.arg.as_ref() else {
        return String::new();
    };
    let arg = format!(
        "struct {}",
        struct_ident(model.owner(arg_id), model.struct_(arg_id))
    );
    let n = Names::new(model);
    let p = &n.p;
    let mut out = format!("/* {p} control messages: begin */\n\n");
    out.push_str(&includes(SOURCE_INCLUDES));
    out.push_str(&n.t(SOURCE_ENGINE));
    out.push_str(&enum_value_arrays(model, &n));
    out.push_str(&struct_checks(model, &n));
    out.push_str(&policies(model, &n));
    out.push_fmt(format_args!(
        "\nstatic u32 {p}_ctl_revision(const struct {p}_ops *ops, struct file *file)\n{{\n\
         \treturn ops->revision ? ops->revision(file) : {};\n}}\n",
        model.revision
    ));
    if needs_privileged(model) {
        let (path, tag) = root_path(model);
        out.push_fmt(format_args!(
            "\n/* As the dispatcher asks it: the root spec's privileged, else CAP_SYS_ADMIN. */\n\
             static bool {p}_ctl_privileged(const struct {p}_ops *ops,\n\
             \t\t\t\t  struct file *file)\n{{\n\
             \tconst {tag} *root = {path};\n\n\
             \tif (root && root->privileged)\n\t\treturn root->privileged(file);\n\
             \treturn capable(CAP_SYS_ADMIN);\n}}\n"
        ));
    }
    for (op, set, req) in handled_ops(model) {
        out.push_str(&op_handler(model, &n, op, set, &req));
    }
    out.push_str(&dispatch_ops(model, &n));
    out.push_str(&transact(model, &n, &arg));
    out.push_fmt(format_args!("\n/* {p} control messages: end */\n"));
    kernel_layout(&out)
}

/// The value arrays of the enums the policies check.
fn enum_value_arrays(model: &Model, n: &Names) -> String {
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut out = String::new();
    for a in policy_attrs(model) {
        let (Some(name), Some(c)) = (enum_values_name(n, model, a), a.enum_.as_ref()) else {
            continue;
        };
        if !done.insert(name.clone()) {
            continue;
        }
        let e = model.enum_(&c.enum_id);
        // Rust compares the value with each entry as an i128: a negative
        // entry never matches a u64 list, so it is left out.
        let vals: Vec<String> = e
            .entries
            .iter()
            .filter_map(|x| u64::try_from(x.value).ok())
            .map(|v| format!("{v}ULL"))
            .collect();
        if vals.is_empty() {
            continue;
        }
        out.push_fmt(format_args!("\nstatic const u64 {name}[] = {{\n"));
        let mut line = String::from("\t");
        for (i, v) in vals.iter().enumerate() {
            let piece = format!("{v},");
            if line.len() > 1 && line.len() + 8 + piece.len() > 80 {
                out.push_str(line.trim_end());
                out.push('\n');
                line = String::from("\t");
            }
            line.push_str(&piece);
            if i + 1 < vals.len() {
                line.push(' ');
            }
        }
        out.push_str(&line);
        out.push_str("\n};\n");
    }
    out
}

/// The validating copy of each struct a binary attribute carries.
fn struct_checks(model: &Model, n: &Names) -> String {
    let mut out = String::new();
    for s in carried_structs(model) {
        let owner = model.owner(&s);
        let st = model.struct_(&s);
        let tag = struct_ident(owner, st);
        let (validate, rev) = if owner.name == model.name {
            (
                format!("{}_validate_{}_at", n.p, snake(&st.name)),
                "rev".to_string(),
            )
        } else {
            // An included spec's struct is checked at that spec's own
            // revision, as the Rust crate calls its latest validation.
            (
                format!("{}_validate_{}_at", snake(&owner.c_prefix), snake(&st.name)),
                owner.revision.to_string(),
            )
        };
        out.push('\n');
        out.push_str(&comment(
            0,
            &format!(
                "Copies a {} out of an attribute payload (any alignment) and validates it \
                 as an ioctl argument is validated; EINVAL for another size.",
                st.name
            ),
        ));
        out.push_str(&wrap_call(
            0,
            &format!("static int {}(", check_fn(n, model, &s)),
            &[
                "const u8 *p".to_string(),
                "u32 len".to_string(),
                "u32 rev".to_string(),
            ],
            ")",
        ));
        out.push_fmt(format_args!(
            "{{\n\tstruct {tag} v;\n\n{}\tif (len != sizeof(v))\n\t\treturn -EINVAL;\n\
             \tmemcpy(&v, p, sizeof(v));\n\treturn {validate}(&v, {rev});\n}}\n",
            if rev == "rev" { "" } else { "\t(void)rev;\n" }
        ));
    }
    out
}

/// A signed literal C accepts for every s64.
fn s64_lit(v: i64) -> String {
    if v == i64::MIN {
        "S64_MIN".to_string()
    } else {
        format!("{v}LL")
    }
}

/// The designated initializers of one attribute's policy entry.
fn policy_entry(model: &Model, n: &Names, set_prefix: &str, a: &Attr) -> Option<String> {
    let k = kind(a)?;
    let mut f: Vec<String> = vec![
        [".value = ", &attr_macro_with(set_prefix, a)].concat(),
        format!(".type = {}", type_const(n, &k)),
    ];
    match a.byte_order {
        Some(ByteOrder::Big) => f.push(format!(".order = {}_CTL_BIG", n.up)),
        Some(ByteOrder::Little) => f.push(format!(".order = {}_CTL_LITTLE", n.up)),
        None => {}
    }
    f.push(format!(".since = {}", a.since));
    if a.multi_attr {
        f.push(".multi = true".to_string());
    }
    if let Kind::Int(s) = &k {
        if a.min.is_some() || a.max.is_some() {
            // The range within the type's values: the same test for every
            // value the payload can hold.
            let (tlo, thi) = s.bounds();
            let lo = a.min.unwrap_or(tlo).max(tlo);
            let hi = a.max.unwrap_or(thi).min(thi);
            f.push(".has_range = true".to_string());
            if lo > hi {
                // No value is in range.
                f.push(".min = 1".to_string());
                f.push(".max = 0".to_string());
            } else if s.signed() {
                let lo = i64::try_from(lo).unwrap_or(i64::MIN);
                let hi = i64::try_from(hi).unwrap_or(i64::MAX);
                f.push(format!(".min = (u64){}", s64_lit(lo)));
                f.push(format!(".max = (u64){}", s64_lit(hi)));
            } else {
                let lo = u64::try_from(lo).unwrap_or(0);
                let hi = u64::try_from(hi).unwrap_or(u64::MAX);
                f.push(format!(".min = {lo}ULL"));
                f.push(format!(".max = {hi}ULL"));
            }
        }
        if let Some(c) = &a.enum_ {
            let e = model.enum_(&c.enum_id);
            if c.as_flags {
                let mask = if e.kind == EnumKind::Flags {
                    e.mask()
                } else {
                    e.entries
                        .iter()
                        .filter(|x| (0..64).contains(&x.value))
                        .fold(0u64, |m, x| m | 1 << x.value)
                };
                f.push(format!(".values = {}_CTL_MASK", n.up));
                f.push(format!(".mask = {mask:#x}ULL"));
            } else {
                f.push(format!(".values = {}_CTL_ENUM", n.up));
                if let Some(arr) = enum_values_name(n, model, a)
                    && e.entries.iter().any(|x| x.value >= 0)
                {
                    f.push(format!(".enum_values = {arr}"));
                    f.push(format!(".n_enum_values = ARRAY_SIZE({arr})"));
                }
            }
        }
    }
    let lit = |v: u64| v.min(u64::from(u32::MAX));
    if let Some(v) = a.min_len {
        f.push(".has_min_len = true".to_string());
        f.push(format!(".min_len = {}", lit(v)));
    }
    if let Some(v) = a.max_len {
        f.push(".has_max_len = true".to_string());
        f.push(format!(".max_len = {}", lit(v)));
    }
    match &k {
        Kind::Bin(Some(s)) => {
            let tag = struct_ident(model.owner(s), model.struct_(s));
            f.push(".has_exact_len = true".to_string());
            f.push(format!(".exact_len = sizeof(struct {tag})"));
            f.push(format!(".check = {}", check_fn(n, model, s)));
        }
        _ => {
            if let Some(v) = a.exact_len.or(a.len) {
                f.push(".has_exact_len = true".to_string());
                f.push(format!(".exact_len = {}", lit(v)));
            }
        }
    }
    if let Kind::Nest(id) = &k {
        f.push(format!(".nested = &{}", set_policy(n, model.attr_set(id))));
    }
    let mut out = String::from("\t{\n");
    for x in f {
        out.push_fmt(format_args!("\t\t{x},\n"));
    }
    out.push_str("\t},\n");
    Some(out)
}

/// One policy: its entries' array (when it has entries) and the policy.
fn policy(model: &Model, n: &Names, name: &str, set: &AttrSet, attrs: &[&Attr]) -> String {
    let set_prefix = attr_set_prefix(model, set);
    let entries: Vec<String> = attrs
        .iter()
        .filter_map(|a| policy_entry(model, n, &set_prefix, a))
        .collect();
    let mut out = String::new();
    if entries.is_empty() {
        out.push_fmt(format_args!(
            "\nstatic const struct {p}_ctl_policy {name} = {{\n\t.attrs = NULL,\n\t.n_attrs = 0,\n}};\n",
            p = n.p
        ));
        return out;
    }
    out.push_fmt(format_args!(
        "\nstatic const struct {}_ctl_attr_policy {name}_list[] = {{\n",
        n.p
    ));
    for e in entries {
        out.push_str(&e);
    }
    out.push_str("};\n");
    out.push_fmt(format_args!(
        "\nstatic const struct {p}_ctl_policy {name} = {{\n\t.attrs = {name}_list,\n\
         \t.n_attrs = ARRAY_SIZE({name}_list),\n}};\n",
        p = n.p
    ));
    out
}

/// The policies of the nests a request reaches (declared first: a set
/// may nest itself) and of each operation's request.
fn policies(model: &Model, n: &Names) -> String {
    let sets = reachable_sets(model);
    let mut out = String::new();
    if !sets.is_empty() {
        out.push('\n');
        for id in &sets {
            out.push_fmt(format_args!(
                "static const struct {}_ctl_policy {};\n",
                n.p,
                set_policy(n, model.attr_set(id))
            ));
        }
    }
    for id in &sets {
        let set = model.attr_set(id);
        let attrs: Vec<&Attr> = set.attributes.iter().collect();
        out.push_str(&policy(model, n, &set_policy(n, set), set, &attrs));
    }
    for (op, set, req) in handled_ops(model) {
        out.push_str(&policy(model, n, &req_policy(n, op), set, &req));
    }
    out
}

/// The C expression reading an integer payload `p`.
fn read_int(s: Scalar, order: Option<ByteOrder>) -> String {
    let bits = s.size() * 8;
    let t = int_type(s);
    if bits == 8 {
        return if s.signed() {
            "(s8)*p".to_string()
        } else {
            "*p".to_string()
        };
    }
    let raw = match order {
        Some(ByteOrder::Big) => format!("get_unaligned_be{bits}(p)"),
        Some(ByteOrder::Little) => format!("get_unaligned_le{bits}(p)"),
        None => return format!("get_unaligned((const {t} *)p)"),
    };
    if s.signed() {
        format!("({t}){raw}")
    } else {
        raw
    }
}

/// The handler of one operation: admin-perm, validation, the typed
/// request, the callback.
fn op_handler(model: &Model, n: &Names, op: &Operation, set: &AttrSet, req: &[&Attr]) -> String {
    let p = &n.p;
    let o = snake(&op.name);
    let mut out = format!("\nstatic int {p}_ctl_{o}(");
    let head = out.trim_start().to_string();
    out = String::from("\n");
    out.push_str(&wrap_call(
        0,
        &head,
        &[
            format!("const struct {p}_ops *ops"),
            "struct file *file".to_string(),
            "const u8 *attrs".to_string(),
            "size_t len".to_string(),
            "u32 rev".to_string(),
            format!("struct {p}_reply *reply"),
            format!("struct {p}_ctl_error *e"),
        ],
        ")",
    ));
    let single = req.iter().any(|a| kind(a).is_some() && !a.multi_attr);
    let multi = req.iter().any(|a| kind(a).is_some() && a.multi_attr);
    out.push_fmt(format_args!("{{\n\t{} req = {{}};\n", req_struct(n, op)));
    if multi {
        out.push_str("\tconst void *v;\n\tu32 pos;\n\tu16 type;\n");
    }
    if single {
        out.push_str("\tconst u8 *p;\n");
    }
    if single || multi {
        out.push_str("\tu32 plen;\n");
    }
    out.push_str("\tint ret;\n\n");
    if op.admin_perm {
        out.push_fmt(format_args!(
            "\tif (!{p}_ctl_privileged(ops, file))\n\t\treturn {p}_ctl_fail(e, -EPERM, 0, 0);\n"
        ));
    }
    out.push_str(&wrap_call(
        1,
        &format!("ret = {p}_ctl_validate("),
        &[
            "attrs".to_string(),
            "len".to_string(),
            format!("{}_CTL_MSG_HDRLEN", n.up),
            format!("&{}", req_policy(n, op)),
            "rev".to_string(),
            "1".to_string(),
            "e".to_string(),
        ],
        ");",
    ));
    out.push_str("\tif (ret)\n\t\treturn ret;\n");
    out.push_str("\treq.rev = rev;\n\treq.attrs = attrs;\n\treq.attrs_len = len;\n");
    for a in req {
        let Some(k) = kind(a) else { continue };
        let f = member_ident(&a.name);
        let ty = attr_macro(model, set, a);
        let mut body = String::new();
        if a.multi_attr {
            body.push_fmt(format_args!(
                "\tpos = 0;\n\
                 \twhile ({p}_ctl_attr_next(attrs, len, &pos, &type, &v, &plen))\n\
                 \t\tif (type == {ty})\n\t\t\treq.n_{f}++;\n"
            ));
        } else {
            let find = format!("\tp = {p}_ctl_find(attrs, len, {ty}, &plen);\n");
            let set_fields = match &k {
                Kind::Int(s) => format!(
                    "\t\treq.has_{f} = true;\n\t\treq.{f} = {};\n",
                    read_int(*s, a.byte_order)
                ),
                Kind::Flag => format!("\t\treq.{f} = true;\n"),
                Kind::Str => format!(
                    "\t\treq.{f} = (const char *)p;\n\t\treq.{f}_len = strnlen(req.{f}, plen);\n"
                ),
                Kind::Bin(Some(_)) => format!(
                    "\t\treq.has_{f} = plen == sizeof(req.{f});\n\
                     \t\tif (req.has_{f})\n\t\t\tmemcpy(&req.{f}, p, sizeof(req.{f}));\n"
                ),
                Kind::Bin(None) | Kind::Nest(_) => {
                    format!("\t\treq.{f} = p;\n\t\treq.{f}_len = plen;\n")
                }
            };
            body.push_str(&find);
            if set_fields.lines().count() == 1 {
                body.push_fmt(format_args!("\tif (p)\n{set_fields}"));
            } else {
                body.push_fmt(format_args!("\tif (p) {{\n{set_fields}\t}}\n"));
            }
        }
        // An attribute newer than the driver is absent, as the Rust
        // view's as_bytes_at() makes it.
        let indented: String = body
            .lines()
            .map(|l| {
                if l.is_empty() {
                    "\n".to_string()
                } else {
                    format!("\t{l}\n")
                }
            })
            .collect();
        out.push_fmt(format_args!(
            "\tif (rev >= {}) {{\n{indented}\t}}\n",
            a.since
        ));
    }
    out.push_fmt(format_args!(
        "\tret = ops->control->op_{o}(file, &req, reply);\n\
         \tif (ret)\n\t\treturn {p}_ctl_fail(e, ret, 0, 0);\n\treturn 0;\n}}\n"
    ));
    out
}

/// The switch over the operation of the header.
fn dispatch_ops(model: &Model, n: &Names) -> String {
    let p = &n.p;
    let mut out = String::from("\n");
    out.push_str(&wrap_call(
        0,
        &format!("static int {p}_ctl_dispatch("),
        &[
            format!("const struct {p}_ops *ops"),
            "struct file *file".to_string(),
            "u16 op".to_string(),
            "const u8 *attrs".to_string(),
            "size_t len".to_string(),
            "u32 rev".to_string(),
            format!("struct {p}_reply *reply"),
            format!("struct {p}_ctl_error *e"),
        ],
        ")",
    ));
    out.push_fmt(format_args!(
        "{{\n\tconst struct {p}_control_ops *cops = ops->control;\n\n\tif (!cops)\n\
         \t\treturn {p}_ctl_fail(e, -EOPNOTSUPP, 0, 0);\n\tswitch (op) {{\n"
    ));
    for (op, _, _) in handled_ops(model) {
        let o = snake(&op.name);
        out.push_fmt(format_args!(
            "\tcase {}:\n\t\tif (rev >= {} && cops->op_{o})\n",
            op_macro(model, &op.name),
            op.since
        ));
        out.push_str(&wrap_call(
            3,
            &format!("return {p}_ctl_{o}("),
            &["ops", "file", "attrs", "len", "rev", "reply", "e"]
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
            ");",
        ));
        out.push_str("\t\tbreak;\n");
    }
    out.push_fmt(format_args!(
        "\tdefault:\n\t\tbreak;\n\t}}\n\treturn {p}_ctl_fail(e, -EOPNOTSUPP, 0, 0);\n}}\n"
    ));
    out
}

/// The name of the transport ioctl.
fn transport_name(model: &Model) -> String {
    transport(model).map_or_else(String::new, |io| io.name.clone())
}

/// The transport's handler: the request in, the reply out.
fn transact(model: &Model, n: &Names, arg: &str) -> String {
    let m = |name: &str| member_ident(name);
    let doc = comment(
        0,
        &CONTROL_DOC.replace("{}", &upper(&transport_name(model))),
    );
    let body = TRANSACT
        .replace("@doc@", &doc)
        .replace("@arg@", arg)
        .replace("@request@", &m("request"))
        .replace("@reply@", &m("reply"))
        .replace("@request_len@", &m("request-len"))
        .replace("@reply_cap@", &m("reply-cap"))
        .replace("@reply_len@", &m("reply-len"))
        .replace("@error_offset@", &m("error-offset"))
        .replace("@error_attr@", &m("error-attr"));
    n.t(&body)
}

const TRANSACT: &str = r#"
static int @p@_ctl_transact(const struct @p@_ops *ops, struct file *file,
			    @arg@ *arg, u16 *op,
			    struct @p@_ctl_error *e)
{
	u32 rev = @p@_ctl_revision(ops, file);
	struct @p@_reply reply = {};
	u8 *msg = NULL;
	u16 hop, flags;
	u32 reserved;
	size_t needed;
	u8 hdr[@P@_CTL_MSG_HDRLEN];
	int ret;

	ret = @p@_ctl_user_range(arg->@request@, arg->@request_len@);
	if (!ret)
		ret = @p@_ctl_user_range(arg->@reply@, arg->@reply_cap@);
	if (ret)
		return @p@_ctl_fail(e, ret, 0, 0);
	if (arg->@request_len@) {
		/* Sized by the caller: charged to its memory cgroup. */
		msg = kvmalloc(arg->@request_len@, GFP_KERNEL_ACCOUNT);
		if (!msg)
			return @p@_ctl_fail(e, -ENOMEM, 0, 0);
		if (copy_from_user(msg, u64_to_user_ptr(arg->@request@),
				   arg->@request_len@)) {
			ret = @p@_ctl_fail(e, -EFAULT, 0, 0);
			goto out;
		}
	}
	if (arg->@request_len@ < @P@_CTL_MSG_HDRLEN) {
		ret = @p@_ctl_fail(e, -EINVAL, 0, 0);
		goto out;
	}
	memcpy(&hop, msg, sizeof(hop));
	memcpy(&flags, msg + 2, sizeof(flags));
	memcpy(&reserved, msg + 4, sizeof(reserved));
	/* No header flag is defined, and reserved must be zero. */
	if (flags || reserved) {
		ret = @p@_ctl_fail(e, -EINVAL, 0, 0);
		goto out;
	}
	*op = hop;
	if (arg->@reply_cap@) {
		reply.buf = kvzalloc(arg->@reply_cap@, GFP_KERNEL_ACCOUNT);
		if (!reply.buf) {
			ret = @p@_ctl_fail(e, -ENOMEM, 0, 0);
			goto out;
		}
	}
	reply.cap = arg->@reply_cap@;
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, &hop, sizeof(hop));
	@p@_reply_raw(&reply, hdr, sizeof(hdr));
	ret = @p@_ctl_dispatch(ops, file, hop, msg + @P@_CTL_MSG_HDRLEN,
			       arg->@request_len@ - @P@_CTL_MSG_HDRLEN, rev,
			       &reply, e);
	if (ret)
		goto out;
	if (reply.too_long || reply.len > reply.cap) {
		needed = reply.len;
		if (reply.too_long)
			needed = max_t(size_t, needed, @P@_CTL_MAX_MSG + 1);
		arg->@reply_len@ = min_t(size_t, needed, U32_MAX);
		ret = @p@_ctl_fail(e, -EMSGSIZE, 0, 0);
		goto out;
	}
	if (copy_to_user(u64_to_user_ptr(arg->@reply@), reply.buf, reply.len)) {
		ret = @p@_ctl_fail(e, -EFAULT, 0, 0);
		goto out;
	}
	arg->@reply_len@ = reply.len;
out:
	kvfree(reply.buf);
	kvfree(msg);
	return ret;
}

@doc@int @p@_control(const struct @p@_ops *ops, struct file *file,
		@arg@ *arg)
{
	struct @p@_ctl_error e = {};
	u16 op = 0;
	int ret;

	ret = @p@_ctl_transact(ops, file, arg, &op, &e);
	if (ret) {
		arg->@error_offset@ = e.offset;
		arg->@error_attr@ = e.attr;
		if (ops->control && ops->control->operation_failed)
			ops->control->operation_failed(file, op, ret,
						       e.offset, e.attr);
	}
	return ret;
}
"#;

// ---------------------------------------------------------------- layout

/// Display width of a line, tabs at 8.
fn width(line: &str) -> usize {
    super::width_at(0, line)
}

/// Parentheses opened and not closed on a line.
fn depth(line: &str) -> i32 {
    // Bytes: a parenthesis is ASCII, and no byte of a multi-byte
    // character is one.
    // Without a branch per byte, which the compiler vectorises: every
    // line of the control part comes through here.
    line.bytes().fold(0, |d, c| {
        d + i32::from(u8::from(c == b'(')) - i32::from(u8::from(c == b')'))
    })
}

/// Lines the layout leaves as written: comments, preprocessor lines and
/// the conditions of control statements (wrapped by hand at `||`/`&&`).
fn keep_as_written(line: &str) -> bool {
    let t = line.trim_start();
    ["/*", "*", "#", "if (", "} else if (", "while (", "for ("]
        .iter()
        .any(|p| t.starts_with(p))
}

/// One logical line wrapped after the commas of its first call or
/// declaration, continuation aligned to the open parenthesis.
fn wrap_line(line: &str) -> String {
    if width(line) <= 80 || keep_as_written(line) {
        return line.to_string();
    }
    let tabs = line.chars().take_while(|c| *c == '\t').count();
    let body = &line[tabs..];
    // The first top-level parenthesis group that has commas: the
    // parameters of `int (*op)(a, b)`, the arguments of `x = f(a, b)`.
    let mut d = 0;
    let mut group: Option<(usize, Vec<usize>)> = None;
    let mut found = None;
    for (i, c) in body.char_indices() {
        match c {
            '(' => {
                d += 1;
                if d == 1 {
                    group = Some((i, Vec::new()));
                }
            }
            ')' => {
                d -= 1;
                if d == 0
                    && let Some((open, cuts)) = group.take()
                    && !cuts.is_empty()
                {
                    found = Some((open, i, cuts));
                    break;
                }
            }
            ',' if d == 1 => {
                if let Some((_, cuts)) = group.as_mut() {
                    cuts.push(i);
                }
            }
            _ => {}
        }
    }
    let Some((open, close, cuts)) = found else {
        return line.to_string();
    };
    let mut args = Vec::new();
    let mut start = open + 1;
    for c in cuts.into_iter().chain([close]) {
        args.push(body[start..c].trim().to_string());
        start = c + 1;
    }
    wrap_call(tabs, &body[..=open], &args, &body[close..])
        .trim_end_matches('\n')
        .to_string()
}

/// The kernel layout of generated C: calls and declarations written on
/// several lines are joined and wrapped again at 80 columns, aligned to
/// their open parenthesis whatever the prefix's length.
pub(super) fn kernel_layout(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut lines = text.lines();
    while let Some(first) = lines.next() {
        // Most lines are whole and fit: copied as they are, with no
        // `String` of their own.
        let keep = keep_as_written(first);
        if keep || depth(first) <= 0 {
            if keep || width(first) <= 80 {
                out.push_str(first);
            } else {
                out.push_str(&wrap_line(first));
            }
            out.push('\n');
            continue;
        }
        let mut line = first.to_string();
        while depth(&line) > 0
            && let Some(next) = lines.next()
        {
            line.push(' ');
            line.push_str(next.trim_start());
        }
        out.push_str(&wrap_line(&line));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_calls_wrap_at_their_parenthesis_whatever_the_prefix() {
        let text = "\tret = some_prefix_ctl_validate(attrs, len, SOME_PREFIX_CTL_MSG_HDRLEN, &policy, rev, 1, e);\n";
        assert_eq!(
            kernel_layout(text),
            "\tret = some_prefix_ctl_validate(attrs, len, SOME_PREFIX_CTL_MSG_HDRLEN,\n\
             \t\t\t\t       &policy, rev, 1, e);\n"
        );
        // Written on several lines, joined first.
        let text = "static int x_f(int a,\n\t\tint b)\n{\n";
        assert_eq!(kernel_layout(text), "static int x_f(int a, int b)\n{\n");
        // Conditions and comments stay as written.
        let long_if = format!("\tif ({} ||\n\t    b)\n", "a".repeat(90));
        assert_eq!(kernel_layout(&long_if), long_if);
    }

    #[test]
    fn doc_text_cannot_end_or_nest_a_comment() {
        let c = comment(0, "a */ b /* c");
        assert_eq!(c, "/* a * / b / * c */\n");
    }

    #[test]
    fn parameters_of_a_function_pointer_wrap() {
        let line = "\tint (*op_get_something_long)(struct file *file, const struct p_get_something_long_req *req, struct p_reply *reply);";
        let out = wrap_line(line);
        assert!(out.lines().all(|l| width(l) <= 80), "{out}");
        assert!(
            out.starts_with("\tint (*op_get_something_long)(struct file *file,\n"),
            "{out}"
        );
    }
}
