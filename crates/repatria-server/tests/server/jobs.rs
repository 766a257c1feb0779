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

both_backends!(
    setup = TestApp::api;
    a_job_another_server_ran_is_answered_and_a_lost_one_is_failed,
);
