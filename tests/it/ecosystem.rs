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
    const HEADINGS: [&str; 8] = ["Profile", "Cluster", "History", "What-if", "Planning", "Catalog", "Gates", "Output"];
    let mut cmd = bizo_plan::cli::command();
    cmd.build();
    let sub = |path: &[&str]| {
        let mut c = &cmd;
        for p in path {
            c = c.find_subcommand(p).unwrap_or_else(|| panic!("no subcommand {p}"));
        }
        c.clone()
    };
    let expect: [(&[&str], &[(&str, &str)]); 5] = [
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
        (&["forecast"], &[("growth", "Planning"), ("tiers", "Catalog"), ("replace", "What-if"), ("width", "Output")]),
        (&["sample"], &[("every", "History"), ("out", "Output"), ("profile", "Profile"), ("context", "Cluster")]),
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

#[test]
fn the_generated_bash_completion_completes_subcommands() {
    // Source the script in a real bash and ask it what `bizo-plan ch<TAB>` completes to.
    let script = stdout_of(&["completions", "bash"]);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bizo-plan.bash");
    std::fs::write(&path, script).expect("write");
    let probe = format!(
        "source {}; COMP_WORDS=(bizo-plan ch); COMP_CWORD=1; COMP_LINE='bizo-plan ch'; COMP_POINT=12; _bizo__plan bizo-plan ch bizo-plan; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        path.display()
    );
    let out = std::process::Command::new("bash").args(["-c", &probe]).output().expect("bash");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "check",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_man_page_is_roff_with_every_subcommand() {
    let man = stdout_of(&["man"]);
    assert!(man.starts_with(".ie \\n(.g .ds Aq"), "{}", &man[..man.len().min(200)]);
    assert!(man.contains(".TH bizo-plan 1"), "no title header");
    for sub in ["check", "recommend", "schema", "profile", "completions"] {
        assert!(man.contains(&format!("bizo\\-plan\\-{sub}(1)")), "{sub} missing");
    }
    assert!(man.contains("Exit codes"), "the exit codes are part of the page");
}

/// kubectl finds plugins on PATH by name; run the real kubectl with the plugin binary there.
#[test]
fn kubectl_runs_the_plugin() {
    let kubectl = which("kubectl").expect("kubectl must be installed (.ci/run installs it)");
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

fn which(cmd: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")
        .and_then(|p| std::env::split_paths(&p).map(|d| d.join(cmd)).find(|c| c.is_file()))
}
