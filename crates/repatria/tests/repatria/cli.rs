//! The `repatria` command line, run as a user runs it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use crate::support::{repatria, run, user_add};

use chrono::Utc;
use repatria_core::{fixtures, CaptiveId, EventId, Party};
use repatria_store::testing::{both_backends, TestDatabase};
use repatria_store::{Actor, Backend};

/// A database with three parties and two captives: five audit events.
async fn populated(backend: Backend) -> Option<TestDatabase> {
    let db = TestDatabase::create(backend).await?;
    let store = db.store().await;
    let actor = Actor::new("registrar-1");
    let now = Utc::now();
    for code in ["UA", "RU", "KP"] {
        store
            .create_party(&actor, Party::new(code, "Party").unwrap(), now)
            .await
            .unwrap();
    }
    for _ in 0..2 {
        let mut new = fixtures::new_captive("KP", "Kim", "Chol");
        new.claims.clear();
        store
            .create_captive(
                &actor,
                CaptiveId(uuid::Uuid::now_v7()),
                EventId(uuid::Uuid::now_v7()),
                new,
                now,
            )
            .await
            .unwrap();
    }
    store.close().await;
    Some(db)
}

fn verify(db: &TestDatabase) -> (bool, String, String) {
    run(&["audit", "verify", "--db", &db.url])
}

async fn tamper(db: &TestDatabase, statements: &[&str]) {
    let store = db.store().await;
    repatria_store::testing::tamper(&store, statements).await;
    store.close().await;
}

/// `audit verify` passes on an intact log, then fails, naming the event, after each kind
/// of tampering: a changed, deleted, reordered or inserted event.
async fn audit_verify_detects_a_changed_deleted_reordered_or_inserted_event(backend: Backend) {
    let cases: [(&str, &[&str], &str); 4] = [
        (
            "changed",
            &["UPDATE audit_events SET actor = 'someone-else' WHERE seq = 5"],
            "broken at event 5",
        ),
        (
            "deleted",
            &["DELETE FROM audit_events WHERE seq = 4"],
            "broken at event 5",
        ),
        (
            "reordered",
            &[
                "UPDATE audit_events SET seq = 1000 WHERE seq = 4",
                "UPDATE audit_events SET seq = 4 WHERE seq = 5",
                "UPDATE audit_events SET seq = 5 WHERE seq = 1000",
            ],
            "broken at event 4",
        ),
        (
            "inserted",
            &[
                "UPDATE audit_events SET seq = seq + 100 WHERE seq >= 3",
                "UPDATE audit_events SET seq = seq - 99 WHERE seq >= 103",
                "INSERT INTO audit_events (seq, at, actor, action, entity_type, entity_id, request_id, detail, prev_hash, hash) \
                 SELECT 3, at, 'forger', action, entity_type, 'forged', request_id, detail, prev_hash, hash FROM audit_events WHERE seq = 4",
            ],
            "broken at event 3",
        ),
    ];
    for (what, statements, expect) in cases {
        let Some(db) = populated(backend).await else {
            return;
        };
        let (ok, stdout, stderr) = verify(&db);
        assert!(ok, "intact log failed: {stderr}");
        assert_eq!(stdout.trim(), "audit log intact: 5 events checked");
        tamper(&db, statements).await;
        let (ok, _, stderr) = verify(&db);
        assert!(!ok, "{what} event went unnoticed");
        assert!(stderr.contains(expect), "{what}: {stderr}");
        assert_eq!(
            stderr.trim().lines().count(),
            1,
            "the reason is one line: {stderr}"
        );
    }
}

both_backends!(
    audit_verify_detects_a_changed_deleted_reordered_or_inserted_event,
    audit_checkpoints_from_the_command_line,
    a_backup_encrypted_to_a_recipient_restores_into_both_backends,
    serve_refuses_a_database_a_newer_version_migrated,
);

/// Once a newer version has migrated the database, an older server does not start on
/// it (docs/operations.md, "Upgrade"): here the database records a migration this
/// version does not have.
async fn serve_refuses_a_database_a_newer_version_migrated(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let store = db.store().await;
    let checksum = match backend {
        Backend::Sqlite => "X'00'",
        Backend::Postgres => "decode('00', 'hex')",
    };
    sqlx::query(&format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from a newer version', TRUE, {checksum}, 0)"
    ))
    .execute(store.pool())
    .await
    .unwrap();
    store.close().await;
    let output = repatria()
        .args(["serve", "--addr", "127.0.0.1:0", "--db", &db.url])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("migration 9999 was previously applied but is missing"),
        "{stderr}"
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).is_empty(),
        "it never listened"
    );
}

/// `backup` while the database is in use, encrypted to an age recipient; `restore` into
/// an empty SQLite and an empty PostgreSQL database with the identity, the audit log
/// verified; refused without the identity, with another one, and into a database that
/// holds anything.
async fn a_backup_encrypted_to_a_recipient_restores_into_both_backends(backend: Backend) {
    use age::secrecy::ExposeSecret;
    let Some(db) = populated(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let key = age::x25519::Identity::generate();
    let identity = dir.path().join("backup.key");
    std::fs::write(&identity, format!("{}\n", key.to_string().expose_secret())).unwrap();
    let other = dir.path().join("other.key");
    std::fs::write(
        &other,
        format!(
            "{}\n",
            age::x25519::Identity::generate()
                .to_string()
                .expose_secret()
        ),
    )
    .unwrap();
    let file = dir.path().join("registry.backup");
    let file_arg = file.to_str().unwrap();
    let (ok, stdout, stderr) = run(&[
        "backup",
        "--db",
        &db.url,
        "--out",
        file_arg,
        "--recipient",
        &key.to_public().to_string(),
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("2 captives") && stdout.contains("encrypted to 1 recipient"),
        "{stdout}"
    );
    assert!(
        std::fs::read(&file)
            .unwrap()
            .starts_with(b"age-encryption.org/v1"),
        "the file is encrypted"
    );
    let (ok, _, stderr) = run(&["backup", "--db", &db.url, "--out", file_arg]);
    assert!(
        !ok && stderr.contains("must not exist"),
        "a backup never overwrites: {stderr}"
    );

    for target_backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(target) = TestDatabase::create(target_backend).await else {
            continue;
        };
        let (ok, _, stderr) = run(&["restore", file_arg, "--db", &target.url]);
        assert!(!ok && stderr.contains("--identity"), "{stderr}");
        let (ok, _, stderr) = run(&[
            "restore",
            file_arg,
            "--db",
            &target.url,
            "--identity",
            other.to_str().unwrap(),
        ]);
        assert!(!ok && stderr.contains("cannot decrypt"), "{stderr}");
        let (ok, stdout, stderr) = run(&[
            "restore",
            file_arg,
            "--db",
            &target.url,
            "--identity",
            identity.to_str().unwrap(),
        ]);
        assert!(ok, "{target_backend:?}: {stderr}");
        assert!(
            stdout.contains("2 captives") && stdout.contains("verifies"),
            "{stdout}"
        );
        let (ok, _, _) = verify(&target);
        assert!(ok, "the restored log verifies with `audit verify`");
        let (ok, _, stderr) = run(&[
            "restore",
            file_arg,
            "--db",
            &target.url,
            "--identity",
            identity.to_str().unwrap(),
        ]);
        assert!(!ok && stderr.contains("not empty"), "{stderr}");
    }
}

/// keygen → checkpoint → verify: the key file is private and never overwritten; a
/// checkpoint verifies under its key and not another's; after an insider rewrote the log
/// and recomputed its chain, plain `audit verify` still passes and `audit verify
/// --checkpoint` fails naming the checkpoint.
async fn audit_checkpoints_from_the_command_line(backend: Backend) {
    let Some(db) = populated(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("audit.key");
    let key = key.to_str().unwrap();
    let (ok, vkey, stderr) = run(&[
        "audit",
        "keygen",
        "--name",
        "test.example/audit",
        "--out",
        key,
    ]);
    assert!(ok, "{stderr}");
    let vkey = vkey.trim().to_string();
    assert!(vkey.starts_with("test.example/audit+"), "{vkey}");
    assert_eq!(vkey.lines().count(), 1);
    let written = std::fs::read_to_string(key).unwrap();
    assert!(written.starts_with("PRIVATE+KEY+test.example/audit+"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "key file mode {mode:o}");
    }
    let (ok, _, stderr) = run(&["audit", "keygen", "--name", "other", "--out", key]);
    assert!(!ok, "an existing key file was overwritten");
    assert!(stderr.contains("already exists"), "{stderr}");
    assert_eq!(std::fs::read_to_string(key).unwrap(), written);
    let other_key = dir.path().join("other.key");
    let (ok, _, stderr) = run(&[
        "audit",
        "keygen",
        "--name",
        "two words",
        "--out",
        other_key.to_str().unwrap(),
    ]);
    assert!(!ok && stderr.contains("invalid"), "{stderr}");
    assert!(!other_key.exists());
    let (ok, other_vkey, _) = run(&[
        "audit",
        "keygen",
        "--name",
        "test.example/audit",
        "--out",
        other_key.to_str().unwrap(),
    ]);
    assert!(ok);

    let (ok, note, stderr) = run(&["audit", "checkpoint", "--key", key, "--db", &db.url]);
    assert!(ok, "{stderr}");
    assert!(note.starts_with("test.example/audit\n5\n"), "{note}");
    assert!(!note.contains("PRIVATE"), "{note}");
    let checkpoint = dir.path().join("checkpoint-5");
    std::fs::write(&checkpoint, &note).unwrap();
    let checkpoint = checkpoint.to_str().unwrap();

    // `audit verify` against the checkpoint, with the key arguments given.
    let against_checkpoint = |key: &[&str]| {
        let verify = [
            "audit",
            "verify",
            "--db",
            &db.url,
            "--checkpoint",
            checkpoint,
        ];
        run(&[&verify[..], key].concat())
    };
    let (ok, stdout, stderr) = against_checkpoint(&["--vkey", &vkey]);
    assert!(ok, "{stderr}");
    assert_eq!(
        stdout,
        format!("audit log intact: 5 events checked\ncheckpoint {checkpoint} holds: 5 events, origin test.example/audit\n")
    );
    let (ok, _, stderr) = against_checkpoint(&["--vkey", other_vkey.trim()]);
    assert!(
        !ok,
        "a checkpoint verified under a key that did not sign it"
    );
    assert!(
        stderr.contains(&format!("checkpoint {checkpoint} cannot be used"))
            && stderr.contains("signature"),
        "{stderr}"
    );
    let (ok, _, stderr) = against_checkpoint(&["--vkey", "not-a-key"]);
    assert!(!ok && stderr.contains("--vkey"), "{stderr}");
    let (ok, _, stderr) = against_checkpoint(&[]);
    assert!(!ok && stderr.contains("give --vkey"), "{stderr}");

    // The insider's rewrite: the chain verifies, the checkpoint does not.
    let store = db.store().await;
    repatria_store::testing::rewrite_history(&store, 2, r#"{"forged":true}"#).await;
    store.close().await;
    let (ok, stdout, stderr) = verify(&db);
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "audit log intact: 5 events checked\n");
    let (ok, _, stderr) = against_checkpoint(&["--vkey", &vkey]);
    assert!(!ok, "the rewritten log passed its checkpoint");
    assert!(
        stderr.contains(&format!("contradicts checkpoint {checkpoint}"))
            && stderr.contains("rewritten or forked"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

#[test]
fn a_database_that_cannot_be_opened_is_a_one_line_error() {
    let output = repatria()
        .args(["audit", "verify", "--db", "mysql://nowhere/db"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unsupported database URL"), "{stderr}");
    let output = repatria()
        .args([
            "audit",
            "verify",
            "--db",
            "postgres://u:secret@127.0.0.1:1/x",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && !stderr.contains("secret"),
        "the password leaked: {stderr}"
    );
}

/// A server process that is killed when the test ends.
struct Server {
    child: Child,
    base: String,
    /// `account ROLE USERNAME PASSWORD` lines printed after the URL.
    accounts: Vec<(String, String, String)>,
    /// The demo's `audit-vkey VKEY` line, after the accounts.
    audit_vkey: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `repatria ARGS --addr 127.0.0.1:0`, waits for the line with its URL and reads
/// the `expected_accounts` account lines that follow it.
fn start(args: &[&str], dir: &std::path::Path, expected_accounts: usize) -> Server {
    let mut child = repatria()
        .args(args)
        .args(["--addr", "127.0.0.1:0"])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let line = lines.next().expect("the server printed nothing").unwrap();
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .trim_end_matches('/')
        .to_string();
    let mut accounts = Vec::new();
    for _ in 0..expected_accounts {
        let line = lines.next().expect("an account line").unwrap();
        let words: Vec<&str> = line.split(' ').collect();
        assert!(
            words.len() == 4 && words[0] == "account",
            "not an account line: {line:?}"
        );
        accounts.push((
            words[1].to_string(),
            words[2].to_string(),
            words[3].to_string(),
        ));
    }
    let audit_vkey = (args.first() == Some(&"demo")).then(|| {
        let line = lines.next().expect("an audit-vkey line").unwrap();
        line.strip_prefix("audit-vkey ")
            .unwrap_or_else(|| panic!("not an audit-vkey line: {line:?}"))
            .to_string()
    });
    // Keep draining stdout so that the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server {
        child,
        base,
        accounts,
        audit_vkey,
    }
}

/// Logs in and returns the session token.
async fn login(base: &str, username: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/api/auth/login"))
        .json(&serde_json::json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap()
}

async fn get_json(url: String, token: &str) -> serde_json::Value {
    reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[test]
fn serve_refuses_an_unreadable_or_malformed_audit_key() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.key");
    let malformed = dir.path().join("malformed.key");
    std::fs::write(&malformed, "PRIVATE+KEY+x+00000000+AAAA\n").unwrap();
    for (path, fragment) in [
        (&missing, "cannot read the key file"),
        (&malformed, "is not a signing key"),
    ] {
        let output = repatria()
            .args(["serve", "--addr", "127.0.0.1:0", "--audit-key"])
            .arg(path)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success());
        assert!(
            stderr.contains("--audit-key") && stderr.contains(fragment),
            "{stderr}"
        );
    }
}

#[tokio::test]
async fn serve_creates_the_default_sqlite_file_and_answers_health_checks() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&["serve"], dir.path(), 0);
    let health = reqwest::get(format!("{}/healthz", server.base))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert!(
        dir.path().join("repatria.db").exists(),
        "the default database file was not created"
    );
}

#[tokio::test]
async fn the_demo_serves_the_story_and_thousands_of_generated_captives() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&["demo"], dir.path(), 10);
    let roles: Vec<&str> = server
        .accounts
        .iter()
        .map(|(role, _, _)| role.as_str())
        .collect();
    assert_eq!(
        roles,
        [
            "admin",
            "registrar",
            "investigator",
            "medical",
            "tracing_officer",
            "negotiator",
            "media_officer",
            "auditor",
            "icrc_delegate",
            "journalist"
        ]
    );
    let passwords: std::collections::HashSet<&str> =
        server.accounts.iter().map(|(_, _, p)| p.as_str()).collect();
    assert_eq!(passwords.len(), 10, "every account has its own password");
    let (_, registrar, password) = &server.accounts[1];
    let answer = login(&server.base, registrar, "wrong password").await;
    assert_eq!(answer.status(), 401);
    let answer: serde_json::Value = login(&server.base, registrar, password)
        .await
        .json()
        .await
        .unwrap();
    let token = answer["token"].as_str().unwrap().to_string();

    // The demo signs audit checkpoints with an ephemeral key whose verifier it printed.
    let (_, auditor, password) = &server.accounts[7];
    let answer: serde_json::Value = login(&server.base, auditor, password)
        .await
        .json()
        .await
        .unwrap();
    let note = reqwest::Client::new()
        .get(format!("{}/api/audit/checkpoint", server.base))
        .bearer_auth(answer["token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let vkey = repatria_tlog::Verifier::parse(server.audit_vkey.as_deref().unwrap()).unwrap();
    let opened = repatria_tlog::open(&note, &[vkey]).unwrap();
    let checkpoint = repatria_tlog::Checkpoint::parse(&opened.text).unwrap();
    assert_eq!(checkpoint.origin, "repatria-demo/audit");
    assert!(checkpoint.size > 2000, "{}", checkpoint.size);

    let list = get_json(format!("{}/api/captives?limit=5", server.base), &token).await;
    assert!(list["total"].as_u64().unwrap() >= 2000, "{}", list["total"]);
    for origin in ["RU", "UA", "KP"] {
        let page = get_json(
            format!(
                "{}/api/captives?power_of_origin={origin}&limit=1",
                server.base
            ),
            &token,
        )
        .await;
        assert!(
            page["total"].as_u64().unwrap() > 100,
            "few captives from {origin}"
        );
    }
    // The soldier with another man's papers is found under the name in those papers,
    // and his record says the document is not his.
    let found = get_json(
        format!(
            "{}/api/captives?q=%D0%9A%D0%B8%D0%BC%D0%BE%D0%B2",
            server.base
        ),
        &token,
    )
    .await;
    assert_eq!(found["total"], 1, "{found}");
    let id = found["items"][0]["id"].as_str().unwrap();
    let record = get_json(format!("{}/api/captives/{id}", server.base), &token).await;
    let claims = record["identity_claims"].as_array().unwrap();
    assert!(claims.iter().any(|c| c["document_not_bearers"] == true));
    assert_eq!(record["interpreter_required"], true);
    assert!(record["interviews"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| !i["interpreter"].is_null()));
    // The exchanges: one at the crossing with persons decided and one withdrawn, one
    // still negotiating.
    let (_, negotiator, password) = &server.accounts[5];
    let answer: serde_json::Value = login(&server.base, negotiator, password)
        .await
        .json()
        .await
        .unwrap();
    let exchanges = get_json(
        format!("{}/api/exchanges", server.base),
        answer["token"].as_str().unwrap(),
    )
    .await;
    let states: Vec<&str> = exchanges["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["negotiating", "in_progress"], "{exchanges}");
    let counts = &exchanges["items"][1]["counts"];
    assert_eq!(counts["planned"], 17, "{counts}");
    assert_eq!(counts["pending"], 11, "{counts}");
    assert_eq!(
        counts["balanced"], false,
        "a withdrawal left it short: {counts}"
    );
    // The tracing part: two enquiries, one with a candidate, and a reconciled list.
    let (_, tracer, password) = &server.accounts[4];
    let answer: serde_json::Value = login(&server.base, tracer, password)
        .await
        .json()
        .await
        .unwrap();
    let tracer_token = answer["token"].as_str().unwrap().to_string();
    let requests = get_json(
        format!("{}/api/tracing/requests", server.base),
        &tracer_token,
    )
    .await;
    let statuses: Vec<&str> = requests["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["candidates_found", "open"], "{requests}");
    let imports = get_json(format!("{}/api/imports", server.base), &tracer_token).await;
    let import = imports["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "list")
        .unwrap_or_else(|| panic!("{imports}"))["id"]
        .as_str()
        .unwrap();
    let report = get_json(
        format!("{}/api/imports/{import}/report", server.base),
        &tracer_token,
    )
    .await;
    let categories: Vec<&str> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["category"].as_str().unwrap())
        .collect();
    assert_eq!(categories[0], "captive", "{report}");
    assert_eq!(categories[2], "tracing_request", "{report}");
    assert_eq!(categories[4], "new", "{report}");
    assert!(
        dir.path().read_dir().unwrap().next().is_none(),
        "the demo wrote into the working directory"
    );
}

#[tokio::test]
async fn user_add_reads_the_password_from_stdin_and_refuses_duplicates_and_unknown_roles() {
    let db = TestDatabase::create(Backend::Sqlite).await.unwrap();
    let ok = user_add(&db.url, "registrar-7", "registrar", "a good long password");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let store = db.store().await;
    let user = store.get_user("registrar-7").await.unwrap().unwrap();
    assert_eq!(user.role, repatria_core::Role::Registrar);
    assert!(
        user.password_hash.starts_with("$argon2id$"),
        "stored as an Argon2id hash"
    );
    assert!(!user.password_hash.contains("a good long password"));

    for (name, role, password, expect) in [
        (
            "registrar-7",
            "registrar",
            "a good long password",
            "exists already",
        ),
        ("someone", "king", "a good long password", "--role"),
        ("someone", "registrar", "short", "at least 12"),
        ("Some One", "registrar", "a good long password", "NAME"),
    ] {
        let output = user_add(&db.url, name, role, password);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{name} {role} accepted");
        assert!(stderr.contains(expect), "{name} {role}: {stderr}");
    }
}
