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
