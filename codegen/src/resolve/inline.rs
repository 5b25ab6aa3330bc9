//! Structs and unions written inside their holder (a member with
//! `members:`): C's anonymous members (`anonymous: true`, `union { ...
//! };`) and members of a tagless type (`struct { ... } alloc;`). Before
//! resolution each one's members become a definition of their own,
//! named `<holder>-<member>` and marked `inline`, placed before the
//! holder, and the member refers to it as any `struct:` or `union:`
//! member does. Layout, checks, compat and every backend then see an
//! ordinary struct or union; only C writes it back inside its holder.

use crate::spec::{Definition, MemberDef, S, SpecFile};

/// Hoists every member's `members` (recursively, innermost first). A
/// member whose keys do not fit (a type other than `struct` or `union`,
/// or a `struct:`/`union:` of its own) keeps its `members`, which the
/// resolver then reports.
pub fn hoist(spec: &mut SpecFile) {
    // Most specs write no member in place: then every definition stays
    // where it is, not moved into a new list.
    if !spec.definitions.iter().any(|d| writes_in_place(d)) {
        return;
    }
    let mut out = Vec::with_capacity(spec.definitions.len());
    for mut d in std::mem::take(&mut spec.definitions) {
        hoist_def(&mut d, &mut out);
        out.push(d);
    }
    spec.definitions = out;
}

fn hoist_def(d: &mut S<Definition>, out: &mut Vec<S<Definition>>) {
    if !matches!(d.kind.value.as_str(), "struct" | "union") {
        return;
    }
    let holder = d.name.value.clone();
    let existing_abi = d.existing_abi.clone();
    let Some(members) = d.value.members.as_mut() else {
        return;
    };
    for m in members.value.iter_mut() {
        if !hoistable(&m.value) {
            continue;
        }
        let Some(inner) = m.value.members.take() else {
            continue;
        };
        let name = m.name.with(format!("{holder}-{}", m.name.value));
        let mut def = S::new(
            Definition {
                name: name.clone(),
                kind: m.ty.clone(),
                existing_abi: existing_abi.clone(),
                doc: None,
                since: None,
                value: None,
                entries: None,
                members: Some(inner),
                value_start: None,
                name_prefix: None,
                c_name: None,
                enum_name: None,
                enum_cnt_name: None,
                header: None,
                render_max: None,
                c_type: None,
                lint_allow: m.lint_allow.clone(),
                inline: true,
            },
            m.line,
            m.col,
        );
        hoist_def(&mut def, out);
        out.push(def);
        if m.ty.value == "union" {
            m.value.union = Some(name);
        } else {
            m.value.r#struct = Some(name);
        }
        m.value.hoisted = true;
    }
}

/// Whether a member of `d` is to be hoisted (the members of a hoisted
/// one are reached only through it).
fn writes_in_place(d: &Definition) -> bool {
    matches!(d.kind.value.as_str(), "struct" | "union")
        && d.members
            .as_ref()
            .is_some_and(|ms| ms.iter().any(|m| hoistable(m)))
}

fn hoistable(m: &MemberDef) -> bool {
    m.members.is_some()
        && matches!(m.ty.value.as_str(), "struct" | "union")
        && m.r#struct.is_none()
        && m.union.is_none()
}
