//! Hostile files against the real server: each is made here (with the `zip` crate calamine
//! reads workbooks with), sent by a registrar to `POST /api/imports/preview`, to
//! `POST /api/imports` and through the web upload, and must be refused with 422 naming
//! what was exceeded, after which `GET /healthz` still answers. This binary runs only
//! these requests, one after the other, so that the process's peak memory (`VmHWM`, the
//! test client and the server together) says what the files cost: before the limits the
//! shared-strings bomb aborted the process and the deflate bomb grew it by about 900 MiB.
//!
//! SQLite only: what is tested is the reading of files, which no backend takes part in.

use repatria_core::Role;
use repatria_lists::testing::{inline_cell, shared_strings, sheet, workbook, workbook_repeating};
use repatria_store::Backend;
use reqwest::StatusCode;
use serde_json::Value;

/// The peak the whole test process may reach, in KiB. The server's share of it is
/// bounded by the readers' limits; the rest is the test's own files and the runtime.
const PEAK_KIB: u64 = 512 * 1024;

/// The process's peak resident memory (`VmHWM`), in KiB.
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmHWM line")
}

struct Client {
    base: String,
    token: String,
    /// A negotiator's: the other side's manifest of an exchange is read like a list.
    negotiator: String,
    http: reqwest::Client,
}

impl Client {
    async fn upload(&self, path: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let token = if path.starts_with("/api/exchanges/") {
            &self.negotiator
        } else {
            &self.token
        };
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("content-type", "application/octet-stream")
            .body(bytes)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    async fn healthy(&self) {
        let health = self
            .http
            .get(format!("{}/healthz", self.base))
            .send()
            .await
            .expect("the server still answers");
        assert_eq!(health.status(), StatusCode::OK);
    }

    /// Sends `bytes` as `file_name` to the preview (tables only) and the import, and
    /// checks both refuse it with 422 naming `what`; the server stays up.
    async fn refused(&self, file_name: &str, bytes: Vec<u8>, what: &str) {
        // The other side's manifest of an exchange is read before the exchange is
        // looked up: a hostile file is refused whatever the exchange.
        const THEIRS: &str =
            "/api/exchanges/00000000-0000-0000-0000-000000000001/counterpart-manifest?by=RU&";
        let routes: &[&str] = if file_name.ends_with(".xml") {
            &["/api/imports?", THEIRS]
        } else {
            &["/api/imports/preview?", "/api/imports?", THEIRS]
        };
        for route in routes {
            let (status, body) = self
                .upload(&format!("{route}file_name={file_name}"), bytes.clone())
                .await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{file_name} to {route}: {body}"
            );
            let message = body["error"]["fields"]["body"].as_str().unwrap_or_default();
            assert!(
                message.starts_with("the list is too large: ") && message.contains(what),
                "{file_name} to {route}: {body}"
            );
            self.healthy().await;
            eprintln!("{file_name} to {route}: peak {} MiB", peak_kib() / 1024);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_files_are_refused_and_neither_end_nor_exhaust_the_server() {
    let app = repatria_testing::TestApp::web(Backend::Sqlite)
        .await
        .unwrap();
    let client = Client {
        base: app.base.clone(),
        token: app.user("registrar-1", Role::Registrar).await,
        negotiator: app.user("negotiator-1", Role::Negotiator).await,
        http: reqwest::Client::new(),
    };
    let header = sheet(None, &[&[("A1", "full_name")]]);

    // A shared-strings table declaring a hundred trillion strings: calamine reserved
    // room for all of them and the allocation failure aborted the process.
    let bomb = workbook(&header, Some(&shared_strings("99999999999999", &["a"])));
    assert!(bomb.len() < 2_000, "{} bytes", bomb.len());
    client
        .refused(
            "strings.xlsx",
            bomb.clone(),
            "more than 6000000 strings in the workbook's shared-strings table",
        )
        .await;

    // A worksheet of 300 MiB of rows, packed into a few hundred kilobytes.
    let row = format!("<row>{}</row>", inline_cell("A2", "Петро Коваль"));
    let head = "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\
                <sheetData><row>"
        .to_string()
        + &inline_cell("A1", "full_name")
        + "</row>";
    let times = 300 * 1024 * 1024 / row.len();
    let deflated = workbook_repeating(&head, &row, times, "</sheetData></worksheet>", None);
    assert!(deflated.len() < 2_000_000, "{} bytes", deflated.len());
    client
        .refused(
            "deflated.xlsx",
            deflated,
            "more than 268435456 unpacked bytes in one part of the workbook",
        )
        .await;

    // A header in the last column, XFD, and a cell in column A: a header of 16,384
    // columns were it read.
    let far = workbook(
        &sheet(None, &[&[("XFD1", "full_name")], &[("A2", "Коваль")]]),
        None,
    );
    client
        .refused("far.xlsx", far, "more than 256 columns")
        .await;

    // One cell of 8 MiB, in a workbook and in a CSV file.
    let huge = "Ж".repeat(4 * 1024 * 1024);
    let cell = workbook(
        &sheet(None, &[&[("A1", "full_name")], &[("A2", &huge)]]),
        None,
    );
    client
        .refused("cell.xlsx", cell, "more than 32768 bytes in one cell")
        .await;
    client
        .refused(
            "cell.csv",
            format!("full_name\n{huge}\n").into_bytes(),
            "more than 32768 bytes in one cell",
        )
        .await;

    // Half a million rows and one more.
    let mut csv = String::from("id,full_name\n");
    for i in 0..=500_000 {
        csv.push_str(&format!("{i},P{i}\n"));
    }
    client
        .refused("rows.csv", csv.into_bytes(), "more than 500000 rows")
        .await;

    // PFIF: nesting a hundred thousand deep, a field of 8 MiB, and entities that would
    // expand to gigabytes (quick-xml expands none that the document defines).
    let open = "<pfif:pfif xmlns:pfif=\"http://zesty.ca/pfif/1.4\">";
    let deep = format!(
        "{open}{}{}</pfif:pfif>",
        "<pfif:x>".repeat(100_000),
        "</pfif:x>".repeat(100_000)
    );
    client
        .refused(
            "deep.xml",
            deep.into_bytes(),
            "more than 16 levels of nested elements",
        )
        .await;
    let field = format!(
        "{open}<pfif:person><pfif:person_record_id>x.example/1</pfif:person_record_id>\
         <pfif:full_name>{huge}</pfif:full_name></pfif:person></pfif:pfif>"
    );
    client
        .refused(
            "field.xml",
            field.into_bytes(),
            "more than 32768 bytes in one field",
        )
        .await;
    let mut laughs = String::from("<?xml version=\"1.0\"?><!DOCTYPE pfif [<!ENTITY l0 \"ha\">");
    for i in 1..10 {
        let previous = format!("&l{};", i - 1);
        laughs.push_str(&format!("<!ENTITY l{i} \"{}\">", previous.repeat(10)));
    }
    laughs.push_str("]>");
    laughs.push_str(&format!(
        "{open}<pfif:person><pfif:person_record_id>x.example/1</pfif:person_record_id>\
         <pfif:full_name>&l9;</pfif:full_name></pfif:person></pfif:pfif>"
    ));
    // Not too large, only not well-formed for a reader that expands nothing: the job
    // fails on the line, and nothing is expanded.
    let (status, job) = client
        .upload("/api/imports?file_name=laughs.xml", laughs.into_bytes())
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let id = job["id"].as_str().unwrap();
    let job = loop {
        let job: Value = client
            .http
            .get(format!("{}/api/imports/jobs/{id}", client.base))
            .bearer_auth(&client.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if job["state"] != "running" {
            break job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(job["state"], "failed", "{job}");
    assert!(
        job["rejected_rows"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("unknown entity &l9;"),
        "{job}"
    );
    client.healthy().await;

    // The web upload refuses the bomb the same way, on the upload form.
    let browser = app.login_as("registrar-web", Role::Registrar).await;
    let page = browser
        .post_multipart("/imports/preview", |form| {
            form.part(
                "file",
                reqwest::multipart::Part::bytes(bomb).file_name("strings.xlsx"),
            )
        })
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.text()
    );
    assert!(
        page.text()
            .contains("the list is too large: more than 6000000 strings"),
        "{}",
        page.text()
    );
    client.healthy().await;

    let peak = peak_kib();
    assert!(
        peak < PEAK_KIB,
        "the process reached {} MiB at its peak",
        peak / 1024
    );
    eprintln!("peak resident memory: {} MiB", peak / 1024);
}
