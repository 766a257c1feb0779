//! The OpenAPI document against the server that serves it: Schemathesis (PyPI) sends every
//! operation of `/api/openapi.json` requests generated from its schemas, valid and invalid,
//! as an administrator of `repatria demo`, with all its checks: no server error, every
//! status documented, answers as documented, schema-valid requests accepted and
//! schema-invalid ones refused. The run must report no failure.
//!
//! Needs `st` (`python3 -m pip install schemathesis`; `.ci/run` installs it). Without it
//! the test prints a notice and passes, unless `REPATRIA_SCHEMATHESIS_REQUIRED=1` (set by
//! `.ci/run`), where it fails. `REPATRIA_SCHEMATHESIS_EXAMPLES` (default 15) bounds the
//! examples per operation and `REPATRIA_SCHEMATHESIS_SEED` (default 1) picks them.

use std::process::Command;

use super::browser::{repo_root, start_demo};

fn schemathesis() -> Option<String> {
    let st = std::env::var("REPATRIA_SCHEMATHESIS").unwrap_or_else(|_| "st".into());
    Command::new(&st)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| st)
}

#[test]
fn schemathesis_finds_nothing_wrong_with_the_api() {
    let Some(st) = schemathesis() else {
        let reason = "no `st` on the PATH (python3 -m pip install schemathesis)";
        if std::env::var("REPATRIA_SCHEMATHESIS_REQUIRED").as_deref() == Ok("1") {
            panic!("the Schemathesis run is required but cannot happen: {reason}");
        }
        eprintln!("NOTICE: the Schemathesis run skipped: {reason}");
        return;
    };
    let demo = start_demo(200);
    let (_, admin, password) = demo
        .accounts
        .iter()
        .find(|(role, _, _)| role == "admin")
        .expect("the demo has an administrator")
        .clone();
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let token = runtime.block_on(async {
        let answer: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/api/auth/login", demo.url))
            .json(&serde_json::json!({ "username": admin, "password": password }))
            .send()
            .await
            .expect("login answers")
            .json()
            .await
            .expect("login answers JSON");
        answer["token"].as_str().expect("a token").to_string()
    });
    let examples = std::env::var("REPATRIA_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "15".into());
    let seed = std::env::var("REPATRIA_SCHEMATHESIS_SEED").unwrap_or_else(|_| "1".into());
    // Schemathesis keeps a cache of what failed beside where it runs: a directory of
    // the run's own, so that each run starts afresh and nothing is left in the tree.
    let workdir = tempfile::tempdir().expect("a temporary directory");
    let output = Command::new(&st)
        .current_dir(workdir.path())
        .arg("--config-file")
        .arg(repo_root().join("e2e/schemathesis.toml"))
        .args(["run", &format!("{}/api/openapi.json", demo.url)])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args([
            "--max-examples",
            &examples,
            "--seed",
            &seed,
            "--workers",
            "2",
        ])
        .args(["--no-color", "--request-timeout", "30"])
        // Logging out and changing the password end or change the session of the run;
        // disabling, resetting and unlocking accounts could lock the run's own account out.
        // Each has tests of its own (crates/repatria-server/tests/server/api.rs).
        .args(["--exclude-path", "/api/auth/logout"])
        .args(["--exclude-path", "/api/auth/password"])
        .args(["--exclude-path-regex", "^/api/users/.+"])
        .output()
        .expect("st runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let summary: String = stdout
        .lines()
        .skip_while(|l| !l.contains("SUMMARY"))
        .collect::<Vec<_>>()
        .join("\n");
    println!("{summary}");
    assert!(
        output.status.success(),
        "Schemathesis found failures:\n{stdout}\n{stderr}"
    );
    // The run tested every operation but those excluded above, and found nothing.
    assert!(
        stdout.contains("Tested: ") && !stdout.contains("Failures:"),
        "unexpected Schemathesis output:\n{stdout}"
    );
}
