//! A push decoder for `Content-Encoding: gzip` bodies (RFC 1952: one member, header, raw
//! DEFLATE, CRC-32 and size trailer), inflating each network chunk straight into the list
//! decoder's buffer (into its spare room, at least [`STEP`] bytes at a time).
//!
//! kube's own `gzip` feature (tower-http's decompression body) hands the body over in 4 KiB
//! frames, each a fresh allocation that the list decoder then copies; a 193 MB pod list was
//! 47,000 frames. Here the inflater writes into the buffer the splitter reads, so the inflated
//! bytes are written once and never copied again. Pure: no I/O.

use flate2::{Crc, Decompress, FlushDecompress, Status};

/// The least room made for one inflating step (a 64 KiB network chunk of JSON inflates to
/// ~600 KiB: it is inflated and decoded in steps, so the buffer stays small).
pub const STEP: usize = 64 << 10;

/// Where the decoder is in the member.
#[derive(Debug)]
enum Part {
    /// The header's bytes so far (it is parsed once complete).
    Header(Vec<u8>),
    /// The DEFLATE stream.
    Data,
    /// The trailer's bytes so far.
    Trailer(Vec<u8>),
    /// The member and its trailer were read and checked.
    Done,
}

/// The gzip decoder of one body.
pub struct Gunzip {
    part: Part,
    inflate: Decompress,
    crc: Crc,
}

impl std::fmt::Debug for Gunzip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gunzip").field("part", &self.part).finish_non_exhaustive()
    }
}

/// The length of a complete header at the start of `h`, `Ok(None)` if more bytes are needed.
fn header_len(h: &[u8]) -> Result<Option<usize>, String> {
    const FHCRC: u8 = 2;
    const FEXTRA: u8 = 4;
    const FNAME: u8 = 8;
    const FCOMMENT: u8 = 16;
    if h.len() < 10 {
        if h.len() >= 2 && h[..2] != [0x1f, 0x8b] {
            return Err("not gzip data (bad magic bytes)".into());
        }
        return Ok(None);
    }
    if h[..2] != [0x1f, 0x8b] {
        return Err("not gzip data (bad magic bytes)".into());
    }
    if h[2] != 8 {
        return Err(format!("gzip compression method {} (only 8, deflate, exists)", h[2]));
    }
    let flags = h[3];
    let mut at = 10;
    if flags & FEXTRA != 0 {
        let Some(len) = h.get(at..at + 2) else { return Ok(None) };
        at += 2 + usize::from(u16::from_le_bytes([len[0], len[1]]));
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            match h.get(at..).and_then(|rest| rest.iter().position(|b| *b == 0)) {
                Some(nul) => at += nul + 1,
                None => return Ok(None),
            }
        }
    }
    if flags & FHCRC != 0 {
        at += 2;
    }
    Ok((h.len() >= at).then_some(at))
}

impl Default for Gunzip {
    fn default() -> Self {
        Gunzip::new()
    }
}

impl Gunzip {
    /// A decoder at the start of a body.
    pub fn new() -> Gunzip {
        Gunzip { part: Part::Header(Vec::new()), inflate: Decompress::new(false), crc: Crc::new() }
    }

    /// Decodes what it can of `input` into `out` (appended, into its spare capacity, which is
    /// made at least [`STEP`] bytes); returns how many bytes of `input` it consumed. Call again
    /// with the rest while it consumes or produces anything.
    pub fn push(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<usize, String> {
        match &mut self.part {
            Part::Header(h) => {
                // The input is appended whole; once the header is complete, only its bytes
                // count as consumed and the rest is the DEFLATE data of the next call.
                let before = h.len();
                h.extend_from_slice(input);
                match header_len(h)? {
                    Some(len) => {
                        self.part = Part::Data;
                        Ok(len - before)
                    }
                    None => {
                        if h.len() > 64 << 10 {
                            return Err("a gzip header over 64 KiB".into());
                        }
                        Ok(input.len())
                    }
                }
            }
            Part::Data => {
                let start = out.len();
                // The inflater writes into the spare capacity only: at least a step of it.
                if out.capacity() - start < STEP {
                    out.reserve(STEP);
                }
                let in_before = self.inflate.total_in();
                let status = self
                    .inflate
                    .decompress_vec(input, out, FlushDecompress::None)
                    .map_err(|e| format!("invalid gzip data: {e}"))?;
                let used = (self.inflate.total_in() - in_before) as usize;
                self.crc.update(&out[start..]);
                if status == Status::StreamEnd {
                    self.part = Part::Trailer(Vec::with_capacity(8));
                }
                Ok(used)
            }
            Part::Trailer(t) => {
                let take = (8 - t.len()).min(input.len());
                t.extend_from_slice(&input[..take]);
                if t.len() == 8 {
                    let crc = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
                    let size = u32::from_le_bytes([t[4], t[5], t[6], t[7]]);
                    if crc != self.crc.sum() {
                        return Err(format!(
                            "gzip CRC-32 mismatch (trailer {crc:08x}, data {:08x})",
                            self.crc.sum()
                        ));
                    }
                    if size != self.crc.amount() {
                        return Err(format!(
                            "gzip size mismatch (trailer {size}, data {} mod 2^32)",
                            self.crc.amount()
                        ));
                    }
                    self.part = Part::Done;
                }
                Ok(take)
            }
            Part::Done => {
                if input.is_empty() {
                    Ok(0)
                } else {
                    Err(format!("{} bytes after the end of the gzip data", input.len()))
                }
            }
        }
    }

    /// The body ended: an error unless the member and its trailer were complete.
    pub fn finish(&self) -> Result<(), String> {
        match self.part {
            Part::Done => Ok(()),
            _ => Err("the gzip data ended early".into()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gz(data: &[u8], name: bool) -> Vec<u8> {
        let mut b = flate2::GzBuilder::new();
        if name {
            b = b.filename("list.json").comment("a comment").extra(vec![1, 2, 3]);
        }
        let mut e = b.write(Vec::new(), flate2::Compression::new(1));
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// Decodes `z` fed in chunks of `chunk` bytes.
    fn run(z: &[u8], chunk: usize) -> Result<Vec<u8>, String> {
        let mut g = Gunzip::new();
        let mut out = Vec::new();
        for piece in z.chunks(chunk) {
            let mut rest = piece;
            loop {
                let before = out.len();
                let used = g.push(rest, &mut out)?;
                rest = &rest[used..];
                if rest.is_empty() && out.len() == before {
                    break;
                }
            }
        }
        g.finish()?;
        Ok(out)
    }

    #[test]
    fn inflates_what_flate2_compressed_in_any_chunking() {
        let data: Vec<u8> = (0..300_000u32)
            .flat_map(|i| format!("{{\"n\":{i},\"s\":\"x{}\"}},", i % 97).into_bytes())
            .collect();
        for name in [false, true] {
            let z = gz(&data, name);
            for chunk in [1, 7, 4096, 1 << 20] {
                assert_eq!(run(&z, chunk).unwrap(), data, "chunk {chunk}, name {name}");
            }
        }
        assert_eq!(run(&gz(b"", false), 3).unwrap(), b"");
    }

    #[test]
    fn damaged_data_is_an_error_never_silent() {
        let data = b"{\"kind\":\"PodList\",\"items\":[]}".repeat(1000);
        let z = gz(&data, false);
        assert_eq!(run(b"{\"kind\"", 4).unwrap_err(), "not gzip data (bad magic bytes)");
        assert!(run(&z[..z.len() - 3], 100).unwrap_err().contains("ended early"));
        assert!(run(&z[..z.len() / 2], 100).unwrap_err().contains("ended early"));
        let mut bad_crc = z.clone();
        let n = bad_crc.len();
        bad_crc[n - 8] ^= 1;
        assert!(run(&bad_crc, 100).unwrap_err().starts_with("gzip CRC-32 mismatch"));
        let mut bad_size = z.clone();
        bad_size[n - 1] ^= 1;
        assert!(run(&bad_size, 100).unwrap_err().starts_with("gzip size mismatch"));
        let mut trailing = z.clone();
        trailing.extend_from_slice(b"xx");
        assert_eq!(run(&trailing, 100).unwrap_err(), "2 bytes after the end of the gzip data");
        let mut method = z;
        method[2] = 7;
        assert!(run(&method, 100).unwrap_err().starts_with("gzip compression method 7"));
    }
}
