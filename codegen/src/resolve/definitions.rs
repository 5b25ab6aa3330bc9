//! Consts, enums and flags.

use super::*;

impl Resolver<'_> {
    pub(super) fn forbid_enum_keys(&mut self, d: &spec::Definition, on: &str) {
        self.forbid("entries", &d.entries, on);
        self.forbid("value-start", &d.value_start, on);
        // A const's `name-prefix` is its C name's prefix, as in YNL.
        if on != "a const" {
            self.forbid("name-prefix", &d.name_prefix, on);
        }
        self.forbid("render-max", &d.render_max, on);
        self.forbid("enum-cnt-name", &d.enum_cnt_name, on);
        // The kernel's specs put `enum-name` on structs too (ovs_datapath's
        // datapath-stats), where YNL ignores it; only consts reject it.
        if on == "a const" {
            self.forbid("enum-name", &d.enum_name, on);
        }
    }

    pub(super) fn constant(&mut self, d: &S<spec::Definition>) -> Option<Const> {
        let name = self.name(&d.name, "const");
        self.forbid_struct_keys(d, "a const");
        self.forbid_enum_keys(d, "a const");
        // A value has no layout or behaviour to reproduce.
        self.forbid("existing-abi", &d.existing_abi, "a const");
        let c_name = self.c_name(d.c_name.as_ref());
        let since = self.since(&d.since);
        let Some(v) = &d.value.value else {
            self.err(
                &rules::MISSING_KEY,
                self.pos(&d.name),
                format!("const `{name}` has no `value`"),
                "add `value: N`",
            );
            return None;
        };
        if let Some(sc) = self.string_const(d, &name, v) {
            self.string_consts.push(sc);
            return None;
        }
        let value = self.int_or_const(v)?;
        if value < i128::from(i64::MIN) || value > i128::from(u64::MAX) {
            self.err(
                &rules::VALUE_OUT_OF_RANGE,
                self.pos(v),
                format!("const `{name}` does not fit 64 bits"),
                "",
            );
            return None;
        }
        let c_type = match &d.c_type {
            None => None,
            Some(t) if t.value == "ulong" => {
                // -1 is all ones; any other value must mean the same on
                // a 32-bit `long`.
                if value != -1 && !(0..=i128::from(u32::MAX)).contains(&value) {
                    self.err(
                        &rules::VALUE_OUT_OF_RANGE,
                        self.pos(v),
                        format!(
                            "const `{name}` of `c-type: ulong` is {value}, which a 32-bit `long` does not hold"
                        ),
                        "write -1 (all ones, `~0UL`) or a value up to 0xffffffff",
                    );
                    return None;
                }
                Some(CType::ULong)
            }
            Some(t) => {
                self.err(
                    &rules::BAD_VALUE,
                    self.pos(t),
                    format!("unknown `c-type` `{}`", t.value),
                    "the one C type of a target-dependent width is `ulong` (C `unsigned long`)",
                );
                return None;
            }
        };
        Some(Const {
            name,
            doc: d.doc.clone(),
            value,
            hex: self.written_hex(v),
            since,
            header: d.header.as_ref().map(|h| h.value.clone()),
            c_name,
            name_prefix: d.name_prefix.as_ref().map(|s| s.value.clone()),
            c_type,
            pos: self.pos(&d.name),
        })
    }

    pub(super) fn enumeration(&mut self, d: &S<spec::Definition>) -> Option<Enum> {
        let flags = d.kind.value == "flags";
        let what = if flags { "flags" } else { "enum" };
        let name = self.name(&d.name, what);
        self.forbid_struct_keys(d, &format!("an {what}"));
        if let Some(c) = &d.c_name {
            self.err(
                &rules::KEY_NOT_ALLOWED,
                self.pos(c),
                format!("`c-name` does not apply to an {what}"),
                "name its C tag with `enum-name` and its entries with `name-prefix` or each entry's `c-name`",
            );
        }
        self.forbid("c-type", &d.c_type, format!("an {what}"));
        self.forbid(
            "value",
            &d.value.value,
            format!("an {what} (entries carry values)"),
        );
        let since = self.since(&d.since);
        let mut next: i128 = match &d.value_start {
            Some(v) => self.int_in(
                v,
                0,
                if flags { 63 } else { u32::MAX.into() },
                "value-start",
            )?,
            None => 0,
        };
        let Some(entries) = &d.entries else {
            self.err(
                &rules::MISSING_KEY,
                self.pos(&d.name),
                format!("{what} `{name}` has no `entries`"),
                "add `entries: [first, second]`",
            );
            return None;
        };
        let existing_abi = self.existing_abi(d.existing_abi.as_ref());
        let mut out: Vec<EnumEntry> = Vec::new();
        for e in &entries.value {
            let pos = self.pos(e);
            let (ename, doc, value, esince, c_name) = match (&e.value.name, &e.value.full) {
                (Some(n), _) => (e.with(n.clone()), None, None, None, None),
                (None, Some(f)) => (
                    f.name.clone(),
                    f.doc.clone(),
                    f.value.as_ref(),
                    f.since.as_ref(),
                    f.c_name.as_ref(),
                ),
                (None, None) => continue,
            };
            let c_name = self.c_name(c_name);
            let ename_s = self.name(&ename, "entry");
            let field = match &e.value.full {
                Some(f) => self.flag_field(f, flags, &ename_s)?,
                None => None,
            };
            if let Some(field) = &field {
                next = field.low.into();
            }
            if let Some(v) = value {
                // An enum value may be negative, as an existing ABI's is
                // (amdxdna's `AMDXDNA_DEV_TYPE_UNKNOWN = -1`); a flag is a
                // bit number.
                next = self.int_in(
                    v,
                    if flags { 0 } else { i64::MIN.into() },
                    if flags { 63 } else { u64::MAX.into() },
                    "entry value",
                )?;
            }
            if flags && next > 63 {
                self.err(
                    &rules::VALUE_OUT_OF_RANGE,
                    pos.clone(),
                    format!("flag `{ename_s}` would be bit {next}; flags hold 64 bits"),
                    "",
                );
                return None;
            }
            if !flags && next > u64::MAX.into() {
                self.err(
                    &rules::VALUE_OUT_OF_RANGE,
                    pos.clone(),
                    format!("entry `{ename_s}` would be {next}, beyond 64 bits"),
                    "",
                );
                return None;
            }
            let v: i128 = match &field {
                Some(f) => field_mask(f).into(),
                None if flags => 1i128 << next,
                None => next,
            };
            let esince = self.since(&esince.cloned());
            // An existing ABI's enum may name one value twice (an alias,
            // as `X_LAST = X_FINAL`): reproduced, and `enum-alias` warns.
            let alias_of = (!flags && existing_abi)
                .then(|| out.iter().find(|p| p.value == v && p.name != ename_s))
                .flatten()
                .map(|p| p.alias_of.clone().unwrap_or_else(|| p.name.clone()));
            if let Some(prev) = out.iter().find(|p| p.name == ename_s) {
                self.err(
                    &rules::DUPLICATE_NAME,
                    pos.clone(),
                    format!("entry `{ename_s}` appears twice in `{name}`"),
                    format!("first at {}", prev.pos),
                );
            } else if alias_of.is_none()
                && let Some(prev) = out.iter().find(|p| {
                    p.value == v
                        || (flags
                            && (p.field.is_some() || field.is_some())
                            && p.bits() & (v as u64) != 0)
                })
            {
                self.err(
                    &rules::DUPLICATE_NUMBER,
                    pos.clone(),
                    if prev.value == v {
                        format!("entry `{ename_s}` has the same value as `{}`", prev.name)
                    } else {
                        format!("entry `{ename_s}` shares bits with `{}`", prev.name)
                    },
                    "give each entry its own value",
                );
            }
            out.push(EnumEntry {
                name: ename_s,
                doc,
                value: v,
                since: esince,
                c_name,
                pos,
                field: field.clone(),
                alias_of,
            });
            next = match &field {
                Some(f) => i128::from(f.high) + 1,
                None => next + 1,
            };
        }
        Some(Enum {
            name,
            doc: d.doc.clone(),
            kind: if flags {
                EnumKind::Flags
            } else {
                EnumKind::Enum
            },
            entries: out,
            since,
            name_prefix: d.name_prefix.as_ref().map(|s| s.value.clone()),
            enum_name: d
                .enum_name
                .as_ref()
                .map(|s| s.value.clone().unwrap_or_default()),
            render_max: d.render_max.as_ref().is_some_and(|b| b.value),
            enum_cnt_name: d.enum_cnt_name.as_ref().map(|s| s.value.clone()),
            header: d.header.as_ref().map(|h| h.value.clone()),
            pos: self.pos(&d.name),
            lint_allow: d.lint_allow.iter().map(|s| s.value.clone()).collect(),
            existing_abi,
        })
    }
}

/// The bits of a field as a mask of the flags word.
fn field_mask(f: &FlagField) -> u64 {
    let width = f.high - f.low + 1;
    let ones = if width >= 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    };
    ones << f.low
}

impl Resolver<'_> {
    /// `bits: [low, high]` and `values:` of a flags entry: a field of
    /// several bits. None inside the Option when the entry is a plain
    /// flag; an outer None after an error.
    fn flag_field(
        &mut self,
        f: &spec::EntryDef,
        flags: bool,
        entry: &str,
    ) -> Option<Option<FlagField>> {
        let Some(bits) = &f.bits else {
            if let Some(values) = &f.values {
                self.err(
                    &rules::KEY_NOT_ALLOWED,
                    self.pos(values),
                    format!("entry `{entry}` has `values` but no `bits`"),
                    "`values` lists what a multi-bit field holds: add `bits: [low, high]`",
                );
                return None;
            }
            return Some(None);
        };
        if !flags {
            self.err(
                &rules::KEY_NOT_ALLOWED,
                self.pos(bits),
                format!("entry `{entry}` of an enum has `bits`"),
                "`bits` makes a field of several bits inside a flags word; use it in a `type: flags` definition",
            );
            return None;
        }
        if let Some(v) = &f.value {
            self.err(
                &rules::KEY_NOT_ALLOWED,
                self.pos(v),
                format!("entry `{entry}` has both `value` and `bits`"),
                "a field is placed by `bits: [low, high]`; remove `value`",
            );
            return None;
        }
        let [low, high] = bits.value.as_slice() else {
            self.err(
                &rules::BAD_VALUE,
                self.pos(bits),
                format!("`bits` of entry `{entry}` has {} numbers", bits.value.len()),
                "write the field's first and last bit: `bits: [16, 17]`",
            );
            return None;
        };
        let low = self.int_in(low, 0, 63, "field's first bit")? as u32;
        let high = self.int_in(high, 0, 63, "field's last bit")? as u32;
        if high <= low {
            self.err(
                &rules::BAD_VALUE,
                self.pos(bits),
                format!(
                    "`bits: [{low}, {high}]` of entry `{entry}` is not a field of several bits"
                ),
                "write the lowest bit first; a one-bit entry is a plain flag (`value: <bit>`)",
            );
            return None;
        }
        let width = high - low + 1;
        let limit: u128 = 1u128 << width;
        let mut values: Vec<FieldValue> = Vec::new();
        let mut next: i128 = 0;
        for v in f.values.as_ref().map_or(&[][..], |v| v.value.as_slice()) {
            let (vname, doc, value) = match (&v.value.name, &v.value.full) {
                (Some(n), _) => (v.with(n.clone()), None, None),
                (None, Some(full)) => (full.name.clone(), full.doc.clone(), full.value.as_ref()),
                (None, None) => continue,
            };
            let vname_s = self.name(&vname, "field value");
            if let Some(x) = value {
                next = self.int_in(x, 0, (limit - 1) as i128, "field value")?;
            }
            if next as u128 >= limit {
                self.err(
                    &rules::VALUE_OUT_OF_RANGE,
                    self.pos(&vname),
                    format!(
                        "value `{vname_s}` would be {next}; field `{entry}` holds {width} bits"
                    ),
                    "widen the field's `bits` or drop the value",
                );
                return None;
            }
            if let Some(prev) = values
                .iter()
                .find(|p| p.name == vname_s || i128::from(p.value) == next)
            {
                self.err(
                    &rules::DUPLICATE_NUMBER,
                    self.pos(&vname),
                    format!(
                        "value `{vname_s}` of field `{entry}` repeats `{}`",
                        prev.name
                    ),
                    "give each value its own name and number",
                );
                return None;
            }
            values.push(FieldValue {
                name: vname_s,
                doc,
                value: next as u64,
            });
            next += 1;
        }
        Some(Some(FlagField { low, high, values }))
    }
}
