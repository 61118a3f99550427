//! Fitting in: `--help` pinned by snapshots, shell completions and the man page generated from
//! the clap definitions, and the kubectl plugin run through the machine's real kubectl.

use crate::common::bizo;

fn stdout_of(args: &[&str]) -> String {
    let home = tempfile::tempdir().expect("temp dir");
    let out = bizo(home.path()).env("COLUMNS", "100").args(args).output().expect("run bizo-plan");
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn help_texts_are_pinned() {
    for (name, args) in [
        ("help_top", &["--help"][..]),
        ("help_check", &["check", "--help"]),
        ("help_recommend", &["recommend", "--help"]),
        ("help_forecast", &["forecast", "--help"]),
        ("help_rightsize", &["rightsize", "--help"]),
        ("help_sample", &["sample", "--help"]),
        ("help_profile_generate", &["profile", "generate", "--help"]),
        ("help_schema", &["schema", "--help"]),
        ("help_completions", &["completions", "--help"]),
        ("help_man", &["man", "--help"]),
    ] {
        insta::assert_snapshot!(name, stdout_of(args));
    }
}

/// Every option of the planning commands sits under a heading named for its concern; only the
/// global `-v` and `-h` stay under "Options".
#[test]
fn every_option_sits_under_its_concern() {
    const HEADINGS: [&str; 8] =
        ["Profile", "Cluster", "History", "What-if", "Planning", "Catalog", "Gates", "Output"];
    let mut cmd = bizo_plan::cli::command();
    cmd.build();
    let sub = |path: &[&str]| {
        let mut c = &cmd;
        for p in path {
            c = c.find_subcommand(p).unwrap_or_else(|| panic!("no subcommand {p}"));
        }
        c.clone()
    };
    /// (subcommand path, options pinned to their heading).
    type Pinned<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);
    let expect: [Pinned; 5] = [
        (
            &["check"],
            &[
                ("profile", "Profile"),
                ("replay", "Profile"),
                ("kubeconfig", "Cluster"),
                ("namespace", "Cluster"),
                ("prometheus", "History"),
                ("samples", "History"),
                ("scenario", "What-if"),
                ("fail-on", "Gates"),
                ("max-used", "Gates"),
                ("tiers", "Catalog"),
                ("output", "Output"),
                ("width", "Output"),
            ],
        ),
        (
            &["recommend"],
            &[
                ("budget", "Catalog"),
                ("confidence", "Catalog"),
                ("ha", "Planning"),
                ("prometheus", "History"),
                ("add", "What-if"),
                ("show-rejected", "Output"),
                ("output", "Output"),
            ],
        ),
        (
            &["forecast"],
            &[("growth", "Planning"), ("tiers", "Catalog"), ("replace", "What-if"), ("width", "Output")],
        ),
        (
            &["sample"],
            &[("every", "History"), ("out", "Output"), ("profile", "Profile"), ("context", "Cluster")],
        ),
        (&["profile", "generate"], &[("name", "Profile"), ("out", "Output"), ("kubeconfig", "Cluster")]),
    ];
    for (path, pinned) in expect {
        let c = sub(path);
        for arg in c.get_arguments().filter(|a| !a.is_positional()) {
            let long = arg.get_long().unwrap_or_default();
            match arg.get_help_heading() {
                None => assert!(["help", "verbose"].contains(&long), "{path:?} --{long} has no heading"),
                Some(h) => assert!(HEADINGS.contains(&h), "{path:?} --{long} is under {h:?}"),
            }
        }
        for (long, heading) in pinned {
            let arg = c.get_arguments().find(|a| a.get_long() == Some(long)).expect("pinned option exists");
            assert_eq!(arg.get_help_heading(), Some(*heading), "{path:?} --{long}");
        }
    }
}

#[test]
fn short_help_lists_every_subcommand() {
    let h = stdout_of(&["-h"]);
    for sub in ["check", "recommend", "schema", "profile", "completions", "man"] {
        assert!(h.lines().any(|l| l.trim_start().starts_with(sub)), "{sub} missing from:\n{h}");
    }
}

#[test]
fn completions_are_generated_for_each_shell() {
    let bash = stdout_of(&["completions", "bash"]);
    assert!(bash.contains("_bizo__plan()"), "{bash}");
    assert!(bash.contains("complete -F _bizo__plan"), "{bash}");
    for flag in ["--require-cluster", "--fail-on", "--budget", "--all-rows"] {
        assert!(bash.contains(flag), "bash completion lacks {flag}");
    }
    let zsh = stdout_of(&["completions", "zsh"]);
    assert!(zsh.starts_with("#compdef bizo-plan"), "{}", &zsh[..zsh.len().min(200)]);
    assert!(zsh.contains("--min-headroom"));
    let fish = stdout_of(&["completions", "fish"]);
    assert!(fish.contains("complete -c bizo-plan"), "{fish}");
    assert!(fish.contains("-l kubeconfig"), "{fish}");
}

/// The script for `shell`, written to a file in `dir`.
fn completion_script(dir: &std::path::Path, shell: &str) -> std::path::PathBuf {
    let path = dir.join(format!("bizo-plan.{shell}"));
    std::fs::write(&path, stdout_of(&["completions", shell])).expect("write the script");
    path
}

/// What a real bash completes for the command line `words` (the last word is the one being
/// completed; "" after a space): the script is sourced, the function `complete -p bizo-plan`
/// registered is called the way bash calls it (command, current word, previous word) with
/// COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT set, and COMPREPLY is returned.
fn bash_completes(words: &[&str]) -> Vec<String> {
    let bash = crate::common::require_program("bash", "bash");
    let dir = tempfile::tempdir().expect("temp dir");
    let script = completion_script(dir.path(), "bash");
    let probe = r#"
        source "$SCRIPT" || exit 90
        spec=$(complete -p bizo-plan) || exit 91
        fn=${spec#*-F }; fn=${fn%% *}
        COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
        COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        "$fn" bizo-plan "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf '%s\n' "${COMPREPLY[@]}"
    "#;
    let out = std::process::Command::new(bash)
        .args(["--norc", "--noprofile", "-c", probe, "bash"])
        .args(words)
        .env("SCRIPT", &script)
        .current_dir(dir.path())
        .output()
        .expect("run bash");
    assert!(out.status.success(), "bash failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| !l.is_empty()).map(str::to_string).collect()
}

#[test]
fn bash_completes_subcommands_options_and_their_values() {
    assert_eq!(bash_completes(&["bizo-plan", "ch"]), ["check"]);
    assert_eq!(bash_completes(&["bizo-plan", "check", "--kube"]), ["--kubeconfig"]);
    assert_eq!(bash_completes(&["bizo-plan", "check", "--require-c"]), ["--require-cluster"]);
    assert_eq!(
        bash_completes(&["bizo-plan", "check", "-o", ""]),
        ["table", "json", "yaml", "markdown", "html"]
    );
    assert_eq!(bash_completes(&["bizo-plan", "check", "--output", "m"]), ["markdown"]);
    assert_eq!(bash_completes(&["bizo-plan", "check", "--fail-on", ""]), ["tight"]);
    assert_eq!(
        bash_completes(&["bizo-plan", "recommend", "--confidence", ""]),
        ["unverified", "third-party", "verified"]
    );
    assert_eq!(bash_completes(&["bizo-plan", "recommend", "--bud"]), ["--budget"]);
    assert_eq!(bash_completes(&["bizo-plan", "forecast", "--gro"]), ["--growth"]);
    // Two levels down, and after other options.
    assert_eq!(bash_completes(&["bizo-plan", "profile", "generate", "--all-c"]), ["--all-contexts"]);
    assert_eq!(bash_completes(&["bizo-plan", "check", "--replay", "-o", "json", "--no-t"]), ["--no-tiers"]);
    let shells = bash_completes(&["bizo-plan", "completions", ""]);
    assert!(
        shells.ends_with(&["bash", "elvish", "fish", "powershell", "zsh"].map(String::from)),
        "{shells:?}"
    );
}

#[test]
fn the_zsh_script_parses_and_registers_its_function() {
    let zsh = crate::common::require_program("zsh", "zsh");
    let dir = tempfile::tempdir().expect("temp dir");
    let script = completion_script(dir.path(), "zsh");
    let text = std::fs::read_to_string(&script).expect("read");
    assert!(text.starts_with("#compdef bizo-plan"), "{}", &text[..text.len().min(200)]);
    for flag in ["--kubeconfig", "--min-headroom", "--confidence", "--all-contexts"] {
        assert!(text.contains(flag), "zsh completion lacks {flag}");
    }
    assert!(text.contains(":LEVEL:((unverified\\:"), "the values of --confidence are offered");
    let check = std::process::Command::new(&zsh).arg("-n").arg(&script).output().expect("run zsh -n");
    assert!(check.status.success(), "zsh -n: {}", String::from_utf8_lossy(&check.stderr));
    // Sourced after compinit (as from a directory on $fpath), it registers _bizo-plan for bizo-plan.
    let out = std::process::Command::new(&zsh)
        .args(["-f", "-c", "autoload -Uz compinit && compinit -u -D && source \"$SCRIPT\" && print -r -- \"${_comps[bizo-plan]}\""])
        .env("SCRIPT", &script)
        .env("HOME", dir.path())
        .output()
        .expect("run zsh");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "_bizo-plan",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What fish completes for `line` (`complete -C`), as "candidate" or "candidate\tdescription".
fn fish_completes(dir: &std::path::Path, script: &std::path::Path, line: &str) -> Vec<String> {
    let fish = crate::common::require_program("fish", "fish");
    let out = std::process::Command::new(fish)
        .args(["--no-config", "-c", "source $argv[1]; complete -C $argv[2]"])
        .arg(script)
        .arg(line)
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .current_dir(dir)
        .output()
        .expect("run fish");
    assert!(out.status.success(), "fish: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

#[test]
fn the_fish_script_parses_and_completes_options_and_values() {
    let fish = crate::common::require_program("fish", "fish");
    let dir = tempfile::tempdir().expect("temp dir");
    let script = completion_script(dir.path(), "fish");
    let check = std::process::Command::new(&fish)
        .arg("--no-execute")
        .arg(&script)
        .env("HOME", dir.path())
        .output()
        .expect("run fish --no-execute");
    assert!(check.status.success(), "fish --no-execute: {}", String::from_utf8_lossy(&check.stderr));
    let first = |v: Vec<String>| -> Vec<String> {
        v.iter().map(|l| l.split('\t').next().unwrap_or_default().to_string()).collect()
    };
    assert_eq!(first(fish_completes(dir.path(), &script, "bizo-plan check --kube")), ["--kubeconfig"]);
    assert_eq!(
        first(fish_completes(dir.path(), &script, "bizo-plan check -o ")),
        ["html", "json", "markdown", "table", "yaml"]
    );
    assert_eq!(
        first(fish_completes(dir.path(), &script, "bizo-plan recommend --confidence ")),
        ["third-party", "unverified", "verified"]
    );
}

/// `man -l PAGE` rendered as plain text, 200 columns wide, neither justified nor hyphenated;
/// panics on any warning groff gives (`--warnings=w` is groff's -ww, every warning: "all"
/// would leave out the undefined-macro ones).
fn man_render(page: &std::path::Path) -> String {
    let man = crate::common::require_program("man", "man-db");
    crate::common::require_program("groff", "groff-base");
    let out = std::process::Command::new(man)
        .args(["--no-justification", "--no-hyphenation", "--warnings=w", "-l"])
        .arg(page)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("MANWIDTH", "200")
        .env("MAN_KEEP_FORMATTING", "")
        .env("LANG", "C.UTF-8")
        .output()
        .expect("run man -l");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.trim().is_empty(), "man -l {}: {stderr}", page.display());
    // Overstrike (bold, underline) when man formats for a terminal: keep the letters.
    let text = String::from_utf8_lossy(&out.stdout);
    let mut plain = String::new();
    for c in text.chars() {
        if c == '\u{8}' {
            plain.pop();
        } else {
            plain.push(c);
        }
    }
    plain
}

#[test]
fn man_renders_warnings_so_a_clean_page_means_something() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("bad.1");
    std::fs::write(&bad, ".TH bad 1\n.SH NAME\nbad\n.XQ undefined macro\n").expect("write");
    let r = std::panic::catch_unwind(|| man_render(&bad));
    assert!(r.is_err(), "an undefined macro must be reported");
}

#[test]
fn man_out_writes_a_page_per_subcommand_with_every_option() {
    let home = tempfile::tempdir().expect("temp dir");
    let dir = home.path().join("man1");
    let out = bizo(home.path()).args(["man", "--out"]).arg(&dir).output().expect("run bizo-plan man --out");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let listed: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect();

    let mut cmd = bizo_plan::cli::command().disable_help_subcommand(true);
    cmd.build();
    // Every command at every level, as (page name, command).
    fn walk(cmd: &clap::Command, out: &mut Vec<(String, clap::Command)>) {
        out.push((cmd.get_display_name().unwrap_or(cmd.get_name()).to_string(), cmd.clone()));
        for sub in cmd.get_subcommands() {
            walk(sub, out);
        }
    }
    let mut commands = Vec::new();
    walk(&cmd, &mut commands);
    let names: Vec<&str> = commands.iter().map(|(n, _)| n.as_str()).collect();
    for page in
        ["bizo-plan", "bizo-plan-check", "bizo-plan-recommend", "bizo-plan-forecast", "bizo-plan-sample"]
    {
        assert!(names.contains(&page), "{page} in {names:?}");
    }
    assert!(names.contains(&"bizo-plan-profile-generate"), "{names:?}");
    assert_eq!(listed.len(), commands.len(), "one page per command: {listed:?}");

    for (name, sub) in &commands {
        let page = dir.join(format!("{name}.1"));
        assert!(listed.contains(&page.display().to_string()), "{} not listed in {listed:?}", page.display());
        let text = man_render(&page);
        assert!(text.contains(&format!("{name} - ")), "{name}: NAME section");
        for arg in sub.get_arguments().filter(|a| !a.is_hide_set()) {
            let Some(long) = arg.get_long() else { continue };
            // Each option is an entry at the start of a line: "--long ..." or "-s, --long ...".
            let entry = text.lines().map(str::trim_start).any(|l| {
                let l = arg.get_short().map_or(l, |s| l.strip_prefix(&format!("-{s}, ")).unwrap_or(l));
                l == format!("--{long}") || l.starts_with(&format!("--{long} "))
            });
            assert!(entry, "{name}.1 has no entry for --{long}:\n{text}");
        }
        for child in sub.get_subcommands() {
            assert!(
                text.contains(&format!("{name}-{}(1)", child.get_name())),
                "{name} refers to its subcommands"
            );
        }
    }

    // The top page: the subcommands' pages it refers to are the ones written, and no other.
    let top = man_render(&dir.join("bizo-plan.1"));
    let refs: Vec<&str> =
        top.split_whitespace().filter(|w| w.starts_with("bizo-plan-") && w.ends_with("(1)")).collect();
    assert_eq!(refs.len(), 9, "{refs:?}");
    for r in refs {
        assert!(
            dir.join(format!("{}.1", r.trim_end_matches("(1)"))).is_file(),
            "{r} refers to a missing page"
        );
    }
    // `man` without --out prints the top page, the same as the file.
    assert_eq!(stdout_of(&["man"]), std::fs::read_to_string(dir.join("bizo-plan.1")).expect("read"));
}

/// kubectl finds plugins on PATH by name; run the real kubectl with the plugin binary there.
#[test]
fn kubectl_runs_the_plugin() {
    let kubectl = crate::common::require_program("kubectl", "kubectl (or kubernetes-client)");
    let plugin = std::path::Path::new(env!("CARGO_BIN_EXE_kubectl-bizo_plan"));
    let dir = tempfile::tempdir().expect("temp dir");
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).expect("mkdir");
    std::fs::copy(plugin, bin.join("kubectl-bizo_plan")).expect("copy the plugin");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let kubectl_in = |args: &[&str]| {
        std::process::Command::new(&kubectl)
            .args(args)
            .env_clear()
            .env("HOME", dir.path())
            .env("PATH", &path)
            .env("COLUMNS", "100")
            .output()
            .expect("run kubectl")
    };

    let list = kubectl_in(&["plugin", "list"]);
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(listed.contains("kubectl-bizo_plan"), "{listed}{}", String::from_utf8_lossy(&list.stderr));

    let out = kubectl_in(&["bizo-plan", "check", "--replay", "-o", "json", "--no-tiers"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["verdict"]["status"], "TIGHT");
    assert_eq!(v["workload"]["projected"]["bytes"], 975_175_680);

    let help = kubectl_in(&["bizo-plan", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("Usage: kubectl bizo-plan [OPTIONS] <COMMAND>"), "{help}");

    // Exit codes pass through kubectl.
    let bad = kubectl_in(&["bizo-plan", "check", "--replay", "--max-used", "50", "--no-tiers"]);
    assert_eq!(bad.status.code(), Some(1));
}
