//! Struct members: types, checks and user pointers.

use super::*;

/// Type names of C that a spec may not use, with what to write instead.
const C_TYPES: &[(&str, &str)] = &[
    ("int", "s32"),
    ("unsigned", "u32"),
    ("uint", "u32"),
    ("long", "s64 (long is 32 bits on i386, arm and mips)"),
    ("ulong", "u64"),
    ("short", "s16"),
    ("size_t", "u64"),
    ("ssize_t", "s64"),
    ("off_t", "s64"),
    ("bool", "u8 or a flags bit"),
    ("_Bool", "u8 or a flags bit"),
    ("char", "u8, or string with len"),
    ("time_t", "s64 nanoseconds"),
    ("float", "u32 holding the bits"),
    ("double", "u64 holding the bits"),
    ("enum", "u32 with `enum: NAME`"),
    ("bitfield", "u32 with a flags set"),
    ("uint8_t", "u8"),
    ("uint16_t", "u16"),
    ("uint32_t", "u32"),
    ("uint64_t", "u64"),
    ("int8_t", "s8"),
    ("int16_t", "s16"),
    ("int32_t", "s32"),
    ("int64_t", "s64"),
    ("i8", "s8"),
    ("i16", "s16"),
    ("i32", "s32"),
    ("i64", "s64"),
];

/// "a member of type `u32`", as messages name what a key is on.
struct OfType<'t>(&'t str);

impl std::fmt::Display for OfType<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a member of type `{}`", self.0)
    }
}

const MEMBER_TYPES: &str = "u8 u16 u32 u64 s8 s16 s32 s64 pad binary string struct union user-ptr";

impl Resolver<'_> {
    /// `in`, `out` or `inout`.
    pub(super) fn access(&mut self, a: &S<String>) -> Option<Access> {
        match a.value.as_str() {
            "in" => Some(Access::In),
            "out" => Some(Access::Out),
            "inout" => Some(Access::InOut),
            other => {
                self.err(
                    &rules::BAD_VALUE,
                    self.pos(a),
                    format!("unknown access `{other}`"),
                    "write `in`, `out` or `inout`",
                );
                None
            }
        }
    }

    pub(super) fn member(
        &mut self,
        m: &S<spec::MemberDef>,
        name: String,
        siblings: &[S<spec::MemberDef>],
        s: &SpecFile,
    ) -> Option<Member> {
        let mname = name.as_str();
        let since = self.since(&m.since);
        let access = match &m.access {
            None => Access::In,
            Some(a) => self.access(a)?,
        };
        let anonymous = self.anonymous(m, mname)?;
        let kind = self.member_kind(m, mname, siblings, s)?;
        if m.hoisted && matches!(kind, MemberKind::Struct { count: Some(_), .. }) {
            self.err(
                &rules::KEY_NOT_ALLOWED,
                self.pos(&m.name),
                format!("member `{mname}` is an array of a struct written in place"),
                "define the struct and hold the array by name (`struct: NAME, count: N`)",
            );
            return None;
        }
        let check = self.member_enum(m)?;
        if check.is_some() && !matches!(kind, MemberKind::Scalar { count: None, .. }) {
            self.err(
                &rules::KEY_NOT_ALLOWED,
                self.pos(m.enum_.as_ref()?),
                "`enum` applies only to a single integer member",
                "",
            );
            return None;
        }
        let range = self.member_range(m, &kind)?;
        let byte_order = match &m.byte_order {
            Some(b) => Some(self.byte_order(b)?),
            None => None,
        };
        if byte_order.is_some() && !matches!(kind, MemberKind::Scalar { .. }) {
            self.err(
                &rules::KEY_NOT_ALLOWED,
                self.pos(m.byte_order.as_ref()?),
                "`byte-order` applies only to integer members",
                "",
            );
            return None;
        }
        // The key that sized the member, if it named a const.
        let bound_const = match &kind {
            MemberKind::Scalar { count: Some(_), .. }
            | MemberKind::Struct { count: Some(_), .. }
            | MemberKind::Pad {
                scalar: Some(PadScalar { count: Some(_), .. }),
                ..
            } => self.named_const(m.count.as_ref()),
            MemberKind::Pad { scalar: None, .. }
            | MemberKind::Binary { .. }
            | MemberKind::String { .. } => self.named_const(m.len.as_ref()),
            MemberKind::Scalar { count: None, .. }
            | MemberKind::Pad {
                scalar: Some(PadScalar { count: None, .. }),
                ..
            }
            | MemberKind::Struct { count: None, .. }
            | MemberKind::Union { .. }
            | MemberKind::UserPtr { .. } => None,
        };
        // Read again only where `member_kind` read it without an error.
        let flexible = matches!(
            kind,
            MemberKind::Scalar { count: Some(0), .. } | MemberKind::Struct { count: Some(0), .. }
        );
        let counted_by = match &m.counted_by {
            Some(c) if flexible => siblings.iter().position(|x| x.name.value == c.value),
            Some(_) | None => None,
        };
        let dims = match &kind {
            MemberKind::Scalar { .. } | MemberKind::Struct { .. } if flexible => Vec::new(),
            MemberKind::Scalar { count: Some(_), .. }
            | MemberKind::Struct { count: Some(_), .. } => self
                .array_count(m.count.as_ref())
                .map_or(Vec::new(), |c| c.1),
            MemberKind::Scalar { count: None, .. }
            | MemberKind::Struct { count: None, .. }
            | MemberKind::Pad { .. }
            | MemberKind::Binary { .. }
            | MemberKind::String { .. }
            | MemberKind::Union { .. }
            | MemberKind::UserPtr { .. } => Vec::new(),
        };
        let bound_const = if dims.is_empty() { bound_const } else { None };
        let address = self.user_address(m, &kind)?;
        Some(Member {
            name,
            dims,
            counted_by,
            address,
            anonymous,
            doc: m.doc.clone(),
            since,
            access,
            kind,
            bound_const,
            check,
            byte_order,
            range,
            resource: m.resource.as_ref().map(|r| r.value.clone()),
            pos: self.pos(&m.name),
            type_pos: self.pos(&m.ty),
            lint_allow: m.lint_allow.iter().map(|s| s.value.clone()).collect(),
        })
    }

    /// `address: user | user-or-value`, on a single `u64` only. Outer
    /// None after an error.
    fn user_address(
        &mut self,
        m: &S<spec::MemberDef>,
        kind: &MemberKind,
    ) -> Option<Option<UserAddress>> {
        let Some(a) = &m.address else {
            return Some(None);
        };
        let value = match a.value.as_str() {
            "user" => UserAddress::User,
            "user-or-value" => UserAddress::UserOrValue,
            other => {
                self.err(
                    &rules::BAD_VALUE,
                    self.pos(a),
                    format!("unknown address `{other}`"),
                    "write `user` (always a userspace address) or `user-or-value`",
                );
                return None;
            }
        };
        let u64_scalar = matches!(
            kind,
            MemberKind::Scalar {
                ty: Scalar::U64,
                count: None
            }
        );
        if !u64_scalar || m.pad.as_ref().is_some_and(|p| p.value) {
            self.err(
                &rules::KEY_NOT_ALLOWED,
                self.pos(a),
                "`address` applies to a single `u64` member",
                "a new ABI declares an address as `type: user-ptr`; `address` describes a `u64` an existing ABI passes one in",
            );
            return None;
        }
        Some(Some(value))
    }

    /// `anonymous: true`, which the hoisting gave its own definition
    /// (`inline::hoist`); `members` or `anonymous` anywhere else is an
    /// error.
    fn anonymous(&mut self, m: &S<spec::MemberDef>, mname: &str) -> Option<bool> {
        let anonymous = m.anonymous.as_ref().is_some_and(|a| a.value);
        if let Some(inner) = &m.members {
            self.err(
                &rules::KEY_NOT_ALLOWED,
                self.pos(inner),
                format!(
                    "`members` on member `{mname}` defines its struct or union in place, which needs `type: struct` or `union` and no `struct:` or `union:`"
                ),
                format!(
                    "write `{{ name: {mname}, type: union, members: [...] }}` (with `anonymous: true` for C's anonymous member), or define the union and hold it with `union: NAME`"
                ),
            );
            return None;
        }
        if anonymous && !m.hoisted {
            self.err(
                &rules::MISSING_KEY,
                self.pos(m.anonymous.as_ref()?),
                format!("anonymous member `{mname}` has no `members`"),
                "C writes an anonymous struct or union in place: give it `type: struct` or `union` and its `members: [...]` instead of a `struct:` or `union:` name",
            );
            return None;
        }
        Some(anonymous)
    }

    /// What a member is, from its `type` and the keys that go with it.
    fn member_kind(
        &mut self,
        m: &S<spec::MemberDef>,
        mname: &str,
        siblings: &[S<spec::MemberDef>],
        s: &SpecFile,
    ) -> Option<MemberKind> {
        let ty = m.ty.value.as_str();
        let integer = Scalar::from_name(ty);
        // Spelled out only in a message: most members break no rule.
        let on = OfType(ty);
        let on: &dyn std::fmt::Display = &on;
        if ty != "user-ptr" {
            self.forbid("stride", &m.stride, on);
        }
        Some(match ty {
            _ if integer.is_some() => {
                self.forbid("len", &m.len, on);
                self.forbid("elem", &m.elem, on);
                self.forbid("max-count", &m.max_count, on);
                self.forbid("struct", &m.r#struct, on);
                self.forbid("union", &m.union, on);
                let (count, dims) = self.flexible_or_count(m, mname, siblings, on)?;
                let ty = integer?;
                if m.pad.as_ref().is_some_and(|p| p.value) {
                    self.forbid("flexible", &m.flexible, "a pad member");
                    if !dims.is_empty() {
                        self.err(
                            &rules::BAD_VALUE,
                            self.pos(m.count.as_ref()?),
                            format!("pad member `{mname}` has several dimensions"),
                            "write its element count as one number",
                        );
                        return None;
                    }
                    // Padding with an integer's spelling: zero, never a value.
                    for (k, present) in [
                        ("enum", m.enum_.is_some()),
                        ("range", m.range.is_some()),
                        ("byte-order", m.byte_order.is_some()),
                        ("access", m.access.is_some()),
                    ] {
                        if present {
                            self.err(
                                &rules::BAD_VALUE,
                                self.pos(&m.name),
                                format!("pad member `{mname}` has `{k}`; padding is always zero"),
                                format!("remove `{k}`, or `pad: true` if it holds a value"),
                            );
                            return None;
                        }
                    }
                    MemberKind::Pad {
                        len: ty.size() * count.unwrap_or(1),
                        scalar: Some(PadScalar { ty, count }),
                    }
                } else {
                    MemberKind::Scalar { ty, count }
                }
            }
            "pad" | "binary" | "string" => {
                for (k, v) in [("count", &m.count), ("max-count", &m.max_count)] {
                    self.forbid(k, v, on);
                }
                self.forbid("flexible", &m.flexible, on);
                self.forbid("counted-by", &m.counted_by, on);
                self.forbid("elem", &m.elem, on);
                self.forbid("struct", &m.r#struct, on);
                self.forbid("enum", &m.enum_, on);
                self.forbid("range", &m.range, on);
                self.forbid("byte-order", &m.byte_order, on);
                self.forbid("union", &m.union, on);
                self.forbid("pad", &m.pad, on);
                let Some(len) = &m.len else {
                    self.err(
                        &rules::MISSING_KEY,
                        self.pos(&m.ty),
                        format!("member `{mname}` of type `{ty}` needs `len`"),
                        "add `len: N` (bytes)",
                    );
                    return None;
                };
                let len = self.sized(len, 1, layout::MAX_STRUCT_SIZE.into(), "len")? as u32;
                match ty {
                    "pad" => MemberKind::Pad { len, scalar: None },
                    "binary" => MemberKind::Binary { len },
                    _ => MemberKind::String { len },
                }
            }
            "struct" => {
                for (k, v) in [("max-count", &m.max_count), ("len", &m.len)] {
                    self.forbid(k, v, on);
                }
                self.forbid("pad", &m.pad, on);
                self.forbid("elem", &m.elem, on);
                self.forbid("enum", &m.enum_, on);
                self.forbid("range", &m.range, on);
                self.forbid("byte-order", &m.byte_order, on);
                let Some(r) = &m.r#struct else {
                    self.err(
                        &rules::MISSING_KEY,
                        self.pos(&m.ty),
                        format!("member `{mname}` of type `struct` needs `struct: NAME`"),
                        "",
                    );
                    return None;
                };
                self.forbid("union", &m.union, on);
                let Some(id) = self.struct_ref(&r.value) else {
                    self.dangling_struct(r, s);
                    return None;
                };
                if !m.hoisted && self.refers_in_place(r) {
                    return None;
                }
                if self.is_union(&r.value) {
                    self.err(
                        &rules::BAD_VALUE,
                        self.pos(r),
                        format!("`{}` is a union, not a struct", r.value),
                        format!("write `type: union, union: {}`", r.value),
                    );
                    return None;
                }
                // An array of structs by value: `struct x name[N]`.
                let (count, _) = self.flexible_or_count(m, mname, siblings, on)?;
                MemberKind::Struct { id, count }
            }
            "union" => self.union_member(m, mname, s, on)?,
            "user-ptr" => self.user_ptr(m, mname, siblings, s, on)?,
            other => {
                self.unknown_member_type(m, other);
                return None;
            }
        })
    }

    /// The count of an integer or struct member: as `array_count`, or 0
    /// for a flexible array member (`flexible: true`, the last member,
    /// with no `count`; `counted-by` names a single integer sibling).
    fn flexible_or_count(
        &mut self,
        m: &S<spec::MemberDef>,
        mname: &str,
        siblings: &[S<spec::MemberDef>],
        on: &dyn std::fmt::Display,
    ) -> Option<(Option<u32>, Vec<Dim>)> {
        let Some(f) = m.flexible.as_ref().filter(|f| f.value) else {
            self.forbid(
                "counted-by",
                &m.counted_by,
                "a member without `flexible: true`",
            );
            return self.array_count(m.count.as_ref());
        };
        self.forbid("count", &m.count, "a flexible array member");
        if siblings.last().is_none_or(|l| l.name.value != mname) {
            self.err(
                &rules::BAD_VALUE,
                self.pos(f),
                format!("flexible array member `{mname}` is not the struct's last member"),
                "move it to the end: its elements follow the struct",
            );
            return None;
        }
        if let Some(c) = &m.counted_by {
            let at = siblings.iter().position(|x| x.name.value == c.value);
            let ok = at.is_some_and(|i| {
                let x = &siblings[i];
                x.name.value != mname
                    && Scalar::from_name(&x.ty.value).is_some()
                    && x.count.is_none()
                    && x.pad.as_ref().is_none_or(|p| !p.value)
            });
            if !ok {
                let names: Vec<&str> = siblings.iter().map(|x| x.name.value.as_str()).collect();
                let hint = did_you_mean(&c.value, names);
                self.err(
                    if at.is_none() {
                        &rules::DANGLING_REFERENCE
                    } else {
                        &rules::BAD_VALUE
                    },
                    self.pos(c),
                    format!(
                        "`counted-by: {}` of {on} names no single integer sibling",
                        c.value
                    ),
                    if hint.is_empty() {
                        "name the integer member that holds the element count".to_string()
                    } else {
                        hint
                    },
                );
                return None;
            }
        }
        Some((Some(0), Vec::new()))
    }

    /// An array's `count`: the element count, and the dimensions when it
    /// lists several (their product is the count). The outer `None` is an
    /// error reported.
    fn array_count(&mut self, c: Option<&S<IntOrName>>) -> Option<(Option<u32>, Vec<Dim>)> {
        const MAX: i128 = 1 << 20;
        let Some(c) = c else {
            return Some((None, Vec::new()));
        };
        let IntOrName::Dims(list) = &c.value else {
            return Some((
                Some(self.sized(c, 1, MAX, "array count")? as u32),
                Vec::new(),
            ));
        };
        if list.len() < 2 {
            self.err(
                &rules::BAD_VALUE,
                self.pos(c),
                format!("a list `count` has {} dimensions", list.len()),
                "list two or more dimensions (`count: [2, 4]` is C `x[2][4]`), or write one count",
            );
            return None;
        }
        let mut dims = Vec::new();
        let mut total: i128 = 1;
        for d in list {
            let len = self.sized(d, 1, MAX, "array dimension")?;
            total *= i128::from(len);
            if total > MAX {
                self.err(
                    &rules::VALUE_OUT_OF_RANGE,
                    self.pos(c),
                    format!("the array has more than {MAX} elements"),
                    "",
                );
                return None;
            }
            dims.push(Dim {
                len: len as u32,
                bound_const: self.named_const(Some(d)),
            });
        }
        Some((Some(total as u32), dims))
    }

    /// A member holding a union by value (`{ type: union, union: NAME }`);
    /// no arrays of them (no real header has one).
    fn union_member(
        &mut self,
        m: &S<spec::MemberDef>,
        mname: &str,
        s: &SpecFile,
        on: &dyn std::fmt::Display,
    ) -> Option<MemberKind> {
        for (k, v) in [
            ("count", &m.count),
            ("max-count", &m.max_count),
            ("len", &m.len),
        ] {
            self.forbid(k, v, on);
        }
        for (k, v) in [
            ("elem", &m.elem),
            ("struct", &m.r#struct),
            ("enum", &m.enum_),
        ] {
            self.forbid(k, v, on);
        }
        self.forbid("byte-order", &m.byte_order, on);
        self.forbid("range", &m.range, on);
        self.forbid("pad", &m.pad, on);
        self.forbid("flexible", &m.flexible, on);
        self.forbid("counted-by", &m.counted_by, on);
        let Some(r) = &m.union else {
            self.err(
                &rules::MISSING_KEY,
                self.pos(&m.ty),
                format!("member `{mname}` of type `union` needs `union: NAME`"),
                "",
            );
            return None;
        };
        let Some(id) = self.struct_ref(&r.value) else {
            self.dangling_struct(r, s);
            return None;
        };
        if !m.hoisted && self.refers_in_place(r) {
            return None;
        }
        if !self.is_union(&r.value) {
            self.err(
                &rules::BAD_VALUE,
                self.pos(r),
                format!("`{}` is a struct, not a union", r.value),
                format!("write `type: struct, struct: {}`", r.value),
            );
            return None;
        }
        Some(MemberKind::Union { id })
    }

    /// A `type` that is not a member type: a C type, a pointer or a typo.
    fn unknown_member_type(&mut self, m: &S<spec::MemberDef>, other: &str) {
        if let Some((_, instead)) = C_TYPES.iter().find(|(c, _)| c.eq_ignore_ascii_case(other)) {
            self.err(
                &rules::NON_FIXED_WIDTH_TYPE,
                self.pos(&m.ty),
                format!("`{other}` is not a fixed-width type; its size or signedness differs between ABIs"),
                format!("use {instead}"),
            );
        } else if other.contains('*')
            || ["ptr", "pointer", "void*", "uintptr_t", "intptr_t"].contains(&other)
        {
            self.err(
                &rules::RAW_POINTER,
                self.pos(&m.ty),
                format!("`{other}` is a pointer: 4 bytes on 32-bit ABIs, 8 on 64-bit ones"),
                "use `type: user-ptr` (always a 64-bit integer) with `elem` and `count`",
            );
        } else {
            let hint = did_you_mean(other, MEMBER_TYPES.split(' '));
            self.err(
                &rules::UNKNOWN_TYPE,
                self.pos(&m.ty),
                format!("unknown member type `{other}`"),
                if hint.is_empty() {
                    format!("member types: {MEMBER_TYPES}")
                } else {
                    hint
                },
            );
        }
    }

    /// The member's `enum` check; the outer `None` is an error reported.
    fn member_enum(&mut self, m: &S<spec::MemberDef>) -> Option<Option<EnumCheck>> {
        Some(match &m.enum_ {
            None => {
                self.forbid("enum-as-flags", &m.enum_as_flags, "a member without `enum`");
                None
            }
            Some(e) => {
                let found = self
                    .enum_at
                    .get(e.value.as_str())
                    .and_then(|&i| Some((i, self.enums.get(i)?)))
                    .map(|(i, x)| (Id::new(&self.spec_name, i), x.kind))
                    .or_else(|| {
                        self.includes
                            .iter()
                            .find_map(|mm| enum_named(mm, &e.value))
                            .map(|(id, x)| (id, x.kind))
                    });
                match found {
                    None => {
                        let names: Vec<String> =
                            self.enums.iter().map(|x| x.name.clone()).collect();
                        let hint = did_you_mean(&e.value, names.iter().map(String::as_str));
                        self.err(
                            &rules::DANGLING_REFERENCE,
                            self.pos(e),
                            format!("no enum or flags named `{}`", e.value),
                            if hint.is_empty() {
                                "define it with `type: enum` or `type: flags`".into()
                            } else {
                                hint
                            },
                        );
                        return None;
                    }
                    Some((enum_id, kind)) => Some(EnumCheck {
                        enum_id,
                        as_flags: kind == EnumKind::Flags
                            || m.enum_as_flags.as_ref().is_some_and(|b| b.value),
                    }),
                }
            }
        })
    }

    /// The member's `range`; the outer `None` is an error reported.
    fn member_range(
        &mut self,
        m: &S<spec::MemberDef>,
        kind: &MemberKind,
    ) -> Option<Option<(i128, i128)>> {
        Some(match &m.range {
            None => None,
            Some(r) => {
                let MemberKind::Scalar { ty, count: None } = kind else {
                    self.err(
                        &rules::KEY_NOT_ALLOWED,
                        self.pos(r),
                        "`range` applies only to a single integer member",
                        "",
                    );
                    return None;
                };
                let (lo, hi) = ty.bounds();
                let min = match &r.min {
                    Some(v) => self.int_or_const(v)?,
                    None => lo,
                };
                let max = match &r.max {
                    Some(v) => self.int_or_const(v)?,
                    None => hi,
                };
                if min < lo || max > hi || min > max {
                    self.err(
                        &rules::VALUE_OUT_OF_RANGE,
                        self.pos(r),
                        format!(
                            "range {min}..={max} is empty or does not fit `{}` ({lo}..={hi})",
                            ty.name()
                        ),
                        "",
                    );
                    return None;
                }
                Some((min, max))
            }
        })
    }

    pub(super) fn user_ptr(
        &mut self,
        m: &S<spec::MemberDef>,
        mname: &str,
        siblings: &[S<spec::MemberDef>],
        s: &SpecFile,
        on: &dyn std::fmt::Display,
    ) -> Option<MemberKind> {
        self.forbid("struct", &m.r#struct, on);
        self.forbid("enum", &m.enum_, on);
        self.forbid("range", &m.range, on);
        self.forbid("byte-order", &m.byte_order, on);
        self.forbid("flexible", &m.flexible, on);
        self.forbid("counted-by", &m.counted_by, on);
        self.forbid("union", &m.union, on);
        let Some(elem) = &m.elem else {
            self.err(
                &rules::MISSING_KEY,
                self.pos(&m.ty),
                format!("user-ptr `{mname}` needs `elem` (a scalar type or struct name)"),
                "add e.g. `elem: u32`",
            );
            return None;
        };
        let elem_kind = match Scalar::from_name(&elem.value) {
            Some(sc) => Elem::Scalar(sc),
            None => match self.struct_ref(&elem.value) {
                Some(_) if self.refers_in_place(elem) => return None,
                Some(id) => Elem::Struct(id),
                None => {
                    self.dangling_struct(elem, s);
                    return None;
                }
            },
        };
        let sibling = |this: &mut Self, r: &S<IntOrName>, what: &str| -> Option<usize> {
            let IntOrName::Name(n) = &r.value else {
                this.err(
                    &rules::BAD_VALUE,
                    this.pos(r),
                    format!("`{what}` of a user-ptr names the sibling member holding it, not a number"),
                    "add a u32 member, e.g. `{ name: item-count, type: u32 }`, and write `count: item-count`; bound it with `max-count`",
                );
                return None;
            };
            let Some(idx) = siblings.iter().position(|x| &x.name.value == n) else {
                let names: Vec<&str> = siblings.iter().map(|x| x.name.value.as_str()).collect();
                let hint = did_you_mean(n, names);
                this.err(
                    &rules::DANGLING_REFERENCE,
                    this.pos(r),
                    format!("no member `{n}` in this struct"),
                    if hint.is_empty() {
                        "the count or length lives in a sibling integer member".into()
                    } else {
                        hint
                    },
                );
                return None;
            };
            if n == mname
                || Scalar::from_name(&siblings[idx].ty.value).is_none()
                || siblings[idx].count.is_some()
            {
                this.err(
                    &rules::BAD_VALUE,
                    this.pos(r),
                    format!("`{n}` must be a single integer member other than the pointer"),
                    "",
                );
                return None;
            }
            Some(idx)
        };
        let len = match (&m.count, &m.len) {
            (Some(_), Some(l)) => {
                self.err(
                    &rules::KEY_NOT_ALLOWED,
                    self.pos(l),
                    "a user-ptr has `count` (elements) or `len` (bytes), not both",
                    "",
                );
                return None;
            }
            (Some(c), None) => PtrLen::Count(sibling(self, c, "count")?),
            (None, Some(l)) => PtrLen::Bytes(sibling(self, l, "len")?),
            (None, None) => PtrLen::Single,
        };
        let max_count = match &m.max_count {
            Some(v) => Some(self.sized(v, 1, u32::MAX.into(), "max-count")?),
            None => None,
        };
        if max_count.is_none() && len != PtrLen::Single {
            self.err(
                &rules::USER_PTR_UNBOUNDED,
                self.pos(&m.name),
                format!("user-ptr `{mname}` has a count but no `max-count`"),
                "bound the array with `max-count: N` so the kernel never copies an unbounded amount (lint rule 15)",
            );
            return None;
        }
        let stride = match &m.stride {
            None => None,
            Some(st) => Some(self.stride(st, mname, &elem_kind, &len, siblings)?),
        };
        Some(MemberKind::UserPtr {
            elem: elem_kind,
            len,
            max_count,
            stride,
        })
    }

    /// `stride:` of a user-ptr: a sibling integer member, on an array of
    /// structs counted in elements.
    fn stride(
        &mut self,
        st: &S<String>,
        mname: &str,
        elem: &Elem,
        len: &PtrLen,
        siblings: &[S<spec::MemberDef>],
    ) -> Option<usize> {
        if !matches!(elem, Elem::Struct(_)) || !matches!(len, PtrLen::Count(_)) {
            self.err(
                &rules::KEY_NOT_ALLOWED,
                self.pos(st),
                format!("`stride` of user-ptr `{mname}` needs an array of structs counted by `count`"),
                "a stride lets the element struct grow: use it with `elem: <struct>` and `count: <member>`",
            );
            return None;
        }
        let Some(idx) = siblings.iter().position(|x| x.name.value == st.value) else {
            let names: Vec<&str> = siblings.iter().map(|x| x.name.value.as_str()).collect();
            let hint = did_you_mean(&st.value, names);
            self.err(
                &rules::DANGLING_REFERENCE,
                self.pos(st),
                format!("no member `{}` in this struct", st.value),
                if hint.is_empty() {
                    "the element size lives in a sibling integer member".into()
                } else {
                    hint
                },
            );
            return None;
        };
        let x = &siblings[idx];
        if st.value == mname
            || Scalar::from_name(&x.ty.value).is_none()
            || x.count.is_some()
            || x.pad.as_ref().is_some_and(|p| p.value)
        {
            self.err(
                &rules::BAD_VALUE,
                self.pos(st),
                format!(
                    "`{}` must be a single integer member other than the pointer",
                    st.value
                ),
                "e.g. `{ name: task-struct-size, type: u32 }`",
            );
            return None;
        }
        Some(idx)
    }
}
