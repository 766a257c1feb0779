//! The example deployment of `deploy/`, started on the loopback: nginx with
//! `deploy/nginx/repatria.conf` (addresses, name and paths replaced) terminating TLS
//! with a self-signed certificate, in front of two `repatria serve` processes started
//! with the `ExecStart` line of `deploy/systemd/repatria@.service` and the settings of
//! `deploy/systemd/repatria.env`, on a PostgreSQL database of the test's own. Through
//! HTTPS: a login, a captive registered, his record read and a search through both
//! servers (each server's own request figures say that both answered, and never 401),
//! HSTS from the trusted proxy, `/metrics` not answered from outside in any spelling,
//! plain HTTP sent to HTTPS, no query text in the access log, and the requests still
//! answered when one server dies.
//!
//! Needs `nginx` (Debian's package `nginx`) and the `openssl` command. Without them the
//! test prints a notice and passes, unless `REPATRIA_DEPLOY_REQUIRED=1` (set by
//! `.ci/run`), where it fails. Needs PostgreSQL as the store's tests do
//! (`REPATRIA_TEST_PG_URL`).

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use repatria_store::testing::TestDatabase;
use repatria_store::Backend;
use serde_json::{json, Value};

use crate::support::{repatria, user_add};

const NGINX_CONF: &str = include_str!("../../../../deploy/nginx/repatria.conf");
const UNIT: &str = include_str!("../../../../deploy/systemd/repatria@.service");
const ENV_FILE: &str = include_str!("../../../../deploy/systemd/repatria.env");

const PASSWORD: &str = "a long deployment password";

/// The nginx program: `REPATRIA_NGINX`, else `nginx` on the PATH or in /usr/sbin.
fn nginx_program() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("REPATRIA_NGINX") {
        return Some(PathBuf::from(path));
    }
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain([PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join("nginx"))
        .find(|path| path.is_file())
}

/// What this test needs, or why it cannot run here.
fn prerequisites() -> Result<PathBuf, String> {
    let nginx = nginx_program().ok_or("no nginx (apt-get install nginx)")?;
    if Command::new(&nginx).arg("-v").output().is_err() {
        return Err(format!("{} does not run", nginx.display()));
    }
    if Command::new("openssl").arg("version").output().is_err() {
        return Err("no openssl command (apt-get install openssl)".into());
    }
    Ok(nginx)
}

/// A free port on the loopback (free when asked; nginx binds it a moment later).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A self-signed certificate for `localhost` and 127.0.0.1 (not a CA, as TLS clients
/// require of a server's certificate): (certificate, key) paths.
fn certificate(dir: &Path) -> (PathBuf, PathBuf) {
    let config = dir.join("openssl.cnf");
    std::fs::write(
        &config,
        "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = localhost\n[ext]\n\
         basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\n\
         extendedKeyUsage = serverAuth\nsubjectAltName = DNS:localhost, IP:127.0.0.1\n",
    )
    .unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let output = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .args([
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "2",
            "-extensions",
            "ext",
        ])
        .arg("-config")
        .arg(&config)
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (cert, key)
}

/// `text` with each `(from, to)` replaced; every `from` must be in it, so that the
/// example cannot change under the test unseen.
fn substitute(text: &str, replacements: &[(&str, String)]) -> String {
    let mut text = text.to_string();
    for (from, to) in replacements {
        assert!(
            text.contains(from),
            "{from:?} is no longer in the example; change the test with it"
        );
        text = text.replace(from, to);
    }
    text
}

/// nginx, run in the foreground from `dir`; stopped (`nginx -s stop`) when dropped.
struct Nginx {
    child: Child,
    program: PathBuf,
    dir: PathBuf,
}

impl Nginx {
    /// `nginx` with the prefix, configuration and error log of `dir`.
    fn command(program: &Path, dir: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .arg("-e")
            .arg(dir.join("error.log"));
        command
    }

    /// Starts nginx with `site` (the example, substituted) and waits until it listens
    /// on `https`.
    fn start(program: &Path, dir: &Path, site: &str, https: u16) -> Nginx {
        std::fs::write(dir.join("repatria.conf"), site).unwrap();
        let d = dir.display();
        std::fs::write(
            dir.join("nginx.conf"),
            format!(
                "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\n\
                 events {{ worker_connections 64; }}\n\
                 http {{\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
                 fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n\
                 scgi_temp_path {d}/scgi;\n  access_log off;\n  include {d}/repatria.conf;\n}}\n"
            ),
        )
        .unwrap();
        let child = Nginx::command(program, dir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut nginx = Nginx {
            child,
            program: program.to_path_buf(),
            dir: dir.to_path_buf(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", https)).is_err() {
            if let Ok(Some(status)) = nginx.child.try_wait() {
                panic!(
                    "nginx stopped ({status}): {}",
                    std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
                );
            }
            assert!(Instant::now() < deadline, "nginx did not listen on {https}");
            std::thread::sleep(Duration::from_millis(50));
        }
        nginx
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // Its workers outlive a killed master: ask it to stop, and kill only if it hangs.
        let _ = Nginx::command(&self.program, &self.dir)
            .args(["-s", "stop"])
            .output();
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `repatria serve` process; killed when dropped.
struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`, where only the test and nginx reach it.
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a server as the systemd unit does: its `ExecStart` (the port `%i` chosen by
/// the system) with the settings of the environment file, the database replaced.
fn start_server(db: &str) -> Server {
    let exec = UNIT
        .lines()
        .find_map(|line| line.strip_prefix("ExecStart="))
        .expect("the unit has an ExecStart line");
    let mut words = exec.split_whitespace();
    assert_eq!(words.next(), Some("/usr/local/bin/repatria"));
    let args: Vec<String> = words.map(|w| w.replace("%i", "0")).collect();
    assert!(
        args.windows(2)
            .any(|w| w[0] == "--trusted-proxy" && w[1] == "127.0.0.1"),
        "the servers believe nginx's forwarded headers: {exec}"
    );
    let mut command = repatria();
    command.args(&args).env_clear();
    for (key, value) in ["PATH", "HOME"]
        .iter()
        .filter_map(|k| Some((k.to_string(), std::env::var(k).ok()?)))
    {
        command.env(key, value);
    }
    let mut database_set = false;
    for line in ENV_FILE.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once('=').expect("KEY=VALUE");
        let value = match key {
            "REPATRIA_DB" => {
                database_set = true;
                db
            }
            // Quiet test output: warnings and errors only.
            "RUST_LOG" => "warn",
            _ => value,
        };
        command.env(key, value);
    }
    assert!(database_set, "the environment file names the database");
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines
        .next()
        .expect("the server printed nothing (did it start?)")
        .unwrap();
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .trim_end_matches('/')
        .to_string();
    std::thread::spawn(move || for _ in lines {});
    Server { child, base }
}

/// The count of `repatria_http_requests_total` with these labels in a server's figures.
async fn served(base: &str, method: &str, route: &str, status: &str) -> u64 {
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let series = format!(
        "repatria_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} "
    );
    text.lines()
        .find_map(|line| line.strip_prefix(&series))
        .map_or(0, |n| n.parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_behind_nginx_with_tls_share_sessions_and_searches_and_hide_metrics() {
    let nginx_program = match prerequisites() {
        Ok(nginx) => nginx,
        Err(missing) => {
            if std::env::var("REPATRIA_DEPLOY_REQUIRED").is_ok_and(|v| v == "1") {
                panic!("REPATRIA_DEPLOY_REQUIRED=1 but {missing}");
            }
            eprintln!("notice: {missing}; skipping the deployment test");
            return;
        }
    };
    let Some(db) = TestDatabase::create(Backend::Postgres).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // nginx's workers run as another user when the test runs as root: let them in (the
    // key is read by the master, and is its owner's only).
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let (cert, key) = certificate(dir.path());

    // The first server migrates the new database; then the second starts on it.
    let mut servers = vec![start_server(&db.url), start_server(&db.url)];
    let added = user_add(&db.url, "admin-1", "admin", PASSWORD);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );

    let (https, http) = (free_port(), free_port());
    let port = |s: &Server| s.base.rsplit(':').next().unwrap().to_string();
    let access_log = dir.path().join("access.log");
    let site = substitute(
        NGINX_CONF,
        &[
            (
                "server 127.0.0.1:8081 ",
                format!("server 127.0.0.1:{} ", port(&servers[0])),
            ),
            (
                "server 127.0.0.1:8082 ",
                format!("server 127.0.0.1:{} ", port(&servers[1])),
            ),
            ("listen 80;", format!("listen 127.0.0.1:{http};")),
            ("listen [::]:80;", String::new()),
            ("listen 443 ssl;", format!("listen 127.0.0.1:{https} ssl;")),
            ("listen [::]:443 ssl;", String::new()),
            (
                "server_name repatria.example.org;",
                "server_name localhost;".into(),
            ),
            (
                "/etc/ssl/repatria/fullchain.pem",
                cert.display().to_string(),
            ),
            ("/etc/ssl/repatria/privkey.pem", key.display().to_string()),
            (
                "/var/log/nginx/repatria.access.log",
                access_log.display().to_string(),
            ),
        ],
    );
    let _nginx = Nginx::start(&nginx_program, dir.path(), &site, https);

    let client = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(&cert).unwrap()).unwrap(),
        )
        .resolve("localhost", SocketAddr::from(([127, 0, 0, 1], https)))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let site = format!("https://localhost:{https}");

    // A browser's login: its Origin is the site's, with the port, as nginx passes the Host.
    let login = client
        .post(format!("{site}/api/auth/login"))
        .header("origin", &site)
        .json(&json!({ "username": "admin-1", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    // The servers believe nginx: the request came over TLS.
    assert_eq!(
        login.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    let token = login.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let send = |method: reqwest::Method, path: &str, body: Option<Value>| {
        let mut request = client
            .request(method, format!("{site}{path}"))
            .bearer_auth(&token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let answer = request.send().await.unwrap();
            let status = answer.status().as_u16();
            (status, answer.json::<Value>().await.unwrap_or_default())
        }
    };
    for (code, name) in [("UA", "Ukraine"), ("RU", "Russian Federation")] {
        let (status, body) = send(
            reqwest::Method::POST,
            "/api/parties",
            Some(json!({ "code": code, "name": name })),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, made) = send(
        reqwest::Method::POST,
        "/api/captives",
        Some(json!({
            "power_of_origin": "RU", "detaining_power": "UA",
            "capture": { "captured_at": "2025-01-09T06:30:00Z", "place": "Border region" },
            "identity_claims": [{ "source": "document_found", "family_name": "Жаботинець",
                                  "given_name": "Остап", "date_of_birth": "1990-01-01" }]
        })),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let id = made["id"].as_str().unwrap().to_string();

    // Reads and searches until each server has answered both: each with the session
    // made through the other, each search finding him in another script. Three requests
    // a round, so that a strict alternation gives each server each kind.
    let record = "/api/captives/{id}";
    let mut tries = 0;
    loop {
        for _ in 0..2 {
            let (status, body) =
                send(reqwest::Method::GET, &format!("/api/captives/{id}"), None).await;
            assert_eq!(status, 200, "{body}");
        }
        let (status, found) = send(
            reqwest::Method::GET,
            "/api/captives?q=Zhabotynets+Ostap",
            None,
        )
        .await;
        assert_eq!(status, 200, "{found}");
        assert_eq!(found["items"][0]["id"], id.as_str(), "{found}");
        let mut each = Vec::new();
        for server in &servers {
            each.push((
                served(&server.base, "GET", record, "200").await,
                served(&server.base, "GET", "/api/captives", "200").await,
            ));
        }
        if each
            .iter()
            .all(|(reads, searches)| *reads > 0 && *searches > 0)
        {
            break;
        }
        tries += 1;
        assert!(
            tries < 10,
            "nginx sent every request to one server: {each:?}"
        );
    }
    for server in &servers {
        for route in [record, "/api/captives"] {
            assert_eq!(
                served(&server.base, "GET", route, "401").await,
                0,
                "{}: the session is every server's",
                server.base
            );
        }
    }

    // The figures are the monitoring server's, not the world's: in no spelling.
    for path in [
        "/metrics",
        "/metrics?x=1",
        "//metrics",
        "/%6Detrics",
        "/metrics/",
    ] {
        let answer = client.get(format!("{site}{path}")).send().await.unwrap();
        let status = answer.status();
        let text = answer.text().await.unwrap();
        assert_eq!(status, 404, "{path}");
        assert!(!text.contains("repatria_"), "{path}: {text}");
    }
    // Plain HTTP sends to HTTPS.
    let plain = client
        .get(format!("http://localhost:{http}/api/captives"))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 301);
    assert!(plain.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("https://"));
    // The access log has the requests, without their query text.
    let log = std::fs::read_to_string(&access_log).unwrap();
    assert!(log.contains("GET /api/captives "), "{log}");
    assert!(
        !log.contains("Zhabotynets") && !log.contains("q="),
        "a search's text in the access log: {log}"
    );

    // One server dies: nginx answers from the other.
    drop(servers.remove(0));
    for _ in 0..4 {
        let (status, body) = send(reqwest::Method::GET, &format!("/api/captives/{id}"), None).await;
        assert_eq!(status, 200, "{body}");
    }
}
