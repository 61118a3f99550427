//! The README's fault matrix is backed by tests: every row names a test (`file::function`),
//! that test exists, and it names the row back in a `// Fault matrix: <row>` comment right
//! above it. The tests themselves run in their own files.

use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// (row, tests) from the table under "## Fault matrix".
fn rows() -> Vec<(String, Vec<String>)> {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let section = readme.split("\n## Fault matrix").nth(1).expect("a Fault matrix section");
    let section = section.split("\n## ").next().unwrap_or_default();
    let mut rows = Vec::new();
    for line in section.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        if cells.len() < 4 || cells[0] == "failure" || cells[0].starts_with("---") {
            continue;
        }
        let tests = cells[cells.len() - 1]
            .split(',')
            .map(|t| t.trim().trim_matches('`').to_string())
            .filter(|t| !t.is_empty())
            .collect();
        rows.push((cells[0].to_string(), tests));
    }
    rows
}

#[test]
fn every_fault_matrix_row_names_an_existing_test_that_names_it_back() {
    let rows = rows();
    assert!(rows.len() >= 15, "{} rows", rows.len());
    for (row, tests) in &rows {
        assert!(!tests.is_empty(), "row {row:?} names no test");
        for t in tests {
            let (file, func) = t.split_once("::").unwrap_or_else(|| panic!("{row}: {t:?} is not file::fn"));
            let src = std::fs::read_to_string(root().join("tests/it").join(format!("{file}.rs")))
                .unwrap_or_else(|e| panic!("{row}: tests/it/{file}.rs: {e}"));
            let lines: Vec<&str> = src.lines().collect();
            // `fn name(` or a macro-generated test whose first argument is the name.
            let at = lines
                .iter()
                .position(|l| l.contains(&format!("fn {func}(")) || l.trim() == format!("{func},"))
                .unwrap_or_else(|| panic!("{row}: no test {func} in tests/it/{file}.rs"));
            let above = lines[at.saturating_sub(4)..at].join("\n");
            assert!(
                above.contains(&format!("// Fault matrix: {row}")),
                "{row}: {t} does not name the row (`// Fault matrix: {row}` above it); found:\n{above}"
            );
        }
    }
}

#[test]
fn the_matrix_covers_the_failure_modes_of_the_issue() {
    let rows: Vec<String> = rows().into_iter().map(|(r, _)| r.to_lowercase()).collect();
    for mode in [
        "bad yaml",
        "bad quantity",
        "unknown field",
        "file not found",
        "permission denied",
        "no cluster",
        "tls error",
        "auth expired",
        "403",
        "404 metrics",
        "410",
        "5xx",
        "timeout",
        "truncated body",
        "prometheus down",
    ] {
        assert!(rows.iter().any(|r| r.contains(mode)), "no row for {mode:?} in {rows:?}");
    }
}
