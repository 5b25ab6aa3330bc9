//! Netlink operations: numbering, attribute lists and transport.

use super::*;

impl Resolver<'_> {
    pub(super) fn operations(&mut self, s: &SpecFile, model: &Model) -> Option<Operations> {
        let ops = s.operations.as_ref()?;
        if let Some(t) = &ops.transport {
            self.transport(t, model);
        }
        self.operations_not_generated(ops, s);
        // Per-direction message values belong to the directional model,
        // which is reported once above.
        let directional = ops
            .enum_model
            .as_ref()
            .is_some_and(|m| m.value == "directional");
        if directional {
            self.directional = Some(self.directional_msgs(ops));
        }
        let mcgrps: Vec<&str> = s
            .mcast_groups
            .iter()
            .flat_map(|g| g.list.iter().map(|x| x.name.value.as_str()))
            .collect();
        let mut list: Vec<Operation> = Vec::new();
        // Operations may `notify` about later ones: names first, ids once
        // the list is complete.
        let mut notify: Vec<Option<&str>> = Vec::new();
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
            let Some(set) = self.op_set(op, ops, model) else {
                continue;
            };
            let (do_, dump, event) = self.op_messages(op, set);
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
                attribute_set: op.attribute_set.as_ref().and_then(|a| {
                    let i = model
                        .attribute_sets
                        .iter()
                        .position(|x| x.name == a.value)?;
                    Some(Id::new(&self.spec_name, i))
                }),
                do_,
                dump,
                admin_perm: self.op_flags(&op.flags),
                notify: None,
                event,
                pos: self.pos(&op.name),
            });
            notify.push(op.notify.as_ref().map(|n| n.value.as_str()));
            next += 1;
        }
        self.settle_notify(&mut list, &notify);
        Some(Operations {
            transport: ops.transport.as_ref().map(|t| t.value.clone()),
            name_prefix: ops.name_prefix.as_ref().map(|t| t.value.clone()),
            enum_name: ops.enum_name.as_ref().map(|t| t.value.clone()),
            list,
            pos: self.pos(ops),
        })
    }

    /// The attribute set an operation's messages use: its own,
    /// or for a notification without one, that of the operation it
    /// `notify`s about, as YNL resolves it. The outer None is an error
    /// reported.
    fn op_set<'m>(
        &mut self,
        op: &spec::OperationDef,
        ops: &spec::OperationsDef,
        model: &'m Model,
    ) -> Option<Option<&'m AttrSet>> {
        let set_ref = op.attribute_set.as_ref().or_else(|| {
            let n = op.notify.as_ref()?;
            ops.list
                .iter()
                .find(|o| o.name.value == n.value)?
                .attribute_set
                .as_ref()
        });
        let Some(a) = set_ref else {
            return Some(None);
        };
        if let Some(set) = model.attribute_sets.iter().find(|x| x.name == a.value) {
            return Some(Some(set));
        }
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
        None
    }

    /// Points each notification at the operation it names. One naming no
    /// operation of the list is an error reported, and keeps none.
    fn settle_notify(&self, list: &mut [Operation], notify: &[Option<&str>]) {
        let ids: Vec<Option<OperationId>> = notify
            .iter()
            .map(|n| {
                let i = list.iter().position(|o| Some(o.name.as_str()) == *n)?;
                Some(Id::new(&self.spec_name, i))
            })
            .collect();
        for (op, id) in list.iter_mut().zip(ids) {
            op.notify = id;
        }
    }

    /// The ioctl that carries control messages must exist.
    fn transport(&mut self, t: &S<String>, model: &Model) {
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

    /// The attributes each message of `op` lists (`do`, `dump`, `event`),
    /// which must be attributes of the operation's set.
    fn op_messages(
        &mut self,
        op: &spec::OperationDef,
        set: Option<&AttrSet>,
    ) -> (Option<OpMode>, Option<OpMode>, Option<Vec<String>>) {
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
        (do_, dump, event)
    }
}
