//! Structs: their order, their keys and their layouts per target.

use super::*;

impl Resolver<'_> {
    pub(super) fn forbid_struct_keys(&mut self, d: &spec::Definition, on: &str) {
        self.forbid("members", &d.members, on);
    }

    pub(super) fn structs(&mut self, s: &SpecFile, order: &mut Vec<ItemRef>) -> Vec<Struct> {
        // Resolve members first (layouts need nested structs, which may be
        // written in any order), then lay out in dependency order.
        let mut pending: Vec<Struct> = Vec::new();
        for d in &s.definitions {
            match d.kind.value.as_str() {
                "struct" => {
                    if let Some(x) = self.structure(d, s) {
                        pending.push(x);
                    }
                }
                "const" | "enum" | "flags" => {}
                other => {
                    let hint = did_you_mean(other, ["const", "enum", "flags", "struct"]);
                    self.err(
                        &rules::UNKNOWN_TYPE,
                        self.pos(&d.kind),
                        format!("unknown definition type `{other}`"),
                        if hint.is_empty() {
                            "definitions are `const`, `enum`, `flags` or `struct`".to_string()
                        } else {
                            hint
                        },
                    );
                }
            }
        }
        let mut done: Vec<Struct> = Vec::new();
        let mut remaining = pending;
        while !remaining.is_empty() {
            let before = remaining.len();
            let mut still = Vec::new();
            for mut st in remaining {
                // Only by-value nesting constrains layout order; a user-ptr
                // is a plain 64-bit integer whatever it points at.
                let ready = st.members.iter().all(|m| match m.kind.embedded_struct() {
                    Some(name) => {
                        done.iter().any(|d| d.name == name)
                            || self.includes.iter().any(|m| m.find_struct(name).is_some())
                    }
                    None => true,
                });
                if !ready {
                    still.push(st);
                    continue;
                }
                let mut ok = true;
                for t in Target::ALL {
                    let kinds: Vec<&MemberKind> = st.members.iter().map(|m| &m.kind).collect();
                    let lookup = |n: &str| -> Option<&StructLayout> {
                        done.iter()
                            .find(|d| d.name == n)
                            .map(|d| d.layout(t))
                            .or_else(|| {
                                self.includes
                                    .iter()
                                    .find_map(|m| m.find_struct(n))
                                    .map(|x| x.0.layout(t))
                            })
                    };
                    match layout::struct_layout(&kinds, t, &lookup) {
                        Ok(l) => {
                            st.layouts.insert(t, l);
                        }
                        Err(LayoutError::TooLarge) => {
                            self.err(
                                &rules::VALUE_OUT_OF_RANGE,
                                st.pos.clone(),
                                format!(
                                    "struct `{}` is larger than {} bytes",
                                    st.name,
                                    layout::MAX_STRUCT_SIZE
                                ),
                                "",
                            );
                            ok = false;
                            break;
                        }
                        Err(LayoutError::UnknownStruct(_)) => {
                            ok = false;
                            break;
                        }
                    }
                }
                if ok {
                    done.push(st);
                }
            }
            if still.len() == before {
                for st in &still {
                    self.err(
                        &rules::RECURSIVE_STRUCT,
                        st.pos.clone(),
                        format!("struct `{}` contains itself by value (directly or through other structs)", st.name),
                        "a struct cannot embed itself; use a user-ptr or break the cycle",
                    );
                }
                break;
            }
            remaining = still;
        }
        // Definition order, with a struct placed after the structs it embeds.
        let written: Vec<&str> = s
            .definitions
            .iter()
            .filter(|d| d.kind.value == "struct")
            .map(|d| d.name.value.as_str())
            .collect();
        let mut sorted: Vec<Struct> = Vec::new();
        fn place(name: &str, done: &[Struct], sorted: &mut Vec<Struct>) {
            if sorted.iter().any(|s| s.name == name) {
                return;
            }
            let Some(st) = done.iter().find(|s| s.name == name) else {
                return;
            };
            for m in &st.members {
                if let Some(n) = m.kind.embedded_struct() {
                    place(n, done, sorted);
                }
            }
            sorted.push(st.clone());
        }
        for n in written {
            place(n, &done, &mut sorted);
        }
        // Interleave struct positions into the definition order: structs
        // keep their relative order from `sorted`, placed after the consts
        // and enums, which C and Rust need declared first anyway.
        for i in 0..sorted.len() {
            order.push(ItemRef::Struct(i));
        }
        sorted
    }

    pub(super) fn structure(&mut self, d: &S<spec::Definition>, s: &SpecFile) -> Option<Struct> {
        let name = self.name(&d.name, "struct");
        self.forbid_enum_keys(d, "a struct");
        self.forbid("value", &d.value.value, "a struct");
        let since = self.since(&d.since);
        let Some(members) = &d.members else {
            self.err(
                &rules::MISSING_KEY,
                self.pos(&d.name),
                format!("struct `{name}` has no `members`"),
                "add `members: [...]`",
            );
            return None;
        };
        if members.value.is_empty() {
            self.err(
                &rules::EMPTY_STRUCT,
                self.pos(members),
                format!("struct `{name}` has no members"),
                "an empty struct has size 0 in GNU C and 1 in C++; give it a member (e.g. `pad` of 8 bytes)",
            );
            return None;
        }
        let mut out: Vec<Member> = Vec::new();
        let mut ok = true;
        for m in &members.value {
            let mname = self.name(&m.name, "member");
            if let Some(prev) = out.iter().find(|p| p.name == mname) {
                self.err(
                    &rules::DUPLICATE_NAME,
                    self.pos(&m.name),
                    format!("member `{mname}` appears twice in struct `{name}`"),
                    format!("first at {}", prev.pos),
                );
                ok = false;
                continue;
            }
            match self.member(m, &mname, &members.value, s) {
                Some(mm) => out.push(mm),
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        Some(Struct {
            name,
            doc: d.doc.clone(),
            since,
            members: out,
            layouts: BTreeMap::new(),
            pos: self.pos(&d.name),
            lint_allow: d.lint_allow.iter().map(|s| s.value.clone()).collect(),
        })
    }

    pub(super) fn struct_exists(&self, n: &str, s: &SpecFile) -> bool {
        s.definitions
            .iter()
            .any(|d| d.name.value == n && d.kind.value == "struct")
            || self.includes.iter().any(|m| m.find_struct(n).is_some())
    }

    pub(super) fn struct_names<'b>(&'b self, s: &'b SpecFile) -> Vec<&'b str> {
        s.definitions
            .iter()
            .filter(|d| d.kind.value == "struct")
            .map(|d| d.name.value.as_str())
            .chain(self.includes.iter().flat_map(|m| {
                m.all_includes()
                    .into_iter()
                    .chain([m.as_ref()])
                    .flat_map(|mm| mm.structs.iter().map(|x| x.name.as_str()))
                    .collect::<Vec<_>>()
            }))
            .collect()
    }

    pub(super) fn dangling_struct(&mut self, r: &S<String>, s: &SpecFile) {
        let names: Vec<String> = self.struct_names(s).into_iter().map(String::from).collect();
        let hint = did_you_mean(&r.value, names.iter().map(String::as_str));
        self.err(
            &rules::DANGLING_REFERENCE,
            self.pos(r),
            format!("no struct named `{}` in this spec or its includes", r.value),
            if hint.is_empty() {
                "define it under `definitions` with `type: struct`".into()
            } else {
                hint
            },
        );
    }
}
