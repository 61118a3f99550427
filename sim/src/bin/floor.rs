//! `bizo-floor`: the raw transfer floor of a cluster read, for the benchmarks.
//!
//! It makes the list requests bizo-plan makes (nodes and pods paginated with `limit`, pods with
//! the phase field selector, the two metrics lists unpaginated), each list on its own keep-alive
//! HTTP/1.1 connection, the four lists concurrently, and drops every body: only the first bytes
//! of a page are decoded to find its continue token. `--gzip` sends `Accept-Encoding: gzip`
//! (the body is then read compressed; only its head is inflated for the token).
//!
//! Like bizo-plan, it first lists the namespaces (`limit=65`) and, with 2 to 64 of them, reads
//! the pods as one list per namespace, `--parallel-lists` (4) at a time, each worker on its own
//! connection; `--parallel-lists 1` (or an unreadable namespace list) reads one cluster-wide
//! list.
//!
//!     bizo-floor http://127.0.0.1:PORT [--gzip] [--page-size 500] [--parallel-lists 4]
//!
//! Prints one line per list (pages, body bytes on the wire; the pod lists summed as
//! `/api/v1/pods`) and the total, on stderr.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

struct Conn {
    r: BufReader<TcpStream>,
    host: String,
}

impl Conn {
    fn open(host: &str) -> std::io::Result<Conn> {
        let s = TcpStream::connect(host)?;
        s.set_nodelay(true)?;
        Ok(Conn { r: BufReader::with_capacity(1 << 16, s), host: host.to_string() })
    }

    /// One GET; the body is read and dropped. Returns (status, body bytes, continue token).
    fn get(&mut self, target: &str, gzip: bool) -> std::io::Result<(u16, u64, Option<String>)> {
        self.get_body(target, gzip, false).map(|(status, n, token, _)| (status, n, token))
    }

    /// One GET; with `keep`, the whole body is returned (inflated).
    fn get_body(
        &mut self,
        target: &str,
        gzip: bool,
        keep: bool,
    ) -> std::io::Result<(u16, u64, Option<String>, Vec<u8>)> {
        let ae = if gzip { "Accept-Encoding: gzip\r\n" } else { "" };
        let req = format!(
            "GET {target} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\nUser-Agent: bizo-floor\r\n{ae}\r\n",
            self.host
        );
        self.r.get_mut().write_all(req.as_bytes())?;
        let mut line = String::new();
        self.r.read_line(&mut line)?;
        let status: u16 = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut len: Option<u64> = None;
        let mut chunked = false;
        let mut gzipped = false;
        loop {
            line.clear();
            self.r.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
                match k.as_str() {
                    "content-length" => len = v.parse().ok(),
                    "transfer-encoding" => chunked = v.eq_ignore_ascii_case("chunked"),
                    "content-encoding" => gzipped = v.eq_ignore_ascii_case("gzip"),
                    _ => {}
                }
            }
        }
        if chunked {
            return Err(std::io::Error::other("chunked answers are not supported by bizo-floor"));
        }
        let len = len.ok_or_else(|| std::io::Error::other("no Content-Length"))?;
        if keep {
            let mut body = Vec::new();
            (&mut self.r).take(len).read_to_end(&mut body)?;
            if gzipped {
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut out)?;
                body = out;
            }
            return Ok((status, len, continue_token(&body), body));
        }
        // The head of the body (the continue token is in the metadata, before the items).
        let head_len = len.min(64 << 10) as usize;
        let mut head = vec![0u8; head_len];
        self.r.read_exact(&mut head)?;
        std::io::copy(&mut (&mut self.r).take(len - head_len as u64), &mut std::io::sink())?;
        let text = if gzipped {
            let mut out = Vec::new();
            let _ = flate2::read::GzDecoder::new(&head[..]).take(8192).read_to_end(&mut out);
            out
        } else {
            head
        };
        Ok((status, len, continue_token(&text), Vec::new()))
    }
}

/// The `"continue":"..."` value in the first bytes of a list body.
fn continue_token(head: &[u8]) -> Option<String> {
    let h = String::from_utf8_lossy(&head[..head.len().min(8192)]);
    let at = h.find("\"continue\":\"")? + "\"continue\":\"".len();
    let end = h[at..].find('"')?;
    let t = &h[at..at + end];
    (!t.is_empty()).then(|| t.to_string())
}

fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// One list, page by page on one connection: (pages, bytes).
fn list(host: &str, path: &str, query: &str, limit: Option<u32>, gzip: bool) -> std::io::Result<(u32, u64)> {
    let mut c = Conn::open(host)?;
    list_on(&mut c, path, query, limit, gzip)
}

/// The namespaces to split the pod list by, as bizo-plan chooses them (2 to 64 namespaces, in
/// the apiserver's pod order); `None` for one cluster-wide list.
fn namespaces(host: &str, gzip: bool) -> Option<Vec<String>> {
    let mut c = Conn::open(host).ok()?;
    let (status, _, more, body) = c.get_body("/api/v1/namespaces?limit=65", gzip, true).ok()?;
    if status != 200 || more.is_some() {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&body).ok()?;
    let mut names: Vec<String> = v["items"]
        .as_array()?
        .iter()
        .filter_map(|i| i["metadata"]["name"].as_str().map(str::to_string))
        .collect();
    names.sort_by(|a, b| a.bytes().chain([b'/']).cmp(b.bytes().chain([b'/'])));
    (2..=64).contains(&names.len()).then_some(names)
}

/// The pods of `names`, one list per namespace, `workers` at a time, each worker on its own
/// connection: (pages, bytes) summed.
fn pods_split(
    host: &str,
    names: &[String],
    query: &str,
    limit: u32,
    gzip: bool,
    workers: usize,
) -> std::io::Result<(u32, u64)> {
    let next = Mutex::new(0usize);
    let results: Vec<std::io::Result<(u32, u64)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers.clamp(1, names.len()))
            .map(|_| {
                s.spawn(|| {
                    let mut c = Conn::open(host)?;
                    let (mut pages, mut bytes) = (0, 0);
                    loop {
                        let i = {
                            let mut n = next.lock().map_err(|_| std::io::Error::other("poisoned"))?;
                            *n += 1;
                            *n - 1
                        };
                        let Some(ns) = names.get(i) else { return Ok((pages, bytes)) };
                        let (p, b) = list_on(
                            &mut c,
                            &format!("/api/v1/namespaces/{}/pods", pct(ns)),
                            query,
                            Some(limit),
                            gzip,
                        )?;
                        pages += p;
                        bytes += b;
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(std::io::Error::other("thread panicked"))))
            .collect()
    });
    let (mut pages, mut bytes) = (0, 0);
    for r in results {
        let (p, b) = r?;
        pages += p;
        bytes += b;
    }
    Ok((pages, bytes))
}

/// One list, page by page on the connection `c`: (pages, bytes).
fn list_on(
    c: &mut Conn,
    path: &str,
    query: &str,
    limit: Option<u32>,
    gzip: bool,
) -> std::io::Result<(u32, u64)> {
    let (mut pages, mut bytes) = (0, 0);
    let mut token: Option<String> = None;
    loop {
        let mut q: Vec<String> = Vec::new();
        if !query.is_empty() {
            q.push(query.to_string());
        }
        if let Some(l) = limit {
            q.push(format!("limit={l}"));
        }
        if let Some(t) = &token {
            q.push(format!("continue={}", pct(t)));
        }
        let target = if q.is_empty() { path.to_string() } else { format!("{path}?{}", q.join("&")) };
        let (status, n, next) = c.get(&target, gzip)?;
        if status != 200 {
            return Err(std::io::Error::other(format!("GET {target}: HTTP {status}")));
        }
        pages += 1;
        bytes += n;
        match next {
            Some(t) if limit.is_some() => token = Some(t),
            _ => return Ok((pages, bytes)),
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(url) = args.first() else {
        eprintln!("usage: bizo-floor http://127.0.0.1:PORT [--gzip] [--page-size N] [--parallel-lists N]");
        return ExitCode::from(2);
    };
    let gzip = args.iter().any(|a| a == "--gzip");
    let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1));
    let page: u32 = value("--page-size").and_then(|v| v.parse().ok()).unwrap_or(500);
    let parallel: usize = value("--parallel-lists").and_then(|v| v.parse().ok()).unwrap_or(4);
    let Some(host) = url.strip_prefix("http://").map(|h| h.trim_end_matches('/').to_string()) else {
        eprintln!("bizo-floor: only http:// URLs");
        return ExitCode::from(2);
    };
    let fields = "fieldSelector=status.phase%21%3DSucceeded%2Cstatus.phase%21%3DFailed";
    let lists: [(&str, &str, Option<u32>); 4] = [
        ("/api/v1/nodes", "", Some(page)),
        ("/api/v1/pods", fields, Some(page)),
        ("/apis/metrics.k8s.io/v1beta1/nodes", "", None),
        ("/apis/metrics.k8s.io/v1beta1/pods", "", None),
    ];
    let started = Instant::now();
    let results: Vec<(String, std::io::Result<(u32, u64)>)> = std::thread::scope(|s| {
        let handles: Vec<_> = lists
            .iter()
            .map(|(path, q, limit)| {
                let host = host.clone();
                let pods = *path == "/api/v1/pods" && parallel > 1;
                (
                    path.to_string(),
                    s.spawn(move || match pods.then(|| namespaces(&host, gzip)).flatten() {
                        Some(names) => pods_split(&host, &names, q, limit.unwrap_or(500), gzip, parallel),
                        None => list(&host, path, q, *limit, gzip),
                    }),
                )
            })
            .collect();
        handles
            .into_iter()
            .map(|(p, h)| (p, h.join().unwrap_or_else(|_| Err(std::io::Error::other("thread panicked")))))
            .collect()
    });
    let mut total = 0;
    let mut ok = true;
    for (path, r) in &results {
        match r {
            Ok((pages, bytes)) => {
                total += bytes;
                eprintln!("{path}: {pages} page(s), {bytes} bytes");
            }
            Err(e) => {
                ok = false;
                eprintln!("{path}: {e}");
            }
        }
    }
    eprintln!("total {total} bytes in {:.3} s (gzip {gzip})", started.elapsed().as_secs_f64());
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
