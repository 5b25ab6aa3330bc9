//! Names: C, C++ and kernel reserved identifiers, and clashes between
//! the names the backends generate.

use super::*;

impl<'a> Cx<'a> {
    /// Rule 32 for a struct's name and members.
    pub(super) fn reserved_names_struct(&mut self, s: &Struct) {
        if becomes_rust_self(&s.name) {
            let d = self
                .diag(
                    &rules::HEADER_RESERVED_NAME,
                    &s.pos,
                    format!(
                        "struct `{}` becomes the Rust type `Self`, which cannot be a type name",
                        s.name
                    ),
                )
                .with_hint("rename the struct");
            self.emit_for(d, &[&s.lint_allow], s.existing_abi);
        }
        // Each member's identifier is built in one buffer: most are no
        // reserved word, and a `String` each was an allocation each.
        let mut ident = String::new();
        for m in &s.members {
            ident.clear();
            crate::names::push_snake(&mut ident, &m.name);
            if let Some(why) = reserved_identifier(&ident) {
                let d = self
                    .diag(
                        &rules::HEADER_RESERVED_NAME,
                        &m.pos,
                        format!(
                            "member `{}` becomes the identifier `{}`, {why}",
                            m.name,
                            snake(&m.name)
                        ),
                    )
                    .with_hint(format!(
                        "rename `{}`, e.g. `{}`",
                        m.name,
                        rename_hint(&s.name, &m.name)
                    ));
                self.emit_for(d, &[&s.lint_allow], s.existing_abi);
            }
        }
    }

    pub(super) fn reserved_names_enum(&mut self, e: &crate::model::Enum) {
        // The Rust backend puts an enum's entries in `pub mod <name>`; a
        // raw identifier covers most keywords but not these.
        if matches!(snake(&e.name).as_str(), "self" | "super" | "crate") {
            let d = self
                .diag(
                    &rules::HEADER_RESERVED_NAME,
                    &e.pos,
                    format!("enum `{}` becomes the Rust module `{}`, which not even a raw identifier can name", e.name, snake(&e.name)),
                )
                .with_hint("rename the enum");
            self.emit_for(d, &[&e.lint_allow], e.existing_abi);
        }
        if let Some(tag) = &e.enum_name
            && let Some(why) = reserved_identifier(&snake(tag))
        {
            let d = self
                .diag(
                    &rules::HEADER_RESERVED_NAME,
                    &e.pos,
                    format!(
                        "`enum-name: {tag}` becomes the C tag `enum {}`, {why}",
                        snake(tag)
                    ),
                )
                .with_hint("choose an `enum-name` prefixed with the spec name");
            self.emit_for(d, &[&e.lint_allow], e.existing_abi);
        }
        // Every entry's macro starts alike: its prefix is made once.
        let prefix = match &e.name_prefix {
            Some(p) => upper(p),
            None => format!("{}_{}_", upper(&self.model.name), upper(&e.name)),
        };
        for entry in &e.entries {
            let mut c = String::with_capacity(prefix.len() + entry.name.len());
            c.push_str(&prefix);
            crate::names::push_upper(&mut c, &entry.name);
            if let Some(why) = kernel_macro(&c) {
                let d = self
                    .diag(
                        &rules::HEADER_RESERVED_NAME,
                        &entry.pos,
                        format!("entry `{}` becomes the C macro `{c}`, {why}", entry.name),
                    )
                    .with_hint("rename the entry or change the enum's `name-prefix`");
                self.emit_for(d, &[&e.lint_allow], e.existing_abi);
            }
        }
    }

    /// Rule 32 for the uppercase C names of consts and ioctls, and the
    /// Rust method name each ioctl becomes.
    pub(super) fn reserved_names_misc(&mut self) {
        let spec = upper(&self.model.name);
        for c in &self.model.consts {
            let name = format!("{spec}_{}", upper(&c.name));
            if let Some(why) = kernel_macro(&name) {
                let d = self
                    .diag(
                        &rules::HEADER_RESERVED_NAME,
                        &c.pos,
                        format!("const `{}` becomes the C macro `{name}`, {why}", c.name),
                    )
                    .with_hint("rename the const");
                self.emit(d, &[]);
            }
        }
        for i in &self.model.ioctls {
            if matches!(snake(&i.name).as_str(), "self" | "super" | "crate") {
                let d = self
                    .diag(
                        &rules::HEADER_RESERVED_NAME,
                        &i.pos,
                        format!("ioctl `{}` becomes the Rust method `{}`, which not even a raw identifier can name", i.name, snake(&i.name)),
                    )
                    .with_hint("rename the ioctl");
                self.emit(d, &[]);
            }
        }
    }

    /// Names whose generated identifiers are already taken by the
    /// generators' own: consts become `<SPEC>_<NAME>` (C) and `<NAME>`
    /// (Rust) beside `<SPEC>_IOCTL_MAGIC`, `REVISION`, `SPEC_NAME`,
    /// `IOCTLS`, `<SPEC>_ABI_CHECK` and the per-ioctl `NR_*`/`IOCTL_*`;
    /// every enum and flags set has an `ALL` beside its entries; the Rust
    /// crate defines `IoctlDesc`.
    pub(super) fn generated_name_clashes(&mut self) {
        const TAKEN_CONSTS: &[&str] = &[
            "revision",
            "spec-name",
            "ioctl-magic",
            "ioctls",
            "abi-check",
        ];
        let clash = |name: &str| {
            TAKEN_CONSTS.contains(&name) || name.starts_with("nr-") || name.starts_with("ioctl-")
        };
        let mut found: Vec<(Pos, String, &'static str)> = Vec::new();
        for c in &self.model.consts {
            if clash(&c.name) {
                found.push((c.pos.clone(), format!("const `{}` collides with an identifier the generators emit for the spec or its ioctls", c.name), "rename the const"));
            }
        }
        for e in &self.model.enums {
            for x in &e.entries {
                if x.name == "all" {
                    found.push((x.pos.clone(), format!("entry `all` of `{}` collides with the generated `ALL` (every declared value)", e.name), "rename the entry, e.g. `every`"));
                }
            }
        }
        for st in &self.model.structs {
            if st.name == "ioctl-desc" {
                found.push((
                    st.pos.clone(),
                    "struct `ioctl-desc` collides with the generated `IoctlDesc` of the Rust crate"
                        .to_string(),
                    "rename the struct",
                ));
            }
        }
        for (pos, msg, hint) in found {
            let d = self
                .diag(&rules::GENERATED_NAME_CLASH, &pos, msg)
                .with_hint(hint);
            self.emit(d, &[]);
        }
    }
}

/// Whether `name` becomes the Rust type `Self`. Only an ASCII name whose
/// letters spell `self` can (the casing drops separators and changes
/// only the case of ASCII letters): the others are answered without
/// building the Rust name, as every struct is asked.
fn becomes_rust_self(name: &str) -> bool {
    let may = !name.is_ascii()
        || name
            .bytes()
            .filter(u8::is_ascii_alphanumeric)
            .map(|b| b.to_ascii_lowercase())
            .eq(*b"self");
    may && pascal(name) == "Self"
}

/// A replacement name: the member qualified by the struct's first word,
/// usually the object it is about (`class` in `engine-info` ->
/// `engine-class`).
fn rename_hint(struct_name: &str, member: &str) -> String {
    let qualifier = struct_name.split('-').next().unwrap_or(struct_name);
    format!("{qualifier}-{member}")
}

/// C and C++ keywords (C23, C++23, GNU C), including the C++ alternative
/// operator spellings, which `<iso646.h>` makes macros in C.
fn is_c_cxx_keyword(ident: &str) -> bool {
    // A `match`, not a scan of a list: every member name is checked.
    matches!(
        ident,
        "alignas"
            | "alignof"
            | "and"
            | "and_eq"
            | "asm"
            | "auto"
            | "bitand"
            | "bitor"
            | "bool"
            | "break"
            | "case"
            | "catch"
            | "char"
            | "char8_t"
            | "char16_t"
            | "char32_t"
            | "class"
            | "co_await"
            | "co_return"
            | "co_yield"
            | "compl"
            | "concept"
            | "const"
            | "const_cast"
            | "consteval"
            | "constexpr"
            | "constinit"
            | "continue"
            | "decltype"
            | "default"
            | "delete"
            | "do"
            | "double"
            | "dynamic_cast"
            | "else"
            | "enum"
            | "explicit"
            | "export"
            | "extern"
            | "false"
            | "float"
            | "for"
            | "friend"
            | "goto"
            | "if"
            | "inline"
            | "int"
            | "long"
            | "mutable"
            | "namespace"
            | "new"
            | "noexcept"
            | "not"
            | "not_eq"
            | "nullptr"
            | "operator"
            | "or"
            | "or_eq"
            | "private"
            | "protected"
            | "public"
            | "register"
            | "reinterpret_cast"
            | "requires"
            | "restrict"
            | "return"
            | "short"
            | "signed"
            | "sizeof"
            | "static"
            | "static_assert"
            | "static_cast"
            | "struct"
            | "switch"
            | "template"
            | "this"
            | "thread_local"
            | "throw"
            | "true"
            | "try"
            | "typedef"
            | "typeid"
            | "typename"
            | "typeof"
            | "typeof_unqual"
            | "union"
            | "unsigned"
            | "using"
            | "virtual"
            | "void"
            | "volatile"
            | "wchar_t"
            | "while"
            | "xor"
            | "xor_eq"
    )
}
/// Lower-case object-like macros that turn a member declaration into
/// nonsense: the kernel's `current` and `fallthrough`, libc's `errno`,
/// and the names GCC predefines to 1 outside strict ISO modes.
fn object_macro(ident: &str) -> Option<&'static str> {
    Some(match ident {
        "current" => "a kernel macro (`get_current()`)",
        "fallthrough" => "a kernel macro (an attribute)",
        "noinline" => "a kernel macro (an attribute)",
        "notrace" => "a kernel macro (an attribute)",
        "asmlinkage" => "a kernel macro",
        "errno" => "a libc macro (`*__errno_location()`)",
        "linux" => "predefined to 1 by GCC in GNU modes",
        "unix" => "predefined to 1 by GCC in GNU modes",
        "i386" => "predefined to 1 by GCC on i386 in GNU modes",
        "mips" => "predefined to 1 by GCC on mips in GNU modes",
        "sparc" => "predefined to 1 by GCC on sparc in GNU modes",
        _ => return None,
    })
}

/// Why an identifier cannot be a member name, if it cannot.
fn reserved_identifier(ident: &str) -> Option<String> {
    if is_c_cxx_keyword(ident) {
        return Some("a C or C++ keyword".into());
    }
    if let Some(why) = object_macro(ident) {
        return Some(format!("which is {why}"));
    }
    // Rust members use raw identifiers for keywords (`r#type`), but these
    // four cannot be raw.
    if matches!(ident, "self" | "super" | "crate") {
        return Some("a Rust keyword that not even a raw identifier can name".into());
    }
    None
}

/// Kernel-only macros a uapi header must neither use nor define (uacce.h
/// and qaic_accel.h shipped `BIT()`): defining one breaks every kernel
/// file that includes the header.
fn kernel_macro(name: &str) -> Option<String> {
    const KERNEL: &[&str] = &[
        "BIT",
        "BIT_ULL",
        "BIT_MASK",
        "BIT_WORD",
        "GENMASK",
        "GENMASK_ULL",
        "FIELD_PREP",
        "FIELD_GET",
        "PAGE_SIZE",
        "PAGE_SHIFT",
        "PAGE_MASK",
        "ARRAY_SIZE",
        "ALIGN",
        "ALIGN_DOWN",
        "IS_ALIGNED",
        "DIV_ROUND_UP",
        "BITS_PER_LONG",
        "BITS_PER_BYTE",
        "U8_MAX",
        "U16_MAX",
        "U32_MAX",
        "U64_MAX",
        "S8_MAX",
        "S8_MIN",
        "S16_MAX",
        "S16_MIN",
        "S32_MAX",
        "S32_MIN",
        "S64_MAX",
        "S64_MIN",
        "SIZE_MAX",
    ];
    if KERNEL.contains(&name) {
        return Some("which the kernel already defines".into());
    }
    // linux/sizes.h: SZ_1, SZ_4K, SZ_2M, SZ_1G, ...
    if let Some(rest) = name.strip_prefix("SZ_") {
        let digits = rest.trim_end_matches(['K', 'M', 'G', 'T']);
        if !digits.is_empty()
            && digits.len() + 1 >= rest.len()
            && digits.bytes().all(|b| b.is_ascii_digit())
        {
            return Some("which the kernel's linux/sizes.h already defines".into());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_macros() {
        for n in [
            "BIT",
            "GENMASK_ULL",
            "SZ_4K",
            "SZ_1",
            "SZ_128M",
            "PAGE_SIZE",
        ] {
            assert!(kernel_macro(n).is_some(), "{n}");
        }
        for n in ["SZ_", "SZ_K", "SZ_4KK", "SOFTACCEL_BIT", "BITS"] {
            assert!(kernel_macro(n).is_none(), "{n}");
        }
    }
}
