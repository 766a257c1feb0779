//! Lists read a page at a time by their key (keyset paging): walked page after page,
//! every item comes once and in the list's order, even where the first part of the key
//! is shared (requests made in the same instant, links of the same score), and `total`
//! counts the whole list with the same filters.

use std::fmt::Debug;

use repatria_core::{
    fixtures, CaptiveId, ImportId, ImportKind, LinkState, LinkSubject, LinkTarget, ListImport,
    MatchLink, Timestamp, TracingRequest, TracingStatus,
};
use repatria_store::testing::{both_backends, TestStore};
use repatria_store::{Actor, AuditFilter, Cursor, LinkFilter, NewImport, Page, PageAt, SqlStore};
use uuid::Uuid;

both_backends!(
    setup = TestStore::open;
    requests_of_one_instant_are_paged_by_id,
    links_of_one_score_are_paged_by_id_best_score_first,
    imports_are_paged_newest_first,
    the_audit_log_is_paged_by_number_within_its_filter,
    the_pipeline_is_counted_by_the_database,
);

fn actor() -> Actor {
    Actor::new("tracer-1")
}

fn now() -> Timestamp {
    fixtures::at(28, 0)
}

/// Every item of a list, reading pages of `limit` from `read` until the last; each page
/// holds at most `limit` items and says the same total, which is the number walked.
async fn walk<T: Clone + Debug, K: Cursor, F, Fut>(limit: u32, read: F) -> Vec<T>
where
    F: Fn(PageAt<K>) -> Fut,
    Fut: std::future::Future<Output = Page<T>>,
{
    let mut items = Vec::new();
    let mut at = PageAt::first(limit);
    let mut total = None;
    loop {
        let page = read(at).await;
        assert!(page.items.len() <= limit as usize, "{page:?}");
        assert_eq!(*total.get_or_insert(page.total), page.total, "{page:?}");
        items.extend(page.items);
        match page.next {
            Some(next) => {
                at = PageAt {
                    after: Some(K::read(&next).expect("a position the store wrote reads back")),
                    limit,
                }
            }
            None => break,
        }
    }
    assert_eq!(items.len() as u64, total.unwrap());
    items
}

async fn requests_of_one_instant_are_paged_by_id(store: &SqlStore) {
    // Seven requests made in the same instant (the fixture's), their ids in an order of
    // their own; two of them closed.
    let mut made: Vec<TracingRequest> = (0..7)
        .map(|n| {
            let mut r = fixtures::tracing_request("Шевченко", &format!("Тарас{n}"));
            r.id = repatria_core::TracingRequestId(Uuid::now_v7());
            r
        })
        .collect();
    for r in &made {
        store
            .create_tracing_request(&actor(), r.clone(), now())
            .await
            .unwrap();
    }
    made.sort_by_key(|r| r.id.0.to_string());
    for limit in [1, 2, 3, 7, 50] {
        let walked = walk(limit, |at| async move {
            store.tracing_request_page(None, &at).await.unwrap()
        })
        .await;
        let ids: Vec<_> = walked.iter().map(|r| r.id).collect();
        let expected: Vec<_> = made.iter().map(|r| r.id).collect();
        assert_eq!(ids, expected, "limit {limit}");
    }
    let open = walk(2, |at| async move {
        store
            .tracing_request_page(Some(TracingStatus::Open), &at)
            .await
            .unwrap()
    })
    .await;
    assert_eq!(open.len(), 7);
    let none = store
        .tracing_request_page(Some(TracingStatus::Closed), &PageAt::first(5))
        .await
        .unwrap();
    assert_eq!((none.items.len(), none.total, none.next), (0, 0, None));
    // A page beyond the end is empty and has no next.
    let last = store
        .tracing_request_page(None, &PageAt::first(7))
        .await
        .unwrap();
    assert_eq!(last.next, None);
    assert_eq!(last.total, 7);
}

async fn links_of_one_score_are_paged_by_id_best_score_first(store: &SqlStore) {
    let request = fixtures::tracing_request("Шевченко", "Тарас");
    store
        .create_tracing_request(&actor(), request.clone(), now())
        .await
        .unwrap();
    let subject = LinkSubject::Request { id: request.id };
    // Scores with ties and ones whose last bit JSON need not give back.
    let scores = [
        0.9,
        0.1 + 0.2,
        0.9,
        0.7,
        0.1 + 0.2,
        0.9,
        1.0 / 3.0,
        0.7,
        0.95,
    ];
    let links: Vec<MatchLink> = scores
        .iter()
        .map(|&score| {
            let target = LinkTarget::Captive {
                id: CaptiveId(Uuid::now_v7()),
            };
            fixtures::match_link(subject, target, score)
        })
        .collect();
    store
        .propose_links(&actor(), Some(subject), links.clone(), now())
        .await
        .unwrap();
    let mut expected: Vec<(f64, String)> =
        links.iter().map(|l| (l.score, l.id.to_string())).collect();
    expected.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let filter = LinkFilter {
        subject: Some(subject),
        ..Default::default()
    };
    for limit in [1, 2, 4, 9] {
        let walked = walk(limit, |at| {
            let filter = filter.clone();
            async move { store.match_link_page(&filter, &at).await.unwrap() }
        })
        .await;
        let got: Vec<(f64, String)> = walked.iter().map(|l| (l.score, l.id.to_string())).collect();
        assert_eq!(got, expected, "limit {limit}");
    }
    // The links of one state, and their count beside the others'.
    let mut states: Vec<LinkState> = links.iter().map(|l| l.state).collect();
    states.sort_by_key(|s| s.as_str());
    states.dedup();
    let counts = store.match_link_counts().await.unwrap();
    for state in states {
        let filter = LinkFilter {
            subject: Some(subject),
            state: Some(state),
            ..Default::default()
        };
        let walked = walk(2, |at| {
            let filter = filter.clone();
            async move { store.match_link_page(&filter, &at).await.unwrap() }
        })
        .await;
        let expected = links.iter().filter(|l| l.state == state).count();
        assert_eq!(walked.len(), expected, "{state}");
        assert!(walked.iter().all(|l| l.state == state));
        assert!(counts.contains(&(state, expected as u64)), "{counts:?}");
    }
    assert_eq!(
        counts.iter().map(|(_, n)| n).sum::<u64>(),
        scores.len() as u64
    );
}

async fn imports_are_paged_newest_first(store: &SqlStore) {
    let mut made = Vec::new();
    for n in 0..5u32 {
        let import = ListImport {
            id: ImportId(Uuid::now_v7()),
            content_hash: format!("{n:064x}"),
            kind: ImportKind::List,
            format: "csv".into(),
            source: None,
            file_name: format!("list-{n}.csv"),
            rows: 0,
            // Two of them in one instant.
            created_at: fixtures::at(10 + n.min(3), 0),
            created_by: "tracer-1".into(),
            exchange: None,
        };
        let new = NewImport {
            import: import.clone(),
            entries: vec![],
            requests: vec![],
            links: vec![],
        };
        store.import_list(&actor(), new, now()).await.unwrap();
        made.push(import);
    }
    made.sort_by_key(|i| std::cmp::Reverse((i.created_at, i.id.to_string())));
    for limit in [1, 2, 4] {
        let walked = walk(
            limit,
            |at| async move { store.import_page(&at).await.unwrap() },
        )
        .await;
        assert_eq!(walked, made, "limit {limit}");
    }
}

async fn the_audit_log_is_paged_by_number_within_its_filter(store: &SqlStore) {
    for n in 0..8 {
        let r = fixtures::tracing_request("Коваленко", &format!("Микола{n}"));
        store
            .create_tracing_request(&actor(), r, now())
            .await
            .unwrap();
    }
    let all = store
        .audit_events(&AuditFilter {
            limit: 10_000,
            ..Default::default()
        })
        .await
        .unwrap();
    let everything = AuditFilter::default();
    let walked = walk(4, |at| {
        let filter = everything.clone();
        async move { store.audit_page(&filter, &at).await.unwrap() }
    })
    .await;
    assert_eq!(walked, all);
    let created = AuditFilter {
        action_prefix: Some("tracing_request.".into()),
        ..Default::default()
    };
    let walked = walk(4, |at| {
        let filter = created.clone();
        async move { store.audit_page(&filter, &at).await.unwrap() }
    })
    .await;
    assert_eq!(walked.len(), 8);
    // Events after a number: the filter's `after_seq` and the page's position together.
    let after = AuditFilter {
        after_seq: all[2].seq,
        ..Default::default()
    };
    let page = store
        .audit_page(
            &after,
            &PageAt {
                after: Some(all[4].seq),
                limit: 2,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total, (all.len() - 3) as u64);
    assert_eq!(page.items, all[5..7].to_vec());
}

async fn the_pipeline_is_counted_by_the_database(store: &SqlStore) {
    assert!(store.tracing_request_counts().await.unwrap().is_empty());
    assert!(store.match_link_counts().await.unwrap().is_empty());
    for n in 0..3 {
        let r = fixtures::tracing_request("Бондаренко", &format!("Петро{n}"));
        store
            .create_tracing_request(&actor(), r, now())
            .await
            .unwrap();
    }
    assert_eq!(
        store.tracing_request_counts().await.unwrap(),
        [(TracingStatus::Open, 3)]
    );
}
