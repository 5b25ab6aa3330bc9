//! From the C view of a header to the items of a spec, one function per
//! C construct (`macro_item`, `command`, `record`, `field`, `field_type`,
//! `enumeration`), each returning the spec item or why it cannot be
//! expressed. A later language feature (unions, flexible arrays, ...)
//! replaces one `Err` arm.

mod commands;
mod items;
mod names;

use super::cview::{CEnumerator, CHeader, CMacro, Loc};
use super::{Finding, Unexpressible};
use commands::{Command, command, is_command_enum};
use names::{include_guard, kebab, prefix};
use std::collections::{BTreeMap, BTreeSet};

pub use items::is_pad;

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
    /// `c-type: ulong`: the header's value is an `unsigned long` of all
    /// ones (`(~0UL)`), whose width is the target's.
    pub ulong: bool,
    pub doc: Option<String>,
    /// Where the header defines it (so is every item's and member's).
    pub loc: Loc,
}

#[derive(Debug)]
pub struct Enum {
    pub name: String,
    /// YNL's `enum-name`: `Some(None)` for an anonymous C enum.
    pub enum_name: Option<Option<String>>,
    pub name_prefix: Option<String>,
    /// YNL's `render-max`: the C enum ends in `__<PREFIX>MAX` and
    /// `<PREFIX>MAX`, which are not among `entries`.
    pub render_max: bool,
    /// YNL's `enum-cnt-name`: the count's name when it is not
    /// `__<PREFIX>MAX`.
    pub enum_cnt_name: Option<String>,
    pub doc: Option<String>,
    pub entries: Vec<Entry>,
    pub loc: Loc,
}

#[derive(Debug)]
pub struct Entry {
    pub name: String,
    pub value: i128,
    pub doc: Option<String>,
    pub loc: Loc,
}

#[derive(Debug)]
pub struct Struct {
    pub name: String,
    pub c_name: Option<String>,
    /// The C tag, for messages.
    pub tag: String,
    /// A C union (`type: union`).
    pub is_union: bool,
    pub doc: Option<String>,
    pub members: Vec<Member>,
    pub loc: Loc,
}

#[derive(Debug, Default)]
pub struct Member {
    pub name: String,
    pub ty: String,
    /// Array dimensions, outermost first (`count: N` or `count: [A, B]`).
    pub count: Vec<Bound>,
    pub len: Option<Bound>,
    pub strukt: Option<String>,
    /// The union a `type: union` member holds.
    pub union: Option<String>,
    /// A flexible array member (`x[]`), with the sibling its
    /// `__counted_by` names.
    pub flexible: bool,
    pub counted_by: Option<String>,
    /// C's anonymous member (`anonymous: true`).
    pub anonymous: bool,
    /// The members of a struct or union written in place.
    pub members: Vec<Member>,
    pub byte_order: Option<&'static str>,
    pub pad: bool,
    pub access: Option<&'static str>,
    pub doc: Option<String>,
    pub loc: Loc,
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
    pub loc: Loc,
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
    /// The spec names of the header's structs and unions, built on the
    /// first tagless enum that needs them.
    record_names: std::cell::OnceCell<BTreeSet<String>>,
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
            record_names: std::cell::OnceCell::new(),
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
                    rule: &crate::rules::IMPORT_COMMAND_ENUM,
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
                    format!("{} {}", if s.is_union { "union" } else { "struct" }, s.tag),
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
                // A `_Static_assert` has no name.
                if o.name.is_empty() {
                    o.kind.clone()
                } else {
                    format!("{} {}", o.kind, o.name)
                },
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
            set_access(&mut s.members, access);
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
}

/// The access of every member but pads, through anonymous members to
/// the members C names.
fn set_access(members: &mut [Member], access: Option<&'static str>) {
    for m in members {
        if !m.members.is_empty() {
            set_access(&mut m.members, access);
        } else if !m.pad {
            m.access = access;
        }
    }
}
