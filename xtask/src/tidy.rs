//! Architecture rules checked by machine rather than by memory (ARCHITECTURE.md,
//! Invariants).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;

/// The engines: pure libraries that never do I/O nor read the clock. `repatria-lists`
/// parses list files, but from bytes its callers read; `repatria-documents` writes
/// documents, but as bytes its callers store or send.
pub const ENGINES: &[&str] = &[
    "repatria-core",
    "repatria-match",
    "repatria-exchange",
    "repatria-lists",
    "repatria-tlog",
    "repatria-documents",
];

/// Crates that mean I/O, async runtimes or databases; none may reach an engine.
const FORBIDDEN_IN_ENGINES: &[&str] = &[
    "tokio",
    "async-std",
    "mio",
    "sqlx",
    "rusqlite",
    "postgres",
    "tokio-postgres",
    "axum",
    "hyper",
    "reqwest",
    "tower",
    "tracing-subscriber",
];

/// The HTTP and web-page crates: only `repatria-server` may name them as dependencies,
/// and the application layer (`repatria-app`) may not reach them at all.
const WEB_CRATES: &[&str] = &["axum", "tower", "tower-http", "hyper", "minijinja"];

/// The one crate that knows HTTP.
const WEB_ADAPTER: &str = "repatria-server";

/// The application layer: the use cases, with no HTTP and no command line.
const APPLICATION: &str = "repatria-app";

/// The layers: what each of the workspace's own crates may not depend on (normal
/// dependencies, directly or through others). The store knows nothing of the use cases
/// or HTTP; the use cases nothing of the adapters; nothing ships the test support.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "repatria-store",
        &[
            "repatria-app",
            "repatria-server",
            "repatria",
            "repatria-testing",
        ],
    ),
    (
        "repatria-app",
        &["repatria-server", "repatria", "repatria-testing"],
    ),
    ("repatria-server", &["repatria", "repatria-testing"]),
    ("repatria", &["repatria-testing"]),
];

/// Source patterns that mean I/O or the clock.
const FORBIDDEN_CALLS: &[&str] = &[
    "std::fs",
    "std::net",
    "std::process",
    "std::env::var",
    "Utc::now",
    "Local::now",
    "SystemTime::now",
    "Instant::now",
    "File::open",
    "File::create",
    "thread_rng",
    "now_v7",
    "new_v4",
];

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_path_buf()
}

/// Every problem found; empty when the tree is tidy.
pub fn check(root: &Path) -> anyhow::Result<Vec<String>> {
    let mut problems = engine_dependencies(root)?;
    for engine in ENGINES {
        problems.extend(engine_sources(
            &root.join("crates").join(engine).join("src"),
            engine,
        )?);
    }
    problems.extend(module_docs(&root.join("crates"))?);
    problems.extend(binary_uses_the_server_only_to_serve(
        &root.join("crates").join("repatria").join("src"),
    )?);
    problems.extend(store_transactions_begin_in_the_write_module(
        &root.join("crates").join("repatria-store").join("src"),
    )?);
    problems.extend(api_routes_are_documented(
        &root
            .join("crates")
            .join("repatria-server")
            .join("src")
            .join("routes"),
    )?);
    Ok(problems)
}

/// The normal (non-dev) dependency closure of each engine holds no forbidden crate.
fn engine_dependencies(root: &Path) -> anyhow::Result<Vec<String>> {
    let host = host_triple()?;
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--filter-platform",
            &host,
        ])
        .current_dir(root)
        .output()
        .context("cannot run cargo metadata")?;
    anyhow::ensure!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let names: HashMap<&str, &str> = metadata["packages"]
        .as_array()
        .context("packages")?
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p["name"].as_str()?)))
        .collect();
    let nodes: HashMap<&str, Vec<&str>> = metadata["resolve"]["nodes"]
        .as_array()
        .context("resolve")?
        .iter()
        .filter_map(|node| {
            let deps = node["deps"]
                .as_array()?
                .iter()
                .filter(|d| {
                    d["dep_kinds"]
                        .as_array()
                        .is_some_and(|kinds| kinds.iter().any(|k| k["kind"].is_null()))
                })
                .filter_map(|d| d["pkg"].as_str())
                .collect();
            Some((node["id"].as_str()?, deps))
        })
        .collect();
    // Every crate `krate` depends on, itself included, through normal dependencies.
    let closure = |krate: &str| -> Vec<&str> {
        let Some((start, _)) = names.iter().find(|(_, name)| **name == krate) else {
            return Vec::new();
        };
        let mut seen = BTreeSet::new();
        let mut stack = vec![*start];
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            stack.extend(nodes.get(id).into_iter().flatten());
        }
        seen.into_iter()
            .map(|id| names.get(id).copied().unwrap_or_default())
            .collect()
    };
    let mut problems = Vec::new();
    for engine in ENGINES {
        for name in closure(engine) {
            if FORBIDDEN_IN_ENGINES.contains(&name) {
                problems.push(format!(
                    "engine {engine} depends on {name}, which does I/O; engines stay pure"
                ));
            }
        }
    }
    for name in closure(APPLICATION) {
        if WEB_CRATES.contains(&name) {
            problems.push(format!(
                "{APPLICATION} depends on {name}: the application layer knows no HTTP"
            ));
        }
    }
    problems.extend(layer_problems(LAYERS, closure));
    // Direct dependencies of the workspace's own crates: the web crates only in the server.
    let members: BTreeSet<&str> = metadata["workspace_members"]
        .as_array()
        .context("workspace_members")?
        .iter()
        .filter_map(|id| id.as_str())
        .collect();
    for id in &members {
        let member = names.get(id).copied().unwrap_or_default();
        if member == WEB_ADAPTER {
            continue;
        }
        for dependency in nodes.get(id).into_iter().flatten() {
            let name = names.get(dependency).copied().unwrap_or_default();
            if WEB_CRATES.contains(&name) {
                problems.push(format!(
                    "{member} depends on {name}; only {WEB_ADAPTER} knows HTTP and web pages"
                ));
            }
        }
    }
    Ok(problems)
}

/// The layers' rules broken, given each crate's dependency closure.
fn layer_problems<'a>(
    layers: &[(&str, &[&str])],
    closure: impl Fn(&str) -> Vec<&'a str>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (layer, forbidden) in layers {
        for name in closure(layer) {
            if forbidden.contains(&name) {
                problems.push(format!(
                    "{layer} depends on {name}: see ARCHITECTURE.md, who may depend on whom"
                ));
            }
        }
    }
    problems
}

fn host_triple() -> anyhow::Result<String> {
    let output = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("-vV")
        .output()
        .context("cannot run rustc -vV")?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(String::from))
        .context("rustc -vV printed no host")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// Engine sources call nothing that does I/O or reads the clock (test modules included:
/// engine tests run on data, not on resources).
fn engine_sources(dir: &Path, engine: &str) -> anyhow::Result<Vec<String>> {
    let mut files = Vec::new();
    rust_files(dir, &mut files)?;
    let mut problems = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)?;
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for pattern in FORBIDDEN_CALLS {
                if code.contains(pattern) {
                    problems.push(format!(
                        "{}:{}: engine {engine} uses {pattern}; pass data and time in instead",
                        file.display(),
                        number + 1
                    ));
                }
            }
        }
    }
    Ok(problems)
}

/// The store's module that begins every transaction: audited writes, housekeeping and
/// read snapshots (ARCHITECTURE.md, "No write without its audit event").
const STORE_WRITE_MODULE: &str = "write.rs";

/// Test databases (feature `testing`) copy and tamper with data past the store, on
/// purpose.
const STORE_TESTING_MODULE: &str = "testing.rs";

/// Only the store's write module begins a transaction, so that no write can skip the
/// audit head and its event.
fn store_transactions_begin_in_the_write_module(src: &Path) -> anyhow::Result<Vec<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files)?;
    let mut problems = Vec::new();
    for file in files {
        if file.ends_with(STORE_WRITE_MODULE) || file.ends_with(STORE_TESTING_MODULE) {
            continue;
        }
        let text = std::fs::read_to_string(&file)?;
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for pattern in ["begin_write", ".begin()"] {
                if code.contains(pattern) {
                    problems.push(format!(
                        "{}:{}: {pattern} outside the store's {STORE_WRITE_MODULE}; write through SqlStore::write (or housekeeping)",
                        file.display(),
                        number + 1
                    ));
                }
            }
        }
    }
    Ok(problems)
}

/// The file of the binary that starts the server (`serve`, `demo`); everything else the
/// binary does goes through the application layer.
const SERVING: &str = "commands/serve.rs";

/// The binary names `repatria_server` only where it starts the server.
fn binary_uses_the_server_only_to_serve(src: &Path) -> anyhow::Result<Vec<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files)?;
    let mut problems = Vec::new();
    for file in files {
        if file.ends_with(SERVING) {
            continue;
        }
        let text = std::fs::read_to_string(&file)?;
        if text.contains("repatria_server") {
            problems.push(format!(
                "{}: the binary uses repatria_server only to serve ({SERVING}); call repatria_app",
                file.display()
            ));
        }
    }
    Ok(problems)
}

/// The path of the OpenAPI document itself, the one API route the document does not
/// describe.
const OPENAPI_PATH: &str = "OPENAPI_PATH";

/// The API's routes are registered only through utoipa-axum's `routes!` (in
/// `routes/mod.rs`), which adds each operation to the router and to the OpenAPI document
/// at once: a plain axum `.route(` under the server's `routes` would serve an operation
/// the document does not describe. The document's own route is the exception; the web
/// pages (`src/web`) are not part of the API and are not checked.
fn api_routes_are_documented(routes: &Path) -> anyhow::Result<Vec<String>> {
    let mut files = Vec::new();
    rust_files(routes, &mut files)?;
    let mut problems = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)?;
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for pattern in [".route(", ".route_service("] {
                if code.contains(pattern) && !code.contains(OPENAPI_PATH) {
                    problems.push(format!(
                        "{}:{}: {pattern} registers an API route outside the OpenAPI document; add it with routes! in routes/mod.rs",
                        file.display(),
                        number + 1
                    ));
                }
            }
        }
    }
    Ok(problems)
}

/// Every source file starts with a `//!` line saying what it is for.
fn module_docs(crates: &Path) -> anyhow::Result<Vec<String>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(crates)? {
        rust_files(&entry?.path().join("src"), &mut files)?;
    }
    let mut problems = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)?;
        if !text.trim_start().starts_with("//!") {
            problems.push(format!(
                "{}: start the file with a //! line saying what it is for",
                file.display()
            ));
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_is_tidy() {
        let problems = check(&workspace_root()).unwrap();
        assert!(
            problems.is_empty(),
            "tidy problems:\n{}",
            problems.join("\n")
        );
    }

    #[test]
    fn a_transaction_begun_outside_the_stores_write_module_is_reported() {
        let dir = std::env::temp_dir().join(format!("repatria-tidy-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let begin = "//! x\nasync fn f(s: &S) { let tx = s.pool.begin().await; }\n";
        std::fs::write(dir.join("media.rs"), begin).unwrap();
        std::fs::write(dir.join("write.rs"), begin).unwrap();
        std::fs::write(
            dir.join("links.rs"),
            "//! x\nasync fn g(s: &S) { s.begin_write().await; }\n// .begin() in a comment is fine\n",
        )
        .unwrap();
        let mut problems = store_transactions_begin_in_the_write_module(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        problems.sort();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("links.rs:2") && problems[0].contains("begin_write"));
        assert!(problems[1].contains("media.rs:2") && problems[1].contains(".begin()"));
    }

    #[test]
    fn a_dependency_against_the_layers_is_reported_even_when_indirect() {
        // The store reaching the use cases through another crate, and the server
        // shipping the test support.
        let closure = |krate: &str| -> Vec<&'static str> {
            match krate {
                "repatria-store" => vec![
                    "repatria-store",
                    "repatria-core",
                    "some-helper",
                    "repatria-app",
                ],
                "repatria-app" => vec!["repatria-app", "repatria-store", "repatria-core"],
                "repatria-server" => vec!["repatria-server", "repatria-app", "repatria-testing"],
                _ => vec![],
            }
        };
        let problems = layer_problems(LAYERS, closure);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("repatria-store depends on repatria-app"));
        assert!(problems[1].starts_with("repatria-server depends on repatria-testing"));
    }

    #[test]
    fn a_plain_route_in_the_api_is_reported() {
        let dir = std::env::temp_dir().join(format!("repatria-tidy-routes-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("captives")).unwrap();
        std::fs::write(
            dir.join("mod.rs"),
            "//! x\nfn api() { r.routes(routes!(a::get)).route_layer(l);\n\
             r.route(OPENAPI_PATH, get(doc)); }\n// .route( in a comment is fine\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("captives").join("mod.rs"),
            "//! x\nfn extra() -> Router {\n    Router::new().route(\"/api/x\", get(x))\n}\n",
        )
        .unwrap();
        let problems = api_routes_are_documented(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("captives/mod.rs:3") && problems[0].contains(".route("),
            "{problems:?}"
        );
    }

    #[test]
    fn forbidden_calls_in_an_engine_are_reported() {
        let dir = std::env::temp_dir().join(format!("repatria-tidy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("lib.rs"),
            "//! x\nfn f() { let t = chrono::Utc::now(); }\n// Utc::now in a comment is fine\n",
        )
        .unwrap();
        let problems = engine_sources(&dir, "repatria-core").unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("lib.rs:2") && problems[0].contains("Utc::now"));
    }
}
