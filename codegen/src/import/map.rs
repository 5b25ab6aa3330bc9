//! From the C view of a header to the items of a spec, one function per
//! C construct (`macro_item`, `command`, `record`, `field`, `field_type`,
//! `enumeration`), each returning the spec item or why it cannot be
//! expressed. A later language feature (unions, flexible arrays, ...)
//! replaces one `Err` arm.

use super::cview::{CEnum, CEnumerator, CField, CHeader, CMacro, CRecord, Loc};
use super::kerneldoc::{self, KernelDoc};
use super::{Finding, Unexpressible};
use crate::names::{is_kebab, snake, upper};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Default)]
pub struct Spec {
    pub name: String,
    /// The C prefix, when it is not the spec name (`drm-ivpu`).
    pub c_prefix: Option<String>,
    /// The header writes its commands with `DRM_IO*` (`ioctl: { style: drm }`).
    pub drm: bool,
    /// The `<DRV>` of `DRM_IOCTL_<DRV>_<X>`, when not the default.
    pub driver: Option<String>,
    pub file_name: String,
    pub license: Option<String>,
    pub consts: Vec<Const>,
    pub enums: Vec<Enum>,
    pub structs: Vec<Struct>,
    pub ioctls: Vec<Ioctl>,
    pub magic: Option<u8>,
    pub nr_range: Option<(u8, u8)>,
}

#[derive(Debug)]
pub struct Const {
    pub name: String,
    pub c_name: Option<String>,
    pub value: i128,
    /// The value as a hex literal, when the header writes it in hex.
    pub hex: Option<String>,
    pub doc: Option<String>,
}

#[derive(Debug)]
pub struct Enum {
    pub name: String,
    /// YNL's `enum-name`: `Some(None)` for an anonymous C enum.
    pub enum_name: Option<Option<String>>,
    pub name_prefix: Option<String>,
    pub doc: Option<String>,
    pub entries: Vec<(String, i128, Option<String>)>,
}

#[derive(Debug)]
pub struct Struct {
    pub name: String,
    pub c_name: Option<String>,
    /// The C tag, for messages.
    pub tag: String,
    pub doc: Option<String>,
    pub members: Vec<Member>,
}

#[derive(Debug, Default)]
pub struct Member {
    pub name: String,
    pub ty: String,
    pub count: Option<Bound>,
    pub len: Option<Bound>,
    pub strukt: Option<String>,
    pub byte_order: Option<&'static str>,
    pub pad: bool,
    pub access: Option<&'static str>,
    pub doc: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Bound {
    N(u64),
    Const(String),
}

#[derive(Debug)]
pub struct Ioctl {
    pub name: String,
    pub c_name: Option<String>,
    pub c_nr_name: Option<String>,
    /// `arg-access`: the members' access for this ioctl, when its
    /// argument is shared with an ioctl of another direction.
    pub arg_access: Vec<(String, &'static str)>,
    pub nr: u8,
    pub dir: &'static str,
    pub arg: Option<String>,
    pub extension: Option<&'static str>,
    pub doc: Option<String>,
}

/// The spec items and everything that could not be expressed.
pub fn map(h: &CHeader) -> (Spec, Vec<Finding>) {
    let mut m = Mapper::new(h);
    m.run();
    (m.spec, m.findings)
}

struct Mapper<'a> {
    h: &'a CHeader,
    /// The C prefix every derived name starts with (`drm_ivpu`).
    prefix: String,
    spec: Spec,
    findings: Vec<Finding>,
    /// Macro name -> the const's spec name, for array bounds.
    consts: BTreeMap<String, String>,
    /// Struct tag -> spec name, for the structs that were expressed.
    structs: BTreeMap<String, String>,
    /// DRM style: the `<DRV>` of the command macros.
    drv: String,
    /// Number macros, by name: `DRM_IVPU_GET_PARAM` in
    /// `DRM_IOWR(DRM_COMMAND_BASE + DRM_IVPU_GET_PARAM, ...)`. The ioctl
    /// defines them (`c-nr-name` where the name is not the derived one).
    nr_macros: BTreeSet<String>,
}

/// A command macro's parts: `DRM_IOWR(DRM_COMMAND_BASE + X, struct y)`.
struct Command<'a> {
    drm: bool,
    dir: &'static str,
    nr_expr: &'a str,
    arg: Option<&'a str>,
}

impl<'a> Mapper<'a> {
    fn new(h: &'a CHeader) -> Self {
        let prefix = prefix(h);
        Mapper {
            h,
            drv: prefix
                .strip_prefix("drm_")
                .unwrap_or(&prefix)
                .to_ascii_uppercase(),
            nr_macros: BTreeSet::new(),
            prefix,
            spec: Spec {
                file_name: h.file_name.clone(),
                license: h.license.clone(),
                ..Spec::default()
            },
            findings: Vec::new(),
            consts: BTreeMap::new(),
            structs: BTreeMap::new(),
        }
    }

    fn not_expressible(&mut self, loc: &Loc, what: String, why: impl Into<String>) {
        self.findings.push(Finding::Unexpressible(Unexpressible {
            loc: loc.clone(),
            what,
            why: why.into(),
        }));
    }

    fn run(&mut self) {
        let c_prefix = self.prefix.replace('_', "-");
        self.spec.name = c_prefix
            .strip_prefix("drm-")
            .unwrap_or(&c_prefix)
            .to_string();
        if self.spec.name != c_prefix {
            self.spec.c_prefix = Some(c_prefix);
        }
        let guard = include_guard(self.h);
        // ethosu writes its commands as enumerators of an anonymous enum
        // (`DRM_IOCTL_ETHOSU_SUBMIT = DRM_IOCTL_ETHOSU(WR, SUBMIT,
        // submit)`); the AST gives each one's value and the struct whose
        // size it takes, as a macro's replacement list would.
        let pseudo: Vec<(CMacro, &CEnumerator)> = self
            .h
            .enums
            .iter()
            .filter(|e| is_command_enum(e))
            .flat_map(|e| &e.entries)
            .map(|x| {
                let m = CMacro {
                    name: x.name.clone(),
                    loc: x.loc.clone(),
                    function_like: false,
                    body: String::new(),
                    value: Some(x.value),
                    long: false,
                    doc: x.doc.clone(),
                };
                (m, x)
            })
            .collect();
        let mut commands: Vec<(&CMacro, Command)> = self
            .h
            .macros
            .iter()
            .filter_map(|m| command(m).map(|c| (m, c)))
            .collect();
        commands.extend(pseudo.iter().filter_map(|(m, x)| {
            let arg = x.sizeof_arg.as_deref()?;
            // The direction bits of the asm-generic encoding the front
            // end computed the value with.
            let dir = match (x.value >> 30) & 3 {
                0 => "none",
                1 => "in",
                2 => "out",
                _ => "inout",
            };
            let drm = x.name.starts_with("DRM_IOCTL_") && ((x.value >> 8) & 0xff) == 0x64;
            Some((
                m,
                Command {
                    drm,
                    dir,
                    nr_expr: "",
                    arg: (dir != "none").then_some(arg),
                },
            ))
        }));
        self.spec.drm = commands.iter().any(|(_, c)| c.drm);
        self.driver(&commands);
        for (_, c) in &commands {
            if let Some(n) = self.nr_macro(c) {
                self.nr_macros.insert(n.name.clone());
            }
        }
        for mac in &self.h.macros {
            if Some(mac.name.as_str()) == guard
                || command(mac).is_some()
                || self.nr_macros.contains(&mac.name)
            {
                continue;
            }
            match self.macro_item(mac) {
                Ok(c) if self.spec.consts.iter().any(|k| k.name == c.name) => self.not_expressible(
                    &mac.loc,
                    format!("macro {}", mac.name),
                    format!("its spec name `{}` is another const's", c.name),
                ),
                Ok(c) => {
                    self.consts.insert(mac.name.clone(), c.name.clone());
                    self.spec.consts.push(c);
                }
                Err(why) => self.not_expressible(&mac.loc, format!("macro {}", mac.name), why),
            }
        }
        for e in &self.h.enums {
            if is_command_enum(e) {
                self.findings.push(Finding::Warning {
                    loc: e.loc.clone(),
                    message: "its enumerators are command numbers, which the spec holds as ioctls: the generated header defines them as macros".into(),
                });
                continue;
            }
            match self.enumeration(e) {
                Ok(x) if self.tag_taken(&x.name) => self.not_expressible(
                    &e.loc,
                    format!("enum {}", e.tag.as_deref().unwrap_or("(anonymous)")),
                    format!("its spec name `{}` is another enum's", x.name),
                ),
                Ok(x) => self.spec.enums.push(x),
                Err(why) => {
                    let what = match &e.tag {
                        Some(t) => format!("enum {t}"),
                        None => "anonymous enum".to_string(),
                    };
                    self.not_expressible(&e.loc, what, why)
                }
            }
        }
        for r in &self.h.records {
            match self.record(r) {
                Ok(s) if self.tag_taken(&s.name) => self.not_expressible(
                    &r.loc,
                    format!("struct {}", s.tag),
                    format!("its spec name `{}` is another struct's or enum's", s.name),
                ),
                Ok(s) => {
                    self.structs.insert(s.tag.clone(), s.name.clone());
                    self.spec.structs.push(s);
                }
                Err(why) => {
                    let what = match (&r.tag, r.is_union) {
                        (Some(t), true) => format!("union {t}"),
                        (Some(t), false) => format!("struct {t}"),
                        (None, _) => "anonymous record".to_string(),
                    };
                    self.not_expressible(&r.loc, what, why)
                }
            }
        }
        for o in &self.h.others {
            self.not_expressible(
                &o.loc,
                format!("{} {}", o.kind, o.name),
                "a uapi spec describes structs, enums, constants and ioctls only",
            );
        }
        let mut dirs: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
        for (mac, c) in commands {
            match self.command(mac, &c) {
                Ok(i) => {
                    if let Some(a) = &i.arg {
                        dirs.entry(a.clone()).or_default().insert(i.dir);
                    }
                    self.spec.ioctls.push(i);
                }
                Err(why) => {
                    self.not_expressible(&mac.loc, format!("ioctl {}", mac.name), why);
                    // Its number macro stays a const: nothing the
                    // language can hold is dropped with the ioctl.
                    if let Some(n) = self.nr_macro(&c)
                        && self.nr_macros.remove(&n.name)
                    {
                        match self.macro_item(n) {
                            Ok(k) => self.spec.consts.push(k),
                            Err(why) => {
                                self.not_expressible(&n.loc, format!("macro {}", n.name), why)
                            }
                        }
                    }
                }
            }
        }
        self.access(&dirs);
        let nrs: Vec<u8> = self.spec.ioctls.iter().map(|i| i.nr).collect();
        if let (Some(&lo), Some(&hi)) = (nrs.iter().min(), nrs.iter().max())
            && (lo < 0x40 || hi > 0x9f)
        {
            self.spec.nr_range = Some((lo, hi));
        }
    }

    /// Member access from the ioctl direction, the user's point of view:
    /// every member of an `_IOWR` argument is `inout`, of an `_IOR` one
    /// `out`, of an `_IOW` one `in` (the default); pads have none. A
    /// struct passed by ioctls of different directions (ivpu's
    /// `drm_ivpu_param`: GET_PARAM `_IOWR`, SET_PARAM `_IOW`) keeps `in`
    /// on its members, and each ioctl of another direction says its own
    /// with `arg-access`.
    fn access(&mut self, dirs: &BTreeMap<String, BTreeSet<&'static str>>) {
        let of_dir = |d: &str| match d {
            "inout" => Some("inout"),
            "out" => Some("out"),
            _ => None,
        };
        for s in &mut self.spec.structs {
            let Some(d) = dirs.get(&s.name) else { continue };
            if d.len() > 1 {
                let members: Vec<&str> = s
                    .members
                    .iter()
                    .filter(|m| !m.pad)
                    .map(|m| m.name.as_str())
                    .collect();
                for i in self.spec.ioctls.iter_mut() {
                    if i.arg.as_deref() == Some(&s.name)
                        && let Some(a) = of_dir(i.dir)
                    {
                        i.arg_access = members.iter().map(|m| (m.to_string(), a)).collect();
                    }
                }
                continue;
            }
            let access = d.iter().next().and_then(|d| of_dir(d));
            for m in &mut s.members {
                if !m.pad {
                    m.access = access;
                }
            }
        }
    }

    /// The spec name of C name `c`: without the C prefix when it has it
    /// (`DRM_IVPU_BO_FLAGS` -> `bo-flags`), else all of it (then the item
    /// keeps its C name with `c-name`).
    fn name_of(&self, c: &str) -> Result<String, String> {
        let lower = c.to_ascii_lowercase();
        let rest = lower
            .strip_prefix(&self.prefix)
            .and_then(|r| r.strip_prefix('_'))
            .filter(|r| !r.is_empty())
            .unwrap_or(&lower);
        kebab(rest)
    }

    /// The C prefix as the spec writes it (`c-prefix`, else `name`).
    fn c_prefix(&self) -> &str {
        self.spec.c_prefix.as_deref().unwrap_or(&self.spec.name)
    }

    /// DRM style: the `<DRV>` of `DRM_IOCTL_<DRV>_<X>`. The default is the
    /// C prefix without `drm_`; otherwise the words every command macro
    /// shares after `DRM_IOCTL_` (`driver:` in the spec).
    fn driver(&mut self, commands: &[(&CMacro, Command)]) {
        let names: Vec<&str> = commands
            .iter()
            .filter(|(_, c)| c.drm)
            .filter_map(|(m, _)| m.name.strip_prefix("DRM_IOCTL_"))
            .collect();
        if names.is_empty()
            || names
                .iter()
                .all(|n| n.starts_with(&format!("{}_", self.drv)))
        {
            return;
        }
        let common = common_prefix(&names);
        let drv = common.trim_end_matches('_');
        if let Ok(k) = kebab(&drv.to_ascii_lowercase())
            && !drv.is_empty()
        {
            self.drv = drv.to_string();
            self.spec.driver = Some(k);
        }
    }

    /// The header's macro that holds a command's number, if it has one
    /// whose value agrees with the command's.
    fn nr_macro(&self, c: &Command) -> Option<&'a CMacro> {
        let h = self.h;
        let mut idents = c
            .nr_expr
            .split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
            .filter(|t| !t.is_empty() && !t.starts_with(|ch: char| ch.is_ascii_digit()))
            .filter(|t| *t != "DRM_COMMAND_BASE");
        let ident = idents.next()?;
        if idents.next().is_some() {
            return None;
        }
        h.macros
            .iter()
            .find(|m| m.name == ident && !m.function_like && m.value.is_some())
    }

    /// Structs and enums share one namespace of spec names, as C tags do.
    fn tag_taken(&self, name: &str) -> bool {
        self.spec.structs.iter().any(|s| s.name == name)
            || self.spec.enums.iter().any(|e| e.name == name)
    }

    fn is_enumerator(&self, name: &str) -> bool {
        self.h
            .enums
            .iter()
            .any(|e| e.entries.iter().any(|x| x.name == name))
    }

    fn macro_item(&self, mac: &CMacro) -> Result<Const, String> {
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
        if mac.long && !(i128::from(i32::MIN)..=i128::from(u32::MAX)).contains(&value) {
            return Err(format!(
                "its value `{}` is a `long`, 64 bits here and 32 bits on i386, arm and mips, so it differs per target",
                mac.body
            ));
        }
        let name = self.name_of(&mac.name)?;
        let derived = format!("{}_{}", upper(self.c_prefix()), upper(&name));
        Ok(Const {
            c_name: (derived != mac.name).then(|| mac.name.clone()),
            name,
            value,
            hex: (mac.body.contains("0x") || mac.body.contains("0X"))
                .then(|| hex_literal(&mac.body, value)),
            doc: mac
                .doc
                .as_deref()
                .map(kerneldoc::parse)
                .map(|d| d.text)
                .filter(|t| !t.is_empty()),
        })
    }

    fn enumeration(&self, e: &CEnum) -> Result<Enum, String> {
        if e.entries.is_empty() {
            return Err("an enum without entries".into());
        }
        let names: Vec<&str> = e.entries.iter().map(|x| x.name.as_str()).collect();
        if names.iter().any(|n| n.contains("_IOCTL_")) {
            return Err(
                "its enumerators are ioctl command numbers, which differ per target; the language writes them only as ioctls"
                    .into(),
            );
        }
        let entry_prefix = common_prefix(&names);
        let (name, enum_name) = match &e.tag {
            Some(t) => {
                let name = self.name_of(t)?;
                let derived = format!("{}_{}", snake(self.c_prefix()), snake(&name));
                let enum_name = (derived != *t).then(|| kebab(t).map(Some)).transpose()?;
                (name, enum_name)
            }
            None => {
                let p = entry_prefix.trim_end_matches('_');
                (self.name_of(p)?, Some(None))
            }
        };
        // The derived entry prefix when every entry has it, else the
        // longest one they share (YNL's `name-prefix`).
        let derived = format!("{}_{}_", upper(self.c_prefix()), upper(&name));
        let entry_prefix = if names
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
        // gives two entries one value, which an enum of the language
        // cannot hold.
        for (i, x) in e.entries.iter().enumerate() {
            if let Some(y) = e.entries[..i].iter().find(|y| y.value == x.value) {
                return Err(format!(
                    "enumerators {} and {} share the value {}, and the entries of an enum have distinct values",
                    y.name, x.name, x.value
                ));
            }
        }
        let kd = e.doc.as_deref().map(kerneldoc::parse).unwrap_or_default();
        let mut entries = Vec::new();
        for x in &e.entries {
            let rest = &x.name[entry_prefix.len()..];
            let n = kebab(&rest.to_ascii_lowercase())
                .map_err(|w| format!("enumerator {}: {w}", x.name))?;
            entries.push((
                n,
                x.value,
                kerneldoc::member_doc(x.doc.as_deref(), &x.name, &kd),
            ));
        }
        let doc = Some(kd.text).filter(|t| !t.is_empty());
        Ok(Enum {
            name,
            enum_name,
            name_prefix,
            doc,
            entries,
        })
    }

    fn record(&mut self, r: &CRecord) -> Result<Struct, String> {
        if r.is_union {
            return Err("unions are not in the language yet".into());
        }
        let tag = r.tag.as_deref().ok_or("an anonymous struct has no name")?;
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
            return Err("an empty struct".into());
        }
        Ok(Struct {
            c_name: (derived != tag).then(|| tag.to_string()),
            tag: tag.to_string(),
            name,
            doc: Some(kd.text).filter(|t| !t.is_empty()),
            members,
        })
    }

    fn field(&self, f: &CField, kd: &KernelDoc) -> Result<Member, String> {
        if f.nested_record {
            return Err(
                "a struct or union defined inside another is not in the language yet".into(),
            );
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
        m.pad = is_pad(&f.name, doc.as_deref()) && m.strukt.is_none() && m.ty != "string";
        m.doc = doc;
        Ok(m)
    }

    /// The member's type: a `__uN`/`__sN` (or `__beN`/`__leN`) scalar, a
    /// one-dimensional array of one, a `char` array, or a struct of this
    /// header by value.
    fn field_type(&self, f: &CField) -> Result<Member, String> {
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
        if let Some(tag) = base.strip_prefix("struct ") {
            if dims == [""] {
                return Err(format!(
                    "a flexible array member (`{ty}`) is not in the language yet"
                ));
            }
            if !dims.is_empty() {
                return Err(format!(
                    "an array of structs (`{ty}`) is not in the language yet"
                ));
            }
            let s = self
                .structs
                .get(tag)
                .ok_or_else(|| format!("its type struct {tag} is not expressible here"))?;
            m.ty = "struct".into();
            m.strukt = Some(s.clone());
            return Ok(m);
        }
        let (scalar, order) = match scalar(base) {
            Some(s) => s,
            None if base == "char" && dims.len() == 1 => ("string", None),
            None => {
                return Err(format!(
                    "type `{base}` is not a fixed-width __uN, __sN, __beN or __leN type"
                ));
            }
        };
        m.ty = scalar.into();
        m.byte_order = order;
        match dims.as_slice() {
            [] => {}
            [""] => return Err("a flexible array member is not in the language yet".into()),
            [n] => {
                let n: u64 = n.parse().map_err(|_| format!("array bound `{n}`"))?;
                let bound = match self.bound_name(f) {
                    Some(c) => Bound::Const(c),
                    None => Bound::N(n),
                };
                if scalar == "string" {
                    m.len = Some(bound);
                } else {
                    m.count = Some(bound);
                }
            }
            _ => {
                return Err(format!(
                    "a multi-dimensional array (`{ty}`) is not in the language yet"
                ));
            }
        }
        Ok(m)
    }

    /// The const naming an array's bound, when the declaration writes
    /// one (`__u32 cus[X_MAX_CUS]`).
    fn bound_name(&self, f: &CField) -> Option<String> {
        let inside = f.text.split_once('[')?.1.split_once(']')?.0.trim();
        self.consts.get(inside).cloned()
    }

    fn command(&mut self, mac: &CMacro, c: &Command) -> Result<Ioctl, String> {
        let v = mac.value.ok_or("its value could not be computed")?;
        let (nr, magic) = ((v & 0xff) as u8, ((v >> 8) & 0xff) as u8);
        if *self.spec.magic.get_or_insert(magic) != magic {
            return Err(format!(
                "its ioctl type {magic:#04x} differs from the header's first ({:#04x}); a spec has one",
                self.spec.magic.unwrap_or(0)
            ));
        }
        if self.spec.drm && nr < 0x40 {
            return Err(format!(
                "its number {nr:#04x} is below DRM_COMMAND_BASE, and a DRM-style spec writes numbers relative to it (the DRM core's own range)"
            ));
        }
        let arg = match c.arg {
            None => None,
            Some(a) => {
                if let Some(u) = a.strip_prefix("union ") {
                    return Err(format!(
                        "its argument union {} is not expressible: unions are not in the language yet",
                        u.trim()
                    ));
                }
                let tag = a.strip_prefix("struct ").map(str::trim).ok_or_else(|| {
                    format!("its argument `{a}` is not a struct, and every ioctl argument is")
                })?;
                Some(
                    self.structs
                        .get(tag)
                        .cloned()
                        .ok_or_else(|| format!("its argument struct {tag} is not expressible"))?,
                )
            }
        };
        // The derived names: DRM's `DRM_IOCTL_<DRV>_<X>` and `DRM_<DRV>_<X>`,
        // else `<PREFIX>_IOCTL_<X>` and `<PREFIX>_NR_<X>`.
        let up = upper(self.c_prefix());
        let own = if self.spec.drm {
            format!("DRM_IOCTL_{}_", self.drv)
        } else {
            format!("{up}_IOCTL_")
        };
        let rest = mac
            .name
            .strip_prefix(&own)
            .or_else(|| mac.name.split_once("_IOCTL_").map(|(_, r)| r))
            .unwrap_or(&mac.name);
        let name = kebab(&rest.to_ascii_lowercase())?;
        let derived = format!("{own}{rest}");
        let derived_nr = if self.spec.drm {
            format!("DRM_{}_{rest}", self.drv)
        } else {
            format!("{up}_NR_{rest}")
        };
        let c_nr_name = match self.nr_macro(c) {
            Some(m) => (m.name != derived_nr).then(|| m.name.clone()),
            // The header holds the number in an enumerator the spec keeps
            // (amdxdna's `enum amdxdna_drm_ioctl_id`): the derived number
            // macro would be the same name, so it gets its own.
            None if self.is_enumerator(&derived_nr) => {
                let own_nr = if self.spec.drm {
                    format!("DRM_{}_NR_{rest}", self.drv)
                } else {
                    format!("{up}_NR_{rest}_NR")
                };
                self.findings.push(Finding::Warning {
                    loc: mac.loc.clone(),
                    message: format!(
                        "the number of {} is enumerator {derived_nr}, which the spec keeps; the generated header adds the number macro {own_nr}",
                        mac.name
                    ),
                });
                Some(own_nr)
            }
            None => None,
        };
        Ok(Ioctl {
            c_name: (derived != mac.name).then(|| mac.name.clone()),
            c_nr_name,
            arg_access: Vec::new(),
            name,
            nr,
            dir: c.dir,
            arg,
            // drm_ioctl zero-extends a shorter caller struct.
            extension: c.drm.then_some("zero-extend"),
            doc: mac
                .doc
                .as_deref()
                .map(kerneldoc::parse)
                .map(|d| d.text)
                .filter(|t| !t.is_empty()),
        })
    }
}

/// An enum whose enumerators are command numbers: each named
/// `..._IOCTL_...` and computed from the `sizeof` of a struct.
fn is_command_enum(e: &CEnum) -> bool {
    !e.entries.is_empty()
        && e.entries.iter().all(|x| {
            x.name.contains("_IOCTL_")
                && x.sizeof_arg
                    .as_deref()
                    .is_some_and(|t| t.starts_with("struct ") || t.starts_with("union "))
        })
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

/// `_IOWR(...)`, `DRM_IOW(...)`, ...: the replacement list is exactly one
/// call of an ioctl macro; its arguments split at top-level commas.
fn command(mac: &CMacro) -> Option<Command<'_>> {
    if mac.function_like {
        return None;
    }
    let body = mac.body.trim();
    let open = body.find('(')?;
    let head = body[..open].trim();
    let args = body[open + 1..].strip_suffix(')')?;
    let (drm, dir) = match head {
        "_IO" => (false, "none"),
        "_IOR" => (false, "out"),
        "_IOW" => (false, "in"),
        "_IOWR" => (false, "inout"),
        "DRM_IO" => (true, "none"),
        "DRM_IOR" => (true, "out"),
        "DRM_IOW" => (true, "in"),
        "DRM_IOWR" => (true, "inout"),
        _ => return None,
    };
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, ch) in args.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(args[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(args[start..].trim());
    let (nr_expr, arg) = match (drm, dir, parts.as_slice()) {
        (true, "none", [nr]) => (*nr, None),
        (true, _, [nr, ty]) => (*nr, Some(*ty)),
        (false, "none", [_, nr]) => (*nr, None),
        (false, _, [_, nr, ty]) => (*nr, Some(*ty)),
        _ => return None,
    };
    Some(Command {
        drm,
        dir,
        nr_expr,
        arg,
    })
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

/// `bo_flags` -> `bo-flags`, when the C name comes back from it.
fn kebab(c: &str) -> Result<String, String> {
    let k = c.replace('_', "-");
    if is_kebab(&k) && k.replace('-', "_") == c {
        Ok(k)
    } else {
        Err(format!(
            "`{c}` is not lower-case words joined by single `_`, so no spec name derives it"
        ))
    }
}

/// The include guard: the header's first macro, when it is empty.
fn include_guard(h: &CHeader) -> Option<&str> {
    h.macros
        .first()
        .filter(|m| m.body.is_empty() && !m.function_like)
        .map(|m| m.name.as_str())
}

/// The longest run of whole `_`-separated words every name starts with
/// (`DRM_IVPU_PARAM_` of `DRM_IVPU_PARAM_DEVICE_ID`, ...), ending in `_`.
fn common_prefix(names: &[&str]) -> String {
    let Some(first) = names.first() else {
        return String::new();
    };
    let mut len = first.len();
    for n in &names[1..] {
        len = len.min(
            first
                .bytes()
                .zip(n.bytes())
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    let mut p = &first[..len];
    // Keep whole words, and leave every name a non-empty rest.
    if names.iter().any(|n| n.len() == p.len()) || !p.ends_with('_') {
        p = p.rfind('_').map_or("", |i| &p[..=i]);
        if names.iter().any(|n| n.len() == p.len()) {
            p = p[..p.len().saturating_sub(1)]
                .rfind('_')
                .map_or("", |i| &p[..=i]);
        }
    }
    p.to_string()
}

/// The C prefix of the header's names: of the word prefixes of its
/// struct and enum tags and constant names, the one most names start
/// with, the longest on a tie (`drm_ivpu`). Command macros and the nr
/// macros inside them take no part (DRM writes `DRM_IOCTL_<DRV>_...`).
fn prefix(h: &CHeader) -> String {
    let guard = include_guard(h);
    let mut names: Vec<String> = Vec::new();
    let mut nr_macros = BTreeSet::new();
    for m in &h.macros {
        if let Some(c) = command(m) {
            for tok in c
                .nr_expr
                .split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
            {
                nr_macros.insert(tok.to_string());
            }
        }
    }
    for m in &h.macros {
        if command(m).is_none()
            && !m.function_like
            && Some(m.name.as_str()) != guard
            && !nr_macros.contains(&m.name)
        {
            names.push(m.name.to_ascii_lowercase());
        }
    }
    names.extend(h.records.iter().filter_map(|r| r.tag.clone()));
    names.extend(h.enums.iter().filter_map(|e| e.tag.clone()));
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for n in &names {
        let words: Vec<&str> = n.split('_').collect();
        for k in 1..words.len() {
            let p = words[..k].join("_");
            if !p.is_empty() {
                *counts.entry(p).or_default() += 1;
            }
        }
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(a.0.len().cmp(&b.0.len())))
        .map(|(p, _)| p)
        .unwrap_or_else(|| {
            h.file_name
                .trim_end_matches(".h")
                .to_ascii_lowercase()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
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

    #[test]
    fn common_prefix_keeps_whole_words() {
        assert_eq!(common_prefix(&["A_B_C", "A_B_D"]), "A_B_");
        assert_eq!(common_prefix(&["A_BC", "A_BD"]), "A_");
        assert_eq!(common_prefix(&["A_B", "A_B_C"]), "A_");
        assert_eq!(common_prefix(&["X_ONE"]), "X_");
    }

    fn mac(body: &str) -> CMacro {
        CMacro {
            name: "M".into(),
            loc: Loc::default(),
            function_like: false,
            body: body.into(),
            value: None,
            long: false,
            doc: None,
        }
    }

    #[test]
    fn command_macros_are_recognised() {
        let m = mac("DRM_IOWR(DRM_COMMAND_BASE + DRM_X_GET, struct drm_x_get)");
        let c = command(&m).unwrap();
        assert_eq!(
            (c.drm, c.dir, c.nr_expr, c.arg),
            (
                true,
                "inout",
                "DRM_COMMAND_BASE + DRM_X_GET",
                Some("struct drm_x_get")
            )
        );
        let m = mac("_IOR('Q', 3, struct x)");
        let c = command(&m).unwrap();
        assert_eq!(
            (c.drm, c.dir, c.nr_expr, c.arg),
            (false, "out", "3", Some("struct x"))
        );
        let m = mac("_IO('Q', 4)");
        assert_eq!(command(&m).unwrap().arg, None);
        assert!(command(&mac("(1 << 3)")).is_none());
    }
}
