//! Resolution: surface syntax -> model. Names are resolved to items (of
//! this spec or an included one), defaults applied, every key checked
//! against the kind of item it sits on, layouts computed for every target
//! and command numbers for every encoding. Problems are collected, never
//! thrown; a spec with resolution errors yields no model.

use crate::diag::{Diagnostic, Diagnostics, Pos};
use crate::ioc::Dir;
use crate::layout::{self, LayoutError};
use crate::model::*;
use crate::names::is_kebab;
use crate::rules::{self, Rule};
use crate::spec::{self, IntOrName, Magic, S, SpecFile};
use crate::target::Target;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Resolves one parsed spec file whose includes are already resolved.
pub fn resolve(
    file: &Arc<str>,
    source_label: &str,
    spec: &SpecFile,
    includes: Vec<Arc<Model>>,
) -> Result<Model, Diagnostics> {
    let mut r = Resolver {
        file: file.clone(),
        diags: Diagnostics::default(),
        includes: &includes,
        revision: 1,
        consts: Vec::new(),
        enums: Vec::new(),
        ynl: is_ynl_family(spec),
        not_generated: Vec::new(),
    };
    let model = r.spec(spec, source_label, &includes);
    if r.diags.has_errors() {
        Err(r.diags)
    } else {
        Ok(model)
    }
}

struct Resolver<'a> {
    file: Arc<str>,
    diags: Diagnostics,
    includes: &'a [Arc<Model>],
    revision: u32,
    consts: Vec<Const>,
    enums: Vec<Enum>,
    /// The spec is a YNL family ([`is_ynl_family`]): names may use `_`
    /// as the kernel's specs do (`ovs_datapath`).
    ynl: bool,
    /// YNL features found that no backend generates; lint reports them.
    not_generated: Vec<NotGenerated>,
}

/// Fills the keys a subset's attribute does not repeat from its base.
fn inherit_attr(a: &mut Attr, b: &Attr) {
    a.doc = a.doc.take().or_else(|| b.doc.clone());
    a.enum_ = a.enum_.take().or_else(|| b.enum_.clone());
    a.nested_attributes = a
        .nested_attributes
        .take()
        .or_else(|| b.nested_attributes.clone());
    a.multi_attr |= b.multi_attr;
    a.byte_order = a.byte_order.or(b.byte_order);
    a.min = a.min.or(b.min);
    a.max = a.max.or(b.max);
    a.min_len = a.min_len.or(b.min_len);
    a.max_len = a.max_len.or(b.max_len);
    a.exact_len = a.exact_len.or(b.exact_len);
    a.len = a.len.or(b.len);
    a.struct_ = a.struct_.take().or_else(|| b.struct_.clone());
    a.sub_type = a.sub_type.take().or_else(|| b.sub_type.clone());
    a.name_prefix = a.name_prefix.take().or_else(|| b.name_prefix.clone());
}

/// Is the spec a YNL family: it declares a `protocol`, or it has
/// operations and no ioctls, as the kernel's genetlink specs (where
/// `protocol` defaults to `genetlink`)?
fn is_ynl_family(s: &SpecFile) -> bool {
    s.protocol.is_some() || (s.ioctl.is_none() && s.ioctls.is_empty() && s.operations.is_some())
}

/// The YNL protocols whose specs this toolchain reads.
const YNL_PROTOCOLS: &[&str] = &["genetlink", "genetlink-c", "genetlink-legacy"];

/// YNL's named integer limits (`u32-max`, `s16-min`), as in YNL's
/// `limit_to_number`.
fn named_limit(name: &str) -> Option<i128> {
    let (ty, end) = name.split_once('-')?;
    let sc = Scalar::from_name(ty)?;
    let (lo, hi) = sc.bounds();
    match end {
        "min" => Some(lo),
        "max" => Some(hi),
        _ => None,
    }
}

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

const MEMBER_TYPES: &str = "u8 u16 u32 u64 s8 s16 s32 s64 pad binary string struct user-ptr";

/// Errno names the spec may document (Linux asm-generic names).
pub const ERRNOS: &[&str] = &[
    "EPERM",
    "ENOENT",
    "ESRCH",
    "EINTR",
    "EIO",
    "ENXIO",
    "E2BIG",
    "ENOEXEC",
    "EBADF",
    "ECHILD",
    "EAGAIN",
    "ENOMEM",
    "EACCES",
    "EFAULT",
    "EBUSY",
    "EEXIST",
    "EXDEV",
    "ENODEV",
    "ENOTDIR",
    "EISDIR",
    "EINVAL",
    "ENFILE",
    "EMFILE",
    "ENOTTY",
    "EFBIG",
    "ENOSPC",
    "ESPIPE",
    "EROFS",
    "EMLINK",
    "EPIPE",
    "EDOM",
    "ERANGE",
    "EDEADLK",
    "ENAMETOOLONG",
    "ENOLCK",
    "ENOSYS",
    "ENOTEMPTY",
    "ELOOP",
    "ENOMSG",
    "EIDRM",
    "ENODATA",
    "ETIME",
    "ENOLINK",
    "EPROTO",
    "EBADMSG",
    "EOVERFLOW",
    "EILSEQ",
    "ERESTART",
    "EMSGSIZE",
    "EOPNOTSUPP",
    "ENOTSUPP",
    "ECANCELED",
    "ETIMEDOUT",
    "EALREADY",
    "EINPROGRESS",
    "ESTALE",
    "EDQUOT",
    "ENOBUFS",
    "ECONNRESET",
    "EHOSTDOWN",
    "EOWNERDEAD",
    "ENOTRECOVERABLE",
    "ERFKILL",
    "EHWPOISON",
    "ENOKEY",
    "EKEYEXPIRED",
    "EBADE",
    "EBADR",
    "ENOTCONN",
    "ESHUTDOWN",
    "ECOMM",
    "ENOSR",
];

const YNL_ATTR_TYPES: &[&str] = &[
    "unused",
    "pad",
    "flag",
    "u8",
    "u16",
    "u32",
    "u64",
    "s8",
    "s16",
    "s32",
    "s64",
    "uint",
    "sint",
    "string",
    "binary",
    "nest",
    "nest-type-value",
    "indexed-array",
    "array-nest",
    "bitfield32",
    "sub-message",
];

/// A reference to a name: where it is written.
fn pos_of<T>(file: &Arc<str>, s: &S<T>) -> Pos {
    Pos::new(file, s.line, s.col)
}

/// The closest candidate by edit distance, for "did you mean" hints.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| *d <= (c.len().max(name.len()) / 3).max(1))
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    match suggest(name, candidates) {
        Some(s) => format!("did you mean `{s}`?"),
        None => String::new(),
    }
}

impl Resolver<'_> {
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
        let ynl_ok = self.ynl && is_kebab(&n.value.replace('_', "-"));
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
            IntOrName::Name(n) => {
                if let Some(c) = self.consts.iter().find(|c| &c.name == n) {
                    return Some(c.value);
                }
                if let Some(c) = self.includes.iter().find_map(|m| m.find_const(n)) {
                    return Some(c.0.value);
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
    fn forbid<T>(&mut self, key: &str, v: &Option<S<T>>, on: &str) {
        if let Some(v) = v {
            self.err(
                &rules::KEY_NOT_ALLOWED,
                self.pos(v),
                format!("`{key}` does not apply to {on}"),
                "remove it",
            );
        }
    }

    fn spec(&mut self, s: &SpecFile, source_label: &str, includes: &[Arc<Model>]) -> Model {
        let name = self.name(&s.name, "spec");
        if let Some(rev) = &s.revision {
            self.revision = self
                .int_in(rev, 1, u32::MAX.into(), "revision")
                .unwrap_or(1) as u32;
        }
        let uapi_header = match &s.uapi_header {
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
        };
        let mut magic = None;
        let mut retired_nrs = Vec::new();
        let mut nr_range = (0x40u8, 0x9fu8);
        if let Some(cfg) = &s.ioctl {
            magic = self.magic(&cfg.magic);
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
                        self.pos(&cfg.magic),
                        format!(
                            "ioctl magic {m:#04x} differs from {im:#04x} of the included spec `{}` ({})",
                            inc.name, inc.pos
                        ),
                        "a driver shares its subsystem's ioctl type byte, as DRM drivers share 'd'",
                    );
                }
            }
        }
        let targets = match &s.targets {
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
        };

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
            magic,
            retired_nrs,
            nr_range,
            targets,
            source: source_label.to_string(),
            pos: self.pos(&s.name),
            includes: includes.to_vec(),
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

    /// YNL's family-level keys.
    fn netlink_family(&mut self, s: &SpecFile) -> NetlinkFamily {
        let mut f = NetlinkFamily {
            version: 1,
            ..NetlinkFamily::default()
        };
        if s.protocol.is_none() && is_ynl_family(s) {
            f.protocol = Some("genetlink".to_string());
        }
        if let Some(p) = &s.protocol {
            if YNL_PROTOCOLS.contains(&p.value.as_str()) {
                f.protocol = Some(p.value.clone());
            } else {
                self.err(
                    &rules::BAD_VALUE,
                    self.pos(p),
                    format!("protocol `{}` is not supported", p.value),
                    format!(
                        "this toolchain reads YNL specs of protocol {} (netlink-raw families have no generic netlink header)",
                        YNL_PROTOCOLS.join(", ")
                    ),
                );
            }
        }
        if let Some(v) = &s.version {
            f.version = self.int_in(v, 1, 255, "family version").unwrap_or(1) as u32;
        }
        let text = |v: &Option<S<String>>| v.as_ref().map(|x| x.value.clone());
        f.c_family_name = text(&s.c_family_name);
        f.c_version_name = text(&s.c_version_name);
        f.cmd_max_name = text(&s.cmd_max_name);
        f.cmd_cnt_name = text(&s.cmd_cnt_name);
        f.max_by_define = s.max_by_define.as_ref().is_some_and(|b| b.value);
        if let Some(kp) = &s.kernel_policy {
            match kp.value.as_str() {
                "split" => {}
                "per-op" | "global" => self.not_generated(
                    &rules::YNL_KERNEL_POLICY,
                    self.pos(kp),
                    format!("`kernel-policy: {}` is not generated", kp.value),
                    "remove the key (the default `split` is what is generated); a request attribute the operation does not list is rejected as unknown",
                ),
                _ => self.err(
                    &rules::BAD_VALUE,
                    self.pos(kp),
                    format!("unknown kernel-policy `{}`", kp.value),
                    "write `split`, `per-op` or `global`",
                ),
            }
        }
        if let Some(groups) = &s.mcast_groups {
            for g in &groups.list {
                let name = self.name(&g.name, "multicast group");
                if f.mcast_groups.iter().any(|x| x.name == name) {
                    self.err(
                        &rules::DUPLICATE_NAME,
                        self.pos(&g.name),
                        format!("multicast group `{name}` is listed twice"),
                        "",
                    );
                    continue;
                }
                for fl in &g.flags {
                    if !matches!(fl.value.as_str(), "admin-perm" | "uns-admin-perm") {
                        self.err(
                            &rules::BAD_VALUE,
                            self.pos(fl),
                            format!("unknown multicast group flag `{}`", fl.value),
                            "the flags are `admin-perm` and `uns-admin-perm`",
                        );
                    }
                }
                f.mcast_groups.push(McastGroup {
                    name,
                    c_define_name: text(&g.c_define_name),
                    pos: self.pos(&g.name),
                });
            }
        }
        if let Some(sm) = &s.sub_messages {
            self.not_generated(
                &rules::YNL_SUB_MESSAGE,
                self.pos(sm),
                "`sub-messages` are not generated",
                "describe each variant as its own attribute set with a `nest` attribute, or keep the spec for documentation only",
            );
        }
        f.not_generated = std::mem::take(&mut self.not_generated);
        f
    }

    fn magic(&mut self, m: &S<Magic>) -> Option<u8> {
        match &m.value {
            Magic::Int(v) => self
                .int_in(&m.with(*v), 0, 255, "ioctl magic")
                .map(|v| v as u8),
            Magic::Char(s) if s.len() == 1 && s.is_ascii() => Some(s.as_bytes()[0]),
            Magic::Char(s) => {
                self.err(
                    &rules::BAD_VALUE,
                    self.pos(m),
                    format!("ioctl magic `{s}` is neither a number nor one ASCII character"),
                    "write e.g. `0x64` or `d`",
                );
                None
            }
        }
    }

    /// Definition names are one namespace per spec, shared with includes.
    fn check_unique_names(&mut self, s: &SpecFile) {
        let mut seen: HashMap<&str, Pos> = HashMap::new();
        for d in &s.definitions {
            let n = d.name.value.as_str();
            let here = self.pos(&d.name);
            if let Some(first) = seen.get(n) {
                let first = first.clone();
                self.err(
                    &rules::DUPLICATE_NAME,
                    here,
                    format!("definition `{n}` is defined twice"),
                    format!("first defined at {first}"),
                );
            } else {
                if let Some(other) = self.included_definition_pos(n) {
                    self.err(
                        &rules::DUPLICATE_NAME,
                        here.clone(),
                        format!("definition `{n}` is already defined by an included spec"),
                        format!("defined at {other}; pick another name"),
                    );
                }
                seen.insert(n, here);
            }
        }
    }

    fn included_definition_pos(&self, n: &str) -> Option<Pos> {
        self.includes.iter().find_map(|m| {
            m.find_struct(n)
                .map(|x| x.0.pos.clone())
                .or_else(|| m.find_enum(n).map(|x| x.0.pos.clone()))
                .or_else(|| m.find_const(n).map(|x| x.0.pos.clone()))
        })
    }

    fn forbid_struct_keys(&mut self, d: &spec::Definition, on: &str) {
        self.forbid("members", &d.members, on);
    }

    fn forbid_enum_keys(&mut self, d: &spec::Definition, on: &str) {
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

    fn constant(&mut self, d: &S<spec::Definition>) -> Option<Const> {
        let name = self.name(&d.name, "const");
        self.forbid_struct_keys(d, "a const");
        self.forbid_enum_keys(d, "a const");
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
            since,
            header: d.header.as_ref().map(|h| h.value.clone()),
            pos: self.pos(&d.name),
        })
    }

    fn enumeration(&mut self, d: &S<spec::Definition>) -> Option<Enum> {
        let flags = d.kind.value == "flags";
        let what = if flags { "flags" } else { "enum" };
        let name = self.name(&d.name, what);
        self.forbid_struct_keys(d, &format!("an {what}"));
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
            let (ename, doc, value, esince) = match (&e.value.name, &e.value.full) {
                (Some(n), _) => (e.with(n.clone()), None, None, None),
                (None, Some(f)) => (
                    f.name.clone(),
                    f.doc.clone(),
                    f.value.as_ref(),
                    f.since.as_ref(),
                ),
                (None, None) => continue,
            };
            let ename_s = self.name(&ename, "entry");
            if let Some(v) = value {
                next = self.int_in(
                    v,
                    0,
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
            let v: u64 = if flags { 1u64 << next } else { next as u64 };
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
        })
    }

    fn structs(&mut self, s: &SpecFile, order: &mut Vec<ItemRef>) -> Vec<Struct> {
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
                let ready = st.members.iter().all(|m| match &m.kind {
                    MemberKind::Struct { name } => {
                        done.iter().any(|d| &d.name == name)
                            || self.includes.iter().any(|m| m.find_struct(name).is_some())
                    }
                    _ => true,
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
                if let MemberKind::Struct { name: n } = &m.kind {
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

    fn structure(&mut self, d: &S<spec::Definition>, s: &SpecFile) -> Option<Struct> {
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

    fn struct_exists(&self, n: &str, s: &SpecFile) -> bool {
        s.definitions
            .iter()
            .any(|d| d.name.value == n && d.kind.value == "struct")
            || self.includes.iter().any(|m| m.find_struct(n).is_some())
    }

    fn struct_names<'b>(&'b self, s: &'b SpecFile) -> Vec<&'b str> {
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

    fn dangling_struct(&mut self, r: &S<String>, s: &SpecFile) {
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

    fn member(
        &mut self,
        m: &S<spec::MemberDef>,
        mname: &str,
        siblings: &[S<spec::MemberDef>],
        s: &SpecFile,
    ) -> Option<Member> {
        let ty = m.ty.value.as_str();
        let since = self.since(&m.since);
        let access = match m.access.as_ref().map(|a| a.value.as_str()) {
            None | Some("in") => Access::In,
            Some("out") => Access::Out,
            Some("inout") => Access::InOut,
            Some(other) => {
                self.err(
                    &rules::BAD_VALUE,
                    self.pos(m.access.as_ref()?),
                    format!("unknown access `{other}`"),
                    "write `in`, `out` or `inout`",
                );
                return None;
            }
        };
        let integer = Scalar::from_name(ty);
        let on = format!("a member of type `{ty}`");
        let kind = match ty {
            _ if integer.is_some() => {
                self.forbid("len", &m.len, &on);
                self.forbid("elem", &m.elem, &on);
                self.forbid("max-count", &m.max_count, &on);
                self.forbid("struct", &m.r#struct, &on);
                let count = match &m.count {
                    None => None,
                    Some(c) => Some(self.sized(c, 1, 1 << 20, "array count")? as u32),
                };
                MemberKind::Scalar {
                    ty: integer?,
                    count,
                }
            }
            "pad" | "binary" | "string" => {
                for (k, v) in [("count", &m.count), ("max-count", &m.max_count)] {
                    self.forbid(k, v, &on);
                }
                self.forbid("elem", &m.elem, &on);
                self.forbid("struct", &m.r#struct, &on);
                self.forbid("enum", &m.enum_, &on);
                self.forbid("range", &m.range, &on);
                self.forbid("byte-order", &m.byte_order, &on);
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
                    "pad" => MemberKind::Pad { len },
                    "binary" => MemberKind::Binary { len },
                    _ => MemberKind::String { len },
                }
            }
            "struct" => {
                for (k, v) in [
                    ("count", &m.count),
                    ("max-count", &m.max_count),
                    ("len", &m.len),
                ] {
                    self.forbid(k, v, &on);
                }
                self.forbid("elem", &m.elem, &on);
                self.forbid("enum", &m.enum_, &on);
                self.forbid("range", &m.range, &on);
                self.forbid("byte-order", &m.byte_order, &on);
                let Some(r) = &m.r#struct else {
                    self.err(
                        &rules::MISSING_KEY,
                        self.pos(&m.ty),
                        format!("member `{mname}` of type `struct` needs `struct: NAME`"),
                        "",
                    );
                    return None;
                };
                if !self.struct_exists(&r.value, s) {
                    self.dangling_struct(r, s);
                    return None;
                }
                MemberKind::Struct {
                    name: r.value.clone(),
                }
            }
            "user-ptr" => self.user_ptr(m, mname, siblings, s, &on)?,
            other => {
                if let Some((_, instead)) =
                    C_TYPES.iter().find(|(c, _)| c.eq_ignore_ascii_case(other))
                {
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
                return None;
            }
        };
        let check = match &m.enum_ {
            None => {
                self.forbid("enum-as-flags", &m.enum_as_flags, "a member without `enum`");
                None
            }
            Some(e) => {
                let found = self
                    .enums
                    .iter()
                    .find(|x| x.name == e.value)
                    .map(|x| x.kind)
                    .or_else(|| {
                        self.includes
                            .iter()
                            .find_map(|mm| mm.find_enum(&e.value))
                            .map(|x| x.0.kind)
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
                    Some(kind) => Some(EnumCheck {
                        name: e.value.clone(),
                        as_flags: kind == EnumKind::Flags
                            || m.enum_as_flags.as_ref().is_some_and(|b| b.value),
                    }),
                }
            }
        };
        if check.is_some() && !matches!(kind, MemberKind::Scalar { count: None, .. }) {
            self.err(
                &rules::KEY_NOT_ALLOWED,
                self.pos(m.enum_.as_ref()?),
                "`enum` applies only to a single integer member",
                "",
            );
            return None;
        }
        let range = match &m.range {
            None => None,
            Some(r) => {
                let MemberKind::Scalar { ty, count: None } = &kind else {
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
        };
        let byte_order = match m.byte_order.as_ref() {
            None => None,
            Some(b) => match b.value.as_str() {
                "little-endian" => Some(ByteOrder::Little),
                "big-endian" => Some(ByteOrder::Big),
                other => {
                    self.err(
                        &rules::BAD_VALUE,
                        self.pos(b),
                        format!("unknown byte-order `{other}`"),
                        "write `little-endian` or `big-endian`",
                    );
                    return None;
                }
            },
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
        Some(Member {
            name: mname.to_string(),
            doc: m.doc.clone(),
            since,
            access,
            kind,
            check,
            byte_order,
            range,
            resource: m.resource.as_ref().map(|r| r.value.clone()),
            pos: self.pos(&m.name),
            type_pos: self.pos(&m.ty),
            lint_allow: m.lint_allow.iter().map(|s| s.value.clone()).collect(),
        })
    }

    fn user_ptr(
        &mut self,
        m: &S<spec::MemberDef>,
        mname: &str,
        siblings: &[S<spec::MemberDef>],
        s: &SpecFile,
        on: &str,
    ) -> Option<MemberKind> {
        self.forbid("struct", &m.r#struct, on);
        self.forbid("enum", &m.enum_, on);
        self.forbid("range", &m.range, on);
        self.forbid("byte-order", &m.byte_order, on);
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
            None if self.struct_exists(&elem.value, s) => Elem::Struct(elem.value.clone()),
            None => {
                self.dangling_struct(elem, s);
                return None;
            }
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
        Some(MemberKind::UserPtr {
            elem: elem_kind,
            len,
            max_count,
        })
    }

    fn ioctls(&mut self, s: &SpecFile, model: &Model) -> Vec<Ioctl> {
        let mut out: Vec<Ioctl> = Vec::new();
        if !s.ioctls.is_empty() && model.magic.is_none() && s.ioctl.is_none() {
            self.err(
                &rules::MISSING_KEY,
                self.pos(&s.name),
                "the spec has ioctls but no `ioctl: { magic: ... }`",
                "add `ioctl: { magic: 0x64 }` (the _IOC type byte)",
            );
        }
        for i in &s.ioctls {
            let name = self.name(&i.name, "ioctl");
            let pos = self.pos(&i.name);
            if let Some(prev) = out.iter().find(|p| p.name == name) {
                self.err(
                    &rules::DUPLICATE_NAME,
                    pos.clone(),
                    format!("ioctl `{name}` is defined twice"),
                    format!("first at {}", prev.pos),
                );
                continue;
            }
            if let Some(prev) = model
                .all_includes()
                .into_iter()
                .flat_map(|m| m.ioctls.iter())
                .find(|p| p.name == name)
            {
                self.err(
                    &rules::DUPLICATE_NAME,
                    pos.clone(),
                    format!("ioctl `{name}` is already defined by an included spec"),
                    format!("defined at {}", prev.pos),
                );
                continue;
            }
            let since = self.since(&i.since);
            let Some(nr_s) = &i.nr else {
                self.err(
                    &rules::MISSING_KEY,
                    pos.clone(),
                    format!("ioctl `{name}` has no `nr`"),
                    "numbers are explicit and never reused: add `nr: 0x40`",
                );
                continue;
            };
            let Some(nr) = self.int_in(nr_s, 0, 255, "nr") else {
                continue;
            };
            let nr = nr as u8;
            if let Some(prev) = out.iter().find(|p| p.nr == nr) {
                self.err(
                    &rules::DUPLICATE_NUMBER,
                    self.pos(nr_s),
                    format!(
                        "nr {nr:#04x} of `{name}` is already used by `{}`",
                        prev.name
                    ),
                    format!("`{}` is at {}", prev.name, prev.pos),
                );
                continue;
            }
            if let Some(prev) = model
                .all_includes()
                .into_iter()
                .flat_map(|m| m.ioctls.iter())
                .find(|p| p.nr == nr)
            {
                self.err(
                    &rules::DUPLICATE_NUMBER,
                    self.pos(nr_s),
                    format!(
                        "nr {nr:#04x} of `{name}` is already used by `{}` of an included spec",
                        prev.name
                    ),
                    format!("`{}` is at {}", prev.name, prev.pos),
                );
                continue;
            }
            let arg = match &i.arg {
                None => None,
                Some(a) => {
                    if model.find_struct(&a.value).is_none() {
                        // A struct that failed to resolve has its own error.
                        if !self.struct_exists(&a.value, s) {
                            self.dangling_struct(a, s);
                        }
                        continue;
                    }
                    Some(a.value.clone())
                }
            };
            let dir = match &i.dir {
                None if arg.is_none() => Dir::None,
                None => {
                    self.err(
                        &rules::MISSING_KEY,
                        pos.clone(),
                        format!("ioctl `{name}` has an `arg` but no `dir`"),
                        "add `dir: in`, `out` or `inout` (userspace's point of view)",
                    );
                    continue;
                }
                Some(d) => match Dir::from_name(&d.value) {
                    Some(d) => d,
                    None => {
                        self.err(
                            &rules::BAD_VALUE,
                            self.pos(d),
                            format!("unknown dir `{}`", d.value),
                            "write `none`, `in`, `out` or `inout`",
                        );
                        continue;
                    }
                },
            };
            let extension = match &i.extension {
                None => None,
                Some(e) => {
                    match e.value.as_str() {
                        "zero-extend" => Some(Extension::ZeroExtend),
                        "strict" => Some(Extension::Strict),
                        other => {
                            self.err(&rules::BAD_VALUE, self.pos(e), format!("unknown extension rule `{other}`"), "write `zero-extend` (drm_ioctl) or `strict` (copy_struct_from_user)");
                            continue;
                        }
                    }
                }
            };
            let mut errors = Vec::new();
            if let Some(list) = &i.errors {
                for e in &list.value {
                    if !ERRNOS.contains(&e.errno.value.as_str()) {
                        let hint = did_you_mean(&e.errno.value, ERRNOS.iter().copied());
                        self.err(
                            &rules::UNKNOWN_ERRNO,
                            self.pos(&e.errno),
                            format!("unknown errno `{}`", e.errno.value),
                            if hint.is_empty() {
                                "use a Linux errno name such as EINVAL".into()
                            } else {
                                hint
                            },
                        );
                        continue;
                    }
                    if errors.iter().any(|x: &ErrorDoc| x.errno == e.errno.value) {
                        self.err(
                            &rules::DUPLICATE_NAME,
                            self.pos(&e.errno),
                            format!("errno `{}` is documented twice for `{name}`", e.errno.value),
                            "document all its causes in one entry",
                        );
                        continue;
                    }
                    errors.push(ErrorDoc {
                        errno: e.errno.value.clone(),
                        doc: e.doc.clone(),
                        pos: self.pos(&e.errno),
                    });
                }
            }
            let mut cmds = BTreeMap::new();
            let mut arg_sizes = BTreeMap::new();
            for t in Target::ALL {
                let size = arg
                    .as_ref()
                    .and_then(|a| model.find_struct(a))
                    .map_or(0, |(st, _)| st.layout(t).size);
                arg_sizes.insert(t, size);
                let cmd = model
                    .magic
                    .and_then(|mg| t.ioc_encoding().encode(dir, mg, nr, size));
                cmds.insert(t, cmd);
            }
            out.push(Ioctl {
                name,
                doc: i.doc.clone(),
                nr,
                dir,
                arg,
                extension,
                since,
                errors,
                errors_declared: i.errors.is_some(),
                cmds,
                arg_sizes,
                pos,
                nr_pos: self.pos(nr_s),
                dir_pos: i
                    .dir
                    .as_ref()
                    .map_or_else(|| self.pos(&i.name), |d| self.pos(d)),
                lint_allow: i.lint_allow.iter().map(|s| s.value.clone()).collect(),
                admin_perm: self.op_flags(&i.flags),
            });
        }
        out
    }

    /// YNL operation flags; `admin-perm` is the only one defined.
    fn op_flags(&mut self, flags: &[S<String>]) -> bool {
        let mut admin = false;
        for f in flags {
            // Without user namespaces in this ABI, YNL's `uns-admin-perm`
            // (CAP_NET_ADMIN in the caller's namespace) is `admin-perm`.
            if f.value == "admin-perm" || f.value == "uns-admin-perm" {
                admin = true;
            } else {
                self.err(
                    &rules::BAD_VALUE,
                    self.pos(f),
                    format!("unknown operation flag `{}`", f.value),
                    "the flags are `admin-perm` and `uns-admin-perm`",
                );
            }
        }
        admin
    }

    fn rings(&mut self, s: &SpecFile, model: &Model) -> Vec<Ring> {
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
            if model.find_struct(&r.entry.value).is_none() {
                self.dangling_struct(&r.entry, s);
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
                entry: r.entry.value.clone(),
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

    /// An attribute check's `min`/`max`: an integer, a const, or one of
    /// YNL's named limits (`u32-max`, `s32-min`). A const of that name
    /// wins, as in YNL.
    fn limit(&mut self, v: &S<IntOrName>) -> Option<i128> {
        if let IntOrName::Name(n) = &v.value
            && !self.const_known(n)
            && let Some(x) = named_limit(n)
        {
            return Some(x);
        }
        self.int_or_const(v)
    }

    fn const_known(&self, n: &str) -> bool {
        self.consts.iter().any(|c| c.name == n)
            || self.includes.iter().any(|m| m.find_const(n).is_some())
    }

    /// A length check: an integer, a const, or YNL's `NAME - 1` (a const
    /// minus one, as `IFNAMSIZ - 1` reserves the NUL).
    fn len_or_define(&mut self, v: &S<IntOrName>, what: &str) -> Option<u64> {
        if let IntOrName::Name(n) = &v.value
            && let Some(base) = n.strip_suffix(" - 1")
        {
            let n = self.int_or_const(&v.with(IntOrName::Name(base.trim().to_string())))?;
            return self.sized(&v.with(IntOrName::Int(n - 1)), 0, 0xffff, what);
        }
        self.sized(v, 0, 0xffff, what)
    }

    /// Reports attribute types and keys of YNL that no backend generates.
    fn attr_not_generated(&mut self, a: &spec::AttrDef, aname: &str, ty: &str, ty_pos: Pos) {
        match ty {
            "sub-message" => self.not_generated(
                &rules::YNL_SUB_MESSAGE,
                ty_pos,
                format!("attribute `{aname}` is a `sub-message`"),
                "use a `nest` with its own attribute set, or `binary` with a `struct`",
            ),
            "indexed-array" | "array-nest" | "nest-type-value" | "bitfield32" => self.not_generated(
                &rules::YNL_ATTR_TYPE,
                ty_pos,
                format!("attribute `{aname}` has type `{ty}`"),
                "use `nest` with `multi-attr: true` for a list, and a u32 with `enum-as-flags` for a bit set",
            ),
            _ => {}
        }
        if ty != "sub-message" {
            for (key, v) in [("sub-message", &a.sub_message), ("selector", &a.selector)] {
                self.forbid(key, v, "an attribute that is not a `sub-message`");
            }
        }
        if ty != "nest-type-value" {
            self.forbid(
                "type-value",
                &a.type_value,
                "an attribute that is not a `nest-type-value`",
            );
        }
        if let Some(u) = a.checks.as_ref().and_then(|c| c.unterminated_ok.as_ref())
            && u.value
        {
            self.not_generated(
                &rules::YNL_RELAXED_VALIDATION,
                self.pos(u),
                format!("`unterminated-ok` on `{aname}` is ignored: generated code requires the NUL terminator"),
                "remove it; senders built from this spec always terminate strings",
            );
        }
    }

    /// The ring model's own rules: entry counts are powers of two (slots
    /// are indices masked by entries - 1), and the entry struct lies at the
    /// same offsets on every target with a size that is a multiple of its
    /// alignment and of 4 (entries sit back to back after the 192-byte
    /// header, which is the same on every target by construction, and the
    /// generated code copies them in 32-bit words).
    fn ring_model_ok(&mut self, r: &S<spec::RingDef>, model: &Model, min: i128, max: i128) -> bool {
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
        let Some((st, _)) = model.find_struct(&r.entry.value) else {
            return false;
        };
        let mut sizes: Vec<(u32, Vec<&str>)> = Vec::new();
        for (t, l) in &st.layouts {
            if !model.targets.contains(t) {
                continue;
            }
            match sizes.iter_mut().find(|(sz, _)| *sz == l.size) {
                Some((_, ts)) => ts.push(t.name()),
                None => sizes.push((l.size, vec![t.name()])),
            }
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
        if sizes.len() > 1 {
            let desc: Vec<String> = sizes
                .iter()
                .map(|(sz, ts)| format!("{sz} bytes on {}", ts.join(", ")))
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

    fn attribute_sets(&mut self, s: &SpecFile, model: &Model) -> Vec<AttrSet> {
        let mut out: Vec<AttrSet> = Vec::new();
        let set_names: Vec<&str> = s
            .attribute_sets
            .iter()
            .map(|a| a.name.value.as_str())
            .collect();
        for set in &s.attribute_sets {
            let name = self.name(&set.name, "attribute-set");
            if out.iter().any(|x| x.name == name) {
                self.err(
                    &rules::DUPLICATE_NAME,
                    self.pos(&set.name),
                    format!("attribute-set `{name}` is defined twice"),
                    "",
                );
                continue;
            }
            let base = set
                .subset_of
                .as_ref()
                .and_then(|b| s.attribute_sets.iter().find(|x| x.name.value == b.value));
            if let Some(b) = &set.subset_of
                && base.is_none()
            {
                self.err(
                    &rules::DANGLING_REFERENCE,
                    self.pos(b),
                    format!("no attribute-set named `{}`", b.value),
                    did_you_mean(&b.value, set_names.iter().copied()),
                );
            }
            let mut attrs: Vec<Attr> = Vec::new();
            let mut next: i128 = 1;
            for a in &set.attributes {
                let aname = self.name(&a.name, "attribute");
                if attrs.iter().any(|x| x.name == aname) {
                    self.err(
                        &rules::DUPLICATE_NAME,
                        self.pos(&a.name),
                        format!("attribute `{aname}` appears twice in `{name}`"),
                        "",
                    );
                    continue;
                }
                // In a subset, attributes inherit number and type from the base set.
                let inherited = base.and_then(|b| {
                    b.attributes
                        .iter()
                        .position(|x| x.name.value == aname)
                        .map(|i| (i, &b.attributes[i]))
                });
                if base.is_some() && inherited.is_none() {
                    self.err(
                        &rules::DANGLING_REFERENCE,
                        self.pos(&a.name),
                        format!("attribute `{aname}` is not in the base set"),
                        "",
                    );
                    continue;
                }
                let ty = match (&a.ty, inherited.and_then(|(_, b)| b.ty.as_ref())) {
                    (Some(t), _) | (None, Some(t)) => t.value.clone(),
                    (None, None) => {
                        self.err(
                            &rules::MISSING_KEY,
                            self.pos(&a.name),
                            format!("attribute `{aname}` has no `type`"),
                            "",
                        );
                        continue;
                    }
                };
                let ty_pos =
                    a.ty.as_ref()
                        .map_or_else(|| self.pos(&a.name), |t| self.pos(t));
                if !YNL_ATTR_TYPES.contains(&ty.as_str()) {
                    self.err(
                        &rules::UNKNOWN_TYPE,
                        ty_pos,
                        format!("unknown attribute type `{ty}`"),
                        did_you_mean(&ty, YNL_ATTR_TYPES.iter().copied()),
                    );
                    continue;
                }
                self.attr_not_generated(a, &aname, &ty, ty_pos);
                if let Some(v) = &a.value.value {
                    match self.int_in(v, 0, 0x7fff, "attribute value") {
                        Some(v) => next = v,
                        None => continue,
                    }
                } else if let Some((i, b)) = inherited {
                    next = b.value.value.as_ref().map_or(1 + i as i128, |v| v.value);
                }
                if let Some(prev) = attrs.iter().find(|x| i128::from(x.value) == next) {
                    self.err(
                        &rules::DUPLICATE_NUMBER,
                        self.pos(&a.name),
                        format!(
                            "attribute `{aname}` has the same value {next} as `{}`",
                            prev.name
                        ),
                        "",
                    );
                    continue;
                }
                if let Some(n) = &a.nested_attributes
                    && !set_names.contains(&n.value.as_str())
                {
                    self.err(
                        &rules::DANGLING_REFERENCE,
                        self.pos(n),
                        format!("no attribute-set named `{}`", n.value),
                        did_you_mean(&n.value, set_names.iter().copied()),
                    );
                    continue;
                }
                let enum_ = match (
                    &a.enum_,
                    a.checks.as_ref().and_then(|c| c.flags_mask.as_ref()),
                ) {
                    // YNL's `flags-mask`: the value may only hold bits of
                    // that flags definition, as with `enum-as-flags`.
                    (None, Some(fm)) => match model.find_enum(&fm.value) {
                        Some(_) => Some(EnumCheck {
                            name: fm.value.clone(),
                            as_flags: true,
                        }),
                        None => {
                            self.err(
                                &rules::DANGLING_REFERENCE,
                                self.pos(fm),
                                format!("no flags named `{}`", fm.value),
                                "",
                            );
                            continue;
                        }
                    },
                    (None, None) => None,
                    (Some(e), _) => match model.find_enum(&e.value) {
                        Some((en, _)) => Some(EnumCheck {
                            name: e.value.clone(),
                            as_flags: en.kind == EnumKind::Flags
                                || a.enum_as_flags.as_ref().is_some_and(|b| b.value),
                        }),
                        None => {
                            self.err(
                                &rules::DANGLING_REFERENCE,
                                self.pos(e),
                                format!("no enum or flags named `{}`", e.value),
                                "",
                            );
                            continue;
                        }
                    },
                };
                if let Some(st) = &a.r#struct
                    && model.find_struct(&st.value).is_none()
                {
                    self.dangling_struct(st, s);
                    continue;
                }
                let checks = a.checks.as_ref();
                let get = |this: &mut Self, v: Option<&S<IntOrName>>| v.and_then(|v| this.limit(v));
                let min = get(self, checks.and_then(|c| c.min.as_ref()));
                let max = get(self, checks.and_then(|c| c.max.as_ref()));
                if let (Some(direct), Some(_)) =
                    (&a.max_len, checks.and_then(|c| c.max_len.as_ref()))
                {
                    self.err(
                        &rules::DUPLICATE_KEY,
                        self.pos(direct),
                        "`max-len` is given both on the attribute and under `checks`",
                        "keep one of them",
                    );
                    continue;
                }
                // Lengths are byte counts: non-negative and within what a
                // netlink attribute can carry (a u16 length field).
                let length = |this: &mut Self, v: Option<&S<IntOrName>>, what: &str| {
                    v.and_then(|v| this.len_or_define(v, what))
                };
                let min_len = length(self, checks.and_then(|c| c.min_len.as_ref()), "min-len");
                let max_len = length(
                    self,
                    a.max_len
                        .as_ref()
                        .or_else(|| checks.and_then(|c| c.max_len.as_ref())),
                    "max-len",
                );
                let exact_len =
                    length(self, checks.and_then(|c| c.exact_len.as_ref()), "exact-len");
                let len = length(self, a.len.as_ref(), "len");
                let byte_order = match &a.byte_order {
                    None => None,
                    Some(b) if b.value == "little-endian" => Some(ByteOrder::Little),
                    Some(b) if b.value == "big-endian" => Some(ByteOrder::Big),
                    Some(b) => {
                        self.err(
                            &rules::BAD_VALUE,
                            self.pos(b),
                            format!("unknown byte-order `{}`", b.value),
                            "write `little-endian` or `big-endian`",
                        );
                        continue;
                    }
                };
                let since = self.since(&a.since);
                let mut attr = Attr {
                    name: aname,
                    doc: a.doc.clone(),
                    ty,
                    value: next as u32,
                    since,
                    enum_,
                    nested_attributes: a.nested_attributes.as_ref().map(|n| n.value.clone()),
                    multi_attr: a.multi_attr.as_ref().is_some_and(|m| m.value),
                    byte_order,
                    min,
                    max,
                    min_len,
                    max_len,
                    exact_len,
                    len,
                    struct_: a.r#struct.as_ref().map(|s| s.value.clone()),
                    sub_type: a.sub_type.as_ref().map(|s| s.value.clone()),
                    name_prefix: a.name_prefix.as_ref().map(|s| s.value.clone()),
                    pos: self.pos(&a.name),
                    lint_allow: a.lint_allow.iter().map(|s| s.value.clone()).collect(),
                };
                // A subset's attribute is its base's, with the keys the
                // subset repeats (YNL: `real_attr.yaml | elem`). Bases come
                // first in the file, as YNL requires.
                if let Some(b) = set
                    .subset_of
                    .as_ref()
                    .and_then(|b| out.iter().find(|x| x.name == b.value))
                    .and_then(|b| b.attributes.iter().find(|x| x.name == attr.name))
                {
                    inherit_attr(&mut attr, b);
                }
                attrs.push(attr);
                next += 1;
            }
            out.push(AttrSet {
                name,
                doc: set.doc.clone(),
                name_prefix: set.name_prefix.as_ref().map(|s| s.value.clone()),
                enum_name: set
                    .enum_name
                    .as_ref()
                    .map(|s| s.value.clone().unwrap_or_default()),
                attr_cnt_name: set.attr_cnt_name.as_ref().map(|s| s.value.clone()),
                attr_max_name: set.attr_max_name.as_ref().map(|s| s.value.clone()),
                subset_of: set.subset_of.as_ref().map(|s| s.value.clone()),
                attributes: attrs,
                pos: self.pos(&set.name),
            });
        }
        out
    }

    /// A `fixed-header` must name a struct; the header itself is not
    /// generated into messages.
    fn fixed_header(&mut self, fh: &S<String>, s: &SpecFile, on: &str) {
        if !self.struct_exists(&fh.value, s) {
            self.dangling_struct(fh, s);
            return;
        }
        self.not_generated(
            &rules::YNL_FIXED_HEADER,
            self.pos(fh),
            format!("the `fixed-header` of {on} is not generated"),
            "move the header's fields into attributes of the operation's attribute set",
        );
    }

    /// Reports the parts of one YNL operation that are not generated.
    fn op_not_generated(
        &mut self,
        op: &spec::OperationDef,
        name: &str,
        mcgrps: &[&str],
        s: &SpecFile,
        directional: bool,
    ) {
        if let Some(fh) = &op.fixed_header {
            self.fixed_header(fh, s, &format!("operation `{name}`"));
        }
        if let Some(d) = &op.dump {
            self.not_generated(
                &rules::YNL_DUMP,
                self.pos(d),
                format!("the `dump` of operation `{name}` is not generated"),
                "describe the result as a `do` reply with a `multi-attr` nest, one entry per object",
            );
        }
        let ntf = op
            .notify
            .as_ref()
            .map(|n| self.pos(n))
            .or_else(|| op.event.as_ref().map(|e| self.pos(e)));
        if let Some(p) = ntf {
            self.not_generated(
                &rules::YNL_NOTIFICATION,
                p,
                format!("operation `{name}` is a notification"),
                "poll with a `do` operation, or keep the notification for documentation only",
            );
        }
        if let Some(g) = &op.mcgrp
            && !mcgrps.contains(&g.value.as_str())
        {
            let hint = did_you_mean(&g.value, mcgrps.iter().copied());
            self.err(
                &rules::DANGLING_REFERENCE,
                self.pos(g),
                format!("no multicast group named `{}` in `mcast-groups`", g.value),
                hint,
            );
        }
        for dv in &op.dont_validate {
            if !matches!(dv.value.as_str(), "strict" | "dump" | "dump-strict") {
                self.err(
                    &rules::BAD_VALUE,
                    self.pos(dv),
                    format!("unknown dont-validate value `{}`", dv.value),
                    "write `strict`, `dump` or `dump-strict`",
                );
                continue;
            }
            self.not_generated(
                &rules::YNL_RELAXED_VALIDATION,
                self.pos(dv),
                format!(
                    "`dont-validate: {}` on operation `{name}` is ignored",
                    dv.value
                ),
                "remove it; senders built from this spec never send what strict validation rejects",
            );
        }
        for m in [&op.r#do, &op.dump]
            .into_iter()
            .flatten()
            .filter(|_| !directional)
        {
            for msg in [&m.request, &m.reply].into_iter().flatten() {
                if let Some(v) = &msg.value.value {
                    self.not_generated(
                        &rules::YNL_ENUM_MODEL,
                        self.pos(v),
                        format!("a per-direction message `value` on operation `{name}` is ignored: requests and replies carry the operation's value"),
                        "remove it, and give the operation a `value` instead",
                    );
                }
            }
        }
    }

    fn operations(&mut self, s: &SpecFile, model: &Model) -> Option<Operations> {
        let ops = s.operations.as_ref()?;
        if let Some(t) = &ops.transport {
            let known = model
                .ioctls
                .iter()
                .chain(
                    model
                        .all_includes()
                        .into_iter()
                        .flat_map(|m| m.ioctls.iter()),
                )
                .any(|i| i.name == t.value);
            if !known {
                let names: Vec<String> = model.ioctls.iter().map(|i| i.name.clone()).collect();
                let hint = did_you_mean(&t.value, names.iter().map(String::as_str));
                self.err(
                    &rules::DANGLING_REFERENCE,
                    self.pos(t),
                    format!("no ioctl named `{}` to carry control messages", t.value),
                    hint,
                );
            }
        }
        if let Some(m) = &ops.enum_model {
            match m.value.as_str() {
                "unified" => {}
                "directional" => self.not_generated(
                    &rules::YNL_ENUM_MODEL,
                    self.pos(m),
                    "`enum-model: directional` is not generated: operations are numbered as in the unified model, so the command constants differ from YNL's per-direction enums",
                    "use the default `unified` model, where a request and its reply share the operation's value",
                ),
                _ => self.err(
                    &rules::BAD_VALUE,
                    self.pos(m),
                    format!("unknown enum-model `{}`", m.value),
                    "write `unified` or `directional`",
                ),
            }
        }
        if let Some(fh) = &ops.fixed_header {
            self.fixed_header(fh, s, "operations");
        }
        for key in [&ops.async_prefix, &ops.async_enum].into_iter().flatten() {
            self.not_generated(
                &rules::YNL_NOTIFICATION,
                self.pos(key),
                "a separate enum of notifications (`async-prefix`/`async-enum`) is not generated: notifications are numbered and named with the other operations",
                "remove the key; notifications then share the command enum, as in most kernel families",
            );
        }
        // Per-direction message values belong to the directional model,
        // which is reported once above.
        let directional = ops
            .enum_model
            .as_ref()
            .is_some_and(|m| m.value == "directional");
        let mcgrps: Vec<&str> = s
            .mcast_groups
            .iter()
            .flat_map(|g| g.list.iter().map(|x| x.name.value.as_str()))
            .collect();
        let mut list: Vec<Operation> = Vec::new();
        let mut next: i128 = 1;
        for op in &ops.list {
            let name = self.name(&op.name, "operation");
            if list.iter().any(|x| x.name == name) {
                self.err(
                    &rules::DUPLICATE_NAME,
                    self.pos(&op.name),
                    format!("operation `{name}` is defined twice"),
                    "",
                );
                continue;
            }
            if let Some(v) = &op.value.value {
                match self.int_in(v, 0, 0xffff, "operation value") {
                    Some(v) => next = v,
                    None => continue,
                }
            }
            if let Some(prev) = list.iter().find(|x| i128::from(x.value) == next) {
                self.err(
                    &rules::DUPLICATE_NUMBER,
                    self.pos(&op.name),
                    format!(
                        "operation `{name}` has the same value {next} as `{}`",
                        prev.name
                    ),
                    "",
                );
                continue;
            }
            self.op_not_generated(op, &name, &mcgrps, s, directional);
            // A notification without its own `attribute-set` uses the one
            // of the operation it `notify`s about, as YNL resolves it.
            let set_ref = op.attribute_set.as_ref().or_else(|| {
                let n = op.notify.as_ref()?;
                ops.list
                    .iter()
                    .find(|o| o.name.value == n.value)?
                    .attribute_set
                    .as_ref()
            });
            let set = match set_ref {
                None => None,
                Some(a) => match model.attribute_sets.iter().find(|x| x.name == a.value) {
                    Some(set) => Some(set),
                    None => {
                        let names: Vec<&str> = model
                            .attribute_sets
                            .iter()
                            .map(|x| x.name.as_str())
                            .collect();
                        let hint = did_you_mean(&a.value, names);
                        self.err(
                            &rules::DANGLING_REFERENCE,
                            self.pos(a),
                            format!("no attribute-set named `{}`", a.value),
                            hint,
                        );
                        continue;
                    }
                },
            };
            let mode = |this: &mut Self, m: &Option<S<spec::OpModeDef>>| -> Option<OpMode> {
                let m = m.as_ref()?;
                let msg = |this: &mut Self, x: &Option<S<spec::OpMsgDef>>| -> Option<Vec<String>> {
                    let x = x.as_ref()?;
                    let mut names = Vec::new();
                    for a in &x.attributes {
                        match set {
                            Some(set) if !set.attributes.iter().any(|at| at.name == a.value) => {
                                let known: Vec<&str> =
                                    set.attributes.iter().map(|at| at.name.as_str()).collect();
                                let hint = did_you_mean(&a.value, known);
                                this.err(
                                    &rules::DANGLING_REFERENCE,
                                    this.pos(a),
                                    format!(
                                        "attribute-set `{}` has no attribute `{}`",
                                        set.name, a.value
                                    ),
                                    hint,
                                );
                            }
                            None => this.err(
                                &rules::MISSING_KEY,
                                this.pos(a),
                                "attributes listed but the operation has no `attribute-set`",
                                "",
                            ),
                            _ => names.push(a.value.clone()),
                        }
                    }
                    Some(names)
                };
                Some(OpMode {
                    request: msg(this, &m.request),
                    reply: msg(this, &m.reply),
                })
            };
            let do_ = mode(self, &op.r#do);
            let dump = mode(self, &op.dump);
            let event = op.event.as_ref().map(|e| {
                let mut names = Vec::new();
                for a in &e.attributes {
                    match set {
                        Some(set) if set.attributes.iter().any(|at| at.name == a.value) => {
                            names.push(a.value.clone())
                        }
                        Some(set) => self.err(
                            &rules::DANGLING_REFERENCE,
                            self.pos(a),
                            format!(
                                "attribute-set `{}` has no attribute `{}`",
                                set.name, a.value
                            ),
                            "",
                        ),
                        None => self.err(
                            &rules::MISSING_KEY,
                            self.pos(a),
                            "attributes listed but the operation has no `attribute-set`",
                            "",
                        ),
                    }
                }
                names
            });
            if let Some(n) = &op.notify
                && !ops.list.iter().any(|o| o.name.value == n.value)
            {
                let names: Vec<&str> = ops.list.iter().map(|o| o.name.value.as_str()).collect();
                let hint = did_you_mean(&n.value, names);
                self.err(
                    &rules::DANGLING_REFERENCE,
                    self.pos(n),
                    format!("`notify` names `{}`, which is not an operation", n.value),
                    hint,
                );
            }
            let since = self.since(&op.since);
            list.push(Operation {
                name,
                doc: op.doc.clone(),
                value: next as u32,
                since,
                attribute_set: op.attribute_set.as_ref().map(|a| a.value.clone()),
                do_,
                dump,
                admin_perm: self.op_flags(&op.flags),
                notify: op.notify.as_ref().map(|n| n.value.clone()),
                event,
                pos: self.pos(&op.name),
            });
            next += 1;
        }
        Some(Operations {
            transport: ops.transport.as_ref().map(|t| t.value.clone()),
            name_prefix: ops.name_prefix.as_ref().map(|t| t.value.clone()),
            enum_name: ops.enum_name.as_ref().map(|t| t.value.clone()),
            list,
            pos: self.pos(ops),
        })
    }
}
