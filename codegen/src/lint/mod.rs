//! Lint: the rules of `lint-rules.md` that a resolved spec can still break
//! (layout, ioctl definitions, time, header names). Runs on the [`Model`]
//! after resolution, so every layout is already computed per target and
//! nothing here recomputes one; it reads offsets and sizes and compares.
//!
//! Only the spec's own items are checked: items of included specs are
//! checked when their own spec is linted, so one problem is reported once,
//! where it can be fixed. Every rule has a stable id, a severity and a
//! one-line rationale (the catalogue in [`crate::rules`]); every diagnostic's message ends with
//! that rationale and its hint says what to write instead. Warnings (rules
//! that can only guess) are silenced per item with `lint-allow: [id]`;
//! errors cannot be silenced.

mod allow;
mod c_names;
mod ioctls;
mod kinds;
mod layout;
mod members;
mod names;
mod netlink;
mod rings;

use crate::diag::{Diagnostic, Diagnostics, Fix, Pos, Severity};
use crate::ioc::Dir;
use crate::model::{
    Access, AttrSetId, Const, Ioctl, Member, MemberKind, Model, Ring, Scalar, Struct, StructId,
};
use crate::names::{pascal, snake, upper};
use crate::rules::{self, Rule, Stage};
use crate::target::Target;
use std::collections::BTreeSet;

/// Checks the spec's own items against every lint rule of the catalogue.
pub fn lint(model: &Model) -> Diagnostics {
    let mut cx = Cx {
        model,
        out: Diagnostics::default(),
    };
    let mut broken = BTreeSet::new();
    for s in &model.structs {
        if cx.layout(s, &broken) {
            broken.insert(s.name.as_str());
        }
        for m in &s.members {
            cx.time_units(s, m);
            cx.undeclared_user_ptr(s, m);
        }
        cx.reserved_names_struct(s);
        cx.flexible(s);
        cx.union(s);
        cx.anonymous(s);
    }
    for e in &model.enums {
        cx.reserved_names_enum(e);
        cx.enum_alias(e);
    }
    for c in &model.consts {
        cx.target_dependent_const(c);
    }
    for i in &model.ioctls {
        cx.ioctl(i);
    }
    for r in &model.rings {
        cx.ring(r);
        cx.flexible_ring_entry(r);
    }
    cx.reserved_names_misc();
    cx.generated_name_clashes();
    cx.c_name_clashes();
    cx.netlink();
    cx.lint_allows();
    cx.out
}

/// The layout in which every member is naturally aligned (each scalar
/// at a multiple of its size, a nested struct at a multiple of its
/// largest member's). x86_64's is that layout, and the resolver stores it
/// for every spec, so "not naturally aligned" is "differs from x86_64"
/// even for a spec whose targets are only i386 (rule 3: "naturally
/// aligned under the strictest target").
const NATURAL: Target = Target::X86_64;

struct Cx<'a> {
    model: &'a Model,
    out: Diagnostics,
}

/// "x86_64, aarch64 and arm".
fn join_names<T: AsRef<str>>(items: &[T]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

fn join_targets(ts: &[Target]) -> String {
    let names: Vec<&str> = ts.iter().map(|t| t.name()).collect();
    join_names(&names)
}

fn bytes(n: u32) -> String {
    if n == 1 {
        "1 byte".into()
    } else {
        format!("{n} bytes")
    }
}

impl<'a> Cx<'a> {
    /// A diagnostic of `id` whose message ends with the rule's rationale.
    fn diag(&self, rule: &'static Rule, pos: &Pos, specific: impl AsRef<str>) -> Diagnostic {
        let message = format!("{}; {}", specific.as_ref(), rule.rationale);
        Diagnostic::new(rule, pos.clone(), message)
    }

    /// Pushes `d` unless it is a warning that one of `allows` silences;
    /// in a spec marked `existing-abi`, a lint error is a warning.
    fn emit(&mut self, d: Diagnostic, allows: &[&[String]]) {
        self.emit_for(d, allows, self.model.existing_abi);
    }

    /// [`Cx::emit`] for an item that describes shipping ABI when
    /// `existing` is set: there a lint error is a warning that the mistake
    /// is reproduced, and the hint proposes no fix, since any fix changes
    /// a size, offset or number that binaries in the field depend on
    /// (lint-rules.md, "Existing ABI").
    fn emit_for(&mut self, mut d: Diagnostic, allows: &[&[String]], existing: bool) {
        // A time warning's fix (s64 nanoseconds) changes the layout too.
        let fix_changes_abi =
            d.severity == Severity::Error || std::ptr::eq(d.rule, &rules::TIME_UNITS);
        if existing && fix_changes_abi && d.rule.stage == Stage::Lint {
            d.severity = Severity::Warning;
            // The note goes before the rationale, which ends every lint
            // message.
            let note = " (existing ABI: reproduced exactly as it ships)";
            d.message = match d
                .message
                .strip_suffix(d.rule.rationale)
                .and_then(|m| m.strip_suffix("; "))
            {
                Some(specific) => format!("{specific}{note}; {}", d.rule.rationale),
                None => format!("{}{note}", d.message),
            };
            // Documenting what an ioctl does changes no byte, so those
            // hints stand; any other fix would.
            let documents = [&rules::MISSING_ERRORS, &rules::MISSING_EXTENSION]
                .iter()
                .any(|r| std::ptr::eq(*r, d.rule));
            // Nor does `--fix` touch it: which extension rule a shipped
            // ioctl follows is the driver's fact to write down, not a
            // default to pick.
            d.fix = None;
            if !documents {
                d.hint = Some(
                    "keep it: binaries in the field depend on it; a new ioctl or struct can do \
                     better, and `lint-allow` silences this warning"
                        .to_string(),
                );
            }
        }
        if d.severity == Severity::Warning
            && allows.iter().any(|a| a.iter().any(|id| id == d.rule.id))
        {
            return;
        }
        self.out.push(d);
    }

    fn struct_(&self, id: &StructId) -> &'a Struct {
        self.model.struct_(id)
    }

    /// "on x86_64 and i386", or "on every target" when `ts` is all of them.
    fn on(&self, ts: &[Target]) -> String {
        if ts.len() > 2 && self.model.targets.iter().all(|t| ts.contains(t)) {
            "every target".into()
        } else {
            join_targets(ts)
        }
    }
}
