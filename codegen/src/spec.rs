//! The surface syntax: serde types that mirror the YAML of a spec file.
//!
//! Every node that a later stage may need to blame is wrapped in
//! [`S`], so diagnostics point at the offending node. Every struct
//! denies unknown keys; keys that only make sense for some kinds of item
//! (a `members` list on a `const`, say) are accepted here and rejected by
//! the resolver with a diagnostic naming the key.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// The newtype-struct name by which [`S`] asks the deserializer for its
/// node's position; the YAML front end (`load::yaml`) answers by handing
/// the position over with [`hand_position`] and then visiting the value
/// as a plain newtype.
pub const SPANNED: &str = "__uabi_spanned";

thread_local! {
    /// The position a deserializer hands to the [`S`] it is about to
    /// visit. Handed over beside the value rather than as a sequence of
    /// line, column and value, which cost three element visits per node
    /// (a spec has about 50,000 `S` nodes); taken by the visitor before it
    /// reads its value, so a nested `S` never sees an outer node's.
    static POSITION: std::cell::Cell<Option<(u32, u32)>> = const { std::cell::Cell::new(None) };
}

/// Gives the next [`S`] visited (with `visit_newtype_struct`) its line
/// and column; for a deserializer answering [`SPANNED`].
pub fn hand_position(line: u32, col: u32) {
    POSITION.with(|p| p.set(Some((line, col))));
}

/// An integer, or the name of a `const` definition that holds one.
#[derive(Debug, Clone)]
pub enum IntOrName {
    Int(i128),
    Name(String),
    /// A list of them: the dimensions of a multi-dimensional array
    /// (`count: [2, max-streams]`), outermost first; only `count` of a
    /// struct member takes one.
    Dims(Vec<S<IntOrName>>),
}

impl<'de> Deserialize<'de> for IntOrName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Hand-written because serde's untagged enums buffer through a
        // content type that drops 128-bit integers and node positions.
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = IntOrName;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an integer or the name of a const")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<IntOrName, A::Error> {
                let mut dims = Vec::new();
                while let Some(d) = seq.next_element()? {
                    dims.push(d);
                }
                Ok(IntOrName::Dims(dims))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IntOrName, E> {
                Ok(IntOrName::Int(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<IntOrName, E> {
                Ok(IntOrName::Int(v.into()))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<IntOrName, E> {
                Ok(IntOrName::Int(v))
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<IntOrName, E> {
                i128::try_from(v)
                    .map(IntOrName::Int)
                    .map_err(|_| E::custom("integer too large"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IntOrName, E> {
                Ok(IntOrName::Name(v.to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A value written either as a bare name or as a mapping with more keys,
/// as YNL allows for enum entries (`[a, { name: b, value: 4 }]`) and for
/// attribute lists.
#[derive(Debug, Clone)]
pub struct NameOr<T> {
    pub name: Option<String>,
    pub full: Option<T>,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for NameOr<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = NameOr<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a name or a mapping")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(NameOr {
                    name: Some(v.to_owned()),
                    full: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<Self::Value, A::Error> {
                let full = T::deserialize(de::value::MapAccessDeserializer::new(m))?;
                Ok(NameOr {
                    name: None,
                    full: Some(full),
                })
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// Deserializes a key whose `null` value means something other than its
/// absence: YNL's `enum-name:` with no value asks for an anonymous C enum.
/// Used with `#[serde(default, deserialize_with = "present")]`, so an absent
/// key stays `None` and a present one, null or not, is `Some`.
pub fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// A value with the position of its YAML node (1-based line and column;
/// 0 from a deserializer that keeps no positions). `Deref` lets resolver
/// code read `def.name.value` and `def.members` alike.
#[derive(Debug, Clone)]
pub struct S<T> {
    pub value: T,
    pub line: u32,
    pub col: u32,
}

impl<T> S<T> {
    pub fn new(value: T, line: u32, col: u32) -> Self {
        S { value, line, col }
    }

    /// The same position with another value.
    pub fn with<U>(&self, value: U) -> S<U> {
        S::new(value, self.line, self.col)
    }
}

impl<T> std::ops::Deref for S<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for S<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = S<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value with its position")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<S<T>, A::Error> {
                let line = seq.next_element()?;
                let col = seq.next_element()?;
                match (line, col, seq.next_element()?) {
                    (Some(line), Some(col), Some(value)) => Ok(S::new(value, line, col)),
                    _ => Err(de::Error::invalid_length(2, &self)),
                }
            }
            fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<S<T>, D::Error> {
                // Another deserializer hands over nothing: no position.
                let (line, col) = POSITION.with(std::cell::Cell::take).unwrap_or((0, 0));
                T::deserialize(d).map(|value| S::new(value, line, col))
            }
        }
        d.deserialize_newtype_struct(SPANNED, V(std::marker::PhantomData))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SpecFile {
    pub name: S<String>,
    #[serde(default)]
    pub doc: Option<String>,
    #[serde(default)]
    pub revision: Option<S<i128>>,
    #[serde(default)]
    pub uapi_header: Option<S<String>>,
    /// The SPDX license expression of the generated uapi header.
    #[serde(default)]
    pub license: Option<S<String>>,
    #[serde(default)]
    pub include: Vec<S<String>>,
    /// Every item describes an ABI that already ships (an imported
    /// header): its mistakes are reproduced and lint reports them as
    /// warnings.
    #[serde(default)]
    pub existing_abi: Option<S<bool>>,
    /// The prefix of every C name derived from an item's name (kebab
    /// case, `drm-ivpu`); default the spec's name. Other languages keep
    /// the spec's name.
    #[serde(default)]
    pub c_prefix: Option<S<String>>,
    #[serde(default)]
    pub ioctl: Option<S<IoctlConfig>>,
    #[serde(default)]
    pub targets: Option<Vec<S<String>>>,
    #[serde(default)]
    pub definitions: Vec<S<Definition>>,
    #[serde(default)]
    pub ioctls: Vec<S<IoctlDef>>,
    #[serde(default)]
    pub rings: Vec<S<RingDef>>,
    #[serde(default)]
    pub attribute_sets: Vec<S<AttrSetDef>>,
    #[serde(default)]
    pub operations: Option<S<OperationsDef>>,
    /// YNL keys accepted so that YNL-style specs read naturally.
    #[serde(default)]
    pub protocol: Option<S<String>>,
    /// YNL: the generic netlink family version (default 1).
    #[serde(default)]
    pub version: Option<S<i128>>,
    #[serde(default)]
    pub c_family_name: Option<S<String>>,
    #[serde(default)]
    pub c_version_name: Option<S<String>>,
    #[serde(default)]
    pub max_by_define: Option<S<bool>>,
    #[serde(default)]
    pub cmd_max_name: Option<S<String>>,
    #[serde(default)]
    pub cmd_cnt_name: Option<S<String>>,
    #[serde(default)]
    pub kernel_policy: Option<S<String>>,
    /// Kernel-only C details (extra headers, per-socket private data):
    /// nothing here generates kernel C, so they are accepted and unused.
    #[serde(default)]
    pub kernel_family: Option<S<KernelFamilyDef>>,
    #[serde(default)]
    pub mcast_groups: Option<S<McastGroupsDef>>,
    /// YNL's polymorphic sub-messages; not generated (a warning says so).
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub sub_messages: Option<S<de::IgnoredAny>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct KernelFamilyDef {
    #[serde(default)]
    pub headers: Vec<S<String>>,
    #[serde(default)]
    pub sock_priv: Option<S<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct McastGroupsDef {
    #[serde(default)]
    pub list: Vec<S<McastGroupDef>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct McastGroupDef {
    pub name: S<String>,
    #[serde(default)]
    pub c_define_name: Option<S<String>>,
    #[serde(default)]
    pub flags: Vec<S<String>>,
    #[serde(default)]
    pub doc: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct IoctlConfig {
    /// Required, except in `style: drm`, where it is DRM's 0x64.
    #[serde(default)]
    pub magic: Option<S<Magic>>,
    /// `drm`: the C header spells commands as DRM's own headers do
    /// (`DRM_IOCTL_<DRIVER>_<X>`, numbers relative to DRM_COMMAND_BASE).
    #[serde(default)]
    pub style: Option<S<String>>,
    /// The `<DRIVER>` of DRM-style macro names (default: the C prefix
    /// without a leading `drm-`).
    #[serde(default)]
    pub driver: Option<S<String>>,
    /// Numbers that were used by a retired ioctl and may never be reused.
    #[serde(default)]
    pub retired: Vec<S<i128>>,
    /// The nr values this spec may use; default 0x40..0x9f (the DRM/accel
    /// driver range). A subsystem core spec declares 0x00..0x3f.
    #[serde(default)]
    pub nr_range: Option<S<RangeDef>>,
}

/// The `_IOC` type byte: an integer, or a one-character string such as `d`.
#[derive(Debug, Clone)]
pub enum Magic {
    Int(i128),
    Char(String),
}

impl<'de> Deserialize<'de> for Magic {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match IntOrName::deserialize(d)? {
            IntOrName::Int(v) => Ok(Magic::Int(v)),
            IntOrName::Name(s) => Ok(Magic::Char(s)),
            IntOrName::Dims(_) => Err(de::Error::invalid_type(
                de::Unexpected::Seq,
                &"an integer or the name of a const",
            )),
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Definition {
    pub name: S<String>,
    #[serde(rename = "type")]
    pub kind: S<String>,
    /// The item describes an ABI that already ships.
    #[serde(default)]
    pub existing_abi: Option<S<bool>>,
    #[serde(default)]
    pub doc: Option<String>,
    #[serde(default)]
    pub since: Option<S<i128>>,
    #[serde(default)]
    pub value: Option<S<IntOrName>>,
    #[serde(default)]
    pub entries: Option<S<Vec<S<NameOr<EntryDef>>>>>,
    #[serde(default)]
    pub members: Option<S<Vec<S<MemberDef>>>>,
    #[serde(default)]
    pub value_start: Option<S<i128>>,
    #[serde(default)]
    pub name_prefix: Option<S<String>>,
    /// The exact C identifier of a const (its macro) or a struct (its
    /// tag, without `struct `).
    #[serde(default)]
    pub c_name: Option<S<String>>,
    /// `Some(None)` for YNL's `enum-name:` with no value (anonymous enum).
    #[serde(default, deserialize_with = "present")]
    pub enum_name: Option<S<Option<String>>>,
    #[serde(default)]
    pub enum_cnt_name: Option<S<String>>,
    #[serde(default)]
    pub header: Option<S<String>>,
    #[serde(default)]
    pub render_max: Option<S<bool>>,
    /// On a const: the C type of its value where that depends on the
    /// target (`ulong`: amdxdna's `(~0UL)`).
    #[serde(default)]
    pub c_type: Option<S<String>>,
    #[serde(default)]
    pub lint_allow: Vec<S<String>>,
    /// A struct or union written inside its holder as an anonymous
    /// member (`union { ... };`): made from that member's `members`
    /// before resolution, never written in the YAML.
    #[serde(skip)]
    pub inline: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct EntryDef {
    pub name: S<String>,
    #[serde(default)]
    pub value: Option<S<i128>>,
    /// The exact C identifier of the entry's constant.
    #[serde(default)]
    pub c_name: Option<S<String>>,
    #[serde(default)]
    pub doc: Option<String>,
    #[serde(default)]
    pub since: Option<S<i128>>,
    /// A multi-bit field of a flags word: its first and last bit.
    #[serde(default)]
    pub bits: Option<S<Vec<S<i128>>>>,
    /// The values such a field may hold (entries: a name, or
    /// `{ name, value, doc }`; values count from 0).
    #[serde(default)]
    pub values: Option<S<Vec<S<NameOr<EntryDef>>>>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MemberDef {
    pub name: S<String>,
    #[serde(rename = "type")]
    pub ty: S<String>,
    #[serde(default)]
    pub doc: Option<String>,
    #[serde(default)]
    pub since: Option<S<i128>>,
    #[serde(default)]
    pub access: Option<S<String>>,
    #[serde(default, rename = "enum")]
    pub enum_: Option<S<String>>,
    #[serde(default)]
    pub enum_as_flags: Option<S<bool>>,
    #[serde(default)]
    pub byte_order: Option<S<String>>,
    #[serde(default)]
    pub range: Option<S<RangeDef>>,
    #[serde(default)]
    pub resource: Option<S<String>>,
    #[serde(default)]
    pub len: Option<S<IntOrName>>,
    #[serde(default)]
    pub count: Option<S<IntOrName>>,
    #[serde(default)]
    pub max_count: Option<S<IntOrName>>,
    /// On a user-ptr to structs: the sibling member holding the size the
    /// caller declares for each element (rocket's `task_struct_size`).
    #[serde(default)]
    pub stride: Option<S<String>>,
    /// On a `u64`: it holds a userspace address (`user`) or, depending
    /// on the call, an address or a value (`user-or-value`).
    #[serde(default)]
    pub address: Option<S<String>>,
    #[serde(default)]
    pub elem: Option<S<String>>,
    #[serde(default)]
    pub r#struct: Option<S<String>>,
    /// The union a member of `type: union` holds.
    #[serde(default)]
    pub union: Option<S<String>>,
    /// YNL: how tools print the value; no effect on the ABI.
    #[serde(default)]
    pub display_hint: Option<S<String>>,
    /// On an integer member: it is padding (must be zero, never a
    /// value) spelled with that C type, as existing headers have
    /// `__u32 pad` or `__u64 reserved`.
    #[serde(default)]
    pub pad: Option<S<bool>>,
    /// On the last integer or struct member: a C flexible array member
    /// (`x[]`), elements that follow the struct and are not in its size.
    #[serde(default)]
    pub flexible: Option<S<bool>>,
    /// On a flexible array member: the sibling holding its element count
    /// (C `__counted_by(sibling)`).
    #[serde(default)]
    pub counted_by: Option<S<String>>,
    /// On a `struct` or `union` member: C's anonymous member, the
    /// aggregate written inside its holder from `members`, whose own
    /// members C names as the holder's (habanalabs' `union { __u64
    /// cb_handle; ... };`).
    #[serde(default)]
    pub anonymous: Option<S<bool>>,
    /// The members of an anonymous member's struct or union.
    #[serde(default)]
    pub members: Option<S<Vec<S<MemberDef>>>>,
    /// `members` became a definition of their own (`struct`/`union`
    /// names it) before resolution; never written in the YAML.
    #[serde(skip)]
    pub hoisted: bool,
    #[serde(default)]
    pub lint_allow: Vec<S<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RangeDef {
    #[serde(default)]
    pub min: Option<S<IntOrName>>,
    #[serde(default)]
    pub max: Option<S<IntOrName>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct IoctlDef {
    pub name: S<String>,
    /// The ioctl describes an ABI that already ships.
    #[serde(default)]
    pub existing_abi: Option<S<bool>>,
    #[serde(default)]
    pub nr: Option<S<i128>>,
    /// The exact C identifiers of the command macro and the number macro.
    #[serde(default)]
    pub c_name: Option<S<String>>,
    #[serde(default)]
    pub c_nr_name: Option<S<String>>,
    #[serde(default)]
    pub dir: Option<S<String>>,
    #[serde(default)]
    pub arg: Option<S<String>>,
    /// Per-ioctl access of the argument's top-level members (member name
    /// to `in`/`out`/`inout`), for a struct that several ioctls share
    /// with different directions (ivpu's GET_PARAM and SET_PARAM).
    #[serde(default)]
    pub arg_access: Option<S<std::collections::BTreeMap<String, S<String>>>>,
    #[serde(default)]
    pub extension: Option<S<String>>,
    #[serde(default)]
    pub since: Option<S<i128>>,
    #[serde(default)]
    pub doc: Option<String>,
    #[serde(default)]
    pub errors: Option<S<Vec<S<ErrorDef>>>>,
    /// YNL's operation flags, on ioctls too: `admin-perm` makes the command
    /// privileged, like DRM's `DRM_ROOT_ONLY`.
    #[serde(default)]
    pub flags: Vec<S<String>>,
    #[serde(default)]
    pub lint_allow: Vec<S<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ErrorDef {
    pub errno: S<String>,
    #[serde(default)]
    pub doc: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RingDef {
    pub name: S<String>,
    #[serde(default)]
    pub doc: Option<String>,
    pub entry: S<String>,
    pub producer: S<String>,
    #[serde(default)]
    pub index: Option<S<String>>,
    pub entries: S<RingEntriesDef>,
    #[serde(default)]
    pub since: Option<S<i128>>,
    #[serde(default)]
    pub lint_allow: Vec<S<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RingEntriesDef {
    pub min: S<i128>,
    pub max: S<i128>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AttrSetDef {
    pub name: S<String>,
    #[serde(default)]
    pub doc: Option<String>,
    #[serde(default)]
    pub name_prefix: Option<S<String>>,
    #[serde(default, deserialize_with = "present")]
    pub enum_name: Option<S<Option<String>>>,
    #[serde(default)]
    pub attr_cnt_name: Option<S<String>>,
    #[serde(default)]
    pub attr_max_name: Option<S<String>>,
    #[serde(default)]
    pub subset_of: Option<S<String>>,
    pub attributes: Vec<S<AttrDef>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AttrDef {
    pub name: S<String>,
    #[serde(rename = "type", default)]
    pub ty: Option<S<String>>,
    #[serde(default)]
    pub value: Option<S<i128>>,
    #[serde(default)]
    pub doc: Option<String>,
    #[serde(default)]
    pub since: Option<S<i128>>,
    #[serde(default, rename = "enum")]
    pub enum_: Option<S<String>>,
    #[serde(default)]
    pub enum_as_flags: Option<S<bool>>,
    #[serde(default)]
    pub nested_attributes: Option<S<String>>,
    #[serde(default)]
    pub multi_attr: Option<S<bool>>,
    #[serde(default)]
    pub byte_order: Option<S<String>>,
    #[serde(default)]
    pub checks: Option<S<ChecksDef>>,
    /// spec-language.md writes `max-len` on the attribute itself; YNL
    /// writes it under `checks`. Both are accepted.
    #[serde(default)]
    pub max_len: Option<S<IntOrName>>,
    #[serde(default)]
    pub len: Option<S<IntOrName>>,
    #[serde(default)]
    pub r#struct: Option<S<String>>,
    #[serde(default)]
    pub sub_type: Option<S<String>>,
    #[serde(default)]
    pub display_hint: Option<S<String>>,
    #[serde(default)]
    pub name_prefix: Option<S<String>>,
    /// YNL `sub-message` attributes and their selector; not generated.
    #[serde(default)]
    pub sub_message: Option<S<String>>,
    #[serde(default)]
    pub selector: Option<S<String>>,
    /// YNL `nest-type-value`: names taken from the nest's type field.
    #[serde(default)]
    pub type_value: Option<S<Vec<S<String>>>>,
    #[serde(default)]
    pub lint_allow: Vec<S<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ChecksDef {
    #[serde(default)]
    pub min: Option<S<IntOrName>>,
    #[serde(default)]
    pub max: Option<S<IntOrName>>,
    #[serde(default)]
    pub min_len: Option<S<IntOrName>>,
    #[serde(default)]
    pub max_len: Option<S<IntOrName>>,
    #[serde(default)]
    pub exact_len: Option<S<IntOrName>>,
    /// YNL: the mask of allowed bits comes from this flags definition.
    #[serde(default)]
    pub flags_mask: Option<S<String>>,
    /// YNL: a string without its NUL terminator is accepted.
    #[serde(default)]
    pub unterminated_ok: Option<S<bool>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OperationsDef {
    #[serde(default)]
    pub transport: Option<S<String>>,
    #[serde(default)]
    pub name_prefix: Option<S<String>>,
    #[serde(default)]
    pub enum_name: Option<S<String>>,
    #[serde(default)]
    pub enum_model: Option<S<String>>,
    #[serde(default)]
    pub fixed_header: Option<S<String>>,
    #[serde(default)]
    pub async_prefix: Option<S<String>>,
    #[serde(default)]
    pub async_enum: Option<S<String>>,
    pub list: Vec<S<OperationDef>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OperationDef {
    pub name: S<String>,
    #[serde(default)]
    pub value: Option<S<i128>>,
    #[serde(default)]
    pub doc: Option<String>,
    #[serde(default)]
    pub since: Option<S<i128>>,
    #[serde(default)]
    pub attribute_set: Option<S<String>>,
    #[serde(default)]
    pub fixed_header: Option<S<String>>,
    #[serde(default)]
    pub flags: Vec<S<String>>,
    #[serde(default)]
    pub r#do: Option<S<OpModeDef>>,
    #[serde(default)]
    pub dump: Option<S<OpModeDef>>,
    #[serde(default)]
    pub notify: Option<S<String>>,
    #[serde(default)]
    pub event: Option<S<OpMsgDef>>,
    #[serde(default)]
    pub mcgrp: Option<S<String>>,
    /// YNL kernel validation relaxations (`strict`, `dump`, `dump-strict`).
    #[serde(default)]
    pub dont_validate: Vec<S<String>>,
    /// YNL: the kernel Kconfig option the operation depends on; kernel
    /// build detail, no effect on the ABI.
    #[serde(default)]
    pub config_cond: Option<S<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OpModeDef {
    #[serde(default)]
    pub request: Option<S<OpMsgDef>>,
    #[serde(default)]
    pub reply: Option<S<OpMsgDef>>,
    #[serde(default)]
    pub pre: Option<S<String>>,
    #[serde(default)]
    pub post: Option<S<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OpMsgDef {
    #[serde(default)]
    pub value: Option<S<i128>>,
    #[serde(default)]
    pub attributes: Vec<S<String>>,
}

// ------------------------------------------------------------ JSON Schema
//
// The schema of `uabi schema` is derived from the types above; these are
// the hand-written deserializers' shapes.

/// The JSON Schema (draft 2020-12) of a spec file, as `uabi schema`
/// prints it: derived from [`SpecFile`] and the types it holds, so every
/// key the parser accepts is in it with the value shape the parser
/// takes, unknown keys are refused as the parser refuses them, and the
/// doc comments above are its descriptions. Which keys suit which kind
/// of item (`members` on a `struct`, not on a `const`) and which names
/// resolve is the resolver's business, as it is the parser's.
pub fn json_schema() -> serde_json::Value {
    let mut s = schemars::schema_for!(SpecFile);
    s.insert(
        "title".into(),
        format!("uabi spec (spec language {})", crate::SPEC_LANGUAGE_VERSION).into(),
    );
    s.insert(
        "description".into(),
        "One machine-readable spec of the user/kernel ABI of an accelerator driver \
         (uabi's spec language: docs/spec-language in the design, the README's \
         \"Spec language extensions\"). Generated by `uabi schema`."
            .into(),
    );
    s.to_value()
}

impl<T: JsonSchema> JsonSchema for S<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        T::json_schema(g)
    }
}

impl<T: JsonSchema> JsonSchema for NameOr<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("NameOr{}", T::schema_name()).into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let full = g.subschema_for::<T>();
        json_schema!({
            "description": "A bare name, or a mapping with more keys.",
            "anyOf": [{ "type": "string" }, full]
        })
    }
}

impl JsonSchema for IntOrName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "IntOrName".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let this = g.subschema_for::<IntOrName>();
        json_schema!({
            "description": "An integer, or the name of a const that holds one; `count` also takes a list of them (the dimensions of a multi-dimensional array, outermost first).",
            "anyOf": [
                { "type": "integer" },
                { "type": "string" },
                { "type": "array", "items": this }
            ]
        })
    }
}

impl JsonSchema for Magic {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Magic".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "The `_IOC` type byte: an integer, or a one-character string such as `d`.",
            "anyOf": [{ "type": "integer" }, { "type": "string" }]
        })
    }
}
