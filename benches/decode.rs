//! Decode throughput of list bodies, with and without the field filter (`bench/decode.sh`).
//!
//!   cargo bench --bench decode -- BODY.json [KIND] [REPEAT] [whole|filtered]
//!
//! Feeds the body to the streaming list decoder in 16 KiB chunks (as hyper hands them over),
//! REPEAT times each way, into the types bizo-plan reads, and converts each pod; prints the CPU
//! time (of this thread) per GB of JSON for each. Not a test: numbers, not assertions.

use std::time::Duration;

use bizo_plan::source::kube::convert::{Metrics, Node, Pod, kept_fields, node_info, pod_info, pod_usage};
use bizo_plan::source::kube::stream::{Event, ListDecoder};
use serde::de::DeserializeOwned;

fn cpu_time() -> Duration {
    // The process' user + system time (one thread does the work): from /proc/self/stat.
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    let after = &stat[stat.rfind(')').expect("stat format") + 2..];
    let f: Vec<u64> = after.split(' ').skip(11).take(2).map(|x| x.parse().expect("ticks")).collect();
    Duration::from_millis((f[0] + f[1]) * 10)
}

fn run<T: DeserializeOwned>(body: &[u8], kind: &str, filtered: bool, each: &mut dyn FnMut(T)) -> u64 {
    let mut d = ListDecoder::new(kind);
    if filtered {
        d = d.keeping(kept_fields(kind).expect("a known kind"));
    }
    let mut on = |e: Event<T>| {
        if let Event::Item(t) = e {
            each(t);
        }
        Ok(())
    };
    for c in body.chunks(16 << 10) {
        d.feed(c, &mut on).expect("a valid list");
    }
    d.finish(&mut on).expect("a valid list").items
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let path = args.first().expect("usage: decode BODY.json [KIND] [REPEAT] [whole|filtered]");
    let kind = args.get(1).map_or("PodList", String::as_str);
    let repeat: u32 = args.get(2).map_or(20, |r| r.parse().expect("REPEAT is a number"));
    let only = args.get(3).map(String::as_str);
    let body = std::fs::read(path).expect("the body file");
    for filtered in [false, true] {
        if only.is_some_and(|o| o != if filtered { "filtered" } else { "whole" }) {
            continue;
        }
        let start = cpu_time();
        let mut items = 0;
        let mut warnings = Vec::new();
        let mut sum = 0u64;
        for _ in 0..repeat {
            items += match kind {
                "PodList" => run::<Pod>(&body, kind, filtered, &mut |p| {
                    sum += pod_info(p, &mut warnings).requests.mem.0
                }),
                "NodeList" => {
                    run::<Node>(&body, kind, filtered, &mut |n| sum += node_info(&n).allocatable.mem.0)
                }
                _ => {
                    run::<Metrics>(&body, kind, filtered, &mut |m| sum += pod_usage(&m, &mut warnings).mem.0)
                }
            };
        }
        let cpu = cpu_time() - start;
        let gb = body.len() as f64 * f64::from(repeat) / 1e9;
        println!(
            "{kind} {} bytes x {repeat}, {}: {items} items, {:.2} s CPU, {:.2} s per GB (checksum {sum})",
            body.len(),
            if filtered { "filtered" } else { "whole" },
            cpu.as_secs_f64(),
            cpu.as_secs_f64() / gb
        );
    }
}
