//! The YNL dialect: what is specific to the kernel's genetlink,
//! genetlink-c and genetlink-legacy specs (family keys and protocol,
//! named limits, subset inheritance, operation flags) and the YNL features
//! no backend generates, which are recorded for lint to report.

use super::*;

/// Fills the keys a subset's attribute does not repeat from its base.
pub(super) fn inherit_attr(a: &mut Attr, b: &Attr) {
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
pub(super) fn is_ynl_family(s: &SpecFile) -> bool {
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

impl Resolver<'_> {
    /// YNL's family-level keys.
    pub(super) fn netlink_family(&mut self, s: &SpecFile) -> NetlinkFamily {
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
        f.string_consts = std::mem::take(&mut self.string_consts);
        f.directional = self.directional.take();
        f.not_generated = std::mem::take(&mut self.not_generated);
        f
    }

    /// YNL's directional message numbering (nlspec.py,
    /// `_dictify_ops_directional`, and ynl_gen_c.py,
    /// `render_uapi_directional`): a request number for each operation
    /// with a `do` or `dump`, a reply number for each whose `do` (else
    /// `dump`) has a reply and for each notification; a message `value`
    /// restarts its count. Requests of a `do` and replies of a `do` or a
    /// notification are listed.
    pub(super) fn directional_msgs(&mut self, ops: &spec::OperationsDef) -> DirectionalMsgs {
        let mut d = DirectionalMsgs::default();
        let (mut req, mut rsp): (i128, i128) = (1, 1);
        let number = |v: i128| u32::try_from(v).ok();
        for op in &ops.list {
            let name = op.name.value.clone();
            let ntf = op.notify.is_some() || op.event.is_some();
            if ntf {
                if let Some(v) = &op.value.value {
                    rsp = v.value;
                }
                if let Some(v) = number(rsp) {
                    d.kernel.push((name, v));
                }
                rsp += 1;
                continue;
            }
            let Some(mode) = op.r#do.as_ref().or(op.dump.as_ref()) else {
                // A placeholder has no message in either direction.
                continue;
            };
            let msg_value = |m: &Option<S<spec::OpMsgDef>>| {
                m.as_ref()
                    .and_then(|m| m.value.value.as_ref())
                    .map(|v| v.value)
                    .filter(|v| *v != 0)
            };
            if let Some(v) = msg_value(&mode.request) {
                req = v;
            }
            if let Some(v) = msg_value(&mode.reply) {
                rsp = v;
            }
            if op.r#do.is_some()
                && let Some(v) = number(req)
            {
                d.user.push((name.clone(), v));
            }
            if mode.reply.is_some() {
                if op.r#do.is_some()
                    && let Some(v) = number(rsp)
                {
                    d.kernel.push((format!("{name}-reply"), v));
                }
                rsp += 1;
            }
            req += 1;
        }
        d
    }

    /// YNL's string const: in a YNL family, a const whose value is a
    /// word that names no const is a string (team's
    /// `genl-change-event-mc-grp-name: change_event` is
    /// `#define TEAM_GENL_CHANGE_EVENT_MC_GRP_NAME "change_event"`, as
    /// ynl_gen_c.py quotes a string `value`). Elsewhere, and for the name
    /// of a const, the value stays an integer reference.
    pub(super) fn string_const(
        &mut self,
        d: &S<spec::Definition>,
        name: &str,
        v: &S<IntOrName>,
    ) -> Option<StringConst> {
        let IntOrName::Name(text) = &v.value else {
            return None;
        };
        if !self.ynl || self.const_known(text) {
            return None;
        }
        self.not_generated(
            &rules::YNL_STRING_CONST,
            self.pos(v),
            format!("const `{name}` is the string \"{text}\": only the C header defines it"),
            "use the C header's define, or make the const an integer",
        );
        Some(StringConst {
            name: name.to_string(),
            doc: d.doc.clone(),
            value: text.clone(),
            pos: self.pos(&d.name),
        })
    }

    /// YNL operation flags; `admin-perm` is the only one defined.
    pub(super) fn op_flags(&mut self, flags: &[S<String>]) -> bool {
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

    /// An attribute check's `min`/`max`: an integer, a const, or one of
    /// YNL's named limits (`u32-max`, `s32-min`). A const of that name
    /// wins, as in YNL.
    pub(super) fn limit(&mut self, v: &S<IntOrName>) -> Option<i128> {
        if let IntOrName::Name(n) = &v.value
            && !self.const_known(n)
            && let Some(x) = named_limit(n)
        {
            return Some(x);
        }
        self.int_or_const(v)
    }

    pub(super) fn const_known(&self, n: &str) -> bool {
        self.consts.iter().any(|c| c.is_named(n))
            || self.includes.iter().any(|m| const_named(m, n).is_some())
    }

    /// A length check: an integer, a const, or YNL's `NAME - 1` (a const
    /// minus one, as `IFNAMSIZ - 1` reserves the NUL).
    pub(super) fn len_or_define(&mut self, v: &S<IntOrName>, what: &str) -> Option<u64> {
        if let IntOrName::Name(n) = &v.value
            && let Some(base) = n.strip_suffix(" - 1")
        {
            let n = self.int_or_const(&v.with(IntOrName::Name(base.trim().to_string())))?;
            return self.sized(&v.with(IntOrName::Int(n - 1)), 0, 0xffff, what);
        }
        self.sized(v, 0, 0xffff, what)
    }

    /// Reports attribute types and keys of YNL that no backend generates.
    pub(super) fn attr_not_generated(
        &mut self,
        a: &spec::AttrDef,
        aname: &str,
        ty: AttrType,
        ty_pos: Pos,
    ) {
        match ty {
            AttrType::SubMessage => self.not_generated(
                &rules::YNL_SUB_MESSAGE,
                ty_pos,
                format!("attribute `{aname}` is a `sub-message`"),
                "use a `nest` with its own attribute set, or `binary` with a `struct`",
            ),
            AttrType::IndexedArray
            | AttrType::ArrayNest
            | AttrType::NestTypeValue
            | AttrType::Bitfield32 => self.not_generated(
                &rules::YNL_ATTR_TYPE,
                ty_pos,
                format!("attribute `{aname}` has type `{}`", ty.name()),
                "use `nest` with `multi-attr: true` for a list, and a u32 with `enum-as-flags` for a bit set",
            ),
            AttrType::Unused
            | AttrType::Pad
            | AttrType::Flag
            | AttrType::Int(_)
            | AttrType::Uint
            | AttrType::Sint
            | AttrType::String
            | AttrType::Binary
            | AttrType::Nest => {}
        }
        if ty != AttrType::SubMessage {
            for (key, v) in [("sub-message", &a.sub_message), ("selector", &a.selector)] {
                self.forbid(key, v, "an attribute that is not a `sub-message`");
            }
        }
        // YNL also puts `type-value` on a scalar (ethtool's `stat`, a u64
        // whose attribute type is a counter id): the C constants do not
        // depend on it, and no backend generates it.
        if let Some(tv) = &a.type_value
            && ty != AttrType::NestTypeValue
        {
            if self.ynl {
                self.not_generated(
                    &rules::YNL_ATTR_TYPE,
                    self.pos(tv),
                    format!("`type-value` on `{aname}` is not generated: its attribute types are taken as written"),
                    "keep it for documentation, or describe the values as a `nest` with `multi-attr: true`",
                );
            } else {
                self.forbid(
                    "type-value",
                    &a.type_value,
                    "an attribute that is not a `nest-type-value`",
                );
            }
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

    /// A `fixed-header` must name a struct; the header itself is not
    /// generated into messages.
    pub(super) fn fixed_header(&mut self, fh: &S<String>, s: &SpecFile, on: &str) {
        if !self.struct_exists(&fh.value) {
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
    pub(super) fn op_not_generated(
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

    /// The operation-level YNL keys that are not generated: the
    /// directional enum model, a family-wide fixed header and a separate
    /// notification enum.
    pub(super) fn operations_not_generated(&mut self, ops: &S<spec::OperationsDef>, s: &SpecFile) {
        if let Some(m) = &ops.enum_model {
            match m.value.as_str() {
                "unified" => {}
                "directional" => self.not_generated(
                    &rules::YNL_ENUM_MODEL,
                    self.pos(m),
                    "`enum-model: directional`: the C header defines YNL's per-direction message enums, but generated code numbers messages in the unified model (a request and its reply carry the operation's value)",
                    "use the default `unified` model, or keep the spec for the C header's constants only",
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
    }
}
