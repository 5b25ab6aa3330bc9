//! The C layouts existing headers use and new ABI should not: flexible
//! array members (`x[]`), whose elements are outside the struct, which no
//! ioctl copies and no holder leaves room for; unions, whose active
//! member only the handler knows.

use super::*;
use crate::model::{Elem, Enum, PtrLen};

impl Cx<'_> {
    /// `flexible-array` (a warning, for new ABI: an existing header's
    /// member is reproduced as it ships) on the member itself, and
    /// `flexible-array-held` on every place this spec's structs hold one
    /// that ends in such a member by value.
    pub(super) fn flexible(&mut self, s: &Struct) {
        if let Some(m) = s.members.iter().find(|m| m.is_flexible())
            && !s.existing_abi
        {
            let d = self
                .diag(
                    &rules::FLEXIBLE_ARRAY,
                    &m.pos,
                    format!(
                        "`{}` of struct `{}` is a flexible array member",
                        m.name, s.name
                    ),
                )
                .with_hint(rules::FLEXIBLE_ARRAY.hint);
            self.emit_for(d, &[&m.lint_allow, &s.lint_allow], s.existing_abi);
        }
        for m in &s.members {
            // A user pointer to several elements steps by the struct's
            // size, over the elements of each; to one element it is fine
            // (amdxdna's config parameter points at one such struct).
            let id = match &m.kind {
                MemberKind::UserPtr {
                    elem: Elem::Struct(id),
                    len: PtrLen::Count(_) | PtrLen::Bytes(_),
                    ..
                } => Some(id),
                MemberKind::Struct { .. }
                | MemberKind::Union { .. }
                | MemberKind::UserPtr { .. }
                | MemberKind::Scalar { .. }
                | MemberKind::Pad { .. }
                | MemberKind::Binary { .. }
                | MemberKind::String { .. } => m.kind.embedded_struct(),
            };
            let Some(id) = id else {
                continue;
            };
            if let Some(inner) = self.flexible_member(id) {
                let held = match m.kind {
                    MemberKind::Struct { count: Some(_), .. } => "an array of struct",
                    MemberKind::UserPtr { .. } => "a user pointer to an array of struct",
                    MemberKind::Struct { .. }
                    | MemberKind::Union { .. }
                    | MemberKind::Scalar { .. }
                    | MemberKind::Pad { .. }
                    | MemberKind::Binary { .. }
                    | MemberKind::String { .. } => "struct",
                };
                let d = self
                    .diag(
                        &rules::FLEXIBLE_ARRAY_HELD,
                        &m.type_pos,
                        format!(
                            "member `{}` of struct `{}` holds {held} `{}`, which ends in the flexible array member `{inner}`",
                            m.name,
                            s.name,
                            self.struct_(id).name
                        ),
                    )
                    .with_hint(rules::FLEXIBLE_ARRAY_HELD.hint);
                self.emit_for(d, &[&m.lint_allow, &s.lint_allow], s.existing_abi);
            }
        }
    }

    /// `flexible-array-held` for a ring whose entry ends in a flexible
    /// array member.
    pub(super) fn flexible_ring_entry(&mut self, r: &Ring) {
        if let Some(inner) = self.flexible_member(&r.entry) {
            let d = self
                .diag(
                    &rules::FLEXIBLE_ARRAY_HELD,
                    &r.pos,
                    format!(
                        "the entries of ring `{}` are struct `{}`, which ends in the flexible array member `{inner}`",
                        r.name,
                        self.struct_(&r.entry).name
                    ),
                )
                .with_hint(rules::FLEXIBLE_ARRAY_HELD.hint);
            self.emit_for(d, &[&r.lint_allow], self.model.existing_abi);
        }
    }

    /// `union` for a union definition; an error, so a warning in
    /// existing ABI, whose unions are reproduced as they ship.
    pub(super) fn union(&mut self, s: &Struct) {
        if !s.is_union {
            return;
        }
        let d = self
            .diag(&rules::UNION, &s.pos, format!("`{}` is a union", s.name))
            .with_hint(rules::UNION.hint);
        self.emit_for(d, &[&s.lint_allow], s.existing_abi);
    }

    /// `anonymous-member` (an error in new ABI, a warning in an existing
    /// header's) on each anonymous member.
    pub(super) fn anonymous(&mut self, s: &Struct) {
        for m in s.members.iter().filter(|m| m.anonymous) {
            let kind = match m.kind {
                MemberKind::Union { .. } => "union",
                MemberKind::Struct { .. }
                | MemberKind::Scalar { .. }
                | MemberKind::Pad { .. }
                | MemberKind::Binary { .. }
                | MemberKind::String { .. }
                | MemberKind::UserPtr { .. } => "struct",
            };
            let d = self
                .diag(
                    &rules::ANONYMOUS_MEMBER,
                    &m.pos,
                    format!(
                        "`{}` of {} `{}` is an anonymous {kind}",
                        m.name,
                        if s.is_union { "union" } else { "struct" },
                        s.name
                    ),
                )
                .with_hint(rules::ANONYMOUS_MEMBER.hint);
            self.emit_for(d, &[&m.lint_allow, &s.lint_allow], s.existing_abi);
        }
    }

    /// `enum-alias` for each entry of an existing ABI's enum that repeats
    /// an earlier entry's value (the resolver refuses it in new ABI as
    /// `duplicate-number`).
    pub(super) fn enum_alias(&mut self, e: &Enum) {
        for x in &e.entries {
            let Some(of) = &x.alias_of else { continue };
            let d = self
                .diag(
                    &rules::ENUM_ALIAS,
                    &x.pos,
                    format!(
                        "entry `{}` of enum `{}` is an alias of `{of}` (value {}), reproduced as it ships",
                        x.name, e.name, x.value
                    ),
                )
                .with_hint(rules::ENUM_ALIAS.hint);
            self.emit_for(d, &[&e.lint_allow], e.existing_abi);
        }
    }

    /// `target-dependent-const` for a const with a `c-type`: an error in
    /// new ABI, a warning in an existing header's.
    pub(super) fn target_dependent_const(&mut self, c: &Const) {
        let Some(t) = c.c_type else {
            return;
        };
        let d = self
            .diag(
                &rules::TARGET_DEPENDENT_CONST,
                &c.pos,
                format!(
                    "const `{}` is a C `{}`: {:#x} on i386, arm and mips, {:#x} on 64-bit targets",
                    c.name,
                    t.name(),
                    c.value_on(Target::I386),
                    c.value_on(Target::X86_64)
                ),
            )
            .with_hint(rules::TARGET_DEPENDENT_CONST.hint);
        self.emit(d, &[]);
    }

    /// The name of the flexible array member struct `id` ends in, if any.
    fn flexible_member(&self, id: &StructId) -> Option<String> {
        let s = self.struct_(id);
        s.members
            .iter()
            .find(|m| m.is_flexible())
            .map(|m| m.name.clone())
    }
}
