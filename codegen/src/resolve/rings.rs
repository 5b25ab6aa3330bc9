//! Shared rings and the ring model's own rules.

use super::*;

impl Resolver<'_> {
    pub(super) fn rings(&mut self, s: &SpecFile, model: &Model) -> Vec<Ring> {
        let mut out: Vec<Ring> = Vec::new();
        for r in &s.rings {
            let name = self.name(&r.name, "ring");
            if out.iter().any(|x| x.name == name) {
                self.err(
                    &rules::DUPLICATE_NAME,
                    self.pos(&r.name),
                    format!("ring `{name}` is defined twice"),
                    "",
                );
                continue;
            }
            let Some((entry, entry_def)) = struct_named(model, &r.entry.value) else {
                self.dangling_struct(&r.entry, s);
                continue;
            };
            if entry_def.inline {
                self.in_place_error(&r.entry);
                continue;
            }
            // A slot's bytes must say what they are: no ring of unions.
            if entry_def.is_union {
                self.err(
                    &rules::BAD_VALUE,
                    self.pos(&r.entry),
                    format!("the entry of ring `{name}` is a union"),
                    "make the entry a struct (with an enum member saying which variant it holds)",
                );
                continue;
            }
            let producer = match r.producer.value.as_str() {
                "user" => Producer::User,
                "device" => Producer::Device,
                other => {
                    self.err(
                        &rules::BAD_VALUE,
                        self.pos(&r.producer),
                        format!("unknown producer `{other}`"),
                        "write `user` or `device`",
                    );
                    continue;
                }
            };
            let index = match r.index.as_ref().map(|i| (i, Scalar::from_name(&i.value))) {
                None => Scalar::U32,
                Some((_, Some(sc @ (Scalar::U16 | Scalar::U32 | Scalar::U64)))) => sc,
                Some((i, _)) => {
                    self.err(
                        &rules::BAD_VALUE,
                        self.pos(i),
                        format!("ring index type `{}` is not u16, u32 or u64", i.value),
                        "",
                    );
                    continue;
                }
            };
            let (Some(min), Some(max)) = (
                self.int_in(&r.entries.min, 1, 1 << 31, "ring entries min"),
                self.int_in(&r.entries.max, 1, 1 << 31, "ring entries max"),
            ) else {
                continue;
            };
            if min > max {
                self.err(
                    &rules::VALUE_OUT_OF_RANGE,
                    self.pos(&r.entries),
                    "ring entries min is greater than max",
                    "",
                );
                continue;
            }
            if !self.ring_model_ok(r, model, min, max) {
                continue;
            }
            let since = self.since(&r.since);
            out.push(Ring {
                name,
                doc: r.doc.clone(),
                entry,
                producer,
                index,
                min_entries: min as u64,
                max_entries: max as u64,
                since,
                pos: self.pos(&r.name),
                lint_allow: r.lint_allow.iter().map(|s| s.value.clone()).collect(),
            });
        }
        out
    }

    /// The ring model's own rules: entry counts are powers of two (slots
    /// are indices masked by entries - 1), and the entry struct lies at the
    /// same offsets on every target with a size that is a multiple of its
    /// alignment and of 4 (entries sit back to back after the 192-byte
    /// header, which is the same on every target by construction, and the
    /// generated code copies them in 32-bit words).
    pub(super) fn ring_model_ok(
        &mut self,
        r: &S<spec::RingDef>,
        model: &Model,
        min: i128,
        max: i128,
    ) -> bool {
        let mut ok = true;
        for (v, what) in [(&r.entries.min, "min"), (&r.entries.max, "max")] {
            let n = if what == "min" { min } else { max };
            if n <= 0 || (n & (n - 1)) != 0 {
                self.err(
                    &rules::BAD_VALUE,
                    self.pos(v),
                    format!("ring entries {what} {n} is not a power of two"),
                    "slots are free-running indices masked by entries - 1: use a power of two",
                );
                ok = false;
            }
        }
        let Some((_, st)) = struct_named(model, &r.entry.value) else {
            return false;
        };
        let layouts = st.layouts.iter().filter(|(t, _)| model.targets.contains(t));
        for (t, l) in layouts.clone() {
            if l.size == 0 || l.size % l.align.max(4) != 0 {
                self.err(
                    &rules::BAD_VALUE,
                    self.pos(&r.entry),
                    format!(
                        "ring entry `{}` is {} bytes on {}, not a multiple of {}",
                        st.name,
                        l.size,
                        t.name(),
                        l.align.max(4)
                    ),
                    "pad the entry struct to a multiple of its alignment (and of 4 bytes: ring code copies entries in 32-bit words)",
                );
                return false;
            }
        }
        let sizes = crate::target::group(layouts.map(|(&t, l)| (t, l.size)));
        if sizes.len() > 1 {
            let desc: Vec<String> = sizes
                .iter()
                .map(|(sz, ts)| {
                    let names: Vec<&str> = ts.iter().map(|t| t.name()).collect();
                    format!("{sz} bytes on {}", names.join(", "))
                })
                .collect();
            self.err(
                &rules::BAD_VALUE,
                self.pos(&r.entry),
                format!(
                    "ring entry `{}` has a different size per target ({}): the ring layout must be identical on every target",
                    st.name,
                    desc.join("; ")
                ),
                "make every 64-bit member 8-aligned with explicit pad members",
            );
            ok = false;
        }
        ok
    }
}
