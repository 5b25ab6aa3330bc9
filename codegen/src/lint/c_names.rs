//! Rule 32 across the whole C header: every name it defines must be its
//! own. Names come from the C backend's own naming functions, so what is
//! checked is what is written, `c-name`s, `c-prefix` and DRM style
//! included. C has two namespaces a header fills: ordinary identifiers
//! (macros, enumerators) and tags (`struct x`, `enum x`), checked apart.
//! The headers of included specs are part of the translation unit, and a
//! DRM-style header includes drm.h, so their names count too; a clash is
//! reported at the second of the two items, in this spec.

use super::*;
use crate::backend::c;
use crate::model::EnumKind;

/// One name the header (or a header it includes) defines.
struct Defined<'m> {
    name: String,
    /// Tags live apart from macros and enumerators.
    tag: bool,
    /// What defines it, for the message: "const `max-cus`".
    what: What<'m>,
    /// Where; None for drm.h's own names.
    pos: Option<&'m Pos>,
    /// Whether this spec defines it (not an included one).
    own: bool,
}

/// What defines a name, spelled out only in a message: a header defines
/// thousands of names and few clash.
enum What<'m> {
    /// Said as it is: "the include guard".
    Text(&'static str),
    /// "const `max-cus`".
    Const(&'m str),
    /// "enum `x`" or "flags `x`".
    Enum(&'static str, &'m str),
    /// "value `v` of field `f` of `e`".
    FieldValue(&'m str, &'m str, &'m str),
    /// "entry `x` of `e`".
    Entry(&'m str, &'m str),
    /// "the mask of every bit of `e`".
    FlagsMask(&'m str),
    /// "the render-max constant of `e`".
    RenderMax(&'m str),
    /// "struct `s`".
    Struct(&'m str),
    /// "the command of ioctl `i`".
    IoctlCommand(&'m str),
    /// "the number of ioctl `i`".
    IoctlNumber(&'m str),
    /// "attribute `a` of `set`".
    Attr(&'m str, &'m str),
    /// "operation `o`".
    Operation(&'m str),
    /// "ring `r`".
    Ring(&'m str),
}

impl std::fmt::Display for What<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            What::Text(t) => f.write_str(t),
            What::Const(n) => write!(f, "const `{n}`"),
            What::Enum(kind, n) => write!(f, "{kind} `{n}`"),
            What::FieldValue(v, x, e) => write!(f, "value `{v}` of field `{x}` of `{e}`"),
            What::Entry(x, e) => write!(f, "entry `{x}` of `{e}`"),
            What::FlagsMask(e) => write!(f, "the mask of every bit of `{e}`"),
            What::RenderMax(e) => write!(f, "the render-max constant of `{e}`"),
            What::Struct(n) => write!(f, "struct `{n}`"),
            What::IoctlCommand(n) => write!(f, "the command of ioctl `{n}`"),
            What::IoctlNumber(n) => write!(f, "the number of ioctl `{n}`"),
            What::Attr(a, set) => write!(f, "attribute `{a}` of `{set}`"),
            What::Operation(n) => write!(f, "operation `{n}`"),
            What::Ring(n) => write!(f, "ring `{n}`"),
        }
    }
}

impl Cx<'_> {
    /// Every name the C header defines, checked against every other.
    pub(super) fn c_name_clashes(&mut self) {
        let m = self.model;
        let mut names: Vec<Defined> = Vec::new();
        // drm.h comes in with this header or with an included one.
        let drm = |m: &Model| matches!(m.ioctl_style, crate::model::IoctlStyle::Drm { .. });
        if drm(m) || m.all_includes().into_iter().any(drm) {
            for (n, tag) in c::drm_h_names() {
                names.push(Defined {
                    name: n.to_string(),
                    tag,
                    what: What::Text("drm.h"),
                    pos: None,
                    own: false,
                });
            }
        }
        for inc in m.all_includes() {
            defined_by(inc, false, &mut names);
        }
        let mut own = Vec::with_capacity(defined_estimate(m));
        defined_by(m, true, &mut own);
        // The second of two items is the later one in the spec. Sorted
        // by reference: a `Defined` is large to move.
        let mut own: Vec<&Defined> = own.iter().collect();
        own.sort_by_key(|d| d.pos.map(|p| (p.line, p.col)));

        // Asked once per name: hashed, as the order of `names` (not of
        // this map) decides which of two is reported.
        let mut seen: rustc_hash::FxHashMap<(bool, &str), &Defined> =
            rustc_hash::FxHashMap::with_capacity_and_hasher(
                names.len() + own.len(),
                Default::default(),
            );
        let mut found: Vec<(Pos, String)> = Vec::new();
        for d in names.iter().chain(own) {
            match seen.get(&(d.tag, d.name.as_str())) {
                Some(first) if d.own => {
                    let kind = if d.tag { "C tag" } else { "C constant" };
                    let there = match first.pos {
                        Some(p) => format!("{} ({p})", first.what),
                        None => first.what.to_string(),
                    };
                    found.push((
                        d.pos.map_or_else(|| m.pos.clone(), Pos::clone),
                        format!(
                            "{} becomes the {kind} `{}`, which {there} already defines",
                            d.what, d.name
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    seen.insert((d.tag, d.name.as_str()), d);
                }
            }
        }
        for (pos, msg) in found {
            let d = self
                .diag(&rules::GENERATED_NAME_CLASH, &pos, msg)
                .with_hint("rename one of them, or set the C name of one with `c-name` (`c-nr-name` for an ioctl's number, `name-prefix` or `enum-name` for an enum)");
            // Two definitions of one name break the header, existing ABI
            // or not: no real header has them.
            self.emit_for(d, &[], false);
        }
    }
}

/// About how many names `m`'s own header defines (a few more than the
/// items that define one or two each), so that their list is allocated
/// once: a `Defined` is large, and each growth of the list copied every
/// one of them.
fn defined_estimate(m: &Model) -> usize {
    let entries: usize = m.enums.iter().map(|e| e.entries.len() + 2).sum();
    let attributes: usize = m.attribute_sets.iter().map(|s| s.attributes.len()).sum();
    let operations = m.operations.as_ref().map_or(0, |o| o.list.len());
    64 + m.consts.len()
        + entries
        + m.structs.len()
        + 2 * m.ioctls.len()
        + attributes
        + operations
        + 8 * m.rings.len()
}

/// The names `m`'s own header defines.
fn defined_by<'m>(m: &'m Model, own: bool, out: &mut Vec<Defined<'m>>) {
    let mut add = |name: String, tag: bool, what: What<'m>, pos: &'m Pos| {
        out.push(Defined {
            name,
            tag,
            what,
            pos: Some(pos),
            own,
        })
    };
    add(
        c::guard(&m.uapi_header),
        false,
        What::Text("the include guard"),
        &m.pos,
    );
    // The check macros are undefined at the end of their header: only
    // the spec's own can meet another name.
    if own && !m.structs.is_empty() {
        let check = c::check_macro(m);
        for n in [format!("{check}__"), format!("{check}_"), check] {
            add(n, false, What::Text("the layout checks"), &m.pos);
        }
    }
    for k in m.consts.iter().filter(|k| k.header.is_none()) {
        add(c::const_macro(m, k), false, What::Const(&k.name), &k.pos);
    }
    for k in &m.netlink.string_consts {
        add(
            format!("{}_{}", upper(&m.c_prefix), upper(&k.name)),
            false,
            What::Const(&k.name),
            &k.pos,
        );
    }
    for e in m.enums.iter().filter(|e| e.header.is_none()) {
        let kind = if e.kind == EnumKind::Flags {
            "flags"
        } else {
            "enum"
        };
        let c_enum = c::is_c_enum(m, e);
        if c_enum && e.enum_name.as_deref() != Some("") {
            let tag = c::enum_tag(m, e);
            add(
                tag.trim_start_matches("enum ").to_string(),
                true,
                What::Enum(kind, &e.name),
                &e.pos,
            );
        }
        for x in &e.entries {
            let name = c::entry_macro(m, e, x);
            for v in x.field.iter().flat_map(|f| &f.values) {
                add(
                    c::field_value_macro(&name, &v.name),
                    false,
                    What::FieldValue(&v.name, &x.name, &e.name),
                    &x.pos,
                );
            }
            add(name, false, What::Entry(&x.name, &e.name), &x.pos);
        }
        if e.kind == EnumKind::Flags && !c_enum {
            add(
                c::flags_all_macro(m, e),
                false,
                What::FlagsMask(&e.name),
                &e.pos,
            );
        }
        for n in c::render_max_names(m, e) {
            add(n, false, What::RenderMax(&e.name), &e.pos);
        }
    }
    for s in &m.structs {
        add(c::struct_ident(m, s), true, What::Struct(&s.name), &s.pos);
    }
    if m.magic.is_some()
        && let Some(magic) = c::magic_macro(m)
    {
        add(magic, false, What::Text("the spec's ioctl magic"), &m.pos);
    }
    for i in &m.ioctls {
        add(
            c::ioctl_macro(m, i),
            false,
            What::IoctlCommand(&i.name),
            &i.pos,
        );
        add(c::nr_macro(m, i), false, What::IoctlNumber(&i.name), &i.pos);
    }
    for set in m.attribute_sets.iter().filter(|s| s.subset_of.is_none()) {
        for a in &set.attributes {
            add(
                c::attr_macro(m, set, a),
                false,
                What::Attr(&a.name, &set.name),
                &a.pos,
            );
        }
    }
    if let Some(ops) = &m.operations {
        for op in &ops.list {
            add(
                c::op_macro(m, &op.name),
                false,
                What::Operation(&op.name),
                &op.pos,
            );
        }
    }
    // The rest of the control-message section (family name and version,
    // counts and maximums, multicast groups): what is left of its names
    // once each attribute, operation and string const above is taken out.
    let mut rest = c::netlink_names(m);
    let named: Vec<String> = m
        .attribute_sets
        .iter()
        .filter(|s| s.subset_of.is_none())
        .flat_map(|s| s.attributes.iter().map(move |a| c::attr_macro(m, s, a)))
        .chain(
            m.operations
                .iter()
                .flat_map(|o| o.list.iter().map(|op| c::op_macro(m, &op.name))),
        )
        .chain(
            m.netlink
                .string_consts
                .iter()
                .map(|k| format!("{}_{}", upper(&m.c_prefix), upper(&k.name))),
        )
        .collect();
    for n in named {
        if let Some(i) = rest.iter().position(|r| *r == n) {
            rest.remove(i);
        }
    }
    for n in rest {
        add(
            n,
            false,
            What::Text("a constant of the control messages"),
            &m.pos,
        );
    }
    let (common, per_ring) = c::ring_names(m);
    for (n, tag) in common {
        if own || !n.contains("_RING_CHECK") {
            add(n, tag, What::Text("the ring section"), &m.pos);
        }
    }
    for (r, names) in m.rings.iter().zip(per_ring) {
        for (n, tag) in names {
            add(n, tag, What::Ring(&r.name), &r.pos);
        }
    }
}
