//! The writer of the kernel side's two flavours at once.
//!
//! The hosted crate's `lib.rs` and the kernel module `<spec>.rs` share
//! most of their text: every struct's validation, clearing and size
//! functions and the `Ops` trait's docs differ only in a few tokens (the
//! error type, how `EINVAL` is spelled, the runtime's path, a handler's
//! array parameter). Generation prints both, so printing each twice was
//! half the kernel side's cost. [`Tw`] prints the common text once, into
//! a writer whose text goes to both flavours, and only what differs once
//! per flavour ([`Tw::split`]); with one flavour it is a plain
//! [`RustWriter`] and `split` writes only that flavour's text.

use crate::backend::rust::Flavour;
use crate::backend::rust::writer::{INDENT, RustWriter};

/// Which flavours a [`Tw`] prints.
enum Mode {
    /// One flavour, straight into the writer.
    One(Flavour),
    /// Both: the writer holds the common text since the last split;
    /// each flavour's text up to there is in its own buffer.
    Both { hosted: String, linux: String },
}

/// A [`RustWriter`] of one flavour's text or of both's (see the module
/// comment).
pub(super) struct Tw {
    w: RustWriter,
    mode: Mode,
}

/// A writer whose lines start `depth` levels in.
fn writer_at(depth: usize, capacity: usize) -> RustWriter {
    let mut w = RustWriter::with_capacity(capacity);
    for _ in 0..depth {
        w.indent_in();
    }
    w
}

/// The depth of `w`'s next line.
fn depth_of(w: &RustWriter) -> usize {
    w.indent() / INDENT.len()
}

impl Tw {
    /// A writer of `flavour`'s text, with room for `capacity` bytes.
    pub(super) fn one(flavour: Flavour, capacity: usize) -> Tw {
        Tw {
            w: RustWriter::with_capacity(capacity),
            mode: Mode::One(flavour),
        }
    }

    /// A writer of both flavours' texts, with room for `capacity` bytes
    /// of each.
    pub(super) fn both(capacity: usize) -> Tw {
        Tw {
            w: RustWriter::with_capacity(4096),
            mode: Mode::Both {
                hosted: String::with_capacity(capacity),
                linux: String::with_capacity(capacity),
            },
        }
    }

    /// The writer of the text every flavour has.
    pub(super) fn w(&mut self) -> &mut RustWriter {
        &mut self.w
    }

    /// Writes what differs between the flavours: `f` once per flavour
    /// printed, at the current depth, with a writer for that flavour's
    /// text. Each call must leave the writer at the same depth.
    pub(super) fn split(&mut self, mut f: impl FnMut(&mut RustWriter, Flavour)) {
        match &mut self.mode {
            Mode::One(flavour) => f(&mut self.w, *flavour),
            Mode::Both { hosted, linux } => {
                let depth = depth_of(&self.w);
                let common = std::mem::replace(&mut self.w, writer_at(depth, 0)).finish();
                hosted.push_str(&common);
                linux.push_str(&common);
                let mut h = writer_at(depth, 256);
                f(&mut h, Flavour::Hosted);
                let after = depth_of(&h);
                hosted.push_str(&h.finish());
                let mut l = writer_at(depth, 256);
                f(&mut l, Flavour::Linux);
                linux.push_str(&l.finish());
                self.w = writer_at(after, 4096.max(common.len()));
            }
        }
    }

    /// The text of each flavour printed: (hosted, linux), or the one
    /// flavour's text in the place of its flavour and an empty other.
    pub(super) fn finish(self) -> (String, String) {
        match self.mode {
            Mode::One(Flavour::Hosted) => (self.w.finish(), String::new()),
            Mode::One(Flavour::Linux) => (String::new(), self.w.finish()),
            Mode::Both {
                mut hosted,
                mut linux,
            } => {
                let rest = self.w.finish();
                hosted.push_str(&rest);
                linux.push_str(&rest);
                (hosted, linux)
            }
        }
    }
}
