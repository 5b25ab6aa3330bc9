//! The per-struct functions of the kernel crate: `validate_<s>` and
//! `validate_<s>_at` (pad, enum, flags and range checks, by revision),
//! `clear_out_<s>` and `clear_newer_<s>`; `size_<s>_at` is in `size`.

use super::two::Tw;
use super::{Gen, Spellings, StructNames, doc, path};
use crate::backend::rust::RustScalar;
use crate::backend::rust::items;
use crate::backend::rust::layout;
use crate::backend::rust::uapi::rust_array;
use crate::backend::rust::uapi::since_text;
use crate::backend::rust::writer::{RustWriter, hex_lit, ident, snake_ident};
use crate::backend::shared::{PushFmt, clears_any, may_check, may_clear, push_joined};
use crate::model::{
    ByteOrder, EnumCheck, EnumEntry, EnumKind, Ioctl, Member, MemberKind, PadScalar, Scalar, Struct,
};
use crate::names;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// What one check of `validate_<struct>_at` does.
enum Test {
    /// EINVAL when the condition holds.
    Cond(String),
    /// EINVAL when the pad bytes of this field are not all zero, as the
    /// runtime's `all_zero` tells (whose path is the flavour's).
    NotAllZero(String),
    /// A nested struct the kernel reads, validated by its own function
    /// (the function and its arguments; at `rev` when the flag is set).
    Nested(String, Vec<String>, bool),
    /// An array of structs the kernel reads: what a `for` goes through
    /// to reach each element, then as for `Nested`, the element passed
    /// as `e`.
    NestedEach(String, String, Vec<String>, bool),
}

/// Where `checks` is in a struct: `base` is the revision of the struct
/// being validated, `at` the newest `since` on the path to here (the
/// revision from which these members exist), `own` whether the members
/// here are numbered by this spec's revisions.
#[derive(Clone, Copy)]
pub(super) struct Scope {
    pub(super) base: u32,
    pub(super) at: u32,
    pub(super) own: bool,
}

/// Where `checks` is in the value: the expression of the struct whose
/// members it checks (`v`, `v.a.b`) and its label in descriptions (``,
/// `a.b`: the members' names without `r#`).
#[derive(Clone, Copy)]
struct Place<'a> {
    field: &'a str,
    label: &'a str,
}

impl Place<'_> {
    /// The validated struct itself.
    const TOP: Place<'static> = Place {
        field: "v",
        label: "",
    };

    /// The field expression and label of the member `ident` here.
    fn member(self, ident: &str) -> (String, String) {
        let mut field = String::with_capacity(self.field.len() + 1 + ident.len());
        field.push_str(self.field);
        field.push('.');
        field.push_str(ident);
        let name = ident.strip_prefix("r#").unwrap_or(ident);
        let mut label = String::with_capacity(self.label.len() + 1 + name.len());
        if !self.label.is_empty() {
            label.push_str(self.label);
            label.push('.');
        }
        label.push_str(name);
        (field, label)
    }
}

/// One condition under which `validate_<struct>_at` fails, and the
/// revisions it applies at: `from` for a member newer than the struct
/// (an older driver's struct did not have it), `until` for an enum value
/// or flag bit newer than its member (an older driver did not know it).
struct Check {
    test: Test,
    doc: String,
    from: Option<u32>,
    until: Option<u32>,
}

impl Check {
    fn new(test: Test, doc: String, from: Option<u32>) -> Check {
        Check {
            test,
            doc,
            from,
            until: None,
        }
    }

    /// The test of `rev` that must hold for the check to apply.
    fn rev_test(&self) -> Option<String> {
        match (self.from, self.until) {
            (Some(f), Some(u)) => Some(format!("({f}..{u}).contains(&rev)")),
            (Some(f), None) => Some(format!("rev >= {f}")),
            (None, Some(u)) => Some(format!("rev < {u}")),
            (None, None) => None,
        }
    }

    /// `guard`: its [`Check::rev_test`]; `einval`: `EINVAL` as each flavour
    /// spells it. The flavours differ only there and in the runtime's
    /// path: the rest of the check is printed once for both.
    fn write(&self, g: &Gen, tw: &mut Tw, guard: Option<&str>, einval: &Spellings) {
        match &self.test {
            Test::Cond(c) => {
                open_if_cond(tw.w(), guard, c);
                g.return_err(tw, einval);
                tw.w().close("");
            }
            Test::NotAllZero(field) => {
                g.split(tw, |w| {
                    let cond = ["!", g.rt(), "::all_zero(&", field, ")"].concat();
                    open_if_cond(w, guard, &cond);
                });
                g.return_err(tw, einval);
                tw.w().close("");
            }
            Test::Nested(f, args, _) => nested_call(tw.w(), guard, None, f, args),
            Test::NestedEach(array, f, args, _) => {
                nested_call(tw.w(), guard, Some(array), f, args);
            }
        }
    }

    /// Appends the description as a list item of `text`; an `until`
    /// check's says which revisions itself.
    fn push_doc_item(&self, text: &mut String) {
        text.push_str("\n- ");
        text.push_str(&self.doc);
        if let Some(f) = self.from {
            text.push_fmt(format_args!(" (a member from revision {f} on)"));
        }
    }
}

/// A nested struct's validation `f(args)?;`, under `guard`, on each
/// element of `each` when it is an array. The same in both flavours.
fn nested_call(
    w: &mut RustWriter,
    guard: Option<&str>,
    each: Option<&str>,
    f: &str,
    args: &[String],
) {
    if let Some(g) = guard {
        w.open_fmt(format_args!("if {g}"));
    }
    if let Some(array) = each {
        w.open_fmt(format_args!("for e in {array}"));
    }
    layout::call_stmt(w, f, args, "?;");
    if each.is_some() {
        w.close("");
    }
    if guard.is_some() {
        w.close("");
    }
}

/// `layout::open_if` of `guard && cond` (or `cond` alone), written
/// straight to the writer when it takes the one-line form: the line fits
/// and no operand has a comma, so none is a call with more than one
/// argument that `fn_call_width` could break (see `layout::binary`).
fn open_if_cond(w: &mut RustWriter, guard: Option<&str>, cond: &str) {
    let guard_len = guard.as_ref().map_or(0, |g| g.len() + " && ".len());
    let one_line = w.fits_len("if ".len() + guard_len + cond.len() + " {".len())
        && !cond.contains(',')
        && !guard.as_ref().is_some_and(|g| g.contains(','));
    match (one_line, guard) {
        (true, Some(g)) => w.line_of(&["if ", g, " && ", cond, " {"]),
        (true, None) => w.line_of(&["if ", cond, " {"]),
        (false, guard) => {
            let mut operands: Vec<String> = guard.map(str::to_string).into_iter().collect();
            operands.push(cond.to_string());
            layout::open_if(w, &operands);
            return;
        }
    }
    w.indent_in();
}

impl Gen<'_> {
    /// The functions of struct `s`: the flavours differ only in
    /// `validate_<s>_at`'s signature and failures, the rest is printed once
    /// for both.
    pub(super) fn struct_fns(&self, tw: &mut Tw, s: &Struct) {
        let names = self.own_names(s);
        self.validate_at_fn(tw, s, &names, &names.snake, None);
        let w = tw.w();
        self.clear_out_fn(w, s, &names, &names.snake, None);
        // The revision functions exist only for a struct that grew: for
        // the others clearing does nothing and the size is `size_of`, so
        // `dispatch` needs neither and no driver would call them.
        self.clear_newer_fn(w, s, &names);
        if self.grew(s) {
            self.size_at_fn(w, s, &names.ty, &names.link);
        }
    }

    /// `validate_<ioctl>_arg_at` and `clear_out_<ioctl>_arg`: the
    /// argument's checks and clears with the ioctl's `arg-access`
    /// applied, which its dispatch uses instead of the struct's own.
    pub(super) fn ioctl_arg_fns(&self, tw: &mut Tw, io: &Ioctl) {
        if io.arg_access.is_empty() {
            return;
        }
        let Some(view) = self.model.ioctl_arg(io) else {
            return;
        };
        let stem = ioctl_arg_stem(io);
        let names = self.own_names(&view);
        self.validate_at_fn(tw, &view, &names, &stem, Some(io));
        self.clear_out_fn(tw.w(), &view, &names, &stem, Some(io));
    }

    /// `validate_<stem>_at` for `s` (the struct, or an ioctl's view of it).
    fn validate_at_fn(
        &self,
        tw: &mut Tw,
        s: &Struct,
        names: &StructNames,
        stem: &str,
        io: Option<&Ioctl>,
    ) {
        let mut checks = Vec::new();
        let scope = Scope {
            base: s.since,
            at: s.since,
            own: true,
        };
        self.checks(s, Place::TOP, true, scope, &mut checks);
        let guards: Vec<Option<String>> = checks.iter().map(Check::rev_test).collect();
        let uses_rev = checks.iter().zip(&guards).any(|(c, g)| {
            g.is_some()
                || matches!(
                    c.test,
                    Test::Nested(_, _, true) | Test::NestedEach(_, _, _, true)
                )
        });
        doc(tw.w(), &self.validate_doc(s, names, io, &checks, uses_rev));
        let name = ["pub fn validate_", stem, "_at"].concat();
        let params = [["v: &", &names.ty].concat(), "rev: u32".to_string()];
        self.split(tw, |w| {
            items::fn_sig(w, &name, &params, Some(self.result_ty()), " {");
        });
        if checks.is_empty() {
            tw.w().line("let _ = (v, rev);");
        } else {
            if !uses_rev {
                tw.w().line("let _ = rev;");
            }
            let einval = Spellings::of("EINVAL");
            for (c, g) in checks.iter().zip(&guards) {
                c.write(self, tw, g.as_deref(), &einval);
            }
        }
        let w = tw.w();
        w.line("Ok(())");
        w.close("");
    }

    /// The doc comment of `validate_<stem>_at`, whose checks are `checks`.
    fn validate_doc(
        &self,
        s: &Struct,
        names: &StructNames,
        io: Option<&Ioctl>,
        checks: &[Check],
        uses_rev: bool,
    ) -> String {
        // Paragraphs are lines of the text, as `doc` reads them.
        let mut text = String::with_capacity(1024);
        text.push_fmt(format_args!(
            "Checks a {} the caller wrote, before any handler sees it, as a driver of \
             revision `rev` of the `{}` spec does. {}",
            names.link,
            self.model.name,
            since_text(s.since)
        ));
        if let Some(io) = io {
            text.push('\n');
            text.push_str(&arg_access_text(io, s));
        }
        if checks.is_empty() {
            text.push_str(
                "\nAccepts every value: the struct has no pad, and no flags, enum or range \
                 member the kernel reads.",
            );
        } else {
            text.push_str("\nFails with `EINVAL` when:");
            for c in checks {
                c.push_doc_item(&mut text);
            }
            if self.has_clears(s) {
                text.push_str(
                    "\nMembers the kernel only writes are not checked (except pad): [`dispatch`] \
                     zeroes them first.",
                );
            }
        }
        if checks.iter().any(|c| c.from.is_some()) {
            text.push_fmt(format_args!(
                "\nA member newer than `rev` is not checked: that revision's struct ended \
                 before it, and [`dispatch`] zeroes it ([`clear_newer_{}`]).",
                names.snake
            ));
        }
        if checks.iter().any(|c| c.until.is_some()) {
            text.push_str(
                "\nAn enum value or flag bit newer than `rev` is rejected, as a driver that \
                 did not know it rejects it.",
            );
        }
        if self.has_foreign_checks(s) {
            text.push_str(
                "\nEnums and structs of an included spec are checked at that spec's own \
                 revision (its crate's `REVISION`): `rev` numbers only this spec's items.",
            );
        }
        if s.is_union {
            text.push_str(
                "\nA union: which member is active is the handler's to know, and a byte that is \
                 pad in one member is a value in another, so no byte of it is checked or \
                 cleared here; the handler validates the member it reads (that member's own \
                 `validate_<struct>_at`).",
            );
        }
        if let Some(m) = s.members.iter().find(|m| m.is_flexible()) {
            text.push_fmt(format_args!(
                "\nThe flexible array member `{}` is not part of the argument: its elements \
                 follow the struct in the caller's memory, and neither [`dispatch`] nor this \
                 function copies, checks or clears them.",
                snake_ident(&m.name)
            ));
        }
        if s.members
            .iter()
            .any(|m| matches!(m.kind, MemberKind::UserPtr { .. }))
        {
            text.push_str(
                "\nUser pointers are not followed here; [`dispatch`] bounds their arrays and \
                 the elements are validated as the handler reads them.",
            );
        }
        if uses_rev {
            text.push_fmt(format_args!(
                "\nA `rev` below {} (the struct's own revision) is taken as {}.",
                s.since, s.since
            ));
        }
        text
    }

    /// `clear_out_<stem>` for `s` (the struct, or an ioctl's view of it).
    fn clear_out_fn(
        &self,
        w: &mut RustWriter,
        s: &Struct,
        names: &StructNames,
        stem: &str,
        io: Option<&Ioctl>,
    ) {
        let (clears, cleared) = self.clears(s);
        let mut text = String::with_capacity(512);
        text.push_fmt(format_args!(
            "Zeroes every member of a {} the kernel writes (access out), so that a \
             handler never sees what the caller left there and copy-out never returns it.",
            names.link
        ));
        if let Some(io) = io {
            text.push('\n');
            text.push_str(&arg_access_text(io, s));
        }
        if cleared.is_empty() {
            text.push_str("\nThe struct has no such member; this does nothing.");
        } else {
            text.push_str("\nClears ");
            push_joined(&mut text, &cleared, ", ");
            text.push('.');
        }
        doc(w, &text);
        items::fn_sig(
            w,
            &["pub fn clear_out_", stem].concat(),
            &[["v: &mut ", &names.ty].concat()],
            None,
            " {",
        );
        if clears.is_empty() {
            w.line("let _ = v;");
        }
        for c in clears {
            w.lines(&c);
        }
        w.close("");
    }

    fn clear_newer_fn(&self, w: &mut RustWriter, s: &Struct, names: &StructNames) {
        let newer = self.newer_clears(s);
        if newer.is_empty() {
            return;
        }
        let mut text = String::with_capacity(512);
        text.push_fmt(format_args!(
            "Zeroes every member of a {} newer than revision `rev` of the `{}` spec: \
             a driver of that revision had no such member. [`dispatch`] does it after copying \
             in and before copying out when the driver reports an older revision, so a handler \
             never sees, and a caller never gets, what that revision did not have.",
            names.link, self.model.name
        ));
        for (since, _, cleared) in &newer {
            text.push_fmt(format_args!("\n- Below revision {since}: "));
            push_joined(&mut text, cleared, ", ");
            text.push('.');
        }
        doc(w, &text);
        items::fn_sig(
            w,
            &format!("pub fn clear_newer_{}", names.snake),
            &[format!("v: &mut {}", names.ty), "rev: u32".to_string()],
            None,
            " {",
        );
        for (since, stmts, _) in newer {
            w.open_fmt(format_args!("if rev < {since}"));
            for st in stmts {
                w.lines(&st);
            }
            w.close("");
        }
        w.close("");
    }

    /// The checks of `s`, whose value is at `at`. With `reads`
    /// false (inside a nested struct the kernel only writes), only pad is
    /// checked.
    fn checks(&self, s: &Struct, at: Place<'_>, reads: bool, scope: Scope, out: &mut Vec<Check>) {
        // Which member of a union is active is the handler's to know: a
        // byte is pad in one member and a value in another, so no byte
        // of a union is checked (see `union_doc`).
        if s.is_union {
            return;
        }
        // A flexible array member's elements are not in the argument.
        for m in s.members.iter().filter(|m| !m.is_flexible()) {
            let read = reads && m.access.read_by_kernel();
            // Most members are checked by nothing: skipped before they
            // are named.
            if !may_check(m, read) {
                continue;
            }
            let (field, label) = at.member(&snake_ident(&m.name));
            // The revision from which this member exists, in this spec's
            // numbering (an included spec's `since` count in its own).
            let at = if scope.own {
                scope.at.max(m.since)
            } else {
                scope.at
            };
            let from = (at > scope.base).then_some(at);
            match &m.kind {
                MemberKind::Pad { scalar, .. } => out.push(Check::new(
                    match scalar {
                        None => Test::NotAllZero(field),
                        Some(PadScalar { count: None, .. }) => {
                            Test::Cond([&field, " != 0"].concat())
                        }
                        Some(PadScalar { count: Some(_), .. }) => {
                            Test::Cond(format!("{field}.iter().any(|x| *x != 0)"))
                        }
                    },
                    ["`", &label, "` (pad) is not all zero"].concat(),
                    from,
                )),
                MemberKind::Scalar { ty, count: None } => {
                    if read {
                        let x = scalar_value(&field, *ty, m.byte_order);
                        if let Some(check) = &m.check {
                            if let Some((cond, doc)) = self.enum_cond(&x, *ty, check, &label) {
                                out.push(Check::new(Test::Cond(cond), doc, from));
                            }
                            for (since, cond, doc) in self.newer_entries(&x, *ty, check, at, &label)
                            {
                                out.push(Check {
                                    test: Test::Cond(cond),
                                    doc,
                                    from,
                                    until: Some(since),
                                });
                            }
                        }
                        if let Some(range) = m.range
                            && let Some((cond, doc)) = range_cond(&x, *ty, range, &label)
                        {
                            out.push(Check::new(Test::Cond(cond), doc, from));
                        }
                    }
                }
                MemberKind::Struct { id, count } => {
                    let inner = self.model.struct_(id);
                    let own = self.own_struct(id);
                    // Each element of an array the kernel reads is checked
                    // as a struct of its own.
                    let elem = if count.is_some() { "e" } else { &*field };
                    let each = |test: Test| match (count, test) {
                        (Some(_), Test::Nested(f, args, at_rev)) => {
                            Test::NestedEach(elements(m, &field, false), f, args, at_rev)
                        }
                        (_, t) => t,
                    };
                    if read {
                        if !self.nested_has_checks(id) {
                            continue;
                        }
                        // A struct of this spec is checked at the same
                        // revision; another spec's at that spec's own.
                        let arg = if count.is_some() {
                            elem.to_string()
                        } else {
                            format!("&{elem}")
                        };
                        let subject = if count.is_some() {
                            format!("an element of `{label}`")
                        } else {
                            format!("`{label}`")
                        };
                        let (test, doc) = if own {
                            let (f, link) = self.struct_fn("validate_{}_at", id);
                            (
                                Test::Nested(f, vec![arg, "rev".to_string()], true),
                                format!("{subject} fails {link} at `rev`"),
                            )
                        } else {
                            let (f, link) = self.struct_fn("validate_{}_at", id);
                            let revision = super::path(&self.uapi_prefix(id.spec()), "REVISION");
                            (
                                Test::Nested(f, vec![arg, revision.clone()], false),
                                format!("{subject} fails {link} at `{revision}`"),
                            )
                        };
                        out.push(Check::new(each(test), doc, from));
                    } else if count.is_some() {
                        // An array the kernel only writes: `clear_out`
                        // zeroes it whole before dispatch validates, so
                        // its elements' pad is not checked here.
                    } else {
                        // Zeroed by clear_out before dispatch validates,
                        // but a standalone call still sees the caller's pad.
                        let inner_scope = Scope {
                            base: scope.base,
                            at,
                            own: scope.own && own,
                        };
                        let here = Place {
                            field: &field,
                            label: &label,
                        };
                        self.checks(inner, here, false, inner_scope, out);
                    }
                }
                // Any bytes are valid in an array, opaque data, a string or
                // a pointer value; a union is not checked (see above).
                MemberKind::Union { .. }
                | MemberKind::Scalar { count: Some(_), .. }
                | MemberKind::Binary { .. }
                | MemberKind::String { .. }
                | MemberKind::UserPtr { .. } => {}
            }
        }
    }

    /// Does `validate_<s>_at` check an enum or a nested struct of an
    /// included spec (which `rev` does not number)?
    fn has_foreign_checks(&self, s: &Struct) -> bool {
        s.members.iter().any(|m| {
            if !m.access.read_by_kernel() {
                return false;
            }
            match &m.kind {
                MemberKind::Scalar { count: None, .. } => m
                    .check
                    .as_ref()
                    .is_some_and(|c| c.enum_id.spec() != self.model.name),
                MemberKind::Struct { id, .. } => !self.own_struct(id),
                MemberKind::Union { .. }
                | MemberKind::Scalar { count: Some(_), .. }
                | MemberKind::Pad { .. }
                | MemberKind::Binary { .. }
                | MemberKind::String { .. }
                | MemberKind::UserPtr { .. } => false,
            }
        })
    }

    /// The checks that reject an enum value or flag bit newer than `rev`,
    /// for a member whose value is `x` and that exists from revision `at`
    /// on: one per revision that added entries, as (that revision,
    /// condition, description). Only this spec's enums: another spec's
    /// entries count in that spec's revisions.
    fn newer_entries(
        &self,
        x: &str,
        ty: Scalar,
        check: &EnumCheck,
        at: u32,
        label: &str,
    ) -> Vec<(u32, String, String)> {
        let owner = check.enum_id.spec();
        if owner != self.model.name {
            return Vec::new();
        }
        let e = self.model.enum_(&check.enum_id);
        let mut by_since: BTreeMap<u32, Vec<&EnumEntry>> = BTreeMap::new();
        for entry in e.entries.iter().filter(|x| x.since > at) {
            by_since.entry(entry.since).or_default().push(entry);
        }
        // Most enums gained no entry after the member: nothing to name.
        if by_since.is_empty() {
            return Vec::new();
        }
        let mut prefix = self.uapi_prefix(owner);
        prefix.push(snake_ident(&e.name));
        let ety = e.value_scalar();
        let et = ety.rust();
        let bitwise = check.as_flags || e.kind == EnumKind::Flags;
        // Bits are tested on the member's bits, as the mask check does.
        let (ux, uty) = if bitwise && ty.signed() {
            let u = unsigned(ty);
            (format!("({x} as {})", u.rust()), u)
        } else {
            (x.to_string(), ty)
        };
        let mut out = Vec::new();
        for (since, entries) in by_since {
            let names = entries
                .iter()
                .map(|x| format!("`{}`", x.name))
                .collect::<Vec<_>>()
                .join(", ");
            let consts: Vec<String> = entries
                .iter()
                .map(|x| path(&prefix, &ident(&names::upper(&x.name))))
                .collect();
            let set = if consts.len() == 1 {
                consts[0].clone()
            } else {
                format!("({})", consts.join(" | "))
            };
            let (cond, what) = if e.kind == EnumKind::Flags {
                let cond = if uty == ety {
                    format!("({ux} & {set}) != 0")
                } else if uty.size() < ety.size() {
                    format!("({et}::from({ux}) & {set}) != 0")
                } else {
                    format!("({ux} & {}::from({set})) != 0", uty.rust())
                };
                (cond, format!("sets {names}"))
            } else if check.as_flags {
                // An enum used as flags: each value is a bit number.
                let bits = i128::from(uty.size() * 8);
                let mask = entries
                    .iter()
                    .filter(|x| (0..bits).contains(&x.value))
                    .fold(0u64, |m, x| m | 1 << x.value);
                if mask == 0 {
                    continue;
                }
                (
                    format!("({ux} & {}) != 0", hex_lit(mask, 0)),
                    format!("sets the bit of {names}"),
                )
            } else {
                let value = if ty == ety {
                    x.to_string()
                } else if !ty.signed() && ty.size() < ety.size() {
                    format!("{et}::from({x})")
                } else {
                    format!("{et}::try_from({x})")
                };
                let converted = ty != ety && (ty.signed() || ty.size() >= ety.size());
                let alts = consts.join(" | ");
                let cond = match (consts.len(), converted) {
                    (1, false) => format!("{value} == {set}"),
                    (1, true) => format!("{value} == Ok({set})"),
                    (_, false) => format!("matches!({value}, {alts})"),
                    (_, true) => format!("matches!({value}, Ok({alts}))"),
                };
                (cond, format!("is {names}"))
            };
            out.push((
                since,
                cond,
                format!(
                    "`{label}` {what}, which revision {since} added, and `rev` is below {since}"
                ),
            ));
        }
        out
    }

    /// The statements of `clear_newer_<s>`, by the revision below which
    /// they apply, with the names of what they clear.
    pub(super) fn newer_clears(&self, s: &Struct) -> Vec<(u32, Vec<String>, Vec<String>)> {
        let mut by_since: BTreeMap<u32, (Vec<String>, Vec<String>)> = BTreeMap::new();
        for m in s.members.iter().filter(|m| !m.is_flexible()) {
            if m.since > s.since {
                let f = snake_ident(&m.name);
                let zero = match &m.kind {
                    MemberKind::Scalar { count: None, .. } | MemberKind::UserPtr { .. } => {
                        "0".to_string()
                    }
                    MemberKind::Pad {
                        scalar: Some(PadScalar { count: None, .. }),
                        ..
                    } => "0".to_string(),
                    MemberKind::Scalar { count: Some(_), .. } => rust_array(m, "0"),
                    MemberKind::Pad {
                        scalar: Some(PadScalar { count: Some(n), .. }),
                        ..
                    }
                    | MemberKind::Pad {
                        len: n,
                        scalar: None,
                    }
                    | MemberKind::Binary { len: n }
                    | MemberKind::String { len: n } => format!("[0; {n}]"),
                    MemberKind::Struct { id, count: None } | MemberKind::Union { id } => {
                        format!("{}::ZERO", self.struct_ty(id))
                    }
                    MemberKind::Struct { id, count: Some(_) } => {
                        rust_array(m, &format!("{}::ZERO", self.struct_ty(id)))
                    }
                };
                let e = by_since.entry(m.since).or_default();
                e.0.push(format!("v.{f} = {zero};"));
                e.1.push(format!("`{f}`"));
                continue;
            }
            // A nested struct of this spec that has newer members of its
            // own (the compat checker forbids that growth; handled as
            // the same revision all the same).
            if let Some(id) = m.kind.embedded_struct()
                && self.own_struct(id)
            {
                // It checks `rev` itself; any revision below its newest
                // member's clears something.
                if let Some(since) = self.newest_clear(id) {
                    let f = snake_ident(&m.name);
                    let (func, link) = self.struct_fn("clear_newer_{}", id);
                    let e = by_since.entry(since).or_default();
                    e.0.push(for_each(m, &f, |x| format!("{func}({x}, rev);")));
                    e.1.push(format!("the members of `{f}` newer than `rev` ({link})"));
                }
            }
        }
        by_since
            .into_iter()
            .map(|(since, (stmts, names))| (since, stmts, names))
            .collect()
    }

    /// The enum or flags check of a member whose value is `x`: the
    /// condition under which it fails, and its description.
    fn enum_cond(
        &self,
        x: &str,
        ty: Scalar,
        check: &EnumCheck,
        label: &str,
    ) -> Option<(String, String)> {
        let e = self.model.enum_(&check.enum_id);
        let (module, link) = self.enum_module(&check.enum_id);
        // The type of the uapi crate's constants and `is_valid`.
        let ety = e.value_scalar();
        // Flags are bit patterns: a signed member is read as its bits.
        let (x, ty) = if check.as_flags && ty.signed() {
            let u = unsigned(ty);
            (Cow::Owned(format!("({x} as {})", u.rust())), u)
        } else {
            (Cow::Borrowed(x), ty)
        };
        if check.as_flags && e.kind == EnumKind::Enum {
            // An enum used as flags: each value is a bit number.
            let bits = i128::from(ty.size() * 8);
            let mask = e
                .entries
                .iter()
                .filter(|x| (0..bits).contains(&x.value))
                .fold(0u64, |m, x| m | 1 << x.value);
            let full = if bits == 64 {
                u64::MAX
            } else {
                (1 << bits) - 1
            };
            if mask == full {
                return None;
            }
            let cond = if mask == 0 {
                format!("{x} != 0")
            } else {
                format!("({x} & !{}) != 0", hex_lit(mask, 0))
            };
            return Some((
                cond,
                format!("`{label}` sets a bit that is not a value of {link} (as a bit number)"),
            ));
        }
        let et = ety.rust();
        // The condition under which the check fails: not valid.
        let invalid = if ty == ety {
            ["!", &module, "::is_valid(", &x, ")"].concat()
        } else if !ty.signed() && ty.size() < ety.size() {
            ["!", &module, "::is_valid(", et, "::from(", &x, "))"].concat()
        } else {
            [
                "!",
                et,
                "::try_from(",
                &x,
                ").is_ok_and(",
                &module,
                "::is_valid)",
            ]
            .concat()
        };
        let what = if check.as_flags {
            "` sets a bit outside "
        } else {
            "` is not one of "
        };
        let doc = ["`", label, what, &link].concat();
        Some((invalid, doc))
    }

    /// The statements of `clear_out_<s>` and the names of what they clear.
    pub(super) fn clears(&self, s: &Struct) -> (Vec<String>, Vec<String>) {
        let mut stmts = Vec::new();
        let mut names = Vec::new();
        // A union's members overlap: clearing one member's out members
        // would clear another's input, so nothing of it is cleared.
        let members = s.members.iter().filter(|m| !m.is_flexible() && !s.is_union);
        for m in members {
            let out = m.access == crate::model::Access::Out;
            // Only a member the kernel writes, or a struct that may hold
            // one, is cleared: the others are not named at all.
            if !may_clear(m, out) {
                continue;
            }
            let f = snake_ident(&m.name);
            match &m.kind {
                // The pointer value is input even when the memory behind
                // it is output; pad is checked, never written.
                MemberKind::UserPtr { .. } | MemberKind::Pad { .. } => {}
                // A union the kernel only writes is zeroed whole.
                MemberKind::Union { id } => {
                    if out {
                        stmts.push(["v.", &f, " = ", &self.struct_ty(id), "::ZERO;"].concat());
                        names.push(["`", &f, "`"].concat());
                    }
                }
                MemberKind::Struct { id, count } => {
                    if out {
                        let zero = match count {
                            Some(_) => rust_array(m, &format!("{}::ZERO", self.struct_ty(id))),
                            None => format!("{}::ZERO", self.struct_ty(id)),
                        };
                        stmts.push(["v.", &f, " = ", &zero, ";"].concat());
                        names.push(["`", &f, "`"].concat());
                    } else if self.nested_has_clears(id) {
                        let (func, link) = self.struct_fn("clear_out_{}", id);
                        stmts.push(for_each(m, &f, |x| format!("{func}({x});")));
                        names.push(format!("the out members of `{f}` ({link})"));
                    }
                }
                MemberKind::Scalar { count: None, .. } => {
                    if out {
                        stmts.push(["v.", &f, " = 0;"].concat());
                        names.push(["`", &f, "`"].concat());
                    }
                }
                MemberKind::Scalar { count: Some(_), .. } => {
                    if out {
                        stmts.push(format!("v.{f} = {};", rust_array(m, "0")));
                        names.push(format!("`{f}`"));
                    }
                }
                MemberKind::Binary { len: n } | MemberKind::String { len: n } => {
                    if out {
                        stmts.push(format!("v.{f} = [0; {n}];"));
                        names.push(format!("`{f}`"));
                    }
                }
            }
        }
        (stmts, names)
    }

    /// Whether `checks` of `s` at `scope` finds something (what a struct
    /// that embeds `s` asks; `Gen::nested_has_checks` keeps the answer).
    pub(super) fn has_checks(&self, s: &Struct, scope: Scope) -> bool {
        let mut checks = Vec::new();
        self.checks(s, Place::TOP, true, scope, &mut checks);
        !checks.is_empty()
    }

    /// Whether `clears` of `s` clears something, without building its
    /// statements: the cases where `clears` pushes one.
    pub(super) fn has_clears(&self, s: &Struct) -> bool {
        clears_any(s, |id| self.nested_has_clears(id))
    }
}

/// A statement on a nested struct member `v.<f>` (given `&mut` it as
/// `x`), or on each element of an array of them: a `for` loop whose
/// lines the caller writes with `RustWriter::lines`.
fn for_each(m: &Member, f: &str, stmt: impl Fn(&str) -> String) -> String {
    match &m.kind {
        MemberKind::Struct { count: Some(_), .. } => {
            format!(
                "for e in {} {{\n    {}\n}}",
                elements(m, &format!("v.{f}"), true),
                stmt("e")
            )
        }
        MemberKind::Struct { count: None, .. }
        | MemberKind::Union { .. }
        | MemberKind::Scalar { .. }
        | MemberKind::Pad { .. }
        | MemberKind::Binary { .. }
        | MemberKind::String { .. }
        | MemberKind::UserPtr { .. } => stmt(&format!("&mut v.{f}")),
    }
}

/// What a `for` over every element of the array member at `field` goes
/// through: the array, or for a multi-dimensional one its rows flattened.
fn elements(m: &Member, field: &str, mutable: bool) -> String {
    let rows = m.dims.len().saturating_sub(1);
    match (rows, mutable) {
        (0, false) => format!("&{field}"),
        (0, true) => format!("&mut {field}"),
        (_, false) => format!("{field}.iter(){}", ".flatten()".repeat(rows)),
        (_, true) => format!("{field}.iter_mut(){}", ".flatten()".repeat(rows)),
    }
}

/// The member's value in host order (the field itself when no bytes are
/// swapped, as for most members).
pub(super) fn scalar_value(field: &str, ty: Scalar, order: Option<ByteOrder>) -> Cow<'_, str> {
    if ty.size() == 1 {
        return Cow::Borrowed(field);
    }
    let t = ty.rust();
    match order {
        Some(ByteOrder::Big) => Cow::Owned(format!("{t}::from_be({field})")),
        Some(ByteOrder::Little) => Cow::Owned(format!("{t}::from_le({field})")),
        None => Cow::Borrowed(field),
    }
}

fn unsigned(ty: Scalar) -> Scalar {
    match ty {
        Scalar::S8 => Scalar::U8,
        Scalar::S16 => Scalar::U16,
        Scalar::S32 => Scalar::U32,
        Scalar::S64 => Scalar::U64,
        t => t,
    }
}

/// The range check of a member whose value is `x`. A bound equal to the
/// type's own is not compared (it always holds, and clippy rejects the
/// comparison).
fn range_cond(
    x: &str,
    ty: Scalar,
    (lo, hi): (i128, i128),
    label: &str,
) -> Option<(String, String)> {
    let (tlo, thi) = ty.bounds();
    match (lo != tlo, hi != thi) {
        (true, true) => Some((
            format!("!({lo}..={hi}).contains(&{x})"),
            format!("`{label}` is outside {lo}..={hi}"),
        )),
        (true, false) => Some((format!("{x} < {lo}"), format!("`{label}` is below {lo}"))),
        (false, true) => Some((format!("{x} > {hi}"), format!("`{label}` is above {hi}"))),
        (false, false) => None,
    }
}

/// The stem of an ioctl's own argument functions: `<ioctl>_arg`.
pub(super) fn ioctl_arg_stem(io: &Ioctl) -> String {
    // Asked for often: pushed into a buffer of about the right size,
    // not formatted.
    let mut s = String::with_capacity(io.name.len() + 6);
    names::push_snake(&mut s, &io.name);
    s.push_str("_arg");
    s
}

/// The doc sentence of a function that applies an ioctl's `arg-access`.
fn arg_access_text(io: &Ioctl, s: &Struct) -> String {
    let members: Vec<String> = io
        .arg_access
        .iter()
        .filter_map(|a| {
            let m = s.members.get(a.member)?;
            Some(format!("`{}` {}", names::snake(&m.name), a.access.name()))
        })
        .collect();
    format!(
        "This is the argument as ioctl `{}` uses it (`arg-access`: {}).",
        io.name,
        members.join(", ")
    )
}
