//! Streaming decode of Kubernetes LIST bodies: the body is fed in chunks as it arrives, and
//! each element of `items` is handed over (as its own JSON bytes) as soon as it is complete,
//! so memory is bounded by one object plus one chunk, never by the response.
//!
//! The splitter only tracks the top level of the list object (`kind`, `metadata`, `items`)
//! and the nesting of each item (strings, escapes, brackets); each item is then deserialized
//! from its own bytes by serde_json into the few fields planning reads (everything else,
//! managedFields included, is skipped with `IgnoredAny` without building a value). The
//! `metadata` object (with the `continue` token) precedes `items` in the apiserver's bodies,
//! so it is reported before the first item: the caller can request the next page while this
//! one is still arriving.
//!
//! Pure: no I/O; the fuzz target `kube_json` drives it with arbitrary bytes and chunkings.

use serde::de::DeserializeOwned;

use super::convert::ListMeta;
use super::keep::{self, Keep, Miss};

/// The largest single item accepted (a pod is 4-8 KB; a hostile or broken server could send
/// one endless object): past it the body is refused, memory stays bounded.
pub const MAX_ITEM_BYTES: usize = 64 << 20;

/// What the decoder found, in body order.
#[derive(Debug)]
pub enum Event<T> {
    /// The list's `metadata`.
    Meta(ListMeta),
    /// One element of `items`, deserialized.
    Item(T),
}

/// An item is parsed in place once at least this many bytes of the body are buffered after its
/// start (or the body has ended): most items are then complete and parsed in one pass; one
/// that is cut by the end of the buffer is scanned for its end first, then parsed.
pub const MIN_BATCH: usize = 32 << 10;

/// Why a body is not a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Not JSON, or not the shape of a list, at this byte offset of the body.
    Syntax {
        /// Offset in the body.
        at: u64,
        /// What was wrong.
        what: String,
    },
    /// The body ended before the list did.
    Truncated {
        /// Bytes received.
        at: u64,
    },
    /// Valid JSON, but not a list of the expected kind (a `Status`, a single object, ...).
    NotAList {
        /// The `kind` found, if any.
        kind: Option<String>,
        /// The kind expected.
        expected: String,
        /// A Status' message, when the body is a Status.
        message: Option<String>,
    },
    /// An item is larger than [`MAX_ITEM_BYTES`].
    TooLarge {
        /// Offset of the item.
        at: u64,
    },
    /// The caller refused an item (it does not deserialize into the expected type).
    Item {
        /// Index of the item in `items`.
        index: u64,
        /// The deserializer's message.
        what: String,
    },
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Syntax { at, what } => write!(f, "invalid JSON at byte {at}: {what}"),
            DecodeError::Truncated { at } => {
                write!(f, "the body ended after {at} bytes, before the list did")
            }
            DecodeError::NotAList { kind, expected, message } => {
                match kind {
                    Some(k) => write!(f, "a 200 answer that is a {k}, not a {expected}")?,
                    None => write!(f, "a 200 answer that is not a {expected} (no kind, no items)")?,
                }
                if let Some(m) = message {
                    write!(f, ": {m}")?;
                }
                Ok(())
            }
            DecodeError::TooLarge { at } => {
                write!(f, "an item at byte {at} is larger than {} MiB", MAX_ITEM_BYTES >> 20)
            }
            DecodeError::Item { index, what } => write!(f, "items[{index}]: {what}"),
        }
    }
}

/// Where the splitter is in the top-level object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before `{`.
    Start,
    /// Expecting a key or `}`.
    Key { first: bool },
    /// After a key, expecting `:`.
    Colon,
    /// Expecting a value of the current key.
    Value,
    /// Inside `items`, expecting an element, `,` or `]`.
    Items { first: bool },
    /// After a value, expecting `,` or `}`.
    After,
    /// After the closing `}`.
    Done,
}

/// Which top-level key's value is being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Kind,
    Metadata,
    Items,
    Status,
    Message,
    Other,
}

/// An incomplete value being scanned: where it starts and how far the scan got.
#[derive(Debug, Clone, Copy)]
struct Scan {
    start: usize,
    at: usize,
    depth: u32,
    in_str: bool,
    esc: bool,
    /// The value is a scalar (number, literal) that ends at a delimiter.
    scalar: bool,
}

/// The splitter. Feed it chunks with [`ListDecoder::feed`], then call [`ListDecoder::finish`].
#[derive(Debug)]
pub struct ListDecoder {
    buf: Vec<u8>,
    pos: usize,
    /// Bytes dropped from the front of `buf` so far (for offsets in errors).
    dropped: u64,
    state: State,
    field: Field,
    scan: Option<Scan>,
    expected: String,
    kind: Option<String>,
    status_message: Option<String>,
    saw_items: bool,
    items: u64,
    /// The body has ended (no more bytes will come).
    ended: bool,
    /// What of each item to hand to serde ([`ListDecoder::keeping`]); all of it when `None`.
    keep: Option<&'static Keep>,
    /// The filtered item (reused).
    scratch: Vec<u8>,
}

/// What a complete list body held besides its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Items handed over.
    pub items: u64,
    /// The `kind`, when the body had one.
    pub kind: Option<String>,
}

enum Step {
    /// A complete value `buf[start..end]`.
    Value(usize, usize),
    /// More bytes needed.
    More,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl ListDecoder {
    /// A decoder for a list whose `kind` must be `expected` (e.g. `PodList`) when present.
    pub fn new(expected: &str) -> ListDecoder {
        ListDecoder {
            buf: Vec::new(),
            pos: 0,
            dropped: 0,
            state: State::Start,
            field: Field::Other,
            scan: None,
            expected: expected.to_string(),
            kind: None,
            status_message: None,
            saw_items: false,
            items: 0,
            ended: false,
            keep: None,
            scratch: Vec::new(),
        }
    }

    /// Hands serde only what `keep` names of each item (see [`keep`]): the rest is skipped by
    /// a byte scanner instead of being parsed. An item the filter cannot read is parsed whole,
    /// so errors are the same as without it.
    pub fn keeping(mut self, keep: &'static Keep) -> ListDecoder {
        self.keep = Some(keep);
        self
    }

    fn at(&self, i: usize) -> u64 {
        self.dropped + i as u64
    }

    fn syntax(&self, i: usize, what: impl Into<String>) -> DecodeError {
        DecodeError::Syntax { at: self.at(i), what: what.into() }
    }

    /// Feeds the next chunk; `on` gets every event completed by it, in order. An error from
    /// `on` (an item that does not deserialize) stops the decode.
    pub fn feed<T: DeserializeOwned>(
        &mut self,
        chunk: &[u8],
        on: &mut dyn FnMut(Event<T>) -> Result<(), String>,
    ) -> Result<(), DecodeError> {
        self.feed_with(&mut |buf| buf.extend_from_slice(chunk), on)
    }

    /// Like [`ListDecoder::feed`], but the next bytes are appended to the buffer by `fill` (an
    /// inflater writing straight into it: the bytes are not copied again).
    pub fn feed_with<T: DeserializeOwned>(
        &mut self,
        fill: &mut dyn FnMut(&mut Vec<u8>),
        on: &mut dyn FnMut(Event<T>) -> Result<(), String>,
    ) -> Result<(), DecodeError> {
        if self.pos == self.buf.len() && self.scan.is_none() {
            // Everything before was consumed: start afresh without copying the old bytes.
            self.dropped += self.buf.len() as u64;
            self.buf.clear();
            self.pos = 0;
        }
        fill(&mut self.buf);
        let r = self.run(on);
        // Keep only what is not consumed yet (the value being scanned, or nothing): moved to the
        // front once the consumed bytes are three times what is kept, so each byte of the body
        // is moved at most a third of a time on average.
        let keep_from = self.scan.map_or(self.pos, |s| s.start).min(self.pos);
        if keep_from > 0 && keep_from >= 3 * (self.buf.len() - keep_from) {
            self.buf.drain(..keep_from);
            self.dropped += keep_from as u64;
            self.pos -= keep_from;
            if let Some(s) = &mut self.scan {
                s.start -= keep_from;
                s.at -= keep_from;
            }
        }
        r
    }

    /// The body ended: decodes what is left and checks that it was one complete list of the
    /// expected kind.
    pub fn finish<T: DeserializeOwned>(
        mut self,
        on: &mut dyn FnMut(Event<T>) -> Result<(), String>,
    ) -> Result<Summary, DecodeError> {
        self.ended = true;
        self.run(on)?;
        let end = self.at(self.buf.len());
        if self.state != State::Done {
            if self.state == State::Start && self.buf[self.pos..].iter().all(|b| is_ws(*b)) && end == 0 {
                return Err(DecodeError::Truncated { at: 0 });
            }
            return Err(DecodeError::Truncated { at: end });
        }
        let kind_ok = self.kind.as_deref().is_none_or(|k| k == self.expected);
        if !kind_ok || !self.saw_items {
            return Err(DecodeError::NotAList {
                kind: self.kind,
                expected: self.expected,
                message: self.status_message,
            });
        }
        Ok(Summary { items: self.items, kind: self.kind })
    }

    fn skip_ws(&mut self) -> bool {
        while self.pos < self.buf.len() {
            if !is_ws(self.buf[self.pos]) {
                return true;
            }
            self.pos += 1;
        }
        false
    }

    fn run<T: DeserializeOwned>(
        &mut self,
        on: &mut dyn FnMut(Event<T>) -> Result<(), String>,
    ) -> Result<(), DecodeError> {
        loop {
            if self.scan.is_none() && !self.skip_ws() {
                return Ok(());
            }
            match self.state {
                State::Start => {
                    if self.buf[self.pos] != b'{' {
                        return Err(self.syntax(self.pos, "a list body must be a JSON object"));
                    }
                    self.pos += 1;
                    self.state = State::Key { first: true };
                }
                State::Key { first } => {
                    let b = self.buf[self.pos];
                    if self.scan.is_none() && b == b'}' && first {
                        self.pos += 1;
                        self.state = State::Done;
                        continue;
                    }
                    if self.scan.is_none() && b != b'"' {
                        return Err(self.syntax(self.pos, "expected a key"));
                    }
                    let Step::Value(s, e) = self.scan_value()? else { return Ok(()) };
                    let key = &self.buf[s..e];
                    self.field = match key {
                        b"\"kind\"" => Field::Kind,
                        b"\"metadata\"" => Field::Metadata,
                        b"\"items\"" => Field::Items,
                        b"\"status\"" => Field::Status,
                        b"\"message\"" => Field::Message,
                        _ => Field::Other,
                    };
                    self.pos = e;
                    self.state = State::Colon;
                }
                State::Colon => {
                    if self.buf[self.pos] != b':' {
                        return Err(self.syntax(self.pos, "expected ':'"));
                    }
                    self.pos += 1;
                    self.state = State::Value;
                }
                State::Value => {
                    if self.field == Field::Items && self.scan.is_none() {
                        match self.buf[self.pos] {
                            b'[' => {
                                self.pos += 1;
                                self.saw_items = true;
                                self.state = State::Items { first: true };
                                continue;
                            }
                            b'n' => {} // null: scanned as a scalar below, an empty list
                            _ => return Err(self.syntax(self.pos, "items must be an array")),
                        }
                    }
                    let Step::Value(s, e) = self.scan_value()? else { return Ok(()) };
                    if self.field == Field::Metadata {
                        let meta: ListMeta = serde_json::from_slice(&self.buf[s..e])
                            .map_err(|err| self.syntax(s, format!("metadata: {err}")))?;
                        on(Event::Meta(meta)).map_err(|what| DecodeError::Item { index: 0, what })?;
                    } else {
                        self.top_value(s, e)?;
                    }
                    self.pos = e;
                    self.state = State::After;
                }
                State::Items { first } => {
                    if self.scan.is_none() {
                        let b = self.buf[self.pos];
                        if b == b']' {
                            self.pos += 1;
                            self.state = State::After;
                            continue;
                        }
                        if !first {
                            if b != b',' {
                                return Err(self.syntax(self.pos, "expected ',' or ']' in items"));
                            }
                            self.pos += 1;
                            if !self.skip_ws() {
                                // The comma is consumed; wait for the element.
                                self.state = State::Items { first: true };
                                return Ok(());
                            }
                        }
                        if self.buf[self.pos] == b']' {
                            return Err(self.syntax(self.pos, "trailing ',' in items"));
                        }
                        // An object with enough bytes after it: parse it in place, in one pass.
                        if self.buf[self.pos] == b'{' {
                            if !self.ended && self.buf.len() - self.pos < MIN_BATCH {
                                self.state = State::Items { first: true };
                                return Ok(());
                            }
                            let index = self.items;
                            let mut cut = false;
                            if let Some(rule) = self.keep {
                                self.scratch.clear();
                                match keep::filter(&self.buf, self.pos, rule, &mut self.scratch) {
                                    Ok(end) => {
                                        let v =
                                            from_filtered(&self.scratch, &self.buf[self.pos..end], index)?;
                                        self.hand_over(v, end, on)?;
                                        continue;
                                    }
                                    // Cut by the end of the buffer: find its end first (below).
                                    Err(Miss::More) if !self.ended => cut = true,
                                    // Parsed whole in place, for serde's error.
                                    Err(_) => {}
                                }
                            }
                            if !cut {
                                let mut it = serde_json::Deserializer::from_slice(&self.buf[self.pos..])
                                    .into_iter::<T>();
                                match it.next() {
                                    Some(Ok(v)) => {
                                        let end = self.pos + it.byte_offset();
                                        self.hand_over(v, end, on)?;
                                        continue;
                                    }
                                    // Cut by the end of the buffer: find its end, then parse it.
                                    Some(Err(e)) if e.is_eof() => {}
                                    Some(Err(e)) => {
                                        return Err(DecodeError::Item { index, what: e.to_string() });
                                    }
                                    None => return Err(self.syntax(self.pos, "expected an item")),
                                }
                            }
                        }
                    }
                    let Step::Value(s, e) = self.scan_value()? else {
                        self.state = State::Items { first: true };
                        return Ok(());
                    };
                    let index = self.items;
                    let filtered = self.keep.is_some_and(|rule| {
                        self.scratch.clear();
                        keep::filter(&self.buf[..e], s, rule, &mut self.scratch) == Ok(e)
                    });
                    let v: T = if filtered {
                        from_filtered(&self.scratch, &self.buf[s..e], index)?
                    } else {
                        serde_json::from_slice(&self.buf[s..e])
                            .map_err(|err| DecodeError::Item { index, what: err.to_string() })?
                    };
                    self.hand_over(v, e, on)?;
                }
                State::After => match self.buf[self.pos] {
                    b',' => {
                        self.pos += 1;
                        self.state = State::Key { first: false };
                    }
                    b'}' => {
                        self.pos += 1;
                        self.state = State::Done;
                    }
                    _ => return Err(self.syntax(self.pos, "expected ',' or '}'")),
                },
                State::Done => {
                    return Err(self.syntax(self.pos, "data after the end of the list"));
                }
            }
        }
    }

    /// Hands item `v`, which ends at `end` of the buffer, to `on`, and moves past it.
    fn hand_over<T>(
        &mut self,
        v: T,
        end: usize,
        on: &mut dyn FnMut(Event<T>) -> Result<(), String>,
    ) -> Result<(), DecodeError> {
        let index = self.items;
        on(Event::Item(v)).map_err(|what| DecodeError::Item { index, what })?;
        self.items += 1;
        self.pos = end;
        self.state = State::Items { first: false };
        Ok(())
    }

    /// A complete top-level value other than `items`.
    fn top_value(&mut self, s: usize, e: usize) -> Result<(), DecodeError> {
        let text = &self.buf[s..e];
        let string = || serde_json::from_slice::<String>(text).ok();
        match self.field {
            Field::Kind => self.kind = string(),
            Field::Message => self.status_message = string(),
            Field::Items => {
                if text != b"null" {
                    return Err(self.syntax(s, "items must be an array"));
                }
                self.saw_items = true;
            }
            Field::Metadata | Field::Status | Field::Other => {}
        }
        Ok(())
    }

    /// Scans one JSON value from `pos` (or resumes the scan in progress).
    fn scan_value(&mut self) -> Result<Step, DecodeError> {
        let mut sc = match self.scan.take() {
            Some(s) => s,
            None => {
                let b = self.buf[self.pos];
                let scalar = !matches!(b, b'{' | b'[' | b'"');
                if scalar && !matches!(b, b'-' | b'0'..=b'9' | b't' | b'f' | b'n') {
                    return Err(self.syntax(self.pos, format!("unexpected byte {:?}", b as char)));
                }
                Scan { start: self.pos, at: self.pos, depth: 0, in_str: false, esc: false, scalar }
            }
        };
        let buf = &self.buf;
        let n = buf.len();
        let mut i = sc.at;
        let done = 'scan: {
            if sc.scalar {
                while i < n {
                    let b = buf[i];
                    if matches!(b, b',' | b'}' | b']') || is_ws(b) {
                        break 'scan Some(i);
                    }
                    i += 1;
                }
                break 'scan None;
            }
            while i < n {
                if sc.in_str {
                    if sc.esc {
                        sc.esc = false;
                        i += 1;
                        continue;
                    }
                    match memchr::memchr2(b'"', b'\\', &buf[i..]) {
                        None => {
                            i = n;
                            break;
                        }
                        Some(k) => {
                            i += k;
                            if buf[i] == b'\\' {
                                sc.esc = true;
                            } else {
                                sc.in_str = false;
                                if sc.depth == 0 {
                                    break 'scan Some(i + 1);
                                }
                            }
                            i += 1;
                        }
                    }
                    continue;
                }
                match buf[i] {
                    b'"' => sc.in_str = true,
                    b'{' | b'[' => sc.depth += 1,
                    b'}' | b']' => {
                        sc.depth = sc.depth.saturating_sub(1);
                        if sc.depth == 0 {
                            break 'scan Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        };
        match done {
            Some(end) => Ok(Step::Value(sc.start, end)),
            None => {
                if i - sc.start > MAX_ITEM_BYTES {
                    return Err(DecodeError::TooLarge { at: self.at(sc.start) });
                }
                sc.at = i;
                self.scan = Some(sc);
                Ok(Step::More)
            }
        }
    }
}

/// An item from its filtered JSON; when that does not deserialize, from the item as sent (so
/// the error, with its position, is serde's on what the server sent).
fn from_filtered<T: DeserializeOwned>(filtered: &[u8], item: &[u8], index: u64) -> Result<T, DecodeError> {
    serde_json::from_slice(filtered)
        .or_else(|_| serde_json::from_slice(item))
        .map_err(|err| DecodeError::Item { index, what: err.to_string() })
}

/// Decodes a whole body in chunks of `chunk` bytes: (meta events, items as JSON text).
#[cfg(test)]
fn decode_all(
    body: &[u8],
    expected: &str,
    chunk: usize,
) -> Result<(Vec<ListMeta>, Vec<String>), DecodeError> {
    let mut d = ListDecoder::new(expected);
    let mut metas = Vec::new();
    let mut items = Vec::new();
    let mut on = |e: Event<serde_json::Value>| {
        match e {
            Event::Meta(m) => metas.push(m),
            Event::Item(v) => items.push(v.to_string()),
        }
        Ok(())
    };
    for c in body.chunks(chunk.max(1)) {
        d.feed(c, &mut on)?;
    }
    d.finish(&mut on)?;
    Ok((metas, items))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const BODY: &str = r#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"5","continue":"tok\"en","remainingItemCount":7},
      "items":[ {"metadata":{"name":"a}]","labels":{"x":"\\\""}},"n":[1,2,{"y":[]}]} , {"metadata":{"name":"b"}},
      {"s":"\u00e9{["} ] }"#;

    #[test]
    fn every_chunking_gives_the_same_items_and_meta_first() {
        let (m1, i1) = decode_all(BODY.as_bytes(), "PodList", BODY.len()).unwrap();
        assert_eq!(i1.len(), 3);
        assert_eq!(i1[0], r#"{"metadata":{"labels":{"x":"\\\""},"name":"a}]"},"n":[1,2,{"y":[]}]}"#);
        assert_eq!(i1[2], r#"{"s":"é{["}"#);
        assert_eq!(m1.len(), 1);
        assert_eq!(m1[0].continue_token.as_deref(), Some("tok\"en"));
        assert_eq!(m1[0].remaining_item_count, Some(7));
        for chunk in 1..BODY.len() {
            let (m, i) = decode_all(BODY.as_bytes(), "PodList", chunk).unwrap();
            assert_eq!((m.len(), &i), (1, &i1), "chunk {chunk}");
        }
    }

    #[test]
    fn the_continue_token_is_known_before_the_first_item() {
        let mut d = ListDecoder::new("PodList");
        let cut = BODY.find("\"items\"").unwrap();
        let mut seen = Vec::new();
        d.feed(&BODY.as_bytes()[..cut], &mut |e: Event<serde_json::Value>| {
            seen.push(matches!(e, Event::Meta(_)));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec![true]);
    }

    #[test]
    fn bodies_that_are_not_lists_are_named() {
        let status = br#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"no route","code":503}"#;
        assert_eq!(
            decode_all(status, "NodeList", 7).unwrap_err(),
            DecodeError::NotAList {
                kind: Some("Status".into()),
                expected: "NodeList".into(),
                message: Some("no route".into())
            }
        );
        let object = br#"{"kind":"Node","metadata":{"name":"n"}}"#;
        assert!(matches!(decode_all(object, "NodeList", 3), Err(DecodeError::NotAList { .. })));
        assert!(matches!(decode_all(br#"{}"#, "NodeList", 3), Err(DecodeError::NotAList { kind: None, .. })));
        assert!(matches!(
            decode_all(br#"{"kind":"PodList","items":[]}"#, "NodeList", 3),
            Err(DecodeError::NotAList { .. })
        ));
        // No kind, but items: accepted; items null is an empty list.
        assert_eq!(decode_all(br#"{"items":[{"a":1}]}"#, "NodeList", 2).unwrap().1.len(), 1);
        assert_eq!(decode_all(br#"{"kind":"NodeList","items":null}"#, "NodeList", 2).unwrap().1.len(), 0);
    }

    #[test]
    fn broken_bodies_are_errors_with_offsets() {
        let cut = &BODY.as_bytes()[..BODY.len() - 5];
        assert!(matches!(decode_all(cut, "PodList", 9), Err(DecodeError::Truncated { .. })));
        assert!(matches!(decode_all(b"", "PodList", 9), Err(DecodeError::Truncated { at: 0 })));
        assert!(matches!(decode_all(b"[1,2]", "PodList", 9), Err(DecodeError::Syntax { at: 0, .. })));
        assert!(matches!(decode_all(br#"{"items":{}}"#, "PodList", 9), Err(DecodeError::Syntax { .. })));
        assert!(matches!(decode_all(br#"{"items":[1 2]}"#, "PodList", 9), Err(DecodeError::Syntax { .. })));
        assert!(matches!(decode_all(br#"{"items":[]} x"#, "PodList", 9), Err(DecodeError::Syntax { .. })));
        assert!(matches!(
            decode_all(br#"{"metadata":{"continue":5},"items":[]}"#, "PodList", 4),
            Err(DecodeError::Syntax { .. })
        ));
        let e = decode_all(br#"{"kind":"PodList","items":[{"a":1}, {"b":"#, "PodList", 4).unwrap_err();
        assert_eq!(e.to_string(), "the body ended after 41 bytes, before the list did");
    }

    #[test]
    fn a_refused_item_stops_the_decode_with_its_index() {
        let mut d = ListDecoder::new("PodList");
        let mut on = |e: Event<serde_json::Value>| match e {
            Event::Item(v) if v.get("x").is_some() => Err("bad".to_string()),
            _ => Ok(()),
        };
        // Buffered (under MIN_BATCH) until the end, then decoded.
        d.feed(br#"{"items":[{},{"x":1}]}"#, &mut on).unwrap();
        assert_eq!(d.finish(&mut on), Err(DecodeError::Item { index: 1, what: "bad".into() }));
        // An item that is not of the type.
        let mut d = ListDecoder::new("PodList");
        let mut on = |_: Event<u32>| Ok(());
        let r = d.feed(br#"{"items":[7, "x"]}"#, &mut on);
        assert!(matches!(r, Err(DecodeError::Item { index: 1, .. })), "{r:?}");
    }

    #[test]
    fn memory_stays_bounded_by_an_item_and_a_chunk() {
        let item = format!(r#"{{"metadata":{{"name":"{}"}}}}"#, "x".repeat(1000));
        let mut body = String::from(r#"{"kind":"PodList","metadata":{},"items":["#);
        for i in 0..2000 {
            if i > 0 {
                body.push(',');
            }
            body.push_str(&item);
        }
        body.push_str("]}");
        let mut d = ListDecoder::new("PodList");
        let mut n = 0;
        let mut peak = 0;
        let mut on = |e: Event<serde::de::IgnoredAny>| {
            n += u32::from(matches!(e, Event::Item(_)));
            Ok(())
        };
        for c in body.as_bytes().chunks(4096) {
            d.feed(c, &mut on).unwrap();
            peak = peak.max(d.buf.capacity());
        }
        d.finish(&mut on).unwrap();
        assert_eq!(n, 2000);
        // MIN_BATCH (32 KiB) ahead of the item being parsed, a chunk, and the consumed prefix
        // until it is three quarters of the buffer: a constant, whatever the body's size.
        assert!(peak <= 256 * 1024, "buffer grew to {peak} bytes for a {} byte body", body.len());
    }
}
