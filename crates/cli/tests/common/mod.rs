//! Helpers the `st` binary tests share.

use std::path::Path;
use std::process::Command;

/// Run `st` offline in `cwd` (the current directory when `None`): success, stdout, stderr.
pub fn st(args: &[&str], cwd: Option<&Path>) -> (bool, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_st"));
    command.args(args).env("HF_HUB_OFFLINE", "1");
    if let Some(dir) = cwd {
        command.current_dir(dir);
    }
    let out = command.output().expect("st runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
