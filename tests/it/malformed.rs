//! Malformed profiles: each exits 2 with a message naming the file, line, column and field,
//! and never panics.

use crate::common::{bizo, fixture};

/// Runs `check --replay -p FILE` from tests/profiles/bad and returns (exit code, first stderr line).
fn first_error(file: &str) -> (i32, String, String) {
    let home = tempfile::tempdir().expect("temp dir");
    let out = bizo(home.path())
        .current_dir(fixture("profiles/bad"))
        .args(["check", "--replay", "-o", "json", "-p", file])
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .expect("run bizo-plan");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.stdout.is_empty(), "{file}: nothing on stdout when the input is bad");
    assert!(!stderr.contains("panicked"), "{file} panicked: {stderr}");
    let first = stderr.lines().next().unwrap_or_default().to_string();
    (out.status.code().expect("exit code"), first, stderr)
}

macro_rules! bad_profile {
    ($name:ident, $file:literal, $expected:literal) => {
        #[test]
        fn $name() {
            let (code, first, all) = first_error($file);
            assert_eq!(code, 2, "{all}");
            assert_eq!(first, $expected, "{all}");
        }
    };
}

// Fault matrix: Bad YAML
bad_profile!(
    bad_yaml_syntax,
    "syntax.yaml",
    "bizo-plan: error: syntax.yaml:1:7: name: expected string scalar"
);
// Fault matrix: Bad quantity
bad_profile!(
    bad_quantity,
    "bad-quantity.yaml",
    "bizo-plan: error: bad-quantity.yaml:6:23: services[0].memory.typical: invalid quantity \"4GB\": did you mean 4G or 4Gi?"
);
// Fault matrix: Unknown field
bad_profile!(
    unknown_field,
    "unknown-field.yaml",
    "bizo-plan: error: unknown-field.yaml:6:5: services[0].memroy: unknown field `memroy`, expected one of name, group, status, port, memory, cpu, replicas, namespace, workload, selector, perClient, notes"
);
bad_profile!(
    duplicate_service_name,
    "duplicate-name.yaml",
    "bizo-plan: error: duplicate-name.yaml:7:11: services[1].name: duplicate service name \"api\" (first defined at services[0])"
);
bad_profile!(
    wrong_type,
    "wrong-type.yaml",
    "bizo-plan: error: wrong-type.yaml:7:15: services[0].replicas: expected a whole number from 0 to 4294967295"
);
bad_profile!(
    negative_memory,
    "negative-memory.yaml",
    "bizo-plan: error: negative-memory.yaml:6:23: services[0].memory.typical: invalid quantity \"-50Mi\": must not be negative"
);
bad_profile!(
    missing_memory,
    "missing-memory.yaml",
    "bizo-plan: error: missing-memory.yaml:5:5: services[0]: missing field `memory`"
);
bad_profile!(empty_file, "empty.yaml", "bizo-plan: error: empty.yaml:1:1: the document is empty");
bad_profile!(
    alias_bomb,
    "alias-bomb.yaml",
    "bizo-plan: error: alias-bomb.yaml:5:9: services[1]: expected mapping start"
);
bad_profile!(
    milli_suffix_on_memory,
    "milli-memory.yaml",
    "bizo-plan: error: milli-memory.yaml:6:23: services[0].memory.typical: invalid memory quantity \"400m\": the m suffix means milli, so this is a fraction of a byte; did you mean 400Mi or 400M?"
);
bad_profile!(
    warn_above_fail,
    "thresholds.yaml",
    "bizo-plan: error: thresholds.yaml:3:20: policy.warnUsedPercent: the warn threshold 95% is above the fail threshold 90%"
);
bad_profile!(
    unknown_status,
    "unknown-status.yaml",
    "bizo-plan: error: unknown-status.yaml:5:13: services[0].status: unknown variant `running`, expected one of deployed, planned"
);
bad_profile!(
    duplicate_key,
    "duplicate-key.yaml",
    "bizo-plan: error: duplicate-key.yaml:6:5: services[0]: duplicate key `status`: each key may appear once in a mapping"
);
bad_profile!(
    allocation_not_100,
    "allocation.yaml",
    "bizo-plan: error: allocation.yaml:3:15: policy.allocation: kubernetes + system + buffer must add up to 100%, found 80% + 12.5% + 12.5% = 105%"
);
bad_profile!(
    port_out_of_range,
    "port.yaml",
    "bizo-plan: error: port.yaml:6:11: services[0].port: expected a whole number from 0 to 65535"
);
bad_profile!(
    peak_below_typical,
    "peak-below-typical.yaml",
    "bizo-plan: error: peak-below-typical.yaml:6:35: services[0].memory.peak: peak 40Mi is below typical 50Mi"
);
bad_profile!(
    not_utf8,
    "not-utf8.yaml",
    "bizo-plan: error: not-utf8.yaml:1:10: not UTF-8 text (profiles must be UTF-8)"
);
bad_profile!(
    percentage_as_words,
    "percent-text.yaml",
    "bizo-plan: error: percent-text.yaml:3:20: policy.warnUsedPercent: invalid percentage \"seventy\": expected a plain decimal number such as 70 or 12.5"
);
// Fault matrix: File not found
bad_profile!(
    file_not_found,
    "no-such-profile.yaml",
    "bizo-plan: error: no-such-profile.yaml: file not found"
);
bad_profile!(directory_instead_of_file, ".", "bizo-plan: error: .: is a directory, not a file");

#[test]
fn parse_errors_show_the_source_line() {
    let (_, _, all) = first_error("bad-quantity.yaml");
    assert!(all.contains(" --> bad-quantity.yaml:6:23"), "{all}");
    assert!(all.contains("memory: {typical: 4GB}"), "{all}");
}

// Fault matrix: Permission denied
#[test]
fn unreadable_file_is_permission_denied() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let p = dir.path().join("secret.yaml");
    std::fs::write(&p, "name: x\n").expect("write");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    if std::fs::read(&p).is_ok() {
        // Running as root: permission bits do not apply; use a path under a file instead.
        let out = bizo(dir.path()).args(["check", "--replay", "-p"]).arg(p.join("x")).output().expect("run");
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("secret.yaml/x: "), "{err}");
        return;
    }
    let out = bizo(dir.path()).args(["check", "--replay", "-p"]).arg(&p).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("secret.yaml: permission denied"));
}

/// Runs `check --replay -p PATH` and returns (exit code, stderr).
fn run_on(path: &std::path::Path) -> (i32, String) {
    let home = tempfile::tempdir().expect("temp dir");
    let out = bizo(home.path())
        .args(["check", "--replay", "-o", "json", "-p"])
        .arg(path)
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .expect("run bizo-plan");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).to_string())
}

// Fault matrix: Device or FIFO as input
#[test]
fn devices_and_fifos_are_refused_at_once() {
    let (code, err) = run_on(std::path::Path::new("/dev/zero"));
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err.trim(),
        "bizo-plan: error: /dev/zero: not a regular file (a FIFO, socket or device); use - to read standard input"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    // No writer: opening it would block forever; bizo-plan looks before it opens.
    let (code, err) = run_on(&fifo);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("fifo: not a regular file"), "{err}");
}

// Fault matrix: Input file too large
#[test]
fn files_over_the_size_cap_are_refused_and_large_profiles_load() {
    let dir = tempfile::tempdir().expect("temp dir");
    let huge = dir.path().join("huge.yaml");
    std::fs::File::create(&huge).expect("create").set_len((64 << 20) + 1).expect("sparse file");
    let (code, err) = run_on(&huge);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("huge.yaml: larger than 64 MiB, the limit for input files"), "{err}");
    // 30,000 services (the YAML crate's default node budget stopped at about 22,000).
    let mut text = String::from("name: big\nservices:\n");
    for i in 0..30_000 {
        text.push_str(&format!("  - {{name: s{i}, group: g, status: planned, memory: {{typical: 1Mi}}}}\n"));
    }
    let big = dir.path().join("big.yaml");
    std::fs::write(&big, text).expect("write");
    let home = tempfile::tempdir().expect("temp dir");
    let out = bizo(home.path())
        .args(["check", "--profile-only", "--capacity", "64Gi", "--no-tiers", "-o", "json", "-p"])
        .arg(&big)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["workload"]["planned"]["bytes"], 30_000u64 << 20);
}

// Fault matrix: Memory sum overflow
#[test]
fn memory_that_would_overflow_is_an_error_not_a_wrap() {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = dir.path().join("overflow.yaml");
    std::fs::write(
        &p,
        "name: x\nservices:\n  - {name: a, group: g, status: planned, memory: {typical: 9E}, replicas: 3}\n",
    )
    .expect("write");
    let (code, err) = run_on(&p);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("overflow.yaml:3:50: services[0].memory: the services' memory (peak x replicas, summed over the profile) does not fit in 64 bits (16 EiB): a typo?"),
        "{err}"
    );
    assert!(!err.contains("panicked"));
}
