//! The DRM table of the C kernel side, for a spec in DRM style (`ioctl:
//! { style: drm }`): a `drm_ioctl_desc` array of validating handlers, as a
//! DRM accel driver registers them. drm_ioctl() has already checked the
//! number, copied the argument in (zero-extended or truncated to the
//! declared size: a `strict` extension cannot be honoured there) and
//! copies it back; each handler checks the revision and admin-perm,
//! clears, validates, copies the user-ptr arrays in once and calls the
//! driver's callback.

use super::validate::arg_stem;
use super::{Gen, Helpers, call, comment};
use crate::backend::c::ioctl_macro;
use crate::model::DRM_COMMAND_BASE;
use crate::names::snake;

impl Gen<'_> {
    /// `<P>_NUM_IOCTLS`, the table and `<p>_drm_ops` (header).
    pub(super) fn drm_decl(&self) -> String {
        let p = &self.p;
        let mut out = comment(
            0,
            &[format!(
                "The driver's table for {p}_ioctls (DRM_IOCTL_DEF_DRV entries): \
                 .ioctls = {p}_ioctls, .num_ioctls = {}_NUM_IOCTLS.",
                self.pu
            )],
        );
        out += &format!("#define {}_NUM_IOCTLS {}\n", self.pu, self.num_ioctls());
        out += &format!(
            "extern const struct drm_ioctl_desc {p}_ioctls[{}_NUM_IOCTLS];\n\n",
            self.pu
        );
        out += &comment(
            0,
            &[format!(
                "Defined by the driver: the ops table of a device, which the handlers of \
                 {p}_ioctls use."
            )],
        );
        out += &format!("const struct {p}_ops *{p}_drm_ops(struct drm_device *dev);");
        out
    }

    fn num_ioctls(&self) -> usize {
        self.model
            .ioctls
            .iter()
            .map(|io| usize::from(io.nr.saturating_sub(DRM_COMMAND_BASE)) + 1)
            .max()
            .unwrap_or(0)
    }

    /// The handlers and the table (source).
    pub(super) fn drm_table(&self, h: &mut Helpers) -> String {
        let p = &self.p;
        let mut out = String::new();
        let mut entries = Vec::new();
        for io in &self.model.ioctls {
            let name = format!("{p}_drm_{}", snake(&io.name));
            out += &self.drm_handler(io, &name, h);
            let mac = ioctl_macro(self.model, io);
            entries.push(match mac.strip_prefix("DRM_IOCTL_") {
                Some(short) => format!("\tDRM_IOCTL_DEF_DRV({short}, {name}, 0),\n"),
                None => format!(
                    "\t[DRM_IOCTL_NR({mac}) - DRM_COMMAND_BASE] = {{\n\t\t.cmd = {mac},\n\t\t\
                     .func = {name},\n\t\t.name = \"{mac}\",\n\t}},\n"
                ),
            });
        }
        out += &format!(
            "const struct drm_ioctl_desc {p}_ioctls[{}_NUM_IOCTLS] = {{\n",
            self.pu
        );
        for e in entries {
            out += &e;
        }
        out += "};\n";
        out
    }

    fn drm_handler(&self, io: &crate::model::Ioctl, name: &str, h: &mut Helpers) -> String {
        let p = &self.p;
        let cb = self.cb_name(io);
        let since = io.since;
        let mut out = comment(
            0,
            &[format!(
                "{} ({}, nr {:#04x}), since revision {since}.",
                crate::names::upper(&io.name),
                io.dir.c_macro(),
                io.nr
            )],
        );
        out += &call(
            0,
            &format!("static int {name}("),
            &[
                "struct drm_device *dev".into(),
                "void *data".into(),
                "struct drm_file *file".into(),
            ],
            ")",
        );
        out += "{\n";
        out += &format!("\tconst struct {p}_ops *ops = {p}_drm_ops(dev);\n");
        let perm = if io.admin_perm {
            format!("\tif (!{})\n\t\treturn -EPERM;\n", self.privileged_call())
        } else {
            String::new()
        };
        let Some(arg) = &io.arg else {
            out += "\n";
            out +=
                &format!("\tif (!ops || {p}_revision(ops, dev, file) < {since} || !ops->{cb})\n");
            out += "\t\treturn -ENOTTY;\n";
            out += &perm;
            out += &format!("\treturn ops->{cb}(dev, file);\n}}\n\n");
            return out;
        };
        let s = self.model.struct_(arg);
        let ty = self.ctype(arg);
        let arrays = self.arrays(io, "karg");
        out += &format!("\t{ty} *karg = data;\n");
        out += "\tu32 rev;\n";
        let own = self.own_struct(arg);
        if !own {
            out += "\tu32 arg_rev;\n";
        }
        self.array_decls(&mut out, &arrays);
        out += "\tint ret;\n\n";
        // The driver may not have a table for this device (yet).
        out += "\tif (!ops)\n\t\treturn -ENOTTY;\n";
        out += &format!("\trev = {p}_revision(ops, dev, file);\n");
        let arg_rev = if own {
            "rev".to_string()
        } else {
            out += &format!("\targ_rev = {};\n", self.revision_of(arg.spec()));
            "arg_rev".to_string()
        };
        out += &format!("\tif (rev < {since} || !ops->{cb})\n\t\treturn -ENOTTY;\n");
        out += &perm;
        let newer = self.has_newer(s);
        if newer {
            out += &format!(
                "\t{}(karg, {arg_rev});\n",
                self.struct_fn("clear_newer_{}", arg)
            );
        }
        let (validate, clear) = if io.arg_access.is_empty() {
            (
                self.struct_fn("validate_{}_at", arg),
                self.struct_fn("clear_out_{}", arg),
            )
        } else {
            let stem = arg_stem(io);
            (
                format!("{p}_validate_{stem}_at"),
                format!("{p}_clear_out_{stem}"),
            )
        };
        out += &format!("\t{clear}(karg);\n");
        out += &format!("\tret = {validate}(karg, {arg_rev});\n");
        out += "\tif (ret)\n\t\tgoto out;\n";
        self.array_setup(&mut out, &arrays, h);
        let mut args = vec!["dev".to_string(), "file".to_string(), "karg".to_string()];
        args.extend(self.array_args(&arrays));
        out += &call(1, &format!("ret = ops->{cb}("), &args, ");");
        out += "\tif (ret)\n\t\tgoto out;\n";
        self.array_copy_out(&mut out, &arrays, h);
        if newer {
            out += &format!(
                "\t{}(karg, {arg_rev});\n",
                self.struct_fn("clear_newer_{}", arg)
            );
        }
        out += "out:\n";
        self.array_frees(&mut out, &arrays);
        out += "\treturn ret;\n}\n\n";
        out
    }
}
