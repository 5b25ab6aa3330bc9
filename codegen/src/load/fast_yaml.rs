//! A scanner for the YAML specs are written in: block mappings and
//! sequences, flow collections, plain, quoted and block scalars, comments.
//! It gives the events saphyr-parser gives for the same text, each at the
//! position saphyr-parser gives it, as the deserializer's small events
//! ([`Ev`], a sequence's start carrying its item count); text outside what it knows (anchors,
//! tags, multi-line quoted scalars, tabs, non-ASCII text, directives, ...)
//! and every malformed text make it return `None`, and the deserializer
//! takes saphyr-parser's events instead, so errors and rare constructs are
//! saphyr-parser's.
//!
//! Hand-written because the YAML front end was on the critical path of
//! generation: saphyr-parser's scanner reads a character at a time through
//! a lookahead buffer (about 45 MB/s here), and the specs need a small part
//! of YAML. [`agrees_with_saphyr`] holds it to saphyr-parser: the tests run
//! it on every YAML file of the repository and the `spec_bytes` fuzz
//! target on every input.

use super::yaml::{Ev, Kind};
use saphyr_parser::{Event, Marker, Parser, ScalarStyle};
use std::borrow::Cow;

/// Outside the subset, or malformed: saphyr-parser decides.
struct Bail;

type R<T> = Result<T, Bail>;

/// The events of `text` with their positions (as saphyr-parser's), or
/// `None` when saphyr-parser must read it.
pub fn events(text: &str) -> Option<Vec<Ev<'_>>> {
    scan(text, false).map(|(events, _)| events)
}

/// [`events`], and with `indexes` the character offset of each (which
/// the deserializer never reads, [`agrees_with_saphyr`] does).
fn scan(text: &str, indexes: bool) -> Option<(Vec<Ev<'_>>, Vec<u32>)> {
    // Positions fit the events' 32 bits.
    if u32::try_from(text.len()).is_err() {
        return None;
    }
    let (printable, markers) = survey(text.as_bytes());
    // ASCII, printable, lines ending in `\n` alone.
    if !printable {
        return None;
    }
    if markers && !one_document(text) {
        return None;
    }
    let mut s = Scanner::new(text);
    s.indexes = indexes.then(Vec::new);
    s.document().ok()?;
    Some((s.out, s.indexes.unwrap_or_default()))
}

/// Where [`events`] gave up on `text`: its line and column (tests).
#[cfg(test)]
fn gave_up_at(text: &str) -> Option<(usize, usize)> {
    let mut s = Scanner::new(text);
    s.document().err().map(|_| (s.line, s.col()))
}

/// Whether every byte of `b` is printable ASCII or `\n`, and whether a
/// line starts with `-` or `.` (maybe a document marker): one pass
/// without branches per byte, so that it vectorizes.
fn survey(b: &[u8]) -> (bool, bool) {
    // Flags as bytes, or-ed over chunks: no branch per byte.
    let bad = |c: u8| u8::from(c.wrapping_sub(b' ') > b'~' - b' ') & u8::from(c != b'\n');
    let Some((&last, head)) = b.split_last() else {
        return (true, false);
    };
    let mut any_bad = bad(last);
    let mut markers = u8::from(matches!(b.first(), Some(b'-' | b'.')));
    // Each byte but the last, and the byte after it.
    for (chunk, next) in head.chunks(256).zip(b[1..].chunks(256)) {
        for (&c, &n) in chunk.iter().zip(next) {
            any_bad |= bad(c);
            markers |= u8::from(c == b'\n') & (u8::from(n == b'-') | u8::from(n == b'.'));
        }
        if any_bad != 0 {
            break;
        }
    }
    (any_bad == 0, markers != 0)
}

/// Whether the only document marker of `text` is a `---` before any
/// content (document ends, further documents: saphyr-parser decides).
fn one_document(text: &str) -> bool {
    let mut content = false;
    let mut start = false;
    for line in text.split('\n') {
        let marker =
            |m: &str| line.starts_with(m) && matches!(line.as_bytes().get(3), None | Some(b' '));
        if marker("...") {
            return false;
        }
        if marker("---") {
            if content || start {
                return false;
            }
            start = true;
            continue;
        }
        let t = line.trim_start_matches(' ');
        content |= !t.is_empty() && !t.starts_with('#');
    }
    true
}

/// Whether [`events`] and saphyr-parser agree on `text`: `Ok(true)` when
/// the fast path took the text and gave saphyr-parser's events at
/// saphyr-parser's positions, `Ok(false)` when it left the text to
/// saphyr-parser, `Err` naming the first difference otherwise.
pub fn agrees_with_saphyr(text: &str) -> Result<bool, String> {
    let Some((fast, indexes)) = scan(text, true) else {
        return Ok(false);
    };
    let mut parser = Parser::new_from_str(text);
    for (i, ev) in fast.iter().enumerate() {
        let theirs = match parser.next() {
            Some(Ok(e)) => e,
            Some(Err(e)) => return Err(format!("event {i}: saphyr-parser refuses: {e}")),
            None => return Err(format!("event {i}: saphyr-parser has no more events")),
        };
        let event = saphyr_event(ev);
        let at = |m: &Marker| (m.index(), m.line(), m.col());
        let wide = |v: u32| usize::try_from(v).unwrap_or(usize::MAX);
        let ours = (
            indexes.get(i).map_or(usize::MAX, |&x| wide(x)),
            wide(ev.pos.0),
            wide(ev.pos.1).saturating_sub(1),
        );
        if theirs.0 != event || at(&theirs.1.start) != ours {
            return Err(format!(
                "event {i}: {event:?} at {ours:?}, saphyr-parser: {:?} at {:?}",
                theirs.0,
                at(&theirs.1.start)
            ));
        }
    }
    match parser.next() {
        None => Ok(true),
        Some(e) => Err(format!("saphyr-parser has more: {e:?}")),
    }
}

/// saphyr-parser's event for one of [`events`]'.
fn saphyr_event<'a>(ev: &Ev<'a>) -> Event<'a> {
    match ev.kind {
        Kind::Nothing => Event::Nothing,
        Kind::StreamStart => Event::StreamStart,
        Kind::StreamEnd => Event::StreamEnd,
        Kind::DocumentStart(explicit) => Event::DocumentStart(explicit),
        Kind::DocumentEnd => Event::DocumentEnd,
        Kind::SequenceStart => Event::SequenceStart(0, None),
        Kind::SequenceEnd => Event::SequenceEnd,
        Kind::MappingStart => Event::MappingStart(0, None),
        Kind::MappingEnd => Event::MappingEnd,
        Kind::Scalar(style) => Event::Scalar(ev.text.clone(), style, 0, None),
    }
}

struct Scanner<'a> {
    text: &'a str,
    b: &'a [u8],
    pos: usize,
    /// 1-based line of `pos`.
    line: usize,
    /// Byte offset where that line starts.
    line_start: usize,
    /// Collections open around the scanner: past the deserializer's
    /// bound, saphyr-parser's events carry the text to its error (and
    /// this scanner, which recurses, stays off a deep stack).
    depth: usize,
    out: Vec<Ev<'a>>,
    /// The character offset of each event, when asked for.
    indexes: Option<Vec<u32>>,
}

/// A table of the bytes in `stops`.
const fn table(stops: &[u8]) -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < stops.len() {
        t[stops[i] as usize] = true;
        i += 1;
    }
    t
}

/// The bytes a plain key needs a look at.
const KEY_STOP: [bool; 256] = table(b"\n: ");
/// The bytes a plain scalar in block context (or the rest of a line
/// holding a key) needs a look at.
const LINE_STOP: [bool; 256] = table(b"\n:#");
/// The bytes a plain scalar in a flow collection needs a look at.
const FLOW_STOP: [bool; 256] = table(b"\n:#,[]{}");

/// How many bytes `b` starts with that are not in `stops`.
#[inline]
fn run(b: &[u8], stops: &[bool; 256]) -> usize {
    b.iter()
        .position(|&c| stops[usize::from(c)])
        .unwrap_or(b.len())
}

/// A character that ends a plain scalar in a flow collection, or starts
/// a construct no plain scalar may start with.
fn flow_indicator(c: u8) -> bool {
    matches!(c, b',' | b'[' | b']' | b'{' | b'}')
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Scanner {
            text,
            b: text.as_bytes(),
            pos: 0,
            line: 1,
            line_start: 0,
            depth: 0,
            // One event per 7.7 bytes of the synthetic benchmark spec's
            // flow mappings, per 15 of spec/softaccel.yaml: room for one
            // per six, so that no spec's vector grows (a growth copies
            // and touches again every event, 40 bytes each); the room
            // left over is never touched.
            out: Vec::with_capacity(text.len() / 6),
            indexes: None,
        }
    }

    /// One more item in the sequence whose start is event `opened`.
    #[inline]
    fn count_item(&mut self, opened: usize) {
        if let Some(e) = self.out.get_mut(opened) {
            e.items = e.items.saturating_add(1);
        }
    }

    /// One collection further in, within [`super::yaml::MAX_DEPTH`].
    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > super::yaml::MAX_DEPTH {
            return Err(Bail);
        }
        Ok(())
    }

    /// The text from `start` to here, without its trailing spaces.
    #[inline]
    fn trimmed(&self, start: usize) -> &'a str {
        let mut end = self.pos;
        while end > start && self.b[end - 1] == b' ' {
            end -= 1;
        }
        &self.text[start..end]
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    #[inline]
    fn at(&self, i: usize) -> Option<u8> {
        self.b.get(i).copied()
    }

    fn col(&self) -> usize {
        self.pos - self.line_start
    }

    #[inline]
    fn marker(&self) -> Marker {
        Marker::new(self.pos, self.line, self.col())
    }

    /// Where a collection whose entries start at column `indent` ends:
    /// at what comes next; at the end of the text, where saphyr-parser
    /// closes it: before the end's forced line break when the collection
    /// is indented past the last line's column, else after it.
    fn next_marker(&self, indent: usize) -> Marker {
        if self.peek().is_some() || indent > self.col() {
            self.marker()
        } else {
            self.end_marker()
        }
    }

    fn end_marker(&self) -> Marker {
        if self.col() == 0 {
            self.marker()
        } else {
            Marker::new(self.pos, self.line + 1, 0)
        }
    }

    #[inline]
    fn emit(&mut self, kind: Kind, text: Cow<'a, str>, at: Marker) {
        let clamp = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        self.out.push(Ev {
            kind,
            text,
            pos: (clamp(at.line()), clamp(at.col() + 1)),
            items: 0,
        });
        if let Some(indexes) = &mut self.indexes {
            indexes.push(clamp(at.index()));
        }
    }

    #[inline]
    fn newline(&mut self) {
        self.pos += 1;
        self.line += 1;
        self.line_start = self.pos;
    }

    #[inline]
    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }

    /// Skips spaces, comments, line breaks and blank lines: to the next
    /// content or the end.
    #[inline]
    fn skip_blank(&mut self) {
        loop {
            match self.peek() {
                Some(b' ') => self.pos += 1,
                Some(b'\n') => self.newline(),
                Some(b'#') if self.preceded_by_space() => self.skip_to_eol(),
                _ => return,
            }
        }
    }

    fn preceded_by_space(&self) -> bool {
        self.pos == 0 || matches!(self.b[self.pos - 1], b' ' | b'\n')
    }

    fn skip_to_eol(&mut self) {
        while let Some(c) = self.peek() {
            if c == b'\n' {
                return;
            }
            self.pos += 1;
        }
    }

    /// After a node on its line: nothing but spaces and a comment may
    /// follow.
    fn end_of_line(&mut self) -> R<()> {
        self.skip_spaces();
        match self.peek() {
            None | Some(b'\n') => Ok(()),
            Some(b'#') if self.preceded_by_space() => {
                self.skip_to_eol();
                Ok(())
            }
            _ => Err(Bail),
        }
    }

    fn document(&mut self) -> R<()> {
        self.emit(Kind::StreamStart, Cow::Borrowed(""), Marker::new(0, 1, 0));
        self.skip_blank();
        if self.peek().is_none() || self.col() != 0 {
            return Err(Bail);
        }
        let start = self.marker();
        let explicit = self.rest().starts_with(b"---");
        if explicit {
            if !matches!(self.at(self.pos + 3), None | Some(b'\n')) {
                return Err(Bail);
            }
            self.pos += 3;
            self.skip_blank();
            if self.peek().is_none() || self.col() != 0 {
                return Err(Bail);
            }
        }
        self.emit(Kind::DocumentStart(explicit), Cow::Borrowed(""), start);
        // The root is a mapping: `key` refuses anything else.
        self.block_mapping(0)?;
        if self.peek().is_some() {
            return Err(Bail);
        }
        let end = self.end_marker();
        self.emit(Kind::DocumentEnd, Cow::Borrowed(""), end);
        self.emit(Kind::StreamEnd, Cow::Borrowed(""), end);
        Ok(())
    }

    fn rest(&self) -> &'a [u8] {
        &self.b[self.pos..]
    }

    /// Whether the line from here holds `key:` (a plain or quoted key
    /// followed by a colon and a space or the end of the line).
    fn mapping_key_ahead(&self) -> R<bool> {
        let line = self.rest();
        let mut i = match line.first() {
            None | Some(b'{' | b'[' | b'\n') => return Ok(false),
            Some(&q @ (b'\'' | b'"')) => {
                let close = line[1..]
                    .iter()
                    .position(|&c| c == q || c == b'\n')
                    .filter(|&close| line[1 + close] == q)
                    .ok_or(Bail)?;
                1 + close + 1
            }
            _ => 0,
        };
        loop {
            i += run(&line[i..], &LINE_STOP);
            match line.get(i) {
                None | Some(b'\n') => return Ok(false),
                Some(b':') if matches!(line.get(i + 1), None | Some(b' ' | b'\n')) => {
                    return Ok(true);
                }
                Some(b'#') if i > 0 && line[i - 1] == b' ' => return Ok(false),
                _ => {}
            }
            i += 1;
        }
    }

    /// A block mapping whose keys start at column `indent`, at its first
    /// key; returns at the first content of a lower column or the end.
    fn block_mapping(&mut self, indent: usize) -> R<()> {
        self.enter()?;
        let start = self.marker();
        self.emit(Kind::MappingStart, Cow::Borrowed(""), start);
        loop {
            self.key()?;
            self.mapping_value(indent)?;
            self.skip_blank();
            if self.peek().is_none() || self.col() < indent {
                let end = self.next_marker(indent);
                self.emit(Kind::MappingEnd, Cow::Borrowed(""), end);
                self.depth -= 1;
                return Ok(());
            }
            // `key` refuses a line that holds no key.
            if self.col() > indent {
                return Err(Bail);
            }
        }
    }

    /// A key and its colon.
    fn key(&mut self) -> R<()> {
        let at = self.marker();
        let (value, style) = match self.peek() {
            Some(b'\'') => (self.single_quoted()?, ScalarStyle::SingleQuoted),
            Some(b'"') => (self.double_quoted()?, ScalarStyle::DoubleQuoted),
            Some(c) if self.plain_start(c, false) => {
                let start = self.pos;
                loop {
                    self.pos += run(self.rest(), &KEY_STOP);
                    let Some(c) = self.peek() else { break };
                    if c == b'\n'
                        || (c == b':' && matches!(self.at(self.pos + 1), None | Some(b' ' | b'\n')))
                        || (c == b' ' && self.at(self.pos + 1) == Some(b'#'))
                    {
                        break;
                    }
                    self.pos += 1;
                }
                let key = self.trimmed(start);
                (Cow::Borrowed(key), ScalarStyle::Plain)
            }
            _ => return Err(Bail),
        };
        self.skip_spaces();
        if self.peek() != Some(b':') {
            return Err(Bail);
        }
        self.emit(Kind::Scalar(style), value, at);
        Ok(())
    }

    /// At a mapping's colon: the value, on this line or below.
    fn mapping_value(&mut self, indent: usize) -> R<()> {
        let colon = self.marker();
        self.pos += 1;
        self.skip_spaces();
        match self.peek() {
            None | Some(b'\n') | Some(b'#') => {
                self.skip_blank();
                let col = self.col();
                if self.peek().is_none() || col < indent || (col == indent && !self.dash_ahead()) {
                    self.emit(Kind::Scalar(ScalarStyle::Plain), Cow::Borrowed(""), colon);
                    return Ok(());
                }
                if col == indent {
                    return self.block_sequence(indent, true);
                }
                self.block_node(indent)
            }
            Some(_) => self.inline_node(indent),
        }
    }

    fn dash_ahead(&self) -> bool {
        self.peek() == Some(b'-') && matches!(self.at(self.pos + 1), None | Some(b' ' | b'\n'))
    }

    /// A node that starts a line of its own, more indented than its
    /// parent's `indent`.
    fn block_node(&mut self, indent: usize) -> R<()> {
        let col = self.col();
        if self.dash_ahead() {
            return self.block_sequence(col, false);
        }
        if self.mapping_key_ahead()? {
            return self.block_mapping(col);
        }
        self.inline_node(indent)
    }

    /// A node that starts after a key's colon or a dash on the same line
    /// (or a scalar on a line of its own); `indent` is the parent's.
    fn inline_node(&mut self, indent: usize) -> R<()> {
        match self.peek() {
            Some(b'{') | Some(b'[') => {
                self.flow_node(indent)?;
                self.end_of_line()
            }
            Some(b'\'' | b'"') => {
                self.quoted()?;
                self.end_of_line()
            }
            Some(b'|') | Some(b'>') => self.block_scalar(indent),
            Some(c) if self.plain_start(c, false) => self.block_plain(indent),
            _ => Err(Bail),
        }
    }

    /// Whether a plain scalar may start with `c` here.
    #[inline(always)]
    fn plain_start(&self, c: u8, flow: bool) -> bool {
        match c {
            b'-' | b'?' | b':' => {
                let next = self.at(self.pos + 1);
                let ends = matches!(next, None | Some(b' ' | b'\n'))
                    || (flow && next.is_some_and(flow_indicator));
                !ends
            }
            b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' | b' '
            | b'\n' => false,
            c => !flow_indicator(c),
        }
    }

    /// A plain scalar in block context, maybe over several lines, each
    /// more indented than `indent`.
    fn block_plain(&mut self, indent: usize) -> R<()> {
        let at = self.marker();
        let first = self.plain_line()?;
        let mut value: Cow<'a, str> = Cow::Borrowed(first);
        // Continuation lines: blank lines fold to line breaks, a single
        // break to a space.
        loop {
            // A comment (or the end) ends the scalar.
            if self.peek() != Some(b'\n') {
                break;
            }
            let save = (self.pos, self.line, self.line_start);
            let mut breaks = 0;
            while self.peek() == Some(b'\n') {
                self.newline();
                self.skip_spaces();
                breaks += 1;
            }
            let more = self.peek().is_some()
                && self.col() > indent
                && self.plain_start(self.b[self.pos], false)
                && !matches!(self.b[self.pos], b'-' | b'?' | b':')
                && !(self.col() == 0 && self.rest().starts_with(b"..."));
            if !more {
                (self.pos, self.line, self.line_start) = save;
                break;
            }
            let next = self.plain_line()?;
            let v = value.to_mut();
            if breaks == 1 {
                v.push(' ');
            } else {
                for _ in 1..breaks {
                    v.push('\n');
                }
            }
            v.push_str(next);
        }
        self.emit(Kind::Scalar(ScalarStyle::Plain), value, at);
        self.end_of_line()
    }

    /// One line of a block plain scalar, its trailing spaces dropped; the
    /// scanner stays at the line's end or at a comment (which ends the
    /// scalar).
    fn plain_line(&mut self) -> R<&'a str> {
        let start = self.pos;
        loop {
            self.pos += run(self.rest(), &LINE_STOP);
            let Some(c) = self.peek() else { break };
            match c {
                b'\n' => break,
                b':' if matches!(self.at(self.pos + 1), None | Some(b' ' | b'\n')) => {
                    return Err(Bail);
                }
                b'#' if self.b[self.pos - 1] == b' ' => break,
                _ => self.pos += 1,
            }
        }
        Ok(self.trimmed(start))
    }

    /// A single- or double-quoted scalar node.
    fn quoted(&mut self) -> R<()> {
        let at = self.marker();
        let (value, style) = if self.peek() == Some(b'\'') {
            (self.single_quoted()?, ScalarStyle::SingleQuoted)
        } else {
            (self.double_quoted()?, ScalarStyle::DoubleQuoted)
        };
        self.emit(Kind::Scalar(style), value, at);
        Ok(())
    }

    /// `'...'` on one line, `''` standing for a quote.
    fn single_quoted(&mut self) -> R<Cow<'a, str>> {
        self.pos += 1;
        let start = self.pos;
        let mut doubled = false;
        loop {
            match self.peek() {
                None | Some(b'\n') => return Err(Bail),
                Some(b'\'') if self.at(self.pos + 1) == Some(b'\'') => {
                    doubled = true;
                    self.pos += 2;
                }
                Some(b'\'') => {
                    let raw = &self.text[start..self.pos];
                    self.pos += 1;
                    return Ok(if doubled {
                        Cow::Owned(raw.replace("''", "'"))
                    } else {
                        Cow::Borrowed(raw)
                    });
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    /// `"..."` on one line with the common escapes.
    fn double_quoted(&mut self) -> R<Cow<'a, str>> {
        self.pos += 1;
        let start = self.pos;
        let mut owned: Option<String> = None;
        loop {
            match self.peek() {
                None | Some(b'\n') => return Err(Bail),
                Some(b'"') => {
                    let value = match owned {
                        None => Cow::Borrowed(&self.text[start..self.pos]),
                        Some(s) => Cow::Owned(s),
                    };
                    self.pos += 1;
                    return Ok(value);
                }
                Some(b'\\') => {
                    let c = match self.at(self.pos + 1) {
                        Some(b'\\') => '\\',
                        Some(b'"') => '"',
                        Some(b'n') => '\n',
                        Some(b't') => '\t',
                        Some(b'0') => '\0',
                        Some(b'/') => '/',
                        _ => return Err(Bail),
                    };
                    let s = owned.get_or_insert_with(|| self.text[start..self.pos].to_string());
                    s.push(c);
                    self.pos += 2;
                }
                Some(c) => {
                    if let Some(s) = owned.as_mut() {
                        s.push(char::from(c));
                    }
                    self.pos += 1;
                }
            }
        }
    }

    /// `|` or `>` with an optional `-` (strip) and its lines, more
    /// indented than `indent`; the scalar is placed at its first line's
    /// text, as saphyr-parser places it.
    fn block_scalar(&mut self, indent: usize) -> R<()> {
        let folded = self.peek() == Some(b'>');
        self.pos += 1;
        let strip = match self.peek() {
            Some(b'-') => {
                self.pos += 1;
                true
            }
            Some(b' ' | b'\n' | b'#') | None => false,
            _ => return Err(Bail),
        };
        self.end_of_line()?;
        if self.peek() != Some(b'\n') {
            return Err(Bail);
        }
        self.newline();
        self.skip_spaces();
        let block = self.col();
        if block <= indent || matches!(self.peek(), None | Some(b'\n')) {
            return Err(Bail);
        }
        let at = self.marker();
        let mut value = String::new();
        // Line breaks seen since the last text line.
        let mut breaks = 0usize;
        loop {
            let start = self.pos;
            self.skip_to_eol();
            let text = &self.text[start..self.pos];
            // Folding around spaces that open or end a line has rules of
            // its own: saphyr-parser decides.
            if folded && (text.starts_with(' ') || text.ends_with(' ')) {
                return Err(Bail);
            }
            if !value.is_empty() {
                if folded && breaks == 1 {
                    value.push(' ');
                } else if folded {
                    for _ in 1..breaks {
                        value.push('\n');
                    }
                } else {
                    for _ in 0..breaks {
                        value.push('\n');
                    }
                }
            }
            value.push_str(text);
            breaks = 0;
            // The next text line at this block's indentation, or the end.
            let save = (self.pos, self.line, self.line_start);
            while self.peek() == Some(b'\n') {
                self.newline();
                breaks += 1;
                let line_start = self.pos;
                self.skip_spaces();
                if matches!(self.peek(), None | Some(b'\n')) && self.pos != line_start {
                    // A blank line holding spaces: saphyr-parser decides.
                    return Err(Bail);
                }
            }
            if self.peek().is_none() || self.col() < block {
                if self.peek().is_some() && self.col() > indent && self.b[self.pos] != b'#' {
                    return Err(Bail);
                }
                // Back to the end of the last text line: the node after
                // the scalar is found from there.
                (self.pos, self.line, self.line_start) = save;
                if !strip {
                    value.push('\n');
                }
                break;
            }
            if self.col() > block {
                // A literal keeps a more indented line's extra spaces; a
                // folded one would not fold it (saphyr-parser decides).
                if folded {
                    return Err(Bail);
                }
                self.pos = self.line_start + block;
            }
        }
        let style = if folded {
            ScalarStyle::Folded
        } else {
            ScalarStyle::Literal
        };
        self.emit(Kind::Scalar(style), Cow::Owned(value), at);
        Ok(())
    }

    /// A block sequence whose dashes are at column `indent`; an
    /// `indentless` one (the value of a key at the key's column) is placed
    /// at its first entry's text, as saphyr-parser places it.
    fn block_sequence(&mut self, indent: usize, indentless: bool) -> R<()> {
        self.enter()?;
        let start = if indentless {
            let mut m = self.marker();
            let mut i = self.pos + 1;
            while self.at(i) == Some(b' ') {
                i += 1;
            }
            if matches!(self.at(i), None | Some(b'\n' | b'#')) {
                return Err(Bail);
            }
            m = Marker::new(i, m.line(), m.col() + (i - self.pos));
            m
        } else {
            self.marker()
        };
        let opened = self.out.len();
        self.emit(Kind::SequenceStart, Cow::Borrowed(""), start);
        loop {
            // At a dash.
            self.count_item(opened);
            self.pos += 1;
            self.skip_spaces();
            match self.peek() {
                None | Some(b'\n') | Some(b'#') => {
                    self.skip_blank();
                    if self.peek().is_none() || self.col() <= indent {
                        return Err(Bail);
                    }
                    self.block_node(indent)?;
                }
                Some(_) if self.dash_ahead() => return Err(Bail),
                Some(_) => {
                    let col = self.col();
                    if self.mapping_key_ahead()? {
                        self.block_mapping(col)?;
                    } else {
                        self.inline_node(indent)?;
                    }
                }
            }
            self.skip_blank();
            if self.peek().is_none() || self.col() < indent || (indentless && !self.dash_ahead()) {
                if self.peek().is_some() && self.col() == indent && !indentless {
                    return Err(Bail);
                }
                let end = self.next_marker(indent);
                self.emit(Kind::SequenceEnd, Cow::Borrowed(""), end);
                self.depth -= 1;
                return Ok(());
            }
            if self.col() > indent || !self.dash_ahead() {
                return Err(Bail);
            }
        }
    }

    /// `{...}` or `[...]`, maybe over several lines (each more indented
    /// than `indent`).
    fn flow_node(&mut self, indent: usize) -> R<()> {
        self.enter()?;
        let map = self.peek() == Some(b'{');
        let open = self.marker();
        let kind = if map {
            Kind::MappingStart
        } else {
            Kind::SequenceStart
        };
        let opened = self.out.len();
        self.emit(kind, Cow::Borrowed(""), open);
        self.pos += 1;
        let close = if map { b'}' } else { b']' };
        let mut first = true;
        loop {
            self.flow_blank(indent)?;
            if self.peek() == Some(close) && first {
                break;
            }
            first = false;
            if !map {
                self.count_item(opened);
            }
            self.flow_item(indent)?;
            if map {
                self.flow_blank(indent)?;
                if self.peek() != Some(b':') {
                    return Err(Bail);
                }
                self.pos += 1;
                if !matches!(self.peek(), Some(b' ' | b'\n')) {
                    return Err(Bail);
                }
                self.flow_blank(indent)?;
                if matches!(self.peek(), Some(b',' | b'}')) {
                    return Err(Bail);
                }
                self.flow_item(indent)?;
            }
            self.flow_blank(indent)?;
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.flow_blank(indent)?;
                    if self.peek() == Some(close) {
                        return Err(Bail);
                    }
                }
                Some(c) if c == close => break,
                _ => return Err(Bail),
            }
        }
        let at = self.marker();
        let kind = if map {
            Kind::MappingEnd
        } else {
            Kind::SequenceEnd
        };
        self.emit(kind, Cow::Borrowed(""), at);
        self.pos += 1;
        self.depth -= 1;
        Ok(())
    }

    /// Blanks inside a flow collection; a line must go on further in than
    /// `indent`.
    #[inline]
    fn flow_blank(&mut self, indent: usize) -> R<()> {
        // Mostly nothing or one space before more on the line: what
        // `skip_blank` would do, without its loop.
        let gap = usize::from(self.peek() == Some(b' '));
        if !matches!(self.at(self.pos + gap), Some(b' ' | b'\n' | b'#')) {
            self.pos += gap;
            return Ok(());
        }
        let line = self.line;
        self.skip_blank();
        if self.line != line && (self.peek().is_none() || self.col() <= indent) {
            return Err(Bail);
        }
        Ok(())
    }

    /// One scalar or collection inside a flow collection (inlined into
    /// [`Self::flow_node`], its only caller: a call per scalar cost a
    /// tenth of the scan).
    #[inline(always)]
    fn flow_item(&mut self, indent: usize) -> R<()> {
        match self.peek() {
            Some(b'{') | Some(b'[') => self.flow_node(indent),
            Some(b'\'' | b'"') => self.quoted(),
            Some(c) if self.plain_start(c, true) => {
                let at = self.marker();
                let start = self.pos;
                loop {
                    self.pos += run(self.rest(), &FLOW_STOP);
                    let Some(c) = self.peek() else { break };
                    let ends = match c {
                        b'\n' => true,
                        b':' => {
                            matches!(self.at(self.pos + 1), None | Some(b' ' | b'\n'))
                                || self.at(self.pos + 1).is_some_and(flow_indicator)
                        }
                        b'#' => self.b[self.pos - 1] == b' ',
                        c => flow_indicator(c),
                    };
                    if ends {
                        break;
                    }
                    self.pos += 1;
                }
                let v = self.trimmed(start);
                if self.peek() == Some(b'\n') || v.is_empty() {
                    // A plain scalar going on to the next line.
                    return Err(Bail);
                }
                self.emit(Kind::Scalar(ScalarStyle::Plain), Cow::Borrowed(v), at);
                Ok(())
            }
            _ => Err(Bail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agrees(text: &str) -> bool {
        match agrees_with_saphyr(text) {
            Ok(taken) => taken,
            Err(e) => panic!("{e}\n---\n{text}"),
        }
    }

    #[test]
    fn the_subset_is_saphyr_parser_s() {
        for text in [
            "a: 1\n",
            "a: 1",
            "# c\nname: x\ndoc: Some words\nempty:\nnext: y\n",
            "m:\n  k: v\n  n: { a: 1, b: [x, 'y', \"z\"] }\nl:\n- a\n- b\nz: 2\n",
            "s:\n  - { a: 1 }\n  - a: 1\n    b: 2\n  -\n    c: 3\nt: x\n",
            "d: >\n  one\n  two\n\n  three\ne: |-\n  a\n    b\n\n  c\nf: x\n",
            "p: plain text\n  that goes on\n\n  and on\nq: 'it''s'\n",
            "k: \"a\\\"b\\n\"\nu: http://x.y/z\nw: a:b\n",
            "x: [a, b,\n  c]\ny: {\n  a: 1 }\n",
            "# SPDX\n---\nname: x\n",
            "a: 1 # comment\n# end\n",
            "a:\n  b:\n    c: d\n  e: f\ng: h\n\n\n",
            "a:\n  b: 1\n ",
            "a:\n  b:\n  - x\n ",
            "a:\n  b:\n    - x\n  ",
            "a:\n  - b: 1\n   ",
        ] {
            assert!(agrees(text), "not taken:\n{text}");
        }
    }

    #[test]
    fn what_it_does_not_know_goes_to_saphyr_parser() {
        for text in [
            "",
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "--- !x\na: 1\n",
            "a:\t1\n",
            "a: \"multi\n  line\"\n",
            "a: 1\n  b: 2\n",
            "a: b: c\n",
            "- a\n- b\n",
            "a: caf\u{e9}\n",
            "a: [b: c]\n",
            "a: {b}\n",
            "a: [1,]\n",
            "a: |2\n   x\n",
            "a: |\n  x\n   ",
            "a: >-\n  x\n      ",
            "? a\n: b\n",
            "a:\n...  b: 1\n",
            "a: 1\n---\nb: 2\n",
        ] {
            assert!(!agrees(text), "taken:\n{text}");
        }
    }

    #[test]
    fn nesting_past_the_deserializer_s_bound_goes_to_saphyr_parser() {
        let flow = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        let block: String = (0..=super::super::yaml::MAX_DEPTH)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect::<String>()
            + &" ".repeat(super::super::yaml::MAX_DEPTH + 1)
            + "v: 1\n";
        let within: String = (0..super::super::yaml::MAX_DEPTH - 1)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect::<String>()
            + &" ".repeat(super::super::yaml::MAX_DEPTH - 1)
            + "v: 1\n";
        assert!(!agrees(&flow));
        assert!(!agrees(&block));
        assert!(agrees(&within));
    }

    #[test]
    fn every_yaml_file_of_the_repository_agrees() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        collect(&root, &mut files);
        assert!(files.len() > 100, "{}", files.len());
        let mut taken = 0;
        for f in &files {
            let Ok(text) = std::fs::read_to_string(f) else {
                continue;
            };
            match agrees_with_saphyr(&text) {
                Ok(false) if std::env::var_os("FAST_YAML_WHY").is_some() => {
                    eprintln!("{}: {:?}", f.display(), gave_up_at(&text));
                }
                Ok(t) => taken += usize::from(t),
                Err(e) => panic!("{}: {e}", f.display()),
            }
        }
        // The fast path must be the common path, not a curiosity.
        assert!(taken * 2 > files.len(), "{taken} of {} taken", files.len());
    }

    /// The spec fuzz targets' corpora: thousands of near-specs, broken in
    /// every way the fuzzer found; wherever the fast path takes one, it
    /// must give saphyr-parser's events.
    #[test]
    fn every_spec_fuzz_input_agrees() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
        let mut seen = 0;
        let mut taken = 0;
        for target in ["spec_bytes", "spec_mutate"] {
            let Ok(entries) = std::fs::read_dir(root.join(target)) else {
                continue;
            };
            for e in entries.flatten() {
                let Ok(text) = std::fs::read_to_string(e.path()) else {
                    continue;
                };
                seen += 1;
                match agrees_with_saphyr(&text) {
                    Ok(t) => taken += usize::from(t),
                    Err(err) => panic!("{}: {err}", e.path().display()),
                }
            }
        }
        assert!(seen > 1000 && taken > 100, "{taken} of {seen} taken");
    }

    fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name();
            if p.is_dir() {
                if name != "target" && name != ".git" {
                    collect(&p, out);
                }
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                out.push(p);
            }
        }
    }
}
