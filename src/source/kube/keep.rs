//! A field filter for list items: copies the parts of one JSON object that planning reads
//! (a tree of key paths, [`Keep`]) into a small buffer and skips the rest with a byte scanner,
//! so that serde then parses a few hundred bytes of a 4-8 KB pod instead of all of it.
//!
//! Most of a pod's or a node's JSON is what planning never reads (`managedFields`, status
//! conditions, container statuses, env, volumes, a node's image list). serde_json skips an
//! unknown field by parsing it (every key and string decoded, every number checked); this
//! scanner finds the end of a skipped value by searching strings eight bytes at a time for
//! their closing quote and counting brackets outside them. The kept values are copied byte for byte, so serde sees exactly the JSON the
//! server sent for every field it reads and reports its errors as before.
//!
//! Skipped values are not validated (a malformed number inside `managedFields` goes unnoticed,
//! as in any lazy JSON reader); the structure of the object, its keys and everything kept are.
//! A key with an escape sequence is decoded before it is compared. Pure: no I/O.

/// What to keep of a value.
#[derive(Debug)]
pub enum Keep {
    /// The whole value, as sent.
    All,
    /// Of an object, these keys (each with what to keep of its value); other keys are skipped.
    /// A value that is not an object is kept whole (serde then names the type error).
    Fields(&'static [(&'static str, Keep)]),
    /// Of an array, each element filtered by the inner rule; a value that is not an array is
    /// kept whole.
    Each(&'static Keep),
}

/// Why an item was not filtered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Miss {
    /// The buffer ended inside the item: more bytes are needed.
    More,
    /// Not well-formed JSON where the filter reads structure: the caller parses the item with
    /// serde, unfiltered, for its error.
    Invalid,
}

fn ws(buf: &[u8], mut i: usize) -> Result<usize, Miss> {
    while i < buf.len() {
        if !matches!(buf[i], b' ' | b'\t' | b'\n' | b'\r') {
            return Ok(i);
        }
        i += 1;
    }
    Err(Miss::More)
}

/// The end of the string whose opening quote is at `i` (one past its closing quote). Most
/// strings of an API object are short (keys, `f:name`), so the search for `"` or `\\` is done
/// here eight bytes at a time rather than by a call to `memchr` per string.
fn string_end(buf: &[u8], i: usize) -> Result<usize, Miss> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte of `w` equal to `b` (exact for the lowest such byte).
    let has = |w: u64, b: u8| {
        let x = w ^ (ONES * u64::from(b));
        x.wrapping_sub(ONES) & !x & HIGH
    };
    let n = buf.len();
    let mut j = i + 1;
    loop {
        if let Some(word) = buf.get(j..j + 8) {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(word);
            let w = u64::from_le_bytes(bytes);
            let m = has(w, b'"') | has(w, b'\\');
            if m == 0 {
                j += 8;
                continue;
            }
            j += (m.trailing_zeros() / 8) as usize;
        } else {
            if j >= n {
                return Err(Miss::More);
            }
            if !matches!(buf[j], b'"' | b'\\') {
                j += 1;
                continue;
            }
        }
        if buf[j] == b'"' {
            return Ok(j + 1);
        }
        // A backslash escapes the next byte, whatever it is.
        j += 2;
    }
}

/// The end of the value starting at `i` (not whitespace): brackets counted, strings jumped.
/// Scalars end at a delimiter. Matches the list splitter's own scan, so both find the same end.
pub fn skip(buf: &[u8], i: usize) -> Result<usize, Miss> {
    let n = buf.len();
    match buf[i] {
        b'"' => string_end(buf, i),
        b'{' | b'[' => container_end(buf, i),
        b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
            let mut j = i;
            while j < n {
                if matches!(buf[j], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                    return Ok(j);
                }
                j += 1;
            }
            Err(Miss::More)
        }
        _ => Err(Miss::Invalid),
    }
}

/// Bytes classified at a time by [`container_end`].
const BLOCK: usize = 64;

/// Of a 64-byte block, a bit per byte (bit `k` for byte `k`) for each class the scan reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Classes {
    quote: u64,
    backslash: u64,
    /// `{` or `[`.
    open: u64,
    /// `}` or `]`.
    close: u64,
}

impl Classes {
    /// With SSE2 (every x86_64 CPU): 16 bytes compared per instruction, through `safe_arch`'s
    /// safe wrappers of the intrinsics.
    #[cfg(target_arch = "x86_64")]
    fn of(block: &[u8; BLOCK]) -> Classes {
        use safe_arch::{
            bitor_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, move_mask_i8_m128i, set_splat_i8_m128i,
        };
        let splat = |b: u8| set_splat_i8_m128i(b as i8);
        let (quote, backslash) = (splat(b'"'), splat(b'\\'));
        // `{` and `[` differ only in bit 0x20, as `}` and `]` do.
        let (case, open, close) = (splat(0x20), splat(b'{'), splat(b'}'));
        let mut c = Classes { quote: 0, backslash: 0, open: 0, close: 0 };
        for (part, lane) in block.as_chunks::<16>().0.iter().enumerate() {
            let v = load_unaligned_m128i(lane);
            let folded = bitor_m128i(v, case);
            // One bit per byte, in byte order (as u16, then widened: no sign extension).
            let bits = |m| u64::from(move_mask_i8_m128i(m) as u16) << (part * 16);
            c.quote |= bits(cmp_eq_mask_i8_m128i(v, quote));
            c.backslash |= bits(cmp_eq_mask_i8_m128i(v, backslash));
            c.open |= bits(cmp_eq_mask_i8_m128i(folded, open));
            c.close |= bits(cmp_eq_mask_i8_m128i(folded, close));
        }
        c
    }

    /// Elsewhere, a byte at a time (the same classes).
    #[cfg(not(target_arch = "x86_64"))]
    fn of(block: &[u8; BLOCK]) -> Classes {
        let mut c = Classes { quote: 0, backslash: 0, open: 0, close: 0 };
        for (k, &b) in block.iter().enumerate() {
            let bit = 1u64 << k;
            match b {
                b'"' => c.quote |= bit,
                b'\\' => c.backslash |= bit,
                b'{' | b'[' => c.open |= bit,
                b'}' | b']' => c.close |= bit,
                _ => {}
            }
        }
        c
    }
}

/// Bit `k` is the parity of the bits `0..=k` of `x`: of a quote mask, the bytes from an opening
/// quote up to (not including) its closing one.
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// The bytes of a block escaped by a backslash before them, if every backslash escapes the next
/// byte (in a string, what JSON says; outside one, see [`container_end`]). `carry`: the first
/// byte is escaped by the previous block's last; set for the next block on return.
fn escaped(backslash: u64, carry: &mut bool) -> u64 {
    let mut esc = u64::from(*carry);
    let mut b = backslash & !esc;
    *carry = false;
    while b != 0 {
        let k = b.trailing_zeros();
        if k == 63 {
            *carry = true;
            break;
        }
        // The escaped byte, a backslash or not, escapes nothing.
        let next = 1u64 << (k + 1);
        esc |= next;
        b &= !next;
        b &= b - 1;
    }
    esc
}

/// The end of the object or array whose opening bracket is at `i`: 64 bytes at a time, each
/// block's quotes, backslashes and brackets found as bit masks, its strings as the prefix parity
/// of its unescaped quotes, and its brackets outside strings counted (a block in which the depth
/// cannot reach zero is passed with two population counts). The same end as the byte-by-byte
/// scan (kept for the last bytes of the buffer and as the reference of the tests): a block with
/// a backslash outside a string, which the byte scan does not read as an escape (nor does the
/// list splitter), is scanned byte by byte.
fn container_end(buf: &[u8], i: usize) -> Result<usize, Miss> {
    let n = buf.len();
    let mut j = i + 1;
    let mut depth: u32 = 1;
    // State at `j`: inside a string; the byte at `j` escaped.
    let mut in_str = false;
    let mut carry = false;
    loop {
        if let Some(block) = buf.get(j..).and_then(<[u8]>::first_chunk::<BLOCK>) {
            let c = Classes::of(block);
            let mut next_carry = carry;
            let esc = escaped(c.backslash, &mut next_carry);
            let mut inside = prefix_xor(c.quote & !esc);
            if in_str {
                inside = !inside;
            }
            if c.backslash & !inside == 0 {
                let open = c.open & !inside & !esc;
                let close = c.close & !inside & !esc;
                if close.count_ones() < depth {
                    depth = depth - close.count_ones() + open.count_ones();
                } else {
                    let mut s = open | close;
                    while s != 0 {
                        let k = s.trailing_zeros();
                        if open >> k & 1 == 1 {
                            depth += 1;
                        } else {
                            depth -= 1;
                            if depth == 0 {
                                return Ok(j + k as usize + 1);
                            }
                        }
                        s &= s - 1;
                    }
                }
                in_str = inside >> 63 == 1;
                carry = next_carry;
                j += BLOCK;
                continue;
            }
        }
        // The last bytes, or a block with a backslash outside a string: byte by byte, to the
        // end of the block (a string may take the scan past it).
        let limit = (j + BLOCK).min(n);
        if in_str {
            // Resume in the string (`carry` is only ever set inside one): `string_end` searches
            // from one past the index it is given.
            j = string_end(buf, if carry { j } else { j - 1 })?;
        }
        in_str = false;
        carry = false;
        if let Some(end) = scan_bytes(buf, &mut j, limit, &mut depth)? {
            return Ok(end);
        }
        if j >= n {
            return Err(Miss::More);
        }
    }
}

/// Scans byte by byte from `*j` (outside a string, `*depth` containers open) up to `limit`
/// (a string may take the scan past it): the end of the outermost container, or `None` with
/// `*j` where the scan stopped.
#[inline]
fn scan_bytes(buf: &[u8], j: &mut usize, limit: usize, depth: &mut u32) -> Result<Option<usize>, Miss> {
    while *j < limit {
        match buf[*j] {
            b'"' => {
                *j = string_end(buf, *j)?;
                continue;
            }
            b'{' | b'[' => *depth += 1,
            b'}' | b']' => {
                *depth -= 1;
                if *depth == 0 {
                    return Ok(Some(*j + 1));
                }
            }
            _ => {}
        }
        *j += 1;
    }
    Ok(None)
}

/// The byte-by-byte scan of [`container_end`] (the tests' reference).
#[cfg(test)]
fn container_end_bytewise(buf: &[u8], i: usize) -> Result<usize, Miss> {
    let (mut j, mut depth) = (i, 0u32);
    scan_bytes(buf, &mut j, buf.len(), &mut depth)?.ok_or(Miss::More)
}

/// Filters the value at `buf[i..]` (not whitespace) into `out` by `keep`; returns where the
/// value ends in `buf`.
pub fn filter(buf: &[u8], i: usize, keep: &Keep, out: &mut Vec<u8>) -> Result<usize, Miss> {
    match (keep, buf[i]) {
        (Keep::Fields(fields), b'{') => object(buf, i, fields, out),
        (Keep::Each(inner), b'[') => array(buf, i, inner, out),
        _ => {
            let end = skip(buf, i)?;
            out.extend_from_slice(&buf[i..end]);
            Ok(end)
        }
    }
}

fn object(buf: &[u8], i: usize, fields: &[(&str, Keep)], out: &mut Vec<u8>) -> Result<usize, Miss> {
    out.push(b'{');
    let mut first = true;
    let mut i = ws(buf, i + 1)?;
    if buf[i] == b'}' {
        out.push(b'}');
        return Ok(i + 1);
    }
    loop {
        if buf[i] != b'"' {
            return Err(Miss::Invalid);
        }
        let key_end = string_end(buf, i)?;
        let key = &buf[i..key_end];
        let colon = ws(buf, key_end)?;
        if buf[colon] != b':' {
            return Err(Miss::Invalid);
        }
        let v = ws(buf, colon + 1)?;
        let end = match wanted(key, fields)? {
            Some(sub) => {
                if !first {
                    out.push(b',');
                }
                first = false;
                out.extend_from_slice(key);
                out.push(b':');
                filter(buf, v, sub, out)?
            }
            None => skip(buf, v)?,
        };
        let next = ws(buf, end)?;
        match buf[next] {
            b',' => i = ws(buf, next + 1)?,
            b'}' => {
                out.push(b'}');
                return Ok(next + 1);
            }
            _ => return Err(Miss::Invalid),
        }
    }
}

fn array(buf: &[u8], i: usize, inner: &Keep, out: &mut Vec<u8>) -> Result<usize, Miss> {
    out.push(b'[');
    let mut i = ws(buf, i + 1)?;
    if buf[i] == b']' {
        out.push(b']');
        return Ok(i + 1);
    }
    loop {
        let end = filter(buf, i, inner, out)?;
        let next = ws(buf, end)?;
        match buf[next] {
            b',' => {
                out.push(b',');
                i = ws(buf, next + 1)?;
            }
            b']' => {
                out.push(b']');
                return Ok(next + 1);
            }
            _ => return Err(Miss::Invalid),
        }
    }
}

/// The rule for a key (given with its quotes), if it is one to keep.
fn wanted<'a>(key: &[u8], fields: &'a [(&str, Keep)]) -> Result<Option<&'a Keep>, Miss> {
    let inner = &key[1..key.len() - 1];
    if !inner.contains(&b'\\') {
        return Ok(fields.iter().find(|(k, _)| k.as_bytes() == inner).map(|(_, keep)| keep));
    }
    let decoded: String = serde_json::from_slice(key).map_err(|_| Miss::Invalid)?;
    Ok(fields.iter().find(|(k, _)| *k == decoded).map(|(_, keep)| keep))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    static RULE: Keep = Keep::Fields(&[
        ("metadata", Keep::Fields(&[("name", Keep::All), ("labels", Keep::All)])),
        ("spec", Keep::Fields(&[("containers", Keep::Each(&Keep::Fields(&[("name", Keep::All)])))])),
    ]);

    fn run(text: &str) -> Result<(String, usize), Miss> {
        let mut out = Vec::new();
        let end = filter(text.as_bytes(), 0, &RULE, &mut out)?;
        Ok((String::from_utf8(out).unwrap(), end))
    }

    #[test]
    fn keeps_the_paths_and_skips_the_rest() {
        let text = r#"{ "apiVersion" : "v1", "metadata": {"managedFields":[{"f:x":{"}":"]"}}],
            "name":"a\"b", "labels":{"app":"x"}, "uid": 12.5e3},
            "spec":{"containers":[{"name":"c","env":[{"name":"E","value":"\\"}]}, {"image":"i"}, 7],
            "volumes":[true,false,null]}, "status":{"phase":"Running"}} tail"#;
        let (out, end) = run(text).unwrap();
        assert_eq!(
            out,
            r#"{"metadata":{"name":"a\"b","labels":{"app":"x"}},"spec":{"containers":[{"name":"c"},{},7]}}"#
        );
        assert_eq!(&text[end..], " tail");
        // A value of another shape than the rule expects is kept whole.
        assert_eq!(run(r#"{"metadata":"x","spec":[1]}"#).unwrap().0, r#"{"metadata":"x","spec":[1]}"#);
        // An escaped key is decoded before it is compared.
        assert_eq!(run(r#"{"met\u0061data":{"name":"n"}}"#).unwrap().0, r#"{"met\u0061data":{"name":"n"}}"#);
        assert_eq!(run("{}").unwrap().0, "{}");
    }

    /// Every end of `text` from its first byte, by the block scan and by the byte scan, cut at
    /// every length.
    fn same_ends(text: &[u8]) {
        for cut in 1..=text.len() {
            let buf = &text[..cut];
            assert_eq!(
                container_end(buf, 0),
                container_end_bytewise(buf, 0),
                "cut at {cut} of {:?}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn the_block_scan_finds_the_byte_scans_end() {
        // Long enough for several blocks: strings across block edges, escaped quotes and
        // backslashes (managedFields' `k:{\"name\":...}` keys), an escape on a block's last byte,
        // brackets inside strings, deep nesting.
        let key = r#""k:{\"name\":\"app\"}":{".":{},"f:image":{}},"#;
        let mut text = String::from(r#"{"f:spec":{"#);
        for n in 0..20 {
            text.push_str(key);
            text.push_str(&"x".repeat(n));
            text.push_str(r#""s{[":"]}\\","#);
        }
        text.push_str(r#""end":[[[[[{}]]]]]}}"#);
        same_ends(text.as_bytes());
        assert_eq!(container_end(text.as_bytes(), 0), Ok(text.len()));
        // A backslash on every position relative to a block edge.
        for pad in 0..70 {
            let t = format!(r#"{{"{}\"{}":[1],"b":"\\"}}"#, "p".repeat(pad), "]".repeat(pad % 7));
            same_ends(t.as_bytes());
            assert_eq!(container_end(t.as_bytes(), 0), Ok(t.len()), "{t}");
        }
        // Not JSON: a backslash outside a string is a plain byte to both scans.
        let odd = format!(r#"{{{}\"}}"}}"#, " ".repeat(60));
        same_ends(odd.as_bytes());
        assert_eq!(container_end(odd.as_bytes(), 0), Ok(odd.len()));
    }

    proptest::proptest! {
        /// On any bytes (drawn mostly from those the scan reads), both scans agree.
        #[test]
        fn the_block_scan_agrees_with_the_byte_scan(
            body in proptest::collection::vec(
                proptest::sample::select(b"{}[]\"\"\\\\\\aaaaaaaa:, ".to_vec()), 0..400),
        ) {
            let mut text = vec![b'{'];
            text.extend_from_slice(&body);
            for cut in 1..=text.len() {
                let buf = &text[..cut];
                proptest::prop_assert_eq!(container_end(buf, 0), container_end_bytewise(buf, 0));
            }
        }
    }

    #[test]
    fn a_cut_item_needs_more_and_broken_structure_is_invalid() {
        let text = r#"{"metadata":{"name":"a"},"spec":{"containers":[{"name":"c"}]}}"#;
        for cut in 1..text.len() {
            assert_eq!(run(&text[..cut]), Err(Miss::More), "cut at {cut}");
        }
        assert_eq!(run(text).unwrap().1, text.len());
        for bad in
            [r#"{"a" 1}"#, r#"{"a":1 "b":2}"#, r#"{7:1}"#, r#"{"a":}"#, r#"{"spec":{"containers":[1 2]}}"#]
        {
            assert_eq!(run(bad), Err(Miss::Invalid), "{bad}");
        }
    }
}
