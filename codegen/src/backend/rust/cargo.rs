//! The Cargo manifest every generated Rust crate carries: one shape for
//! the uapi, kernel and user crates, so they cannot drift apart.

use crate::backend::shared::PushFmt;
use crate::backend::{GeneratedFile, OutputKind, OutputOptions, RustRuntime, banner_lines};
use crate::model::Model;
use crate::names;

/// A TOML basic string.
/// The two files of the generated crate `<spec>/rust/<kind>/`: its
/// manifest and its `src/lib.rs`.
pub(crate) fn crate_files(
    model: &Model,
    kind: &str,
    manifest: String,
    lib_rs: String,
) -> Vec<GeneratedFile> {
    let dir = std::path::PathBuf::from(&model.name)
        .join("rust")
        .join(kind);
    vec![
        GeneratedFile {
            path: dir.join("Cargo.toml"),
            contents: manifest,
        },
        GeneratedFile {
            path: dir.join("src").join("lib.rs"),
            contents: lib_rs,
        },
    ]
}

pub(crate) fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_fmt(format_args!("\\u{:04X}", c as u32)),
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

/// Package name of a spec's crate of one kind as `opts` names it: the
/// project file's `crate`, `{spec}` in it standing for the spec's name.
pub(crate) fn package_name_in(spec: &str, kind: &str, opts: &OutputOptions) -> String {
    let slot = match kind {
        "uapi" => &opts.rust_crates[0],
        "kernel" => &opts.rust_crates[1],
        "user" => &opts.rust_crates[2],
        _ => &None,
    };
    match slot {
        Some(t) => t.replace("{spec}", spec),
        None => package_name(spec, kind),
    }
}

/// Library (extern crate) name of a spec's crate of one kind.
pub(crate) fn lib_name(spec: &str, kind: &str) -> String {
    format!("{}_{kind}", names::snake(spec))
}

/// The version of every generated crate.
const CRATE_VERSION: &str = "0.1.0";

/// The dependency line of another generated crate at `path` (relative to
/// this one): by path alone in the repository; by version too when the
/// crates are packaged, since `cargo package` replaces a path by the
/// version it names.
pub(crate) fn sibling_dep(name: &str, path: &str, runtime: &RustRuntime) -> String {
    match runtime {
        RustRuntime::Path => format!("{name} = {{ path = {} }}", toml_str(path)),
        RustRuntime::Version(_) => format!(
            "{name} = {{ version = {}, path = {} }}",
            toml_str(CRATE_VERSION),
            toml_str(path)
        ),
    }
}

/// The `uabi-runtime` dependency line of `spec`'s crate of `kind`
/// (`"uapi"`, `"kernel"`, `"user"`), with `features` (e.g. `"std"`).
pub(crate) fn runtime_dep(
    opts: &OutputOptions,
    spec: &str,
    kind: &str,
    features: &[&str],
) -> String {
    let features = if features.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = features.iter().map(|f| toml_str(f)).collect();
        format!(", features = [{}]", list.join(", "))
    };
    match &opts.rust_runtime {
        // The runtime is not generated: it lives once in the repository.
        RustRuntime::Path => format!(
            "uabi-runtime = {{ path = {}{features} }}",
            toml_str(&opts.layout.runtime_from(spec, output_kind(kind)))
        ),
        RustRuntime::Version(v) => {
            format!("uabi-runtime = {{ version = {}{features} }}", toml_str(v))
        }
    }
}

/// The output a crate of `kind` (`"uapi"`, `"kernel"`, `"user"`) is.
pub(crate) fn output_kind(kind: &str) -> OutputKind {
    match kind {
        "kernel" => OutputKind::RustKernel,
        "user" => OutputKind::RustUser,
        _ => OutputKind::RustUapi,
    }
}

/// The path of `to`'s crate of `to_kind` from `from`'s crate of `kind`.
pub(crate) fn crate_path(
    opts: &OutputOptions,
    from: &str,
    kind: &str,
    to: &str,
    to_kind: &str,
) -> String {
    opts.layout
        .relative((from, output_kind(kind)), (to, output_kind(to_kind)))
}

/// The manifest of `model`'s crate in `generated/<spec>/rust/<kind>`:
/// `deps` are its own dependency lines, followed by the same kind of crate
/// of every directly included spec. A crate that reaches the runtime by
/// version is one to publish: it names its license and is not marked
/// `publish = false`. Package names follow `opts`; the library names do
/// not, so a renamed dependency is still `use`d by its library name.
pub(crate) fn manifest(
    model: &Model,
    kind: &str,
    description: &str,
    deps: &[String],
    opts: &OutputOptions,
) -> String {
    let runtime = &opts.rust_runtime;
    let mut s = String::new();
    for line in banner_lines(model) {
        s.push_fmt(format_args!("# {line}\n"));
    }
    s.push_str("\n[package]\n");
    s.push_fmt(format_args!(
        "name = {}\n",
        toml_str(&package_name_in(&model.name, kind, opts))
    ));
    s.push_fmt(format_args!("version = {}\n", toml_str(CRATE_VERSION)));
    s.push_str("edition = \"2024\"\n");
    if *runtime == RustRuntime::Path {
        s.push_str("publish = false\n");
    }
    if *runtime != RustRuntime::Path || opts.license.is_some() {
        s.push_fmt(format_args!(
            "license = {}\n",
            toml_str(&crate::backend::license_of(model, opts))
        ));
    }
    s.push_fmt(format_args!("description = {}\n", toml_str(description)));
    s.push_str("\n[package.metadata.uabi]\n");
    s.push_fmt(format_args!("spec = {}\n", toml_str(&model.source)));
    s.push_fmt(format_args!("revision = {}\n", model.revision));
    s.push_str("\n[lib]\n");
    s.push_fmt(format_args!(
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
        s.push_str(&sibling_dep(
            &package_name_in(&inc.name, kind, opts),
            &crate_path(opts, &model.name, kind, &inc.name, kind),
            runtime,
        ));
        s.push('\n');
    }
    s
}
