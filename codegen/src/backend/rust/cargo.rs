//! The Cargo manifest every generated Rust crate carries: one shape for
//! the uapi, kernel and user crates, so they cannot drift apart.

use crate::backend::banner_lines;
use crate::model::Model;
use crate::names;

/// A TOML basic string.
pub(crate) fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Package name of a spec's crate of one kind (`uapi`, `kernel`, `user`).
pub(crate) fn package_name(spec: &str, kind: &str) -> String {
    format!("{spec}-{kind}")
}

/// Library (extern crate) name of a spec's crate of one kind.
pub(crate) fn lib_name(spec: &str, kind: &str) -> String {
    format!("{}_{kind}", names::snake(spec))
}

/// The manifest of `model`'s crate in `generated/<spec>/rust/<kind>`:
/// `deps` are its own dependency lines, followed by the same kind of crate
/// of every directly included spec.
pub(crate) fn manifest(model: &Model, kind: &str, description: &str, deps: &[String]) -> String {
    let mut s = String::new();
    for line in banner_lines(model) {
        s.push_str(&format!("# {line}\n"));
    }
    s.push_str("\n[package]\n");
    s.push_str(&format!(
        "name = {}\n",
        toml_str(&package_name(&model.name, kind))
    ));
    s.push_str("version = \"0.1.0\"\n");
    s.push_str("edition = \"2024\"\n");
    s.push_str("publish = false\n");
    s.push_str(&format!("description = {}\n", toml_str(description)));
    s.push_str("\n[package.metadata.uabi]\n");
    s.push_str(&format!("spec = {}\n", toml_str(&model.source)));
    s.push_str(&format!("revision = {}\n", model.revision));
    s.push_str("\n[lib]\n");
    s.push_str(&format!(
        "name = {}\n",
        toml_str(&lib_name(&model.name, kind))
    ));
    s.push_str("path = \"src/lib.rs\"\n");
    s.push_str("\n[dependencies]\n");
    for d in deps {
        s.push_str(d);
        s.push('\n');
    }
    for inc in &model.includes {
        s.push_str(&format!(
            "{} = {{ path = {} }}\n",
            package_name(&inc.name, kind),
            toml_str(&format!("../../../{}/rust/{kind}", inc.name))
        ));
    }
    s
}
