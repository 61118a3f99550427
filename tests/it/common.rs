//! Shared helpers for CLI tests: a hermetic `bizo-plan` command.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A `bizo-plan` command with a scrubbed environment and `HOME` in a temporary directory.
pub fn bizo(home: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_bizo-plan"));
    cmd.env_clear();
    cmd.env("HOME", home);
    cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default());
    cmd
}

/// Path of a file under tests/.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(rel)
}

/// The path of `program` (in /usr/bin, else on PATH), or a panic naming it, the Debian package
/// that has it and the command that installs every test tool. Tests that need an outside
/// program fail without it, they never skip: `cargo test` on a machine without it says what to do.
pub fn require_program(program: &str, package: &str) -> PathBuf {
    let fixed = Path::new("/usr/bin").join(program);
    if fixed.is_file() {
        return fixed;
    }
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(program)).find(|p| p.is_file()))
        .unwrap_or_else(|| panic!("{}", missing_program(program, package)))
}

/// What `require_program` says when `program` is missing.
pub fn missing_program(program: &str, package: &str) -> String {
    format!(
        "{program} is not installed (looked in /usr/bin and on PATH) and this test needs it: run `scripts/test` \
         (installs the missing test tools with apt-get when root, else prints the command, then runs the suite), \
         or `apt-get install --no-install-recommends {package}`; tests fail without it, they never skip"
    )
}
