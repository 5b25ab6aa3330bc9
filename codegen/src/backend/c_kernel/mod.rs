//! The generated C kernel side (`generated/<spec>/c/kernel/`).
//!
//! THIS FILE IS A STAND-IN of branch `cr`: the backend's real `mod.rs`
//! (validation, ioctl dispatch, the ops tables) is written on branch `ck`
//! and replaces this one when the branches merge; it calls the two parts
//! written here, `control` and `rings`, whose `render_header` and
//! `render_source` texts it appends to `<spec>_kernel.h` and `.c`. This
//! stand-in renders those two parts with just enough of the rest to
//! compile (the ops tables' members the parts use, the validation
//! prototypes they call), and is registered in no backend list: only the
//! tests (`tests/c_kernel_control.rs`, `tests/c_kernel_rings.rs`) call it.

mod control;
mod rings;

use crate::backend::{GeneratedFile, RenderError, banner_lines};
use crate::model::Model;
use crate::names::{snake, upper};
use std::path::PathBuf;

/// The kernel side's two files of `model`: `<spec>/c/kernel/<spec>_kernel.h`
/// and `.c`.
pub fn render(model: &Model) -> Result<Vec<GeneratedFile>, RenderError> {
    let p = snake(&model.c_prefix);
    let dir = PathBuf::from(&model.name).join("c").join("kernel");
    let base = format!("{}_kernel", snake(&model.name));
    let banner = banner_lines(model);
    let top = format!(
        "/* SPDX-License-Identifier: {} */\n/*\n * {}\n * {}\n */\n",
        model.license, banner[0], banner[1]
    );
    let guard = format!("_{}_KERNEL_H", upper(&model.name));
    let mut h = format!("{top}#ifndef {guard}\n#define {guard}\n\n");
    h.push_str("#include <linux/types.h>\n");
    for inc in &model.includes {
        h.push_str(&format!(
            "#include \"../../../{0}/c/kernel/{0}_kernel.h\"\n",
            inc.name
        ));
    }
    h.push_str(&format!(
        "#include \"../{}\"\n\nstruct file;\n",
        model.uapi_header
    ));
    // What branch ck's mod.rs defines: the members of the ops table that
    // the control part reads, and the validation it and the rings call.
    h.push_str(&format!(
        "\n/* The ops table (stand-in: the members the control part uses). */\n\
         struct {p}_ops {{\n"
    ));
    if let Some(inc) = model.includes.first() {
        h.push_str(&format!(
            "\tconst struct {0}_ops *{0};\n",
            snake(&inc.c_prefix)
        ));
    }
    h.push_str("\tu32 (*revision)(struct file *file);\n");
    if model.includes.is_empty() {
        h.push_str("\tbool (*privileged)(struct file *file);\n");
    }
    if control::has_control(model) {
        h.push_str(&format!("\tconst struct {p}_control_ops *control;\n"));
    }
    h.push_str("};\n\n");
    if control::has_control(model)
        && let Some(io) = model
            .operations
            .as_ref()
            .and_then(|o| o.transport.as_ref())
            .and_then(|t| model.ioctls.iter().find(|io| &io.name == t))
        && let Some(arg) = io.arg.as_ref()
    {
        h.push_str(&control::comment(
            0,
            &control::CONTROL_DOC.replace("{}", &upper(&io.name)),
        ));
        h.push_str(&control::wrap_call(
            0,
            &format!("int {p}_control("),
            &[
                format!("const struct {p}_ops *ops"),
                "struct file *file".to_string(),
                format!(
                    "struct {} *arg",
                    crate::backend::c::struct_ident(model.owner(arg), model.struct_(arg))
                ),
            ],
            ");",
        ));
        h.push('\n');
    }
    for s in &model.structs {
        h.push_str(&format!(
            "int {p}_validate_{}_at(const struct {} *v, u32 rev);\n",
            snake(&s.name),
            crate::backend::c::struct_ident(model, s)
        ));
    }
    for part in [control::render_header(model), rings::render_header(model)] {
        if !part.is_empty() {
            h.push('\n');
            h.push_str(&part);
        }
    }
    h.push_str(&format!("\n#endif /* {guard} */\n"));

    let mut c = format!(
        "// SPDX-License-Identifier: {}\n/*\n * {}\n * {}\n */\n\n",
        model.license, banner[0], banner[1]
    );
    c.push_str("#include <linux/kernel.h>\n");
    c.push_str(&format!("\n#include \"{base}.h\"\n"));
    for part in [control::render_source(model), rings::render_source(model)] {
        if !part.is_empty() {
            c.push('\n');
            c.push_str(&part);
        }
    }
    Ok(vec![
        GeneratedFile {
            path: dir.join(format!("{base}.h")),
            contents: h,
        },
        GeneratedFile {
            path: dir.join(format!("{base}.c")),
            contents: c,
        },
    ])
}
