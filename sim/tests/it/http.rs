//! HTTP behaviour: keep-alive, concurrent clients, loopback only.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::common::*;
use bizo_sim::{Sim, SimConfig};

/// Reads one HTTP/1.1 response with a Content-Length body from `r`.
fn read_response(r: &mut BufReader<TcpStream>) -> (u16, Vec<u8>) {
    let mut line = String::new();
    r.read_line(&mut line).expect("status line");
    let status: u16 = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("status");
    let mut len = 0usize;
    loop {
        line.clear();
        r.read_line(&mut line).expect("header");
        if line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse().expect("length");
        }
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).expect("body");
    (status, body)
}

#[test]
fn keep_alive_serves_many_requests_on_one_connection() {
    let sim = Sim::start(SimConfig::generated(10, 10)).expect("start");
    let stream = TcpStream::connect(sim.addr()).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let mut w = stream.try_clone().expect("clone");
    let mut r = BufReader::new(stream);
    let mut cont = String::new();
    let mut seen = 0;
    for _ in 0..20 {
        let target = if cont.is_empty() {
            "/api/v1/pods?limit=9".to_string()
        } else {
            format!("/api/v1/pods?limit=9&continue={cont}")
        };
        write!(w, "GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").expect("send");
        let (status, body) = read_response(&mut r);
        assert_eq!(status, 200);
        let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
        seen += v["items"].as_array().map(Vec::len).unwrap_or(0);
        match v["metadata"]["continue"].as_str() {
            Some(c) => cont = c.to_string(),
            None => break,
        }
    }
    assert_eq!(seen, 100, "all pods over one connection");
    assert_eq!(sim.requests().len(), 12, "twelve pages of nine");
}

#[test]
fn concurrent_clients_get_identical_lists() {
    let sim = Sim::start(SimConfig::generated(30, 10)).expect("start");
    let expected = names(&list_all(&sim, "/api/v1/pods", 37));
    assert_eq!(expected.len(), 300);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let sim = &sim;
                s.spawn(move || names(&list_all(sim, "/api/v1/pods", 20 + i * 13)))
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().expect("client thread"), expected);
        }
    });
}

#[test]
fn binds_loopback_and_stops_on_drop() {
    let sim = Sim::start(SimConfig::laptop()).expect("start");
    let addr = sim.addr();
    assert!(addr.ip().is_loopback());
    assert_ne!(addr.port(), 0);
    assert_eq!(get(&sim, "/healthz").body, b"ok");
    drop(sim);
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err(), "port closed after drop");
}

#[test]
fn starts_and_stops_inside_an_async_runtime() {
    // bizo-plan's tests are #[tokio::test]s: starting and dropping the
    // simulator there must neither panic nor deadlock.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let sim = Sim::start(SimConfig::laptop()).expect("start");
        let addr = sim.addr();
        let body = tokio::task::spawn_blocking(move || {
            crate::common::request(addr, "GET", "/api/v1/nodes/laptop", &[]).json()
        })
        .await
        .expect("client task");
        assert_eq!(body["metadata"]["name"], "laptop");
        drop(sim);
    });
}
