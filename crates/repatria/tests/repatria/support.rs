//! What the command line's tests share: the binary, run as a user runs it.

use std::process::{Command, Output, Stdio};

/// The `repatria` binary built for these tests.
pub fn repatria() -> Command {
    Command::new(env!("CARGO_BIN_EXE_repatria"))
}

/// Runs `repatria ARGS`: (success, stdout, stderr).
pub fn run(args: &[&str]) -> (bool, String, String) {
    let output = repatria().args(args).output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Asserts that a run succeeded (its stderr in the message).
#[track_caller]
pub fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs `repatria user add NAME --role ROLE --db DB` with `password` on standard input.
pub fn user_add(db: &str, name: &str, role: &str, password: &str) -> Output {
    use std::io::Write;
    let mut child = repatria()
        .args(["user", "add", name, "--role", role, "--db", db])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}
