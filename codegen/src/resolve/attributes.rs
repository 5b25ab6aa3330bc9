//! Netlink attribute sets: numbering, types, checks and subsets.

use super::*;

impl Resolver<'_> {
    pub(super) fn attribute_sets(&mut self, s: &SpecFile, model: &Model) -> Vec<AttrSet> {
        let mut out: Vec<AttrSet> = Vec::new();
        let set_names: Vec<&str> = s
            .attribute_sets
            .iter()
            .map(|a| a.name.value.as_str())
            .collect();
        for set in &s.attribute_sets {
            let name = self.name(&set.name, "attribute-set");
            if out.iter().any(|x| x.name == name) {
                self.err(
                    &rules::DUPLICATE_NAME,
                    self.pos(&set.name),
                    format!("attribute-set `{name}` is defined twice"),
                    "",
                );
                continue;
            }
            let base = set
                .subset_of
                .as_ref()
                .and_then(|b| s.attribute_sets.iter().find(|x| x.name.value == b.value));
            if let Some(b) = &set.subset_of
                && base.is_none()
            {
                self.err(
                    &rules::DANGLING_REFERENCE,
                    self.pos(b),
                    format!("no attribute-set named `{}`", b.value),
                    did_you_mean(&b.value, set_names.iter().copied()),
                );
            }
            let mut attrs: Vec<Attr> = Vec::new();
            let mut next: i128 = 1;
            for a in &set.attributes {
                let Some(mut attr) =
                    self.attribute(a, (&name, base, &set_names), &attrs, &mut next, s, model)
                else {
                    continue;
                };
                // A subset's attribute is its base's, with the keys the
                // subset repeats (YNL: `real_attr.yaml | elem`). Bases come
                // first in the file, as YNL requires.
                if let Some(b) = set
                    .subset_of
                    .as_ref()
                    .and_then(|b| out.iter().find(|x| x.name == b.value))
                    .and_then(|b| b.attributes.iter().find(|x| x.name == attr.name))
                {
                    inherit_attr(&mut attr, b);
                }
                attrs.push(attr);
                next += 1;
            }
            out.push(AttrSet {
                name,
                doc: set.doc.clone(),
                name_prefix: set.name_prefix.as_ref().map(|s| s.value.clone()),
                enum_name: set
                    .enum_name
                    .as_ref()
                    .map(|s| s.value.clone().unwrap_or_default()),
                attr_cnt_name: set.attr_cnt_name.as_ref().map(|s| s.value.clone()),
                attr_max_name: set.attr_max_name.as_ref().map(|s| s.value.clone()),
                subset_of: base.and_then(|b| self.set_id(&set_names, &b.name.value)),
                attributes: attrs,
                pos: self.pos(&set.name),
            });
        }
        out
    }

    /// One attribute of a set: `set` is the set's name, its base set (for
    /// a subset) and the names of every set; `next` is the value the
    /// attribute takes unless it gives one.
    fn attribute(
        &mut self,
        a: &S<spec::AttrDef>,
        (set_name, base, set_names): (&str, Option<&S<spec::AttrSetDef>>, &[&str]),
        attrs: &[Attr],
        next: &mut i128,
        s: &SpecFile,
        model: &Model,
    ) -> Option<Attr> {
        let aname = self.name(&a.name, "attribute");
        if let Some(prev) = attrs.iter().find(|x| x.name == aname) {
            // YNL keeps a set's attributes in a dict by name, so a repeated
            // entry replaces the first; ethtool's `strings` lists
            // `{ name: unspec, type: unused, value: 0 }` twice. A repeat
            // with the same type and value changes nothing and is accepted
            // in a YNL family; numbering goes on from it, as in YNL.
            let same = self.ynl
                && a.ty.as_ref().map(|t| t.value.as_str()) == Some(prev.ty.name())
                && a.value.value.as_ref().map(|v| v.value) == Some(i128::from(prev.value));
            if same {
                *next = i128::from(prev.value) + 1;
                return None;
            }
            self.err(
                &rules::DUPLICATE_NAME,
                self.pos(&a.name),
                format!("attribute `{aname}` appears twice in `{set_name}`"),
                "",
            );
            return None;
        }
        // In a subset, attributes inherit number and type from the base set.
        let inherited = base.and_then(|b| {
            b.attributes
                .iter()
                .position(|x| x.name.value == aname)
                .map(|i| (i, &b.attributes[i]))
        });
        if base.is_some() && inherited.is_none() {
            self.err(
                &rules::DANGLING_REFERENCE,
                self.pos(&a.name),
                format!("attribute `{aname}` is not in the base set"),
                "",
            );
            return None;
        }
        let ty = self.attr_type(a, &aname, inherited.and_then(|(_, b)| b.ty.as_ref()))?;
        if let Some(v) = &a.value.value {
            match self.int_in(v, 0, 0x7fff, "attribute value") {
                Some(v) => *next = v,
                None => return None,
            }
        } else if let Some((i, b)) = inherited {
            *next = b.value.value.as_ref().map_or(1 + i as i128, |v| v.value);
        }
        if let Some(prev) = attrs.iter().find(|x| i128::from(x.value) == *next) {
            self.err(
                &rules::DUPLICATE_NUMBER,
                self.pos(&a.name),
                format!(
                    "attribute `{aname}` has the same value {next} as `{}`",
                    prev.name
                ),
                "",
            );
            return None;
        }
        if let Some(n) = &a.nested_attributes
            && !set_names.contains(&n.value.as_str())
        {
            self.err(
                &rules::DANGLING_REFERENCE,
                self.pos(n),
                format!("no attribute-set named `{}`", n.value),
                did_you_mean(&n.value, set_names.iter().copied()),
            );
            return None;
        }
        let nested_attributes = a
            .nested_attributes
            .as_ref()
            .and_then(|n| self.set_id(set_names, &n.value));
        let enum_ = self.attr_enum(a, model)?;
        let struct_ = match &a.r#struct {
            None => None,
            Some(st) => match struct_named(model, &st.value) {
                Some((_, d)) if d.inline => {
                    self.in_place_error(st);
                    return None;
                }
                Some((id, _)) => Some(id),
                None => {
                    self.dangling_struct(st, s);
                    return None;
                }
            },
        };
        let Limits {
            min,
            max,
            min_len,
            max_len,
            exact_len,
            len,
        } = self.attr_limits(a)?;
        let byte_order = match &a.byte_order {
            Some(b) => Some(self.byte_order(b)?),
            None => None,
        };
        let since = self.since(&a.since);
        Some(Attr {
            name: aname,
            doc: a.doc.clone(),
            ty,
            value: *next as u32,
            since,
            enum_,
            nested_attributes,
            multi_attr: a.multi_attr.as_ref().is_some_and(|m| m.value),
            byte_order,
            min,
            max,
            min_len,
            max_len,
            exact_len,
            len,
            struct_,
            sub_type: a.sub_type.as_ref().map(|s| s.value.clone()),
            name_prefix: a.name_prefix.as_ref().map(|s| s.value.clone()),
            pos: self.pos(&a.name),
            lint_allow: a.lint_allow.iter().map(|s| s.value.clone()).collect(),
        })
    }

    /// An attribute's type: its own, else its base attribute's
    /// (`inherited`); YNL's types that no backend generates are recorded.
    fn attr_type(
        &mut self,
        a: &S<spec::AttrDef>,
        aname: &str,
        inherited: Option<&S<String>>,
    ) -> Option<AttrType> {
        let ty_name = match (&a.ty, inherited) {
            (Some(t), _) | (None, Some(t)) => &t.value,
            (None, None) => {
                self.err(
                    &rules::MISSING_KEY,
                    self.pos(&a.name),
                    format!("attribute `{aname}` has no `type`"),
                    "",
                );
                return None;
            }
        };
        let ty_pos =
            a.ty.as_ref()
                .map_or_else(|| self.pos(&a.name), |t| self.pos(t));
        let Some(ty) = AttrType::from_name(ty_name) else {
            self.err(
                &rules::UNKNOWN_TYPE,
                ty_pos,
                format!("unknown attribute type `{ty_name}`"),
                did_you_mean(ty_name, AttrType::ALL.iter().map(|t| t.name())),
            );
            return None;
        };
        self.attr_not_generated(a, aname, ty, ty_pos);
        Some(ty)
    }

    /// The id the set named `name` gets: its position among the distinct
    /// names of `set_names`, the sets in written order (a set whose name
    /// is taken is reported and dropped).
    fn set_id(&self, set_names: &[&str], name: &str) -> Option<AttrSetId> {
        let first = set_names.iter().position(|n| *n == name)?;
        let index = (0..first)
            .filter(|&i| !set_names[..i].contains(&set_names[i]))
            .count();
        Some(Id::new(&self.spec_name, index))
    }

    /// An attribute's value bounds and length checks.
    fn attr_limits(&mut self, a: &S<spec::AttrDef>) -> Option<Limits> {
        let checks = a.checks.as_ref();
        let get = |this: &mut Self, v: Option<&S<IntOrName>>| v.and_then(|v| this.limit(v));
        let min = get(self, checks.and_then(|c| c.min.as_ref()));
        let max = get(self, checks.and_then(|c| c.max.as_ref()));
        if let (Some(direct), Some(_)) = (&a.max_len, checks.and_then(|c| c.max_len.as_ref())) {
            self.err(
                &rules::DUPLICATE_KEY,
                self.pos(direct),
                "`max-len` is given both on the attribute and under `checks`",
                "keep one of them",
            );
            return None;
        }
        // Lengths are byte counts: non-negative and within what a
        // netlink attribute can carry (a u16 length field).
        let length = |this: &mut Self, v: Option<&S<IntOrName>>, what: &str| {
            v.and_then(|v| this.len_or_define(v, what))
        };
        let min_len = length(self, checks.and_then(|c| c.min_len.as_ref()), "min-len");
        let max_len = length(
            self,
            a.max_len
                .as_ref()
                .or_else(|| checks.and_then(|c| c.max_len.as_ref())),
            "max-len",
        );
        let exact_len = length(self, checks.and_then(|c| c.exact_len.as_ref()), "exact-len");
        let len = length(self, a.len.as_ref(), "len");
        Some(Limits {
            min,
            max,
            min_len,
            max_len,
            exact_len,
            len,
        })
    }

    /// The enum an attribute's value must hold (`enum`, or YNL's
    /// `flags-mask`); the outer `None` is an error reported.
    fn attr_enum(&mut self, a: &S<spec::AttrDef>, model: &Model) -> Option<Option<EnumCheck>> {
        Some(
            match (
                &a.enum_,
                a.checks.as_ref().and_then(|c| c.flags_mask.as_ref()),
            ) {
                // YNL's `flags-mask`: the value may only hold bits of
                // that flags definition, as with `enum-as-flags`.
                (None, Some(fm)) => match enum_named(model, &fm.value) {
                    Some((enum_id, _)) => Some(EnumCheck {
                        enum_id,
                        as_flags: true,
                    }),
                    None => {
                        self.err(
                            &rules::DANGLING_REFERENCE,
                            self.pos(fm),
                            format!("no flags named `{}`", fm.value),
                            "",
                        );
                        return None;
                    }
                },
                (None, None) => None,
                (Some(e), _) => match enum_named(model, &e.value) {
                    Some((enum_id, en)) => Some(EnumCheck {
                        enum_id,
                        as_flags: en.kind == EnumKind::Flags
                            || a.enum_as_flags.as_ref().is_some_and(|b| b.value),
                    }),
                    None => {
                        self.err(
                            &rules::DANGLING_REFERENCE,
                            self.pos(e),
                            format!("no enum or flags named `{}`", e.value),
                            "",
                        );
                        return None;
                    }
                },
            },
        )
    }
}

/// An attribute's bounds (`min`, `max`) and length checks, resolved.
struct Limits {
    min: Option<i128>,
    max: Option<i128>,
    min_len: Option<u64>,
    max_len: Option<u64>,
    exact_len: Option<u64>,
    len: Option<u64>,
}
