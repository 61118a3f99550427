//! The layers import in one direction only: model → analysis → report → render. A file of one
//! layer never names a later layer (`crate::analysis`, `super::super::report`, ...), and the pure
//! layers (model, analysis) know no I/O, clock, terminal, tokio, kube or sysinfo.

use std::path::{Path, PathBuf};

/// The layers, first to last, as directories of `src/`.
const LAYERS: [&str; 4] = ["model", "analysis", "report", "render"];

/// What the pure layers must not mention.
const IMPURE: [&str; 12] = [
    "tokio",
    "kube::",
    "sysinfo",
    "std::fs",
    "std::net",
    "std::env",
    "std::process",
    "SystemTime",
    "Instant::now",
    "println!",
    "eprintln!",
    "std::io::stdout",
];

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files(&p));
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out
}

/// Lines of code outside comments (doc comments may name later layers, e.g. to say who uses a type).
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter(|(_, l)| !l.trim_start().starts_with("//")).map(|(i, l)| (i + 1, l))
}

#[test]
fn no_layer_imports_a_later_one() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    for (i, layer) in LAYERS.iter().enumerate() {
        let dir = src.join(layer);
        for f in files(&dir) {
            let text = std::fs::read_to_string(&f).expect("readable source");
            // Unit tests may load fixtures through the sources.
            let body = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (n, line) in code_lines(body) {
                for later in &LAYERS[i + 1..] {
                    if line.contains(&format!("crate::{later}"))
                        || line.contains(&format!("super::super::{later}"))
                    {
                        problems.push(format!(
                            "{}:{n}: {layer} names the later layer {later}: {line}",
                            f.display()
                        ));
                    }
                }
                // Nor the edges: sources, the app, the command line.
                for edge in ["crate::source", "crate::app", "crate::cli", "crate::log"] {
                    if line.contains(edge) {
                        problems.push(format!("{}:{n}: {layer} names the edge {edge}: {line}", f.display()));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "layering violations:\n{}", problems.join("\n"));
}

#[test]
fn the_pure_layers_do_no_io() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    let mut seen = 0;
    for layer in ["model", "analysis"] {
        for f in files(&src.join(layer)) {
            seen += 1;
            let text = std::fs::read_to_string(&f).expect("readable source");
            // Unit tests may read fixtures.
            let body = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (n, line) in code_lines(body) {
                for word in IMPURE {
                    if line.contains(word) {
                        problems.push(format!("{}:{n}: {word}: {line}", f.display()));
                    }
                }
            }
        }
    }
    assert!(seen >= 7, "only {seen} files under src/model and src/analysis");
    assert!(problems.is_empty(), "I/O in a pure layer:\n{}", problems.join("\n"));
}

#[test]
fn the_checker_catches_a_violation() {
    // The rule itself: a model line naming the analysis is caught, a comment is not.
    let text = "use crate::analysis::projection;\n// crate::render is mentioned here only\n";
    let hits: Vec<usize> =
        code_lines(text).filter(|(_, l)| l.contains("crate::analysis")).map(|(n, _)| n).collect();
    assert_eq!(hits, vec![1]);
    assert_eq!(code_lines(text).filter(|(_, l)| l.contains("crate::render")).count(), 0);
}
