//! Shared helpers for the integration tests: a tiny blocking HTTP/1.1 client
//! and list helpers. Each test binary uses a subset.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use bizo_sim::Sim;
use serde_json::Value;

/// A raw HTTP response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(400)])
            )
        })
    }

    pub fn content_length(&self) -> Option<usize> {
        self.header("content-length").and_then(|v| v.parse().ok())
    }
}

/// Sends one request on a fresh connection and reads the whole answer
/// (whatever arrives before the server closes the connection).
pub fn request(addr: SocketAddr, method: &str, target: &str, headers: &[(&str, &str)]) -> Resp {
    let mut s = TcpStream::connect(addr).expect("connect to simulator");
    s.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if method != "GET" {
        req.push_str("Content-Length: 0\r\n");
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).expect("send request");
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(_) => break,
        }
    }
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("response has a header block");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("status line");
    let status: u16 =
        status_line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("status code");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Resp { status, headers, body: raw[split + 4..].to_vec() }
}

pub fn get(sim: &Sim, target: &str) -> Resp {
    request(sim.addr(), "GET", target, &[])
}

pub fn get_json(sim: &Sim, target: &str) -> (u16, Value) {
    let r = get(sim, target);
    let v = r.json();
    (r.status, v)
}

/// Asserts a Kubernetes Status failure body.
pub fn assert_status(resp: &Resp, code: u16, reason: &str) -> Value {
    assert_eq!(resp.status, code, "body: {}", String::from_utf8_lossy(&resp.body));
    assert!(
        resp.header("content-type").is_some_and(|c| c.starts_with("application/json")),
        "Status must be JSON"
    );
    let v = resp.json();
    assert_eq!(v["kind"], "Status");
    assert_eq!(v["apiVersion"], "v1");
    assert_eq!(v["status"], "Failure");
    assert_eq!(v["reason"], reason, "{v}");
    assert_eq!(v["code"], code);
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
    v
}

/// One page of a list.
pub struct Page {
    pub items: Vec<Value>,
    pub meta: Value,
    pub kind: String,
}

/// Fetches `path` page by page with `limit` (path may carry a query already).
pub fn list_pages(sim: &Sim, path: &str, limit: usize) -> Vec<Page> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut pages = Vec::new();
    let mut cont: Option<String> = None;
    loop {
        let mut target = format!("{path}{sep}limit={limit}");
        if let Some(c) = &cont {
            target.push_str(&format!("&continue={c}"));
        }
        let (status, v) = get_json(sim, &target);
        assert_eq!(status, 200, "{target}: {v}");
        let page = Page {
            items: v["items"].as_array().cloned().unwrap_or_default(),
            meta: v["metadata"].clone(),
            kind: v["kind"].as_str().unwrap_or_default().to_string(),
        };
        cont = page.meta["continue"].as_str().map(str::to_string);
        pages.push(page);
        if cont.is_none() {
            return pages;
        }
        assert!(pages.len() < 100_000, "runaway pagination");
    }
}

/// All items of a list, fetched with `limit`.
pub fn list_all(sim: &Sim, path: &str, limit: usize) -> Vec<Value> {
    list_pages(sim, path, limit).into_iter().flat_map(|p| p.items).collect()
}

/// `namespace/name` (or `name`) of an item.
pub fn key(item: &Value) -> String {
    let m = &item["metadata"];
    match m["namespace"].as_str() {
        Some(ns) => format!("{ns}/{}", m["name"].as_str().unwrap_or_default()),
        None => m["name"].as_str().unwrap_or_default().to_string(),
    }
}

pub fn names(items: &[Value]) -> Vec<String> {
    items.iter().map(key).collect()
}

/// The path of `program` (in /usr/bin, else on PATH), or a panic naming it, the Debian package
/// that has it and the command that installs every test tool (the same words as bizo-plan's
/// `tests/it/common.rs`). Tests that need an outside program fail without it, never skip.
pub fn require_program(program: &str, package: &str) -> std::path::PathBuf {
    let fixed = std::path::Path::new("/usr/bin").join(program);
    if fixed.is_file() {
        return fixed;
    }
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(program)).find(|p| p.is_file()))
        .unwrap_or_else(|| {
            panic!(
                "{program} is not installed (looked in /usr/bin and on PATH) and this test needs it: run `scripts/test` \
                 (installs the missing test tools with apt-get when root, else prints the command, then runs the suite), \
                 or `apt-get install --no-install-recommends {package}`; tests fail without it, they never skip"
            )
        })
}
