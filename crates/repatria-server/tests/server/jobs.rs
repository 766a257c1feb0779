//! Import jobs as several servers see them: a job is answered from the store, whichever
//! server ran it, and one whose server stopped mid-import is reported failed with
//! nothing imported.

use repatria_core::Role;
use repatria_store::testing::both_backends;
use repatria_testing::TestApp;
use reqwest::StatusCode;
use serde_json::json;

async fn a_job_another_server_ran_is_answered_and_a_lost_one_is_failed(app: &TestApp) {
    app.with_parties().await;
    let registrar = app.user("registrar-1", Role::Registrar).await;
    let other = app.user("registrar-2", Role::Registrar).await;
    // What another server wrote: one job finished, one still "running" whose server
    // stopped a minute ago (no heartbeat since).
    let now = chrono::Utc::now();
    let view = |id: &str, state: &str| {
        json!({ "id": id, "started_by": "registrar-1", "state": state, "rows_done": 40, "rows_total": 100,
                "import": null, "error": null, "rejected_rows": [] })
        .to_string()
    };
    app.store
        .put_job(
            "job-done",
            "registrar-1",
            "done",
            &view("job-done", "done"),
            now,
        )
        .await
        .unwrap();
    app.store
        .put_job(
            "job-lost",
            "registrar-1",
            "running",
            &view("job-lost", "running"),
            now - chrono::Duration::minutes(1),
        )
        .await
        .unwrap();
    let done = app
        .get_as(&registrar, "/api/imports/jobs/job-done")
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(done.body["state"], "done");
    let lost = app
        .get_as(&registrar, "/api/imports/jobs/job-lost")
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(lost.body["state"], "failed");
    assert!(
        lost.body["error"]
            .as_str()
            .unwrap()
            .contains("nothing was imported"),
        "{}",
        lost.body
    );
    // Another account's job does not exist for him.
    app.get_as(&other, "/api/imports/jobs/job-done")
        .await
        .expect_status(StatusCode::NOT_FOUND);

    // A job this server runs is in the store from its start to its end.
    let list = "family_name,given_name,date_of_birth\nПетренко,Іван,1990-01-01\n";
    let started = app
        .client
        .post(format!(
            "{}/api/imports?file_name=jobs.csv&source=RU",
            app.base
        ))
        .bearer_auth(&registrar)
        .body(list)
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    let id = started.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut finished = None;
    for _ in 0..100 {
        let job = app
            .get_as(&registrar, &format!("/api/imports/jobs/{id}"))
            .await
            .body;
        if job["state"] != "running" {
            finished = Some(job);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(finished.unwrap()["state"], "done");
    let stored = app.store.get_job(&id, chrono::Utc::now()).await.unwrap();
    assert_eq!((stored.state.as_str(), stored.lost), ("done", false));
    assert!(
        !app.state.jobs_running(),
        "the finished job is not kept in memory"
    );
}

/// Two servers on one database, as behind a load balancer: a session made on one works
/// on the other, a captive registered through one is found through the other in another
/// script, and an import started on one is followed on the other.
async fn two_servers_on_one_database_agree(app: &TestApp) {
    app.with_parties().await;
    let second = app.second_server().await;
    let registrar = app.user("registrar-1", Role::Registrar).await;
    let on = |base: &str, path: &str| format!("{base}{path}");
    let get = |base: String, path: String| {
        let (client, token) = (app.client.clone(), registrar.clone());
        async move {
            let answer = client
                .get(on(&base, &path))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            (
                answer.status(),
                answer.json::<serde_json::Value>().await.unwrap_or_default(),
            )
        }
    };
    // The second server builds its index now, before the first one writes.
    let (status, empty) = get(second.clone(), "/api/captives?q=Petrenko+Ivan".into()).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the session made on the first works on the second"
    );
    assert_eq!(empty["items"], json!([]));
    let made = app
        .post_as(&registrar, "/api/captives", json!({
            "power_of_origin": "RU", "detaining_power": "UA",
            "capture": { "captured_at": "2025-01-09T06:30:00Z", "place": "Border region" },
            "identity_claims": [{ "source": "document_found", "family_name": "Петренко", "given_name": "Іван",
                                  "date_of_birth": "1990-01-01" }]
        }))
        .await
        .expect_status(StatusCode::CREATED);
    let (_, found) = get(second.clone(), "/api/captives?q=Petrenko+Ivan".into()).await;
    assert_eq!(
        found["items"][0]["id"], made.body["id"],
        "found through the second server: {found}"
    );

    let started = app
        .client
        .post(format!(
            "{}/api/imports?file_name=two.csv&source=RU",
            app.base
        ))
        .bearer_auth(&registrar)
        .body("family_name,given_name,date_of_birth\nПетренко,Іван,1990-01-01\n")
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    let id = started.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut state = String::new();
    for _ in 0..100 {
        let (status, job) = get(second.clone(), format!("/api/imports/jobs/{id}")).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "the second server answers for the first one's job"
        );
        state = job["state"].as_str().unwrap_or_default().to_string();
        if state != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(state, "done");
}

/// The dashboard of a second server follows what the first one changes, whatever the
/// change: a new record, an event that changes a status, a death without its
/// particulars. The second server summed the registry up before any of it.
async fn a_second_server_s_dashboard_follows_every_change_of_the_first(app: &TestApp) {
    app.with_parties().await;
    let second = app.second_server().await;
    let registrar = app.user("registrar-1", Role::Registrar).await;
    let dashboard = || {
        let (client, token, base) = (app.client.clone(), registrar.clone(), second.clone());
        async move {
            let answer = client
                .get(format!("{base}/api/dashboard"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), StatusCode::OK);
            answer.json::<serde_json::Value>().await.unwrap()
        }
    };
    let count = |view: &serde_json::Value, list: &str, key: &str| {
        view[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == key)
            .map_or(0, |c| c["count"].as_u64().unwrap())
    };
    let before = dashboard().await;
    assert_eq!(before["total"], 0);
    let mut ids = Vec::new();
    for family in ["Петренко", "Коваленко"] {
        let made = app
            .post_as(&registrar, "/api/captives", json!({
                "power_of_origin": "RU", "detaining_power": "UA",
                "capture": { "captured_at": "2025-01-09T06:30:00Z", "place": "Border region" },
                "identity_claims": [{ "source": "document_found", "family_name": family, "given_name": "Іван" }]
            }))
            .await
            .expect_status(StatusCode::CREATED);
        ids.push(made.body["id"].as_str().unwrap().to_string());
    }
    let view = dashboard().await;
    assert_eq!(view["total"], 2, "{view}");
    assert_eq!(count(&view, "by_status", "in_custody"), 2);
    assert_eq!(count(&view, "by_detaining_power", "UA"), 2);
    assert_eq!(
        view["overdue_count"], 2,
        "each owes his capture card: {view}"
    );

    app.post_as(
        &registrar,
        &format!("/api/captives/{}/custody-events", ids[0]),
        json!({ "kind": "released", "at": "2025-01-12T10:00:00Z" }),
    )
    .await
    .expect_status(StatusCode::OK);
    app.post_as(
        &registrar,
        &format!("/api/captives/{}/custody-events", ids[1]),
        json!({ "kind": "died", "at": "2025-01-16T10:00:00Z" }),
    )
    .await
    .expect_status(StatusCode::OK);
    let view = dashboard().await;
    assert_eq!(view["total"], 2);
    assert_eq!(count(&view, "by_status", "in_custody"), 0, "{view}");
    assert_eq!(count(&view, "by_status", "released"), 1, "{view}");
    assert_eq!(count(&view, "by_status", "deceased"), 1, "{view}");
    assert_eq!(view["deaths_incomplete"][0]["captive_id"], ids[1].as_str());
    assert_eq!(view["deaths_incomplete"][0]["name"], "Коваленко, Іван");
}

both_backends!(
    setup = TestApp::api;
    a_job_another_server_ran_is_answered_and_a_lost_one_is_failed,
    a_job_whose_server_stopped_after_its_import_committed_is_answered_done,
    two_servers_on_one_database_agree,
    a_second_server_s_dashboard_follows_every_change_of_the_first,
);

/// A server killed between its import's commit and writing the job's end leaves the job
/// `running` in the store with its import committed: once its heartbeat is stale, the job
/// is answered done with that import (the import has the job's id), not "nothing was
/// imported".
async fn a_job_whose_server_stopped_after_its_import_committed_is_answered_done(app: &TestApp) {
    app.with_parties().await;
    let registrar = app.user("registrar-1", Role::Registrar).await;
    let list =
        "family_name,given_name,date_of_birth\nПетренко,Іван,1990-01-01\nКоваль,Петро,1991-02-02\n";
    let started = app
        .client
        .post(format!(
            "{}/api/imports?file_name=committed.csv&source=RU",
            app.base
        ))
        .bearer_auth(&registrar)
        .body(list)
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    let started: serde_json::Value = started.json().await.unwrap();
    let id = started["id"].as_str().unwrap().to_string();
    let mut done = serde_json::Value::Null;
    for _ in 0..200 {
        done = app
            .get_as(&registrar, &format!("/api/imports/jobs/{id}"))
            .await
            .body;
        if done["state"] != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(
        done["import"]["id"],
        id.as_str(),
        "the import has the job's id"
    );
    // As the store holds it when the server died before writing the end: running, its
    // last heartbeat a minute old.
    let stale = (chrono::Utc::now() - chrono::Duration::minutes(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let record = started.to_string().replace('\'', "''");
    repatria_store::testing::tamper(
        &app.store,
        &[&format!(
            "UPDATE import_jobs SET state = 'running', heartbeat_at = '{stale}', record = '{record}' WHERE id = '{id}'"
        )],
    )
    .await;
    assert!(
        app.store
            .get_job(&id, chrono::Utc::now())
            .await
            .unwrap()
            .lost
    );
    let answered = app
        .get_as(&registrar, &format!("/api/imports/jobs/{id}"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(answered.body["state"], "done", "{}", answered.body);
    assert_eq!(answered.body["import"]["id"], id.as_str());
    assert_eq!(answered.body["import"]["rows"], 2);
    assert_eq!(answered.body["error"], serde_json::Value::Null);
    // And one whose import did not commit is failed, nothing imported.
    let other = uuid::Uuid::now_v7().to_string();
    app.store
        .put_job(
            &other,
            "registrar-1",
            "running",
            &started.to_string().replace(&id, &other),
            chrono::Utc::now() - chrono::Duration::minutes(1),
        )
        .await
        .unwrap();
    let failed = app
        .get_as(&registrar, &format!("/api/imports/jobs/{other}"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(failed.body["state"], "failed");
    assert!(failed.body["error"]
        .as_str()
        .unwrap()
        .contains("nothing was imported"));
}
