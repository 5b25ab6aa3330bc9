//! Ioctls of the uapi crate as text: the `NR_*` and per-target `IOCTL_*`
//! constants, and the `IOCTLS` table.

use super::text::cfg;
use super::{Gen, dir_text};
use crate::backend::rust::items::str_lit;
use crate::backend::rust::layout::assign;
use crate::backend::rust::writer::{RustWriter, doc, hex_lit};
use crate::backend::shared::push_decimal;
use crate::ioc::Dir;
use crate::model::Ioctl;
use crate::names;

/// `IoctlDesc` and its direction constants: the same for every spec.
const IOCTL_DESC: &str = "\
/// One ioctl of this spec, for tools that list, trace or decode commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IoctlDesc {
    /// The ioctl's name in the spec (lower-kebab-case).
    pub name: &'static str,
    /// The `_IOC_NR` value.
    pub nr: u8,
    /// Direction from userspace's point of view: one of the `DIR_*` constants.
    pub dir: u8,
    /// Size of the argument in bytes on this target, 0 without one.
    pub size: u32,
    /// The command number on this target.
    pub cmd: u32,
    /// The revision that introduced the ioctl.
    pub since: u32,
}
impl IoctlDesc {
    /// No argument (`_IO`).
    pub const DIR_NONE: u8 = 0;
    /// Userspace writes, the kernel reads (`_IOW`).
    pub const DIR_IN: u8 = 1;
    /// The kernel writes, userspace reads (`_IOR`).
    pub const DIR_OUT: u8 = 2;
    /// Both (`_IOWR`).
    pub const DIR_INOUT: u8 = 3;
}
/// Every ioctl of this spec (not of included specs), in spec order.
";

impl Gen<'_> {
    pub(super) fn write_ioctl(&self, w: &mut RustWriter, io: &Ioctl) {
        let up = names::upper(&io.name);
        doc(w, &["The `_IOC_NR` of [`IOCTL_", &up, "`]."].concat());
        w.line_of(&[
            "pub const NR_",
            &up,
            ": u8 = ",
            &hex_lit(u64::from(io.nr), 2),
            ";",
        ]);
        let text = self.ioctl_doc(io);
        let lhs = ["pub const IOCTL_", &up, ": u32"].concat();
        let groups = self.target_groups(|t| io.cmds.get(&t).copied().flatten());
        // Every group's constant has the same doc: laid out once where
        // there are several.
        let laid_out = (groups.len() > 1).then(|| {
            let mut d = RustWriter::new();
            doc(&mut d, &text);
            d.finish()
        });
        for (cmd, preds) in groups {
            // No number where the argument does not fit the target's size
            // field (a lint error): using the constant there fails to
            // build rather than encoding a wrong size.
            let Some(cmd) = cmd else { continue };
            match &laid_out {
                Some(lines) => w.block(lines),
                None => doc(w, &text),
            }
            cfg(w, preds.as_deref());
            assign(w, &lhs, &hex_lit(u64::from(cmd), 8));
        }
    }

    fn ioctl_doc(&self, io: &Ioctl) -> String {
        // The paragraphs, one a line, built in one buffer.
        let mut text = String::with_capacity(256);
        if let Some(d) = &io.doc {
            text.push_str(d);
            text.push('\n');
        }
        text.push_str("Direction: ");
        text.push_str(dir_text(io.dir));
        text.push_str(" (`");
        text.push_str(io.dir.c_macro());
        text.push_str("`).");
        if let Some(arg) = &io.arg {
            text.push_str(" Argument: ");
            text.push_str(&self.struct_link(arg));
            text.push('.');
        }
        if let Some(ext) = io.extension {
            text.push_str(" Extension: ");
            text.push_str(ext.name());
            text.push('.');
        }
        text.push_str(" Since revision ");
        push_decimal(&mut text, io.since);
        text.push('.');
        if !io.errors.is_empty() {
            text.push_str("\nErrors:");
            for e in &io.errors {
                text.extend(["\n- `", &e.errno, "`"]);
                if let Some(d) = &e.doc {
                    text.extend([": ", d]);
                }
            }
        }
        text
    }

    /// The `IOCTLS` table: one element sits on the `&[` line as rustfmt
    /// lets a sole struct literal overflow; several go one a block.
    pub(super) fn write_ioctl_table(&self, w: &mut RustWriter) {
        w.lines(IOCTL_DESC);
        match self.model.ioctls.as_slice() {
            [] => w.line("pub const IOCTLS: &[IoctlDesc] = &[];"),
            [one] => {
                w.open("pub const IOCTLS: &[IoctlDesc] = &[IoctlDesc");
                self.write_row(w, one);
                w.close("];");
            }
            ioctls => {
                w.line("pub const IOCTLS: &[IoctlDesc] = &[");
                w.indent_in();
                for io in ioctls {
                    w.open("IoctlDesc");
                    self.write_row(w, io);
                    w.close(",");
                }
                w.indent_out();
                w.line("];");
            }
        }
    }

    /// The argument's size when it is the same on every target (none for a
    /// spec without targets), found without grouping the targets.
    fn one_arg_size(&self, io: &Ioctl) -> Option<u32> {
        let size = |t| self.model.arg_size(io, t);
        let (&first, rest) = self.model.targets.split_first()?;
        let v = size(first);
        rest.iter().all(|&t| size(t) == v).then_some(v)
    }

    /// The fields of one `IoctlDesc` literal, one a line.
    fn write_row(&self, w: &mut RustWriter, io: &Ioctl) {
        let up = names::upper(&io.name);
        let dir = match io.dir {
            Dir::None => "DIR_NONE",
            Dir::In => "DIR_IN",
            Dir::Out => "DIR_OUT",
            Dir::InOut => "DIR_INOUT",
        };
        w.line_of(&["name: ", &str_lit(&io.name), ","]);
        w.line_of(&["nr: NR_", &up, ","]);
        w.line_of(&["dir: IoctlDesc::", dir, ","]);
        match &io.arg {
            None => w.line("size: 0,"),
            Some(arg) => {
                match self.one_arg_size(io) {
                    Some(size) => w.line_num("size: ", size, ","),
                    // Sizes differ between targets (a lint error, but the
                    // crate still tells the truth): let rustc compute it.
                    None => w.line_fmt(format_args!(
                        "size: ::core::mem::size_of::<{}>() as u32,",
                        self.struct_path_text(arg)
                    )),
                }
            }
        }
        w.line_of(&["cmd: IOCTL_", &up, ","]);
        w.line_num("since: ", io.since, ",");
    }
}
