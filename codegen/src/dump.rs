//! The canonical ABI dump: everything about one spec that a compiled
//! binary depends on (layouts per target, command numbers, values), and
//! nothing it does not (docs, generated names' spellings, positions, the
//! generator's version). `freeze` writes it; `compat` compares two of
//! them. The JSON is canonical (keys sorted, two-space indent, trailing
//! newline) so that the same ABI is always the same bytes, and every
//! top-level item carries the sha256 of its own canonical JSON, so a hand
//! edit of a frozen dump is detected.
//!
//! Only the spec's own items are dumped; an included spec is frozen by
//! its own `freeze`. Layouts of structs that embed an included struct are
//! still complete (sizes and offsets are numbers), so a change in the
//! included spec that moves them shows up here too.

use crate::diag::Pos;
use crate::model::{
    AttrSet, AttrType, ByteOrder, Elem, Enum, EnumKind, Ioctl, Member, MemberKind, Model, OpMode,
    Producer, PtrLen, Ring, Struct,
};
use crate::target::Target;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Bumped only when the dump's shape changes incompatibly; parsing
/// refuses other values rather than misreading them.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Dump {
    pub format: u32,
    pub spec: String,
    pub revision: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ioctl_magic: Option<u8>,
    /// `ioctl: { retired: [...] }`: numbers no new ioctl may take.
    #[serde(default)]
    pub retired_nrs: Vec<u8>,
    /// Target names, sorted.
    pub targets: Vec<String>,
    #[serde(default)]
    pub consts: BTreeMap<String, ConstDump>,
    #[serde(default)]
    pub enums: BTreeMap<String, EnumDump>,
    #[serde(default)]
    pub flags: BTreeMap<String, EnumDump>,
    #[serde(default)]
    pub structs: BTreeMap<String, StructDump>,
    #[serde(default)]
    pub ioctls: BTreeMap<String, IoctlDump>,
    #[serde(default)]
    pub rings: BTreeMap<String, RingDump>,
    #[serde(default)]
    pub attribute_sets: BTreeMap<String, AttrSetDump>,
    /// The ioctl that carries control messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operations_transport: Option<String>,
    #[serde(default)]
    pub operations: BTreeMap<String, OperationDump>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ConstDump {
    pub value: i128,
    /// The C type of a target-dependent value (`ulong`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub c_type: Option<String>,
    pub since: u32,
    #[serde(default)]
    pub digest: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct EnumDump {
    pub since: u32,
    pub entries: BTreeMap<String, EntryDump>,
    #[serde(default)]
    pub digest: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct EntryDump {
    /// An enum entry's value, or a flag's mask.
    /// Within `i64::MIN..=u64::MAX` (an enum value may be negative).
    pub value: i128,
    pub since: u32,
    /// A multi-bit field's values, as placed in the flags word.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct StructDump {
    pub since: u32,
    /// A union (every member at offset 0).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub union: bool,
    pub members: Vec<MemberDump>,
    /// By target name.
    pub layouts: BTreeMap<String, LayoutDump>,
    #[serde(default)]
    pub digest: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct LayoutDump {
    pub size: u32,
    pub align: u32,
    /// Offset of each member, in member order.
    pub offsets: Vec<u32>,
    /// Size of each member, in member order.
    pub sizes: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct MemberDump {
    pub name: String,
    /// A scalar name, `pad`, `binary`, `string`, `struct` or `user-ptr`.
    #[serde(rename = "type")]
    pub ty: String,
    /// Element count of a scalar or struct array.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// The dimensions of a multi-dimensional array, outermost first
    /// (`count` is their product).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dims: Option<Vec<u32>>,
    /// The sibling holding a flexible array member's count (`count` 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counted_by: Option<String>,
    /// Byte length of `pad`, `binary` and `string`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub len: Option<u32>,
    /// The union of a `union` member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub union: Option<String>,
    /// The nested struct of a `struct` member.
    #[serde(default, rename = "struct", skip_serializing_if = "Option::is_none")]
    pub struct_: Option<String>,
    /// The scalar element of a `user-ptr`, or the integer a `pad` is
    /// spelled as (`__u32 pad`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elem: Option<String>,
    /// The struct element of a `user-ptr`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elem_struct: Option<String>,
    /// The sibling holding a `user-ptr`'s element count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count_member: Option<String>,
    /// The sibling holding a `user-ptr`'s byte length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub len_member: Option<String>,
    /// The sibling holding the size the caller declares for each element
    /// of a `user-ptr` (`stride:`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stride_member: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byte_order: Option<String>,
    pub access: String,
    pub since: u32,
    #[serde(default, skip_serializing_if = "Checks::is_empty")]
    pub checks: Checks,
    /// C's anonymous member: C names its struct's or union's members as
    /// the holder's.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub anonymous: bool,
}

/// What the kernel side rejects; a later revision may only accept more.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Checks {
    /// Value must be an entry of this enum.
    #[serde(default, rename = "enum", skip_serializing_if = "Option::is_none")]
    pub enum_: Option<String>,
    /// Value must be a combination of these flags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i128>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i128>,
    /// Largest element count behind a `user-ptr`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_len: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_len: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exact_len: Option<u64>,
}

impl Checks {
    pub fn is_empty(&self) -> bool {
        self == &Checks::default()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct IoctlDump {
    pub nr: u8,
    pub dir: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// `arg-access`: member name to access, for this ioctl only.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub arg_access: BTreeMap<String, String>,
    pub since: u32,
    /// By target name.
    pub commands: BTreeMap<String, CommandDump>,
    #[serde(default)]
    pub digest: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CommandDump {
    /// `0x...`, or null where the argument does not fit the size field.
    pub cmd: Option<String>,
    pub size: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RingDump {
    pub entry: String,
    pub producer: String,
    /// The index type, which fixes the header layout the generated code
    /// owns (head and tail on separate cache lines).
    pub index: String,
    pub min_entries: u64,
    pub max_entries: u64,
    pub since: u32,
    #[serde(default)]
    pub digest: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct AttrSetDump {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subset_of: Option<String>,
    pub attributes: BTreeMap<String, AttrDump>,
    #[serde(default)]
    pub digest: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct AttrDump {
    pub value: u32,
    #[serde(rename = "type", with = "attr_type")]
    pub ty: AttrType,
    pub since: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nested_attributes: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub multi_attr: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byte_order: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub len: Option<u64>,
    #[serde(default, rename = "struct", skip_serializing_if = "Option::is_none")]
    pub struct_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<String>,
    #[serde(default, skip_serializing_if = "Checks::is_empty")]
    pub checks: Checks,
}

/// An attribute type as its YNL name, the spelling specs use, so a dump
/// reads like the spec it came from.
mod attr_type {
    use crate::model::AttrType;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(ty: &AttrType, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(ty.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<AttrType, D::Error> {
        let name = String::deserialize(d)?;
        AttrType::from_name(&name)
            .ok_or_else(|| D::Error::custom(format!("unknown attribute type `{name}`")))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct OperationDump {
    pub value: u32,
    pub since: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_set: Option<String>,
    #[serde(default, rename = "do", skip_serializing_if = "Option::is_none")]
    pub do_: Option<OpModeDump>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dump: Option<OpModeDump>,
    #[serde(default)]
    pub digest: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct OpModeDump {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<Vec<String>>,
}

fn byte_order(b: Option<ByteOrder>) -> Option<String> {
    b.map(|b| {
        match b {
            ByteOrder::Little => "little-endian",
            ByteOrder::Big => "big-endian",
        }
        .to_string()
    })
}

fn member(model: &Model, s: &Struct, m: &Member) -> MemberDump {
    let mut d = MemberDump {
        name: m.name.clone(),
        ty: String::new(),
        count: None,
        dims: (!m.dims.is_empty()).then(|| m.dim_lens()),
        union: None,
        counted_by: m
            .counted_by
            .and_then(|i| s.members.get(i))
            .map(|c| c.name.clone()),
        len: None,
        struct_: None,
        elem: None,
        elem_struct: None,
        count_member: None,
        len_member: None,
        stride_member: None,
        byte_order: byte_order(m.byte_order),
        access: m.access.name().to_string(),
        since: m.since,
        anonymous: m.anonymous,
        checks: Checks::default(),
    };
    match &m.kind {
        MemberKind::Scalar { ty, count } => {
            d.ty = ty.name().to_string();
            d.count = *count;
        }
        MemberKind::Pad { len, scalar } => {
            d.ty = "pad".into();
            d.len = Some(*len);
            // The integer spelling of an existing header's pad (`__u32
            // pad`): its source type, not its bytes.
            if let Some(p) = scalar {
                d.elem = Some(p.ty.name().to_string());
                d.count = p.count;
            }
        }
        MemberKind::Binary { len } => {
            d.ty = "binary".into();
            d.len = Some(*len);
        }
        MemberKind::String { len } => {
            d.ty = "string".into();
            d.len = Some(*len);
        }
        MemberKind::Union { id } => {
            d.ty = "union".into();
            d.union = Some(model.struct_(id).name.clone());
        }
        MemberKind::Struct { id, count } => {
            d.ty = "struct".into();
            d.count = *count;
            d.struct_ = Some(model.struct_(id).name.clone());
        }
        MemberKind::UserPtr {
            elem,
            len,
            max_count,
            stride,
        } => {
            d.ty = "user-ptr".into();
            d.stride_member = stride
                .and_then(|i| s.members.get(i))
                .map(|m| m.name.clone());
            match elem {
                Elem::Scalar(s) => d.elem = Some(s.name().to_string()),
                Elem::Struct(id) => d.elem_struct = Some(model.struct_(id).name.clone()),
            }
            let sibling = |i: &usize| s.members.get(*i).map(|m| m.name.clone());
            match len {
                PtrLen::Count(i) => d.count_member = sibling(i),
                PtrLen::Bytes(i) => d.len_member = sibling(i),
                PtrLen::Single => {}
            }
            d.checks.max_count = *max_count;
        }
    }
    if let Some(c) = &m.check {
        let name = model.enum_(&c.enum_id).name.clone();
        if c.as_flags {
            d.checks.flags = Some(name);
        } else {
            d.checks.enum_ = Some(name);
        }
    }
    if let Some((lo, hi)) = m.range {
        d.checks.min = Some(lo);
        d.checks.max = Some(hi);
    }
    d
}

fn op_mode(m: &Option<OpMode>) -> Option<OpModeDump> {
    m.as_ref().map(|m| OpModeDump {
        request: m.request.clone(),
        reply: m.reply.clone(),
    })
}

/// Why a dump could not be written: serde_json refused a value (only a
/// map with non-string keys or a failing `Serialize` can do that; the
/// dump types have neither, so this reports a generator bug instead of
/// panicking on it).
#[derive(Debug, thiserror::Error)]
#[error("cannot serialize the ABI dump: {0}")]
pub struct DumpError(#[from] serde_json::Error);

/// The dump of `model`'s own items (not its includes'), digests filled.
pub fn build(model: &Model) -> Result<Dump, DumpError> {
    let mut d = build_without_digests(model);
    fill_digests(&mut d)?;
    Ok(d)
}

/// As [`build`] with every digest empty: for a dump compared in memory
/// (a comparison's side: the comparison ignores digests), where hashing
/// the canonical JSON of every item is most of the cost of building it;
/// [`fill_digests`] before writing it.
pub fn build_without_digests(model: &Model) -> Dump {
    let mut targets = model.targets.clone();
    targets.sort();
    targets.dedup();
    let mut d = Dump {
        format: FORMAT,
        spec: model.name.clone(),
        revision: model.revision,
        ioctl_magic: model.magic,
        retired_nrs: {
            let mut r = model.retired_nrs.clone();
            r.sort_unstable();
            r.dedup();
            r
        },
        targets: targets.iter().map(|t| t.name().to_string()).collect(),
        consts: BTreeMap::new(),
        enums: BTreeMap::new(),
        flags: BTreeMap::new(),
        structs: BTreeMap::new(),
        ioctls: BTreeMap::new(),
        rings: BTreeMap::new(),
        attribute_sets: BTreeMap::new(),
        operations_transport: model.operations.as_ref().and_then(|o| o.transport.clone()),
        operations: BTreeMap::new(),
    };
    for c in &model.consts {
        let dump = ConstDump {
            value: c.value,
            c_type: c.c_type.map(|t| t.name().to_string()),
            since: c.since,
            digest: String::new(),
        };
        d.consts.insert(c.name.clone(), dump);
    }
    for e in &model.enums {
        let dump = enum_dump(e);
        match e.kind {
            EnumKind::Enum => d.enums.insert(e.name.clone(), dump),
            EnumKind::Flags => d.flags.insert(e.name.clone(), dump),
        };
    }
    for s in &model.structs {
        d.structs
            .insert(s.name.clone(), struct_dump(model, s, &targets));
    }
    for i in &model.ioctls {
        d.ioctls
            .insert(i.name.clone(), ioctl_dump(model, i, &targets));
    }
    for r in &model.rings {
        d.rings.insert(r.name.clone(), ring_dump(model, r));
    }
    for set in &model.attribute_sets {
        d.attribute_sets
            .insert(set.name.clone(), attr_set_dump(model, set));
    }
    if let Some(ops) = &model.operations {
        for op in &ops.list {
            let dump = OperationDump {
                value: op.value,
                since: op.since,
                attribute_set: op
                    .attribute_set
                    .as_ref()
                    .map(|id| model.attr_set(id).name.clone()),
                do_: op_mode(&op.do_),
                dump: op_mode(&op.dump),
                digest: String::new(),
            };
            d.operations.insert(op.name.clone(), dump);
        }
    }
    d
}

fn enum_dump(e: &Enum) -> EnumDump {
    EnumDump {
        since: e.since,
        entries: e
            .entries
            .iter()
            .map(|x| {
                let entry = EntryDump {
                    value: x.value,
                    since: x.since,
                    values: x
                        .field
                        .iter()
                        .flat_map(|f| f.values.iter().map(|v| (v.name.clone(), f.shifted(v))))
                        .collect(),
                };
                (x.name.clone(), entry)
            })
            .collect(),
        digest: String::new(),
    }
}

fn struct_dump(model: &Model, s: &Struct, targets: &[Target]) -> StructDump {
    let layouts = targets
        .iter()
        .filter_map(|t| {
            let l = s.layouts.get(t)?;
            let layout = LayoutDump {
                size: l.size,
                align: l.align,
                offsets: l.offsets.clone(),
                sizes: l.members.iter().map(|m| m.size).collect(),
            };
            Some((t.name().to_string(), layout))
        })
        .collect();
    StructDump {
        union: s.is_union,
        since: s.since,
        members: s.members.iter().map(|m| member(model, s, m)).collect(),
        layouts,
        digest: String::new(),
    }
}

fn ioctl_dump(model: &Model, i: &Ioctl, targets: &[Target]) -> IoctlDump {
    let commands = targets
        .iter()
        .map(|t| {
            let cmd = i.cmds.get(t).copied().flatten();
            let command = CommandDump {
                cmd: cmd.map(|c| format!("{c:#010x}")),
                size: model.arg_size(i, *t),
            };
            (t.name().to_string(), command)
        })
        .collect();
    IoctlDump {
        nr: i.nr,
        dir: i.dir.name().to_string(),
        arg: i.arg.as_ref().map(|id| model.struct_(id).name.clone()),
        extension: i.extension.map(|e| e.name().to_string()),
        arg_access: arg_access_dump(model, i),
        since: i.since,
        commands,
        digest: String::new(),
    }
}

fn arg_access_dump(model: &Model, i: &Ioctl) -> BTreeMap<String, String> {
    let Some(arg) = &i.arg else {
        return BTreeMap::new();
    };
    let s = model.struct_(arg);
    i.arg_access
        .iter()
        .filter_map(|a| {
            let m = s.members.get(a.member)?;
            Some((m.name.clone(), a.access.name().to_string()))
        })
        .collect()
}

fn ring_dump(model: &Model, r: &Ring) -> RingDump {
    RingDump {
        entry: model.struct_(&r.entry).name.clone(),
        producer: match r.producer {
            Producer::User => "user",
            Producer::Device => "device",
        }
        .to_string(),
        index: r.index.name().to_string(),
        min_entries: r.min_entries,
        max_entries: r.max_entries,
        since: r.since,
        digest: String::new(),
    }
}

fn attr_set_dump(model: &Model, set: &AttrSet) -> AttrSetDump {
    let attributes = set
        .attributes
        .iter()
        .map(|a| {
            let mut checks = Checks {
                min: a.min,
                max: a.max,
                min_len: a.min_len,
                max_len: a.max_len,
                exact_len: a.exact_len,
                ..Checks::default()
            };
            if let Some(c) = &a.enum_ {
                let name = model.enum_(&c.enum_id).name.clone();
                if c.as_flags {
                    checks.flags = Some(name);
                } else {
                    checks.enum_ = Some(name);
                }
            }
            let dump = AttrDump {
                value: a.value,
                ty: a.ty,
                since: a.since,
                nested_attributes: a
                    .nested_attributes
                    .as_ref()
                    .map(|id| model.attr_set(id).name.clone()),
                multi_attr: a.multi_attr,
                byte_order: byte_order(a.byte_order),
                len: a.len,
                struct_: a.struct_.as_ref().map(|id| model.struct_(id).name.clone()),
                sub_type: a.sub_type.clone(),
                checks,
            };
            (a.name.clone(), dump)
        })
        .collect();
    AttrSetDump {
        subset_of: set
            .subset_of
            .as_ref()
            .map(|id| model.attr_set(id).name.clone()),
        attributes,
        digest: String::new(),
    }
}

/// Every item's digest field, by path (`structs/cmd`), for checking.
fn digests(d: &Dump) -> Result<Vec<(String, String, String)>, DumpError> {
    fn each<T: Serialize>(
        out: &mut Vec<(String, String, String)>,
        section: &str,
        items: &BTreeMap<String, T>,
        stored: impl Fn(&T) -> &str,
    ) -> Result<(), DumpError> {
        for (name, item) in items {
            out.push((
                format!("{section}/{name}"),
                stored(item).to_string(),
                digest_of(item)?,
            ));
        }
        Ok(())
    }
    let mut out = Vec::new();
    each(&mut out, "consts", &d.consts, |x| &x.digest)?;
    each(&mut out, "enums", &d.enums, |x| &x.digest)?;
    each(&mut out, "flags", &d.flags, |x| &x.digest)?;
    each(&mut out, "structs", &d.structs, |x| &x.digest)?;
    each(&mut out, "ioctls", &d.ioctls, |x| &x.digest)?;
    each(&mut out, "rings", &d.rings, |x| &x.digest)?;
    each(&mut out, "attribute-sets", &d.attribute_sets, |x| &x.digest)?;
    each(&mut out, "operations", &d.operations, |x| &x.digest)?;
    Ok(out)
}

/// Empties every item's digest, so that dumps compare by content alone
/// whether or not they were built with digests.
pub fn clear_digests(d: &mut Dump) {
    fn clear<T>(items: &mut BTreeMap<String, T>, slot: impl Fn(&mut T) -> &mut String) {
        for item in items.values_mut() {
            slot(item).clear();
        }
    }
    clear(&mut d.consts, |x| &mut x.digest);
    clear(&mut d.enums, |x| &mut x.digest);
    clear(&mut d.flags, |x| &mut x.digest);
    clear(&mut d.structs, |x| &mut x.digest);
    clear(&mut d.ioctls, |x| &mut x.digest);
    clear(&mut d.rings, |x| &mut x.digest);
    clear(&mut d.attribute_sets, |x| &mut x.digest);
    clear(&mut d.operations, |x| &mut x.digest);
}

/// Whether every item has a digest (not whether each is right).
fn digests_filled(d: &Dump) -> bool {
    fn all<T>(items: &BTreeMap<String, T>, digest: impl Fn(&T) -> &String) -> bool {
        items.values().all(|x| !digest(x).is_empty())
    }
    all(&d.consts, |x| &x.digest)
        && all(&d.enums, |x| &x.digest)
        && all(&d.flags, |x| &x.digest)
        && all(&d.structs, |x| &x.digest)
        && all(&d.ioctls, |x| &x.digest)
        && all(&d.rings, |x| &x.digest)
        && all(&d.attribute_sets, |x| &x.digest)
        && all(&d.operations, |x| &x.digest)
}

/// Sets every item's digest from its content: what a dump needs before
/// it is written ([`build`] does it; a comparison's sides skip it).
pub fn fill_digests(d: &mut Dump) -> Result<(), DumpError> {
    fn fill<T: Serialize>(
        items: &mut BTreeMap<String, T>,
        slot: impl Fn(&mut T) -> &mut String,
    ) -> Result<(), DumpError> {
        for item in items.values_mut() {
            let h = digest_of(item)?;
            *slot(item) = h;
        }
        Ok(())
    }
    fill(&mut d.consts, |x| &mut x.digest)?;
    fill(&mut d.enums, |x| &mut x.digest)?;
    fill(&mut d.flags, |x| &mut x.digest)?;
    fill(&mut d.structs, |x| &mut x.digest)?;
    fill(&mut d.ioctls, |x| &mut x.digest)?;
    fill(&mut d.rings, |x| &mut x.digest)?;
    fill(&mut d.attribute_sets, |x| &mut x.digest)?;
    fill(&mut d.operations, |x| &mut x.digest)?;
    Ok(())
}

/// sha256 (lower-case hex) of the item's compact canonical JSON, its own
/// `digest` key left out.
pub fn digest_of<T: Serialize>(item: &T) -> Result<String, DumpError> {
    use sha2::{Digest, Sha256};
    let mut v = canonical(serde_json::to_value(item)?);
    if let Value::Object(m) = &mut v {
        m.remove("digest");
    }
    let text = serde_json::to_string(&v)?;
    Ok(Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Objects rebuilt with sorted keys, whatever map type serde_json was
/// built with.
fn canonical(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> =
                m.into_iter().map(|(k, v)| (k, canonical(v))).collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(canonical).collect()),
        other => other,
    }
}

/// The canonical text of a dump: sorted keys, pretty, trailing newline,
/// every item's digest filled (a dump built for a comparison has none;
/// a written one always has them, as [`parse`] checks).
pub fn to_json(d: &Dump) -> Result<String, DumpError> {
    let filled;
    let d = if digests_filled(d) {
        d
    } else {
        let mut c = d.clone();
        fill_digests(&mut c)?;
        filled = c;
        &filled
    };
    let v = canonical(serde_json::to_value(d)?);
    let mut s = serde_json::to_string_pretty(&v)?;
    s.push('\n');
    Ok(s)
}

/// Parses a dump, refusing another format and any item whose digest does
/// not match its content (frozen dumps are written by `freeze` only).
pub fn parse(text: &str) -> Result<Dump, String> {
    // The format first, so another format is named rather than failing
    // as a shape: from an object, read without building the rest (serde
    // skips it); anything else as a JSON value, for its message.
    #[derive(Deserialize)]
    struct FormatOnly {
        format: Option<Value>,
    }
    let format = match serde_json::from_str::<FormatOnly>(text) {
        Ok(f) if text.trim_start().starts_with('{') => f.format.as_ref().and_then(Value::as_u64),
        _ => serde_json::from_str::<Value>(text)
            .map_err(|e| format!("not JSON: {e}"))?
            .get("format")
            .and_then(Value::as_u64),
    };
    if format != Some(u64::from(FORMAT)) {
        return Err(match format {
            Some(f) => format!("dump format {f} is not supported (this uabi reads {FORMAT})"),
            None => "not an ABI dump (no `format` key)".to_string(),
        });
    }
    let d: Dump = serde_json::from_str(text).map_err(|e| format!("not an ABI dump: {e}"))?;
    for (path, stored, actual) in digests(&d).map_err(|e| e.to_string())? {
        if stored != actual {
            return Err(format!(
                "digest of `{path}` does not match its content: frozen dumps are written by \
                 `uabi freeze` and never edited by hand"
            ));
        }
    }
    check_shape(&d)?;
    Ok(d)
}

/// What the comparison relies on and serde cannot say: every layout has
/// one offset and one size per member. Digests only prove a dump was not
/// edited by accident; one edited with its digests recomputed is still
/// refused here rather than compared out of bounds.
fn check_shape(d: &Dump) -> Result<(), String> {
    for (name, s) in &d.structs {
        let n = s.members.len();
        for (target, l) in &s.layouts {
            for (what, len) in [("offsets", l.offsets.len()), ("sizes", l.sizes.len())] {
                if len != n {
                    return Err(format!(
                        "`structs/{name}` on {target} has {len} {what} for {n} members: \
                         not a dump `uabi freeze` writes"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Where each part of a dump or spec is, by path: `structs/cmd`,
/// `structs/cmd/members/3`, `ioctls/submit/nr`, `revision`. The paths
/// are those of the dump's JSON, so one scheme serves both sides.
#[derive(Debug, Clone, Default)]
pub struct Locator {
    pub file: Option<Arc<str>>,
    positions: Positions,
}

/// A locator's positions: a spec's, from its model; a dump's, scanned
/// from its text on the first lookup (a comparison asks only its new
/// side where anything is, so an old side's dump is never scanned);
/// an imported header's, from its model on the first lookup.
#[derive(Debug, Clone)]
enum Positions {
    Known(BTreeMap<String, Pos>),
    Deferred(Arc<Deferred>),
}

type Deferred =
    std::sync::LazyLock<BTreeMap<String, Pos>, Box<dyn FnOnce() -> BTreeMap<String, Pos> + Send>>;

impl Default for Positions {
    fn default() -> Positions {
        Positions::Known(BTreeMap::new())
    }
}

impl Locator {
    fn positions(&self) -> &BTreeMap<String, Pos> {
        match &self.positions {
            Positions::Known(p) => p,
            Positions::Deferred(d) => d,
        }
    }

    /// The locator `build` makes, made on the first lookup (`file` names
    /// the file meanwhile).
    pub fn deferred(file: Arc<str>, build: impl FnOnce() -> Locator + Send + 'static) -> Locator {
        let positions: Box<dyn FnOnce() -> BTreeMap<String, Pos> + Send> =
            Box::new(move || match build().positions {
                Positions::Known(p) => p,
                Positions::Deferred(d) => (*d).clone(),
            });
        Locator {
            file: Some(file),
            positions: Positions::Deferred(Arc::new(std::sync::LazyLock::new(positions))),
        }
    }

    /// The position of exactly `path`, if it is located.
    pub fn find(&self, path: &str) -> Option<Pos> {
        self.positions().get(path).cloned()
    }

    /// The position of `path`, or of its nearest located ancestor, or the
    /// start of the file.
    pub fn pos(&self, path: &str) -> Pos {
        let positions = self.positions();
        let mut p = path;
        loop {
            if let Some(pos) = positions.get(p) {
                return pos.clone();
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => break,
            }
        }
        if let Some(pos) = positions.get("") {
            return pos.clone();
        }
        let file = self.file.clone().unwrap_or_else(|| Arc::from("<dump>"));
        Pos::file_start(&file)
    }

    /// The same paths, each position moved where `place` says, in
    /// `file` (an imported header's spec lines to the header's own
    /// lines).
    pub fn moved(self, file: Arc<str>, place: impl Fn(&Pos) -> Pos) -> Locator {
        let known = match self.positions {
            Positions::Known(p) => p,
            Positions::Deferred(d) => (*d).clone(),
        };
        Locator {
            file: Some(file),
            positions: Positions::Known(
                known.into_iter().map(|(k, pos)| (k, place(&pos))).collect(),
            ),
        }
    }

    /// Positions of a spec's items, from the model; `source` (the spec's
    /// text) adds top-level keys the model does not keep positions for.
    pub fn for_model(model: &Model, source: Option<&str>) -> Locator {
        let file = model.pos.file.clone();
        let mut p = BTreeMap::new();
        p.insert(String::new(), model.pos.clone());
        if let Some(text) = source {
            let mut in_ioctl = false;
            for (i, line) in text.lines().enumerate() {
                let at = |col: usize| Pos::new(&file, i as u32 + 1, col as u32 + 1);
                let indent = line.len() - line.trim_start().len();
                let key = line.trim_start().split(':').next().unwrap_or("");
                if indent == 0 {
                    in_ioctl = key == "ioctl";
                }
                if !line.trim_start().contains(':') || line.trim_start().starts_with('#') {
                    continue;
                }
                match (indent, key) {
                    (0, "revision" | "targets" | "ioctls" | "rings" | "attribute-sets") => {
                        p.insert(key.to_string(), at(0));
                    }
                    (0, "operations") => {
                        p.insert("operations".into(), at(0));
                        p.insert("operations-transport".into(), at(0));
                    }
                    (0, "definitions") => {
                        for s in ["consts", "enums", "flags", "structs"] {
                            p.insert(s.into(), at(0));
                        }
                    }
                    (0, "ioctl") => {
                        p.insert("retired-nrs".into(), at(0));
                    }
                    (_, "magic") if in_ioctl && indent > 0 => {
                        p.insert("ioctl-magic".into(), at(indent));
                    }
                    (_, "retired") if in_ioctl && indent > 0 => {
                        p.insert("retired-nrs".into(), at(indent));
                    }
                    _ => {}
                }
            }
        }
        for c in &model.consts {
            p.insert(format!("consts/{}", c.name), c.pos.clone());
        }
        for e in &model.enums {
            let section = match e.kind {
                EnumKind::Enum => "enums",
                EnumKind::Flags => "flags",
            };
            p.insert(format!("{section}/{}", e.name), e.pos.clone());
            for x in &e.entries {
                p.insert(
                    format!("{section}/{}/entries/{}", e.name, x.name),
                    x.pos.clone(),
                );
            }
        }
        for s in &model.structs {
            p.insert(format!("structs/{}", s.name), s.pos.clone());
            for (i, m) in s.members.iter().enumerate() {
                p.insert(format!("structs/{}/members/{i}", s.name), m.pos.clone());
                p.insert(
                    format!("structs/{}/members/{i}/type", s.name),
                    m.type_pos.clone(),
                );
            }
        }
        for i in &model.ioctls {
            p.insert(format!("ioctls/{}", i.name), i.pos.clone());
            p.insert(format!("ioctls/{}/nr", i.name), i.nr_pos.clone());
            p.insert(format!("ioctls/{}/dir", i.name), i.dir_pos.clone());
        }
        for r in &model.rings {
            p.insert(format!("rings/{}", r.name), r.pos.clone());
        }
        for s in &model.attribute_sets {
            p.insert(format!("attribute-sets/{}", s.name), s.pos.clone());
            for a in &s.attributes {
                p.insert(
                    format!("attribute-sets/{}/attributes/{}", s.name, a.name),
                    a.pos.clone(),
                );
            }
        }
        if let Some(ops) = &model.operations {
            p.insert("operations".into(), ops.pos.clone());
            for op in &ops.list {
                p.insert(format!("operations/{}", op.name), op.pos.clone());
            }
        }
        Locator {
            file: Some(file),
            positions: Positions::Known(p),
        }
    }

    /// Positions of every key and array element of a JSON text, so a
    /// finding against a dump points into the dump file. Tolerates any
    /// JSON; on malformed text it keeps what it found before the error.
    pub fn for_json(text: &str, file: &Arc<str>) -> Locator {
        let (text, named) = (text.to_string(), file.clone());
        Locator::deferred(file.clone(), move || Locator {
            positions: Positions::Known(scan_json(&text, &named)),
            file: Some(named),
        })
    }
}

fn scan_json(text: &str, file: &Arc<str>) -> BTreeMap<String, Pos> {
    let mut s = JsonScan {
        chars: text.chars().collect(),
        i: 0,
        line: 1,
        col: 1,
        file: file.clone(),
        out: BTreeMap::new(),
    };
    s.out.insert(String::new(), Pos::file_start(file));
    s.skip_ws();
    let _ = s.value("");
    s.out
}

struct JsonScan {
    chars: Vec<char>,
    i: usize,
    line: u32,
    col: u32,
    file: Arc<str>,
    out: BTreeMap<String, Pos>,
}

impl JsonScan {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn here(&self) -> Pos {
        Pos::new(&self.file, self.line, self.col)
    }

    fn string(&mut self) -> Option<String> {
        if self.bump()? != '"' {
            return None;
        }
        let mut s = String::new();
        loop {
            match self.bump()? {
                '"' => return Some(s),
                '\\' => {
                    let c = self.bump()?;
                    s.push(c);
                }
                c => s.push(c),
            }
        }
    }

    fn value(&mut self, path: &str) -> Option<()> {
        let join = |k: &str| {
            if path.is_empty() {
                k.to_string()
            } else {
                format!("{path}/{k}")
            }
        };
        match self.peek()? {
            '{' => {
                self.bump();
                self.skip_ws();
                if self.peek()? == '}' {
                    self.bump();
                    return Some(());
                }
                loop {
                    self.skip_ws();
                    let at = self.here();
                    let key = self.string()?;
                    let child = join(&key);
                    self.out.insert(child.clone(), at);
                    self.skip_ws();
                    if self.bump()? != ':' {
                        return None;
                    }
                    self.skip_ws();
                    self.value(&child)?;
                    self.skip_ws();
                    match self.bump()? {
                        ',' => continue,
                        '}' => return Some(()),
                        _ => return None,
                    }
                }
            }
            '[' => {
                self.bump();
                self.skip_ws();
                if self.peek()? == ']' {
                    self.bump();
                    return Some(());
                }
                let mut n = 0;
                loop {
                    self.skip_ws();
                    let child = join(&n.to_string());
                    self.out.insert(child.clone(), self.here());
                    self.value(&child)?;
                    n += 1;
                    self.skip_ws();
                    match self.bump()? {
                        ',' => continue,
                        ']' => return Some(()),
                        _ => return None,
                    }
                }
            }
            '"' => self.string().map(|_| ()),
            _ => {
                while self
                    .peek()
                    .is_some_and(|c| !matches!(c, ',' | '}' | ']') && !c.is_whitespace())
                {
                    self.bump();
                }
                Some(())
            }
        }
    }
}

/// Does the member's kernel side read it (so its zero value matters)?
pub fn read_by_kernel(access: &str) -> bool {
    matches!(access, "in" | "inout")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dump built without digests is the dump with digests, emptied:
    /// nothing else is skipped, and the digests really were there.
    #[test]
    fn without_digests_differs_only_by_digests() {
        let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/softaccel.yaml");
        let model = crate::load::load(&spec, None).expect("softaccel resolves");
        let full = build(&model).expect("builds");
        assert!(full.structs.values().all(|s| s.digest.len() == 64));
        let bare = build_without_digests(&model);
        assert!(bare.structs.values().all(|s| s.digest.is_empty()));
        assert_ne!(full, bare);
        let mut cleared = full.clone();
        clear_digests(&mut cleared);
        assert_eq!(cleared, bare);
    }

    /// An attribute's type is written as its YNL name and read back only
    /// as one, so a frozen dump never holds a type the resolver refuses.
    #[test]
    fn attribute_types_are_ynl_names() {
        let text = r#"{"type":"u32","value":1,"since":1}"#;
        let a: AttrDump = serde_json::from_str(text).unwrap();
        assert_eq!(a.ty, AttrType::Int(crate::model::Scalar::U32));
        assert_eq!(
            serde_json::to_string(&a).unwrap().as_str(),
            r#"{"value":1,"type":"u32","since":1}"#
        );
        let bad = serde_json::from_str::<AttrDump>(r#"{"type":"u33","value":1,"since":1}"#)
            .unwrap_err()
            .to_string();
        assert!(bad.contains("unknown attribute type `u33`"), "{bad}");
    }
}
