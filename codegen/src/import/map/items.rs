//! Constants, enums and structs: one function per C construct, each
//! returning the spec item or why the language cannot hold it.

use super::names::{common_prefix, kebab};
use super::{Bound, Const, Entry, Enum, Mapper, Member, Struct};
use crate::import::cview::{CEnum, CEnumerator, CField, CMacro, CRecord};
use crate::import::kerneldoc::{self, KernelDoc};
use crate::names::{snake, upper};

impl Mapper<'_> {
    pub(super) fn macro_item(&self, mac: &CMacro) -> Result<Const, String> {
        if mac.function_like {
            return Err("a function-like macro has no value".into());
        }
        if mac.body.is_empty() {
            return Err("an empty macro has no value".into());
        }
        let value = mac.value.ok_or_else(|| {
            format!(
                "its replacement list `{}` is not an integer constant expression",
                mac.body
            )
        })?;
        // `(~0UL)`: all ones in the target's `unsigned long`.
        let ulong = mac.long && value == i128::from(u64::MAX);
        if mac.long && !ulong && !(i128::from(i32::MIN)..=i128::from(u32::MAX)).contains(&value) {
            return Err(format!(
                "its value `{}` is a `long`, 64 bits here and 32 bits on i386, arm and mips, so it differs per target",
                mac.body
            ));
        }
        let name = self.name_of(&mac.name)?;
        let derived = format!("{}_{}", upper(self.c_prefix()), upper(&name));
        Ok(Const {
            loc: mac.loc.clone(),
            c_name: (derived != mac.name).then(|| mac.name.clone()),
            name,
            value: if ulong { -1 } else { value },
            hex: (!ulong && (mac.body.contains("0x") || mac.body.contains("0X")))
                .then(|| hex_literal(&mac.body, value)),
            ulong,
            doc: mac
                .doc
                .as_deref()
                .map(kerneldoc::parse)
                .map(|d| d.text)
                .filter(|t| !t.is_empty()),
        })
    }

    pub(super) fn enumeration(&self, e: &CEnum) -> Result<Enum, String> {
        if e.entries.is_empty() {
            return Err("an enum without entries".into());
        }
        let max = render_max(e);
        let max_prefix = max.as_ref().map(|m| m.prefix);
        let listed = max.as_ref().map_or(&e.entries[..], |m| m.listed);
        let names: Vec<&str> = listed.iter().map(|x| x.name.as_str()).collect();
        if names.iter().any(|n| n.contains("_IOCTL_")) {
            return Err(
                "its enumerators are ioctl command numbers, which differ per target; the language writes them only as ioctls"
                    .into(),
            );
        }
        let entry_prefix = max_prefix.map_or_else(|| common_prefix(&names), str::to_string);
        let (name, enum_name) = match &e.tag {
            Some(t) => {
                let name = self.name_of(t)?;
                let derived = format!("{}_{}", snake(self.c_prefix()), snake(&name));
                let enum_name = (derived != *t).then(|| kebab(t).map(Some)).transpose()?;
                (name, enum_name)
            }
            None => {
                let p = entry_prefix.trim_end_matches('_');
                if p.is_empty() {
                    return Err(
                        "it has no tag, and its enumerators share no prefix to name it by".into(),
                    );
                }
                let name = self.name_of(p)?;
                // The list has no tag, so its spec name is free: one a
                // struct of the header also takes (`struct softaccel_cmd`
                // beside the `SOFTACCEL_CMD_*` list) goes to the struct.
                let name = if self.a_record_is_named(&name) {
                    format!("{name}-values")
                } else {
                    name
                };
                (name, Some(None))
            }
        };
        // The derived entry prefix when every entry has it, else the
        // longest one they share (YNL's `name-prefix`).
        let derived = format!("{}_{}_", upper(self.c_prefix()), upper(&name));
        // With `render-max` the prefix also names the two constants, so it
        // is the one they were written with.
        let entry_prefix = if max_prefix.is_none()
            && names
                .iter()
                .all(|n| n.len() > derived.len() && n.starts_with(&derived))
        {
            derived.clone()
        } else {
            entry_prefix
        };
        let name_prefix =
            (entry_prefix != derived).then(|| entry_prefix.to_ascii_lowercase().replace('_', "-"));
        if entry_prefix.is_empty() {
            return Err("its enumerators share no prefix to derive their names from".into());
        }
        // An alias (`HL_DEVICE_STATUS_LAST = HL_DEVICE_STATUS_IN_RESET_...`)
        // repeats the earlier entry's value: the spec is existing ABI, so
        // the enum holds it (`enum-alias` warns) and C writes the name.
        let kd = e.doc.as_deref().map(kerneldoc::parse).unwrap_or_default();
        let mut entries = Vec::new();
        for x in listed {
            let rest = &x.name[entry_prefix.len()..];
            let n = kebab(&rest.to_ascii_lowercase())
                .map_err(|w| format!("enumerator {}: {w}", x.name))?;
            entries.push(Entry {
                name: n,
                value: x.value,
                doc: kerneldoc::member_doc(x.doc.as_deref(), &x.name, &kd),
                loc: x.loc.clone(),
            });
        }
        let doc = Some(kd.text).filter(|t| !t.is_empty());
        Ok(Enum {
            loc: e.loc.clone(),
            name,
            enum_name,
            name_prefix,
            render_max: max_prefix.is_some(),
            enum_cnt_name: max.and_then(|m| m.cnt_name),
            doc,
            entries,
        })
    }

    /// Whether a struct or union of the header takes spec name `name`.
    fn a_record_is_named(&self, name: &str) -> bool {
        self.record_names
            .get_or_init(|| {
                self.h
                    .records
                    .iter()
                    .filter_map(|r| r.tag.as_deref())
                    .filter_map(|t| self.name_of(t).ok())
                    .collect()
            })
            .contains(name)
    }

    pub(super) fn record(&mut self, r: &CRecord) -> Result<Struct, String> {
        let kind = if r.is_union { "union" } else { "struct" };
        let tag = r
            .tag
            .as_deref()
            .ok_or_else(|| format!("an anonymous {kind} has no name"))?;
        if !r.attrs.is_empty() {
            return Err(format!(
                "attribute `{}` changes its layout and is not in the language",
                r.attrs.join(", ")
            ));
        }
        let name = self.name_of(tag)?;
        let derived = format!("{}_{}", snake(self.c_prefix()), snake(&name));
        let kd = r.doc.as_deref().map(kerneldoc::parse).unwrap_or_default();
        let mut members = Vec::new();
        let mut bad = Vec::new();
        for f in &r.fields {
            match self.field(f, &kd) {
                Ok(m) => members.push(m),
                Err(why) => {
                    let name = if f.name.is_empty() {
                        "(anonymous)".to_string()
                    } else {
                        f.name.clone()
                    };
                    self.not_expressible(&f.loc, format!("member {tag}.{name}"), why);
                    bad.push(name);
                }
            }
        }
        if !bad.is_empty() {
            return Err(format!("member {} is not expressible", bad.join(", ")));
        }
        if members.is_empty() {
            return Err(format!("an empty {kind}"));
        }
        Ok(Struct {
            loc: r.loc.clone(),
            c_name: (derived != tag).then(|| tag.to_string()),
            tag: tag.to_string(),
            is_union: r.is_union,
            name,
            doc: Some(kd.text).filter(|t| !t.is_empty()),
            members,
        })
    }

    pub(super) fn field(&self, f: &CField, kd: &KernelDoc) -> Result<Member, String> {
        if f.nested_record {
            return match &f.inline {
                Some(r) => self.inline(f, r, kd),
                None => Err(
                    "its struct or union type, defined inside another, is not in the C view".into(),
                ),
            };
        }
        if f.bitfield {
            return Err("bitfields are not in the language".into());
        }
        if !f.attrs.is_empty() {
            return Err(format!(
                "attribute `{}` changes its layout",
                f.attrs.join(", ")
            ));
        }
        let name = kebab(&f.name)?;
        let doc = kerneldoc::member_doc(f.doc.as_deref(), &f.name, kd);
        let mut m = self.field_type(f)?;
        m.name = name;
        m.pad = is_pad(&f.name, doc.as_deref())
            && m.strukt.is_none()
            && m.union.is_none()
            && !m.flexible
            && m.ty != "string";
        m.doc = doc;
        m.loc = f.loc.clone();
        Ok(m)
    }

    /// A struct or union written in place: an anonymous member (`union {
    /// __u64 a; __u64 b; };`), under a spec name of its own (its first
    /// member's, and its kind: `a-union`) that only Rust, Python and Go
    /// use, or a member of a tagless type (`struct { ... } alloc;`).
    fn inline(&self, f: &CField, r: &CRecord, kd: &KernelDoc) -> Result<Member, String> {
        let kind = if r.is_union { "union" } else { "struct" };
        if !r.attrs.is_empty() {
            return Err(format!(
                "attribute `{}` on its anonymous {kind} changes its layout",
                r.attrs.join(", ")
            ));
        }
        let mut members = Vec::new();
        for g in &r.fields {
            let m = self.field(g, kd).map_err(|why| {
                let n = if g.name.is_empty() {
                    "(anonymous)"
                } else {
                    &g.name
                };
                format!("member {n} of its anonymous {kind}: {why}")
            })?;
            members.push(m);
        }
        let anonymous = f.name.is_empty();
        let name = if anonymous {
            let first = first_leaf(&members).ok_or_else(|| format!("an empty anonymous {kind}"))?;
            format!("{first}-{kind}")
        } else {
            kebab(&f.name)?
        };
        Ok(Member {
            name,
            ty: kind.into(),
            anonymous,
            doc: if anonymous {
                f.doc
                    .as_deref()
                    .map(kerneldoc::parse)
                    .map(|d| d.text)
                    .filter(|t| !t.is_empty())
            } else {
                kerneldoc::member_doc(f.doc.as_deref(), &f.name, kd)
            },
            members,
            loc: f.loc.clone(),
            ..Member::default()
        })
    }

    /// The member's type: a `__uN`/`__sN` (or `__beN`/`__leN`) scalar, a
    /// `char` array, or a struct or union of this header by value; an
    /// integer or struct may be an array of any number of dimensions or,
    /// last, a flexible array member.
    pub(super) fn field_type(&self, f: &CField) -> Result<Member, String> {
        let ty = f.ty.trim();
        if ty.contains('*') {
            return Err(format!(
                "pointer type `{ty}`: a uapi struct carries addresses as __u64"
            ));
        }
        let (base, dims) = match ty.find('[') {
            Some(p) => (ty[..p].trim(), &ty[p..]),
            None => (ty, ""),
        };
        let dims: Vec<&str> = dims
            .split('[')
            .skip(1)
            .map(|d| d.trim_end_matches(']').trim())
            .collect();
        let mut m = Member::default();
        if let Some(tag) = base.strip_prefix("union ") {
            if !dims.is_empty() {
                return Err(format!(
                    "an array of unions (`{ty}`) is not in the language: a union is held one at a time"
                ));
            }
            let u = self
                .structs
                .get(tag)
                .ok_or_else(|| format!("its type union {tag} is not expressible here"))?;
            m.ty = "union".into();
            m.union = Some(u.clone());
            return Ok(m);
        }
        if let Some(tag) = base.strip_prefix("struct ") {
            let s = self
                .structs
                .get(tag)
                .ok_or_else(|| format!("its type struct {tag} is not expressible here"))?;
            m.ty = "struct".into();
            m.strukt = Some(s.clone());
        } else {
            let (scalar, order) = match scalar(base) {
                Some(s) => s,
                None if base == "char" && dims.len() == 1 && !dims[0].is_empty() => {
                    ("string", None)
                }
                None => {
                    return Err(format!(
                        "type `{base}` is not a fixed-width __uN, __sN, __beN or __leN type"
                    ));
                }
            };
            m.ty = scalar.into();
            m.byte_order = order;
        }
        if dims == [""] {
            m.flexible = true;
            m.counted_by = self.counted_by(f)?;
            return Ok(m);
        }
        if dims.iter().any(|d| d.is_empty()) {
            return Err(format!("array `{ty}` has an unknown bound inside"));
        }
        let names = self.bound_names(f);
        let mut bounds = Vec::new();
        for (i, d) in dims.iter().enumerate() {
            let n: u64 = d.parse().map_err(|_| format!("array bound `{d}`"))?;
            bounds.push(match names.get(i).cloned().flatten() {
                Some(c) => Bound::Const(c),
                None => Bound::N(n),
            });
        }
        if m.ty == "string" {
            m.len = bounds.pop();
        } else {
            m.count = bounds;
        }
        Ok(m)
    }

    /// The const naming each of an array's bounds, when the declaration
    /// writes one (`__u32 cus[X_MAX_CUS]`, `__u64 a[A][B]`).
    pub(super) fn bound_names(&self, f: &CField) -> Vec<Option<String>> {
        let mut out = Vec::new();
        let mut rest = f.text.as_str();
        while let Some((_, r)) = rest.split_once('[') {
            let Some((inside, r)) = r.split_once(']') else {
                break;
            };
            out.push(self.consts.get(inside.trim()).cloned());
            rest = r;
        }
        out
    }

    /// The sibling a flexible array member's `__counted_by(x)` names, as
    /// the header's line writes it after the declaration.
    fn counted_by(&self, f: &CField) -> Result<Option<String>, String> {
        let line = self
            .h
            .text
            .lines()
            .nth((f.loc.line as usize).saturating_sub(1))
            .unwrap_or("");
        let Some((_, after)) = line.split_once("__counted_by(") else {
            return Ok(None);
        };
        let inner = after.split(')').next().unwrap_or("").trim();
        kebab(inner).map(Some)
    }
}

/// The first named member at any depth of anonymous members.
fn first_leaf(members: &[Member]) -> Option<&str> {
    let m = members.first()?;
    if m.anonymous {
        first_leaf(&m.members)
    } else {
        Some(&m.name)
    }
}

/// The hex literal of a macro as written (`0x00010000`, without a `U`
/// or `L` suffix), or the value in hex when it is an expression.
fn hex_literal(body: &str, value: i128) -> String {
    let lit = body.trim().trim_end_matches(['u', 'U', 'l', 'L']);
    let digits = lit.strip_prefix("0x").or_else(|| lit.strip_prefix("0X"));
    match digits {
        Some(d) if !d.is_empty() && d.chars().all(|c| c.is_ascii_hexdigit()) => format!("0x{d}"),
        _ if value >= 0 => format!("{value:#x}"),
        _ => value.to_string(),
    }
}

fn scalar(base: &str) -> Option<(&'static str, Option<&'static str>)> {
    Some(match base {
        "__u8" => ("u8", None),
        "__u16" => ("u16", None),
        "__u32" => ("u32", None),
        "__u64" => ("u64", None),
        "__s8" => ("s8", None),
        "__s16" => ("s16", None),
        "__s32" => ("s32", None),
        "__s64" => ("s64", None),
        "__le16" => ("u16", Some("little-endian")),
        "__le32" => ("u32", Some("little-endian")),
        "__le64" => ("u64", Some("little-endian")),
        "__be16" => ("u16", Some("big-endian")),
        "__be32" => ("u32", Some("big-endian")),
        "__be64" => ("u64", Some("big-endian")),
        _ => return None,
    })
}

/// The rule for `pad: true`: the member's name says it is padding
/// (`pad`, `padding`, `reserved`, `rsvd`, `resv`, with optional leading
/// underscores and trailing digits or underscores) and its doc, if any,
/// does not say otherwise (it mentions zero, padding or reserved). Such
/// a member is spelled with its own C type and checked zero, as the
/// header asks of it.
pub fn is_pad(name: &str, doc: Option<&str>) -> bool {
    let core = name
        .trim_start_matches('_')
        .trim_end_matches(|c: char| c.is_ascii_digit() || c == '_');
    let named = matches!(core, "pad" | "padding" | "reserved" | "rsvd" | "resv");
    let doc_agrees = doc.is_none_or(|d| {
        let d = d.to_ascii_lowercase();
        ["zero", "pad", "reserved", "must be 0"]
            .iter()
            .any(|w| d.contains(w))
    });
    named && doc_agrees
}

/// How an enum ends when it ends the way YNL's `render-max` ends one (and
/// the kernel's netlink headers do): a count one past the last entry
/// (`__P MAX`, or YNL's `enum-cnt-name` such as `__P CNT`), then `P MAX`
/// one below it, every other entry named `P...`. Those two are then the
/// spec's `render-max`, not entries of their own.
struct RenderMax<'e> {
    /// `P`: the entries' prefix, which also names `P MAX`.
    prefix: &'e str,
    /// The entries before the two.
    listed: &'e [CEnumerator],
    /// YNL's `enum-cnt-name` when the count is not `__P MAX`.
    cnt_name: Option<String>,
}

fn render_max(e: &CEnum) -> Option<RenderMax<'_>> {
    let [.., last_entry, count, max] = e.entries.as_slice() else {
        return None;
    };
    let prefix = max.name.strip_suffix("MAX")?;
    let counter = count.name.strip_prefix("__")?;
    let listed = &e.entries[..e.entries.len() - 2];
    let fits = prefix.ends_with('_')
        && !counter.is_empty()
        && counter
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        && count.value == last_entry.value + 1
        && max.value == last_entry.value
        && listed
            .iter()
            .all(|x| x.name.len() > prefix.len() && x.name.starts_with(prefix));
    fits.then(|| RenderMax {
        prefix,
        listed,
        // `upper` turns the spec's `__name-cnt` back into `__NAME_CNT`.
        cnt_name: (counter != max.name)
            .then(|| format!("__{}", counter.to_ascii_lowercase().replace('_', "-"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_rule_follows_name_and_doc() {
        assert!(is_pad("pad", Some("Padding - must be zero")));
        assert!(is_pad("reserved", Some("Reserved, must be zero.")));
        assert!(is_pad("pad1", None));
        assert!(!is_pad(
            "flags",
            Some("Reserved for future use - must be zero")
        ));
        assert!(!is_pad("reserved", Some("Holds the firmware version")));
    }
}
