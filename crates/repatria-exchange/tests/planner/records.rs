//! Exchanges as records: the state machine, the rules a proposal is checked against
//! (each test names its article), decisions at the crossing, counts and the suggestion
//! that restores the balance, and properties over random sequences of operations.

use std::collections::{BTreeSet, HashMap};

use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use repatria_core::{CaptiveId, EntryId, ExchangeId, PartyCode, Timestamp};
use repatria_exchange::record::*;
use repatria_exchange::{Balance, Terms};

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 1, 20, 10, 0, 0).unwrap()
}

fn code(c: &str) -> PartyCode {
    PartyCode::parse(c).unwrap()
}

fn id(n: u128) -> CaptiveId {
    CaptiveId(uuid::Uuid::from_u128(n))
}

fn entry_id(n: u128) -> EntryId {
    EntryId(uuid::Uuid::from_u128(n))
}

fn exchange(terms: Terms) -> Exchange {
    Exchange::open(
        ExchangeId(uuid::Uuid::from_u128(1)),
        NewExchange {
            title: "Exchange via mediator, January".into(),
            sides: vec![vec!["UA".into()], vec!["RU".into(), "KP".into()]],
            mediators: vec!["ICRC".into(), "AE".into()],
            terms,
        },
        "negotiator",
        now(),
    )
    .unwrap()
}

/// A KP soldier held by UA (n odd) or a UA soldier held by RU (n even).
fn facts(n: u128) -> CaptiveFacts {
    let (held_by, belongs_to) = if n % 2 == 1 {
        ("UA", "KP")
    } else {
        ("RU", "UA")
    };
    CaptiveFacts {
        id: id(n),
        held: true,
        held_by: code(held_by),
        belongs_to: code(belongs_to),
        rank: None,
        seriously_wounded_or_sick: false,
        refuses_repatriation: false,
        proceedings: None,
        captured_on: NaiveDate::from_ymd_opt(2025, 1, 9).unwrap(),
        demanded: false,
    }
}

fn transfer(f: &CaptiveFacts) -> TransferRequest {
    TransferRequest {
        captive: f.id,
        from: f.held_by.clone(),
        to: f.belongs_to.clone(),
    }
}

fn proposal(number: u32, checked: Checked) -> Proposal {
    Proposal {
        number,
        by: code("UA"),
        source: ProposalSource::Side,
        created_at: now(),
        created_by: "negotiator".into(),
        note: None,
        transfers: checked.transfers,
        balance: checked.balance,
        violations: checked.violations,
        optimal: None,
        left_out: Vec::new(),
    }
}

fn rules(checked: &Checked) -> Vec<(Rule, Option<String>)> {
    checked
        .violations
        .iter()
        .map(|v| (v.rule, v.article.clone()))
        .collect()
}

fn check(all: &[CaptiveFacts], barred: &[&str], moved: &[&CaptiveFacts]) -> Checked {
    let facts: HashMap<CaptiveId, CaptiveFacts> = all.iter().map(|f| (f.id, f.clone())).collect();
    let barred: BTreeSet<PartyCode> = barred.iter().map(|c| code(c)).collect();
    let requests: Vec<TransferRequest> = moved.iter().map(|f| transfer(f)).collect();
    check_proposal(&exchange(Terms::default()), &facts, &barred, &requests)
}

#[test]
fn opening_names_every_bad_field() {
    let err = Exchange::open(
        ExchangeId(uuid::Uuid::from_u128(2)),
        NewExchange {
            title: " ".into(),
            sides: vec![vec!["UA".into(), "ua".into()], vec!["UA".into()]],
            mediators: vec!["UA".into()],
            terms: Terms::default(),
        },
        "negotiator",
        now(),
    )
    .unwrap_err();
    let ExchangeError::Invalid(fields) = err else {
        panic!("{err:?}")
    };
    // The form of each field first: how the parties relate waits for parties that are
    // well formed.
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["title", "sides[0][1]"], "{fields:?}");
    let related = |sides: Vec<Vec<String>>, mediators: Vec<String>| {
        Exchange::open(
            ExchangeId(uuid::Uuid::from_u128(2)),
            NewExchange {
                title: "Exchange".into(),
                sides,
                mediators,
                terms: Terms::default(),
            },
            "negotiator",
            now(),
        )
    };
    let err = related(
        vec![vec!["UA".into(), " UA ".into()], vec!["UA".into()]],
        vec!["UA".into()],
    )
    .unwrap_err();
    let ExchangeError::Invalid(fields) = err else {
        panic!("{err:?}")
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["sides[1][0]", "mediators[0]"], "{fields:?}");
    // A party named twice on one side is one party; so is a mediator named twice.
    let x = related(
        vec![vec!["UA".into(), "UA".into()], vec!["RU".into()]],
        vec!["ICRC".into(), "ICRC".into()],
    )
    .unwrap();
    assert_eq!(x.sides[0].len(), 1);
    assert_eq!(x.mediators.len(), 1);
    let one_side = Exchange::open(
        ExchangeId(uuid::Uuid::from_u128(2)),
        NewExchange {
            title: "t".into(),
            sides: vec![vec!["UA".into()]],
            mediators: vec![],
            terms: Terms::default(),
        },
        "n",
        now(),
    );
    assert!(matches!(one_side, Err(ExchangeError::Invalid(f)) if f[0].field == "sides"));
}

#[test]
fn parties_not_registered_are_named_after_the_form_and_before_the_relations() {
    let open = |title: &str, sides: Vec<Vec<String>>| {
        Exchange::open_among(
            ExchangeId(uuid::Uuid::from_u128(3)),
            NewExchange {
                title: title.into(),
                sides,
                mediators: vec!["ICRC".into()],
                terms: Terms::default(),
            },
            "negotiator",
            now(),
            |p| ["UA", "RU", "ICRC"].contains(&p.as_str()),
        )
    };
    // Unknown parties, one of them on two sides: the unknown ones are what is wrong.
    let err = open("t", vec![vec!["UA".into(), "XX".into()], vec!["XX".into()]]).unwrap_err();
    let ExchangeError::Unknown(fields) = err else {
        panic!("{err:?}")
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["sides[0][1]", "sides[1][0]"]);
    assert!(fields[0].reason.contains("no party XX is registered"));
    // A bad form comes first.
    assert!(matches!(
        open(" ", vec![vec!["XX".into()], vec!["RU".into()]]),
        Err(ExchangeError::Invalid(f)) if f[0].field == "title"
    ));
    // Registered parties on two sides.
    assert!(matches!(
        open("t", vec![vec!["UA".into()], vec!["UA".into(), "RU".into()]]),
        Err(ExchangeError::Invalid(f)) if f[0].field == "sides[1][0]"
    ));
    assert!(open("t", vec![vec!["UA".into()], vec!["RU".into()]]).is_ok());
}

#[test]
fn texts_are_read_as_the_core_reads_them() {
    let open = |title: &str| {
        Exchange::open(
            ExchangeId(uuid::Uuid::from_u128(4)),
            NewExchange {
                title: title.into(),
                sides: vec![vec!["UA".into()], vec!["RU".into()]],
                mediators: vec![],
                terms: Terms::default(),
            },
            "negotiator",
            now(),
        )
    };
    assert_eq!(open("  January  ").unwrap().title, "January");
    // A control character is refused; the bound counts the text as given.
    assert!(
        matches!(open("Jan\u{7}uary"), Err(ExchangeError::Invalid(f)) if f[0].field == "title")
    );
    assert!(open(&format!(" {}", "x".repeat(199))).is_ok());
    assert!(open(&format!("  {}", "x".repeat(199))).is_err());
}

#[test]
fn the_state_machine_allows_only_its_transitions_and_names_the_state() {
    let all = [facts(1), facts(2)];
    let mut x = exchange(Terms::default());
    assert_eq!(x.state, ExchangeState::Negotiating);
    assert_eq!(x.next_proposal().unwrap(), 1);
    assert_eq!(x.next_proposal().unwrap(), 2);
    let p = proposal(2, check(&all, &[], &[&all[0], &all[1]]));
    assert!(p.violations.is_empty(), "{:?}", p.violations);
    // Nothing to hand over nor complete before an agreement.
    let err = x.begin_handover(now()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the exchange is negotiating: a handover is not allowed"
    );
    x.agree(&p, "negotiator", now()).unwrap();
    assert_eq!(x.state, ExchangeState::Agreed);
    assert_eq!(x.agreement.as_ref().unwrap().proposal, 2);
    // Agreed: no more proposals nor a second agreement.
    assert!(matches!(
        x.next_proposal(),
        Err(ExchangeError::State {
            state: ExchangeState::Agreed,
            ..
        })
    ));
    assert!(x.agree(&p, "n", now()).is_err());
    x.begin_handover(now()).unwrap();
    assert_eq!(x.state, ExchangeState::InProgress);
    assert_eq!(x.started_at, Some(now()));
    // Persons have crossed: the exchange can no longer be called off.
    assert!(matches!(
        x.cancel("weather", "n", now()),
        Err(ExchangeError::State {
            state: ExchangeState::InProgress,
            ..
        })
    ));
    assert_eq!(x.complete(3, now()).unwrap_err(), ExchangeError::Pending(3));
    x.complete(0, now()).unwrap();
    assert_eq!(x.state, ExchangeState::Completed);
    assert!(x.begin_handover(now()).is_err());

    let mut y = exchange(Terms::default());
    assert!(matches!(
        y.cancel(" ", "n", now()),
        Err(ExchangeError::Invalid(_))
    ));
    y.cancel("the mediator withdrew", "n", now()).unwrap();
    assert_eq!(y.state, ExchangeState::Cancelled);
    assert!(y.next_proposal().is_err());
}

#[test]
fn a_captive_who_refuses_repatriation_is_a_violation_of_art_109() {
    let mut refuses = facts(1);
    refuses.refuses_repatriation = true;
    let all = [refuses.clone(), facts(2)];
    let checked = check(&all, &[], &[&all[0], &all[1]]);
    assert_eq!(
        rules(&checked),
        [(Rule::RefusesRepatriation, Some("GC III Art. 109".into()))]
    );
    assert_eq!(checked.violations[0].captive, Some(refuses.id));
}

#[test]
fn a_captive_held_for_proceedings_is_a_violation_of_art_115_unless_seriously_wounded() {
    let mut held = facts(1);
    held.proceedings = Some("case 12/2025".into());
    let all = [held.clone(), facts(2)];
    let checked = check(&all, &[], &[&all[0], &all[1]]);
    assert_eq!(
        rules(&checked),
        [(Rule::HeldForProceedings, Some("GC III Art. 115".into()))]
    );
    assert!(checked.violations[0].message.contains("case 12/2025"));
    held.seriously_wounded_or_sick = true;
    let all = [held, facts(2), facts(4)];
    let checked = check(&all, &[], &[&all[0], &all[1], &all[2]]);
    // He goes, and does not count: the two UA soldiers then break the balance.
    assert_eq!(
        rules(&checked),
        [
            (Rule::OutsideTolerance, None),
            (Rule::OutsideTolerance, None)
        ]
    );
}

#[test]
fn a_transfer_to_a_party_on_the_art_12_list_is_a_violation() {
    let all = [facts(1), facts(2)];
    let checked = check(&all, &["KP"], &[&all[0], &all[1]]);
    assert_eq!(
        rules(&checked),
        [(Rule::TransferBarred, Some("GC III Art. 12".into()))]
    );
}

#[test]
fn the_seriously_wounded_never_count_toward_balance_even_when_added_by_hand() {
    // Arts. 109-110: a proposal that says otherwise is corrected, not believed.
    let mut wounded = facts(3);
    wounded.seriously_wounded_or_sick = true;
    let all = [facts(1), facts(2), wounded.clone()];
    let checked = check(&all, &[], &[&all[0], &all[1], &all[2]]);
    assert!(checked.violations.is_empty(), "{:?}", checked.violations);
    let t = checked
        .transfers
        .iter()
        .find(|t| t.captive == wounded.id)
        .unwrap();
    assert!(!t.counts_toward_balance);
    assert_eq!(t.value, 0);
    assert_eq!(
        checked
            .balance
            .iter()
            .map(|s| (s.gives, s.receives))
            .collect::<Vec<_>>(),
        [(1, 1), (1, 1)]
    );
}

#[test]
fn facts_the_proposer_got_wrong_are_violations() {
    let mut gone = facts(1);
    gone.held = false;
    let mut elsewhere = facts(3);
    elsewhere.held_by = code("RU");
    let all = [gone.clone(), elsewhere.clone(), facts(2)];
    let facts_by: HashMap<CaptiveId, CaptiveFacts> =
        all.iter().map(|f| (f.id, f.clone())).collect();
    let requests = vec![
        transfer(&gone),
        TransferRequest {
            captive: elsewhere.id,
            from: code("UA"),
            to: code("AE"),
        },
        transfer(&facts(2)),
        transfer(&facts(2)),
        TransferRequest {
            captive: id(99),
            from: code("UA"),
            to: code("KP"),
        },
    ];
    let checked = check_proposal(
        &exchange(Terms::default()),
        &facts_by,
        &BTreeSet::new(),
        &requests,
    );
    let got: Vec<Rule> = checked.violations.iter().map(|v| v.rule).collect();
    assert_eq!(
        got,
        [
            Rule::NotHeld,
            Rule::NotHeldBy,
            Rule::WrongDestination,
            Rule::PartyNotInAgreement,
            Rule::Duplicate,
            Rule::UnknownCaptive,
            // UA gives two (one to a mediator) and receives one; RU+KP is even.
            Rule::OutsideTolerance,
        ]
    );
}

#[test]
fn a_proposal_with_violations_is_kept_but_cannot_be_agreed() {
    let mut refuses = facts(1);
    refuses.refuses_repatriation = true;
    let all = [refuses, facts(2)];
    let p = proposal(1, check(&all, &[], &[&all[0], &all[1]]));
    let mut x = exchange(Terms::default());
    x.next_proposal().unwrap();
    let err = x.agree(&p, "n", now()).unwrap_err();
    assert!(
        matches!(
            err,
            ExchangeError::Violations {
                number: 1,
                count: 1,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(x.state, ExchangeState::Negotiating);
}

#[test]
fn balance_by_value_weighs_ranks_and_the_difference_names_who_changed() {
    let terms = Terms {
        balance: Balance::Value,
        values: [("captain".to_string(), 6), ("private".to_string(), 1)].into(),
        tolerance: 0,
        ..Terms::default()
    };
    let mut captain = facts(1);
    captain.rank = Some("captain".into());
    let privates: Vec<CaptiveFacts> = (1..=6).map(|i| facts(2 * i)).collect();
    let mut all = vec![captain.clone()];
    all.extend(privates.iter().cloned());
    let facts_by: HashMap<CaptiveId, CaptiveFacts> =
        all.iter().map(|f| (f.id, f.clone())).collect();
    let requests: Vec<TransferRequest> = all.iter().map(transfer).collect();
    let x = exchange(terms);
    let first = check_proposal(&x, &facts_by, &BTreeSet::new(), &requests);
    assert!(first.violations.is_empty(), "{:?}", first.violations);
    assert_eq!((first.balance[0].gives, first.balance[0].receives), (6, 6));
    let second = check_proposal(&x, &facts_by, &BTreeSet::new(), &requests[..6]);
    assert_eq!(second.violations.len(), 2, "5 privates for a captain");
    let d = difference(&proposal(1, first), &proposal(2, second));
    assert_eq!(d.added, Vec::<CaptiveId>::new());
    assert_eq!(d.removed, vec![privates[5].id]);
}

/// An agreed exchange of `pairs` KP soldiers for as many UA soldiers.
fn agreed(
    pairs: u128,
) -> (
    Exchange,
    Vec<ManifestEntry>,
    HashMap<CaptiveId, CaptiveFacts>,
) {
    let all: Vec<CaptiveFacts> = (1..=2 * pairs).map(facts).collect();
    let refs: Vec<&CaptiveFacts> = all.iter().collect();
    let p = proposal(1, check(&all, &[], &refs));
    let mut x = exchange(Terms::default());
    x.next_proposal().unwrap();
    x.agree(&p, "n", now()).unwrap();
    let entries = ManifestEntry::freeze(&p, (1..).map(entry_id));
    (x, entries, all.into_iter().map(|f| (f.id, f)).collect())
}

fn request(outcome: Outcome) -> HandoverRequest {
    HandoverRequest {
        outcome,
        at: now(),
        stage: Some("bus 2".into()),
        checks: Checks {
            identity_verified: true,
            identity_method: Some("photo and questions".into()),
            wish_confirmed: true,
            wish_confirmed_by: None,
            fit_to_travel: Some(true),
            effects_returned: Some(true),
        },
        note: None,
    }
}

const DELEGATE: Decider<'static> = Decider {
    user: "delegate",
    delegate: true,
};
const OFFICER: Decider<'static> = Decider {
    user: "officer",
    delegate: false,
};

/// The fields a refusal names: of the request (`Invalid`) or of what the records say
/// (`Conflict`, marked so).
fn fields(err: ExchangeError) -> Vec<String> {
    match err {
        ExchangeError::Invalid(f) => f.into_iter().map(|f| f.field).collect(),
        ExchangeError::Conflict(f) => f
            .into_iter()
            .map(|f| format!("conflict: {}", f.field))
            .collect(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn nobody_is_handed_over_whose_wish_was_not_confirmed_art_109() {
    let (x, entries, _) = agreed(1);
    let ours = &entries[0]; // UA gives a KP soldier
    let mut r = request(Outcome::HandedOver);
    r.checks.wish_confirmed = false;
    assert_eq!(
        fields(decide(&x, ours, r, false, DELEGATE, now()).unwrap_err()),
        ["checks.wish_confirmed"]
    );
    // Another account may record it only naming the delegate who witnessed it.
    let r = request(Outcome::HandedOver);
    assert_eq!(
        fields(decide(&x, ours, r.clone(), false, OFFICER, now()).unwrap_err()),
        ["checks.wish_confirmed_by"]
    );
    let mut witnessed = r.clone();
    witnessed.checks.wish_confirmed_by = Some("M. Keller (ICRC)".into());
    let h = decide(&x, ours, witnessed, false, OFFICER, now()).unwrap();
    assert_eq!(
        h.checks.wish_confirmed_by.as_deref(),
        Some("M. Keller (ICRC)")
    );
    let h = decide(&x, ours, r.clone(), false, DELEGATE, now()).unwrap();
    assert_eq!(h.checks.wish_confirmed_by.as_deref(), Some("delegate"));
    // The registry says he refuses: confirmed or not, he does not cross.
    assert_eq!(
        fields(decide(&x, ours, r, true, DELEGATE, now()).unwrap_err()),
        ["conflict: checks.wish_confirmed"]
    );
}

#[test]
fn a_handover_needs_identity_the_right_direction_and_a_withdrawal_its_reason() {
    let (x, entries, _) = agreed(1);
    let (give, get) = (&entries[0], &entries[1]);
    let mut r = request(Outcome::Received);
    r.checks.identity_verified = false;
    assert_eq!(
        fields(decide(&x, get, r, false, DELEGATE, now()).unwrap_err()),
        ["checks.identity_verified"]
    );
    assert_eq!(
        fields(decide(&x, give, request(Outcome::Received), false, DELEGATE, now()).unwrap_err()),
        ["conflict: outcome"]
    );
    assert_eq!(
        fields(
            decide(
                &x,
                get,
                request(Outcome::HandedOver),
                false,
                DELEGATE,
                now()
            )
            .unwrap_err()
        ),
        ["conflict: outcome"]
    );
    // What the request lacks comes before what the records say.
    let mut unverified = request(Outcome::HandedOver);
    unverified.checks.identity_verified = false;
    assert_eq!(
        fields(decide(&x, get, unverified, false, DELEGATE, now()).unwrap_err()),
        ["checks.identity_verified"]
    );
    assert_eq!(
        fields(
            decide(
                &x,
                give,
                request(Outcome::Withdrawn),
                false,
                DELEGATE,
                now()
            )
            .unwrap_err()
        ),
        ["note"]
    );
    let mut future = request(Outcome::Received);
    future.at = now() + chrono::Duration::hours(1);
    assert_eq!(
        fields(decide(&x, get, future, false, DELEGATE, now()).unwrap_err()),
        ["at"]
    );
    let mut withdrawn = request(Outcome::Withdrawn);
    withdrawn.note = Some("refused at the crossing".into());
    withdrawn.checks.wish_confirmed = false;
    let h = decide(&x, give, withdrawn, false, OFFICER, now()).unwrap();
    assert_eq!(h.outcome, Outcome::Withdrawn);
}

#[test]
fn an_entry_is_decided_once() {
    let (x, mut entries, _) = agreed(1);
    let h = decide(
        &x,
        &entries[1],
        request(Outcome::Received),
        false,
        DELEGATE,
        now(),
    )
    .unwrap();
    entries[1].status = h.outcome.status();
    entries[1].handover = Some(h);
    let err = decide(
        &x,
        &entries[1],
        request(Outcome::Received),
        false,
        DELEGATE,
        now(),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        ExchangeError::Decided {
            status: EntryStatus::Received,
            ..
        }
    ));
    assert!(err.to_string().contains("delegate"), "{err}");
}

#[test]
fn a_withdrawal_shows_the_imbalance_and_the_planner_suggests_what_restores_it() {
    let (x, mut entries, facts) = agreed(3);
    // Their side withdraws one of ours (entry 2: a UA soldier held by RU, who died).
    entries[1].status = EntryStatus::Withdrawn;
    let c = counts(&x, &tally(&entries));
    assert_eq!(c.planned, 6);
    assert_eq!(c.pending, 5);
    assert!(!c.balanced);
    let ua = &c.sides[0];
    assert_eq!(
        (ua.expected_gives, ua.expected_receives, ua.imbalance),
        (3, 2, 1)
    );
    let ru = c
        .directions
        .iter()
        .find(|d| d.from.as_str() == "RU")
        .unwrap();
    assert_eq!((ru.planned, ru.withdrawn, ru.pending), (3, 1, 2));
    // The least loss: the KP soldier with the fewest days in captivity.
    let candidates: Vec<Candidate> = entries
        .iter()
        .filter(|e| e.status == EntryStatus::Pending)
        .map(|e| Candidate {
            entry: e.id,
            from: e.from.clone(),
            to: e.to.clone(),
            value: e.balance_value(),
            demanded: facts[&e.captive].demanded,
            days_in_captivity: if e.position == 5 { 10 } else { 300 },
        })
        .collect();
    let r = restore(&x, &c, &candidates).unwrap();
    assert_eq!(r.side, vec![code("UA")]);
    assert_eq!(r.imbalance, 1);
    assert_eq!(r.withdraw, vec![entries[4].id]);
    // Withdrawing it balances the exchange again.
    entries[4].status = EntryStatus::Withdrawn;
    let c = counts(&x, &tally(&entries));
    assert!(c.balanced);
    assert_eq!(restore(&x, &c, &[]), None);
}

#[derive(Debug, Clone)]
enum Step {
    /// Decide entry i (mod n) as its direction's crossing, with or without the wish
    /// confirmed, as the delegate or not.
    Cross {
        i: usize,
        wish: bool,
        delegate: bool,
    },
    Withdraw {
        i: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (any::<usize>(), any::<bool>(), any::<bool>())
            .prop_map(|(i, wish, delegate)| Step::Cross { i, wish, delegate }),
        any::<usize>().prop_map(|i| Step::Withdraw { i }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever sequence of proposals, handovers and withdrawals: a completed exchange
    /// never hands over anyone who refused or whose wish was not confirmed (Art. 109),
    /// nobody is decided twice, and the counts equal the manifest.
    #[test]
    fn a_completed_exchange_never_hands_over_who_refused_and_counts_equal_the_manifest(
        pairs in 1u128..6,
        refusing in proptest::collection::vec(any::<bool>(), 12),
        wounded in proptest::collection::vec(any::<bool>(), 12),
        proposals in proptest::collection::vec(proptest::collection::vec(any::<bool>(), 12), 1..4),
        steps in proptest::collection::vec(step(), 0..40),
    ) {
        let mut all: Vec<CaptiveFacts> = (1..=2 * pairs).map(facts).collect();
        for (i, f) in all.iter_mut().enumerate() {
            f.refuses_repatriation = refusing[i];
            f.seriously_wounded_or_sick = wounded[i];
        }
        let by_id: HashMap<CaptiveId, CaptiveFacts> = all.iter().map(|f| (f.id, f.clone())).collect();
        let mut x = exchange(Terms { tolerance: 12, ..Terms::default() });
        // Several proposals, each a random choice of captives; the last without
        // violations is agreed, if any.
        let mut agreeable = None;
        for chosen in &proposals {
            let requests: Vec<TransferRequest> = all.iter().zip(chosen).filter(|(_, c)| **c).map(|(f, _)| transfer(f)).collect();
            let n = x.next_proposal().unwrap();
            let p = proposal(n, check_proposal(&x, &by_id, &BTreeSet::new(), &requests));
            let refused_in = p.transfers.iter().any(|t| by_id[&t.captive].refuses_repatriation);
            prop_assert_eq!(refused_in, p.violations.iter().any(|v| v.rule == Rule::RefusesRepatriation));
            if p.violations.is_empty() && !p.transfers.is_empty() {
                agreeable = Some(p);
            } else {
                prop_assert!(x.clone().agree(&p, "n", now()).is_err());
            }
        }
        let Some(p) = agreeable else { return Ok(()) };
        x.agree(&p, "n", now()).unwrap();
        let mut entries = ManifestEntry::freeze(&p, (1..).map(entry_id));
        let n = entries.len();
        for s in &steps {
            let (i, outcome, mut r, decider) = match *s {
                Step::Cross { i, wish, delegate } => {
                    let e = &entries[i % n];
                    let outcome = if x.is_ours(&e.from) { Outcome::HandedOver } else { Outcome::Received };
                    let mut r = request(outcome);
                    r.checks.wish_confirmed = wish;
                    (i % n, outcome, r, if delegate { DELEGATE } else { OFFICER })
                }
                Step::Withdraw { i } => {
                    let mut r = request(Outcome::Withdrawn);
                    r.note = Some("refused at the crossing".into());
                    r.checks.wish_confirmed = false;
                    (i % n, Outcome::Withdrawn, r, OFFICER)
                }
            };
            if outcome == Outcome::Withdrawn { r.checks.wish_confirmed = false; }
            let refuses = by_id[&entries[i].captive].refuses_repatriation;
            let before = entries[i].status;
            match decide(&x, &entries[i], r, refuses, decider, now()) {
                Ok(h) => {
                    prop_assert_eq!(before, EntryStatus::Pending, "decided twice");
                    x.begin_handover(now()).unwrap();
                    entries[i].status = h.outcome.status();
                    entries[i].handover = Some(h);
                }
                Err(_) => prop_assert_eq!(entries[i].status, before),
            }
            let c = counts(&x, &tally(&entries));
            prop_assert_eq!(c.planned as usize, n);
            for d in &c.directions {
                prop_assert_eq!(d.planned, d.handed_over + d.received + d.withdrawn + d.pending);
            }
        }
        // Withdraw whoever is left, then complete.
        for e in entries.iter_mut().filter(|e| e.status == EntryStatus::Pending) {
            let mut r = request(Outcome::Withdrawn);
            r.note = Some("bus left".into());
            r.checks.wish_confirmed = false;
            let h = decide(&x, e, r, false, OFFICER, now()).unwrap();
            e.status = h.outcome.status();
            e.handover = Some(h);
        }
        x.begin_handover(now()).unwrap();
        let c = counts(&x, &tally(&entries));
        x.complete(c.pending, now()).unwrap();
        prop_assert_eq!(x.state, ExchangeState::Completed);
        for e in &entries {
            if e.status == EntryStatus::HandedOver {
                let h = e.handover.as_ref().unwrap();
                prop_assert!(!by_id[&e.captive].refuses_repatriation);
                prop_assert!(h.checks.wish_confirmed && h.checks.wish_confirmed_by.is_some());
                prop_assert!(h.checks.identity_verified);
            }
        }
        let crossed = entries.iter().filter(|e| matches!(e.status, EntryStatus::HandedOver | EntryStatus::Received)).count() as u64;
        let counted: u64 = c.directions.iter().map(|d| d.handed_over + d.received).sum();
        prop_assert_eq!(crossed, counted);
    }
}
