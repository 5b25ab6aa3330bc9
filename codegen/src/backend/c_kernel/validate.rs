//! The per-struct functions of the C kernel side, as the Rust kernel
//! crate's `validate.rs` and `size.rs` write them: `<p>_validate_<s>_at`,
//! `<p>_clear_out_<s>`, `<p>_clear_newer_<s>`, `<p>_<s>_size_at`, and an
//! ioctl's own pair when it has `arg-access`.

use super::{Gen, Helpers, call, comment, push_c_lit, push_call, push_comment, push_tabs};
use crate::backend::c::{
    entry_macro_with, entry_prefix, field_value_macro, flags_all_macro, member_ident, push_lower,
    push_member_ident,
};
use crate::backend::shared::{
    PushFmt, capacity_for, clears_any, may_check, may_clear, push_decimal,
};
use crate::model::{
    ByteOrder, EnumCheck, EnumKind, Ioctl, ItemRef, Member, MemberKind, PadScalar, Scalar, Struct,
};
use crate::names::snake;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::collections::hash_map::Entry;

/// One check of a validate function: the statement(s) at one tab, with
/// the revision from which the member exists (`rev >= from` guards it).
struct Check {
    kind: CheckKind,
    from: Option<u32>,
}

enum CheckKind {
    /// -EINVAL when the condition holds.
    Cond(String),
    /// Another validate function's result (a nested struct), as a call.
    Call(String),
    /// The same over every element of an array member: (count, call with
    /// `i` for the index).
    Each(String, String),
}

/// Where checks are: `base` the struct's own revision, `at` the newest
/// `since` on the path, `own` whether this spec numbers them.
#[derive(Clone, Copy)]
struct Scope {
    base: u32,
    at: u32,
    own: bool,
}

impl Gen<'_> {
    /// Every struct's functions, in definition order, then every ioctl's
    /// own argument pair.
    pub(super) fn struct_fns(&self, out: &mut String, h: &mut Helpers) {
        out.reserve(capacity_for(self.model, 110));
        for item in &self.model.definition_order {
            if let ItemRef::Struct(i) = *item {
                let s = &self.model.structs[i];
                if s.inline {
                    continue;
                }
                let stem = snake(&s.name);
                let ty = self
                    .own_tag(i)
                    .map_or_else(|| Cow::Owned(self.own_ctype(s)), Cow::Borrowed);
                self.validate_fn(out, s, &ty, &stem, None, h);
                self.clear_out_fn(out, s, &ty, &stem, None);
                self.clear_newer_fn(out, s, &ty, &stem);
                self.size_at_fn(out, s, &ty, &stem);
            }
        }
        for io in &self.model.ioctls {
            if io.arg_access.is_empty() {
                continue;
            }
            let Some(view) = self.model.ioctl_arg(io) else {
                continue;
            };
            let stem = arg_stem(io);
            let ty = self.own_ctype(&view);
            self.validate_fn(out, &view, &ty, &stem, Some(io), h);
            self.clear_out_fn(out, &view, &ty, &stem, Some(io));
        }
    }

    /// The prototypes of [`Self::struct_fns`] for the header.
    pub(super) fn struct_prototypes(&self, out: &mut String) {
        let p = &self.p;
        for item in &self.model.definition_order {
            if let ItemRef::Struct(i) = *item {
                let s = &self.model.structs[i];
                if s.inline {
                    continue;
                }
                let ty = self
                    .own_tag(i)
                    .map_or_else(|| Cow::Owned(self.own_ctype(s)), Cow::Borrowed);
                let stem = snake(&s.name);
                for piece in ["/* ", &ty, " */\n"] {
                    out.push_str(piece);
                }
                self.validate_prototype(out, &ty, &stem);
                for piece in ["void ", p, "_clear_out_", &stem, "(", &ty, " *v);\n"] {
                    out.push_str(piece);
                }
                if self.has_newer(s) {
                    push_call(
                        out,
                        0,
                        &format!("void {p}_clear_newer_{stem}("),
                        &[format!("{ty} *v").as_str(), "u32 rev"],
                        ");",
                    );
                }
                if grew(s) {
                    out.push_fmt(format_args!("size_t {p}_{stem}_size_at(u32 rev);\n"));
                }
                out.push('\n');
            }
        }
        for io in &self.model.ioctls {
            if io.arg_access.is_empty() {
                continue;
            }
            let Some(arg) = &io.arg else { continue };
            let ty = self.ctype(arg);
            let stem = arg_stem(io);
            out.push_fmt(format_args!(
                "/* {ty} as ioctl {} uses it (arg-access) */\n",
                io.name
            ));
            self.validate_prototype(out, &ty, &stem);
            out.push_fmt(format_args!("void {p}_clear_out_{stem}({ty} *v);\n\n"));
        }
    }

    /// `int <p>_validate_<stem>_at(const <ty> *v, u32 rev);`
    fn validate_prototype(&self, out: &mut String, ty: &str, stem: &str) {
        push_call(
            out,
            0,
            &["int ", &self.p, "_validate_", stem, "_at("].concat(),
            &[["const ", ty, " *v"].concat().as_str(), "u32 rev"],
            ");",
        );
    }

    fn validate_fn(
        &self,
        out: &mut String,
        s: &Struct,
        ty: &str,
        stem: &str,
        io: Option<&Ioctl>,
        h: &mut Helpers,
    ) {
        let mut checks = Vec::new();
        let scope = Scope {
            base: s.since,
            at: s.since,
            own: true,
        };
        self.checks(s, "v->", true, scope, &mut checks, h);
        if io.is_none() {
            // A struct of the model (not an ioctl's view of one): nested
            // uses of it ask this.
            self.has_checks
                .borrow_mut()
                .insert(std::ptr::from_ref(s), !checks.is_empty());
        }
        let mut doc = String::with_capacity(ty.len() + 100);
        doc.push_str("Checks a ");
        doc.push_str(ty);
        doc.push_str(" the caller wrote");
        if let Some(io) = io {
            doc.push_str(" for ioctl ");
            doc.push_str(&io.name);
            doc.push_str(" (arg-access)");
        }
        doc.push_str(", as a driver of revision rev does: 0 or -EINVAL.");
        if s.is_union {
            push_comment(
                out,
                0,
                &[
                    doc.as_str(),
                    "A union: which member is active is the callback's to know, so no byte \
                     of it is checked here.",
                ],
            );
        } else {
            push_comment(out, 0, &[doc]);
        }
        push_call(
            out,
            0,
            &["int ", &self.p, "_validate_", stem, "_at("].concat(),
            &[["const ", ty, " *v"].concat().as_str(), "u32 rev"],
            ")",
        );
        out.push_str("{\n");
        let needs_ret = checks
            .iter()
            .any(|c| matches!(c.kind, CheckKind::Call(_) | CheckKind::Each(..)));
        let needs_i = checks.iter().any(|c| matches!(c.kind, CheckKind::Each(..)));
        if needs_i {
            out.push_str("\tsize_t i;\n");
        }
        if needs_ret {
            out.push_str("\tint ret;\n");
        }
        if needs_i || needs_ret {
            out.push('\n');
        }
        for c in &checks {
            write_check(out, c);
        }
        out.push_str("\treturn 0;\n}\n\n");
    }

    fn clear_out_fn(&self, out: &mut String, s: &Struct, ty: &str, stem: &str, io: Option<&Ioctl>) {
        let mut doc = String::with_capacity(ty.len() + 120);
        doc.push_str("Zeroes the members of a ");
        doc.push_str(ty);
        doc.push_str(" the kernel writes");
        if let Some(io) = io {
            doc.push_str(" (as ioctl ");
            doc.push_str(&io.name);
            doc.push_str(" uses it)");
        }
        doc.push_str(", so that a callback never sees what the caller left there.");
        push_comment(out, 0, &[doc]);
        for piece in ["void ", &self.p, "_clear_out_", stem, "(", ty, " *v)\n{\n"] {
            out.push_str(piece);
        }
        self.clears(s, "v->", out);
        out.push_str("}\n\n");
    }

    fn clear_newer_fn(&self, out: &mut String, s: &Struct, ty: &str, stem: &str) {
        let newer = self.newer_clears(s);
        if newer.is_empty() {
            return;
        }
        push_comment(
            out,
            0,
            &[format!(
                "Zeroes the members of a {ty} newer than revision rev: a driver of that \
                 revision had none, so its callback never sees them and its caller never \
                 gets them."
            )],
        );
        push_call(
            out,
            0,
            &format!("void {}_clear_newer_{stem}(", self.p),
            &[format!("{ty} *v").as_str(), "u32 rev"],
            ")",
        );
        out.push_str("{\n");
        for (since, stmts) in newer {
            // Kernel style: no braces around a single one-line statement.
            if let [one] = stmts.as_slice()
                && one.lines().count() == 1
            {
                out.push_fmt(format_args!("\tif (rev < {since})\n\t{one}"));
                continue;
            }
            out.push_fmt(format_args!("\tif (rev < {since}) {{\n"));
            for st in stmts {
                out.push('\t');
                out.push_str(&st);
            }
            out.push_str("\t}\n");
        }
        out.push_str("}\n\n");
    }

    fn size_at_fn(&self, out: &mut String, s: &Struct, ty: &str, stem: &str) {
        if !grew(s) {
            return;
        }
        let mut thresholds: Vec<u32> = s
            .members
            .iter()
            .map(|m| m.since)
            .filter(|n| *n > s.since)
            .collect();
        thresholds.sort_unstable();
        thresholds.dedup();
        push_comment(
            out,
            0,
            &[format!(
                "The size of a {ty} at revision rev: the end of the last member that \
                 revision had. The dispatcher copies only this many bytes in and out for a \
                 driver of an older revision."
            )],
        );
        out.push_fmt(format_args!(
            "size_t {}_{stem}_size_at(u32 rev)\n{{\n",
            self.p
        ));
        let size = |out: &mut String, at: u32| match s.members.iter().rposition(|m| m.since <= at) {
            None => out.push('0'),
            Some(last) if last + 1 == s.members.len() => {
                out.push_fmt(format_args!("sizeof({ty})"));
            }
            Some(last) => out.push_fmt(format_args!(
                "offsetofend({ty}, {})",
                member_ident(&s.members[last].name)
            )),
        };
        for at in thresholds.iter().rev() {
            out.push_fmt(format_args!("\tif (rev >= {at})\n\t\treturn "));
            size(out, *at);
            out.push_str(";\n");
        }
        out.push_str("\treturn ");
        size(out, s.since);
        out.push_str(";\n}\n\n");
    }

    /// Whether `clear_newer_<s>` does something.
    pub(super) fn has_newer(&self, s: &Struct) -> bool {
        !self.newer_clears(s).is_empty()
    }

    /// The statements (at one tab) of `clear_newer_<s>` by revision.
    fn newer_clears(&self, s: &Struct) -> Vec<(u32, Vec<String>)> {
        let mut by: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        // Most members are as old as their struct and embed nothing:
        // they are named only when a statement needs them.
        let field = |m: &Member| format!("v->{}", member_ident(&m.name));
        for m in s.members.iter().filter(|m| !m.is_flexible()) {
            if m.since > s.since {
                let f = field(m);
                by.entry(m.since)
                    .or_default()
                    .push(format!("\tmemset(&{f}, 0, sizeof({f}));\n"));
                continue;
            }
            if let Some(id) = m.kind.embedded_struct()
                && self.own_struct(id)
                && !self.model.struct_(id).inline
            {
                let inner = self.newer_clears(self.model.struct_(id));
                if let Some(since) = inner.iter().map(|(n, _)| *n).max() {
                    let f = field(m);
                    let func = self.struct_fn("clear_newer_{}", id);
                    by.entry(since)
                        .or_default()
                        .push(for_each(m, &f, |x| format!("{func}({x}, rev);")));
                }
            }
        }
        by.into_iter().collect()
    }

    /// The statements (at one tab) of `clear_out_<s>`, for members at
    /// `path` (`v->`, or `v->a.` inside a struct written in place).
    fn clears(&self, s: &Struct, path: &str, out: &mut String) {
        if s.is_union {
            return;
        }
        for m in s.members.iter().filter(|m| !m.is_flexible()) {
            let is_out = m.access == crate::model::Access::Out;
            // Only a member the kernel writes, or a struct that may hold
            // one, is cleared: the others are not named at all.
            if !may_clear(m, is_out) {
                continue;
            }
            let f = self.field(path, m);
            match &m.kind {
                MemberKind::UserPtr { .. } | MemberKind::Pad { .. } => {}
                MemberKind::Struct { id, count } => {
                    let inner = self.model.struct_(id);
                    if is_out {
                        push_memset(out, &f);
                    } else if inner.inline && count.is_none() {
                        self.clears(inner, &self.inner_path(path, m), out);
                    } else if has_clears(self.model, inner) {
                        let func = self.struct_fn("clear_out_{}", id);
                        out.push_str(&for_each(m, &f, |x| format!("{func}({x});")));
                    }
                }
                MemberKind::Scalar { count: None, .. } => {
                    // Clearable, so written by the kernel.
                    for piece in ["\t", &f, " = 0;\n"] {
                        out.push_str(piece);
                    }
                }
                // A union's bytes are cleared whole, never member-wise.
                MemberKind::Union { .. }
                | MemberKind::Scalar { count: Some(_), .. }
                | MemberKind::Binary { .. }
                | MemberKind::String { .. } => push_memset(out, &f),
            }
        }
    }

    /// The C lvalue of member `m` at `path`.
    fn field(&self, path: &str, m: &Member) -> String {
        let mut f = String::with_capacity(path.len() + m.name.len() + 1);
        f.push_str(path);
        push_member_ident(&mut f, &m.name);
        f
    }

    /// The path to the members of a struct member written in place: its
    /// own for an anonymous member (C reaches them as the holder's).
    fn inner_path(&self, path: &str, m: &Member) -> String {
        if m.anonymous {
            path.to_string()
        } else {
            format!("{path}{}.", member_ident(&m.name))
        }
    }

    /// The checks of `s` at `path`; with `reads` false only pad.
    fn checks(
        &self,
        s: &Struct,
        path: &str,
        reads: bool,
        scope: Scope,
        out: &mut Vec<Check>,
        h: &mut Helpers,
    ) {
        if s.is_union {
            return;
        }
        for m in s.members.iter().filter(|m| !m.is_flexible()) {
            let read = reads && m.access.read_by_kernel();
            // Most members are checked by nothing: skipped before they
            // are named.
            if !may_check(m, read) {
                continue;
            }
            let field = self.field(path, m);
            let at = if scope.own {
                scope.at.max(m.since)
            } else {
                scope.at
            };
            let from = (at > scope.base).then_some(at);
            match &m.kind {
                MemberKind::Pad { scalar, .. } => {
                    let cond = match scalar {
                        Some(PadScalar { count: None, .. }) => [field.as_str(), " != 0"].concat(),
                        None | Some(PadScalar { count: Some(_), .. }) => {
                            ["memchr_inv(&", &field, ", 0, sizeof(", &field, "))"].concat()
                        }
                    };
                    out.push(Check {
                        kind: CheckKind::Cond(cond),
                        from,
                    });
                }
                MemberKind::Scalar { ty, count: None } => {
                    if !read {
                        continue;
                    }
                    let x = scalar_value(&field, *ty, m.byte_order);
                    if let Some(check) = &m.check {
                        for cond in self.enum_conds(&x, *ty, check, at, h) {
                            out.push(Check {
                                kind: CheckKind::Cond(cond),
                                from,
                            });
                        }
                    }
                    if let Some(range) = m.range
                        && let Some(cond) = range_cond(&x, *ty, range)
                    {
                        out.push(Check {
                            kind: CheckKind::Cond(cond),
                            from,
                        });
                    }
                }
                MemberKind::Struct { id, count } => {
                    let inner = self.model.struct_(id);
                    let own = self.own_struct(id);
                    if inner.inline && count.is_none() {
                        let inner_scope = Scope {
                            base: scope.base,
                            at,
                            own: scope.own && own,
                        };
                        self.checks(inner, &self.inner_path(path, m), read, inner_scope, out, h);
                        continue;
                    }
                    if read {
                        if !self.has_checks(inner, own) {
                            continue;
                        }
                        let func = self.struct_fn("validate_{}_at", id);
                        let rev = if own {
                            "rev".to_string()
                        } else {
                            format!(
                                "{}_REVISION",
                                crate::names::upper(&self.model.owner(id).c_prefix)
                            )
                        };
                        let kind = match count {
                            Some(n) => {
                                let elem = if m.dims.len() > 1 {
                                    format!("&(&{field}{})[i]", "[0]".repeat(m.dims.len()))
                                } else {
                                    format!("&{field}[i]")
                                };
                                CheckKind::Each(n.to_string(), format!("{func}({elem}, {rev})"))
                            }
                            None => CheckKind::Call(
                                [func.as_str(), "(&", &field, ", ", &rev, ")"].concat(),
                            ),
                        };
                        out.push(Check { kind, from });
                    } else if count.is_none() {
                        let inner_scope = Scope {
                            base: scope.base,
                            at,
                            own: scope.own && own,
                        };
                        let p = format!("{field}.");
                        self.checks(inner, &p, false, inner_scope, out, h);
                    }
                }
                MemberKind::Union { .. }
                | MemberKind::Scalar { count: Some(_), .. }
                | MemberKind::Binary { .. }
                | MemberKind::String { .. }
                | MemberKind::UserPtr { .. } => {}
            }
        }
    }

    /// Whether `<p>_validate_<s>_at` checks anything (a nested struct's
    /// call is written only then); `own` whether this spec owns `s`.
    /// Answered once per struct: its own validate function records it
    /// (structs are defined before their users), else it is worked out
    /// here.
    fn has_checks(&self, s: &Struct, own: bool) -> bool {
        let key = std::ptr::from_ref(s);
        let known = self.has_checks.borrow().get(&key).copied();
        if let Some(known) = known {
            return known;
        }
        // Its helpers are its own function's, not this one's.
        let mut sub = Vec::new();
        let scope = Scope {
            base: s.since,
            at: s.since,
            own,
        };
        self.checks(s, "v->", true, scope, &mut sub, &mut Helpers::default());
        let any = !sub.is_empty();
        self.has_checks.borrow_mut().insert(key, any);
        any
    }

    /// The -EINVAL conditions of an enum or flags member whose host-order
    /// value is `x` and which exists from revision `at` on. The values'
    /// set is a static helper of the `.c` (one per enum), which knows
    /// each value's revision.
    fn enum_conds(
        &self,
        x: &str,
        ty: Scalar,
        check: &EnumCheck,
        at: u32,
        h: &mut Helpers,
    ) -> Vec<String> {
        let owner = self.model.owner(&check.enum_id);
        let e = self.model.enum_(&check.enum_id);
        let own = owner.name == self.model.name;
        let bits_of = |x: &str| -> String {
            if ty.signed() {
                format!("(u64)(u{}){x}", ty.size() * 8)
            } else {
                x.to_string()
            }
        };
        // The revision the helper plays: another spec's enum is checked
        // whole (its values count in that spec's revisions); a value not
        // newer than the member is accepted whatever `rev` says, as the
        // Rust crate does.
        let newer = || e.entries.iter().map(|x| x.since).filter(|s| *s > e.since);
        let rev: Cow<'_, str> = if !own {
            Cow::Borrowed("U32_MAX")
        } else if newer().any(|s| s <= at) {
            let mut r = String::from("max_t(u32, rev, ");
            push_decimal(&mut r, at);
            r.push(')');
            Cow::Owned(r)
        } else {
            Cow::Borrowed("rev")
        };
        if check.as_flags && e.kind == EnumKind::Enum {
            // An enum used as flags: each value is a bit number.
            let bits = ty.size() * 8;
            let mask_of = |pred: &dyn Fn(&crate::model::EnumEntry) -> bool| {
                e.entries
                    .iter()
                    .filter(|v| (0..i128::from(bits)).contains(&v.value) && pred(v))
                    .fold(0u64, |m, v| m | 1 << v.value)
            };
            let mask = mask_of(&|_| true);
            let full = if bits == 64 {
                u64::MAX
            } else {
                (1u64 << bits) - 1
            };
            let v = bits_of(x);
            let mut conds = Vec::new();
            if mask != full {
                conds.push(if mask == 0 {
                    format!("{x} != 0")
                } else {
                    format!("{v} & ~{mask:#x}ULL")
                });
            }
            if own {
                let mut sinces: Vec<u32> = newer().filter(|s| *s > at).collect();
                sinces.sort_unstable();
                sinces.dedup();
                for since in sinces {
                    let m = mask_of(&|v| v.since == since);
                    if m != 0 {
                        conds.push(format!("rev < {since} && ({v} & {m:#x}ULL)"));
                    }
                }
            }
            return conds;
        }
        let flags = e.kind == EnumKind::Flags;
        let signed_set = !flags && e.has_negative();
        // An enum is checked wherever a member holds it: its helper is
        // named, and made, at its first check only.
        let name = match h.enum_helpers.entry(std::ptr::from_ref(e)) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(first) => {
                // `<p>_<enum>_valid`, the enum's helper.
                let mut name = String::with_capacity(self.p.len() + e.name.len() + 8);
                if own {
                    name.push_str(&self.p);
                } else {
                    push_lower(&mut name, &owner.c_prefix);
                }
                name.push('_');
                push_lower(&mut name, &e.name);
                name.push_str("_valid");
                if !h.fns.contains_key(&name) {
                    let helper = enum_helper(owner, e, &name, flags, signed_set);
                    h.fns.insert(name.clone(), helper);
                }
                first.insert(name)
            }
        };
        let bits;
        let arg = if flags {
            bits = bits_of(x);
            bits.as_str()
        } else {
            x
        };
        // A value the helper's parameter cannot hold is rejected first.
        let guard = match (signed_set, ty.signed()) {
            _ if flags => None,
            (false, true) => Some(" < 0 || "),
            (true, false) if ty == Scalar::U64 => Some(" > S64_MAX || "),
            _ => None,
        };
        let call = ["!", name.as_str(), "(", arg, ", ", &rev, ")"];
        let mut cond =
            String::with_capacity(x.len() + 16 + call.iter().map(|p| p.len()).sum::<usize>());
        if let Some(g) = guard {
            cond.push_str(x);
            cond.push_str(g);
        }
        for piece in call {
            cond.push_str(piece);
        }
        vec![cond]
    }
}

/// The static helper that says whether `v` is a value (or a set of flag
/// bits) of `e` a driver of revision `rev` knew.
fn enum_helper(
    owner: &crate::model::Model,
    e: &crate::model::Enum,
    name: &str,
    flags: bool,
    signed: bool,
) -> String {
    let vty = if signed { "s64" } else { "u64" };
    let mut out = comment(
        0,
        &[format!(
            "Is v {} of {} a driver of revision rev knew?",
            if flags { "a set of flags" } else { "a value" },
            e.name
        )],
    );
    out += &format!("static bool {name}({vty} v, u32 rev)\n{{\n");
    // Entries of an enum another header defines have no name here.
    // Every derived entry name starts with it: cased once per enum.
    let prefix = if e.header.is_some() {
        String::new()
    } else {
        entry_prefix(owner, e)
    };
    let label = |x: &crate::model::EnumEntry| -> String {
        if e.header.is_some() {
            super::c_lit(x.value, signed)
        } else {
            entry_macro_with(&prefix, x)
        }
    };
    if flags {
        out += &format!(
            "\tif (v & ~(u64){})\n\t\treturn false;\n",
            flags_all_macro(owner, e)
        );
        let mut by: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        for x in e.entries.iter().filter(|x| x.since > e.since) {
            by.entry(x.since).or_default().push(label(x));
        }
        for (since, names) in by {
            let set = if names.len() == 1 {
                names[0].clone()
            } else {
                format!("({})", names.join(" | "))
            };
            out += &call(1, "if (", &[format!("rev < {since} && (v & {set})")], ")");
            out += "\t\treturn false;\n";
        }
        for x in &e.entries {
            let Some(f) = x.field.as_ref().filter(|f| !f.values.is_empty()) else {
                continue;
            };
            let fm = label(x);
            out.push_fmt(format_args!("\tswitch (v & {fm}) {{\n"));
            for v in &f.values {
                for piece in ["\tcase ", &field_value_macro(&fm, &v.name), ":\n"] {
                    out.push_str(piece);
                }
            }
            out += "\t\tbreak;\n\tdefault:\n\t\treturn false;\n\t}\n";
        }
        out += "\treturn true;\n}\n";
        return out;
    }
    let mut seen = Vec::new();
    let mut by: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for x in &e.entries {
        if x.alias_of.is_some() || seen.contains(&x.value) {
            continue;
        }
        seen.push(x.value);
        let since = if x.since > e.since { x.since } else { 0 };
        by.entry(since).or_default().push(label(x));
    }
    out += "\tswitch (v) {\n";
    for (since, names) in by {
        for n in names {
            for piece in ["\tcase ", &n, ":\n"] {
                out.push_str(piece);
            }
        }
        if since == 0 {
            out += "\t\treturn true;\n";
        } else {
            out += &format!("\t\treturn rev >= {since};\n");
        }
    }
    out += "\tdefault:\n\t\treturn false;\n\t}\n}\n";
    out
}

fn write_check(out: &mut String, c: &Check) {
    let (ind, close) = match c.from {
        Some(f) => {
            if let CheckKind::Cond(cond) = &c.kind {
                let cond = if cond.contains("||") {
                    format!("rev >= {f} && ({cond})")
                } else {
                    format!("rev >= {f} && {cond}")
                };
                push_call(out, 1, "if (", &[cond], ")");
                out.push_str("\t\treturn -EINVAL;\n");
                return;
            }
            out.push_fmt(format_args!("\tif (rev >= {f}) {{\n"));
            (2, true)
        }
        None => (1, false),
    };
    match &c.kind {
        CheckKind::Cond(cond) => {
            push_call(out, ind, "if (", std::slice::from_ref(cond), ")");
            push_tabs(out, ind + 1);
            out.push_str("return -EINVAL;\n");
        }
        CheckKind::Call(f) => {
            push_tabs(out, ind);
            for piece in ["ret = ", f, ";\n"] {
                out.push_str(piece);
            }
            push_tabs(out, ind);
            out.push_str("if (ret)\n");
            push_tabs(out, ind + 1);
            out.push_str("return ret;\n");
        }
        CheckKind::Each(n, f) => {
            push_tabs(out, ind);
            out.push_fmt(format_args!("for (i = 0; i < {n}; i++) {{\n"));
            push_tabs(out, ind + 1);
            out.push_fmt(format_args!("ret = {f};\n"));
            push_tabs(out, ind + 1);
            out.push_str("if (ret)\n");
            push_tabs(out, ind + 2);
            out.push_str("return ret;\n");
            push_tabs(out, ind);
            out.push_str("}\n");
        }
    }
    if close {
        out.push_str("\t}\n");
    }
}

/// `memset(&f, 0, sizeof(f));` at one tab.
fn push_memset(out: &mut String, f: &str) {
    for piece in ["\tmemset(&", f, ", 0, sizeof(", f, "));\n"] {
        out.push_str(piece);
    }
}

/// Whether `clear_out_<s>` clears anything: [`Gen::clears`]' rule,
/// without writing the statements.
fn has_clears(model: &crate::model::Model, s: &Struct) -> bool {
    clears_any(s, |id| has_clears(model, model.struct_(id)))
}

/// A statement (at one tab) on member `f` given by address as `x`, or on
/// each element of an array of structs.
fn for_each(m: &Member, f: &str, stmt: impl Fn(&str) -> String) -> String {
    match &m.kind {
        MemberKind::Struct { count: Some(n), .. } => {
            let elem = if m.dims.len() > 1 {
                format!("&(&{f}{})[i]", "[0]".repeat(m.dims.len()))
            } else {
                format!("&{f}[i]")
            };
            format!(
                "\t{{\n\t\tsize_t i;\n\n\t\tfor (i = 0; i < {n}; i++)\n\t\t\t{}\n\t}}\n",
                stmt(&elem)
            )
        }
        MemberKind::Struct { count: None, .. }
        | MemberKind::Union { .. }
        | MemberKind::Scalar { .. }
        | MemberKind::Pad { .. }
        | MemberKind::Binary { .. }
        | MemberKind::String { .. }
        | MemberKind::UserPtr { .. } => format!("\t{}\n", stmt(&format!("&{f}"))),
    }
}

/// The member's value in host order, of its own signedness.
pub(super) fn scalar_value(field: &str, ty: Scalar, order: Option<ByteOrder>) -> String {
    let bits = ty.size() * 8;
    if ty.size() == 1 {
        return field.to_string();
    }
    let conv = match order {
        Some(ByteOrder::Big) => format!("be{bits}_to_cpu({field})"),
        Some(ByteOrder::Little) => format!("le{bits}_to_cpu({field})"),
        None => return field.to_string(),
    };
    if ty.signed() {
        format!("(s{bits}){conv}")
    } else {
        conv
    }
}

/// The range check of a member whose value is `x`; a bound equal to the
/// type's own is not compared.
fn range_cond(x: &str, ty: Scalar, (lo, hi): (i128, i128)) -> Option<String> {
    let (tlo, thi) = ty.bounds();
    let s = ty.signed();
    let (low, high) = (lo != tlo, hi != thi);
    if !low && !high {
        return None;
    }
    let mut cond = String::with_capacity(2 * x.len() + 56);
    if low {
        cond.push_str(x);
        cond.push_str(" < ");
        push_c_lit(&mut cond, lo, s);
    }
    if high {
        if low {
            cond.push_str(" || ");
        }
        cond.push_str(x);
        cond.push_str(" > ");
        push_c_lit(&mut cond, hi, s);
    }
    Some(cond)
}

/// Whether a later revision grew the struct.
pub(super) fn grew(s: &Struct) -> bool {
    s.members.iter().any(|m| m.since > s.since)
}

/// `<ioctl>_arg`: the stem of an ioctl's own argument functions.
pub(super) fn arg_stem(io: &Ioctl) -> String {
    format!("{}_arg", snake(&io.name))
}
