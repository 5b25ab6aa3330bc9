//! The resolved model: names resolved, defaults applied, layouts and
//! command numbers computed once for every target. Backends read only
//! this; nothing here does I/O.

use crate::diag::Pos;
use crate::ioc::Dir;
use crate::target::Target;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// A reference from one item of the model to another (a member's struct,
/// an ioctl's argument, an attribute's nested set): the name of the spec
/// that owns the item and the item's index in that spec's vector
/// (`structs`, `enums`, `attribute_sets`, `operations.list`).
///
/// The resolver turns every name into an id once; nothing after it
/// searches by name. Specs are shared between trees (a spec included by
/// two others is one `Arc<Model>`), so an id made while resolving spec A
/// is followed unchanged from any spec B that includes A. The owner is
/// therefore named by its spec name, not by a position relative to the
/// spec holding the reference: within one tree of specs that name is
/// unique (the resolver rejects two different specs of one name), and
/// every model knows the specs of its tree by name ([`Model::owner`]).
///
/// Invariant: an id is valid in the model whose resolver made it and in
/// every model that includes that one, directly or not; the accessors
/// index with it, as with any index into the vectors it was made from.
pub struct Id<T> {
    spec: Arc<str>,
    index: usize,
    item: PhantomData<fn() -> T>,
}

pub type StructId = Id<Struct>;
pub type EnumId = Id<Enum>;
pub type AttrSetId = Id<AttrSet>;
pub type OperationId = Id<Operation>;

impl<T> Id<T> {
    /// Only the resolver makes ids, from the vectors it builds.
    pub(crate) fn new(spec: &Arc<str>, index: usize) -> Self {
        Id {
            spec: spec.clone(),
            index,
            item: PhantomData,
        }
    }

    /// The name of the spec that owns the item.
    pub fn spec(&self) -> &str {
        &self.spec
    }

    pub(crate) fn index(&self) -> usize {
        self.index
    }
}

// Written out: derives would demand `T: Clone` and so on of the item.
impl<T> Clone for Id<T> {
    fn clone(&self) -> Self {
        Id::new(&self.spec, self.index)
    }
}

impl<T> PartialEq for Id<T> {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index && self.spec == other.spec
    }
}

impl<T> Eq for Id<T> {}

impl<T> std::hash::Hash for Id<T> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.spec.hash(h);
        self.index.hash(h);
    }
}

impl<T> fmt::Debug for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.spec, self.index)
    }
}

/// The specs a spec includes, transitively, by name: where an id's owner
/// is found when it is not the spec itself.
#[derive(Clone, Default)]
pub struct SpecTree(BTreeMap<String, Arc<Model>>);

impl SpecTree {
    /// Only the resolver builds the tree, after checking that no two
    /// different specs of it share a name.
    pub(crate) fn new(specs: BTreeMap<String, Arc<Model>>) -> Self {
        SpecTree(specs)
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Arc<Model>> {
        self.0.get(name)
    }

    pub(crate) fn specs(&self) -> impl Iterator<Item = &Arc<Model>> {
        self.0.values()
    }
}

// The included models are printed where they are included; their names
// say which they are.
impl fmt::Debug for SpecTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// One spec, resolved, with the specs it includes.
#[derive(Debug, Clone)]
pub struct Model {
    /// Lower-kebab-case name; the prefix of every generated identifier.
    pub name: String,
    pub doc: Option<String>,
    pub revision: u32,
    /// File name of the C uapi header, e.g. `softaccel.h`.
    pub uapi_header: String,
    /// The SPDX license expression of the C uapi header: the spec's
    /// `license`, by default the uapi convention
    /// `((GPL-2.0 WITH Linux-syscall-note) OR MIT)`.
    pub license: String,
    /// Whether the spec wrote `license` (else a project's license may
    /// take the default's place).
    pub license_from_spec: bool,
    /// The prefix of every C name derived from an item's name (`c-prefix`,
    /// kebab case; by default the spec's name).
    pub c_prefix: String,
    /// How the C header spells the ioctl commands.
    pub ioctl_style: IoctlStyle,
    /// The `_IOC` type byte, if the spec has ioctls.
    pub magic: Option<u8>,
    /// Numbers retired from use; never to be reused.
    pub retired_nrs: Vec<u8>,
    /// The inclusive range of nr values this spec may use.
    pub nr_range: (u8, u8),
    /// The targets the spec is checked and generated for.
    pub targets: Vec<Target>,
    /// Path of the spec as given on the command line or by an include,
    /// relative to the repository; used in banners.
    pub source: String,
    pub pos: Pos,
    /// Included specs, resolved, in `include:` order.
    pub includes: Vec<Arc<Model>>,
    /// `existing-abi: true`: the whole spec describes an ABI that already
    /// ships; every lint error is a warning (lint-rules.md, "Existing ABI").
    pub existing_abi: bool,
    /// Every spec included, transitively, by name; see [`Id`].
    pub tree: SpecTree,
    pub consts: Vec<Const>,
    pub enums: Vec<Enum>,
    pub structs: Vec<Struct>,
    pub ioctls: Vec<Ioctl>,
    pub rings: Vec<Ring>,
    pub attribute_sets: Vec<AttrSet>,
    pub operations: Option<Operations>,
    /// YNL family-level keys and the YNL features this project does not
    /// generate (reported by lint as warnings).
    pub netlink: NetlinkFamily,
    /// Definition order across kinds, so backends can emit items in the
    /// order the spec author wrote them (a struct after the structs it
    /// embeds is guaranteed by the resolver's topological check).
    pub definition_order: Vec<ItemRef>,
}

/// DRM_IOCTL_BASE, `'d'`: the type byte of every DRM command.
pub const DRM_MAGIC: u8 = 0x64;

/// DRM_COMMAND_BASE: the first number of a DRM driver's own ioctls.
pub const DRM_COMMAND_BASE: u8 = 0x40;

/// How the C header spells ioctl commands (`ioctl: { style }`). The
/// command numbers are the same in every style.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum IoctlStyle {
    /// `<PREFIX>_IOCTL_MAGIC`, `<PREFIX>_NR_<X>` and
    /// `<PREFIX>_IOCTL_<X>` over `<linux/ioctl.h>`.
    #[default]
    Plain,
    /// As DRM drivers' own headers: `#include "drm.h"`, the number macro
    /// `DRM_<DRIVER>_<X>` relative to `DRM_COMMAND_BASE` and the command
    /// `DRM_IOCTL_<DRIVER>_<X>` through `DRM_IOWR` and friends.
    Drm {
        /// The `<DRIVER>` of the macro names, upper case (`IVPU`).
        driver: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemRef {
    Const(usize),
    Enum(usize),
    Struct(usize),
}

#[derive(Debug, Clone)]
pub struct Const {
    pub name: String,
    pub doc: Option<String>,
    pub value: i128,
    /// The value as the spec wrote it when that was a hex literal
    /// (`0x00010000`): the C header keeps an existing header's spelling.
    pub hex: Option<String>,
    pub since: u32,
    /// YNL's `header`: a C header that already defines it, so the uapi
    /// header does not.
    pub header: Option<String>,
    /// `c-name`: the macro's exact name, as an existing header spells it.
    pub c_name: Option<String>,
    /// YNL's `name-prefix`: replaces `<SPEC>_` in the C name
    /// (wireguard's `wg-` + `key-len` is `WG_KEY_LEN`).
    pub name_prefix: Option<String>,
    /// `c-type`: the value is of a C type whose width depends on the
    /// target, so the constant's value does too.
    pub c_type: Option<CType>,
    pub pos: Pos,
}

/// A C type whose width is the target's (`c-type` of a const).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CType {
    /// `unsigned long`: 32 bits on i386, arm and mips, 64 elsewhere. A
    /// value of -1 is all ones (`~0UL`), as amdxdna's invalid handle.
    ULong,
}

impl CType {
    pub fn name(self) -> &'static str {
        match self {
            CType::ULong => "ulong",
        }
    }
}

impl Const {
    /// Does `n` name this const: its name, or its prefixed name, which
    /// is how a YNL spec refers to a const with a `name-prefix`
    /// (wireguard's `exact-len: wg-key-len`)?
    pub fn is_named(&self, n: &str) -> bool {
        self.name == n
            || self
                .name_prefix
                .as_ref()
                .is_some_and(|p| n.strip_prefix(p.as_str()) == Some(self.name.as_str()))
    }

    /// The value on `t`: for a `c-type` the spec's value converted to
    /// that type there (-1 as `unsigned long` is 0xffffffff on i386).
    pub fn value_on(&self, t: Target) -> i128 {
        match self.c_type {
            None => self.value,
            Some(CType::ULong) => self.value & ((1i128 << t.long_bits()) - 1),
        }
    }
}

/// YNL's family-level keys (`protocol`, `version`, the C naming
/// overrides, multicast groups). Defaults for this project's own specs.
#[derive(Debug, Clone, Default)]
pub struct NetlinkFamily {
    /// `genetlink`, `genetlink-c` or `genetlink-legacy`; None when the
    /// spec does not declare a YNL protocol.
    pub protocol: Option<String>,
    /// The generic netlink family version (YNL default 1).
    pub version: u32,
    pub c_family_name: Option<String>,
    pub c_version_name: Option<String>,
    pub max_by_define: bool,
    pub cmd_max_name: Option<String>,
    pub cmd_cnt_name: Option<String>,
    pub mcast_groups: Vec<McastGroup>,
    /// YNL's string-valued consts (`value: change_event`): C `#define`s
    /// of a string, defined by the C header only.
    pub string_consts: Vec<StringConst>,
    /// YNL's `enum-model: directional` numbering, for the C header's
    /// message enums; None in the unified model.
    pub directional: Option<DirectionalMsgs>,
    /// YNL features present in the spec that no backend generates.
    pub not_generated: Vec<NotGenerated>,
}

/// The messages of YNL's directional enum model, numbered as nlspec.py
/// numbers them: requests (user to kernel) and replies and notifications
/// (kernel to user) each count from 1. Each is a constant name stem (the
/// operation's name; `<op>-reply` for the reply of a `do`) and a value.
#[derive(Debug, Clone, Default)]
pub struct DirectionalMsgs {
    pub user: Vec<(String, u32)>,
    pub kernel: Vec<(String, u32)>,
}

#[derive(Debug, Clone)]
pub struct StringConst {
    pub name: String,
    pub doc: Option<String>,
    pub value: String,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct McastGroup {
    pub name: String,
    pub c_define_name: Option<String>,
    pub pos: Pos,
}

/// A YNL feature the spec uses that generated code does not implement.
#[derive(Debug, Clone)]
pub struct NotGenerated {
    /// A warning rule of the catalogue (`rules::YNL_*`).
    pub rule: &'static crate::rules::Rule,
    pub pos: Pos,
    pub message: String,
    pub hint: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnumKind {
    /// Values are plain numbers.
    Enum,
    /// Values are single bits; `value` of each entry is the mask.
    Flags,
}

#[derive(Debug, Clone)]
pub struct Enum {
    pub name: String,
    pub doc: Option<String>,
    pub kind: EnumKind,
    pub entries: Vec<EnumEntry>,
    pub since: u32,
    /// YNL's `name-prefix`: replaces `<SPEC>_<ENUM>_` in C constant names.
    pub name_prefix: Option<String>,
    /// YNL's `enum-name`: the C enum's tag name; empty for an anonymous
    /// enum (`enum-name:` with no value).
    pub enum_name: Option<String>,
    /// YNL's `render-max`: the C header also defines `..._MAX` (enums) or
    /// `..._MASK` (flags).
    pub render_max: bool,
    /// YNL's `enum-cnt-name`: the name of the count with `render-max`.
    pub enum_cnt_name: Option<String>,
    /// YNL's `header`: a C header that already defines it.
    pub header: Option<String>,
    pub pos: Pos,
    pub lint_allow: Vec<String>,
    /// Describes an ABI that already ships (its own marking or the spec's).
    pub existing_abi: bool,
}

impl Enum {
    /// All declared bits of a flags set, or-ed together.
    pub fn mask(&self) -> u64 {
        self.entries.iter().fold(0, |m, e| m | e.bits())
    }

    pub fn contains_value(&self, v: i128) -> bool {
        self.entries.iter().any(|e| e.value == v)
    }

    /// Whether an entry is negative: the constants then need a signed
    /// type in every language.
    pub fn has_negative(&self) -> bool {
        self.entries.iter().any(|e| e.value < 0)
    }

    /// The narrowest of u32, u64, s32 and s64 that holds every value: the
    /// type of the constants where a language types them.
    pub fn value_scalar(&self) -> Scalar {
        let fits = |s: Scalar| {
            let (lo, hi) = s.bounds();
            self.entries.iter().all(|e| (lo..=hi).contains(&e.value))
        };
        [Scalar::U32, Scalar::S32, Scalar::U64, Scalar::S64]
            .into_iter()
            .find(|s| fits(*s))
            .unwrap_or(Scalar::S64)
    }
}

#[derive(Debug, Clone)]
pub struct EnumEntry {
    pub name: String,
    pub doc: Option<String>,
    /// The value of an enum entry (negative where an existing ABI has
    /// one, as amdxdna's `AMDXDNA_DEV_TYPE_UNKNOWN = -1`), or the mask
    /// (`1 << bit`) of a flag: always within `i64::MIN..=u64::MAX`.
    pub value: i128,
    pub since: u32,
    /// `c-name`: the constant's exact C name.
    pub c_name: Option<String>,
    pub pos: Pos,
    /// A multi-bit field of a flags word (ivpu's cache mode in bits
    /// 16-17 of the BO flags); `value` is then the field's mask.
    pub field: Option<FlagField>,
    /// In an existing ABI's enum, the earlier entry whose value this one
    /// repeats (habanalabs' `HL_DEVICE_STATUS_LAST =
    /// HL_DEVICE_STATUS_IN_RESET_AFTER_DEVICE_RELEASE`): C writes the
    /// enumerator as that entry's name, as the header does.
    pub alias_of: Option<String>,
}

/// A field of several bits inside a flags word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagField {
    /// The first (lowest) bit.
    pub low: u32,
    /// The last (highest) bit.
    pub high: u32,
    /// The values the field may hold; empty when any value is valid.
    pub values: Vec<FieldValue>,
}

/// One value of a [`FlagField`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldValue {
    pub name: String,
    pub doc: Option<String>,
    /// The value in the field, not shifted.
    pub value: u64,
}

impl FlagField {
    /// A value placed in the flags word (shifted to the field's bits).
    pub fn shifted(&self, v: &FieldValue) -> u64 {
        v.value << self.low
    }
}

impl EnumEntry {
    /// The value as the 64 bits a flags word or an unsigned member holds
    /// (two's complement for a negative enum value).
    pub fn bits(&self) -> u64 {
        self.value as u64
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scalar {
    U8,
    U16,
    U32,
    U64,
    S8,
    S16,
    S32,
    S64,
}

impl Scalar {
    pub fn from_name(s: &str) -> Option<Scalar> {
        Some(match s {
            "u8" => Scalar::U8,
            "u16" => Scalar::U16,
            "u32" => Scalar::U32,
            "u64" => Scalar::U64,
            "s8" => Scalar::S8,
            "s16" => Scalar::S16,
            "s32" => Scalar::S32,
            "s64" => Scalar::S64,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Scalar::U8 => "u8",
            Scalar::U16 => "u16",
            Scalar::U32 => "u32",
            Scalar::U64 => "u64",
            Scalar::S8 => "s8",
            Scalar::S16 => "s16",
            Scalar::S32 => "s32",
            Scalar::S64 => "s64",
        }
    }

    pub fn size(self) -> u32 {
        match self {
            Scalar::U8 | Scalar::S8 => 1,
            Scalar::U16 | Scalar::S16 => 2,
            Scalar::U32 | Scalar::S32 => 4,
            Scalar::U64 | Scalar::S64 => 8,
        }
    }

    pub fn signed(self) -> bool {
        matches!(self, Scalar::S8 | Scalar::S16 | Scalar::S32 | Scalar::S64)
    }

    /// Smallest and largest representable value.
    pub fn bounds(self) -> (i128, i128) {
        let bits = self.size() * 8;
        if self.signed() {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        } else {
            (0, (1i128 << bits) - 1)
        }
    }

    /// Alignment inside a struct on a target.
    pub fn align(self, target: Target) -> u32 {
        match self.size() {
            8 => target.align_of_u64(),
            n => n,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    In,
    Out,
    InOut,
}

impl Access {
    pub fn name(self) -> &'static str {
        match self {
            Access::In => "in",
            Access::Out => "out",
            Access::InOut => "inout",
        }
    }

    /// Does the kernel write this member?
    pub fn written_by_kernel(self) -> bool {
        matches!(self, Access::Out | Access::InOut)
    }

    /// Does the kernel read this member?
    pub fn read_by_kernel(self) -> bool {
        matches!(self, Access::In | Access::InOut)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    Little,
    Big,
}

/// What a `user-ptr` points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Elem {
    Scalar(Scalar),
    /// A struct of this spec or an included one.
    Struct(StructId),
}

/// How the length of a `user-ptr` array is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PtrLen {
    /// Index of the sibling member holding the element count.
    Count(usize),
    /// Index of the sibling member holding the byte length.
    Bytes(usize),
    /// No length member (a pointer to a single element).
    Single,
}

/// Every `match` over a member kind in the crate names each variant, with
/// no `_` or binding catch-all: a new kind then fails to compile wherever
/// it must be decided (layout, checks, dumps, each backend) instead of
/// silently taking some other kind's path. `tests/exhaustive_kinds.rs`
/// fails on a catch-all arm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberKind {
    /// A scalar, or a fixed array of them when `count` is set. A count
    /// of 0 is a flexible array member (C `x[]`, always the last member):
    /// no bytes of the struct's size, but the element's alignment, as C
    /// and Rust's `[T; 0]` lay it out.
    Scalar { ty: Scalar, count: Option<u32> },
    /// Bytes that must be zero: `__u8 name[len]`, or with `scalar` an
    /// integer (or an array of them) that must be zero, as existing
    /// headers spell padding (`__u32 pad`, `__u64 reserved[2]`).
    Pad { len: u32, scalar: Option<PadScalar> },
    /// Opaque bytes.
    Binary { len: u32 },
    /// NUL-terminated, NUL-padded characters.
    String { len: u32 },
    /// A nested struct by value (of this spec or an included one), or a
    /// fixed array of them when `count` is set (`struct x engines[4]`);
    /// a count of 0 is a flexible array member, as for `Scalar`.
    Struct { id: StructId, count: Option<u32> },
    /// A union by value (a `Struct` whose `is_union` is set), as existing
    /// headers pass one (habanalabs' `union hl_cs_args`).
    Union { id: StructId },
    /// A 64-bit userspace address.
    UserPtr {
        elem: Elem,
        len: PtrLen,
        max_count: Option<u64>,
        /// Index of the sibling member holding the size the caller
        /// declares for each element (`stride:`), when elements are not
        /// `size_of` apart.
        stride: Option<usize>,
    },
}

/// The integer spelling of a pad member: `ty`, or `ty[count]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PadScalar {
    pub ty: Scalar,
    pub count: Option<u32>,
}

impl MemberKind {
    /// The struct (or union) this member refers to: held by value, or
    /// the element a user pointer points at.
    pub fn referenced_struct(&self) -> Option<&StructId> {
        match self {
            MemberKind::Struct { id, .. }
            | MemberKind::Union { id }
            | MemberKind::UserPtr {
                elem: Elem::Struct(id),
                ..
            } => Some(id),
            MemberKind::Scalar { .. }
            | MemberKind::Pad { .. }
            | MemberKind::Binary { .. }
            | MemberKind::String { .. }
            | MemberKind::UserPtr {
                elem: Elem::Scalar(_),
                ..
            } => None,
        }
    }

    /// [`Self::referenced_struct`], to rewrite the reference.
    pub fn referenced_struct_mut(&mut self) -> Option<&mut StructId> {
        match self {
            MemberKind::Struct { id, .. }
            | MemberKind::Union { id }
            | MemberKind::UserPtr {
                elem: Elem::Struct(id),
                ..
            } => Some(id),
            MemberKind::Scalar { .. }
            | MemberKind::Pad { .. }
            | MemberKind::Binary { .. }
            | MemberKind::String { .. }
            | MemberKind::UserPtr {
                elem: Elem::Scalar(_),
                ..
            } => None,
        }
    }

    /// The struct this member holds by value, which nests its layout,
    /// checks and accesses in the outer struct's; a user pointer's element
    /// struct is not held.
    pub fn embedded_struct(&self) -> Option<&StructId> {
        match self {
            MemberKind::Struct { id, .. } | MemberKind::Union { id } => Some(id),
            MemberKind::Scalar { .. }
            | MemberKind::Pad { .. }
            | MemberKind::Binary { .. }
            | MemberKind::String { .. }
            | MemberKind::UserPtr { .. } => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct EnumCheck {
    /// The enum or flags definition (this spec or an included one).
    pub enum_id: EnumId,
    pub as_flags: bool,
}

#[derive(Debug, Clone)]
pub struct Member {
    pub name: String,
    pub doc: Option<String>,
    pub since: u32,
    pub access: Access,
    pub kind: MemberKind,
    pub check: Option<EnumCheck>,
    pub byte_order: Option<ByteOrder>,
    /// Inclusive bounds checked by the kernel side.
    pub range: Option<(i128, i128)>,
    pub resource: Option<String>,
    /// The const an array member's count or a byte member's `len` names
    /// (`count: max-engines`): the C header writes the bound by that name,
    /// as existing headers do (`__u32 ids[DRM_X_MAX_ENGINES]`).
    pub bound_const: Option<ConstName>,
    /// The dimensions of a multi-dimensional array (`count: [4, 8]`, C
    /// `x[4][8]`), outermost first; empty for anything else. The kind's
    /// `count` is their product: the layout and the checks see the
    /// elements in C's row-major order, and only the spelling of the
    /// type in each language nests.
    pub dims: Vec<Dim>,
    /// The sibling holding a flexible array member's element count (C
    /// `__counted_by`), by index.
    pub counted_by: Option<usize>,
    /// `address:` a `u64` that holds a userspace address, laid out as
    /// the `u64` it is (an existing ABI's `__u64 buffers_ptr`, 4-aligned
    /// on i386, where a `user-ptr` is 8-aligned).
    pub address: Option<UserAddress>,
    /// C's anonymous member (`anonymous: true`): its struct or union is
    /// written inside the holder without a name, and C reaches its
    /// members as the holder's; other languages hold it under `name`.
    pub anonymous: bool,
    pub pos: Pos,
    /// Position of the `type:` value, for diagnostics about the type.
    pub type_pos: Pos,
    pub lint_allow: Vec<String>,
}

/// What a `u64` member with `address:` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserAddress {
    /// Always a userspace address (`address: user`).
    User,
    /// A userspace address or a plain value, depending on the call
    /// (`address: user-or-value`).
    UserOrValue,
}

impl UserAddress {
    pub fn name(self) -> &'static str {
        match self {
            UserAddress::User => "user",
            UserAddress::UserOrValue => "user-or-value",
        }
    }

    /// The doc sentence every backend writes for such a member.
    pub fn doc(self) -> &'static str {
        match self {
            UserAddress::User => {
                "Holds a userspace address, as a plain 64-bit integer: the kernel \
                 follows it itself, and nothing generated copies what it points at."
            }
            UserAddress::UserOrValue => {
                "Holds a userspace address or a plain value, depending on the call: \
                 the kernel decides which, and nothing generated follows it."
            }
        }
    }
}

/// One dimension of a multi-dimensional array member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dim {
    pub len: u32,
    /// The const the spec sized it with, kept as its C bound.
    pub bound_const: Option<ConstName>,
}

impl Member {
    /// Is it a flexible array member (`x[]`)?
    pub fn is_flexible(&self) -> bool {
        matches!(
            self.kind,
            MemberKind::Scalar { count: Some(0), .. } | MemberKind::Struct { count: Some(0), .. }
        )
    }

    /// The element count of each dimension, outermost first: one for a
    /// plain array, none for a single value.
    pub fn dim_lens(&self) -> Vec<u32> {
        if !self.dims.is_empty() {
            return self.dims.iter().map(|d| d.len).collect();
        }
        let count = match &self.kind {
            MemberKind::Scalar { count, .. } | MemberKind::Struct { count, .. } => *count,
            MemberKind::Pad { scalar, .. } => scalar.and_then(|p| p.count),
            MemberKind::Binary { .. }
            | MemberKind::String { .. }
            | MemberKind::Union { .. }
            | MemberKind::UserPtr { .. } => None,
        };
        count.into_iter().collect()
    }
}

/// A const by its owning spec's name and its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstName {
    pub spec: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Layout {
    pub size: u32,
    pub align: u32,
}

/// Where one member sits in its struct on one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MemberLayout {
    pub offset: u32,
    pub size: u32,
    pub align: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StructLayout {
    pub size: u32,
    pub align: u32,
    /// Offset of each member, in member order (the same as
    /// `members[i].offset`).
    pub offsets: Vec<u32>,
    /// Offset, size and alignment of each member, in member order, so no
    /// backend or check recomputes a member's size.
    pub members: Vec<MemberLayout>,
}

#[derive(Debug, Clone)]
pub struct Struct {
    pub name: String,
    pub doc: Option<String>,
    pub since: u32,
    pub members: Vec<Member>,
    /// The layout on every target in `Target::ALL`.
    pub layouts: BTreeMap<Target, StructLayout>,
    /// `c-name`: the exact C tag (without `struct `).
    pub c_name: Option<String>,
    pub pos: Pos,
    pub lint_allow: Vec<String>,
    /// Describes an ABI that already ships (its own marking or the
    /// spec's): its natural per-target layout is reproduced, and lint
    /// reports layout mistakes as warnings.
    pub existing_abi: bool,
    /// `type: union`: every member at offset 0, the size the largest
    /// member's rounded to the alignment. Unions share structs' ids,
    /// lookups and order, as C's tags share one namespace.
    pub is_union: bool,
    /// Defined inside its one holder by an anonymous member
    /// ([`Member::anonymous`]): C writes it there, not on its own.
    pub inline: bool,
}

impl Struct {
    pub fn layout(&self, t: Target) -> &StructLayout {
        &self.layouts[&t]
    }

    /// The layout shared by all of `targets`, if their sizes and offsets
    /// agree. Alignment is not compared: i386 aligns a struct holding a
    /// u64 to 4 where other targets use 8, which changes neither the
    /// bytes nor the command number of an explicitly padded struct.
    pub fn uniform_layout(&self, targets: &[Target]) -> Option<&StructLayout> {
        let first = self.layouts.get(targets.first()?)?;
        targets
            .iter()
            .all(|t| {
                self.layouts
                    .get(t)
                    .is_some_and(|l| l.size == first.size && l.offsets == first.offsets)
            })
            .then_some(first)
    }

    pub fn member(&self, name: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.name == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extension {
    /// A shorter caller struct is zero-extended, a longer one truncated
    /// (drm_ioctl's rule).
    ZeroExtend,
    /// A longer caller struct is accepted only if its tail is zero,
    /// else E2BIG (copy_struct_from_user's rule).
    Strict,
}

impl Extension {
    pub fn name(self) -> &'static str {
        match self {
            Extension::ZeroExtend => "zero-extend",
            Extension::Strict => "strict",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ErrorDoc {
    /// Symbolic name, e.g. `EINVAL`.
    pub errno: String,
    pub doc: Option<String>,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct Ioctl {
    pub name: String,
    pub doc: Option<String>,
    pub nr: u8,
    pub dir: Dir,
    /// The argument struct (this spec or an included one).
    pub arg: Option<StructId>,
    /// `arg-access`: members of `arg` whose access differs for this ioctl
    /// (see [`Model::ioctl_arg`]).
    pub arg_access: Vec<ArgAccess>,
    /// None when the spec omits it (a lint error); the resolver does not
    /// guess.
    pub extension: Option<Extension>,
    pub since: u32,
    pub errors: Vec<ErrorDoc>,
    /// Whether `errors:` was written at all.
    pub errors_declared: bool,
    /// The command number on each target in `Target::ALL`; None where the
    /// argument does not fit that target's size field.
    pub cmds: BTreeMap<Target, Option<u32>>,
    /// The argument size on each target (0 without an argument).
    pub arg_sizes: BTreeMap<Target, u32>,
    /// `c-name` and `c-nr-name`: the exact names of the C command and
    /// number macros.
    pub c_name: Option<String>,
    pub c_nr_name: Option<String>,
    pub pos: Pos,
    pub nr_pos: Pos,
    pub dir_pos: Pos,
    pub lint_allow: Vec<String>,
    /// `flags: [admin-perm]`: only a privileged caller may issue it (EPERM).
    pub admin_perm: bool,
    /// Describes an ABI that already ships (its own marking or the spec's).
    pub existing_abi: bool,
}

/// The access of one top-level member of an ioctl's argument for that
/// ioctl only: one struct, two directions (ivpu's `drm_ivpu_param` is
/// read and written by GET_PARAM, only read by SET_PARAM).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArgAccess {
    /// Index into the argument struct's members.
    pub member: usize,
    pub access: Access,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Producer {
    User,
    Device,
}

#[derive(Debug, Clone)]
pub struct Ring {
    pub name: String,
    pub doc: Option<String>,
    pub entry: StructId,
    pub producer: Producer,
    pub index: Scalar,
    pub min_entries: u64,
    pub max_entries: u64,
    pub since: u32,
    pub pos: Pos,
    pub lint_allow: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct AttrSet {
    pub name: String,
    pub doc: Option<String>,
    pub name_prefix: Option<String>,
    /// The C enum's tag; None or empty for an anonymous enum (YNL's rule
    /// for attribute sets).
    pub enum_name: Option<String>,
    pub attr_cnt_name: Option<String>,
    pub attr_max_name: Option<String>,
    /// The set this one is a subset of (of this spec).
    pub subset_of: Option<AttrSetId>,
    pub attributes: Vec<Attr>,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct Attr {
    pub name: String,
    pub doc: Option<String>,
    pub ty: AttrType,
    pub value: u32,
    pub since: u32,
    pub enum_: Option<EnumCheck>,
    /// The set a `nest` carries (of this spec).
    pub nested_attributes: Option<AttrSetId>,
    pub multi_attr: bool,
    pub byte_order: Option<ByteOrder>,
    pub min: Option<i128>,
    pub max: Option<i128>,
    pub min_len: Option<u64>,
    pub max_len: Option<u64>,
    pub exact_len: Option<u64>,
    pub len: Option<u64>,
    pub struct_: Option<StructId>,
    pub sub_type: Option<String>,
    /// YNL's per-attribute `name-prefix` (replaces the set's in C).
    pub name_prefix: Option<String>,
    pub pos: Pos,
    pub lint_allow: Vec<String>,
}

impl Attr {
    /// `unused` and `pad` attributes only reserve a number: they are never
    /// sent, and `unused` is how YNL reserves value 0.
    pub fn is_placeholder(&self) -> bool {
        match self.ty {
            AttrType::Unused | AttrType::Pad => true,
            AttrType::Flag
            | AttrType::Int(_)
            | AttrType::Uint
            | AttrType::Sint
            | AttrType::String
            | AttrType::Binary
            | AttrType::Nest
            | AttrType::NestTypeValue
            | AttrType::IndexedArray
            | AttrType::ArrayNest
            | AttrType::Bitfield32
            | AttrType::SubMessage => false,
        }
    }

    /// The struct the payload holds: YNL's `struct:` describes the bytes
    /// of a `binary` only, whatever other types carry the key.
    pub fn payload_struct(&self) -> Option<&StructId> {
        match self.ty {
            AttrType::Binary => self.struct_.as_ref(),
            AttrType::Unused
            | AttrType::Pad
            | AttrType::Flag
            | AttrType::Int(_)
            | AttrType::Uint
            | AttrType::Sint
            | AttrType::String
            | AttrType::Nest
            | AttrType::NestTypeValue
            | AttrType::IndexedArray
            | AttrType::ArrayNest
            | AttrType::Bitfield32
            | AttrType::SubMessage => None,
        }
    }
}

/// A netlink attribute's YNL type, as the resolver accepts it. Matches
/// over it name every variant, so a new type is decided in each backend
/// and check (`tests/exhaustive_kinds.rs` fails on a catch-all arm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttrType {
    /// Reserves a number (YNL reserves value 0 this way); never sent.
    Unused,
    /// Reserves a number for alignment padding; never sent.
    Pad,
    /// Present or absent, with no payload.
    Flag,
    /// A fixed-width integer.
    Int(Scalar),
    /// YNL's variable-width unsigned integer (4 or 8 bytes).
    Uint,
    /// YNL's variable-width signed integer (4 or 8 bytes).
    Sint,
    /// NUL-terminated characters.
    String,
    /// Opaque bytes, or a struct's when `struct:` is given.
    Binary,
    /// Attributes of another set.
    Nest,
    // YNL's kinds that no backend generates (reported by the resolver).
    NestTypeValue,
    IndexedArray,
    ArrayNest,
    Bitfield32,
    SubMessage,
}

impl AttrType {
    /// Every type, in the order diagnostics list them.
    pub const ALL: [AttrType; 21] = [
        AttrType::Unused,
        AttrType::Pad,
        AttrType::Flag,
        AttrType::Int(Scalar::U8),
        AttrType::Int(Scalar::U16),
        AttrType::Int(Scalar::U32),
        AttrType::Int(Scalar::U64),
        AttrType::Int(Scalar::S8),
        AttrType::Int(Scalar::S16),
        AttrType::Int(Scalar::S32),
        AttrType::Int(Scalar::S64),
        AttrType::Uint,
        AttrType::Sint,
        AttrType::String,
        AttrType::Binary,
        AttrType::Nest,
        AttrType::NestTypeValue,
        AttrType::IndexedArray,
        AttrType::ArrayNest,
        AttrType::Bitfield32,
        AttrType::SubMessage,
    ];

    /// The type a YNL type name spells.
    pub fn from_name(s: &str) -> Option<AttrType> {
        AttrType::ALL.into_iter().find(|t| t.name() == s)
    }

    /// The YNL spelling, for messages, dumps and docs.
    pub fn name(self) -> &'static str {
        match self {
            AttrType::Unused => "unused",
            AttrType::Pad => "pad",
            AttrType::Flag => "flag",
            AttrType::Int(s) => s.name(),
            AttrType::Uint => "uint",
            AttrType::Sint => "sint",
            AttrType::String => "string",
            AttrType::Binary => "binary",
            AttrType::Nest => "nest",
            AttrType::NestTypeValue => "nest-type-value",
            AttrType::IndexedArray => "indexed-array",
            AttrType::ArrayNest => "array-nest",
            AttrType::Bitfield32 => "bitfield32",
            AttrType::SubMessage => "sub-message",
        }
    }

    /// The fixed-width integer, if the type is one.
    pub fn scalar(self) -> Option<Scalar> {
        match self {
            AttrType::Int(s) => Some(s),
            AttrType::Unused
            | AttrType::Pad
            | AttrType::Flag
            | AttrType::Uint
            | AttrType::Sint
            | AttrType::String
            | AttrType::Binary
            | AttrType::Nest
            | AttrType::NestTypeValue
            | AttrType::IndexedArray
            | AttrType::ArrayNest
            | AttrType::Bitfield32
            | AttrType::SubMessage => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Operations {
    pub transport: Option<String>,
    pub name_prefix: Option<String>,
    /// The C enum's tag; None or empty for an anonymous enum.
    pub enum_name: Option<String>,
    pub list: Vec<Operation>,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub name: String,
    pub doc: Option<String>,
    pub value: u32,
    pub since: u32,
    /// The operation's own attribute set (of this spec); a notification
    /// without one uses that of the operation it `notify`s about.
    pub attribute_set: Option<AttrSetId>,
    pub do_: Option<OpMode>,
    pub dump: Option<OpMode>,
    /// `flags: [admin-perm]`: only a privileged caller may send it (EPERM).
    pub admin_perm: bool,
    /// YNL notifications: `notify` names the operation whose reply this
    /// one shares, `event` lists its own attributes. Such operations only
    /// reserve their number here (no multicast delivery is generated).
    pub notify: Option<OperationId>,
    pub event: Option<Vec<String>>,
    pub pos: Pos,
}

#[derive(Debug, Clone, Default)]
pub struct OpMode {
    pub request: Option<Vec<String>>,
    pub reply: Option<Vec<String>>,
}

impl Model {
    /// The spec of this tree that owns `id`'s item: this one or one it
    /// includes. Indexes by the id's spec name (see [`Id`] for why the
    /// index is valid).
    pub fn owner<T>(&self, id: &Id<T>) -> &Model {
        if *id.spec == *self.name {
            self
        } else {
            &self.tree.0[&*id.spec]
        }
    }

    pub fn struct_(&self, id: &StructId) -> &Struct {
        &self.owner(id).structs[id.index]
    }

    /// An ioctl's argument struct as that ioctl uses it: the struct with
    /// the ioctl's `arg-access` applied to its members. Borrowed when the
    /// ioctl overrides nothing.
    pub fn ioctl_arg(&self, ioctl: &Ioctl) -> Option<std::borrow::Cow<'_, Struct>> {
        let s = self.struct_(ioctl.arg.as_ref()?);
        if ioctl.arg_access.is_empty() {
            return Some(std::borrow::Cow::Borrowed(s));
        }
        let mut view = s.clone();
        for a in &ioctl.arg_access {
            if let Some(m) = view.members.get_mut(a.member) {
                m.access = a.access;
            }
        }
        Some(std::borrow::Cow::Owned(view))
    }

    pub fn enum_(&self, id: &EnumId) -> &Enum {
        &self.owner(id).enums[id.index]
    }

    pub fn attr_set(&self, id: &AttrSetId) -> &AttrSet {
        &self.owner(id).attribute_sets[id.index]
    }

    pub fn operation(&self, id: &OperationId) -> &Operation {
        let ops = self.owner(id).operations.as_ref();
        &ops.map_or(&[][..], |o| &o.list)[id.index]
    }

    /// Every spec this one includes, transitively, without duplicates,
    /// dependencies first.
    pub fn all_includes(&self) -> Vec<&Model> {
        let mut out: Vec<&Model> = Vec::new();
        for inc in &self.includes {
            for m in inc.all_includes().into_iter().chain([inc.as_ref()]) {
                if !out.iter().any(|o| o.name == m.name) {
                    out.push(m);
                }
            }
        }
        out
    }

    /// The size of the ioctl's argument on `t` (0 without one).
    pub fn arg_size(&self, ioctl: &Ioctl, t: Target) -> u32 {
        ioctl.arg_sizes.get(&t).copied().unwrap_or(0)
    }

    /// The (offset, size) of every leaf member of `s` on `t`: nested
    /// structs are walked, arrays of structs element by element; a
    /// flexible array has no bytes of its own.
    pub fn leaves(&self, s: &Struct, t: Target) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        self.push_leaves(s, t, 0, &mut out);
        out
    }

    fn push_leaves(&self, s: &Struct, t: Target, base: u32, out: &mut Vec<(u32, u32)>) {
        let Some(layout) = s.layouts.get(&t) else {
            return;
        };
        for (m, ml) in s.members.iter().zip(&layout.members) {
            if m.is_flexible() {
                continue;
            }
            let off = base + ml.offset;
            match &m.kind {
                MemberKind::Struct { id, count } => {
                    let inner = self.struct_(id);
                    let stride = inner.layouts.get(&t).map_or(0, |l| l.size);
                    for i in 0..count.unwrap_or(1) {
                        self.push_leaves(inner, t, off + i * stride, out);
                    }
                }
                MemberKind::Union { .. }
                | MemberKind::Scalar { .. }
                | MemberKind::Pad { .. }
                | MemberKind::Binary { .. }
                | MemberKind::String { .. }
                | MemberKind::UserPtr { .. } => out.push((off, ml.size)),
            }
        }
    }

    /// How a 32-bit x86 caller's struct `id` maps onto the x86_64 one when
    /// the two layouts differ (an existing ABI's `u64` after an odd number
    /// of `u32`s, or implicit tail padding): a kernel of one converts the
    /// other's bytes run by run. `None` when they agree, when the spec
    /// lacks either target, or when the leaves do not pair up.
    pub fn i386_conversion(&self, id: &StructId) -> Option<I386Conversion> {
        if !self.targets.contains(&Target::I386) || !self.targets.contains(&Target::X86_64) {
            return None;
        }
        let s = self.struct_(id);
        let native = self.leaves(s, Target::X86_64);
        let compat = self.leaves(s, Target::I386);
        let native_size = s.layouts.get(&Target::X86_64)?.size;
        let i386_size = s.layouts.get(&Target::I386)?.size;
        if (native == compat && native_size == i386_size) || native.len() != compat.len() {
            return None;
        }
        let mut runs: Vec<ByteRun> = Vec::new();
        for ((no, ns), (co, cs)) in native.iter().zip(&compat) {
            let len = (*ns).min(*cs);
            if let Some(last) = runs.last_mut()
                && last.native + last.len == *no
                && last.i386 + last.len == *co
            {
                last.len += len;
                continue;
            }
            runs.push(ByteRun {
                native: *no,
                i386: *co,
                len,
            });
        }
        Some(I386Conversion {
            native_size,
            i386_size,
            runs,
        })
    }
}

/// One run of bytes of a struct: where it starts in the native (x86_64)
/// layout and in the i386 one, and how long it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRun {
    pub native: u32,
    pub i386: u32,
    pub len: u32,
}

/// See [`Model::i386_conversion`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct I386Conversion {
    pub native_size: u32,
    pub i386_size: u32,
    /// In member order; adjacent runs are merged.
    pub runs: Vec<ByteRun>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `from_name` searches `ALL`, so a type missing there would be
    /// rejected as unknown.
    #[test]
    fn attr_type_names_round_trip() {
        let mut names = std::collections::BTreeSet::new();
        for t in AttrType::ALL {
            assert_eq!(AttrType::from_name(t.name()), Some(t), "{}", t.name());
            assert!(names.insert(t.name()), "`{}` twice", t.name());
        }
        for s in [
            Scalar::U8,
            Scalar::U16,
            Scalar::U32,
            Scalar::U64,
            Scalar::S8,
            Scalar::S16,
            Scalar::S32,
            Scalar::S64,
        ] {
            assert_eq!(AttrType::from_name(s.name()), Some(AttrType::Int(s)));
        }
        assert_eq!(AttrType::from_name("struct"), None);
    }
}
