//! Resolution: surface syntax -> model. Names are resolved to items (of
//! this spec or an included one), defaults applied, every key checked
//! against the kind of item it sits on, layouts computed for every target
//! and command numbers for every encoding. Problems are collected, never
//! thrown; a spec with resolution errors yields no model, only the
//! partial one lint reports on ([`resolve_partial`]).

mod attributes;
mod definitions;
pub mod inline;
mod ioctls;
mod lookup;
mod members;
mod operations;
mod rings;
mod structs;
mod suggest;
mod ynl;

pub use ioctls::ERRNOS;
use lookup::{const_named, const_owner, enum_named, struct_named};
use suggest::did_you_mean;
pub use suggest::suggest;
use ynl::{inherit_attr, is_ynl_family};

use crate::diag::{Diagnostic, Diagnostics, Pos};
use crate::ioc::Dir;
use crate::layout::{self, LayoutError};
use crate::model::*;
use crate::names::is_kebab;
use crate::rules::{self, Rule};
use crate::spec::{self, IntOrName, Magic, S, SpecFile};
use crate::target::Target;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The ioctl numbers a driver uses when its spec names no `nr-range`.
const DEFAULT_NR_RANGE: (u8, u8) = (0x40, 0x9f);

/// What the `ioctl:` block sets.
struct IoctlCfg {
    magic: Option<u8>,
    retired_nrs: Vec<u8>,
    nr_range: (u8, u8),
    style: IoctlStyle,
}

impl Default for IoctlCfg {
    fn default() -> Self {
        IoctlCfg {
            magic: None,
            retired_nrs: Vec::new(),
            nr_range: DEFAULT_NR_RANGE,
            style: IoctlStyle::Plain,
        }
    }
}

/// Resolves one parsed spec file whose includes are already resolved.
pub fn resolve(
    file: &Arc<str>,
    source_label: &str,
    text: &str,
    spec: &SpecFile,
    includes: Vec<Arc<Model>>,
) -> Result<Model, Diagnostics> {
    match resolve_partial(file, source_label, text, spec, includes) {
        (Some(model), diags) if !diags.has_errors() => Ok(model),
        (_, diags) => Err(diags),
    }
}

/// As [`resolve`], also returning, after errors, the model of everything
/// that did resolve: items with an error, and items that refer to them,
/// are left out, so every reference in it points at an item. Lint runs
/// on it to report every problem of a spec in one run. None when even
/// that is impossible (two specs of one name in the tree).
pub fn resolve_partial(
    file: &Arc<str>,
    source_label: &str,
    text: &str,
    spec: &SpecFile,
    includes: Vec<Arc<Model>>,
) -> (Option<Model>, Diagnostics) {
    let mut r = Resolver {
        file: file.clone(),
        text,
        diags: Diagnostics::default(),
        includes: &includes,
        spec_name: Arc::from(spec.name.value.as_str()),
        tree: BTreeMap::new(),
        revision: 1,
        consts: Vec::new(),
        enums: Vec::new(),
        enum_at: rustc_hash::FxHashMap::default(),
        ynl: is_ynl_family(spec),
        not_generated: Vec::new(),
        string_consts: Vec::new(),
        directional: None,
        existing_abi: spec.existing_abi.as_ref().is_some_and(|b| b.value),
        written: structs::written_index(spec),
    };
    r.tree = r.spec_tree(spec, &includes);
    // Ids into a tree with two specs of one name could point anywhere.
    if r.diags.has_errors() {
        return (None, r.diags);
    }
    let model = r.spec(spec, source_label, &includes);
    (Some(model), r.diags)
}

struct Resolver<'a> {
    file: Arc<str>,
    /// The spec's text, for how a value was spelled (a hex constant stays
    /// hex in the C header).
    text: &'a str,
    diags: Diagnostics,
    includes: &'a [Arc<Model>],
    /// The spec's name, the owner of ids of its own items.
    spec_name: Arc<str>,
    /// The specs included, transitively, by name (see `model::Id`).
    tree: BTreeMap<String, Arc<Model>>,
    revision: u32,
    consts: Vec<Const>,
    enums: Vec<Enum>,
    /// The position in `enums` of the first enum of each name, the one
    /// a scan finds: every member with `enum:` asks.
    enum_at: rustc_hash::FxHashMap<String, usize>,
    /// The spec is a YNL family ([`is_ynl_family`]): names may use `_`
    /// as the kernel's specs do (`ovs_datapath`).
    ynl: bool,
    /// YNL features found that no backend generates; lint reports them.
    not_generated: Vec<NotGenerated>,
    /// YNL's string-valued consts, for [`NetlinkFamily::string_consts`].
    string_consts: Vec<StringConst>,
    /// YNL's directional message numbering, for [`NetlinkFamily::directional`].
    directional: Option<DirectionalMsgs>,
    /// `existing-abi: true` on the spec: every item describes shipping ABI.
    existing_abi: bool,
    /// The spec's own structs and unions by name (see [`WrittenStruct`]).
    written: rustc_hash::FxHashMap<String, structs::WrittenStruct>,
}

/// A reference to a name: where it is written.
fn pos_of<T>(file: &Arc<str>, s: &S<T>) -> Pos {
    Pos::new(file, s.line, s.col)
}

impl Resolver<'_> {
    /// Whether an item describes shipping ABI: its own `existing-abi`
    /// key, else the spec's.
    fn existing_abi(&self, item: Option<&S<bool>>) -> bool {
        item.map_or(self.existing_abi, |b| b.value)
    }

    /// The literal written at `s`'s position when it is a plain hex
    /// integer C reads alike (`0x00010000`; no `_`, no sign).
    fn written_hex<T>(&self, s: &S<T>) -> Option<String> {
        let line = self
            .text
            .lines()
            .nth(usize::try_from(s.line).ok()?.checked_sub(1)?)?;
        let start = line
            .char_indices()
            .nth(usize::try_from(s.col).ok()?.checked_sub(1)?)?
            .0;
        let token: String = line[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let digits = token.strip_prefix("0x").or(token.strip_prefix("0X"))?;
        (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_hexdigit())).then_some(token)
    }

    fn pos<T>(&self, s: &S<T>) -> Pos {
        pos_of(&self.file, s)
    }

    fn err(
        &mut self,
        rule: &'static Rule,
        pos: Pos,
        msg: impl Into<String>,
        hint: impl Into<String>,
    ) {
        let mut hint = hint.into();
        if hint.is_empty() {
            hint = rule.hint.to_string();
        }
        self.diags
            .push(Diagnostic::error(rule, pos, msg).with_hint(hint));
    }

    /// Records a YNL feature that no backend generates; lint reports it
    /// as a warning of `rule`.
    fn not_generated(
        &mut self,
        rule: &'static Rule,
        pos: Pos,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.not_generated.push(NotGenerated {
            rule,
            pos,
            message: message.into(),
            hint: hint.into(),
        });
    }

    fn name(&mut self, n: &S<String>, what: &str) -> String {
        // The kernel's YNL specs use `_` in some names (`ovs_datapath`);
        // backends map both `-` and `_` to the same identifiers.
        // A leading `--` is YNL's spelling of C's `__` (`--kernel-timespec`).
        let ynl_ok = self.ynl
            && is_kebab(
                &n.value
                    .strip_prefix("--")
                    .unwrap_or(&n.value)
                    .replace('_', "-"),
            );
        if !is_kebab(&n.value) && !ynl_ok {
            let fixed = n.value.replace('_', "-").to_ascii_lowercase();
            self.err(
                &rules::INVALID_NAME,
                self.pos(n),
                format!("{what} name `{}` is not lower-kebab-case", n.value),
                format!("write `{fixed}`; backends derive each language's casing from it"),
            );
        }
        n.value.clone()
    }

    fn since(&mut self, s: &Option<S<i128>>) -> u32 {
        let Some(s) = s else { return 1 };
        if s.value < 1 || s.value > i128::from(self.revision) {
            self.err(
                &rules::SINCE_AFTER_REVISION,
                self.pos(s),
                format!(
                    "`since: {}` is outside 1..={} (the spec's revision)",
                    s.value, self.revision
                ),
                "an item is introduced in an existing revision: bump `revision` first",
            );
            return 1;
        }
        s.value as u32
    }

    /// An integer key's value, checked to lie within `lo..=hi`.
    fn int_in(&mut self, v: &S<i128>, lo: i128, hi: i128, what: &str) -> Option<i128> {
        if v.value < lo || v.value > hi {
            self.err(
                &rules::VALUE_OUT_OF_RANGE,
                self.pos(v),
                format!("{what} {} is outside {lo}..={hi}", v.value),
                "",
            );
            None
        } else {
            Some(v.value)
        }
    }

    /// An integer or a const name, resolved to its value.
    fn int_or_const(&mut self, v: &S<IntOrName>) -> Option<i128> {
        match &v.value {
            IntOrName::Int(i) => Some(*i),
            IntOrName::Dims(_) => {
                self.err(
                    &rules::BAD_VALUE,
                    self.pos(v),
                    "a list of numbers is only the `count` of an integer or struct array",
                    "write one integer or const name",
                );
                None
            }
            IntOrName::Name(n) => {
                if let Some(c) = self.consts.iter().find(|c| c.is_named(n)) {
                    return Some(c.value);
                }
                if let Some(c) = self.includes.iter().find_map(|m| const_named(m, n)) {
                    return Some(c.value);
                }
                let known: Vec<String> = self.consts.iter().map(|c| c.name.clone()).collect();
                let hint = did_you_mean(n, known.iter().map(String::as_str));
                self.err(
                    &rules::DANGLING_REFERENCE,
                    self.pos(v),
                    format!("`{n}` is neither an integer nor a const defined in this spec or its includes"),
                    if hint.is_empty() {
                        "define it with `type: const`, or write the number".to_string()
                    } else {
                        hint
                    },
                );
                None
            }
        }
    }

    /// The const a size key names (`count: max-engines`), with its owner.
    fn named_const(&self, v: Option<&S<IntOrName>>) -> Option<ConstName> {
        let IntOrName::Name(n) = &v?.value else {
            return None;
        };
        let spec = if self.consts.iter().any(|c| &c.name == n) {
            self.spec_name.to_string()
        } else {
            self.includes.iter().find_map(|m| const_owner(m, n))?
        };
        Some(ConstName {
            spec,
            name: n.clone(),
        })
    }

    fn sized(&mut self, v: &S<IntOrName>, lo: i128, hi: i128, what: &str) -> Option<u64> {
        let n = self.int_or_const(v)?;
        if n < lo || n > hi {
            self.err(
                &rules::VALUE_OUT_OF_RANGE,
                self.pos(v),
                format!("{what} {n} is outside {lo}..={hi}"),
                "",
            );
            return None;
        }
        Some(n as u64)
    }

    /// Rejects keys that do not belong on this kind of item.
    // Inlined: a member is checked for a dozen keys that are nearly
    // always absent, and a call per check cost more than the check.
    #[inline]
    fn forbid<T>(&mut self, key: &str, v: &Option<S<T>>, on: impl std::fmt::Display) {
        if let Some(v) = v {
            let pos = self.pos(v);
            self.forbidden(key, pos, &on);
        }
    }

    #[cold]
    #[inline(never)]
    fn forbidden(&mut self, key: &str, pos: Pos, on: &dyn std::fmt::Display) {
        self.err(
            &rules::KEY_NOT_ALLOWED,
            pos,
            format!("`{key}` does not apply to {on}"),
            "remove it",
        );
    }
    /// A `byte-order` value (of a member or an attribute).
    fn byte_order(&mut self, b: &S<String>) -> Option<ByteOrder> {
        match b.value.as_str() {
            "little-endian" => Some(ByteOrder::Little),
            "big-endian" => Some(ByteOrder::Big),
            other => {
                self.err(
                    &rules::BAD_VALUE,
                    self.pos(b),
                    format!("unknown byte-order `{other}`"),
                    "write `little-endian` or `big-endian`",
                );
                None
            }
        }
    }

    fn spec(&mut self, s: &SpecFile, source_label: &str, includes: &[Arc<Model>]) -> Model {
        let name = self.name(&s.name, "spec");
        if let Some(rev) = &s.revision {
            self.revision = self
                .int_in(rev, 1, u32::MAX.into(), "revision")
                .unwrap_or(1) as u32;
        }
        let uapi_header = self.uapi_header(s, &name);
        let license = self.license(s);
        let c_prefix = match &s.c_prefix {
            Some(p) => self.name(p, "c-prefix"),
            None => name.clone(),
        };
        let cfg = match &s.ioctl {
            Some(cfg) => self.ioctl_config(cfg, includes, &c_prefix),
            None => IoctlCfg::default(),
        };
        let targets = self.targets(s);

        self.check_unique_names(s);

        let mut order = Vec::new();
        // Consts and enums first: members and ranges refer to them by name
        // wherever they are written.
        for d in &s.definitions {
            match d.kind.value.as_str() {
                "const" => {
                    if let Some(c) = self.constant(d) {
                        order.push(ItemRef::Const(self.consts.len()));
                        self.consts.push(c);
                    }
                }
                "enum" | "flags" => {
                    if let Some(e) = self.enumeration(d) {
                        order.push(ItemRef::Enum(self.enums.len()));
                        if !self.enum_at.contains_key(&e.name) {
                            self.enum_at.insert(e.name.clone(), self.enums.len());
                        }
                        self.enums.push(e);
                    }
                }
                _ => {}
            }
        }
        let structs = self.structs(s, &mut order);

        let mut model = Model {
            name,
            doc: s.doc.clone(),
            revision: self.revision,
            uapi_header,
            license_from_spec: s.license.is_some(),
            license,
            c_prefix,
            ioctl_style: cfg.style,
            magic: cfg.magic,
            retired_nrs: cfg.retired_nrs,
            nr_range: cfg.nr_range,
            targets,
            source: source_label.to_string(),
            pos: self.pos(&s.name),
            includes: includes.to_vec(),
            existing_abi: self.existing_abi,
            tree: SpecTree::new(self.tree.clone()),
            // Cloned, not taken: attribute checks resolved later name consts too.
            consts: self.consts.clone(),
            enums: std::mem::take(&mut self.enums),
            structs,
            ioctls: Vec::new(),
            rings: Vec::new(),
            attribute_sets: Vec::new(),
            operations: None,
            netlink: NetlinkFamily::default(),
            definition_order: order,
        };
        model.ioctls = self.ioctls(s, &model);
        model.rings = self.rings(s, &model);
        model.attribute_sets = self.attribute_sets(s, &model);
        model.operations = self.operations(s, &model);
        model.netlink = self.netlink_family(s);
        model
    }

    /// The header's SPDX expression: as written (an existing header's own,
    /// e.g. ivpu's `GPL-2.0-only WITH Linux-syscall-note`, rocket's `MIT`),
    /// else the uapi convention. Checked for the characters SPDX allows,
    /// so it cannot end the comment it is printed in.
    fn license(&mut self, s: &SpecFile) -> String {
        const DEFAULT: &str = "((GPL-2.0 WITH Linux-syscall-note) OR MIT)";
        let Some(l) = &s.license else {
            return DEFAULT.to_string();
        };
        let ok = !l.value.trim().is_empty()
            && l.value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || " .+-()".contains(c));
        if !ok {
            self.err(
                &rules::BAD_VALUE,
                self.pos(l),
                format!("license `{}` is not an SPDX license expression", l.value),
                "write an SPDX expression, e.g. `GPL-2.0-only WITH Linux-syscall-note` or `MIT`",
            );
            return DEFAULT.to_string();
        }
        l.value.trim().to_string()
    }

    /// The uapi header's name: given (an include path, as YNL names it)
    /// or derived from the spec's name.
    fn uapi_header(&mut self, s: &SpecFile, name: &str) -> String {
        match &s.uapi_header {
            Some(h) => {
                // YNL names the header by its include path (`linux/foo.h`):
                // relative segments are allowed, `..` and absolute paths not.
                let ok = h.value.ends_with(".h")
                    && h.value.split('/').all(|seg| {
                        !seg.is_empty()
                            && seg != "."
                            && seg != ".."
                            && seg
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
                    })
                    && h.value.rsplit('/').next().is_some_and(|f| f.len() > 2);
                if !ok {
                    self.err(
                        &rules::BAD_VALUE,
                        self.pos(h),
                        format!("uapi-header `{}` is not a relative header path", h.value),
                        "write a name like `softaccel.h` or `linux/softaccel.h`",
                    );
                }
                h.value.clone()
            }
            None => format!("{}.h", name.replace('-', "_")),
        }
    }

    /// The `ioctl:` block: magic, style, retired numbers and the
    /// driver's number range, and the magic shared with included specs.
    fn ioctl_config(
        &mut self,
        cfg: &S<spec::IoctlConfig>,
        includes: &[Arc<Model>],
        c_prefix: &str,
    ) -> IoctlCfg {
        let style = self.ioctl_style(cfg, c_prefix);
        let magic = match (&cfg.magic, &style) {
            (Some(m), IoctlStyle::Drm { .. }) => {
                let v = self.magic(m);
                if let Some(v) = v.filter(|v| *v != DRM_MAGIC) {
                    self.err(
                        &rules::DRM_MAGIC,
                        self.pos(m),
                        format!(
                            "ioctl magic {v:#04x} with `style: drm`, whose commands always use DRM_IOCTL_BASE ({DRM_MAGIC:#04x})"
                        ),
                        "",
                    );
                }
                v
            }
            (Some(m), IoctlStyle::Plain) => self.magic(m),
            (None, IoctlStyle::Drm { .. }) => Some(DRM_MAGIC),
            (None, IoctlStyle::Plain) => {
                self.err(
                    &rules::MISSING_KEY,
                    self.pos(cfg),
                    "`ioctl:` has no `magic`",
                    "add `magic: 0x64` (the _IOC type byte), or `style: drm` for a DRM driver",
                );
                None
            }
        };
        let mut retired_nrs = Vec::new();
        let mut nr_range = DEFAULT_NR_RANGE;
        for r in &cfg.retired {
            if let Some(v) = self.int_in(r, 0, 255, "retired nr") {
                retired_nrs.push(v as u8);
            }
        }
        if let Some(range) = &cfg.nr_range {
            let lo = range
                .min
                .as_ref()
                .and_then(|v| self.sized(v, 0, 255, "nr-range min"));
            let hi = range
                .max
                .as_ref()
                .and_then(|v| self.sized(v, 0, 255, "nr-range max"));
            match (lo, hi) {
                (Some(lo), Some(hi)) if lo <= hi => nr_range = (lo as u8, hi as u8),
                (Some(_), Some(_)) => self.err(
                    &rules::VALUE_OUT_OF_RANGE,
                    self.pos(range),
                    "nr-range min is greater than max",
                    "",
                ),
                _ => self.err(
                    &rules::MISSING_KEY,
                    self.pos(range),
                    "nr-range needs both `min` and `max`",
                    "",
                ),
            }
        }
        for inc in includes {
            if let (Some(m), Some(im)) = (magic, inc.magic)
                && m != im
            {
                self.err(
                    &rules::MAGIC_MISMATCH,
                    cfg.magic.as_ref().map_or_else(|| self.pos(cfg), |m| self.pos(m)),
                    format!(
                        "ioctl magic {m:#04x} differs from {im:#04x} of the included spec `{}` ({})",
                        inc.name, inc.pos
                    ),
                    "a driver shares its subsystem's ioctl type byte, as DRM drivers share 'd'",
                );
            }
        }
        IoctlCfg {
            magic,
            retired_nrs,
            nr_range,
            style,
        }
    }

    /// `style` and `driver` of the `ioctl:` block.
    fn ioctl_style(&mut self, cfg: &S<spec::IoctlConfig>, c_prefix: &str) -> IoctlStyle {
        let drm = match &cfg.style {
            None => false,
            Some(s) if s.value == "drm" => true,
            Some(s) => {
                self.err(
                    &rules::BAD_VALUE,
                    self.pos(s),
                    format!("unknown ioctl style `{}`", s.value),
                    "write `style: drm` for DRM's own macro names, or leave it out",
                );
                false
            }
        };
        if !drm {
            self.forbid("driver", &cfg.driver, "an ioctl block without `style: drm`");
            return IoctlStyle::Plain;
        }
        let driver = match &cfg.driver {
            Some(d) => self.name(d, "driver"),
            None => c_prefix
                .strip_prefix("drm-")
                .unwrap_or(c_prefix)
                .to_string(),
        };
        IoctlStyle::Drm {
            driver: crate::names::upper(&driver),
        }
    }

    /// A `c-name`, checked to be a C identifier the header can define.
    fn c_name(&mut self, v: Option<&S<String>>) -> Option<String> {
        let v = v?;
        let n = v.value.as_str();
        let ident = n.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ident {
            self.err(
                &rules::INVALID_C_NAME,
                self.pos(v),
                format!("c-name `{n}` is not a C identifier"),
                "",
            );
            return None;
        }
        if crate::backend::c::is_reserved_word(n) {
            self.err(
                &rules::INVALID_C_NAME,
                self.pos(v),
                format!("c-name `{n}` is a C or C++ keyword or a predefined macro"),
                "",
            );
            return None;
        }
        Some(n.to_string())
    }

    /// The target ABIs: listed, or the default set.
    fn targets(&mut self, s: &SpecFile) -> Vec<Target> {
        match &s.targets {
            None => Target::DEFAULT.to_vec(),
            Some(list) => {
                let mut out = Vec::new();
                for t in list {
                    match Target::from_name(&t.value) {
                        Some(tt) if out.contains(&tt) => self.err(
                            &rules::DUPLICATE_NAME,
                            self.pos(t),
                            format!("target `{}` is listed twice", t.value),
                            "",
                        ),
                        Some(tt) => out.push(tt),
                        None => {
                            let names: Vec<&str> = Target::ALL.iter().map(|t| t.name()).collect();
                            self.err(
                                &rules::UNKNOWN_TARGET,
                                self.pos(t),
                                format!("unknown target `{}`", t.value),
                                format!("known targets: {}", names.join(", ")),
                            )
                        }
                    }
                }
                if out.is_empty() && !list.is_empty() {
                    out = Target::DEFAULT.to_vec();
                }
                out
            }
        }
    }

    /// Definition names are two namespaces per spec, shared with
    /// includes, as C has them: consts (macros, ordinary identifiers), and
    /// structs, enums and flags (all C tags: `struct x_param` and
    /// `enum x_param` would clash). A const and a struct may share a name,
    /// as `DRM_IVPU_PARAM_*` and `struct drm_ivpu_param` do; every other
    /// language spells them apart too (`PARAM` and `Param`).
    fn check_unique_names(&mut self, s: &SpecFile) {
        let mut seen: rustc_hash::FxHashMap<(bool, &str), Pos> = rustc_hash::FxHashMap::default();
        for d in &s.definitions {
            let n = d.name.value.as_str();
            let is_const = d.kind.value == "const";
            let here = self.pos(&d.name);
            if let Some(first) = seen.get(&(is_const, n)) {
                let first = first.clone();
                self.err(
                    &rules::DUPLICATE_NAME,
                    here,
                    format!("definition `{n}` is defined twice"),
                    format!("first defined at {first}"),
                );
            } else {
                if let Some(other) = self.included_definition_pos(n, is_const) {
                    self.err(
                        &rules::DUPLICATE_NAME,
                        here.clone(),
                        format!("definition `{n}` is already defined by an included spec"),
                        format!("defined at {other}; pick another name"),
                    );
                }
                seen.insert((is_const, n), here);
            }
        }
    }

    /// Where an included spec defines `n` in the same namespace.
    fn included_definition_pos(&self, n: &str, is_const: bool) -> Option<Pos> {
        self.includes.iter().find_map(|m| {
            if is_const {
                const_named(m, n).map(|x| x.pos.clone())
            } else {
                struct_named(m, n)
                    .map(|x| x.1.pos.clone())
                    .or_else(|| enum_named(m, n).map(|x| x.1.pos.clone()))
            }
        })
    }

    /// The specs included, transitively, by name. Ids name their owner by
    /// spec name, so two different specs of one name in a tree (or one
    /// named as this spec) are rejected: the owner would be ambiguous,
    /// and so would every generated identifier the name prefixes.
    fn spec_tree(
        &mut self,
        spec: &SpecFile,
        includes: &[Arc<Model>],
    ) -> BTreeMap<String, Arc<Model>> {
        let mut tree: BTreeMap<String, Arc<Model>> = BTreeMap::new();
        for (i, inc) in includes.iter().enumerate() {
            let pos = spec
                .include
                .get(i)
                .map_or_else(|| self.pos(&spec.name), |p| self.pos(p));
            for m in inc.tree.specs().chain([inc]) {
                let clash = if *m.name == *self.spec_name {
                    Some(self.file.to_string())
                } else {
                    tree.get(&m.name)
                        .filter(|prev| !Arc::ptr_eq(prev, m))
                        .map(|prev| prev.source.clone())
                };
                match clash {
                    Some(other) => self.err(
                        &rules::DUPLICATE_NAME,
                        pos.clone(),
                        format!(
                            "the included spec `{}` ({}) has the name of the spec at {other}",
                            m.name, m.source
                        ),
                        "spec names prefix every generated identifier: give each spec of a tree its own name",
                    ),
                    None => {
                        tree.insert(m.name.clone(), m.clone());
                    }
                }
            }
        }
        tree
    }
}
