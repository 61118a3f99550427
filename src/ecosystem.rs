//! What the command line gives the system around it, generated from the clap definitions in
//! [`crate::cli`]: shell completion scripts (`bizo-plan completions SHELL`) and man pages
//! (`bizo-plan man`, `bizo-plan man --out DIR`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap_complete::Shell;

/// The name completions are registered for and man pages are titled with.
pub const BIN_NAME: &str = "bizo-plan";

/// The command as the generators see it: without clap's implicit `help` subcommand, which
/// would otherwise be listed (and referenced as bizo-plan-help(1)) without a page of its own.
fn command() -> clap::Command {
    crate::cli::command().disable_help_subcommand(true)
}

/// The completion script for `shell`.
pub fn completion(shell: Shell) -> String {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command(), BIN_NAME, &mut out);
    let script = String::from_utf8_lossy(&out).into_owned();
    match shell {
        Shell::Bash => fix_bash_states(&script, BIN_NAME),
        _ => script,
    }
}

/// Makes the bash script's subcommand states agree with the `case` arms that handle them.
///
/// clap_complete (4.6.11 and 4.6.12, the newest release; clap-rs/clap#6421, open) spells a
/// subcommand's state two ways when the binary name has a hyphen. The loop over the words
/// builds it piece by piece, escaping `-` in the binary name as `__` and joining subcommands
/// with `__subcmd__`: `bizo__plan__subcmd__check`. The `case "${cmd}"` arms take the
/// subcommand's bin name `bizo-plan check`, join with `__subcmd__` and then escape every `-`
/// as `__subcmd__` too: `bizo__subcmd__plan__subcmd__check`. No arm matches, so nothing after
/// the subcommand (its options, their values) is ever completed. Renaming the binary is not an
/// option (`complete -F` is registered for the name users type), so the arms' prefix is
/// rewritten to the loop's spelling. Subcommand names are escaped alike on both sides, so only
/// the binary name's part differs; once clap_complete is fixed this is a no-op.
fn fix_bash_states(script: &str, bin: &str) -> String {
    const SEP: &str = "__subcmd__";
    if !bin.contains('-') {
        return script.to_string();
    }
    let arm = format!("{}{SEP}", bin.replace('-', SEP));
    let state = format!("{}{SEP}", bin.replace('-', "__"));
    script.replace(&arm, &state)
}

/// The top man page, bizo-plan(1), as roff.
pub fn man_page() -> Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(command()).render(&mut out).context("rendering the man page")?;
    Ok(out)
}

/// Writes bizo-plan.1 and one page per subcommand at every level (bizo-plan-check.1, ...,
/// bizo-plan-profile-generate.1), each with all of its options, into `dir` (created if
/// missing). Returns the files written, top page first.
pub fn write_man_pages(dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut cmd = command();
    // Building gives every subcommand its display name (bizo-plan-profile-generate), which
    // titles its page and names its file, and copies the global options into it.
    cmd.build();
    let mut written = Vec::new();
    write_pages(&cmd, dir, &mut written)?;
    Ok(written)
}

fn write_pages(cmd: &clap::Command, dir: &Path, written: &mut Vec<PathBuf>) -> Result<()> {
    let man = clap_mangen::Man::new(cmd.clone());
    let path = dir.join(man.get_filename());
    let mut roff = Vec::new();
    man.render(&mut roff).with_context(|| format!("rendering {}", path.display()))?;
    std::fs::write(&path, roff).with_context(|| format!("writing {}", path.display()))?;
    written.push(path);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, dir, written)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The states the bash script's word loop assigns (`cmd="..."`) and the arms of the
    /// `case "${cmd}"` that completes for a state.
    fn states_and_arms(script: &str) -> (Vec<String>, Vec<String>) {
        let mut states: Vec<String> = script
            .lines()
            .filter_map(|l| l.trim().strip_prefix("cmd=\"")?.strip_suffix('"').map(str::to_string))
            .filter(|s| !s.is_empty())
            .collect();
        let dispatch = script.split("case \"${cmd}\" in").nth(1).expect("the dispatch case");
        // The arms are the lines at the case's indentation (8 spaces) ending in ')'.
        let mut arms: Vec<String> = dispatch
            .lines()
            .filter(|l| l.starts_with("        ") && !l.starts_with("         "))
            .filter_map(|l| l.trim().strip_suffix(')').map(str::to_string))
            .collect();
        states.sort();
        states.dedup();
        arms.sort();
        (states, arms)
    }

    #[test]
    fn every_bash_state_has_its_arm() {
        let (states, arms) = states_and_arms(&completion(Shell::Bash));
        assert!(states.contains(&"bizo__plan__subcmd__check".to_string()), "{states:?}");
        assert!(states.contains(&"bizo__plan__subcmd__profile__subcmd__generate".to_string()), "{states:?}");
        assert_eq!(states, arms, "each state the word loop sets is completed by one arm");
    }

    #[test]
    fn the_fix_rewrites_only_the_binary_names_spelling() {
        let raw =
            "        cmd=\"my__app__subcmd__run\"\n        my__subcmd__app__subcmd__run)\n        my__app)\n";
        assert_eq!(
            fix_bash_states(raw, "my-app"),
            "        cmd=\"my__app__subcmd__run\"\n        my__app__subcmd__run)\n        my__app)\n"
        );
        assert_eq!(fix_bash_states(raw, "myapp"), raw, "no hyphen, nothing to fix");
    }

    #[test]
    fn man_pages_are_written_for_every_subcommand() {
        let dir = tempfile::tempdir().expect("temp dir");
        let written = write_man_pages(dir.path()).expect("pages");
        let names: Vec<String> = written
            .iter()
            .map(|p| p.file_name().unwrap_or_default().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "bizo-plan.1",
                "bizo-plan-check.1",
                "bizo-plan-recommend.1",
                "bizo-plan-forecast.1",
                "bizo-plan-rightsize.1",
                "bizo-plan-sample.1",
                "bizo-plan-schema.1",
                "bizo-plan-profile.1",
                "bizo-plan-profile-generate.1",
                "bizo-plan-completions.1",
                "bizo-plan-man.1",
            ]
        );
        let top = String::from_utf8(man_page().expect("top page")).expect("utf-8");
        assert!(!top.contains("help(1)"), "no page for the implicit help subcommand is referenced");
        assert_eq!(std::fs::read_to_string(&written[0]).expect("read"), top);
    }
}
