//! The use cases against a real store, on SQLite always and on PostgreSQL when
//! `REPATRIA_TEST_PG_URL` is set.

use chrono::{TimeZone, Utc};
use repatria_app::imports::ImportInput;
use repatria_app::matching::Matching;
use repatria_app::registry;
use repatria_core::{
    fixtures, CaptiveId, CustodyEvent, CustodyEventKind, CustodyStatus, DomainError, EventId,
    FacilityKind, ImportKind, Inquirer, Party, PartyCode, PersonName, SoughtPerson, Timestamp,
    TracingRequest, TracingRequestId, TracingStatus,
};
use repatria_lists::PfifStatus;
use repatria_store::testing::{both_backends, TestDatabase};
use repatria_store::{
    Actor, AuditFilter, Backend, CaptiveChange, CaptiveQuery, SqlStore, StoreError,
};
use uuid::Uuid;

#[path = "../../repatria-lists/tests/personfinder/validator.rs"]
mod validator;

fn at(day: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2025, 1, day, 8, 0, 0).unwrap()
}

async fn registry_with(store: &SqlStore, people: &[(&str, &str, &str)]) -> Vec<CaptiveId> {
    let actor = Actor::new("registrar-1");
    for (code, name) in [("UA", "Ukraine"), ("RU", "Russia"), ("KP", "DPRK")] {
        store
            .create_party(&actor, Party::new(code, name).unwrap(), at(1))
            .await
            .unwrap();
    }
    let mut ids = Vec::new();
    for (origin, family, given) in people {
        let id = CaptiveId(Uuid::now_v7());
        store
            .create_captive(
                &actor,
                id,
                EventId(Uuid::now_v7()),
                fixtures::new_captive(origin, family, given),
                at(10),
            )
            .await
            .unwrap();
        ids.push(id);
    }
    ids
}

async fn a_name_search_ranks_other_spellings_then_word_beginnings_and_is_audited(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let store = db.store().await;
    let ids = registry_with(
        &store,
        &[
            ("RU", "Шевченко", "Олександр"),
            ("RU", "Шевчук", "Тарас"),
            ("KP", "Ким", "Чол"),
        ],
    )
    .await;
    let matching = Matching::default();
    let reader = Actor::new("tracer-1");
    let query = |name: &str| CaptiveQuery {
        name: Some(name.into()),
        limit: 50,
        ..Default::default()
    };

    // Another script and spelling: the engine's candidate, with its score, first.
    let page = registry::list(
        &store,
        &matching,
        &reader,
        &query("Shevchenko Oleksandr"),
        at(20),
    )
    .await
    .unwrap();
    assert_eq!(page.items[0].captive.id, ids[0]);
    assert!(
        page.items[0].score.is_some_and(|s| s > 0.0),
        "{:?}",
        page.items[0].score
    );

    // The beginning of a word in the record's own script finds both Шевч…, unscored
    // unless the engine also proposes them.
    let page = registry::list(&store, &matching, &reader, &query("Шевч"), at(20))
        .await
        .unwrap();
    let found: Vec<CaptiveId> = page.items.iter().map(|f| f.captive.id).collect();
    assert!(
        found.contains(&ids[0]) && found.contains(&ids[1]),
        "{found:?}"
    );
    assert!(!found.contains(&ids[2]));

    // Filters apply to the engine's candidates too.
    let mut only_kp = query("Shevchenko Oleksandr");
    only_kp.power_of_origin = Some(PartyCode::parse("KP").unwrap());
    let page = registry::list(&store, &matching, &reader, &only_kp, at(20))
        .await
        .unwrap();
    assert!(
        page.items.iter().all(|f| f.captive.id == ids[2]),
        "{page:?}"
    );

    // Paging by position.
    let mut first = query("Шевч");
    first.limit = 1;
    let one = registry::list(&store, &matching, &reader, &first, at(20))
        .await
        .unwrap();
    assert_eq!((one.items.len(), one.total), (1, 2));
    first.cursor = one.next.clone();
    let two = registry::list(&store, &matching, &reader, &first, at(20))
        .await
        .unwrap();
    assert_eq!(two.items.len(), 1);
    assert_ne!(two.items[0].captive.id, one.items[0].captive.id);
    assert!(two.next.is_none());

    // Audited with the ids shown, never the words searched for.
    let events = store
        .audit_events(&AuditFilter {
            actor: Some("tracer-1".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 5);
    assert!(events.iter().all(|e| e.action == "captive.list"));
    assert!(events[0].detail.contains(&ids[0].to_string()));
    assert!(events
        .iter()
        .all(|e| !e.detail.contains("Shevchenko") && !e.detail.contains("Шевч")));
}

/// Paging through a search, a page at a time, gives every captive found once: the
/// engine's candidates (scored) first, then the word beginnings, all passing the
/// filters, as many as the total says.
async fn a_search_paged_through_gives_each_captive_found_once_candidates_first(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let store = db.store().await;
    let people: Vec<(&str, String, &str)> = (0..9)
        .map(|i| {
            let origin = if i % 3 == 0 { "KP" } else { "RU" };
            let family = match i % 3 {
                0 | 1 => "Шевченко".to_string(),
                _ => format!("Шевч{i}"),
            };
            (origin, family, "Олександр")
        })
        .collect();
    let people: Vec<(&str, &str, &str)> = people
        .iter()
        .map(|(o, f, g)| (*o, f.as_str(), *g))
        .collect();
    let ids = registry_with(&store, &people).await;
    let matching = Matching::default();
    let reader = Actor::new("tracer-1");
    for origin in [None, Some("RU")] {
        let mut query = CaptiveQuery {
            name: Some("Шевченко".into()),
            power_of_origin: origin.map(|o| PartyCode::parse(o).unwrap()),
            limit: 2,
            ..Default::default()
        };
        let mut found = Vec::new();
        let mut totals = Vec::new();
        loop {
            let page = registry::list(&store, &matching, &reader, &query, at(20))
                .await
                .unwrap();
            assert!(page.items.len() <= 2);
            totals.push(page.total);
            found.extend(page.items.iter().map(|f| (f.captive.id, f.score.is_some())));
            match page.next {
                Some(next) => query.cursor = Some(next),
                None => break,
            }
        }
        let expected: Vec<CaptiveId> = ids
            .iter()
            .zip(&people)
            .filter(|(_, (o, f, _))| origin.is_none_or(|origin| origin == *o) && *f == "Шевченко")
            .map(|(id, _)| *id)
            .collect();
        let mut ids_found: Vec<CaptiveId> = found.iter().map(|(id, _)| *id).collect();
        assert!(
            totals.iter().all(|t| *t as usize == found.len()),
            "{totals:?}"
        );
        let scored = found.iter().take_while(|(_, scored)| *scored).count();
        assert!(
            found[scored..].iter().all(|(_, scored)| !scored),
            "the candidates come first: {found:?}"
        );
        ids_found.sort();
        ids_found.dedup();
        assert_eq!(ids_found.len(), found.len(), "a captive on two pages");
        for id in &expected {
            assert!(ids_found.contains(id), "{origin:?}: {id} not found");
        }
        if let Some(origin) = origin {
            for (id, _) in &found {
                let (o, _, _) = people[ids.iter().position(|i| i == id).unwrap()];
                assert_eq!(o, origin);
            }
        }
    }
}

async fn the_registry_exports_as_pfif_that_reads_back_and_the_export_is_audited(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let store = db.store().await;
    let ids = registry_with(
        &store,
        &[("RU", "Шевченко", "Олександр"), ("KP", "Ким", "Чол")],
    )
    .await;
    let clerk = Actor::new("cli");
    let (document, count) = repatria_app::pfif::export(&store, &clerk, "bureau.example", at(20))
        .await
        .unwrap();
    assert_eq!(count, 2);
    let entries = repatria_lists::read_pfif(document.as_bytes()).unwrap();
    let mut families: Vec<&str> = entries
        .iter()
        .filter_map(|e| e.family_name.as_deref())
        .collect();
    families.sort_unstable();
    assert_eq!(families, ["Ким", "Шевченко"]);
    assert!(entries
        .iter()
        .any(|e| e.external_id.as_deref() == Some(&*format!("bureau.example/captive.{}", ids[0]))));
    let events = store
        .audit_events(&AuditFilter {
            actor: Some("cli".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "registry.export");
    assert!(
        events[0].detail.contains("\"persons\":2"),
        "{}",
        events[0].detail
    );
}

async fn reads_of_a_captive_and_of_tracing_requests_are_audited_without_names(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let store = db.store().await;
    let ids = registry_with(&store, &[("RU", "Шевченко", "Олександр")]).await;
    let officer = Actor::new("tracer-1");
    let captive = registry::read(&store, &officer, ids[0], registry::Reading::Full, at(20))
        .await
        .unwrap();
    assert_eq!(captive.id, ids[0]);
    let journalist = Actor::new("press-1");
    registry::read(
        &store,
        &journalist,
        ids[0],
        registry::Reading::Released,
        at(20),
    )
    .await
    .unwrap();
    let unknown = CaptiveId(Uuid::now_v7());
    assert!(matches!(
        registry::read(&store, &officer, unknown, registry::Reading::Full, at(20)).await,
        Err(repatria_store::StoreError::NotFound)
    ));

    let request = TracingRequest::open(
        TracingRequestId(Uuid::now_v7()),
        SoughtPerson {
            name: PersonName {
                family: Some("Шевченко".into()),
                given: Some("Олександр".into()),
                patronymic: None,
            },
            date_of_birth: None,
            unit: None,
            last_seen_place: None,
            last_seen_on: None,
        },
        Inquirer {
            name: "Mother of the person sought".into(),
            relation: "mother".into(),
            contact: "+380 00 000 0000".into(),
        },
        true,
        "tracer-1",
        at(15),
    );
    store
        .create_tracing_request(&officer, request.clone(), at(15))
        .await
        .unwrap();
    let open = repatria_app::tracing::list(&store, &officer, Some(TracingStatus::Open), at(21))
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    let closed = repatria_app::tracing::list(&store, &officer, Some(TracingStatus::Closed), at(21))
        .await
        .unwrap();
    assert!(closed.is_empty());
    let (read, links) = repatria_app::tracing::read(&store, &officer, request.id, at(22))
        .await
        .unwrap();
    assert_eq!(read.id, request.id);
    assert!(links.is_empty());

    let events = store
        .audit_events(&AuditFilter {
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    let reads: Vec<(&str, &str, &str, &str)> = events
        .iter()
        .filter(|e| e.action.ends_with(".read") || e.action.ends_with(".list"))
        .map(|e| {
            (
                e.actor.as_str(),
                e.action.as_str(),
                e.entity_id.as_str(),
                e.detail.as_str(),
            )
        })
        .collect();
    let captive_id = ids[0].to_string();
    let request_id = request.id.0.to_string();
    assert_eq!(
        reads.iter().filter(|r| r.1 == "captive.read").count(),
        2,
        "the unknown id is not recorded as read: {reads:?}"
    );
    assert!(reads.contains(&("tracer-1", "captive.read", captive_id.as_str(), "{}")));
    assert!(reads.contains(&(
        "press-1",
        "captive.read",
        captive_id.as_str(),
        "{\"media\":true}"
    )));
    assert!(reads.contains(&(
        "tracer-1",
        "tracing_request.list",
        "requests",
        "{\"shown\":1}"
    )));
    assert!(reads.contains(&(
        "tracer-1",
        "tracing_request.list",
        "requests",
        "{\"shown\":0}"
    )));
    assert!(reads.contains(&(
        "tracer-1",
        "tracing_request.read",
        request_id.as_str(),
        "{}"
    )));
    assert!(events.iter().all(|e| !e.detail.contains("Шевч")));
}

async fn an_account_is_checked_and_created_once(backend: Backend) {
    use repatria_app::accounts::{create_user, hash_password, CreateUserError, NewAccount};
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let store = db.store().await;
    let errors = NewAccount::check("X", "colonel", "short").unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["username", "role", "password"]);
    assert_eq!(
        NewAccount::new("clerk-2", "registrar").unwrap(),
        NewAccount {
            username: "clerk-2".into(),
            role: repatria_core::Role::Registrar
        }
    );
    let account = NewAccount::check("clerk-2", "registrar", "a long enough password").unwrap();
    let admin = Actor::new("admin");
    let hash = hash_password("a long enough password").unwrap();
    let user = create_user(&store, &admin, account.clone(), hash.clone(), at(3))
        .await
        .unwrap();
    assert!(!user.disabled && !user.must_change_password);
    assert_eq!(store.get_user("clerk-2").await.unwrap(), Some(user));
    let again = create_user(&store, &admin, account, hash, at(4)).await;
    assert!(
        matches!(&again, Err(CreateUserError::Taken(name)) if name == "clerk-2"),
        "{again:?}"
    );
    let events = store
        .audit_events(&AuditFilter {
            actor: Some("admin".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        events.len(),
        1,
        "the refused second account leaves no event"
    );
    assert_eq!(events[0].action, "user.create");
}

async fn a_registered_or_renamed_captive_is_matched_against_open_requests(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let store = db.store().await;
    registry_with(&store, &[]).await;
    let officer = Actor::new("tracer-1");
    let mut request = fixtures::tracing_request("Шевченко", "Олександр");
    request.sought.date_of_birth = Some(fixtures::date("1995"));
    let born = |mut new: repatria_core::NewCaptive, day: &str| {
        new.claims[0].date_of_birth = Some(fixtures::date(day));
        new
    };
    store
        .create_tracing_request(&officer, request.clone(), at(11))
        .await
        .unwrap();
    let matching = Matching::default();
    let registrar = Actor::new("registrar-1");
    // Someone else first: no candidate.
    let other = registry::register(
        &store,
        &matching,
        &registrar,
        born(
            fixtures::new_captive("RU", "Ковальчук", "Іван"),
            "1995-02-03",
        ),
        at(12),
    )
    .await
    .unwrap();
    assert!(store
        .get_tracing_request(request.id)
        .await
        .unwrap()
        .candidates
        .is_empty());
    // The person sought, in another script: found as soon as he is registered.
    let sought = registry::register(
        &store,
        &matching,
        &registrar,
        born(
            fixtures::new_captive("RU", "Shevchenko", "Oleksandr"),
            "1995-02-03",
        ),
        at(13),
    )
    .await
    .unwrap();
    assert_eq!(
        store
            .get_tracing_request(request.id)
            .await
            .unwrap()
            .candidates,
        vec![sought.id]
    );
    // The first captive turns out to bear the name sought: his new claim is matched too.
    let renamed = registry::change(
        &store,
        &matching,
        &registrar,
        other.id,
        repatria_store::CaptiveChange::AddIdentityClaim(Box::new({
            let mut claim = fixtures::claim("Шевченко", "Олександр");
            claim.date_of_birth = Some(fixtures::date("1995-02-03"));
            claim
        })),
        at(14),
    )
    .await
    .unwrap();
    assert_eq!(renamed.claims.len(), 2);
    let mut found = store
        .get_tracing_request(request.id)
        .await
        .unwrap()
        .candidates;
    found.sort();
    let mut expected = vec![sought.id, other.id];
    expected.sort();
    assert_eq!(found, expected);
}

/// A custody event on day `day` of January 2025 at 12:00, recorded then.
async fn add_event(store: &SqlStore, id: CaptiveId, kind: CustodyEventKind, day: u32) {
    let at = Utc.with_ymd_and_hms(2025, 1, day, 12, 0, 0).unwrap();
    store
        .change_captive(
            &Actor::new("registrar-1"),
            id,
            CaptiveChange::AddCustodyEvent(CustodyEvent {
                id: EventId(Uuid::now_v7()),
                kind,
                at,
                place: Some("Camp No. 4".into()),
                facility: Some(FacilityKind::Camp),
                note: Some("cause: recorded in the file".into()),
                recorded_by: "registrar-1".into(),
            }),
            at,
        )
        .await
        .unwrap();
}

/// The text of the first `<pfif:NAME>` in `xml`.
fn pfif_field<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<pfif:{name}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&format!("</pfif:{name}>"))?;
    Some(&xml[start..end])
}

/// The note of the person `captive.ID` in a PFIF document.
fn pfif_note<'a>(document: &'a str, domain: &str, id: CaptiveId) -> &'a str {
    let record = format!("<pfif:person_record_id>{domain}/captive.{id}</pfif:person_record_id>");
    let person = &document[document.find(&record).expect("the person is exported")..];
    let person = &person[..person.find("</pfif:person>").unwrap()];
    &person[person.find("<pfif:note>").expect("the person has a note")..]
}

/// Captives held, in hospital, escaped, released, repatriated and dead: the bureau's
/// note on each says what it believes in PFIF's words, and the note of the dead gives
/// the time of death as its source and says who recorded it, and not where.
async fn each_custody_status_exports_as_the_pfif_status_the_bureau_believes(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let store = db.store().await;
    let ids = registry_with(
        &store,
        &[
            ("RU", "Шевченко", "Олександр"),
            ("RU", "Коваль", "Петро"),
            ("RU", "Мороз", "Іван"),
            ("RU", "Сірко", "Тарас"),
            ("KP", "Ким", "Чол"),
            ("KP", "Пак", "Мин"),
        ],
    )
    .await;
    add_event(&store, ids[1], CustodyEventKind::AdmittedToHospital, 11).await;
    add_event(&store, ids[2], CustodyEventKind::Escaped, 12).await;
    add_event(&store, ids[3], CustodyEventKind::Released, 13).await;
    add_event(&store, ids[4], CustodyEventKind::Repatriated, 14).await;
    add_event(&store, ids[5], CustodyEventKind::Died, 15).await;
    let (document, count) =
        repatria_app::pfif::export(&store, &Actor::new("cli"), "bureau.example", at(20))
            .await
            .unwrap();
    assert_eq!(count, 6);
    let expected = [
        ("believed_alive", "custody status: in custody"),
        ("believed_alive", "custody status: in hospital"),
        (
            "believed_missing",
            "custody status: escaped; the bureau does not know where he is",
        ),
        ("believed_alive", "custody status: released"),
        ("believed_alive", "custody status: repatriated"),
        (
            "believed_dead",
            "Died 2025-01-15 12:00 UTC, as recorded by the national information bureau \
             (GC III Art. 120).",
        ),
    ];
    for (id, (status, text)) in ids.iter().zip(expected) {
        let note = pfif_note(&document, "bureau.example", *id);
        assert_eq!(pfif_field(note, "status"), Some(status), "{note}");
        assert_eq!(pfif_field(note, "text"), Some(text), "{note}");
        assert_eq!(pfif_field(note, "author_name"), Some("Repatria"), "{note}");
        assert_eq!(
            pfif_field(note, "entry_date"),
            Some("2025-01-20T08:00:00Z"),
            "{note}"
        );
        let source_date = if status == "believed_dead" {
            "2025-01-15T12:00:00Z"
        } else {
            "2025-01-20T08:00:00Z"
        };
        assert_eq!(pfif_field(note, "source_date"), Some(source_date), "{note}");
    }
    // Where he died and the event's note stay in the registry.
    assert!(
        !document.contains("Camp No. 4") && !document.contains("cause:"),
        "{document}"
    );
    // Every custody status has its PFIF status.
    for status in CustodyStatus::ALL {
        let believed = repatria_app::pfif::pfif_status(*status);
        assert_eq!(
            believed == PfifStatus::BelievedAlive,
            !matches!(status, CustodyStatus::Escaped | CustodyStatus::Deceased),
            "{status}"
        );
    }
}

/// The export of a registry with the living, the escaped and the dead, as Person
/// Finder's validator reads it: no error, no warning.
async fn the_pfif_export_of_the_living_the_escaped_and_the_dead_passes_person_finder_s_validator(
    backend: Backend,
) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let store = db.store().await;
    let ids = registry_with(
        &store,
        &[
            ("RU", "Шевченко", "Олександр"),
            ("KP", "Ким", "Чол"),
            ("RU", "O'Neil & Sons", "Ann <Jr>"),
        ],
    )
    .await;
    add_event(&store, ids[1], CustodyEventKind::Died, 15).await;
    add_event(&store, ids[2], CustodyEventKind::Escaped, 16).await;
    let (document, count) =
        repatria_app::pfif::export(&store, &Actor::new("cli"), "bureau.example", at(20))
            .await
            .unwrap();
    assert_eq!(count, 3);
    assert!(document.contains("<pfif:status>believed_dead</pfif:status>"));
    validator::assert_accepted(&document, &format!("registry-{backend:?}"));
}

/// A domain that record ids cannot carry is refused, naming the field, and nothing is
/// exported or audited; a captive whose record gives no name is left out, PFIF requiring
/// a person's full name.
async fn a_pfif_export_refuses_a_domain_ids_cannot_carry_and_leaves_out_the_unnamed(
    backend: Backend,
) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let store = db.store().await;
    let ids = registry_with(&store, &[("RU", "Шевченко", "Олександр")]).await;
    let mut unnamed = fixtures::new_captive("RU", "x", "x");
    unnamed.claims.clear();
    let nameless = CaptiveId(Uuid::now_v7());
    store
        .create_captive(
            &Actor::new("registrar-1"),
            nameless,
            EventId(Uuid::now_v7()),
            unnamed,
            at(10),
        )
        .await
        .unwrap();
    let clerk = Actor::new("cli");
    for domain in ["1bureau.example", "bureau..example", "bureau_x.example"] {
        match repatria_app::pfif::export(&store, &clerk, domain, at(20)).await {
            Err(StoreError::Domain(DomainError::Invalid(errors))) => {
                assert_eq!(errors.len(), 1);
                assert_eq!(errors[0].field, "domain");
            }
            other => panic!("{domain}: {other:?}"),
        }
    }
    let audited = store
        .audit_events(&AuditFilter {
            actor: Some("cli".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(audited.is_empty(), "{audited:?}");
    let (document, count) = repatria_app::pfif::export(&store, &clerk, "bureau.example", at(20))
        .await
        .unwrap();
    assert_eq!(count, 1);
    assert!(document.contains(&format!("bureau.example/captive.{}", ids[0])));
    assert!(!document.contains(&nameless.to_string()), "{document}");
}

/// Person Finder's own PFIF 1.4 test file imports as one tracing request, its record's
/// author the inquirer.
async fn person_finder_s_own_pfif_1_4_test_file_imports_as_a_tracing_request(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let store = db.store().await;
    let file: &[u8] = include_bytes!("../../repatria-lists/tests/personfinder/test.pfif-1.4.xml");
    let input = ImportInput {
        file_name: "test.pfif-1.4.xml".into(),
        bytes: file.to_vec().into(),
        format: None,
        kind: ImportKind::Tracing,
        source: None,
        overrides: Vec::new(),
        consent_to_matching: true,
        exchange: None,
    };
    let summary = repatria_app::imports::import(
        &store,
        &Matching::default(),
        &Actor::new("tracer-1"),
        input,
        at(20),
        &|_, _| {},
    )
    .await
    .unwrap();
    assert_eq!((summary.rows, summary.requests), (1, 1));
    let requests = store.tracing_requests(None).await.unwrap();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.inquirer.name, "_test_author_name");
    assert_eq!(request.inquirer.relation, "not stated");
    assert_eq!(
        request.inquirer.contact,
        "_test_author_email, _test_author_phone"
    );
    assert_eq!(
        request.sought.name.family.as_deref(),
        Some("_test_family_name")
    );
}

/// What monitoring reads of the index: the captives, claims and requests it holds and
/// the audit event it has seen, and one build, then one update per change it reads from
/// the change feed (none when nothing changed).
async fn the_index_counts_what_it_holds_and_reports_each_refresh(backend: Backend) {
    use repatria_app::matching::{IndexStats, Refresh, RefreshObserver};
    use std::sync::{Arc, Mutex};

    #[derive(Default)]
    struct Seen(Mutex<Vec<Refresh>>);
    impl RefreshObserver for Seen {
        fn refreshed(&self, refresh: Refresh, _elapsed: std::time::Duration) {
            self.0.lock().unwrap().push(refresh);
        }
    }

    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let store = db.store().await;
    let seen = Arc::new(Seen::default());
    let matching = Matching::observed(seen.clone());
    assert_eq!(matching.stats(), IndexStats::default(), "not built yet");
    registry_with(
        &store,
        &[
            ("RU", "Шевченко", "Олександр"),
            ("RU", "Бондаренко", "Петро"),
        ],
    )
    .await;
    matching.ensure(&store).await.unwrap();
    let head = store.audit_head().await.unwrap();
    assert_eq!(
        matching.stats(),
        IndexStats {
            built: true,
            captives: 2,
            claims: 2,
            requests: 0,
            seen: head
        }
    );
    matching.ensure(&store).await.unwrap();
    assert_eq!(*seen.0.lock().unwrap(), [Refresh::Build], "nothing changed");

    // A captive with two claims and a consented request, written past this index (by
    // "another server"), are read from the change feed.
    let registrar = Actor::new("registrar-1");
    let mut new = fixtures::new_captive("RU", "Петренко", "Іван");
    new.claims.push(fixtures::claim("Petrenko", "Ivan"));
    store
        .create_captive(
            &registrar,
            CaptiveId(Uuid::now_v7()),
            EventId(Uuid::now_v7()),
            new,
            at(20),
        )
        .await
        .unwrap();
    let mut request = fixtures::tracing_request("Kovalenko", "Mykola");
    request.consent_to_matching = true;
    store
        .create_tracing_request(&registrar, request, at(20))
        .await
        .unwrap();
    matching.ensure(&store).await.unwrap();
    let head = store.audit_head().await.unwrap();
    assert_eq!(
        matching.stats(),
        IndexStats {
            built: true,
            captives: 3,
            claims: 4,
            requests: 1,
            seen: head
        }
    );
    assert_eq!(*seen.0.lock().unwrap(), [Refresh::Build, Refresh::Update]);
}

/// Two servers over one database: what one registers or renames, the other finds in any
/// spelling at its next search, its index brought up to date from the store's change
/// feed (the audit log), not from its own writes alone.
async fn a_second_server_finds_what_the_first_registered_in_any_spelling(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let (first, second) = (db.store().await, db.store().await);
    registry_with(&first, &[("RU", "Шевченко", "Олександр")]).await;
    let (one, two) = (Matching::default(), Matching::default());
    let registrar = Actor::new("registrar-1");
    let reader = Actor::new("tracer-1");
    let search = |name: &str| CaptiveQuery {
        name: Some(name.into()),
        limit: 50,
        ..Default::default()
    };
    // The second server's index is built before the first one writes.
    let before = registry::list(&second, &two, &reader, &search("Petrenko Ivan"), at(20))
        .await
        .unwrap();
    assert!(before.items.is_empty());

    let new = registry::register(
        &first,
        &one,
        &registrar,
        fixtures::new_captive("RU", "Петренко", "Іван"),
        at(20),
    )
    .await
    .unwrap();
    let found = registry::list(&second, &two, &reader, &search("Petrenko Ivan"), at(21))
        .await
        .unwrap();
    assert_eq!(
        found.items.first().map(|f| f.captive.id),
        Some(new.id),
        "the second server finds him in another script"
    );

    // A name added through the first server is found through the second too.
    let mut claim = fixtures::claim("Petrenkov", "Ivan");
    claim.id = repatria_core::ClaimId(Uuid::now_v7());
    registry::change(
        &first,
        &one,
        &registrar,
        new.id,
        repatria_store::CaptiveChange::AddIdentityClaim(Box::new(claim)),
        at(22),
    )
    .await
    .unwrap();
    let found = registry::list(&second, &two, &reader, &search("Петренков Іван"), at(23))
        .await
        .unwrap();
    assert!(
        found
            .items
            .iter()
            .any(|f| f.captive.id == new.id && f.score.is_some()),
        "the new name, transliterated, is in the second server's index"
    );
}

both_backends!(
    a_second_server_finds_what_the_first_registered_in_any_spelling,
    the_index_counts_what_it_holds_and_reports_each_refresh,
    a_name_search_ranks_other_spellings_then_word_beginnings_and_is_audited,
    a_search_paged_through_gives_each_captive_found_once_candidates_first,
    the_registry_exports_as_pfif_that_reads_back_and_the_export_is_audited,
    each_custody_status_exports_as_the_pfif_status_the_bureau_believes,
    the_pfif_export_of_the_living_the_escaped_and_the_dead_passes_person_finder_s_validator,
    a_pfif_export_refuses_a_domain_ids_cannot_carry_and_leaves_out_the_unnamed,
    person_finder_s_own_pfif_1_4_test_file_imports_as_a_tracing_request,
    reads_of_a_captive_and_of_tracing_requests_are_audited_without_names,
    an_account_is_checked_and_created_once,
    a_registered_or_renamed_captive_is_matched_against_open_requests,
    the_dashboard_counts_the_tracing_pipeline_in_the_database,
);

/// The overview's tracing figures are counts the database makes: requests per status
/// and the links waiting for review, the same as the lists' totals.
async fn the_dashboard_counts_the_tracing_pipeline_in_the_database(backend: Backend) {
    use repatria_core::{LinkState, LinkSubject, LinkTarget};
    use repatria_store::{LinkFilter, PageAt};
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let store = db.store().await;
    let captives = registry_with(&store, &[("RU", "Шевченко", "Олександр")]).await;
    let tracer = Actor::new("tracer-1");
    let mut requests = Vec::new();
    for n in 0..4 {
        let request = fixtures::tracing_request("Shevchenko", &format!("Oleksandr{n}"));
        store
            .create_tracing_request(&tracer, request.clone(), at(20))
            .await
            .unwrap();
        requests.push(request);
    }
    // Two links in review, one linked, one rejected; the last request has none.
    for (request, state) in requests.iter().zip([
        LinkState::Review,
        LinkState::Review,
        LinkState::Linked,
        LinkState::Review,
    ]) {
        let subject = LinkSubject::Request { id: request.id };
        let target = LinkTarget::Captive { id: captives[0] };
        let mut link = fixtures::match_link(subject, target, 0.5);
        link.state = state;
        let made = store
            .propose_links(&tracer, Some(subject), vec![link], at(20))
            .await
            .unwrap();
        if request.id == requests[3].id {
            store
                .decide_link(&tracer, made[0].id, repatria_core::Decision::Reject, at(21))
                .await
                .unwrap();
        }
    }
    let extra = fixtures::tracing_request("Коваленко", "Микола");
    store
        .create_tracing_request(&tracer, extra, at(20))
        .await
        .unwrap();

    let cache = repatria_app::dashboard::DashboardCache::default();
    let view = repatria_app::dashboard::overview(&cache, &store, &tracer, true, false, at(22))
        .await
        .unwrap();
    let pipeline = view.tracing.expect("the pipeline for a tracing officer");
    assert_eq!(pipeline.review_queue, 2);
    let review = LinkFilter {
        state: Some(LinkState::Review),
        ..Default::default()
    };
    let queue = store
        .match_link_page(&review, &PageAt::first(1))
        .await
        .unwrap();
    assert_eq!(queue.total, 2);
    let mut counted = 0;
    for count in &pipeline.by_status {
        let status: TracingStatus = count.key.parse().unwrap();
        let listed = store
            .tracing_request_page(Some(status), &PageAt::first(1))
            .await
            .unwrap();
        assert_eq!(count.count as u64, listed.total, "{}", count.key);
        counted += count.count;
    }
    assert_eq!(counted, 5);
    assert_eq!(pipeline.by_status.len(), TracingStatus::ALL.len());
    let open = pipeline.by_status.iter().find(|c| c.key == "open").unwrap();
    assert!(open.count >= 1, "the request without a link is open");
    // Without the right to read tracing requests, no pipeline.
    let view = repatria_app::dashboard::overview(&cache, &store, &tracer, false, false, at(22))
        .await
        .unwrap();
    assert!(view.tracing.is_none());
}
