//! The README's worked examples are the current binary's output. Every ```` ```console ````
//! block that follows a `<!-- example -->` comment is run and compared line for line:
//!
//! ```text
//! <!-- example -->
//! ```console
//! $ bizo-plan check --replay --width 100 | tail -n 4
//! (the output)
//! $ bizo-plan check --replay --fail-on tight > /dev/null; echo $?
//! 1
//! ```
//! ```
//!
//! A command is `bizo-plan ARGS` (arguments split at spaces, `'single quotes'` kept together),
//! optionally followed by `| head -n N`, `| tail -n N`, `| sed -n 'A,Bp'`, `> /dev/null` and
//! `; echo $?` (the exit
//! code on a line of its own). The binary runs in the repository's root, with an empty
//! environment and a temporary `HOME`: no cluster, so only examples that need none (`--replay`,
//! `--profile-only`, `recommend`, `forecast`) are marked. `README_UPDATE=1 cargo test --test it
//! readme` rewrites the marked blocks from the binary.

use std::path::Path;

use crate::common::bizo;

const MARK: &str = "<!-- example -->";

/// The arguments of a command line: split at spaces, single quotes group.
fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in s.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            c => cur.push(c),
        }
    }
    assert!(!quoted, "unbalanced quote in {s:?}");
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// What a `$ ` line prints: the binary's output with the shell steps applied.
fn run(line: &str) -> String {
    let mut cmd = line.trim();
    let mut echo_status = false;
    if let Some(rest) = cmd.strip_suffix("; echo $?") {
        echo_status = true;
        cmd = rest.trim_end();
    }
    let mut discard = false;
    if let Some(rest) = cmd.strip_suffix("> /dev/null") {
        discard = true;
        cmd = rest.trim_end();
    }
    // The lines kept, 1-based and inclusive (`usize::MAX` for "to the end"); a tail counts from
    // the end.
    let mut keep: Option<(usize, usize)> = None;
    let mut tail: Option<usize> = None;
    if let Some((head, filter)) = cmd.split_once(" | ") {
        let f = words(filter);
        match f.as_slice() {
            [p, flag, n] if p == "head" && flag == "-n" => keep = Some((1, n.parse().expect("line count"))),
            [p, flag, n] if p == "tail" && flag == "-n" => tail = Some(n.parse().expect("line count")),
            [p, flag, range] if p == "sed" && flag == "-n" => {
                let (a, b) = range
                    .strip_suffix('p')
                    .and_then(|r| r.split_once(','))
                    .unwrap_or_else(|| panic!("sed -n 'A,Bp' only: {line:?}"));
                keep = Some((a.parse().expect("first line"), b.parse().expect("last line")));
            }
            _ => panic!("unsupported filter {filter:?} in {line:?}"),
        }
        cmd = head;
    }
    let args = words(cmd);
    assert_eq!(args.first().map(String::as_str), Some("bizo-plan"), "not a bizo-plan command: {line:?}");
    let home = tempfile::tempdir().expect("temp dir");
    let out = bizo(home.path())
        .args(&args[1..])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run bizo-plan");
    let code = out.status.code().expect("exit code");
    assert!(code == 0 || code == 1, "{line:?} exited {code}: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let mut lines: Vec<&str> = if discard { Vec::new() } else { stdout.lines().collect() };
    if let Some((a, b)) = keep {
        lines = lines
            .into_iter()
            .enumerate()
            .filter(|(i, _)| (a..=b).contains(&(i + 1)))
            .map(|(_, l)| l)
            .collect();
    }
    if let Some(n) = tail {
        lines = lines.split_off(lines.len().saturating_sub(n));
    }
    let mut text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    if echo_status {
        text.push_str(&format!("{code}\n"));
    }
    text
}

/// The README with every marked block replaced by what the binary prints; and how many there are.
fn regenerate(readme: &str) -> (String, usize) {
    let mut out = String::new();
    let mut rest = readme;
    let mut count = 0;
    while let Some(at) = rest.find(MARK) {
        let (before, after) = rest.split_at(at + MARK.len());
        out.push_str(before);
        let open = after.find("```console\n").expect("a ```console block after the marker");
        assert!(after[..open].trim().is_empty(), "the marker is followed by its block: {:?}", &after[..open]);
        let body_start = open + "```console\n".len();
        let close = after[body_start..].find("```\n").expect("the block's end") + body_start;
        out.push_str(&after[..body_start]);
        for block_line in after[body_start..close].lines() {
            if let Some(cmd) = block_line.strip_prefix("$ ") {
                out.push_str(block_line);
                out.push('\n');
                out.push_str(&run(cmd));
            }
        }
        count += 1;
        rest = &after[close..];
    }
    out.push_str(rest);
    (out, count)
}

#[test]
fn readme_examples_are_the_current_binarys_output() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let (fresh, count) = regenerate(&readme);
    assert!(count >= 6, "the README marks {count} examples");
    if std::env::var_os("README_UPDATE").is_some() {
        std::fs::write(&path, &fresh).expect("write README.md");
        return;
    }
    if fresh != readme {
        let diff: Vec<String> = readme
            .lines()
            .zip(fresh.lines())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .take(8)
            .map(|(i, (a, b))| format!("README.md:{}:\n  README: {a}\n  binary: {b}", i + 1))
            .collect();
        panic!(
            "the README's examples differ from the binary's output (README_UPDATE=1 cargo test --test it readme \
             rewrites them):\n{}",
            if diff.is_empty() { "(lines added or removed at the end)".to_string() } else { diff.join("\n") }
        );
    }
}

#[test]
fn the_example_runner_applies_the_shell_steps() {
    assert_eq!(words("a 'b c' d"), ["a", "b c", "d"]);
    assert_eq!(words("-l 'app=(' x"), ["-l", "app=(", "x"]);
    assert_eq!(run("bizo-plan check --replay --fail-on tight > /dev/null; echo $?"), "1\n");
    assert_eq!(run("bizo-plan check --replay > /dev/null; echo $?"), "0\n");
    let tail = run("bizo-plan check --replay --width 100 | tail -n 2");
    assert_eq!(tail.lines().count(), 2, "{tail}");
    assert!(tail.ends_with("over it by 442.64Mi\n"), "{tail}");
    let head = run("bizo-plan check --replay --width 100 | head -n 1");
    assert_eq!(head, "bizo-plan check: TIGHT\n");
    let lines = run("bizo-plan check --replay --width 100 | sed -n '1,2p'");
    assert_eq!(lines, "bizo-plan check: TIGHT\nProfile bizosaas (<embedded profiles/bizosaas.yaml>)\n");
}
