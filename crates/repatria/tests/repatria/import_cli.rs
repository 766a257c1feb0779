//! `repatria import`, `export pfif`, `tracing list` and `search`, run as a user runs them,
//! on SQLite and (when `REPATRIA_TEST_PG_URL` is set) PostgreSQL.

use chrono::Utc;

use crate::support::run;
use repatria_core::{fixtures, CaptiveId, EventId, Party};
use repatria_store::testing::{both_backends, TestDatabase};
use repatria_store::{Actor, Backend};

/// A registry holding one captive, Шевченко Олександр, born 1998-04-12.
async fn registry(backend: Backend) -> Option<(TestDatabase, CaptiveId)> {
    let db = TestDatabase::create(backend).await?;
    let store = db.store().await;
    let actor = Actor::new("registrar-1");
    let now = Utc::now();
    for code in ["UA", "RU"] {
        store
            .create_party(&actor, Party::new(code, "Party").unwrap(), now)
            .await
            .unwrap();
    }
    let mut new = fixtures::new_captive("RU", "Шевченко", "Олександр");
    new.claims[0].date_of_birth = Some(fixtures::date("1998-04-12"));
    let id = CaptiveId(uuid::Uuid::now_v7());
    store
        .create_captive(&actor, id, EventId(uuid::Uuid::now_v7()), new, now)
        .await
        .unwrap();
    store.close().await;
    Some((db, id))
}

async fn a_list_is_imported_once_and_reconciled(backend: Backend) {
    let Some((db, held)) = registry(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.csv");
    std::fs::write(
        &list,
        "ПІБ,Дата рождения,Воинская часть\n\
         Shevchenko Oleksandr,1998-04-12,\n\
         Новенко Степан,1980,в/ч 0001\n",
    )
    .unwrap();
    let report = dir.path().join("report.csv");
    let (ok, out, err) = run(&[
        "import",
        list.to_str().unwrap(),
        "--source",
        "RU",
        "--report",
        report.to_str().unwrap(),
        "--db",
        &db.url,
    ]);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("2 rows read, 2 created, 1 matched (captive 1, tracing request 0), 1 new, 0 ambiguous, 0 rejected"), "{out}");
    assert!(err.contains("ПІБ → full_name"), "{err}");
    let text = std::fs::read_to_string(&report).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[1].contains(",captive,") && lines[1].contains(&held.to_string()),
        "{text}"
    );
    assert!(lines[2].contains(",new,"), "{text}");

    // The same file again creates nothing new.
    let (ok, out, _) = run(&["import", list.to_str().unwrap(), "--db", &db.url]);
    assert!(ok);
    assert!(
        out.contains("already imported") && out.contains("nothing new created"),
        "{out}"
    );

    // Searching by other spellings finds him, with his score.
    for name in ["Олександр Шевченко", "Aleksandr Shevchenko"] {
        let (ok, out, err) = run(&["search", name, "--db", &db.url]);
        assert!(ok, "{err}");
        let first = out
            .lines()
            .nth(1)
            .unwrap_or_else(|| panic!("{name}: {out}"));
        assert!(first.contains(&held.to_string()), "{name}: {out}");
    }

    // PFIF export of the registry, readable back.
    let pfif = dir.path().join("registry.xml");
    let (ok, out, err) = run(&[
        "export",
        "pfif",
        "--out",
        pfif.to_str().unwrap(),
        "--db",
        &db.url,
    ]);
    assert!(ok, "{err}");
    assert!(out.starts_with("1 persons written"), "{out}");
    #[cfg(unix)]
    for written in [&pfif, &report] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(written).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}: {mode:o}", written.display());
    }
    let entries = repatria_lists::read_pfif(&std::fs::read(&pfif).unwrap()).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].family_name.as_deref(), Some("Шевченко"));
    assert_eq!(
        entries[0].external_id.as_deref(),
        Some(format!("repatria.example/captive.{held}").as_str())
    );
    // and importable as a list: its one person is the captive we hold.
    let (ok, out, err) = run(&["import", pfif.to_str().unwrap(), "--db", &db.url]);
    assert!(ok, "{err}");
    assert!(
        out.contains("1 rows read, 1 created, 1 matched (captive 1"),
        "{out}"
    );
}

async fn a_list_with_a_bad_row_imports_nothing(backend: Backend) {
    let Some((db, _)) = registry(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("bad.csv");
    std::fs::write(
        &list,
        "family_name,given_name,date_of_birth\nКоваленко,Микола,1995-02-30\nБондар,Іван,1990\n,,\nПетренко,,19x0\n",
    )
    .unwrap();
    let (ok, out, err) = run(&["import", list.to_str().unwrap(), "--db", &db.url]);
    assert!(!ok, "{out}");
    assert!(err.contains("line 2: date_of_birth:"), "{err}");
    assert!(err.contains("line 5: date_of_birth:"), "{err}");
    assert!(
        err.contains("2 rows rejected; nothing was imported"),
        "{err}"
    );
    let store = db.store().await;
    assert!(store.imports().await.unwrap().is_empty());
    // Tracing requests need their inquirer; with one, and consent, they are matched.
    let requests = dir.path().join("requests.csv");
    std::fs::write(
        &requests,
        "Фамилия,Имя,Дата рождения,Кто ищет,Родство,Телефон\nШевченко,Александр,1998-04-12,Шевченко Мария,мать,+000 555\n",
    )
    .unwrap();
    let (ok, out, err) = run(&[
        "import",
        requests.to_str().unwrap(),
        "--as",
        "tracing",
        "--consent",
        "--db",
        &db.url,
    ]);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("1 tracing requests created"), "{out}");
    let (ok, out, _) = run(&[
        "tracing",
        "list",
        "--status",
        "candidates_found",
        "--db",
        &db.url,
    ]);
    assert!(ok);
    assert_eq!(out.lines().count(), 2, "{out}");
    let (ok, _, err) = run(&[
        "import",
        requests.to_str().unwrap(),
        "--as",
        "people",
        "--db",
        &db.url,
    ]);
    assert!(!ok);
    assert!(
        err.contains("--as: expected list, tracing or demand"),
        "{err}"
    );
    // A workbook: its bad row is named by its spreadsheet row; nothing is imported.
    let workbook = dir.path().join("list.xlsx");
    std::fs::write(
        &workbook,
        include_bytes!("../../../repatria-lists/tests/lists/fixtures/list.xlsx"),
    )
    .unwrap();
    let (ok, _, err) = run(&["import", workbook.to_str().unwrap(), "--db", &db.url]);
    assert!(!ok);
    assert!(
        err.contains("line 7: date_of_birth: not a date (YYYY, YYYY-MM or YYYY-MM-DD): 31.02.1990"),
        "{err}"
    );
    assert_eq!(
        store.imports().await.unwrap().len(),
        1,
        "only the tracing import"
    );
    // Ignoring the date column leaves the row's other fault: it names nobody.
    let (ok, out, err) = run(&[
        "import",
        workbook.to_str().unwrap(),
        "--map",
        "Дата народження=ignore",
        "--db",
        &db.url,
    ]);
    assert!(!ok, "{out}");
    assert!(
        err.contains("line 7:") && !err.contains("date_of_birth"),
        "{err}"
    );
}

async fn hostile_files_are_refused_with_a_one_line_reason(backend: Backend) {
    let Some((db, _)) = registry(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // A shared-strings table declaring a hundred trillion strings: calamine reserved room
    // for them and the process aborted.
    use repatria_lists::testing::{shared_strings, sheet, workbook};
    let bomb = dir.path().join("bomb.xlsx");
    std::fs::write(
        &bomb,
        workbook(
            &sheet(None, &[&[("A1", "full_name")]]),
            Some(&shared_strings("99999999999999", &["a"])),
        ),
    )
    .unwrap();
    // A file beyond the byte limit (sparse: it takes no disk) is refused unread.
    let huge = dir.path().join("huge.csv");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(64 * 1024 * 1024 + 1)
        .unwrap();
    for (file, reason) in [
        (
            &bomb,
            "the list is too large: more than 6000000 strings in the workbook's shared-strings table",
        ),
        (
            &huge,
            "the list is too large: more than 67108864 bytes in the file",
        ),
    ] {
        let (ok, out, err) = run(&["import", file.to_str().unwrap(), "--db", &db.url]);
        assert!(!ok, "{out}");
        let last = err.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("error: ") && last.ends_with(reason),
            "{err}"
        );
        assert_eq!(
            err.lines().filter(|l| l.starts_with("error")).count(),
            1,
            "{err}"
        );
    }
    let store = db.store().await;
    assert!(store.imports().await.unwrap().is_empty());
}

async fn the_report_keeps_names_from_the_list_as_text(backend: Backend) {
    let Some((db, _)) = registry(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.csv");
    std::fs::write(
        &list,
        "id,family_name,given_name\n+1,\"=HYPERLINK(\"\"http://example.invalid\"\",\"\"x\"\")\",Петро\n",
    )
    .unwrap();
    let report = dir.path().join("report.csv");
    let (ok, out, err) = run(&[
        "import",
        list.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--db",
        &db.url,
    ]);
    assert!(ok, "{out}\n{err}");
    let mut reader = csv::Reader::from_path(&report).unwrap();
    let headers = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    let cell = |name: &str| row[headers.iter().position(|h| h == name).unwrap()].to_string();
    assert_eq!(cell("external_id"), "'+1");
    assert!(
        cell("name").starts_with("'=HYPERLINK(\"http://example.invalid\""),
        "{}",
        cell("name")
    );
}

/// A tracing service's PFIF records become tracing requests: the record's author is the
/// inquirer (name, e-mail and phone), and the relation PFIF does not carry is "not
/// stated" (GC III Art. 122: every enquiry is answered, whoever makes it).
async fn a_tracing_service_s_pfif_records_become_tracing_requests(backend: Backend) {
    let Some((db, _)) = registry(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("from-a-tracing-service.xml");
    std::fs::write(
        &file,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4">
  <pfif:person>
    <pfif:author_email>mother@example.org</pfif:author_email>
    <pfif:author_name>Olena Verny</pfif:author_name>
    <pfif:full_name>Ostap Verny</pfif:full_name>
    <pfif:given_name>Ostap</pfif:given_name>
    <pfif:family_name>Verny</pfif:family_name>
    <pfif:person_record_id>tracing.example/person.1</pfif:person_record_id>
    <pfif:source_date>2026-01-01T00:00:00Z</pfif:source_date>
  </pfif:person>
</pfif:pfif>
"#,
    )
    .unwrap();
    let (ok, out, err) = run(&[
        "import",
        file.to_str().unwrap(),
        "--as",
        "tracing",
        "--consent",
        "--db",
        &db.url,
    ]);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("1 tracing requests created"), "{out}");
    let store = db.store().await;
    let requests = store.tracing_requests(None).await.unwrap();
    assert_eq!(requests.len(), 1);
    let inquirer = &requests[0].inquirer;
    assert_eq!(
        (
            inquirer.name.as_str(),
            inquirer.relation.as_str(),
            inquirer.contact.as_str()
        ),
        ("Olena Verny", "not stated", "mother@example.org")
    );
}

both_backends!(
    a_tracing_service_s_pfif_records_become_tracing_requests,
    a_list_is_imported_once_and_reconciled,
    a_list_with_a_bad_row_imports_nothing,
    hostile_files_are_refused_with_a_one_line_reason,
    the_report_keeps_names_from_the_list_as_text,
);
