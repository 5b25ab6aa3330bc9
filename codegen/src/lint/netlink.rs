//! Netlink rules: attribute sets and operations.

use super::*;
use crate::model::AttrType;

impl Cx<'_> {
    /// Rules 29-31 on attribute sets and operations, and the YNL features
    /// the resolver found that no backend generates.
    pub(super) fn netlink(&mut self) {
        let m = self.model;
        for n in &m.netlink.not_generated {
            let d = self
                .diag(n.rule, &n.pos, &n.message)
                .with_hint(n.hint.clone());
            self.emit(d, &[]);
        }
        for set in &m.attribute_sets {
            for a in &set.attributes {
                if a.value == 0 && a.ty != AttrType::Unused {
                    let d = self
                        .diag(
                            &rules::NETLINK_VALUE_ZERO,
                            &a.pos,
                            format!("attribute `{}` of `{}` has value 0", a.name, set.name),
                        )
                        .with_hint("number attributes from 1 (the default); reserve 0 with `{ name: unspec, type: unused, value: 0 }` if it must be named");
                    self.emit(d, &[]);
                }
                if let Some(s) = a.payload_struct().map(|id| self.struct_(id))
                    && s.layouts.get(&NATURAL).is_some_and(|l| l.align >= 8)
                {
                    let d = self
                        .diag(
                            &rules::UNALIGNED_ATTR_STRUCT,
                            &a.pos,
                            format!(
                                "attribute `{}` carries struct `{}`, which needs 8-byte alignment",
                                a.name, s.name
                            ),
                        )
                        .with_hint("decode it by copying the payload into a local struct (generated code does); silence with `lint-allow: [unaligned-attr-struct]` once handwritten users do too");
                    self.emit(d, &[&a.lint_allow]);
                }
            }
        }
        if let Some(ops) = &m.operations {
            // YNL's legacy families reserve command 0 with a placeholder,
            // `{ name: unspec, value: 0 }` with no `do`, `dump` or event
            // (ynl_gen_c.py names it in the command enum and leaves it out
            // of the ops table): like an `unused` attribute, it only keeps
            // the number from being used, so it is not reported. A real
            // operation 0 stays an error in new specs; a `genetlink-legacy`
            // family describes commands that already ship (team's
            // TEAM_CMD_NOOP is 0), so there it is reported as existing ABI,
            // a warning that proposes no renumbering.
            let legacy = m.netlink.protocol.as_deref() == Some("genetlink-legacy");
            for op in &ops.list {
                let placeholder = op.do_.is_none()
                    && op.dump.is_none()
                    && op.notify.is_none()
                    && op.event.is_none();
                if op.value == 0 && !placeholder {
                    let d = self
                        .diag(
                            &rules::NETLINK_VALUE_ZERO,
                            &op.pos,
                            format!("operation `{}` has value 0", op.name),
                        )
                        .with_hint("number operations from 1 (the default); reserve 0 with `{ name: unspec, value: 0 }` (no `do` or `dump`) if it must be named");
                    self.emit_for(d, &[], m.existing_abi || legacy);
                }
            }
        }
        self.c_name_clashes();
        for (set, a) in requested_attrs(m) {
            let bounded = a.len.is_some()
                || a.max_len.is_some()
                || a.exact_len.is_some()
                || a.struct_.is_some();
            // The keys that bound a payload of no fixed size.
            let key = match a.ty {
                AttrType::String => Some("`checks: { max-len: N }`"),
                AttrType::Binary => Some("`checks: { max-len: N }`, `exact-len` or `struct`"),
                AttrType::Unused
                | AttrType::Pad
                | AttrType::Flag
                | AttrType::Int(_)
                | AttrType::Uint
                | AttrType::Sint
                | AttrType::Nest
                | AttrType::NestTypeValue
                | AttrType::IndexedArray
                | AttrType::ArrayNest
                | AttrType::Bitfield32
                | AttrType::SubMessage => None,
            };
            if let Some(key) = key
                && !bounded
            {
                let d = self
                    .diag(
                        &rules::UNBOUNDED_ATTR_LEN,
                        &a.pos,
                        format!(
                            "{} attribute `{}` of `{set}` is sent in a request but has no length rule",
                            a.ty.name(),
                            a.name
                        ),
                    )
                    .with_hint(format!("add {key}"));
                self.emit(d, &[&a.lint_allow]);
            }
        }
    }
}

impl Cx<'_> {
    /// Every constant the C header defines must have its own name: the
    /// definitions' constants, the ioctls' command and number macros, the
    /// magic, each flags set's `_ALL`, and the constants of attribute
    /// sets, operations and multicast groups (named by YNL's rules, so two
    /// items may meet in one name: set `a`'s `b-c` and set `a-b`'s `c`; an
    /// enum `ioctl` of spec `x` with an entry `ping` is `X_IOCTL_PING`,
    /// the command macro of an ioctl `ping`).
    pub(super) fn c_name_clashes(&mut self) {
        use crate::backend::c;
        let m = self.model;
        let mut seen: std::collections::BTreeMap<String, Pos> = Default::default();
        let mut found: Vec<(Pos, String)> = Vec::new();
        let mut add = |name: String, pos: &Pos, what: &str| {
            if let Some(first) = seen.get(&name) {
                found.push((
                    pos.clone(),
                    format!(
                        "{what} becomes the C constant `{name}`, which {first} already defines"
                    ),
                ));
            } else {
                seen.insert(name, pos.clone());
            }
        };
        for e in m.enums.iter().filter(|e| e.header.is_none()) {
            for x in &e.entries {
                let name = c::entry_macro(&m.name, e, &x.name);
                for v in x.field.iter().flat_map(|f| &f.values) {
                    add(
                        c::field_value_macro(&name, &v.name),
                        &x.pos,
                        &format!("value `{}` of field `{}`", v.name, x.name),
                    );
                }
                add(name, &x.pos, &format!("entry `{}`", x.name));
            }
        }
        for e in m.enums.iter().filter(|e| e.header.is_none()) {
            if e.kind == crate::model::EnumKind::Flags {
                add(
                    c::flags_all_macro(&m.name, e),
                    &e.pos,
                    &format!("the mask of every bit of `{}`", e.name),
                );
            }
        }
        for k in m.consts.iter().filter(|k| k.header.is_none()) {
            add(
                c::const_name(&m.name, k),
                &k.pos,
                &format!("const `{}`", k.name),
            );
        }
        if m.magic.is_some() && !m.ioctls.is_empty() {
            add(c::magic_macro(&m.name), &m.pos, "the spec's ioctl magic");
        }
        for i in &m.ioctls {
            add(
                c::ioctl_macro(&m.name, &i.name),
                &i.pos,
                &format!("the command of ioctl `{}`", i.name),
            );
            add(
                c::nr_macro(&m.name, &i.name),
                &i.pos,
                &format!("the number of ioctl `{}`", i.name),
            );
        }
        for set in m.attribute_sets.iter().filter(|s| s.subset_of.is_none()) {
            for a in &set.attributes {
                add(
                    c::attr_macro(m, set, a),
                    &a.pos,
                    &format!("attribute `{}` of `{}`", a.name, set.name),
                );
            }
        }
        if let Some(ops) = &m.operations {
            for op in &ops.list {
                add(
                    c::op_macro(m, &op.name),
                    &op.pos,
                    &format!("operation `{}`", op.name),
                );
            }
        }
        for (pos, msg) in found {
            let d = self
                .diag(&rules::GENERATED_NAME_CLASH, &pos, msg)
                .with_hint("rename one of them, or give its set or enum a `name-prefix`");
            self.emit(d, &[]);
        }
    }
}

/// Every attribute a request may carry: those its operations' request
/// lists name, and everything inside the nests they reach. Each once, in
/// set order, with the name of its set.
fn requested_attrs(m: &Model) -> Vec<(&str, &crate::model::Attr)> {
    {
        let Some(ops) = &m.operations else {
            return Vec::new();
        };
        // (set, attribute) pairs still to visit, and those seen.
        let mut todo: Vec<(&AttrSetId, String)> = Vec::new();
        for op in &ops.list {
            let Some(set) = &op.attribute_set else {
                continue;
            };
            for mode in [&op.do_, &op.dump].into_iter().flatten() {
                for a in mode.request.iter().flatten() {
                    todo.push((set, a.clone()));
                }
            }
        }
        let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
        while let Some((set, attr)) = todo.pop() {
            let set = m.attr_set(set);
            if !seen.insert((set.name.clone(), attr.clone())) {
                continue;
            }
            let nested = set
                .attributes
                .iter()
                .find(|a| a.name == attr)
                .and_then(|a| a.nested_attributes.as_ref());
            if let Some(n) = nested {
                for a in &m.attr_set(n).attributes {
                    todo.push((n, a.name.clone()));
                }
            }
        }
        let mut out = Vec::new();
        for s in &m.attribute_sets {
            for a in &s.attributes {
                if seen.contains(&(s.name.clone(), a.name.clone())) {
                    out.push((s.name.as_str(), a));
                }
            }
        }
        out
    }
}
