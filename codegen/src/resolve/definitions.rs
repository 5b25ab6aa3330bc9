//! Consts, enums and flags.

use super::*;

impl Resolver<'_> {
    pub(super) fn forbid_enum_keys(&mut self, d: &spec::Definition, on: &str) {
        self.forbid("entries", &d.entries, on);
        self.forbid("value-start", &d.value_start, on);
        self.forbid("name-prefix", &d.name_prefix, on);
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
        Some(Const {
            name,
            doc: d.doc.clone(),
            value,
            hex: self.written_hex(v),
            since,
            header: d.header.as_ref().map(|h| h.value.clone()),
            c_name,
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
        self.forbid(
            "value",
            &d.value.value,
            &format!("an {what} (entries carry values)"),
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
            let v: i128 = if flags { 1i128 << next } else { next };
            let esince = self.since(&esince.cloned());
            if let Some(prev) = out.iter().find(|p| p.name == ename_s) {
                self.err(
                    &rules::DUPLICATE_NAME,
                    pos.clone(),
                    format!("entry `{ename_s}` appears twice in `{name}`"),
                    format!("first at {}", prev.pos),
                );
            } else if let Some(prev) = out.iter().find(|p| p.value == v) {
                self.err(
                    &rules::DUPLICATE_NUMBER,
                    pos.clone(),
                    format!("entry `{ename_s}` has the same value as `{}`", prev.name),
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
            });
            next += 1;
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
            existing_abi: self.existing_abi(d.existing_abi.as_ref()),
        })
    }
}
