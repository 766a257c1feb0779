//! `cargo xtask screenshots`: starts `repatria demo` on a free port and takes a screenshot
//! of every page of the web interface into `docs/screenshots/` with `e2e/screenshots.mjs`
//! (playwright-core driving Debian's Chromium).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context};

pub fn run(root: &Path) -> anyhow::Result<()> {
    let e2e = root.join("e2e");
    if !e2e.join("node_modules/playwright-core").exists() {
        println!("installing playwright-core (npm ci in e2e/)");
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&e2e)
            .status()
            .context("cannot run npm (install Node.js)")?;
        if !status.success() {
            bail!("npm ci failed in e2e/");
        }
    }
    let chromium =
        std::env::var("REPATRIA_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        bail!("no Chromium at {chromium}: apt-get install chromium (or set REPATRIA_CHROMIUM)");
    }
    let mut demo = Command::new("cargo")
        .args([
            "run",
            "--quiet",
            "-p",
            "repatria",
            "--",
            "demo",
            "--addr",
            "127.0.0.1:0",
            "--captives",
            "300",
        ])
        .current_dir(root)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot start repatria demo")?;
    let result = (|| {
        let stdout = demo.stdout.take().context("no output of the demo")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut url = None;
        let mut accounts = serde_json::Map::new();
        while accounts.len() < 10 {
            let line = lines
                .next()
                .context("the demo stopped before printing its accounts")??;
            if let Some(rest) = line.strip_prefix("Repatria is listening on ") {
                url = rest
                    .split_whitespace()
                    .next()
                    .map(|u| u.trim_end_matches('/').to_string());
            } else if let Some(rest) = line.strip_prefix("account ") {
                let parts: Vec<&str> = rest.split(' ').collect();
                if let [role, username, password] = parts[..] {
                    accounts.insert(
                        role.into(),
                        serde_json::json!({ "username": username, "password": password }),
                    );
                }
            }
        }
        std::thread::spawn(move || for _ in lines.by_ref() {});
        let url = url.context("the demo did not say where it listens")?;
        let status = Command::new("node")
            .arg("screenshots.mjs")
            .current_dir(&e2e)
            .env("REPATRIA_URL", &url)
            .env(
                "REPATRIA_ACCOUNTS",
                serde_json::Value::Object(accounts).to_string(),
            )
            .env("REPATRIA_SCREENSHOTS", root.join("docs/screenshots"))
            .status()
            .context("cannot run node")?;
        if !status.success() {
            bail!("taking the screenshots failed");
        }
        Ok(())
    })();
    let _ = demo.kill();
    let _ = demo.wait();
    result
}
